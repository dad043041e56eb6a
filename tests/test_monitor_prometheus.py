"""A real Prometheus server scrapes `aueb monitor --metrics-address` and answers queries with the state's totals."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
LOG = REPO / "aueb" / "data" / "logs" / "requests.csv"
PROMETHEUS = shutil.which("prometheus")

pytestmark = [
    pytest.mark.prometheus,
    pytest.mark.skipif(PROMETHEUS is None, reason="the prometheus binary (Debian package prometheus) is not installed"),
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _query(port: int, expr: str) -> list[dict]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())["data"]["result"]


def test_a_real_prometheus_scrapes_the_state_totals(tmp_path):
    budgets = tmp_path / "b.json"
    budgets.write_text('{"currency": "USD", "total": 50, "features": {"support_chat": 30}}')
    metrics_port, prom_port = _port(), _port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    monitor = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aueb.cli",
            "monitor",
            str(LOG),
            "--state",
            str(tmp_path / "s"),
            "--budgets",
            str(budgets),
            "--interval",
            "1",
            "--metrics-address",
            f"127.0.0.1:{metrics_port}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: aueb\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{metrics_port}']\n"
    )
    prometheus = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        found: list[dict] = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not found:
            time.sleep(1)
            try:
                found = _query(prom_port, 'aueb_cost_total{feature="total"}')
            except OSError:
                continue
        assert found, "Prometheus never scraped aueb_cost_total"
        # Queried while the target is up (a stopped target's series are marked stale).
        total_requests = _query(prom_port, 'sum(aueb_requests_total{feature="total"})')
        forecast = _query(prom_port, 'aueb_month_end_forecast{feature="total"}')
        remaining = _query(prom_port, 'aueb_budget_remaining{feature="support_chat"}')
        alerts = _query(prom_port, "aueb_alerts_total")
        monitor.send_signal(signal.SIGTERM)
        monitor.wait(timeout=30)
        con = duckdb.connect(str(tmp_path / "s" / "state.duckdb"), read_only=True)
        by_model = dict(con.execute("SELECT model, sum(cost) FROM usage GROUP BY model").fetchall())
        requests = con.execute("SELECT sum(requests) FROM usage").fetchall()[0][0]
        con.close()
        scraped = {r["metric"]["model"]: float(r["value"][1]) for r in found}
        assert scraped.keys() == by_model.keys()
        for model, cost in by_model.items():
            assert scraped[model] == pytest.approx(cost, rel=1e-9)
        assert float(total_requests[0]["value"][1]) == requests
        assert {r["metric"]["quantile"] for r in forecast} == {"0.1", "0.5", "0.9"}
        assert remaining and float(remaining[0]["value"][1]) < 30
        assert alerts
    finally:
        for process in (monitor, prometheus):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)

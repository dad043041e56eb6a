"""`aueb monitor` end to end: incremental reads, truncation, the lock, SIGKILL and restart, the webhook."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from aueb.cli import app
from aueb.formatting import money
from aueb.monitor import state as st
from aueb.monitor.forecast import forecast, run_out
from aueb.monitor.state import Lock

REPO = Path(__file__).resolve().parents[1]
LOG = REPO / "aueb" / "data" / "logs" / "requests.csv"
HEADER, *ROWS = LOG.read_text().splitlines()


def _write(path: Path, rows: list[str], append: bool = False) -> None:
    with open(path, "a" if append else "w") as handle:
        if not append:
            handle.write(HEADER + "\n")
        handle.write("".join(r + "\n" for r in rows))


def _run(*args: str):
    return CliRunner().invoke(app, ["monitor", *args])


def _totals(state: Path):
    con = duckdb.connect(str(state / "state.duckdb"), read_only=True)
    try:
        usage = con.execute(
            "SELECT day, feature, model, sum(requests), sum(calls), sum(input_tokens), sum(output_tokens), "
            "round(sum(cost), 9) FROM usage GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        alerts = con.execute("SELECT rule, feature, period, model FROM alerts ORDER BY ALL").fetchall()
        files = con.execute('SELECT path, "offset", records FROM files ORDER BY ALL').fetchall()
        # The totals each cycle keeps (what alerts, /metrics and the dashboard read) are the usage summed.
        kept = (
            "day, feature, model, sum(requests), sum(calls), sum(input_tokens), sum(output_tokens), round(sum(cost), 9)"
        )
        assert con.execute(f"SELECT {kept} FROM totals GROUP BY ALL ORDER BY ALL").fetchall() == usage
        return usage, alerts, files
    finally:
        con.close()


def test_reads_only_what_is_new_and_raises_each_alert_once(tmp_path):
    log = tmp_path / "requests.csv"
    half = len(ROWS) // 2
    _write(log, ROWS[:half])
    state = tmp_path / "s"
    first = _run(str(log), "--state", str(state), "--once")
    assert first.exit_code == 0, first.output
    _write(log, ROWS[half:], append=True)
    second = _run(str(log), "--state", str(state), "--once")
    assert second.exit_code == 0, second.output
    assert f"{len(ROWS) - half:,} new records" in second.output
    third = _run(str(log), "--state", str(state), "--once")
    assert "0 new records" in third.output and "0 new alerts" in third.output
    whole = tmp_path / "whole"
    reference = _run(str(log), "--state", str(whole), "--once")
    assert _totals(state)[0] == _totals(whole)[0]
    printed = [
        json.loads(line) for r in (first, second, third) for line in r.stdout.splitlines() if line.startswith("{")
    ]
    keys = [(a["rule"], a["feature"], a["period"]) for a in printed]
    assert len(keys) == len(set(keys)) == len(_totals(state)[1])
    assert sorted(keys) == sorted(
        (a["rule"], a["feature"], a["period"])
        for a in map(json.loads, (x for x in reference.stdout.splitlines() if x.startswith("{")))
    )


def test_a_state_without_totals_gets_them_from_its_usage(tmp_path):
    log = tmp_path / "requests.csv"
    _write(log, ROWS)
    con = st.open_state(tmp_path / "s")
    st.cycle(con, [str(log)], None, {}, None, False)
    before = st.daily(con)
    con.execute("DROP TABLE totals")  # as a state written before the totals were kept
    con.execute("DELETE FROM meta WHERE key = 'totals'")
    con.close()
    con = st.open_state(tmp_path / "s")
    rebuilt = st.daily(con)
    con.close()
    assert len(before) > 1
    pd.testing.assert_frame_equal(rebuilt, before)
    _totals(tmp_path / "s")  # and they are the usage summed


def test_truncation_is_detected_and_said(tmp_path):
    log = tmp_path / "requests.csv"
    _write(log, ROWS[:200])
    state = tmp_path / "s"
    assert _run(str(log), "--state", str(state), "--once").exit_code == 0
    _write(log, ROWS[200:250])
    result = _run(str(log), "--state", str(state), "--once")
    assert "truncated" in result.output and "50 new records" in result.output
    _write(log, ROWS[300:600])  # longer again, but not what was read: a rotation
    result = _run(str(log), "--state", str(state), "--once")
    assert "rotated" in result.output and "300 new records" in result.output


def test_a_second_monitor_on_one_state_exits_2_naming_the_holder(tmp_path):
    log = tmp_path / "requests.csv"
    _write(log, ROWS[:10])
    lock = Lock(tmp_path / "s")
    try:
        result = _run(str(log), "--state", str(tmp_path / "s"), "--once")
    finally:
        lock.release()
    assert result.exit_code == 2
    assert f"pid {os.getpid()}" in result.output and len(result.output.strip().splitlines()) == 1


def _monitor(log: Path, state: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "aueb.cli", "monitor", str(log), "--state", str(state), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_sigkill_at_any_moment_then_restart_equals_never_stopped(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    many = ROWS * 30  # ~100k rows: a cycle takes long enough to be killed inside it
    chunks = [many[i::4] for i in range(4)]
    state = tmp_path / "s"
    for number, (chunk, wait) in enumerate(zip(chunks, (0.4, 1.5, 2.5, 0.8), strict=True)):
        _write(logs / f"part{number}.csv", chunk)
        process = _monitor(logs / "part*.csv", state, "--interval", "0.1")
        time.sleep(wait)
        process.send_signal(signal.SIGKILL)
        process.wait()
        # Lines appended to a file another monitor run may have read already.
        _write(logs / f"part{number}.csv", chunk[:50], append=True)
    final = _monitor(logs / "part*.csv", state, "--once")
    assert final.wait(timeout=600) == 0, final.stderr.read()
    reference = _monitor(logs / "part*.csv", tmp_path / "ref", "--once")
    assert reference.wait(timeout=600) == 0
    usage, alerts, files = _totals(state)
    ref_usage, ref_alerts, ref_files = _totals(tmp_path / "ref")
    assert (usage, files) == (ref_usage, ref_files)  # nothing lost, nothing doubled
    # Alerts raised on a partial state stay raised (as a live monitor's would); none twice.
    assert len(alerts) == len(set(alerts)) and set(ref_alerts) <= set(alerts)


class _FailTwice(BaseHTTPRequestHandler):
    received: list[dict] = []
    calls = 0

    def do_POST(self):  # noqa: N802
        type(self).calls += 1
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).calls <= 2:
            self.send_response(503)
        else:
            type(self).received.append(json.loads(body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_retries_and_keeps_failed_deliveries(tmp_path):
    log = tmp_path / "requests.csv"
    _write(log, ROWS)
    server = HTTPServer(("127.0.0.1", 0), _FailTwice)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    try:
        # A webhook nobody listens on: the alerts are kept, ingest goes on.
        dead = _run(str(log), "--state", str(tmp_path / "s"), "--once", "--webhook", "http://127.0.0.1:9/none")
        assert dead.exit_code == 0 and "kept for the next cycle" in dead.output
        printed = [json.loads(x) for x in dead.stdout.splitlines() if x.startswith("{")]
        assert printed
        result = _run(str(log), "--state", str(tmp_path / "s"), "--once", "--webhook", url)
        assert result.exit_code == 0, result.output
    finally:
        server.shutdown()
    assert _FailTwice.calls == len(printed) + 2  # the first alert took three tries
    assert sorted(a["period"] + a["rule"] for a in _FailTwice.received) == sorted(
        a["period"] + a["rule"] for a in printed
    )


def test_now_overrides_the_clock_for_month_to_date_forecast_and_alerts(tmp_path):
    """The sample runs to 2026-10-18; with --now 2026-10-10T12:00 month to date stops at the 10th, the forecast
    is made from the days through the 10th, and the alerts are raised at that time."""
    budgets = tmp_path / "budgets.json"
    budgets.write_text(json.dumps({"currency": "USD", "total": 8}))
    now = "2026-10-10T12:00:00"
    result = _run(str(LOG), "--state", str(tmp_path / "s"), "--once", "--budgets", str(budgets), "--now", now)
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(tmp_path / "s" / "state.duckdb"), read_only=True)
    daily = st.daily(con)
    assert str(st.clock(con)) == "2026-10-18 23:58:11"  # the newest record: --now is not stored as the clock
    con.close()
    series = daily.groupby("date")["cost"].sum()
    days = pd.to_datetime(series.index).date
    today = date(2026, 10, 10)
    expected = forecast(series, today)
    assert expected.month_to_date == pytest.approx(float(series[(days >= date(2026, 10, 1)) & (days <= today)].sum()))
    assert expected.month_to_date < float(series[days >= date(2026, 10, 1)].sum())  # the days after the 10th left out
    day = run_out(expected, 8.0)
    total = next(line for line in result.stderr.splitlines() if line.startswith("total:"))
    assert total == (
        f"total: month to date {money(expected.month_to_date)} (2026-10, through 2026-10-10); month-end forecast "
        f"P10 {money(expected.p10)} · P50 {money(expected.p50)} · P90 {money(expected.p90)}; budget $8.00, "
        + (f"runs out {day}" if day else "not run out this month")
    )
    # Without --now the same state reads through the 18th: a different month to date and forecast.
    later = _run(str(LOG), "--state", str(tmp_path / "s"), "--once", "--budgets", str(budgets))
    assert "(2026-10, through 2026-10-18)" in later.stderr and total not in later.stderr
    alerts = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert alerts and {a["raised_at"] for a in alerts} == {now}
    # A --now in September: September's month to date, through the 20th.
    september = _run(str(LOG), "--state", str(tmp_path / "s"), "--once", "--now", "2026-09-20T00:00:00Z")
    assert "(2026-09, through 2026-09-20)" in september.stderr
    sep = forecast(series, date(2026, 9, 20))
    assert f"total: month to date {money(sep.month_to_date)} (2026-09, through 2026-09-20)" in september.stderr
    bad = _run(str(LOG), "--state", str(tmp_path / "s"), "--once", "--now", "yesterday")
    assert bad.exit_code == 2 and "--now: 'yesterday' is not an ISO time" in bad.stderr


def test_dashboard_state_must_be_a_folder(tmp_path):
    result = CliRunner().invoke(app, ["dashboard", "--state", str(tmp_path / "absent")])
    assert result.exit_code == 2
    assert f"--state {tmp_path / 'absent'}: no such folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

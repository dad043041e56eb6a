"""The Usage page in Chromium: a real upload of a .gz log through the server, the charts drawn, the figures
equal to `ingest`'s, the bundled sample, and "Use as scenario" carried to the Overview page.
Screenshot in test-artifacts/usage.png."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from browser import CHARTS_DRAWN, READY, ROOT, artifacts_dir, browser_page, go, metric_value, requires_chromium, serve
from helpers import MONITOR_BUDGETS, MONITOR_LOG, start_monitor, wait_for_snapshot, write_log

from aueb.formatting import money
from aueb.logs import ingest
from aueb.logs.sample import FEATURE_KEYS, FILES

pytestmark = requires_chromium
SAMPLES = Path(__file__).resolve().parent.parent / "data" / "logs"


def test_usage_page_in_chromium(server):
    otel = SAMPLES / FILES["otel"]
    uploaded = ingest([str(otel)], feature_key="app.feature")
    sample = ingest([str(SAMPLES / FILES["csv"])], feature_key=FEATURE_KEYS["csv"])
    with browser_page(server, height=2200) as page:
        go(page, "Usage")

        key = page.get_by_label("Feature key", exact=True).and_(page.locator("input"))
        key.fill("app.feature")
        key.press("Enter")
        page.wait_for_selector(READY, timeout=30_000)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(otel))
        page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        total = sum(f.cost for f in uploaded.report.features.values())
        assert metric_value(page, "Monthly cost (USD)") == money(total)
        assert (
            metric_value(page, "Records used / read")
            == f"{uploaded.report.records.used:,} / {uploaded.report.records.read:,}"
        )
        assert page.locator('[data-testid="stPlotlyChart"]').count() == 2
        # The anomaly's marker is drawn on the stacked area.
        assert (
            page.locator('[data-testid="stPlotlyChart"]').first.locator(".legendtext", has_text="Anomalous day").count()
            == 1
        )
        page.screenshot(path=str(artifacts_dir() / "usage.png"), full_page=True)

        # The bundled sample replaces it; then it becomes the scenario of every page.
        page.get_by_role("button", name="Load the sample").click()
        expected = money(sum(f.cost for f in sample.report.features.values()))
        page.wait_for_function(
            "(text) => Array.from(document.querySelectorAll('[data-testid=\"stMetricValue\"]')).some(e => "
            "e.innerText.trim() === text)",
            arg=expected,
            timeout=60_000,
        )
        page.wait_for_selector(READY, timeout=30_000)
        page.get_by_role("button", name="Use as scenario").click()
        # The sidebar names the current scenario once the rerun has applied it.
        page.wait_for_function(
            "(name) => document.querySelector('[data-testid=\"stSidebar\"]').innerText.includes(name)",
            arg=sample.scenario.scenario.name,
            timeout=60_000,
        )
        page.wait_for_selector(READY, timeout=30_000)
        go(page, "Overview", sample.scenario.scenario.name)
        assert page.locator("h1", has_text=sample.scenario.scenario.name).count() == 1


def test_usage_page_follows_a_running_monitor(tmp_path):
    """`aueb dashboard --state DIR` beside a running `aueb monitor --state DIR`: the open page shows month to
    date, forecast, alerts and both waterfalls, and updates by itself once the monitor has read new records.
    Screenshot in test-artifacts/usage-monitor.png."""
    log, state, budgets = tmp_path / "requests.csv", tmp_path / "state", tmp_path / "budgets.json"
    budgets.write_text(json.dumps(MONITOR_BUDGETS))
    rows = MONITOR_LOG.read_text().splitlines()[1:]
    write_log(log, rows[:2000])
    monitor = start_monitor(log, state, budgets)
    try:
        first = wait_for_snapshot(state, monitor, 2000)
        dashboard = ["-m", "aueb.cli", "dashboard", "--state", str(state), "--refresh", "1"]
        servers = serve(lambda port: [sys.executable, *dashboard, "--port", str(port)], {"PYTHONPATH": str(ROOT)})
        url = next(servers)
        try:
            with browser_page(url, height=2400) as page:
                go(page, "Usage")
                page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
                before = month_to_date(first)
                assert metric_value(page, "Month to date (USD)") == before
                # The budget chart and the two waterfalls (this week, this month).
                assert page.locator('[data-testid="stPlotlyChart"]').count() == 3
                write_log(log, rows[2000:], append=True)
                after = month_to_date(wait_for_snapshot(state, monitor, len(rows)))
                assert after != before
                page.wait_for_function(
                    "(text) => Array.from(document.querySelectorAll('[data-testid=\"stMetric\"]')).some(m => "
                    "m.innerText.includes('Month to date') && m.querySelector('[data-testid=\"stMetricValue\"]')"
                    ".innerText.trim() === text)",
                    arg=after,
                    timeout=60_000,
                )
                page.wait_for_selector(READY, timeout=30_000)  # the run that drew it has drawn the rest too
                page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
                assert page.locator('[data-testid="stDataFrame"]').count() == 1  # the open alerts
                assert monitor.poll() is None  # the page never blocked the monitor
                page.screenshot(path=str(artifacts_dir() / "usage-monitor.png"), full_page=True)
        finally:
            servers.close()
    finally:
        monitor.terminate()
        monitor.wait(timeout=30)


def month_to_date(state) -> str:
    from aueb.monitor.view import budget_status

    return money(budget_status(state.daily, None, state.budgets, state.clock.date()).forecast.month_to_date)

"""The Usage page in Chromium: a real upload of a .gz log through the server, the charts drawn, the figures
equal to `ingest`'s, the bundled sample, and "Use as scenario" carried to the Overview page.
Screenshot in test-artifacts/usage.png."""

from __future__ import annotations

from pathlib import Path

from browser import CHARTS_DRAWN, READY, artifacts_dir, browser_page, go, metric_value, requires_chromium

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
        assert metric_value(page, "Monthly cost (USD)") == f"${total:,.2f}"
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
        expected = f"${sum(f.cost for f in sample.report.features.values()):,.2f}"
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

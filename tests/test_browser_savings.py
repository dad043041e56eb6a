"""The Savings plan page in Chromium: the waterfall is drawn, dropping a lever changes the combined total.
Screenshot in test-artifacts/savings.png."""

from __future__ import annotations

from pathlib import Path

from browser import CHARTS_DRAWN, READY, artifacts_dir, browser_page, go, metric_value, requires_chromium

from aueb.formatting import money
from aueb.plan.levers import evaluate, plan_total, propose
from aueb.plan.replay import load_calls

pytestmark = requires_chromium
LOG = Path(__file__).resolve().parent.parent / "aueb" / "data" / "logs" / "requests.csv"
AFTER = "After the combined plan (USD / month)"


def test_savings_page_in_chromium(server):
    calls = load_calls([str(LOG)], feature_key="feature")
    specs = propose(calls)
    _, after = plan_total(evaluate(calls, specs, multipliers=(1.0,)), 1.0)
    rest = [s for s in specs if not (s.feature == "support_chat" and s.lever == "batch")]
    _, without = plan_total(evaluate(calls, rest, multipliers=(1.0,)), 1.0)
    with browser_page(server, height=2200) as page:
        go(page, "Savings plan")
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        assert metric_value(page, AFTER) == money(after)
        chart = page.locator('[data-testid="stPlotlyChart"]')
        assert chart.count() == 1 and chart.get_by_text("Combined plan", exact=True).count() == 1
        page.screenshot(path=str(artifacts_dir() / "savings.png"), full_page=True)
        page.locator("label", has_text="support_chat: batch").click()
        page.wait_for_function(
            "([label, text]) => Array.from(document.querySelectorAll('[data-testid=\"stMetric\"]'))"
            ".some(m => m.innerText.includes(label) && m.innerText.includes(text))",
            arg=[AFTER, money(without)],
            timeout=60_000,
        )
        page.wait_for_selector(READY, timeout=30_000)
        assert metric_value(page, AFTER) == money(without) != money(after)
        page.screenshot(path=str(artifacts_dir() / "savings-toggled.png"), full_page=True)

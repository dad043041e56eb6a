"""The cascade on the Distillation page in Chromium: the priced curve drawn with its best point, a point
chosen with the keyboard on the slider with its figures updating, "Apply to scenario", and Overview's
routing coverage then showing the measured value. Screenshot: test-artifacts/cascade.png."""

from __future__ import annotations

from browser import CHARTS_DRAWN, READY, artifacts_dir, browser_page, go, headline_cell, metric_value, requires_chromium
from helpers import EXAMPLE_METRICS

from aueb import views
from aueb.formats import DEFAULT_SCENARIO_PATH, load_scenarios
from aueb.metrics import load_metrics
from aueb.planner import plan

pytestmark = requires_chromium

COVERAGE_CELL = ("Routing coverage (% of requests)", "1x · with student")


def wait_for_metric(page, label: str, value: str) -> None:
    page.wait_for_function(
        """([label, value]) => Array.from(document.querySelectorAll('[data-testid="stMetric"]')).some(m =>
               m.querySelector('[data-testid="stMetricLabel"]').innerText.trim() === label &&
               m.querySelector('[data-testid="stMetricValue"]').innerText.trim() === value)""",
        arg=[label, value],
        timeout=30_000,
    )


def test_cascade_in_chromium(server):
    scenario = load_scenarios(DEFAULT_SCENARIO_PATH)[0]
    priced = plan(scenario, load_metrics(EXAMPLE_METRICS).cascade, "Support chat")
    best = priced.points.iloc[priced.best]
    everything = priced.points.iloc[-1]

    with browser_page(server, height=2400) as page:
        go(page, "Distillation")
        page.get_by_role("button", name="Use the example metrics").click()
        page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length === 4", timeout=60_000
        )
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        wait_for_metric(page, "Best coverage", views.pct(best["coverage"]))
        assert metric_value(page, "Net AI value") == views.money(best["net_ai_value"], "USD")
        chart = page.locator('[data-testid="stPlotlyChart"]').last
        assert "Best point" in chart.inner_text() and "Baseline arm: AI COGS" in chart.inner_text()
        page.screenshot(path=str(artifacts_dir() / "cascade.png"), full_page=True)

        # Apply the best point: Overview's routing coverage is the measured coverage.
        page.get_by_role("button", name="Apply to scenario").last.click()
        page.wait_for_function(
            "() => document.body.innerText.includes('Overview\\'s routing coverage shows it')", timeout=30_000
        )
        go(page, "Overview", scenario.name)
        assert headline_cell(page, *COVERAGE_CELL).startswith(views.pct(best["coverage"]))

        # Another point, chosen on the slider with the keyboard: its figures update live, then apply it.
        go(page, "Distillation")
        page.locator('[data-testid="stSlider"] input[type="range"]').last.focus()
        page.keyboard.press("End")
        page.wait_for_selector(READY, timeout=30_000)
        wait_for_metric(page, "Coverage", views.pct(everything["coverage"]))
        assert metric_value(page, "AI COGS") == views.money(everything["ai_cogs"], "USD")
        page.get_by_role("button", name="Apply to scenario").last.click()
        page.wait_for_function(
            "(text) => document.body.innerText.includes(text)",
            arg=f"escalation {views.pct(best['escalation'])} → 0.0%",
            timeout=30_000,
        )
        go(page, "Overview", scenario.name)
        assert headline_cell(page, *COVERAGE_CELL).startswith("100.0%")

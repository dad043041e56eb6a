"""The dashboard in a real browser: `streamlit run app.py` driven by Playwright on Debian's Chromium.

Edits an input, sees the headline and the chart follow, downloads the projection CSV and parses it,
and saves a screenshot to test-artifacts/dashboard.png (git-ignored).
"""

from __future__ import annotations

import pandas as pd
import pytest
from browser import CHARTS_DRAWN, READY, artifacts_dir, browser_page, go, headline_cell, requires_chromium

from aueb.engine import project
from aueb.formats import DEFAULT_SCENARIO_PATH, PROJECTION_CSV_COLUMNS, load_scenarios

pytestmark = requires_chromium


def test_dashboard_in_chromium(server, tmp_path):
    scenario = load_scenarios(DEFAULT_SCENARIO_PATH)[0]
    data = scenario.model_dump()
    data["features"][0]["teacher"]["pricing"]["cost"] = 0.05
    expected = type(scenario).model_validate(data)
    rows = project(expected).rows
    total = rows[rows["feature"].astype(str) == "ALL"]
    one = total[(total["multiplier"] == 1.0) & (total["arm"].astype(str) == "baseline")].iloc[0]
    new_cell = f"{one['cogs_to_revenue'] * 100:.1f}% · {one['cogs_to_revenue_tier']}"

    with browser_page(server, height=2000, accept_downloads=True) as page:
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        before = headline_cell(page, "AI COGS / revenue (%)", "1x · without")
        assert before == "39.7% · Median-Low"
        bars_before = page.locator('[data-testid="stPlotlyChart"] .bartext').all_text_contents()
        assert "39.7%" in bars_before

        # Edit the teacher's price per request.
        go(page, "Edit scenario")
        margin = page.locator('[data-testid="stMetric"]', has_text="Margin 1x").locator('[data-testid="stMetricValue"]')
        one_distilled = total[(total["multiplier"] == 1.0) & (total["arm"].astype(str) == "distilled")].iloc[0]
        enter_cost(page, "0.05", f"{one_distilled['gross_margin'] * 100:.1f}%")
        assert margin.inner_text().strip() == f"{one_distilled['gross_margin'] * 100:.1f}%"

        # The overview follows: headline and chart redrawn with the engine's figures.
        go(page, "Overview", expected.name)
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        assert headline_cell(page, "AI COGS / revenue (%)", "1x · without") == new_cell != before
        page.wait_for_function(
            "(text) => Array.from(document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .bartext')).some(e => "
            "e.textContent === text)",
            arg=f"{one['cogs_to_revenue'] * 100:.1f}%",
            timeout=30_000,
        )
        page.screenshot(path=str(artifacts_dir() / "dashboard.png"), full_page=True)

        # Download the projection CSV and read it back.
        go(page, "Import and export")
        with page.expect_download(timeout=30_000) as download:
            page.get_by_role("button", name="Projection (CSV)").click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        frame = pd.read_csv(path, encoding="utf-8-sig")
        assert list(frame.columns) == list(PROJECTION_CSV_COLUMNS)
        totals = frame[frame["feature"] == "ALL"]
        assert len(totals) == len(expected.multipliers) * 2
        assert totals["ai_cogs"].tolist() == pytest.approx(total["ai_cogs"].tolist(), rel=1e-12)
        assert path.name == "customer_support_assistant_projection.csv"


def enter_cost(page, value: str, margin_text: str) -> None:
    """Type the teacher's price per request and wait for the margin card to show margin_text. On a loaded
    machine a rerun that was still under way can redraw the input and drop what was typed: type it again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):
        cost = page.get_by_label("Cost ($ / request)", exact=True).first
        cost.wait_for(timeout=30_000)
        page.wait_for_selector(READY, timeout=30_000)
        cost.fill(value)
        cost.press("Enter")
        try:
            page.wait_for_function(
                "([selector, text]) => Array.from(document.querySelectorAll(selector)).some(e => "
                "e.innerText.trim() === text)",
                arg=['[data-testid="stMetricValue"]', margin_text],
                timeout=30_000,
            )
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


def test_overview_tier_strips_switch_in_the_browser(server):
    """The tier strips' "100x" button redraws the markers at 100x, in the page; the cards'
    help shows on hovering their "?" mark."""
    scenario = load_scenarios(DEFAULT_SCENARIO_PATH)[0]
    rows = project(scenario).rows
    total = rows[rows["feature"].astype(str) == "ALL"]

    def label(multiplier: float) -> str:
        row = total[(total["multiplier"] == multiplier) & (total["arm"].astype(str) == "distilled")].iloc[0]
        return f"{row['cogs_to_revenue'] * 100:.1f}% · {row['cogs_to_revenue_tier']}"

    texts = """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]')[1]
        .querySelectorAll('.textpoint')).map(e => e.textContent.trim())"""
    with browser_page(server) as page:
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        assert label(1.0) in page.evaluate(texts) and label(100.0) not in page.evaluate(texts)
        tiers = page.locator('[data-testid="stPlotlyChart"]').nth(1)
        tiers.locator(".updatemenu-button", has_text="100x").click()
        page.wait_for_function(f"() => ({texts})().includes({label(100.0)!r})", timeout=10_000)
        assert label(1.0) not in page.evaluate(texts)
        tip = page.locator('[data-card^="Payback"] .aueb-tip')
        assert not tip.is_visible()
        page.locator('[data-card^="Payback"] .aueb-help').hover()
        tip.wait_for(state="visible", timeout=5_000)
        assert "monthly saving" in tip.inner_text()

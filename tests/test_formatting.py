"""One set of formatters (aueb.formatting): each figure reads the same in the CLI, the dashboard and the report."""

from __future__ import annotations

import pytest
from conftest import CUSTOMER_SUPPORT_PATH as DEFAULT_SCENARIO_FILE
from typer.testing import CliRunner

from aueb import formatting, risk
from aueb.cli import app
from aueb.formats import load_scenarios
from aueb.report import build_report, render_html


def test_the_figures_of_each_kind():
    assert formatting.money(19_218.6, "USD", "month") == "$19,219 / month"
    assert formatting.money(0.02976, "EUR") == "€0.0298"
    assert formatting.money(12_000, "CHF") == "12,000 CHF"
    assert formatting.amount(29_800) == "29,800.00" and formatting.amount(0.0298) == "0.0298"
    assert formatting.pct(0.3973) == "39.7%" and formatting.pct(None) == "n/a"
    assert formatting.months(1.368) == "1.4 months" and formatting.months(1.0) == "1.0 month"
    assert formatting.times(7.7725) == "7.77x" and formatting.times(1000) == "1,000x"
    assert formatting.volume(2_500_000) == "2.5M" and formatting.multiplier_label(10.0) == "10x"
    assert formatting.risk_value("cogs_to_revenue@10x/baseline", 0.25, "USD") == "25.0%"
    assert formatting.risk_value("payback_within_horizon_probability", 0.5, "USD") == "50.0%"
    assert formatting.risk_value("payback_months", 2.0, "USD") == "2.0 months"
    assert formatting.risk_value("roi", 7.7725, "USD") == "7.77x"
    assert formatting.risk_value("requests", 2e6, "USD") == "2.0M"
    assert formatting.risk_value("cost_per_request", 0.0298, "USD") == "$0.0298 / request"
    assert formatting.risk_value("ai_cogs", 29_800, "EUR") == "€29,800"
    assert formatting.risk_value("ai_cogs", None, "EUR") == "n/a"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,x", "'x' is not a number (expected e.g. 1,10,100)"),
        ("0", "'0' must be a number above 0"),
        ("nan", "'nan' must be a number above 0"),
        ("1,,10", "'' is not a number (expected e.g. 1,10,100)"),
        ("1,10,1", "'1,10,1' repeats a value"),
    ],
)
def test_parse_multipliers_names_the_bad_part(text, message):
    with pytest.raises(ValueError) as caught:
        formatting.parse_multipliers(text)
    assert str(caught.value) == message
    assert formatting.parse_multipliers(formatting.format_multipliers([1, 2.5, 100])) == [1.0, 2.5, 100.0]


def test_tornado_frame_labels_and_shown_values():
    scenario = load_scenarios(DEFAULT_SCENARIO_FILE)[0]
    bars = risk.tornado(scenario)
    frame = formatting.tornado_frame(bars, "cogs_to_revenue", scenario.currency)
    assert frame["label"].tolist() == [formatting.tornado_label(b.input) for b in bars]
    assert frame["shown_high"].tolist() == [formatting.pct(b.figure_at_high) for b in bars]
    assert "features[" not in " ".join(frame["label"])


def test_the_risk_figures_read_the_same_in_the_cli_and_the_report():
    scenario = load_scenarios(DEFAULT_SCENARIO_FILE)[0]
    samples, seed = 2_000, 3
    summary = risk.risk_report([scenario], samples, seed).summary[scenario.name]
    shown = [
        formatting.risk_value(name, getattr(summary, name).p50, scenario.currency)
        for name in ("payback_months", "roi", "monthly_saving")
    ]
    assert shown[0].endswith("months") and shown[1].endswith("x") and shown[2].startswith("$")
    result = CliRunner().invoke(app, ["risk", str(DEFAULT_SCENARIO_FILE), "-n", str(samples), "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    html = render_html(build_report(scenario, risk_samples=samples, risk_seed=seed))
    for text in shown:
        assert text in result.stdout, text
        assert text in html, text


def _shown_on(at) -> str:
    """Every text a page shows: cards, tables (st.table, st.dataframe, HTML tables), markdown and captions, joined."""
    from helpers import cards, html_tables

    texts = [f"{c['label']} {c['value']}" for c in cards(at)]
    for frame in [t.value for t in at.table] + [d.value for d in at.dataframe] + list(html_tables(at).values()):
        texts += [str(v) for v in frame.to_numpy().ravel()]
    texts += [e.value for kind in ("markdown", "caption", "info", "success", "warning") for e in getattr(at, kind)]
    return "\n".join(texts)


@pytest.mark.usefixtures("clear_cache")
def test_each_figure_reads_the_same_in_the_cli_the_dashboard_and_the_report():
    from helpers import start, visit

    from aueb.engine import project

    scenario = load_scenarios(DEFAULT_SCENARIO_FILE)[0]
    cur = scenario.currency
    projection = project(scenario)
    rows, (summary,) = projection.rows, projection.summary.to_dict("records")
    at_1x = rows[(rows["feature"] == "ALL") & (rows["multiplier"] == 1.0) & (rows["arm"] == "baseline")].iloc[0]
    report = risk.risk_report([scenario], risk.DEFAULT_SAMPLES, risk.DEFAULT_SEED)
    payback_p50 = report.summary[scenario.name].payback_months.p50
    ai_cogs_p50 = next(
        r.p50 for r in report.percentiles if (r.figure, r.multiplier, r.arm) == ("ai_cogs", 1.0, "distilled")
    )
    overview = {
        "AI COGS at 1x": formatting.money(at_1x["ai_cogs"], cur),
        "COGS / revenue at 1x": formatting.pct(at_1x["cogs_to_revenue"]),
        "payback": formatting.summary_value("payback_months", summary["payback_months"], cur),
        "break-even volume": formatting.summary_value(
            "break_even_monthly_requests", summary["break_even_monthly_requests"], cur
        ),
        "margin collapse multiplier": formatting.summary_value(
            "margin_collapse_multiplier_distilled", summary["margin_collapse_multiplier_distilled"], cur
        ),
    }
    risky = {
        "payback P50": formatting.risk_value("payback_months", payback_p50, cur),
        "AI COGS P50": formatting.risk_value("ai_cogs", ai_cogs_p50, cur),
    }
    assert overview == {
        "AI COGS at 1x": "$29,800",
        "COGS / revenue at 1x": "39.7%",
        "payback": "1.4 months",
        "break-even volume": "114,141",
        "margin collapse multiplier": "8.1x",
    }
    assert risky["payback P50"].endswith(" months") and risky["AI COGS P50"].startswith("$")

    runner = CliRunner()
    projected = runner.invoke(app, ["project", str(DEFAULT_SCENARIO_FILE)])
    risked = runner.invoke(app, ["risk", str(DEFAULT_SCENARIO_FILE)])
    assert projected.exit_code == 0 and risked.exit_code == 0, projected.output + risked.output
    at = start()
    dashboard_overview = _shown_on(at)
    dashboard_risk = _shown_on(visit(at, "risk"))
    html = render_html(build_report(scenario))
    for name, text in overview.items():
        assert text in projected.stdout, (name, text)
        assert text in dashboard_overview, (name, text)
        assert text in html, (name, text)
    for name, text in risky.items():
        assert text in risked.stdout, (name, text)
        assert text in dashboard_risk, (name, text)
        assert text in html, (name, text)

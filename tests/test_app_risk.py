"""The Risk page through AppTest: its figures against aueb.risk, range edits in the table and the slider,
and the Edit scenario page keeping ranges when a mode is edited."""

from __future__ import annotations

import json

import pytest
from helpers import metric, open_page
from streamlit.testing.v1 import AppTest

from aueb import risk, views
from aueb.ui import ranges

pytestmark = pytest.mark.usefixtures("clear_cache")

KEY = "in|features|Support chat|"


def risk_page() -> AppTest:
    return open_page("risk")


def edit_table(at: AppTest, edited_rows: dict) -> None:
    at.session_state[f"risk|inputs_{at.session_state.get('risk|inputs_rev', 0)}"] = {
        "edited_rows": edited_rows,
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_page_shows_the_risk_analysis(default):
    at = risk_page()
    summary = risk.risk_summary(
        risk.simulate(default, risk.DEFAULT_SAMPLES, risk.DEFAULT_SEED, multipliers=risk.fan_multipliers(default))
    )
    assert metric(at, "Pays back within 12 months") == views.pct(summary.payback_within_horizon_probability)
    assert metric(at, "Payback P50") == f"{summary.payback_months.p50:.1f} months"
    assert metric(at, "Saving P50") == views.money(summary.monthly_saving.p50, "USD")
    # The same percentiles as the command line draws (the fan's extra multipliers do not change the draws).
    assert summary == risk.risk_report([default], risk.DEFAULT_SAMPLES, risk.DEFAULT_SEED).summary[default.name]
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    fan, tornado = (json.loads(c.proto.spec) for c in charts)
    p50 = [t for t in fan["data"] if t.get("name") == "With student: P50"][0]
    assert p50["y"][0] == pytest.approx(
        next(
            r.p50
            for r in risk.percentile_rows(risk.simulate(default))
            if r.multiplier == 1 and r.arm == "distilled" and r.figure == "cogs_to_revenue"
        )
    )
    bars = risk.tornado(default)
    highs = [t for t in tornado["data"] if t["name"] == "input at its high"][0]
    assert highs["x"][-1] == pytest.approx(bars[0].figure_at_high - bars[0].figure_at_mode)  # largest swing on top
    assert "computed in" in at.caption[1].value and "4 inputs given as ranges" in at.caption[1].value


def test_download_is_what_the_command_writes(default):
    from aueb.ui.pages.risk import risk_report_of

    at = risk_page()
    result = at.session_state["_risk_memo"][2]
    report = risk_report_of(default, result, risk.DEFAULT_SAMPLES, risk.DEFAULT_SEED)
    assert risk.risk_to_json(report) == risk.risk_to_json(
        risk.risk_report([default], risk.DEFAULT_SAMPLES, risk.DEFAULT_SEED)
    )


def test_table_turns_a_range_on_and_off_and_refuses_bad_bounds(default):
    at = risk_page()
    rows = ranges.table(default)
    cache = int(rows.index[rows["key"] == "features|Support chat|cache_hit_rate"][0])
    edit_table(at, {cache: {"ranged": True}})
    feature = at.session_state["scenario"].features[0]
    assert feature.ranges["cache_hit_rate"].low == pytest.approx(0.12) and feature.ranges[
        "cache_hit_rate"
    ].high == pytest.approx(0.18)
    assert feature.cache_hit_rate == 0.15
    assert "5 inputs given as ranges" in at.caption[1].value
    edit_table(at, {cache: {"low": 0.3}})
    assert "cache_hit_rate › low: 0.3 is above high 0.18" in at.error[0].value
    assert at.session_state["scenario"].features[0].ranges["cache_hit_rate"].low == pytest.approx(0.12)
    edit_table(at, {cache: {"high": 1.5}})
    assert "cache_hit_rate › high" in at.error[0].value and "less than or equal to 1" in at.error[0].value
    users = int(rows.index[rows["key"] == "features|Support chat|users"][0])
    edit_table(at, {users: {"ranged": False}})
    feature = at.session_state["scenario"].features[0]
    assert "users" not in feature.ranges and feature.users == 25000.0 and not at.error


def test_slider_drags_a_bound(default):
    at = risk_page()
    before = metric(at, "Saving P50")
    slider = next(s for s in at.slider if s.key.startswith("risk|drag|features|Support chat|users"))
    slider.set_value((20000.0, 30000.0)).run()
    assert not at.exception
    r = at.session_state["scenario"].features[0].ranges["users"]
    assert (r.low, r.mode, r.high) == (20000.0, 25000.0, 30000.0)
    after = metric(at, "Saving P50")
    assert after != before


def test_edit_page_keeps_ranges_when_a_mode_changes(default):
    at = open_page("edit")
    assert at.number_input(key=KEY + "coverage").label == "Routed to student (0-1) · mode"
    assert any(c.value == "Range 0.6 to 0.92 (edit it on the Risk page)" for c in at.caption)
    assert any("Users / month: range 15,000 to 50,000" in c.value for c in at.caption)
    at.number_input(key=KEY + "coverage").set_value(0.9).run()
    assert not at.exception and not at.error
    feature = at.session_state["scenario"].features[0]
    assert (
        feature.coverage == 0.9 and feature.ranges["coverage"].mode == 0.9 and feature.ranges["coverage"].high == 0.92
    )
    at.number_input(key=KEY + "coverage").set_value(0.95).run()
    assert "coverage › mode: 0.95 is outside low 0.6 and high 0.92" in at.error[0].value
    assert at.session_state["scenario"].features[0].coverage == 0.9


def test_inputs_table_lists_every_numeric_input(default):
    frame = ranges.table(default)
    assert frame["ranged"].sum() == 4
    assert {
        "features|Support chat|student|pricing|cost",
        "features|Support chat|student|distillation|engineering",
        "fixed_monthly_cost",
    } <= set(frame["key"])
    row = frame[frame["key"] == "features|Support chat|requests_per_user"].iloc[0]
    assert (row["low"], row["mode"], row["high"]) == (25.0, 40.0, 70.0)
    data, problems = ranges.apply_edits(default, {"edited_rows": {int(row.name): {"low": None}}})
    assert problems and "low is empty" in problems[0]


def test_a_high_that_overflows_is_the_one_line_error_and_the_table_stays(default):
    at = risk_page()
    rows = ranges.table(default)
    users = int(rows.index[rows["key"] == "features|Support chat|users"][0])
    edit_table(at, {users: {"high": 1e308}})
    (error,) = at.error
    assert "feature 'Support chat', users.high: 1e+308 is too large" in error.value and "\n" not in error.value
    assert len(at.data_editor) == 1  # the ranges table is still there to put the bound back
    edit_table(at, {users: {"high": 30000}})
    assert not at.error and at.metric

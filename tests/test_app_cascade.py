"""The cascade section of the Distillation page, headless through AppTest: the priced curve, choosing a
point, applying it, and Overview's routing coverage showing the measured value."""

from __future__ import annotations

import pytest
from helpers import EXAMPLE_METRICS, headline, metric, open_page, total, visit

from aueb import views
from aueb.apply import apply_metrics
from aueb.metrics import load_metrics
from aueb.planner import plan

pytestmark = pytest.mark.usefixtures("clear_cache")


def with_example_metrics():
    at = open_page("distillation")
    at.button(key="ui_example_metrics").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_curve_is_priced_with_the_best_point_chosen(default):
    at = with_example_metrics()
    metrics = load_metrics(EXAMPLE_METRICS)
    priced = plan(default, metrics.cascade, "Support chat")
    best = priced.points.iloc[priced.best]
    assert at.select_slider(key="ui_cascade_point").value == priced.best
    assert len(at.get("plotly_chart")) == 4  # accuracy, throughput, cost per million, and the cascade
    assert metric(at, "APGR") == f"{metrics.cascade.apgr:.3f}"
    assert metric(at, "CPT 95%") == views.pct(metrics.cascade.cpt["0.95"])
    assert metric(at, "Best coverage") == views.pct(best["coverage"])
    assert metric(at, "Net AI value") == views.money(best["net_ai_value"], "USD")
    assert metric(at, "Coverage") == views.pct(best["coverage"])


def test_another_point_shows_its_figures_live_and_applies(default):
    at = with_example_metrics()
    metrics = load_metrics(EXAMPLE_METRICS)
    priced = plan(default, metrics.cascade, "Support chat")
    other = len(priced.points) - 1  # the student answers everything
    at.select_slider(key="ui_cascade_point").set_value(other).run()
    point = priced.points.iloc[other]
    assert metric(at, "Coverage") == views.pct(point["coverage"]) == "100.0%"
    assert metric(at, "AI COGS") == views.money(point["ai_cogs"], "USD")
    assert metric(at, "Net AI value") == views.money(point["net_ai_value"], "USD")
    delta = [m.delta for m in at.metric if m.label.startswith("Net AI value")][0]
    assert delta.endswith("vs best") and delta.startswith("-")

    chosen = priced.points.iloc[priced.best]
    at.select_slider(key="ui_cascade_point").set_value(priced.best).run()
    at.button(key="ui_apply_cascade").click().run()
    assert not at.exception
    expected = apply_metrics(default, metrics, "Support chat", operating_point="best")
    assert at.session_state["scenario"] == expected
    assert "Applied to **Support chat**" in at.success[-1].value
    feature = expected.features[0]
    assert (feature.coverage, feature.escalation) == (1.0, chosen["escalation"])
    visit(at, "overview")
    row = total(expected, 1.0, "distilled")
    assert row["routing_coverage"] == pytest.approx(chosen["coverage"])
    cell = headline(at).loc["Routing coverage (% of requests)", "1x · with student"]
    assert cell.startswith(views.pct(chosen["coverage"]))


def test_metrics_without_a_cascade_say_how_to_add_one():
    at = open_page("distillation")
    old = load_metrics(EXAMPLE_METRICS).model_copy(update={"cascade": None, "schema_version": 1})
    at.session_state["metrics"] = (old, "v1.json")
    at.run()
    assert not at.exception
    assert any("have no cascade" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 3

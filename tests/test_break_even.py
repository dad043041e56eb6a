"""The two break-even volumes: in every output (JSON, CSV, table), on the Overview cards and on the volume chart."""

from __future__ import annotations

import io
import json

import pandas as pd

from aueb import charts, views
from aueb.engine import project
from aueb.formats import projection_to_csv, projection_to_json


def test_json_and_csv_carry_both_volumes(customer_support):
    projection = project(customer_support)
    summary = projection.summary.iloc[0]
    data = json.loads(projection_to_json(projection))["summary"][customer_support.name]
    assert data["break_even_monthly_requests"] == summary["break_even_monthly_requests"]
    assert data["student_cheaper_from_monthly_requests"] == 0.0
    frame = pd.read_csv(io.StringIO(projection_to_csv(projection).lstrip("\ufeff")))
    assert (frame["break_even_monthly_requests"] == summary["break_even_monthly_requests"]).all()
    assert (frame["student_cheaper_from_monthly_requests"] == 0.0).all()


def test_searched_volume_wording():
    assert views.searched_volume(None) == "never"
    assert views.searched_volume(0.0) == "at any volume"
    assert views.searched_volume(114_140.7) == "114,141"


def test_volume_chart_marks_both_volumes(sb):
    # student self-hosted on 2 minimum replicas: cheaper only from 243,333 requests a month, pays back later
    feature = sb.feature(
        users=100_000,
        requests_per_user=10,
        revenue_per_user=0.6,
        student=sb.student(sb.self_hosted(1.0, 100.0, 1.0, 1.0, 2), distillation={"engineering": 1500.0}),
        coverage=0.8,
        escalation=0.25,
    )
    scenario = sb.scenario([feature])
    curve = project(scenario, multipliers=views.curve_multipliers(), growth="users")
    marks = views.volume_marks(curve)
    summary = project(scenario).summary.iloc[0]
    assert (
        marks["break_even_requests"] == summary["break_even_monthly_requests"] > marks["student_cheaper_requests"] > 0
    )
    fig = charts.volume_chart(views.volume_curve(curve), marks, "USD")
    by_name = {trace.name: trace for trace in fig.data}
    break_even = next(t for name, t in by_name.items() if name.startswith("Break-even"))
    cheaper = next(t for name, t in by_name.items() if name.startswith("Student cheaper from"))
    assert list(break_even.x) == [marks["break_even_requests"]] * 2
    assert list(cheaper.x) == [marks["student_cheaper_requests"]] * 2
    assert views.volume(marks["break_even_requests"]) in break_even.name


def test_volume_chart_leaves_out_a_volume_at_any_volume(customer_support):
    # the default scenario's student is cheaper at any volume: no line at the edge of the chart, the break-even marked
    curve = project(customer_support, multipliers=views.curve_multipliers(), growth="users")
    names = [t.name for t in charts.volume_chart(views.volume_curve(curve), views.volume_marks(curve), "USD").data]
    assert any(n.startswith("Break-even: 114,141") for n in names), names
    assert not any(n.startswith("Student cheaper from") for n in names)


def test_volume_chart_names_revenue_in_its_legend_not_on_the_lines(customer_support):
    curve = project(customer_support, multipliers=views.curve_multipliers(), growth="users")
    fig = charts.volume_chart(views.volume_curve(curve), views.volume_marks(curve), "USD")
    assert not fig.layout.annotations
    assert any(t.name.startswith("Revenue if only usage grows") for t in fig.data)
    assert fig.layout.legend.yref == "container" and fig.layout.legend.y == 0

"""The planner: every cascade point priced with the scenario, the best point, and the CLI around it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import CUSTOMER_SUPPORT_PATH, SAAS_PORTFOLIO_PATH
from helpers import EXAMPLE_METRICS as EXAMPLE
from helpers import TIES, assert_cli_error
from typer.testing import CliRunner

from aueb.apply import apply_metrics
from aueb.cascade import HeldOut
from aueb.cli import app
from aueb.engine import project
from aueb.metrics import Cascade, MetricsError, load_metrics
from aueb.planner import best_point, choose_point, plan
from aueb.scenario import Scenario

RUNNER = CliRunner()
PRICED = ("ai_cogs", "error_cost", "net_ai_value", "cogs_to_revenue")


def cli(*args):
    return RUNNER.invoke(app, [str(a) for a in args])


def hand_scenario(fixed: float = 0.0) -> Scenario:
    """1,000 requests a month, 1,000 of revenue; teacher 0.10 and 90% right, student 0.01; an error costs 1."""
    return Scenario.model_validate(
        {
            "name": "hand",
            "fixed_monthly_cost": fixed,
            "features": [
                {
                    "name": "f",
                    "users": 1000,
                    "requests_per_user": 1,
                    "revenue_per_user": 1,
                    "cost_per_error": 1,
                    "teacher": {"name": "T", "quality": 0.9, "pricing": {"kind": "per_request", "cost": 0.1}},
                    "student": {
                        "name": "S",
                        "quality_retention": 0.9,
                        "pricing": {"kind": "per_request", "cost": 0.01},
                    },
                    "coverage": 0.5,
                }
            ],
        }
    )


def test_plan_of_the_tie_example_by_hand():
    priced = plan(hand_scenario(), Cascade.measure(TIES), "f")
    points = priced.points
    # Quality relative to the teacher Q/A_T = 0.8, 1, 0.8, 0.6: the feature is right 72%, 90%, 72%, 54% of the time.
    assert points["escalation"].to_numpy() == pytest.approx([4 / 6, 3 / 6, 1 / 6, 0])
    assert points["quality_retention"].to_numpy() == pytest.approx([0.4, 1.0, 0.76, 0.6])
    # Student on all 1,000 (10), teacher on the escalated share at 0.10.
    assert points["ai_cogs"].to_numpy() == pytest.approx([10 + 200 / 3, 60, 10 + 50 / 3, 10])
    assert points["error_cost"].to_numpy() == pytest.approx([280, 100, 280, 460])
    assert points["net_ai_value"].to_numpy() == pytest.approx(
        [1000 - 10 - 200 / 3 - 280, 840, 1000 - 10 - 50 / 3 - 280, 530]
    )
    assert points["cogs_to_revenue"].to_numpy() == pytest.approx(points["ai_cogs"].to_numpy() / 1000)
    assert priced.best == 1 and points["applicable"].all()


def test_ties_in_net_value_go_to_the_larger_coverage():
    points = pd.DataFrame(
        {"coverage": [0.2, 0.5, 0.9], "net_ai_value": [5.0, 7.0, 7.0 + 1e-12], "applicable": [True, True, True]}
    )
    assert best_point(points) == 2
    points.loc[2, "applicable"] = False
    assert best_point(points) == 1
    points["applicable"] = False
    assert best_point(points) is None


def test_a_point_the_scenario_cannot_hold_is_shown_but_not_chosen():
    # Teacher worse than the student: at coverage 1/3 the retention would be -2.
    held_out = HeldOut(np.array([0.9, 0.8, 0.5]), np.array([0, 1, 1]), np.array([1, 0, 0]))
    priced = plan(hand_scenario(), Cascade.measure(held_out), "f")
    # A_T = 1/3; Q/A_T = 0, 1, 2: retention -2, 1 and 2 (0.9 x 2 = 1.8 correct outputs per request).
    assert priced.points["quality_retention"].to_numpy() == pytest.approx([-2, 1, 2])
    assert priced.points["applicable"].tolist() == [False, True, False]
    assert priced.best == 1


@pytest.mark.parametrize("feature", ["Ticket triage", "Contract review"])
def test_every_point_equals_the_projection_of_the_scenario_with_that_point(feature):
    """Fixed cost shared by requests, a cache, a self-hosted student: plan's row = project()'s row."""
    scenario = Scenario.model_validate_json(SAAS_PORTFOLIO_PATH.read_text())
    metrics = load_metrics(EXAMPLE)
    priced = plan(scenario, metrics.cascade, feature)
    for i in range(0, len(priced.points), 37):
        point = priced.points.iloc[i]
        data = scenario.model_dump()
        target = next(f for f in data["features"] if f["name"] == feature)
        target.update(coverage=1.0, escalation=point["escalation"])
        target["student"]["quality_retention"] = point["quality_retention"]
        rows = project(Scenario.model_validate(data)).rows
        row = rows[(rows["feature"] == feature) & (rows["arm"] == "distilled") & (rows["multiplier"] == 1)].iloc[0]
        assert [row[c] for c in PRICED] == [point[c] for c in PRICED], i
        assert row["routing_coverage"] == pytest.approx(point["coverage"])


def test_choose_point_by_coverage_and_threshold():
    cascade = Cascade.measure(TIES)  # thresholds 0.9, 0.8, 0.6, 0.3; coverage 1/3, 1/2, 5/6, 1
    scenario = hand_scenario()
    assert choose_point(scenario, cascade, "f", "coverage=0.5") == 1
    assert choose_point(scenario, cascade, "f", "coverage=0.51") == 2
    assert choose_point(scenario, cascade, "f", "coverage=0") == 0
    assert choose_point(scenario, cascade, "f", "threshold=0.6") == 2
    assert choose_point(scenario, cascade, "f", "threshold=0.7") == 1  # keeps confidence >= 0.7: the 0.9s and the 0.8
    assert choose_point(scenario, cascade, "f", "threshold=0") == 3
    assert choose_point(scenario, cascade, "f", "best") == 1
    for spec, message in [
        ("coverage=2", "coverage must be between 0 and 1"),
        ("coverage=x", "coverage must be a number (got 'x')"),
        ("threshold=0.95", "no point has a threshold >= 0.95"),
        ("worst", "use best, coverage=X or threshold=T"),
    ]:
        with pytest.raises(MetricsError, match=message.replace("(", "\\(").replace(")", "\\)")):
            choose_point(scenario, cascade, "f", spec)


def test_apply_metrics_at_an_operating_point_sets_coverage_escalation_and_retention():
    metrics = load_metrics(EXAMPLE)
    scenario = Scenario.model_validate_json(CUSTOMER_SUPPORT_PATH.read_text())
    priced = plan(scenario, metrics.cascade, "Support chat")
    best = priced.points.iloc[priced.best]
    after = apply_metrics(scenario, metrics, "Support chat", operating_point="best").features[0]
    assert (after.coverage, after.escalation, after.student.quality_retention) == (
        1.0,
        best["escalation"],
        best["quality_retention"],
    )
    assert apply_metrics(scenario, metrics, "Support chat").features[0].coverage == 0.85  # without it: as before
    no_cascade = metrics.model_copy(update={"cascade": None})
    with pytest.raises(MetricsError, match="has no cascade"):
        apply_metrics(scenario, no_cascade, "Support chat", operating_point="best")


def test_applied_values_replace_their_ranges():
    data = json.loads(CUSTOMER_SUPPORT_PATH.read_text())
    feature = data["features"][0]
    feature["coverage"] = {"low": 0.6, "mode": 1.0, "high": 1.0}  # the mode equals the applied coverage
    feature["users"] = {"low": 20000, "mode": 25000, "high": 30000}
    feature["student"]["quality_retention"] = {"low": 0.9, "mode": 0.975, "high": 0.99}
    metrics = load_metrics(EXAMPLE)
    after = apply_metrics(Scenario.model_validate(data), metrics, "Support chat", operating_point="best").features[0]
    assert after.coverage == 1.0 and "coverage" not in after.ranges
    assert "users" in after.ranges  # what was not measured keeps its range
    assert "quality_retention" not in after.student.ranges
    plain = apply_metrics(Scenario.model_validate(data), metrics, "Support chat").features[0]
    assert (
        plain.student.quality_retention == metrics.quality_retention and "quality_retention" not in plain.student.ranges
    )


def test_cli_plan_table_and_json():
    table = cli("plan", CUSTOMER_SUPPORT_PATH, EXAMPLE, "--feature", "Support chat")
    assert table.exit_code == 0, table.output
    assert "best" in table.stdout and "APGR" in table.stdout and "CPT" in table.stdout and "AURC" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    result = cli("plan", CUSTOMER_SUPPORT_PATH, EXAMPLE, "--feature", "Support chat", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"feature", "points", "best", "apgr", "cpt", "aurc"} <= set(data)
    metrics = load_metrics(EXAMPLE)
    assert len(data["points"]) == len(metrics.cascade.points) and data["cpt"] == metrics.cascade.cpt
    assert {
        "threshold",
        "coverage",
        "escalation",
        "system_accuracy",
        "quality_retention",
        "ai_cogs",
        "error_cost",
        "net_ai_value",
        "cogs_to_revenue",
    } <= set(data["points"][0])
    best = data["points"][data["best"]]
    assert best["net_ai_value"] == max(p["net_ai_value"] for p in data["points"] if p["applicable"])


def test_cli_apply_operating_point_best_reproduces_the_plans_best_row(tmp_path):
    plan_json = json.loads(cli("plan", SAAS_PORTFOLIO_PATH, EXAMPLE, "--feature", "Ticket triage", "-f", "json").stdout)
    best = plan_json["points"][plan_json["best"]]
    out = tmp_path / "applied.json"
    result = cli(
        "apply-metrics",
        SAAS_PORTFOLIO_PATH,
        EXAMPLE,
        "--feature",
        "Ticket triage",
        "--operating-point",
        "best",
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(cli("project", out, "--format", "json").stdout)["rows"]
    row = next(r for r in rows if r["feature"] == "Ticket triage" and r["arm"] == "distilled" and r["multiplier"] == 1)
    assert [row[c] for c in PRICED] == [best[c] for c in PRICED]
    assert row["routing_coverage"] == pytest.approx(best["coverage"])


def test_cli_errors(tmp_path):
    assert_cli_error(
        cli("plan", CUSTOMER_SUPPORT_PATH, EXAMPLE, "--feature", "Nope"), "feature 'Nope' is not in scenario"
    )
    old = tmp_path / "v1.json"
    data = json.loads(EXAMPLE.read_text())
    data.pop("cascade")
    data["schema_version"] = 1
    old.write_text(json.dumps(data))
    assert_cli_error(cli("plan", CUSTOMER_SUPPORT_PATH, old, "--feature", "Support chat"), "has no cascade")
    assert_cli_error(
        cli("apply-metrics", CUSTOMER_SUPPORT_PATH, old, "--feature", "Support chat", "--operating-point", "best"),
        "has no cascade",
    )
    assert_cli_error(
        cli(
            "apply-metrics",
            CUSTOMER_SUPPORT_PATH,
            EXAMPLE,
            "--feature",
            "Support chat",
            "--operating-point",
            "coverage=1.5",
        ),
        "coverage must be between 0 and 1",
    )
    assert_cli_error(cli("plan", SAAS_PORTFOLIO_PATH, EXAMPLE, "--feature", "Meeting summaries"), "has no student")


def write_predictions(tmp_path, rows: str):
    path = tmp_path / "eval.csv"
    path.write_text("id,conf,s_ok,t_ok\n" + rows)
    return path


def test_cli_cascade_from_a_hand_made_predictions_csv(tmp_path):
    # The tie example as an engineer's eval export, correctness as 0/1 and as true/false.
    rows = "".join(
        f"{i},{c},{s},{'true' if t else 'false'}\n"
        for i, (c, s, t) in enumerate(
            zip(TIES.confidence, TIES.student_correct.astype(int), TIES.teacher_correct, strict=True)
        )
    )
    predictions = write_predictions(tmp_path, rows)
    into = tmp_path / "metrics.json"
    data = json.loads(EXAMPLE.read_text())
    data.pop("cascade")
    data["schema_version"] = 1
    into.write_text(json.dumps(data))
    result = cli(
        "cascade",
        predictions,
        "--confidence-column",
        "conf",
        "--student-correct-column",
        "s_ok",
        "--teacher-correct-column",
        "t_ok",
        "--into",
        into,
    )
    assert result.exit_code == 0, result.output
    assert "4 points" in result.stderr
    metrics = load_metrics(into)
    assert metrics.schema_version == 3 and metrics.cascade == Cascade.measure(TIES)
    assert metrics.cascade.apgr_ci95 is not None and metrics.cascade.points[0].system_accuracy_ci95 is not None
    assert metrics.cascade.apgr == pytest.approx(2 / 3)
    assert metrics.teacher == load_metrics(EXAMPLE).teacher  # the rest of the file is kept


@pytest.mark.parametrize(
    ("rows", "args", "fragments"),
    [
        ("1,0.5,1,1\n2,high,0,1\n", [], ("row 3, column conf: must be a finite number (got 'high')",)),
        ("1,0.5,maybe,1\n", [], ("row 2, column s_ok: must be 0/1 or true/false (got 'maybe')",)),
        ("1,0.5,1\n", [], ("row 2: 3 cells, the header has 4",)),
        ("", [], ("no examples",)),
        ("1,0.5,1,1\n", ["--confidence-column", "p"], ("--confidence-column: no column 'p'",)),
    ],
)
def test_cli_cascade_errors(tmp_path, rows, args, fragments):
    predictions = write_predictions(tmp_path, rows)
    into = tmp_path / "metrics.json"
    into.write_text(EXAMPLE.read_text())
    flags = {"--confidence-column": "conf", "--student-correct-column": "s_ok", "--teacher-correct-column": "t_ok"}
    flags.update(dict(zip(args[::2], args[1::2], strict=False)))
    result = cli("cascade", predictions, *[x for kv in flags.items() for x in kv], "--into", into)
    assert_cli_error(result, *fragments)
    assert into.read_text() == EXAMPLE.read_text()  # nothing written on bad input
    assert_cli_error(
        cli("cascade", predictions, *[x for kv in flags.items() for x in kv], "--into", tmp_path / "missing.json"),
        "cannot read",
    )

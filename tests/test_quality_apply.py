"""A measured retention enters the scenario as a range; the risk analysis picks it up."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from aueb.apply import apply_metrics
from aueb.cli import app
from aueb.metrics import DistillationMetrics, load_metrics
from aueb.resources import data_path
from aueb.risk import parse_figure, tornado
from aueb.scenario import Scenario

RUNNER = CliRunner()


def measured() -> DistillationMetrics:
    """The shipped example, as schema 3 with a retention interval."""
    data = json.loads((data_path() / "metrics_example.json").read_text(encoding="utf-8"))
    r = data["quality_retention"]
    data.update(schema_version=3, quality_retention_ci95=[r - 0.04, r + 0.02], test_examples=1500)
    return DistillationMetrics.model_validate(data)


def test_apply_writes_the_interval_as_a_range(customer_support):
    metrics = measured()
    after = apply_metrics(customer_support, metrics, "Support chat").features[0].student
    band = after.ranges["quality_retention"]
    assert after.quality_retention == band.mode == metrics.quality_retention
    assert band.low == metrics.quality_retention_ci95[0]
    assert band.high == metrics.quality_retention_ci95[1]


def test_point_keeps_the_estimate_alone(customer_support):
    after = apply_metrics(customer_support, measured(), "Support chat", point=True).features[0].student
    assert after.quality_retention == measured().quality_retention and "quality_retention" not in after.ranges


def test_the_high_end_is_capped_where_quality_would_pass_one(customer_support):
    data = customer_support.model_dump()
    data["features"][0]["teacher"]["quality"] = 0.95
    scenario = Scenario.model_validate(data)
    metrics = measured()
    metrics = metrics.model_copy(update={"quality_retention_ci95": (metrics.quality_retention - 0.05, 1.2)})
    band = apply_metrics(scenario, metrics, "Support chat").features[0].student.ranges["quality_retention"]
    assert band.high * 0.95 <= 1 + 1e-12


def test_risk_analysis_samples_the_measured_range(customer_support):
    applied = apply_metrics(customer_support, measured(), "Support chat")
    rows = {row.input: row for row in tornado(applied, parse_figure("net_ai_value@1x/distilled"))}
    retention = [row for path, row in rows.items() if path.endswith("quality_retention")]
    assert len(retention) == 1 and retention[0].low == measured().quality_retention_ci95[0]
    assert retention[0].swing is not None and retention[0].swing > 0


def test_cli_apply_metrics_range_and_point(tmp_path, customer_support_path):
    metrics_file = tmp_path / "m.json"
    metrics_file.write_text(measured().model_dump_json(), encoding="utf-8")
    ranged = RUNNER.invoke(
        app, ["apply-metrics", str(customer_support_path), str(metrics_file), "--feature", "Support chat"]
    )
    assert ranged.exit_code == 0, ranged.output
    student = json.loads(ranged.stdout)["features"][0]["student"]
    assert set(student["quality_retention"]) == {"low", "mode", "high"}
    point = RUNNER.invoke(
        app, ["apply-metrics", str(customer_support_path), str(metrics_file), "--feature", "Support chat", "--point"]
    )
    assert point.exit_code == 0, point.output
    assert json.loads(point.stdout)["features"][0]["student"]["quality_retention"] == measured().quality_retention


def test_operating_point_gets_a_range_from_the_quality_interval(customer_support):
    from aueb.cascade import HeldOut
    from aueb.metrics import Cascade
    from aueb.predictions import read_predictions

    held: HeldOut = read_predictions(
        data_path() / "predictions_example.csv", "student_confidence", "student_correct", "teacher_correct"
    )
    metrics = load_metrics(data_path() / "metrics_example.json")
    metrics = metrics.model_copy(update={"cascade": Cascade.measure(held), "schema_version": 3})
    student = apply_metrics(customer_support, metrics, "Support chat", operating_point="best").features[0].student
    band = student.ranges["quality_retention"]
    assert band.low <= student.quality_retention <= band.high and band.low < band.high

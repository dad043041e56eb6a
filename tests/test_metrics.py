"""The metrics contract: loading, clear errors, and applying measured metrics to a scenario."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import EXAMPLE_METRICS as EXAMPLE
from helpers import example_metrics as example
from helpers import load_error

from aueb.apply import apply_metrics
from aueb.metrics import DistillationMetrics, MetricsError, load_metrics, save_metrics
from aueb.scenario import Scenario, SelfHostedPricing

ROOT = Path(__file__).resolve().parents[1]


def scenario(name: str) -> Scenario:
    return Scenario.model_validate_json((ROOT / "data" / "scenarios" / name).read_text())


def test_example_loads_from_path_str_and_text():
    metrics = load_metrics(EXAMPLE)
    assert metrics.schema_version == 2
    assert metrics.teacher.parameters is None  # an external (API) teacher
    assert metrics.quality_retention == pytest.approx(metrics.student.accuracy / metrics.teacher.accuracy, abs=0.01)
    assert load_metrics(str(EXAMPLE)) == metrics
    assert load_metrics(EXAMPLE.read_text()) == metrics


def test_metrics_error_is_a_value_error():
    assert issubclass(MetricsError, ValueError)


def test_save_and_load_round_trip(tmp_path):
    metrics = load_metrics(EXAMPLE)
    path = save_metrics(metrics, tmp_path / "deeper" / "metrics.json")
    assert load_metrics(path) == metrics


def test_every_field_is_documented():
    def undocumented(model: type) -> list[str]:
        return [name for name, field in model.model_fields.items() if not field.description]

    assert undocumented(DistillationMetrics) == []
    for name in ("teacher", "student", "hardware", "data"):
        annotation = DistillationMetrics.model_fields[name].annotation
        model = next(a for a in getattr(annotation, "__args__", (annotation,)) if a is not type(None))
        assert undocumented(model) == [], name


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["teacher"].update(accuracy=1.7), "metrics JSON: teacher.accuracy: must be at most 1 (got 1.7)"),
        (
            lambda d: d["student"].update(throughput_batch256=-5),
            "metrics JSON: student.throughput_batch256: must be above 0 (got -5)",
        ),
        (
            lambda d: d["student"].update(accuracy="high"),
            'metrics JSON: student.accuracy: must be a number (got "high")',
        ),
        (lambda d: d["student"].pop("parameters"), "metrics JSON: student.parameters: is missing"),
        (
            lambda d: d["hardware"].update(gpu="L4"),
            'metrics JSON: hardware.gpu: is not a field of the metrics contract (a typo?) (got "L4")',
        ),
        (lambda d: d.update(seeds=[]), "metrics JSON: seeds: must have at least 1 item(s) (got [])"),
        (
            lambda d: d.update(schema_version=0),
            "metrics JSON: schema_version: this aueb reads versions 1, 2 and 3 (got 0)",
        ),
        (
            lambda d: d.update(quality_retention=0.5),
            "metrics JSON: quality_retention (0.5) does not match student.accuracy / teacher.accuracy",
        ),
        (
            lambda d: d["student"].update(latency_ms_p95=1),
            "metrics JSON: student: latency_ms_p95 (1) may not be below latency_ms_p50 (6.5)",
        ),
        (lambda d: d.update(kd_wins=4), "metrics JSON: kd_wins (4) is more than the 3 seeds"),
    ],
)
def test_invalid_fields_are_named(change, expected):
    data = example()
    change(data)
    assert load_error(data).startswith(expected)


def test_several_errors_are_counted():
    data = example()
    data["teacher"]["accuracy"] = 2
    data["student"]["accuracy"] = -1
    assert load_error(data) == "metrics JSON: teacher.accuracy: must be at most 1 (got 2) (and 1 more error)"


def test_wrong_kinds_of_file(tmp_path):
    assert load_error(str(tmp_path / "missing.json")).startswith("metrics JSON: cannot read ")
    not_json = tmp_path / "metrics.csv"
    not_json.write_text("a,b\n1,2\n")
    assert load_error(str(not_json)).startswith(f"metrics JSON: file is not JSON: {not_json} (")
    binary = tmp_path / "model.pt"
    binary.write_bytes(b"\x80\x02\xff\xfe")
    assert load_error(str(binary)) == f"metrics JSON: file is not JSON: {binary} (not UTF-8 text)"
    assert load_error("[1, 2]") == "metrics JSON: text holds a JSON list, not an object with a schema_version"
    scenario_file = ROOT / "data" / "scenarios" / "customer_support.json"
    assert "is a scenario, not a metrics file" in load_error(str(scenario_file))
    assert "has no schema_version" in load_error('{"accuracy": 0.9}')


def test_apply_metrics_sets_retention_and_keeps_the_rest():
    before = scenario("customer_support.json")
    metrics = load_metrics(EXAMPLE)
    after = apply_metrics(before, metrics, "Support chat")
    student = after.features[0].student
    assert student.quality_retention == metrics.quality_retention
    assert student.pricing == before.features[0].student.pricing
    assert before.features[0].student.quality_retention == 0.93  # the input is not changed
    assert after.model_dump(exclude={"features"}) == before.model_dump(exclude={"features"})


def test_apply_metrics_prices_the_student_as_self_hosted():
    metrics = load_metrics(EXAMPLE)
    after = apply_metrics(scenario("customer_support.json"), metrics, "Support chat", hourly_price=0.805)
    pricing = after.features[0].student.pricing
    assert pricing == SelfHostedPricing(hourly_price=0.805, throughput_rps=metrics.student.throughput_batch256)


def test_apply_metrics_keeps_an_existing_self_hosted_setup():
    metrics = load_metrics(EXAMPLE)
    after = apply_metrics(scenario("saas_portfolio.json"), metrics, "Ticket triage", hourly_price=0.5)
    pricing = after.features[0].student.pricing
    assert (pricing.hourly_price, pricing.throughput_rps) == (0.5, metrics.student.throughput_batch256)
    assert (pricing.utilization, pricing.peak_to_average, pricing.min_replicas) == (0.6, 2.5, 2)


def test_apply_metrics_errors():
    metrics = load_metrics(EXAMPLE)
    with pytest.raises(MetricsError, match=r"feature 'Nope' is not in scenario .*\(features: 'Support chat'\)"):
        apply_metrics(scenario("customer_support.json"), metrics, "Nope")
    with pytest.raises(MetricsError, match="feature 'Meeting summaries' has no student"):
        apply_metrics(scenario("saas_portfolio.json"), metrics, "Meeting summaries")
    too_good = metrics.model_copy(
        update={"quality_retention": 1.1, "student": metrics.student.model_copy(update={"accuracy": 1.0})}
    )
    with pytest.raises(
        MetricsError, match=r"quality_retention 1.1 x teacher quality 0.92 of feature 'Support chat' = 1.0120"
    ):
        apply_metrics(scenario("customer_support.json"), too_good, "Support chat")
    with pytest.raises(ValueError, match="self-hosted pricing: hourly_price: must be at least 0"):
        apply_metrics(scenario("customer_support.json"), metrics, "Support chat", hourly_price=-1)


def test_metrics_and_distill_package_import_without_torch():
    code = "import sys, aueb.metrics, aueb.distill; sys.exit(bool({'torch', 'sklearn'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0

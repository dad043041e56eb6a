"""Inputs whose figures overflow a float are refused naming field and value; nothing writes inf."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aueb import risk
from aueb.cli import app
from aueb.engine import project
from aueb.errors import InputError
from aueb.formats import projection_to_json, read_scenarios, scenario_to_json

HUGE = st.floats(min_value=0, max_value=1e308, allow_nan=False, allow_infinity=False)


def _with(scenario, **fields) -> dict:
    data = json.loads(scenario_to_json(scenario))
    data["features"][0].update(fields)
    return data


def test_cli_refuses_users_1e308_with_one_line(customer_support, tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(_with(customer_support, users=1e308)), encoding="utf-8")
    result = CliRunner().invoke(app, ["project", str(path), "--format", "json"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "users: 1e+308 is too large" in result.stderr and "Support chat" in result.stderr
    assert "Traceback" not in result.output


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(users=HUGE, requests=HUGE, revenue=HUGE, overhead=HUGE)
def test_extreme_valid_values_give_finite_or_undefined_figures(customer_support, users, requests, revenue, overhead):
    data = _with(
        customer_support,
        users=users,
        requests_per_user=requests,
        revenue_per_user=revenue,
        overhead_per_request=overhead,
    )
    (scenario,) = read_scenarios(json.dumps(data), "x.json")
    try:
        projection = project(scenario)
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message and "is too large" in message
        assert any(
            f"{name}: " in message
            for name in ("users", "requests_per_user", "revenue_per_user", "overhead_per_request")
        )
        return
    for frame in (projection.rows, projection.summary):
        numbers = frame.select_dtypes("number").to_numpy(dtype=float)
        assert not np.isinf(numbers).any()
    text = projection_to_json(projection)
    assert "Infinity" not in text and "NaN" not in text
    assert all(math.isfinite(v) for v in _numbers(json.loads(text)))


def _numbers(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _numbers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _numbers(value)
    elif isinstance(node, float):
        yield node


@pytest.mark.parametrize("field", ["users", "revenue_per_user", "cost_per_error"])
def test_each_overflowing_field_is_named(customer_support, field):
    (scenario,) = read_scenarios(json.dumps(_with(customer_support, **{field: 1.5e308})), "x.json")
    with pytest.raises(InputError, match=rf"{field}: 1\.5e\+308 is too large"):
        project(scenario)


# --- the Monte Carlo (aueb risk, the report's risk section) and aueb optimize on a scenario ---------------


def _one_line_refusal(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.output and "Warning" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def _file(tmp_path, scenario, name="s.json", **fields):
    path = tmp_path / name
    path.write_text(json.dumps(_with(scenario, **fields)), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_risk_refuses_a_range_whose_high_overflows(customer_support, tmp_path, fmt):
    path = _file(tmp_path, customer_support, users={"low": 100, "mode": 1000, "high": 1e308})
    out = tmp_path / f"risk.{fmt}"
    result = CliRunner().invoke(app, ["risk", str(path), "--samples", "200", "--format", fmt, "--out", str(out)])
    _one_line_refusal(result, "feature 'Support chat', users.high: 1e+308 is too large")
    assert not out.exists()


def test_risk_refuses_a_point_value_that_overflows(customer_support, tmp_path):
    path = _file(tmp_path, customer_support, users=1e308)
    result = CliRunner().invoke(app, ["risk", str(path), "--samples", "100"])
    _one_line_refusal(result, "feature 'Support chat', users: 1e+308 is too large")


def test_risk_refuses_a_sample_that_overflows_at_a_multiplier(customer_support, tmp_path):
    """Every bound is below the float limit; the samples times 100x are not."""
    path = _file(tmp_path, customer_support, requests_per_user={"low": 1, "mode": 1e300, "high": 1e306})
    result = CliRunner().invoke(app, ["risk", str(path), "--samples", "100", "--format", "json"])
    _one_line_refusal(result, "requests_per_user", "is too large")


@pytest.mark.parametrize("suffix", ["xlsx", "html"])
def test_report_refuses_a_range_that_overflows(customer_support, tmp_path, suffix):
    path = _file(tmp_path, customer_support, users={"low": 100, "mode": 1000, "high": 1e308})
    out = tmp_path / f"r.{suffix}"
    result = CliRunner().invoke(app, ["report", str(path), "--samples", "100", "--out", str(out)])
    _one_line_refusal(result, "users.high: 1e+308 is too large")
    assert not out.exists()


def _token_scenario(saas_portfolio, tmp_path, **fields):
    data = json.loads(scenario_to_json(saas_portfolio))
    data["features"][0].update(fields)
    path = tmp_path / "saas.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    levers = tmp_path / "levers.json"
    name = saas_portfolio.features[0].name
    levers.write_text(json.dumps({"features": {name: {"caching": {"cached_share": 0.5}, "batch": {"share": 0.3}}}}))
    return path, levers


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_optimize_on_a_scenario_refuses_overflowing_inputs(saas_portfolio, tmp_path, fmt):
    path, levers = _token_scenario(saas_portfolio, tmp_path, users=1e308)
    out = tmp_path / f"plan.{fmt}"
    result = CliRunner().invoke(
        app, ["optimize", str(path), "--levers", str(levers), "--format", fmt, "--out", str(out)]
    )
    _one_line_refusal(result, "feature 'Ticket triage', users: 1e+308 is too large")
    assert not out.exists()


def test_optimize_on_a_scenario_writes_finite_json(saas_portfolio, tmp_path):
    path, levers = _token_scenario(saas_portfolio, tmp_path)
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        app, ["optimize", str(path), "--levers", str(levers), "--format", "json", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["levers"] and all(math.isfinite(v) for v in _numbers(data))
    assert all(isinstance(r["uncertain"], bool) for r in data["levers"])


def test_optimize_refuses_a_one_time_cost_whose_payback_overflows(sb, tmp_path):
    """A lever that saves less than a cent a month against a one-time cost near the float limit."""
    scenario = sb.scenario(
        [
            sb.feature(
                users=1, requests_per_user=1, teacher={"pricing": sb.tokens(100, 10, model="gpt-4o", provider="openai")}
            )
        ]
    )
    path = tmp_path / "tiny.json"
    path.write_text(scenario_to_json(scenario), encoding="utf-8")
    levers = tmp_path / "levers.json"
    levers.write_text(json.dumps({"features": {"F": {"caching": {"cached_share": 0.5, "one_time_cost": 1.7e308}}}}))
    result = CliRunner().invoke(app, ["optimize", str(path), "--levers", str(levers), "--format", "json"])
    _one_line_refusal(result, "feature 'F', lever 'caching', one_time_cost: 1.7e+308 is too large")


BOUNDS = st.lists(HUGE, min_size=3, max_size=3).map(sorted)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(users=BOUNDS, requests=BOUNDS, cost=BOUNDS)
def test_extreme_ranges_give_finite_or_undefined_risk_figures(customer_support, users, requests, cost):
    """The Monte Carlo and the tornado over ranges up to the float limit: a one-line refusal naming an input,
    or percentiles, summary and tornado that are finite or explicitly undefined (None), never inf."""
    data = _with(
        customer_support,
        users=dict(zip(("low", "mode", "high"), users, strict=True)),
        requests_per_user=dict(zip(("low", "mode", "high"), requests, strict=True)),
    )
    data["features"][0]["teacher"]["pricing"] = {
        "kind": "per_request",
        "cost": dict(zip(("low", "mode", "high"), cost, strict=True)),
    }
    (scenario,) = read_scenarios(json.dumps(data), "x.json")
    try:
        report = risk.risk_report([scenario], 50, 1)
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message and "is too large" in message
        assert any(f"{name}" in message for name in ("users", "requests_per_user", "teacher.pricing.cost"))
        return
    text = risk.risk_to_json(report)  # allow_nan=False: an inf or a NaN here would raise
    assert all(math.isfinite(v) for v in _numbers(json.loads(text)))


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--examples", "1e308"), ("--input-tokens", "1e306"), ("--engineering", "1.7e308")],
)
def test_distill_cost_refuses_a_cost_that_overflows(flag, value):
    """Each input is finite; the cost it makes (examples x tokens x epochs x price, or their sum) is not."""
    args = {"--examples": "10000", "--input-tokens": "1000", "--output-tokens": "100", "--engineering": "1.7e308"}
    args[flag] = value
    if flag != "--engineering":
        args["--engineering"] = "0"
    flat = [x for pair in args.items() for x in pair]
    cost = ["--training-price-per-mtok", "3e306" if flag == "--engineering" else "3"]
    result = CliRunner().invoke(app, ["distill-cost", "--teacher-model", "gpt-4o", *flat, *cost, "--format", "json"])
    _one_line_refusal(result, f"{flag}: {float(value):g} is too large")
    assert "Infinity" not in result.stdout


def test_plan_refuses_inputs_that_overflow(customer_support, tmp_path):
    path = _file(tmp_path, customer_support, users=1e308)
    metrics = Path(__file__).resolve().parent.parent / "data" / "metrics_example.json"
    result = CliRunner().invoke(app, ["plan", str(path), str(metrics), "--feature", "Support chat", "--format", "json"])
    _one_line_refusal(result, "feature 'Support chat', users: 1e+308 is too large")


def test_project_names_the_mode_it_uses_and_risk_the_bound_it_draws(customer_support, tmp_path):
    path = _file(tmp_path, customer_support, users={"low": 1, "mode": 1e307, "high": 1.5e308})
    _one_line_refusal(CliRunner().invoke(app, ["project", str(path)]), "'Support chat', users: 1e+307 is too large")
    risk_run = CliRunner().invoke(app, ["risk", str(path), "--samples", "50"])
    _one_line_refusal(risk_run, "'Support chat', users.high: 1.5e+308 is too large")

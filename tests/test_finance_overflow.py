"""Inputs whose figures overflow a float are refused naming field and value; nothing writes inf."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

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

"""Ranges as inputs: validation, the finance CSV, updates of a model, and the `aueb risk` command."""

from __future__ import annotations

import copy
import csv
import io
import json

import pandas as pd
import pytest
from conftest import CUSTOMER_SUPPORT_PATH
from pydantic import ValidationError
from typer.testing import CliRunner

from aueb.apply import apply_metrics
from aueb.cli import app
from aueb.engine import project
from aueb.errors import InputError
from aueb.formats import CSV_COLUMNS, read_scenarios, scenario_to_json, scenarios_to_csv
from aueb.metrics import load_metrics
from aueb.resources import data_path
from aueb.risk import PERCENTILE_COLUMNS, risk_report
from aueb.scenario import Feature, Range, Scenario

RUNNER = CliRunner()
CS = json.loads(CUSTOMER_SUPPORT_PATH.read_text(encoding="utf-8"))


def cli(*args):
    return RUNNER.invoke(app, [str(a) for a in args])


def plain(data):
    """The scenario data with every range replaced by its mode."""
    if isinstance(data, dict):
        if set(data) == {"low", "mode", "high"}:
            return data["mode"]
        return {k: plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return data


def test_default_scenario_has_ranges_and_projects_at_the_mode(customer_support):
    feature = customer_support.features[0]
    assert set(feature.ranges) == {"users", "requests_per_user", "coverage"}
    assert set(feature.student.ranges) == {"quality_retention"}
    assert feature.users == 25000.0 and isinstance(feature.users, float)
    without = Scenario.model_validate(plain(CS))
    assert not without.features[0].ranges
    a, b = project(customer_support), project(without)
    pd.testing.assert_frame_equal(a.rows, b.rows)
    pd.testing.assert_frame_equal(a.summary, b.summary)


def test_json_writes_ranges_back(customer_support):
    written = json.loads(scenario_to_json(customer_support))
    assert written["features"][0]["users"] == {"low": 15000.0, "mode": 25000.0, "high": 50000.0}
    assert Scenario.model_validate(written) == customer_support or scenario_to_json(
        Scenario.model_validate(written)
    ) == scenario_to_json(customer_support)


def test_csv_round_trip_with_ranges(customer_support, sb):
    scenario = Scenario.model_validate({**CS, "fixed_monthly_cost": {"low": 1000, "mode": 1500, "high": 4000}})
    text = scenarios_to_csv([scenario, sb.scenario()])
    header = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    i = header.index("users")
    assert header[i : i + 3] == ["users", "users.low", "users.high"]
    assert header[header.index("fixed_monthly_cost") + 1] == "fixed_monthly_cost.low"
    assert "student.quality_retention.high" in header and "teacher.quality.low" not in header
    frame = pd.read_csv(io.StringIO(text.removeprefix("\ufeff")))
    assert frame.loc[0, "users.low"] == 15000 and pd.isna(frame.loc[1, "users.low"])  # both empty: no range
    back = read_scenarios(text, "x.csv")
    assert [scenario_to_json(s) for s in back] == [scenario_to_json(scenario), scenario_to_json(sb.scenario())]


def test_csv_without_ranges_is_todays(sb):
    text = scenarios_to_csv([sb.scenario(), Scenario.model_validate(plain(CS))])
    assert next(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == list(CSV_COLUMNS)


@pytest.mark.parametrize(
    "change, fragments",
    [
        (
            ("users", {"low": 30000, "mode": 25000, "high": 50000}),
            ["features[0] (Support chat)", "users.mode", "25000", "low 30000"],
        ),
        (("users", {"low": 60000, "mode": 25000, "high": 50000}), ["users.low", "60000", "above high 50000"]),
        (("coverage", {"low": 0.5, "mode": 0.85, "high": 1.2}), ["coverage.high", "less than or equal to 1", "1.2"]),
        (("users", {"low": -5, "mode": 25000, "high": 50000}), ["users.low", "greater than or equal to 0", "-5"]),
        (("users", {"low": 1, "high": 5}), ["users", "mode is missing"]),
        (("users", {"low": 1, "mode": 2, "high": 3, "p": 4}), ["users", "unknown key 'p'"]),
    ],
)
def test_bad_ranges_are_one_line_errors(tmp_path, change, fragments):
    data = copy.deepcopy(CS)
    data["features"][0][change[0]] = change[1]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    for command in (("project", path), ("risk", path, "--samples", "10")):
        result = cli(*command)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and result.stdout == ""
        message = result.stderr.strip()
        assert message.startswith("error: ") and "\n" not in message
        for fragment in fragments:
            assert fragment in message, (fragment, message)


def test_bad_range_in_csv_names_row_and_column(customer_support):
    text = scenarios_to_csv([customer_support])
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    header = rows[0]
    rows[1][header.index("coverage.high")] = "1.5"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    with pytest.raises(
        InputError,
        match=r"row 2, column coverage\.high: input should be less than or equal to 1 \(got '1\.5'\)",
    ):
        read_scenarios(buffer.getvalue(), "x.csv")
    rows[1][header.index("coverage.high")] = ""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    with pytest.raises(InputError, match=r"row 2, column coverage\.high: empty while coverage\.low is given"):
        read_scenarios(buffer.getvalue(), "x.csv")


def test_updates_keep_ranges_consistent(customer_support):
    feature = customer_support.features[0]
    # A value set in place of a range replaces it: assignment, model_copy(update=...), a dump edited and validated.
    copied = feature.model_copy(update={"users": 30000.0})
    assert "users" not in copied.ranges and "coverage" in copied.ranges and copied.users == 30000.0
    data = customer_support.model_dump()
    data["features"][0]["coverage"] = 0.5
    assert set(Scenario.model_validate(data).features[0].ranges) == {"users", "requests_per_user"}
    assigned = feature.model_copy(deep=True)
    assigned.coverage = 0.7
    assert "coverage" not in assigned.ranges and "coverage" in feature.ranges
    assigned.coverage = Range(low=0.1, mode=0.2, high=0.3)
    assert assigned.ranges["coverage"].high == 0.3 and assigned.coverage == 0.2
    with pytest.raises(ValueError, match="coverage.mode"):
        assigned.coverage = {"low": 0.5, "mode": 0.2, "high": 0.6}
    # An untouched dump keeps every range.
    assert Scenario.model_validate(customer_support.model_dump()).features[0].ranges == feature.ranges
    widened = feature.with_range("users", Range(low=1, mode=25000, high=99999))
    assert widened.ranges["users"].high == 99999 and widened.users == 25000
    assert "users" not in feature.with_range("users", None).ranges


def test_measured_retention_replaces_its_range(customer_support):
    metrics = load_metrics(data_path() / "metrics_example.json")
    applied = apply_metrics(customer_support, metrics, "Support chat")
    assert applied.features[0].student.quality_retention == metrics.quality_retention
    assert "quality_retention" not in applied.features[0].student.ranges
    assert set(applied.features[0].ranges) == {"users", "requests_per_user", "coverage"}


def test_only_numbers_take_ranges():
    assert "name" not in Feature.RANGEABLE and Scenario.RANGEABLE == ("fixed_monthly_cost",)
    with pytest.raises(ValidationError):
        Scenario.model_validate({**CS, "horizon_months": {"low": 1, "mode": 2, "high": 3}})


def test_cli_risk_table(customer_support_path):
    result = cli("risk", customer_support_path, "--samples", "2000", "--seed", "4")
    assert result.exit_code == 0, result.output
    assert "P10" in result.stdout and "Probability that the student pays back within the horizon" in result.stdout
    assert "Tornado of cogs_to_revenue@1x/distilled" in result.stdout
    assert "features[Support chat].requests_per_user" in result.stdout


def test_cli_risk_json_and_csv(customer_support, customer_support_path, tmp_path):
    result = cli("risk", customer_support_path, "--samples", "500", "--seed", "9", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report == json.loads(risk_report([customer_support], 500, 9).model_dump_json())
    assert report["samples"] == 500 and report["seed"] == 9
    out = tmp_path / "risk.csv"
    result = cli("risk", customer_support_path, "--samples", "500", "--seed", "9", "--format", "csv", "--out", out)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert list(frame.columns) == list(PERCENTILE_COLUMNS)
    assert frame["p50"].tolist() == pytest.approx([r["p50"] for r in report["percentiles"]], rel=1e-15)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("--samples", "0"), "--samples: 0"),
        (("--seed", "-1"), "--seed: -1"),
        (("--figure", "cogs"), "--figure: 'cogs'"),
    ],
)
def test_cli_risk_bad_options(customer_support_path, args, fragment):
    result = cli("risk", customer_support_path, *args)
    assert result.exit_code == 2 and fragment in result.stderr and "\n" not in result.stderr.strip()


def test_python_api_takes_ranges(sb):
    feature = Feature(
        name="F",
        users=Range(low=10, mode=20, high=40),
        requests_per_user={"low": 1, "mode": 2, "high": 3},
        teacher={"name": "T", "quality": 0.9, "pricing": {"kind": "per_request", "cost": 0.01}},
    )
    assert feature.users == 20.0 and feature.requests_per_user == 2.0
    assert feature.ranges["users"] == Range(low=10, mode=20, high=40)
    scenario = Scenario(name="S", features=[feature], fixed_monthly_cost=Range(low=0, mode=10, high=20))
    assert scenario.ranges["fixed_monthly_cost"].high == 20
    assert json.loads(scenario.model_dump_json())["features"][0]["users"] == {"low": 10.0, "mode": 20.0, "high": 40.0}


def test_cli_risk_refuses_draws_beyond_memory(customer_support_path, monkeypatch):
    monkeypatch.setattr("aueb.risk_samples.MAX_DRAWS", 1000)
    result = cli("risk", customer_support_path, "--samples", "300")
    assert (
        result.exit_code == 2
        and "300 samples x 4 ranged inputs = 1,200 draws" in result.stderr
        and "at most 250 samples" in result.stderr
    )


def _three(draw, top: float | None):
    from hypothesis import strategies as st

    numbers = st.floats(0, top if top is not None else 1e6, allow_nan=False, allow_infinity=False)
    low, mode, high = sorted(draw(st.lists(numbers, min_size=3, max_size=3)))
    return {"low": low, "mode": mode, "high": high}


def test_csv_round_trip_of_random_ranges():
    """Any ranges (shares within 0-1, any floats) come back from the CSV digit for digit, and project at their modes."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @st.composite
    def ranged(draw):
        data = copy.deepcopy(CS)
        feature = data["features"][0]
        for name, top in (
            ("users", None),
            ("cache_hit_rate", 1.0),
            ("overhead_per_request", None),
            ("escalation", 1.0),
        ):
            if draw(st.booleans()):
                feature[name] = _three(draw, top)
        if draw(st.booleans()):
            feature["student"]["pricing"]["cost"] = _three(draw, None)
        if draw(st.booleans()):
            data["fixed_monthly_cost"] = _three(draw, None)
        return Scenario.model_validate(data)

    @settings(max_examples=40, deadline=None)
    @given(ranged())
    def check(scenario):
        back = read_scenarios(scenarios_to_csv([scenario]), "x.csv")[0]
        assert scenario_to_json(back) == scenario_to_json(scenario)
        assert back == scenario
        pd.testing.assert_frame_equal(
            project(back).rows, project(Scenario.model_validate(plain(json.loads(scenario_to_json(scenario))))).rows
        )

    check()

"""Finance CSVs without surprises: missing columns, `;` thousands points, messages a finance user reads."""

from __future__ import annotations

import csv
import io
import json
import warnings

import pytest
from typer.testing import CliRunner

from aueb.cli import app
from aueb.errors import InputError
from aueb.formats import DefaultsWarning, read_scenarios, scenario_to_json, scenarios_to_csv


def _table(scenario) -> list[list[str]]:
    return list(csv.reader(io.StringIO(scenarios_to_csv([scenario]).lstrip("\ufeff"))))


def _text(table: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(table)
    return buffer.getvalue()


def _drop(table: list[list[str]], *columns: str) -> list[list[str]]:
    keep = [i for i, c in enumerate(table[0]) if c not in columns]
    return [[row[i] for i in keep] for row in table]


def _set(table: list[list[str]], column: str, value: str, row: int = 1) -> list[list[str]]:
    table[row][table[0].index(column)] = value
    return table


def _error(text: str, name: str = "x.csv") -> str:
    with pytest.raises(InputError) as info:
        read_scenarios(text, name)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("column", ["users", "requests_per_user", "revenue_per_user", "teacher.quality"])
def test_missing_economics_column_is_an_error_naming_it(customer_support, column):
    table = _drop(_table(customer_support), column, f"{column}.low", f"{column}.high")
    message = _error(_text(table))
    assert f"column {column}: field required; the file has no {column!r} column" in message


def test_missing_student_quality_is_an_error(customer_support):
    table = _drop(_table(customer_support), *(c for c in _table(customer_support)[0] if "quality_retention" in c))
    assert "column student.quality_retention: field required" in _error(_text(table))


def test_other_defaults_are_listed_in_one_warning(customer_support):
    table = _drop(_table(customer_support), "cache_hit_rate", "escalation")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (scenario,) = read_scenarios(_text(table), "x.csv")
    found = [str(w.message) for w in caught if issubclass(w.category, DefaultsWarning)]
    assert found == ["x.csv: columns missing, their defaults taken: cache_hit_rate, escalation"]
    assert scenario.features[0].cache_hit_rate == 0.0


def test_cli_prints_the_defaults_warning_on_stderr(customer_support, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(_text(_drop(_table(customer_support), "cache_hit_rate")), encoding="utf-8")
    result = CliRunner().invoke(app, ["project", str(path), "--format", "json"])
    assert result.exit_code == 0
    assert "warning: " in result.stderr and "cache_hit_rate" in result.stderr
    json.loads(result.stdout)


def test_a_complete_file_warns_nothing(customer_support):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_scenarios(scenarios_to_csv([customer_support]), "x.csv")


def _semicolon(customer_support, decimal_comma: bool) -> list[list[str]]:
    table = _table(customer_support)
    for row in table[1:]:
        for i, cell in enumerate(row):
            if decimal_comma:
                parts = [p.replace(".", ",") if p.replace(".", "", 1).isdigit() else p for p in cell.split(";")]
                row[i] = ";".join(parts)
    return table


def test_thousands_point_read_by_the_files_decimal_commas(customer_support):
    table = _set(_semicolon(customer_support, True), "fixed_monthly_cost", "1.500")
    (scenario,) = read_scenarios(_text(table, ";"), "x.csv")
    assert scenario.fixed_monthly_cost == 1500.0
    assert scenario.features[0].cache_hit_rate == customer_support.features[0].cache_hit_rate


def test_point_read_as_decimal_when_the_file_writes_decimal_points(customer_support):
    table = _set(_semicolon(customer_support, False), "fixed_monthly_cost", "1.500")
    (scenario,) = read_scenarios(_text(table, ";"), "x.csv")
    assert scenario.fixed_monthly_cost == 1.5


def test_ambiguous_point_without_a_convention_is_refused(customer_support):
    header = ["scenario", "feature", "users", "requests_per_user", "revenue_per_user", "fixed_monthly_cost"]
    header += ["teacher.name", "teacher.quality", "teacher.pricing.kind", "teacher.pricing.cost"]
    row = ["s", "f", "100", "3", "2", "1.500", "t", "1", "per_request", "2"]
    message = _error(_text([header, row], ";"))
    assert message.startswith("x.csv: row 2, column fixed_monthly_cost: '1.500' could be 1500 (thousands point) or 1.5")
    assert "save the file as a workbook" in message


def test_negative_value_names_the_column_once(customer_support):
    message = _error(_text(_set(_table(customer_support), "users", "-5")))
    assert message == "x.csv: row 2, column users: input should be greater than or equal to 0 (got '-5')"


def test_wrong_pricing_kind_names_the_allowed_kinds(customer_support):
    message = _error(_text(_set(_table(customer_support), "teacher.pricing.kind", "token")))
    assert message == (
        "x.csv: row 2, column teacher.pricing.kind: unknown pricing kind 'token'; "
        "write one of tokens, per_request, self_hosted"
    )
    data = json.loads(scenario_to_json(customer_support))
    del data["features"][0]["teacher"]["pricing"]["kind"]
    message = _error(json.dumps(data), "x.json")
    assert "teacher.pricing.kind: the pricing kind is missing; write one of tokens, per_request, self_hosted" in message
    assert "discriminator" not in message


def test_empty_number_says_which_column(customer_support):
    message = _error(_text(_set(_table(customer_support), "users", "")))
    assert message == "x.csv: row 2, column users: empty; a number is needed"
    assert "users.mode" not in message


def test_range_bound_error_names_the_bound_column(customer_support):
    table = _table(customer_support)
    if "users.low" not in table[0]:
        pytest.skip("the bundled scenario has no users range")
    message = _error(_text(_set(table, "users.low", "-5")))
    assert message == "x.csv: row 2, column users.low: input should be greater than or equal to 0 (got '-5')"

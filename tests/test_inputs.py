"""Bad input gets one clear line naming the field (row and column for CSV) and the value,
through the library and through the CLI (exit 2, `error: ...` on stderr, no traceback).
Then the CLI's happy paths."""

from __future__ import annotations

import copy
import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest
from conftest import CUSTOMER_SUPPORT_PATH, SAAS_PORTFOLIO_PATH
from helpers import assert_cli_error
from pydantic import ValidationError
from typer.testing import CliRunner

from aueb.cli import app
from aueb.engine import ROW_COLUMNS
from aueb.errors import InputError
from aueb.formats import PROJECTION_CSV_COLUMNS, load_scenarios, read_scenarios, scenarios_to_csv
from aueb.scenario import Scenario

RUNNER = CliRunner()
CS = json.loads(CUSTOMER_SUPPORT_PATH.read_text(encoding="utf-8"))


def cli(*args: str):
    return RUNNER.invoke(app, [str(a) for a in args])


# --------------------------------------------------------------------------------------------
# JSON scenarios: library (pydantic and InputError) and CLI
# --------------------------------------------------------------------------------------------


def tokens_teacher(**pricing: Any) -> Callable[[dict], None]:
    def mutate(d: dict) -> None:
        d["features"][0]["teacher"]["pricing"] = {"kind": "tokens", "input_tokens": 10, "output_tokens": 5, **pricing}

    return mutate


def feature_set(**fields: Any) -> Callable[[dict], None]:
    return lambda d: d["features"][0].update(fields)


def feature_pop(key: str) -> Callable[[dict], None]:
    return lambda d: d["features"][0].pop(key)


JSON_CASES = [
    pytest.param(
        feature_set(users=-5),
        ("users",),
        ["features[0] (Support chat).users: input should be greater than or equal to 0 (got -5)"],
        id="negative-volume",
    ),
    pytest.param(
        feature_set(requests_per_user=-0.5),
        ("requests_per_user",),
        ["features[0] (Support chat).requests_per_user:", "(got -0.5)"],
        id="negative-requests",
    ),
    pytest.param(
        feature_set(cache_hit_rate=1.5),
        ("cache_hit_rate",),
        ["features[0] (Support chat).cache_hit_rate: input should be less than or equal to 1 (got 1.5)"],
        id="share-above-1",
    ),
    pytest.param(
        feature_set(coverage=1.01),
        ("coverage",),
        ["coverage: input should be less than or equal to 1 (got 1.01)"],
        id="coverage-above-1",
    ),
    pytest.param(
        feature_pop("coverage"),
        (),
        ["features[0] (Support chat)", "coverage is missing", "student"],
        id="coverage-missing",
    ),
    pytest.param(
        tokens_teacher(cached_input_tokens=20, input_price_per_mtok=1, output_price_per_mtok=1),
        ("teacher", "pricing"),
        ["features[0] (Support chat).teacher.pricing", "cached_input_tokens (20) may not exceed input_tokens (10)"],
        id="cached-above-input",
    ),
    pytest.param(
        lambda d: d["features"][0]["student"].update(quality_retention=1.2),
        (),
        ["features[0] (Support chat)", "student.quality_retention (1.2) x teacher.quality (0.92) = 1.104", "above 1"],
        id="retention-above-1",
    ),
    pytest.param(
        tokens_teacher(model="gpt-4x"),
        ("teacher", "pricing"),
        ["teacher.pricing", "model 'gpt-4x' is not in the price catalog", "closest:", "gpt-4o"],
        id="unknown-model",
    ),
    pytest.param(
        tokens_teacher(model="gpt-4o", provider="opnai"),
        ("teacher", "pricing"),
        ["teacher.pricing", "provider 'opnai' is not in the price catalog", "openai"],
        id="unknown-provider",
    ),
    pytest.param(
        tokens_teacher(model="GPT-4X"),
        ("teacher", "pricing"),
        ["model 'GPT-4X' is not in the price catalog"],
        id="unknown-model-keeps-case",
    ),
    pytest.param(
        feature_set(reveune_per_user=3.0),
        ("reveune_per_user",),
        ["features[0] (Support chat).reveune_per_user: unknown field; did you mean 'revenue_per_user'?"],
        id="unknown-key",
    ),
    pytest.param(
        lambda d: d.update(fixed_montly_cost=1),
        ("fixed_montly_cost",),
        ["fixed_montly_cost: unknown field; did you mean 'fixed_monthly_cost'?"],
        id="unknown-scenario-key",
    ),
    pytest.param(
        lambda d: d["features"].append(copy.deepcopy(d["features"][0])),
        (),
        ["the name 'Support chat' is used twice"],
        id="duplicate-feature",
    ),
    pytest.param(feature_set(name="ALL"), (), ["'ALL' is reserved"], id="feature-named-ALL"),
    pytest.param(
        feature_set(users="abc"),
        ("users",),
        ["features[0] (Support chat).users: input should be a valid number", "(got 'abc')"],
        id="non-numeric",
    ),
    pytest.param(
        feature_pop("users"), ("users",), ["features[0] (Support chat).users: field required"], id="missing-required"
    ),
    pytest.param(
        lambda d: d["features"][0]["teacher"].update(pricing={"kind": "tokenz", "cost": 1}),
        ("teacher", "pricing"),
        ["teacher.pricing", "'tokenz'", "per_request"],
        id="unknown-pricing-kind",
    ),
    pytest.param(
        lambda d: d.update(multipliers=[1, 0]),
        ("multipliers",),
        ["multipliers[1]: input should be greater than 0 (got 0)"],
        id="zero-multiplier",
    ),
    pytest.param(
        lambda d: d.update(multipliers=[1, 10, 10]),
        (),
        ["multipliers: [1.0, 10.0, 10.0] repeats a value"],
        id="repeated-multiplier",
    ),
    pytest.param(
        lambda d: d.update(growth="sideways"),
        ("growth",),
        ["growth: input should be 'users' or 'usage' (got 'sideways')"],
        id="bad-growth",
    ),
]


def _mutated(mutate: Callable[[dict], None]) -> dict:
    data = copy.deepcopy(CS)
    mutate(data)
    return data


@pytest.mark.parametrize(("mutate", "loc", "fragments"), JSON_CASES)
def test_json_library_errors(mutate, loc, fragments):
    data = _mutated(mutate)
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data)
    locations = [tuple(str(p) for p in e["loc"]) for e in info.value.errors()]
    assert any(all(part in where for part in loc) for where in locations), locations
    with pytest.raises(InputError) as info:
        read_scenarios(json.dumps(data).encode("utf-8"), "bad.json")
    message = str(info.value)
    assert message.startswith("bad.json: ")
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize(("mutate", "loc", "fragments"), JSON_CASES)
def test_json_cli_errors(mutate, loc, fragments, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_mutated(mutate)), encoding="utf-8")
    assert_cli_error(cli("project", path), str(path) + ": ", *fragments)


# --------------------------------------------------------------------------------------------
# The finance CSV: row and column
# --------------------------------------------------------------------------------------------

SAAS_TABLE = list(
    csv.reader(io.StringIO(scenarios_to_csv(load_scenarios(SAAS_PORTFOLIO_PATH)).removeprefix("\ufeff"), newline=""))
)
HEADER = SAAS_TABLE[0]
# rows 2, 3, 4 = Ticket triage, Meeting summaries, Contract review


def cell(row: int, column: str, value: str) -> Callable[[list[list[str]]], None]:
    def mutate(table: list[list[str]]) -> None:
        table[row - 1][HEADER.index(column)] = value

    return mutate


def drop_column(column: str) -> Callable[[list[list[str]]], None]:
    def mutate(table: list[list[str]]) -> None:
        index = HEADER.index(column)
        for r in table:
            del r[index]

    return mutate


def rename_column(column: str, new: str) -> Callable[[list[list[str]]], None]:
    def mutate(table: list[list[str]]) -> None:
        table[0][HEADER.index(column)] = new

    return mutate


def short_row(row: int) -> Callable[[list[list[str]]], None]:
    return lambda table: table[row - 1].pop()


def both(*mutations):
    def mutate(table):
        for m in mutations:
            m(table)

    return mutate


CSV_CASES = [
    pytest.param(
        cell(3, "users", "-5"),
        ["row 3, column users: input should be greater than or equal to 0 (got '-5')"],
        id="negative-volume",
    ),
    pytest.param(
        cell(3, "cache_hit_rate", "1.5"),
        ["row 3, column cache_hit_rate: input should be less than or equal to 1 (got '1.5')"],
        id="share-above-1",
    ),
    pytest.param(cell(4, "coverage", ""), ["row 4", "coverage is missing"], id="coverage-missing"),
    pytest.param(
        cell(2, "teacher.pricing.cached_input_tokens", "5000"),
        ["row 2", "cached_input_tokens (5000) may not exceed input_tokens (1800)"],
        id="cached-above-input",
    ),
    pytest.param(
        cell(4, "student.quality_retention", "1.2"),
        ["row 4", "student.quality_retention (1.2) x teacher.quality (0.9)", "above 1"],
        id="retention-above-1",
    ),
    pytest.param(
        both(cell(2, "teacher.pricing.model", "gpt-4x"), cell(2, "teacher.pricing.input_price_per_mtok", "")),
        ["row 2", "model 'gpt-4x' is not in the price catalog", "closest:", "gpt-4o"],
        id="unknown-model",
    ),
    pytest.param(
        both(cell(2, "teacher.pricing.provider", "opnai"), cell(2, "teacher.pricing.input_price_per_mtok", "")),
        ["row 2", "provider 'opnai' is not in the price catalog", "openai"],
        id="unknown-provider",
    ),
    pytest.param(
        cell(3, "users", "abc"),
        ["row 3, column users: input should be a valid number", "(got 'abc')"],
        id="non-numeric",
    ),
    pytest.param(cell(3, "users", "1,000"), ["row 3, column users:", "(got '1,000')"], id="thousands-separator"),
    pytest.param(cell(2, "users", ""), ["row 2, column users: field required"], id="missing-required-cell"),
    pytest.param(drop_column("users"), ["row 2, column users: field required"], id="missing-required-column"),
    pytest.param(drop_column("feature"), ["row 1: column 'feature' is missing"], id="no-feature-column"),
    pytest.param(drop_column("scenario"), ["row 1: column 'scenario' is missing"], id="no-scenario-column"),
    pytest.param(
        rename_column("users", "userz"),
        ["row 1, column 8: unknown column 'userz'; did you mean 'users'?"],
        id="unknown-column",
    ),
    pytest.param(
        rename_column("revenue_per_user", "revenue_per_usr"),
        ["unknown column 'revenue_per_usr'; did you mean 'revenue_per_user'?"],
        id="unknown-column-typo",
    ),
    pytest.param(short_row(3), ["row 3: 63 cells where the header has 64 columns"], id="wrong-number-of-cells"),
    pytest.param(
        cell(3, "fixed_monthly_cost", "7000"),
        [
            "row 3, column fixed_monthly_cost: '7000' differs from '6000.0' on row 2 of scenario 'B2B SaaS with "
            "three AI features'"
        ],
        id="conflicting-scenario-values",
    ),
    pytest.param(
        cell(4, "growth", "usage"),
        ["row 4, column growth: 'usage' differs from 'users' on row 3", "scenario-wide columns must agree"],
        id="conflicting-growth",
    ),
    pytest.param(
        both(*(cell(r, "growth", "sideways") for r in (2, 3, 4))),
        ["row 2, column growth: input should be 'users' or 'usage' (got 'sideways')"],
        id="bad-growth",
    ),
    pytest.param(
        both(*(cell(r, "multipliers", "1.0;x") for r in (2, 3, 4))),
        ["column multipliers", "(got 'x')"],
        id="bad-multiplier-cell",
    ),
    pytest.param(
        cell(2, "scenario", ""), ["row 2, column scenario: the scenario name is empty"], id="empty-scenario-name"
    ),
    pytest.param(
        cell(3, "feature", "Ticket triage"),
        ["row 3, column feature:", "'Ticket triage' is already used on row 2"],
        id="duplicate-feature",
    ),
    pytest.param(
        cell(3, "teacher.pricing.kind", "tokenz"),
        ["row 3, column teacher.pricing", "'tokenz'"],
        id="unknown-pricing-kind",
    ),
]


def _csv_text(mutate) -> str:
    table = copy.deepcopy(SAAS_TABLE)
    mutate(table)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(table)
    return buffer.getvalue()


@pytest.mark.parametrize(("mutate", "fragments"), CSV_CASES)
def test_csv_library_errors(mutate, fragments):
    with pytest.raises(InputError) as info:
        read_scenarios(_csv_text(mutate).encode("utf-8"), "bad.csv")
    message = str(info.value)
    assert message.startswith("bad.csv: ")
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize(("mutate", "fragments"), CSV_CASES)
def test_csv_cli_errors(mutate, fragments, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(("\ufeff" + _csv_text(mutate)).encode("utf-8"))
    assert_cli_error(cli("project", path), str(path) + ": ", *fragments)


@pytest.mark.parametrize(
    ("mutate", "column"),
    [
        pytest.param(cell(4, "coverage", ""), "coverage", id="coverage-missing"),
        pytest.param(
            cell(2, "teacher.pricing.cached_input_tokens", "5000"),
            "teacher.pricing.cached_input_tokens",
            id="cached-above-input",
        ),
        pytest.param(cell(4, "student.quality_retention", "1.2"), "student.quality_retention", id="retention-above-1"),
        pytest.param(
            both(cell(2, "teacher.pricing.model", "gpt-4x"), cell(2, "teacher.pricing.input_price_per_mtok", "")),
            "teacher.pricing.model",
            id="unknown-model",
        ),
    ],
)
def test_csv_cross_field_errors_name_the_column(mutate, column):
    """`row R, column C` must name the column to fix, also for checks that span two fields."""
    row = 4 if column in ("coverage", "student.quality_retention") else 2
    with pytest.raises(InputError) as info:
        read_scenarios(_csv_text(mutate), "bad.csv")
    assert f"row {row}, column {column}:" in str(info.value)


def test_csv_error_neutralised_header_and_cells_restored():
    # a neutralised cell ('=x) is read back as =x, and the error quotes the original text
    text = _csv_text(cell(3, "users", "'=1+1"))
    with pytest.raises(InputError, match=r"row 3, column users: .*\(got '=1\+1'\)"):
        read_scenarios(text, "bad.csv")


# --------------------------------------------------------------------------------------------
# Files of the wrong kind, bad options, missing files
# --------------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
METRICS = {
    "schema_version": 1,
    "dataset": "tickets",
    "teacher": {"name": "t", "accuracy": 0.9},
    "student": {"name": "s", "accuracy": 0.88},
    "quality_retention": 0.88 / 0.9,
    "hardware": {"device": "cpu", "threads": 2, "hourly_price": 0.1},
    "seeds": [0],
}


@pytest.mark.parametrize(
    ("name", "content", "fragments"),
    [
        pytest.param("image.csv", PNG, ["image.csv: not a text file (it holds binary data)"], id="png-named-csv"),
        pytest.param("image.json", PNG, ["not a text file"], id="png-named-json"),
        pytest.param(
            "notes.txt",
            b"scenario,feature\n",
            ["notes.txt: expected a .json, .csv or .xlsx scenario file, not .txt"],
            id="txt",
        ),
        pytest.param(
            "noext",
            b"{}",
            ["expected a .json, .csv or .xlsx scenario file, not a file without extension"],
            id="no-extension",
        ),
        pytest.param(
            "metrics.json",
            json.dumps(METRICS).encode(),
            ["metrics.json: this is a distillation metrics file, not a scenario"],
            id="metrics-json",
        ),
        pytest.param(
            "broken.json",
            b'{"name": "x",\n  "features": [',
            ["broken.json: not valid JSON at line 2"],
            id="invalid-json",
        ),
        pytest.param("list.json", b"[1]", ["list.json: scenario 0: expected a JSON object"], id="json-list-of-numbers"),
        pytest.param("empty.json", b"[]", ["the JSON list holds no scenario"], id="empty-json-list"),
        pytest.param("empty.csv", b"", ["empty.csv: the CSV is empty"], id="empty-csv"),
        pytest.param(
            "header.csv",
            b"scenario,feature\r\n",
            ["header.csv: the CSV has a header but no rows"],
            id="header-only-csv",
        ),
        pytest.param(
            "odd.csv",
            b"scenario,feature\r\n\x81,x\r\n",
            ["odd.csv: not UTF-8 or Windows-1252 text", "CSV UTF-8"],
            id="undecodable-csv",
        ),
        pytest.param(
            "semi.csv",
            b"scenario;feature\r\nx;y\r\n",
            ["semi.csv: row 2, column users: field required"],
            id="semicolon-csv",
        ),
    ],
)
def test_wrong_kind_of_file(name, content, fragments, tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_scenarios(path)
    for fragment in fragments:
        assert fragment in str(info.value)
    assert_cli_error(cli("project", path), *fragments)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.json"
    with pytest.raises(InputError, match="cannot read the file"):
        load_scenarios(path)
    assert_cli_error(cli("project", path), f"{path}: cannot read the file (No such file or directory)")
    assert_cli_error(cli("convert", path, tmp_path / "out.csv"), "cannot read the file")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1,x", "--multipliers: 'x' is not a number (expected e.g. 1,10,100)"),
        ("0", "--multipliers: '0' must be a number above 0"),
        ("-1", "--multipliers: '-1' must be a number above 0"),
        ("1,-10", "--multipliers: '-10' must be a number above 0"),
        ("inf", "--multipliers: 'inf' must be a number above 0"),
        ("nan", "--multipliers: 'nan' must be a number above 0"),
        ("1,,10", "--multipliers: '' is not a number"),
        ("1,10,1", "repeats a value"),
    ],
)
def test_bad_multipliers(value, fragment):
    assert_cli_error(cli("project", CUSTOMER_SUPPORT_PATH, f"--multipliers={value}"), fragment)


def test_convert_to_unknown_extension(tmp_path):
    assert_cli_error(
        cli("convert", CUSTOMER_SUPPORT_PATH, tmp_path / "out.ods"),
        "expected a .json, .csv or .xlsx file name, not .ods",
    )


@pytest.mark.parametrize(
    "args",
    [
        ("project", "{cs}", "--out", "{missing}/x.txt"),
        ("project", "{cs}", "--format", "csv", "--out", "{missing}/x.csv"),
        ("convert", "{cs}", "{missing}/x.json"),
        ("apply-metrics", "{cs}", "{metrics}", "--feature", "Support chat", "--out", "{missing}/a.json"),
    ],
)
def test_cli_unwritable_output_is_a_clear_error(tmp_path, args):
    values = {
        "cs": CUSTOMER_SUPPORT_PATH,
        "missing": tmp_path / "no-such-folder",
        "metrics": CUSTOMER_SUPPORT_PATH.parent.parent / "metrics_example.json",
    }
    filled = [a.format(**values) for a in args]
    assert_cli_error(cli(*filled), f"{values['missing']}/", "cannot write the file (No such file or directory)")


def test_cli_error_through_the_real_entry_point(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_mutated(feature_set(users=-5))), encoding="utf-8")
    script = Path(sys.executable).with_name("aueb")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "aueb.cli"]
    done = subprocess.run([*command, "project", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: {path}: features[0] (Support chat).users: input should be greater than or equal to 0 (got -5)"
    ]


# --------------------------------------------------------------------------------------------
# CLI happy paths
# --------------------------------------------------------------------------------------------


def test_project_table():
    result = cli("project", CUSTOMER_SUPPORT_PATH)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for fragment in ("$29,800", "39.7%", "$10,582", "14.1%", "$284,500", "Median-Low", "Elite-Median"):
        assert fragment in out, fragment
    assert "Payback 1.4 months" in out
    assert "Break-even (requests / month; pays back within 12 months) 114,141" in out
    assert "Student cheaper per month (requests / month) at any volume" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert result.stderr == ""


def test_project_table_saas_fits_80_columns():
    result = cli("project", SAAS_PORTFOLIO_PATH)
    assert result.exit_code == 0, result.output
    assert "Ticket triage" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_project_csv():
    result = cli("project", CUSTOMER_SUPPORT_PATH, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(result.stdout_bytes), encoding="utf-8-sig")
    assert list(frame.columns) == list(PROJECTION_CSV_COLUMNS)
    assert len(frame) == 3 * 2 * 2  # multipliers x arms x (feature + ALL)
    total = frame[(frame["feature"] == "ALL") & (frame["multiplier"] == 1.0)].set_index("arm")
    assert total.loc["baseline", "ai_cogs"] == 29_800.0
    assert total.loc["distilled", "ai_cogs"] == pytest.approx(10_581.5, rel=1e-12)
    assert total.loc["baseline", "cogs_to_revenue_tier"] == "Median-Low"
    assert frame[frame["feature"] != "ALL"]["feature_profitability"].isna().all()


def test_project_json():
    result = cli("project", CUSTOMER_SUPPORT_PATH, "--format", "json")
    assert result.exit_code == 0, result.output
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    data = json.loads(result.stdout)
    assert set(data) == {"rows", "summary"}
    assert len(data["rows"]) == 12
    assert set(data["rows"][0]) == set(ROW_COLUMNS)
    feature_row = next(r for r in data["rows"] if r["feature"] == "Support chat")
    assert feature_row["feature_profitability"] is None
    assert feature_row["cogs_to_revenue_tier"] is None
    summary = data["summary"]["Customer support assistant"]
    assert set(summary) == {
        "one_time_cost",
        "monthly_saving",
        "payback_months",
        "roi",
        "break_even_monthly_requests",
        "student_cheaper_from_monthly_requests",
        "margin_collapse_multiplier_baseline",
        "margin_collapse_multiplier_distilled",
    }
    assert summary["one_time_cost"] == pytest.approx(26_300.0, rel=1e-12)
    assert summary["monthly_saving"] == pytest.approx(19_218.5, rel=1e-12)


def test_project_json_nulls_for_undefined(tmp_path):
    data = copy.deepcopy(CS)
    data["features"][0]["revenue_per_user"] = 0.0
    data["features"][0]["users"] = 0.0
    path = tmp_path / "zero.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = cli("project", path, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    total = next(r for r in rows if r["feature"] == "ALL")
    for column in (
        "cogs_to_revenue",
        "gross_margin",
        "quality",
        "cost_per_request",
        "cost_per_user",
        "feature_profitability",
        "cogs_to_revenue_tier",
    ):
        assert total[column] is None, column
    summary = json.loads(result.stdout)["summary"]["Customer support assistant"]
    assert summary["payback_months"] is None
    assert summary["margin_collapse_multiplier_baseline"] is None


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_project_out(fmt, tmp_path):
    target = tmp_path / f"projection.{'txt' if fmt == 'table' else fmt}"
    result = cli("project", CUSTOMER_SUPPORT_PATH, "--format", fmt, "--out", target)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    written = target.read_bytes()
    if fmt == "csv":
        assert list(pd.read_csv(target, encoding="utf-8-sig").columns) == list(PROJECTION_CSV_COLUMNS)
    elif fmt == "json":
        assert set(json.loads(written)) == {"rows", "summary"}
    else:
        text = written.decode("utf-8")
        assert "$29,800" in text and "14.1%" in text
        assert max(len(line) for line in text.splitlines()) <= 80


def test_project_multipliers_and_growth():
    result = cli("project", SAAS_PORTFOLIO_PATH, "--format", "json", "--multipliers", "1,10,100")
    rows = json.loads(result.stdout)["rows"]
    assert sorted({r["multiplier"] for r in rows}) == [1.0, 10.0, 100.0]
    result = cli("project", CUSTOMER_SUPPORT_PATH, "--format", "json", "--multipliers", "2.5,7")
    rows = json.loads(result.stdout)["rows"]
    assert sorted({r["multiplier"] for r in rows}) == [2.5, 7.0]
    total = next(r for r in rows if r["feature"] == "ALL" and r["multiplier"] == 7.0 and r["arm"] == "baseline")
    assert total["revenue"] == pytest.approx(7 * 75_000, rel=1e-12)
    result = cli("project", CUSTOMER_SUPPORT_PATH, "--format", "json", "--growth", "usage")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    total = next(r for r in rows if r["feature"] == "ALL" and r["multiplier"] == 10.0 and r["arm"] == "baseline")
    assert total["revenue"] == pytest.approx(75_000, rel=1e-12)
    assert total["requests"] == pytest.approx(10_000_000, rel=1e-12)
    assert total["cogs_to_revenue"] == pytest.approx(284_500 / 75_000, rel=1e-12)


def test_project_many_scenarios_in_one_csv(tmp_path, customer_support, saas_portfolio):
    path = tmp_path / "many.csv"
    path.write_text(scenarios_to_csv([customer_support, saas_portfolio]), encoding="utf-8")
    result = cli("project", path, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["summary"]) == {"Customer support assistant", "B2B SaaS with three AI features"}
    assert {r["scenario"] for r in data["rows"]} == set(data["summary"])
    assert len(data["rows"]) == 3 * 2 * (2 + 4)
    table = cli("project", path)
    assert table.exit_code == 0
    assert "Customer support assistant" in table.stdout and "B2B SaaS with three AI features" in table.stdout
    assert "$29,800" in table.stdout


def test_convert_json_csv_json(tmp_path, saas_portfolio):
    as_csv, as_json = tmp_path / "saas.csv", tmp_path / "saas.json"
    result = cli("convert", SAAS_PORTFOLIO_PATH, as_csv)
    assert result.exit_code == 0, result.output
    assert "wrote 1 scenario(s)" in result.stderr
    assert as_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    result = cli("convert", as_csv, as_json)
    assert result.exit_code == 0, result.output
    assert load_scenarios(as_json) == [saas_portfolio]
    assert load_scenarios(as_csv) == [saas_portfolio]


def test_tiers():
    result = cli("tiers")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for fragment in (
        "AI COGS / revenue",
        "< 10.0%",
        "15.0% to 25.0%",
        "> 40.0%",
        "> 85.0%",
        "50.0% to 70.0%",
        "< 30.0%",
        "0.0100 to 0.0500",
    ):
        assert fragment in out, fragment
    assert max(len(line) for line in out.splitlines()) <= 80


def test_schema(customer_support):
    result = cli("schema")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(CS, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**CS, "features": []}, schema)
    feature = schema["$defs"]["Feature"]["properties"]
    assert "users per month" in feature["users"]["description"]
    assert "fraction 0-1" in feature["cache_hit_rate"]["description"]
    assert "required with a student" in feature["coverage"]["description"]
    assert (
        "currency per million tokens"
        in schema["$defs"]["TokenPricing"]["properties"]["input_price_per_mtok"]["description"]
    )
    # every field of every object carries its description (nested objects are described by their own $def)
    for name, definition in schema["$defs"].items():
        for field, spec in definition["properties"].items():
            if field != "kind" and "$ref" not in spec and "oneOf" not in spec:
                assert spec.get("description"), (name, field)
    assert all(spec.get("description") for spec in schema["properties"].values())


def test_models():
    result = cli("models", "gpt-4o")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.split()[:2] == ["openai", "gpt-4o"])
    assert line.split()[2:] == ["2.5", "1.25", "10"]
    assert all("gpt-4o" in line for line in result.stdout.splitlines()[3:] if line.strip())

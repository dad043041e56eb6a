"""Spreadsheets from Europe: a scenario CSV as German Excel saves it (semicolons, decimal commas,
Windows-1252 or UTF-8 with a BOM) imports with the same projection as its JSON; exports stay comma and point."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from aueb.cli import app
from aueb.engine import project
from aueb.errors import InputError
from aueb.formats import load_scenarios, read_scenarios, scenarios_to_csv

GERMAN_EXCEL = Path(__file__).parent / "data" / "customer_support_excel_de.csv"
NAME = "Kundenservice-Assistent (Büro München)"


@pytest.fixture(scope="module")
def expected(customer_support):
    return customer_support.model_copy(update={"name": NAME})


def assert_same_projection(got, expected) -> None:
    mine, theirs = project(got), project(expected)
    pd.testing.assert_frame_equal(mine.rows, theirs.rows, check_exact=True)
    pd.testing.assert_frame_equal(mine.summary, theirs.summary, check_exact=True)


def test_the_fixture_is_what_german_excel_writes():
    raw = GERMAN_EXCEL.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    header, row = raw.decode("cp1252").splitlines()
    assert header.startswith("scenario;currency;multipliers;") and ";0,15;" in row and '"1;10;100"' in row


def test_windows_1252_semicolons_decimal_commas(expected):
    (scenario,) = load_scenarios(GERMAN_EXCEL)
    assert scenario.name == NAME
    assert scenario.features[0].cache_hit_rate == 0.15
    assert scenario.model_dump() == expected.model_dump()
    assert_same_projection(scenario, expected)


def test_utf8_with_bom(expected):
    data = "\ufeff".encode() + GERMAN_EXCEL.read_bytes().decode("cp1252").encode("utf-8")
    (scenario,) = read_scenarios(data, "excel_utf8.csv")
    assert_same_projection(scenario, expected)


def test_tab_delimited(customer_support):
    text = scenarios_to_csv([customer_support]).replace(",", "\t")
    (scenario,) = read_scenarios(text.encode("utf-8"), "tabs.csv")
    assert scenario.model_dump() == customer_support.model_dump()


def test_thousands_points_with_a_decimal_comma(expected):
    text = GERMAN_EXCEL.read_bytes().decode("cp1252").replace(";25000;", ";25.000,0;")
    (scenario,) = read_scenarios(text.encode("cp1252"), "thousands.csv")
    assert scenario.features[0].users == 25_000.0


def test_cli_projects_the_german_file(expected):
    result = CliRunner().invoke(app, ["project", str(GERMAN_EXCEL), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"][NAME]
    assert summary["break_even_monthly_requests"] == project(expected).summary.iloc[0]["break_even_monthly_requests"]


@pytest.mark.parametrize(
    ("header", "found"),
    [("scenario;feature,users", "1 comma and 1 semicolon"), ("scenario\tfeature;users;x", "2 semicolons and 1 tab")],
)
def test_ambiguous_delimiter_is_one_line(header, found):
    with pytest.raises(InputError) as info:
        read_scenarios(f"{header}\r\nx;y,1\r\n".encode(), "mixed.csv")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("mixed.csv: row 1: cannot tell the delimiter")
    assert found in message


def test_exports_stay_comma_and_point(customer_support):
    text = scenarios_to_csv([customer_support])
    header, row = text.lstrip("\ufeff").splitlines()[:2]
    assert ";" not in header and header.count(",") > 10
    assert ",0.15," in row


def test_not_text_in_either_encoding():
    with pytest.raises(InputError, match="not UTF-8 or Windows-1252 text"):
        read_scenarios(b"scenario,feature\r\n\x81x,y\r\n", "odd.csv")

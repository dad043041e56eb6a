"""Scenario workbooks: JSON -> XLSX -> (LibreOffice, German settings) -> aueb is lossless and projects the same."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from aueb.cli import app
from aueb.engine import project
from aueb.errors import InputError
from aueb.formats import load_scenarios, read_scenarios, scenario_to_json, write_scenarios
from aueb.workbook import FEATURES_SHEET, SCENARIOS_SHEET

DATA = Path(__file__).parent / "data"
AUEB_WRITTEN = DATA / "scenario_aueb_written.xlsx"
LIBREOFFICE_DE = DATA / "scenario_libreoffice_de.xlsx"
LIBREOFFICE_DE_CSV = DATA / "scenario_libreoffice_de_features.csv"
NAMES = ["Support chat", "'=1+1", "=1+1", "@SUM(A1)", "O'Brien's chat"]


def _fixture_scenarios():
    sys.path.insert(0, str(DATA))
    try:
        from make_fixtures_libreoffice import scenarios  # the script that made the fixtures
    finally:
        sys.path.remove(str(DATA))
    return scenarios()


def _same_projection(got, expected) -> None:
    mine, theirs = project(got), project(expected)
    pd.testing.assert_frame_equal(mine.rows, theirs.rows, check_exact=True)
    pd.testing.assert_frame_equal(mine.summary, theirs.summary, check_exact=True)


def test_round_trip_json_xlsx_json(customer_support, tmp_path):
    path = tmp_path / "s.xlsx"
    write_scenarios([customer_support], path)
    (back,) = load_scenarios(path)
    assert scenario_to_json(back) == scenario_to_json(customer_support)


def test_cells_are_typed_with_formats(customer_support, tmp_path):
    path = tmp_path / "s.xlsx"
    write_scenarios([customer_support], path)
    book = openpyxl.load_workbook(path)
    features, wide = book[FEATURES_SHEET], book[SCENARIOS_SHEET]
    header = [c.value for c in features[1]]
    row = {name: cell for name, cell in zip(header, features[2], strict=True)}
    assert row["users"].data_type == "n" and row["users"].value == 25000
    assert row["cache_hit_rate"].number_format.endswith("%")
    assert "#,##0.00" in row["revenue_per_user"].number_format
    assert row["feature"].data_type == "s" and row["feature"].quotePrefix
    wide_header = [c.value for c in wide[1]]
    assert "fixed_monthly_cost" in wide_header and "fixed_monthly_cost" not in header


def test_names_never_become_formulas(tmp_path):
    path = tmp_path / "s.xlsx"
    write_scenarios(_fixture_scenarios(), path)
    book = openpyxl.load_workbook(path)
    cells = [c for c in book[FEATURES_SHEET]["B"][1:]]
    assert [c.value for c in cells] == NAMES
    assert all(c.data_type == "s" for c in cells)


@pytest.mark.parametrize("fixture", [AUEB_WRITTEN, LIBREOFFICE_DE], ids=["aueb", "libreoffice-de"])
def test_committed_workbooks_read_back_exactly(fixture):
    (expected,) = _fixture_scenarios()
    (got,) = load_scenarios(fixture)
    assert [f.name for f in got.features] == NAMES
    assert scenario_to_json(got) == scenario_to_json(expected)
    _same_projection(got, expected)


def test_the_german_fixture_was_saved_with_german_settings():
    text = LIBREOFFICE_DE_CSV.read_text(encoding="utf-8")
    assert ";25.000;" in text and ";3,00;" in text and "15,00%" in text


def test_cli_convert_and_project_workbook(customer_support_path, tmp_path):
    xlsx, back = tmp_path / "s.xlsx", tmp_path / "back.json"
    runner = CliRunner()
    assert runner.invoke(app, ["convert", str(customer_support_path), str(xlsx)]).exit_code == 0
    assert runner.invoke(app, ["convert", str(xlsx), str(back)]).exit_code == 0
    assert back.read_text(encoding="utf-8") == customer_support_path.read_text(encoding="utf-8") or json.loads(
        back.read_text(encoding="utf-8")
    ) == json.loads(scenario_to_json(load_scenarios(customer_support_path)[0]))
    a = runner.invoke(app, ["project", str(xlsx), "--format", "json"])
    b = runner.invoke(app, ["project", str(customer_support_path), "--format", "json"])
    assert a.exit_code == 0 and a.stdout == b.stdout


def test_bad_cell_names_sheet_row_and_column(customer_support, tmp_path):
    path = tmp_path / "s.xlsx"
    write_scenarios([customer_support], path)
    book = openpyxl.load_workbook(path)
    sheet = book[FEATURES_SHEET]
    column = [c.value for c in sheet[1]].index("users") + 1
    sheet.cell(row=2, column=column, value=-5)
    book.save(path)
    with pytest.raises(InputError) as info:
        load_scenarios(path)
    assert str(info.value) == (
        f"{path}: sheet Features: row 2, column users: input should be greater than or equal to 0 (got '-5')"
    )


def test_not_a_workbook_is_one_line():
    with pytest.raises(InputError, match=r"x\.xlsx: not a readable \.xlsx workbook"):
        read_scenarios(b"PK\x03\x04 nonsense", "x.xlsx")


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed; CI installs it")
def test_live_german_libreoffice_round_trip(customer_support, tmp_path):
    sys.path.insert(0, str(DATA))
    try:
        from make_fixtures_libreoffice import german_resave
    finally:
        sys.path.remove(str(DATA))
    source = tmp_path / "s.xlsx"
    write_scenarios([customer_support], source)
    try:
        resaved = german_resave(source, tmp_path / "out", "xlsx")
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"soffice failed: {exc.stderr!r}")
    (got,) = load_scenarios(resaved)
    assert scenario_to_json(got) == scenario_to_json(customer_support)
    _same_projection(got, customer_support)


def test_dashboard_upload_and_download_of_the_workbook(customer_support):
    from aueb.ui.files import downloads, read_scenario_upload

    items = {d.key: d for d in downloads(customer_support, project(customer_support))}
    workbook = items["dl_scenario_xlsx"]
    assert workbook.file_name.endswith(".xlsx")
    assert read_scenario_upload("mine.xlsx", workbook.data) == [customer_support]
    (german,) = read_scenario_upload("de.xlsx", LIBREOFFICE_DE.read_bytes())
    assert [f.name for f in german.features] == NAMES
    with pytest.raises(InputError, match=r"renamed\.xlsx: this is not an \.xlsx workbook"):
        read_scenario_upload("renamed.xlsx", b'{"name": "x"}')

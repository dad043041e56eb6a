"""Names survive spreadsheets: the finance CSV opened by LibreOffice and saved back as CSV (English and German
settings) and as a workbook reads back with the exact names and figures, and aueb never writes a cell that a
spreadsheet would run as a formula. Fixtures: tests/data/make_fixtures_libreoffice.py names."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from aueb.engine import project
from aueb.formats import load_scenarios, scenario_to_json, scenarios_to_csv
from aueb.workbook import workbook_bytes

DATA = Path(__file__).parent / "data"
AUEB_WRITTEN = DATA / "names_aueb_written.csv"
RESAVED = {
    "en": DATA / "names_libreoffice_en.csv",
    "de": DATA / "names_libreoffice_de.csv",
    "xlsx": DATA / "names_libreoffice.xlsx",
}
# What a spreadsheet runs as a formula when it opens a cell (Excel and LibreOffice: = + - @, and a leading
# tab or carriage return that some of them strip first).
RUNS = re.compile(r"^[=+\-@\t\r]")


def _script():
    sys.path.insert(0, str(DATA))
    try:
        import make_fixtures_libreoffice  # the script that made the fixtures
    finally:
        sys.path.remove(str(DATA))
    return make_fixtures_libreoffice


def _expected():
    script = _script()
    return script.names_scenarios(), ["Support chat", *script.ODD_NAMES]


def _csv_cells(text: str) -> list[str]:
    delimiter = ";" if text.lstrip("\ufeff").split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter) for cell in row]


def _is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True


def _assert_no_cell_runs(cells: list[str]) -> None:
    running = [c for c in cells if RUNS.match(c) and not _is_number(c)]
    assert not running, running


def test_the_fixture_csv_is_what_aueb_writes_today():
    (expected,), _ = _expected()
    assert AUEB_WRITTEN.read_bytes() == scenarios_to_csv([expected]).encode("utf-8")


@pytest.mark.parametrize("kind", list(RESAVED))
def test_libreoffice_resaves_read_back_with_the_exact_names_and_figures(kind):
    (expected,), names = _expected()
    (got,) = load_scenarios(RESAVED[kind])
    assert [f.name for f in got.features] == names
    assert scenario_to_json(got) == scenario_to_json(expected)
    mine, theirs = project(got), project(expected)
    pd.testing.assert_frame_equal(mine.rows, theirs.rows, check_exact=True)
    pd.testing.assert_frame_equal(mine.summary, theirs.summary, check_exact=True)


def test_the_german_resave_has_german_settings():
    text = RESAVED["de"].read_text(encoding="utf-8")
    header, first = text.splitlines()[:2]
    assert header.count(";") > 50 and "," not in header
    assert ";0,15;" in first and ";0,0008;" in first  # decimal commas: the de-DE profile took effect
    assert '"Team; ""quoted"" name"' in text  # the `;` and the quotes of a name, quoted as CSV quotes


def test_libreoffice_wrote_no_cell_that_runs():
    """The files the spreadsheet itself saved: every formula-like name keeps aueb's apostrophe."""
    for kind in ("en", "de"):
        _assert_no_cell_runs(_csv_cells(RESAVED[kind].read_text(encoding="utf-8")))
    book = openpyxl.load_workbook(RESAVED["xlsx"])
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    _assert_no_cell_runs([c.value for c in cells if isinstance(c.value, str)])


@pytest.mark.parametrize("kind", list(RESAVED))
def test_writing_them_again_never_makes_a_cell_that_runs(kind):
    scenarios = load_scenarios(RESAVED[kind])
    _, names = _expected()
    text = scenarios_to_csv(scenarios)
    _assert_no_cell_runs(_csv_cells(text))
    assert "''=1+1" in _csv_cells(text) and "'=SUM(A1:A2)" in _csv_cells(text)
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(scenarios)))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    written = {c.value for c in cells}
    assert set(names) <= written  # the workbook holds each name itself, as a text cell ...
    assert all(c.quotePrefix for c in cells if c.value in names and RUNS.match(c.value))  # ... marked as text


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed; CI installs it")
def test_live_libreoffice_german_csv_round_trip(tmp_path):
    script = _script()
    (expected,), names = _expected()
    source = tmp_path / "names.csv"
    source.write_text(scenarios_to_csv([expected]), encoding="utf-8")
    try:
        resaved = script.resave(source, tmp_path / "de", script.CSV_SEMICOLON, "de-DE", script.CSV_IN)
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"soffice failed: {exc.stderr!r}")
    (got,) = load_scenarios(resaved)
    assert [f.name for f in got.features] == names
    assert scenario_to_json(got) == scenario_to_json(expected)

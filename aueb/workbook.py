"""Scenario workbooks (.xlsx): the finance CSV's table with typed cells, for spreadsheets not set to English.

Sheet `Features`: one row per feature, the CSV's feature columns (ranges as `<column>.low` / `.high`) beside
the scenario's name. Sheet `Scenarios`: one row per scenario, the scenario-wide columns. Numbers are number cells
(a workbook keeps a double's 17 significant digits; number formats only change how they show), text is text
(written as a string cell with the quote prefix, so no spreadsheet runs it as a formula, even after a re-save).
Reading turns the cells back into the CSV's table and parses it with the CSV's rules and messages.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from aueb.errors import InputError
from aueb.finance_csv import (
    RANGE_BOUND_COLUMNS,
    SCENARIO_COLUMNS,
    neutralise,
    scenario_table,
    table_scenarios,
)
from aueb.scenario import Scenario

FEATURES_SHEET = "Features"
SCENARIOS_SHEET = "Scenarios"
_PERCENT = {
    "cache_hit_rate",
    "review_share",
    "coverage",
    "escalation",
    "quality",
    "quality_retention",
    "batch_share",
    "batch_discount",
    "utilization",
}
_MONEY = {
    "fixed_monthly_cost",
    "revenue_per_user",
    "cache_cost_per_request",
    "overhead_per_request",
    "reviewer_hourly_cost",
    "cost_per_error",
    "input_price_per_mtok",
    "cached_input_price_per_mtok",
    "output_price_per_mtok",
    "cost",
    "hourly_price",
    "training_compute",
    "engineering",
}
PERCENT_FORMAT = "0.00##########%"
MONEY_FORMAT = "#,##0.00############"
NUMBER_FORMAT = "#,##0.###############"


def number_format(column: str) -> str:
    base = RANGE_BOUND_COLUMNS.get(column, column).rpartition(".")[2]
    return PERCENT_FORMAT if base in _PERCENT else MONEY_FORMAT if base in _MONEY else NUMBER_FORMAT


def _write_cell(sheet: Any, row: int, column: int, name: str, value: Any) -> None:
    from openpyxl.styles import Alignment

    if value is None:
        return
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, bool):
        cell.value = str(value).lower()
        cell.data_type = "s"
    elif isinstance(value, (int, float)):
        cell.value = value
        cell.number_format = number_format(name)
    else:
        # A string cell, never a formula; the quote prefix keeps it text when a spreadsheet saves it again.
        cell.value = str(value)
        cell.data_type = "s"
        cell.alignment = Alignment(horizontal="left")
        cell.quotePrefix = True


def workbook_bytes(scenarios: list[Scenario]) -> bytes:
    """The workbook that write_workbook writes, as bytes (the dashboard's download)."""
    buffer = io.BytesIO()
    write_workbook(scenarios, buffer)
    return buffer.getvalue()


def write_workbook(scenarios: list[Scenario], path: str | Path | io.BytesIO) -> None:
    """The scenarios as a workbook at path (see the module's docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header, rows = scenario_table(scenarios)
    wide = [c for c in header if c in SCENARIO_COLUMNS or RANGE_BOUND_COLUMNS.get(c) in SCENARIO_COLUMNS]
    per_feature = ["scenario", *(c for c in header if c not in wide)]
    book = Workbook()
    features = book.active
    features.title = FEATURES_SHEET
    wide_sheet = book.create_sheet(SCENARIOS_SHEET)
    for sheet, columns in ((features, per_feature), (wide_sheet, wide)):
        for position, name in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=position, value=name)
            cell.font = Font(bold=True)
            sheet.column_dimensions[cell.column_letter].width = max(12, min(40, len(name) + 2))
        sheet.freeze_panes = "B2"
    seen: set[str] = set()
    feature_row = 2
    for values in rows:
        record = dict(zip(header, values, strict=True))
        for position, name in enumerate(per_feature, start=1):
            _write_cell(features, feature_row, position, name, record.get(name))
        feature_row += 1
        if record["scenario"] not in seen:
            seen.add(record["scenario"])
            for position, name in enumerate(wide, start=1):
                _write_cell(wide_sheet, len(seen) + 1, position, name, record.get(name))
    try:
        book.save(path if isinstance(path, io.BytesIO) else Path(path))
    except OSError as exc:
        raise InputError(f"{path}: cannot write the file ({exc.strerror})") from None


def _text(value: Any, *, escaped: bool = False) -> str:
    """A cell as the CSV would hold it: numbers in Python's shortest round-trip form, text neutralised
    (the CSV reader restores it, so a name such as `=1+1` or `'x` comes back exactly); `escaped`: the text
    is already the CSV's (a finance CSV saved as a workbook), taken as it is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return repr(value)
    return str(value) if escaped else neutralise(str(value))


def _sheet_table(sheet: Any) -> list[list[Any]]:
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    while rows and all(v is None or v == "" for v in rows[-1]):
        rows.pop()
    width = max((i + 1 for r in rows[:1] for i, v in enumerate(r) if v not in (None, "")), default=0)
    return [r[:width] + [None] * (width - len(r)) for r in rows]


def read_workbook(data: bytes, filename: str) -> list[Scenario]:
    """Scenarios from a workbook's bytes; an InputError names sheet, row, column and value."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and XML errors for a damaged or foreign file
        raise InputError(f"{filename}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    names = book.sheetnames
    if FEATURES_SHEET not in names:
        first = _sheet_table(book[names[0]]) if names else []
        book.close()
        if first and "feature" in [str(v) for v in first[0]]:
            # A finance CSV that a spreadsheet opened and saved as a workbook: its cells hold the CSV's own
            # text (names behind the CSV's apostrophe), so they are read with the CSV's rules, as they are.
            table = [[_text(v, escaped=True) for v in values] for values in first]
            return table_scenarios(table, f"{filename}: sheet {names[0]}")
        raise InputError(
            f"{filename}: no sheet {FEATURES_SHEET!r} (found {', '.join(names)}); write it with aueb convert"
        )
    features = _sheet_table(book[FEATURES_SHEET])
    wide = _sheet_table(book[SCENARIOS_SHEET]) if SCENARIOS_SHEET in names else []
    book.close()
    if not features:
        raise InputError(f"{filename}: sheet {FEATURES_SHEET!r} is empty")
    fheader = [str(v) if v is not None else "" for v in features[0]]
    wheader = [str(v) if v is not None else "" for v in wide[0]] if wide else []
    by_scenario: dict[str, dict[str, Any]] = {}
    if wide:
        if "scenario" not in wheader:
            raise InputError(f"{filename}: sheet {SCENARIOS_SHEET!r}, row 1: column 'scenario' is missing")
        for values in wide[1:]:
            record = dict(zip(wheader, values, strict=True))
            if record.get("scenario") is not None:
                by_scenario[str(record["scenario"])] = record
    extra = [c for c in wheader if c != "scenario" and c not in fheader]
    header = [*fheader, *extra]
    table = [header]
    for values in features[1:]:
        record = dict(zip(fheader, values, strict=True))
        scenario = by_scenario.get(str(record.get("scenario")), {})
        table.append([_text(v) for v in values] + [_text(scenario.get(c)) for c in extra])
    # Rows are numbered as the Features sheet numbers them, which is what the CSV's messages say.
    return table_scenarios(table, f"{filename}: sheet {FEATURES_SHEET}")

"""The workbook: Summary, Projection, Inputs, Tiers (and the optional sections' tables), numbers as numbers.

Written with XlsxWriter: every text is written as a string cell (never read as a formula, a number or a
link), header rows are frozen and columns fitted. The Projection and Summary sheets take their figures from
projection_to_json, so a workbook read back with pandas gives the JSON's figures to the last digit.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from aueb.engine import ROW_COLUMNS
from aueb.formats import projection_to_json, scenario_table
from aueb.report.content import projection_formats, tier_sheet
from aueb.report.model import DEFINITIONS, ReportContent, Sheet
from aueb.report.units import field_unit, unit_format
from aueb.workbook import MONEY_FORMAT, NUMBER_FORMAT, PERCENT_FORMAT, number_format

_MAX_WIDTH = 60


class _ExactWorksheet(Worksheet):
    """A worksheet that writes numbers in Python's shortest round-trip form.

    XlsxWriter writes 16 significant digits, which loses the last digit of some doubles (0.30000000000000004);
    Excel itself writes up to 17, so the file stays what Excel writes and reads.
    """

    def _xml_number_element(self, number: float, attributes: list[tuple[str, Any]] = []) -> None:  # noqa: B006 (the base's signature)
        attr = "".join(f' {key}="{self._escape_attributes(value)}"' for key, value in attributes)
        self.fh.write(f"<c{attr}><v>{float(number)!r}</v></c>")


def _formats(book: xlsxwriter.Workbook, currency: str) -> dict[str, Any]:
    code = currency.replace('"', "")
    return {
        "header": book.add_format({"bold": True, "bg_color": "#e2e8f0", "bottom": 1, "text_wrap": False}),
        "money": book.add_format({"num_format": f'#,##0.00 "{code}"'}),
        "money_small": book.add_format({"num_format": f'#,##0.0000 "{code}"'}),
        "percent": book.add_format({"num_format": "0.0%"}),
        "count": book.add_format({"num_format": "#,##0"}),
        "number": book.add_format({"num_format": "General"}),
        "text": book.add_format({"num_format": "@"}),
    }


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _write_sheet(book: xlsxwriter.Workbook, sheet: Sheet, styles: dict[str, Any]) -> None:
    page = book.add_worksheet(sheet.name, worksheet_class=_ExactWorksheet)
    widths = [len(str(c)) for c in sheet.frame.columns]
    for col, name in enumerate(sheet.frame.columns):
        page.write_string(0, col, str(name), styles["header"])
        if sheet.units.get(name):
            page.write_comment(0, col, f"Unit: {sheet.units[name]}", {"x_scale": 1.5, "y_scale": 0.5})
    columns = list(sheet.frame.columns)
    for row, values in enumerate(sheet.frame.itertuples(index=False), start=1):
        for col, (name, value) in enumerate(zip(columns, values, strict=True)):
            kind = sheet.formats.get(name, "number")
            if name in sheet.row_units:
                # A figure-per-row sheet (Summary, Tiers, the risk percentiles): the row's unit picks the format.
                kind = unit_format(str(values[columns.index(sheet.row_units[name])]), kind)
            if _is_missing(value):
                continue
            if isinstance(value, bool):
                page.write_boolean(row, col, value)
                shown = str(value)
            elif isinstance(value, (int, float)) and math.isfinite(value):
                page.write_number(row, col, float(value), styles[kind if kind != "text" else "number"])
                shown = f"{value:,.4f}" if kind in ("money_small",) else f"{value:,.2f}"
            else:
                shown = str(value)
                page.write_string(row, col, shown, styles["text"])
            widths[col] = max(widths[col], len(shown))
    for col, width in enumerate(widths):
        page.set_column(col, col, min(width + 2, _MAX_WIDTH))
    page.freeze_panes(1, 0)
    if len(sheet.frame):
        page.autofilter(0, 0, len(sheet.frame), max(0, len(sheet.frame.columns) - 1))


def _json_output(content: ReportContent) -> dict[str, Any]:
    return json.loads(projection_to_json(content.projection))


_INPUT_FORMATS = {PERCENT_FORMAT: "percent", MONEY_FORMAT: "money", NUMBER_FORMAT: "number"}


def base_sheets(content: ReportContent) -> list[Sheet]:
    """Summary, Projection, Inputs and Tiers of the report's scenario."""
    scenario = content.scenario
    output = _json_output(content)
    summary = output["summary"][scenario.name]
    rows = [
        {"key": "scenario", "figure": "Scenario", "value": scenario.name, "unit": "", "definition": ""},
        {
            "key": "report_date",
            "figure": "Report date (UTC)",
            "value": f"{content.created:%Y-%m-%d}",
            "unit": "",
            "definition": "",
        },
        {"key": "currency", "figure": "Currency", "value": scenario.currency, "unit": "", "definition": ""},
        {
            "key": "horizon_months",
            "figure": "Horizon",
            "value": scenario.horizon_months,
            "unit": "months",
            "definition": "Horizon of the ROI.",
        },
    ]
    for key, value in summary.items():
        definition = DEFINITIONS[key.removesuffix("_baseline").removesuffix("_distilled")]
        arm = (
            " (without student)"
            if key.endswith("_baseline")
            else " (with student)"
            if key.endswith("_distilled")
            else ""
        )
        unit = definition["unit"].replace("currency", scenario.currency)
        rows.append(
            {
                "key": key,
                "figure": definition["label"] + arm,
                "value": value,
                "unit": unit,
                "definition": definition["definition"],
            }
        )
    summary_frame = pd.DataFrame(rows, columns=["key", "figure", "value", "unit", "definition"])

    projection = pd.DataFrame(output["rows"], columns=list(ROW_COLUMNS))
    header, records = scenario_table([scenario])
    inputs = pd.DataFrame(records, columns=list(header))
    input_units = {c: field_unit(c, scenario.currency) for c in header}
    input_formats = {c: _input_format(c, input_units[c], inputs[c]) for c in header}
    tiers = tier_sheet(content.projection, content.tiers)
    tiers.insert(tiers.columns.get_loc("value") + 1, "unit", [_unit_of(m, scenario.currency) for m in tiers["metric"]])
    tier_figures = ("value", "elite", "median_min", "median_max", "low")
    return [
        Sheet(
            "Summary",
            summary_frame,
            {"key": "text", "figure": "text", "unit": "text", "definition": "text"},
            row_units={"value": "unit"},
        ),
        Sheet("Projection", projection, projection_formats(), units=projection_units(scenario.currency)),
        Sheet(
            "Inputs",
            inputs,
            input_formats,
            units={c: u for c, u in input_units.items() if u and (input_formats[c] != "text" or c == "currency")},
        ),
        Sheet(
            "Tiers",
            tiers,
            {"multiplier": "number", "unit": "text"},
            units={"multiplier": _unit_of("multiplier", scenario.currency)},
            row_units=dict.fromkeys(tier_figures, "unit"),
        ),
    ]


def _unit_of(key: str, currency: str) -> str:
    """The unit of a figure of the definitions, in the scenario's currency."""
    return DEFINITIONS[key]["unit"].replace("currency", currency)


def projection_units(currency: str) -> dict[str, str]:
    """The unit of each column of the projection's rows."""
    units = {"users": "users", "correct_outputs": "correct outputs / month"}
    for column in ROW_COLUMNS:
        key = "tiers" if column.endswith("_tier") else column
        if key in DEFINITIONS:
            units[column] = _unit_of(key, currency)
    return units


def _input_format(column: str, unit: str, values: pd.Series) -> str:
    if values.map(lambda v: isinstance(v, str)).any():
        return "text"
    kind = _INPUT_FORMATS[number_format(column)]
    if kind == "money":
        return unit_format(unit, "money") if unit else "money"
    return "count" if unit_format(unit) == "count" else kind


def render_xlsx(content: ReportContent) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    book.set_properties({"title": f"{content.scenario.name}: AI unit economics", "comments": content.subtitle})
    styles = _formats(book, content.scenario.currency)
    for sheet in [*base_sheets(content), *content.extra_sheets]:
        _write_sheet(book, sheet, styles)
    book.close()
    return buffer.getvalue()

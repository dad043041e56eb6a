"""The XLSX report: on every sheet numbers are number cells with money and percent formats, units beside them."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from aueb.cli import app
from aueb.formats import DEFAULT_SCENARIO_PATH
from aueb.metrics import DistillationMetrics
from aueb.report.units import field_unit, unit_format

ROOT = Path(__file__).resolve().parent.parent
RUNNER = CliRunner()
# A text cell a reader would take for a figure: 91.20%, $1,580, 1.580,00 EUR, 17,000,000,000, -0.5, 1e6, 3 pp.
NUMBER_TEXT = re.compile(r"^\s*[-+]?\s*[$€£]?\s*\d[\d,.\s]*(e[-+]?\d+)?\s*(%|pp|[A-Z]{3})?\s*$", re.IGNORECASE)
# Columns of the sheets where each row is another figure, its unit in the row's `unit` column.
PER_ROW = ("value", "teacher", "student", "p10", "p50", "p90", "elite", "median_min", "median_max", "low", "swing")
PER_ROW += ("figure_at_low", "figure_at_mode", "figure_at_high")


def test_number_text_is_caught():
    assert all(NUMBER_TEXT.match(t) for t in ("91.20%", "$1,580", "17,000,000,000", "1.580,00 EUR", "+0.5 pp"))
    assert not any(NUMBER_TEXT.match(t) for t in ("2026-12-02", "Support chat", "gpt-4o-mini", "x today's volume"))


@pytest.mark.parametrize(
    ("unit", "kind"),
    [
        ("USD / month", "money"),
        ("currency / month", "money"),
        ("USD / request", "money_small"),
        ("EUR / million requests", "money"),
        ("%", "percent"),
        ("share", "percent"),
        ("fraction 0-1", "percent"),
        ("requests / month", "count"),
        ("requests / user / month", "number"),
        ("months", "number"),
        ("ISO code", "number"),
    ],
)
def test_unit_picks_the_format(unit, kind):
    assert unit_format(unit) == kind


def test_inputs_have_their_fields_units():
    assert field_unit("teacher.pricing.cost", "EUR") == "EUR / request"
    assert field_unit("student.distillation.training_examples", "EUR") == "count"
    assert field_unit("features[Support chat].requests_per_user", "EUR") == "requests / user / month"
    assert field_unit("users.low", "EUR") == "users / month"
    assert field_unit("no_such_field", "EUR") == ""


@pytest.fixture(scope="module")
def full_report(tmp_path_factory) -> tuple[Path, Path]:
    """`aueb report` with every section: ranges (risk), distillation metrics with a cascade, the log report of
    `aueb ingest`, the savings plan of `aueb optimize`, all from the real commands."""
    tmp = tmp_path_factory.mktemp("full")
    log = ROOT / "data" / "logs" / "requests.csv"
    measured, plan = tmp / "measured.json", tmp / "plan.json"
    assert RUNNER.invoke(app, ["ingest", str(log), "--report", str(measured)]).exit_code == 0
    run = RUNNER.invoke(app, ["optimize", str(log), "--feature-key", "feature", "--format", "json", "--out", str(plan)])
    assert run.exit_code == 0, run.output
    document = json.loads(DEFAULT_SCENARIO_PATH.read_text())
    feature = document["features"][0]
    feature["requests_per_user"] = {"low": 20, "mode": 40, "high": 70}
    feature["cache_hit_rate"] = {"low": 0.1, "mode": 0.2, "high": 0.3}
    scenario = tmp / "ranged.json"
    scenario.write_text(json.dumps(document))
    out = tmp / "r.xlsx"
    metrics = ROOT / "data" / "metrics_example.json"
    run = RUNNER.invoke(
        app,
        ["report", str(scenario), "--metrics", str(metrics), "--logs-report", str(measured), "--plan", str(plan),
         "--samples", "300", "--out", str(out)],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    return out, metrics


def _kind(number_format: str) -> str:
    if number_format.endswith("%"):
        return "percent"
    if '"USD"' in number_format:
        return "money"
    return "number"


def test_every_sheet_has_numbers_as_numbers_with_formats_and_units(full_report):
    out, _ = full_report
    book = openpyxl.load_workbook(out)
    expected = {"Summary", "Projection", "Inputs", "Tiers", "Distillation", "Cascade", "Risk percentiles", "Tornado"}
    assert expected | {"Usage", "Usage daily", "Savings plan"} <= set(book.sheetnames)
    for sheet in book:
        header = [c.value for c in sheet[1]]
        notes = {c.value: c.comment.text for c in sheet[1] if c.comment is not None}
        unit_columns = [i for i, h in enumerate(header) if h in ("unit", "input_unit")]
        # Units in the header: a note on the header cell, or a unit column when each row is another figure.
        assert notes or unit_columns, sheet.title
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                name = header[cell.column - 1]
                if isinstance(cell.value, str):
                    assert not NUMBER_TEXT.match(cell.value), (sheet.title, cell.coordinate, cell.value)
                if cell.data_type != "n" or cell.value is None:
                    continue
                unit = notes.get(name, "").removeprefix("Unit: ")
                if sheet.title == "Tornado" and name in ("low", "mode", "high"):
                    unit = row[header.index("input_unit")].value
                elif "unit" in header and name in PER_ROW:
                    unit = row[header.index("unit")].value
                want = unit_format(unit or "")
                if want.startswith("money"):
                    assert _kind(cell.number_format) == "money", (sheet.title, name, unit, cell.number_format)
                elif want == "percent":
                    assert _kind(cell.number_format) == "percent", (sheet.title, name, unit, cell.number_format)


def test_money_and_percent_columns_are_formatted_on_each_sheet(full_report):
    out, _ = full_report
    book = openpyxl.load_workbook(out)

    def first(sheet: str, column: str, **where: str) -> openpyxl.cell.Cell:
        page = book[sheet]
        header = [c.value for c in page[1]]
        for row in page.iter_rows(min_row=2):
            if (
                all(row[header.index(k)].value == v for k, v in where.items())
                and row[header.index(column)].value is not None
            ):
                return row[header.index(column)]
        raise AssertionError((sheet, column, where))

    assert first("Inputs", "cache_hit_rate").number_format.endswith("%")
    assert '"USD"' in first("Inputs", "revenue_per_user").number_format
    assert first("Inputs", "teacher.pricing.cost").number_format == '#,##0.0000 "USD"'
    assert first("Tiers", "value", metric="cogs_to_revenue").number_format == "0.0%"
    assert '"USD"' in first("Tiers", "elite", metric="inference_cost_per_request").number_format
    assert first("Risk percentiles", "p50", figure="gross_margin").number_format == "0.0%"
    assert '"USD"' in first("Risk percentiles", "p50", figure="ai_cogs").number_format
    assert first("Tornado", "low", input="features[Support chat].cache_hit_rate").number_format == "0.0%"
    assert first("Distillation", "teacher", figure="Test accuracy").number_format == "0.0%"
    assert '"USD"' in first("Distillation", "student", figure="Cost per million requests").number_format
    assert '"USD"' in first("Savings plan", "saving_monthly").number_format
    assert first("Cascade", "coverage").number_format == "0.0%"
    assert first("Usage", "cache_hit_rate").number_format == "0.0%"
    assert first("Projection", "gross_margin").number_format == "0.0%"
    summary = book["Summary"]
    header = [c.value for c in summary[1]]
    formats = {
        r[header.index("unit")].value: r[header.index("value")].number_format
        for r in summary.iter_rows(min_row=2)
        if r[header.index("value")].data_type == "n"
    }
    assert formats["requests / month"] == "#,##0"
    assert all(f.endswith("%") for u, f in formats.items() if u and u.startswith(("%", "share", "probability")))


def test_read_excel_gives_back_the_distillation_figures(full_report):
    out, metrics_path = full_report
    metrics = DistillationMetrics.model_validate_json(metrics_path.read_text())
    sheet = pd.read_excel(out, sheet_name="Distillation").set_index("figure")
    assert sheet.loc["Test accuracy", "teacher"] == metrics.teacher.accuracy
    assert sheet.loc["Test accuracy", "student"] == metrics.student.accuracy
    assert sheet.loc["Parameters", "student"] == metrics.student.parameters
    assert sheet.loc["Cost per million requests", "teacher"] == metrics.teacher.cost_per_million_requests
    assert sheet.loc["Quality retention", "student"] == metrics.quality_retention
    assert sheet.loc["Cost per million requests", "unit"] == "USD / million requests"


def test_summary_reads_back_in_a_plain_report(customer_support):
    from aueb.report.content import build_report
    from aueb.report.xlsx import render_xlsx

    sheets = pd.read_excel(io.BytesIO(render_xlsx(build_report(customer_support))), sheet_name=None)
    assert list(sheets)[:4] == ["Summary", "Projection", "Inputs", "Tiers"]
    assert "unit" in sheets["Tiers"].columns

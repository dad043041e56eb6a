"""The XLSX report: money and percent formats on the Summary and Inputs sheets, numbers as number cells."""

from __future__ import annotations

import io

import openpyxl
import pytest

from aueb.report.xlsx import unit_format


@pytest.mark.parametrize(
    ("unit", "kind"),
    [
        ("USD / month", "money"),
        ("currency / request", "money"),
        ("%", "percent"),
        ("share", "percent"),
        ("months", "number"),
    ],
)
def test_unit_picks_the_format(unit, kind):
    assert unit_format(unit) == kind


def test_summary_and_inputs_carry_formats(customer_support):
    from aueb.report.content import build_report
    from aueb.report.xlsx import render_xlsx

    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(build_report(customer_support))))
    summary = book["Summary"]
    header = [c.value for c in summary[1]]
    value, unit = header.index("value"), header.index("unit")
    formats = {r[unit].value: r[value].number_format for r in summary.iter_rows(min_row=2) if r[value].data_type == "n"}
    assert any("USD" in f for u, f in formats.items() if u and u.startswith("USD"))
    assert all(f.endswith("%") for u, f in formats.items() if u and u.startswith(("%", "share")))
    assert formats["requests / month"] == "#,##0"
    inputs = book["Inputs"]
    header = [c.value for c in inputs[1]]
    row = {h: c for h, c in zip(header, inputs[2], strict=True)}
    assert row["users"].data_type == "n"
    assert row["cache_hit_rate"].number_format.endswith("%")
    assert "USD" in row["revenue_per_user"].number_format

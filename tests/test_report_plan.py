"""The reports' "Savings plan" section (HTML) and sheet (XLSX) from `aueb optimize --format json`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from browser import CHROMIUM
from typer.testing import CliRunner

from aueb.cli import app

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "aueb" / "data" / "logs" / "requests.csv"


def optimize(tmp_path: Path) -> tuple[Path, Path]:
    """`aueb optimize` of the bundled log: the plan JSON and the scenario with the plan applied."""
    plan, scenario = tmp_path / "plan.json", tmp_path / "s.json"
    run = CliRunner().invoke(
        app,
        ["optimize", str(LOG), "--feature-key", "feature", "--format", "json", "--out", str(plan),
         "--write-scenario", str(scenario)],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    return plan, scenario


def test_report_gains_the_savings_plan(tmp_path: Path) -> None:
    plan, scenario = optimize(tmp_path)
    data = json.loads(plan.read_text())
    after = sum(r["cost_after"] for r in data["combined"] if r["multiplier"] == 1.0)
    html = tmp_path / "r.html"
    run = CliRunner().invoke(app, ["report", str(scenario), "--plan", str(plan), "--out", str(html)])
    assert run.exit_code == 0, run.output
    text = html.read_text()
    assert "Savings plan" in text and f"{after:,.2f}" in text
    # The waterfall (aueb/charts/plan.py, as on the page): its bars are the plan's, in rank order.
    assert '"savings_waterfall"' in text and "Monthly AI COGS: today to the combined plan" in text
    labels = [r["label"] for r in data["waterfall"] if r["multiplier"] == 1.0]
    assert labels and all(f'"{label}"' in text for label in labels)
    xlsx = tmp_path / "r.xlsx"
    assert CliRunner().invoke(app, ["report", str(scenario), "--plan", str(plan), "--out", str(xlsx)]).exit_code == 0
    sheet = openpyxl.load_workbook(xlsx)["Savings plan"]
    header = [c.value for c in sheet[1]]
    assert "saving_monthly" in header
    assert sheet.max_row - 1 == len(data["levers"])
    bars = openpyxl.load_workbook(xlsx)["Savings waterfall"]
    assert [c.value for c in bars[1]] == ["multiplier", "label", "saving"]
    assert bars.max_row - 1 == len(data["waterfall"])
    bad = tmp_path / "bad.json"
    bad.write_text('{"levers": []}')
    run = CliRunner().invoke(app, ["report", str(scenario), "--plan", str(bad), "--out", str(html)])
    assert run.exit_code == 2 and "combined is missing" in run.stderr


@pytest.mark.skipif(
    not (CHROMIUM.exists() and shutil.which("pdftotext")) and not os.environ.get("CI"),
    reason="needs chromium and poppler-utils (apt-get install chromium poppler-utils)",
)
def test_pdf_report_draws_the_savings_waterfall(tmp_path: Path) -> None:
    plan, scenario = optimize(tmp_path)
    pdf = tmp_path / "r.pdf"
    run = CliRunner().invoke(app, ["report", str(scenario), "--plan", str(plan), "--out", str(pdf)])
    assert run.exit_code == 0, run.output
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "Monthly AI COGS: today to the combined plan" in flat  # the chart is vector: its title is text

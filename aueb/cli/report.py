"""`aueb report`: the analysis as a document that travels (HTML, PDF or XLSX, by the extension of --out)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from aueb.cli.base import app, err, fail, load_scenario_file
from aueb.errors import InputError, describe_validation_error
from aueb.logs import IngestReport
from aueb.metrics import MetricsError, load_metrics
from aueb.risk import DEFAULT_SAMPLES, DEFAULT_SEED


class Paper(StrEnum):
    a4 = "a4"
    letter = "letter"


def read_logs_report(path: Path) -> IngestReport:
    """An `aueb ingest --report` JSON, validated by its model; an InputError names what is wrong."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (byte {exc.start}); expected the JSON that `aueb ingest --report` writes"
        ) from None
    try:
        return IngestReport.model_validate_json(text)
    except ValidationError as err:
        raise InputError(
            f"{path}: not the JSON that `aueb ingest --report` writes: {describe_validation_error(err)}"
        ) from None


@app.command("report")
def report_command(
    file: Annotated[
        Path, typer.Argument(help="Scenario file: .json, or .csv (the first scenario, or --scenario NAME)")
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="The report to write; its extension picks the kind: .html, .pdf or .xlsx"),
    ] = Path("report.html"),
    metrics: Annotated[
        Path | None,
        typer.Option(help="Distillation metrics JSON (aueb distill, or your own eval) for the distillation section"),
    ] = None,
    logs_report: Annotated[
        Path | None,
        typer.Option("--logs-report", help="JSON of `aueb ingest --report` for the measured-from-logs section"),
    ] = None,
    plan_path: Annotated[
        Path | None,
        typer.Option("--plan", help="JSON of `aueb optimize --format json` for the Savings plan section and sheet"),
    ] = None,
    paper: Annotated[Paper, typer.Option(help="Paper of the PDF: a4 or letter")] = Paper.a4,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Which scenario of a file that holds several (default: the first)"),
    ] = None,
    samples: Annotated[
        int, typer.Option(min=1, help="Monte Carlo samples for a scenario with ranges (its percentiles and tornado)")
    ] = DEFAULT_SAMPLES,
    seed: Annotated[int, typer.Option(help="Seed of the Monte Carlo samples: same seed, same figures")] = DEFAULT_SEED,
) -> None:
    """Write the analysis as a self-contained HTML report, a PDF or an Excel workbook.

    The verdict, the headline with industry bands, the Overview and Costs-and-scale charts, the investment figures,
    every input with its unit and, where given, the distillation metrics, the Monte Carlo percentiles and tornado (a
    scenario with ranges) and the measured log figures; each figure links to its definition (docs/economics.md has
    them all).
    """
    try:
        from aueb.report import KINDS, RendererMissing, build_report, render
    except ImportError as exc:
        fail(f"the report needs {exc.name}: pip install 'aueb[report]'")

    kind = out.suffix.lower()
    if kind not in KINDS:
        fail(f"--out: {out} must end in .html, .pdf or .xlsx (the extension picks the kind of report)")
    scenarios = load_scenario_file(file)
    chosen = scenarios[0]
    if scenario is not None:
        found = next((s for s in scenarios if s.name == scenario), None)
        if found is None:
            held = ", ".join(repr(s.name) for s in scenarios)
            fail(f"--scenario: {file} holds no scenario named {scenario!r}; it holds {held}")
        chosen = found
    elif len(scenarios) > 1:
        err.print(
            f"{file} holds {len(scenarios)} scenarios; reporting the first, {chosen.name!r} (choose with --scenario)",
            highlight=False,
            markup=False,
        )
    try:
        loaded_metrics = load_metrics(metrics) if metrics is not None else None
    except MetricsError as exc:
        fail(f"--metrics: {exc}")
    try:
        logs = read_logs_report(logs_report) if logs_report is not None else None
        from aueb.report.plan import read_plan

        plan = read_plan(plan_path) if plan_path is not None else None
        content = build_report(
            chosen, metrics=loaded_metrics, logs=logs, plan=plan, risk_samples=samples, risk_seed=seed
        )
    except InputError as exc:
        fail(str(exc))
    try:
        if kind == ".pdf":
            with err.status("Rendering the PDF with Chromium..."):
                data = render(content, kind, paper.value)
        else:
            data = render(content, kind)
    except RendererMissing as exc:
        fail(str(exc))
    try:
        out.write_bytes(data)
    except OSError as exc:
        fail(f"{out}: cannot write the file ({exc.strerror})")
    err.print(
        f"wrote the {KINDS[kind]} report of {chosen.name!r} to {out} ({len(data) / 1024:,.0f} KB)",
        highlight=False,
        markup=False,
    )

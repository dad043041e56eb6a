"""`aueb distill-cost`: the one-time cost of distilling a student, estimated, optionally written into a scenario."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from aueb.cli.base import app, err, fail, load_scenario_file
from aueb.distill_cost import DEFAULT_EPOCHS, CostError, CostInputs, estimate, into_scenario, load_price_table


class CostFormat(StrEnum):
    table = "table"
    json = "json"


def _money(value: float) -> str:
    return f"{value:,.2f}"


@app.command("distill-cost")
def distill_cost_command(
    teacher_model: Annotated[str, typer.Option(help="Teacher model that labels the examples (catalog name)")],
    examples: Annotated[float, typer.Option(help="Training examples the teacher labels (count)")],
    input_tokens: Annotated[float, typer.Option(help="Input tokens of one example (tokens)")],
    output_tokens: Annotated[float, typer.Option(help="Output tokens of one example (tokens)")],
    teacher_provider: Annotated[str | None, typer.Option(help="Teacher's provider in the catalog")] = None,
    fine_tune_provider: Annotated[
        str | None, typer.Option(help="Provider that fine-tunes and serves the student (price table)")
    ] = None,
    fine_tune_model: Annotated[str | None, typer.Option(help="Base model fine-tuned (price table)")] = None,
    epochs: Annotated[float, typer.Option(help="Training epochs (count, above 0)")] = DEFAULT_EPOCHS,
    training_price_per_mtok: Annotated[
        float | None, typer.Option(help="Training price per million training tokens (overrides the table)")
    ] = None,
    gpu_hours: Annotated[float | None, typer.Option(help="GPU hours of training on your own GPUs (hours)")] = None,
    gpu_hourly_price: Annotated[float | None, typer.Option(help="Price of one GPU hour (currency per hour)")] = None,
    eval_examples: Annotated[
        float, typer.Option(help="Examples run through teacher and student to evaluate (count)")
    ] = 0,
    engineering: Annotated[float, typer.Option(help="Engineering cost (currency, one-time)")] = 0,
    price_table: Annotated[
        Path | None, typer.Option(help="Fine-tuning price CSV (default: the bundled, sourced and dated table)")
    ] = None,
    scenario_file: Annotated[
        Path | None, typer.Option("--scenario", help="Scenario (.json or .csv, one scenario) to fill")
    ] = None,
    feature: Annotated[str | None, typer.Option(help="Feature whose student.distillation is filled")] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write the filled scenario here (.json or .csv)")
    ] = None,
    output_format: Annotated[CostFormat, typer.Option("--format", help="table or json")] = CostFormat.table,
) -> None:
    """Estimate the one-time cost of distilling: labelling + training + evaluation + engineering (ECONOMICS.md)."""
    from aueb.formats import write_scenarios

    inputs = CostInputs(
        teacher_model=teacher_model,
        examples=examples,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        teacher_provider=teacher_provider,
        fine_tune_provider=fine_tune_provider,
        fine_tune_model=fine_tune_model,
        epochs=epochs,
        training_price_per_mtok=training_price_per_mtok,
        gpu_hours=gpu_hours,
        gpu_hourly_price=gpu_hourly_price,
        eval_examples=eval_examples,
        engineering=engineering,
    )
    if (scenario_file is None) != (feature is None) or (out_path is not None and scenario_file is None):
        fail("--scenario, --feature and --out: give --scenario and --feature together (and --out to write the result)")
    try:
        table = load_price_table(price_table) if fine_tune_provider is not None else None
        found = estimate(inputs, table)
        updated = None
        if scenario_file is not None and feature is not None:
            scenarios = load_scenario_file(scenario_file)
            if len(scenarios) != 1:
                fail(f"{scenario_file}: holds {len(scenarios)} scenarios; give a file with one")
            updated = into_scenario(scenarios[0], feature, inputs, found)
    except CostError as exc:
        fail(str(exc))
    if output_format is CostFormat.json:
        sys.stdout.write(json.dumps(found.to_json(), indent=2) + "\n")
    else:
        from rich.console import Console
        from rich.table import Table

        table_out = Table(title=f"One-time cost of distilling (teacher {found.teacher})", title_justify="left")
        table_out.add_column("part")
        table_out.add_column("how", overflow="fold")
        table_out.add_column("cost", justify="right")
        per = f"{found.teacher_cost_per_request:.6f}"
        table_out.add_row("labelling", f"{examples:,.0f} examples x {per} per request", _money(found.labelling))
        if gpu_hours is not None and gpu_hourly_price is not None:
            how = f"{gpu_hours:g} GPU hours x {gpu_hourly_price:g} per hour"
        else:
            price = found.training / found.training_tokens * 1e6 if found.training_tokens else 0.0
            how = f"{found.training_tokens:,.0f} training tokens ({epochs:g} epochs) x {price:g} per Mtok"
        table_out.add_row("training", how, _money(found.training))
        student = "" if found.student_cost_per_request is None else f" + student {found.student_cost_per_request:.6f}"
        table_out.add_row(
            "evaluation", f"{eval_examples:,.0f} examples x (teacher {per}{student})", _money(found.evaluation)
        )
        table_out.add_row("engineering", "given", _money(found.engineering))
        table_out.add_row("total", "", _money(found.total), style="bold")
        console = Console(file=sys.stdout, soft_wrap=True)
        console.print(table_out)
        if found.fine_tune is not None:
            ft = found.fine_tune
            console.print(
                f"fine-tuned {ft.provider} {ft.model} serves at {ft.input_price_per_mtok:g} input / "
                f"{ft.output_price_per_mtok:g} output per Mtok (source {ft.source}, {ft.date})",
                highlight=False,
            )
        for note in found.notes:
            console.print(f"note: {note}", highlight=False)
    if updated is not None:
        if out_path is not None:
            write_scenarios([updated], out_path)
            err.print(f"wrote {out_path}: student.distillation of {feature!r} filled", highlight=False)
        else:
            from aueb.formats import scenario_to_json

            err.print(scenario_to_json(updated), highlight=False, markup=False)

"""`aueb distill` and `aueb apply-metrics`: the distillation run and feeding its metrics into a scenario."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated

import typer

from aueb.cli.base import (
    app,
    err,
    fail,
    load_scenario_file,
)
from aueb.formats import (
    write_scenarios,
)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []})
def distill(ctx: typer.Context) -> None:
    """Run the bundled distillation (needs the distill extra); `aueb distill --help` lists its options."""
    from aueb.distill.__main__ import main

    raise typer.Exit(main(ctx.args))


@app.command("apply-metrics")
def apply_metrics_command(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario file (.json or .csv, one scenario)")],
    metrics_file: Annotated[
        Path, typer.Argument(help="Distillation metrics JSON (from `aueb distill` or written by hand)")
    ],
    feature: Annotated[str, typer.Option(help="Name of the feature whose student takes the measured retention")],
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the scenario here (.json or .csv); default: print JSON")
    ] = None,
    self_hosted: Annotated[
        bool,
        typer.Option(
            "--self-hosted", help="Also price the student as self-hosted from the measured batch-256 throughput"
        ),
    ] = False,
    hourly_price: Annotated[
        float | None, typer.Option(help="Replica price for --self-hosted (currency per hour)")
    ] = None,
    operating_point: Annotated[
        str | None,
        typer.Option(
            help="Run the student as the measured cascade at this point: best (highest net AI value at 1x), "
            "coverage=X (smallest coverage >= X) or threshold=T; sets coverage 1, escalation and retention"
        ),
    ] = None,
    point: Annotated[
        bool,
        typer.Option(
            "--point",
            help="Write the retention as the bare estimate; by default a measured 95% interval makes it a range "
            "{low, mode, high} that the risk analysis samples",
        ),
    ] = False,
) -> None:
    """Set a feature's student quality retention (optionally self-hosted pricing, or a cascade operating point) from a
    metrics JSON."""
    from aueb.apply import apply_metrics
    from aueb.formats import scenario_to_json
    from aueb.metrics import load_metrics

    scenarios = load_scenario_file(scenario_file)
    if len(scenarios) != 1:
        fail(f"{scenario_file}: holds {len(scenarios)} scenarios; apply metrics to a file with one")
    if self_hosted and hourly_price is None:
        fail("--hourly-price: needed with --self-hosted (currency per replica-hour)")
    if hourly_price is not None and not self_hosted:
        fail("--hourly-price: only used with --self-hosted")
    if hourly_price is not None and (not math.isfinite(hourly_price) or hourly_price < 0):
        fail(f"--hourly-price: must be a number of at least 0 (got {hourly_price})")
    try:
        metrics = load_metrics(metrics_file)
        updated = apply_metrics(
            scenarios[0], metrics, feature, hourly_price=hourly_price, operating_point=operating_point, point=point
        )
        student = next(f.student for f in updated.features if f.name == feature)
        band = student.ranges.get("quality_retention") if student is not None else None
        if band is not None:
            err.print(
                f"quality_retention: {band.mode:.4f}, range {band.low:.4f} to {band.high:.4f} (its 95% interval; "
                "--point writes the estimate alone)",
                highlight=False,
            )
        if out_path:
            write_scenarios([updated], out_path)
            err.print(f"wrote {out_path}", highlight=False)
        else:
            sys.stdout.write(scenario_to_json(updated))
    except ValueError as exc:
        fail(str(exc))

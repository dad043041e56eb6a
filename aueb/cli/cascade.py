"""`aueb cascade` (the curve from your own eval) and `aueb plan` (every point of it, priced)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from aueb.cli.base import app, err, fail, load_scenario_file, out, rich_table
from aueb.errors import InputError
from aueb.formatting import money, pct
from aueb.metrics import METRICS_SCHEMA_VERSION, Cascade, MetricsError, load_metrics, save_metrics
from aueb.planner import Plan, plan

TABLE_ROWS = 25  # a longer curve is shown at evenly spread coverages, with the best point and both ends


class PlanFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("cascade")
def cascade_command(
    predictions: Annotated[Path, typer.Argument(help="Your eval as CSV, one row per held-out example")],
    confidence_column: Annotated[
        str,
        typer.Option(help="Column of the student's confidence (e.g. its highest class probability; higher = surer)"),
    ],
    student_correct_column: Annotated[
        str, typer.Option(help="Column saying whether the student is right (0/1 or true/false)")
    ],
    teacher_correct_column: Annotated[
        str, typer.Option(help="Column saying whether the teacher is right (0/1 or true/false)")
    ],
    into: Annotated[
        Path, typer.Option(help="Existing metrics JSON to write the cascade into (it becomes schema_version 3)")
    ],
) -> None:
    """Measure the confidence cascade from your own per-example eval and write it into a metrics file."""
    from aueb.predictions import read_predictions

    try:
        metrics = load_metrics(into)
        held_out = read_predictions(predictions, confidence_column, student_correct_column, teacher_correct_column)
        cascade = Cascade.measure(held_out)
        data = metrics.model_dump()
        data.update(schema_version=METRICS_SCHEMA_VERSION, cascade=cascade.model_dump())
        updated = type(metrics).model_validate(data)
    except (InputError, MetricsError, ValueError) as exc:
        fail(str(exc))
    try:
        save_metrics(updated, into)
    except OSError as exc:
        fail(f"{into}: cannot write the file ({exc.strerror})")
    cpt = cascade.cpt["0.95"]
    err.print(
        f"wrote the cascade into {into}: {cascade.n_examples:,} examples, {len(cascade.points)} points, "
        f"teacher {pct(cascade.teacher_accuracy)}, student {pct(cascade.student_accuracy)}, "
        f"APGR {_number(cascade.apgr)}{_band(cascade.apgr_ci95)}, 95% of the gap at teacher share {pct(cpt)}, "
        f"AURC {cascade.aurc:.4f}",
        highlight=False,
    )


@app.command("plan")
def plan_command(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario file (.json or .csv, one scenario)")],
    metrics_file: Annotated[Path, typer.Argument(help="Metrics JSON with a cascade (schema_version 2)")],
    feature: Annotated[str, typer.Option(help="The feature whose student runs the cascade")],
    format: Annotated[
        PlanFormat, typer.Option("--format", "-f", help="table, or json with every point")
    ] = PlanFormat.table,
) -> None:
    """Price every operating point of the measured cascade for a feature at 1x, and mark the best one."""
    scenarios = load_scenario_file(scenario_file)
    if len(scenarios) != 1:
        fail(f"{scenario_file}: holds {len(scenarios)} scenarios; plan with a file of one")
    try:
        metrics = load_metrics(metrics_file)
        if metrics.cascade is None:
            raise MetricsError(
                f"metrics JSON: {metrics_file} has no cascade (run `aueb distill`, or add one with `aueb cascade`)"
            )
        priced = plan(scenarios[0], metrics.cascade, feature)
    except ValueError as exc:
        fail(str(exc))
    if format is PlanFormat.json:
        sys.stdout.write(json.dumps(priced.to_json(), indent=2, allow_nan=False) + "\n")
    else:
        _render(priced)


def _band(interval: tuple[float, float] | None) -> str:
    """' (95% interval a to b)' of a figure, or nothing when the file has none (before schema 3)."""
    return "" if interval is None else f" (95% interval {interval[0]:.3f} to {interval[1]:.3f})"


def _number(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _shown_rows(priced: Plan) -> list[int]:
    """Every point of a short curve; of a long one, points evenly spread in coverage, both ends and the best."""
    n = len(priced.points)
    if n <= TABLE_ROWS:
        return list(range(n))
    coverage = priced.points["coverage"].to_numpy()
    targets = [i / (TABLE_ROWS - 1) for i in range(TABLE_ROWS)]
    rows = {min(int(coverage.searchsorted(t)), n - 1) for t in targets} | {0, n - 1}
    if priced.best is not None:
        rows.add(priced.best)
    return sorted(rows)


def _render(priced: Plan) -> None:
    cur = priced.currency
    right = "right"
    table = rich_table(
        f"{priced.feature}: the cascade at 1x; money per month, in {cur}",
        [
            ("", "left"),
            ("tau", right),
            ("cover", right),
            ("escal", right),
            ("acc", right),
            ("retain", right),
            ("AI COGS", right),
            ("errors", right),
            ("net", right),
            ("COGS/rev", right),
        ],
    )
    points = priced.points
    for i in _shown_rows(priced):
        p = points.iloc[i]
        mark = "best" if i == priced.best else ("" if p["applicable"] else "n/a")
        table.add_row(
            mark,
            f"{p['threshold']:.4f}",
            pct(p["coverage"]),
            pct(p["escalation"]),
            pct(p["system_accuracy"], 2),
            f"{p['quality_retention']:.3f}",
            money(p["ai_cogs"], cur),
            money(p["error_cost"], cur),
            money(p["net_ai_value"], cur),
            pct(p["cogs_to_revenue"]),
            style="bold" if i == priced.best else None,
        )
    out.print(table)
    out.print(
        "cover: answered by the student; escal: sent to the teacher; acc: system accuracy; retain: quality retention; "
        "errors: error cost; net: net AI value.",
        highlight=False,
    )
    cascade = priced.cascade
    if len(points) > TABLE_ROWS:
        out.print(
            f"{len(_shown_rows(priced))} of {len(points)} points shown; --format json lists all.", highlight=False
        )
    if not points["applicable"].all():
        out.print(
            "n/a: retention x teacher quality above 1 (or below 0) for this scenario; such a point is not chosen.",
            highlight=False,
        )
    if priced.best is None:
        out.print("No point fits this scenario.", highlight=False)
    else:
        best = points.iloc[priced.best]
        out.print(
            f"Best: threshold {best['threshold']:.4g}, coverage {pct(best['coverage'])} (escalation "
            f"{pct(best['escalation'])}), "
            f"net AI value {money(best['net_ai_value'], cur)} a month.",
            highlight=False,
        )
        band = cascade.points[priced.best].system_accuracy_ci95  # plan rows are the cascade points, in order
        if band is not None:
            out.print(
                f"System accuracy there: {pct(best['system_accuracy'], 2)} (95% interval {pct(band[0], 2)} to "
                f"{pct(band[1], 2)}, paired bootstrap over {cascade.n_examples:,} examples).",
                highlight=False,
            )
    cpt = ", ".join(f"{float(k):.0%} {pct(v)}" for k, v in cascade.cpt.items())
    out.print(
        f"Measured on {cascade.n_examples:,} examples: teacher {pct(cascade.teacher_accuracy)}, student "
        f"{pct(cascade.student_accuracy)}; "
        f"APGR {_number(cascade.apgr)}{_band(cascade.apgr_ci95)}; teacher share to recover the gap (CPT): {cpt}; "
        f"AURC {cascade.aurc:.4f}.",
        highlight=False,
    )

"""`aueb risk`: percentiles of a Monte Carlo over the ranged inputs, the payback probability and a tornado."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from aueb.cli.base import Format, app, emit, fail, load_scenario_file, rich_table
from aueb.errors import InputError
from aueb.formatting import pct, risk_value
from aueb.risk import DEFAULT_SAMPLES, DEFAULT_SEED, RiskReport, parse_figure, risk_report, risk_to_csv, risk_to_json
from aueb.scenario import Scenario

MAX_SAMPLES = 10_000_000


def _render(report: RiskReport, scenarios: list[Scenario], console: Console) -> None:
    labels = {
        "ai_cogs": "AI COGS",
        "cogs_to_revenue": "COGS/rev",
        "gross_margin": "margin",
        "cost_per_request": "per req",
        "cost_per_correct_output": "per correct",
        "net_ai_value": "net value",
    }
    for scenario in scenarios:
        cur = scenario.currency
        table = rich_table(
            f"{scenario.name}: P10 / P50 / P90 of {report.samples:,} samples (seed {report.seed}), per month, in {cur}",
            [
                ("x", "right"),
                ("arm", "left"),
                ("figure", "left"),
                ("P10", "right"),
                ("P50", "right"),
                ("P90", "right"),
                ("undef.", "right"),
            ],
        )
        for row in (r for r in report.percentiles if r.scenario == scenario.name):
            table.add_row(
                f"{row.multiplier:g}x",
                row.arm,
                labels[row.figure],
                *(risk_value(row.figure, v, cur) for v in (row.p10, row.p50, row.p90)),
                str(row.undefined),
            )
        console.print(table)
        summary = report.summary[scenario.name]
        head = rich_table(
            "Distillation investment",
            [("figure", "left"), ("P10", "right"), ("P50", "right"), ("P90", "right"), ("undef.", "right")],
        )
        for name, label in (
            ("monthly_saving", "monthly saving at 1x"),
            ("payback_months", "payback"),
            ("roi", f"ROI over {summary.horizon_months:g} months"),
        ):
            p = getattr(summary, name)
            head.add_row(label, *(risk_value(name, v, cur) for v in (p.p10, p.p50, p.p90)), str(p.undefined))
        console.print(head)
        probability = summary.payback_within_horizon_probability
        console.print(
            "Probability that the student pays back within the horizon: "
            + ("n/a (no feature has a student)" if probability is None else pct(probability))
            + "\n",
            highlight=False,
        )
        bars = [t for t in report.tornado if t.scenario == scenario.name]
        if not bars:
            console.print("Tornado: no input is given as a range.\n", highlight=False)
            continue
        figure = bars[0].figure
        tornado = rich_table(
            f"Tornado of {figure}: one input at low / high, the others at mode "
            f"(base {risk_value(figure, bars[0].figure_at_mode, cur)})",
            [
                ("input", "left"),
                ("low", "right"),
                ("high", "right"),
                ("at low", "right"),
                ("at high", "right"),
                ("swing", "right"),
            ],
        )
        for t in bars:
            tornado.add_row(
                t.input,
                f"{t.low:,.6g}",
                f"{t.high:,.6g}",
                risk_value(figure, t.figure_at_low, cur),
                risk_value(figure, t.figure_at_high, cur),
                risk_value(figure, t.swing, cur),
            )
        console.print(tornado)
        console.print()


@app.command("risk")
def risk_command(
    file: Annotated[
        Path, typer.Argument(help="Scenario file (.json or .csv); inputs given as {low, mode, high} ranges are sampled")
    ],
    samples: Annotated[
        int, typer.Option("--samples", "-n", help="Monte Carlo samples (each one a full projection)")
    ] = DEFAULT_SAMPLES,
    seed: Annotated[int, typer.Option(help="Seed of numpy's random generator: same seed, same result")] = DEFAULT_SEED,
    figure: Annotated[
        str,
        typer.Option(
            help="Figure of the tornado: NAME[@Mx][/ARM], e.g. cogs_to_revenue (default, 1x, distilled), "
            "ai_cogs@10x/baseline, payback_months"
        ),
    ] = "cogs_to_revenue",
    format: Annotated[
        Format,
        typer.Option(
            "--format", "-f", help="table for people, csv (percentile rows) for spreadsheets, json for scripts"
        ),
    ] = Format.table,
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of the terminal")
    ] = None,
) -> None:
    """Percentiles (P10/P50/P90) of the projection over the ranged inputs, the payback probability, and a tornado of
    what matters.
    """
    if not 1 <= samples <= MAX_SAMPLES:
        fail(f"--samples: {samples} must be between 1 and {MAX_SAMPLES:,}")
    if seed < 0:
        fail(f"--seed: {seed} must be 0 or more")
    scenarios = load_scenario_file(file)
    try:
        report = risk_report(scenarios, samples, seed, parse_figure(figure))
    except InputError as exc:
        fail(str(exc))
    emit(
        format,
        out_path,
        lambda console: _render(report, scenarios, console),
        lambda: risk_to_csv(report) if format is Format.csv else risk_to_json(report),
        width=100,
    )

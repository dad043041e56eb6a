"""`aueb optimize`: the savings plan of a request log, every lever priced on the same calls."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from aueb.cli.base import Format, app, emit, err, fail, load_scenario_file, rich_table, write_text
from aueb.errors import InputError
from aueb.formats import scenario_to_json
from aueb.formatting import money as _money
from aueb.logs import DEFAULT_WINDOW_HOURS, ingest
from aueb.plan.apply import apply_combined
from aueb.plan.inputs import PlanResult
from aueb.plan.levers import evaluate, load_levers, propose
from aueb.plan.replay import load_calls
from aueb.scenario import Scenario

CSV_COLUMNS = (
    "feature", "lever", "proposal", "multiplier", "cost_now", "cost_after", "saving_monthly", "saving_p10",
    "saving_p50", "saving_p90", "quality_now", "quality_after", "quality_measured", "one_time_cost",
    "payback_months", "rank", "uncertain", "params",
)  # fmt: skip


def _usd(value: float) -> str:
    """An amount of the log's calls, in the catalog's currency (USD), as the report's plan section writes it."""
    return _money(value, "USD")


def _params(params: dict[str, Any]) -> str:
    return ", ".join(
        f"{k}={v['mode'] if isinstance(v, dict) else v}" for k, v in params.items() if k != "one_time_cost"
    )


def _render(result: PlanResult, console: Console) -> None:
    title = (
        "Savings plan (USD / month at 1x"
        + ("; levers are proposals: pass --levers to choose" if result.proposals else "")
        + ")"
    )
    table = rich_table(
        title,
        [
            ("#", "right"),
            ("feature", "left"),
            ("lever", "left"),
            ("saving", "right"),
            ("P10-P90", "right"),
            ("quality", "left"),
        ],
    )
    for row in (r for r in result.levers if r["multiplier"] == 1.0):
        q = row["quality_change"]
        quality = q if isinstance(q, str) else f"{q:+.3f}"
        spread = (
            "" if row["saving_p10"] == row["saving_p90"] else f"{_usd(row['saving_p10'])} to {_usd(row['saving_p90'])}"
        )
        mark = " (uncertain)" if row["uncertain"] else ""
        table.add_row(
            str(row["rank"]),
            row["feature"],
            f"{row['lever']} {_params(row['params'])}",
            _usd(row["saving_monthly"]) + mark,
            spread,
            quality,
        )
    console.print(table)
    combined = [r for r in result.combined if r["multiplier"] == 1.0]
    plan = rich_table(
        "Combined plan (levers applied together, priced once)",
        [("feature", "left"), ("levers", "left"), ("now", "right"), ("after", "right"), ("saving", "right")],
    )
    for row in combined:
        plan.add_row(
            row["feature"],
            ", ".join(row["levers"]) or "none",
            _usd(row["cost_now"]),
            _usd(row["cost_after"]),
            _usd(row["saving_monthly"]),
        )
    now, after = sum(r["cost_now"] for r in combined), sum(r["cost_after"] for r in combined)
    plan.add_row("ALL", "", _usd(now), _usd(after), _usd(now - after))
    console.print(plan)
    saved = sum(r["saved"] for r in result.already_saved)
    console.print(f"Already saved today by prompt caching and batch: {_money(saved, 'USD', 'month')}")


def _csv(result: PlanResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in result.levers:
        writer.writerow(
            ["" if row[c] is None else (json.dumps(row[c]) if c == "params" else row[c]) for c in CSV_COLUMNS]
        )
    return buffer.getvalue()


def _is_scenario(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and ("features" in data or "scenarios" in data)


def _output(
    result: PlanResult, format: Format, out_path: Path | None, write_scenario: Path | None, planned: Scenario | None
) -> None:
    """The plan as a table, csv or json, and the scenario with the combined plan applied (--write-scenario)."""
    emit(
        format,
        out_path,
        lambda console: _render(result, console),
        lambda: json.dumps(result.to_json(), indent=2) + "\n" if format is Format.json else _csv(result),
        width=120,
    )
    if write_scenario and planned is not None:
        write_text(write_scenario, scenario_to_json(planned))
        err.print(f"wrote the scenario with the combined plan applied to {write_scenario}", highlight=False)


def _optimize_scenario(
    path: Path,
    levers: Path | None,
    metrics: list[tuple[str | None, str]],
    format: Format,
    out_path: Path | None,
    write_scenario: Path | None,
) -> None:
    """The levers on a scenario's features at every multiplier (AI COGS through the engine)."""
    from aueb.formats import load_scenarios
    from aueb.plan.inputs import attach_metrics
    from aueb.plan.scenario_levers import evaluate_scenario, planned_scenario, propose_scenario

    try:
        scenario = load_scenarios(path)[0]
        names = [f.name for f in scenario.features]
        specs = load_levers(str(levers), names, on_scenario=True) if levers else propose_scenario(scenario, metrics)
        result = evaluate_scenario(scenario, attach_metrics(specs, metrics))
        planned = planned_scenario(scenario, result) if write_scenario else None
    except InputError as exc:
        fail(str(exc))
    _output(result, format, out_path, write_scenario, planned)


@app.command("optimize")
def optimize_command(
    source: Annotated[
        list[str],
        typer.Argument(
            help="Request log files or globs (anything `aueb ingest` reads), or one scenario .json",
            show_default=False,
        ),
    ],
    feature_key: Annotated[
        str | None, typer.Option(help="Where a call names its feature (as `aueb ingest --feature-key`)")
    ] = None,
    levers: Annotated[
        Path | None,
        typer.Option("--levers", help="L.json: per feature, the levers to try with their inputs (ranges allowed)"),
    ] = None,
    scenario_file: Annotated[
        Path | None,
        typer.Option("--scenario", help="A scenario whose features' students price routing and distillation on a log"),
    ] = None,
    metrics: Annotated[
        list[str] | None,
        typer.Option(
            "--metrics",
            help="[FEATURE=|MODEL=]FILE, repeatable: a metrics JSON or per-example CSV: routing's cascade, "
            "a downsizing target's quality",
        ),
    ] = None,
    batch_table: Annotated[
        Path | None,
        typer.Option("--batch-table", help="Your own batch-API table (CSV, columns as aueb/data/batch_discounts.csv)"),
    ] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format")] = Format.table,
    out_path: Annotated[Path | None, typer.Option("--out", "-o", help="Write the output to this file")] = None,
    write_scenario: Annotated[
        Path | None,
        typer.Option(help="Write the scenario with the combined plan applied (JSON) for `aueb project`"),
    ] = None,
    window_hours: Annotated[
        float, typer.Option(help="Hours of the window ending at the last record (730 = one month)")
    ] = DEFAULT_WINDOW_HOURS,
) -> None:
    """Price every saving lever (caching, batch, a smaller model, routing, distillation) on the same calls, ranked."""
    from aueb.plan.batch import use_batch_table
    from aueb.plan.inputs import attach_metrics, parse_metrics_options

    try:
        use_batch_table(batch_table)
        measured_metrics = parse_metrics_options(metrics or [])
    except InputError as exc:
        fail(str(exc))
    if len(source) == 1 and Path(source[0]).suffix.lower() == ".json" and _is_scenario(Path(source[0])):
        _optimize_scenario(Path(source[0]), levers, measured_metrics, format, out_path, write_scenario)
        return
    try:
        student_scenario = load_scenario_file(scenario_file)[0] if scenario_file is not None else None
        calls = load_calls(source, "auto", feature_key, window_hours)
        features = sorted(calls.frame["feature"].unique().tolist())
        specs = load_levers(str(levers), features) if levers else propose(calls, measured_metrics, student_scenario)
        result = evaluate(calls, attach_metrics(specs, measured_metrics), scenario=student_scenario)
        scenario = None
        if write_scenario:
            measured = ingest(source, "auto", feature_key, window_hours).scenario
            if measured.scenario is None:
                raise InputError("; ".join(measured.notes))
            combined = [r for r in result.combined if r["multiplier"] == 1.0]
            scenario = apply_combined(measured.scenario, combined, result.students)
    except InputError as exc:
        fail(str(exc))
    _output(result, format, out_path, write_scenario, scenario)

"""The `aueb` command line: parse, call the core, render. Bad input exits 2 with one line on stderr."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from aueb.catalog import catalog_models
from aueb.engine import Projection, project
from aueb.errors import InputError
from aueb.formats import load_scenarios, projection_to_csv, projection_to_json, write_scenarios
from aueb.scenario import Scenario
from aueb.tiers import TIER_METRICS, load_tiers

app = typer.Typer(
    help="aueb, the AI Unit Economics Benchmark: what AI features cost per request, per user and per feature, "
    "today and at 10x and 100x volume, and what a distilled student saves.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(width=80)
err = Console(stderr=True, width=200)



class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class Growth(str, Enum):
    users = "users"
    usage = "usage"


def fail(message: str) -> None:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _multipliers(text: str) -> list[float]:
    values = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            fail(f"--multipliers: {part.strip()!r} is not a number (expected e.g. 1,10,100)")
        if not math.isfinite(value) or value <= 0:
            fail(f"--multipliers: {part.strip()!r} must be a number above 0")
        values.append(value)
    if len(set(values)) != len(values):
        fail(f"--multipliers: {text!r} repeats a value")
    return values


def _load(path: Path) -> list[Scenario]:
    try:
        return load_scenarios(path)
    except InputError as exc:
        fail(str(exc))


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        fail(f"{path}: cannot write the file ({exc.strerror})")


def _money(value: float | None, currency: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    digits = 2 if abs(value) >= 1 else 4
    return f"{value:,.{digits}f}{' ' + currency if currency else ''}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.1%}"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _compact(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:,.0f}"


def _table(title: str, columns: list[tuple[str, str]]) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1), collapse_padding=True)
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")
    return table


def _render_table(projection: Projection, scenarios: list[Scenario], out: Console) -> None:
    rows = projection.rows
    for scenario, summary in zip(scenarios, projection.summary.to_dict("records")):
        cur = scenario.currency
        mine = rows[rows["scenario"] == scenario.name]
        totals = mine[mine["feature"] == "ALL"].to_dict("records")
        right = "right"
        table = _table(
            f"{scenario.name}: all features, per month, in {cur}",
            [("x", right), ("arm", "left"), ("requests", right), ("AI COGS", right), ("COGS/rev", right),
             ("margin", right), ("per req", right), ("per correct", right)],
        )
        for r in totals:
            table.add_row(f"{r['multiplier']:g}x", r["arm"], _compact(r["requests"]), _money(r["ai_cogs"]), _percent(r["cogs_to_revenue"]),
                          _percent(r["gross_margin"]), _money(r["cost_per_request"]), _money(r["cost_per_correct_output"]))
        out.print(table)

        bands = _table("Industry tiers", [("x", right), ("arm", "left"), ("COGS/revenue", "left"), ("inference/req", "left"),
                                          ("routing", "left"), ("profitable", "left")])
        for r in totals:
            bands.add_row(f"{r['multiplier']:g}x", r["arm"], *(
                f"{_money(r[m]) if m == 'inference_cost_per_request' else _percent(r[m])}\n{r[m + '_tier'] or ''}" for m in TIER_METRICS
            ))
        out.print(bands)

        first = mine["multiplier"].iloc[0]
        features = mine[(mine["feature"] != "ALL") & (mine["multiplier"] == first)]
        per_feature = _table(f"Per feature at {first:g}x, per month, in {cur}",
                             [("feature", "left"), ("arm", "left"), ("revenue", right), ("AI COGS", right), ("COGS/rev", right), ("per req", right)])
        for r in features.to_dict("records"):
            per_feature.add_row(str(r["feature"]), r["arm"], _money(r["revenue"]), _money(r["ai_cogs"]), _percent(r["cogs_to_revenue"]), _money(r["cost_per_request"]))
        out.print(per_feature)

        payback, roi, break_even = summary["payback_months"], summary["roi"], summary["break_even_monthly_requests"]
        collapse = " / ".join(
            "never" if c is None else f"{c:.3g}x" for c in (summary[f"margin_collapse_multiplier_{arm}"] for arm in ("baseline", "distilled"))
        )
        out.print(
            f"One-time distillation cost {_money(summary['one_time_cost'], cur)}; "
            f"monthly saving at 1x {_money(summary['monthly_saving'], cur)}\n"
            f"Payback {'never' if payback is None else f'{payback:.1f} months'}; "
            f"ROI over {scenario.horizon_months:g} months {'n/a' if roi is None else f'{roi:.0%}'}\n"
            f"Break-even volume {'none' if break_even is None else _count(break_even) + ' requests/month'}\n"
            f"Margin collapse (usage growth) at {collapse} (baseline / distilled)\n",
            highlight=False,
        )


@app.command("project")
def project_command(
    file: Annotated[Path, typer.Argument(help="Scenario file: .json, or .csv with one or many scenarios")],
    format: Annotated[Format, typer.Option("--format", "-f", help="table for people, csv for spreadsheets, json for scripts")] = Format.table,
    out_path: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write to this file instead of the terminal")] = None,
    multipliers: Annotated[Optional[str], typer.Option(help="Volume multipliers, comma-separated (default: the scenario's, e.g. 1,10,100)")] = None,
    growth: Annotated[Optional[Growth], typer.Option(help="users: more users; usage: more requests per user at fixed revenue (default: the scenario's)")] = None,
) -> None:
    """Project AI COGS, revenue, quality and tiers at each multiplier, with and without the student."""
    scenarios = _load(file)
    try:
        projection = project(scenarios, multipliers=_multipliers(multipliers) if multipliers else None, growth=growth.value if growth else None)
    except InputError as exc:
        fail(str(exc))
    if format is Format.table:
        if out_path:
            page = Console(file=io.StringIO(), width=80)
            _render_table(projection, scenarios, page)
            _write(out_path, page.file.getvalue())
        else:
            _render_table(projection, scenarios, out)
        return
    text = projection_to_csv(projection) if format is Format.csv else projection_to_json(projection)
    if out_path:
        _write(out_path, text)
    else:
        sys.stdout.write(text)


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="Scenario file to read (.json or .csv)")],
    target: Annotated[Path, typer.Argument(help="File to write; the extension (.json or .csv) picks the format")],
) -> None:
    """Convert scenarios between JSON and the finance CSV."""
    scenarios = _load(source)
    try:
        write_scenarios(scenarios, target)
    except InputError as exc:
        fail(str(exc))
    err.print(f"wrote {len(scenarios)} scenario(s) to {target}", highlight=False)


@app.command()
def tiers() -> None:
    """Print the industry tier table (data/industry_tiers.csv, editable)."""
    try:
        table_data = load_tiers()
    except InputError as exc:
        fail(str(exc))
    table = _table("Industry tiers (Median includes both ends; between the bands: Elite-Median, Median-Low)",
                   [(name, "left") for name in ("metric", "better", "Elite", "Median", "Low")])
    for metric, r in table_data.iterrows():
        fmt = _money if metric == "inference_cost_per_request" else _percent
        elite, low = ("<", ">") if r["better"] == "lower" else (">", "<")
        table.add_row(r["label"], r["better"], f"{elite} {fmt(r['elite'])}", f"{fmt(r['median_min'])} to {fmt(r['median_max'])}", f"{low} {fmt(r['low'])}")
    out.print(table)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a scenario file."""
    sys.stdout.write(json.dumps(Scenario.model_json_schema(), indent=2) + "\n")


@app.command()
def models(
    search: Annotated[Optional[str], typer.Argument(help="Part of a model or provider name, e.g. gpt-4o")] = None,
) -> None:
    """List the price catalog's models (genai-prices, pinned) with their prices per million tokens."""
    rows = [m for m in catalog_models() if not search or search.lower() in f"{m.provider}/{m.model}".lower()]
    table = _table(f"{len(rows)} catalog models (USD per million tokens)",
                   [("provider", "left"), ("model", "left"), ("input", "right"), ("cached", "right"), ("output", "right")])
    for m in rows:
        table.add_row(m.provider, m.model, f"{m.input_price_per_mtok:g}", f"{m.cached_input_price_per_mtok:g}", f"{m.output_price_per_mtok:g}")
    out.print(table)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []})
def distill(ctx: typer.Context) -> None:
    """Run the bundled distillation (needs the distill extra); `aueb distill --help` lists its options."""
    from aueb.distill.__main__ import main

    raise typer.Exit(main(ctx.args))


@app.command("apply-metrics")
def apply_metrics_command(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario file (.json or .csv, one scenario)")],
    metrics_file: Annotated[Path, typer.Argument(help="Distillation metrics JSON (from `aueb distill` or written by hand)")],
    feature: Annotated[str, typer.Option(help="Name of the feature whose student takes the measured retention")],
    out_path: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the scenario here (.json or .csv); default: print JSON")] = None,
    self_hosted: Annotated[bool, typer.Option("--self-hosted", help="Also price the student as self-hosted from the measured batch-256 throughput")] = False,
    hourly_price: Annotated[Optional[float], typer.Option(help="Replica price for --self-hosted (currency per hour)")] = None,
) -> None:
    """Set a feature's student quality retention (and optionally self-hosted pricing) from a metrics JSON."""
    from aueb.formats import scenario_to_json
    from aueb.metrics import apply_metrics, load_metrics

    scenarios = _load(scenario_file)
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
        updated = apply_metrics(scenarios[0], metrics, feature, hourly_price=hourly_price)
        if out_path:
            write_scenarios([updated], out_path)
            err.print(f"wrote {out_path}", highlight=False)
        else:
            sys.stdout.write(scenario_to_json(updated))
    except ValueError as exc:
        fail(str(exc))


@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port on localhost")] = 8501,
) -> None:
    """Open the dashboard (needs the app extra) on the default scenario."""
    raise typer.Exit(subprocess.call([sys.executable, "-m", "streamlit", "run", str(Path(__file__).resolve().parent / "ui" / "app.py"), "--server.port", str(port)]))


if __name__ == "__main__":
    app()

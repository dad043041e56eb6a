"""`aueb project`, `convert`, `tiers`, `schema`, `models` and `dashboard`."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from aueb.catalog import catalog_models
from aueb.cli.base import Format, Growth, app, emit, err, fail, load_scenario_file, out, parse_multipliers, rich_table
from aueb.engine import SUMMARY_COLUMNS, Projection, project
from aueb.errors import InputError
from aueb.formats import (
    ECONOMICS_PATH,
    projection_to_csv,
    projection_to_json,
    write_scenarios,
)
from aueb.formatting import amount, money, pct, summary_value, volume
from aueb.monitor.view import MONITOR_REFRESH_ENV, MONITOR_STATE_ENV
from aueb.resources import bundled_scenario_files
from aueb.scenario import Scenario
from aueb.tiers import TIER_METRICS, load_tiers


def _render_table(projection: Projection, scenarios: list[Scenario], out: Console) -> None:
    rows = projection.rows
    for scenario, summary in zip(scenarios, projection.summary.to_dict("records"), strict=True):
        cur = scenario.currency
        mine = rows[rows["scenario"] == scenario.name]
        totals = mine[mine["feature"] == "ALL"].to_dict("records")
        right = "right"
        table = rich_table(
            f"{scenario.name}: all features, per month, in {cur}",
            [
                ("x", right),
                ("arm", "left"),
                ("requests", right),
                ("AI COGS", right),
                ("COGS/rev", right),
                ("margin", right),
                ("per req", right),
                ("per correct", right),
            ],
        )
        for r in totals:
            table.add_row(
                f"{r['multiplier']:g}x",
                r["arm"],
                volume(r["requests"]),
                money(r["ai_cogs"], cur),
                pct(r["cogs_to_revenue"]),
                pct(r["gross_margin"]),
                money(r["cost_per_request"], cur),
                money(r["cost_per_correct_output"], cur),
            )
        out.print(table)

        bands = rich_table(
            "Industry tiers",
            [
                ("x", right),
                ("arm", "left"),
                ("COGS/revenue", "left"),
                ("inference/req", "left"),
                ("routing", "left"),
                ("profitable", "left"),
            ],
        )
        for r in totals:
            bands.add_row(
                f"{r['multiplier']:g}x",
                r["arm"],
                *(
                    f"{money(r[m], cur) if m == 'inference_cost_per_request' else pct(r[m])}\n{r[m + '_tier'] or ''}"
                    for m in TIER_METRICS
                ),
            )
        out.print(bands)

        first = mine["multiplier"].iloc[0]
        features = mine[(mine["feature"] != "ALL") & (mine["multiplier"] == first)]
        per_feature = rich_table(
            f"Per feature at {first:g}x, per month, in {cur}",
            [
                ("feature", "left"),
                ("arm", "left"),
                ("revenue", right),
                ("AI COGS", right),
                ("COGS/rev", right),
                ("per req", right),
            ],
        )
        for r in features.to_dict("records"):
            per_feature.add_row(
                str(r["feature"]),
                r["arm"],
                money(r["revenue"], cur),
                money(r["ai_cogs"], cur),
                pct(r["cogs_to_revenue"]),
                money(r["cost_per_request"], cur),
            )
        out.print(per_feature)

        shown = {key: summary_value(key, summary[key], cur) for key in SUMMARY_COLUMNS[1:]}
        out.print(
            f"One-time distillation cost {shown['one_time_cost']}; monthly saving at 1x {shown['monthly_saving']}\n"
            f"Payback {shown['payback_months']}; ROI over {scenario.horizon_months:g} months {shown['roi']}\n"
            f"Break-even (requests / month; pays back within {scenario.horizon_months:g} months) "
            f"{shown['break_even_monthly_requests']}\n"
            f"Student cheaper per month (requests / month) {shown['student_cheaper_from_monthly_requests']}\n"
            f"Margin collapse (usage growth) at {shown['margin_collapse_multiplier_baseline']} / "
            f"{shown['margin_collapse_multiplier_distilled']} (baseline / distilled)\n",
            highlight=False,
        )


def bundled_examples() -> dict[str, Path]:
    """The scenarios shipped in the package (aueb/data/scenarios), by file name without .json."""
    return bundled_scenario_files()


@app.command("project")
def project_command(
    file: Annotated[
        Path | None, typer.Argument(help="Scenario file: .json, .csv or .xlsx workbook (one or many scenarios)")
    ] = None,
    example: Annotated[
        str | None,
        typer.Option(
            "--example", help=f"A scenario bundled with aueb instead of a file: {', '.join(bundled_examples())}"
        ),
    ] = None,
    format: Annotated[
        Format, typer.Option("--format", "-f", help="table for people, csv for spreadsheets, json for scripts")
    ] = Format.table,
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of the terminal")
    ] = None,
    multipliers: Annotated[
        str | None, typer.Option(help="Volume multipliers, comma-separated (default: the scenario's, e.g. 1,10,100)")
    ] = None,
    growth: Annotated[
        Growth | None,
        typer.Option(
            help="users: more users; usage: more requests per user at fixed revenue (default: the scenario's)"
        ),
    ] = None,
) -> None:
    """Project AI COGS, revenue, quality and tiers at each multiplier, with and without the student.

    Every figure is defined in docs/economics.md.
    """
    if (file is None) == (example is None):
        fail("give a scenario file or --example NAME (one of them): " + ", ".join(bundled_examples()))
    if example is not None:
        if example not in bundled_examples():
            fail(f"--example: no bundled scenario {example!r}; the bundled ones are {', '.join(bundled_examples())}")
        file = bundled_examples()[example]
    assert file is not None  # given, or the bundled example's
    scenarios = load_scenario_file(file)
    try:
        projection = project(
            scenarios,
            multipliers=parse_multipliers(multipliers) if multipliers else None,
            growth=growth.value if growth else None,
        )
    except InputError as exc:
        fail(str(exc))
    emit(
        format,
        out_path,
        lambda console: _render_table(projection, scenarios, console),
        lambda: projection_to_csv(projection) if format is Format.csv else projection_to_json(projection),
    )


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="Scenario file to read (.json, .csv or .xlsx)")],
    target: Annotated[
        Path, typer.Argument(help="File to write; the extension (.json, .csv or .xlsx workbook) picks the format")
    ],
) -> None:
    """Convert scenarios between JSON, the finance CSV and the scenario workbook (.xlsx)."""
    scenarios = load_scenario_file(source)
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
    table = rich_table(
        "Industry tiers (Median includes both ends; between the bands: Elite-Median, Median-Low)",
        [(name, "left") for name in ("metric", "better", "Elite", "Median", "Low")],
    )
    for metric, r in table_data.iterrows():
        fmt = amount if metric == "inference_cost_per_request" else pct
        elite, low = ("<", ">") if r["better"] == "lower" else (">", "<")
        table.add_row(
            r["label"],
            r["better"],
            f"{elite} {fmt(r['elite'])}",
            f"{fmt(r['median_min'])} to {fmt(r['median_max'])}",
            f"{low} {fmt(r['low'])}",
        )
    out.print(table)


@app.command()
def economics() -> None:
    """Print docs/economics.md: every figure, formula, unit and choice that aueb computes."""
    sys.stdout.write(ECONOMICS_PATH.read_text(encoding="utf-8"))


@app.command()
def schema() -> None:
    """Print the JSON Schema of a scenario file."""
    sys.stdout.write(json.dumps(Scenario.model_json_schema(), indent=2) + "\n")


@app.command()
def models(
    search: Annotated[str | None, typer.Argument(help="Part of a model or provider name, e.g. gpt-4o")] = None,
) -> None:
    """List the price catalog's models (genai-prices, pinned) with their prices per million tokens."""
    rows = [m for m in catalog_models() if not search or search.lower() in f"{m.provider}/{m.model}".lower()]
    table = rich_table(
        f"{len(rows)} catalog models (USD per million tokens)",
        [("provider", "left"), ("model", "left"), ("input", "right"), ("cached", "right"), ("output", "right")],
    )
    for m in rows:
        table.add_row(
            m.provider,
            m.model,
            f"{m.input_price_per_mtok:g}",
            f"{m.cached_input_price_per_mtok:g}",
            f"{m.output_price_per_mtok:g}",
        )
    out.print(table)


def streamlit_flags() -> list[str]:
    """The dashboard's settings (aueb/ui/streamlit.toml) as `streamlit run` flags, so that they hold
    from any working directory: Streamlit itself reads config.toml only from there."""
    settings = tomllib.loads(resources.files("aueb").joinpath("ui", "streamlit.toml").read_text(encoding="utf-8"))
    flags = []
    for section, options in settings.items():
        for name, value in options.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags.append(f"--{section}.{name}={text}")
    return flags


@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port on localhost")] = 8501,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="A monitor's state folder: the Usage page follows it (`aueb monitor --state`)."),
    ] = None,
    refresh: Annotated[
        float, typer.Option(help="With --state: seconds between the Usage page's reads of the state.", min=1.0)
    ] = 5.0,
) -> None:
    """Open the dashboard (needs the app extra) on the default scenario. Economics reference: docs/economics.md."""
    router = Path(__file__).resolve().parent.parent / "ui" / "app.py"
    env = dict(os.environ)
    if state is not None:
        if not state.is_dir():
            fail(f"--state {state}: no such folder (start `aueb monitor SOURCE --state {state}` first)")
        env[MONITOR_STATE_ENV], env[MONITOR_REFRESH_ENV] = str(state.resolve()), f"{refresh:g}"
    # The process becomes Streamlit (no child left behind when it is stopped: signals reach the server itself).
    command = [sys.executable, "-m", "streamlit", "run", str(router), *streamlit_flags(), "--server.port", str(port)]
    sys.stdout.flush()
    os.execve(sys.executable, command, env)

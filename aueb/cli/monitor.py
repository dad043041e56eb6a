"""`aueb monitor`: follow growing request logs into a state, with budgets, forecast and alerts;
`aueb changes`: what changed between two periods (LMDI)."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console

from aueb.cli.base import Format, app, emit, err, fail, rich_table, write_text
from aueb.errors import InputError
from aueb.formatting import money
from aueb.monitor import state as st
from aueb.monitor.budgets import load_budgets
from aueb.monitor.changes import EFFECTS, lmdi, parse_period, period_cells
from aueb.monitor.changes import to_json as changes_json
from aueb.monitor.view import budget_status, write_snapshot
from aueb.monitor.view import load as load_view
from aueb.monitor.webhook import post


def _summary(con, budgets: dict[str | None, float], now: datetime | None) -> list[str]:
    """Month to date, month-end forecast and run-out, for the total and each feature with a budget."""
    when = now or st.clock(con)
    table = st.daily(con)
    if when is None or table.empty:
        return ["no usable record yet"]
    today = when.date()
    lines = []
    names: list[str | None] = [None, *sorted(str(f) for f in table["feature"].unique())]
    for feature in names:
        status = budget_status(table, feature, budgets, today)
        result = status.forecast
        label = "total" if feature is None else feature
        text = f"{label}: month to date {money(result.month_to_date)} ({result.month}, through {today})"
        if result.p50 is not None:
            text += f"; month-end forecast P10 {money(result.p10)} · P50 {money(result.p50)} · P90 {money(result.p90)}"
        else:
            text += "; no forecast (under 7 days with cost in the last 28)"
        if status.budget:
            text += f"; budget {money(status.budget)}, " + (
                f"runs out {status.runs_out}" if status.runs_out else "not run out this month"
            )
        lines.append(text)
    return lines


def _deliver(con, webhook: str | None) -> None:
    for key, body in st.unprinted(con):
        sys.stdout.write(body + "\n")
        sys.stdout.flush()
        st.mark(con, key, "printed", True)
    if not webhook:
        return
    pending = con.execute(
        "SELECT rule, feature, period, model, body FROM alerts WHERE webhook_pending ORDER BY raised_cycle, rowid"
    ).fetchall()
    for row in pending:
        reason = post(webhook, row[4])
        if reason is None:
            st.mark(con, tuple(row[:4]), "webhook_pending", False)
        else:
            err.print(f"webhook {webhook}: {reason}; alert {row[0]} kept for the next cycle", markup=False)


@app.command("monitor")
def monitor(
    source: Annotated[list[str], typer.Argument(help="Log files or globs that grow (any format `ingest` reads).")],
    state: Annotated[Path, typer.Option("--state", help="Folder of the monitor's state (DuckDB), created if absent.")],
    feature_key: Annotated[str | None, typer.Option(help="Tag, metadata key or column naming the feature.")] = None,
    budgets: Annotated[
        Path | None, typer.Option(help='Monthly budgets JSON: {"currency": "USD", "total": 5000, "features": {...}}.')
    ] = None,
    webhook: Annotated[str | None, typer.Option(help="URL to POST each alert to (JSON, one per request).")] = None,
    metrics_address: Annotated[
        str | None, typer.Option(help="HOST:PORT to serve Prometheus metrics at /metrics (e.g. 127.0.0.1:9464).")
    ] = None,
    interval: Annotated[float, typer.Option(help="Seconds between cycles.", min=0.1)] = 60.0,
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit.")] = False,
    now: Annotated[
        str | None, typer.Option(help="The monitor's clock (ISO time, UTC); default: the newest record's time.")
    ] = None,
) -> None:
    """Follow request logs: each cycle reads only what is new, prices it, appends it to the state and
    raises alerts (one JSON line each on stdout). Month to date, forecast and run-out go to stderr."""
    try:
        clock = datetime.fromisoformat(now.replace("Z", "+00:00")).replace(tzinfo=None) if now else None
    except ValueError:
        fail(f"--now: {now!r} is not an ISO time (expected e.g. 2026-09-14T12:00:00)")
    try:
        limits = load_budgets(budgets)[1] if budgets else {}
        lock = st.Lock(state)
    except InputError as exc:
        fail(str(exc))
    try:
        con = st.open_state(state)
        exposition = None
        if metrics_address:
            from aueb.monitor.metrics import serve

            host, _, port = metrics_address.rpartition(":")
            if not port.isdigit() or not host:
                fail(f"--metrics-address: {metrics_address!r} is not HOST:PORT (e.g. 127.0.0.1:9464)")
            try:
                exposition = serve(metrics_address, con, limits, clock)[1]
            except OSError as exc:
                fail(f"--metrics-address {metrics_address}: cannot listen ({exc.strerror})")
        first = True
        while True:
            try:
                result = st.cycle(con, source, feature_key, limits, clock, bool(webhook))
            except InputError as exc:
                fail(str(exc))
            if first or result.records or result.alerts:  # what `aueb dashboard --state` reads
                write_snapshot(con, state, limits, clock)
                if exposition is not None:  # /metrics serves the new state at once, computed here
                    exposition.refresh()
            first = False
            for note in result.notes:
                err.print(note, markup=False, highlight=False, soft_wrap=True)
            _deliver(con, webhook)
            err.print(
                f"cycle: {result.records:,} new records, {result.bad:,} malformed, {len(result.alerts)} new alerts",
                markup=False,
            )
            for line in _summary(con, limits, clock):
                err.print(line, markup=False, highlight=False, soft_wrap=True)
            if once:
                break
            time.sleep(interval)
    finally:
        lock.release()


def _state_usage(folder: Path):
    """The usage rows of a state per day, feature, model, provider and input-token bucket (st.tier_usage);
    while a running monitor holds it (DuckDB then lets no other process open it), those of the dashboard
    snapshot it wrote after its last cycle."""
    try:
        con = st.open_state(folder, read_only=True)
    except duckdb.IOException:
        return load_view(folder).tiers
    try:
        return st.tier_usage(con)
    finally:
        con.close()


@app.command("changes")
def changes(
    source: Annotated[
        list[str] | None, typer.Argument(help="Log files or globs (read into a temporary state).")
    ] = None,
    state: Annotated[Path | None, typer.Option("--state", help="A monitor's state folder instead of SOURCE.")] = None,
    period_from: Annotated[
        str, typer.Option("--from", help="Period A: 2026-09-01..2026-09-07, 2026-09 or 2026-W37.")
    ] = "",
    period_to: Annotated[str, typer.Option("--to", help="Period B, the same forms.")] = "",
    feature_key: Annotated[str | None, typer.Option(help="Tag, metadata key or column naming the feature.")] = None,
    format: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.json,
    out_path: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
    chart: Annotated[Path | None, typer.Option(help="Also write the waterfall chart (HTML).")] = None,
) -> None:
    """What changed in model cost between two periods, split exactly (LMDI) into volume, mix, tokens per
    call, cache and batch, and price; one cell per (feature, model) present in either period (USD)."""
    if bool(source) == bool(state):
        fail("name either SOURCE (log files) or --state DIR, not both or neither")
    if not period_from or not period_to:
        fail("--from and --to are both required (e.g. --from 2026-W37 --to 2026-W38)")
    try:
        a, b = parse_period(period_from), parse_period(period_to)
        with tempfile.TemporaryDirectory(prefix="aueb-changes-") as scratch:
            folder = state or Path(scratch)
            if source:
                con = st.open_state(folder)
                st.cycle(con, list(source), feature_key, {}, None, False)
                usage = st.tier_usage(con)
                con.close()
            else:
                usage = _state_usage(folder)
    except InputError as exc:
        fail(str(exc))
    result = lmdi(period_cells(usage, a, a.start), period_cells(usage, b, a.start))
    data = changes_json(result, a.label, b.label)

    def table(console: Console) -> None:
        grid = rich_table(f"What changed: {a.label} -> {b.label} (USD)", [("", "left"), ("USD", "right")])
        grid.add_row(f"cost {a.label}", f"{result.cost_from:,.2f}")
        for name in EFFECTS:
            grid.add_row(name.replace("_", " "), f"{result.effects[name]:+,.2f}")
        grid.add_row(f"cost {b.label}", f"{result.cost_to:,.2f}")
        console.print(grid)
        cells = rich_table(
            "Per cell", [("feature", "left"), ("model", "left")] + [(n, "right") for n in ("from", "to", *EFFECTS)]
        )
        for row in result.cells.itertuples(index=False):
            cells.add_row(
                str(row.feature),
                str(row.model),
                f"{row.cost_from:,.2f}",
                f"{row.cost_to:,.2f}",
                *(f"{getattr(row, n):+,.2f}" for n in EFFECTS),
            )
        console.print(cells)

    emit(
        format,
        out_path,
        table,
        lambda: (
            result.cells.to_csv(index=False) if format is Format.csv else json.dumps(data, indent=2, default=str) + "\n"
        ),
        width=160,
    )
    if chart:
        from aueb.charts.monitor import waterfall_chart  # plotly: the app/report extra

        write_text(
            chart,
            waterfall_chart(result.cost_from, result.cost_to, result.effects, a.label, b.label).to_html(
                include_plotlyjs="cdn"
            ),
        )

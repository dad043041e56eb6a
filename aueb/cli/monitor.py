"""`aueb monitor`: follow growing request logs into a state, with budgets, forecast and alerts;
`aueb changes`: what changed between two periods (LMDI)."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from aueb.cli.base import app, err, fail
from aueb.errors import InputError
from aueb.monitor import state as st
from aueb.monitor.budgets import load_budgets
from aueb.monitor.forecast import forecast, run_out
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
        rows = table if feature is None else table[table["feature"] == feature]
        series = rows.groupby("date")["cost"].sum()
        result = forecast(series, today)
        label = "total" if feature is None else feature
        text = f"{label}: month to date {result.month_to_date:,.2f} USD ({result.month}, through {today})"
        if result.p50 is not None:
            text += f"; month-end forecast P10 {result.p10:,.2f} · P50 {result.p50:,.2f} · P90 {result.p90:,.2f} USD"
        else:
            text += "; no forecast (under 7 days with cost in the last 28)"
        budget = budgets.get(feature)
        if budget:
            day = run_out(result, budget)
            text += f"; budget {budget:,.2f} USD, " + (f"runs out {day}" if day else "not run out this month")
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
        while True:
            try:
                result = st.cycle(con, source, feature_key, limits, clock, bool(webhook))
            except InputError as exc:
                fail(str(exc))
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

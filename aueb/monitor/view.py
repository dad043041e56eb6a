"""What the dashboard shows of a monitor's state, without streamlit: a snapshot file and the figures read from it.

A running monitor holds its DuckDB state open for writing, and DuckDB then refuses every other process,
readers included. So after each cycle that changed something the monitor writes a small snapshot
(`dashboard.duckdb` in the state folder: usage per day, feature, model and provider, and per input-token
bucket too, the alerts, the clock and the budgets) to a temporary file and renames it into place: a reader
opens either the old file or the new one, whole, and never holds a lock the monitor needs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from aueb.errors import InputError
from aueb.logs.sources import sql_text
from aueb.monitor.changes import Changes, Period, lmdi, period_cells
from aueb.monitor.forecast import Forecast, forecast, run_out
from aueb.monitor.state import TIER_KEYS, TIER_SUMS

SNAPSHOT_FILE = "dashboard.duckdb"
# How `aueb dashboard --state DIR --refresh S` tells the Usage page what to follow (Streamlit runs in a child).
MONITOR_STATE_ENV = "AUEB_MONITOR_STATE"
MONITOR_REFRESH_ENV = "AUEB_MONITOR_REFRESH"
SUMS = "calls, requests, input_tokens, cached_input_tokens, cache_write_input_tokens, output_tokens, cost"
ALERT_COLUMNS = ["rule", "feature", "period", "value", "threshold", "message", "raised_at"]


def write_snapshot(
    con: duckdb.DuckDBPyConnection, folder: Path, budgets: dict[str | None, float], now: datetime | None
) -> None:
    """Write the dashboard's snapshot of the state `con` (the monitor's connection) into `folder`."""
    final, scratch = folder / SNAPSHOT_FILE, folder / (SNAPSHOT_FILE + ".tmp")
    for leftover in (scratch, Path(f"{scratch}.wal")):  # of a monitor killed while writing one
        leftover.unlink(missing_ok=True)
    found = con.execute("SELECT value FROM meta WHERE key = 'clock'").fetchall()
    clock = now.isoformat() if now else (found[0][0] if found else None)
    cycle = con.execute("SELECT coalesce(max(cycle), 0) FROM usage").fetchall()[0][0]
    con.execute(f"ATTACH {sql_text(str(scratch))} AS snapshot")
    try:
        # The state's totals (one row per day, feature, model, provider, kept by each cycle): not the whole usage.
        con.execute(f"CREATE TABLE snapshot.usage AS SELECT day, feature, model, provider, {SUMS} FROM totals")
        # And per input-token bucket too (the state's tier_totals): what the what-changed split re-prices.
        con.execute(f"CREATE TABLE snapshot.tiers AS SELECT {TIER_KEYS}, {TIER_SUMS} FROM tier_totals")
        con.execute(
            "CREATE TABLE snapshot.alerts AS SELECT body, raised_cycle FROM alerts ORDER BY raised_cycle, rowid"
        )
        con.execute("CREATE TABLE snapshot.meta (key VARCHAR, value VARCHAR)")
        con.executemany(
            "INSERT INTO snapshot.meta VALUES (?, ?)",
            [
                ["clock", clock],
                ["cycle", str(cycle)],
                ["budgets", json.dumps({"total" if k is None else f"feature:{k}": v for k, v in budgets.items()})],
            ],
        )
    finally:
        con.execute("DETACH snapshot")
    os.replace(scratch, final)


@dataclass(frozen=True)
class MonitorView:
    """A monitor's state as the dashboard reads it."""

    folder: Path
    clock: datetime | None  # the monitor's clock (`--now` where given)
    cycle: int  # the state's last cycle
    budgets: dict[str | None, float]  # monthly, None: the total
    usage: pd.DataFrame  # day, feature, model, provider and the sums of SUMS
    alerts: pd.DataFrame  # ALERT_COLUMNS, in the order raised
    tiers: pd.DataFrame  # the usage per day, feature, model, provider and input-token bucket (state.tier_usage)

    @property
    def daily(self) -> pd.DataFrame:
        """date, feature, requests, cost: as aueb.monitor.state.daily gives them."""
        return (
            self.usage.groupby(["day", "feature"], as_index=False)[["requests", "cost"]]
            .sum()
            .rename(columns={"day": "date"})
        )

    @property
    def features(self) -> list[str | None]:
        """None (the total), then every feature of the state."""
        return [None, *sorted(str(f) for f in self.usage["feature"].dropna().unique())]


def snapshot_stamp(folder: Path) -> tuple[int, int] | None:
    """(mtime in ns, size) of the snapshot, None where there is none yet: what a cache is keyed on."""
    try:
        found = os.stat(folder / SNAPSHOT_FILE)
    except FileNotFoundError:
        return None
    return found.st_mtime_ns, found.st_size


def load(folder: Path) -> MonitorView:
    """The snapshot the monitor wrote in `folder` (read-only; it never blocks the monitor)."""
    path = folder / SNAPSHOT_FILE
    if not path.exists():
        raise InputError(
            f"--state {folder}: no dashboard snapshot there yet ({SNAPSHOT_FILE}); "
            f"`aueb monitor SOURCE --state {folder}` writes it after each cycle"
        )
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise InputError(f"--state {folder}: cannot read {SNAPSHOT_FILE} ({str(exc).splitlines()[0]})") from None
    try:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        usage = con.execute("SELECT * FROM usage ORDER BY day, feature, model, provider").df()
        has_tiers = con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'tiers'").fetchall()
        # A snapshot written before the tiers were kept: its usage rows, each then priced in the bucket of its mean.
        tiers = con.execute("SELECT * FROM tiers").df() if has_tiers else usage
        bodies = [json.loads(r[0]) for r in con.execute("SELECT body FROM alerts").fetchall()]
    finally:
        con.close()
    budgets = {
        None if k == "total" else k.removeprefix("feature:"): float(v) for k, v in json.loads(meta["budgets"]).items()
    }
    alerts = pd.DataFrame([{c: b.get(c) for c in ALERT_COLUMNS} for b in bodies], columns=ALERT_COLUMNS)
    clock = datetime.fromisoformat(meta["clock"]) if meta.get("clock") else None
    return MonitorView(folder, clock, int(meta["cycle"]), budgets, usage, alerts, tiers)


@dataclass(frozen=True)
class BudgetStatus:
    feature: str | None
    today: date  # the clock's day, complete
    forecast: Forecast
    budget: float | None
    runs_out: date | None  # None: no budget, or it does not run out this month

    @property
    def actual_days(self) -> int:
        """Days of the month with actual cost: the first through the clock's day."""
        return (self.today - self.forecast.days[0]).days + 1


def budget_status(
    daily: pd.DataFrame, feature: str | None, budgets: dict[str | None, float], today: date
) -> BudgetStatus:
    """Month to date, month-end forecast and run-out of one feature (None: the total); `daily`: date, feature, cost."""
    rows = daily if feature is None else daily[daily["feature"] == feature]
    result = forecast(rows.groupby("date")["cost"].sum(), today)
    budget = budgets.get(feature)
    return BudgetStatus(feature, today, result, budget, run_out(result, budget) if budget else None)


def open_alerts(view: MonitorView) -> pd.DataFrame:
    """The alerts of the clock's month (a month's alert of it, or a day's alert of one of its days), newest
    first: what is still open. Older alerts stay in the state (and in /metrics' aueb_alerts_total)."""
    if view.clock is None or view.alerts.empty:
        return view.alerts.iloc[0:0]
    month = view.clock.strftime("%Y-%m")
    current = view.alerts[view.alerts["period"].astype(str).str.startswith(month)]
    return current.iloc[::-1].reset_index(drop=True)


def to_date_periods(today: date, kind: str) -> tuple[Period, Period]:
    """This week (Monday through `today`) and the same days of last week; or this month (the 1st through
    `today`) and the same days of last month (through its last day where it is shorter)."""
    if kind == "week":
        start = today - timedelta(days=today.weekday())
        before = (start - timedelta(days=7), today - timedelta(days=7))
    elif kind == "month":
        start = today.replace(day=1)
        last = start - timedelta(days=1)
        before = (last.replace(day=1), last.replace(day=min(today.day, last.day)))
    else:
        raise ValueError(f"kind {kind!r}: week or month")
    return (
        Period(f"{before[0]}..{before[1]}", before[0], before[1]),
        Period(f"{start}..{today}", start, today),
    )


def what_changed(view: MonitorView, kind: str) -> tuple[Period, Period, Changes] | None:
    """The LMDI split of this week (or month) to date against the same days of the last one; None before
    the monitor has a clock."""
    if view.clock is None:
        return None
    a, b = to_date_periods(view.clock.date(), kind)
    return a, b, lmdi(period_cells(view.tiers, a, a.start), period_cells(view.tiers, b, a.start))

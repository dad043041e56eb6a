"""The monitor's state: a DuckDB file in the state folder holding usage increments per (day, feature,
model, provider), the files read so far (offset, size, checksums of what was read), the clock and the
alerts raised. A cycle's usage, file offsets, clock and new alerts are committed in ONE transaction, so
a monitor killed at any moment restarts from the last committed cycle: nothing lost, nothing doubled.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from aueb.errors import InputError
from aueb.logs.figures import CALLS_VIEW
from aueb.logs.ingest import READERS
from aueb.logs.pricing import price_of, register_prices
from aueb.logs.records import connect, normalise
from aueb.logs.sources import expand, open_source, sql_text
from aueb.monitor.alerts import Alert, evaluate, new_alerts
from aueb.monitor.pricing import price_calls

STATE_FILE = "state.duckdb"
LOCK_FILE = "monitor.lock"
CHECK_BYTES = 65536  # what the checksums cover: the file's first bytes, and the last bytes read

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS usage (day DATE, feature VARCHAR, user_id VARCHAR, model VARCHAR, provider VARCHAR,
    requests BIGINT, calls BIGINT, input_tokens BIGINT, cached_input_tokens BIGINT, cache_write_input_tokens BIGINT,
    output_tokens BIGINT, cost DOUBLE, cost_undiscounted DOUBLE, recorded_cost DOUBLE, recomputed_recorded DOUBLE,
    cycle BIGINT)""",
    """CREATE TABLE IF NOT EXISTS files (path VARCHAR PRIMARY KEY, format VARCHAR, header VARCHAR, "offset" BIGINT,
    head_sha VARCHAR, tail_sha VARCHAR, records BIGINT, bad BIGINT)""",
    # A state written before cache writes were counted gains the column (0 for its rows).
    "ALTER TABLE usage ADD COLUMN IF NOT EXISTS cache_write_input_tokens BIGINT DEFAULT 0",
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE TABLE IF NOT EXISTS pg_seen (request_id VARCHAR, ts TIMESTAMP)",
    """CREATE TABLE IF NOT EXISTS alerts (rule VARCHAR, feature VARCHAR, period VARCHAR, model VARCHAR, body VARCHAR,
    printed BOOLEAN, webhook_pending BOOLEAN, raised_cycle BIGINT)""",
)


class StateLocked(InputError):
    pass


class Lock:
    """An exclusive lock on a state folder; the holder's pid is written in the lock file."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / LOCK_FILE
        self.handle = open(self.path, "a+")  # noqa: SIM115 (held for the monitor's life)
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            pid = self.handle.read().strip() or "unknown"
            self.handle.close()
            raise StateLocked(f"--state {folder}: held by another monitor (pid {pid})") from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(str(os.getpid()))
        self.handle.flush()

    def release(self) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _sha(path: str, start: int, end: int) -> str:
    with open(path, "rb") as handle:
        handle.seek(start)
        return hashlib.sha256(handle.read(max(0, end - start))).hexdigest()


@dataclass
class CycleResult:
    records: int = 0
    bad: int = 0
    notes: list[str] = field(default_factory=list)  # truncation, rotation, malformed lines
    alerts: list[Alert] = field(default_factory=list)


def open_state(folder: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = folder / STATE_FILE
    if read_only and not path.exists():
        raise InputError(f"--state {folder}: no monitor state there ({STATE_FILE} missing)")
    if not read_only:
        folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        for statement in SCHEMA:
            con.execute(statement)
    return con


# The records in the shape ingest writes (`ignored` also covers merged duplicates, `bad` a problem), so
# that aueb.logs.figures' `calls` view prices each model call exactly as ingest does: at its date and
# input-token tier by aueb.pricing's table, cache reads and writes at their prices, a response-cache hit 0.
RECORDS_VIEW = """CREATE TEMP VIEW records AS SELECT * EXCLUDE (ignored, problem),
    ignored IS NOT NULL OR merged IS NOT NULL AS ignored, problem IS NOT NULL AS bad FROM source_records"""

# Per day, feature, user, model, provider: the priced calls summed; `recomputed_recorded` is the per-call
# recomputed cost of the calls that carry a recorded cost (the price check compares the two).
AGGREGATE = """
SELECT CAST(ts AS DATE) AS day, feature, user_id, coalesce(model, '') AS model, coalesce(provider, '') AS provider,
    count(*) AS requests, count(*) FILTER (NOT cache_hit) AS calls,
    coalesce(sum(input_tokens) FILTER (NOT cache_hit), 0) AS input_tokens,
    coalesce(sum(cached_input_tokens) FILTER (NOT cache_hit), 0) AS cached_input_tokens,
    coalesce(sum(cache_write_input_tokens) FILTER (NOT cache_hit), 0) AS cache_write_input_tokens,
    coalesce(sum(output_tokens) FILTER (NOT cache_hit), 0) AS output_tokens,
    sum(cost) AS cost, sum(list_cost) AS cost_undiscounted,
    sum(recorded_cost) AS recorded_cost, sum(cost) FILTER (recorded_cost IS NOT NULL) AS recomputed_recorded,
    max(ts) AS newest
FROM calls GROUP BY ALL
"""


def price_sums(rows: pd.DataFrame) -> pd.DataFrame:
    """Aggregated usage rows of a source that only gives sums (PostgreSQL) priced through
    aueb.monitor.pricing.price_calls at each row's day; every such row carries a recorded cost."""
    if rows.empty:
        return rows.assign(cost=[], cost_undiscounted=[], recomputed_recorded=[])
    priced = price_calls(rows)
    return rows.assign(
        cost=priced["cost"],
        cost_undiscounted=priced["cost_undiscounted"],
        recomputed_recorded=priced["cost"].where(rows["recorded_cost"].notna()),
    )


def read_new(
    con: duckdb.DuckDBPyConnection, patterns: list[str], feature_key: str | None
) -> tuple[pd.DataFrame, list[tuple], CycleResult]:
    """What is new in the files since the state's offsets: priced usage rows, the new file rows, notes."""
    result = CycleResult()
    known = {
        row[0]: row
        for row in con.execute(
            'SELECT path, format, header, "offset", head_sha, tail_sha, records, bad FROM files'
        ).fetchall()
    }
    parts, file_rows = [], []
    for path in expand(patterns):
        size = os.path.getsize(path)
        old = known.get(path)
        offset, before, bad_before = 0, 0, 0
        fmt, header = (old[1], old[2]) if old else (None, None)
        if old is not None:
            offset, before, bad_before = int(old[3]), int(old[6]), int(old[7])
            if size < offset:
                result.notes.append(
                    f"{path}: truncated ({size:,} bytes < {offset:,} read); reading it again from the start"
                )
                offset, fmt, header, before, bad_before = 0, None, None, 0, 0
            elif offset and (
                _sha(path, 0, min(offset, CHECK_BYTES)) != old[4]
                or _sha(path, max(0, offset - CHECK_BYTES), offset) != old[5]
            ):
                result.notes.append(f"{path}: rotated (what was read has changed); reading it again from the start")
                offset, fmt, header, before, bad_before = 0, None, None, 0, 0
        if size == offset:
            continue
        with open(path, "rb") as handle:
            handle.seek(offset)
            chunk = handle.read(size - offset)
        end = chunk.rfind(b"\n") + 1  # only whole lines; a partial last line waits for the next cycle
        if end == 0:
            continue
        chunk = chunk[:end]
        with tempfile.TemporaryDirectory(prefix="aueb-monitor-") as scratch:
            piece = Path(scratch) / Path(path).name
            if offset and header:
                piece.write_bytes(header.encode() + b"\n" + chunk)
            else:
                piece.write_bytes(chunk)
            try:
                source = open_source([str(piece)], fmt or "auto")
            except InputError as exc:
                raise InputError(str(exc).replace(str(piece), path)) from None
            if offset == 0:
                fmt = source.format
                header = chunk.split(b"\n", 1)[0].decode().rstrip("\r") if source.layout == "csv" else None
            mem = connect()
            try:
                mem.execute(
                    f"CREATE TEMP VIEW source_records AS {normalise(READERS[source.format](source, feature_key))}"
                )
                mem.execute(RECORDS_VIEW)
                bad = int(mem.execute("SELECT count(*) FROM records WHERE bad").fetchall()[0][0])
                pairs = mem.execute(
                    "SELECT DISTINCT model, provider FROM records WHERE NOT bad AND NOT ignored AND model IS NOT NULL"
                ).fetchall()
                register_prices(mem, [price_of(model, provider) for model, provider in pairs])
                mem.execute(CALLS_VIEW)
                rows = mem.execute(AGGREGATE).df()
            except duckdb.Error as exc:
                raise InputError(f"{path}: cannot read the {source.format} log ({str(exc).splitlines()[0]})") from None
            finally:
                mem.close()
        new_offset = offset + end
        records = int(rows["requests"].sum()) if len(rows) else 0
        result.records += records
        result.bad += bad
        if bad:
            result.notes.append(
                f"{path}: {bad} malformed record(s) in bytes {offset:,}-{new_offset:,} (left out, counted)"
            )
        parts.append(rows)
        file_rows.append(
            (
                path,
                fmt,
                header,
                new_offset,
                _sha(path, 0, min(new_offset, CHECK_BYTES)),
                _sha(path, max(0, new_offset - CHECK_BYTES), new_offset),
                before + records,
                bad_before + bad,
            )
        )
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return frame, file_rows, result


USAGE_COLUMNS = (
    "day, feature, user_id, model, provider, requests, calls, input_tokens, cached_input_tokens, "
    "cache_write_input_tokens, output_tokens, cost, cost_undiscounted, recorded_cost, recomputed_recorded"
)


def clock(con: duckdb.DuckDBPyConnection) -> datetime | None:
    found = con.execute("SELECT value FROM meta WHERE key = 'clock'").fetchall()
    return datetime.fromisoformat(found[0][0]) if found else None


def daily(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT day AS date, feature, sum(requests) AS requests, sum(cost) AS cost FROM usage GROUP BY ALL ORDER BY ALL"
    ).df()


def price_check_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """SELECT strftime(day, '%Y-%m') AS month, model, sum(recorded_cost) AS recorded_cost,
        sum(recomputed_recorded) AS recomputed_cost FROM usage WHERE recorded_cost IS NOT NULL AND model <> ''
        GROUP BY ALL ORDER BY ALL"""
    ).df()


def raised_keys(con: duckdb.DuckDBPyConnection) -> set[tuple]:
    return {tuple(r) for r in con.execute("SELECT rule, feature, period, model FROM alerts").fetchall()}


def cycle(
    con: duckdb.DuckDBPyConnection,
    patterns: list[str],
    feature_key: str | None,
    budgets: dict[str | None, float],
    now: datetime | None,
    webhook: bool,
) -> CycleResult:
    """Read what is new, then commit usage, file offsets, the clock and the new alerts in one transaction."""
    from aueb.monitor import postgres

    seen: list[tuple[str, datetime]] | None = None
    if postgres.is_postgres(patterns):
        found = con.execute("SELECT value FROM meta WHERE key = 'pg_watermark'").fetchall()
        watermark = datetime.fromisoformat(found[0][0]) if found else None
        ids = [r[0] for r in con.execute("SELECT request_id FROM pg_seen").fetchall()]
        raw, seen = postgres.read_postgres(patterns[0], feature_key, watermark, ids)
        rows = price_sums(raw) if len(raw) else raw
        file_rows: list[tuple] = []
        result = CycleResult(records=int(raw["requests"].sum()) if len(raw) else 0)
    else:
        rows, file_rows, result = read_new(con, patterns, feature_key)
    number = int(con.execute("SELECT coalesce(max(cycle), 0) + 1 FROM usage").fetchall()[0][0])
    con.execute("BEGIN TRANSACTION")
    try:
        if len(rows):
            newest = pd.Timestamp(rows["newest"].max()).to_pydatetime().replace(tzinfo=None)
            con.register("increment", rows)
            con.execute(f"INSERT INTO usage ({USAGE_COLUMNS}, cycle) SELECT {USAGE_COLUMNS}, {number} FROM increment")
            con.unregister("increment")
            old = clock(con)
            if old is None or newest > old:
                con.execute("INSERT OR REPLACE INTO meta VALUES ('clock', ?)", [newest.isoformat()])
        if seen and len(rows):
            newest_pg = pd.Timestamp(rows["newest"].max()).to_pydatetime().replace(tzinfo=None)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('pg_watermark', ?)", [newest_pg.isoformat()])
            con.executemany("INSERT INTO pg_seen VALUES (?, ?)", [[i, t.replace(tzinfo=None)] for i, t in seen])
            con.execute("DELETE FROM pg_seen WHERE ts <= ?", [newest_pg - postgres.GRACE])
        for row in file_rows:
            con.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(row))
        when = now or clock(con)
        if when is not None:
            table = daily(con)
            if len(table):
                today: date = when.date()
                fresh = new_alerts(
                    evaluate(table, budgets, today, when.isoformat(), price_check_rows(con)), raised_keys(con)
                )
                for alert in fresh:
                    con.execute(
                        "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, false, ?, ?)",
                        [*alert.key, json.dumps(alert.to_json()), webhook, number],
                    )
                result.alerts = fresh
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def unprinted(con: duckdb.DuckDBPyConnection) -> list[tuple[tuple, str]]:
    rows = con.execute(
        "SELECT rule, feature, period, model, body FROM alerts WHERE NOT printed ORDER BY raised_cycle, rowid"
    ).fetchall()
    return [((r[0], r[1], r[2], r[3]), r[4]) for r in rows]


def mark(con: duckdb.DuckDBPyConnection, key: tuple, column: str, value: bool) -> None:
    con.execute(
        f"UPDATE alerts SET {column} = ? WHERE rule = ? AND feature IS NOT DISTINCT FROM ? AND period = ? "
        "AND model IS NOT DISTINCT FROM ?",
        [value, *key],
    )


def sql_path(path: Path) -> str:
    return sql_text(str(path))

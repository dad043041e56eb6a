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
import pyarrow as pa
import pyarrow.compute as pc

from aueb.errors import InputError
from aueb.logs.ingest import READERS
from aueb.logs.records import connect, normalise
from aueb.logs.sources import expand, open_source, sql_text
from aueb.monitor.alerts import Alert, evaluate, new_alerts
from aueb.monitor.pricing import GROUP_SUMS, bucket_sql, price_groups

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
    # The usage summed per (day, feature, model, provider), kept up to date by each cycle in its transaction: what
    # the alerts, /metrics and the dashboard's snapshot read, so no cycle re-reads the whole usage table.
    """CREATE TABLE IF NOT EXISTS totals (day DATE, feature VARCHAR, model VARCHAR, provider VARCHAR,
    requests BIGINT, calls BIGINT, input_tokens BIGINT, cached_input_tokens BIGINT, cache_write_input_tokens BIGINT,
    output_tokens BIGINT, cost DOUBLE, cost_undiscounted DOUBLE, recorded_cost DOUBLE, recomputed_recorded DOUBLE)""",
    "CREATE TABLE IF NOT EXISTS pg_seen (request_id VARCHAR, ts TIMESTAMP)",
    """CREATE TABLE IF NOT EXISTS alerts (rule VARCHAR, feature VARCHAR, period VARCHAR, model VARCHAR, body VARCHAR,
    printed BOOLEAN, webhook_pending BOOLEAN, raised_cycle BIGINT)""",
    # The usage summed per (day, feature, model, provider, input-token bucket), kept by each cycle like `totals`:
    # what `aueb changes` re-prices at the reference prices, every call of a row in one tier of every model.
    """CREATE TABLE IF NOT EXISTS tier_totals (day DATE, feature VARCHAR, model VARCHAR, provider VARCHAR,
    bucket INTEGER, calls BIGINT, input_tokens BIGINT, cached_input_tokens BIGINT, cache_write_input_tokens BIGINT,
    output_tokens BIGINT, cost DOUBLE)""",
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
        if not con.execute("SELECT 1 FROM meta WHERE key = 'totals'").fetchall():
            # A state written before the totals were kept (or a new one): they are built once from its usage.
            con.execute("BEGIN TRANSACTION")
            con.execute("DELETE FROM totals")
            con.execute(f"INSERT INTO totals ({TOTALS_KEYS}, {TOTALS_SUMS}) {_totals_sql('usage')}")
            con.execute("INSERT INTO meta VALUES ('totals', '1')")
            con.execute("COMMIT")
        if not con.execute("SELECT 1 FROM meta WHERE key = 'tier_totals'").fetchall():
            # A state written before the tier totals were kept (or a new one): built once from its usage.
            con.execute("BEGIN TRANSACTION")
            con.execute("DELETE FROM tier_totals")
            con.execute(f"INSERT INTO tier_totals ({TIER_KEYS}, {TIER_SUMS}) {tier_totals_sql('usage')}")
            con.execute("INSERT INTO meta VALUES ('tier_totals', '1')")
            con.execute("COMMIT")
    return con


TOTALS_KEYS = "day, feature, model, provider"
TOTALS_SUMS = (
    "requests, calls, input_tokens, cached_input_tokens, cache_write_input_tokens, output_tokens, cost, "
    "cost_undiscounted, recorded_cost, recomputed_recorded"
)


def _totals_sql(rows: str) -> str:
    sums = ", ".join(f"sum({c}) AS {c}" for c in TOTALS_SUMS.split(", "))
    return f"SELECT {TOTALS_KEYS}, {sums} FROM {rows} GROUP BY {TOTALS_KEYS}"


def _add_to_totals(con: duckdb.DuckDBPyConnection, increment: str) -> None:
    """Add the usage rows `increment` to `totals`: only the (day, feature, model, provider) keys it touches are
    rewritten (inside the cycle's transaction)."""
    keys = " AND ".join(f"t.{k} IS NOT DISTINCT FROM i.{k}" for k in TOTALS_KEYS.split(", "))
    touched = f"EXISTS (SELECT 1 FROM (SELECT DISTINCT {TOTALS_KEYS} FROM {increment}) i WHERE {keys})"
    columns = f"{TOTALS_KEYS}, {TOTALS_SUMS}"
    both = f"(SELECT {columns} FROM totals t WHERE {touched} UNION ALL SELECT {columns} FROM {increment})"
    con.execute(f"CREATE OR REPLACE TEMP TABLE merged_totals AS {_totals_sql(both)}")
    con.execute(f"DELETE FROM totals t WHERE {touched}")
    con.execute(f"INSERT INTO totals ({columns}) SELECT {columns} FROM merged_totals")
    con.execute("DROP TABLE merged_totals")


TIER_KEYS = "day, feature, model, provider, bucket"
TIER_SUMS = "calls, input_tokens, cached_input_tokens, cache_write_input_tokens, output_tokens, cost"


def tier_totals_sql(rows: str) -> str:
    """Usage rows `rows` (day, feature, model, provider, calls, token sums, cost) summed per TIER_KEYS. Each usage
    row is one call-group of `groups_sql` (or of the PostgreSQL aggregate): all its calls in one input-token bucket,
    so its mean input tokens per call lie in that bucket, and the bucket of the mean is the bucket of its calls."""
    bucket = bucket_sql("(input_tokens / calls)")
    sums = ", ".join(f"sum({c}) AS {c}" for c in TIER_SUMS.split(", "))
    return f"""SELECT day, feature, model, provider, CASE WHEN calls > 0 THEN {bucket} ELSE 0 END AS bucket, {sums}
FROM {rows} GROUP BY ALL"""


def _add_to_tier_totals(con: duckdb.DuckDBPyConnection, increment: str) -> None:
    """Add the usage rows `increment` to `tier_totals`, rewriting only the keys it touches (as `_add_to_totals`)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE tier_increment AS {tier_totals_sql(increment)}")
    keys = " AND ".join(f"t.{k} IS NOT DISTINCT FROM i.{k}" for k in TIER_KEYS.split(", "))
    touched = f"EXISTS (SELECT 1 FROM tier_increment i WHERE {keys})"
    columns = f"{TIER_KEYS}, {TIER_SUMS}"
    sums = ", ".join(f"sum({c}) AS {c}" for c in TIER_SUMS.split(", "))
    both = f"SELECT {columns} FROM tier_totals t WHERE {touched} UNION ALL SELECT {columns} FROM tier_increment"
    con.execute(f"CREATE OR REPLACE TEMP TABLE merged_tiers AS SELECT {TIER_KEYS}, {sums} FROM ({both}) GROUP BY ALL")
    con.execute(f"DELETE FROM tier_totals t WHERE {touched}")
    con.execute(f"INSERT INTO tier_totals ({columns}) SELECT {columns} FROM merged_tiers")
    con.execute("DROP TABLE merged_tiers")
    con.execute("DROP TABLE tier_increment")


def tier_usage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The state's usage per TIER_KEYS (what `aueb changes` prices); from the usage itself for a state opened
    read-only that was written before `tier_totals` existed."""
    found = con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'tier_totals'").fetchall()
    if found and con.execute("SELECT 1 FROM meta WHERE key = 'tier_totals'").fetchall():
        return con.execute(f"SELECT {TIER_KEYS}, {TIER_SUMS} FROM tier_totals").df()
    return con.execute(tier_totals_sql("usage")).df()


# The new records of a chunk in ONE pass, summed per (bad, ignored, UTC day, feature, user, model, provider,
# response-cache hit, recorded cost present, input-token bucket): aueb.monitor.pricing.price_groups then prices
# the groups exactly as it would price each call (every call of a group has the same price row).
def groups_sql(records: str) -> str:
    sums = ", ".join(f"sum({c}) AS {c}" for c in GROUP_SUMS)
    return f"""
SELECT problem IS NOT NULL AS bad, ignored IS NOT NULL OR merged IS NOT NULL AS ignored, CAST(ts AS DATE) AS day,
    feature, user_id, model, provider, cache_hit, recorded_cost IS NOT NULL AS recorded, {bucket_sql()} AS bucket,
    count(*) AS requests, min(input_tokens) AS tier_tokens, max(ts) AS newest, {sums},
    sum(recorded_cost) AS recorded_cost
FROM ({records}) GROUP BY ALL
"""


def newest_of(rows: pa.Table) -> datetime | None:
    """The newest record's time of priced usage rows (naive UTC)."""
    found = pc.max(rows["newest"]).as_py() if len(rows) else None
    return None if found is None else found.replace(tzinfo=None)


def requests_of(rows: pa.Table) -> int:
    return int(pc.sum(rows["requests"]).as_py() or 0) if len(rows) else 0


def read_new(
    con: duckdb.DuckDBPyConnection, patterns: list[str], feature_key: str | None
) -> tuple[pa.Table, list[tuple], CycleResult]:
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
                header = chunk[: chunk.find(b"\n")].decode().rstrip("\r") if source.layout == "csv" else None
            mem = connect()
            try:
                sql = normalise(READERS[source.format](source, feature_key))
                mem.execute(f"CREATE TEMP TABLE groups AS {groups_sql(sql)}")
                bad = int(mem.execute("SELECT coalesce(sum(requests), 0) FROM groups WHERE bad").fetchall()[0][0])
                rows = price_groups(mem, "groups")
            except duckdb.Error as exc:
                raise InputError(f"{path}: cannot read the {source.format} log ({str(exc).splitlines()[0]})") from None
            finally:
                mem.close()
        new_offset = offset + end
        records = requests_of(rows)
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
    frame = pa.concat_tables(parts) if parts else pa.table({})
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
        "SELECT day AS date, feature, sum(requests) AS requests, sum(cost) AS cost FROM totals GROUP BY ALL "
        "ORDER BY ALL"
    ).df()


def price_check_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """SELECT strftime(day, '%Y-%m') AS month, model, sum(recorded_cost) AS recorded_cost,
        sum(recomputed_recorded) AS recomputed_cost FROM totals WHERE recorded_cost IS NOT NULL AND model <> ''
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
        rows, seen = postgres.read_postgres(patterns[0], feature_key, watermark, ids)
        file_rows: list[tuple] = []
        result = CycleResult(records=requests_of(rows))
    else:
        rows, file_rows, result = read_new(con, patterns, feature_key)
    number = int(con.execute("SELECT coalesce(max(cycle), 0) + 1 FROM usage").fetchall()[0][0])
    con.execute("BEGIN TRANSACTION")
    try:
        newest = newest_of(rows)
        if newest is not None:
            con.register("increment", rows)
            con.execute(f"INSERT INTO usage ({USAGE_COLUMNS}, cycle) SELECT {USAGE_COLUMNS}, {number} FROM increment")
            _add_to_totals(con, "increment")
            _add_to_tier_totals(con, "increment")
            con.unregister("increment")
            old = clock(con)
            if old is None or newest > old:
                con.execute("INSERT OR REPLACE INTO meta VALUES ('clock', ?)", [newest.isoformat()])
        if seen and newest is not None:
            newest_pg = newest
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

"""Benchmark of `aueb monitor`: a state of --records records, then a cycle reading --increment new ones;
a /metrics scrape; a PostgreSQL source of --pg-rows SpendLogs rows, first cycle and one of --pg-increment.

Targets (issue 19): 10M state + 1M increment < 10 s, scrape < 100 ms, peak RSS < 1,500 MB.
The increment's seconds are one cycle as `aueb monitor` runs it: read, price and commit, then the
dashboard's snapshot. peak_rss_mb is the file part's (this process); the PostgreSQL part runs in a child
process whose peak RSS goes to stderr (the server itself in its own). The full size needs about
1.2 GB of free disk under $TMPDIR for the CSV files.
Last line: seconds_1m_increment=<s> scrape_ms=<ms> pg_first_s=<s> pg_increment_s=<s> peak_rss_mb=<mb>
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from aueb.monitor import state as st  # noqa: E402
from aueb.monitor.metrics import serve  # noqa: E402
from aueb.monitor.view import write_snapshot  # noqa: E402

FILE_RECORDS = 1_000_000

GEN = """COPY (SELECT TIMESTAMP '2026-08-01' + to_seconds((i * 5184000 // {n})::BIGINT) AS timestamp,
    ['support', 'search', 'summary'][1 + i % 3] AS feature, 'user-' || (i % 5000) AS user,
    ['gpt-4o', 'gpt-4o-mini'][1 + i % 2] AS model, 'openai' AS provider, 1000 + i % 700 AS input_tokens,
    (i % 3) * 128 AS cached_input_tokens, 100 + i % 300 AS output_tokens, false AS cache_hit, NULL AS cost
    FROM range({start}, {stop}) t(i)) TO '{path}' (HEADER, DELIMITER ',')"""


def _csv(path: Path, start: int, stop: int, n: int) -> None:
    duckdb.execute(GEN.format(start=start, stop=stop, n=n, path=path))


def _pg(rows: int, increment: int) -> tuple[float, float]:
    import psycopg

    from tests.test_monitor_postgres import postgres_server  # LiteLLM's schema.prisma table on a real server

    insert = """INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, spend, prompt_tokens, completion_tokens,
        "startTime", "endTime",
        model, custom_llm_provider, end_user, metadata)
        SELECT 'r' || i, 'acompletion', 0.001, 1000 + i %% 700, 100 + i %% 300,
        TIMESTAMP '2026-08-01' + i * INTERVAL '2 seconds',
        TIMESTAMP '2026-08-01' + i * INTERVAL '2 seconds', 'gpt-4o', 'openai', 'u' || (i %% 5000),
        jsonb_build_object('feature', (ARRAY['support','search','summary'])[1 + i %% 3])
        FROM generate_series(%s, %s) i"""
    with postgres_server() as url, tempfile.TemporaryDirectory() as folder:
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute(insert, [1, rows])
        con = st.open_state(Path(folder))
        t0 = time.perf_counter()
        st.cycle(con, [url], "feature", {}, None, False)
        first = time.perf_counter() - t0
        with psycopg.connect(url, autocommit=True) as pg:
            pg.execute(insert, [rows + 1, rows + increment])
        t0 = time.perf_counter()
        st.cycle(con, [url], "feature", {}, None, False)
        second = time.perf_counter() - t0
        con.close()
    return first, second


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _own_rss_mb() -> float:
    """This process's own peak RSS: VmHWM of its address space. ru_maxrss of a child started by fork and exec
    also keeps the peak of the forked copy of its parent (Linux records it at exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return _rss_mb()


def _scrape(port: int) -> float:
    t0 = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=60) as response:
        response.read()
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--increment", type=int, default=1_000_000)
    parser.add_argument("--pg-rows", type=int, default=2_000_000)
    parser.add_argument("--pg-increment", type=int, default=100_000)
    parser.add_argument("--pg-only", action="store_true", help=argparse.SUPPRESS)  # the child of the PostgreSQL part
    args = parser.parse_args()
    if args.pg_only:
        print(*_pg(args.pg_rows, args.pg_increment), _own_rss_mb())
        return
    total = args.records + args.increment
    with tempfile.TemporaryDirectory(prefix="aueb-bench-monitor-") as scratch:
        root = Path(scratch)
        # The state is built from files of at most FILE_RECORDS records: a cycle reads what is new file by
        # file, so each file's new bytes are in memory at once, never the whole 10M.
        print(f"writing {args.records:,} records", file=sys.stderr)
        for number, start in enumerate(range(0, args.records, FILE_RECORDS)):
            _csv(root / f"a{number:04d}.csv", start, min(start + FILE_RECORDS, args.records), total)
        state = root / "s"
        con = st.open_state(state)
        t0 = time.perf_counter()
        st.cycle(con, [str(root / "*.csv")], None, {}, None, False)
        write_snapshot(con, state, {None: 1e6}, None)
        print(
            f"first cycle ({args.records:,} records): {time.perf_counter() - t0:.1f} s, peak RSS {_rss_mb():.0f} MB",
            file=sys.stderr,
        )
        server, exposition = serve("127.0.0.1:0", con, {None: 1e6}, None)  # as `--metrics-address` serves it
        port = server[0].server_port if isinstance(server, tuple) else server.server_port  # type: ignore[index,attr-defined]
        _csv(root / "b.csv", args.records, total, total)
        # One monitor cycle as `aueb monitor` runs it: read, price, commit, then the dashboard's snapshot and
        # the metrics of the new state.
        t0, cpu0 = time.perf_counter(), time.process_time()
        result = st.cycle(con, [str(root / "*.csv")], None, {}, None, False)
        read = time.perf_counter() - t0
        write_snapshot(con, state, {None: 1e6}, None)
        exposition.refresh()
        increment = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        assert result.records == args.increment, result.records
        print(
            f"increment: cycle {read:.2f} s + snapshot and metrics {increment - read:.2f} s "
            f"({cpu:.2f} CPU s, all threads)",
            file=sys.stderr,
        )
        first_scrape = _scrape(port)  # the first after the cycle: the metrics were computed by the cycle
        scrape = _scrape(port)
        print(f"scrape: first after the cycle {first_scrape:.1f} ms, then {scrape:.1f} ms", file=sys.stderr)
        scrape = max(scrape, first_scrape)  # the figure is the slower of the two
        con.close()
    pg_first = pg_increment = float("nan")
    if Path("/usr/lib/postgresql/15/bin/initdb").exists() and args.pg_rows:
        # In a child process: the RSS target is the file state's; the database source's is said on its own.
        child = [sys.executable, __file__, "--pg-only", "--pg-rows", str(args.pg_rows)]
        done = subprocess.run([*child, "--pg-increment", str(args.pg_increment)], capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"the PostgreSQL part failed: {done.stderr[-2000:]}")
        pg_first, pg_increment, pg_rss = map(float, done.stdout.split())
        print(f"PostgreSQL source (its own process): peak RSS {pg_rss:.0f} MB", file=sys.stderr)
    print(
        f"records={args.records} increment={args.increment} pg_rows={args.pg_rows} pg_increment={args.pg_increment}",
        file=sys.stderr,
    )
    print(
        f"seconds_1m_increment={increment:.2f} scrape_ms={scrape:.1f} pg_first_s={pg_first:.2f} "
        f"pg_increment_s={pg_increment:.2f} peak_rss_mb={_rss_mb():.0f}"
    )


if __name__ == "__main__":
    main()

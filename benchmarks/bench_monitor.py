"""Benchmark of `aueb monitor`: a state of --records records, then a cycle reading --increment new ones;
a /metrics scrape; a PostgreSQL source of --pg-rows SpendLogs rows, first cycle and one of --pg-increment.

Targets (issue 19): 10M state + 1M increment < 10 s, scrape < 100 ms, peak RSS < 1,500 MB.
Last line: seconds_1m_increment=<s> scrape_ms=<ms> pg_first_s=<s> pg_increment_s=<s> peak_rss_mb=<mb>
"""

from __future__ import annotations

import argparse
import resource
import shutil
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

GEN = """COPY (SELECT TIMESTAMP '2026-08-01' + to_seconds((i * 5184000 // {n})::BIGINT) AS timestamp,
    ['support', 'search', 'summary'][1 + i % 3] AS feature, 'user-' || (i % 5000) AS user,
    ['gpt-4o', 'gpt-4o-mini'][1 + i % 2] AS model, 'openai' AS provider, 1000 + i % 700 AS input_tokens,
    (i % 3) * 128 AS cached_input_tokens, 100 + i % 300 AS output_tokens, false AS cache_hit, NULL AS cost
    FROM range({start}, {stop}) t(i)) TO '{path}' (HEADER, DELIMITER ',')"""


def _csv(path: Path, start: int, stop: int, n: int) -> None:
    duckdb.execute(GEN.format(start=start, stop=stop, n=n, path=path))


def _pg(rows: int, increment: int) -> tuple[float, float]:
    import psycopg

    from tests.test_monitor_postgres import BIN, SPEND_LOGS_DDL, _port  # the DDL of LiteLLM's schema.prisma

    root = Path(tempfile.mkdtemp(prefix="aueb-pgbench-"))
    shutil.chown(root, "postgres", "postgres")
    run, port = ["runuser", "-u", "postgres", "--"], _port()
    subprocess.run(
        [*run, str(BIN / "initdb"), "-D", str(root / "d"), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *run,
            str(BIN / "pg_ctl"),
            "-D",
            str(root / "d"),
            "-l",
            str(root / "log"),
            "-w",
            "-o",
            f"-h 127.0.0.1 -p {port} -k {root}",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    insert = """INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, spend, prompt_tokens, completion_tokens,
        "startTime", "endTime",
        model, custom_llm_provider, end_user, metadata)
        SELECT 'r' || i, 'acompletion', 0.001, 1000 + i %% 700, 100 + i %% 300,
        TIMESTAMP '2026-08-01' + i * INTERVAL '2 seconds',
        TIMESTAMP '2026-08-01' + i * INTERVAL '2 seconds', 'gpt-4o', 'openai', 'u' || (i %% 5000),
        jsonb_build_object('feature', (ARRAY['support','search','summary'])[1 + i %% 3])
        FROM generate_series(%s, %s) i"""
    try:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(SPEND_LOGS_DDL)
            con.execute(insert, [1, rows])
        with tempfile.TemporaryDirectory() as folder:
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
    finally:
        subprocess.run([*run, str(BIN / "pg_ctl"), "-D", str(root / "d"), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--increment", type=int, default=1_000_000)
    parser.add_argument("--pg-rows", type=int, default=2_000_000)
    parser.add_argument("--pg-increment", type=int, default=100_000)
    args = parser.parse_args()
    total = args.records + args.increment
    with tempfile.TemporaryDirectory(prefix="aueb-bench-monitor-") as scratch:
        root = Path(scratch)
        print(f"writing {args.records:,} records", file=sys.stderr)
        _csv(root / "a.csv", 0, args.records, total)
        con = st.open_state(root / "s")
        t0 = time.perf_counter()
        st.cycle(con, [str(root / "*.csv")], None, {}, None, False)
        print(f"first cycle ({args.records:,} records): {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        _csv(root / "b.csv", args.records, total, total)
        t0 = time.perf_counter()
        result = st.cycle(con, [str(root / "*.csv")], None, {}, None, False)
        increment = time.perf_counter() - t0
        assert result.records == args.increment, result.records
        server = serve("127.0.0.1:0", con, {None: 1e6}, None)
        port = server[0].server_port if isinstance(server, tuple) else server.server_port
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read()
        t0 = time.perf_counter()
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read()
        scrape = (time.perf_counter() - t0) * 1000
        con.close()
    pg_first = pg_increment = float("nan")
    if Path("/usr/lib/postgresql/15/bin/initdb").exists() and args.pg_rows:
        pg_first, pg_increment = _pg(args.pg_rows, args.pg_increment)
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 0) / 1024
    print(
        f"records={args.records} increment={args.increment} pg_rows={args.pg_rows} pg_increment={args.pg_increment}",
        file=sys.stderr,
    )
    print(
        f"seconds_1m_increment={increment:.2f} scrape_ms={scrape:.1f} pg_first_s={pg_first:.2f} "
        f"pg_increment_s={pg_increment:.2f} peak_rss_mb={rss:.0f}"
    )


if __name__ == "__main__":
    main()

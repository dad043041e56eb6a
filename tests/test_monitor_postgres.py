"""`aueb monitor postgresql://...` against a real PostgreSQL 15 server holding LiteLLM's SpendLogs table."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from aueb.cli import app

BIN = Path("/usr/lib/postgresql/15/bin")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (BIN / "initdb").exists(), reason="PostgreSQL 15 server binaries (Debian postgresql) absent"
    ),
]

# LiteLLM_SpendLogs as BerriAI/litellm's schema.prisma defines it (Prisma's PostgreSQL types:
# String TEXT, Int INTEGER, Float DOUBLE PRECISION, DateTime TIMESTAMP(3), Json JSONB).
SPEND_LOGS_DDL = """
CREATE TABLE "LiteLLM_SpendLogs" (
    "request_id" TEXT NOT NULL,
    "call_type" TEXT NOT NULL,
    "api_key" TEXT NOT NULL DEFAULT '',
    "spend" DOUBLE PRECISION NOT NULL DEFAULT 0.0,
    "total_tokens" INTEGER NOT NULL DEFAULT 0,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "startTime" TIMESTAMP(3) NOT NULL,
    "endTime" TIMESTAMP(3) NOT NULL,
    "request_duration_ms" INTEGER,
    "completionStartTime" TIMESTAMP(3),
    "model" TEXT NOT NULL DEFAULT '',
    "model_id" TEXT DEFAULT '',
    "model_group" TEXT DEFAULT '',
    "custom_llm_provider" TEXT DEFAULT '',
    "api_base" TEXT DEFAULT '',
    "user" TEXT DEFAULT '',
    "metadata" JSONB DEFAULT '{}',
    "cache_hit" TEXT DEFAULT '',
    "cache_key" TEXT DEFAULT '',
    "request_tags" JSONB DEFAULT '[]',
    "team_id" TEXT,
    "organization_id" TEXT,
    "end_user" TEXT,
    "requester_ip_address" TEXT,
    "messages" JSONB DEFAULT '{}',
    "response" JSONB DEFAULT '{}',
    "session_id" TEXT,
    "status" TEXT,
    "mcp_namespaced_tool_name" TEXT,
    "agent_id" TEXT,
    "proxy_server_request" JSONB DEFAULT '{}',
    CONSTRAINT "LiteLLM_SpendLogs_pkey" PRIMARY KEY ("request_id")
);
CREATE INDEX "LiteLLM_SpendLogs_startTime_idx" ON "LiteLLM_SpendLogs"("startTime");
CREATE INDEX "LiteLLM_SpendLogs_startTime_request_id_idx" ON "LiteLLM_SpendLogs"("startTime", "request_id");
CREATE INDEX "LiteLLM_SpendLogs_end_user_idx" ON "LiteLLM_SpendLogs"("end_user");
CREATE INDEX "LiteLLM_SpendLogs_session_id_idx" ON "LiteLLM_SpendLogs"("session_id");
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_server() -> Iterator[str]:
    """initdb + pg_ctl as the postgres user, data in a temp dir it owns, on a free port of 127.0.0.1, with
    LiteLLM's SpendLogs table; yields its URL and stops it afterwards (benchmarks/bench_monitor.py uses it too)."""
    root = Path(tempfile.mkdtemp(prefix="aueb-pg-"))
    shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _port()
    run = ["runuser", "-u", "postgres", "--"]
    try:
        subprocess.run(
            [*run, str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *run,
                str(BIN / "pg_ctl"),
                "-D",
                str(data),
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
        import psycopg

        with psycopg.connect(url, autocommit=True) as con:
            con.execute(SPEND_LOGS_DDL)
        yield url
    finally:
        subprocess.run([*run, str(BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def server():
    with postgres_server() as url:
        yield url


def _insert(url: str, rows: list[tuple]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.cursor().executemany(
            'INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, spend, prompt_tokens, completion_tokens, '
            'total_tokens, "startTime", "endTime", model, custom_llm_provider, end_user, metadata, cache_hit) '
            "VALUES (%s, 'acompletion', %s, %s, %s, %s, %s, %s, %s, 'openai', %s, %s, %s)",
            rows,
        )


def _row(i: int, when: datetime, feature: str = "support", spend: float | None = None, hit: bool = False):
    n_in, n_out, cached = 1000, 200, 400
    cost = (600 * 2.5 + 400 * 1.25 + 200 * 10.0) / 1e6  # gpt-4o
    meta = {"feature": feature, "usage_object": {"prompt_tokens_details": {"cached_tokens": cached}}}
    return (
        f"req-{i}",
        cost if spend is None else spend,
        n_in,
        n_out,
        n_in + n_out,
        when,
        when,
        "gpt-4o",
        f"user-{i % 7}",
        json.dumps(meta),
        "True" if hit else "False",
    )


def _usage(state: Path):
    con = duckdb.connect(str(state / "state.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT day, feature, sum(requests), sum(calls), sum(input_tokens), sum(cached_input_tokens), "
            "round(sum(cost), 12), round(sum(recorded_cost), 12) FROM usage GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def test_postgres_source_pushes_down_counts_late_rows_once_and_raises_planted_alerts(server, tmp_path):
    start = datetime(2026, 9, 1, 12)
    rows = [_row(d * 100 + k, start + timedelta(days=d, minutes=k)) for d in range(14) for k in range(10)]
    rows += [_row(9000 + k, start + timedelta(days=14, minutes=k)) for k in range(60)]  # day 15: 6x the volume
    rows.append(_row(9999, start + timedelta(days=14, hours=1), hit=True))
    _insert(server, rows)
    state = tmp_path / "s"
    runner = CliRunner()
    first = runner.invoke(app, ["monitor", server, "--state", str(state), "--once", "--feature-key", "feature"])
    assert first.exit_code == 0, first.output
    alerts = [json.loads(x) for x in first.stdout.splitlines() if x.startswith("{")]
    assert ("anomaly", "support", "2026-09-15") in {(a["rule"], a["feature"], a["period"]) for a in alerts}
    usage = _usage(state)
    assert sum(u[2] for u in usage) == len(rows) and sum(u[3] for u in usage) == len(rows) - 1
    # A late row (inside the grace window, before the watermark) and a new one: each counted once.
    newest = start + timedelta(days=14, hours=1)
    _insert(server, [_row(20000, newest - timedelta(minutes=5)), _row(20001, newest + timedelta(minutes=1))])
    second = runner.invoke(app, ["monitor", server, "--state", str(state), "--once", "--feature-key", "feature"])
    assert second.exit_code == 0, second.output
    assert "2 new records" in second.output
    again = runner.invoke(app, ["monitor", server, "--state", str(state), "--once", "--feature-key", "feature"])
    assert "0 new records" in again.output and not [x for x in again.stdout.splitlines() if x.startswith("{")]
    # Same as one cycle over everything.
    whole = tmp_path / "whole"
    assert (
        runner.invoke(app, ["monitor", server, "--state", str(whole), "--once", "--feature-key", "feature"]).exit_code
        == 0
    )
    assert _usage(state) == _usage(whole)
    cost = sum(u[6] for u in _usage(whole))
    assert cost == pytest.approx((len(rows) + 1) * (600 * 2.5 + 400 * 1.25 + 200 * 10.0) / 1e6, rel=1e-9)


def test_postgres_rows_are_priced_call_by_call_in_their_own_tier(server, tmp_path):
    """Two gpt-5.4 calls of one user on one day, one short and one above the 272k long-context threshold:
    each is priced in its own tier (summing them first would put both in the long-context tier)."""
    import psycopg

    from aueb.pricing import request_cost

    when = datetime(2026, 10, 3, 9)
    calls = [(40_000, 0, 300), (300_000, 0, 500)]  # input (cache reads included), cached, output
    with psycopg.connect(server, autocommit=True) as con:
        con.execute('DELETE FROM "LiteLLM_SpendLogs"')
        con.cursor().executemany(
            'INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, spend, prompt_tokens, completion_tokens, '
            '"startTime", "endTime", model, custom_llm_provider, end_user, metadata) '
            "VALUES (%s, 'acompletion', 0.01, %s, %s, %s, %s, 'gpt-5.4', 'openai', 'u1', %s)",
            [
                (
                    f"tier-{i}",
                    n_in,
                    n_out,
                    when + timedelta(minutes=i),
                    when + timedelta(minutes=i),
                    '{"feature": "chat"}',
                )
                for i, (n_in, _, n_out) in enumerate(calls)
            ],
        )
    state = tmp_path / "s"
    result = CliRunner().invoke(app, ["monitor", server, "--state", str(state), "--once", "--feature-key", "feature"])
    assert result.exit_code == 0, result.output
    expected = sum(request_cost("openai", "gpt-5.4", n_in, n_c, 0, n_out, when) for n_in, n_c, n_out in calls)
    summed = 2 * request_cost("openai", "gpt-5.4", 170_000, 0, 0, 400, when)  # the mean call, in the short tier
    long_tier = request_cost("openai", "gpt-5.4", 340_000, 0, 0, 800, when)  # the sums, in the long-context tier
    cost = sum(u[6] for u in _usage(state))
    assert cost == pytest.approx(expected, rel=1e-12)
    assert cost != pytest.approx(summed, rel=1e-3) and cost != pytest.approx(long_tier, rel=1e-3)
    with psycopg.connect(server, autocommit=True) as con:  # the module's server, left empty for any other test
        con.execute('DELETE FROM "LiteLLM_SpendLogs"')

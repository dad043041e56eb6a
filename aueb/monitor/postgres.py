"""A LiteLLM proxy database as a monitor source: `LiteLLM_SpendLogs` (schema.prisma of BerriAI/litellm).

The aggregation the figures need (per day, feature, user, model, provider) runs inside PostgreSQL; only
aggregates travel, plus the request ids of the rows inside the grace window. The watermark is the newest
startTime read; each cycle reads rows with startTime after (watermark - grace) whose request_id was not
counted yet, so a row that arrives late (up to the grace window) is counted once.

The groups are also split by response-cache hit, recorded cost present and input-token bucket
(aueb.monitor.pricing.bucket_sql: the catalog's tier thresholds), so every call of a group has one price
row at its day and aueb.monitor.pricing.price_groups prices the sums exactly as it would price each call.
They travel through a server-side cursor, BATCH rows at a time, into an in-memory DuckDB table: the
monitor never holds more than one batch as Python objects.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pyarrow as pa

from aueb.errors import InputError
from aueb.logs.records import connect
from aueb.monitor.pricing import bucket_sql, price_groups

GRACE = timedelta(minutes=10)
BATCH = 50_000  # aggregate rows fetched at a time
WORK_MEM = "128MB"  # the monitor's session's sort memory on the server (PostgreSQL's default: 4MB)
TABLE = '"LiteLLM_SpendLogs"'


def is_postgres(source: list[str]) -> bool:
    return len(source) == 1 and source[0].startswith(("postgresql://", "postgres://"))


def _feature_sql(feature_key: str | None) -> tuple[str, list[str]]:
    if not feature_key:
        return "NULL::text", []
    return (
        "coalesce(metadata->>%s, metadata->'spend_logs_metadata'->>%s, "
        "(SELECT substr(t, length(%s) + 2) FROM jsonb_array_elements_text("
        "CASE WHEN jsonb_typeof(request_tags) = 'array' THEN request_tags ELSE '[]'::jsonb END) AS t "
        "WHERE t LIKE %s LIMIT 1))",
        [feature_key, feature_key, feature_key, feature_key.replace("%", r"\%").replace("_", r"\_") + ":%"],
    )


AGGREGATE = """
WITH rows AS (
    SELECT "startTime" AS ts, request_id,
        coalesce(nullif(trim({feature}), ''), 'unattributed') AS feature,
        coalesce(nullif(end_user, ''), nullif("user", '')) AS user_id,
        coalesce(model, '') AS model, lower(coalesce(custom_llm_provider, '')) AS provider,
        coalesce(lower(cache_hit), '') IN ('true', 't', '1', 'yes') AS hit,
        prompt_tokens::bigint AS n_in,
        coalesce((metadata->'usage_object'->'prompt_tokens_details'->>'cached_tokens')::numeric,
                 (metadata->'usage_object'->>'cache_read_input_tokens')::numeric, 0)::bigint AS n_c,
        coalesce((metadata->'usage_object'->>'cache_creation_input_tokens')::numeric, 0)::bigint AS n_w,
        completion_tokens::bigint AS n_out, spend
    FROM {table}
    WHERE "startTime" > %s AND NOT (request_id = ANY(%s))
)
SELECT ts::date AS day, feature, user_id, model, provider, hit AS cache_hit, spend IS NOT NULL AS recorded,
    CASE WHEN hit THEN 0 ELSE {bucket} END AS bucket, count(*) AS requests, min(n_in) AS tier_tokens,
    max(ts) AS newest, coalesce(sum(n_in), 0)::bigint AS input_tokens,
    coalesce(sum(n_c), 0)::bigint AS cached_input_tokens, coalesce(sum(n_w), 0)::bigint AS cache_write_input_tokens,
    0::bigint AS cache_write_1h_input_tokens, coalesce(sum(n_out), 0)::bigint AS output_tokens,
    sum(spend)::double precision AS recorded_cost
FROM rows GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""
COLUMNS = (
    "day DATE, feature VARCHAR, user_id VARCHAR, model VARCHAR, provider VARCHAR, cache_hit BOOLEAN, "
    "recorded BOOLEAN, bucket INTEGER, requests BIGINT, tier_tokens BIGINT, newest TIMESTAMP, input_tokens BIGINT, "
    "cached_input_tokens BIGINT, cache_write_input_tokens BIGINT, cache_write_1h_input_tokens BIGINT, "
    "output_tokens BIGINT, recorded_cost DOUBLE"
)

RECENT = f'SELECT request_id, "startTime" FROM {TABLE} WHERE "startTime" > %s AND NOT (request_id = ANY(%s))'


def read_postgres(
    url: str, feature_key: str | None, watermark: datetime | None, seen: list[str], grace: timedelta = GRACE
) -> tuple[pa.Table, list[tuple[str, datetime]]]:
    """The priced usage rows (aueb.monitor.pricing.price_groups) of the rows since (watermark - grace) leaving
    out `seen` request ids, and the (request_id, startTime) of the new rows inside the new grace window."""
    try:
        import psycopg
    except ImportError:
        raise InputError("a postgresql:// source needs psycopg: pip install 'aueb[postgres]'") from None

    cutoff = (watermark - grace) if watermark else datetime(1970, 1, 1)
    feature, params = _feature_sql(feature_key)
    names = [c.split(" ")[0] for c in COLUMNS.split(", ")]
    mem = connect()
    try:
        mem.execute(f"CREATE TEMP TABLE groups ({COLUMNS}, bad BOOLEAN DEFAULT false, ignored BOOLEAN DEFAULT false)")
        with psycopg.connect(url, connect_timeout=10) as con:
            con.execute("SET TIME ZONE 'UTC'")
            # This session only: the aggregate is one scan that JIT compilation would slow (its cost estimate
            # triggers JIT, which took 1.4 s of a 2.0 s query at 300k rows), and sorts its groups in memory.
            con.execute("SET jit = off")
            con.execute(f"SET work_mem = '{WORK_MEM}'")
            with con.cursor(name="aueb_monitor_aggregates") as cur:  # server-side: BATCH rows at a time
                cur.execute(
                    AGGREGATE.format(feature=feature, table=TABLE, bucket=bucket_sql("n_in")), [*params, cutoff, seen]
                )
                while batch := cur.fetchmany(BATCH):
                    mem.register("batch", pd.DataFrame(batch, columns=names))
                    mem.execute(f"INSERT INTO groups ({', '.join(names)}) SELECT * FROM batch")
                    mem.unregister("batch")
            newest = mem.execute("SELECT max(newest) FROM groups").fetchall()[0][0]
            recent: list[tuple[str, datetime]] = []
            if newest is not None:
                recent = [(r[0], r[1]) for r in con.execute(RECENT, [newest - grace, seen]).fetchall()]
        rows = price_groups(mem, "groups")
    except psycopg.Error as exc:
        raise InputError(f"{url.split('@')[-1]}: cannot read {TABLE} ({str(exc).splitlines()[0]})") from None
    finally:
        mem.close()
    return rows, recent

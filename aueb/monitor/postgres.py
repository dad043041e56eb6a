"""A LiteLLM proxy database as a monitor source: `LiteLLM_SpendLogs` (schema.prisma of BerriAI/litellm).

The aggregation the figures need (per day, feature, user, model, provider) runs inside PostgreSQL; only
aggregates travel, plus the request ids of the rows inside the grace window. The watermark is the newest
startTime read; each cycle reads rows with startTime after (watermark - grace) whose request_id was not
counted yet, so a row that arrives late (up to the grace window) is counted once.

Only sums travel, so the monitor cannot price each call: aueb.monitor.pricing.price_calls prices each
group's sums at the day's catalog prices and the tier of the group's mean input tokens per call (exact
when the model has no tiers; docs/monitoring.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from aueb.errors import InputError

GRACE = timedelta(minutes=10)
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
SELECT ts::date AS day, feature, user_id, model, provider, count(*) AS requests,
    count(*) FILTER (WHERE NOT hit) AS calls,
    coalesce(sum(n_in) FILTER (WHERE NOT hit), 0) AS input_tokens,
    coalesce(sum(n_c) FILTER (WHERE NOT hit), 0) AS cached_input_tokens,
    coalesce(sum(n_w) FILTER (WHERE NOT hit), 0) AS cache_write_input_tokens,
    coalesce(sum(n_out) FILTER (WHERE NOT hit), 0) AS output_tokens,
    sum(spend) AS recorded_cost, max(ts) AS newest
FROM rows GROUP BY 1, 2, 3, 4, 5
"""

RECENT = f'SELECT request_id, "startTime" FROM {TABLE} WHERE "startTime" > %s AND NOT (request_id = ANY(%s))'


def read_postgres(
    url: str, feature_key: str | None, watermark: datetime | None, seen: list[str], grace: timedelta = GRACE
) -> tuple[pd.DataFrame, list[tuple[str, datetime]]]:
    """New aggregates since (watermark - grace) leaving out `seen` request ids, and the (request_id,
    startTime) of the new rows inside the new grace window."""
    try:
        import psycopg
    except ImportError:
        raise InputError("a postgresql:// source needs psycopg: pip install 'aueb[postgres]'") from None

    cutoff = (watermark - grace) if watermark else datetime(1970, 1, 1)
    feature, params = _feature_sql(feature_key)
    try:
        with psycopg.connect(url, connect_timeout=10) as con, con.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
            cur.execute(AGGREGATE.format(feature=feature, table=TABLE), [*params, cutoff, seen])
            names = [d.name for d in cur.description or []]
            frame = pd.DataFrame(cur.fetchall(), columns=names)
            recent: list[tuple[str, datetime]] = []
            if len(frame):
                newest = max(frame["newest"])
                cur.execute(RECENT, [newest - grace, seen])
                recent = [(r[0], r[1]) for r in cur.fetchall()]
    except psycopg.Error as exc:
        raise InputError(f"{url.split('@')[-1]}: cannot read {TABLE} ({str(exc).splitlines()[0]})") from None
    for column in (
        "requests",
        "calls",
        "input_tokens",
        "cached_input_tokens",
        "cache_write_input_tokens",
        "output_tokens",
    ):
        if column in frame:
            frame[column] = frame[column].astype("int64")
    if len(frame):
        frame["recorded_cost"] = frame["recorded_cost"].astype(float)
        frame["day"] = pd.to_datetime(frame["day"])
    return frame, recent

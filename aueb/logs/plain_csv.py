"""The plain CSV: timestamp, feature, user, model, provider, input_tokens, cached_input_tokens,
cache_write_input_tokens, cache_write_1h_input_tokens, output_tokens, cache_hit, cost (only timestamp,
model, input_tokens and output_tokens required).

input_tokens includes cached_input_tokens and cache_write_input_tokens (the OpenAI convention of
docs/economics.md), and cache_write_1h_input_tokens is the part of the cache writes written for 1 hour;
the feature is the column `feature`, or the column --feature-key names.
"""

from __future__ import annotations

from aueb.errors import InputError
from aueb.logs.sources import Source, scan

# Typed at the scan: DuckDB's CSV reader converts them fast, and a cell that is not a number is a reject.
TYPES = {
    "input_tokens": "BIGINT",
    "cached_input_tokens": "BIGINT",
    "cache_write_input_tokens": "BIGINT",
    "cache_write_1h_input_tokens": "BIGINT",
    "output_tokens": "BIGINT",
    "cost": "DOUBLE",
}


def raw_sql(source: Source, feature_key: str | None, numbered: bool = False) -> str:
    key = feature_key or "feature"
    if feature_key and not source.has(key):
        raise InputError(
            f"--feature-key {feature_key}: the CSV has no such column (columns: {', '.join(source.columns)})"
        )

    def column(name: str) -> str:
        return f'"{name}"' if source.has(name) else "NULL::VARCHAR"

    return f"""
    SELECT file, line, NULL::VARCHAR AS ignored, NULL::VARCHAR AS merged, NULL::VARCHAR AS corrected, NULL::VARCHAR AS
        problem,
        aueb_time("timestamp") AS ts, "timestamp" AS ts_text, {column(key)} AS feature, {column("user")} AS user_id,
        "model" AS model, {column("provider")} AS provider,
        "input_tokens" AS input_text, {column("cached_input_tokens")} AS cached_text,
        {column("cache_write_input_tokens")} AS cache_write_text,
        {column("cache_write_1h_input_tokens")} AS cache_write_1h_text, "output_tokens" AS output_text,
        aueb_true({column("cache_hit")}) AS cache_hit, {column("cost")} AS cost_text
    FROM ({scan(source, numbered, TYPES)})
    """

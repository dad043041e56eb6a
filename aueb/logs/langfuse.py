"""Langfuse's observations export (blob export in snake_case, API/UI export in camelCase; CSV or JSON Lines).

Only GENERATION observations are model calls; the others are counted as ignored. Langfuse's usage
details are disjoint parts that add up to the total (its OpenAI integration moves cached tokens out of
`input` into `input_cached_tokens`; Anthropic's `input` excludes cache reads and writes), so input tokens
are `input` plus every input part (keys starting with `input_`, and cache_read_input_tokens /
cache_creation_input_tokens) and cached tokens are the cache-read parts, cache writes the cache-creation
parts (those whose key ends `_1h`, e.g. input_cache_creation_1h, are 1-hour writes); output tokens are
`output` plus the `output_` parts. The deprecated `usage{input, output}` is read as it is. total_cost is
the recorded cost.
"""

from __future__ import annotations

from aueb.logs.records import json_path
from aueb.logs.sources import Source, field, records_of

# Cache-read and cache-write keys of usage_details: Langfuse's OpenAI integration (input_cached_tokens), its
# model definitions (input_cache_read, input_cache_creation and its _5m / _1h variants) and Anthropic usage
# objects passed through as they are (cache_read_input_tokens, cache_creation_input_tokens).
_CACHE_READ = ("input_cached_tokens", "input_cache_read", "cache_read_input_tokens", "input_cached")
_CACHE_CREATION = ("cache_creation_input_tokens",)
_CACHE_CREATION_PREFIXES = ("input_cache_creation", "input_cache_write")


def _sum_keys(usage: str, condition: str) -> str:
    """Sum of the usage object's numeric values whose key meets `condition` (a lambda body on k)."""
    return (
        f"list_sum(list_transform(list_filter(json_keys({usage}), lambda k: {condition}), "
        f"lambda k: TRY_CAST(json_extract_string({usage}, '$.\"' || k || '\"') AS DOUBLE)))"
    )


def raw_sql(source: Source, feature_key: str | None, numbered: bool = False) -> str:
    text = lambda *names: field(source, *names)  # noqa: E731
    if feature_key == "name":
        feature = "trace_name"
    elif feature_key:
        feature = (
            f"coalesce(metadata->>{json_path(feature_key)}, aueb_tag(tags, "
            f"'{feature_key.replace(chr(39), chr(39) * 2)}'))"
        )
    else:
        feature = "NULL::VARCHAR"
    cache_read = " OR ".join(f"k = '{k}'" for k in _CACHE_READ)
    cache_write = " OR ".join(
        [f"k = '{k}'" for k in _CACHE_CREATION] + [f"starts_with(k, '{p}')" for p in _CACHE_CREATION_PREFIXES]
    )
    write_1h = f"({cache_write}) AND ends_with(k, '_1h')"
    input_parts = f"k = 'input' OR starts_with(k, 'input_') OR {cache_read} OR {cache_write}"
    output_parts = "k = 'output' OR starts_with(k, 'output_')"
    return f"""
    SELECT file, line,
        CASE WHEN NOT malformed AND upper(coalesce(kind, 'GENERATION')) <> 'GENERATION' THEN 'observation of type ' ||
            kind END AS ignored,
        NULL::VARCHAR AS merged, NULL::VARCHAR AS corrected,
        CASE WHEN malformed THEN 'malformed JSON line'
             WHEN aueb_not_json(usage_text) THEN 'usage details are not valid JSON'
             WHEN aueb_not_json(metadata_text) THEN 'metadata is not valid JSON'
             WHEN aueb_not_json(tags_text) THEN 'tags are not valid JSON' END AS problem,
        aueb_time(ts_text) AS ts, ts_text, {feature} AS feature, user_id, model, NULL::VARCHAR AS provider,
        CASE WHEN usage IS NOT NULL THEN CAST({_sum_keys("usage", input_parts)} AS VARCHAR) ELSE old_usage->>'input'
            END AS input_text,
        CASE WHEN usage IS NOT NULL THEN CAST(coalesce({_sum_keys("usage", cache_read)}, 0) AS VARCHAR) END AS
            cached_text,
        CASE WHEN usage IS NOT NULL THEN CAST(coalesce({_sum_keys("usage", cache_write)}, 0) AS VARCHAR) END AS
            cache_write_text,
        CASE WHEN usage IS NOT NULL THEN CAST(coalesce({_sum_keys("usage", write_1h)}, 0) AS VARCHAR) END AS
            cache_write_1h_text,
        CASE WHEN usage IS NOT NULL THEN CAST({_sum_keys("usage", output_parts)} AS VARCHAR) ELSE old_usage->>'output'
            END AS output_text,
        false AS cache_hit, cost_text
    FROM (
        SELECT file, line, malformed, {text("type")} AS kind, {text("start_time", "startTime")} AS ts_text,
            {text("user_id", "userId")} AS user_id, {text("provided_model_name", "providedModelName", "model")} AS
                model,
            {text("usage_details", "usageDetails")} AS usage_text, aueb_json({text("usage_details", "usageDetails")})
                AS usage,
            aueb_json({text("usage")}) AS old_usage,
            {text("total_cost", "totalCost", "calculatedTotalCost")} AS cost_text,
            {text("metadata")} AS metadata_text, aueb_json({text("metadata")}) AS metadata,
            {text("tags")} AS tags_text, aueb_json({text("tags")}) AS tags,
            {text("trace_name", "traceName", "name") if feature_key == "name" else "NULL"} AS trace_name
        FROM ({records_of(source, numbered)})
    )
    """

"""LiteLLM's SpendLogs table, exported as CSV or JSON Lines.

prompt_tokens includes cached tokens; the cached count comes from metadata.usage_object
(prompt_tokens_details.cached_tokens, OpenAI style, else cache_read_input_tokens, Anthropic style),
the cache writes from its cache_creation_input_tokens (both parts of prompt_tokens), and the 1-hour part of
the writes from its prompt_tokens_details.cache_creation_token_details.ephemeral_1h_input_tokens (or
cache_creation.ephemeral_1h_input_tokens, as Anthropic's API writes it).
The user is end_user (the application's user), else user; the feature is a metadata key (top level or
in spend_logs_metadata) or a `KEY:value` request tag; spend is the recorded cost.
"""

from __future__ import annotations

from aueb.logs.records import json_path
from aueb.logs.sources import Source, field, records_of, scan, sql_text

# The 1-hour part of the cache writes: LiteLLM's usage object keeps Anthropic's split in
# prompt_tokens_details.cache_creation_token_details; a raw Anthropic usage object has it in cache_creation.
ONE_HOUR = "ephemeral_1h_input_tokens"


def _quoted(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


def _jsonl_sql(source: Source, feature_key: str | None, numbered: bool) -> str:
    """JSON Lines: only the fields needed, extracted in one parse per line (a SpendLogs row is about 13 KB,
    most of it metadata; extracting field by field parses the whole row each time, and DuckDB keeps each
    parse of a 2,048-row vector in memory until the vector is done: Out of Memory from 16 MB of rows)."""
    paths = [
        "$.startTime",
        "$.start_time",
        "$.end_user",
        "$.user",
        "$.model",
        "$.custom_llm_provider",
        "$.prompt_tokens",
        "$.completion_tokens",
        "$.cache_hit",
        "$.spend",
        "$.request_tags",
        "$.metadata.usage_object.prompt_tokens_details.cached_tokens",
        "$.metadata.usage_object.cache_read_input_tokens",
        "$.metadata.usage_object.cache_creation_input_tokens",
        f"$.metadata.usage_object.prompt_tokens_details.cache_creation_token_details.{ONE_HOUR}",
        f"$.metadata.usage_object.cache_creation.{ONE_HOUR}",
    ]
    if feature_key:
        paths += [f"$.metadata.{_quoted(feature_key)}", f"$.metadata.spend_logs_metadata.{_quoted(feature_key)}"]
        tag = feature_key.replace(chr(39), chr(39) * 2)
        feature = f"coalesce(v[17], v[18], aueb_tag(aueb_json(v[11]), '{tag}'))"
    else:
        feature = "NULL::VARCHAR"
    listed = "[" + ", ".join(sql_text(p) for p in paths) + "]"
    return f"""
    SELECT file, line, NULL::VARCHAR AS ignored, NULL::VARCHAR AS merged, NULL::VARCHAR AS corrected,
        CASE WHEN malformed THEN 'malformed JSON line'
             WHEN aueb_not_json(v[11]) THEN 'request_tags is not valid JSON' END AS problem,
        aueb_time(coalesce(v[1], v[2])) AS ts, coalesce(v[1], v[2]) AS ts_text, {feature} AS feature,
        coalesce(nullif(v[3], ''), nullif(v[4], '')) AS user_id, v[5] AS model, v[6] AS provider,
        v[7] AS input_text, coalesce(v[12], v[13]) AS cached_text, v[14] AS cache_write_text,
        coalesce(v[15], v[16]) AS cache_write_1h_text, v[8] AS output_text,
        aueb_true(v[9]) AS cache_hit, v[10] AS cost_text
    FROM (
        SELECT file, line, malformed, CASE WHEN NOT malformed THEN json_extract_string(text, {listed}) END AS v
        FROM (
            SELECT file, line, text, NOT json_valid(text) AS malformed
            FROM ({scan(source, numbered)}) WHERE text IS NOT NULL AND trim(text) <> ''
        )
    )
    """


def raw_sql(source: Source, feature_key: str | None, numbered: bool = False) -> str:
    if source.layout == "jsonl":
        return _jsonl_sql(source, feature_key, numbered)
    text = lambda *names: field(source, *names)  # noqa: E731
    if feature_key:
        path = json_path(feature_key)
        feature = (
            f"coalesce(metadata->>{path}, metadata->'spend_logs_metadata'->>{path}, "
            f"aueb_tag(aueb_json(request_tags), '{feature_key.replace(chr(39), chr(39) * 2)}'))"
        )
    else:
        feature = "NULL::VARCHAR"
    cached = (
        "coalesce(metadata->'usage_object'->'prompt_tokens_details'->>'cached_tokens', "
        "metadata->'usage_object'->>'cache_read_input_tokens')"
    )
    return f"""
    SELECT file, line, NULL::VARCHAR AS ignored, NULL::VARCHAR AS merged, NULL::VARCHAR AS corrected,
        CASE WHEN malformed THEN 'malformed JSON line'
             WHEN aueb_not_json(metadata_text) THEN 'metadata is not valid JSON'
             WHEN aueb_not_json(request_tags) THEN 'request_tags is not valid JSON' END AS problem,
        aueb_time(ts_text) AS ts, ts_text, {feature} AS feature, user_id, model, provider,
        input_text, {cached} AS cached_text,
        metadata->'usage_object'->>'cache_creation_input_tokens' AS cache_write_text,
        coalesce(metadata->'usage_object'->'prompt_tokens_details'->'cache_creation_token_details'->>'{ONE_HOUR}',
            metadata->'usage_object'->'cache_creation'->>'{ONE_HOUR}') AS cache_write_1h_text, output_text,
            aueb_true(cache_hit) AS cache_hit, cost_text
    FROM (
        SELECT file, line, malformed, {text("startTime", "start_time")} AS ts_text,
            coalesce(nullif({text("end_user")}, ''), nullif({text("user")}, '')) AS user_id,
            {text("model")} AS model, {text("custom_llm_provider")} AS provider,
            {text("prompt_tokens")} AS input_text, {text("completion_tokens")} AS output_text,
            {text("cache_hit")} AS cache_hit, {text("spend")} AS cost_text,
            {text("metadata")} AS metadata_text, aueb_json({text("metadata")}) AS metadata,
            {text("request_tags")} AS request_tags
        FROM ({records_of(source, numbered)})
    )
    """

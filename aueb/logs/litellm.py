"""LiteLLM's SpendLogs table, exported as CSV or JSON Lines.

prompt_tokens includes cached tokens; the cached count comes from metadata.usage_object
(prompt_tokens_details.cached_tokens, OpenAI style, else cache_read_input_tokens, Anthropic style),
the cache writes from its cache_creation_input_tokens (both parts of prompt_tokens).
The user is end_user (the application's user), else user; the feature is a metadata key (top level or
in spend_logs_metadata) or a `KEY:value` request tag; spend is the recorded cost.
"""

from __future__ import annotations

from aueb.logs.records import json_path
from aueb.logs.sources import Source, field, records_of


def raw_sql(source: Source, feature_key: str | None, numbered: bool = False) -> str:
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
        metadata->'usage_object'->>'cache_creation_input_tokens' AS cache_write_text, output_text, aueb_true(cache_hit) AS cache_hit, cost_text
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

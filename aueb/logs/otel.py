"""OpenTelemetry file-exporter JSON Lines with GenAI spans.

One line is one TracesData: resourceSpans[].scopeSpans[].spans[]; each line is parsed once into
typed structs (unknown fields ignored) and unnested into spans. A span is a model call when it has a
gen_ai model, operation or token count; other spans (HTTP, tools, agents) are counted as ignored.
gen_ai.usage.input_tokens includes the cached tokens (gen_ai.usage.cache_read.input_tokens), as the
semantic conventions say; the model is gen_ai.response.model, else gen_ai.request.model.
"""

from __future__ import annotations

from aueb.logs.sources import Source, scan, sql_text

_VALUE = '{"stringValue": "VARCHAR", "intValue": "VARCHAR", "doubleValue": "VARCHAR", "boolValue": "VARCHAR"}'
_ATTRIBUTES = f'[{{"key": "VARCHAR", "value": {_VALUE}}}]'
STRUCTURE = (
    f'{{"resourceSpans": [{{"resource": {{"attributes": {_ATTRIBUTES}}}, '
    f'"scopeSpans": [{{"spans": [{{"startTimeUnixNano": "VARCHAR", "attributes": {_ATTRIBUTES}}}]}}]}}]}}'
)


def _attr(attributes: str, key: str) -> str:
    """An attribute's value as text (intValue may be a JSON string or number: both arrive as text)."""
    value = f"list_filter({attributes}, lambda a: a.key = {sql_text(key)})[1].value"
    return f"coalesce({value}.stringValue, {value}.intValue, {value}.doubleValue, {value}.boolValue)"


def raw_sql(source: Source, feature_key: str | None, numbered: bool = False) -> str:
    def span(key: str) -> str:
        return _attr("span_attributes", key)

    def span_or_resource(key: str) -> str:
        return f"coalesce({_attr('span_attributes', key)}, {_attr('resource_attributes', key)})"

    feature = span_or_resource(feature_key) if feature_key else "NULL::VARCHAR"
    model = f"coalesce({span('gen_ai.response.model')}, {span('gen_ai.request.model')})"
    genai = " OR ".join(
        f"{span(k)} IS NOT NULL"
        for k in ("gen_ai.operation.name", "gen_ai.request.model", "gen_ai.response.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens")
    )
    return f"""
    WITH lines AS (
        SELECT file, line, text, try(json_transform(text, '{STRUCTURE}')) AS traces
        FROM ({scan(source, numbered)}) WHERE text IS NOT NULL AND trim(text) <> ''
    ),
    bad_lines AS (
        SELECT file, line, CASE WHEN NOT json_valid(text) THEN 'malformed JSON line' ELSE 'no resourceSpans in the line' END AS problem
        FROM lines WHERE traces IS NULL OR traces.resourceSpans IS NULL
    ),
    resources AS (
        SELECT file, line, unnest(traces.resourceSpans) AS rs FROM lines WHERE traces.resourceSpans IS NOT NULL
    ),
    scopes AS (
        SELECT file, line, rs.resource.attributes AS resource_attributes, unnest(rs.scopeSpans) AS ss FROM resources
    ),
    spans AS (
        SELECT file, line, resource_attributes, sp.startTimeUnixNano AS ts_text, sp.attributes AS span_attributes
        FROM (SELECT file, line, resource_attributes, unnest(ss.spans) AS sp FROM scopes)
    )
    SELECT file, line, CASE WHEN NOT ({genai}) THEN 'span without gen_ai attributes' END AS ignored, NULL::VARCHAR AS problem,
        make_timestamp(TRY_CAST(TRY_CAST(ts_text AS HUGEINT) // 1000 AS BIGINT)) AS ts, ts_text,
        {feature} AS feature, coalesce({span_or_resource('user.id')}, {span_or_resource('enduser.id')}) AS user_id,
        {model} AS model, coalesce({span('gen_ai.provider.name')}, {span('gen_ai.system')}) AS provider,
        coalesce({span('gen_ai.usage.input_tokens')}, {span('gen_ai.usage.prompt_tokens')}) AS input_text,
        {span('gen_ai.usage.cache_read.input_tokens')} AS cached_text,
        coalesce({span('gen_ai.usage.output_tokens')}, {span('gen_ai.usage.completion_tokens')}) AS output_text,
        false AS cache_hit, {span('gen_ai.usage.cost')} AS cost_text
    FROM spans
    UNION ALL
    SELECT file, line, NULL, problem, NULL::TIMESTAMP, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL FROM bad_lines
    """

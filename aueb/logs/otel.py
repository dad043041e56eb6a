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


def raw_sql(source: Source, feature_key: str | None, numbered: bool = False) -> str:
    # Each attribute list becomes two parallel lists (keys, values as text) once per span; a lookup is
    # then one list_position, not a lambda per key. intValue may be a JSON string or number: both arrive as text.
    def span(key: str) -> str:
        return f"span_values[list_position(span_keys, {sql_text(key)})]"

    def span_or_resource(key: str) -> str:
        return f"coalesce({span(key)}, resource_values[list_position(resource_keys, {sql_text(key)})])"

    feature = span_or_resource(feature_key) if feature_key else "NULL::VARCHAR"
    model = f"coalesce({span('gen_ai.response.model')}, {span('gen_ai.request.model')})"
    genai = " OR ".join(
        f"{span(k)} IS NOT NULL"
        for k in (
            "gen_ai.operation.name",
            "gen_ai.request.model",
            "gen_ai.response.model",
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.output_tokens",
        )
    )
    value = "coalesce(a.value.stringValue, a.value.intValue, a.value.doubleValue, a.value.boolValue)"
    # One list of spans per line, each with its resource's attributes; a bad line becomes one empty span
    # so that it is counted in the same pass (a second reference to the lines would materialise them).
    spans = (
        "flatten(list_transform(traces.resourceSpans, lambda rs: flatten(list_transform(rs.scopeSpans, lambda ss: "
        "list_transform(ss.spans, lambda sp: {'resource': rs.resource.attributes, 'start': sp.startTimeUnixNano, 'attributes': sp.attributes})))))"
    )
    return f"""
    SELECT file, line,
        CASE WHEN NOT bad AND NOT ({genai}) THEN 'span without gen_ai attributes' END AS ignored,
        CASE WHEN bad AND NOT json_valid(text) THEN 'malformed JSON line' WHEN bad THEN 'no resourceSpans in the line' END AS problem,
        make_timestamp(TRY_CAST(TRY_CAST(ts_text AS HUGEINT) // 1000 AS BIGINT)) AS ts, ts_text,
        {feature} AS feature, coalesce({span_or_resource("user.id")}, {span_or_resource("enduser.id")}) AS user_id,
        {model} AS model, coalesce({span("gen_ai.provider.name")}, {span("gen_ai.system")}) AS provider,
        coalesce({span("gen_ai.usage.input_tokens")}, {span("gen_ai.usage.prompt_tokens")}) AS input_text,
        {span("gen_ai.usage.cache_read.input_tokens")} AS cached_text,
        coalesce({span("gen_ai.usage.output_tokens")}, {span("gen_ai.usage.completion_tokens")}) AS output_text,
        false AS cache_hit, {span("gen_ai.usage.cost")} AS cost_text
    FROM (
        SELECT file, line, text, bad, sp.start AS ts_text,
            list_transform(sp.attributes, lambda a: a.key) AS span_keys, list_transform(sp.attributes, lambda a: {value}) AS span_values,
            list_transform(sp.resource, lambda a: a.key) AS resource_keys, list_transform(sp.resource, lambda a: {value}) AS resource_values
        FROM (
            SELECT file, line, CASE WHEN bad THEN text END AS text, bad, unnest(CASE WHEN bad THEN [NULL] ELSE {spans} END) AS sp
            FROM (
                SELECT file, line, text, traces, traces IS NULL OR traces.resourceSpans IS NULL AS bad
                FROM (
                    SELECT file, line, text, try(json_transform(text, '{STRUCTURE}')) AS traces
                    FROM ({scan(source, numbered)}) WHERE text IS NOT NULL AND trim(text) <> ''
                )
            )
        )
    )
    """

"""OpenTelemetry file-exporter JSON Lines with GenAI spans.

One line is one TracesData: resourceSpans[].scopeSpans[].spans[]; each line is parsed once into typed
structs (unknown fields ignored) and unnested into spans. What counts as a model call (ECONOMICS.md,
"Measuring from request logs"): a span whose gen_ai.operation.name is chat, text_completion,
generate_content or embeddings (an embeddings call has 0 output tokens), or, without an operation name,
one that carries a model and a token count. Every other span (HTTP, invoke_agent, execute_tool,
workflow...) is ignored, counted per reason. Two model spans of one trace with the same gen_ai.response.id
are one call (two instrumentations of it): the span with the most usage detail is kept, the others are
merged. The feature and user of a span are its own attributes (baggage copied onto a span by a
BaggageSpanProcessor is one of them), else those of its nearest ancestor span that has them (spans of a
trace may be in any line or file of the input), else the resource's.

gen_ai.usage.input_tokens includes the cache reads and writes, as the semantic conventions say; cache
writes are read as gen_ai.usage.cache_creation.input_tokens, or the Anthropic SDK's
gen_ai.usage.cache_write.input_tokens. openlit (recognised by its instrumentation scope) writes Anthropic
input tokens without the cache counts: they are added, and the record counted as corrected. The 1-hour
part of the cache writes is the Anthropic SDK's anthropic.usage.cache_creation.ephemeral_1h_input_tokens
(the semantic conventions have no attribute for it; without it every write is a 5-minute one).
"""

from __future__ import annotations

from aueb.logs.sources import Source, nonblank, scan, sql_text

_VALUE = '{"stringValue": "VARCHAR", "intValue": "VARCHAR", "doubleValue": "VARCHAR", "boolValue": "VARCHAR"}'
_ATTRIBUTES = f'[{{"key": "VARCHAR", "value": {_VALUE}}}]'
STRUCTURE = (
    f'{{"resourceSpans": [{{"resource": {{"attributes": {_ATTRIBUTES}}}, '
    f'"scopeSpans": [{{"scope": {{"name": "VARCHAR"}}, "spans": [{{"traceId": "VARCHAR", "spanId": "VARCHAR", '
    f'"parentSpanId": "VARCHAR", "startTimeUnixNano": "VARCHAR", "attributes": {_ATTRIBUTES}}}]}}]}}]}}'
)
MODEL_OPERATIONS = ("chat", "text_completion", "generate_content", "embeddings")
CACHE_READ_KEYS = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens")
CACHE_WRITE_KEYS = (
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_write.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
)
# The 1-hour part of the cache writes: the Anthropic SDK's own tracing copies Anthropic's usage.cache_creation split.
CACHE_WRITE_1H_KEYS = ("anthropic.usage.cache_creation.ephemeral_1h_input_tokens",)
USER_KEYS = ("user.id", "enduser.id")
# How far up a trace attribution looks for a feature or user (deeper traces are not expected).
MAX_DEPTH = 32
OPENLIT_CORRECTION = "openlit: Anthropic input tokens without the cache counts (cache reads and writes added)"


def raw_sql(source: Source, feature_key: str | None, numbered: bool = False) -> str:
    # Each attribute list becomes two parallel lists (keys, values as text) once per span; a lookup is
    # then one list_position, not a lambda per key. intValue may be a JSON string or number: both arrive as text.
    def span(*keys: str) -> str:
        found = [f"span_values[list_position(span_keys, {sql_text(k)})]" for k in keys]
        return found[0] if len(found) == 1 else f"coalesce({', '.join(found)})"

    def resource(*keys: str) -> str:
        found = [f"resource_values[list_position(resource_keys, {sql_text(k)})]" for k in keys]
        return found[0] if len(found) == 1 else f"coalesce({', '.join(found)})"

    feature_own = span(feature_key) if feature_key else "NULL::VARCHAR"
    feature_resource = resource(feature_key) if feature_key else "NULL::VARCHAR"
    value = "coalesce(a.value.stringValue, a.value.intValue, a.value.doubleValue, a.value.boolValue)"
    operations = ", ".join(sql_text(o) for o in MODEL_OPERATIONS)
    # One list of spans per line, each with its resource's attributes and scope; a bad line becomes one empty
    # span so that it is counted in the same pass.
    spans = (
        "flatten(list_transform(traces.resourceSpans, lambda rs: flatten(list_transform(rs.scopeSpans, lambda ss: "
        "list_transform(ss.spans, lambda sp: {'resource': rs.resource.attributes, 'scope': ss.scope.name, "
        "'trace': sp.traceId, 'id': sp.spanId, 'parent': sp.parentSpanId, "
        "'start': sp.startTimeUnixNano, 'attributes': sp.attributes})))))"
    )
    lines = f"""
        SELECT file, line, CASE WHEN bad THEN text END AS text, bad, unnest(CASE WHEN bad THEN [NULL] ELSE {spans}
            END) AS sp
        FROM (
            SELECT file, line, text, traces, traces IS NULL OR traces.resourceSpans IS NULL AS bad
            FROM (
                SELECT file, line, text, try(json_transform(text, '{STRUCTURE}')) AS traces
                FROM ({scan(source, numbered)}) WHERE {nonblank()}
            )
        )
    """
    listed = f"""
        SELECT file, line, text, bad, sp.start AS ts_text, sp.scope AS scope, nullif(sp.trace, '') AS trace_id,
            nullif(sp.id, '') AS span_id, nullif(sp.parent, '') AS parent_id,
            list_transform(sp.attributes, lambda a: a.key) AS span_keys, list_transform(sp.attributes, lambda a:
                {value}) AS span_values,
            list_transform(sp.resource, lambda a: a.key) AS resource_keys, list_transform(sp.resource, lambda a:
                {value}) AS resource_values
        FROM ({lines})
    """
    input_text = span("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
    output_text = span("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
    model = span("gen_ai.response.model", "gen_ai.request.model")
    typed = f"""
        SELECT file, line, text, bad, ts_text, scope, trace_id, span_id, parent_id,
            {span("gen_ai.operation.name")} AS operation, {model} AS model,
            {span("gen_ai.provider.name", "gen_ai.system")} AS provider,
            {input_text} AS input_raw, {span(*CACHE_READ_KEYS)} AS cached_text, {span(*CACHE_WRITE_KEYS)} AS
                cache_write_text, {span(*CACHE_WRITE_1H_KEYS)} AS cache_write_1h_text,
            {output_text} AS output_raw, {span("gen_ai.usage.reasoning.output_tokens")} AS reasoning_text,
            {span("gen_ai.usage.cost")} AS cost_text, {span("gen_ai.response.id")} AS response_id,
            nullif(trim({feature_own}), '') AS feature_own, nullif(trim({span(*USER_KEYS)}), '') AS user_own,
            nullif(trim({feature_resource}), '') AS feature_resource, nullif(trim({resource(*USER_KEYS)}), '') AS
                user_resource
        FROM ({listed})
    """
    ignored = f"""
        CASE WHEN bad THEN NULL
             WHEN operation IS NOT NULL AND lower(operation) NOT IN ({operations}) THEN 'span of operation ' ||
                 operation
             WHEN operation IS NULL AND (model IS NULL OR (input_raw IS NULL AND output_raw IS NULL))
                THEN 'span without a gen_ai model and token counts' END
    """
    # Every span of the input (model call or not) is a node of its trace; ancestors are looked up by id.
    return f"""
    WITH RECURSIVE spans AS MATERIALIZED (
        SELECT *, {ignored} AS ignored,
            lower(coalesce(scope, '')) LIKE 'openlit%' AND lower(coalesce(provider, '')) = 'anthropic'
                AND coalesce(TRY_CAST(cached_text AS DOUBLE), 0) + coalesce(TRY_CAST(cache_write_text AS DOUBLE), 0) > 0
                AS openlit_fix
        FROM ({typed})
    ),
    nodes AS MATERIALIZED (
        SELECT DISTINCT ON (trace_id, span_id) trace_id, span_id, parent_id, feature_own, user_own
        FROM spans WHERE trace_id IS NOT NULL AND span_id IS NOT NULL
    ),
    walk AS (
        SELECT trace_id, span_id, parent_id AS next_id, feature_own AS feature, user_own AS user_id, 0 AS depth
        FROM nodes WHERE (feature_own IS NULL OR user_own IS NULL) AND parent_id IS NOT NULL
            AND span_id IN (SELECT span_id FROM spans WHERE ignored IS NULL AND NOT bad)
        UNION ALL
        SELECT w.trace_id, w.span_id, p.parent_id, coalesce(w.feature, p.feature_own), coalesce(w.user_id,
            p.user_own), w.depth + 1
        FROM walk w JOIN nodes p ON p.trace_id = w.trace_id AND p.span_id = w.next_id
        WHERE (w.feature IS NULL OR w.user_id IS NULL) AND w.next_id IS NOT NULL AND w.depth < {MAX_DEPTH}
    ),
    inherited AS (
        SELECT trace_id, span_id, arg_max(feature, depth) AS feature, arg_max(user_id, depth) AS user_id
        FROM walk GROUP BY trace_id, span_id
    ),
    repeated AS (
        -- (trace, response id) of the model spans that share their response id with another span of their trace
        SELECT trace_id, response_id FROM spans
        WHERE ignored IS NULL AND NOT bad AND response_id IS NOT NULL AND trace_id IS NOT NULL
        GROUP BY ALL HAVING count(*) > 1
    ),
    flagged AS NOT MATERIALIZED (
        SELECT s.*, i.feature AS feature_inherited, i.user_id AS user_inherited,
            s.ignored IS NULL AND NOT s.bad AND r.trace_id IS NOT NULL AS ranked
        FROM spans s LEFT JOIN inherited i ON i.trace_id = s.trace_id AND i.span_id = s.span_id
            LEFT JOIN repeated r ON r.trace_id = s.trace_id AND r.response_id = s.response_id
    ),
    calls AS (
        -- Only those spans are ranked (the one with the most usage detail first); the others are unique.
        SELECT * EXCLUDE (ranked), NULL::BIGINT AS duplicate_rank FROM flagged WHERE NOT ranked
        UNION ALL
        SELECT * EXCLUDE (ranked), row_number() OVER (
                PARTITION BY trace_id, response_id
                ORDER BY (input_raw IS NOT NULL)::INT + (output_raw IS NOT NULL)::INT + (cached_text IS NOT NULL)::INT
                    + (cache_write_text IS NOT NULL)::INT + (cache_write_1h_text IS NOT NULL)::INT
                    + (reasoning_text IS NOT NULL)::INT DESC,
                    span_id, file, line
            ) AS duplicate_rank
        FROM flagged WHERE ranked
    )
    SELECT file, line, ignored,
        CASE WHEN duplicate_rank > 1 THEN 'span with the gen_ai.response.id of another span of its trace' END AS merged,
        CASE WHEN openlit_fix AND ignored IS NULL AND NOT bad THEN '{OPENLIT_CORRECTION}' END AS corrected,
        CASE WHEN bad AND NOT json_valid(text) THEN 'malformed JSON line' WHEN bad THEN 'no resourceSpans in the line'
            END AS problem,
        make_timestamp(TRY_CAST(TRY_CAST(ts_text AS HUGEINT) // 1000 AS BIGINT)) AS ts, ts_text,
        coalesce(feature_own, feature_inherited, feature_resource) AS feature,
        coalesce(user_own, user_inherited, user_resource) AS user_id,
        model, provider,
        CASE WHEN openlit_fix THEN CAST(TRY_CAST(input_raw AS DOUBLE) + coalesce(TRY_CAST(cached_text AS DOUBLE), 0)
            + coalesce(TRY_CAST(cache_write_text AS DOUBLE), 0) AS VARCHAR) ELSE input_raw END AS input_text,
        cached_text, cache_write_text, cache_write_1h_text,
        CASE WHEN output_raw IS NULL AND lower(operation) = 'embeddings' THEN '0' ELSE output_raw END AS output_text,
        false AS cache_hit, cost_text
    FROM calls
    """

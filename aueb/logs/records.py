"""The one record shape every reader produces, and the checks that make a record bad.

A reader yields, per entry of its format: file, line, `ignored` (why the entry is not a model call,
or NULL), `merged` (why it is a duplicate of another record, or NULL), `corrected` (the producer quirk
put right, or NULL), `problem` (what the reader could not parse, or NULL), the time as TIMESTAMP (UTC)
and as written, feature, user, model, provider, the token counts (input, cached input, cache write
input: both parts of input; 1-hour cache write input: the part of the cache writes a producer reports as
1-hour writes, NULL where it gives no split) and recorded cost as written (text), and the response-cache flag. A record
dated after the run's own time is bad (a clock error must not move the window). `normalise` turns that into typed
columns with one `problem` per bad record.
"""

from __future__ import annotations

import duckdb

UNATTRIBUTED = "unattributed"

# SQL helpers the readers share; created on each connection.
MACROS = (
    # A time without a zone is UTC. The zone-aware cast is several times slower, so only a time that
    # may carry an offset (longer than YYYY-MM-DD HH:MM:SS and not ending in Z) takes it.
    "CREATE OR REPLACE TEMP MACRO aueb_time(x) AS CASE WHEN length(x) <= 19 OR x[-1] = 'Z' THEN TRY_CAST(x AS "
    "TIMESTAMP) "
    "ELSE TRY_CAST(x AS TIMESTAMPTZ)::TIMESTAMP END",
    "CREATE OR REPLACE TEMP MACRO aueb_true(x) AS "
    "coalesce(CAST(x AS VARCHAR) IN ('true', 'True', 'TRUE', 't', 'T', '1', 'yes', 'Yes', 'YES', 'y', 'Y'), false)",
    # Text that holds JSON (an object in a JSON Lines record, or a JSON string in a CSV cell) as JSON.
    "CREATE OR REPLACE TEMP MACRO aueb_json(x) AS CASE WHEN x IS NOT NULL AND trim(x) <> '' AND json_valid(x) THEN "
    "x::JSON END",
    "CREATE OR REPLACE TEMP MACRO aueb_not_json(x) AS x IS NOT NULL AND trim(x) <> '' AND NOT json_valid(x)",
    # `key:value` tags: the value of the first tag with this key.
    "CREATE OR REPLACE TEMP MACRO aueb_tag(tags, k) AS "
    "substr(list_filter(CAST(json_extract_string(tags, '$[*]') AS VARCHAR[]), lambda t: starts_with(t, k || "
    "':'))[1], length(k) + 2)",
)


def connect(
    threads: int | None = None, memory_limit: str | None = None, temp_directory: str | None = None
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    # Records need no order between them: DuckDB may read and write them in parallel.
    con.execute("SET preserve_insertion_order = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if temp_directory:
        con.execute(f"SET temp_directory = '{temp_directory}'")
    for macro in MACROS:
        con.execute(macro)
    return con


def json_path(key: str) -> str:
    """A JSON path literal for one object key, quoted so that dots in the key (app.feature) stay in it."""
    return "'$.\"" + key.replace("'", "''").replace('"', '\\"') + "\"'"


def _count(name: str, label: str) -> tuple[str, str]:
    """The number a token count holds, and the problem with it (not a number, negative, not whole)."""
    raw, value = f"{name}_text", f"TRY_CAST({name}_text AS DOUBLE)"
    problem = (
        f"WHEN {raw} IS NOT NULL AND {value} IS NULL THEN '{label} ' || {raw} || ' is not a number' "
        f"WHEN {value} < 0 THEN 'negative {label} (' || {raw} || ')' "
        f"WHEN {value} <> floor({value}) THEN '{label} ' || {raw} || ' is not a whole number' "
    )
    return value, problem


def normalise(raw: str) -> str:
    """SQL of typed records with one problem per bad record, from a reader's raw SQL."""
    count_in, problem_in = _count("input", "input tokens")
    count_cached, problem_cached = _count("cached", "cached input tokens")
    count_write, problem_write = _count("cache_write", "cache write input tokens")
    count_write_1h, problem_write_1h = _count("cache_write_1h", "1-hour cache write input tokens")
    count_out, problem_out = _count("output", "output tokens")
    return f"""
    SELECT
        CASE WHEN problem IS NOT NULL OR ignored IS NOT NULL OR merged IS NOT NULL THEN file END AS file, line,
        ignored, merged, CASE WHEN problem IS NULL AND ignored IS NULL AND merged IS NULL THEN corrected END AS
            corrected, problem,
        ts, feature, user_id, model, provider,
        CAST(input_n AS BIGINT) AS input_tokens, CAST(coalesce(cached_n, 0) AS BIGINT) AS cached_input_tokens,
        CAST(coalesce(cache_write_n, 0) AS BIGINT) AS cache_write_input_tokens,
        CAST(coalesce(cache_write_1h_n, 0) AS BIGINT) AS cache_write_1h_input_tokens,
        CAST(output_n AS BIGINT) AS output_tokens, cache_hit, cost_n AS recorded_cost
    FROM (
        SELECT file, line, ignored, merged, corrected, ts, cache_hit, input_n, cached_n, cache_write_n,
            cache_write_1h_n, output_n, cost_n,
            coalesce(nullif(trim(feature), ''), '{UNATTRIBUTED}') AS feature, nullif(trim(user_id), '') AS user_id,
            nullif(trim(model), '') AS model, nullif(lower(trim(provider)), '') AS provider,
            CASE
                WHEN ignored IS NOT NULL OR merged IS NOT NULL THEN NULL
                WHEN problem IS NOT NULL THEN problem
                WHEN ts IS NULL AND nullif(trim(ts_text), '') IS NULL THEN 'no time'
                WHEN ts IS NULL THEN 'unparseable time ' || ts_text
                WHEN ts > current_timestamp::TIMESTAMP THEN 'time ' || ts_text || ' is after the run''s own time'
                {problem_in}{problem_cached}{problem_write}{problem_write_1h}{problem_out}
                WHEN NOT cache_hit AND nullif(trim(model), '') IS NULL THEN 'no model'
                WHEN NOT cache_hit AND input_n IS NULL THEN 'no input token count'
                WHEN NOT cache_hit AND output_n IS NULL THEN 'no output token count'
                WHEN cached_n > input_n THEN 'cached input tokens (' || cached_text || ') exceed input tokens (' ||
                    input_text || ')'
                WHEN coalesce(cached_n, 0) + coalesce(cache_write_n, 0) > input_n THEN 'cached (' ||
                    coalesce(cached_text, '0')
                    || ') and cache write (' || cache_write_text || ') input tokens exceed input tokens (' ||
                        input_text || ')'
                WHEN coalesce(cache_write_1h_n, 0) > coalesce(cache_write_n, 0) THEN '1-hour cache write input tokens ('
                    || cache_write_1h_text || ') exceed cache write input tokens (' || coalesce(cache_write_text, '0')
                    || ')'
                WHEN cost_n IS NULL AND trim(CAST(cost_text AS VARCHAR)) <> '' THEN 'recorded cost ' || cost_text ||
                    ' is not a number'
                WHEN cost_n < 0 THEN 'negative recorded cost (' || cost_text || ')'
            END AS problem
        FROM (
            SELECT *, {count_in} AS input_n, {count_cached} AS cached_n, {count_write} AS cache_write_n,
                {count_write_1h} AS cache_write_1h_n, {count_out} AS output_n,
                TRY_CAST(cost_text AS DOUBLE) AS cost_n
            FROM ({raw})
        )
    )
    """

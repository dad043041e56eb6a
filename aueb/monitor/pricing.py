"""The one place the monitor prices usage: `price_groups` (exact) and `price_calls` (a cell's sums).

`price_groups` prices new usage as it arrives, a file source's records and a PostgreSQL source's rows alike:
both are first summed per day, feature, user, model, provider, response-cache hit and input-token bucket
(every call of a group has one price row: its catalog model's, at its day and tier), then each group is
priced in DuckDB by aueb.pricing's formula (`cost_parts_sql`) joined once per distinct (model, day, tier):
the same cost as pricing each call, with no per-call join and no per-row Python.

`price_calls` prices what the state keeps as sums only (per day, feature, user, model, provider), for
`aueb changes`' re-pricing of a cell at the reference date: by aueb.pricing's `price_row` and `token_cost`
as `calls` calls of the group's MEAN tokens per call: the tier is chosen by the mean input tokens per call,
and the formula, being linear in the tokens, is applied to the sums with the per-request price counted once
per call.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from aueb.logs.pricing import price_of, register_prices
from aueb.plan.replay import tier_thresholds
from aueb.pricing import cost_parts_sql, list_cost_sql, price_join_sql, price_row, token_cost


@cache
def _catalog(model: str, provider: str) -> tuple[str, str] | None:
    found = price_of(model or None, provider or None)
    return None if found.price is None else (found.price.provider, found.price.model)


def price_calls(frame: pd.DataFrame, at: date | None = None) -> pd.DataFrame:
    """`frame` has model, provider, calls, input_tokens (cache reads and writes included),
    cached_input_tokens, cache_write_input_tokens (optional), output_tokens: sums over model calls,
    response-cache hits left out, and `day` unless `at` is given. Each row is priced at the catalog row
    of `at` (else its day) and the tier of its mean input tokens per call. Returns `cost` (USD, cache
    reads and writes at their prices), `cost_undiscounted` (list price: every input token at the input
    price, no cache, no batch) and `priced` (False: the catalog has no price; cost 0)."""
    n = len(frame)
    calls = frame["calls"].to_numpy(dtype=float)
    n_in = frame["input_tokens"].to_numpy(dtype=float)
    n_c = frame["cached_input_tokens"].to_numpy(dtype=float)
    n_w = (
        frame["cache_write_input_tokens"].to_numpy(dtype=float) if "cache_write_input_tokens" in frame else np.zeros(n)
    )
    n_out = frame["output_tokens"].to_numpy(dtype=float)
    days = [at] * n if at is not None else list(pd.to_datetime(frame["day"]).dt.date)
    prices = np.zeros((n, 5))  # p_in, p_cached, p_write, p_out, p_request
    priced = np.zeros(n, dtype=bool)
    for i, (model, provider) in enumerate(zip(frame["model"].fillna(""), frame["provider"].fillna(""), strict=True)):
        ids = _catalog(str(model), str(provider))
        if ids is None or calls[i] <= 0:
            continue
        row = price_row(ids[0], ids[1], days[i], n_in[i] / calls[i])
        if row is None:
            continue
        prices[i] = (row.p_in, row.p_cached, row.p_write, row.p_out, row.p_request)
        priced[i] = True
    p_in, p_cached, p_write, p_out, p_request = prices.T
    cost = token_cost(n_in, n_c, n_w, n_out, p_in, p_cached, p_write, p_out, p_request=calls * p_request)
    listed = token_cost(n_in, 0.0, 0.0, n_out, p_in, p_cached, p_write, p_out, p_request=calls * p_request)
    return pd.DataFrame({"cost": cost, "cost_undiscounted": listed, "priced": priced}, index=frame.index)


# Usage summed per (UTC day, feature, user, model, provider, response-cache hit, recorded cost present,
# input-token bucket): a file source's new records summed in DuckDB, a database's rows inside PostgreSQL. The
# bucket counts the catalog's tier thresholds (aueb.plan.replay.tier_thresholds) that a call's input tokens
# exceed, so every call of a group has the same price row at its day, and the formula, linear in the tokens,
# prices the group's sums exactly as it prices each call (the idea of aueb.logs.figures and aueb.plan.replay:
# group, then price the groups).
GROUP_SUMS = (
    "input_tokens",
    "cached_input_tokens",
    "cache_write_input_tokens",
    "cache_write_1h_input_tokens",
    "output_tokens",
)


def bucket_sql(column: str = "input_tokens") -> str:
    """SQL of a call's input-token bucket: how many of the catalog's tier thresholds it exceeds."""
    return " + ".join(f"({column} > {t})::INTEGER" for t in tier_thresholds()) or "0"


def _priced_sql(groups: str) -> str:
    """The usage rows of `groups` (its used rows: NOT bad AND NOT ignored), one per group: priced at the price row
    of its catalog model, day and tier (joined once per distinct key), a response-cache hit at 0 (its tokens left
    out, as ingest leaves them out). `recomputed_recorded`: the cost of the calls that carry a recorded cost.
    A (day, feature, user, model, provider) may have several rows (one per hit flag, bucket, ...): the state's
    readers sum them, as they sum the rows of several cycles."""
    parts = cost_parts_sql(requests="requests")
    token = ", ".join(
        f"CAST(CASE WHEN cache_hit THEN 0 ELSE {c} END AS BIGINT) AS {c}" for c in GROUP_SUMS if "1h" not in c
    )
    return f"""
WITH g AS (
    SELECT g.*, m.catalog_provider, m.catalog_model
    FROM {groups} g LEFT JOIN log_models m ON g.model = m.model AND coalesce(g.provider, '') = m.provider
    WHERE NOT g.bad AND NOT g.ignored
), k AS (
    SELECT DISTINCT catalog_provider, catalog_model, day AS ts, tier_tokens AS input_tokens FROM g
    WHERE catalog_model IS NOT NULL AND tier_tokens IS NOT NULL AND NOT cache_hit
), kp AS (
    SELECT k.catalog_provider, k.catalog_model, k.ts AS day, k.input_tokens AS tier_tokens,
        p.* EXCLUDE (provider, model)
    FROM k JOIN prices p ON {price_join_sql("k", "p")}
), c AS (
    SELECT r.*,
        CASE WHEN r.cache_hit THEN 0.0 ELSE coalesce({" + ".join(parts.values())}, 0.0) END AS cost,
        CASE WHEN r.cache_hit THEN 0.0 ELSE coalesce({list_cost_sql(requests="requests")}, 0.0) END AS list_cost
    FROM g r LEFT JOIN kp p ON r.catalog_provider = p.catalog_provider AND r.catalog_model = p.catalog_model
        AND r.day = p.day AND r.tier_tokens = p.tier_tokens
)
SELECT day, feature, user_id, coalesce(model, '') AS model, coalesce(provider, '') AS provider,
    CAST(requests AS BIGINT) AS requests, CAST(CASE WHEN cache_hit THEN 0 ELSE requests END AS BIGINT) AS calls,
    {token}, cost, list_cost AS cost_undiscounted, recorded_cost,
    CASE WHEN recorded THEN cost END AS recomputed_recorded, newest
FROM c
"""


def price_groups(mem: duckdb.DuckDBPyConnection, groups: str) -> pa.Table:
    """The priced usage rows (`_priced_sql`) of the table `groups` of the in-memory connection `mem`, as Arrow
    (no per-row Python objects): the log's (model, provider) pairs resolved once, through aueb.logs.pricing."""
    pairs = mem.execute(
        f"SELECT DISTINCT model, provider FROM {groups} WHERE NOT bad AND NOT ignored AND coalesce(model, '') <> ''"
    ).fetchall()
    register_prices(mem, [price_of(model, provider or None) for model, provider in pairs])
    return mem.sql(_priced_sql(groups)).to_arrow_table()

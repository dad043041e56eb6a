"""The one place the monitor prices AGGREGATED usage: `price_calls`.

A file source prices each model call exactly in DuckDB (state.py: aueb.logs.figures' `calls` view over
aueb.pricing's table, at the call's date and input-token tier, with cache reads and writes), so only
aggregates it cannot see call by call come here: a PostgreSQL source's sums (priced at the day's
prices) and `aueb changes`' re-pricing of a cell at the reference date. Both are priced by
aueb.pricing's `price_row` and `token_cost` as `calls` calls of the group's MEAN tokens per call: the
tier is chosen by the mean input tokens per call, and the formula, being linear in the tokens, is
applied to the sums with the per-request price counted once per call.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from aueb.logs.pricing import price_of
from aueb.pricing import price_row, token_cost


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

"""The ONE place the monitor prices model calls: every figure of aueb/monitor calls `price_calls`.

It prices aggregated usage (uncached input, cache reads, output tokens of a model and provider) at the
catalog prices (aueb.logs.pricing.price_of). `at` is the date whose prices apply: the catalog of this
release has one price per model, so it is accepted and passed on for the exact, dated pricing to use.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from aueb.logs.pricing import price_of


@cache
def _prices(model: str, provider: str) -> tuple[float, float, float, bool]:
    found = price_of(model or None, provider or None)
    if found.price is None:
        return 0.0, 0.0, 0.0, False
    p = found.price
    return p.input_price_per_mtok, p.cached_input_price_per_mtok, p.output_price_per_mtok, True


def price_calls(frame: pd.DataFrame, at: date | None = None) -> pd.DataFrame:
    """`frame` has model, provider, input_tokens (cache reads included), cached_input_tokens, output_tokens
    (sums over model calls, response-cache hits left out). Returns `cost` (USD, with the cache-read price)
    and `cost_undiscounted` (every input token at the input price: no cache, no batch), and `priced`."""
    del at  # one price per model in this catalog; the exact pricing takes the date here
    keys = list(zip(frame["model"].fillna(""), frame["provider"].fillna(""), strict=True))
    table = np.array([_prices(m, p) for m, p in keys], dtype=float).reshape(-1, 4)
    n_in = frame["input_tokens"].to_numpy(dtype=float)
    n_c = frame["cached_input_tokens"].to_numpy(dtype=float)
    n_out = frame["output_tokens"].to_numpy(dtype=float)
    cost = ((n_in - n_c) * table[:, 0] + n_c * table[:, 1] + n_out * table[:, 2]) / 1e6
    undiscounted = (n_in * table[:, 0] + n_out * table[:, 2]) / 1e6
    return pd.DataFrame({"cost": cost, "cost_undiscounted": undiscounted, "priced": table[:, 3] > 0}, index=frame.index)

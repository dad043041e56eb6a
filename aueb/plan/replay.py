"""Counterfactual replay: the logged model calls of the 730-hour window, re-priced under a lever.

Every counterfactual cost goes through `price_calls`, the one place that prices a call; it delegates to the
log's catalog prices (aueb.logs.pricing) and the engine's token formula (aueb.engine.token_unit_cost).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from aueb.engine import token_unit_cost
from aueb.errors import InputError
from aueb.logs.figures import measure_window
from aueb.logs.ingest import DEFAULT_MEMORY_LIMIT, DEFAULT_WINDOW_HOURS, READERS
from aueb.logs.pricing import price_of, prices_frame
from aueb.logs.records import connect, normalise
from aueb.logs.report import Window
from aueb.logs.sources import open_source

CALL_COLUMNS = ["feature", "model", "provider", "input_tokens", "cached_input_tokens", "output_tokens"]


@dataclass(frozen=True)
class BatchTerms:
    provider: str
    discount: float
    stacks_with_cache: bool
    source_url: str
    checked: str


@cache
def batch_table() -> dict[str, BatchTerms]:
    """The bundled, sourced, dated batch-API table (aueb/data/batch_discounts.csv), by catalog provider id."""
    text = resources.files("aueb.data").joinpath("batch_discounts.csv").read_text()
    return {
        row["provider"]: BatchTerms(
            row["provider"],
            float(row["discount"]),
            row["stacks_with_cache"].strip().lower() == "true",
            row["source_url"],
            row["checked"],
        )
        for row in csv.DictReader(text.splitlines())
    }


def batch_terms(provider: str | None) -> BatchTerms:
    """A provider's batch terms; a provider not in the table has no batch API (discount 0)."""
    return batch_table().get(provider or "", BatchTerms(provider or "", 0.0, True, "", ""))


@dataclass(frozen=True)
class Calls:
    """The window's model calls (response-cache hits left out: they cost nothing) and the monthly scale."""

    frame: pd.DataFrame  # CALL_COLUMNS, one row per model call
    window: Window
    scale: float  # monthly figures = window totals x scale, as `ingest` scales them


def load_calls(
    logs: list[str],
    log_format: str = "auto",
    feature_key: str | None = None,
    window_hours: float = DEFAULT_WINDOW_HOURS,
) -> Calls:
    """The model calls of a log, read through the ingest readers and normalised the same way."""
    source = open_source(logs, log_format)
    con = connect(memory_limit=DEFAULT_MEMORY_LIMIT)
    try:
        con.execute(
            f"CREATE TEMP TABLE records AS SELECT ts, {', '.join(CALL_COLUMNS)}, cache_hit "
            f"FROM ({normalise(READERS[source.format](source, feature_key))}) WHERE problem IS NULL AND ignored IS NULL"
        )
        first, last = con.execute("SELECT min(ts), max(ts) FROM records").fetchall()[0]
        if first is None:
            raise InputError(f"{source.files[0]}: no usable record")
        window, condition, scale = measure_window(first, last, window_hours)
        frame = con.execute(f"SELECT {', '.join(CALL_COLUMNS)} FROM records WHERE {condition} AND NOT cache_hit").df()
    finally:
        con.close()
    frame["provider"] = frame["provider"].fillna("").astype("category")
    frame["model"] = frame["model"].astype("category")
    frame["feature"] = frame["feature"].astype("category")
    for column in ("input_tokens", "cached_input_tokens", "output_tokens"):
        frame[column] = frame[column].astype(float)
    return Calls(frame=frame, window=window, scale=scale)


def _pair_prices(frame: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Per call, the row of its (model, provider) in a table of catalog prices (prices_frame's columns plus the
    catalog provider): a lookup over the categories, so 10M calls cost one integer pass."""
    model = frame["model"].astype("category")
    provider = frame["provider"].astype("category")
    width = max(len(provider.cat.categories), 1)
    key = model.cat.codes.to_numpy(dtype=np.int64) * width + provider.cat.codes.to_numpy(dtype=np.int64)
    present = np.flatnonzero(np.bincount(key, minlength=len(model.cat.categories) * width))
    pairs = [(model.cat.categories[k // width], provider.cat.categories[k % width]) for k in present]
    prices = [price_of(m, p or None) for m, p in pairs]
    for price in prices:
        if price.price is None:
            raise InputError(f"model {price.model!r}: {price.problem}")
    table = prices_frame(prices)
    table["catalog_provider"] = [p.price.provider if p.price else "" for p in prices]
    row = np.full(len(model.cat.categories) * width, -1, dtype=np.int64)
    row[present] = np.arange(len(present))
    return row[key], table


def price_calls(
    frame: pd.DataFrame,
    cached: np.ndarray | None = None,
    written: np.ndarray | None = None,
    batch_share: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Cost of each call of `frame` (model, provider, input/output tokens), with `cached` cache-read and `written`
    cache-write input tokens per call (default: as logged, no writes) and a batch share per call (expected cost
    (1 - b)·c + b·c_batch, the provider's discount and stacking rule from the batch table).

    THE pricing of the savings plan: swap this one function for the exact per-call pricing."""
    n = len(frame)
    row, table = _pair_prices(frame)
    p_in, p_cached, p_out = (table[c].to_numpy(dtype=float)[row] for c in ("p_in", "p_cached", "p_out"))
    n_in = frame["input_tokens"].to_numpy(dtype=float)
    n_c = frame["cached_input_tokens"].to_numpy(dtype=float) if cached is None else np.asarray(cached, dtype=float)
    # The catalog as wired today has no cache-write price: a write is priced as input (p_write = p_in),
    # i.e. part of the uncached input of the token formula.
    del written
    b = np.broadcast_to(np.asarray(batch_share, dtype=float), (n,))
    plain = token_unit_cost(n_in, n_c, frame["output_tokens"].to_numpy(dtype=float), p_in, p_cached, p_out, 0.0, 0.0)
    if not np.any(b):
        return np.asarray(plain, dtype=float)
    terms = [batch_terms(p) for p in table["catalog_provider"]]
    d = np.array([t.discount for t in terms])[row]
    stacks = np.array([t.stacks_with_cache for t in terms])[row]
    # Where the discounts do not combine, cache reads keep the cheaper of p_cached and p_in·(1 - d).
    keep = np.where(stacks, p_cached, np.minimum(p_cached, p_in * (1 - d)) / np.where(d < 1, 1 - d, 1.0))
    batched = token_unit_cost(n_in, n_c, frame["output_tokens"].to_numpy(dtype=float), p_in, keep, p_out, 1.0, d)
    return np.asarray((1 - b) * plain + b * batched, dtype=float)

"""Counterfactual replay: the logged model calls of the 730-hour window, re-priced under a lever.

Every counterfactual cost goes through `price_calls`, the one place that prices a call; it resolves each logged
model to its catalog id (aueb.logs.pricing.price_of) and prices it through aueb.pricing: the price row of its
date and input-token tier, the one formula `token_cost`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from aueb.errors import InputError
from aueb.logs.figures import measure_window
from aueb.logs.ingest import DEFAULT_MEMORY_LIMIT, DEFAULT_WINDOW_HOURS, READERS
from aueb.logs.pricing import price_of
from aueb.logs.records import connect, normalise
from aueb.logs.report import Window
from aueb.logs.sources import open_source
from aueb.plan.batch import BatchTerms, current_table
from aueb.pricing import price_table, token_cost

CALL_COLUMNS = [
    "ts",
    "feature",
    "model",
    "provider",
    "input_tokens",
    "cached_input_tokens",
    "cache_write_input_tokens",
    "output_tokens",
]


def batch_table() -> dict[str, BatchTerms]:
    """The sourced, dated batch-API table by catalog provider id: the bundled aueb/data/batch_discounts.csv, or the
    user's own (`--batch-table`, aueb.plan.batch.use_batch_table)."""
    return current_table()


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
            f"CREATE TEMP TABLE records AS SELECT {', '.join(CALL_COLUMNS)}, cache_hit "
            f"FROM ({normalise(READERS[source.format](source, feature_key))}) WHERE problem IS NULL AND ignored IS "
            "NULL AND merged IS NULL"
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
    for column in ("input_tokens", "cached_input_tokens", "cache_write_input_tokens", "output_tokens"):
        frame[column] = frame[column].astype(float)
    return Calls(frame=frame, window=window, scale=scale)


def _catalog_ids(frame: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Per call, the index of its catalog (provider, model) in the returned list: the log's (model, provider)
    resolved once per distinct pair (aueb.logs.pricing.price_of), so 10M calls cost one integer pass."""
    model = frame["model"].astype("category")
    provider = frame["provider"].astype("category")
    width = max(len(provider.cat.categories), 1)
    key = model.cat.codes.to_numpy(dtype=np.int64) * width + provider.cat.codes.to_numpy(dtype=np.int64)
    present = np.flatnonzero(np.bincount(key, minlength=len(model.cat.categories) * width))
    pairs = [(str(model.cat.categories[k // width]), str(provider.cat.categories[k % width])) for k in present]
    ids = []
    for m, p in pairs:
        found = price_of(m, p or None)
        if found.price is None:
            raise InputError(f"model {m!r}: {found.problem}")
        ids.append((found.price.provider, found.price.model))
    distinct = list(dict.fromkeys(ids))
    lookup = np.full(len(model.cat.categories) * width, -1, dtype=np.int64)
    lookup[present] = [distinct.index(i) for i in ids]
    return lookup[key], distinct


def _price_rows(frame: pd.DataFrame, n_in: np.ndarray) -> tuple[np.ndarray, pd.DataFrame, list[str]]:
    """Per call, its row of aueb.pricing's table (at the call's UTC date and input-token tier), the table's rows
    used, and per row its catalog provider. A call without `ts` is priced at today's prices."""
    pair, ids = _catalog_ids(frame)
    table = price_table()
    n = len(frame)
    if "ts" in frame:
        ts = pd.to_datetime(frame["ts"], utc=True)
        day = ts.dt.tz_convert("UTC").dt.tz_localize(None).dt.normalize().to_numpy(dtype="datetime64[D]")
    else:
        day = np.full(n, np.datetime64(datetime.now(tz=UTC).date(), "D"))
    row = np.full(n, -1, dtype=np.int64)
    used: list[int] = []
    for i, (provider, model) in enumerate(ids):
        mine = pair == i
        candidates = table[(table["provider"] == provider) & (table["model"] == model)]
        if candidates.empty:
            raise InputError(f"model {model!r} at provider {provider!r}: no token prices in the catalog")
        for label, price in zip(candidates.index, candidates.itertuples(index=False), strict=True):
            hit = mine & (n_in > price.tier_above) & (n_in <= price.tier_upto)
            if price.valid_from is not None:
                hit &= day >= np.datetime64(price.valid_from, "D")
            if price.valid_to is not None:
                hit &= day < np.datetime64(price.valid_to, "D")
            if hit.any():
                row[hit] = len(used)
                used.append(int(label))
    if (row < 0).any():
        first = int(np.flatnonzero(row < 0)[0])
        raise InputError(
            f"call {first + 1}: model {frame['model'].iloc[first]!r} has no catalog price on {day[first]} "
            f"for {n_in[first]:.0f} input tokens"
        )
    rows = table.loc[used].reset_index(drop=True)
    return row, rows, list(rows["provider"])


def price_calls(
    frame: pd.DataFrame,
    cached: np.ndarray | None = None,
    written: np.ndarray | None = None,
    batch_share: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Cost of each call of `frame` (model, provider, ts, input/output tokens), with `cached` cache-read and
    `written` cache-write input tokens per call (default: as logged) and a batch share per call (expected cost
    (1 - b)·c + b·c_batch, the provider's discount and stacking rule from the batch table).

    THE pricing of the savings plan: aueb.pricing's table row of each call's catalog model at its date and
    input-token tier, and its one formula (`token_cost`); tokens as logged."""
    n = len(frame)
    n_in = frame["input_tokens"].to_numpy(dtype=float)
    n_out = frame["output_tokens"].to_numpy(dtype=float)
    n_c = frame["cached_input_tokens"].to_numpy(dtype=float) if cached is None else np.asarray(cached, dtype=float)
    if written is not None:
        n_w = np.asarray(written, dtype=float)
    elif "cache_write_input_tokens" in frame:
        n_w = frame["cache_write_input_tokens"].to_numpy(dtype=float)
    else:
        n_w = np.zeros(n)
    row, table, providers = _price_rows(frame, n_in)
    p_in, p_cached, p_write, p_out, p_request = (
        table[c].to_numpy(dtype=float)[row] for c in ("p_in", "p_cached", "p_write", "p_out", "p_request")
    )
    plain = np.asarray(token_cost(n_in, n_c, n_w, n_out, p_in, p_cached, p_write, p_out, p_request=p_request))
    b = np.broadcast_to(np.asarray(batch_share, dtype=float), (n,))
    if not np.any(b):
        return plain.astype(float)
    terms = [batch_terms(p) for p in providers]
    d = np.array([t.discount for t in terms])[row]
    stacks = np.array([t.stacks_with_cache for t in terms])[row]
    # Where the discounts combine, c_batch = c·(1 - d); where they do not, cache reads keep the cheaper of
    # p_cached and p_in·(1 - d) and everything else gets (1 - d).
    off = 1 - d
    keep = np.where(stacks, p_cached * off, np.minimum(p_cached, p_in * off))
    batched = np.asarray(
        token_cost(n_in, n_c, n_w, n_out, p_in * off, keep, p_write * off, p_out * off, p_request=p_request * off)
    )
    return np.asarray((1 - b) * plain + b * batched, dtype=float)

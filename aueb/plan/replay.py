"""Counterfactual replay: the logged model calls of the 730-hour window, re-priced under a lever.

Every counterfactual cost goes through `price_calls`, the one place that prices a call; it resolves each logged
model to its catalog id (aueb.logs.pricing.price_of) and prices it through aueb.pricing: the price row of its
date and input-token tier, the one formula `token_cost`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import numpy as np
import pandas as pd

from aueb.errors import InputError
from aueb.logs.figures import measure_window
from aueb.logs.ingest import DEFAULT_MEMORY_LIMIT, DEFAULT_WINDOW_HOURS, READERS
from aueb.logs.pricing import price_of
from aueb.logs.records import connect, normalise
from aueb.logs.report import Window
from aueb.logs.sources import conventional_feature_key, open_source
from aueb.plan.batch import BatchTerms, current_table
from aueb.pricing import NO_LIMIT, price_table, token_cost

CALL_COLUMNS = [
    "ts",
    "feature",
    "model",
    "provider",
    "input_tokens",
    "cached_input_tokens",
    "cache_write_input_tokens",
    "cache_write_1h_input_tokens",
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
    """The window's model calls (response-cache hits left out: they cost nothing) and the monthly scale.

    `frame` has one row per group of calls that every lever prices alike (see `load_calls`): CALL_COLUMNS with
    the token columns summed over the group, `calls` (how many calls it holds) and `tier_tokens` (the input tokens
    of one of its calls, which place the whole group in its input-token tier). A frame without `calls` (one built
    by hand) has one row per call."""

    frame: pd.DataFrame
    window: Window
    scale: float  # monthly figures = window totals x scale, as `ingest` scales them

    @property
    def n_calls(self) -> int:
        """How many model calls the window holds."""
        return int(call_counts(self.frame).sum())


def call_counts(frame: pd.DataFrame) -> pd.Series:
    """Per row of a calls frame, the calls it stands for (1 per row in a frame without `calls`)."""
    if "calls" in frame:
        return frame["calls"]
    return pd.Series(1.0, index=frame.index)


@cache
def tier_thresholds() -> list[int]:
    """Every input-token threshold of aueb.pricing's table: calls between the same two thresholds are in the same
    tier of every catalog model, the logged one and any lever's target."""
    table = price_table()
    return sorted(
        {int(t) for t in table["tier_above"] if t >= 0} | {int(t) for t in table["tier_upto"] if t < NO_LIMIT}
    )


def group_calls_sql(records: str, condition: str) -> str:
    """The model calls of `records` in the window `condition`, summed per feature, logged model and provider, UTC
    day (prices change by day) and input-token bucket (`tier_thresholds`): every lever's cost is linear in these
    sums within a group, so pricing the groups is pricing each call (exact, not an approximation)."""
    bucket = " + ".join(f"(input_tokens > {t})::INTEGER" for t in tier_thresholds()) or "0"
    return f"""
        SELECT feature, model, provider, min(ts) AS ts, min(input_tokens) AS tier_tokens, count(*) AS calls,
            sum(input_tokens) AS input_tokens, sum(cached_input_tokens) AS cached_input_tokens,
            sum(cache_write_input_tokens) AS cache_write_input_tokens,
            sum(cache_write_1h_input_tokens) AS cache_write_1h_input_tokens, sum(output_tokens) AS output_tokens
        FROM {records}
        WHERE {condition} AND NOT cache_hit
        GROUP BY feature, model, provider, CAST(ts AS DATE), {bucket}
        ORDER BY feature, model, provider, ts, tier_tokens
    """


def load_calls(
    logs: list[str],
    log_format: str = "auto",
    feature_key: str | None = None,
    window_hours: float = DEFAULT_WINDOW_HOURS,
) -> Calls:
    """The model calls of a log, read through the ingest readers and normalised the same way, grouped in DuckDB
    (`group_calls_sql`) so that no per-call frame is ever built: 10M calls become a few thousand rows."""
    source = open_source(logs, log_format)
    if feature_key is None:  # the format's conventional key, as `aueb ingest` finds it
        feature_key, _ = conventional_feature_key(source)
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
        frame = con.execute(group_calls_sql("records", condition)).df()
    finally:
        con.close()
    frame["provider"] = frame["provider"].fillna("").astype("category")
    frame["model"] = frame["model"].astype("category")
    frame["feature"] = frame["feature"].astype("category")
    for column in (
        "input_tokens",
        "cached_input_tokens",
        "cache_write_input_tokens",
        "cache_write_1h_input_tokens",
        "output_tokens",
        "tier_tokens",
    ):
        frame[column] = frame[column].astype(float)
    frame["calls"] = frame["calls"].astype(np.int64)
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
    """Per call (or group of calls), its row of aueb.pricing's table (at the call's UTC date and the tier of its
    input tokens `n_in`), the table's rows used, and per row its catalog provider. A call without `ts` is priced
    at today's prices."""
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
        which = f"call {first + 1}" if "calls" not in frame else f"{int(frame['calls'].iloc[first])} calls"
        raise InputError(
            f"{which}: model {frame['model'].iloc[first]!r} has no catalog price on {day[first]} "
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
    (1 - b)·c + b·c_batch, the provider's discount and stacking rule from the batch table). A row of a grouped
    frame (`load_calls`: token sums, `calls`, `tier_tokens`) costs the sum of its calls: the formula is linear in
    the tokens at the group's one price row, and the per-request price counts once per call.

    THE pricing of the savings plan: aueb.pricing's table row of each call's catalog model at its date and
    input-token tier, and its one formula (`token_cost`); tokens as logged."""
    n = len(frame)
    n_in = frame["input_tokens"].to_numpy(dtype=float)
    n_out = frame["output_tokens"].to_numpy(dtype=float)
    n_c = frame["cached_input_tokens"].to_numpy(dtype=float) if cached is None else np.asarray(cached, dtype=float)
    # A lever's own cache writes (`written`) are 5-minute writes; the log's 1-hour writes count only as logged.
    n_w1h = np.zeros(n)
    if written is not None:
        n_w = np.asarray(written, dtype=float)
    elif "cache_write_input_tokens" in frame:
        n_w = frame["cache_write_input_tokens"].to_numpy(dtype=float)
        if "cache_write_1h_input_tokens" in frame:
            n_w1h = frame["cache_write_1h_input_tokens"].to_numpy(dtype=float)
    else:
        n_w = np.zeros(n)
    tier = frame["tier_tokens"].to_numpy(dtype=float) if "tier_tokens" in frame else n_in
    row, table, providers = _price_rows(frame, tier)
    p_in, p_cached, p_write, p_write_1h, p_out, p_request = (
        table[c].to_numpy(dtype=float)[row] for c in ("p_in", "p_cached", "p_write", "p_write_1h", "p_out", "p_request")
    )
    if "calls" in frame:
        p_request = p_request * frame["calls"].to_numpy(dtype=float)
    plain = np.asarray(
        token_cost(n_in, n_c, n_w, n_out, p_in, p_cached, p_write, p_out, n_w1h, p_write_1h, p_request=p_request)
    )
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
        token_cost(
            n_in,
            n_c,
            n_w,
            n_out,
            p_in * off,
            keep,
            p_write * off,
            p_out * off,
            n_w1h,
            p_write_1h * off,
            p_request * off,
        )
    )
    return np.asarray((1 - b) * plain + b * batched, dtype=float)

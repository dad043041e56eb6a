"""The one pricing core: the catalog's token prices as a table, and the one formula over it.

`price_table()` turns the pinned genai-prices snapshot into one row per provider, model, validity
interval (price history, by UTC date) and input-token tier, with every price per million tokens:

    provider, model, valid_from, valid_to   (DATE; valid_from <= day < valid_to; NULL = open)
    tier_above, tier_upto                   (the row applies when tier_above < input_tokens <= tier_upto)
    p_in, p_cached, p_write, p_write_1h, p_out, p_request

It reproduces genai-prices' `calc_price` for token usage: a tiered price applies to all tokens of
its kind once the request's input tokens (cache reads and writes included) exceed the tier's
start; cache reads and writes are priced at the input price where the catalog lists none (they
are then part of the input leaf), a 1-hour cache write at the cache-write price where no 1-hour
price is listed; `requests_kcount` is a price per thousand requests. The prices of a model with
time-of-day prices (off-peak hours) are its standard prices: the table has no time-of-day column.

`COST_SQL` is the formula as a DuckDB expression over a record `r` joined to a table row `p`
(`PRICE_JOIN_SQL`), and `token_cost` the same formula on numbers or arrays; `request_cost` prices
one request through the table. Nothing else in aueb writes the formula.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import pandas as pd
from genai_prices import data_snapshot
from genai_prices.types import ModelInfo, ModelPrice, StartDateConstraint, TieredPrices

KEYS = {
    "p_in": "input_mtok",
    "p_cached": "cache_read_mtok",
    "p_write": "cache_write_mtok",
    "p_write_1h": "cache_write_1h_mtok",
    "p_out": "output_mtok",
}
COLUMNS = [
    "provider",
    "model",
    "valid_from",
    "valid_to",
    "tier_above",
    "tier_upto",
    "p_in",
    "p_cached",
    "p_write",
    "p_write_1h",
    "p_out",
    "p_request",
]
NO_LIMIT = 2**62
_EPOCH = datetime(1970, 1, 1, 12, tzinfo=UTC)


def token_cost(n_in, n_c, n_w, n_out, p_in, p_cached, p_write, p_out, n_w1h=0, p_write_1h=0.0, p_request=0.0):  # noqa: ANN001, ANN201 (numbers or arrays)
    """One request's cost before the batch factor: n_in includes the cache reads n_c and the cache
    writes n_w (of which n_w1h are 1-hour writes); prices per million tokens, p_request per request."""
    return (
        (n_in - n_c - n_w) * p_in + n_c * p_cached + (n_w - n_w1h) * p_write + n_w1h * p_write_1h + n_out * p_out
    ) / 1e6 + p_request


def cost_parts_sql(records: str = "r", prices: str = "p", requests: str | None = None) -> dict[str, str]:
    """The formula's terms in DuckDB, by token kind, over a record `records` joined to a price row `prices` (a
    per-request price counts with the uncached input). With `requests` (a column of the request count), the
    record's token columns are sums over that many requests priced at the same row: the terms are then the sums
    of the per-request terms (the formula is linear in the tokens)."""
    r, p = records, prices
    per_request = f"{p}.p_request" if requests is None else f"{r}.{requests} * {p}.p_request"
    return {
        "cost_input": f"(({r}.input_tokens - {r}.cached_input_tokens - {r}.cache_write_input_tokens) * {p}.p_in / 1e6"
        f" + {per_request})",
        "cost_cached": f"({r}.cached_input_tokens * {p}.p_cached / 1e6)",
        "cost_write": f"(({r}.cache_write_input_tokens - {r}.cache_write_1h_input_tokens) * {p}.p_write"
        f" + {r}.cache_write_1h_input_tokens * {p}.p_write_1h) / 1e6",
        "cost_output": f"({r}.output_tokens * {p}.p_out / 1e6)",
    }


def list_cost_sql(records: str = "r", prices: str = "p", requests: str | None = None) -> str:
    """The same call(s) at list prices with no prompt cache (every input token at the input price) and no batch."""
    r, p = records, prices
    per_request = f"{p}.p_request" if requests is None else f"{r}.{requests} * {p}.p_request"
    return f"(({r}.input_tokens * {p}.p_in + {r}.output_tokens * {p}.p_out) / 1e6 + {per_request})"


# The formula's terms over one record `r` and its price row `p`.
COST_PARTS_SQL = cost_parts_sql()
COST_SQL = "(" + " + ".join(COST_PARTS_SQL.values()) + ")"
LIST_COST_SQL = list_cost_sql()


def price_join_sql(records: str = "r", prices: str = "p") -> str:
    """The join condition of a record (catalog_provider, catalog_model, ts, input_tokens) to its price row."""
    r, p = records, prices
    return (
        f"{r}.catalog_provider = {p}.provider AND {r}.catalog_model = {p}.model"
        f" AND ({p}.valid_from IS NULL OR CAST({r}.ts AS DATE) >= {p}.valid_from)"
        f" AND ({p}.valid_to IS NULL OR CAST({r}.ts AS DATE) < {p}.valid_to)"
        f" AND {r}.input_tokens > {p}.tier_above AND {r}.input_tokens <= {p}.tier_upto"
    )


def _starts(model: ModelInfo) -> list[date]:
    if isinstance(model.prices, ModelPrice):
        return []
    return sorted({c.constraint.start_date for c in model.prices if isinstance(c.constraint, StartDateConstraint)})


def _at(price: Decimal | TieredPrices | None, above: int) -> float | None:
    """The price of a request whose input tokens exceed `above` (and no further threshold)."""
    if price is None:
        return None
    if not isinstance(price, TieredPrices):
        return float(price)
    applicable = price.base
    for tier in reversed(price.tiers):
        if above >= tier.start:
            applicable = tier.price
            break
    return float(applicable)


def _rows(provider: str, model: ModelInfo) -> list[dict]:
    rows = []
    starts = _starts(model)
    bounds: list[date | None] = [None, *starts, None]
    for valid_from, valid_to in zip(bounds, bounds[1:], strict=False):
        when = (
            _EPOCH
            if valid_from is None
            else datetime(valid_from.year, valid_from.month, valid_from.day, 12, tzinfo=UTC)
        )
        prices = model.get_prices(when)
        values = {column: getattr(prices, key, None) for column, key in KEYS.items()}
        if values["p_in"] is None and values["p_out"] is None:
            continue
        thresholds = sorted(
            {t.start for v in values.values() if isinstance(v, TieredPrices) for t in v.tiers if t.start >= 0}
        )
        lows = [-1, *thresholds]
        highs = [*thresholds, NO_LIMIT]
        request = getattr(prices, "requests_kcount", None)
        for above, upto in zip(lows, highs, strict=True):
            p = {column: _at(v, above) for column, v in values.items()}
            p_in = p["p_in"] or 0.0
            p_write = p_in if p["p_write"] is None else p["p_write"]
            rows.append(
                {
                    "provider": provider,
                    "model": model.id,
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                    "tier_above": above,
                    "tier_upto": upto,
                    "p_in": p_in,
                    "p_cached": p_in if p["p_cached"] is None else p["p_cached"],
                    "p_write": p_write,
                    "p_write_1h": p_write if p["p_write_1h"] is None else p["p_write_1h"],
                    "p_out": p["p_out"] or 0.0,
                    "p_request": 0.0 if request is None else float(request) / 1000,
                }
            )
    return rows


@cache
def _table() -> pd.DataFrame:
    rows = [
        row
        for provider in data_snapshot.get_snapshot().providers
        for model in provider.models
        for row in _rows(provider.id, model)
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("valid_from", "valid_to"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def price_table() -> pd.DataFrame:
    """Every catalog price row (a copy: callers may filter or register it)."""
    return _table().copy()


@cache
def _index() -> dict[tuple[str, str], list[Any]]:
    index: dict[tuple[str, str], list[Any]] = {}
    for row in _table().itertuples(index=False):
        index.setdefault((row.provider, row.model), []).append(row)
    return index


def price_row(provider: str, model: str, when: date | datetime | None, input_tokens: float):  # noqa: ANN201 (a row of the table)
    """The table row that prices a request of `input_tokens` at `provider`'s catalog `model` on `when`
    (None: today); None when the catalog has no token prices for it."""
    day = (when.astimezone(UTC).date() if when.tzinfo else when.date()) if isinstance(when, datetime) else when
    day = day or datetime.now(tz=UTC).date()
    for row in _index().get((provider, model), []):
        if row.valid_from is not None and day < row.valid_from:
            continue
        if row.valid_to is not None and day >= row.valid_to:
            continue
        if row.tier_above < input_tokens <= row.tier_upto:
            return row
    return None


def request_cost(
    provider: str,
    model: str,
    input_tokens: float,
    cached_input_tokens: float,
    cache_write_input_tokens: float,
    output_tokens: float,
    when: date | datetime | None = None,
) -> float:
    """One request's catalog cost (before any batch factor), by the table."""
    row = price_row(provider, model, when, input_tokens)
    if row is None:
        raise LookupError(f"model {model!r} at provider {provider!r} has no token prices in the catalog")
    return float(
        token_cost(
            input_tokens,
            cached_input_tokens,
            cache_write_input_tokens,
            output_tokens,
            row.p_in,
            row.p_cached,
            row.p_write,
            row.p_out,
            p_request=row.p_request,
        )
    )

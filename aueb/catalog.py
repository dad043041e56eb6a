"""Adapter over the pinned genai-prices catalog: list prices per million tokens, offline.

Only the bundled snapshot is read; the package's auto-update (a network call) is never started.
Tiered prices are read at their base tier, the price of a request under the first tier's threshold.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from genai_prices import data_snapshot
from genai_prices.types import TieredPrices


class UnknownModelError(ValueError):
    """A model or provider that the catalog does not know; the message starts with the field
    (`model ...` or `provider ...`) and names the closest catalog entries."""


@dataclass(frozen=True)
class CatalogPrice:
    provider: str
    model: str
    name: str
    input_price_per_mtok: float
    cached_input_price_per_mtok: float
    output_price_per_mtok: float


def _base(price: Decimal | TieredPrices | None) -> float | None:
    if price is None:
        return None
    return float(price.base if isinstance(price, TieredPrices) else price)


@cache
def catalog_models() -> tuple[CatalogPrice, ...]:
    """Every catalog model that has token prices for input and output, as of today."""
    now = datetime.now(tz=UTC)
    rows = []
    for provider in data_snapshot.get_snapshot().providers:
        for model in provider.models:
            prices = model.get_prices(now)
            input_price, output_price = _base(prices.input_mtok), _base(prices.output_mtok)
            if input_price is None or output_price is None:
                continue
            cached = _base(prices.cache_read_mtok)
            rows.append(
                CatalogPrice(
                    provider=provider.id,
                    model=model.id,
                    name=model.name or model.id,
                    input_price_per_mtok=input_price,
                    cached_input_price_per_mtok=input_price if cached is None else cached,
                    output_price_per_mtok=output_price,
                )
            )
    return tuple(rows)


def _closest(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word.lower(), sorted(set(candidates)), n=5, cutoff=0.5)
    return f"; closest: {', '.join(close)}" if close else ""


@cache
def lookup(model: str, provider: str | None = None) -> CatalogPrice:
    """Prices of `model` (optionally at `provider`), matched the way genai-prices matches API model names."""
    snapshot = data_snapshot.get_snapshot()
    try:
        found_provider, found_model = snapshot.find_provider_model(model, None, provider, None)
    except LookupError:
        if provider is not None and not any(p.id == provider.lower() for p in snapshot.providers):
            raise UnknownModelError(
                f"provider {provider!r} is not in the price "
                f"catalog{_closest(provider, [p.id for p in snapshot.providers])}"
            ) from None
        names = [m.model for m in catalog_models() if provider is None or m.provider == provider.lower()]
        where = f" at provider {provider!r}" if provider else ""
        raise UnknownModelError(f"model {model!r} is not in the price catalog{where}{_closest(model, names)}") from None
    for row in catalog_models():
        if row.provider == found_provider.id and row.model == found_model.id:
            return row
    raise UnknownModelError(f"model {model!r} has no token prices in the catalog; give its prices")

"""Prices of the models a log names, from the catalog (never from the log), and the check of the
cost the logging tool recorded against the cost recomputed with them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from aueb.catalog import CatalogPrice, UnknownModelError, lookup
from aueb.logs.report import PriceCheck

# Provider names of the logging tools (OTel gen_ai.provider.name, LiteLLM custom_llm_provider) -> catalog ids.
PROVIDER_ALIASES = {
    "aws.bedrock": "aws",
    "bedrock": "aws",
    "bedrock_converse": "aws",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",
    "azure_ai": "azure",
    "gcp.vertex_ai": "google",
    "gcp.gemini": "google",
    "gcp.gen_ai": "google",
    "vertex_ai": "google",
    "gemini": "google",
    "vertex_ai_beta": "google",
    "text-completion-openai": "openai",
    "x_ai": "x-ai",
    "xai": "x-ai",
    "mistral_ai": "mistral",
}
PRICE_CHECK_TOLERANCE = 0.01


@dataclass(frozen=True)
class ModelPrice:
    model: str | None
    provider: str | None
    price: CatalogPrice | None
    problem: str | None = None  # why the catalog has no price: the lookup's message, with the closest names


def _candidates(model: str, provider: str | None) -> list[tuple[str, str | None]]:
    provider = PROVIDER_ALIASES.get(provider, provider) if provider else None
    names = [model] + ([model.rsplit("/", 1)[1]] if "/" in model else [])
    return [(name, p) for name in names for p in dict.fromkeys([provider, None])]


def price_of(model: str | None, provider: str | None) -> ModelPrice:
    """The catalog's prices of a logged model: with its provider, else by the model name alone
    (a provider the catalog spells differently), else without a `provider/` prefix."""
    if model is None:
        return ModelPrice(model, provider, None, "no model")
    first_error = None
    for name, where in _candidates(model, provider):
        try:
            return ModelPrice(model, provider, lookup(name, where))
        except UnknownModelError as exc:
            first_error = first_error or str(exc)
    # The message of the lookup by name alone names the closest catalog models.
    try:
        lookup(model, None)
    except UnknownModelError as exc:
        first_error = str(exc)
    return ModelPrice(model, provider, None, first_error)


def prices_frame(prices: list[ModelPrice]) -> pd.DataFrame:
    """One row per (model, provider) of the log with its prices per million tokens (0 when unpriced)."""
    return pd.DataFrame(
        {
            "model": [p.model for p in prices],
            "provider": [p.provider or "" for p in prices],
            "p_in": [p.price.input_price_per_mtok if p.price else 0.0 for p in prices],
            "p_cached": [p.price.cached_input_price_per_mtok if p.price else 0.0 for p in prices],
            "p_out": [p.price.output_price_per_mtok if p.price else 0.0 for p in prices],
            "priced": [p.price is not None for p in prices],
        },
        columns=["model", "provider", "p_in", "p_cached", "p_out", "priced"],
    )


def price_checks(totals: pd.DataFrame) -> list[PriceCheck]:
    """Per model, recorded against recomputed cost over the records that carry a recorded cost;
    flagged when they differ by more than 1% of the recomputed cost (or recomputed is 0 and recorded is not)."""
    checks = []
    for row in totals.sort_values("model").itertuples(index=False):
        recorded, recomputed = float(row.recorded_cost), float(row.recomputed_cost)
        ratio = recorded / recomputed if recomputed > 0 else None
        flagged = abs(recorded - recomputed) > PRICE_CHECK_TOLERANCE * recomputed if recomputed > 0 else recorded > 0
        checks.append(
            PriceCheck(
                model=row.model, recorded_cost=recorded, recomputed_cost=recomputed, ratio=ratio, flagged=flagged
            )
        )
    return checks

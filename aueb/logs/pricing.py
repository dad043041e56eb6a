"""Prices of the models a log names, from the catalog (never from the log), and the check of the
cost the logging tool recorded against the cost recomputed with them."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from aueb.catalog import CatalogPrice, UnknownModelError, lookup
from aueb.logs.report import PriceCheck
from aueb.pricing import price_table

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


def catalog_frame(prices: list[ModelPrice]) -> pd.DataFrame:
    """One row per (model, provider) of the log with the catalog provider and model that price it
    (NULL when unpriced: such calls cost 0)."""
    return pd.DataFrame(
        {
            "model": [p.model for p in prices],
            "provider": [p.provider or "" for p in prices],
            "catalog_provider": [p.price.provider if p.price else None for p in prices],
            "catalog_model": [p.price.model if p.price else None for p in prices],
            "priced": [p.price is not None for p in prices],
        },
        columns=["model", "provider", "catalog_provider", "catalog_model", "priced"],
    )


def register_prices(con: duckdb.DuckDBPyConnection, prices: list[ModelPrice]) -> None:
    """Tables `log_models` (the log's models -> catalog ids) and `prices` (aueb.pricing's table, only
    the rows of the log's models) that the `calls` view joins to price each call at its date and tier."""
    frame = catalog_frame(prices)
    table = price_table()
    used = set(zip(frame.catalog_provider, frame.catalog_model, strict=True))
    table = table[[key in used for key in zip(table.provider, table.model, strict=True)]]
    con.register("log_models_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE log_models AS SELECT * FROM log_models_frame")
    con.register("prices_frame", table)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE prices AS SELECT provider, model, CAST(valid_from AS DATE) AS valid_from, "
        "CAST(valid_to AS DATE) AS valid_to, tier_above, tier_upto, p_in, p_cached, p_write, p_write_1h, p_out, "
        "p_request FROM prices_frame"
    )
    con.unregister("log_models_frame")
    con.unregister("prices_frame")


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

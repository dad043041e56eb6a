"""Scenarios price cache writes and tiers with the one pricing core."""

from __future__ import annotations

import pytest
from genai_prices import Usage, data_snapshot
from pydantic import ValidationError

from aueb.engine import token_cost_per_request
from aueb.scenario import TokenPricing


def _calc(provider: str, model: str, **usage: int) -> float:
    snapshot = data_snapshot.get_snapshot()
    found_provider, found_model = snapshot.find_provider_model(model, None, provider, None)
    return float(found_model.calc_price(Usage(**usage), found_provider).total_price)


@pytest.mark.parametrize("n_in", [1_000, 200_000, 200_001, 500_000])
def test_catalog_scenario_prices_tiers_and_cache_writes_like_calc_price(n_in: int) -> None:
    pricing = TokenPricing(
        model="claude-sonnet-4-5",
        provider="anthropic",
        input_tokens=n_in,
        cached_input_tokens=n_in // 4,
        cache_write_input_tokens=n_in // 5,
        output_tokens=900,
    )
    want = _calc(
        "anthropic",
        "claude-sonnet-4-5",
        input_tokens=n_in,
        cache_read_tokens=n_in // 4,
        cache_write_tokens=n_in // 5,
        output_tokens=900,
    )
    assert token_cost_per_request(pricing) == pytest.approx(want, rel=1e-9)


def test_batch_factor_on_top() -> None:
    base = dict(model="gpt-4o", provider="openai", input_tokens=3000, cached_input_tokens=1000, output_tokens=500)
    full = token_cost_per_request(TokenPricing(**base))
    half = token_cost_per_request(TokenPricing(**base, batch_share=0.5, batch_discount=0.5))
    assert half == pytest.approx(full * 0.75, rel=1e-12)


def test_own_prices_cache_write_defaults_to_input_price() -> None:
    own = dict(input_tokens=1000, cache_write_input_tokens=400, output_tokens=0, input_price_per_mtok=2.0)
    assert token_cost_per_request(TokenPricing(**own, output_price_per_mtok=1.0)) == pytest.approx(2000 / 1e6)
    priced = TokenPricing(**own, output_price_per_mtok=1.0, cache_write_price_per_mtok=5.0)
    assert token_cost_per_request(priced) == pytest.approx((600 * 2 + 400 * 5) / 1e6)


def test_reads_and_writes_may_not_exceed_input() -> None:
    with pytest.raises(ValidationError, match="cache_write_input_tokens"):
        TokenPricing(
            input_tokens=100,
            cached_input_tokens=60,
            cache_write_input_tokens=50,
            output_tokens=1,
            input_price_per_mtok=1,
            output_price_per_mtok=1,
        )

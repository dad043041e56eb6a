"""The scenario measured from a log: one feature per feature of the log, its teacher priced by tokens
with the measured token counts and the measured effective prices (cost of each token kind / tokens of
that kind, every call priced at its date and tier), so that `aueb project` at 1x reproduces each
feature's measured requests, users and inference cost, also when several models serve it. The teacher
is named after the dominant model; the notes give the mix.

What a log cannot tell (revenue per user, teacher quality) is set to a neutral value and listed in
`notes`, for the user to fill in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import pandas as pd

from aueb.logs.pricing import price_of
from aueb.logs.report import IngestReport
from aueb.scenario import Feature, Scenario, Teacher, TokenPricing


@dataclass
class MeasuredScenario:
    scenario: Scenario | None
    notes: list[str] = field(default_factory=list)


KINDS = ("input", "cached", "write", "output")


def _effective(row: pd.Series, kind: str) -> float:
    """Measured price of one token kind per million tokens (0 where the window has none of them)."""
    tokens, cost = float(row[f"tokens_{kind}"]), float(row[f"cost_{kind}"])
    return cost / tokens * 1e6 if tokens > 0 else 0.0


def build_scenario(
    report: IngestReport, dominant: pd.DataFrame, name: str, token_costs: pd.DataFrame | None = None
) -> MeasuredScenario:
    """`dominant` holds, per feature, the (model, provider) serving most of its model calls in the window;
    `token_costs` (figures.Aggregates.token_costs) the tokens and cost of each kind over them."""
    costs = token_costs.set_index("feature") if token_costs is not None else None
    notes = ["revenue_per_user is 0 in every feature: fill in the revenue each feature earns per user and month"]
    features = []
    served = dominant.set_index("feature")
    for feature, figures in report.features.items():
        if figures.requests <= 0 or feature not in served.index or figures.input_tokens_mean is None:
            notes.append(f"feature {feature!r} is left out: no model call in the window")
            continue
        model, provider = served.loc[feature, "model"], served.loc[feature, "provider"] or None
        price = price_of(model, provider).price
        if price is None:
            notes.append(f"feature {feature!r} is left out: its model {model!r} is not in the price catalog")
            continue
        share = figures.models.get(model, 0.0)
        if share < 1:
            mix = ", ".join(f"{m} {s:.0%}" for m, s in sorted(figures.models.items(), key=lambda kv: -kv[1]))
            notes.append(
                f"feature {feature!r}: served by several models ({mix}); its teacher is named after the dominant "
                f"{model} and priced at the measured effective prices of the mix"
            )
        if figures.users:
            users, per_user = (
                float(figures.users),
                float(cast(float, figures.requests_per_user)),
            )  # set whenever users are
        else:
            users, per_user = 1.0, figures.requests
            notes.append(
                f"feature {feature!r}: the log has no user ids; its {figures.requests:,.0f} requests/month are held "
                "as 1 user"
            )
        features.append(
            Feature(
                name=feature,
                users=users,
                requests_per_user=per_user,
                revenue_per_user=0.0,
                cache_hit_rate=figures.cache_hit_rate or 0.0,
                teacher=Teacher(
                    name=model,
                    # Quality is not in a log: 1 counts every output correct until the team's eval says otherwise.
                    quality=1.0,
                    pricing=_pricing(price.model, price.provider, costs.loc[feature])
                    if costs is not None and feature in costs.index
                    else TokenPricing(
                        model=price.model,
                        provider=price.provider,
                        input_tokens=figures.input_tokens_mean,
                        cached_input_tokens=min(figures.cached_input_tokens_mean or 0.0, figures.input_tokens_mean),
                        output_tokens=cast(float, figures.output_tokens_mean),  # validated by TokenPricing
                        input_price_per_mtok=price.input_price_per_mtok,
                        cached_input_price_per_mtok=price.cached_input_price_per_mtok,
                        output_price_per_mtok=price.output_price_per_mtok,
                    ),
                ),
            )
        )
    if not features:
        return MeasuredScenario(None, notes + ["no scenario: no feature has a priced model call in the window"])
    notes.append("teacher quality is 1 (every output correct): set it from your eval to count the cost of errors")
    return MeasuredScenario(Scenario(name=name, features=features), notes)


def _pricing(model: str, provider: str, row: pd.Series) -> TokenPricing:
    calls = float(row["calls"])
    tokens = {kind: float(row[f"tokens_{kind}"]) / calls for kind in KINDS}
    prices = {kind: _effective(row, kind) for kind in KINDS}
    cached = tokens["cached"]
    written = tokens["write"]
    return TokenPricing(
        model=model,
        provider=provider,
        input_tokens=tokens["input"] + cached + written,
        cached_input_tokens=cached,
        cache_write_input_tokens=written,
        output_tokens=tokens["output"],
        input_price_per_mtok=prices["input"],
        cached_input_price_per_mtok=prices["cached"],
        cache_write_price_per_mtok=prices["write"],
        output_price_per_mtok=prices["output"],
    )

"""The scenario measured from a log: one feature per feature of the log, its teacher priced by tokens
with the feature's dominant model at catalog prices and the measured token counts.

What a log cannot tell (revenue per user, teacher quality) is set to a neutral value and listed in
`notes`, for the user to fill in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from aueb.logs.pricing import price_of
from aueb.logs.report import IngestReport
from aueb.scenario import Feature, Scenario, Teacher, TokenPricing


@dataclass
class MeasuredScenario:
    scenario: Scenario | None
    notes: list[str] = field(default_factory=list)


def build_scenario(report: IngestReport, dominant: pd.DataFrame, name: str) -> MeasuredScenario:
    """`dominant` holds, per feature, the (model, provider) serving most of its model calls in the window."""
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
            notes.append(
                f"feature {feature!r}: priced with its dominant model {model} ({share:.0%} of model calls); "
                f"measured cost per request {figures.cost_per_request:.6f} USD"
            )
        if figures.users:
            users, per_user = float(figures.users), float(figures.requests_per_user)
        else:
            users, per_user = 1.0, figures.requests
            notes.append(
                f"feature {feature!r}: the log has no user ids; its {figures.requests:,.0f} requests/month are held as 1 user"
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
                    pricing=TokenPricing(
                        model=price.model,
                        provider=price.provider,
                        input_tokens=figures.input_tokens_mean,
                        cached_input_tokens=min(figures.cached_input_tokens_mean or 0.0, figures.input_tokens_mean),
                        output_tokens=figures.output_tokens_mean,
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

"""The scenario with a log's combined plan applied: `aueb project` on it gives the plan's cost at every multiplier."""

from __future__ import annotations

from typing import Any, cast

from aueb.errors import InputError
from aueb.scenario import Feature, PerRequestPricing, Scenario


def apply_combined(scenario: Scenario, combined: list[dict[str, Any]]) -> Scenario:
    """Each feature's teacher priced per request at the combined plan's monthly cost / its model-served requests
    (a log's cost grows in proportion to volume, so this holds at every multiplier)."""
    after = {row["feature"]: row["cost_after"] / row["multiplier"] for row in combined}
    features = []
    for feature in scenario.features:
        if feature.name not in after:
            features.append(feature)
            continue
        served = feature.users * feature.requests_per_user * (1 - feature.cache_hit_rate)
        if served <= 0:
            raise InputError(f"feature {feature.name!r}: no model-served request to carry the plan's cost")
        teacher = feature.teacher.model_copy(update={"pricing": PerRequestPricing(cost=after[feature.name] / served)})
        features.append(cast(Feature, feature.model_copy(update={"teacher": teacher})))
    return cast(
        Scenario, scenario.model_copy(update={"features": features, "name": f"{scenario.name} (savings plan applied)"})
    )

"""The scenario with a log's combined plan applied: `aueb project` on it gives the plan's cost at every multiplier."""

from __future__ import annotations

from typing import Any, cast

from aueb.errors import InputError
from aueb.plan.inputs import PlannedStudent
from aueb.scenario import Feature, PerRequestPricing, Scenario


def apply_combined(
    scenario: Scenario, combined: list[dict[str, Any]], students: dict[str, PlannedStudent] | None = None
) -> Scenario:
    """Each feature's teacher priced per request at the combined plan's monthly cost / its model-served requests
    (a log's cost grows in proportion to volume, so this holds at every multiplier). A feature whose plan takes a
    student (`students`, PlanResult.students) gets it instead: the teacher per request at its cost under the plan's
    teacher levers, the student with the plan's coverage and escalation, so the distilled arm is the plan at every
    multiplier (a self-hosted student sized on its own requests, as the plan sizes it) and the baseline arm the
    teacher under the plan's other levers."""
    after = {row["feature"]: row["cost_after"] / row["multiplier"] for row in combined}
    students = students or {}
    features = []
    for feature in scenario.features:
        if feature.name not in after:
            features.append(feature)
            continue
        served = feature.users * feature.requests_per_user * (1 - feature.cache_hit_rate)
        if served <= 0:
            raise InputError(f"feature {feature.name!r}: no model-served request to carry the plan's cost")
        planned = students.get(feature.name)
        cost = after[feature.name] if planned is None else planned.teacher_cost
        teacher = feature.teacher.model_copy(update={"pricing": PerRequestPricing(cost=cost / served)})
        update: dict[str, Any] = {"teacher": teacher}
        if planned is not None:
            update.update(student=planned.student, coverage=planned.coverage, escalation=planned.escalation)
        features.append(cast(Feature, feature.model_copy(update=update)))
    return cast(
        Scenario, scenario.model_copy(update={"features": features, "name": f"{scenario.name} (savings plan applied)"})
    )

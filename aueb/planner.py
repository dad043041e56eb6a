"""The distillation planner: every operating point of a measured cascade, priced with the scenario.

Each point maps onto the feature as docs/economics.md says (coverage 1, escalation 1 - c, retention
(Q/A_T - (1 - c)) / c); all points are priced by one vectorised engine call at 1x, the rest of the
scenario unchanged. The best point maximises the feature's net AI value; ties go to the larger coverage.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aueb.cascade import feature_inputs
from aueb.engine import engine_inputs, overflow_message, project, project_feature_variants, project_features
from aueb.errors import InputError
from aueb.metrics import Cascade, MetricsError
from aueb.scenario import Scenario
from aueb.tiers import load_tiers

PLAN_MULTIPLIER = 1.0
PRICED = ("ai_cogs", "error_cost", "net_ai_value", "cogs_to_revenue")
POINT_COLUMNS = (
    "threshold",
    "coverage",
    "escalation",
    "system_accuracy",
    "quality_retention",
    "ai_cogs",
    "error_cost",
    "net_ai_value",
    "cogs_to_revenue",
)
# Net AI values closer than this (relative) are a tie, decided by coverage: float noise is not a preference.
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Plan:
    """The priced curve of one feature: one row per operating point (POINT_COLUMNS, `applicable`)."""

    scenario: str
    feature: str
    currency: str
    points: pd.DataFrame
    best: int | None  # row of the best applicable point; None when no point fits the scenario
    cascade: Cascade
    arms: dict[str, dict[str, float]]  # the feature at 1x in the scenario as it is: arm -> PRICED figures

    def to_json(self) -> dict:
        """{"feature", "points": [...], "best", "apgr", "cpt", "aurc"}; undefined ratios are null."""
        rows = self.points.astype(object).where(self.points.notna(), None).to_dict(orient="records")
        return {
            "feature": self.feature,
            "scenario": self.scenario,
            "currency": self.currency,
            "points": rows,
            "best": self.best,
            "apgr": self.cascade.apgr,
            "cpt": self.cascade.cpt,
            "aurc": self.cascade.aurc,
        }


def _feature(scenario: Scenario, feature: str):
    names = [f.name for f in scenario.features]
    if feature not in names:
        raise MetricsError(
            f"feature {feature!r} is not in scenario {scenario.name!r} (features: {', '.join(map(repr, names))})"
        )
    found = scenario.features[names.index(feature)]
    if found.student is None:
        raise MetricsError(f"feature {feature!r} has no student: add one to the scenario before planning its cascade")
    return found


def plan(scenario: Scenario, cascade: Cascade, feature: str) -> Plan:
    """Price every point of `cascade` for `feature` of `scenario` at 1x, in one engine call."""
    teacher_quality = _feature(scenario, feature).teacher.quality
    # Inputs whose figures overflow a float are refused naming the input, as `aueb project` refuses them.
    project(scenario, multipliers=[PLAN_MULTIPLIER])
    coverage = np.array(cascade.column("coverage"))
    system_accuracy = np.array(cascade.column("system_accuracy"))
    try:
        routed, escalation, retention = feature_inputs(coverage, system_accuracy, cascade.teacher_accuracy)
    except ValueError as error:
        raise MetricsError(f"cascade: {error}") from None
    priced = project_feature_variants(
        scenario,
        feature,
        {"coverage": routed, "escalation": escalation, "quality_retention": retention},
        PLAN_MULTIPLIER,
    )
    if np.isinf(priced.loc[:, list(PRICED)].to_numpy(dtype=float)).any():
        raise InputError(overflow_message(scenario, PLAN_MULTIPLIER))
    points = pd.DataFrame(
        {
            "threshold": cascade.column("threshold"),
            "coverage": coverage,
            "escalation": escalation,
            "system_accuracy": system_accuracy,
            "quality_retention": retention,
            **{name: priced[name].to_numpy() for name in PRICED},
        }
    )
    # A point whose retention the scenario cannot hold (negative, or a student quality above 1) is shown, not chosen.
    points["applicable"] = (retention >= 0) & (retention * teacher_quality <= 1)
    return Plan(
        scenario.name, feature, scenario.currency, points, best_point(points), cascade, _arms(scenario, feature)
    )


def _arms(scenario: Scenario, feature: str) -> dict[str, dict[str, float]]:
    """The feature's figures at 1x in both arms of the scenario as it is: the references a point is compared with."""
    rows = project_features(
        engine_inputs(scenario),
        scenario=scenario.name,
        multipliers=[PLAN_MULTIPLIER],
        growth=scenario.growth,
        fixed_monthly_cost=scenario.fixed_monthly_cost,
        tiers=load_tiers(),
    )
    mine = rows.loc[rows["feature"] == feature].set_index("arm")
    return {
        arm: {name: float(mine.at[arm, name]) for name in (*PRICED, "routing_coverage")}
        for arm in ("baseline", "distilled")
    }


def best_point(points: pd.DataFrame) -> int | None:
    """Row of the largest net AI value among applicable points; ties (within float noise) to the larger coverage."""
    candidates = points.loc[points["applicable"]]
    if candidates.empty:
        return None
    value = candidates["net_ai_value"].to_numpy()
    top = value.max()
    tied = candidates.loc[value >= top - TIE_TOLERANCE * max(1.0, abs(top))]
    return int(tied["coverage"].idxmax())


_SPEC = re.compile(r"^(best|coverage=(?P<coverage>.+)|threshold=(?P<threshold>.+))$")


def choose_point(scenario: Scenario, cascade: Cascade, feature: str, spec: str) -> int:
    """Index of the cascade point named by `spec`: `best` (for this scenario), `coverage=X` (the point
    with the smallest coverage >= X) or `threshold=T` (the point with the smallest threshold >= T,
    whose kept examples are those with confidence >= T)."""
    match = _SPEC.match(spec.strip())
    if match is None:
        raise MetricsError(f"operating point: use best, coverage=X or threshold=T (got {spec!r})")
    if match["coverage"] is not None:
        wanted = _number(match["coverage"], "coverage")
        if not 0 <= wanted <= 1:
            raise MetricsError(f"operating point: coverage must be between 0 and 1 (got {match['coverage']})")
        found = [i for i, c in enumerate(cascade.column("coverage")) if c >= wanted]
        if not found:
            raise MetricsError(
                f"operating point: no point has a coverage >= {wanted:g} (the largest is "
                f"{cascade.points[-1].coverage:g})"
            )
        return found[0]
    if match["threshold"] is not None:
        wanted = _number(match["threshold"], "threshold")
        found = [i for i, t in enumerate(cascade.column("threshold")) if t >= wanted]
        if not found:
            highest = cascade.points[0].threshold
            raise MetricsError(
                f"operating point: no point has a threshold >= {wanted:g} (the highest is {highest:g}); the student "
                "would answer nothing"
            )
        return found[-1]
    chosen = plan(scenario, cascade, feature)
    if chosen.best is None:
        raise MetricsError(
            f"operating point: no point of the cascade fits feature {feature!r} (each one's retention x teacher "
            "quality is above 1 or negative)"
        )
    return chosen.best


def _number(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise MetricsError(f"operating point: {name} must be a number (got {text!r})") from None
    if not math.isfinite(value):
        raise MetricsError(f"operating point: {name} must be a finite number (got {text!r})")
    return value

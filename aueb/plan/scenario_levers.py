"""The levers on a scenario's features, at every multiplier, through the engine (AI COGS of the feature).

Caching sets the teacher's cached input tokens to c1·n_in; batch its batch share and its provider's discount
(the table's); downsizing moves the teacher to catalog model B (same tokens); distillation is the scenario's
distilled arm; routing the distilled arm at the best operating point of a metrics file's cascade (aueb.planner,
through aueb.apply.apply_metrics). Inputs given as ranges are taken at their mode here.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from aueb.apply import apply_metrics
from aueb.catalog import lookup
from aueb.engine import overflow_text, project
from aueb.errors import InputError
from aueb.metrics import MetricsError, load_metrics
from aueb.plan.levers import MODEL_CHOICE, LeverSpec, PlanResult, _plain
from aueb.plan.replay import batch_terms
from aueb.scenario import Scenario, TokenPricing


def _mode(value: Any) -> float:
    return float(value["mode"] if isinstance(value, dict) else value)


def _teacher_tokens(scenario: Scenario, feature: str, lever: str) -> tuple[int, TokenPricing]:
    names = [f.name for f in scenario.features]
    i = names.index(feature)
    pricing = scenario.features[i].teacher.pricing
    if not isinstance(pricing, TokenPricing):
        raise InputError(f"feature {feature!r}, lever {lever!r}: the teacher is not priced by tokens")
    return i, pricing


def _set_teacher(scenario: Scenario, i: int, pricing: Any) -> Scenario:
    data = scenario.model_dump()
    data["features"][i]["teacher"]["pricing"] = pricing.model_dump()
    return Scenario.model_validate(data)


def apply_lever(scenario: Scenario, spec: LeverSpec) -> tuple[Scenario, str]:
    """The scenario with one lever applied, and the arm that serves the feature under it."""
    feature, p = spec.feature, spec.params
    if spec.lever == "distillation":
        if scenario.features[[f.name for f in scenario.features].index(feature)].student is None:
            raise InputError(f"feature {feature!r}, lever 'distillation': the feature has no student")
        return scenario, "distilled"
    if spec.lever == "routing":
        try:
            return apply_metrics(scenario, load_metrics(p["metrics"]), feature, operating_point="best"), "distilled"
        except (MetricsError, OSError) as exc:
            raise InputError(f"feature {feature!r}, lever 'routing': {exc}") from None
    i, pricing = _teacher_tokens(scenario, feature, spec.lever)
    if spec.lever == "caching":
        new = pricing.model_copy(update={"cached_input_tokens": _mode(p["cached_share"]) * pricing.input_tokens})
    elif spec.lever == "batch":
        provider = pricing.provider or (lookup(pricing.model).provider if pricing.model else None)
        new = pricing.model_copy(
            update={"batch_share": _mode(p["share"]), "batch_discount": batch_terms(provider).discount}
        )
    else:  # downsizing
        new = TokenPricing(
            model=p["model"],
            provider=p["provider"],
            input_tokens=pricing.input_tokens,
            cached_input_tokens=pricing.cached_input_tokens,
            output_tokens=pricing.output_tokens,
            batch_share=pricing.batch_share,
            batch_discount=pricing.batch_discount,
            input_price_per_mtok=None,
            cached_input_price_per_mtok=None,
            output_price_per_mtok=None,
        )
    return _set_teacher(scenario, i, new), "baseline"


def _feature_cogs(scenario: Scenario, feature: str, arm: str) -> pd.Series:
    rows = project(scenario).rows
    mine = rows[(rows["feature"] == feature) & (rows["arm"] == arm)]
    return mine.set_index("multiplier")["ai_cogs"].astype(float)


def combine(scenario: Scenario, specs: list[LeverSpec]) -> tuple[Scenario, str, list[str]]:
    """One feature's levers applied together: model choice (downsizing, routing or distillation), caching, batch."""
    mine = {s.lever: s for s in specs}
    planned, arm, names = scenario, "baseline", []
    for lever in (*MODEL_CHOICE, "caching", "batch"):
        if lever in mine and not (lever == "distillation" and "routing" in names):
            planned, lever_arm = apply_lever(planned, mine[lever])
            arm = "distilled" if lever_arm == "distilled" else arm
            names.append(lever)
    return planned, arm, names


def evaluate_scenario(scenario: Scenario, specs: list[LeverSpec]) -> PlanResult:
    result = PlanResult()
    rows = []
    for spec in specs:
        now = _feature_cogs(scenario, spec.feature, "baseline")
        changed, arm = apply_lever(scenario, spec)
        after = _feature_cogs(changed, spec.feature, arm)
        rows.append((spec, now, after))

    def measured(spec: LeverSpec) -> bool:
        return spec.lever != "downsizing" or bool(spec.params.get("metrics"))

    order = sorted(
        range(len(rows)), key=lambda i: (not measured(rows[i][0]), -(rows[i][1].iloc[0] - rows[i][2].iloc[0]))
    )
    for rank, i in enumerate(order, start=1):
        spec, now, after = rows[i]
        d = float(spec.params.get("one_time_cost", 0.0))
        for m in now.index:
            saving = float(now[m] - after[m])
            first = bool(m == now.index[0])
            payback = d / saving if saving > 0 and first else None
            if payback is not None and not math.isfinite(payback):
                raise InputError(
                    overflow_text(f"feature {spec.feature!r}, lever {spec.lever!r}", "one_time_cost", d, m)
                )
            result.levers.append(
                {
                    "feature": spec.feature, "lever": spec.lever, "params": _plain(spec.params), "proposal": False,
                    "multiplier": float(m), "cost_now": float(now[m]), "cost_after": float(after[m]),
                    "saving_monthly": saving, "saving_p10": saving, "saving_p50": saving, "saving_p90": saving,
                    "quality_now": None, "quality_after": None,
                    "quality_change": "unchanged" if spec.lever in ("caching", "batch")
                    else ("unmeasured" if not measured(spec) else "see the scenario's distilled arm"),
                    "quality_measured": measured(spec), "one_time_cost": d,
                    "payback_months": payback, "rank": rank, "uncertain": saving < 0 and first,
                }
            )  # fmt: skip
    for feature in dict.fromkeys(s.feature for s in specs):
        planned, arm, names = combine(scenario, [s for s in specs if s.feature == feature])
        now, after = _feature_cogs(scenario, feature, "baseline"), _feature_cogs(planned, feature, arm)
        for m in now.index:
            result.combined.append(
                {
                    "feature": feature, "multiplier": float(m), "levers": names,
                    "cost_now": float(now[m]), "cost_after": float(after[m]),
                    "saving_monthly": float(now[m] - after[m]),
                }
            )  # fmt: skip
    return result

"""The projection engine: docs/economics.md, vectorised over features x multipliers x arms.

A scenario is first flattened into a features frame (one row per feature, numbers only, aueb.costs);
every figure is then computed on numpy arrays shaped (multiplier, arm, feature), so the
cost of a projection does not grow with Python loops over features. The summary's searches are in
aueb.summary; this module assembles the rows and runs both (`project`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from aueb.costs import (
    ARMS,
    FEATURE_FIELDS,
    FEATURES_PER_SLICE,
    HOURS_PER_MONTH,
    SECONDS_PER_MONTH,
    SELF_HOSTED,
    _column,
    _Costs,
    _costs,
    _divide_into,
    _ratio,
    _scenario_requests,
    engine_inputs,
    token_cost_per_request,
)
from aueb.errors import InputError
from aueb.scenario import RANGES_KEY, Scenario
from aueb.summary import SEARCH_MULTIPLIERS, summarize_features
from aueb.tiers import BANDS, TIER_METRICS, load_tiers, tier_codes

__all__ = [  # the projection's API; the cost model's names that callers import from here are aueb.costs'
    "ARMS",
    "FEATURE_FIELDS",
    "HOURS_PER_MONTH",
    "ROW_COLUMNS",
    "SEARCH_MULTIPLIERS",
    "SECONDS_PER_MONTH",
    "SELF_HOSTED",
    "SUMMARY_COLUMNS",
    "Projection",
    "check_finite",
    "engine_inputs",
    "project",
    "project_feature_variants",
    "project_features",
    "token_cost_per_request",
]

# Volumes and the costs that add up to AI COGS, summed over features for the total rows.
_VOLUMES_AND_COSTS = (
    "users",
    "requests",
    "revenue",
    "inference_cost",
    "overhead_cost",
    "verification_cost",
    "fixed_cost",
    "ai_cogs",
)
ROW_COLUMNS = (
    "scenario",
    "feature",
    "multiplier",
    "arm",
    *_VOLUMES_AND_COSTS,
    "cogs_to_revenue",
    "gross_margin",
    "inference_cost_per_request",
    "cost_per_request",
    "cost_per_user",
    "quality",
    "correct_outputs",
    "cost_per_correct_output",
    "error_cost",
    "net_ai_value",
    "routing_coverage",
    "inference_efficiency_ratio",
    "feature_profitability",
    *(f"{m}_tier" for m in TIER_METRICS),
)
SUMMARY_COLUMNS = (
    "scenario",
    "one_time_cost",
    "monthly_saving",
    "payback_months",
    "roi",
    "break_even_monthly_requests",
    "student_cheaper_from_monthly_requests",
    "margin_collapse_multiplier_baseline",
    "margin_collapse_multiplier_distilled",
)


ADDITIVE_COLUMNS = (*_VOLUMES_AND_COSTS, "correct_outputs", "error_cost", "net_ai_value")
# Ratios with one formula for feature and total rows: (column, numerator, denominator).
RATIO_COLUMNS = (
    ("cogs_to_revenue", "ai_cogs", "revenue"),
    ("inference_cost_per_request", "inference_cost", "requests"),
    ("cost_per_request", "ai_cogs", "requests"),
    ("cost_per_user", "ai_cogs", "users"),
    ("quality", "correct_outputs", "requests"),
    ("cost_per_correct_output", "ai_cogs", "correct_outputs"),
    ("inference_efficiency_ratio", "revenue", "inference_cost"),
)
_TEXT_COLUMNS = ("scenario", "feature", "arm", *(f"{m}_tier" for m in TIER_METRICS))
_NUMBER_COLUMNS = tuple(c for c in ROW_COLUMNS if c not in _TEXT_COLUMNS)


def _feature_figures(features: pd.DataFrame, c: _Costs) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The additive figures of each feature, and its routing coverage (student answers / model-served)."""
    ai_cogs = c.ai_cogs
    teacher_quality = _column(features, "teacher_quality")
    student_share = c.coverage * (1 - c.escalation)  # of model-served requests, answered by the student
    student_answers = student_share * c.model_served
    correct = (
        teacher_quality * (c.requests - student_answers)
        + student_answers * _column(features, "quality_retention") * teacher_quality
    )
    error_cost = (c.requests - correct) * _column(features, "cost_per_error")
    figures = {
        "users": c.users,
        "requests": c.requests,
        "revenue": c.revenue,
        "inference_cost": c.inference_cost,
        "overhead_cost": c.overhead_cost,
        "verification_cost": c.verification_cost,
        "fixed_cost": c.fixed_cost,
        "ai_cogs": ai_cogs,
        "correct_outputs": correct,
        "error_cost": error_cost,
        "net_ai_value": c.revenue - ai_cogs - error_cost,
    }
    return figures, student_share


def project_feature_variants(
    scenario: Scenario, feature: str, inputs: dict[str, np.ndarray], multiplier: float = 1.0
) -> pd.DataFrame:
    """The distilled arm of one feature at `multiplier`, once per variant of its inputs, in one vectorised pass.

    `inputs` maps feature-frame columns (coverage, escalation, quality_retention, ...) to one value per
    variant; the rest of the scenario stays as it is, so each row equals that feature's row of
    project() for the scenario with that variant applied (the fixed cost share included).
    Columns: the additive figures, the ratios of RATIO_COLUMNS and routing_coverage.
    """
    features = engine_inputs(scenario)
    sizes = {len(np.atleast_1d(values)) for values in inputs.values()}
    if len(sizes) != 1:
        raise ValueError(f"variants of {feature!r}: inputs of different lengths {sorted(sizes)}")
    variants = features.loc[[feature] * sizes.pop()].reset_index(drop=True)
    for name, values in inputs.items():
        variants[name] = np.asarray(values, dtype=float)
    multipliers = np.array([float(multiplier)])
    c = _costs(
        variants,
        multipliers,
        scenario.growth,
        scenario.fixed_monthly_cost,
        _scenario_requests(features, multipliers),
        len(features),
    )
    figures, student_share = _feature_figures(variants, c)
    distilled = ARMS.index("distilled")
    columns = {name: values[0, distilled] for name, values in figures.items()}
    for name, numerator, denominator in RATIO_COLUMNS:
        columns[name] = _ratio(columns[numerator], columns[denominator])
    columns["routing_coverage"] = student_share[0, distilled]
    return pd.DataFrame(columns)


def project_features(
    features: pd.DataFrame,
    *,
    scenario: str,
    multipliers: Sequence[float],
    growth: str,
    fixed_monthly_cost: float,
    tiers: pd.DataFrame,
) -> pd.DataFrame:
    """Rows for every multiplier and arm: one per feature, then the `ALL` total row."""
    volumes = np.asarray(multipliers, dtype=float)
    n_multipliers, n_arms, n_features = len(volumes), len(ARMS), len(features)
    scenario_requests = _scenario_requests(features, volumes)
    # Every number column lives in one block shaped (column, multiplier, arm, feature + total),
    # which becomes the DataFrame without a copy; the last slot of the feature axis is the total.
    block = np.empty((len(_NUMBER_COLUMNS), n_multipliers, n_arms, n_features + 1))
    out = dict(zip(_NUMBER_COLUMNS, block, strict=True))
    for name in ADDITIVE_COLUMNS:
        out[name][..., n_features] = 0.0
    totals = {
        name: np.zeros((n_multipliers, n_arms))
        for name in ("student_answers", "model_served", "profitable", "revenue_positive")
    }

    # Slices of features keep the temporaries small enough to stay in cache.
    for start in range(0, n_features, FEATURES_PER_SLICE):
        part = features.iloc[start : start + FEATURES_PER_SLICE]
        where = slice(start, start + len(part))
        c = _costs(part, volumes, growth, fixed_monthly_cost, scenario_requests, n_features)
        per_feature, student_share = _feature_figures(part, c)
        for name in ADDITIVE_COLUMNS:
            out[name][..., where] = per_feature[name]
            out[name][..., n_features] += per_feature[name].sum(axis=2)
        out["routing_coverage"][..., where] = student_share
        revenue_positive = c.revenue > 0
        totals["student_answers"] += (student_share * c.model_served).sum(axis=2)
        totals["model_served"] += c.model_served.sum(axis=2)
        totals["profitable"] += (revenue_positive & (c.revenue - per_feature["ai_cogs"] > 0)).sum(axis=2)
        totals["revenue_positive"] += revenue_positive.sum(axis=2)

    for name, numerator, denominator in RATIO_COLUMNS:
        _divide_into(out[name], out[numerator], out[denominator])
    np.subtract(1, out["cogs_to_revenue"], out=out["gross_margin"])
    out["multiplier"][:] = volumes[:, np.newaxis, np.newaxis]
    _divide_into(out["routing_coverage"][..., n_features], totals["student_answers"], totals["model_served"])
    out["feature_profitability"][..., :n_features] = np.nan
    _divide_into(out["feature_profitability"][..., n_features], totals["profitable"], totals["revenue_positive"])

    frame = pd.DataFrame(block.reshape(len(_NUMBER_COLUMNS), -1).T, columns=list(_NUMBER_COLUMNS), copy=False)
    n_rows = n_features + 1
    is_total = np.tile(np.arange(n_rows) == n_features, n_multipliers * n_arms)
    bands = pd.CategoricalDtype(list(BANDS))
    text = {
        "scenario": pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8), categories=[scenario]),
        "feature": pd.Categorical.from_codes(
            np.tile(np.arange(n_rows, dtype=np.int32), n_multipliers * n_arms),
            dtype=pd.CategoricalDtype(features.index.append(pd.Index(["ALL"]))),
        ),
        "arm": pd.Categorical.from_codes(
            np.tile(np.repeat(np.arange(n_arms, dtype=np.int8), n_rows), n_multipliers), categories=list(ARMS)
        ),
    }
    for metric in TIER_METRICS:
        codes = np.full(len(frame), -1, dtype=np.int8)
        codes[is_total] = tier_codes(metric, out[metric].reshape(-1)[is_total], tiers)
        text[f"{metric}_tier"] = pd.Categorical.from_codes(codes, dtype=bands)
    for name, values in text.items():
        frame.insert(ROW_COLUMNS.index(name), name, values)
    return frame


@dataclass(frozen=True)
class Projection:
    """The rows of one or more scenarios' projections and one summary row per scenario."""

    rows: pd.DataFrame
    summary: pd.DataFrame


def _largest_input(data: Any, prefix: str = "") -> tuple[str, float]:
    """The input of largest magnitude in a model dump, as (dotted field, value); a ranged field counts with its
    mode, the value a projection uses (its bounds, under the dump's `ranges`, are the Monte Carlo's)."""
    best = ("", 0.0)
    items = data.items() if isinstance(data, dict) else ()
    for key, value in items:
        if key == RANGES_KEY:
            continue
        if isinstance(value, dict):
            found = _largest_input(value, f"{prefix}{key}.")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            found = (f"{prefix}{key}", float(value))
        else:
            continue
        if abs(found[1]) > abs(best[1]):
            best = found
    return best


def _overflow_message(scenario: Scenario, feature: str | None, multiplier: float) -> str:
    features = [f for f in scenario.features if feature is None or f.name == feature]
    blamed = max(((f.name, *_largest_input(f.model_dump(exclude={"name"}))) for f in features), key=lambda t: abs(t[2]))
    wide = _largest_input(scenario.model_dump(include={"fixed_monthly_cost", "horizon_months"}))
    if abs(wide[1]) > abs(blamed[2]):
        where, field, value = f"scenario {scenario.name!r}", *wide
    else:
        where, field, value = f"feature {blamed[0]!r}", blamed[1], blamed[2]
    return overflow_text(where, field, value, multiplier)


def overflow_text(where: str, field: str, value: float, multiplier: float) -> str:
    """The one line that refuses an input whose figures overflow (the projection's, the Monte Carlo's)."""
    return (
        f"{where}, {field}: {value:g} is too large: the projection's figures overflow a number "
        f"(above {np.finfo(float).max:.3g}) at {multiplier:g}x; check the value and its unit"
    )


def overflow_message(scenario: Scenario, multiplier: float) -> str:
    """The refusal naming the scenario's input of largest magnitude (its point values, not its ranges)."""
    return _overflow_message(scenario, None, multiplier)


def _check_finite(
    scenario: Scenario, features: pd.DataFrame, rows: pd.DataFrame, summary: dict, multiplier: float
) -> None:
    """Refuse a projection in which a figure overflowed to infinity (an undefined figure is NaN, never inf)."""
    numbers = rows.select_dtypes("number")
    bad = np.isinf(numbers.to_numpy(dtype=float)).any(axis=1)
    summary_inf = (
        any(isinstance(v, float) and math.isinf(v) for v in summary.values()) if isinstance(summary, dict) else False
    )
    if bad.any() or summary_inf or np.isinf(features.select_dtypes("number").to_numpy(dtype=float)).any():
        feature = str(rows.loc[bad, "feature"].iloc[0]) if bad.any() and "feature" in rows else None
        raise InputError(_overflow_message(scenario, feature, multiplier))


def _scenario_rows(
    scenario: Scenario, features: pd.DataFrame, multipliers: Sequence[float], growth: str, tiers: pd.DataFrame
) -> pd.DataFrame:
    """project_features() of one scenario's features, raising FloatingPointError on an overflow."""
    with np.errstate(over="raise"):
        return project_features(
            features,
            scenario=scenario.name,
            multipliers=multipliers,
            growth=growth,
            fixed_monthly_cost=scenario.fixed_monthly_cost,
            tiers=tiers,
        )


def check_finite(scenario: Scenario) -> None:
    """Refuse, with project()'s one line, a scenario whose rows overflow at one of its multipliers; the summary's
    searches are not run (for callers that price the rows themselves, such as the savings plan)."""
    features = engine_inputs(scenario)
    try:
        rows = _scenario_rows(scenario, features, scenario.multipliers, scenario.growth, load_tiers())
    except FloatingPointError:
        raise InputError(_overflow_message(scenario, None, max(scenario.multipliers))) from None
    _check_finite(scenario, features, rows, {}, max(scenario.multipliers))


def project(
    scenarios: Scenario | Sequence[Scenario],
    *,
    multipliers: Sequence[float] | None = None,
    growth: str | None = None,
    tiers: pd.DataFrame | None = None,
) -> Projection:
    """Project each scenario at its multipliers (or the given ones) and growth mode (or the given one)."""
    scenarios = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
    tiers = load_tiers() if tiers is None else tiers
    rows, summaries = [], []
    for scenario in scenarios:
        features = engine_inputs(scenario)
        chosen = scenario.multipliers if multipliers is None else multipliers
        try:
            rows.append(
                _scenario_rows(scenario, features, chosen, scenario.growth if growth is None else growth, tiers)
            )
            with np.errstate(over="raise"):
                summaries.append(
                    summarize_features(
                        features,
                        scenario=scenario.name,
                        horizon_months=scenario.horizon_months,
                        fixed_monthly_cost=scenario.fixed_monthly_cost,
                    )
                )
        except FloatingPointError:
            raise InputError(_overflow_message(scenario, None, max(chosen))) from None
        _check_finite(scenario, features, rows[-1], summaries[-1], max(chosen))
    frame = pd.concat(rows, ignore_index=True) if len(rows) > 1 else rows[0]
    return Projection(rows=frame, summary=pd.DataFrame(summaries, columns=list(SUMMARY_COLUMNS)))

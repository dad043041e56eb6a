"""The projection engine: docs/economics.md, vectorised over features x multipliers x arms.

A scenario is first flattened into a features frame (one row per feature, numbers only);
every figure is then computed on numpy arrays shaped (multiplier, arm, feature), so the
cost of a projection does not grow with Python loops over features.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from aueb.catalog import lookup
from aueb.errors import InputError
from aueb.pricing import price_row, token_cost
from aueb.scenario import RANGES_KEY, PerRequestPricing, Scenario, SelfHostedPricing, TokenPricing
from aueb.tiers import BANDS, TIER_METRICS, load_tiers, tier_codes

SECONDS_PER_MONTH = 2_628_000.0
HOURS_PER_MONTH = 730.0
ARMS = ("baseline", "distilled")
# Multipliers searched for break-even and margin collapse: 0.001 to 1,000, consecutive
# points at most 0.1% apart, so the first point that qualifies is within 0.1% of the answer.
SEARCH_MULTIPLIERS = np.geomspace(1e-3, 1e3, int(np.ceil(np.log(1e6) / np.log(1.001))) + 1)

SELF_HOSTED = 1.0
FEATURES_PER_SLICE = 32_768
MODEL_FIELDS = ("kind", "unit_cost", "hourly_price", "throughput_rps", "utilization", "peak_to_average", "min_replicas")
FEATURE_FIELDS = (
    "users",
    "requests_per_user",
    "revenue_per_user",
    "cache_hit_rate",
    "cache_cost_per_request",
    "overhead_per_request",
    "review_share",
    "review_minutes",
    "reviewer_hourly_cost",
    "cost_per_error",
    "teacher_quality",
    "has_student",
    "coverage",
    "escalation",
    "quality_retention",
    *(f"teacher_{f}" for f in MODEL_FIELDS),
    *(f"student_{f}" for f in MODEL_FIELDS),
    "training_examples",
    "training_compute",
    "engineering",
)

ROW_COLUMNS = (
    "scenario",
    "feature",
    "multiplier",
    "arm",
    "users",
    "requests",
    "revenue",
    "inference_cost",
    "overhead_cost",
    "verification_cost",
    "fixed_cost",
    "ai_cogs",
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


def token_prices(pricing: TokenPricing) -> tuple[float, float | None, float | None, float]:
    """(p_in, p_cached, p_write, p_out) with catalog prices filling the gaps (aueb.pricing's table, today's
    prices, the tier of the request's input_tokens); p_cached or p_write None means "the input price"."""
    p_in, p_cached, p_write, p_out = (
        pricing.input_price_per_mtok,
        pricing.cached_input_price_per_mtok,
        pricing.cache_write_price_per_mtok,
        pricing.output_price_per_mtok,
    )
    if p_in is None or p_out is None:
        listed = lookup(pricing.model, pricing.provider)
        row = price_row(listed.provider, listed.model, None, pricing.input_tokens)
        if row is None:  # pragma: no cover (lookup only returns models with token prices)
            raise LookupError(f"model {pricing.model!r} has no token prices in the catalog")
        if p_in is None:
            p_in = row.p_in
            p_cached = row.p_cached if p_cached is None else p_cached
            p_write = row.p_write if p_write is None else p_write
        p_out = row.p_out if p_out is None else p_out
    return p_in, p_cached, p_write, p_out


def token_unit_cost(n_in, n_c, n_w, n_out, p_in, p_cached, p_write, p_out, batch_share, batch_discount):  # noqa: ANN001, ANN201 (floats or arrays)
    """aueb.pricing's per-request cost x (1 - b·d), on numbers or arrays alike."""
    return token_cost(n_in, n_c, n_w, n_out, p_in, p_cached, p_write, p_out) * (1 - batch_share * batch_discount)


def token_cost_per_request(pricing: TokenPricing) -> float:
    """The token API price of one request, catalog prices filling the gaps."""
    p_in, p_cached, p_write, p_out = token_prices(pricing)
    return token_unit_cost(
        pricing.input_tokens,
        pricing.cached_input_tokens,
        pricing.cache_write_input_tokens,
        pricing.output_tokens,
        p_in,
        p_in if p_cached is None else p_cached,
        p_in if p_write is None else p_write,
        p_out,
        pricing.batch_share,
        pricing.batch_discount,
    )


def _model_row(pricing: TokenPricing | PerRequestPricing | SelfHostedPricing | None) -> tuple[float, ...]:
    if isinstance(pricing, SelfHostedPricing):
        return (
            SELF_HOSTED,
            0.0,
            pricing.hourly_price,
            pricing.throughput_rps,
            pricing.utilization,
            pricing.peak_to_average,
            float(pricing.min_replicas),
        )
    if isinstance(pricing, TokenPricing):
        unit_cost = token_cost_per_request(pricing)
    else:
        unit_cost = pricing.cost if pricing is not None else 0.0
    return (0.0, unit_cost, 0.0, 1.0, 1.0, 1.0, 0.0)


def engine_inputs(scenario: Scenario) -> pd.DataFrame:
    """The engine's inputs: one row per feature with every number it needs; index = feature name.

    (Not the ingest report's table of measured features, aueb.logs.tables.features_frame.)
    """
    rows = []
    for f in scenario.features:
        student = f.student
        rows.append(
            (
                f.users,
                f.requests_per_user,
                f.revenue_per_user,
                f.cache_hit_rate,
                f.cache_cost_per_request,
                f.overhead_per_request,
                f.review_share,
                f.review_minutes,
                f.reviewer_hourly_cost,
                f.cost_per_error,
                f.teacher.quality,
                float(student is not None),
                f.coverage or 0.0,
                f.escalation if student is not None else 0.0,
                student.quality_retention if student is not None else 1.0,
                *_model_row(f.teacher.pricing),
                *_model_row(student.pricing if student is not None else None),
                student.distillation.training_examples if student is not None else 0.0,
                student.distillation.training_compute if student is not None else 0.0,
                student.distillation.engineering if student is not None else 0.0,
            )
        )
    return pd.DataFrame(
        rows, columns=list(FEATURE_FIELDS), index=pd.Index([f.name for f in scenario.features], name="feature")
    )


@dataclass(frozen=True)
class _Costs:
    """Per-feature figures shaped (multiplier, arm, feature)."""

    users: np.ndarray
    requests: np.ndarray
    revenue: np.ndarray
    model_served: np.ndarray
    coverage: np.ndarray
    escalation: np.ndarray
    inference_cost: np.ndarray
    overhead_cost: np.ndarray
    verification_cost: np.ndarray
    fixed_cost: np.ndarray

    @property
    def ai_cogs(self) -> np.ndarray:
        return self.inference_cost + self.overhead_cost + self.verification_cost + self.fixed_cost


def _column(features: pd.DataFrame, name: str) -> np.ndarray:
    return features[name].to_numpy(dtype=float)[np.newaxis, np.newaxis, :]


def _model_cost(features: pd.DataFrame, prefix: str, requests: np.ndarray) -> np.ndarray:
    """Monthly cost of serving `requests` with the teacher's or the student's pricing."""
    cost = requests * _column(features, f"{prefix}_unit_cost")
    self_hosted = features[f"{prefix}_kind"].to_numpy() == SELF_HOSTED
    if not self_hosted.any():
        return cost
    col = lambda name: features[f"{prefix}_{name}"].to_numpy(dtype=float)[self_hosted]  # noqa: E731
    served = np.broadcast_to(requests, cost.shape)[..., self_hosted]
    replicas = served * (col("peak_to_average") / (SECONDS_PER_MONTH * col("throughput_rps") * col("utilization")))
    # The tolerance keeps float noise (2.0000000001) from renting a replica that isn't needed.
    replicas -= 1e-9
    np.ceil(replicas, out=replicas)
    np.maximum(replicas, col("min_replicas"), out=replicas)
    # A model that serves nothing is not deployed, so minimum replicas cost nothing then.
    cost[..., self_hosted] = np.where(served > 0, replicas * (col("hourly_price") * HOURS_PER_MONTH), 0.0)
    return cost


def _scenario_requests(features: pd.DataFrame, multipliers: np.ndarray) -> np.ndarray:
    """Requests of all features at each multiplier, shaped (multiplier, 1, 1): both growth modes scale them by M."""
    today = (features["users"].to_numpy(dtype=float) * features["requests_per_user"].to_numpy(dtype=float)).sum()
    return np.asarray(multipliers, dtype=float)[:, np.newaxis, np.newaxis] * today


def _costs(
    features: pd.DataFrame,
    multipliers: np.ndarray,
    growth: str,
    fixed_monthly_cost: float | np.ndarray,
    scenario_requests: np.ndarray | None = None,
    scenario_features: int | None = None,
) -> _Costs:
    """Costs of `features`, which may be a slice of the scenario: then the scenario's request total
    and feature count are given, for the fixed cost's shares."""
    m = np.asarray(multipliers, dtype=float)[:, np.newaxis, np.newaxis]
    distilled = np.array([0.0, 1.0])[np.newaxis, :, np.newaxis]
    col = lambda name: _column(features, name)  # noqa: E731

    users = col("users") * (m if growth == "users" else 1.0)
    requests = users * col("requests_per_user") * (m if growth == "usage" else 1.0)
    revenue = users * col("revenue_per_user")
    cache_hits = col("cache_hit_rate") * requests
    model_served = requests - cache_hits
    coverage = col("coverage") * col("has_student") * distilled
    escalation = col("escalation") * col("has_student") * distilled
    student_requests = coverage * model_served
    teacher_requests = (1 - coverage) * model_served + escalation * student_requests
    inference = (
        cache_hits * col("cache_cost_per_request")
        + _model_cost(features, "teacher", teacher_requests)
        + _model_cost(features, "student", student_requests)
    )
    overhead = requests * col("overhead_per_request")
    verification = requests * col("review_share") * (col("review_minutes") / 60) * col("reviewer_hourly_cost")
    # F is shared in proportion to requests; with no requests at all, equally.
    total_requests = _scenario_requests(features, multipliers) if scenario_requests is None else scenario_requests
    n_features = requests.shape[2]
    share = np.divide(
        requests,
        total_requests,
        out=np.full_like(requests, 1.0 / (scenario_features or n_features)),
        where=total_requests > 0,
    )
    shape = np.broadcast_shapes(inference.shape, (len(m), 2, n_features))
    return _Costs(
        users=np.broadcast_to(users, shape),
        requests=np.broadcast_to(requests, shape),
        revenue=np.broadcast_to(revenue, shape),
        model_served=np.broadcast_to(model_served, shape),
        coverage=np.broadcast_to(coverage, shape),
        escalation=np.broadcast_to(escalation, shape),
        inference_cost=np.broadcast_to(inference, shape),
        overhead_cost=np.broadcast_to(overhead, shape),
        verification_cost=np.broadcast_to(verification, shape),
        fixed_cost=np.broadcast_to(fixed_monthly_cost * share, shape),
    )


def _one_time_cost(features: pd.DataFrame, baseline_served_today: np.ndarray) -> np.ndarray:
    """Each feature's one-time distillation cost: labelling at the teacher's 1x cost per request, compute,
    engineering."""
    teacher_cost_today = _model_cost(features, "teacher", baseline_served_today[np.newaxis, np.newaxis, :])[0, 0]
    # A self-hosted teacher that serves nothing today labels at the cost of a replica at target utilisation.
    replica_cost_per_request = _ratio(
        features["teacher_hourly_price"].to_numpy(),
        3600 * features["teacher_throughput_rps"].to_numpy() * features["teacher_utilization"].to_numpy(),
    )
    teacher_cost_per_request = np.where(
        baseline_served_today > 0, _ratio(teacher_cost_today, baseline_served_today), replica_cost_per_request
    )
    return np.where(
        features["has_student"].to_numpy() > 0,
        features["training_examples"].to_numpy() * teacher_cost_per_request
        + features["training_compute"].to_numpy()
        + features["engineering"].to_numpy(),
        0.0,
    )


def _divide_into(out: np.ndarray, numerator: np.ndarray, denominator: np.ndarray) -> None:
    """out = numerator / denominator, NaN (null) where that is undefined: a zero denominator, or a
    quotient beyond the range of a float (never infinite)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.divide(numerator, denominator, out=out)
    out[~np.isfinite(out)] = np.nan


def _ratio(numerator: np.ndarray | float, denominator: np.ndarray | float) -> np.ndarray:
    """numerator / denominator as a new array, NaN where undefined (see _divide_into)."""
    numerator, denominator = np.broadcast_arrays(
        np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    )
    out = np.empty(numerator.shape)
    _divide_into(out, numerator, denominator)
    return out


ADDITIVE_COLUMNS = (
    "users",
    "requests",
    "revenue",
    "inference_cost",
    "overhead_cost",
    "verification_cost",
    "fixed_cost",
    "ai_cogs",
    "correct_outputs",
    "error_cost",
    "net_ai_value",
)
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


def _scenario_totals(
    features: pd.DataFrame, multipliers: np.ndarray, growth: str, fixed_monthly_cost: float
) -> tuple[np.ndarray, np.ndarray]:
    """Scenario AI COGS (multiplier, arm) and revenue (multiplier,), in chunks to bound memory."""
    chunk = max(1, 2_000_000 // max(1, len(features)))
    cogs, revenue = [], []
    for start in range(0, len(multipliers), chunk):
        c = _costs(features, multipliers[start : start + chunk], growth, fixed_monthly_cost)
        cogs.append(c.ai_cogs.sum(axis=2))
        revenue.append(c.revenue[:, 0, :].sum(axis=1))
    return np.concatenate(cogs), np.concatenate(revenue)


def _first(condition: np.ndarray) -> int | None:
    hits = np.flatnonzero(condition)
    return int(hits[0]) if hits.size else None


def _search_volume(qualifies: np.ndarray, requests_today: float) -> float | None:
    """The monthly volume of the first searched multiplier that qualifies: 0 when the bottom of the
    search already does ("at any volume"), None when none does or there is no volume today."""
    index = _first(qualifies)
    if index is None or requests_today <= 0:
        return None
    return 0.0 if index == 0 else float(requests_today * SEARCH_MULTIPLIERS[index])


def summarize_features(
    features: pd.DataFrame, *, scenario: str, horizon_months: float, fixed_monthly_cost: float
) -> dict[str, object]:
    """One-time cost, monthly saving at 1x, payback, ROI, the two break-even volumes and margin collapse points.

    break_even_monthly_requests: the smallest volume at which the saving pays the one-time cost back
    within the horizon (S(M) > 0 and S(M)·H >= D); student_cheaper_from_monthly_requests: the smallest
    at which the distilled arm is cheaper (S(M) > 0). Both searched with users growing.
    """
    today = _costs(features, np.array([1.0]), "users", fixed_monthly_cost)
    one_time = _one_time_cost(features, today.model_served[0, 0]).sum()
    cogs_today = today.ai_cogs.sum(axis=2)[0]
    monthly_saving = float(cogs_today[0] - cogs_today[1])

    search_cogs, _ = _scenario_totals(features, SEARCH_MULTIPLIERS, "users", fixed_monthly_cost)
    saving = search_cogs[:, 0] - search_cogs[:, 1]
    # Strictly below, with a tolerance so that float noise between equal arms is not a saving.
    cheaper = saving > 1e-9 * np.maximum(1.0, np.abs(search_cogs[:, 0]))
    requests_today = float(today.requests[0, 0].sum())
    student_cheaper_from = _search_volume(cheaper, requests_today)
    break_even = _search_volume(cheaper & (saving * horizon_months >= one_time), requests_today)

    usage_cogs, usage_revenue = _scenario_totals(features, SEARCH_MULTIPLIERS, "usage", fixed_monthly_cost)
    collapse = []
    for arm in range(2):
        index = _first(usage_cogs[:, arm] >= usage_revenue) if usage_revenue[0] > 0 else None
        collapse.append(None if index is None else float(SEARCH_MULTIPLIERS[index]))

    return {
        "scenario": scenario,
        "one_time_cost": float(one_time),
        "monthly_saving": monthly_saving,
        "payback_months": float(one_time / monthly_saving) if monthly_saving > 0 else None,
        "roi": float((monthly_saving * horizon_months - one_time) / one_time) if one_time > 0 else None,
        "break_even_monthly_requests": break_even,
        "student_cheaper_from_monthly_requests": student_cheaper_from,
        "margin_collapse_multiplier_baseline": collapse[0],
        "margin_collapse_multiplier_distilled": collapse[1],
    }


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
            with np.errstate(over="raise"):
                rows.append(
                    project_features(
                        features,
                        scenario=scenario.name,
                        multipliers=chosen,
                        growth=scenario.growth if growth is None else growth,
                        fixed_monthly_cost=scenario.fixed_monthly_cost,
                        tiers=tiers,
                    )
                )
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

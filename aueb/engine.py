"""The projection engine: ECONOMICS.md, vectorised over features x multipliers x arms.

A scenario is first flattened into a features frame (one row per feature, numbers only);
every figure is then computed on numpy arrays shaped (multiplier, arm, feature), so the
cost of a projection does not grow with Python loops over features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from aueb.catalog import lookup
from aueb.scenario import PerRequestPricing, Scenario, SelfHostedPricing, TokenPricing
from aueb.tiers import TIER_METRICS, load_tiers, tier_bands

SECONDS_PER_MONTH = 2_628_000.0
HOURS_PER_MONTH = 730.0
ARMS = ("baseline", "distilled")
# Multipliers searched for break-even and margin collapse: 0.001 to 1,000, consecutive
# points at most 0.1% apart, so the first point that qualifies is within 0.1% of the answer.
SEARCH_MULTIPLIERS = np.geomspace(1e-3, 1e3, int(np.ceil(np.log(1e6) / np.log(1.001))) + 1)

SELF_HOSTED = 1.0
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
    "margin_collapse_multiplier_baseline",
    "margin_collapse_multiplier_distilled",
)


def token_cost_per_request(pricing: TokenPricing) -> float:
    """c = [(n_in - n_c)·p_in + n_c·p_cached + n_out·p_out] / 1e6 · (1 - b·d), catalog prices filling the gaps."""
    p_in, p_cached, p_out = pricing.input_price_per_mtok, pricing.cached_input_price_per_mtok, pricing.output_price_per_mtok
    if p_in is None or p_out is None:
        listed = lookup(pricing.model, pricing.provider)
        if p_in is None:
            p_in = listed.input_price_per_mtok
            p_cached = listed.cached_input_price_per_mtok if p_cached is None else p_cached
        p_out = listed.output_price_per_mtok if p_out is None else p_out
    p_cached = p_in if p_cached is None else p_cached
    n_in, n_c, n_out = pricing.input_tokens, pricing.cached_input_tokens, pricing.output_tokens
    return ((n_in - n_c) * p_in + n_c * p_cached + n_out * p_out) / 1e6 * (1 - pricing.batch_share * pricing.batch_discount)


def _model_row(pricing: TokenPricing | PerRequestPricing | SelfHostedPricing | None) -> tuple[float, ...]:
    if isinstance(pricing, SelfHostedPricing):
        return (SELF_HOSTED, 0.0, pricing.hourly_price, pricing.throughput_rps, pricing.utilization, pricing.peak_to_average, float(pricing.min_replicas))
    if isinstance(pricing, TokenPricing):
        unit_cost = token_cost_per_request(pricing)
    else:
        unit_cost = pricing.cost if pricing is not None else 0.0
    return (0.0, unit_cost, 0.0, 1.0, 1.0, 1.0, 0.0)


def features_frame(scenario: Scenario) -> pd.DataFrame:
    """One row per feature with every number the engine needs; index = feature name."""
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
    return pd.DataFrame(rows, columns=list(FEATURE_FIELDS), index=pd.Index([f.name for f in scenario.features], name="feature"))


@dataclass(frozen=True)
class _Costs:
    """Per-feature figures shaped (multiplier, arm, feature)."""

    users: np.ndarray
    requests: np.ndarray
    revenue: np.ndarray
    cache_hits: np.ndarray
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
    col = lambda name: _column(features, f"{prefix}_{name}")  # noqa: E731
    needed = requests / SECONDS_PER_MONTH * col("peak_to_average") / (col("throughput_rps") * col("utilization"))
    # Rounding first keeps float noise (2.0000000001) from renting a replica that isn't needed.
    replicas = np.maximum(col("min_replicas"), np.ceil(np.round(needed, 9)))
    # A model that serves nothing is not deployed, so minimum replicas cost nothing then.
    self_hosted = np.where(requests > 0, replicas * col("hourly_price") * HOURS_PER_MONTH, 0.0)
    return np.where(col("kind") == SELF_HOSTED, self_hosted, requests * col("unit_cost"))


def _costs(features: pd.DataFrame, multipliers: np.ndarray, growth: str, fixed_monthly_cost: float) -> _Costs:
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
    total_requests = requests.sum(axis=2, keepdims=True)
    n_features = requests.shape[2]
    share = np.divide(requests, total_requests, out=np.full_like(requests, 1.0 / n_features), where=total_requests > 0)
    shape = np.broadcast_shapes(inference.shape, (len(m), 2, n_features))
    return _Costs(
        users=np.broadcast_to(users, shape),
        requests=np.broadcast_to(requests, shape),
        revenue=np.broadcast_to(revenue, shape),
        cache_hits=np.broadcast_to(cache_hits, shape),
        model_served=np.broadcast_to(model_served, shape),
        coverage=np.broadcast_to(coverage, shape),
        escalation=np.broadcast_to(escalation, shape),
        inference_cost=np.broadcast_to(inference, shape),
        overhead_cost=np.broadcast_to(overhead, shape),
        verification_cost=np.broadcast_to(verification, shape),
        fixed_cost=np.broadcast_to(fixed_monthly_cost * share, shape),
    )


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN (null) where the denominator is 0: undefined, never infinite."""
    numerator, denominator = np.broadcast_arrays(np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float))
    return np.divide(numerator, denominator, out=np.full(numerator.shape, np.nan), where=denominator != 0)


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
    c = _costs(features, np.asarray(multipliers, dtype=float), growth, fixed_monthly_cost)
    col = lambda name: _column(features, name)  # noqa: E731
    ai_cogs = c.ai_cogs
    teacher_quality = col("teacher_quality")
    student_share = c.coverage * (1 - c.escalation)  # of model-served requests, answered by the student
    correct = teacher_quality * (c.requests - student_share * c.model_served) + student_share * c.model_served * col("quality_retention") * teacher_quality
    error_cost = (c.requests - correct) * col("cost_per_error")
    revenue_positive = c.revenue > 0

    def with_total(values: np.ndarray, total: np.ndarray) -> np.ndarray:
        return np.concatenate([values, total[..., np.newaxis]], axis=2)

    def summed(values: np.ndarray) -> np.ndarray:
        return with_total(values, values.sum(axis=2))

    users, requests, revenue = summed(c.users), summed(c.requests), summed(c.revenue)
    inference, cogs, correct_outputs = summed(c.inference_cost), summed(ai_cogs), summed(correct)
    model_served = c.model_served.sum(axis=2)
    profitable = (revenue_positive & (c.revenue - ai_cogs > 0)).sum(axis=2)
    cogs_to_revenue = _ratio(cogs, revenue)

    n_multipliers, n_arms, n_rows = cogs.shape
    columns: dict[str, object] = {
        "scenario": pd.Categorical.from_codes(np.zeros(cogs.size, dtype=np.int8), categories=[scenario]),
        "feature": pd.Categorical.from_codes(
            np.tile(np.arange(n_rows, dtype=np.int32), n_multipliers * n_arms), categories=[*features.index, "ALL"]
        ),
        "multiplier": np.repeat(np.asarray(multipliers, dtype=float), n_arms * n_rows),
        "arm": pd.Categorical.from_codes(np.tile(np.repeat(np.arange(n_arms, dtype=np.int8), n_rows), n_multipliers), categories=list(ARMS)),
        "users": users,
        "requests": requests,
        "revenue": revenue,
        "inference_cost": inference,
        "overhead_cost": summed(c.overhead_cost),
        "verification_cost": summed(c.verification_cost),
        "fixed_cost": summed(c.fixed_cost),
        "ai_cogs": cogs,
        "cogs_to_revenue": cogs_to_revenue,
        "gross_margin": 1 - cogs_to_revenue,
        "inference_cost_per_request": _ratio(inference, requests),
        "cost_per_request": _ratio(cogs, requests),
        "cost_per_user": _ratio(cogs, users),
        "quality": _ratio(correct_outputs, requests),
        "correct_outputs": correct_outputs,
        "cost_per_correct_output": _ratio(cogs, correct_outputs),
        "error_cost": summed(error_cost),
        "net_ai_value": summed(c.revenue - ai_cogs - error_cost),
        "routing_coverage": with_total(np.broadcast_to(student_share, c.requests.shape), _ratio((student_share * c.model_served).sum(axis=2), model_served)),
        "inference_efficiency_ratio": _ratio(revenue, inference),
        "feature_profitability": with_total(np.full(c.requests.shape, np.nan), _ratio(profitable, revenue_positive.sum(axis=2))),
    }
    frame = pd.DataFrame({name: (np.ravel(v) if isinstance(v, np.ndarray) else v) for name, v in columns.items()})
    is_total = np.tile(np.arange(n_rows) == n_rows - 1, n_multipliers * n_arms)
    for metric in TIER_METRICS:
        bands = np.full(len(frame), None, dtype=object)
        bands[is_total] = tier_bands(metric, frame[metric].to_numpy()[is_total], tiers)
        frame[f"{metric}_tier"] = bands
    return frame


def _scenario_totals(features: pd.DataFrame, multipliers: np.ndarray, growth: str, fixed_monthly_cost: float) -> tuple[np.ndarray, np.ndarray]:
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


def summarize_features(features: pd.DataFrame, *, scenario: str, horizon_months: float, fixed_monthly_cost: float) -> dict[str, object]:
    """One-time cost, monthly saving at 1x, payback, ROI, break-even volume and margin collapse points."""
    today = _costs(features, np.array([1.0]), "users", fixed_monthly_cost)
    baseline_served = today.model_served[0, 0]
    teacher_cost_today = _model_cost(features, "teacher", today.model_served[:, :1])[0, 0]
    # A self-hosted teacher that serves nothing today labels at the cost of a replica at target utilisation.
    replica_cost_per_request = _ratio(
        features["teacher_hourly_price"].to_numpy(), 3600 * features["teacher_throughput_rps"].to_numpy() * features["teacher_utilization"].to_numpy()
    )
    teacher_cost_per_request = np.where(baseline_served > 0, _ratio(teacher_cost_today, baseline_served), replica_cost_per_request)
    has_student = features["has_student"].to_numpy() > 0
    one_time = np.where(
        has_student,
        features["training_examples"].to_numpy() * teacher_cost_per_request + features["training_compute"].to_numpy() + features["engineering"].to_numpy(),
        0.0,
    ).sum()
    cogs_today = today.ai_cogs.sum(axis=2)[0]
    monthly_saving = float(cogs_today[0] - cogs_today[1])

    search_cogs, _ = _scenario_totals(features, SEARCH_MULTIPLIERS, "users", fixed_monthly_cost)
    # Strictly below, with a tolerance so that float noise between equal arms is not a saving.
    cheaper = search_cogs[:, 0] - search_cogs[:, 1] > 1e-9 * np.maximum(1.0, np.abs(search_cogs[:, 0]))
    break_even = _first(cheaper)
    requests_today = float(today.requests[0, 0].sum())

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
        "break_even_monthly_requests": float(requests_today * SEARCH_MULTIPLIERS[break_even]) if break_even is not None and requests_today > 0 else None,
        "margin_collapse_multiplier_baseline": collapse[0],
        "margin_collapse_multiplier_distilled": collapse[1],
    }


@dataclass(frozen=True)
class Projection:
    """The rows of one or more scenarios' projections and one summary row per scenario."""

    rows: pd.DataFrame
    summary: pd.DataFrame


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
        features = features_frame(scenario)
        rows.append(
            project_features(
                features,
                scenario=scenario.name,
                multipliers=scenario.multipliers if multipliers is None else multipliers,
                growth=scenario.growth if growth is None else growth,
                fixed_monthly_cost=scenario.fixed_monthly_cost,
                tiers=tiers,
            )
        )
        summaries.append(
            summarize_features(features, scenario=scenario.name, horizon_months=scenario.horizon_months, fixed_monthly_cost=scenario.fixed_monthly_cost)
        )
    frame = pd.concat(rows, ignore_index=True) if len(rows) > 1 else rows[0]
    return Projection(rows=frame, summary=pd.DataFrame(summaries, columns=list(SUMMARY_COLUMNS)))

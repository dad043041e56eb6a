"""The cost model on arrays: a scenario as a features frame, and what each feature costs at given multipliers.

docs/economics.md's per-request and per-month formulas, computed on numpy arrays shaped
(multiplier, arm, feature); aueb.engine builds the projection's rows from them and aueb.summary
searches them for break-even and margin collapse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aueb.catalog import lookup
from aueb.pricing import price_row, token_cost
from aueb.scenario import PerRequestPricing, Scenario, SelfHostedPricing, TokenPricing

SECONDS_PER_MONTH = 2_628_000.0
HOURS_PER_MONTH = 730.0
ARMS = ("baseline", "distilled")

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

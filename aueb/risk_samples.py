"""The Monte Carlo of aueb.risk: ranged inputs, PERT draws, and a sample axis through the engine.

Samples go through the engine together, as blocks of the scenario's features (sample x feature rows,
one set of arrays per chunk of whole samples), never one projection per sample. The block uses the
engine's own cost and quality functions, so a sample is exactly a point projection of the sampled scenario.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from aueb.costs import ARMS, _costs, _one_time_cost, _ratio, engine_inputs, token_prices, token_unit_cost
from aueb.engine import _feature_figures, overflow_message, overflow_text
from aueb.errors import InputError
from aueb.scenario import RANGES_KEY, Range, Scenario, TokenPricing

DEFAULT_SAMPLES = 10_000
DEFAULT_SEED = 0
MAX_DRAWS = 50_000_000  # samples x ranged inputs drawn at once (400 MB of float64)
TOKEN_FIELDS = (
    "input_tokens",
    "cached_input_tokens",
    "cache_write_input_tokens",
    "output_tokens",
    "input_price_per_mtok",
    "cached_input_price_per_mtok",
    "cache_write_price_per_mtok",
    "output_price_per_mtok",
    "batch_share",
    "batch_discount",
)
_FEATURE_COLUMNS = {"student.quality_retention": "quality_retention", "teacher.quality": "teacher_quality"}


# --- the ranged inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RangedInput:
    """One input given as a range: where it is (`features[Support chat].users`) and what it sets in the engine."""

    path: str
    feature: int | None  # None: the scenario's fixed monthly cost
    column: str  # the engine's feature column, or `teacher.input_tokens` for a token figure of a model
    range: Range
    where: tuple[str, ...] = ()  # the same path as keys: ("features", "Support chat", "teacher", "pricing", "cost")


def ranged_inputs(scenario: Scenario) -> list[RangedInput]:
    """Every ranged input of the scenario, in the order of the file; inputs the projection ignores
    (the escalation of a feature without a student) are left out."""
    found = [RangedInput(name, None, name, r, (name,)) for name, r in scenario.ranges.items()]

    def add(i: int, keys: tuple[str, ...], column: str, r: Range) -> None:
        feature = scenario.features[i].name
        found.append(RangedInput(".".join((f"features[{feature}]", *keys)), i, column, r, ("features", feature, *keys)))

    for i, f in enumerate(scenario.features):
        for name, r in f.ranges.items():
            if name == "escalation" and f.student is None:
                continue
            add(i, (name,), name, r)
        models = [("teacher", f.teacher)] + ([("student", f.student)] if f.student is not None else [])
        for role, model in models:
            for name, r in model.ranges.items():
                add(i, (role, name), _FEATURE_COLUMNS[f"{role}.{name}"], r)
            pricing = model.pricing
            for name, r in pricing.ranges.items():
                column = (
                    f"{role}.{name}"
                    if isinstance(pricing, TokenPricing)
                    else f"{role}_{'unit_cost' if name == 'cost' else name}"
                )
                add(i, (role, "pricing", name), column, r)
        if f.student is not None:
            for name, r in f.student.distillation.ranges.items():
                add(i, ("student", "distillation", name), name, r)
    return found


def pert(rng: np.random.Generator, low: np.ndarray, mode: np.ndarray, high: np.ndarray, n: int) -> np.ndarray:
    """n PERT (lambda = 4) draws of each range, shaped (range, n); a range with low = high is that number."""
    low, mode, high = (np.asarray(a, dtype=float)[:, np.newaxis] for a in (low, mode, high))
    spread = high - low
    flat = spread == 0
    safe = np.where(flat, 1.0, spread)
    alpha = np.where(flat, 1.0, 1 + 4 * (mode - low) / safe)
    beta = np.where(flat, 1.0, 1 + 4 * (high - mode) / safe)
    return low + spread * rng.beta(alpha, beta, size=(len(low), n))


# Per-sample totals of sample_totals, each shaped (multiplier, arm, sample).
SAMPLE_TOTALS = ("users", "requests", "revenue", "ai_cogs", "correct_outputs", "error_cost")
# Samples go through the engine in blocks of about this many feature rows: large enough to amortise the
# per-call overhead, small enough that a block's arrays stay a few tens of MB.
ROWS_PER_CHUNK = 262_144


def sample_totals(
    features: pd.DataFrame, n_samples: int, *, multipliers: np.ndarray, growth: str, fixed_monthly_cost: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Scenario totals of a block of samples as one set of arrays: `features` holds n_samples copies of the
    scenario's features (row = sample x features + feature), fixed_monthly_cost one value per sample.

    Returns the SAMPLE_TOTALS arrays shaped (multiplier, arm, sample) and the one-time cost per sample.
    """
    n_features = len(features) // n_samples
    column = lambda name: features[name].to_numpy(dtype=float)  # noqa: E731
    requests_today = column("users") * column("requests_per_user")
    # The fixed cost is shared within each sample, in proportion to that sample's requests.
    scenario_requests = np.repeat(requests_today.reshape(n_samples, n_features).sum(axis=1), n_features)
    fixed = np.repeat(np.asarray(fixed_monthly_cost, dtype=float), n_features)
    c = _costs(
        features,
        multipliers,
        growth,
        fixed[np.newaxis, np.newaxis, :],
        multipliers[:, np.newaxis, np.newaxis] * scenario_requests,
        n_features,
    )
    per_feature, _ = _feature_figures(features, c)
    shape = (len(multipliers), len(ARMS), n_samples, n_features)
    totals = {
        name: np.broadcast_to(per_feature[name], c.requests.shape).reshape(shape).sum(axis=3) for name in SAMPLE_TOTALS
    }
    one_time = _one_time_cost(features, requests_today * (1 - column("cache_hit_rate")))
    return totals, one_time.reshape(n_samples, n_features).sum(axis=1)


# --- samples through the engine --------------------------------------------------------------------------


def _token_models(scenario: Scenario, inputs: list[RangedInput]) -> dict[tuple[int, str], dict[str, float]]:
    """The token figures (modes, catalog prices resolved) of each model that has a ranged token figure."""
    models = {}
    for item in inputs:
        if item.feature is None or "." not in item.column:
            continue
        role = item.column.split(".")[0]
        key = (item.feature, role)
        if key not in models:
            pricing = getattr(scenario.features[item.feature], role).pricing
            p_in, p_cached, p_write, p_out = token_prices(pricing)
            models[key] = {
                **{name: getattr(pricing, name) for name in TOKEN_FIELDS},
                "input_price_per_mtok": p_in,
                "cached_input_price_per_mtok": p_cached,  # None: follows the (sampled) input price
                "cache_write_price_per_mtok": p_write,
                "output_price_per_mtok": p_out,
            }
    return models


def _sampled_features(
    base: pd.DataFrame,
    scenario: Scenario,
    inputs: list[RangedInput],
    values: np.ndarray,
    token_models: dict[tuple[int, str], dict[str, float]],
) -> pd.DataFrame:
    """The engine's features frame for the samples in `values` (input, sample): n blocks of the scenario's features."""
    n, n_features = values.shape[1], len(base)
    columns = {name: np.tile(base[name].to_numpy(dtype=float), n) for name in base.columns}
    grid = {
        name: column.reshape(n, n_features) for name, column in columns.items()
    }  # views: writing them writes the columns
    tokens: dict[tuple[int, str], dict[str, np.ndarray]] = {}
    for row, item in zip(values, inputs, strict=True):
        if item.feature is None:
            continue
        if "." in item.column:
            role, name = item.column.split(".")
            tokens.setdefault((item.feature, role), {})[name] = row
        else:
            grid[item.column][:, item.feature] = row
    for (feature, role), sampled in tokens.items():
        figures: dict[str, Any] = {**token_models[(feature, role)], **sampled}
        n_in = np.asarray(figures["input_tokens"], dtype=float)
        # Sampled independently, cached tokens may come out above input tokens: then all input tokens are cached.
        n_c = np.minimum(figures["cached_input_tokens"], n_in)
        p_in = figures["input_price_per_mtok"]
        n_w = np.minimum(figures["cache_write_input_tokens"], n_in - n_c)
        p_cached = p_in if figures["cached_input_price_per_mtok"] is None else figures["cached_input_price_per_mtok"]
        p_write = p_in if figures["cache_write_price_per_mtok"] is None else figures["cache_write_price_per_mtok"]
        grid[f"{role}_unit_cost"][:, feature] = token_unit_cost(
            n_in,
            n_c,
            n_w,
            figures["output_tokens"],
            p_in,
            p_cached,
            p_write,
            figures["output_price_per_mtok"],
            figures["batch_share"],
            figures["batch_discount"],
        )
    # A sampled retention x a sampled teacher quality above 1 would be a share of correct outputs above 1.
    np.minimum(
        columns["quality_retention"],
        _ratio(1.0, columns["teacher_quality"]),
        out=columns["quality_retention"],
        where=columns["teacher_quality"] > 0,
    )
    return pd.DataFrame(columns, copy=False)


def _fixed_costs(scenario: Scenario, inputs: list[RangedInput], values: np.ndarray) -> np.ndarray:
    fixed = np.full(values.shape[1], scenario.fixed_monthly_cost)
    for row, item in zip(values, inputs, strict=True):
        if item.feature is None:
            fixed = row
    return fixed


@dataclass(frozen=True)
class Simulation:
    """Scenario totals of each sample: `totals[figure]` shaped (multiplier, arm, sample), one-time cost per sample."""

    scenario: Scenario
    multipliers: np.ndarray
    totals: dict[str, np.ndarray]
    one_time_cost: np.ndarray

    @property
    def samples(self) -> int:
        return self.one_time_cost.shape[0]

    def figure(self, name: str) -> np.ndarray:
        """A total-row figure shaped (multiplier, arm, sample), NaN where it is undefined."""
        t = self.totals
        if name in t:
            return t[name]
        ratios = {
            "cogs_to_revenue": ("ai_cogs", "revenue"),
            "cost_per_request": ("ai_cogs", "requests"),
            "cost_per_user": ("ai_cogs", "users"),
            "quality": ("correct_outputs", "requests"),
            "cost_per_correct_output": ("ai_cogs", "correct_outputs"),
        }
        if name in ratios:
            numerator, denominator = ratios[name]
            return _ratio(t[numerator], t[denominator])
        if name == "gross_margin":
            return 1 - self.figure("cogs_to_revenue")
        if name == "net_ai_value":
            return t["revenue"] - t["ai_cogs"] - t["error_cost"]
        raise KeyError(name)

    def summary_figure(self, name: str) -> np.ndarray:
        """monthly_saving, payback_months, roi or one_time_cost per sample, NaN where undefined
        (as the engine's nulls)."""
        one = int(np.flatnonzero(self.multipliers == 1.0)[0])
        cogs = self.totals["ai_cogs"][one]
        saving = cogs[0] - cogs[1]
        d = self.one_time_cost
        if name == "monthly_saving":
            return saving
        if name == "one_time_cost":
            return d
        if name == "payback_months":
            return np.where(saving > 0, _ratio(d, saving), np.nan)
        if name == "roi":
            return np.where(d > 0, _ratio(saving * self.scenario.horizon_months - d, d), np.nan)
        raise KeyError(name)


def _evaluate(
    scenario: Scenario, inputs: list[RangedInput], values: np.ndarray, multipliers: np.ndarray, growth: str
) -> Simulation:
    """Project every column of `values` (input, sample) as one sample of the scenario, in chunks of whole samples.

    A sample whose figures overflow a float is refused (InputError naming the input of largest magnitude,
    a range bound or a point value), never a figure of inf or an undefined one."""
    try:
        with np.errstate(over="raise"):
            simulation = _evaluate_chunks(scenario, inputs, values, multipliers, growth)
    except FloatingPointError:
        raise InputError(_overflow_blame(scenario, inputs, float(multipliers.max()))) from None
    arrays = [*simulation.totals.values(), simulation.one_time_cost]
    if any(np.isinf(np.asarray(a, dtype=float)).any() for a in arrays):
        raise InputError(_overflow_blame(scenario, inputs, float(multipliers.max())))
    return simulation


def _overflow_blame(scenario: Scenario, inputs: list[RangedInput], multiplier: float) -> str:
    """The refusal naming the largest input: a range's bound (`users.high`, as the CSV's column) when it is
    larger than every point value, else the point value (as `aueb project` names it)."""
    point = overflow_message(scenario, multiplier)
    bounds = [
        (abs(b), item, name) for item in inputs for name, b in (("low", item.range.low), ("high", item.range.high))
    ]
    if not bounds:
        return point
    size, item, bound = max(bounds, key=lambda t: t[0])
    largest_point = _largest_point(scenario)
    if size < largest_point:
        return point
    where = f"scenario {scenario.name!r}" if item.feature is None else f"feature {item.where[1]!r}"
    field = ".".join(item.where[2:] if item.feature is not None else item.where)
    return overflow_text(where, f"{field}.{bound}", getattr(item.range, bound), multiplier)


def _largest_point(scenario: Scenario) -> float:
    """The magnitude of the scenario's largest point value (a ranged input at its mode)."""
    values = [
        abs(float(v))
        for data in (scenario.model_dump(include={"fixed_monthly_cost"}), *(f.model_dump() for f in scenario.features))
        for v in _numbers(data)
    ]
    return max(values, default=0.0)


def _numbers(data: Any) -> list[float]:
    if isinstance(data, dict):
        return [v for key, value in data.items() if key != RANGES_KEY for v in _numbers(value)]
    if isinstance(data, list):
        return [v for value in data for v in _numbers(value)]
    return [float(data)] if isinstance(data, (int, float)) and not isinstance(data, bool) else []


def _evaluate_chunks(
    scenario: Scenario, inputs: list[RangedInput], values: np.ndarray, multipliers: np.ndarray, growth: str
) -> Simulation:
    """The samples through the engine, chunk by chunk."""
    base = engine_inputs(scenario)
    token_models = _token_models(scenario, inputs)
    n = values.shape[1]
    totals: dict[str, list[np.ndarray]] = {}
    one_time = []
    step = max(1, ROWS_PER_CHUNK // len(base))
    for start in range(0, n, step):
        part = values[:, start : start + step]
        frame = _sampled_features(base, scenario, inputs, part, token_models)
        chunk, cost = sample_totals(
            frame,
            part.shape[1],
            multipliers=multipliers,
            growth=growth,
            fixed_monthly_cost=_fixed_costs(scenario, inputs, part),
        )
        for name, array in chunk.items():
            totals.setdefault(name, []).append(array)
        one_time.append(cost)
    return Simulation(
        scenario, multipliers, {k: np.concatenate(v, axis=2) for k, v in totals.items()}, np.concatenate(one_time)
    )


def _with_one(multipliers: Sequence[float]) -> np.ndarray:
    """The multipliers, with 1x added at the end when missing (the summary is at today's volume)."""
    values = [float(m) for m in multipliers]
    return np.asarray(values if 1.0 in values else [*values, 1.0])


def simulate(
    scenario: Scenario,
    n_samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    *,
    multipliers: Sequence[float] | None = None,
    growth: str | None = None,
) -> Simulation:
    """n_samples projections of the scenario with its ranged inputs drawn from their PERT distributions.

    Same seed, same samples (numpy's PCG64 Generator; the draws are made input by input in file order)."""
    if n_samples < 1:
        raise InputError(f"samples: {n_samples} must be at least 1")
    inputs = ranged_inputs(scenario)
    if n_samples * len(inputs) > MAX_DRAWS:
        raise InputError(
            f"samples: {n_samples:,} samples x {len(inputs)} ranged inputs = {n_samples * len(inputs):,} draws, "
            f"more than the {MAX_DRAWS:,} held in memory at once; use at most {MAX_DRAWS // len(inputs):,} samples"
        )
    rng = np.random.default_rng(seed)
    bounds = np.array([(i.range.low, i.range.mode, i.range.high) for i in inputs], dtype=float).reshape(-1, 3)
    chosen = _with_one(scenario.multipliers if multipliers is None else multipliers)
    try:
        with np.errstate(over="raise"):
            values = pert(rng, bounds[:, 0], bounds[:, 1], bounds[:, 2], n_samples)
    except FloatingPointError:
        raise InputError(_overflow_blame(scenario, inputs, float(chosen.max()))) from None
    return _evaluate(scenario, inputs, values, chosen, growth or scenario.growth)

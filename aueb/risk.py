"""Uncertainty and sensitivity (ECONOMICS.md): PERT samples of the ranged inputs, percentiles, tornado.

Every input given as a range {low, mode, high} is sampled as PERT (lambda = 4), independently of the
others; each sample is a full projection. The samples go through the engine together, as blocks of
the scenario's features (aueb.engine.sample_totals), never one projection per sample.
The tornado evaluates the same way: its 2 x K design points (one input at low or high, the rest at
mode) are K "samples" laid out by hand.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from aueb.engine import ARMS, ROWS_PER_CHUNK, _ratio, features_frame, sample_totals, token_prices, token_unit_cost
from aueb.errors import InputError
from aueb.formats import _write_csv
from aueb.scenario import Range, Scenario, TokenPricing

DEFAULT_SAMPLES = 10_000
DEFAULT_SEED = 0
PERCENTILES = (0.10, 0.50, 0.90)
PERCENTILE_COLUMNS = ("scenario", "multiplier", "arm", "figure", "p10", "p50", "p90", "undefined")
# Total-row figures reported as percentiles for every multiplier and arm.
RISK_FIGURES = ("ai_cogs", "cogs_to_revenue", "gross_margin", "cost_per_request", "cost_per_correct_output", "net_ai_value")
# Every figure a tornado may show: total-row figures (at a multiplier and arm) and summary figures.
TOTAL_FIGURES = (
    "users", "requests", "revenue", "ai_cogs", "cogs_to_revenue", "gross_margin", "cost_per_request", "cost_per_user",
    "quality", "correct_outputs", "cost_per_correct_output", "error_cost", "net_ai_value",
)
SUMMARY_FIGURES = ("monthly_saving", "payback_months", "roi", "one_time_cost")
TOKEN_FIELDS = (
    "input_tokens", "cached_input_tokens", "output_tokens", "input_price_per_mtok", "cached_input_price_per_mtok",
    "output_price_per_mtok", "batch_share", "batch_discount",
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
                column = f"{role}.{name}" if isinstance(pricing, TokenPricing) else f"{role}_{'unit_cost' if name == 'cost' else name}"
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
            p_in, p_cached, p_out = token_prices(pricing)
            models[key] = {
                **{name: getattr(pricing, name) for name in TOKEN_FIELDS},
                "input_price_per_mtok": p_in,
                "cached_input_price_per_mtok": p_cached,  # None: follows the (sampled) input price
                "output_price_per_mtok": p_out,
            }
    return models


def _sampled_features(
    base: pd.DataFrame, scenario: Scenario, inputs: list[RangedInput], values: np.ndarray, token_models: dict[tuple[int, str], dict[str, float]]
) -> pd.DataFrame:
    """The engine's features frame for the samples in `values` (input, sample): n blocks of the scenario's features."""
    n, n_features = values.shape[1], len(base)
    columns = {name: np.tile(base[name].to_numpy(dtype=float), n) for name in base.columns}
    grid = {name: column.reshape(n, n_features) for name, column in columns.items()}  # views: writing them writes the columns
    tokens: dict[tuple[int, str], dict[str, np.ndarray]] = {}
    for row, item in zip(values, inputs):
        if item.feature is None:
            continue
        if "." in item.column:
            role, name = item.column.split(".")
            tokens.setdefault((item.feature, role), {})[name] = row
        else:
            grid[item.column][:, item.feature] = row
    for (feature, role), sampled in tokens.items():
        figures = {**token_models[(feature, role)], **sampled}
        n_in = np.asarray(figures["input_tokens"], dtype=float)
        # Sampled independently, cached tokens may come out above input tokens: then all input tokens are cached.
        n_c = np.minimum(figures["cached_input_tokens"], n_in)
        p_in = figures["input_price_per_mtok"]
        p_cached = p_in if figures["cached_input_price_per_mtok"] is None else figures["cached_input_price_per_mtok"]
        grid[f"{role}_unit_cost"][:, feature] = token_unit_cost(
            n_in, n_c, figures["output_tokens"], p_in, p_cached, figures["output_price_per_mtok"], figures["batch_share"], figures["batch_discount"]
        )
    # A sampled retention x a sampled teacher quality above 1 would be a share of correct outputs above 1.
    np.minimum(columns["quality_retention"], _ratio(1.0, columns["teacher_quality"]), out=columns["quality_retention"], where=columns["teacher_quality"] > 0)
    return pd.DataFrame(columns, copy=False)


def _fixed_costs(scenario: Scenario, inputs: list[RangedInput], values: np.ndarray) -> np.ndarray:
    fixed = np.full(values.shape[1], scenario.fixed_monthly_cost)
    for row, item in zip(values, inputs):
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
        """monthly_saving, payback_months, roi or one_time_cost per sample, NaN where undefined (as the engine's nulls)."""
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


def _evaluate(scenario: Scenario, inputs: list[RangedInput], values: np.ndarray, multipliers: np.ndarray, growth: str) -> Simulation:
    """Project every column of `values` (input, sample) as one sample of the scenario, in chunks of whole samples."""
    base = features_frame(scenario)
    token_models = _token_models(scenario, inputs)
    n = values.shape[1]
    totals: dict[str, list[np.ndarray]] = {}
    one_time = []
    step = max(1, ROWS_PER_CHUNK // len(base))
    for start in range(0, n, step):
        part = values[:, start : start + step]
        frame = _sampled_features(base, scenario, inputs, part, token_models)
        chunk, cost = sample_totals(frame, part.shape[1], multipliers=multipliers, growth=growth, fixed_monthly_cost=_fixed_costs(scenario, inputs, part))
        for name, array in chunk.items():
            totals.setdefault(name, []).append(array)
        one_time.append(cost)
    return Simulation(scenario, multipliers, {k: np.concatenate(v, axis=2) for k, v in totals.items()}, np.concatenate(one_time))


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
    rng = np.random.default_rng(seed)
    bounds = np.array([(i.range.low, i.range.mode, i.range.high) for i in inputs], dtype=float).reshape(-1, 3)
    values = pert(rng, bounds[:, 0], bounds[:, 1], bounds[:, 2], n_samples)
    return _evaluate(
        scenario, inputs, values, _with_one(scenario.multipliers if multipliers is None else multipliers), growth or scenario.growth
    )


# --- percentiles -----------------------------------------------------------------------------------------


def percentiles(samples: np.ndarray) -> tuple[float | None, float | None, float | None, int]:
    """P10, P50, P90 (the values that 10%, 50%, 90% of the samples do not exceed) of the defined samples,
    and how many samples were undefined (NaN) and left out; None for all three when none is defined."""
    values = np.asarray(samples, dtype=float)
    defined = values[np.isfinite(values)]
    undefined = int(values.size - defined.size)
    if defined.size == 0:
        return None, None, None, undefined
    p10, p50, p90 = np.quantile(defined, PERCENTILES, method="inverted_cdf")
    return float(p10), float(p50), float(p90), undefined


def percentiles_along(samples: np.ndarray) -> np.ndarray:
    """P10, P50, P90 over the last axis, undefined samples left out: shaped (3, ...) (the fan chart's many points
    at once); NaN where no sample is defined."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: no defined sample
        return np.nanquantile(samples, PERCENTILES, axis=-1, method="inverted_cdf")


def fan(simulation: Simulation, figure: str = "cogs_to_revenue") -> pd.DataFrame:
    """multiplier, arm, p10, p50, p90, undefined of a total-row figure at every simulated multiplier (the fan chart)."""
    values = simulation.figure(figure)
    bands = percentiles_along(values) if values.size else np.empty((3, *values.shape[:2]))
    undefined = (~np.isfinite(values)).sum(axis=-1)
    m, a = np.meshgrid(simulation.multipliers, np.arange(len(ARMS)), indexing="ij")
    order = np.argsort(simulation.multipliers, kind="stable")
    frame = pd.DataFrame({
        "multiplier": m[order].ravel(), "arm": np.array(ARMS)[a[order].ravel()],
        "p10": bands[0][order].ravel(), "p50": bands[1][order].ravel(), "p90": bands[2][order].ravel(), "undefined": undefined[order].ravel(),
    })
    return frame


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PercentileRow(_Report):
    scenario: str
    multiplier: float
    arm: str
    figure: str
    p10: float | None
    p50: float | None
    p90: float | None
    undefined: int


class SummaryPercentiles(_Report):
    p10: float | None
    p50: float | None
    p90: float | None
    undefined: int


class RiskSummary(_Report):
    monthly_saving: SummaryPercentiles
    payback_months: SummaryPercentiles
    roi: SummaryPercentiles
    payback_within_horizon_probability: float | None
    horizon_months: float


class TornadoRow(_Report):
    scenario: str
    figure: str
    input: str
    low: float
    mode: float
    high: float
    figure_at_low: float | None
    figure_at_mode: float | None
    figure_at_high: float | None
    swing: float | None


class RiskReport(_Report):
    """The JSON of `aueb risk`: percentiles of the total rows, the summary by scenario, the tornado."""

    percentiles: list[PercentileRow]
    summary: dict[str, RiskSummary]
    tornado: list[TornadoRow]
    samples: int
    seed: int


def percentile_rows(simulation: Simulation, multipliers: Sequence[float] | None = None) -> list[PercentileRow]:
    """P10/P50/P90 of every RISK_FIGURES figure of the total rows, per multiplier and arm."""
    shown = simulation.scenario.multipliers if multipliers is None else multipliers
    rows = []
    for m in shown:
        i = int(np.flatnonzero(simulation.multipliers == float(m))[0])
        for a, arm in enumerate(ARMS):
            for name in RISK_FIGURES:
                p10, p50, p90, undefined = percentiles(simulation.figure(name)[i, a])
                rows.append(PercentileRow(scenario=simulation.scenario.name, multiplier=float(m), arm=arm, figure=name,
                                          p10=p10, p50=p50, p90=p90, undefined=undefined))
    return rows


def risk_summary(simulation: Simulation) -> RiskSummary:
    """Percentiles of monthly saving, payback and ROI, and the probability of paying back within the horizon
    (share of all samples whose payback exists and is at most H; None without any student)."""
    figures = {}
    for name in ("monthly_saving", "payback_months", "roi"):
        p10, p50, p90, undefined = percentiles(simulation.summary_figure(name))
        figures[name] = SummaryPercentiles(p10=p10, p50=p50, p90=p90, undefined=undefined)
    horizon = simulation.scenario.horizon_months
    has_student = any(f.student is not None for f in simulation.scenario.features)
    payback = simulation.summary_figure("payback_months")
    with np.errstate(invalid="ignore"):
        probability = float(np.mean(payback <= horizon)) if has_student else None
    return RiskSummary(**figures, payback_within_horizon_probability=probability, horizon_months=horizon)


# --- the tornado -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureChoice:
    """The figure of a tornado: a total-row figure at a multiplier and arm, or a summary figure."""

    name: str
    multiplier: float = 1.0
    arm: str | None = None  # None: distilled, or baseline for a scenario without a student

    def arm_for(self, scenario: Scenario) -> str:
        if self.arm is not None:
            return self.arm
        return "distilled" if any(f.student is not None for f in scenario.features) else "baseline"

    def label(self, scenario: Scenario) -> str:
        if self.name in SUMMARY_FIGURES:
            return self.name
        return f"{self.name}@{self.multiplier:g}x/{self.arm_for(scenario)}"


DEFAULT_FIGURE = FigureChoice("cogs_to_revenue")
_FIGURE = re.compile(r"^(?P<name>[a-z_]+)(@(?P<multiplier>[0-9.eE+-]+)x?)?(/(?P<arm>[a-z]+))?$")


def parse_figure(text: str) -> FigureChoice:
    """`cogs_to_revenue`, `ai_cogs@10x`, `net_ai_value@100x/baseline` or a summary figure (`payback_months`)."""
    match = _FIGURE.match(text.strip())
    if not match or match["name"] not in (*TOTAL_FIGURES, *SUMMARY_FIGURES):
        raise InputError(
            f"--figure: {text!r} is not a figure; expected NAME[@MULTIPLIERx][/ARM] with NAME one of "
            f"{', '.join(TOTAL_FIGURES)} (total rows) or {', '.join(SUMMARY_FIGURES)} (summary), e.g. ai_cogs@10x/baseline"
        )
    name, multiplier, arm = match["name"], match["multiplier"], match["arm"]
    if name in SUMMARY_FIGURES and (multiplier or arm):
        raise InputError(f"--figure: {name} is a summary figure (at today's volume, both arms); give it without @ or /")
    if arm is not None and arm not in ARMS:
        raise InputError(f"--figure: arm {arm!r} is not one of {', '.join(ARMS)}")
    value = 1.0
    if multiplier:
        try:
            value = float(multiplier)
        except ValueError:
            value = float("nan")
        if not math.isfinite(value) or value <= 0:
            raise InputError(f"--figure: multiplier {multiplier!r} must be a number above 0")
    return FigureChoice(name, value, arm)


def _chosen(simulation: Simulation, figure: FigureChoice) -> np.ndarray:
    if figure.name in SUMMARY_FIGURES:
        return simulation.summary_figure(figure.name)
    i = int(np.flatnonzero(simulation.multipliers == figure.multiplier)[0])
    return simulation.figure(figure.name)[i, ARMS.index(figure.arm_for(simulation.scenario))]


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def tornado(scenario: Scenario, figure: FigureChoice = DEFAULT_FIGURE) -> list[TornadoRow]:
    """For each ranged input: the figure with that input at its low and at its high, every other input at
    its mode; swing = |Y(high) - Y(low)|; largest swing first (undefined swings last, file order on ties)."""
    inputs = ranged_inputs(scenario)
    k = len(inputs)
    if k == 0:
        return []
    modes = np.array([i.range.mode for i in inputs])
    # Columns: 2j = input j at low, 2j + 1 = input j at high, last = every input at its mode.
    values = np.repeat(modes[:, np.newaxis], 2 * k + 1, axis=1)
    for j, item in enumerate(inputs):
        values[j, 2 * j], values[j, 2 * j + 1] = item.range.low, item.range.high
    y = _chosen(_evaluate(scenario, inputs, values, _with_one([figure.multiplier]), scenario.growth), figure)
    label = figure.label(scenario)
    rows = []
    for j, item in enumerate(inputs):
        at_low, at_high = _number(y[2 * j]), _number(y[2 * j + 1])
        swing = abs(at_high - at_low) if at_low is not None and at_high is not None else None
        rows.append(TornadoRow(scenario=scenario.name, figure=label, input=item.path, low=item.range.low, mode=item.range.mode,
                               high=item.range.high, figure_at_low=at_low, figure_at_mode=_number(y[-1]), figure_at_high=at_high, swing=swing))
    return sorted(rows, key=lambda r: (r.swing is None, -(r.swing or 0.0)))


def risk_report(
    scenarios: Sequence[Scenario], n_samples: int = DEFAULT_SAMPLES, seed: int = DEFAULT_SEED, figure: FigureChoice = DEFAULT_FIGURE
) -> RiskReport:
    """The whole risk analysis of each scenario (each drawn with the same seed)."""
    rows: list[PercentileRow] = []
    summary: dict[str, RiskSummary] = {}
    bars: list[TornadoRow] = []
    for scenario in scenarios:
        simulation = simulate(scenario, n_samples, seed)
        rows += percentile_rows(simulation)
        summary[scenario.name] = risk_summary(simulation)
        bars += tornado(scenario, figure)
    return RiskReport(percentiles=rows, summary=summary, tornado=bars, samples=n_samples, seed=seed)


def risk_to_csv(report: RiskReport) -> str:
    """The percentile rows as the finance CSV (same cell rules as every CSV aueb writes)."""
    return _write_csv(PERCENTILE_COLUMNS, [[getattr(r, c) for c in PERCENTILE_COLUMNS] for r in report.percentiles])


def risk_to_json(report: RiskReport) -> str:
    return json.dumps(report.model_dump(mode="json"), indent=1, allow_nan=False) + "\n"

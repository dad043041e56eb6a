"""Uncertainty and sensitivity (docs/economics.md): percentiles of the Monte Carlo, the summary, the tornado.

Every input given as a range {low, mode, high} is sampled as PERT (lambda = 4), independently of the
others; each sample is a full projection (aueb.risk_samples: a sample axis through the engine).
The tornado evaluates the same way: its 2 x K design points (one input at low or high, the rest at
mode) are laid out by hand instead of drawn.
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

from aueb.costs import ARMS
from aueb.errors import InputError
from aueb.formats import _write_csv
from aueb.risk_samples import (  # noqa: F401  (the risk API in one place: aueb.risk.simulate, pert, ...)
    DEFAULT_SAMPLES,
    DEFAULT_SEED,
    RangedInput,
    Simulation,
    _evaluate,
    _with_one,
    pert,
    ranged_inputs,
    simulate,
)
from aueb.scenario import Scenario
from aueb.strict import StrictModel

PERCENTILES = (0.10, 0.50, 0.90)
PERCENTILE_COLUMNS = ("scenario", "multiplier", "arm", "figure", "p10", "p50", "p90", "undefined")
# Total-row figures reported as percentiles for every multiplier and arm.
RISK_FIGURES = (
    "ai_cogs",
    "cogs_to_revenue",
    "gross_margin",
    "cost_per_request",
    "cost_per_correct_output",
    "net_ai_value",
)
# Every figure a tornado may show: total-row figures (at a multiplier and arm) and summary figures.
TOTAL_FIGURES = (
    "users",
    "requests",
    "revenue",
    "ai_cogs",
    "cogs_to_revenue",
    "gross_margin",
    "cost_per_request",
    "cost_per_user",
    "quality",
    "correct_outputs",
    "cost_per_correct_output",
    "error_cost",
    "net_ai_value",
)
SUMMARY_FIGURES = ("monthly_saving", "payback_months", "roi", "one_time_cost")


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


FAN_POINTS = 25


def fan_multipliers(scenario: Scenario) -> list[float]:
    """Log-spaced from the smallest to the largest multiplier (1x to 100x for a single one), plus the scenario's own."""
    low, high = min(scenario.multipliers), max(scenario.multipliers)
    if low == high:
        low, high = min(low, 1.0), max(high, 100.0)
    return sorted({*np.geomspace(low, high, FAN_POINTS).tolist(), *map(float, scenario.multipliers)})


def fan(simulation: Simulation, figure: str = "cogs_to_revenue") -> pd.DataFrame:
    """multiplier, arm, p10, p50, p90, undefined of a total-row figure at every simulated multiplier (the fan chart)."""
    values = simulation.figure(figure)
    bands = percentiles_along(values) if values.size else np.empty((3, *values.shape[:2]))
    undefined = (~np.isfinite(values)).sum(axis=-1)
    m, a = np.meshgrid(simulation.multipliers, np.arange(len(ARMS)), indexing="ij")
    order = np.argsort(simulation.multipliers, kind="stable")
    frame = pd.DataFrame(
        {
            "multiplier": m[order].ravel(),
            "arm": np.array(ARMS)[a[order].ravel()],
            "p10": bands[0][order].ravel(),
            "p50": bands[1][order].ravel(),
            "p90": bands[2][order].ravel(),
            "undefined": undefined[order].ravel(),
        }
    )
    return frame


_Report = StrictModel


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
                rows.append(
                    PercentileRow(
                        scenario=simulation.scenario.name,
                        multiplier=float(m),
                        arm=arm,
                        figure=name,
                        p10=p10,
                        p50=p50,
                        p90=p90,
                        undefined=undefined,
                    )
                )
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
            f"{', '.join(TOTAL_FIGURES)} (total rows) or {', '.join(SUMMARY_FIGURES)} (summary), e.g. "
            "ai_cogs@10x/baseline"
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
        rows.append(
            TornadoRow(
                scenario=scenario.name,
                figure=label,
                input=item.path,
                low=item.range.low,
                mode=item.range.mode,
                high=item.range.high,
                figure_at_low=at_low,
                figure_at_mode=_number(y[-1]),
                figure_at_high=at_high,
                swing=swing,
            )
        )
    return sorted(rows, key=lambda r: (r.swing is None, -(r.swing or 0.0)))


def risk_report(
    scenarios: Sequence[Scenario],
    n_samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    figure: FigureChoice = DEFAULT_FIGURE,
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

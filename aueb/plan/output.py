"""The savings plan's lever rows, one per lever and multiplier, ranked as ECONOMICS.md ranks them: levers with
measured (or unchanged) quality by saving at 1x, largest first, unmeasured after; "uncertain" where P10 < 0."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from aueb.engine import overflow_text
from aueb.errors import InputError
from aueb.plan.inputs import LeverSpec

UNCHANGED = ("caching", "batch")


@dataclass
class Priced:
    """One lever, priced: figures per multiplier (in the order of `multipliers`)."""

    spec: LeverSpec
    cost_now: np.ndarray
    cost_after: np.ndarray
    p10: np.ndarray
    p50: np.ndarray
    p90: np.ndarray
    quality_now: float | None = None
    quality_after: float | None = None

    @property
    def measured(self) -> bool:
        return self.spec.lever in UNCHANGED or self.quality_after is not None

    @property
    def saving(self) -> np.ndarray:
        return np.asarray(self.cost_now - self.cost_after, dtype=float)


def plain(params: dict[str, Any]) -> dict[str, Any]:
    """Params as written back: a range whose ends are equal becomes its number."""
    return {k: (v["mode"] if isinstance(v, dict) and v["low"] == v["high"] else v) for k, v in params.items()}


def percentiles(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P10, P50, P90 along the last axis (samples): numpy's default (linear) percentiles, from one partition."""
    a = np.atleast_2d(np.asarray(samples, dtype=float))
    n = a.shape[-1]
    position = np.array([0.1, 0.5, 0.9]) * (n - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, n - 1)
    part = np.partition(a, np.unique(np.concatenate([low, high])), axis=-1)
    below, above = part[..., low], part[..., high]
    value = below + (above - below) * (position - low)
    return value[..., 0], value[..., 1], value[..., 2]


def lever_rows(priced: list[Priced], multipliers: tuple[float, ...]) -> list[dict[str, Any]]:
    """Every lever at every multiplier, in rank order."""
    one = multipliers.index(1.0) if 1.0 in multipliers else 0
    order = sorted(range(len(priced)), key=lambda i: (not priced[i].measured, -float(priced[i].saving[one])))
    rows = []
    for rank, i in enumerate(order, start=1):
        r = priced[i]
        spec, saving = r.spec, r.saving
        d = float(spec.params.get("one_time_cost", 0.0))
        if spec.lever in UNCHANGED:
            change: Any = "unchanged"
        elif r.quality_after is None:
            change = "unmeasured"
        else:
            change = r.quality_after - r.quality_now if r.quality_now is not None else r.quality_after
        for j, m in enumerate(multipliers):
            s = float(saving[j])
            payback = d / s if s > 0 else None
            if payback is not None and not math.isfinite(payback):
                raise InputError(
                    overflow_text(f"feature {spec.feature!r}, lever {spec.lever!r}", "one_time_cost", d, m)
                )
            rows.append(
                {
                    "feature": spec.feature, "lever": spec.lever, "params": plain(spec.params),
                    "proposal": spec.proposal, "multiplier": float(m),
                    "cost_now": float(r.cost_now[j]), "cost_after": float(r.cost_after[j]), "saving_monthly": s,
                    "saving_p10": float(r.p10[j]), "saving_p50": float(r.p50[j]), "saving_p90": float(r.p90[j]),
                    "quality_now": r.quality_now, "quality_after": r.quality_after, "quality_change": change,
                    "quality_measured": r.measured, "one_time_cost": d,
                    "payback_months": payback, "rank": rank,
                    "uncertain": bool(r.p10[one] < 0),
                }
            )  # fmt: skip
    return rows


def waterfall_rows(
    levers: list[dict[str, Any]], combined: list[dict[str, Any]], cost: Callable[[str, list[str]], np.ndarray]
) -> list[dict[str, Any]]:
    """The waterfall from today's cost to the combined plan's: the levers the plan takes, in rank order, each with
    the saving it adds to the levers of its feature before it (`cost(feature, levers)`: the feature's monthly cost
    per multiplier with those levers applied together), so the bars end exactly at the combined total."""
    multipliers = list(dict.fromkeys(r["multiplier"] for r in combined))
    if not multipliers:
        return []
    taken = {(r["feature"], lever): r["params"][lever] for r in combined if r["multiplier"] == multipliers[0]
             for lever in r["levers"]}  # fmt: skip
    ranked = sorted(
        {
            (r["rank"], r["feature"], r["lever"])
            for r in levers
            if taken.get((r["feature"], r["lever"]), object()) == r["params"]
        }  # fmt: skip
    )
    applied: dict[str, list[str]] = {}
    before: dict[str, np.ndarray] = {}
    rows = []
    for _, feature, lever in ranked:
        if feature not in before:
            before[feature] = np.asarray(cost(feature, []))
        applied.setdefault(feature, []).append(lever)
        after = np.asarray(cost(feature, list(applied[feature])))
        for j, m in enumerate(multipliers):
            rows.append({"multiplier": m, "feature": feature, "lever": lever, "label": f"{feature}: {lever}",
                         "saving": float(before[feature][j] - after[j])})  # fmt: skip
        before[feature] = after
    return rows


def waterfall_steps_of(plan: dict[str, Any], multiplier: float = 1.0) -> tuple[float, list[tuple[str, float]]]:
    """(today's monthly cost, [(label, saving)]) of a plan's JSON at one multiplier, for the waterfall chart."""
    now = sum(r["cost_now"] for r in plan["combined"] if r["multiplier"] == multiplier)
    steps = [(r["label"], r["saving"]) for r in plan.get("waterfall", []) if r["multiplier"] == multiplier]
    return now, steps

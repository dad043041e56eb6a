"""The summary of a projection: the distillation investment and the break-even and margin collapse searches.

One-time cost, monthly saving at 1x, payback and ROI; the smallest volumes at which the student pays
back within the horizon and is cheaper at all; the usage multiplier at which AI COGS reaches revenue.
Each search walks SEARCH_MULTIPLIERS through the cost model of aueb.costs (docs/economics.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aueb.costs import _costs, _one_time_cost

# Multipliers searched for break-even and margin collapse: 0.001 to 1,000, consecutive
# points at most 0.1% apart, so the first point that qualifies is within 0.1% of the answer.
SEARCH_MULTIPLIERS = np.geomspace(1e-3, 1e3, int(np.ceil(np.log(1e6) / np.log(1.001))) + 1)


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

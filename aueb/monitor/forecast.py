"""Month to date, month-end forecast and budget run-out (ECONOMICS.md, "Watching the cost")."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

FORECAST_DAYS = 28
FORECAST_MIN_DAYS = 7
DRAWS = 2000
SEED = 20260901


@dataclass(frozen=True)
class Forecast:
    month: str  # YYYY-MM
    month_to_date: float  # A: the cost of the calendar month so far (through the clock's day)
    p10: float | None  # month-end forecasts (None: under 7 days of history)
    p50: float | None
    p90: float | None
    days: list[date]  # every day of the month
    cumulative_p50: list[float]  # actual cost to date, then actual + P50 forecast, per day of the month
    cumulative_p10: list[float]
    cumulative_p90: list[float]


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def forecast(daily: pd.Series, today: date, draws: int = DRAWS, seed: int = SEED) -> Forecast:
    """`daily`: cost per UTC day (index: date), days without cost may be absent; `today` counts as complete.
    Each remaining day's forecast is exp(a + b*day)*m, the least-squares line through ln(cost) of the
    last 28 days (days with a cost), m = mean(exp(residuals)); P10/P90 of the month end from 2,000 draws
    resampling the residuals (seeded): each draw refits the line on the fitted values plus resampled
    residuals and adds a resampled residual to each remaining day."""
    series = pd.Series(daily, dtype=float)
    series.index = [pd.Timestamp(d).date() for d in series.index]
    first = today.replace(day=1)
    last = month_end(today)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    actual = np.array([float(series.get(d, 0.0)) for d in days if d <= today])
    mtd = float(actual.sum())
    history = series[[today - timedelta(days=FORECAST_DAYS) < d <= today for d in series.index]]
    history = history[history > 0]
    remaining = [d for d in days if d > today]
    cum_actual = list(np.cumsum(actual))
    if len(history) < FORECAST_MIN_DAYS:
        return Forecast(first.strftime("%Y-%m"), mtd, None, None, None, days, cum_actual, cum_actual, cum_actual)
    x = np.array([d.toordinal() for d in history.index], dtype=float)
    y = np.log(history.to_numpy(dtype=float))
    b, a = np.polyfit(x, y, 1)
    residuals = y - (a + b * x)
    m = float(np.mean(np.exp(residuals)))
    xr = np.array([d.toordinal() for d in remaining], dtype=float)
    point = np.exp(a + b * xr) * m
    rng = np.random.default_rng(seed)
    if len(remaining):
        # Residual bootstrap: refit the line on fitted values plus resampled residuals (the line's own
        # uncertainty), then add a resampled residual to each remaining day.
        design = np.column_stack([np.ones_like(x), x])
        fitted = a + b * x
        y_star = fitted[None, :] + rng.choice(residuals, size=(draws, len(x)))
        coef = np.linalg.lstsq(design, y_star.T, rcond=None)[0]  # 2 x draws
        log_days = coef[0][:, None] + coef[1][:, None] * xr[None, :]
        sampled = np.exp(log_days + rng.choice(residuals, size=(draws, len(remaining))))
        cum_draws = mtd + np.cumsum(sampled, axis=1)
        cum10, cum90 = np.quantile(cum_draws, 0.1, axis=0), np.quantile(cum_draws, 0.9, axis=0)
        p10, p90 = float(cum10[-1]), float(cum90[-1])
    else:
        cum10 = cum90 = np.array([])
        p10 = p90 = mtd
    cum50 = mtd + np.cumsum(point)
    return Forecast(
        first.strftime("%Y-%m"),
        mtd,
        p10,
        float(mtd + point.sum()),
        p90,
        days,
        cum_actual + list(cum50),
        cum_actual + list(cum10),
        cum_actual + list(cum90),
    )


def run_out(result: Forecast, budget: float) -> date | None:
    """The first day on which actual plus P50 forecast exceeds the monthly budget (None: it does not)."""
    for day, value in zip(result.days, result.cumulative_p50, strict=False):
        if value > budget:
            return day
    return None

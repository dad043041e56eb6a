"""The alert rules of ECONOMICS.md ("Watching the cost"). Each alert is identified by (rule, feature,
period) (and the model, for the recorded-cost rule) and raised once: `new_alerts` leaves out those
already raised."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from aueb.formatting import money
from aueb.logs.pricing import PRICE_CHECK_TOLERANCE
from aueb.logs.trends import ANOMALY_LOOKBACK_DAYS, ANOMALY_MIN_DAYS, anomalies
from aueb.monitor.forecast import forecast

BUDGET_LEVELS = (0.5, 0.8, 1.0)
COST_PER_REQUEST_FACTOR = 1.5
TOTAL = None  # the feature of an alert on the total


@dataclass(frozen=True)
class Alert:
    rule: str
    feature: str | None
    period: str
    value: float
    threshold: float
    message: str
    raised_at: str
    model: str | None = None  # only the recorded-cost rule names one

    @property
    def key(self) -> tuple[str, str | None, str, str | None]:
        return (self.rule, self.feature, self.period, self.model)

    def to_json(self) -> dict:
        data = asdict(self)
        if data["model"] is None:
            del data["model"]
        return data


def _name(feature: str | None) -> str:
    return "total" if feature is None else f"feature {feature}"


def _dense(daily: pd.DataFrame, today: date) -> pd.DataFrame:
    """date, requests, cost on every day from the first to today (0 on days without requests)."""
    frame = daily.groupby("date")[["requests", "cost"]].sum()
    frame.index = [pd.Timestamp(d).date() for d in frame.index]
    days = pd.Index([min(frame.index) + timedelta(days=i) for i in range((today - min(frame.index)).days + 1)])
    return frame.reindex(days, fill_value=0)


def evaluate(
    daily: pd.DataFrame, budgets: dict[str | None, float], today: date, raised_at: str, price_checks: pd.DataFrame
) -> list[Alert]:
    """Every alert the state warrants today. `daily`: date, feature, requests, cost. `budgets`: monthly,
    None for the total. `price_checks`: month, model, recorded_cost, recomputed_cost."""
    alerts: list[Alert] = []
    month = today.strftime("%Y-%m")
    groups: list[tuple[str | None, pd.DataFrame]] = [(TOTAL, daily)] + [
        (str(f), g) for f, g in daily.groupby("feature", sort=True)
    ]
    for feature, rows in groups:
        if rows.empty:
            continue
        dense = _dense(rows, today)
        budget = budgets.get(feature)
        if budget:
            result = forecast(dense["cost"], today)
            for level in BUDGET_LEVELS:
                pct = round(level * 100)
                limit = level * budget
                if result.month_to_date >= limit:
                    alerts.append(
                        Alert(
                            f"budget_{pct}",
                            feature,
                            month,
                            result.month_to_date,
                            limit,
                            f"{_name(feature)}: month to date {money(result.month_to_date)} reached {pct}% "
                            f"of the budget {money(budget)}",
                            raised_at,
                        )
                    )
                if result.p50 is not None and result.p50 >= limit:
                    alerts.append(
                        Alert(
                            f"budget_{pct}_projected",
                            feature,
                            month,
                            result.p50,
                            limit,
                            f"{_name(feature)}: month-end forecast (P50) {money(result.p50)} reaches {pct}% "
                            f"of the budget {money(budget)}",
                            raised_at,
                        )
                    )
        if feature is None:
            continue  # the day rules are per feature
        days = list(dense.index)
        for row in anomalies(pd.Series(days), dense["cost"]).itertuples(index=False):
            alerts.append(
                Alert(
                    "anomaly",
                    feature,
                    str(row.date),
                    float(row.cost),
                    float(row.threshold),
                    f"{_name(feature)}: cost {money(row.cost)} on {row.date} above the anomaly threshold "
                    f"{money(row.threshold)} (14-day median {money(row.median)})",
                    raised_at,
                )
            )
        cpr = np.where(dense["requests"] > 0, dense["cost"] / dense["requests"].where(dense["requests"] > 0), np.nan)
        for i in range(len(days)):
            previous = cpr[max(0, i - ANOMALY_LOOKBACK_DAYS) : i]
            previous = previous[~np.isnan(previous)]
            if len(previous) < ANOMALY_MIN_DAYS or np.isnan(cpr[i]):
                continue
            limit = COST_PER_REQUEST_FACTOR * float(np.median(previous))
            if cpr[i] > limit:
                alerts.append(
                    Alert(
                        "cost_per_request",
                        feature,
                        str(days[i]),
                        float(cpr[i]),
                        limit,
                        f"{_name(feature)}: cost per request {money(cpr[i])} on {days[i]} "
                        f"above 1.5 x its 14-day median ({money(limit)})",
                        raised_at,
                    )
                )
    for row in price_checks.itertuples(index=False):
        recorded, recomputed = float(row.recorded_cost), float(row.recomputed_cost)
        off = abs(recorded - recomputed) > PRICE_CHECK_TOLERANCE * recomputed if recomputed > 0 else recorded > 0
        if off:
            alerts.append(
                Alert(
                    "recorded_cost",
                    None,
                    str(row.month),
                    recorded,
                    recomputed,
                    f"model {row.model}: recorded cost {money(recorded)} differs from the recomputed "
                    f"{money(recomputed)} by more than 1% in {row.month}",
                    raised_at,
                    model=str(row.model),
                )
            )
    return alerts


def new_alerts(alerts: list[Alert], raised: set[tuple]) -> list[Alert]:
    """The alerts not raised before (by key), each once."""
    out, seen = [], set(raised)
    for alert in alerts:
        if alert.key not in seen:
            seen.add(alert.key)
            out.append(alert)
    return out

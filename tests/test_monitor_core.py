"""Forecast, budget run-out, alert rules and the LMDI split of aueb.monitor (ECONOMICS.md, "Watching the cost")."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from aueb.errors import InputError
from aueb.monitor.alerts import evaluate, new_alerts
from aueb.monitor.changes import EFFECTS, lmdi, log_mean, parse_period
from aueb.monitor.forecast import forecast, run_out

NO_CHECKS = pd.DataFrame(columns=["month", "model", "recorded_cost", "recomputed_cost"])


def _planted(seed: int, sigma: float = 0.05):
    """Aug 1 - Sep 30 of 100 x e^(0.02 day) with lognormal noise; the forecast made on Sep 14 and the realised month."""
    rng = np.random.default_rng(seed)
    days = [date(2026, 8, 1) + timedelta(days=i) for i in range(61)]
    series = pd.Series(100 * np.exp(0.02 * np.arange(61)) * np.exp(rng.normal(0, sigma, 61)), index=days)
    today = date(2026, 9, 14)
    truth = float(series[[d.month == 9 for d in days]].sum())
    return forecast(series[series.index <= today], today), truth, series, today


def test_forecast_on_a_planted_trend_is_within_5_percent_and_covered():
    result, truth, series, today = _planted(7)
    assert result.month_to_date == pytest.approx(
        float(series[[d.month == 9 and d <= today for d in series.index]].sum())
    )
    assert result.p50 is not None and result.p10 is not None and result.p90 is not None
    assert abs(result.p50 - truth) / truth < 0.05
    assert result.p10 <= truth <= result.p90
    assert result.p10 < result.p50 < result.p90
    # The band is calibrated: over 40 planted months it covers the realised month about 80% of the time.
    covered = sum(r.p10 <= t <= r.p90 for r, t, _, _ in (_planted(seed)[:2] + (0, 0) for seed in range(40)))
    assert 24 <= covered <= 38


def test_forecast_needs_seven_days_and_run_out_is_the_first_day_over_budget():
    today = date(2026, 9, 6)
    flat = pd.Series(10.0, index=[date(2026, 9, d) for d in range(1, 7)])
    assert forecast(flat, today).p50 is None
    today = date(2026, 9, 10)
    flat = pd.Series(10.0, index=[date(2026, 9, d) for d in range(1, 11)])
    result = forecast(flat, today)
    assert result.p50 == pytest.approx(300.0)  # a flat 10 a day for 30 days
    assert run_out(result, 155.0) == date(2026, 9, 16)  # 160 > 155 on the 16th
    assert run_out(result, 95.0) == date(2026, 9, 10)
    assert run_out(result, 1000.0) is None


def _daily(costs: list[float], feature: str = "support", requests: list[int] | None = None) -> pd.DataFrame:
    start = date(2026, 9, 1)
    return pd.DataFrame(
        {
            "date": [start + timedelta(days=i) for i in range(len(costs))],
            "feature": feature,
            "requests": requests or [100] * len(costs),
            "cost": costs,
        }
    )


def _rules(alerts):
    return sorted((a.rule, a.feature, a.period) for a in alerts)


def test_budget_rules_fire_once_and_only_once():
    daily = _daily([10.0] * 10)
    raised: set = set()
    seen = []
    for day in range(1, 11):
        today = date(2026, 9, day)
        fresh = new_alerts(evaluate(daily[daily["date"] <= today], {None: 200.0}, today, "t", NO_CHECKS), raised)
        raised |= {a.key for a in fresh}
        seen += fresh
    rules = _rules(seen)
    assert rules == [
        ("budget_100_projected", None, "2026-09"),
        ("budget_50", None, "2026-09"),
        ("budget_50_projected", None, "2026-09"),
        ("budget_80_projected", None, "2026-09"),
    ]
    # A day later the month to date (110) is past 50% again: nothing new.
    assert new_alerts(evaluate(_daily([10.0] * 11), {None: 200.0}, date(2026, 9, 11), "t", NO_CHECKS), raised) == []


def test_anomaly_and_cost_per_request_rules_fire_once():
    costs = [10.0, 11.0, 9.0, 10.0, 10.5, 9.5, 10.0, 10.0, 40.0, 10.0]
    daily = _daily(costs)
    alerts = evaluate(daily, {}, date(2026, 9, 10), "t", NO_CHECKS)
    assert ("anomaly", "support", "2026-09-09") in _rules(alerts)
    assert ("cost_per_request", "support", "2026-09-09") in _rules(alerts)
    assert len(alerts) == 2
    raised = {a.key for a in new_alerts(alerts, set())}
    assert new_alerts(evaluate(daily, {}, date(2026, 9, 10), "t", NO_CHECKS), raised) == []
    # Cost per request alone: same cost, a third of the requests.
    daily = _daily([10.0] * 10, requests=[100] * 9 + [30])
    alerts = evaluate(daily, {}, date(2026, 9, 10), "t", NO_CHECKS)
    assert _rules(alerts) == [("cost_per_request", "support", "2026-09-10")]


def test_recorded_cost_rule_names_the_model():
    checks = pd.DataFrame(
        {
            "month": ["2026-09", "2026-09"],
            "model": ["a", "b"],
            "recorded_cost": [1.02, 1.005],
            "recomputed_cost": [1.0, 1.0],
        }
    )
    alerts = evaluate(_daily([1.0]), {}, date(2026, 9, 1), "t", checks)
    assert [(a.rule, a.model) for a in alerts] == [("recorded_cost", "a")]
    assert alerts[0].to_json()["feature"] is None


def _cells(rows):
    return pd.DataFrame(rows, columns=["feature", "model", "calls", "cost", "cost_ref", "cost_ref_undiscounted"])


def test_lmdi_pure_volume_change_is_all_volume():
    a = _cells([("s", "m1", 100, 5.0, 5.0, 8.0), ("q", "m2", 50, 1.0, 1.0, 1.0)])
    b = _cells([("s", "m1", 300, 15.0, 15.0, 24.0), ("q", "m2", 150, 3.0, 3.0, 3.0)])
    result = lmdi(a, b)
    assert result.effects["volume"] == pytest.approx(12.0, rel=1e-12)
    for name in ("mix", "tokens_per_call", "cache_batch", "price"):
        assert abs(result.effects[name]) < 1e-12


def test_lmdi_price_change_is_all_price():
    a = _cells([("s", "m1", 100, 5.0, 5.0, 8.0)])
    b = _cells([("s", "m1", 100, 4.0, 5.0, 8.0)])  # same tokens, the actual prices 20% lower
    result = lmdi(a, b)
    assert result.effects["price"] == pytest.approx(-1.0, rel=1e-12)
    assert sum(abs(result.effects[n]) for n in EFFECTS if n != "price") < 1e-12


def test_lmdi_hand_worked_and_exact_sum_with_one_period_cells():
    # Volume doubles, tokens per call x1.5: C 10 -> 30; L(30, 10) = 20/ln 3.
    a = _cells([("s", "m1", 100, 10.0, 10.0, 10.0)])
    b = _cells([("s", "m1", 200, 30.0, 30.0, 30.0)])
    result = lmdi(a, b)
    weight = 20 / math.log(3)
    assert result.effects["volume"] == pytest.approx(weight * math.log(2), rel=1e-12)
    assert result.effects["tokens_per_call"] == pytest.approx(weight * math.log(1.5), rel=1e-12)
    rng = np.random.default_rng(3)
    rows_a = [
        ("f", f"m{i}", *rng.uniform(1, 100, 1), *(lambda u: (u * 0.8 * 0.9, u * 0.8, u))(rng.uniform(1, 9)))
        for i in range(5)
    ]
    rows_b = [
        ("f", f"m{i}", *rng.uniform(1, 100, 1), *(lambda u: (u * 0.7 * 1.1, u * 0.7, u))(rng.uniform(1, 9)))
        for i in range(2, 8)
    ]
    result = lmdi(_cells(rows_a), _cells(rows_b))
    change = result.cost_to - result.cost_from
    assert abs(sum(result.effects.values()) - change) <= 1e-9 * abs(change)
    only_a = result.cells[result.cells["model"] == "m0"].iloc[0]
    assert only_a["mix"] == pytest.approx(-only_a["cost_from"])
    assert log_mean(2.0, 2.0) == 2.0


def test_periods():
    assert parse_period("2026-09-01..2026-09-07").end == date(2026, 9, 7)
    assert parse_period("2026-09").end == date(2026, 9, 30)
    assert parse_period("2026-12").end == date(2026, 12, 31)
    week = parse_period("2026-W37")
    assert (week.start, week.end) == (date(2026, 9, 7), date(2026, 9, 13))
    with pytest.raises(InputError, match="2026-13"):
        parse_period("2026-13")
    with pytest.raises(InputError, match="expected"):
        parse_period("september")

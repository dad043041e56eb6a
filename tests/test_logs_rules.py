"""docs/economics.md's rules for logs on constructed series: growth, months to a multiplier, anomalies, the window."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aueb.logs import ingest, trends


def days(n: int, start: date = date(2026, 1, 1)) -> pd.Series:
    return pd.Series([start + timedelta(days=i) for i in range(n)])


def test_growth_is_the_log_linear_slope_over_a_month():
    requests = pd.Series(100 * 1.01 ** np.arange(20))
    g = trends.monthly_growth(days(20), requests)
    assert g == pytest.approx(math.exp(30.4167 * math.log(1.01)) - 1, rel=1e-9)
    assert trends.months_to(g, 10) == pytest.approx(math.log(10) / math.log(1 + g))
    assert trends.months_to(g, 100) == pytest.approx(2 * trends.months_to(g, 10))


def test_growth_leaves_out_days_without_requests_and_needs_14_days():
    requests = pd.Series(100 * 1.02 ** np.arange(20))
    requests[[3, 9]] = 0
    g = trends.monthly_growth(days(20), requests)
    assert g == pytest.approx(1.02**30.4167 - 1, rel=1e-9)  # the zeros are left out, not logged as ln(0)
    assert trends.monthly_growth(days(13), pd.Series(100 * 1.02 ** np.arange(13))) is None
    requests = pd.Series([5.0] * 13 + [0.0] * 7)  # 20 days, 13 with requests
    assert trends.monthly_growth(days(20), requests) is None


def test_no_months_to_a_multiplier_without_growth():
    flat = trends.monthly_growth(days(20), pd.Series([50.0] * 20))
    assert flat == pytest.approx(0, abs=1e-12)
    assert trends.months_to(flat, 10) is None
    shrinking = trends.monthly_growth(days(20), pd.Series(100 * 0.99 ** np.arange(20)))
    assert shrinking < 0 and trends.months_to(shrinking, 10) is None
    assert trends.months_to(None, 10) is None


BASE = [10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 11, 9, 10, 10]
# Median 10; absolute deviations 0,1,1,0,2,0,1,1,0,0,1,1,0,0 -> MAD = (0 + 1) / 2 = 0.5;
# threshold = max(10 + 4 * 1.4826 * 0.5, 1.5 * 10) = max(12.9652, 15) = 15.


def test_anomaly_needs_both_the_mad_rule_and_a_50_percent_rise():
    cost = pd.Series(BASE + [30.0, 14.9])
    found = trends.anomalies(days(16), cost)
    assert len(found) == 1
    row = found.iloc[0]
    assert row["date"] == date(2026, 1, 15) and row["cost"] == 30 and row["median"] == 10
    assert row["threshold"] == pytest.approx(15)
    # The day after: its previous 14 days hold the 30 (median 10, MAD 0.5 again): 14.9 < 15 is not anomalous.


def test_anomaly_by_the_mad_rule_when_the_median_is_small():
    # Over 14 days: median 20, MAD 10, threshold = max(20 + 4 * 1.4826 * 10, 1.5 * 20) = 79.304.
    noisy = [10.0, 30.0] * 7
    last = date(2026, 1, 15)
    over = trends.anomalies(days(15), pd.Series(noisy + [80.0]))
    assert over[over["date"] == last]["threshold"].tolist() == [pytest.approx(20 + 4 * 1.4826 * 10)]
    under = trends.anomalies(days(15), pd.Series(noisy + [79.0]))
    assert last not in under["date"].tolist()


def test_anomaly_needs_seven_previous_days():
    cost = pd.Series([10, 10, 10, 10, 10, 10, 100, 10, 100])  # day 7 has 6 previous days, day 9 has 8
    found = trends.anomalies(days(9), cost)
    assert found["date"].tolist() == [date(2026, 1, 9)]
    assert found["median"].iloc[0] == 10 and found["threshold"].iloc[0] == pytest.approx(15)


def csv_log(path, rows: list[tuple[str, str, int, int]]) -> str:
    lines = ["timestamp,feature,user,model,input_tokens,output_tokens"]
    lines += [f"{t},{f},u{i % 3},gpt-4o,{n_in},{n_out}" for i, (t, f, n_in, n_out) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_window_is_the_last_730_hours_unscaled(tmp_path):
    # Day 0 is outside (last - 730 h, last]; the two calls of day 40 are inside: 2 requests, not scaled.
    path = csv_log(
        tmp_path / "log.csv",
        [
            ("2026-01-01T00:00:00Z", "chat", 1000, 0),
            ("2026-02-10T00:00:00Z", "chat", 400, 0),
            ("2026-02-10T01:00:00Z", "chat", 400, 0),
        ],
    )
    report = ingest([path]).report
    assert report.window.hours == 730 and not report.window.scaled
    assert report.window.end.isoformat() == "2026-02-10T01:00:00"
    chat = report.features["chat"]
    assert chat.requests == 2 and chat.input_tokens_mean == 400
    assert chat.cost == pytest.approx(2 * 400 * 2.5 / 1e6)
    # The daily rows cover the whole log, every UTC day from the first to the last.
    assert len(report.daily) == 41 and report.daily[0].requests == 1 and report.daily[-1].requests == 2
    assert sum(d.requests for d in report.daily) == 3


def test_shorter_window_scales_to_a_month(tmp_path):
    path = csv_log(
        tmp_path / "log.csv",
        [
            ("2026-01-01T00:00:00Z", "chat", 1000, 0),
            ("2026-01-03T00:00:00Z", "chat", 100, 0),
            ("2026-01-03T12:00:00Z", "chat", 100, 0),
        ],
    )
    report = ingest([path], window_hours=24).report
    assert report.window.hours == 24 and report.window.scaled
    assert report.features["chat"].requests == pytest.approx(2 * 730 / 24)
    assert report.features["chat"].users == 2  # users are never scaled


def test_growth_and_anomaly_from_a_log(tmp_path):
    # 20 days, 2^(d/10) calls a day rounded, 1,000 input tokens each; day 18 costs 5x.
    rows = []
    for day in range(20):
        calls = round(4 * 2 ** (day / 10))
        for i in range(calls):
            rows.append((f"2026-01-{day + 1:02d}T{i % 24:02d}:00:00Z", "chat", 5000 if day == 18 else 1000, 0))
    report = ingest([csv_log(tmp_path / "log.csv", rows)]).report
    daily = pd.DataFrame([d.model_dump() for d in report.daily])
    expected = trends.monthly_growth(daily["date"], daily["requests"])
    slope = np.polyfit(np.arange(20), np.log([round(4 * 2 ** (d / 10)) for d in range(20)]), 1)[0]
    assert (
        report.features["chat"].growth_monthly
        == pytest.approx(expected)
        == pytest.approx(math.exp(30.4167 * slope) - 1)
    )
    assert [(a.feature, a.date.isoformat()) for a in report.anomalies] == [("chat", "2026-01-19")]


def test_the_docs_csv_example_and_times_with_an_offset(tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "docs" / "request-logs.md").read_text(encoding="utf-8")
    example = readme.split("```csv\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.csv"
    path.write_text(example, encoding="utf-8")
    report = ingest([str(path)]).report
    assert (report.records.read, report.records.bad) == (4, 0)
    # 10:02+02:00 is 08:02 UTC, the first record; 10:01 without a zone is UTC, the last.
    assert (
        report.window.start.isoformat() == "2026-03-01T08:02:00"
        and report.window.end.isoformat() == "2026-03-01T10:01:00"
    )
    assert report.features["support_chat"].cache_hit_rate == 0.5
    assert report.features["search"].users == 0 and report.features["search"].requests_per_user is None

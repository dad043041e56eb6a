"""The monitor prices each call of a file source exactly as ingest does (date, input-token tier, cache
reads and writes; a PostgreSQL source's in tests/test_monitor_postgres.py), and the sums `aueb changes` re-prices
at a day's prices by mean tokens per call."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from aueb.logs.ingest import ingest
from aueb.monitor.pricing import price_calls
from aueb.monitor.state import cycle, open_state
from aueb.pricing import request_cost

MODEL, PROVIDER = "claude-sonnet-4-6", "anthropic"  # a price change on 2026-03-13 and a tier above 200k input
# timestamp, input (cache reads and writes included), cached, cache writes, output, cache hit
ROWS = [
    ("2026-03-12T10:00:00Z", 1_000, 200, 300, 50, False),
    ("2026-03-12T11:00:00Z", 250_000, 0, 10_000, 500, False),
    ("2026-03-14T10:00:00Z", 1_000, 200, 300, 50, False),
    ("2026-03-14T11:00:00Z", 250_000, 100_000, 0, 500, False),
    ("2026-03-14T12:00:00Z", 4_000, 0, 0, 40, True),
]


def _write(path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "timestamp",
                "feature",
                "user",
                "model",
                "provider",
                "input_tokens",
                "cached_input_tokens",
                "cache_write_input_tokens",
                "output_tokens",
                "cache_hit",
                "cost",
            ]
        )
        for ts, n_in, n_c, n_w, n_out, hit in ROWS:
            writer.writerow([ts, "chat", "u1", MODEL, PROVIDER, n_in, n_c, n_w, n_out, str(hit).lower(), 0.01])


def test_a_file_source_is_priced_call_by_call_as_ingest_prices_it(tmp_path: Path) -> None:
    log = tmp_path / "calls.csv"
    _write(log)
    expected: dict[date, float] = {}
    for ts, n_in, n_c, n_w, n_out, hit in ROWS:
        day = date.fromisoformat(ts[:10])
        cost = 0.0 if hit else request_cost(PROVIDER, MODEL, n_in, n_c, n_w, n_out, day)
        expected[day] = expected.get(day, 0.0) + cost
    con = open_state(tmp_path / "state")
    cycle(con, [str(log)], "feature", {}, None, False)
    usage = con.execute(
        "SELECT day, sum(cost), sum(cache_write_input_tokens), sum(recomputed_recorded), sum(recorded_cost) "
        "FROM usage GROUP BY day ORDER BY day"
    ).fetchall()
    con.close()
    assert [r[0] for r in usage] == sorted(expected)
    assert [r[1] for r in usage] == pytest.approx([expected[d] for d in sorted(expected)], rel=1e-12)
    assert [r[2] for r in usage] == [10_300, 300]
    assert [r[3] for r in usage] == pytest.approx([r[1] for r in usage], rel=1e-12)  # every call has a cost
    assert [r[4] for r in usage] == pytest.approx([0.02, 0.03])
    # Summing the tokens first and pricing the sums would price the day's calls in the long-context tier.
    day = date(2026, 3, 12)
    summed = price_calls(
        pd.DataFrame(
            {
                "model": [MODEL],
                "provider": [PROVIDER],
                "calls": [2],
                "input_tokens": [251_000],
                "cached_input_tokens": [200],
                "cache_write_input_tokens": [10_300],
                "output_tokens": [550],
            }
        ),
        at=day,
    )["cost"].iloc[0]
    assert summed != pytest.approx(expected[day], rel=1e-3)
    measured = ingest([str(log)], feature_key="feature")
    by_day = {pd.Timestamp(d).date(): float(c) for d, c in measured.daily.groupby("date")["cost"].sum().items()}
    assert by_day.pop(date(2026, 3, 13)) == 0.0  # ingest lists every day of the log
    assert by_day == pytest.approx(expected, rel=1e-12)


def test_sums_are_priced_at_their_day_and_the_tier_of_their_mean_input_per_call() -> None:
    frame = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-03-12", "2026-03-14", "2026-03-14"]),
            "model": [MODEL, MODEL, "no-such-model"],
            "provider": [PROVIDER, PROVIDER, ""],
            "calls": [2, 2, 1],
            "input_tokens": [2_000, 500_000, 10],
            "cached_input_tokens": [400, 0, 0],
            "cache_write_input_tokens": [600, 0, 0],
            "output_tokens": [100, 1_000, 1],
        }
    )
    priced = price_calls(frame)
    assert priced["cost"].iloc[0] == pytest.approx(
        2 * request_cost(PROVIDER, MODEL, 1_000, 200, 300, 50, date(2026, 3, 12))
    )
    assert priced["cost"].iloc[1] == pytest.approx(
        2 * request_cost(PROVIDER, MODEL, 250_000, 0, 0, 500, date(2026, 3, 14))
    )
    assert priced["cost_undiscounted"].iloc[0] == pytest.approx(
        2 * request_cost(PROVIDER, MODEL, 1_000, 0, 0, 50, date(2026, 3, 12))
    )
    assert list(priced["priced"]) == [True, True, False]
    assert priced["cost"].iloc[2] == 0.0

"""The grouped replay (`load_calls` sums calls per feature, model, provider, day and input-token bucket) prices
exactly what a per-call replay prices: on a generated log whose calls straddle tier thresholds, a price change
date and the 730-hour window's start, every lever, the combined plan and what is already saved agree to 1e-9."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from genai_prices import Usage, data_snapshot

from aueb.plan.levers import evaluate, parse_levers, propose
from aueb.plan.replay import Calls, load_calls, tier_thresholds

MODELS = [("claude-sonnet-4-6", "anthropic"), ("gemini-2.5-pro", "google"), ("gpt-4o", "openai")]
CHANGE = pd.Timestamp("2026-03-13", tz="UTC")  # claude-sonnet-4-6 drops its 200k-token tier on this day
NEAR = [127_999, 128_000, 128_001, 199_999, 200_000, 200_001, 272_000, 272_001]


def generated_log(path: Path, n: int = 6_000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    start = pd.Timestamp("2026-02-01", tz="UTC")
    seconds = rng.integers(0, 52 * 86_400, n)  # 52 days: longer than the 730-hour window
    model = rng.integers(0, len(MODELS), n)
    near = rng.choice(NEAR, n)
    inputs = np.where(rng.random(n) < 0.5, near, rng.integers(500, 400_000, n))
    cached = (inputs * rng.random(n) * 0.5).astype(np.int64) * (rng.random(n) < 0.6)
    written = (inputs * rng.random(n) * 0.3).astype(np.int64) * (rng.random(n) < 0.4)
    frame = pd.DataFrame(
        {
            "timestamp": (start + pd.to_timedelta(seconds, unit="s")).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "feature": rng.choice(["chat", "search"], n),
            "user": [f"u{i % 37}" for i in range(n)],
            "model": [MODELS[m][0] for m in model],
            "provider": [MODELS[m][1] for m in model],
            "input_tokens": inputs,
            "cached_input_tokens": cached,
            "cache_write_input_tokens": written,
            "output_tokens": rng.integers(10, 3_000, n),
            "cache_hit": rng.random(n) < 0.05,
        }
    )
    frame.to_csv(path, index=False)
    return frame


def per_call(raw: pd.DataFrame, grouped: Calls) -> Calls:
    """The same window's calls, one row each (no `calls` column: the per-call path of price_calls)."""
    ts = pd.to_datetime(raw["timestamp"], utc=True)
    keep = (ts > ts.max() - pd.Timedelta(hours=730)) & ~raw["cache_hit"]
    frame = raw[keep].assign(ts=ts[keep])[
        ["ts", "feature", "model", "provider", "input_tokens", "cached_input_tokens", "cache_write_input_tokens",
         "output_tokens"]
    ].reset_index(drop=True)  # fmt: skip
    for column in ("feature", "model", "provider"):
        frame[column] = frame[column].astype("category")
    for column in ("input_tokens", "cached_input_tokens", "cache_write_input_tokens", "output_tokens"):
        frame[column] = frame[column].astype(float)
    return Calls(frame=frame, window=grouped.window, scale=grouped.scale)


def same(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for key in x:
            if isinstance(x[key], float) and isinstance(y[key], float):
                assert y[key] == pytest.approx(x[key], rel=1e-9, abs=1e-12), (x["feature"], key)
            else:
                assert x[key] == y[key], (x.get("feature"), key)


def calc(provider: str, model: str, when: datetime, n_in: int, n_c: int, n_w: int, n_out: int) -> float:
    p, m = data_snapshot.get_snapshot().find_provider_model(model, None, provider, None)
    usage = Usage(input_tokens=n_in, cache_read_tokens=n_c, cache_write_tokens=n_w, output_tokens=n_out)
    return float(m.calc_price(usage, p, genai_request_timestamp=when).total_price)


def test_grouped_replay_equals_the_per_call_replay(tmp_path: Path) -> None:
    log = tmp_path / "calls.csv"
    raw = generated_log(log)
    grouped = load_calls([str(log)], feature_key="feature")
    rows = per_call(raw, grouped)
    assert grouped.n_calls == len(rows.frame) == rows.n_calls
    assert len(grouped.frame) < len(rows.frame) / 2  # calls really are summed
    assert {200_000, 128_000, 272_000} <= set(tier_thresholds())
    # The log straddles what the groups must keep apart: the window's start, the price change, the tiers.
    f = rows.frame
    sonnet = f["model"] == "claude-sonnet-4-6"
    assert (sonnet & (f["ts"] < CHANGE) & (f["input_tokens"] > 200_000)).any()
    assert (sonnet & (f["ts"] >= CHANGE) & (f["input_tokens"] > 200_000)).any()
    assert ((f["input_tokens"] == 200_000) & sonnet).any() and ((f["input_tokens"] == 200_001) & sonnet).any()
    assert raw["timestamp"].min() < grouped.window.start.strftime("%Y-%m-%dT%H:%M:%SZ")
    levers = {
        feature: {
            "caching": {"cached_share": {"low": 0.2, "mode": 0.5, "high": 0.9}, "reads_per_write": 4},
            "batch": {"share": {"low": 0.1, "mode": 0.3, "high": 0.6}},
            "downsizing": {"model": "claude-sonnet-4-6", "provider": "anthropic"},  # a tiered target
        }
        for feature in ("chat", "search")
    }
    specs = parse_levers({"features": levers}, ["chat", "search"])
    for model, provider in (("gemini-2.5-pro", "google"), ("gpt-4o-mini", "openai")):
        specs += parse_levers(
            {"features": {f: {"downsizing": {"model": model, "provider": provider}} for f in levers}},
            ["chat", "search"],
        )
    a, b = evaluate(rows, specs, samples=500), evaluate(grouped, specs, samples=500)
    same(a.levers, b.levers)
    same(a.combined, b.combined)
    same(a.already_saved, b.already_saved)
    assert [(s.feature, s.lever, s.params) for s in propose(rows)] == [
        (s.feature, s.lever, s.params) for s in propose(grouped)
    ]
    # And both are the catalog's own price of each call, summed.
    expected = sum(
        calc(r.provider, r.model, r.ts.to_pydatetime().astimezone(UTC), int(r.input_tokens),
             int(r.cached_input_tokens), int(r.cache_write_input_tokens), int(r.output_tokens))
        for r in f.itertuples()
    ) * grouped.scale  # fmt: skip
    now = sum(r["cost_now"] for r in b.combined if r["multiplier"] == 1.0)
    assert now == pytest.approx(expected, rel=1e-9)

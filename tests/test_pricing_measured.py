"""The measured scenario reproduces the measurement at 1x, also for features served by several models,
with tiered prices, cache writes and a price change inside the log."""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from genai_prices import Usage, data_snapshot

from aueb.engine import project
from aueb.logs.ingest import ingest
from aueb.scenario import Scenario

LOGS = Path(__file__).resolve().parents[1] / "aueb" / "data" / "logs"


def _check_reproduces(paths: list[str], feature_key: str | None = None) -> Scenario:
    measured = ingest(paths, feature_key=feature_key)
    scenario = measured.scenario.scenario
    assert scenario is not None
    rows = project(scenario, multipliers=[1.0]).rows
    rows = rows[(rows["arm"] == "baseline") & (rows["feature"] != "ALL")].set_index("feature")
    for feature in scenario.features:
        figures = measured.report.features[feature.name]
        row = rows.loc[feature.name]
        assert row["requests"] == pytest.approx(figures.requests, rel=1e-9)
        if figures.users:
            assert row["users"] == pytest.approx(figures.users, rel=1e-9)
        assert row["inference_cost"] == pytest.approx(figures.cost, rel=1e-9), feature.name
    return scenario


@pytest.mark.parametrize(
    "name,key",
    [
        ("requests.csv", None),
        ("litellm_spendlogs.csv.gz", "feature"),
        ("otel_spans.jsonl.gz", "app.feature"),
        ("langfuse_observations.jsonl.gz", "feature"),
    ],
)
def test_bundled_logs(name: str, key: str | None) -> None:
    try:
        _check_reproduces([str(LOGS / name)], key)
    except Exception as exc:  # a reader whose feature key differs names it in the message
        if "feature-key" in str(exc):
            pytest.skip(str(exc))
        raise


def _calc(provider: str, model: str, when: datetime, n_in: int, n_c: int, n_w: int, n_out: int) -> float:
    snapshot = data_snapshot.get_snapshot()
    p, m = snapshot.find_provider_model(model, None, provider, None)
    usage = Usage(input_tokens=n_in, cache_read_tokens=n_c, cache_write_tokens=n_w, output_tokens=n_out)
    return float(m.calc_price(usage, p, genai_request_timestamp=when).total_price)


def test_generated_mixed_model_log(tmp_path: Path) -> None:
    rng = random.Random(5)
    # claude-opus-4-6 changes price on 2026-03-13 and has a tier above 200k input tokens.
    models = {
        "agent": [("claude-opus-4-6", "anthropic"), ("claude-sonnet-4-5", "anthropic"), ("gpt-4o", "openai")],
        "search": [("gpt-4o-mini", "openai"), ("claude-haiku-4-5", "anthropic")],
    }
    start = datetime(2026, 3, 1, tzinfo=UTC)
    path = tmp_path / "mixed.csv"
    truth: dict[str, float] = {}
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["timestamp", "feature", "user", "model", "provider", "input_tokens", "cached_input_tokens",
             "cache_write_input_tokens", "output_tokens", "cache_hit"]
        )  # fmt: skip
        for i in range(3000):
            when = start + timedelta(minutes=14 * i + rng.randint(0, 13))
            feature = "agent" if i % 3 else "search"
            model, provider = rng.choice(models[feature])
            n_in = rng.choice([rng.randint(100, 5000), rng.randint(150_000, 400_000)])
            n_c = rng.randint(0, n_in // 2)
            n_w = rng.randint(0, (n_in - n_c) // 2)
            n_out = rng.randint(10, 3000)
            hit = rng.random() < 0.05
            writer.writerow(
                [when.strftime("%Y-%m-%dT%H:%M:%SZ"), feature, f"u{rng.randint(0, 80)}", model, provider,
                 n_in, n_c, n_w, n_out, str(hit).lower()]
            )  # fmt: skip
            if not hit:
                truth[feature] = truth.get(feature, 0.0) + _calc(provider, model, when, n_in, n_c, n_w, n_out)
    measured = ingest([str(path)])
    for feature, cost in truth.items():  # the whole log lies in one window: scaled by 730 h / its span
        window = measured.report.window
        assert measured.report.features[feature].cost == pytest.approx(cost * 730 / window.hours, rel=1e-9)
    scenario = _check_reproduces([str(path)])
    agent = next(f for f in scenario.features if f.name == "agent")
    assert agent.teacher.pricing.cache_write_input_tokens > 0
    assert any("several models" in note for note in measured.scenario.notes)


def test_already_saved_per_feature_and_model() -> None:
    measured = ingest([str(LOGS / "requests.csv")])
    rows = measured.report.already_saved
    assert rows and all(r.saved == pytest.approx(r.list_cost - r.actual_cost) for r in rows)
    for feature, figures in measured.report.features.items():
        actual = sum(r.actual_cost for r in rows if r.feature == feature)
        assert actual == pytest.approx(figures.cost, rel=1e-9)
    # requests.csv has cached input tokens: caching saves something, and never costs more than list.
    assert sum(r.saved for r in rows) > 0
    assert all(r.saved >= -1e-12 for r in rows)

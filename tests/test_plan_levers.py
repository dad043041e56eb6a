"""The savings plan's levers on hand-worked calls, the replay of the bundled log against an independent
re-pricing, the combined plan, the ranking, and `aueb optimize` with its bad-input errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from genai_prices import Usage, data_snapshot
from typer.testing import CliRunner

from aueb.catalog import lookup
from aueb.cli import app
from aueb.engine import project
from aueb.errors import InputError
from aueb.formats import load_scenarios
from aueb.logs.report import Window
from aueb.plan.levers import evaluate, parse_levers, propose
from aueb.plan.replay import Calls, load_calls, price_calls

LOG = Path(__file__).resolve().parents[1] / "aueb" / "data" / "logs" / "requests.csv"


def calls(*rows: tuple[str, str, str, float, float, float]) -> Calls:
    frame = pd.DataFrame(
        rows,
        columns=["feature", "model", "provider", "input_tokens", "cached_input_tokens", "output_tokens"],
    )
    start = datetime(2026, 1, 1)
    return Calls(
        frame=frame, window=Window(start=start, end=start + timedelta(hours=730), hours=730.0, scaled=False), scale=1.0
    )


ONE = ("f", "gpt-4o", "openai", 1000.0, 0.0, 100.0)  # gpt-4o: 2.5 / 1.25 cached / 10 per Mtok


def lever(result, name: str, multiplier: float = 1.0) -> dict:
    [row] = [r for r in result.levers if r["lever"] == name and r["multiplier"] == multiplier]
    return row


def run(c: Calls, levers: dict) -> object:
    return evaluate(c, parse_levers({"features": levers}, sorted(c.frame["feature"].unique())))


def calc(provider: str, model: str, when: datetime, n_in: float, n_c: float, n_w: float, n_out: float) -> float:
    """genai-prices' own price of one call (the reference of the catalog)."""
    p, m = data_snapshot.get_snapshot().find_provider_model(model, None, provider, None)
    usage = Usage(input_tokens=int(n_in), cache_read_tokens=int(n_c), cache_write_tokens=int(n_w),
                  output_tokens=int(n_out))  # fmt: skip
    return float(m.calc_price(usage, p, genai_request_timestamp=when).total_price)


def test_price_calls_at_each_calls_date_and_tier_with_cache_writes() -> None:
    # claude-sonnet-4-6: a 200k-token tier until its price change on 2026-03-13, none after; cache writes at 3.75.
    rows = [
        (datetime(2026, 3, 1, 9, tzinfo=UTC), 250_000, 100_000, 20_000, 2_000),
        (datetime(2026, 3, 1, 9, tzinfo=UTC), 150_000, 0, 50_000, 2_000),
        (datetime(2026, 4, 1, 9, tzinfo=UTC), 250_000, 100_000, 20_000, 2_000),
    ]
    frame = pd.DataFrame(
        [("f", "claude-sonnet-4-6", "anthropic", *r) for r in rows],
        columns=["feature", "model", "provider", "ts", "input_tokens", "cached_input_tokens",
                 "cache_write_input_tokens", "output_tokens"],
    )  # fmt: skip
    expected = [calc("anthropic", "claude-sonnet-4-6", *r) for r in rows]
    assert list(price_calls(frame)) == pytest.approx(expected, rel=1e-12)
    assert expected[0] > expected[2]  # the tier applies before the change only
    # Batch (Anthropic combines the discounts): the whole cost at (1 - 0.5).
    assert list(price_calls(frame, batch_share=1.0)) == pytest.approx([0.5 * e for e in expected], rel=1e-12)
    with pytest.raises(InputError, match="model 'gpt-9-ultra'"):
        price_calls(frame.assign(model="gpt-9-ultra"))


def test_caching_by_hand() -> None:
    # c1 = 0.5, w = 10: 500 reads at 1.25, 50 writes at the input price (no write price in the catalog), 450 uncached.
    row = lever(run(calls(ONE), {"f": {"caching": {"cached_share": 0.5, "reads_per_write": 10}}}), "caching")
    assert row["cost_now"] == pytest.approx((1000 * 2.5 + 100 * 10) / 1e6)
    assert row["cost_after"] == pytest.approx((450 * 2.5 + 500 * 1.25 + 50 * 2.5 + 100 * 10) / 1e6)
    assert row["saving_monthly"] == pytest.approx(625e-6)
    assert row["quality_change"] == "unchanged"


def test_batch_stacking_and_not() -> None:
    # OpenAI: discounts combine: (1 - 0.5·0.5) x cost.
    row = lever(run(calls(ONE), {"f": {"batch": {"share": 0.5}}}), "batch")
    assert row["cost_after"] == pytest.approx(3500e-6 * 0.75)
    # Google (not combined): cache reads keep the cheaper of 0.025 and 0.1·0.5; the rest at half price.
    assert lookup("gemini-2.0-flash", "google").cached_input_price_per_mtok == 0.025
    frame = calls(("g", "gemini-2.0-flash", "google", 1000.0, 800.0, 100.0)).frame
    assert price_calls(frame, batch_share=1.0)[0] == pytest.approx(
        (200 * 0.1 * 0.5 + 800 * 0.025 + 100 * 0.4 * 0.5) / 1e6
    )


def test_downsizing_and_combined_is_not_the_sum() -> None:
    levers = {
        "f": {
            "downsizing": {"model": "gpt-4o-mini", "provider": "openai"},
            "caching": {"cached_share": 0.5, "reads_per_write": 10},
        }
    }
    result = run(calls(ONE), levers)
    down = lever(result, "downsizing")
    assert down["cost_after"] == pytest.approx((1000 * 0.15 + 100 * 0.6) / 1e6)
    assert down["quality_change"] == "unmeasured"
    # Downsizing is unmeasured, so the combined plan leaves it out; measured through a metrics file it counts.
    [combined] = [r for r in result.combined if r["multiplier"] == 1.0]
    assert combined["levers"] == ["caching"]
    metrics = str(Path(__file__).resolve().parents[1] / "aueb" / "data" / "metrics_example.json")
    levers["f"]["downsizing"]["metrics"] = metrics
    result = run(calls(ONE), levers)
    [combined] = [r for r in result.combined if r["multiplier"] == 1.0]
    assert combined["levers"] == ["downsizing", "caching"]
    # Model first, then caching at the new model's prices, priced once: 3500 - 172.5 (x 1e-6).
    by_hand = (450 * 0.15 + 500 * 0.075 + 50 * 0.15 + 100 * 0.6) / 1e6
    assert combined["cost_after"] == pytest.approx(by_hand)
    total = sum(lever(result, n)["saving_monthly"] for n in ("downsizing", "caching"))
    assert combined["saving_monthly"] == pytest.approx(3500e-6 - by_hand)
    assert abs(total - combined["saving_monthly"]) > 1e-5  # 3915e-6 against 3327.5e-6
    assert lever(result, "downsizing")["quality_after"] == 0.889
    # 10x and 100x scale the monthly figures.
    assert lever(result, "caching", 100.0)["saving_monthly"] == pytest.approx(100 * 625e-6)


def test_negative_saving_ranking_and_uncertain() -> None:
    cached = ("f", "gpt-4o", "openai", 1000.0, 900.0, 100.0)  # already 90% cached
    levers = {
        "f": {
            "caching": {"cached_share": 0.2},  # less caching than logged: raises the cost
            "batch": {"share": {"low": 0.0, "mode": 0.1, "high": 0.5}},
            "downsizing": {"model": "gpt-4o-mini"},
        }
    }
    result = run(calls(cached), levers)
    caching = lever(result, "caching")
    assert caching["saving_monthly"] < 0 and caching["uncertain"]
    batch = lever(result, "batch")
    assert batch["saving_p10"] <= batch["saving_p50"] <= batch["saving_p90"] and batch["saving_p10"] >= 0
    assert batch["saving_p90"] > batch["saving_monthly"]  # the range reaches 0.5
    assert not batch["uncertain"]
    # Measured first by saving (batch, then caching with its negative saving), unmeasured downsizing last.
    ranks = {r["lever"]: r["rank"] for r in result.levers if r["multiplier"] == 1.0}
    assert ranks == {"batch": 1, "caching": 2, "downsizing": 3}
    assert lever(result, "downsizing")["saving_monthly"] > batch["saving_monthly"]


def test_replay_of_the_bundled_log_equals_an_independent_repricing() -> None:
    c = load_calls([str(LOG)], feature_key="feature")
    raw = pd.read_csv(LOG)
    raw["ts"] = pd.to_datetime(raw["timestamp"], utc=True)
    last = raw["ts"].max()
    window = raw[(raw["ts"] > last - pd.Timedelta(hours=730)) & ~raw["cache_hit"]]
    # The catalog's own reference: genai-prices' calc_price per call, at its timestamp.
    expected = sum(
        calc(r.provider, r.model, r.ts.to_pydatetime(), r.input_tokens, r.cached_input_tokens, 0, r.output_tokens)
        for r in window.itertuples()
    )
    assert c.n_calls == len(window)
    result = evaluate(c, propose(c))
    now = sum(r["cost_now"] for r in result.combined if r["multiplier"] == 1.0)
    assert now == pytest.approx(expected, rel=1e-9)
    saved = sum(r["saved"] for r in result.already_saved)
    listed = sum(
        calc(r.provider, r.model, r.ts.to_pydatetime(), r.input_tokens, 0, 0, r.output_tokens)
        for r in window.itertuples()
    )
    assert saved == pytest.approx(listed - expected, rel=1e-9)
    assert all(r["proposal"] for r in result.levers)


def test_optimize_json_and_write_scenario_reproduce_the_plan(tmp_path: Path) -> None:
    levers = tmp_path / "L.json"
    levers.write_text(
        json.dumps(
            {
                "features": {
                    "support_chat": {"caching": {"cached_share": 0.7, "reads_per_write": 8}, "batch": {"share": 0.3}},
                    "summarizer": {"caching": {"cached_share": {"low": 0.25, "mode": 0.4, "high": 0.6}}},
                }
            }
        )
    )
    out, scenario = tmp_path / "plan.json", tmp_path / "s.json"
    result = CliRunner().invoke(
        app,
        ["optimize", str(LOG), "--feature-key", "feature", "--levers", str(levers), "--format", "json",
         "--out", str(out), "--write-scenario", str(scenario)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    assert set(plan) == {"levers", "combined", "already_saved", "waterfall"}
    # The waterfall's bars, lever by lever in rank order, end exactly at the combined plan at every multiplier.
    for m in (1.0, 10.0, 100.0):
        bars = [r for r in plan["waterfall"] if r["multiplier"] == m]
        assert sum(r["saving"] for r in bars) == pytest.approx(
            sum(r["saving_monthly"] for r in plan["combined"] if r["multiplier"] == m), rel=1e-9
        )
    assert [r["label"] for r in plan["waterfall"] if r["multiplier"] == 1.0][0].startswith("support_chat")
    keys = {"feature", "lever", "params", "multiplier", "cost_now", "cost_after", "saving_monthly", "saving_p10",
            "saving_p50", "saving_p90", "quality_now", "quality_after", "quality_measured", "one_time_cost",
            "payback_months", "rank", "uncertain"}  # fmt: skip
    assert keys <= set(plan["levers"][0])
    [summ] = [r for r in plan["levers"] if r["feature"] == "summarizer" and r["multiplier"] == 1.0]
    assert summ["saving_p10"] < summ["saving_p50"] < summ["saving_p90"]
    rows = project(load_scenarios(scenario)[0]).rows
    for m in (1.0, 10.0, 100.0):
        after = sum(r["cost_after"] for r in plan["combined"] if r["multiplier"] == m)
        mine = rows[(rows["multiplier"] == m) & (rows["arm"] == "baseline") & (rows["feature"] == "ALL")]
        assert float(mine["ai_cogs"].iloc[0]) == pytest.approx(after, rel=1e-9)
    assert {r["feature"]: r["levers"] for r in plan["combined"] if r["multiplier"] == 1.0}["support_chat"] == [
        "caching",
        "batch",
    ]


@pytest.mark.parametrize(
    ("levers", "message"),
    [
        ({"support_chat": {"prompt_magic": {}}}, "feature 'support_chat', lever 'prompt_magic': unknown lever"),
        ({"support_chat": {"downsizing": {"model": "gpt-9-ultra"}}},
         "feature 'support_chat', lever 'downsizing': model 'gpt-9-ultra'"),
        ({"support_chat": {"batch": {"share": 1.5}}},
         "feature 'support_chat', lever 'batch': share 1.5 is not a share"),
        ({"nope": {"batch": {"share": 0.5}}}, "feature 'nope': not in the source"),
    ],
)  # fmt: skip
def test_bad_levers_exit_2_with_one_line(tmp_path: Path, levers: dict, message: str) -> None:
    path = tmp_path / "L.json"
    path.write_text(json.dumps({"features": levers}))
    result = CliRunner().invoke(app, ["optimize", str(LOG), "--feature-key", "feature", "--levers", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


SCENARIO = Path(__file__).resolve().parents[1] / "aueb" / "data" / "scenarios" / "saas_portfolio.json"


def test_levers_on_a_scenario_at_every_multiplier(tmp_path: Path) -> None:
    levers = tmp_path / "L.json"
    levers.write_text(
        json.dumps(
            {"features": {"Ticket triage": {"caching": {"cached_share": 0.9}, "batch": {"share": 0.6},
                                            "distillation": {}},
                          "Meeting summaries": {"downsizing": {"model": "gpt-4o-mini", "provider": "openai"}}}}
        )
    )  # fmt: skip
    out, planned = tmp_path / "plan.json", tmp_path / "planned.json"
    run = CliRunner().invoke(
        app,
        ["optimize", str(SCENARIO), "--levers", str(levers), "--format", "json", "--out", str(out),
         "--write-scenario", str(planned)],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    plan = json.loads(out.read_text())
    base = project(load_scenarios(SCENARIO)[0]).rows
    triage = pricing = load_scenarios(SCENARIO)[0].features[0].teacher.pricing
    assert pricing.batch_share == 0.3  # the bundled scenario already batches 30% at 0.5
    # Caching by hand on the engine's inputs: 0.9 x 1,800 cached instead of 1,200 (and 162 cache writes, at the
    # input price: the catalog has no write price for gpt-4o), at 1x.
    [caching] = [r for r in plan["levers"] if r["lever"] == "caching" and r["multiplier"] == 1.0]
    per_request = lambda cached: ((1800 - cached) * 2.5 + cached * 1.25 + 60 * 10) / 1e6 * (1 - 0.3 * 0.5)  # noqa: E731
    row = base[(base["feature"] == "Ticket triage") & (base["arm"] == "baseline") & (base["multiplier"] == 1.0)]
    served = float(row["requests"].iloc[0]) * (1 - load_scenarios(SCENARIO)[0].features[0].cache_hit_rate)
    assert caching["saving_monthly"] == pytest.approx(served * (per_request(1200) - per_request(1620)), rel=1e-9)
    assert triage.model == "gpt-4o"
    # The written scenario's distilled arm is the combined plan at every multiplier.
    rows = project(load_scenarios(planned)[0]).rows
    for m in (1.0, 10.0, 100.0):
        after = sum(r["cost_after"] for r in plan["combined"] if r["multiplier"] == m)
        mine = rows[(rows["multiplier"] == m) & (rows["arm"] == "distilled")]
        got = float(mine[mine["feature"].isin({r["feature"] for r in plan["combined"]})]["ai_cogs"].sum())
        assert got == pytest.approx(after, rel=1e-9)
    bars = [r["saving"] for r in plan["waterfall"] if r["multiplier"] == 1.0]
    assert len(bars) == 3 and sum(bars) == pytest.approx(sum(r["saving_monthly"] for r in plan["combined"]
                                                             if r["multiplier"] == 1.0), rel=1e-9)  # fmt: skip
    # The unmeasured downsizing stays out of the combined plan (as on a log); every feature is listed.
    levers_of = {r["feature"]: r["levers"] for r in plan["combined"] if r["multiplier"] == 1.0}
    assert levers_of == {"Ticket triage": ["distillation", "caching", "batch"], "Meeting summaries": [],
                         "Contract review": []}  # fmt: skip
    ranks = {r["lever"]: r["rank"] for r in plan["levers"] if r["multiplier"] == 1.0}
    assert ranks["downsizing"] == max(ranks.values())  # unmeasured quality ranks last


def test_cost_now_of_a_log_with_one_hour_cache_writes_equals_ingest() -> None:
    # LiteLLM's own spend-log rows (tests/data/producers), with 1-hour cache writes priced at the 1-hour price.
    from aueb.logs import ingest

    log = Path(__file__).resolve().parent / "data" / "producers" / "litellm_spendlogs.jsonl"
    measured = ingest([str(log)])
    c = load_calls([str(log)])
    assert c.frame["cache_write_1h_input_tokens"].sum() > 0
    result = evaluate(c, propose(c))
    for feature, figures in measured.report.features.items():
        now = sum(r["cost_now"] for r in result.combined if r["multiplier"] == 1.0 and r["feature"] == feature)
        assert now == pytest.approx(figures.cost, rel=1e-9), feature

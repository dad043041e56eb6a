"""`aueb changes`: the LMDI split of a real log's change, from a log and from a monitor state."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from aueb.cli import app
from aueb.monitor import state as st
from aueb.monitor import view
from aueb.monitor.changes import EFFECTS
from aueb.plan.replay import tier_thresholds
from aueb.pricing import price_row

LOG = Path(__file__).resolve().parents[1] / "aueb" / "data" / "logs" / "requests.csv"


def test_changes_json_sums_exactly_and_matches_from_state(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["changes", str(LOG), "--from", "2026-W40", "--to", "2026-W41"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"from", "to", "cost_from", "cost_to", "effects", "cells"}
    assert set(data["effects"]) == {"volume", "mix", "tokens_per_call", "cache_batch", "price"}
    change = data["cost_to"] - data["cost_from"]
    assert abs(sum(data["effects"].values()) - change) <= 1e-9 * abs(change)
    assert abs(sum(c["cost_to"] for c in data["cells"]) - data["cost_to"]) <= 1e-9 * data["cost_to"]
    assert {(c["feature"], c["model"]) for c in data["cells"]} >= {("support_chat", "gpt-4o")}
    assert abs(data["effects"]["price"]) < 1e-9  # one price per model in this catalog: no price effect
    state = tmp_path / "s"
    assert runner.invoke(app, ["monitor", str(LOG), "--state", str(state), "--once"]).exit_code == 0
    csv_out, chart = tmp_path / "c.csv", tmp_path / "w.html"
    again = runner.invoke(
        app,
        [
            "changes",
            "--state",
            str(state),
            "--from",
            "2026-W40",
            "--to",
            "2026-W41",
            "--format",
            "csv",
            "--out",
            str(csv_out),
            "--chart",
            str(chart),
        ],
    )
    assert again.exit_code == 0, again.output
    assert (
        csv_out.read_text().splitlines()[0]
        == "feature,model,cost_from,cost_to,volume,mix,tokens_per_call,cache_batch,price"
    )
    assert "waterfall" in chart.read_text()
    bad = runner.invoke(app, ["changes", "--state", str(state), "--from", "2026-W99", "--to", "2026-W41"])
    assert bad.exit_code == 2 and "2026-W99" in bad.output


# Calls of a tiered catalog model on both sides of its threshold: claude-sonnet-4-5 (anthropic) costs, per million
# tokens, 3 input / 0.30 cache read / 15 output up to 200,000 input tokens, 6 / 0.60 / 22.50 above. Period A
# (2026-W41): chat 2 calls of 100k in (20k cached), 1k out; search 3 gpt-4o calls of 1k in, 100 out. Period B
# (2026-W42): chat 100k in (20k cached) 1k out, 300k in (100k cached) 2k out, 150k in 1k out; search 1 gpt-4o call.
TIERED = [
    ("2026-10-05T09:00:00Z", "chat", "claude-sonnet-4-5", "anthropic", 100_000, 20_000, 1_000),
    ("2026-10-07T09:00:00Z", "chat", "claude-sonnet-4-5", "anthropic", 100_000, 20_000, 1_000),
    ("2026-10-05T10:00:00Z", "search", "gpt-4o", "openai", 1_000, 0, 100),
    ("2026-10-06T10:00:00Z", "search", "gpt-4o", "openai", 1_000, 0, 100),
    ("2026-10-08T10:00:00Z", "search", "gpt-4o", "openai", 1_000, 0, 100),
    ("2026-10-12T09:00:00Z", "chat", "claude-sonnet-4-5", "anthropic", 100_000, 20_000, 1_000),
    ("2026-10-14T09:00:00Z", "chat", "claude-sonnet-4-5", "anthropic", 300_000, 100_000, 2_000),
    ("2026-10-16T09:00:00Z", "chat", "claude-sonnet-4-5", "anthropic", 150_000, 0, 1_000),
    ("2026-10-18T10:00:00Z", "search", "gpt-4o", "openai", 1_000, 0, 100),
]


def _tiered_log(tmp_path: Path) -> Path:
    path = tmp_path / "tiered.csv"
    lines = ["timestamp,feature,user,model,provider,input_tokens,cached_input_tokens,output_tokens,cache_hit"]
    lines += [f"{t},{f},u1,{m},{p},{n_in},{n_c},{n_out},false" for t, f, m, p, n_in, n_c, n_out in TIERED]
    path.write_text("\n".join(lines) + "\n")
    return path


def _hand_split() -> dict[str, float]:
    """The five effects worked by hand, each call priced in its own tier (USD)."""
    # chat: undiscounted (every input token at the input price) and actual cost of each call.
    a_list, a_cost = [0.315, 0.315], [0.261, 0.261]  # 0.1*3 + 0.001*15; (0.08*3 + 0.02*0.3 + 0.001*15)
    # 0.315 | 0.3*6 + 0.002*22.5 = 1.845 (above 200k) | 0.15*3 + 0.001*15 = 0.465
    b_list, b_cost = [0.315, 1.845, 0.465], [0.261, 1.305, 0.465]  # 1.305 = 0.2*6 + 0.1*0.6 + 0.002*22.5
    search = 0.0035  # gpt-4o: 0.001*2.5 + 0.0001*10, no cache, one tier
    cells = {
        # (calls, cost, t, k) per period; p = 1 (the prices of A's first day throughout)
        "chat": (
            (2, sum(a_cost), sum(a_list) / 2, sum(a_cost) / sum(a_list)),
            (3, sum(b_cost), sum(b_list) / 3, sum(b_cost) / sum(b_list)),
        ),
        "search": ((3, 3 * search, search, 1.0), (1, search, search, 1.0)),
    }
    volume_a, volume_b = 5, 4
    effects = dict.fromkeys(EFFECTS, 0.0)
    for (n_a, c_a, t_a, k_a), (n_b, c_b, t_b, k_b) in cells.values():
        weight = (c_b - c_a) / (math.log(c_b) - math.log(c_a))
        effects["volume"] += weight * math.log(volume_b / volume_a)
        effects["mix"] += weight * math.log((n_b / volume_b) / (n_a / volume_a))
        effects["tokens_per_call"] += weight * math.log(t_b / t_a)
        effects["cache_batch"] += weight * math.log(k_b / k_a)
    return effects


def test_changes_price_each_call_in_its_own_tier(tmp_path):
    """t_i, k_i, p_i are the spec's where a cell's calls straddle an input-token tier threshold: at its MEAN
    input tokens (550k / 3 = 183,333, under 200k) chat's B calls would cost 0.57 a call undiscounted, not 0.875,
    and the difference would show as a price effect although no price changed."""
    for provider, model, tokens, expected in [
        ("anthropic", "claude-sonnet-4-5", 200_000, (3.0, 0.3, 15.0)),
        ("anthropic", "claude-sonnet-4-5", 200_001, (6.0, 0.6, 22.5)),
        ("openai", "gpt-4o", 1_000, (2.5, 1.25, 10.0)),
    ]:
        row = price_row(provider, model, date(2026, 10, 5), tokens)
        assert (row.p_in, row.p_cached, row.p_out, row.p_request) == (*expected, 0.0)
    log = _tiered_log(tmp_path)
    periods = ["--from", "2026-W41", "--to", "2026-W42"]
    runner = CliRunner()
    result = runner.invoke(app, ["changes", str(log), *periods])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    hand = _hand_split()
    assert data["cost_from"] == pytest.approx(0.522 + 0.0105, rel=1e-12)
    assert data["cost_to"] == pytest.approx(2.031 + 0.0035, rel=1e-12)
    for name in EFFECTS:
        assert data["effects"][name] == pytest.approx(hand[name], rel=1e-9, abs=1e-12), name
    assert abs(data["effects"]["price"]) < 1e-12
    change = data["cost_to"] - data["cost_from"]
    assert abs(sum(data["effects"].values()) - change) <= 1e-9 * abs(change)
    # The same split from a monitor's state, and from the dashboard's snapshot of it (the Usage page's waterfall:
    # this week to date, the clock being the last call's time on Sunday 2026-10-18, against last week).
    state = tmp_path / "s"
    assert runner.invoke(app, ["monitor", str(log), "--state", str(state), "--once"]).exit_code == 0
    from_state = json.loads(runner.invoke(app, ["changes", "--state", str(state), *periods]).stdout)
    assert from_state["effects"] == pytest.approx(data["effects"], rel=1e-12, abs=1e-15)
    a, b, page = view.what_changed(view.load(state), "week")
    assert (a.label, b.label) == ("2026-10-05..2026-10-11", "2026-10-12..2026-10-18")
    assert page.effects == pytest.approx(data["effects"], rel=1e-12, abs=1e-15)
    # A state written before its usage was kept per input-token bucket gets it from its usage when next opened.
    con = duckdb.connect(str(state / "state.duckdb"))
    con.execute("DROP TABLE tier_totals")
    con.execute("DELETE FROM meta WHERE key = 'tier_totals'")
    con.close()
    older = json.loads(runner.invoke(app, ["changes", "--state", str(state), *periods]).stdout)  # read-only
    assert older["effects"] == pytest.approx(data["effects"], rel=1e-12, abs=1e-15)
    st.open_state(state).close()
    rebuilt = json.loads(runner.invoke(app, ["changes", "--state", str(state), *periods]).stdout)
    assert rebuilt["effects"] == pytest.approx(data["effects"], rel=1e-12, abs=1e-15)


def test_tier_totals_kept_cycle_by_cycle_are_the_usage_summed(tmp_path):
    log, state = _tiered_log(tmp_path), tmp_path / "s"
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:5]))
    runner = CliRunner()
    for more in (lines[5:8], [*lines[8:], lines[1]]):  # the last cycle repeats a call of the first's key
        assert runner.invoke(app, ["monitor", str(log), "--state", str(state), "--once"]).exit_code == 0
        with log.open("a") as handle:
            handle.write("".join(more))
    assert runner.invoke(app, ["monitor", str(log), "--state", str(state), "--once"]).exit_code == 0
    con = duckdb.connect(str(state / "state.duckdb"), read_only=True)
    try:
        assert int(con.execute("SELECT max(cycle) FROM usage").fetchall()[0][0]) == 3
        kept = con.execute(f"SELECT {st.TIER_KEYS}, {st.TIER_SUMS} FROM tier_totals ORDER BY ALL").fetchall()
        summed = con.execute(f"SELECT * FROM ({st.tier_totals_sql('usage')}) ORDER BY ALL").fetchall()
    finally:
        con.close()
    assert kept == summed
    # Each row in the bucket of its calls: how many of the catalog's tier thresholds their input tokens exceed.
    buckets = {n: sum(n > t for t in tier_thresholds()) for n in (100_000, 150_000, 300_000)}
    assert len(set(buckets.values())) == 3
    chat = {(r[0].isoformat(), r[4], r[5]) for r in kept if r[1] == "chat"}
    assert chat == {
        ("2026-10-05", buckets[100_000], 2),
        ("2026-10-07", buckets[100_000], 1),
        ("2026-10-12", buckets[100_000], 1),
        ("2026-10-14", buckets[300_000], 1),
        ("2026-10-16", buckets[150_000], 1),
    }

"""The savings plan's routing and distillation on a log (the student of --scenario on the logged calls),
--metrics for quality, ranges on a scenario source (P10/P50/P90, "uncertain", ranking) and the batch table."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from aueb.cli import app
from aueb.engine import project
from aueb.errors import InputError
from aueb.formats import load_scenarios
from aueb.logs.report import Window
from aueb.metrics import load_metrics
from aueb.plan.batch import use_batch_table
from aueb.plan.inputs import parse_levers
from aueb.plan.levers import evaluate
from aueb.plan.replay import Calls
from aueb.plan.scenario_levers import evaluate_scenario
from aueb.planner import plan as plan_cascade
from aueb.risk_samples import simulate
from aueb.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "aueb" / "data"
LOG = DATA / "logs" / "requests.csv"
METRICS = DATA / "metrics_example.json"  # a cascade measured from predictions_example.csv
PREDICTIONS = DATA / "predictions_example.csv"
SUPPORT = DATA / "scenarios" / "customer_support.json"  # one feature, ranged users, coverage, retention
RUNNER = CliRunner()
TEACHER = 3500e-6  # gpt-4o: 1,000 input tokens at 2.5 and 100 output tokens at 10 per Mtok


@pytest.fixture(autouse=True)
def bundled_batch_table():
    use_batch_table(None)
    yield
    use_batch_table(None)


def calls(n: int = 1) -> Calls:
    frame = pd.DataFrame(
        [("f", "gpt-4o", "openai", 1000.0, 0.0, 100.0)] * n,
        columns=["feature", "model", "provider", "input_tokens", "cached_input_tokens", "output_tokens"],
    )
    start = datetime(2026, 1, 1)
    return Calls(frame, Window(start=start, end=start + timedelta(hours=730), hours=730.0, scaled=False), 1.0)


def scenario(student_pricing: dict, coverage: float = 0.6, escalation: float = 0.25) -> Scenario:
    return Scenario.model_validate(
        {"name": "s", "features": [{
            "name": "f", "users": 1000, "requests_per_user": 1, "revenue_per_user": 1, "cost_per_error": 1,
            "teacher": {"name": "T", "quality": 0.9, "pricing": {"kind": "per_request", "cost": 0.0035}},
            "student": {"name": "S", "quality_retention": 0.9, "pricing": student_pricing},
            "coverage": coverage, "escalation": escalation}]}
    )  # fmt: skip


def row(result, lever: str, multiplier: float = 1.0) -> dict:
    [found] = [r for r in result.levers if r["lever"] == lever and r["multiplier"] == multiplier]
    return found


def run(c: Calls, levers: dict, s: Scenario | None = None):
    return evaluate(c, parse_levers({"features": levers}, ["f"]), scenario=s)


def test_distillation_on_a_log_by_hand() -> None:
    s = scenario({"kind": "per_request", "cost": 0.0001})
    result = run(calls(10), {"f": {"distillation": {}, "caching": {"cached_share": 0.5}}}, s)
    d = row(result, "distillation")
    # Teacher on (1 - k) + e·k = 0.4 + 0.15 of the 10 calls, the student (0.0001 a request) on k = 0.6 of them.
    assert d["cost_now"] == pytest.approx(10 * TEACHER)
    assert d["cost_after"] == pytest.approx(0.55 * 10 * TEACHER + 0.6 * 10 * 0.0001)
    assert d["quality_now"] == 0.9
    assert d["quality_after"] == pytest.approx(0.9 * (0.55 + 0.45 * 0.9))
    assert d["quality_measured"] and d["quality_change"] == pytest.approx(d["quality_after"] - 0.9)
    assert row(result, "distillation", 100.0)["saving_monthly"] == pytest.approx(100 * d["saving_monthly"])
    # Combined: the model choice first, then caching on the teacher's remaining calls, priced once.
    cached = (450 * 2.5 + 500 * 1.25 + 50 * 2.5 + 100 * 10) / 1e6
    [combined] = [r for r in result.combined if r["multiplier"] == 1.0]
    assert combined["levers"] == ["distillation", "caching"]
    assert combined["cost_after"] == pytest.approx(0.55 * 10 * cached + 0.6 * 10 * 0.0001)


def test_a_self_hosted_student_is_sized_at_each_multiplier() -> None:
    # One replica (1 request/s at 50% utilisation, peak 2: 657,000 requests a month) at 1 an hour, minimum 1.
    hosted = {"kind": "self_hosted", "hourly_price": 1.0, "throughput_rps": 1.0, "utilization": 0.5,
              "peak_to_average": 2.0, "min_replicas": 1}  # fmt: skip
    c = calls(1)
    c = Calls(c.frame, c.window, scale=1_000_000.0)  # 1,000,000 calls a month
    d = {m: row(run(c, {"f": {"distillation": {}}}, scenario(hosted, 1.0, 0.0)), "distillation", m) for m in (1, 10)}
    # 1x: 1,000,000 requests need ceil(1e6 / 657,000) = 2 replicas; 10x: ceil(1e7 / 657,000) = 16.
    assert d[1]["cost_after"] == pytest.approx(2 * 730)
    assert d[10]["cost_after"] == pytest.approx(16 * 730)


def test_routing_on_a_log_at_the_best_operating_point() -> None:
    s = scenario({"kind": "per_request", "cost": 0.0001})
    cascade = load_metrics(METRICS).cascade
    priced = plan_cascade(s, cascade, "f")
    best = priced.points.iloc[priced.best]
    result = run(calls(10), {"f": {"routing": {"metrics": str(METRICS)}}}, s)
    r = row(result, "routing")
    # The student answers every call (k = 1); the escalated share e = 1 - c(tau) also goes to the teacher.
    assert r["cost_after"] == pytest.approx(best["escalation"] * 10 * TEACHER + 10 * 0.0001)
    assert r["quality_now"] == cascade.teacher_accuracy
    assert r["quality_after"] == pytest.approx(best["system_accuracy"])
    # The same cascade measured from the per-example CSV it came from.
    from_csv = row(run(calls(10), {"f": {"routing": {"metrics": str(PREDICTIONS)}}}, s), "routing")
    assert from_csv["quality_now"] == pytest.approx(cascade.teacher_accuracy, abs=1e-3)


def test_downsizing_quality_from_a_per_example_csv() -> None:
    with PREDICTIONS.open() as file:
        rows = list(csv.DictReader(file))
    teacher = np.mean([r["teacher_correct"].lower() in ("1", "true") for r in rows])
    student = np.mean([r["student_correct"].lower() in ("1", "true") for r in rows])
    levers = {"f": {"downsizing": {"model": "gpt-4o-mini", "metrics": str(PREDICTIONS)}}}
    d = row(run(calls(), levers), "downsizing")
    assert (d["quality_now"], d["quality_after"]) == (pytest.approx(teacher), pytest.approx(student))
    assert d["quality_change"] == pytest.approx(student - teacher) and d["quality_measured"]


def test_cli_routing_distillation_and_metrics_on_the_bundled_log(tmp_path: Path) -> None:
    s = load_scenarios(SUPPORT)[0].model_dump()
    s["features"][0]["name"] = "support_chat"
    path = tmp_path / "s.json"
    path.write_text(json.dumps(s))
    levers = tmp_path / "L.json"
    levers.write_text(json.dumps({"features": {"support_chat": {
        "routing": {}, "distillation": {}, "downsizing": {"model": "gpt-4o-mini"}}}}))  # fmt: skip
    out = tmp_path / "plan.json"
    args = ["optimize", str(LOG), "--feature-key", "feature", "--levers", str(levers), "--scenario", str(path),
            "--metrics", f"support_chat={METRICS}", "--metrics", f"gpt-4o-mini={PREDICTIONS}"]  # fmt: skip
    run = RUNNER.invoke(app, [*args, "--format", "json", "--out", str(out)])
    assert run.exit_code == 0, run.output
    plan = json.loads(out.read_text())
    by = {r["lever"]: r for r in plan["levers"] if r["multiplier"] == 1.0}
    assert by["routing"]["params"]["metrics"] == str(METRICS) and by["routing"]["quality_measured"]
    assert by["downsizing"]["params"]["metrics"] == str(PREDICTIONS) and by["downsizing"]["quality_measured"]
    assert by["distillation"]["quality_measured"]
    [combined] = [r for r in plan["combined"] if r["multiplier"] == 1.0 and r["feature"] == "support_chat"]
    assert len(set(combined["levers"]) & {"routing", "distillation", "downsizing"}) == 1  # one model choice
    # Without --scenario, routing has no student: one line naming feature and lever, exit 2.
    run = RUNNER.invoke(app, ["optimize", str(LOG), "--feature-key", "feature", "--levers", str(levers),
                              "--metrics", str(METRICS)])  # fmt: skip
    assert run.exit_code == 2
    [line] = run.stderr.strip().splitlines()
    assert "feature 'support_chat', lever 'routing': needs --scenario" in line


def test_scenario_ranges_give_the_risk_pages_distribution() -> None:
    """The distillation lever on a one-feature scenario with ranges is the risk analysis' monthly saving."""
    s = load_scenarios(SUPPORT)[0]
    result = evaluate_scenario(s, parse_levers({"features": {"Support chat": {"distillation": {}}}}, ["Support chat"]))
    d = row(result, "distillation")
    risk = np.percentile(simulate(s).summary_figure("monthly_saving"), [10, 50, 90])
    assert [d["saving_p10"], d["saving_p50"], d["saving_p90"]] == pytest.approx(list(risk), rel=0.03)
    assert d["saving_p10"] < d["saving_monthly"] < d["saving_p90"] and not d["uncertain"]
    rows = project(s).rows
    mine = rows[(rows["multiplier"] == 1.0) & (rows["feature"] == "Support chat")].set_index("arm")["ai_cogs"]
    assert d["saving_monthly"] == pytest.approx(mine["baseline"] - mine["distilled"], rel=1e-12)


SAAS = DATA / "scenarios" / "saas_portfolio.json"  # Ticket triage: gpt-4o, 1,800 in (1,200 cached), 60 out


def test_a_lever_range_on_a_scenario_by_its_pert_quantiles() -> None:
    s = load_scenarios(SAAS)[0]
    share = {"low": 0.3, "mode": 0.7, "high": 0.9}
    levers = {"Ticket triage": {"caching": {"cached_share": share, "reads_per_write": 1e12}, "batch": {"share": 0.5}}}
    result = evaluate_scenario(s, parse_levers({"features": levers}, [f.name for f in s.features]))
    caching = row(result, "caching")
    rows = project(s).rows
    served = float(rows[(rows["feature"] == "Ticket triage") & (rows["multiplier"] == 1.0)]["requests"].iloc[0]) * 0.95

    def saving(c1: float) -> float:  # writes at 1e12 reads per write are nil; batch 30% at 0.5 as in the scenario
        per = lambda cached: ((1800 - cached) * 2.5 + cached * 1.25 + 60 * 10) / 1e6 * 0.85  # noqa: E731
        return served * (per(1200) - per(c1 * 1800))

    a, b = 1 + 4 * 0.4 / 0.6, 1 + 4 * 0.2 / 0.6
    quantile = lambda q: 0.3 + 0.6 * stats.beta.ppf(q, a, b)  # noqa: E731
    # The saving rises with c1: its P10 is the saving at c1's 10% quantile.
    assert caching["saving_p10"] == pytest.approx(saving(quantile(0.1)), rel=0.02)
    assert caching["saving_p90"] == pytest.approx(saving(quantile(0.9)), rel=0.02)
    assert caching["saving_monthly"] == pytest.approx(saving(0.7), rel=1e-9)
    # Below the 2/3 share cached today the saving is negative: P10 < 0, "uncertain"; batch (no range) is not.
    assert caching["saving_p10"] < 0 < caching["saving_monthly"] and caching["uncertain"]
    assert not row(result, "batch")["uncertain"]
    ranks = {r["lever"]: r["rank"] for r in result.levers if r["multiplier"] == 1.0}
    order = sorted(("caching", "batch"), key=lambda lever: -row(result, lever)["saving_monthly"])
    assert [ranks[lever] for lever in order] == [1, 2]


def test_scenario_source_cli_with_ranges_and_write_scenario(tmp_path: Path) -> None:
    levers = tmp_path / "L.json"
    levers.write_text(json.dumps({"features": {"Ticket triage": {
        "caching": {"cached_share": {"low": 0.7, "mode": 0.8, "high": 0.9}}, "batch": {"share": 0.6},
        "routing": {"metrics": str(METRICS)}}}}))  # fmt: skip
    out, planned = tmp_path / "plan.json", tmp_path / "planned.json"
    run = RUNNER.invoke(app, ["optimize", str(SAAS), "--levers", str(levers), "--format", "json", "--out", str(out),
                              "--write-scenario", str(planned)])  # fmt: skip
    assert run.exit_code == 0, run.output
    plan = json.loads(out.read_text())
    caching = [r for r in plan["levers"] if r["lever"] == "caching" and r["multiplier"] == 1.0][0]
    assert caching["saving_p10"] < caching["saving_p50"] < caching["saving_p90"]
    routing = [r for r in plan["levers"] if r["lever"] == "routing" and r["multiplier"] == 1.0][0]
    assert routing["quality_measured"] and routing["quality_after"] is not None
    rows = project(load_scenarios(planned)[0]).rows
    for m in (1.0, 10.0, 100.0):
        # Every feature is in the combined plan; the written scenario's distilled arm is the plan, in total too.
        after = sum(r["cost_after"] for r in plan["combined"] if r["multiplier"] == m)
        total = rows[(rows["multiplier"] == m) & (rows["arm"] == "distilled") & (rows["feature"] == "ALL")]
        assert float(total["ai_cogs"].iloc[0]) == pytest.approx(after, rel=1e-9)
        [triage] = [r for r in plan["combined"] if r["multiplier"] == m and r["feature"] == "Ticket triage"]
        mine = rows[(rows["multiplier"] == m) & (rows["arm"] == "distilled") & (rows["feature"] == "Ticket triage")]
        assert float(mine["ai_cogs"].iloc[0]) == pytest.approx(triage["cost_after"], rel=1e-9)


def test_a_users_own_batch_table(tmp_path: Path) -> None:
    table = tmp_path / "batch.csv"
    table.write_text("provider,discount,stacks_with_cache,source_url,checked\n"
                     "openai,0.4,true,https://example.com/our-contract,2026-11-30\n")  # fmt: skip
    levers = tmp_path / "L.json"
    levers.write_text(json.dumps({"features": {"support_chat": {"batch": {"share": 1.0}}}}))
    out = tmp_path / "plan.json"
    args = ["optimize", str(LOG), "--feature-key", "feature", "--levers", str(levers), "--format", "json"]
    assert RUNNER.invoke(app, [*args, "--out", str(out)]).exit_code == 0
    bundled = row_of(out)
    assert RUNNER.invoke(app, [*args, "--out", str(out), "--batch-table", str(table)]).exit_code == 0
    mine = row_of(out)
    # Every call batched: cost x (1 - d), d = 0.5 bundled, 0.4 in the user's table.
    assert bundled["cost_after"] == pytest.approx(0.5 * bundled["cost_now"])
    assert mine["cost_after"] == pytest.approx(0.6 * mine["cost_now"])
    table.write_text(
        "provider,discount,stacks_with_cache,source_url,checked\nopenai,1.5,true,https://x.org,2026-11-30\n"
    )
    run = RUNNER.invoke(app, [*args, "--batch-table", str(table)])
    assert run.exit_code == 2
    [line] = run.stderr.strip().splitlines()
    assert "row 2, column 'discount': '1.5' is not a share" in line


def row_of(path: Path) -> dict:
    [found] = [r for r in json.loads(path.read_text())["levers"] if r["multiplier"] == 1.0]
    return found


def test_the_bundled_batch_table_states_source_and_date_per_provider() -> None:
    table = use_batch_table(None)
    assert {"openai", "anthropic", "google"} <= set(table)
    for terms in table.values():
        assert terms.source_url.startswith("https://") and terms.checked[:4] == "2026"
        assert 0 < terms.discount <= 1


@pytest.mark.parametrize(
    ("levers", "message"),
    [
        ({"Ticket triage": {"prompt_magic": {}}}, "feature 'Ticket triage', lever 'prompt_magic': unknown lever"),
        ({"Ticket triage": {"downsizing": {"model": "gpt-9-ultra"}}},
         "feature 'Ticket triage', lever 'downsizing': model 'gpt-9-ultra'"),
        ({"Ticket triage": {"caching": {"cached_share": {"low": 0.2, "mode": 0.5, "high": 1.2}}}},
         "feature 'Ticket triage', lever 'caching': cached_share 1.2 is not a share"),
    ],
)  # fmt: skip
def test_bad_levers_on_a_scenario_exit_2_with_one_line(tmp_path: Path, levers: dict, message: str) -> None:
    path = tmp_path / "L.json"
    path.write_text(json.dumps({"features": levers}))
    run = RUNNER.invoke(app, ["optimize", str(SAAS), "--levers", str(path)])
    assert run.exit_code == 2
    [line] = run.stderr.strip().splitlines()
    assert message in line


def test_the_scenario_routing_point_is_the_planners_best() -> None:
    from aueb.plan.scenario_levers import ScenarioPlan

    s = load_scenarios(SAAS)[0]
    for feature in ("Ticket triage", "Contract review"):
        priced = plan_cascade(s, load_metrics(METRICS).cascade, feature)
        best = priced.points.iloc[priced.best]
        overrides, teacher, system = ScenarioPlan(s).routing(feature, str(METRICS))
        assert overrides == {"coverage": 1.0, "escalation": best["escalation"],
                             "quality_retention": best["quality_retention"]}  # fmt: skip
        assert (teacher, system) == (priced.cascade.teacher_accuracy, best["system_accuracy"])


def test_a_scenario_without_levers_gets_proposals() -> None:
    run = RUNNER.invoke(app, ["optimize", str(SAAS), "--metrics", f"Ticket triage={METRICS}", "--format", "json"])
    assert run.exit_code == 0, run.output
    plan = json.loads(run.stdout)
    rows = [r for r in plan["levers"] if r["multiplier"] == 1.0]
    assert rows and all(r["proposal"] for r in rows)
    s = load_scenarios(SAAS)[0]
    with_student = {f.name for f in s.features if f.student is not None}
    assert {r["feature"] for r in rows if r["lever"] == "distillation"} == with_student
    assert {r["feature"] for r in rows if r["lever"] == "routing"} == {"Ticket triage"}
    token_priced = {f.name for f in s.features if f.teacher.pricing.kind == "tokens"}
    assert {r["feature"] for r in rows if r["lever"] == "caching"} == token_priced


@pytest.mark.parametrize("n", [1, 2, 7, 10_000, 10_001])
def test_percentiles_are_numpys(n: int) -> None:
    from aueb.plan.output import percentiles

    x = np.random.default_rng(n).normal(size=(3, n))
    assert np.array(percentiles(x)) == pytest.approx(np.percentile(x, [10, 50, 90], axis=-1), rel=1e-12, abs=1e-15)


def test_distillation_on_a_log_with_a_ranged_coverage() -> None:
    s = scenario({"kind": "per_request", "cost": 0.0001}).model_dump()
    s["features"][0]["coverage"] = {"low": 0.2, "mode": 0.6, "high": 0.9}
    result = run(calls(10), {"f": {"distillation": {}}}, Scenario.model_validate(s))
    d = row(result, "distillation")
    # The saving is linear and rising in k: 10·k·(TEACHER·(1 - e) - 0.0001), e = 0.25; P10 at k's 10% quantile.
    per_k = 10 * (TEACHER * 0.75 - 0.0001)
    a, b = 1 + 4 * 0.4 / 0.7, 1 + 4 * 0.3 / 0.7
    for q, key in ((0.1, "saving_p10"), (0.5, "saving_p50"), (0.9, "saving_p90")):
        assert d[key] == pytest.approx(per_k * (0.2 + 0.7 * stats.beta.ppf(q, a, b)), rel=0.02)
    assert d["saving_monthly"] == pytest.approx(per_k * 0.6)


def test_metrics_options_and_which_downsizing_a_file_measures(tmp_path: Path) -> None:
    from aueb.plan.inputs import LeverSpec, attach_metrics, parse_metrics_options

    odd = tmp_path / "run=3.json"
    data = json.loads(METRICS.read_text())
    data["student"]["name"] = "gpt-4o-mini, 20-shot"
    odd.write_text(json.dumps(data))
    assert parse_metrics_options([str(odd), f"f={odd}", f"gpt-4o={PREDICTIONS}"]) == [
        (None, str(odd)), ("f", str(odd)), ("gpt-4o", str(PREDICTIONS))]  # fmt: skip

    def downsizing(model: str) -> LeverSpec:
        return LeverSpec("f", "downsizing", {"model": model, "provider": "openai", "one_time_cost": 0.0})

    # The student named "gpt-4o-mini" measures downsizing to gpt-4o-mini, not to gpt-4o.
    mini, big = attach_metrics([downsizing("gpt-4o-mini"), downsizing("gpt-4o")], [(None, str(odd))])
    assert mini.params["metrics"] == str(odd) and "metrics" not in big.params
    [big] = attach_metrics([downsizing("gpt-4o")], [("gpt-4o", str(PREDICTIONS))])
    assert big.params["metrics"] == str(PREDICTIONS)
    with pytest.raises(InputError, match="--metrics f=missing.json: no such file"):
        parse_metrics_options(["f=missing.json"])


HOSTED = {"kind": "self_hosted", "hourly_price": 0.5, "throughput_rps": 0.0005, "utilization": 0.5,
          "peak_to_average": 2.0, "min_replicas": 1}  # 328.5 requests a month per replica  # fmt: skip
# A token student with its own prices, on the logged tokens (the scenario's token counts do not apply on a log).
TOKENS = {"kind": "tokens", "input_tokens": 1, "output_tokens": 1, "input_price_per_mtok": 0.1,
          "output_price_per_mtok": 0.4, "batch_share": 0.5, "batch_discount": 0.5}  # fmt: skip


def test_write_scenario_with_a_self_hosted_student_reproduces_the_plan_at_every_multiplier(tmp_path: Path) -> None:
    from aueb.plan.replay import call_counts, load_calls

    log = ROOT / "data" / "logs" / "requests.csv"
    s = {"name": "S", "features": [
        {"name": name, "users": 1000, "requests_per_user": 1, "revenue_per_user": 1, "cost_per_error": 0.01,
         "teacher": {"name": "T", "quality": 0.9, "pricing": {"kind": "per_request", "cost": 0.01}},
         "student": {"name": "S", "quality_retention": 0.95, "pricing": pricing}, "coverage": 0.7, "escalation": 0.1}
        for name, pricing in (("support_chat", HOSTED), ("summarizer", HOSTED),
                              ("search_answers", TOKENS))]}  # fmt: skip
    path, levers = tmp_path / "s.json", tmp_path / "L.json"
    path.write_text(json.dumps(s))
    levers.write_text(json.dumps({"features": {
        "support_chat": {"routing": {"metrics": str(METRICS)}, "caching": {"cached_share": 0.6},
                         "batch": {"share": 0.5}},
        "summarizer": {"distillation": {}},
        "search_answers": {"distillation": {}, "batch": {"share": 1.0}}}}))  # fmt: skip
    out, planned = tmp_path / "plan.json", tmp_path / "planned.json"
    run = RUNNER.invoke(app, ["optimize", str(log), "--feature-key", "feature", "--levers", str(levers),
                              "--scenario", str(path), "--format", "json", "--out", str(out),
                              "--write-scenario", str(planned)])  # fmt: skip
    assert run.exit_code == 0, run.output
    plan = json.loads(out.read_text())
    levers_of = {r["feature"]: r["levers"] for r in plan["combined"] if r["multiplier"] == 1.0}
    assert levers_of["support_chat"] == ["routing", "caching", "batch"] and levers_of["summarizer"] == ["distillation"]
    assert levers_of["search_answers"] == ["distillation", "batch"]
    # The student is sized on the calls it serves (not on the log's groups of calls): by hand for the routing row.
    frame = load_calls([str(log)], feature_key="feature").frame
    n = {f: float(call_counts(g).sum()) for f, g in frame.groupby("feature", observed=True)}
    priced = plan_cascade(Scenario.model_validate(s), load_metrics(METRICS).cascade, "support_chat")
    e = float(priced.points.iloc[priced.best]["escalation"])
    for m in (1.0, 10.0, 100.0):
        [r] = [x for x in plan["levers"] if x["lever"] == "routing" and x["multiplier"] == m]
        replicas = np.ceil(m * n["support_chat"] / 328.5 - 1e-9)
        assert r["cost_after"] == pytest.approx(e * r["cost_now"] + replicas * 0.5 * 730, rel=1e-12)
    # The replicas step with volume, so the plan is not proportional to it; `aueb project` still reproduces it.
    total = {m: sum(r["cost_after"] for r in plan["combined"] if r["multiplier"] == m) for m in (1.0, 10.0, 100.0)}
    assert abs(total[10.0] / (10 * total[1.0]) - 1) > 1e-3
    rows = project(load_scenarios(planned)[0]).rows
    for m in (1.0, 10.0, 100.0):
        got = rows[(rows["multiplier"] == m) & (rows["arm"] == "distilled")].set_index("feature")["ai_cogs"]
        assert float(got["ALL"]) == pytest.approx(total[m], rel=1e-9)
        for r in (x for x in plan["combined"] if x["multiplier"] == m):
            assert float(got[r["feature"]]) == pytest.approx(r["cost_after"], rel=1e-9)


def test_student_pricing_ranges_on_a_log_give_the_percentiles() -> None:
    # A range on the student's per-request cost alone: the saving 10·(TEACHER·(1 - e)·k - k·c) is linear and
    # falling in c, so its P10 is the saving at c's 90% quantile (PERT, lambda = 4).
    s = scenario({"kind": "per_request", "cost": {"low": 0.0001, "mode": 0.0005, "high": 0.002}})
    k, e = 0.6, 0.25
    saving = lambda c: 10 * k * (TEACHER * (1 - e) - c)  # noqa: E731
    a, b = 1 + 4 * 0.0004 / 0.0019, 1 + 4 * 0.0015 / 0.0019
    quantile = lambda q: 0.0001 + 0.0019 * stats.beta.ppf(q, a, b)  # noqa: E731
    for lever, params in (("distillation", {}), ("routing", {"metrics": str(METRICS)})):
        d = row(run(calls(10), {"f": {lever: params}}, s), lever)
        if lever == "routing":  # k = 1, e = the best point's escalation
            best = plan_cascade(s, load_metrics(METRICS).cascade, "f")
            k_, e_ = 1.0, float(best.points.iloc[best.best]["escalation"])
            saving = lambda c, k_=k_, e_=e_: 10 * k_ * (TEACHER * (1 - e_) - c)  # noqa: E731
        assert d["saving_monthly"] == pytest.approx(saving(0.0005), rel=1e-9)
        for q, key in ((0.9, "saving_p10"), (0.5, "saving_p50"), (0.1, "saving_p90")):
            assert d[key] == pytest.approx(saving(quantile(q)), rel=0.01), (lever, key)
        # 100x: the same draws, 100 times the calls.
        assert row(run(calls(10), {"f": {lever: params}}, s), lever, 100.0)["saving_p10"] == pytest.approx(
            100 * d["saving_p10"], rel=1e-9
        )
    # A self-hosted student's hourly price as a range: cost = replicas x h x 730, 1 replica (min_replicas) here.
    hosted = {**HOSTED, "hourly_price": {"low": 0.01, "mode": 0.02, "high": 0.05}}
    d = row(run(calls(10), {"f": {"distillation": {}}}, scenario(hosted)), "distillation")
    a, b = 1 + 4 * 0.01 / 0.04, 1 + 4 * 0.03 / 0.04
    for q, key in ((0.9, "saving_p10"), (0.1, "saving_p90")):
        h = 0.01 + 0.04 * stats.beta.ppf(q, a, b)
        assert d[key] == pytest.approx(10 * TEACHER * k * (1 - e) - h * 730, rel=0.01), key
    # A self-hosted student (1 replica at min_replicas here) with a ranged coverage: the saving is linear in k.
    ranged = scenario({**HOSTED, "hourly_price": 0.01}).model_dump()
    ranged["features"][0]["coverage"] = {"low": 0.2, "mode": 0.6, "high": 0.9}
    d = row(run(calls(10), {"f": {"distillation": {}}}, Scenario.model_validate(ranged)), "distillation")
    a, b = 1 + 4 * 0.4 / 0.7, 1 + 4 * 0.3 / 0.7
    for q, key in ((0.1, "saving_p10"), (0.9, "saving_p90")):
        k = 0.2 + 0.7 * stats.beta.ppf(q, a, b)
        assert d[key] == pytest.approx(10 * TEACHER * k * (1 - e) - 0.01 * 730, rel=0.01), key

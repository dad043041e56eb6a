"""Uncertainty and sensitivity: PERT sampling, percentiles, the tornado, and the samples against the engine.

Figures are checked against what they must be: PERT's known mean and variance, analytic quantiles of a
figure linear in one input, a tornado worked out by hand, and sample-by-sample point projections.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from scipy import stats

from aueb.engine import project
from aueb.errors import InputError
from aueb.risk import (
    DEFAULT_FIGURE,
    FigureChoice,
    parse_figure,
    percentiles,
    pert,
    ranged_inputs,
    risk_report,
    simulate,
    tornado,
)
from aueb.scenario import Scenario


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.mark.parametrize("a, m, b", [(0.0, 0.5, 1.0), (10.0, 12.0, 30.0), (100.0, 100.0, 400.0)])
def test_pert_mean_and_variance(a, m, b):
    n = 400_000
    x = pert(rng(1), [a], [m], [b], n)[0]
    mean = (a + 4 * m + b) / 6
    variance = (mean - a) * (b - mean) / 7  # PERT with lambda = 4
    assert x.min() >= a and x.max() <= b
    assert x.mean() == pytest.approx(mean, abs=4 * np.sqrt(variance / n))
    assert x.var() == pytest.approx(variance, rel=0.02)


def test_pert_zero_spread_is_the_number():
    x = pert(rng(), [3.0, 0.0], [3.0, 0.0], [3.0, 0.0], 1000)
    assert (x[0] == 3.0).all() and (x[1] == 0.0).all()


def test_percentiles_are_the_values_not_exceeded():
    values = np.arange(1.0, 11.0)  # 1..10: 10% of them are <= 1, 50% <= 5, 90% <= 9
    assert percentiles(values) == (1.0, 5.0, 9.0, 0)
    assert percentiles(np.array([np.nan, 2.0, np.nan])) == (2.0, 2.0, 2.0, 2)
    assert percentiles(np.array([np.nan])) == (None, None, None, 1)


def test_linear_figure_matches_analytic_quantiles(sb):
    # AI COGS without a student = users x 10 requests x 0.01 + 0 fixed: linear in users.
    a, m, b = 1000.0, 2000.0, 6000.0
    scenario = sb.scenario([sb.feature(users={"low": a, "mode": m, "high": b})])
    simulation = simulate(scenario, 20_000, seed=7)
    cogs = simulation.figure("ai_cogs")[0, 0]
    alpha, beta = 1 + 4 * (m - a) / (b - a), 1 + 4 * (b - m) / (b - a)
    for q, got in zip((0.1, 0.5, 0.9), percentiles(cogs)[:3], strict=False):
        expected = (a + (b - a) * stats.beta.ppf(q, alpha, beta)) * 10 * 0.01
        assert got == pytest.approx(expected, rel=0.02)


def test_tornado_by_hand(sb):
    # COGS / revenue (no student: the baseline arm) = (U x 10 x c + 100) / (U x 1.00)
    scenario = sb.scenario(
        [
            sb.feature(
                users={"low": 500, "mode": 1000, "high": 1500},
                teacher={"pricing": sb.per_request({"low": 0.005, "mode": 0.01, "high": 0.02})},
            )
        ],
        fixed_monthly_cost=100.0,
    )
    bars = tornado(scenario)
    assert [b.input for b in bars] == ["features[F].teacher.pricing.cost", "features[F].users"]
    cost, users = bars
    assert cost.figure == "cogs_to_revenue@1x/baseline"
    assert cost.figure_at_low == pytest.approx((1000 * 10 * 0.005 + 100) / 1000)
    assert cost.figure_at_high == pytest.approx((1000 * 10 * 0.02 + 100) / 1000)
    assert cost.swing == pytest.approx(0.15)
    assert users.figure_at_low == pytest.approx((500 * 10 * 0.01 + 100) / 500)
    assert users.figure_at_high == pytest.approx((1500 * 10 * 0.01 + 100) / 1500)
    assert users.swing == pytest.approx(0.3 - 250 / 1500)
    assert cost.figure_at_mode == users.figure_at_mode == pytest.approx(0.2)
    assert tornado(scenario) == bars  # deterministic


def test_tornado_other_figures(sb):
    scenario = sb.scenario(
        [sb.feature(users={"low": 500, "mode": 1000, "high": 1500}, student=sb.student(), coverage=0.5)],
    )
    (bar,) = tornado(scenario, parse_figure("ai_cogs@10x/baseline"))
    assert bar.figure == "ai_cogs@10x/baseline"
    assert bar.figure_at_high == pytest.approx(1500 * 10 * 10 * 0.01)
    (saving,) = tornado(scenario, parse_figure("monthly_saving"))
    # Saving at 1x = half the requests at 0.01 - 0.001.
    assert saving.figure_at_low == pytest.approx(500 * 10 * 0.5 * 0.009)
    assert DEFAULT_FIGURE.arm_for(scenario) == "distilled"


@pytest.mark.parametrize("text", ["foo", "ai_cogs@0x", "roi@10x", "ai_cogs/both"])
def test_bad_figure(text):
    with pytest.raises(InputError, match="--figure"):
        parse_figure(text)


def test_zero_spread_gives_the_point_projection(sb):
    point = {"low": 0.3, "mode": 0.3, "high": 0.3}
    scenario = sb.scenario(
        [
            sb.feature(coverage=point, student=sb.student(distillation={"engineering": 5000.0}), cache_hit_rate=0.1),
            sb.feature("G", users={"low": 50, "mode": 50, "high": 50}),
        ],
        multipliers=[1.0, 10.0],
        fixed_monthly_cost={"low": 200, "mode": 200, "high": 200},
    )
    rows = project(scenario).rows
    report = risk_report([scenario], 500, seed=3)
    for row in report.percentiles:
        expected = sb.pick(rows, "ALL", row.multiplier, row.arm)[row.figure]
        assert row.p10 == row.p50 == row.p90
        assert row.p50 == pytest.approx(expected, rel=1e-12)
    summary = project(scenario).summary.iloc[0]
    risk = report.summary[scenario.name]
    assert risk.monthly_saving.p10 == risk.monthly_saving.p90 == pytest.approx(summary["monthly_saving"], rel=1e-12)
    assert risk.payback_months.p50 == pytest.approx(summary["payback_months"], rel=1e-12)
    assert risk.roi.p50 == pytest.approx(summary["roi"], rel=1e-12)


def _set(data: dict, path: str, value: float) -> None:
    """Set `features[F].teacher.pricing.cost` (or `fixed_monthly_cost`) in scenario JSON data."""
    node = data
    parts = re.findall(r"[^.\[\]]+(?:\[[^\]]+\])?", path)
    for part in parts[:-1]:
        name, _, feature = part.partition("[")
        node = node[name]
        if feature:
            node = next(f for f in node if f["name"] == feature.rstrip("]"))
    node[parts[-1]] = value


def test_each_sample_is_a_full_projection(sb):
    """Samples through the engine's sample axis equal point projections of the sampled scenario, for
    token-priced and self-hosted models, the fixed cost and the distillation cost."""
    tokens = sb.tokens(
        {"low": 500, "mode": 800, "high": 1500},
        200,
        cached_input_tokens={"low": 0, "mode": 100, "high": 600},
        input_price_per_mtok={"low": 1.0, "mode": 2.5, "high": 3.0},
        output_price_per_mtok=10.0,
    )
    hosted = sb.self_hosted({"low": 0.8, "mode": 1.2, "high": 2.0}, {"low": 5, "mode": 20, "high": 40}, min_replicas=1)
    scenario = sb.scenario(
        [
            sb.feature(
                "A",
                teacher={"pricing": tokens},
                student=sb.student(hosted, distillation={"training_examples": {"low": 0, "mode": 1000, "high": 5000}}),
                coverage={"low": 0.2, "mode": 0.6, "high": 0.9},
                escalation={"low": 0.0, "mode": 0.1, "high": 0.3},
            ),
            sb.feature("B", users={"low": 10, "mode": 100, "high": 1000}, revenue_per_user=0.0),
        ],
        multipliers=[1.0, 100.0],
        fixed_monthly_cost={"low": 0, "mode": 300, "high": 900},
    )
    inputs = ranged_inputs(scenario)
    assert len(inputs) == 10
    n, seed = 4, 11
    simulation = simulate(scenario, n, seed)
    low, mode, high = (np.array([getattr(i.range, k) for i in inputs]) for k in ("low", "mode", "high"))
    values = pert(np.random.default_rng(seed), low, mode, high, n)
    plain = scenario.model_dump(mode="json")
    for j in range(n):
        data = json.loads(json.dumps(plain))
        for item, value in zip(inputs, values[:, j], strict=True):
            _set(data, item.path, float(value))
        pricing = data["features"][0]["teacher"]["pricing"]
        pricing["cached_input_tokens"] = min(pricing["cached_input_tokens"], pricing["input_tokens"])
        sampled = Scenario.model_validate(data)
        result = project(sampled)
        for i, m in enumerate(simulation.multipliers):
            for a, arm in enumerate(("baseline", "distilled")):
                row = sb.pick(result.rows, "ALL", m, arm)
                for figure in ("ai_cogs", "revenue", "net_ai_value", "cost_per_correct_output"):
                    assert simulation.figure(figure)[i, a, j] == pytest.approx(row[figure], rel=1e-9, nan_ok=True), (
                        figure,
                        m,
                        arm,
                        j,
                    )
        summary = result.summary.iloc[0]
        assert simulation.summary_figure("monthly_saving")[j] == pytest.approx(summary["monthly_saving"], rel=1e-9)
        assert simulation.one_time_cost[j] == pytest.approx(summary["one_time_cost"], rel=1e-9)


def test_seeded_reproducibility(customer_support):
    first = risk_report([customer_support], 2000, seed=42)
    assert risk_report([customer_support], 2000, seed=42) == first
    other = risk_report([customer_support], 2000, seed=43)
    assert other.percentiles != first.percentiles
    assert other.tornado == first.tornado  # the tornado does not sample


def test_undefined_ratios_are_left_out_and_counted(sb):
    scenario = sb.scenario([sb.feature(revenue_per_user=0.0, users={"low": 0, "mode": 0, "high": 100})])
    rows = {(r.figure, r.arm): r for r in risk_report([scenario], 300, seed=1).percentiles}
    assert rows[("cogs_to_revenue", "baseline")].undefined == 300
    assert rows[("cogs_to_revenue", "baseline")].p50 is None
    # Users drawn as PERT(0, 0, 100) are almost never exactly 0: cost per request is defined.
    assert rows[("cost_per_request", "baseline")].undefined == 0


def test_payback_probability(sb):
    # Saving at 1x = users x 10 x 0.5 x 0.009; one-time cost 300: pays back within 12 months when users > 300 / 12 /
    # 0.045.
    scenario = sb.scenario(
        [
            sb.feature(
                users={"low": 100, "mode": 500, "high": 1500},
                student=sb.student(distillation={"engineering": 300.0}),
                coverage=0.5,
            )
        ]
    )
    simulation = simulate(scenario, 5000, seed=5)
    users = pert(np.random.default_rng(5), [100], [500], [1500], 5000)[0]
    report = risk_report([scenario], 5000, seed=5).summary[scenario.name]
    assert report.payback_within_horizon_probability == pytest.approx(np.mean(users * 10 * 0.5 * 0.009 * 12 >= 300))
    assert 0 < report.payback_within_horizon_probability < 1
    assert simulation.summary_figure("payback_months").shape == (5000,)
    no_student = risk_report([sb.scenario()], 10).summary["S"]
    assert no_student.payback_within_horizon_probability is None and no_student.payback_months.undefined == 10


def test_report_json_shape(customer_support):
    report = json.loads(risk_report([customer_support], 200, seed=0).model_dump_json())
    assert set(report) == {"percentiles", "summary", "tornado", "samples", "seed"}
    assert set(report["percentiles"][0]) == {
        "scenario",
        "multiplier",
        "arm",
        "figure",
        "p10",
        "p50",
        "p90",
        "undefined",
    }
    assert len(report["percentiles"]) == 3 * 2 * 6
    summary = report["summary"][customer_support.name]
    assert {"monthly_saving", "payback_months", "roi", "payback_within_horizon_probability"} <= set(summary)
    assert {"input", "low", "high", "figure_at_low", "figure_at_high", "swing"} <= set(report["tornado"][0])
    swings = [t["swing"] for t in report["tornado"]]
    assert swings == sorted(swings, reverse=True) and len(swings) == 4


def test_figure_choice_label(customer_support):
    assert FigureChoice("ai_cogs", 10.0, "baseline").label(customer_support) == "ai_cogs@10x/baseline"
    assert parse_figure("net_ai_value@100x") == FigureChoice("net_ai_value", 100.0, None)

"""Every formula of docs/economics.md against a case worked out by hand.

Expected values are literals with the arithmetic written out in comments; nothing here asks the
engine for an expected value. One month = 730 hours = 2,628,000 seconds.
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import feature_dict, make_scenario, per_request, pick, self_hosted, student_dict

from aueb.engine import ROW_COLUMNS, project, token_cost_per_request
from aueb.formats import projection_to_csv, projection_to_json
from aueb.scenario import Scenario, TokenPricing
from aueb.tiers import BANDS, load_tiers, tier_bands


def A(value: float, rel: float = 1e-12):
    """Tight approximate equality (float noise only)."""
    return pytest.approx(value, rel=rel, abs=0 if value != 0 else 1e-12)


def within_0_1_percent(got: float, true: float) -> None:
    """A search result reported to within 0.1% of the hand-computed value."""
    assert got is not None
    assert abs(got - true) <= 0.001 * true, (got, true)


def run(scenario: Scenario, **kwargs):
    return project(scenario, **kwargs)


def only_feature(scenario: Scenario, multiplier: float = 1.0, arm: str = "baseline", feature: str = "F", **kwargs):
    return pick(project(scenario, **kwargs).rows, feature, multiplier, arm)


# --------------------------------------------------------------------------------------------
# Token pricing: c = [(n_in - n_c)·p_in + n_c·p_cached + n_out·p_out] / 1e6 · (1 - b·d)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pricing", "expected"),
    [
        pytest.param(
            dict(
                input_tokens=1000,
                cached_input_tokens=400,
                output_tokens=200,
                input_price_per_mtok=3,
                cached_input_price_per_mtok=0.3,
                output_price_per_mtok=15,
                batch_share=0.5,
                batch_discount=0.5,
            ),
            # (600·3 + 400·0.3 + 200·15)/1e6 = (1800 + 120 + 3000)/1e6 = 0.00492; · (1 - 0.5·0.5) = 0.00369
            0.00369,
            id="all-prices-cached-batch",
        ),
        pytest.param(
            dict(
                input_tokens=1000,
                cached_input_tokens=400,
                output_tokens=200,
                input_price_per_mtok=2,
                output_price_per_mtok=8,
            ),
            # p_cached defaults to p_in: (600·2 + 400·2 + 200·8)/1e6 = 3600/1e6
            0.0036,
            id="cached-price-defaults-to-input-price",
        ),
        pytest.param(
            dict(
                input_tokens=1000,
                output_tokens=100,
                input_price_per_mtok=1,
                output_price_per_mtok=4,
                batch_share=1.0,
                batch_discount=0.5,
            ),
            # (1000·1 + 100·4)/1e6 = 0.0014; all batch at half price: · 0.5
            0.0007,
            id="all-batch",
        ),
        pytest.param(
            dict(model="gpt-4o", provider="openai", input_tokens=1000, cached_input_tokens=200, output_tokens=100),
            # catalog gpt-4o at openai = 2.5 / 1.25 / 10: (800·2.5 + 200·1.25 + 100·10)/1e6 = (2000 + 250 + 1000)/1e6
            0.00325,
            id="catalog-gpt-4o-openai",
        ),
        pytest.param(
            dict(model="gpt-4o", input_tokens=1000, cached_input_tokens=200, output_tokens=100),
            # no provider: the same openai prices
            0.00325,
            id="catalog-gpt-4o-no-provider",
        ),
        pytest.param(
            dict(
                model="gpt-4o",
                provider="openai",
                input_tokens=1000,
                cached_input_tokens=200,
                output_tokens=100,
                cached_input_price_per_mtok=0.5,
            ),
            # input and output from the catalog, cached price from the file: (800·2.5 + 200·0.5 + 100·10)/1e6 = 3100/1e6
            0.0031,
            id="catalog-file-cached-price-wins",
        ),
        pytest.param(
            dict(
                model="gpt-4o",
                provider="openai",
                input_tokens=1000,
                cached_input_tokens=200,
                output_tokens=100,
                input_price_per_mtok=5,
            ),
            # input price from the file -> cached price = that input price (not the catalog's 1.25);
            # output from the catalog: (800·5 + 200·5 + 100·10)/1e6 = 6000/1e6
            0.006,
            id="file-input-price-means-cached-is-input",
        ),
        pytest.param(
            dict(
                model="gpt-4o",
                provider="openai",
                input_tokens=1000,
                cached_input_tokens=200,
                output_tokens=100,
                output_price_per_mtok=20,
            ),
            # input from the catalog -> cached from the catalog; output from the file:
            # (800·2.5 + 200·1.25 + 100·20)/1e6 = (2000 + 250 + 2000)/1e6
            0.00425,
            id="file-output-price-wins",
        ),
        pytest.param(
            dict(
                model="gpt-4o-mini",
                provider="openai",
                input_tokens=12000,
                output_tokens=700,
                batch_share=0.4,
                batch_discount=0.5,
            ),
            # gpt-4o-mini = 0.15 / 0.075 / 0.6: (12000·0.15 + 700·0.6)/1e6 = 2220/1e6; · (1 - 0.2)
            0.001776,
            id="catalog-gpt-4o-mini-batch",
        ),
    ],
)
def test_token_cost_per_request(pricing, expected):
    model = TokenPricing.model_validate({"kind": "tokens", **pricing})
    assert token_cost_per_request(model) == A(expected)
    # ... and the projection uses it: 1,000 model-served requests, no cache, no student.
    scenario = make_scenario([feature_dict(teacher={"pricing": {"kind": "tokens", **pricing}})])
    row = only_feature(scenario)
    assert row["inference_cost"] == A(1000 * 10 * expected)
    assert row["inference_cost_per_request"] == A(expected)


def test_saas_portfolio_ticket_triage_by_hand(saas_portfolio):
    rows = project(saas_portfolio).rows
    # Token cost per request: ((1800-1200)·2.5 + 1200·1.25 + 60·10)/1e6 · (1 - 0.3·0.5)
    #                       = (1500 + 1500 + 600)/1e6 · 0.85 = 0.00306
    c_teacher = 0.00306
    base = pick(rows, "Ticket triage", 1.0, "baseline")
    dist = pick(rows, "Ticket triage", 1.0, "distilled")
    # R = 4000·300 = 1,200,000; revenue = 4000·6 = 24,000; H = 0.05·R = 60,000; N = 1,140,000
    assert base["requests"] == A(1_200_000)
    assert base["revenue"] == A(24_000)
    assert base["inference_cost"] == A(1_140_000 * c_teacher)  # 3,488.40
    assert base["inference_cost"] == A(3488.4)
    assert base["overhead_cost"] == A(480.0)  # 1.2M · 0.0004
    assert base["verification_cost"] == 0.0
    # F = 6000 shared by requests: 1.2M / (1.2M + 80,000 + 30,000) = 1.2M / 1.31M
    assert base["fixed_cost"] == A(6000 * 1_200_000 / 1_310_000)
    assert base["ai_cogs"] == A(3488.4 + 480 + 6000 * 1_200_000 / 1_310_000)
    # Distilled: k = 0.9, e = 0.05: N_S = 1,026,000; N_T = 114,000 + 51,300 = 165,300
    # teacher 165,300 · 0.00306 = 505.818; student self-hosted: 1,026,000/2,628,000 · 2.5/(40·0.6)
    # = 0.0407 -> ceil 1, max(2, 1) = 2 replicas · 1.2 · 730 = 1,752
    assert dist["inference_cost"] == A(505.818 + 1752.0)
    # routing coverage k·(1-e) = 0.9·0.95
    assert dist["routing_coverage"] == A(0.855)
    # Quality: (1 - 0.855·N/R)·0.94 + 0.855·N/R·0.97·0.94; student answers = 0.855·1,140,000 = 974,700
    correct = 0.94 * (1_200_000 - 974_700) + 974_700 * 0.97 * 0.94
    assert dist["correct_outputs"] == A(correct)
    assert dist["quality"] == A(correct / 1_200_000)
    # Meeting summaries: catalog-named but priced in the file: (12000·0.15 + 700·0.6)/1e6 = 0.00222
    meet = pick(rows, "Meeting summaries", 1.0, "baseline")
    assert meet["inference_cost"] == A(80_000 * 0.00222)  # 177.6
    assert pick(rows, "Meeting summaries", 1.0, "distilled")["inference_cost"] == A(177.6)
    # Contract review: teacher (30000·3 + 2500·15)/1e6 = 0.1275; student (30000·0.3 + 2500·1.2)/1e6 = 0.012
    # N = 30,000; k = 0.6, e = 0.2: N_S = 18,000, N_T = 12,000 + 3,600 = 15,600
    contract_b = pick(rows, "Contract review", 1.0, "baseline")
    contract_d = pick(rows, "Contract review", 1.0, "distilled")
    assert contract_b["inference_cost"] == A(3825.0)  # 30,000 · 0.1275
    assert contract_d["inference_cost"] == A(1989.0 + 216.0)  # 15,600 · 0.1275 + 18,000 · 0.012
    assert contract_b["verification_cost"] == A(12_000.0)  # 30,000 · 0.1 · 4/60 h · 60/h
    # Totals at 1x, baseline: revenue 24,000 + 16,000 + 36,000 = 76,000
    # COGS = inference (3488.4 + 177.6 + 3825 = 7491) + overhead (480 + 160 + 300 = 940) + verification 12,000 + F 6,000
    total_b = pick(rows, "ALL", 1.0, "baseline")
    total_d = pick(rows, "ALL", 1.0, "distilled")
    assert total_b["revenue"] == A(76_000)
    assert total_b["ai_cogs"] == A(26_431.0)
    assert total_b["cogs_to_revenue"] == A(26_431 / 76_000)
    assert total_b["cost_per_user"] == A(26_431 / 8_600)  # users 4000 + 4000 + 600
    # Quality recomputed from sums: (0.94·1.2M + 0.88·80,000 + 0.9·30,000) / 1.31M
    assert total_b["quality"] == A(1_225_400 / 1_310_000)
    # Distilled inference 2257.818 + 177.6 + 2205 = 4640.418
    assert total_d["ai_cogs"] == A(4640.418 + 940 + 12_000 + 6000)
    # Routing coverage from sums: (974,700 + 0 + 0.6·0.8·30,000) / (1,140,000 + 80,000 + 30,000)
    assert total_d["routing_coverage"] == A(989_100 / 1_250_000)
    assert total_b["routing_coverage"] == 0.0


# --------------------------------------------------------------------------------------------
# Self-hosted: replicas = max(m, ceil(N/2,628,000 · a/(s·u))), cost = replicas · g · 730
# --------------------------------------------------------------------------------------------

# g = 2/h, s = 10 rps, u = 0.5, a = 2: one replica carries 2,628,000 · 10 · 0.5 / 2 = 6,570,000 requests
# a month and costs 2 · 730 = 1,460.
CAPACITY = 6_570_000


@pytest.mark.parametrize(
    ("min_replicas", "multiplier", "replicas"),
    [
        (1, 0.5, 1),  # 3,285,000 -> ceil(0.5) = 1
        (1, 1.0, 1),  # exactly one replica's capacity: ceil(1.0) = 1, no float-noise extra replica
        (1, 1.000001, 2),  # 6,570,006.57 -> ceil(1.000001) = 2
        (1, 2.0, 2),  # 13,140,000 -> 2
        (1, 2.5, 3),  # 16,425,000 -> ceil(2.5) = 3
        (3, 0.5, 3),  # min replicas: max(3, 1)
        (3, 2.5, 3),  # max(3, 3)
        (3, 4.0, 4),  # 26,280,000 -> 4
        (3, 4.01, 5),  # ceil(4.01) = 5
        (0, 0.001, 1),  # 6,570 requests still need one replica
    ],
)
def test_self_hosted_replica_steps(min_replicas, multiplier, replicas):
    scenario = make_scenario(
        [
            feature_dict(
                users=CAPACITY, requests_per_user=1, teacher={"pricing": self_hosted(2.0, 10.0, 0.5, 2.0, min_replicas)}
            )
        ],
        multipliers=[multiplier],
    )
    row = only_feature(scenario, multiplier)
    assert row["inference_cost"] == A(replicas * 2.0 * 730)
    # per request it is monthly cost / N
    assert row["inference_cost_per_request"] == A(replicas * 1460 / (CAPACITY * multiplier))


def test_self_hosted_serving_nothing_costs_nothing():
    scenario = make_scenario([feature_dict(users=0, teacher={"pricing": self_hosted(2.0, 10.0, 0.5, 2.0, 5)})])
    row = only_feature(scenario)
    assert row["inference_cost"] == 0.0
    assert row["ai_cogs"] == 0.0


def test_self_hosted_all_cache_hits_costs_nothing():
    # h = 1: the model serves nothing, so its minimum replicas cost nothing; only cache cost remains.
    scenario = make_scenario(
        [
            feature_dict(
                cache_hit_rate=1.0,
                cache_cost_per_request=0.0001,
                teacher={"pricing": self_hosted(2.0, 10.0, 0.5, 2.0, 5)},
            )
        ]
    )
    row = only_feature(scenario)
    assert row["inference_cost"] == A(10_000 * 0.0001)  # 1.0


# --------------------------------------------------------------------------------------------
# The two arms: N_T = (1-k)·N + e·k·N, N_S = k·N, cache, overhead, verification, quality ...
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def arms_case():
    """1,000 users x 10 = R 10,000; h 0.2 -> H 2,000, N 8,000; k 0.75, e 0.1.

    Teacher 0.02/request, quality 0.8; student 0.002/request, retention 0.9; cache hit 0.0005;
    overhead 0.003; review 5% x 3 min at 36/h; error 2.00; revenue 1.00/user; F = 100."""
    feature = feature_dict(
        cache_hit_rate=0.2,
        cache_cost_per_request=0.0005,
        overhead_per_request=0.003,
        review_share=0.05,
        review_minutes=3.0,
        reviewer_hourly_cost=36.0,
        cost_per_error=2.0,
        teacher={"quality": 0.8, "pricing": per_request(0.02)},
        student=student_dict(per_request(0.002), retention=0.9),
        coverage=0.75,
        escalation=0.1,
    )
    rows = project(make_scenario([feature], fixed_monthly_cost=100.0)).rows
    return (
        pick(rows, "F", 1.0, "baseline"),
        pick(rows, "F", 1.0, "distilled"),
        pick(rows, "ALL", 1.0, "baseline"),
        pick(rows, "ALL", 1.0, "distilled"),
    )


def test_arms_inference_overhead_verification(arms_case):
    base, dist, _, _ = arms_case
    # baseline: H·cache + N·c_T = 2000·0.0005 + 8000·0.02 = 1 + 160
    assert base["inference_cost"] == A(161.0)
    # distilled: N_S = 0.75·8000 = 6000, N_T = 2000 + 0.1·6000 = 2600: 1 + 2600·0.02 + 6000·0.002 = 1 + 52 + 12
    assert dist["inference_cost"] == A(65.0)
    for row in (base, dist):
        assert row["requests"] == A(10_000)
        assert row["revenue"] == A(1000)
        assert row["overhead_cost"] == A(30.0)  # 10,000 · 0.003
        assert row["verification_cost"] == A(900.0)  # 10,000 · 0.05 · 3/60 · 36
        assert row["fixed_cost"] == A(100.0)
    assert base["ai_cogs"] == A(1191.0)  # 161 + 30 + 900 + 100
    assert dist["ai_cogs"] == A(1095.0)  # 65 + 30 + 900 + 100


def test_arms_ratios(arms_case):
    base, dist, _, _ = arms_case
    assert base["cogs_to_revenue"] == A(1.191)
    assert dist["cogs_to_revenue"] == A(1.095)
    assert base["gross_margin"] == A(1 - 1.191)
    assert dist["gross_margin"] == A(1 - 1.095)
    assert base["inference_cost_per_request"] == A(0.0161)
    assert dist["inference_cost_per_request"] == A(0.0065)
    assert base["cost_per_request"] == A(0.1191)
    assert dist["cost_per_request"] == A(0.1095)
    assert base["cost_per_user"] == A(1.191)
    assert dist["cost_per_user"] == A(1.095)
    assert base["inference_efficiency_ratio"] == A(1000 / 161)
    assert dist["inference_efficiency_ratio"] == A(1000 / 65)


def test_arms_quality_errors_value_routing(arms_case):
    base, dist, _, _ = arms_case
    # baseline Q = q_T
    assert base["quality"] == A(0.8)
    assert base["correct_outputs"] == A(8000.0)
    # distilled: Q·R = H·q + (1-k)·N·q + e·k·N·q + (1-e)·k·N·r·q
    #          = 2000·0.8 + 2000·0.8 + 600·0.8 + 5400·0.72 = 1600 + 1600 + 480 + 3888 = 7568
    assert dist["correct_outputs"] == A(7568.0)
    assert dist["quality"] == A(0.7568)
    assert base["error_cost"] == A(4000.0)  # (10,000 - 8,000) · 2
    assert dist["error_cost"] == A(4864.0)  # (10,000 - 7,568) · 2
    assert base["cost_per_correct_output"] == A(1191 / 8000)
    assert dist["cost_per_correct_output"] == A(1095 / 7568)
    assert base["net_ai_value"] == A(1000 - 1191 - 4000)
    assert dist["net_ai_value"] == A(1000 - 1095 - 4864)
    assert base["routing_coverage"] == 0.0
    assert dist["routing_coverage"] == A(0.675)  # 0.75 · (1 - 0.1)


def test_arms_total_rows_and_tiers(arms_case):
    base, dist, total_b, total_d = arms_case
    for feature_row, total in ((base, total_b), (dist, total_d)):
        for column in ROW_COLUMNS[4:25]:
            if column == "feature_profitability":
                continue
            assert total[column] == A(feature_row[column]), column
        # revenue 1000 > 0 but revenue - COGS < 0: 0 of 1 feature profitable
        assert total["feature_profitability"] == 0.0
        assert total["cogs_to_revenue_tier"] == "Low"  # 1.19 / 1.10 > 0.40
        assert total["feature_profitability_tier"] == "Low"
        assert math.isnan(feature_row["feature_profitability"])
        assert pd.isna(feature_row["cogs_to_revenue_tier"])  # tiers only on total rows
    assert total_b["inference_cost_per_request_tier"] == "Median"  # 0.0161 in [0.01, 0.05]
    assert total_d["inference_cost_per_request_tier"] == "Elite-Median"  # 0.0065 in [0.005, 0.01)
    assert total_b["routing_coverage_tier"] == "Low"  # 0 < 0.30
    assert total_d["routing_coverage_tier"] == "Median"  # 0.675 in [0.50, 0.70]


def test_self_hosted_sized_on_each_models_own_requests():
    # One replica (g = 1, s = 1, u = 1, a = 1) carries 2,628,000 requests a month for 730.
    # R = N = 5,000,000; k = 0.5, e = 0.1.
    # baseline: teacher N = 5,000,000 -> ceil(1.90) = 2 replicas = 1,460
    # distilled: N_S = 2,500,000 -> ceil(0.95) = 1 = 730; N_T = 2,500,000 + 250,000 = 2,750,000 -> ceil(1.046) = 2 =
    # 1,460
    one = self_hosted(1.0, 1.0, 1.0, 1.0, 0)
    feature = feature_dict(
        users=5_000_000,
        requests_per_user=1,
        teacher={"pricing": one},
        student=student_dict(one),
        coverage=0.5,
        escalation=0.1,
    )
    rows = project(make_scenario([feature])).rows
    assert pick(rows, "F", 1.0, "baseline")["inference_cost"] == A(1460.0)
    assert pick(rows, "F", 1.0, "distilled")["inference_cost"] == A(730.0 + 1460.0)
    # without escalation N_T = 2,500,000 -> 1 replica
    feature["escalation"] = 0.0
    rows = project(make_scenario([feature])).rows
    assert pick(rows, "F", 1.0, "distilled")["inference_cost"] == A(730.0 + 730.0)


def test_quality_retention_above_one_and_full_escalation():
    # retention 1.1 x quality 0.9 = 0.99: allowed. e = 1: every student request escalates, the teacher answers.
    feature = feature_dict(
        teacher={"quality": 0.9}, student=student_dict(per_request(0.001), retention=1.1), coverage=1.0, escalation=1.0
    )
    dist = only_feature(make_scenario([feature]), arm="distilled")
    assert dist["quality"] == A(0.9)
    assert dist["routing_coverage"] == 0.0
    # N_S = N_T = 10,000: 10,000·0.01 + 10,000·0.001 = 110
    assert dist["inference_cost"] == A(110.0)
    feature["escalation"] = 0.0
    dist = only_feature(make_scenario([feature]), arm="distilled")
    assert dist["quality"] == A(0.99)
    assert dist["routing_coverage"] == 1.0


def test_feature_without_student_is_the_teacher_in_both_arms(customer_support):
    data = customer_support.model_dump()
    data["features"][0]["student"] = None
    data["features"][0]["coverage"] = None
    rows = project(Scenario.model_validate(data)).rows
    base, dist = pick(rows, "Support chat", 1.0, "baseline"), pick(rows, "Support chat", 1.0, "distilled")
    for column in ROW_COLUMNS[4:25]:
        assert dist[column] == base[column] or (math.isnan(base[column]) and math.isnan(dist[column])), column


def test_coverage_zero_makes_the_arms_equal_even_with_min_replicas():
    # A self-hosted student with 4 minimum replicas that serves nothing costs nothing.
    feature = feature_dict(student=student_dict(self_hosted(5.0, 10.0, 0.5, 1.0, 4)), coverage=0.0, escalation=0.3)
    projection = project(make_scenario([feature], multipliers=[1.0, 10.0]))
    rows = projection.rows
    for m in (1.0, 10.0):
        for name in ("F", "ALL"):
            base, dist = pick(rows, name, m, "baseline"), pick(rows, name, m, "distilled")
            for column in ROW_COLUMNS[4:]:
                b, d = base[column], dist[column]
                assert b == d or (isinstance(b, float) and math.isnan(b) and math.isnan(d)), column
    summary = projection.summary.iloc[0]
    assert summary["monthly_saving"] == 0.0
    assert summary["payback_months"] is None
    assert summary["break_even_monthly_requests"] is None


# --------------------------------------------------------------------------------------------
# The headline: customer_support
# --------------------------------------------------------------------------------------------


def test_customer_support_headline(customer_support):
    rows = project(customer_support).rows
    base, dist = pick(rows, "ALL", 1.0, "baseline"), pick(rows, "ALL", 1.0, "distilled")
    # R = 25,000 · 40 = 1,000,000; H = 150,000; N = 850,000; revenue = 25,000 · 3 = 75,000
    # baseline: 850,000 · 0.03 = 25,500 + overhead 800 + verification 1M·0.002·1.5/60·40 = 2,000 + F 1,500
    assert base["ai_cogs"] == A(29_800.0)
    assert base["cogs_to_revenue"] == A(29_800 / 75_000)  # 0.397333...
    assert base["cogs_to_revenue"] == pytest.approx(0.39733333333333, rel=1e-12)
    # distilled: N_S = 722,500 · 0.001 = 722.5; N_T = 127,500 + 0.08 · 722,500 = 185,300 · 0.03 = 5,559
    assert dist["inference_cost"] == A(6281.5)
    assert dist["ai_cogs"] == A(10_581.50)
    assert dist["cogs_to_revenue"] == A(10_581.5 / 75_000)  # 0.141087 = 14.1%
    assert round(dist["cogs_to_revenue"], 6) == 0.141087


def test_customer_support_every_column(customer_support):
    rows = project(customer_support).rows
    base, dist = pick(rows, "Support chat", 1.0, "baseline"), pick(rows, "Support chat", 1.0, "distilled")
    expected_base = {
        "users": 25_000,
        "requests": 1_000_000,
        "revenue": 75_000,
        "inference_cost": 25_500,
        "overhead_cost": 800,
        "verification_cost": 2000,
        "fixed_cost": 1500,
        "ai_cogs": 29_800,
        "cogs_to_revenue": 29_800 / 75_000,
        "gross_margin": 1 - 29_800 / 75_000,
        "inference_cost_per_request": 0.0255,
        "cost_per_request": 0.0298,
        "cost_per_user": 1.192,
        "quality": 0.92,
        "correct_outputs": 920_000,
        "cost_per_correct_output": 29_800 / 920_000,
        "error_cost": 32_000,  # 80,000 errors · 0.4
        "net_ai_value": 13_200,  # 75,000 - 29,800 - 32,000
        "routing_coverage": 0.0,
        "inference_efficiency_ratio": 75_000 / 25_500,
    }
    # student answers k(1-e)N = 0.85 · 0.92 · 850,000 = 664,700
    # correct = 0.92 · (1,000,000 - 664,700) + 664,700 · 0.93 · 0.92 = 308,476 + 568,717.32
    correct = 877_193.32
    expected_dist = {
        "users": 25_000,
        "requests": 1_000_000,
        "revenue": 75_000,
        "inference_cost": 6281.5,
        "overhead_cost": 800,
        "verification_cost": 2000,
        "fixed_cost": 1500,
        "ai_cogs": 10_581.5,
        "cogs_to_revenue": 10_581.5 / 75_000,
        "gross_margin": 1 - 10_581.5 / 75_000,
        "inference_cost_per_request": 0.0062815,
        "cost_per_request": 0.0105815,
        "cost_per_user": 0.42326,
        "quality": 0.87719332,
        "correct_outputs": correct,
        "cost_per_correct_output": 10_581.5 / correct,
        "error_cost": 49_122.672,  # (1,000,000 - 877,193.32) · 0.4
        "net_ai_value": 15_295.828,  # 75,000 - 10,581.5 - 49,122.672
        "routing_coverage": 0.782,
        "inference_efficiency_ratio": 75_000 / 6281.5,
    }
    for row, expected in ((base, expected_base), (dist, expected_dist)):
        for column, value in expected.items():
            assert row[column] == A(value), column


def test_customer_support_tiers(customer_support):
    rows = project(customer_support).rows
    base, dist = pick(rows, "ALL", 1.0, "baseline"), pick(rows, "ALL", 1.0, "distilled")
    assert (
        base["cogs_to_revenue_tier"],
        base["inference_cost_per_request_tier"],
        base["routing_coverage_tier"],
        base["feature_profitability_tier"],
    ) == (
        "Median-Low",
        "Median",
        "Low",
        "Elite",  # 39.7%, 0.0255, 0%, 100%
    )
    assert (
        dist["cogs_to_revenue_tier"],
        dist["inference_cost_per_request_tier"],
        dist["routing_coverage_tier"],
        dist["feature_profitability_tier"],
    ) == (
        "Elite-Median",
        "Elite-Median",
        "Elite-Median",
        "Elite",  # 14.1%, 0.0063, 78.2%, 100%
    )


# --------------------------------------------------------------------------------------------
# Growth modes, fixed cost sharing
# --------------------------------------------------------------------------------------------


def test_growth_users_vs_usage(customer_support):
    users = project(customer_support, growth="users").rows
    usage = project(customer_support, growth="usage").rows
    u, s = pick(users, "ALL", 10.0, "baseline"), pick(usage, "ALL", 10.0, "baseline")
    # users: 250,000 users, 10M requests, revenue 750,000
    assert (u["users"], u["requests"], u["revenue"]) == (A(250_000), A(10_000_000), A(750_000))
    # usage: 25,000 users, 10M requests, revenue fixed at 75,000
    assert (s["users"], s["requests"], s["revenue"]) == (A(25_000), A(10_000_000), A(75_000))
    # COGS is the same in both: 10 · (25,500 + 800 + 2,000) + 1,500 = 284,500
    assert u["ai_cogs"] == A(284_500)
    assert s["ai_cogs"] == A(284_500)
    assert u["cogs_to_revenue"] == A(284_500 / 750_000)
    assert s["cogs_to_revenue"] == A(284_500 / 75_000)  # margin collapse: 379%
    assert u["cost_per_user"] == A(284_500 / 250_000)
    assert s["cost_per_user"] == A(284_500 / 25_000)
    # distilled at 100x, users: 100 · (6,281.5 + 800 + 2,000) + 1,500 = 909,650
    assert pick(users, "ALL", 100.0, "distilled")["ai_cogs"] == A(909_650)
    assert pick(usage, "ALL", 100.0, "distilled")["ai_cogs"] == A(909_650)


def test_scenario_growth_mode_is_used_when_not_overridden(customer_support):
    scenario = customer_support.model_copy(update={"growth": "usage"})
    row = pick(project(scenario).rows, "ALL", 10.0, "baseline")
    assert row["users"] == A(25_000)
    assert row["revenue"] == A(75_000)


@pytest.mark.parametrize("growth", ["users", "usage"])
def test_fixed_cost_shared_by_requests(growth):
    # A: 300 users · 10 = 3,000 requests; B: 100 · 10 = 1,000; F = 800 -> 600 / 200 at every multiplier
    features = [feature_dict("A", users=300), feature_dict("B", users=100)]
    rows = project(make_scenario(features, fixed_monthly_cost=800.0, multipliers=[1.0, 10.0, 0.01]), growth=growth).rows
    for m in (1.0, 10.0, 0.01):
        for arm in ("baseline", "distilled"):
            assert pick(rows, "A", m, arm)["fixed_cost"] == A(600.0)
            assert pick(rows, "B", m, arm)["fixed_cost"] == A(200.0)
            assert pick(rows, "ALL", m, arm)["fixed_cost"] == A(800.0)


def test_fixed_cost_equal_shares_without_requests():
    features = [feature_dict("A", users=0), feature_dict("B", users=0), feature_dict("C", requests_per_user=0)]
    rows = project(make_scenario(features, fixed_monthly_cost=900.0, multipliers=[1.0, 10.0])).rows
    for m in (1.0, 10.0):
        for name in "ABC":
            assert pick(rows, name, m, "baseline")["fixed_cost"] == A(300.0)
        assert pick(rows, "ALL", m, "baseline")["fixed_cost"] == A(900.0)
        # COGS is F alone, revenue (C has 1,000 users · 1.00) 1,000
        assert pick(rows, "ALL", m, "baseline")["ai_cogs"] == A(900.0)


def test_fixed_cost_goes_to_features_with_requests():
    features = [feature_dict("A", users=0), feature_dict("B")]
    rows = project(make_scenario(features, fixed_monthly_cost=50.0)).rows
    assert pick(rows, "A", 1.0, "baseline")["fixed_cost"] == 0.0
    assert pick(rows, "B", 1.0, "baseline")["fixed_cost"] == A(50.0)


# --------------------------------------------------------------------------------------------
# Feature profitability and undefined ratios
# --------------------------------------------------------------------------------------------


def test_feature_profitability():
    features = [
        feature_dict(
            "A", users=100, requests_per_user=1, revenue_per_user=2.0, teacher={"pricing": per_request(1.0)}
        ),  # 200 - 100 > 0
        feature_dict(
            "B", users=100, requests_per_user=1, revenue_per_user=1.0, teacher={"pricing": per_request(2.0)}
        ),  # 100 - 200 < 0
        feature_dict(
            "C", users=100, requests_per_user=1, revenue_per_user=0.0, teacher={"pricing": per_request(1.0)}
        ),  # no revenue: left out
        feature_dict(
            "D", users=100, requests_per_user=1, revenue_per_user=1.0, teacher={"pricing": per_request(1.0)}
        ),  # 100 - 100 = 0: not profitable
    ]
    rows = project(make_scenario(features)).rows
    for arm in ("baseline", "distilled"):
        total = pick(rows, "ALL", 1.0, arm)
        assert total["feature_profitability"] == A(1 / 3)
        assert total["feature_profitability_tier"] == "Median-Low"
        # totals: revenue 400, COGS 500
        assert total["cogs_to_revenue"] == A(500 / 400)
        for name in "ABCD":
            assert math.isnan(pick(rows, name, 1.0, arm)["feature_profitability"])


def test_undefined_ratios_are_nan_never_inf():
    features = [
        feature_dict("idle", users=0),  # no requests
        feature_dict(
            "free", revenue_per_user=0.0, teacher={"pricing": per_request(0.0)}
        ),  # no revenue, no inference cost
    ]
    projection = project(make_scenario(features, fixed_monthly_cost=0.0))
    rows = projection.rows
    idle = pick(rows, "idle", 1.0, "baseline")
    for column in (
        "cogs_to_revenue",
        "gross_margin",
        "inference_cost_per_request",
        "cost_per_request",
        "cost_per_user",
        "quality",
        "cost_per_correct_output",
        "inference_efficiency_ratio",
    ):
        assert math.isnan(idle[column]), column
    free = pick(rows, "free", 1.0, "baseline")
    assert free["quality"] == A(0.9)
    assert free["cost_per_request"] == 0.0
    for column in ("cogs_to_revenue", "gross_margin", "inference_efficiency_ratio"):
        assert math.isnan(free[column]), column
    total = pick(rows, "ALL", 1.0, "baseline")
    assert math.isnan(total["cogs_to_revenue"])
    assert math.isnan(total["feature_profitability"])  # no feature has revenue
    assert pd.isna(total["cogs_to_revenue_tier"])
    assert pd.isna(total["feature_profitability_tier"])
    numbers = rows.select_dtypes("number").to_numpy()
    assert not np.isinf(numbers).any()
    # JSON: null, never NaN or Infinity
    text = projection_to_json(projection)
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    json_idle = next(r for r in data["rows"] if r["feature"] == "idle" and r["arm"] == "baseline")
    assert json_idle["quality"] is None
    assert json_idle["cost_per_request"] is None
    json_total = next(r for r in data["rows"] if r["feature"] == "ALL" and r["arm"] == "baseline")
    assert json_total["feature_profitability"] is None
    assert json_total["feature_profitability_tier"] is None
    # CSV: empty cells
    table = list(csv.reader(io.StringIO(projection_to_csv(projection).removeprefix("\ufeff"), newline="")))
    header = table[0]
    cells = {cell.lower() for row in table[1:] for cell in row}
    assert not cells & {"nan", "inf", "-inf", "infinity", "-infinity", "none", "null"}
    csv_idle = next(dict(zip(header, r, strict=False)) for r in table[1:] if r[1] == "idle" and r[3] == "baseline")
    assert csv_idle["quality"] == ""
    assert csv_idle["cost_per_request"] == ""


def test_all_features_idle_totals():
    rows = project(
        make_scenario([feature_dict("A", users=0), feature_dict("B", users=0)], fixed_monthly_cost=10.0)
    ).rows
    total = pick(rows, "ALL", 1.0, "baseline")
    assert total["requests"] == 0.0
    assert total["ai_cogs"] == A(10.0)
    for column in (
        "quality",
        "cost_per_request",
        "cost_per_user",
        "routing_coverage",
        "inference_cost_per_request",
        "feature_profitability",
    ):
        assert math.isnan(total[column]), column


# --------------------------------------------------------------------------------------------
# Tiers at every edge
# --------------------------------------------------------------------------------------------

EDGES = {
    "cogs_to_revenue": [
        (0.0999999, "Elite"),
        (0.10, "Elite-Median"),
        (0.1499999, "Elite-Median"),
        (0.15, "Median"),
        (0.20, "Median"),
        (0.25, "Median"),
        (0.2500001, "Median-Low"),
        (0.40, "Median-Low"),
        (0.4000001, "Low"),
        (3.0, "Low"),
        (0.0, "Elite"),
    ],
    "inference_cost_per_request": [
        (0.0049999, "Elite"),
        (0.005, "Elite-Median"),
        (0.0099999, "Elite-Median"),
        (0.01, "Median"),
        (0.05, "Median"),
        (0.0500001, "Median-Low"),
        (0.10, "Median-Low"),
        (0.1000001, "Low"),
    ],
    "routing_coverage": [
        (1.0, "Elite"),
        (0.8500001, "Elite"),
        (0.85, "Elite-Median"),
        (0.7000001, "Elite-Median"),
        (0.70, "Median"),
        (0.50, "Median"),
        (0.4999999, "Median-Low"),
        (0.30, "Median-Low"),
        (0.2999999, "Low"),
        (0.0, "Low"),
    ],
    "feature_profitability": [
        (1.0, "Elite"),
        (0.8000001, "Elite"),
        (0.80, "Elite-Median"),
        (0.6000001, "Elite-Median"),
        (0.60, "Median"),
        (0.50, "Median"),
        (0.4999999, "Median-Low"),
        (0.30, "Median-Low"),
        (0.2999999, "Low"),
        (0.0, "Low"),
    ],
}


@pytest.mark.parametrize(("metric", "value", "band"), [(m, v, b) for m, cases in EDGES.items() for v, b in cases])
def test_tier_edges(metric, value, band):
    assert tier_bands(metric, np.array([value]), load_tiers())[0] == band


def test_tier_of_undefined_is_none():
    assert tier_bands("cogs_to_revenue", np.array([np.nan]), load_tiers())[0] is None
    assert BANDS == ("Elite", "Elite-Median", "Median", "Median-Low", "Low")


@pytest.mark.parametrize(
    ("cost", "band"),
    [(0.10, "Elite-Median"), (0.15, "Median"), (0.25, "Median"), (0.40, "Median-Low"), (0.4000001, "Low")],
)
def test_cogs_tier_edges_through_the_engine(cost, band):
    # 1 user · 1 request · revenue 1.00: COGS / revenue = the per-request cost exactly
    scenario = make_scenario([feature_dict(users=1, requests_per_user=1, teacher={"pricing": per_request(cost)})])
    total = pick(project(scenario).rows, "ALL", 1.0, "baseline")
    assert total["cogs_to_revenue"] == cost
    assert total["cogs_to_revenue_tier"] == band


@pytest.mark.parametrize(
    ("coverage", "band"),
    [(0.85, "Elite-Median"), (0.70, "Median"), (0.30, "Median-Low"), (0.86, "Elite"), (0.29, "Low")],
)
def test_routing_tier_edges_through_the_engine(coverage, band):
    feature = feature_dict(users=1, requests_per_user=1, student=student_dict(), coverage=coverage)
    total = pick(project(make_scenario([feature])).rows, "ALL", 1.0, "distilled")
    assert total["routing_coverage"] == coverage
    assert total["routing_coverage_tier"] == band


# --------------------------------------------------------------------------------------------
# The summary: one-time cost, saving, payback, ROI, break-even, margin collapse
# --------------------------------------------------------------------------------------------


def test_customer_support_summary(customer_support):
    s = project(customer_support).summary.iloc[0].to_dict()
    # D = 50,000 examples · teacher 0.03/request + 800 + 24,000
    assert s["one_time_cost"] == A(26_300.0)
    # S = 29,800 - 10,581.5
    assert s["monthly_saving"] == A(19_218.5)
    assert s["payback_months"] == A(26_300 / 19_218.5)  # 1.368...
    # ROI = (19,218.5 · 12 - 26,300) / 26,300 = 204,322 / 26,300
    assert s["roi"] == A(204_322 / 26_300)
    # the student is cheaper at any volume (already at the bottom of the search): 0
    assert s["student_cheaper_from_monthly_requests"] == 0.0
    # investment break-even: S(M) = 19,218.5·M (F is equal in both arms), S(M)·12 >= 26,300
    # -> M = 26,300 / (12 · 19,218.5) = 0.11404 -> about 114,000 requests a month (1,000,000 today)
    true = 26_300 / (12 * 19_218.5) * 1_000_000
    within_0_1_percent(s["break_even_monthly_requests"], true)
    assert s["break_even_monthly_requests"] >= true
    # usage growth: COGS(M) = M·(25,500 + 800 + 2,000) + 1,500 >= 75,000  ->  M = 73,500 / 28,300
    within_0_1_percent(s["margin_collapse_multiplier_baseline"], 73_500 / 28_300)
    assert s["margin_collapse_multiplier_baseline"] >= 73_500 / 28_300
    # distilled: M·(6,281.5 + 800 + 2,000) + 1,500 >= 75,000  ->  M = 73,500 / 9,081.5
    within_0_1_percent(s["margin_collapse_multiplier_distilled"], 73_500 / 9_081.5)
    assert s["margin_collapse_multiplier_distilled"] >= 73_500 / 9_081.5


def test_summary_is_at_1x_whatever_the_multipliers(customer_support):
    scenario = customer_support.model_copy(update={"multipliers": [10.0, 100.0]})
    s = project(scenario).summary.iloc[0].to_dict()
    assert s["monthly_saving"] == A(19_218.5)
    assert s["one_time_cost"] == A(26_300.0)
    s = project(customer_support, multipliers=[3.0], growth="usage").summary.iloc[0].to_dict()
    assert s["monthly_saving"] == A(19_218.5)


def test_saas_portfolio_summary(saas_portfolio):
    s = project(saas_portfolio).summary.iloc[0].to_dict()
    # triage: 100,000 · 0.00306 + 400 + 30,000 = 30,706; contract: 8,000 · 0.1275 + 2,500 + 40,000 = 43,520
    assert s["one_time_cost"] == A(30_706 + 43_520)
    # S = inference 7,491 - 4,640.418 (everything else is equal in both arms)
    assert s["monthly_saving"] == A(2850.582)
    assert s["payback_months"] == A(74_226 / 2850.582)
    assert s["roi"] == A((2850.582 * 12 - 74_226) / 74_226)


@pytest.fixture(scope="module")
def min_replicas_case():
    """Teacher 0.01/request; student self-hosted: g 1, s 100, u 1, a 1, m 2 -> 2 replicas = 1,460 a month
    for up to 525,600,000 requests. k 0.8, e 0.25, today 100,000 users x 10 = 1,000,000 requests,
    overhead 0.001, F 500, revenue 0.60/user; distillation 20,000 examples + 300 + 1,000."""
    feature = feature_dict(
        users=100_000,
        requests_per_user=10,
        revenue_per_user=0.6,
        overhead_per_request=0.001,
        student=student_dict(
            self_hosted(1.0, 100.0, 1.0, 1.0, 2),
            distillation={"training_examples": 20_000, "training_compute": 300, "engineering": 1000},
        ),
        coverage=0.8,
        escalation=0.25,
    )
    return project(make_scenario([feature], fixed_monthly_cost=500.0)).summary.iloc[0].to_dict()


def test_break_even_with_min_replicas(min_replicas_case):
    s = min_replicas_case
    # baseline COGS = 0.01·N + 0.001·N + 500
    # distilled: N_T = 0.2·N + 0.25·0.8·N = 0.4·N -> 0.004·N; student 1,460; + 0.001·N + 500
    # strictly cheaper when 0.006·N > 1,460  ->  N > 243,333.33
    true = 1460 / 0.006
    got = s["student_cheaper_from_monthly_requests"]
    within_0_1_percent(got, true)
    assert got > true
    # pays back D = 1,500 within 12 months when (0.006·N - 1,460)·12 >= 1,500 -> N >= (1,460 + 125) / 0.006
    true = (1460 + 1500 / 12) / 0.006
    within_0_1_percent(s["break_even_monthly_requests"], true)
    assert s["break_even_monthly_requests"] >= true


def test_one_time_saving_payback_roi_with_min_replicas(min_replicas_case):
    s = min_replicas_case
    assert s["one_time_cost"] == A(20_000 * 0.01 + 300 + 1000)  # 1,500
    # baseline 10,000 + 1,000 + 500 = 11,500; distilled 4,000 + 1,460 + 1,000 + 500 = 6,960
    assert s["monthly_saving"] == A(4540.0)
    assert s["payback_months"] == A(1500 / 4540)
    assert s["roi"] == A((4540 * 12 - 1500) / 1500)


def test_margin_collapse_with_min_replicas(min_replicas_case):
    s = min_replicas_case
    # revenue stays 60,000 (usage growth); baseline 11,000·M + 500 >= 60,000 -> M = 59,500 / 11,000
    within_0_1_percent(s["margin_collapse_multiplier_baseline"], 59_500 / 11_000)
    assert s["margin_collapse_multiplier_baseline"] >= 59_500 / 11_000
    # distilled 5,000·M + 1,460 + 500 >= 60,000 -> M = 58,040 / 5,000 (student still on 2 replicas)
    within_0_1_percent(s["margin_collapse_multiplier_distilled"], 58_040 / 5_000)
    assert s["margin_collapse_multiplier_distilled"] >= 58_040 / 5_000


def test_break_even_search_uses_users_growth_whatever_the_scenario():
    # the same case as above with growth = usage on the scenario: break-even is unchanged
    feature = feature_dict(
        users=100_000,
        requests_per_user=10,
        student=student_dict(self_hosted(1.0, 100.0, 1.0, 1.0, 2)),
        coverage=0.8,
        escalation=0.25,
    )
    s = project(make_scenario([feature], growth="usage")).summary.iloc[0].to_dict()
    within_0_1_percent(s["student_cheaper_from_monthly_requests"], 1460 / 0.006)
    # no one-time cost: the investment pays back as soon as the student is cheaper
    assert s["break_even_monthly_requests"] == s["student_cheaper_from_monthly_requests"]


def test_break_even_none_when_the_student_never_pays():
    # student dearer per request than the teacher: never cheaper
    feature = feature_dict(student=student_dict(per_request(0.02)), coverage=0.5)
    s = project(make_scenario([feature])).summary.iloc[0].to_dict()
    assert s["break_even_monthly_requests"] is None
    assert s["student_cheaper_from_monthly_requests"] is None
    # S = -(5,000 · 0.02 - 5,000 · 0.01) = -50 -> no payback
    assert s["monthly_saving"] == A(-50.0)
    assert s["payback_months"] is None


def test_no_student_summary():
    s = project(make_scenario([feature_dict()])).summary.iloc[0].to_dict()
    assert s["one_time_cost"] == 0.0
    assert s["monthly_saving"] == 0.0
    assert s["payback_months"] is None
    assert s["roi"] is None
    assert s["break_even_monthly_requests"] is None
    assert s["student_cheaper_from_monthly_requests"] is None


def test_free_distillation_pays_back_at_once():
    feature = feature_dict(student=student_dict(per_request(0.001)), coverage=1.0)
    s = project(make_scenario([feature])).summary.iloc[0].to_dict()
    assert s["one_time_cost"] == 0.0
    assert s["monthly_saving"] == A(10_000 * 0.009)  # 90
    assert s["payback_months"] == 0.0
    assert s["roi"] is None
    # cheaper, and paid back, already at the bottom of the search: 0 means "at any volume"
    assert s["student_cheaper_from_monthly_requests"] == 0.0
    assert s["break_even_monthly_requests"] == 0.0


def test_break_even_none_when_the_investment_never_pays_back_up_to_1000x():
    # S(M) = 0.009 · 10,000 · M = 90·M; at 1,000x S·12 = 1,080,000 < D = 2,000,000: never within the horizon
    feature = feature_dict(
        student=student_dict(per_request(0.001), distillation={"engineering": 2_000_000.0}), coverage=1.0
    )
    s = project(make_scenario([feature])).summary.iloc[0].to_dict()
    assert s["student_cheaper_from_monthly_requests"] == 0.0
    assert s["break_even_monthly_requests"] is None
    # a horizon 2x as long moves the break-even volume down 2x: S(M)·H >= D -> M = D / (90·H)
    s = project(make_scenario([feature], horizon_months=240.0)).summary.iloc[0].to_dict()
    within_0_1_percent(s["break_even_monthly_requests"], 2_000_000 / (90 * 240) * 10_000)


def test_negative_roi_when_saving_is_negative():
    # 4 replicas · 10/h · 730 = 29,200 a month for a student serving 5,000 requests: S = 50 - 29,200 < 0
    feature = feature_dict(
        student=student_dict(self_hosted(10.0, 10.0, 1.0, 1.0, 4), distillation={"engineering": 1000.0}),
        coverage=0.5,
    )
    s = project(make_scenario([feature], horizon_months=6)).summary.iloc[0].to_dict()
    saving = 5000 * 0.01 - 29_200  # teacher saves 5,000 · 0.01, student costs 29,200
    assert s["monthly_saving"] == A(saving)
    assert s["payback_months"] is None
    assert s["roi"] == A((saving * 6 - 1000) / 1000)


def test_one_time_cost_with_self_hosted_teacher():
    # teacher self-hosted: 1,000,000 requests on one replica (capacity 6,570,000) = 1,460 a month
    # -> 0.00146 per request; 10,000 examples -> 14.60; + compute 5
    feature = feature_dict(
        users=1_000_000,
        requests_per_user=1,
        teacher={"pricing": self_hosted(2.0, 10.0, 0.5, 2.0, 1)},
        student=student_dict(per_request(0.0001), distillation={"training_examples": 10_000, "training_compute": 5.0}),
        coverage=0.5,
    )
    s = project(make_scenario([feature])).summary.iloc[0].to_dict()
    assert s["one_time_cost"] == A(14.6 + 5.0)


def test_margin_collapse_none():
    # no revenue: none
    s = project(make_scenario([feature_dict(revenue_per_user=0.0)])).summary.iloc[0].to_dict()
    assert s["margin_collapse_multiplier_baseline"] is None
    assert s["margin_collapse_multiplier_distilled"] is None
    # revenue 10/user, 10 requests at 0.0001: at 1,000x COGS per user is 10,000 · 0.0001 = 1 < 10: never
    s = (
        project(make_scenario([feature_dict(revenue_per_user=10.0, teacher={"pricing": per_request(0.0001)})]))
        .summary.iloc[0]
        .to_dict()
    )
    assert s["margin_collapse_multiplier_baseline"] is None
    assert s["margin_collapse_multiplier_distilled"] is None


def test_margin_collapse_already_at_the_bottom():
    # F = 2,000 > revenue 1,000 at any volume: collapse at the first multiplier, 0.001
    s = project(make_scenario([feature_dict()], fixed_monthly_cost=2000.0)).summary.iloc[0].to_dict()
    assert s["margin_collapse_multiplier_baseline"] == A(0.001)

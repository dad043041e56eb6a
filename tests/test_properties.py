"""Properties over generated valid scenarios: totals, ratios, arms, monotonicity, no inf, lossless CSV."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import feature_dict, make_scenario, per_request, scenario_dict, student_dict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aueb.engine import ROW_COLUMNS, SUMMARY_COLUMNS, project
from aueb.errors import InputError
from aueb.formats import projection_to_csv, projection_to_json, read_scenarios, scenario_to_json, scenarios_to_csv
from aueb.scenario import Scenario
from aueb.tiers import TIER_METRICS, load_tiers, tier_bands

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ADDITIVE = (
    "users",
    "requests",
    "revenue",
    "inference_cost",
    "overhead_cost",
    "verification_cost",
    "fixed_cost",
    "ai_cogs",
    "correct_outputs",
    "error_cost",
    "net_ai_value",
)
TIERS = load_tiers()


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Finite floats in [lo, hi]; magnitudes below 1e-6 are 0 (realistic inputs: the no-inf guarantee
    for absurdly small inputs such as 1e-308 revenue per user is checked on its own below)."""
    values = st.floats(max(lo, 1e-6), hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    return st.just(0.0) | values if lo == 0 else values


shares = floats(0, 1)
# Text that a spreadsheet would run, apostrophes, CSV separators, quotes, line breaks, unicode.
TRICKY = [
    "=SUM(A1:A2)",
    "+1",
    "-x",
    "@cmd",
    "\tTab",
    "\rCR",
    "'=quoted",
    "''+two",
    "'",
    "'plain",
    "a,b",
    'say "hi"',
    "line\nbreak",
    "crlf\r\nin",
    " lead space",
    "ünïcødé 漢字 🙂",
    "=",
    "-0.5",
    "1e5",
    "ALL ",
    "all",
]
text = st.one_of(
    st.sampled_from(TRICKY),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=10),
)


@st.composite
def pricings(draw) -> dict[str, Any]:
    kind = draw(st.sampled_from(["tokens", "tokens_catalog", "per_request", "self_hosted"]))
    if kind == "per_request":
        return {"kind": "per_request", "cost": draw(floats(0, 0.5))}
    if kind == "self_hosted":
        return {
            "kind": "self_hosted",
            "hourly_price": draw(floats(0, 20)),
            "throughput_rps": draw(floats(0.01, 500)),
            "utilization": draw(floats(0.05, 1)),
            "peak_to_average": draw(floats(1, 5)),
            "min_replicas": draw(st.integers(0, 4)),
        }
    input_tokens = draw(floats(0, 40_000))
    pricing: dict[str, Any] = {
        "kind": "tokens",
        "input_tokens": input_tokens,
        "cached_input_tokens": input_tokens * draw(shares) if draw(st.booleans()) else 0.0,
        "output_tokens": draw(floats(0, 4000)),
        "batch_share": draw(shares),
        "batch_discount": draw(shares),
    }
    if pricing["cached_input_tokens"] > input_tokens:
        pricing["cached_input_tokens"] = input_tokens
    if kind == "tokens":
        pricing["input_price_per_mtok"] = draw(floats(0, 80))
        pricing["output_price_per_mtok"] = draw(floats(0, 80))
        if draw(st.booleans()):
            pricing["cached_input_price_per_mtok"] = draw(floats(0, 80))
        if draw(st.booleans()):
            pricing["model"] = draw(text)  # any label: every price is given
            pricing["provider"] = draw(st.none() | text)
    else:
        model, provider = draw(
            st.sampled_from(
                [("gpt-4o", "openai"), ("gpt-4o-mini", "openai"), ("claude-sonnet-4-5", "anthropic"), ("gpt-4o", None)]
            )
        )
        pricing["model"] = model
        if provider:
            pricing["provider"] = provider
        for field in ("input_price_per_mtok", "cached_input_price_per_mtok", "output_price_per_mtok"):
            if draw(st.booleans()):
                pricing[field] = draw(floats(0, 80))
    return pricing


@st.composite
def features(draw, name: str) -> dict[str, Any]:
    quality = draw(shares)
    feature = feature_dict(
        name,
        users=draw(st.sampled_from([0.0, 1.0]) | floats(0, 200_000)),
        requests_per_user=draw(floats(0, 500)),
        revenue_per_user=draw(st.just(0.0) | floats(0, 50)),
        cache_hit_rate=draw(shares),
        cache_cost_per_request=draw(floats(0, 0.01)),
        overhead_per_request=draw(floats(0, 0.01)),
        review_share=draw(shares),
        review_minutes=draw(floats(0, 10)),
        reviewer_hourly_cost=draw(floats(0, 100)),
        cost_per_error=draw(floats(0, 5)),
        teacher={"name": draw(text), "quality": quality, "pricing": draw(pricings())},
    )
    if draw(st.booleans()):
        if quality > 0 and draw(st.booleans()):
            retention = draw(floats(1, min(1 / quality, 3)))
            if retention * quality > 1:
                retention = 1.0
        else:
            retention = draw(shares)
        distillation = {
            k: draw(floats(0, 50_000))
            for k in ("training_examples", "training_compute", "engineering")
            if draw(st.booleans())
        }
        feature["student"] = student_dict(draw(pricings()), retention, name=draw(text), distillation=distillation)
        feature["coverage"] = draw(shares)
        feature["escalation"] = draw(shares)
    return feature


@st.composite
def scenarios(draw, name: str | None = None) -> Scenario:
    names = draw(st.lists(text.filter(lambda n: n != "ALL"), min_size=1, max_size=5, unique=True))
    return make_scenario(
        [draw(features(n)) for n in names],
        name=name if name is not None else draw(text),
        currency=draw(st.sampled_from(["USD", "EUR"]) | text),
        multipliers=draw(
            st.lists(
                st.sampled_from([1.0, 10.0, 100.0]) | floats(0.001, 1000).filter(lambda m: m > 0),
                min_size=1,
                max_size=4,
                unique=True,
            )
        ),
        growth=draw(st.sampled_from(["users", "usage"])),
        horizon_months=draw(floats(0.5, 60)),
        fixed_monthly_cost=draw(st.just(0.0) | floats(0, 100_000)),
    )


def close(a: float, b: float, rel: float = 1e-9, scale: float = 0.0) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rel * max(abs(a), abs(b), scale) + 1e-12


def groups(rows: pd.DataFrame):
    for (m, arm), group in rows.groupby(["multiplier", "arm"], observed=True, sort=False):
        total = group[group["feature"] == "ALL"]
        assert len(total) == 1
        yield m, arm, group[group["feature"] != "ALL"], total.iloc[0]


# --------------------------------------------------------------------------------------------


@SETTINGS
@given(scenarios())
def test_totals_are_sums_of_features(scenario):
    rows = project(scenario).rows
    n = len(scenario.features)
    assert len(rows) == len(scenario.multipliers) * 2 * (n + 1)
    for _, _, feats, total in groups(rows):
        assert len(feats) == n
        for column in ADDITIVE:
            parts = feats[column].to_numpy()
            # relative to the largest part: sums of mixed signs (net value) may cancel
            assert close(total[column], parts.sum(), scale=np.abs(parts).max()), column


@SETTINGS
@given(scenarios())
def test_row_identities(scenario):
    rows = project(scenario).rows
    r = rows
    parts = r["inference_cost"] + r["overhead_cost"] + r["verification_cost"] + r["fixed_cost"]
    np.testing.assert_allclose(r["ai_cogs"], parts, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r["net_ai_value"], r["revenue"] - r["ai_cogs"] - r["error_cost"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(r["gross_margin"], 1 - r["cogs_to_revenue"], rtol=1e-12, atol=1e-12)
    assert ((r["quality"].isna()) | ((r["quality"] >= -1e-12) & (r["quality"] <= 1 + 1e-12))).all()


@SETTINGS
@given(scenarios())
def test_total_ratios_recomputed_from_totals(scenario):
    rows = project(scenario).rows
    model_served = {f.name: 1 - f.cache_hit_rate for f in scenario.features}
    for _, _, feats, t in groups(rows):
        for column, num, den in (
            ("cogs_to_revenue", "ai_cogs", "revenue"),
            ("inference_cost_per_request", "inference_cost", "requests"),
            ("cost_per_request", "ai_cogs", "requests"),
            ("cost_per_user", "ai_cogs", "users"),
            ("quality", "correct_outputs", "requests"),
            ("cost_per_correct_output", "ai_cogs", "correct_outputs"),
            ("inference_efficiency_ratio", "revenue", "inference_cost"),
        ):
            expected = t[num] / t[den] if t[den] != 0 else math.nan
            assert close(t[column], expected, rel=1e-12), column
        served = np.array([row["requests"] * model_served[str(row["feature"])] for row in feats.to_dict("records")])
        student = (feats["routing_coverage"].to_numpy() * served).sum()
        expected = student / served.sum() if served.sum() > 0 else math.nan
        assert close(t["routing_coverage"], expected, rel=1e-9), "routing_coverage"
        with_revenue = feats[feats["revenue"] > 0]
        expected = ((with_revenue["revenue"] - with_revenue["ai_cogs"]) > 0).mean() if len(with_revenue) else math.nan
        assert close(t["feature_profitability"], expected, rel=1e-12)
        for metric in TIER_METRICS:
            band = tier_bands(metric, np.array([t[metric]]), TIERS)[0]
            assert (pd.isna(t[f"{metric}_tier"]) and band is None) or t[f"{metric}_tier"] == band, metric
        assert feats["feature_profitability"].isna().all()
        for metric in TIER_METRICS:
            assert feats[f"{metric}_tier"].isna().all()


@SETTINGS
@given(scenarios())
def test_coverage_zero_makes_the_arms_equal(scenario):
    data = scenario.model_dump()
    for feature in data["features"]:
        if feature["student"] is not None:
            feature["coverage"] = 0.0
    projection = project(Scenario.model_validate(data))
    rows = projection.rows
    columns = [c for c in ROW_COLUMNS if c != "arm"]
    base = rows[rows["arm"] == "baseline"][columns].reset_index(drop=True)
    dist = rows[rows["arm"] == "distilled"][columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(base, dist, check_exact=True)
    summary = projection.summary.iloc[0]
    assert summary["monthly_saving"] == 0.0
    assert summary["break_even_monthly_requests"] is None
    assert summary["margin_collapse_multiplier_baseline"] == summary["margin_collapse_multiplier_distilled"]


GRID = [0.001, 0.01, 0.1, 0.5, 0.999, 1.0, 1.001, 2.0, 3.7, 10.0, 55.5, 100.0, 1000.0]


@SETTINGS
@given(scenarios(), st.sampled_from(["users", "usage"]))
def test_costs_never_fall_as_volume_rises(scenario, growth):
    rows = project(scenario, multipliers=GRID, growth=growth).rows
    for (feature, arm), group in rows.groupby(["feature", "arm"], observed=True):
        group = group.sort_values("multiplier")
        for column in ("ai_cogs", "inference_cost", "requests"):
            values = group[column].to_numpy()
            steps = np.diff(values)
            assert (steps >= -1e-9 * np.maximum(np.abs(values[1:]), 1.0)).all(), (feature, arm, column, values)
    totals = rows[rows["feature"] == "ALL"]
    np.testing.assert_allclose(totals["fixed_cost"], scenario.fixed_monthly_cost, rtol=1e-12)


@SETTINGS
@given(scenarios())
def test_no_inf_anywhere(scenario):
    projection = project(scenario, multipliers=[0.001, 1.0, 1000.0])
    numbers = projection.rows.select_dtypes("number").to_numpy()
    assert not np.isinf(numbers).any()
    for value in projection.summary.iloc[0].drop("scenario"):
        assert value is None or math.isfinite(value)
    text = projection_to_json(projection)  # allow_nan=False inside: raises on NaN or inf

    def refuse(constant: str) -> None:
        raise AssertionError(f"JSON holds the constant {constant}")

    # Parsed, not searched: a feature may well be named 'Infinity'.
    assert list(json.loads(text, parse_constant=refuse)) == ["rows", "summary"]
    table = list(csv.reader(io.StringIO(projection_to_csv(projection).removeprefix("\ufeff"), newline="")))
    numeric = [i for i, c in enumerate(table[0]) if c not in ("scenario", "feature", "arm") and not c.endswith("_tier")]
    for row in table[1:]:
        for i in numeric:
            assert row[i] == "" or math.isfinite(float(row[i])), (table[0][i], row[i])


def assert_same_projection(a: list[Scenario], b: list[Scenario]) -> None:
    pa, pb = project(a), project(b)
    pd.testing.assert_frame_equal(pa.rows, pb.rows, check_exact=True)
    pd.testing.assert_frame_equal(pa.summary, pb.summary, check_exact=True)
    assert projection_to_csv(pa) == projection_to_csv(pb)
    assert projection_to_json(pa) == projection_to_json(pb)


@SETTINGS
@given(scenarios())
def test_json_csv_json_round_trip_is_lossless(scenario):
    from_json = read_scenarios(scenario_to_json(scenario).encode("utf-8"), "s.json")
    assert from_json == [scenario]
    csv_bytes = scenarios_to_csv(from_json).encode("utf-8")
    from_csv = read_scenarios(csv_bytes, "s.csv")
    assert from_csv == [scenario]
    again = read_scenarios(scenario_to_json(from_csv[0]).encode("utf-8"), "s.json")
    assert again == [scenario]
    assert scenario_to_json(again[0]) == scenario_to_json(scenario)
    assert scenarios_to_csv(again).encode("utf-8") == csv_bytes
    assert_same_projection([scenario], again)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(text, min_size=1, max_size=4, unique=True).flatmap(
        lambda names: st.tuples(*(scenarios(name=n) for n in names))
    )
)
def test_many_scenarios_in_one_csv(many):
    many = list(many)
    back = read_scenarios(scenarios_to_csv(many).encode("utf-8"), "many.csv")
    assert back == many
    assert_same_projection(many, back)


# --------------------------------------------------------------------------------------------
# Deterministic round trips: tricky text everywhere, through files


def tricky_scenario(name: str = '=HYPERLINK("x")') -> Scenario:
    features = [
        feature_dict(
            t,
            teacher={
                "name": t,
                "pricing": {
                    "kind": "tokens",
                    "model": t,
                    "provider": t,
                    "input_tokens": 10,
                    "output_tokens": 1,
                    "input_price_per_mtok": 1.0,
                    "output_price_per_mtok": 2.0,
                },
            },
        )
        for t in TRICKY
    ]
    features[0]["student"] = student_dict(name="@student", distillation={"training_examples": 3})
    features[0]["coverage"] = 0.25
    return make_scenario(features, name=name, currency="-EUR", multipliers=[0.1, 1.0, 2.5e-3, 123.456])


def test_tricky_text_round_trip_through_files(tmp_path):
    from aueb.formats import load_scenarios, write_scenarios

    scenarios_in = [tricky_scenario(), tricky_scenario("''+second, \"quoted\"\nline"), tricky_scenario("ünï 🙂")]
    write_scenarios(scenarios_in, tmp_path / "all.csv")
    raw = (tmp_path / "all.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    # neutralised on disk: no data cell starts with a formula character
    assert b"\r\n=SUM" not in raw and b",=SUM" not in raw and b",'=SUM(A1:A2)," in raw
    back = load_scenarios(tmp_path / "all.csv")
    assert back == scenarios_in
    write_scenarios(back, tmp_path / "all.json")
    assert load_scenarios(tmp_path / "all.json") == scenarios_in
    write_scenarios([back[0]], tmp_path / "one.json")
    write_scenarios(load_scenarios(tmp_path / "one.json"), tmp_path / "one.csv")
    assert load_scenarios(tmp_path / "one.csv") == [scenarios_in[0]]
    assert_same_projection(scenarios_in, back)


@pytest.mark.parametrize(
    "bundled",
    ["customer_support", "saas_portfolio"],
)
def test_bundled_scenarios_round_trip(bundled, request):
    scenario = request.getfixturevalue(bundled)
    back = read_scenarios(scenarios_to_csv([scenario]), "b.csv")
    assert back == [scenario]
    assert_same_projection([scenario], back)


@pytest.mark.parametrize(
    "path",
    [("teacher", "name"), ("teacher", "pricing", "model"), ("teacher", "pricing", "provider"), ("student", "name")],
)
def test_empty_text_is_refused_so_every_valid_scenario_round_trips(path):
    # An empty CSV cell means "not given", so empty text could not survive JSON -> CSV -> JSON:
    # the model refuses it up front, naming the field.
    feature = feature_dict(
        teacher={
            "pricing": {
                "kind": "tokens",
                "input_tokens": 10,
                "output_tokens": 1,
                "input_price_per_mtok": 1.0,
                "output_price_per_mtok": 2.0,
            }
        },
        student=student_dict(),
        coverage=0.5,
    )
    node = feature
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = ""
    with pytest.raises(InputError, match=r"\." + path[-1] + ": string should have at least 1 character"):
        read_scenarios(json.dumps(scenario_dict([feature])), "e.json")


def test_no_inf_for_absurdly_small_revenue():
    # a valid scenario: 1 user x 100 requests at 0.50 = COGS 50 against revenue 1e-307;
    # 50 / 1e-307 = 5e308 is beyond float range: the ratio must not come out as inf, and JSON must be written
    scenario = make_scenario(
        [feature_dict(users=1, requests_per_user=100, revenue_per_user=1e-307, teacher={"pricing": per_request(0.5)})]
    )
    projection = project(scenario)
    assert not np.isinf(projection.rows.select_dtypes("number").to_numpy()).any()
    projection_to_json(projection)


def test_summary_columns_are_stable(customer_support):
    assert list(project(customer_support).summary.columns) == list(SUMMARY_COLUMNS)

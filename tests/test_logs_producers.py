"""Fixtures written by real producers, ingested and checked against the fake server's ground truth.

tests/data/producers/make_fixtures.py: the official opentelemetry-instrumentation-openai-v2 and the
anthropic SDK's own tracing; OpenLLMetry with the SDK's tracing also on (two spans per call).
make_fixtures_openlit.py: openlit (Anthropic input tokens without the cache counts).
make_fixtures_litellm.py: LiteLLM SpendLogs rows built by the proxy's own row builder, as CSV and JSON Lines,
with 1-hour cache writes. Real clients against a fake server in each case. No producer library is needed
here: the cost is checked against genai-prices' own calc_price, computed from the server's usage.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
from genai_prices import Usage, data_snapshot

from aueb.logs import ingest
from aueb.logs.otel import OPENLIT_CORRECTION

DATA = Path(__file__).parent / "data" / "producers"
TRUTH = json.loads((DATA / "ground_truth.json").read_text())
# The conventional feature key each producer's fixture carries: the application's request span attribute
# (OTel), the `feature:` request tag (LiteLLM).
FEATURE_KEY = {"otel": "app.feature", "litellm": "feature"}


def kind(name: str) -> str:
    return name.split("_", 1)[0]


def catalog_cost(call: dict, when: datetime) -> float:
    """The catalog's own price of one call (genai-prices' calc_price), from the server's usage: never aueb's."""
    provider, model = data_snapshot.get_snapshot().find_provider_model(call["model"], None, call["producer_api"], None)
    usage = Usage(
        input_tokens=call["input_tokens"],
        cache_read_tokens=call["cached_input_tokens"],
        cache_write_tokens=call["cache_write_input_tokens"],
        cache_write_1h_tokens=call.get("cache_write_1h_input_tokens", 0),
        output_tokens=call["output_tokens"],
    )
    return float(model.calc_price(usage, provider, genai_request_timestamp=when).total_price)


def spans(name: str) -> list[dict]:
    return [
        {**sp, "scope": ss.get("scope", {}).get("name", "")}
        for line in (DATA / name).read_text().splitlines()
        for rs in json.loads(line)["resourceSpans"]
        for ss in rs["scopeSpans"]
        for sp in ss["spans"]
    ]


def call_time(name: str, call: dict) -> datetime:
    """When the call was made: the ground truth's time, else (OTel fixtures, made within seconds) the
    earliest span start of the file."""
    if "time" in call:
        return datetime.fromisoformat(call["time"])
    return datetime.fromtimestamp(min(int(sp["startTimeUnixNano"]) for sp in spans(name)) / 1e9, tz=UTC)


def test_every_fixture_has_its_ground_truth():
    assert sorted(TRUTH) == sorted(p.name for p in DATA.iterdir() if p.suffix in (".jsonl", ".csv"))
    assert {kind(name) for name in TRUTH} == set(FEATURE_KEY)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_producer_fixture_matches_the_ground_truth(name):
    calls = TRUTH[name]["calls"]
    measured = ingest([str(DATA / name)])  # the conventional key of the format is found without --feature-key
    assert measured.feature_note is not None and f"'{FEATURE_KEY[kind(name)]}'" in measured.feature_note
    report = measured.report
    r = report.records
    assert (r.used, r.bad) == (len(calls), 0)
    assert r.read == r.used + r.ignored + r.merged
    if kind(name) == "otel":
        # One call per response id (two instrumentations of one call are merged); the application's request
        # spans and the HTTP client's spans are ignored, never bad.
        found = spans(name)
        model_spans = sum(any(a["key"] == "gen_ai.response.id" for a in sp["attributes"]) for sp in found)
        assert r.merged == model_spans - len(calls) and r.ignored == len(found) - model_spans
    else:
        assert (r.read, r.ignored, r.merged) == (len(calls), 0, 0)
    # openlit's Anthropic input tokens leave the cache counts out: each such call is corrected, by name.
    quirk = [
        c
        for c in calls
        if "openlit" in name
        and c["producer_api"] == "anthropic"
        and c["cached_input_tokens"] + c["cache_write_input_tokens"]
    ]
    assert r.corrected == len(quirk) and r.corrected_by_reason == ({OPENLIT_CORRECTION: len(quirk)} if quirk else {})
    scale = 730 / report.window.hours if report.window.scaled else 1.0
    by_feature: dict[str, list[dict]] = defaultdict(list)
    for call in calls:
        by_feature[call["feature"]].append(call)
    assert set(report.features) == set(by_feature)  # nothing unattributed
    for feature, mine in by_feature.items():
        figures = report.features[feature]
        n = len(mine)
        assert figures.requests == pytest.approx(n * scale, rel=1e-9)
        assert figures.users == len({c["user"] for c in mine})
        assert figures.input_tokens_mean == pytest.approx(sum(c["input_tokens"] for c in mine) / n, rel=1e-12)
        assert figures.cached_input_tokens_mean == pytest.approx(
            sum(c["cached_input_tokens"] for c in mine) / n, rel=1e-12
        )
        assert figures.output_tokens_mean == pytest.approx(sum(c["output_tokens"] for c in mine) / n, rel=1e-12)
        models = defaultdict(float)
        for c in mine:
            models[c["model"]] += 1 / n
        assert figures.models == pytest.approx(dict(models))
        expected = sum(catalog_cost(c, call_time(name, c)) for c in mine)
        assert expected > 0 and figures.cost == pytest.approx(expected * scale, rel=1e-9)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_producer_fixture_tokens_per_call(name):
    from aueb.logs.ingest import READERS
    from aueb.logs.records import connect, normalise
    from aueb.logs.sources import open_source

    source = open_source([str(DATA / name)])
    sql = normalise(READERS[source.format](source, FEATURE_KEY[kind(name)]))
    rows = (
        connect()
        .execute(
            "SELECT feature, user_id, model, input_tokens, cached_input_tokens, cache_write_input_tokens, "
            "cache_write_1h_input_tokens, output_tokens "
            f"FROM ({sql}) WHERE ignored IS NULL AND merged IS NULL AND problem IS NULL ORDER BY ALL"
        )
        .fetchall()
    )
    expected = sorted(
        (
            c["feature"],
            c["user"],
            c["model"],
            c["input_tokens"],
            c["cached_input_tokens"],
            c["cache_write_input_tokens"],
            c.get("cache_write_1h_input_tokens", 0),
            c["output_tokens"],
        )
        for c in TRUTH[name]["calls"]
    )
    assert rows == expected


@pytest.mark.parametrize("name", ["litellm_spendlogs.csv", "litellm_spendlogs.jsonl"])
def test_litellm_spend_agrees_with_the_catalog(name):
    """LiteLLM's own `spend` (1-hour cache writes at its 1-hour price) is compared per model: no flag."""
    calls = TRUTH[name]["calls"]
    assert sum(c["cache_write_1h_input_tokens"] for c in calls) > 0  # the fixture has 1-hour writes to price
    checks = ingest([str(DATA / name)]).report.price_checks
    assert {c.model for c in checks} == {c["model"] for c in calls}
    for check in checks:
        expected = sum(catalog_cost(c, call_time(name, c)) for c in calls if c["model"] == check.model)
        assert check.recomputed_cost == pytest.approx(expected, rel=1e-9)
        assert not check.flagged and check.recorded_cost == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_measured_scenario_of_each_producer_reproduces_its_cost(name):
    """`aueb project` at 1x on the scenario written from the fixture gives each feature's measured requests,
    users and cost (1-hour writes included in the feature's effective cache-write price)."""
    from aueb.engine import project

    measured = ingest([str(DATA / name)])
    scenario = measured.scenario.scenario
    assert scenario is not None
    rows = project(scenario, multipliers=[1.0]).rows
    rows = rows[(rows["arm"] == "baseline") & (rows["feature"] != "ALL")].set_index("feature")
    assert set(rows.index) == set(measured.report.features)
    for feature, figures in measured.report.features.items():
        assert rows.loc[feature, "requests"] == pytest.approx(figures.requests, rel=1e-9)
        assert rows.loc[feature, "users"] == pytest.approx(figures.users, rel=1e-9)
        assert rows.loc[feature, "inference_cost"] == pytest.approx(figures.cost, rel=1e-9), feature

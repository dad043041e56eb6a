"""Fixtures written by real producers (tests/data/producers/make_fixtures.py: the official
opentelemetry-instrumentation-openai-v2 and the anthropic SDK's own tracing, real clients against a fake
server), ingested and checked against the server's ground truth. No producer library is needed here."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from aueb.logs import ingest

DATA = Path(__file__).parent / "data" / "producers"
TRUTH = json.loads((DATA / "ground_truth.json").read_text())


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_producer_fixture_matches_the_ground_truth(name):
    calls = TRUTH[name]["calls"]
    measured = ingest([str(DATA / name)])  # the conventional key app.feature is found on the root spans
    assert measured.feature_note is not None and "'app.feature'" in measured.feature_note
    report = measured.report
    r = report.records
    # One call per response id (two instrumentations of one call are merged); the application's request spans
    # are ignored, never bad.
    model_spans = sum(
        any(a["key"] == "gen_ai.response.id" for a in sp["attributes"])
        for line in (DATA / name).read_text().splitlines()
        for rs in json.loads(line)["resourceSpans"]
        for ss in rs["scopeSpans"]
        for sp in ss["spans"]
    )
    assert (r.used, r.bad, r.merged) == (len(calls), 0, model_spans - len(calls))
    assert r.read == r.used + r.ignored + r.merged and r.ignored == len(calls)
    scale = 730 / report.window.hours if report.window.scaled else 1.0
    by_feature: dict[str, list[dict]] = defaultdict(list)
    for call in calls:
        by_feature[call["feature"]].append(call)
    assert set(report.features) == set(by_feature)  # nothing unattributed: the root span's feature is inherited
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


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_producer_fixture_cache_writes_per_call(name):
    from aueb.logs.ingest import READERS
    from aueb.logs.records import connect, normalise
    from aueb.logs.sources import open_source

    source = open_source([str(DATA / name)])
    sql = normalise(READERS[source.format](source, "app.feature"))
    rows = (
        connect()
        .execute(
            "SELECT feature, user_id, model, input_tokens, cached_input_tokens, cache_write_input_tokens, "
            "output_tokens "
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
            c["output_tokens"],
        )
        for c in TRUTH[name]["calls"]
    )
    assert rows == expected

"""OTel spans as real producers write them: model calls by operation, duplicates, attribution over the
trace tree across lines and files, cache writes, the openlit correction, and a future-dated record."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from aueb.logs import ingest

T0 = int(datetime.fromisoformat("2026-03-01T10:00:00+00:00").timestamp()) * 10**9


def attr(key, value):
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": value}}


def span(trace, sid, parent, minute, attributes):
    return {
        "traceId": trace,
        "spanId": sid,
        "parentSpanId": parent,
        "name": "x",
        "startTimeUnixNano": str(T0 + minute * 60 * 10**9),
        "attributes": [attr(k, v) for k, v in attributes.items()],
    }


def line(spans, scope="opentelemetry.instrumentation.openai_v2", resource=None):
    res = [attr(k, v) for k, v in (resource or {"service.name": "app"}).items()]
    return json.dumps(
        {
            "resourceSpans": [
                {"resource": {"attributes": res}, "scopeSpans": [{"scope": {"name": scope}, "spans": spans}]}
            ]
        }
    )


def chat(trace, sid, parent, minute, **extra):
    base = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 1000,
        "gen_ai.usage.output_tokens": 100,
    }
    base.update(extra)
    return span(trace, sid, parent, minute, base)


def write(path: Path, lines: list[str]) -> str:
    path.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    return str(path)


def test_trace_tree_duplicates_operations_and_counts(tmp_path):
    root = span("t1", "r1", "", 0, {"app.feature": "search", "user.id": "u1", "http.route": "/ask"})
    agent = span("t1", "a1", "r1", 0, {"gen_ai.operation.name": "invoke_agent", "gen_ai.request.model": "gpt-4o"})
    tool = span("t1", "x1", "a1", 0, {"gen_ai.operation.name": "execute_tool"})
    # Two instrumentations of one call, nested: OpenLLMetry's span and the SDK's own inside it.
    outer = chat("t1", "c1", "a1", 1, **{"gen_ai.response.id": "resp-1"})
    inner = chat(
        "t1",
        "c2",
        "c1",
        1,
        **{"gen_ai.response.id": "resp-1", "gen_ai.usage.cache_read.input_tokens": 200},
    )
    emb = span(
        "t1",
        "e1",
        "r1",
        2,
        {
            "gen_ai.operation.name": "embeddings",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "text-embedding-3-small",
            "gen_ai.usage.input_tokens": 500,
        },
    )
    # A second trace whose root is in another file; the call names its own user.
    other_root = span("t2", "r2", "", 0, {"app.feature": "summarise", "user.id": "u2"})
    other_call = chat("t2", "c3", "r2", 60, **{"enduser.id": "u3"})
    first = write(tmp_path / "a.jsonl", [line([outer, inner, emb]), line([other_call])])
    second = write(tmp_path / "b.jsonl", [line([root, agent, tool]), line([other_root])])
    # The catalog has no embeddings prices: priced 0, counted as unpriced.
    report = ingest([first, second], feature_key="app.feature", allow_unpriced=True).report
    r = report.records
    assert (r.read, r.used, r.ignored, r.merged, r.bad) == (8, 3, 4, 1, 0)
    assert r.read == r.used + r.ignored + r.merged + r.bad and r.unpriced == 1
    assert r.ignored_by_reason == {
        "span of operation invoke_agent": 1,
        "span of operation execute_tool": 1,
        "span without a gen_ai model and token counts": 2,
    }
    assert r.merged_by_reason == {"span with the gen_ai.response.id of another span of its trace": 1}
    search = report.features["search"]
    # The kept duplicate is the one with the most usage detail (the cache-read count).
    assert search.models == {"gpt-4o": 0.5, "text-embedding-3-small": 0.5}
    assert search.users == 1
    assert search.cached_input_tokens_mean == 100  # (200 + 0) / 2 calls
    assert search.output_tokens_mean == 50  # the embeddings call has 0 output tokens
    summarise = report.features["summarise"]
    assert summarise.users == 1 and "unattributed" not in report.features


def test_cache_writes_openlit_correction_and_future_record(tmp_path):
    anthropic = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "claude-3-5-haiku-latest",
        "gen_ai.usage.output_tokens": 10,
        "app.feature": "f",
    }
    sdk = span(
        "t1",
        "s1",
        "",
        0,
        {
            **anthropic,
            "gen_ai.usage.input_tokens": 1500,
            "gen_ai.usage.cache_read.input_tokens": 300,
            "gen_ai.usage.cache_write.input_tokens": 200,
        },
    )
    # openlit leaves the cache counts out of input_tokens: 1000 + 300 + 200 is the input.
    openlit = span(
        "t2",
        "s2",
        "",
        1,
        {
            **anthropic,
            "gen_ai.usage.input_tokens": 1000,
            "gen_ai.usage.cache_read_input_tokens": 300,
            "gen_ai.usage.cache_creation_input_tokens": 200,
        },
    )
    future = span("t3", "s3", "", 0, {**anthropic, "gen_ai.usage.input_tokens": 10})
    future["startTimeUnixNano"] = str(int(datetime.fromisoformat("9999-12-31T23:59:59+00:00").timestamp()) * 10**9)
    path = write(tmp_path / "s.jsonl", [line([sdk]), line([openlit], scope="openlit.otel.tracing"), line([future])])
    m = ingest([path], feature_key="app.feature")
    r = m.report.records
    assert (r.read, r.used, r.bad, r.corrected) == (3, 2, 1, 1)
    assert list(r.corrected_by_reason) == [
        "openlit: Anthropic input tokens without the cache counts (cache reads and writes added)"
    ]
    assert r.first_bad is not None and r.first_bad.line == 3 and "after the run's own time" in r.first_bad.reason
    assert r.bad_by_reason == {"time after the run's own time": 1}
    f = m.report.features["f"]
    assert f.input_tokens_mean == 1500 and f.cached_input_tokens_mean == 300
    assert m.report.window.end.year == 2026

"""Every log reader on hand-written records, with the figures worked out by hand here.

Catalog prices (USD per million tokens: input, cached input, output) used below, checked first:
gpt-4o 2.5 / 1.25 / 10; claude-3-5-haiku-latest 0.8 / 0.08 / 4.
Each format holds the same three model calls, so the expected costs are shared:
  A gpt-4o, 1,000 input of which 400 cached, 100 output: (600*2.5 + 400*1.25 + 100*10) / 1e6 = 0.003
  B claude, 3,000 input of which 1,000 cached, 200 output: (2000*0.8 + 1000*0.08 + 200*4) / 1e6 = 0.00248
  C gpt-4o, 2,000 input, 50 output: (2000*2.5 + 50*10) / 1e6 = 0.0055
Times: A at 10:00, B at 11:00, C at 12:00 UTC: a 2-hour log, scaled to a month by 730 / 2 = 365.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from aueb.catalog import lookup
from aueb.errors import InputError
from aueb.logs import ingest

A, B, C = 0.003, 0.00248, 0.0055
SCALE = 730 / 2


def test_catalog_prices_used_by_the_hand_computations():
    gpt = lookup("gpt-4o", "openai")
    haiku = lookup("claude-3-5-haiku-latest", "anthropic")
    assert (gpt.input_price_per_mtok, gpt.cached_input_price_per_mtok, gpt.output_price_per_mtok) == (2.5, 1.25, 10.0)
    assert (haiku.input_price_per_mtok, haiku.cached_input_price_per_mtok, haiku.output_price_per_mtok) == (
        0.8,
        0.08,
        4.0,
    )
    assert pytest.approx(A) == (600 * 2.5 + 400 * 1.25 + 100 * 10) / 1e6
    assert pytest.approx(B) == (2000 * 0.8 + 1000 * 0.08 + 200 * 4) / 1e6
    assert pytest.approx(C) == (2000 * 2.5 + 50 * 10) / 1e6


def write_lines(path: Path, lines: list[str | dict]) -> str:
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


# --- OpenTelemetry ---------------------------------------------------------------------------------------


def attr(key, value):
    if isinstance(value, dict):
        return {"key": key, "value": value}
    return {"key": key, "value": {"stringValue": value}}


def span(time: str, attributes: list[dict]) -> dict:
    from datetime import datetime

    nanos = int(datetime.fromisoformat(time).timestamp()) * 10**9
    return {"traceId": "t", "spanId": "s", "name": "chat", "startTimeUnixNano": str(nanos), "attributes": attributes}


def otel_line(resource: list[dict], spans: list[dict]) -> dict:
    return {
        "resourceSpans": [
            {"resource": {"attributes": resource}, "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}
        ]
    }


def otel_records(tmp_path: Path, name: str = "spans.jsonl") -> str:
    a = span(
        "2026-03-01T10:00:00+00:00",
        [
            attr("gen_ai.operation.name", "chat"),
            attr("gen_ai.provider.name", "openai"),
            attr("gen_ai.request.model", "gpt-4o"),
            attr("gen_ai.usage.input_tokens", {"intValue": "1000"}),
            attr("gen_ai.usage.cache_read.input_tokens", {"intValue": 400}),
            attr("gen_ai.usage.output_tokens", {"intValue": 100}),
            attr("user.id", "u1"),
        ],
    )
    b = span(
        "2026-03-01T11:00:00+00:00",
        [
            attr("gen_ai.system", "anthropic"),
            attr("gen_ai.request.model", "claude-3-5-haiku-latest"),
            attr("gen_ai.usage.input_tokens", {"intValue": 3000}),
            attr("gen_ai.usage.cache_read.input_tokens", {"intValue": "1000"}),
            attr("gen_ai.usage.output_tokens", {"intValue": "200"}),
            attr("enduser.id", "u2"),
        ],
    )
    c = span(
        "2026-03-01T12:00:00+00:00",
        [
            attr("gen_ai.request.model", "gpt-4o"),
            attr("gen_ai.response.model", "gpt-4o-2024-08-06"),
            attr("gen_ai.provider.name", "openai"),
            attr("gen_ai.usage.input_tokens", {"intValue": "2000"}),
            attr("gen_ai.usage.output_tokens", {"intValue": "50"}),
            attr("user.id", "u1"),
            attr("app.feature", "search"),
        ],
    )
    http = span("2026-03-01T10:00:00+00:00", [attr("http.request.method", "POST")])
    return write_lines(
        tmp_path / name,
        [
            otel_line([attr("service.name", "app"), attr("app.feature", "chat")], [http, a, b]),
            '{"resourceSpans": [',
            "",
            otel_line([attr("service.name", "app")], [c]),
        ],
    )


def test_otel_spans_figures_by_hand(tmp_path):
    report = ingest([otel_records(tmp_path)], feature_key="app.feature").report
    # 4 spans + 1 malformed line read; the HTTP span is not a model call; the blank line is no record.
    assert (report.records.read, report.records.used, report.records.bad, report.records.ignored) == (5, 3, 1, 1)
    assert report.records.ignored_by_reason == {"span without a gen_ai model and token counts": 1}
    assert report.records.bad_by_reason == {"malformed JSON line": 1}
    assert (report.records.first_bad.line, report.records.first_bad.reason) == (2, "malformed JSON line")
    assert report.window.hours == 2 and report.window.scaled
    chat = report.features["chat"]  # A and B: the resource attribute names the feature
    assert chat.requests == pytest.approx(2 * SCALE)
    assert chat.users == 2 and chat.requests_per_user == pytest.approx(2 * SCALE / 2)
    assert chat.input_tokens_mean == 2000 and chat.cached_input_tokens_mean == 700 and chat.output_tokens_mean == 150
    assert chat.input_tokens_p50 == 2000 and chat.input_tokens_p95 == pytest.approx(1000 + 0.95 * 2000)
    assert chat.cost == pytest.approx((A + B) * SCALE)
    assert chat.cost_per_request == pytest.approx((A + B) / 2)
    assert chat.models == {"gpt-4o": 0.5, "claude-3-5-haiku-latest": 0.5}
    search = report.features["search"]  # C: the span attribute wins over the resource's (none here)
    assert search.cost == pytest.approx(C * SCALE) and search.models == {"gpt-4o-2024-08-06": 1.0}
    assert report.price_checks == []  # OTel records carry no cost


def test_otel_without_feature_key_uses_the_conventional_key(tmp_path):
    measured = ingest([otel_records(tmp_path)])
    assert measured.feature_note is not None and "using 'app.feature'" in measured.feature_note
    explicit = ingest([otel_records(tmp_path)], feature_key="app.feature").report
    assert measured.report.features == explicit.features


def test_otel_without_any_feature_key_says_none_was_found(tmp_path):
    path = tmp_path / "spans.jsonl"
    path.write_text(Path(otel_records(tmp_path)).read_text().replace("app.feature", "x.other"))
    measured = ingest([str(path)])
    assert measured.feature_note is not None and "no conventional feature key" in measured.feature_note
    assert list(measured.report.features) == ["unattributed"]
    assert measured.report.features["unattributed"].cost == pytest.approx((A + B + C) * SCALE)


# --- LiteLLM -----------------------------------------------------------------------------------------------


def spend_log(
    request_id: str,
    start: str,
    prompt_tokens: int,
    *,
    model: str = "gpt-4o",
    provider: str = "openai",
    user: str = "admin",
    end_user: str = "u1",
    completion_tokens: int = 50,
    spend: float = 0.0,
    cache_hit: str = "False",
    request_tags: list[str] | None = None,
    metadata: dict | None = None,
) -> dict:
    """One row of LiteLLM's SpendLogs, its columns in the table's order."""
    return dict(
        request_id=request_id,
        startTime=start,
        model=model,
        custom_llm_provider=provider,
        user=user,
        end_user=end_user,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        spend=spend,
        cache_hit=cache_hit,
        request_tags=request_tags or [],
        metadata=metadata or {},
    )


LITELLM_ROWS = [
    # A: OpenAI-style usage object, the feature as a request tag, the user in end_user
    spend_log(
        "r1",
        "2026-03-01 10:00:00",
        1000,
        completion_tokens=100,
        spend=0.003,
        request_tags=["feature:chat", "env:prod"],
        metadata={"usage_object": {"prompt_tokens": 1000, "prompt_tokens_details": {"cached_tokens": 400}}},
    ),
    # B: Anthropic-style usage object (prompt_tokens already holds the cached 1,000), the feature as a metadata key;
    # the recorded spend misses the cache discount: (3000*0.8 + 200*4) / 1e6 = 0.0032
    spend_log(
        "r2",
        "2026-03-01T11:00:00Z",
        3000,
        model="claude-3-5-haiku-latest",
        provider="anthropic",
        user="u2",
        end_user="",
        completion_tokens=200,
        spend=0.0032,
        metadata={"feature": "chat", "usage_object": {"prompt_tokens": 3000, "cache_read_input_tokens": 1000}},
    ),
    # a response-cache hit: no model call, costs nothing, its tokens are left out
    spend_log(
        "r3",
        "2026-03-01 11:30:00",
        500,
        end_user="u3",
        completion_tokens=20,
        cache_hit="True",
        request_tags=["feature:chat"],
    ),
    # C: no feature anywhere
    spend_log("r4", "2026-03-01 12:00:00", 2000, spend=0.0055),
    # bad: a negative token count
    spend_log("r5", "2026-03-01 12:30:00", -5),
]


def check_litellm(report, bad_line: int) -> None:
    assert (report.records.read, report.records.used, report.records.bad) == (5, 4, 1)
    assert report.records.first_bad.line == bad_line and "negative input tokens" in report.records.first_bad.reason
    chat = report.features["chat"]
    assert chat.requests == pytest.approx(3 * SCALE)  # the cache hit is a request
    assert chat.users == 3  # u1, u2 (from user, end_user empty), u3
    assert chat.cache_hit_rate == pytest.approx(1 / 3)
    assert (chat.input_tokens_mean, chat.cached_input_tokens_mean, chat.output_tokens_mean) == (2000, 700, 150)
    assert chat.cost == pytest.approx((A + B) * SCALE)
    assert chat.cost_per_request == pytest.approx((A + B) / 3)
    assert report.features["unattributed"].cost == pytest.approx(C * SCALE)
    checks = {c.model: c for c in report.price_checks}
    assert checks["gpt-4o"].recorded_cost == pytest.approx(A + C) and not checks["gpt-4o"].flagged
    haiku = checks["claude-3-5-haiku-latest"]
    assert (haiku.recorded_cost, haiku.recomputed_cost) == (pytest.approx(0.0032), pytest.approx(B))
    assert haiku.flagged and haiku.ratio == pytest.approx(0.0032 / B)


def test_litellm_csv_by_hand(tmp_path):
    import csv

    path = tmp_path / "spend.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(LITELLM_ROWS[0]))
        writer.writeheader()
        for row in LITELLM_ROWS:
            writer.writerow({k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in row.items()})
    check_litellm(ingest([str(path)], feature_key="feature").report, bad_line=6)  # header is line 1


def test_litellm_jsonl_gz_over_a_glob(tmp_path):
    write_lines(tmp_path / "part1.jsonl.gz", LITELLM_ROWS[:2])
    write_lines(tmp_path / "part2.jsonl.gz", LITELLM_ROWS[2:])
    measured = ingest([str(tmp_path / "part*.jsonl.gz")], feature_key="feature")
    assert measured.source.format == "litellm" and len(measured.source.files) == 2
    check_litellm(measured.report, bad_line=3)
    assert measured.report.records.first_bad.file.endswith("part2.jsonl.gz")


# --- Langfuse ----------------------------------------------------------------------------------------------


def test_langfuse_blob_export_by_hand(tmp_path):
    # Langfuse's usage parts are disjoint: `input` excludes the cached tokens (its OpenAI integration moves them
    # to input_cached_tokens; Anthropic's input excludes cache reads), so A's input is 600 + 400 = 1,000.
    path = write_lines(
        tmp_path / "obs.jsonl",
        [
            {
                "id": "1",
                "type": "GENERATION",
                "start_time": "2026-03-01 10:00:00.000000",
                "provided_model_name": "gpt-4o",
                "usage_details": {"input": 600, "input_cached_tokens": 400, "output": 100, "total": 1100},
                "total_cost": 0.003,
                "user_id": "u1",
                "trace_name": "chat",
                "name": "llm",
                "tags": [],
                "metadata": {},
            },
            {
                "id": "2",
                "type": "SPAN",
                "start_time": "2026-03-01 10:00:00.000000",
                "trace_name": "chat",
                "name": "request",
            },
            {
                "id": "3",
                "type": "GENERATION",
                "start_time": "2026-03-01 11:00:00.000000",
                "provided_model_name": "claude-3-5-haiku-latest",
                "usage_details": {"input": 2000, "cache_read_input_tokens": 1000, "output": 200},
                "total_cost": 0.00248,
                "user_id": "u2",
                "trace_name": "chat",
                "name": "llm",
            },
            {
                "id": "4",
                "type": "GENERATION",
                "start_time": "2026-03-01 12:00:00.000000",
                "provided_model_name": "gpt-4o",
                "usage_details": {"input": 2000, "output": 50},
                "total_cost": 0.0055,
                "user_id": "u1",
                "trace_name": "search",
                "name": "llm",
            },
            {
                "id": "5",
                "type": "GENERATION",
                "start_time": "yesterday",
                "provided_model_name": "gpt-4o",
                "usage_details": {"input": 1, "output": 1},
                "trace_name": "search",
            },
        ],
    )
    report = ingest([path], feature_key="name").report
    assert (report.records.read, report.records.used, report.records.bad, report.records.ignored) == (5, 3, 1, 1)
    assert report.records.first_bad.line == 5 and report.records.first_bad.reason == "unparseable time yesterday"
    chat = report.features["chat"]
    assert (chat.input_tokens_mean, chat.cached_input_tokens_mean, chat.output_tokens_mean) == (2000, 700, 150)
    assert chat.cost == pytest.approx((A + B) * SCALE)
    assert report.features["search"].cost == pytest.approx(C * SCALE)
    assert all(not c.flagged for c in report.price_checks)


def test_langfuse_camel_case_csv_with_metadata_key_and_tags(tmp_path):
    path = tmp_path / "observations.csv"
    path.write_text(
        "id,type,startTime,providedModelName,usageDetails,totalCost,userId,metadata,tags\n"
        '1,GENERATION,2026-03-01T10:00:00Z,gpt-4o,"{""input"": 600, ""input_cached_tokens"": 400, ""output"": '
        '100}",0.003,u1,"{""feature"": ""chat""}",[]\n'
        '2,GENERATION,2026-03-01T12:00:00Z,gpt-4o,"{""input"": 2000, ""output"": '
        '50}",0.0055,u2,{},"[""feature:search""]"\n',
        encoding="utf-8",
    )
    report = ingest([str(path)], feature_key="feature").report
    assert report.features["chat"].cost == pytest.approx(A * 365)
    assert report.features["chat"].cached_input_tokens_mean == 400
    assert report.features["search"].cost == pytest.approx(C * 365)


# --- plain CSV ---------------------------------------------------------------------------------------------

PLAIN = """timestamp,feature,user,model,provider,input_tokens,cached_input_tokens,output_tokens,cache_hit,cost
2026-03-01T10:00:00Z,chat,u1,gpt-4o,openai,1000,400,100,false,0.003
2026-03-01 11:00:00,chat,u2,claude-3-5-haiku-latest,anthropic,3000,1000,200,false,0.00248
2026-03-01T11:30:00+00:00,chat,u1,gpt-4o,openai,800,0,10,true,0
2026-03-01T12:00:00Z,,u1,gpt-4o,,2000,,50,,
"""


def test_plain_csv_by_hand(tmp_path):
    path = tmp_path / "requests.csv"
    path.write_text(PLAIN, encoding="utf-8")
    report = ingest([str(path)]).report
    assert (report.records.read, report.records.used, report.records.bad) == (4, 4, 0)
    chat = report.features["chat"]
    assert chat.requests == pytest.approx(3 * SCALE) and chat.users == 2
    assert (chat.input_tokens_mean, chat.cached_input_tokens_mean, chat.output_tokens_mean) == (2000, 700, 150)
    assert chat.cache_hit_rate == pytest.approx(1 / 3)
    assert chat.cost == pytest.approx((A + B) * SCALE)
    unattributed = report.features["unattributed"]  # an empty feature cell
    assert unattributed.requests == pytest.approx(SCALE) and unattributed.cost == pytest.approx(C * SCALE)
    days = [(d.feature, d.date.isoformat(), d.requests, round(d.cost, 8)) for d in report.daily]
    assert days == [("chat", "2026-03-01", 3, round(A + B, 8)), ("unattributed", "2026-03-01", 1, C)]


def test_plain_csv_other_feature_column_and_missing_one(tmp_path):
    path = tmp_path / "requests.csv"
    path.write_text(PLAIN.replace("timestamp,feature,", "timestamp,product,"), encoding="utf-8")
    assert set(ingest([str(path)], feature_key="product").report.features) == {"chat", "unattributed"}
    with pytest.raises(InputError, match="--feature-key team: the CSV has no such column"):
        ingest([str(path)], feature_key="team")


def test_every_format_reads_the_same_requests_the_same_way(tmp_path):
    """The bundled samples hold one set of requests in each format; OTel and Langfuse have no spans for
    response-cache hits, so their model-call figures agree with the others'."""
    from aueb.logs.sample import FEATURE_KEYS, FILES, write

    write(tmp_path)
    reports = {fmt: ingest([str(tmp_path / FILES[fmt])], feature_key=FEATURE_KEYS[fmt]).report for fmt in FILES}
    for fmt, report in reports.items():
        assert report.records.bad == 0 and report.records.read == report.records.used + report.records.ignored
        for name, figures in reports["csv"].features.items():
            assert report.features[name].cost == pytest.approx(figures.cost, rel=1e-9), (fmt, name)
            assert report.features[name].input_tokens_mean == pytest.approx(figures.input_tokens_mean), (fmt, name)
            assert report.features[name].cached_input_tokens_mean == pytest.approx(figures.cached_input_tokens_mean), (
                fmt,
                name,
            )
    assert [(a.feature, a.date.isoformat()) for a in reports["csv"].anomalies] == [("summarizer", "2026-10-07")]

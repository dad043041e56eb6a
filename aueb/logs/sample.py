"""Generate the bundled sample logs in data/logs/: one set of requests written in every format.

    python -m aueb.logs.sample [FOLDER]     (default: the package's data/logs)

Six weeks of three features (support_chat, summarizer, search_answers) growing at different rates,
response-cache hits, prompt caching, and one anomalous day (the summarizer's
outputs run away on day 31). Seeded: the same files every time. LiteLLM's recorded spend prices
Anthropic's cached tokens at the full input price (a common bug), so the price check flags it.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from aueb.catalog import lookup
from aueb.resources import data_path

SEED = 7
START = datetime(2026, 9, 7, tzinfo=UTC)
DAYS = 42
ANOMALY_DAY = 30
FILES = {
    "otel": "otel_spans.jsonl.gz",
    "litellm": "litellm_spendlogs.csv.gz",
    "langfuse": "langfuse_observations.jsonl.gz",
    "csv": "requests.csv",
}
FEATURE_KEYS = {"otel": "app.feature", "litellm": "feature", "langfuse": "name", "csv": "feature"}


@dataclass(frozen=True)
class Feature:
    name: str
    per_day: float  # requests on day 0
    weekly_growth: float
    models: tuple[tuple[str, str, float], ...]  # (provider, model, share)
    input_tokens: float  # median
    output_tokens: float
    cached_share: float  # share of input tokens served from the prompt cache, on calls that hit it
    cache_hit_rate: float  # response-cache hits


FEATURES = (
    Feature(
        "support_chat", 30, 0.10, (("openai", "gpt-4o", 0.85), ("openai", "gpt-4o-mini", 0.15)), 1800, 220, 0.6, 0.08
    ),
    Feature("summarizer", 22, 0.04, (("openai", "gpt-4o-mini", 1.0),), 3500, 300, 0.0, 0.0),
    Feature("search_answers", 12, 0.12, (("anthropic", "claude-3-5-haiku-latest", 1.0),), 2400, 180, 0.5, 0.0),
)
RESPONSE_MODELS = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022",
}


def requests(seed: int = SEED) -> list[dict]:
    """The sample's requests, one dict each, sorted by time."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    users = [f"user-{i:04d}" for i in range(600)]
    popularity = 1 / np.arange(1, len(users) + 1) ** 0.8
    popularity /= popularity.sum()
    for feature in FEATURES:
        days = np.arange(DAYS)
        counts = rng.poisson(feature.per_day * (1 + feature.weekly_growth) ** (days / 7))
        for day, n in zip(days, counts, strict=True):
            seconds = np.sort(rng.uniform(0, 86_400, n))
            choice = rng.choice(len(feature.models), n, p=[m[2] for m in feature.models])
            n_in = np.maximum(20, rng.lognormal(np.log(feature.input_tokens), 0.25, n)).astype(int)
            n_out = np.maximum(5, rng.lognormal(np.log(feature.output_tokens), 0.25, n)).astype(int)
            if feature.name == "summarizer" and day == ANOMALY_DAY:
                n_out = n_out * 9  # a prompt change made the summaries run away for a day
            caches = rng.uniform(size=n) < 0.6
            cached = np.where(caches, (n_in * feature.cached_share).astype(int) // 128 * 128, 0)
            hits = rng.uniform(size=n) < feature.cache_hit_rate
            who = rng.choice(len(users), n, p=popularity)
            for i in range(n):
                provider, model, _ = feature.models[choice[i]]
                rows.append(
                    dict(
                        time=START + timedelta(days=int(day), seconds=float(seconds[i])),
                        feature=feature.name,
                        user=users[who[i]],
                        provider=provider,
                        model=model,
                        input_tokens=int(n_in[i]),
                        cached_input_tokens=int(cached[i]),
                        output_tokens=int(n_out[i]),
                        cache_hit=bool(hits[i]),
                    )
                )
    rows.sort(key=lambda r: r["time"])
    for index, row in enumerate(rows):
        row["id"] = f"{seed:02d}{index:06d}"
        price = lookup(row["model"], row["provider"])
        uncached = row["input_tokens"] - row["cached_input_tokens"]
        row["cost"] = (
            0.0
            if row["cache_hit"]
            else (
                uncached * price.input_price_per_mtok
                + row["cached_input_tokens"] * price.cached_input_price_per_mtok
                + row["output_tokens"] * price.output_price_per_mtok
            )
            / 1e6
        )
        # LiteLLM's spend here misses the cache discount of Anthropic calls.
        row["litellm_spend"] = (
            row["cost"]
            if row["provider"] != "anthropic" or row["cache_hit"]
            else (row["input_tokens"] * price.input_price_per_mtok + row["output_tokens"] * price.output_price_per_mtok)
            / 1e6
        )
    return rows


def _attribute(key: str, value) -> dict:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": value}}


def _nanos(time: datetime) -> str:
    return str(int(time.timestamp() * 1_000_000) * 1000)


def otel(rows: list[dict]) -> str:
    """File-exporter lines of up to 5 GenAI spans each, under one HTTP server span (not a model call)."""
    lines = []
    for start in range(0, len(rows), 5):
        batch = [
            r for r in rows[start : start + 5] if not r["cache_hit"]
        ]  # a cache hit makes no model call, so no span
        if not batch:
            continue
        spans = [
            {
                "traceId": f"{start:032x}",
                "spanId": f"{start:016x}",
                "name": "POST /v1/answer",
                "kind": 2,
                "startTimeUnixNano": _nanos(batch[0]["time"]),
                "endTimeUnixNano": _nanos(batch[0]["time"]),
                "attributes": [_attribute("http.request.method", "POST")],
                "status": {},
            }
        ]
        for r in batch:
            attributes = [
                _attribute("gen_ai.operation.name", "chat"),
                _attribute("gen_ai.provider.name", r["provider"]),
                _attribute("gen_ai.request.model", r["model"]),
                _attribute("gen_ai.response.model", RESPONSE_MODELS[r["model"]]),
                _attribute("gen_ai.usage.input_tokens", r["input_tokens"]),
                _attribute("gen_ai.usage.output_tokens", r["output_tokens"]),
                _attribute("gen_ai.usage.cache_read.input_tokens", r["cached_input_tokens"]),
                _attribute("user.id", r["user"]),
            ]
            attributes.append(_attribute("app.feature", r["feature"]))
            spans.append(
                {
                    "traceId": f"{start:032x}",
                    "spanId": r["id"].rjust(16, "0"),
                    "parentSpanId": f"{start:016x}",
                    "name": f"chat {r['model']}",
                    "kind": 3,
                    "startTimeUnixNano": _nanos(r["time"]),
                    "endTimeUnixNano": _nanos(r["time"] + timedelta(seconds=2)),
                    "attributes": attributes,
                    "status": {},
                }
            )
        lines.append(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": [_attribute("service.name", "support-app")]},
                        "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.openai_v2"}, "spans": spans}],
                    }
                ]
            }
        )
    return "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)


def litellm(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "request_id",
            "call_type",
            "api_key",
            "spend",
            "total_tokens",
            "prompt_tokens",
            "completion_tokens",
            "startTime",
            "endTime",
            "model",
            "model_group",
            "custom_llm_provider",
            "user",
            "metadata",
            "cache_hit",
            "request_tags",
            "end_user",
            "status",
        ]
    )
    for r in rows:
        if r["provider"] == "anthropic":
            usage = {
                "prompt_tokens": r["input_tokens"],
                "completion_tokens": r["output_tokens"],
                "cache_read_input_tokens": r["cached_input_tokens"],
            }
        else:
            usage = {
                "prompt_tokens": r["input_tokens"],
                "completion_tokens": r["output_tokens"],
                "prompt_tokens_details": {"cached_tokens": r["cached_input_tokens"]},
            }
        writer.writerow(
            [
                f"chatcmpl-{r['id']}",
                "acompletion",
                "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
                repr(r["litellm_spend"]),
                r["input_tokens"] + r["output_tokens"],
                r["input_tokens"],
                r["output_tokens"],
                r["time"].strftime("%Y-%m-%d %H:%M:%S.%f"),
                (r["time"] + timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S.%f"),
                r["model"],
                r["model"],
                r["provider"],
                "default_user_id",
                json.dumps({"usage_object": usage, "user_api_key_alias": "prod"}),
                "True" if r["cache_hit"] else "False",
                json.dumps([f"feature:{r['feature']}", "env:prod"]),
                r["user"],
                "success",
            ]
        )
    return buffer.getvalue()


def langfuse(rows: list[dict]) -> str:
    """Blob-export JSON Lines: a GENERATION per model call, under a SPAN for the request (not a model call)."""
    lines = []
    for r in rows:
        if r["cache_hit"]:
            continue
        start = r["time"].strftime("%Y-%m-%d %H:%M:%S.%f")
        lines.append(
            {
                "id": f"span-{r['id']}",
                "trace_id": f"trace-{r['id']}",
                "type": "SPAN",
                "start_time": start,
                "name": "handle-request",
                "trace_name": r["feature"],
                "user_id": r["user"],
                "tags": [],
            }
        )
        uncached = r["input_tokens"] - r["cached_input_tokens"]
        usage = {"input": uncached, "output": r["output_tokens"], "total": r["input_tokens"] + r["output_tokens"]}
        usage["cache_read_input_tokens" if r["provider"] == "anthropic" else "input_cached_tokens"] = r[
            "cached_input_tokens"
        ]
        lines.append(
            {
                "id": f"gen-{r['id']}",
                "trace_id": f"trace-{r['id']}",
                "type": "GENERATION",
                "start_time": start,
                "end_time": (r["time"] + timedelta(seconds=2)).strftime("%Y-%m-%d %H:%M:%S.%f"),
                "name": "llm-call",
                "metadata": {},
                "provided_model_name": r["model"],
                "usage_details": usage,
                "cost_details": {"total": r["cost"]},
                "total_cost": r["cost"],
                "user_id": r["user"],
                "trace_name": r["feature"],
                "tags": [f"feature:{r['feature']}"],
                "environment": "production",
            }
        )
    return "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines)


def plain_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "timestamp",
            "feature",
            "user",
            "model",
            "provider",
            "input_tokens",
            "cached_input_tokens",
            "output_tokens",
            "cache_hit",
            "cost",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                r["time"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                r["feature"],
                r["user"],
                r["model"],
                r["provider"],
                r["input_tokens"],
                r["cached_input_tokens"],
                r["output_tokens"],
                "true" if r["cache_hit"] else "false",
                f"{r['cost']:.8f}",
            ]
        )
    return buffer.getvalue()


def write(folder: Path) -> list[Path]:
    rows = requests()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt, render in (("otel", otel), ("litellm", litellm), ("langfuse", langfuse), ("csv", plain_csv)):
        path = folder / FILES[fmt]
        data = render(rows).encode("utf-8")
        if path.suffix == ".gz":
            with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
                handle.write(data)
        else:
            path.write_bytes(data)
        written.append(path)
    return written


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else data_path("logs")
    for path in write(folder):
        print(f"{path} ({path.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()

"""Regenerate the OTel fixtures of tests/test_logs_producers.py with the real producers.

Requirements (a venv of its own, never aueb's dependencies):
    opentelemetry-instrumentation-openai-v2==2.4b0 opentelemetry-util-genai==0.4b0 openai==3.57.0 httpx==0.28.1
    anthropic==2.15.0 opentelemetry-sdk==1.45.2 opentelemetry-exporter-otlp-proto-common==1.45.2
    opentelemetry-instrumentation-openai==0.62.4 opentelemetry-instrumentation-anthropic==0.62.4
Run: /work/venvs/otel/bin/python tests/data/producers/make_fixtures.py (the other fixtures' entries of
ground_truth.json are kept)

The real openai and anthropic clients call a fake server on 127.0.0.1 that returns known usage; the spans
are encoded with the OTLP exporter's encode_spans and protobuf MessageToJson, ids as hex, one TracesData
per line, as the collector's file exporter writes them. The application sets the feature and user on
its own request span (the root), as applications usually do. ground_truth.json holds what the server
returned, per call (Anthropic's with the 1-hour part of the cache writes, which only the anthropic SDK's own
tracing copies onto its spans, as anthropic.usage.cache_creation.ephemeral_1h_input_tokens).
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).parent
CALLS: list[dict] = []  # what the server answered, in order
USAGE = {
    "openai": [(1200, 80), (900, 40), (2500, 300)],
    # Anthropic: input_tokens after the last cache breakpoint, cache reads, 5-minute and 1-hour cache writes, output
    "anthropic": [(1000, 300, 200, 0, 50), (400, 0, 600, 1000, 20), (100, 2000, 0, 0, 10)],
}
# Anthropic's usage splits the cache writes by lifetime (usage.cache_creation); make_fixtures_openlit.py turns it
# off: openlit 1.45.0 reads only cache_creation_input_tokens, so its spans cannot carry the split.
ONE_HOUR_SPLIT = True


class Fake(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        n = len(CALLS)
        if self.path.endswith("/chat/completions"):
            i = sum(c["producer_api"] == "openai" for c in CALLS)
            prompt, completion = USAGE["openai"][i]
            answer = {
                "id": f"chatcmpl-{n}",
                "object": "chat.completion",
                "created": 1772359200,
                "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            }
            CALLS.append(
                dict(
                    producer_api="openai",
                    model=body["model"],
                    input_tokens=prompt,
                    cached_input_tokens=0,
                    cache_write_input_tokens=0,
                    cache_write_1h_input_tokens=0,
                    output_tokens=completion,
                )
            )
        else:
            i = sum(c["producer_api"] == "anthropic" for c in CALLS)
            inp, read, write_5m, write_1h, out = USAGE["anthropic"][i]
            if not ONE_HOUR_SPLIT:
                write_5m, write_1h = write_5m + write_1h, 0
            write = write_5m + write_1h
            answer = {
                "id": f"msg_{n}",
                "type": "message",
                "role": "assistant",
                "model": body["model"],
                "content": [{"type": "text", "text": "ok"}],
                "stop_reason": "end_turn",
                "usage": {
                    "input_tokens": inp,
                    "cache_read_input_tokens": read,
                    "cache_creation_input_tokens": write,
                    **(
                        {
                            "cache_creation": {
                                "ephemeral_5m_input_tokens": write_5m,
                                "ephemeral_1h_input_tokens": write_1h,
                            }
                        }
                        if ONE_HOUR_SPLIT
                        else {}
                    ),
                    "output_tokens": out,
                },
            }
            CALLS.append(
                dict(
                    producer_api="anthropic",
                    model=body["model"],
                    input_tokens=inp + read + write,
                    cached_input_tokens=read,
                    cache_write_input_tokens=write,
                    cache_write_1h_input_tokens=write_1h,
                    output_tokens=out,
                )
            )
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def hexify(node):
    """MessageToJson writes bytes ids as base64; the file exporter writes them as hex."""
    if isinstance(node, dict):
        return {
            k: (
                base64.b64decode(v).hex()
                if k in ("traceId", "spanId", "parentSpanId") and isinstance(v, str)
                else hexify(v)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [hexify(v) for v in node]
    return node


def main(variant: str) -> dict:
    from google.protobuf.json_format import MessageToJson
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    server = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "fixture-app"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    if variant == "openllmetry":
        # OpenLLMetry's instrumentations with the anthropic SDK's own tracing also on: two spans per Anthropic call.
        from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor as OpenLLMetryOpenAI

        OpenLLMetryOpenAI().instrument(tracer_provider=provider)
        AnthropicInstrumentor().instrument(tracer_provider=provider)
        file_name = "otel_openllmetry_with_anthropic_sdk.jsonl"
        packages = (
            "opentelemetry-instrumentation-openai",
            "opentelemetry-instrumentation-anthropic",
            "openai",
            "anthropic",
        )
    else:
        OpenAIInstrumentor().instrument(tracer_provider=provider)
        file_name = "otel_openai_v2_anthropic_sdk.jsonl"
        packages = ("opentelemetry-instrumentation-openai-v2", "opentelemetry-util-genai", "openai", "anthropic")
    import anthropic
    import openai

    app = trace.get_tracer("fixture-app")
    oa = openai.OpenAI(base_url=base + "/v1", api_key="test")
    an = anthropic.Anthropic(base_url=base, api_key="test")
    plan = [
        ("search", "u1", "openai"),
        ("search", "u2", "openai"),
        ("summarise", "u1", "openai"),
        ("search", "u3", "anthropic"),
        ("summarise", "u1", "anthropic"),
        ("summarise", "u2", "anthropic"),
    ]
    truth = []
    for feature, user, api in plan:
        with app.start_as_current_span("POST /ask", attributes={"app.feature": feature, "user.id": user}):
            if api == "openai":
                oa.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
            else:
                an.messages.create(
                    model="claude-3-5-haiku-latest", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
                )
        truth.append({**CALLS[-1], "feature": feature, "user": user})
    provider.force_flush()
    spans = exporter.get_finished_spans()
    lines = []
    for sp in spans:  # one span per line, in finishing order (children before their root), as a collector may write
        lines.append(json.dumps(hexify(json.loads(MessageToJson(encode_spans([sp]))))))
    (HERE / file_name).write_text("\n".join(lines) + "\n")
    from importlib.metadata import version

    versions = {name: version(name) for name in (*packages, "opentelemetry-sdk")}
    server.shutdown()
    print(f"{file_name}: {len(spans)} spans, {len(truth)} calls", file=sys.stderr)
    return {file_name: {"producers": versions, "calls": truth}}


if __name__ == "__main__":
    if len(sys.argv) > 1:  # one variant per process: instrumentations patch the clients for good
        print(json.dumps(main(sys.argv[1])))
    else:
        import subprocess

        truth: dict = json.loads((HERE / "ground_truth.json").read_text())  # the other scripts' entries stay
        for variant in ("openai_v2", "openllmetry"):
            out = subprocess.run([sys.executable, __file__, variant], check=True, capture_output=True, text=True)
            truth.update(json.loads(out.stdout.strip().splitlines()[-1]))
        (HERE / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n")

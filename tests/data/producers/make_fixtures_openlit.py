"""Regenerate the openlit fixture of tests/test_logs_producers.py with the real openlit.

Requirements (a venv of its own: openlit 1.45.0 needs openai < 3 and anthropic < 1, older than the
other fixtures' clients). A plain `pip install openlit` backtracks through the opentelemetry contrib
releases for minutes (openlit asks for 14 `opentelemetry-instrumentation-*` packages `>=0.52b0,<1`,
whose newest releases pin different `opentelemetry-instrumentation` / semantic-conventions betas) and
then fails with ResolutionImpossible (`opentelemetry-sdk 1.45.2 depends on
opentelemetry-semantic-conventions==0.66b2`, the newest contrib packages stop at 0.66b1). Pinning the
SDK to 1.45.1 and every contrib package to 0.66b1 installs:
    python3 -m venv /work/venvs/openlit && /work/venvs/openlit/bin/pip install openlit==1.45.0 \
      opentelemetry-sdk==1.45.1 opentelemetry-api==1.45.1 opentelemetry-exporter-otlp==1.45.1 \
      opentelemetry-exporter-otlp-proto-common==1.45.1 opentelemetry-semantic-conventions==0.66b1 \
      opentelemetry-instrumentation==0.66b1 opentelemetry-util-http==0.66b1 \
      opentelemetry-instrumentation-{aiohttp-client,asgi,django,falcon,fastapi,flask,httpx}==0.66b1 \
      opentelemetry-instrumentation-{pyramid,requests,starlette,tornado,urllib,urllib3,wsgi}==0.66b1 \
      'anthropic<1' 'openai<3'
Run: /work/venvs/openlit/bin/python tests/data/producers/make_fixtures_openlit.py

As make_fixtures.py (whose fake server and id encoding it uses): the real openai and anthropic clients
call a fake server on 127.0.0.1 that returns known usage, openlit instruments them, and the spans are
encoded with the OTLP exporter's encode_spans and protobuf MessageToJson, ids as hex, one span per line.
The application sets the feature and user on its own request span. ground_truth.json gets what the
server returned, per call.
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import make_fixtures  # noqa: E402
from make_fixtures import CALLS, Fake, hexify  # noqa: E402

# openlit 1.45.0 reads only cache_creation_input_tokens (its Anthropic instrumentation has no 1-hour split): the
# server sends none, so that the ground truth is what openlit's spans can carry. An application using 1-hour
# writes under openlit has them priced as 5-minute writes.
make_fixtures.ONE_HOUR_SPLIT = False

FILE_NAME = "otel_openlit.jsonl"


def main() -> None:
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
    import openlit

    # openlit finds the tracer provider set above and adds its instrumentations to it.
    openlit.init(
        application_name="fixture-app",
        disable_batch=True,
        disable_metrics=True,
        disable_events=True,
        capture_message_content=False,
    )
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
    lines = [json.dumps(hexify(json.loads(MessageToJson(encode_spans([sp]))))) for sp in spans]
    (HERE / FILE_NAME).write_text("\n".join(lines) + "\n")
    server.shutdown()
    from importlib.metadata import version

    versions = {name: version(name) for name in ("openlit", "openai", "anthropic", "opentelemetry-sdk")}
    ground = json.loads((HERE / "ground_truth.json").read_text())
    ground[FILE_NAME] = {"producers": versions, "calls": truth}
    (HERE / "ground_truth.json").write_text(json.dumps(ground, indent=2) + "\n")
    print(f"{FILE_NAME}: {len(spans)} spans, {len(truth)} calls", file=sys.stderr)


if __name__ == "__main__":
    main()

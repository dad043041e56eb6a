"""Regenerate the LiteLLM SpendLogs fixtures of tests/test_logs_producers.py with LiteLLM's own code.

Requirements (a venv of its own, never aueb's dependencies): litellm==1.110.2 and the proxy modules that the
row builder imports (litellm.proxy.proxy_server), by name, since `litellm[proxy]` does not install offline whole:
    litellm==1.110.2 fastapi==0.165.0 starlette==1.10.0 backoff==2.2.1 orjson==3.13.0 APScheduler==3.11.3
    PyJWT==2.15.1 python-multipart==0.0.34 cryptography==50.0.2 uvicorn==0.55.0 rq==3.0.0 websockets==17.4
    semver==3.1.2 Expression==5.8.0 fastapi-sso==0.23.0 mcp==2.3.0 soundfile==0.14.0
Run (LiteLLM's bundled price map, no network):
    LITELLM_LOCAL_MODEL_COST_MAP=True /work/venvs/litellm/bin/python tests/data/producers/make_fixtures_litellm.py

The real `litellm.completion` calls a fake OpenAI and Anthropic server on 127.0.0.1 that returns known
usage (Anthropic calls with cache reads and writes, some of the writes 1-hour ones, split in
`usage.cache_creation` as Anthropic's API does). A success callback receives what the proxy's own
callback receives, and each row is built by the proxy's row builder,
`litellm.proxy.spend_tracking.spend_tracking_utils.get_logging_payload`, with the metadata the proxy
puts on a request (the end user, the request's tags `feature:...`). The rows are written as the
proxy's database exports them: CSV (JSON columns as JSON text, times as PostgreSQL writes a
`timestamp(3)`) and JSON Lines (one row_to_json object a line). ground_truth.json gets what the server
returned, per call.
"""

from __future__ import annotations

import csv
import json
import sys
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).parent
CALLS: list[dict] = []  # what the server answered, in order
OPENAI = [(1200, 0, 80), (3000, 1024, 120), (900, 0, 40)]  # prompt tokens, cached tokens, completion tokens
# Anthropic: input_tokens after the last cache breakpoint, cache reads, 5-minute writes, 1-hour writes, output
ANTHROPIC = [(1000, 300, 200, 0, 50), (400, 0, 600, 1000, 20), (100, 2000, 0, 0, 10), (50, 1500, 0, 700, 30)]


class Fake(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        n = len(CALLS)
        if self.path.endswith("/chat/completions"):
            prompt, cached, completion = OPENAI[sum(c["producer_api"] == "openai" for c in CALLS)]
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
                    "prompt_tokens_details": {"cached_tokens": cached},
                },
            }
            truth = dict(
                producer_api="openai",
                model=body["model"],
                input_tokens=prompt,
                cached_input_tokens=cached,
                cache_write_input_tokens=0,
                cache_write_1h_input_tokens=0,
                output_tokens=completion,
            )
        else:
            inp, read, write_5m, write_1h, out = ANTHROPIC[sum(c["producer_api"] == "anthropic" for c in CALLS)]
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
                    "cache_creation_input_tokens": write_5m + write_1h,
                    "cache_creation": {"ephemeral_5m_input_tokens": write_5m, "ephemeral_1h_input_tokens": write_1h},
                    "output_tokens": out,
                },
            }
            truth = dict(
                producer_api="anthropic",
                model=body["model"],
                input_tokens=inp + read + write_5m + write_1h,
                cached_input_tokens=read,
                cache_write_input_tokens=write_5m + write_1h,
                cache_write_1h_input_tokens=write_1h,
                output_tokens=out,
            )
        CALLS.append({**truth, "response_id": answer["id"]})
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def db_value(value, jsonl: bool):
    """A SpendLogs value as PostgreSQL exports it: JSON columns as JSON, timestamp(3) columns as text."""
    if isinstance(value, datetime):
        text = value.replace(tzinfo=None).isoformat(sep="T" if jsonl else " ", timespec="milliseconds")
        return text
    if isinstance(value, dict | list):
        return value if jsonl else json.dumps(value)
    if isinstance(value, str) and value[:1] in "[{" and not jsonl:
        return value
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def main() -> None:
    import litellm
    from litellm.integrations.custom_logger import CustomLogger
    from litellm.proxy.spend_tracking.spend_tracking_utils import get_logging_payload

    server = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    rows: list[dict] = []
    errors: list[Exception] = []

    class SpendLogs(CustomLogger):
        # The proxy's cost callback gets these same arguments and builds the row with get_logging_payload.
        def log_success_event(self, kwargs, response_obj, start_time, end_time):
            try:
                rows.append(dict(get_logging_payload(kwargs, response_obj, start_time, end_time)))
            except Exception as exc:  # noqa: BLE001 (litellm swallows callback errors: keep it to raise)
                errors.append(exc)

    litellm.callbacks = [SpendLogs()]
    litellm.disable_streaming_logging = True
    plan = [
        ("search", "u1", "openai/gpt-4o-mini"),
        ("search", "u2", "anthropic/claude-haiku-4-5"),
        ("summarise", "u1", "openai/gpt-4o-mini"),
        ("summarise", "u3", "anthropic/claude-haiku-4-5"),
        ("summarise", "u1", "anthropic/claude-haiku-4-5"),
        ("search", "u3", "openai/gpt-4o-mini"),
        ("search", "u1", "anthropic/claude-haiku-4-5"),
    ]
    truth = []
    for i, (feature, user, model) in enumerate(plan):
        api_base = base + "/v1" if model.startswith("openai/") else base
        litellm.completion(
            model=model,
            messages=[{"role": "user", "content": "hi"}],
            api_base=api_base,
            api_key="test",
            max_tokens=10,
            user=user,
            # What the proxy puts on a request: its key's metadata, the end user, the request's tags.
            metadata={
                "user_api_key_end_user_id": user,
                "user_api_key_hash": f"hashed-key-{i % 2}",
                "user_api_key_alias": "fixture-key",
                "tags": [f"feature:{feature}", "env:test"],
            },
        )
        truth.append({**CALLS[-1], "feature": feature, "user": user})
        for _ in range(200):  # litellm runs the success callbacks of a sync call in a thread of its own
            if len(rows) > i or errors:
                break
            time.sleep(0.05)
        if errors:
            raise errors[0]
    server.shutdown()
    if len(rows) != len(plan):
        raise SystemExit(f"{len(rows)} rows for {len(plan)} calls")
    for row, call in zip(rows, truth, strict=True):
        call["time"] = row["startTime"].astimezone().isoformat()
    columns = list(rows[0])
    with (HERE / "litellm_spendlogs.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: db_value(v, jsonl=False) for k, v in row.items()})
    (HERE / "litellm_spendlogs.jsonl").write_text(
        "".join(json.dumps({k: db_value(v, jsonl=True) for k, v in row.items()}) + "\n" for row in rows)
    )
    from importlib.metadata import version

    entry = {"producers": {"litellm": version("litellm")}, "calls": truth}
    ground = json.loads((HERE / "ground_truth.json").read_text())
    ground.update({"litellm_spendlogs.csv": entry, "litellm_spendlogs.jsonl": entry})
    (HERE / "ground_truth.json").write_text(json.dumps(ground, indent=2) + "\n")
    print(f"litellm_spendlogs.csv/.jsonl: {len(rows)} rows", file=sys.stderr)


if __name__ == "__main__":
    main()

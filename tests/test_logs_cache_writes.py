"""Cache writes read by every reader into the normalised records, and LiteLLM JSON Lines of real row size."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from aueb.logs.ingest import DEFAULT_MEMORY_LIMIT
from aueb.logs.ingest import READERS as READERS_BY_FORMAT
from aueb.logs.records import connect, normalise
from aueb.logs.sources import open_source


def records(path: Path, feature_key: str | None = "feature") -> list[tuple]:
    source = open_source([str(path)])
    con = connect(memory_limit=DEFAULT_MEMORY_LIMIT)  # as ingest runs it
    sql = normalise(READERS_BY_FORMAT[source.format](source, feature_key))
    return con.execute(
        "SELECT feature, input_tokens, cached_input_tokens, cache_write_input_tokens, problem "
        f"FROM ({sql}) ORDER BY ALL"
    ).fetchall()


def litellm_row(i: int, pad: int = 0) -> dict:
    return {
        "request_id": f"r{i}",
        "startTime": "2026-03-01T10:00:00Z",
        "model": "claude-3-5-haiku-latest",
        "custom_llm_provider": "anthropic",
        "end_user": "u1",
        "prompt_tokens": 1500,
        "completion_tokens": 10,
        "spend": 0.001,
        "request_tags": ["feature:chat"],
        "metadata": {
            "usage_object": {"prompt_tokens": 1500, "cache_read_input_tokens": 300, "cache_creation_input_tokens": 200},
            "model_map_information": {"pad": "x" * pad},
        },
    }


def test_litellm_jsonl_and_csv_cache_writes(tmp_path):
    path = tmp_path / "spend.jsonl"
    path.write_text(json.dumps(litellm_row(1)) + "\n")
    assert records(path) == [("chat", 1500, 300, 200, None)]
    csv_path = tmp_path / "spend.csv"
    row = litellm_row(2)
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow({k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()})
    assert records(csv_path) == [("chat", 1500, 300, 200, None)]


def test_litellm_jsonl_of_real_row_size_reads_within_memory(tmp_path):
    # 1,600 rows of about 13 KB (21 MB): the field-by-field reader ran out of memory from 16 MB.
    path = tmp_path / "spend.jsonl"
    path.write_text("".join(json.dumps(litellm_row(i, pad=13_000)) + "\n" for i in range(1600)))
    rows = records(path)
    assert len(rows) == 1600 and set(rows) == {("chat", 1500, 300, 200, None)}


def test_langfuse_usage_details_cache_keys(tmp_path):
    path = tmp_path / "obs.jsonl"
    base = {"type": "GENERATION", "start_time": "2026-03-01 10:00:00.000000", "provided_model_name": "x"}
    lines = [
        {
            **base,
            "id": "1",
            "metadata": {"feature": "a"},
            "usage_details": {
                "input": 1000,
                "cache_read_input_tokens": 300,
                "cache_creation_input_tokens": 200,
                "output": 5,
            },
        },
        {
            **base,
            "id": "2",
            "metadata": {"feature": "b"},
            "usage_details": {"input": 600, "input_cached_tokens": 400, "output": 5},
        },
        {
            **base,
            "id": "3",
            "metadata": {"feature": "c"},
            "usage_details": {
                "input": 100,
                "input_cache_read": 50,
                "input_cache_creation_5m": 20,
                "input_cache_creation_1h": 30,
                "output": 5,
            },
        },
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    assert records(path) == [("a", 1500, 300, 200, None), ("b", 1000, 400, 0, None), ("c", 200, 50, 50, None)]


def test_plain_csv_cache_write_column(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(
        "timestamp,feature,model,input_tokens,cached_input_tokens,cache_write_input_tokens,output_tokens\n"
        "2026-03-01T10:00:00Z,a,gpt-4o,1000,300,200,10\n"
        "2026-03-01T10:00:00Z,b,gpt-4o,1000,900,200,10\n"
    )
    rows = records(path)
    assert rows[0] == ("a", 1000, 300, 200, None)
    assert rows[1][:4] == ("b", 1000, 900, 200)
    assert rows[1][4] == "cached (900) and cache write (200) input tokens exceed input tokens (1000)"


def test_truncated_gz_is_named_or_its_readable_part_used(tmp_path):
    import gzip

    import pytest

    from aueb.errors import InputError
    from aueb.logs import ingest

    rows = [litellm_row(i, pad=2000) for i in range(2000)]
    for i, row in enumerate(rows):
        row["startTime"] = f"2026-03-01T10:{i % 60:02d}:00Z"
    text = "".join(json.dumps(row) + "\n" for row in rows)
    whole = gzip.compress(text.encode(), compresslevel=1)
    path = tmp_path / "spend.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match=r"spend\.jsonl\.gz: the compressed file is truncated.*--allow-bad"):
        ingest([str(path)], allow_unpriced=True)
    report = ingest([str(path)], allow_unpriced=True, allow_bad=True).report
    assert len(report.records.cut_files) == 1 and str(path) in report.records.cut_files[0]
    assert 0 < report.records.read < 2000 and report.records.bad == 0


def test_records_outside_the_window_are_counted(tmp_path):
    from aueb.logs import ingest

    path = tmp_path / "calls.csv"
    rows = ["timestamp,feature,model,input_tokens,output_tokens"]
    rows += [f"2026-01-{d:02d}T10:00:00Z,a,gpt-4o,100,10" for d in range(1, 11)]  # before the window
    rows += [f"2026-03-{d:02d}T10:00:00Z,a,gpt-4o,100,10" for d in range(1, 21)]
    path.write_text("\n".join(rows) + "\n")
    records = ingest([str(path)]).report.records
    assert (records.read, records.used, records.outside_window) == (30, 30, 10)

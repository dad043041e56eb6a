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


def one_hour_records(path: Path, feature_key: str | None = "feature") -> list[tuple]:
    source = open_source([str(path)])
    sql = normalise(READERS_BY_FORMAT[source.format](source, feature_key))
    return (
        connect()
        .execute(
            f"SELECT feature, cache_write_input_tokens, cache_write_1h_input_tokens, problem FROM ({sql}) ORDER BY ALL"
        )
        .fetchall()
    )


def test_one_hour_cache_writes_read_by_every_producer_that_splits_them(tmp_path):
    # LiteLLM: its own usage object's split, or Anthropic's raw cache_creation object.
    rows = [litellm_row(1), litellm_row(2), litellm_row(3)]
    rows[0]["metadata"]["usage_object"]["prompt_tokens_details"] = {
        "cached_tokens": 300,
        "cache_creation_token_details": {"ephemeral_5m_input_tokens": 50, "ephemeral_1h_input_tokens": 150},
    }
    rows[1]["metadata"]["usage_object"]["cache_creation"] = {
        "ephemeral_5m_input_tokens": 120,
        "ephemeral_1h_input_tokens": 80,
    }
    rows[2]["request_tags"] = ["feature:none"]
    for i, row in enumerate(rows[:2]):
        row["request_tags"] = [f"feature:{'ab'[i]}"]
    jsonl = tmp_path / "spend.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows))
    expected = [("a", 200, 150, None), ("b", 200, 80, None), ("none", 200, 0, None)]
    assert one_hour_records(jsonl) == expected
    csv_path = tmp_path / "spend.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in row.items()})
    assert one_hour_records(csv_path) == expected
    # Langfuse: the usage_details keys ending _1h among the cache-creation keys.
    obs = tmp_path / "obs.jsonl"
    usage = {"input": 100, "input_cache_creation_5m": 20, "input_cache_creation_1h": 30, "output": 5}
    obs.write_text(
        json.dumps(
            {
                "id": "1",
                "type": "GENERATION",
                "start_time": "2026-03-01 10:00:00.000000",
                "provided_model_name": "x",
                "metadata": {"feature": "c"},
                "usage_details": usage,
            }
        )
        + "\n"
    )
    assert one_hour_records(obs) == [("c", 50, 30, None)]
    # Plain CSV: the optional column, a part of the cache writes.
    plain = tmp_path / "calls.csv"
    plain.write_text(
        "timestamp,feature,model,input_tokens,cache_write_input_tokens,cache_write_1h_input_tokens,output_tokens\n"
        "2026-03-01T10:00:00Z,a,claude-haiku-4-5,1000,200,150,10\n"
        "2026-03-01T10:00:00Z,b,claude-haiku-4-5,1000,200,250,10\n"
    )
    rows_read = one_hour_records(plain)
    assert rows_read[0] == ("a", 200, 150, None)
    assert rows_read[1] == (
        "b",
        200,
        250,
        "1-hour cache write input tokens (250) exceed cache write input tokens (200)",
    )


def test_one_hour_cache_writes_priced_as_calc_price_for_every_catalog_model_with_a_1h_price(tmp_path):
    """Every catalog model that lists a 1-hour cache-write price (tiers included), ingested from a plain CSV,
    costs what genai-prices' calc_price says, 1-hour writes at the 1-hour price."""
    from datetime import UTC, datetime

    import pytest
    from genai_prices import Usage, data_snapshot

    from aueb.logs import ingest
    from aueb.pricing import price_table

    table = price_table()
    today = datetime.now(tz=UTC).date()
    current = table[
        (table.p_write_1h != table.p_write)
        & table.valid_from.map(lambda d: d is None or d <= today)
        & table.valid_to.map(lambda d: d is None or d > today)
    ]
    snapshot = data_snapshot.get_snapshot()

    def named(provider: str, model: str) -> bool:  # a log can name it: the catalog's own lookup finds it by id
        try:
            return snapshot.find_provider_model(model, None, provider, None)[1].id == model
        except LookupError:
            return False

    models = sorted(key for key in set(zip(current.provider, current.model, strict=True)) if named(*key))
    assert len(models) >= 20 and any(p == "anthropic" for p, _ in models)
    start = datetime(today.year, today.month, today.day, tzinfo=UTC).replace(hour=0)
    usages = [(3000, 1000, 1500, 900, 40), (250_000, 50_000, 100_000, 60_000, 900)]  # in, read, write, 1h, out
    lines = [
        "timestamp,feature,provider,model,input_tokens,cached_input_tokens,cache_write_input_tokens,"
        "cache_write_1h_input_tokens,output_tokens"
    ]
    expected: dict[str, float] = {}
    for i, (provider, model) in enumerate(models):
        found_provider, found_model = snapshot.find_provider_model(model, None, provider, None)
        for j, (n_in, n_c, n_w, n_1h, n_out) in enumerate(usages):
            when = start.replace(minute=(2 * i + j) % 60, second=(2 * i + j) // 60)
            lines.append(f"{when.isoformat()},{provider}/{model},{provider},{model},{n_in},{n_c},{n_w},{n_1h},{n_out}")
            usage = Usage(
                input_tokens=n_in,
                cache_read_tokens=n_c,
                cache_write_tokens=n_w,
                cache_write_1h_tokens=n_1h,
                output_tokens=n_out,
            )
            price = float(found_model.calc_price(usage, found_provider, genai_request_timestamp=when).total_price)
            expected[f"{provider}/{model}"] = expected.get(f"{provider}/{model}", 0.0) + price
    path = tmp_path / "calls.csv"
    path.write_text("\n".join(lines) + "\n")
    report = ingest([str(path)]).report
    assert report.records.used == 2 * len(models) and report.records.bad == 0
    scale = 730 / report.window.hours if report.window.scaled else 1.0
    for feature, cost in expected.items():
        assert report.features[feature].cost == pytest.approx(cost * scale, rel=1e-9), feature

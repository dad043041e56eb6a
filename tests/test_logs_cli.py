"""`aueb ingest` as a user runs it: the samples end to end, the report's keys, bad input and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aueb.cli import app
from aueb.formats import load_scenarios
from aueb.formatting import money
from aueb.logs import ingest
from aueb.logs.report import REPORT_KEYS, IngestReport
from aueb.logs.sample import FEATURE_KEYS, FILES

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "logs"
FEATURE_FIGURES = {
    "requests",
    "users",
    "requests_per_user",
    "input_tokens_mean",
    "cached_input_tokens_mean",
    "output_tokens_mean",
    "input_tokens_p50",
    "input_tokens_p95",
    "output_tokens_p50",
    "output_tokens_p95",
    "cache_hit_rate",
    "cost",
    "cost_per_request",
    "models",
    "growth_monthly",
    "months_to_10x",
    "months_to_100x",
}
runner = CliRunner()

HEADER = "timestamp,feature,user,model,input_tokens,output_tokens\n"


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("fmt", list(FILES))
def test_sample_to_report_and_scenario_that_project_accepts(fmt, tmp_path):
    report_path, scenario_path = tmp_path / "r.json", tmp_path / "s.json"
    result = run(
        "ingest",
        str(SAMPLES / FILES[fmt]),
        "--feature-key",
        FEATURE_KEYS[fmt],
        "--report",
        str(report_path),
        "--out",
        str(scenario_path),
    )
    assert result.exit_code == 0, result.output
    assert "revenue_per_user is 0" in result.stderr
    assert "support_chat" in result.stdout and "Records: read" in result.stdout
    data = json.loads(report_path.read_text())
    assert tuple(data) == REPORT_KEYS
    assert set(data["records"]) >= {"read", "used", "bad", "first_bad"} and set(data["window"]) == {
        "start",
        "end",
        "hours",
        "scaled",
    }
    records = data["records"]
    assert records["read"] == records["used"] + records["ignored"] + records["merged"] + records["bad"]
    assert set(data["features"]) == {"support_chat", "summarizer", "search_answers"}
    assert all(set(f) == FEATURE_FIGURES for f in data["features"].values())
    assert set(data["daily"][0]) == {"date", "feature", "requests", "cost"}
    assert [(a["feature"], a["date"]) for a in data["anomalies"]] == [("summarizer", "2026-10-07")]
    report = IngestReport.model_validate(data)  # what other capabilities read it with

    scenario = load_scenarios(scenario_path)[0]
    for feature in scenario.features:
        figures = report.features[feature.name]
        assert feature.users == figures.users and feature.revenue_per_user == 0
        assert feature.users * feature.requests_per_user == pytest.approx(figures.requests)
        assert feature.cache_hit_rate == pytest.approx(figures.cache_hit_rate)
        assert feature.teacher.pricing.input_tokens == pytest.approx(figures.input_tokens_mean)
    projected = run("project", str(scenario_path), "--format", "json")
    assert projected.exit_code == 0, projected.output


def test_scenario_of_a_one_model_feature_costs_what_was_measured(tmp_path):
    measured = ingest([str(SAMPLES / FILES["csv"])])
    from aueb.engine import project

    rows = project(measured.scenario.scenario).rows
    one = rows[(rows["feature"] == "summarizer") & (rows["multiplier"] == 1) & (rows["arm"] == "baseline")].iloc[0]
    figures = measured.report.features[
        "summarizer"
    ]  # served by gpt-4o-mini alone: token means x prices = measured cost
    assert one["ai_cogs"] == pytest.approx(figures.cost, rel=1e-9)
    assert one["requests"] == pytest.approx(figures.requests)


def test_bad_lines_are_counted_located_and_strict_stops(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        HEADER
        + "2026-01-01T00:00:00Z,chat,u1,gpt-4o,100,10\n"
        + "2026-01-01T01:00:00Z,chat,u1,gpt-4o,100,10,extra\n"  # line 3: too many columns
        + "not a time,chat,u1,gpt-4o,100,10\n"  # line 4
        + "2026-01-01T02:00:00Z,chat,u1,gpt-4o,-1,10\n"  # line 5
        + "2026-01-01T03:00:00Z,chat,u1,,100,10\n"  # line 6: no model
        + "2026-01-01T04:00:00Z,chat,u1,gpt-4o,100,10\n",
        encoding="utf-8",
    )
    report = ingest([str(path)]).report
    assert (report.records.read, report.records.used, report.records.bad) == (6, 2, 4)
    assert (report.records.first_bad.line, "Expected Number of Columns" in report.records.first_bad.reason) == (3, True)
    result = run("ingest", str(path), "--strict")
    assert result.exit_code == 2 and f"{path}:3:" in result.stderr and "--strict" in result.stderr

    path.write_text(
        HEADER
        + "2026-01-01T00:00:00Z,chat,u1,gpt-4o,100,10\n"
        + "2026-01-01T01:00:00Z,chat,u1,gpt-4o,100,-10\n"
        + "2026-01-01T02:00:00Z,chat,u1,gpt-4o,100,10\n",
        encoding="utf-8",
    )
    result = run("ingest", str(path), "--strict")
    assert result.exit_code == 2 and f"{path}:3: negative output tokens (-10)" in result.stderr
    result = run("ingest", str(path))
    assert result.exit_code == 0 and "bad 1; first bad" in result.stdout


def test_unknown_format_names_the_formats_tried(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text('{"event": "click"}\n', encoding="utf-8")
    result = run("ingest", str(path))
    assert result.exit_code == 2
    assert "not a known log format (tried otel, litellm, langfuse, csv)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    (tmp_path / "plain.txt").write_text("hello,world\n1,2\n", encoding="utf-8")
    assert run("ingest", str(tmp_path / "plain.txt")).exit_code == 2
    assert "no such file" in run("ingest", str(tmp_path / "missing.csv")).stderr
    assert "no file matches" in run("ingest", str(tmp_path / "*.nothing")).stderr


def test_unknown_model_lists_the_closest_names_unless_allowed(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        HEADER + "2026-01-01T00:00:00Z,chat,u1,gpt-4o,100,10\n" + "2026-01-01T01:00:00Z,chat,u2,gpt-4oo,1000,100\n",
        encoding="utf-8",
    )
    result = run("ingest", str(path))
    assert result.exit_code == 2
    assert "model 'gpt-4oo' is not in the price catalog; closest: gpt-4o" in result.stderr
    assert f"first at {path}:3" in result.stderr and "--allow-unpriced" in result.stderr
    allowed = run("ingest", str(path), "--allow-unpriced", "--report", str(tmp_path / "r.json"))
    assert allowed.exit_code == 0 and "priced 0" in allowed.stderr
    report = IngestReport.model_validate_json((tmp_path / "r.json").read_text())
    assert report.records.unpriced == 1 and report.records.used == 2
    assert report.features["chat"].cost == pytest.approx(
        (100 * 2.5 + 10 * 10) / 1e6 * 730
    )  # 1 hour, scaled x730; the unknown model costs 0


def test_cached_tokens_above_input_tokens_are_bad(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "timestamp,model,input_tokens,cached_input_tokens,output_tokens\n"
        "2026-01-01T00:00:00Z,gpt-4o,100,0,10\n2026-01-01T01:00:00Z,gpt-4o,100,200,10\n2026-01-01T02:00:00Z,gpt-4o,100,0,10\n",
        encoding="utf-8",
    )
    report = ingest([str(path)]).report
    assert (
        report.records.bad == 1
        and report.records.first_bad.reason == "cached input tokens (200) exceed input tokens (100)"
    )


def test_wrong_options_are_one_line_errors(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(HEADER + "2026-01-01T00:00:00Z,chat,u1,gpt-4o,100,10\n", encoding="utf-8")
    result = run("ingest", str(path))
    assert result.exit_code == 2 and "two different times" in result.stderr
    path.write_text(
        HEADER + "2026-01-01T00:00:00Z,chat,u1,gpt-4o,100,10\n2026-01-01T01:00:00Z,chat,u1,gpt-4o,100,10\n",
        encoding="utf-8",
    )
    assert "--window-hours" in run("ingest", str(path), "--window-hours", "0").stderr
    result = run("ingest", str(path), "--format", "otel")
    assert result.exit_code == 2 and "expects JSON Lines" in result.stderr
    result = run("ingest", str(path), "--out", str(tmp_path / "no" / "such" / "dir.json"))
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_text_output_shows_what_caching_already_saves_per_feature_and_model(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "timestamp,feature,model,provider,input_tokens,cached_input_tokens,output_tokens\n"
        "2026-01-01T00:00:00Z,chat,gpt-4o,openai,1000,400,100\n"
        "2026-01-01T01:00:00Z,chat,gpt-4o,openai,1000,400,100\n"
        "2026-01-01T01:00:00Z,draft,gpt-4o-mini,openai,1000,0,100\n",
        encoding="utf-8",
    )
    result = run("ingest", str(path), "--report", str(tmp_path / "r.json"))
    assert result.exit_code == 0, result.output
    assert "Already saved by prompt caching and batch" in result.stdout
    # gpt-4o: 2.50 in, 1.25 cached, 10 out per Mtok; 2 calls in 1 hour, scaled x730 to a month.
    list_cost, actual = 2 * (1000 * 2.5 + 100 * 10) / 1e6 * 730, 2 * (600 * 2.5 + 400 * 1.25 + 100 * 10) / 1e6 * 730
    rows = {
        line.split()[0] + " " + line.split()[1]: line.split()[2:]
        for line in result.stdout.splitlines()
        if line.startswith(("chat ", "draft "))
    }
    assert rows["chat gpt-4o"] == [money(list_cost), money(actual), money(list_cost - actual), "14.3%"]
    assert rows["draft gpt-4o-mini"][2:] == [money(0.0), "0.0%"]
    report = IngestReport.model_validate_json((tmp_path / "r.json").read_text())
    saved = {(r.feature, r.model): r for r in report.already_saved}
    assert saved["chat", "gpt-4o"].list_cost == pytest.approx(list_cost, rel=1e-12)
    assert saved["chat", "gpt-4o"].saved == pytest.approx(list_cost - actual, rel=1e-9)


def test_future_record_is_bad_with_its_file_and_line_and_the_window_stays(tmp_path):
    # The case: one record dated 9999-12-31 (a clock error) among 199 spread over two months.
    path = tmp_path / "log.csv"
    lines = [
        f"2026-{1 + i // 100:02d}-{1 + (i % 100) * 28 // 100:02d}T10:00:00Z,chat,u{i % 7},gpt-4o,100,10\n"
        for i in range(198)
    ]
    lines.insert(150, "9999-12-31T23:59:59Z,chat,u1,gpt-4o,100,10\n")
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    report = ingest([str(path)]).report
    records = report.records
    assert (records.read, records.used, records.bad) == (199, 198, 1)
    assert records.first_bad is not None and (records.first_bad.file, records.first_bad.line) == (str(path), 152)
    assert records.first_bad.reason == "time 9999-12-31T23:59:59Z is after the run's own time"
    assert records.bad_by_reason == {"time after the run's own time": 1}
    assert report.window.end.isoformat().startswith("2026-02-28T10:00")
    # January's records before the window's start (730 hours before Feb 28) are counted and said.
    in_window = sum(1 for line in lines if "9999" not in line and line > "2026-01-29T00:00:00Z")
    assert records.outside_window == 198 - in_window > 0
    result = run("ingest", str(path))
    assert result.exit_code == 0
    assert f"first bad {path}:152: time 9999-12-31T23:59:59Z is after the run's own time" in result.stdout
    assert f"{records.outside_window} used records before the window" in result.stdout


def test_truncated_gz_is_a_one_line_error_naming_the_file(tmp_path):
    import gzip

    rows = "".join(f"2026-01-01T{h % 24:02d}:{h % 60:02d}:00Z,chat,u{h},gpt-4o,{100 + h},10\n" for h in range(5000))
    whole = gzip.compress((HEADER + rows).encode(), compresslevel=1)
    path = tmp_path / "log.csv.gz"
    path.write_bytes(whole[: len(whole) * 2 // 3])
    result = run("ingest", str(path))
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"error: {path}: the compressed file is truncated")
    assert "--allow-bad" in result.stderr and "Aborted" not in result.output
    allowed = run("ingest", str(path), "--allow-bad")
    assert allowed.exit_code == 0 and f"read only the readable part of {path}" in allowed.stderr

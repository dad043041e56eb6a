"""The Usage page through AppTest: what it shows equals what `ingest` measures; uploads, errors, "Use as scenario"."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from helpers import (
    MONITOR_BUDGETS,
    MONITOR_LOG,
    ROOT,
    monitor_once,
    open_page,
    start_monitor,
    wait_for_snapshot,
    write_log,
)
from helpers import metric as card
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from aueb.charts.usage import cost_per_call_chart, daily_cost_chart
from aueb.cli import app
from aueb.errors import InputError
from aueb.formatting import money
from aueb.logs import ingest
from aueb.logs.sample import FEATURE_KEYS, FILES
from aueb.logs.tables import anomalies_frame
from aueb.ui import files

SAMPLES = ROOT / "data" / "logs"


pytestmark = pytest.mark.usefixtures("clear_cache")


def usage_page() -> AppTest:
    return open_page("usage")


def metric(at: AppTest, label: str) -> str:
    return card(at, label, exact=True)


def test_page_starts_empty_and_is_in_the_menu():
    at = usage_page()
    assert at.title[0].value == "Usage"
    assert [i.value for i in at.info] == ["Upload a log or load the bundled sample."]
    assert at.file_uploader(key="ui_log_upload").proto.max_upload_size_mb == files.MAX_LOG_UPLOAD_MB


def test_sample_shows_the_measured_figures_and_becomes_the_scenario():
    at = usage_page()
    at.selectbox(key="ui_log_sample").set_value("litellm").run()
    at.button(key="ui_log_load_sample").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    expected = ingest([str(SAMPLES / FILES["litellm"])], feature_key=FEATURE_KEYS["litellm"])
    report = expected.report
    assert metric(at, "Monthly cost (USD)") == money(sum(f.cost for f in report.features.values()))
    assert metric(at, "Records used / read") == f"{report.records.used:,} / {report.records.read:,}"
    table = at.dataframe[0].value.set_index("feature")
    for name, figures in report.features.items():
        assert table.loc[name, "cost"] == pytest.approx(figures.cost)
        assert table.loc[name, "requests"] == pytest.approx(figures.requests)
        assert table.loc[name, "months_to_10x"] == pytest.approx(figures.months_to_10x)
        assert metric(at, f"Growth: {name}") == f"{figures.growth_monthly:+.1%} / month"
    assert len(at.get("plotly_chart")) == 2
    anomalies = at.dataframe[1].value
    assert anomalies[["feature"]].values.ravel().tolist() == ["summarizer"]
    checks = at.dataframe[2].value.set_index("model")
    assert bool(checks.loc["claude-3-5-haiku-latest", "flagged"]) and not bool(checks.loc["gpt-4o", "flagged"])

    at.button(key="ui_log_use").click().run()
    assert not at.exception
    at.switch_page("aueb/ui/routes/overview.py").run()
    assert at.title[0].value == expected.scenario.scenario.name
    assert any(expected.scenario.scenario.name in m.value for m in at.sidebar.markdown)


def test_upload_of_a_gz_log_with_a_feature_key():
    at = usage_page()
    at.text_input(key="ui_log_feature_key").set_value("app.feature").run()
    data = (SAMPLES / FILES["otel"]).read_bytes()
    at.file_uploader(key="ui_log_upload").set_value((FILES["otel"], data, "application/gzip")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    expected = ingest([str(SAMPLES / FILES["otel"])], feature_key="app.feature").report
    table = at.dataframe[0].value.set_index("feature")
    assert sorted(table.index) == sorted(expected.features)
    assert table.loc["support_chat", "cost"] == pytest.approx(expected.features["support_chat"].cost)


def test_upload_errors_are_one_line_messages():
    at = usage_page()
    at.file_uploader(key="ui_log_upload").set_value(("events.jsonl", b'{"event": "click"}\n', "application/json")).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "events.jsonl: not a known log format (tried otel, litellm, langfuse, csv); see the README for each format's "
        "fields"
    ]
    at.file_uploader(key="ui_log_upload").set_value(
        (
            "unknown.csv",
            b"timestamp,model,input_tokens,output_tokens\n2026-01-01,gpt-9,1,1\n2026-01-02,gpt-9,1,1\n",
            "text/csv",
        )
    ).run()
    assert "model 'gpt-9' is not in the price catalog" in at.error[0].value and "unknown.csv:2" in at.error[0].value


def test_log_upload_builder_checks_size_and_kind(tmp_path):
    with pytest.raises(InputError, match="the limit in the browser is 200 MB"):
        files.read_log_upload("big.csv", b" " * (files.MAX_LOG_UPLOAD_MB * 1024 * 1024 + 1))
    with pytest.raises(InputError, match="this is a PNG image"):
        files.read_log_upload("x.csv", b"\x89PNG....")
    text = (SAMPLES / FILES["csv"]).read_bytes()
    measured = files.read_log_upload("requests.csv.gz", gzip.compress(text))
    assert measured.report.records.used == ingest([str(SAMPLES / FILES["csv"])]).report.records.used


def test_charts_draw_the_daily_costs_and_mark_the_anomaly():
    measured = ingest([str(SAMPLES / FILES["csv"])])
    anomalies = anomalies_frame(measured.report)
    figure = daily_cost_chart(measured.daily, anomalies)
    areas = [t for t in figure.data if t.stackgroup == "cost"]
    assert sorted(t.name for t in areas) == ["search_answers", "summarizer", "support_chat"]
    total = sum(sum(t.y) for t in areas)
    assert total == pytest.approx(measured.daily["cost"].sum())
    marks = [t for t in figure.data if t.name == "Anomalous day"]
    assert len(marks) == 1 and [str(x) for x in marks[0].x] == ["2026-10-07"]
    models = cost_per_call_chart(measured.model_daily)
    assert sorted(t.name for t in models.data) == sorted(measured.model_daily["model"].unique())


def test_usage_page_shows_what_caching_already_saves() -> None:
    at = usage_page()
    at.button(key="ui_log_load_sample").click().run()
    assert "What prompt caching and batch already save" in [h.value for h in at.subheader]
    shown = next(df.value for df in at.dataframe if "saved" in df.value.columns)
    expected = ingest([str(SAMPLES / FILES["litellm"])], feature_key=FEATURE_KEYS["litellm"]).report
    assert shown["actual_cost"].sum() == pytest.approx(sum(f.cost for f in expected.features.values()), rel=1e-9)
    assert len(shown) and (shown["saved"] >= -1e-12).all()
    assert (shown["list_cost"] - shown["actual_cost"] - shown["saved"]).abs().max() < 1e-12


# --- following a monitor's state (`aueb dashboard --state DIR`) --------------------------------------------


def _expected(state: Path, feature: str | None) -> tuple[str, str, str]:
    """Month to date, P50 and run-out as computed from the monitor's own state file (not the snapshot)."""
    import duckdb

    from aueb.monitor import state as monitor_state
    from aueb.monitor.forecast import forecast, run_out

    con = duckdb.connect(str(state / "state.duckdb"), read_only=True)
    try:
        daily, today = monitor_state.daily(con), monitor_state.clock(con).date()
    finally:
        con.close()
    rows = daily if feature is None else daily[daily["feature"] == feature]
    result = forecast(rows.groupby("date")["cost"].sum(), today)
    budget = {None: MONITOR_BUDGETS["total"], **MONITOR_BUDGETS["features"]}.get(feature)
    day = run_out(result, budget) if budget else None
    return (
        money(result.month_to_date),
        money(result.p50),
        "no budget" if not budget else str(day) if day else "not this month",
    )


def _monitor_page(monkeypatch, state: Path) -> AppTest:
    monkeypatch.setenv("AUEB_MONITOR_STATE", str(state))
    monkeypatch.setenv("AUEB_MONITOR_REFRESH", "2")
    return usage_page()


@pytest.fixture
def budgets(tmp_path) -> Path:
    path = tmp_path / "budgets.json"
    path.write_text(json.dumps(MONITOR_BUDGETS))
    return path


def test_monitor_state_month_to_date_forecast_alerts_and_what_changed(tmp_path, monkeypatch, budgets):
    state = tmp_path / "state"
    monitor_once(MONITOR_LOG, state, budgets)
    at = _monitor_page(monkeypatch, state)
    assert not at.error, [e.value for e in at.error]
    month_to_date, p50, runs_out = _expected(state, None)
    assert metric(at, "Month to date (USD)") == month_to_date
    assert metric(at, "Month-end forecast P50 (USD)") == p50
    assert metric(at, "Monthly budget (USD)") == "$8.00"
    assert metric(at, "Runs out") == runs_out == "2026-10-25"  # 5.49 USD by the 18th, then about 0.37 a day
    # The open alerts: those of October the monitor raised (its JSON lines), newest first.
    import duckdb

    con = duckdb.connect(str(state / "state.duckdb"), read_only=True)
    raised = [json.loads(r[0]) for r in con.execute("SELECT body FROM alerts ORDER BY raised_cycle, rowid").fetchall()]
    con.close()
    october = [a for a in raised if a["period"].startswith("2026-10")][::-1]
    table = at.dataframe[0].value
    assert list(table["rule"]) == [a["rule"] for a in october]
    assert {"budget_50", "budget_100_projected", "anomaly"} <= set(table["rule"])
    assert "2026-09" not in " ".join(table["period"].astype(str))
    # Both waterfalls equal what `aueb changes --state` splits for the same periods.
    titled = {
        json.loads(c.proto.spec)["layout"]["title"]["text"]: json.loads(c.proto.spec) for c in at.get("plotly_chart")
    }
    for kind, (a, b) in {
        "week": ("2026-10-05..2026-10-11", "2026-10-12..2026-10-18"),
        "month": ("2026-09-01..2026-09-18", "2026-10-01..2026-10-18"),
    }.items():
        title = f"This {kind} to date against the same days of last {kind}<br><sup>{b} against {a}</sup>"
        split = CliRunner().invoke(app, ["changes", "--state", str(state), "--from", a, "--to", b])
        assert split.exit_code == 0, split.output
        data = json.loads(split.stdout)
        bars = titled[title]["data"][0]["y"]
        assert bars == pytest.approx([data["cost_from"], *data["effects"].values(), data["cost_to"]], rel=1e-12)
    # A feature's budget: its own figures.
    at.selectbox(key="ui_monitor_feature").set_value("support_chat").run()
    month_to_date, p50, runs_out = _expected(state, "support_chat")
    assert (metric(at, "Month to date (USD)"), metric(at, "Month-end forecast P50 (USD)")) == (month_to_date, p50)
    assert metric(at, "Monthly budget (USD)") == "$6.00" and metric(at, "Runs out") == runs_out
    at.selectbox(key="ui_monitor_feature").set_value("summarizer").run()
    assert metric(at, "Runs out") == "no budget"


def test_monitor_state_with_now_follows_the_monitor_clock(tmp_path, monkeypatch, budgets):
    state = tmp_path / "state"
    monitor_once(MONITOR_LOG, state, budgets, "--now", "2026-10-10T12:00:00")
    at = _monitor_page(monkeypatch, state)
    assert "its clock 2026-10-10 12:00 UTC" in " ".join(c.value for c in at.caption)
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert any("<sup>2026-10-05..2026-10-10 against 2026-09-28..2026-10-03</sup>" in t for t in titles)


def test_page_waits_for_the_monitor_first_cycle(tmp_path, monkeypatch):
    at = _monitor_page(monkeypatch, tmp_path)
    assert [i.value for i in at.info][0].startswith(f"Waiting for the monitor's first cycle in {tmp_path}")
    assert not at.exception and not at.error


def test_page_reads_the_state_of_a_running_monitor_and_follows_it(tmp_path, monkeypatch, budgets):
    """A monitor process holds its DuckDB state for writing all along; the page reads beside it."""
    log, state = tmp_path / "requests.csv", tmp_path / "state"
    rows = MONITOR_LOG.read_text().splitlines()[1:]
    write_log(log, rows[:2000])
    monitor_once(log, tmp_path / "first", budgets)
    process = start_monitor(log, state, budgets)
    try:
        wait_for_snapshot(state, process, 2000)
        at = _monitor_page(monkeypatch, state)
        assert not at.error, [e.value for e in at.error]
        assert metric(at, "Month to date (USD)") == _expected(tmp_path / "first", None)[0]
        write_log(log, rows[2000:], append=True)
        monitor_once(log, tmp_path / "whole", budgets)
        wait_for_snapshot(state, process, len(rows))
        at.run()
        assert process.poll() is None  # the page never blocked the monitor
        assert metric(at, "Month to date (USD)") == _expected(tmp_path / "whole", None)[0]
        assert _expected(tmp_path / "whole", None)[0] != _expected(tmp_path / "first", None)[0]
        # Why the page reads the snapshot: DuckDB lets no other process open a state held for writing.
        import duckdb

        with pytest.raises(duckdb.IOException, match="lock"):
            duckdb.connect(str(state / "state.duckdb"), read_only=True)
        # `aueb changes --state` beside the running monitor reads the snapshot too: the same split.
        periods = ["--from", "2026-09", "--to", "2026-10"]
        live = CliRunner().invoke(app, ["changes", "--state", str(state), *periods])
        assert live.exit_code == 0, live.output
        whole = json.loads(CliRunner().invoke(app, ["changes", "--state", str(tmp_path / "whole"), *periods]).stdout)
        split = json.loads(live.stdout)
        assert [split["cost_from"], split["cost_to"], *split["effects"].values()] == pytest.approx(
            [whole["cost_from"], whole["cost_to"], *whole["effects"].values()], rel=1e-9
        )
        assert len(split["cells"]) == len(whole["cells"])
    finally:
        process.terminate()
        process.wait(timeout=30)

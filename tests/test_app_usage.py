"""The Usage page through AppTest: what it shows equals what `ingest` measures; uploads, errors, "Use as scenario"."""

from __future__ import annotations

import gzip

import pytest
from helpers import ROOT, open_page
from helpers import metric as card
from streamlit.testing.v1 import AppTest

from aueb.charts.usage import cost_per_call_chart, daily_cost_chart
from aueb.errors import InputError
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
    assert metric(at, "Monthly cost (USD)") == f"${sum(f.cost for f in report.features.values()):,.2f}"
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

"""The dashboard's report downloads: the builder gives the CLI's documents, the Import and export page offers them."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from browser import requires_chromium
from helpers import APP, EXAMPLE_METRICS, open_page
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from aueb.cli import app
from aueb.engine import project
from aueb.formats import DEFAULT_SCENARIO_PATH, projection_to_json
from aueb.metrics import load_metrics
from aueb.ui import files, state

pytestmark = pytest.mark.usefixtures("clear_cache")


def data_page() -> AppTest:
    return open_page("data", timeout=90)


def test_builder_gives_the_cli_workbook(customer_support, tmp_path):
    default = customer_support
    item = files.report_download(".xlsx", default)
    assert item.file_name == "customer_support_assistant_report.xlsx" and item.key == "dl_report_xlsx"
    out = tmp_path / "r.xlsx"
    assert CliRunner().invoke(app, ["report", str(DEFAULT_SCENARIO_PATH), "--out", str(out)]).exit_code == 0
    ours, cli = (pd.read_excel(io.BytesIO(data), sheet_name=None) for data in (item.data, out.read_bytes()))
    assert list(ours) == list(cli)
    for name in ours:
        pd.testing.assert_frame_equal(ours[name], cli[name])
    rows = json.loads(projection_to_json(project(default)))["rows"]
    assert ours["Projection"]["ai_cogs"].tolist() == [r["ai_cogs"] for r in rows]


def test_builder_html_follows_the_edited_scenario_and_metrics(customer_support):
    default = customer_support
    edited = default.model_copy(update={"name": "Edited support"}, deep=True)
    html = files.report_download(".html", edited, metrics=load_metrics(EXAMPLE_METRICS)).data.decode("utf-8")
    assert "<h1>Edited support</h1>" in html
    assert 'id="distillation"' in html and "Quality retention" in html
    assert 'id="distillation"' not in files.report_download(".html", default).data.decode("utf-8")


def test_builder_and_page_take_the_measured_logs(customer_support):
    from aueb.ui.pages import usage

    measured = usage.sample("csv", 730.0)
    html = files.report_download(".html", customer_support, logs=measured.report).data.decode("utf-8")
    assert 'id="usage"' in html and f"{measured.report.records.used:,}" in html
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state[usage.MEASURED] = (measured, "the bundled sample")
    at.run()
    at.switch_page("aueb/ui/routes/data.py").run()
    assert not at.exception
    assert any("the measured logs" in c.value for c in at.caption)


def test_page_offers_the_three_reports():
    at = data_page()
    keys = [b.key for b in at.get("download_button")]
    assert {"dl_report_html", "dl_report_xlsx"} <= set(keys)
    assert "dl_report_pdf" not in keys
    assert at.button(key="ui_report_render_pdf").label == "Render the PDF"


@pytest.mark.browser
@requires_chromium
def test_page_renders_the_pdf_for_the_current_scenario():
    at = data_page()
    at.button(key="ui_report_render_pdf").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    shown, item = at.session_state["ui_report_pdf"]
    assert shown[0] is at.session_state[state.SCENARIO] and shown[-1] == "a4"
    assert item.data.startswith(b"%PDF")
    assert "dl_report_pdf" in [b.key for b in at.get("download_button")]


def test_page_says_what_to_install_without_chromium(monkeypatch, tmp_path):
    monkeypatch.setenv("AUEB_CHROMIUM", str(tmp_path / "no-chromium"))
    at = data_page()
    at.button(key="ui_report_render_pdf").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "needs Chromium" in at.error[0].value
    assert "dl_report_html" in [b.key for b in at.get("download_button")]

"""The dashboard, headless: every page through Streamlit's AppTest, and the UI's pure helpers.

Each test compares what a page shows with what the engine computes for the edited scenario,
computed here with project() on a Scenario built independently of the UI.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time

import pandas as pd
import pytest
from helpers import EXAMPLE_METRICS, ROOT, card, headline, metric, open_page, start, total, visit
from typer.testing import CliRunner

from aueb import formatting, views
from aueb.apply import apply_metrics
from aueb.catalog import lookup
from aueb.cli import app as cli_app
from aueb.engine import project
from aueb.errors import InputError
from aueb.formats import (
    DEFAULT_SCENARIO_PATH,
    PROJECTION_CSV_COLUMNS,
    load_scenarios,
    projection_to_csv,
    projection_to_json,
    read_scenarios,
    scenario_to_json,
    scenarios_to_csv,
)
from aueb.metrics import load_metrics
from aueb.scenario import Scenario
from aueb.ui import files, runner, scenario_edits

PAGES = ("overview", "costs", "edit", "distillation", "data", "economics")
SAAS = ROOT / "data" / "scenarios" / "saas_portfolio.json"
FEATURE = "in|features|Support chat|"


pytestmark = pytest.mark.usefixtures("clear_cache")


def edited(scenario: Scenario, path: tuple[str, ...], value) -> Scenario:
    data = scenario.model_dump()
    assert scenario_edits.set_path(data, path, value)
    return Scenario.model_validate(data)


def pct(value: float) -> str:
    return f"{value * 100:.1f}%"


# --- every page -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_error(page):
    at = visit(start(), page)
    assert at.title, "each page has a title"
    assert not at.error, [e.value for e in at.error]


def test_overview_headline_is_the_engine_projection(default):
    at = start()
    table = headline(at)
    for m in default.multipliers:
        for arm, column_arm in (("baseline", "without"), ("distilled", "with student")):
            row = total(default, m, arm)
            column = f"{m:g}x · {column_arm}"
            assert (
                table.loc["AI COGS / revenue (%)", column]
                == f"{pct(row['cogs_to_revenue'])} · {row['cogs_to_revenue_tier']}"
            )
            assert table.loc["Gross margin (%)", column] == pct(row["gross_margin"])
            assert table.loc["Cost ($ / request)", column] == views.money(row["cost_per_request"])
            assert table.loc["Cost ($ / correct output)", column] == views.money(row["cost_per_correct_output"])
            for metric_name, label in (
                ("inference_cost_per_request", "Inference cost ($ / request)"),
                ("routing_coverage", "Routing coverage (% of requests)"),
                ("feature_profitability", "Profitable features (%)"),
            ):
                assert table.loc[label, column].endswith(f" · {row[f'{metric_name}_tier']}")
    summary = project(default).summary.iloc[0]
    assert metric(at, "Monthly saving") == f"${summary['monthly_saving']:,.0f}"
    assert metric(at, "Payback") == f"{summary['payback_months']:.1f} months"
    assert metric(at, "ROI over 12 months") == f"{summary['roi']:.3g}x"
    # the investment break-even (about 114,000 requests a month), and the student cheaper at any volume
    assert 113_000 < summary["break_even_monthly_requests"] < 115_000
    assert metric(at, "Break-even (requests") == f"{summary['break_even_monthly_requests']:,.0f}"
    assert metric(at, "Student cheaper from") == "at any volume"
    help_text = card(at, "Student cheaper from")["help"]
    assert "at any volume" in help_text and "one-time cost" in help_text
    assert len(at.get("plotly_chart")) == 2
    assert "pays" in at.success[0].value


def test_editing_an_input_updates_the_headline_on_every_page(default):
    at = open_page("edit")
    before = metric(at, "Margin 1x")
    at.number_input(key=FEATURE + "teacher|pricing|cost").set_value(0.05).run()
    assert not at.exception and not at.error
    expected = edited(default, ("features", "Support chat", "teacher", "pricing", "cost"), 0.05)
    assert at.session_state["scenario"] == expected
    one = total(expected, 1.0, "distilled")
    assert metric(at, "Margin 1x") == pct(one["gross_margin"]) != before
    summary = project(expected).summary.iloc[0]
    assert metric(at, "Saving") == f"${summary['monthly_saving']:,.0f}"
    # The edit survives page switches and shows on the overview, exactly as the engine computes it.
    visit(at, "overview")
    hundred = total(expected, 100.0, "baseline")
    assert (
        headline(at).loc["AI COGS / revenue (%)", "100x · without"]
        == f"{pct(hundred['cogs_to_revenue'])} · {hundred['cogs_to_revenue_tier']}"
    )
    visit(at, "costs")
    visit(at, "edit")
    assert at.number_input(key=FEATURE + "teacher|pricing|cost").value == 0.05


def test_scenario_wide_inputs_multipliers_and_growth(default):
    at = open_page("edit")
    at.text_input(key="in|multipliers").set_value("1, 5, 50").run()
    at.radio(key="in|growth").set_value("usage").run()
    at.number_input(key="in|fixed_monthly_cost").set_value(4000.0).run()
    assert not at.error
    expected = default.model_copy(
        update={"multipliers": [1.0, 5.0, 50.0], "growth": "usage", "fixed_monthly_cost": 4000.0}
    )
    expected = Scenario.model_validate(expected.model_dump())
    assert at.session_state["scenario"] == expected
    assert metric(at, "Margin 50x") == pct(total(expected, 50.0, "distilled")["gross_margin"])
    visit(at, "overview")
    assert list(headline(at).columns) == [f"{m}x · {a}" for m in (1, 5, 50) for a in ("without", "with student")]


def test_invalid_input_shows_the_message_beside_the_field_and_keeps_the_last_valid_scenario(default):
    at = open_page("edit")
    at.number_input(key=FEATURE + "student|quality_retention").set_value(1.2).run()
    assert not at.exception
    assert at.session_state["scenario"] == default
    # The bundled retention is a range (0.85 to 0.97): the edited mode must stay inside it.
    assert len(at.error) == 1 and "quality_retention › mode: 1.2 is outside low 0.85 and high 0.97" in at.error[0].value
    assert "invalid" in at.sidebar.warning[0].value
    at.text_input(key="in|multipliers").set_value("1, ten").run()
    assert any("'ten' is not a number" in e.value for e in at.error)
    # Fixing the fields commits them.
    at.number_input(key=FEATURE + "student|quality_retention").set_value(0.95).run()
    at.text_input(key="in|multipliers").set_value("1, 10").run()
    assert not at.error and not at.exception
    student = at.session_state["scenario"].features[0].student
    assert student.quality_retention == 0.95 and student.ranges["quality_retention"].mode == 0.95  # the range stays
    assert at.session_state["scenario"].multipliers == [1.0, 10.0]
    at.text_input(key="in|name").set_value("").run()
    assert "at least 1 character" in at.error[0].value
    assert at.session_state["scenario"].name == default.name


def test_pricing_kinds_and_the_catalog_picker(default):
    at = open_page("edit")
    at.selectbox(key=FEATURE + "teacher|pricing|kind").set_value("tokens").run()
    picker = at.selectbox(key=FEATURE + "teacher|pricing|catalog")
    assert len(picker.options) > 1000
    choice = scenario_edits.catalog_label(lookup("gpt-4o", "openai"))
    assert choice in picker.options and "gpt-4o, openai" in choice
    picker.set_value(choice).run()
    pricing = at.session_state["scenario"].features[0].teacher.pricing
    assert (
        pricing.kind,
        pricing.model,
        pricing.provider,
        pricing.input_price_per_mtok,
        pricing.output_price_per_mtok,
    ) == ("tokens", "gpt-4o", "openai", 2.5, 10.0)
    # Catalog prices are filled in and can still be overridden.
    assert at.number_input(key=FEATURE + "teacher|pricing|input_price_per_mtok").value == 2.5
    at.number_input(key=FEATURE + "teacher|pricing|input_price_per_mtok").set_value(2.0).run()
    at.number_input(key=FEATURE + "teacher|pricing|input_tokens").set_value(2000.0).run()
    scenario = at.session_state["scenario"]
    assert scenario.features[0].teacher.pricing.input_price_per_mtok == 2.0
    assert metric(at, "Margin 1x") == pct(total(scenario, 1.0, "distilled")["gross_margin"])
    # A cross-field problem shows beside the field that caused it.
    at.number_input(key=FEATURE + "teacher|pricing|cached_input_tokens").set_value(5000.0).run()
    assert "may not exceed input_tokens" in at.error[0].value
    at.number_input(key=FEATURE + "teacher|pricing|cached_input_tokens").set_value(500.0).run()
    assert not at.error
    # Self-hosted student.
    at.selectbox(key=FEATURE + "student|pricing|kind").set_value("self_hosted").run()
    at.number_input(key=FEATURE + "student|pricing|throughput_rps").set_value(25.0).run()
    at.number_input(key=FEATURE + "student|pricing|min_replicas").set_value(2).run()
    student = at.session_state["scenario"].features[0].student.pricing
    assert (student.kind, student.throughput_rps, student.min_replicas) == ("self_hosted", 25.0, 2)
    visit(at, "overview")
    scenario = at.session_state["scenario"]
    row = total(scenario, 10.0, "distilled")
    assert headline(at).loc["Gross margin (%)", "10x · with student"] == pct(row["gross_margin"])


def test_student_off_and_on(default):
    at = open_page("edit")
    at.toggle(key=FEATURE + "has_student").set_value(False).run()
    scenario = at.session_state["scenario"]
    assert scenario.features[0].student is None and scenario.features[0].coverage is None
    assert metric(at, "Saving") == "$0"
    at.toggle(key=FEATURE + "has_student").set_value(True).run()
    scenario = at.session_state["scenario"]
    assert scenario.features[0].student is not None and scenario.features[0].coverage == 0.8
    assert not at.error and not at.exception


def test_features_table_adds_renames_and_removes(default):
    at = open_page("edit")

    def edit(edits):
        at.session_state[f"ui_features_table_{at.session_state['ui_table_rev']}"] = {
            "edited_rows": {},
            "added_rows": [],
            "deleted_rows": [],
            **edits,
        }
        at.run()
        assert not at.exception

    edit(
        {
            "edited_rows": {0: {"name": "Chat", "users": 50000.0}},
            "added_rows": [{"name": "Search", "users": 1000.0, "requests_per_user": 5.0}],
        }
    )
    scenario = at.session_state["scenario"]
    assert [f.name for f in scenario.features] == ["Chat", "Search"]
    assert scenario.features[0].users == 50000.0 and scenario.features[0].student is not None
    assert scenario.features[1].teacher == default.features[0].teacher and scenario.features[1].student is None
    assert at.selectbox(key="ui_detail_feature").value == "Chat"
    assert metric(at, "Margin 1x") == pct(total(scenario, 1.0, "distilled")["gross_margin"])
    edit({"edited_rows": {1: {"name": "Chat"}}})
    assert "used twice" in at.error[0].value
    assert [f.name for f in at.session_state["scenario"].features] == ["Chat", "Search"]
    edit({"deleted_rows": [0]})
    assert [f.name for f in at.session_state["scenario"].features] == ["Search"]
    assert not at.error
    edit({"deleted_rows": [0]})
    assert "at least 1 item" in at.error[0].value


# --- distillation ------------------------------------------------------------------------------------------


def test_distillation_applies_example_metrics(default):
    at = open_page("distillation")
    at.button(key="ui_example_metrics").click().run()
    assert not at.exception
    metrics = load_metrics(EXAMPLE_METRICS)
    assert metric(at, "Quality retention") == f"{metrics.quality_retention:.3f}"
    assert metric(at, "KD gain") == f"{metrics.kd_gain_pp:+.1f} pp"
    assert len(at.get("plotly_chart")) == 4  # with the cascade's
    at.toggle(key="ui_apply_self_hosted").set_value(True).run()
    at.number_input(key="ui_apply_hourly_price").set_value(0.5).run()
    at.button(key="ui_apply_metrics").click().run()
    expected = apply_metrics(default, metrics, "Support chat", hourly_price=0.5)
    assert at.session_state["scenario"] == expected
    assert "Applied to **Support chat**" in at.success[0].value
    assert metric(at, "Margin 1x") == pct(total(expected, 1.0, "distilled")["gross_margin"])
    visit(at, "overview")
    row = total(expected, 1.0, "distilled")
    assert (
        headline(at).loc["AI COGS / revenue (%)", "1x · with student"]
        == f"{pct(row['cogs_to_revenue'])} · {row['cogs_to_revenue_tier']}"
    )


def test_distillation_without_torch_says_how_to_install(monkeypatch):
    monkeypatch.setattr("aueb.ui.pages.distillation.torch_available", lambda: False)
    at = open_page("distillation")
    assert any("pip install -e '.[distill]'" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "ui_start_run"]


def test_metrics_upload_refuses_wrong_files():
    at = open_page("distillation")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
    for name, content, expected in (
        ("metrics.json", png, "PNG image"),
        ("metrics.txt", b"hello", "expected a metrics .json file"),
        (
            "metrics.json",
            b"{not json",
            "is not JSON (Expecting property name enclosed in double quotes at line 1 column 2)",
        ),
        ("metrics.json", DEFAULT_SCENARIO_PATH.read_bytes(), "is a scenario"),
        ("metrics.json", b" " * (files.MAX_UPLOAD_BYTES + 1), "the limit is 2 MB"),
    ):
        at.file_uploader(key="ui_metrics_upload").set_value((name, content, "application/octet-stream")).run()
        assert not at.exception
        assert expected in at.error[0].value, at.error[0].value
    at.file_uploader(key="ui_metrics_upload").set_value(
        ("mine.json", EXAMPLE_METRICS.read_bytes(), "application/json")
    ).run()
    assert not at.error
    assert any("from mine.json" in m.value for m in at.markdown)


def test_distillation_run_shows_progress_and_loads_its_metrics(monkeypatch, default):
    monkeypatch.setattr("aueb.ui.pages.distillation.DistillRun", GatedRun)
    monkeypatch.setattr("aueb.ui.pages.distillation.torch_available", lambda: True)
    at = open_page("distillation")
    at.button(key="ui_start_run").click().run()
    run = at.session_state["distill_run"]
    assert run.state == "running"
    (run.workdir / "go").touch()
    assert run.wait(timeout=30) == "done"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "distill_run" not in at.session_state
    assert metric(at, "Quality retention") == f"{load_metrics(EXAMPLE_METRICS).quality_retention:.3f}"


# --- the runner ----------------------------------------------------------------------------------------------


class FakeRun(runner.DistillRun):
    """A run that prints the distillation's progress lines and writes the example metrics."""

    script = (
        "import json, shutil, sys, time\n"
        "for i in range(1, 4):\n"
        "    print(json.dumps({'phase': 'teacher', 'done': i, 'total': 3, 'message': f'epoch {i}'}), "
        "file=sys.stderr, flush=True)\n"
        "    time.sleep(0.05)\n"
        "shutil.copy(sys.argv[1], sys.argv[2])\n"
        "print(json.dumps({'phase': 'done', 'out': sys.argv[2]}), file=sys.stderr, flush=True)\n"
    )

    def build_command(self) -> list[str]:
        return [sys.executable, "-c", self.script, str(EXAMPLE_METRICS), str(self.out)]


class GatedRun(FakeRun):
    """FakeRun that waits for a file `go` in its folder before it starts: on a loaded machine the fake
    run could otherwise end, and be read back, within the very script run that started it."""

    script = (
        "import os, sys, time\n"
        "while not os.path.exists(os.path.join(os.path.dirname(sys.argv[2]), 'go')):\n"
        "    time.sleep(0.02)\n"
    ) + FakeRun.script


class SlowRun(runner.DistillRun):
    def build_command(self) -> list[str]:
        return [
            sys.executable,
            "-c",
            "import json,sys,time\n"
            "print(json.dumps({'phase':'teacher','done':1,'total':9,'message':'x'}),file=sys.stderr,flush=True)\n"
            "time.sleep(60)",
        ]


class FailingRun(runner.DistillRun):
    def build_command(self) -> list[str]:
        return [
            sys.executable,
            "-c",
            "import sys\nprint('error: --data needs --label-column COL', file=sys.stderr)\nsys.exit(2)",
        ]


def test_runner_reads_progress_and_result():
    run = FakeRun()
    assert run.wait(timeout=30) == "done"
    assert run.phases == {"teacher": (3, 3)} and run.fraction == 1.0
    assert load_metrics(run.result_text()).quality_retention == load_metrics(EXAMPLE_METRICS).quality_retention
    run.cleanup()
    assert not run.workdir.exists()


def test_runner_cancel_kills_the_process():
    run = SlowRun()
    deadline = time.monotonic() + 20
    while run.phase != "teacher" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.state == "running" and run.message == "x"
    run.cancel()
    assert run.state == "cancelled" and run.process.poll() is not None


def test_runner_reports_the_error_line():
    run = FailingRun()
    assert run.wait(timeout=30) == "failed"
    assert run.failure() == "--data needs --label-column COL"
    run.cleanup()


def test_distill_command():
    command = runner.distill_command("/tmp/m.json", quick=True, seed=3)
    assert command[:3] == [sys.executable, "-m", "aueb.distill"]
    assert command[3:] == ["--task", "digits", "--progress", "jsonl", "--out", "/tmp/m.json", "--seed", "3", "--quick"]
    assert runner.distill_command("/tmp/m.json", task="text")[3:5] == ["--task", "text"]


@pytest.mark.torch
@pytest.mark.skipif(not runner.torch_available(), reason="torch is not installed (pip install -e '.[distill]')")
def test_real_quick_distillation_run():
    run = runner.DistillRun(quick=True, seed=0)
    assert run.wait(timeout=300) == "done", run.failure()
    assert {"teacher", "students", "measure"} <= set(run.phases)
    metrics = load_metrics(run.result_text())
    assert 0 < metrics.quality_retention <= 1.2
    run.cleanup()


# --- import and export ---------------------------------------------------------------------------------------


def test_scenario_upload_replaces_the_scenario():
    at = open_page("data")
    at.file_uploader(key="ui_scenario_upload").set_value((SAAS.name, SAAS.read_bytes(), "application/json")).run()
    assert not at.exception and not at.error
    expected = load_scenarios(SAAS)[0]
    assert at.session_state["scenario"] == expected
    visit(at, "overview")
    row = total(expected, 10.0, "baseline")
    assert headline(at).loc["Gross margin (%)", "10x · without"] == pct(row["gross_margin"])
    assert at.title[0].value == expected.name


def test_scenario_upload_of_a_csv_with_several_scenarios(default):
    other = default.model_copy(update={"name": "Second"})
    data = scenarios_to_csv([default, other]).encode("utf-8")
    at = open_page("data")
    at.file_uploader(key="ui_scenario_upload").set_value(("two.csv", data, "text/csv")).run()
    at.selectbox(key="ui_pending_choice").set_value("Second").run()
    at.button(key="ui_load_pending").click().run()
    assert at.session_state["scenario"].name == "Second"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("scenario.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "this is a PNG image"),
        ("scenario.txt", b"name,features", "expected a scenario as .json, .csv or .xlsx, not .txt"),
        ("scenario.json", b"x" * (2 * 1024 * 1024 + 1), "the limit is 2 MB"),
        ("scenario.json", b'{"name": "x"', "not valid JSON at line 1"),
    ],
)
def test_scenario_upload_refuses_wrong_files(name, content, expected, default):
    at = open_page("data")
    at.file_uploader(key="ui_scenario_upload").set_value((name, content, "application/octet-stream")).run()
    assert not at.exception
    assert expected in at.error[0].value, at.error[0].value
    assert at.session_state["scenario"] == default


def test_scenario_csv_error_names_row_and_column(default):
    text = scenarios_to_csv([default]).replace(",25000.0,", ",-5,")
    at = open_page("data")
    at.file_uploader(key="ui_scenario_upload").set_value(("bad.csv", text.encode("utf-8"), "text/csv")).run()
    message = at.error[0].value
    assert "row 2" in message and "users" in message and "-5" in message


def _without(text: str, *columns: str) -> bytes:
    """The CSV without the given columns (what a user who deletes them in a spreadsheet saves)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    keep = [i for i, name in enumerate(rows[0]) if name not in columns]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[row[i] for i in keep] for row in rows])
    return out.getvalue().encode("utf-8")


def _cli_line(path, prefix: str) -> str:
    """The one line `aueb project FILE` prints on stderr starting with prefix, the file named as uploaded."""
    result = CliRunner().invoke(cli_app, ["project", str(path)])
    (line,) = [x for x in result.stderr.splitlines() if x.startswith(prefix)]
    return line.removeprefix(prefix).replace(str(path), path.name)


def test_csv_upload_shows_the_defaults_warning_of_the_cli(default, tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(_without(scenarios_to_csv([default]), "review_minutes", "cost_per_error", "escalation"))
    expected = _cli_line(path, "warning: ")
    assert expected == "s.csv: columns missing, their defaults taken: review_minutes, cost_per_error, escalation"
    at = visit(start(), "data")
    at.file_uploader(key="ui_scenario_upload").set_value((path.name, path.read_bytes(), "text/csv")).run()
    assert not at.exception and not at.error
    assert [w.value for w in at.warning] == [expected]  # still shown after the page loaded the scenario
    assert at.session_state["scenario"] == read_scenarios(path.read_bytes(), path.name)[0]
    at.file_uploader(key="ui_scenario_upload").set_value(
        ("whole.csv", scenarios_to_csv([default]).encode(), "text/csv")
    ).run()
    assert not at.warning  # a complete file: no warning left over


def test_csv_upload_missing_an_economic_column_is_the_one_line_error(default, tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(_without(scenarios_to_csv([default]), "revenue_per_user"))
    expected = _cli_line(path, "error: ")
    at = visit(start(), "data")
    at.file_uploader(key="ui_scenario_upload").set_value((path.name, path.read_bytes(), "text/csv")).run()
    assert not at.exception and not at.warning
    assert [e.value for e in at.error] == [expected]
    assert "column revenue_per_user" in expected and "\n" not in expected
    assert at.session_state["scenario"] == default


def test_bundled_example_loads():
    at = open_page("data")
    label = next(o for o in at.selectbox(key="ui_bundled_choice").options if "saas_portfolio.json" in o)
    at.selectbox(key="ui_bundled_choice").set_value(label).run()
    at.button(key="ui_load_bundled").click().run()
    assert at.session_state["scenario"] == load_scenarios(SAAS)[0]


def test_downloads_are_what_the_cli_writes(default):
    projection = project(default)
    items = {d.key: d for d in files.downloads(default, projection)}
    assert items["dl_projection_csv"].data == projection_to_csv(projection).encode("utf-8")
    assert items["dl_projection_json"].data == projection_to_json(projection).encode("utf-8")
    assert items["dl_scenario_json"].data == scenario_to_json(default).encode("utf-8")
    assert items["dl_scenario_csv"].data == scenarios_to_csv([default]).encode("utf-8")
    frame = pd.read_csv(io.BytesIO(items["dl_projection_csv"].data), encoding="utf-8-sig")
    assert list(frame.columns) == list(PROJECTION_CSV_COLUMNS)
    assert len(frame[frame["feature"] == "ALL"]) == len(default.multipliers) * 2
    assert read_scenarios(items["dl_scenario_csv"].data, "x.csv") == [default]
    assert read_scenarios(items["dl_scenario_json"].data, "x.json") == [default]
    assert read_scenarios(items["dl_scenario_xlsx"].data, "x.xlsx") == [default]
    assert json.loads(items["dl_projection_json"].data)["summary"][default.name]["one_time_cost"] == 26300.0
    at = open_page("data")
    labels = [d.label for d in files.downloads(default, projection)]
    assert [b.label for b in at.get("download_button")][: len(labels)] == labels


# --- pure helpers ---------------------------------------------------------------------------------------------


def test_upload_checks():
    with pytest.raises(InputError, match="PNG image"):
        files.read_scenario_upload("a.csv", b"\x89PNG\r\n\x1a\n")
    with pytest.raises(InputError, match="without extension"):
        files.read_metrics_upload("metrics", b"{}")
    with pytest.raises(InputError, match="holds a JSON list"):
        files.read_metrics_upload("m.json", b"[1]")
    with pytest.raises(InputError, match="holds a JSON str"):
        files.read_metrics_upload("m.json", b'"/etc/passwd"')
    assert files.read_metrics_upload("m.json", EXAMPLE_METRICS.read_bytes()) == load_metrics(EXAMPLE_METRICS)


def test_table_edits_keep_models_and_fill_new_rows(default):
    data = scenario_edits.apply_table_edits(
        default, {"added_rows": [{}], "edited_rows": {"0": {"users": float("nan")}}}
    )
    assert data["features"][1]["name"] == "Feature 2" and data["features"][1]["users"] == 0.0
    assert data["features"][0]["users"] is None
    scenario, problems = scenario_edits.validate(data)
    assert scenario is None and problems[0].path == ("features", "Support chat", "users")


def test_parse_multipliers():
    assert formatting.parse_multipliers("1, 10x; 100") == [1.0, 10.0, 100.0]
    for bad in ("", "0", "1, x"):
        with pytest.raises(ValueError):
            formatting.parse_multipliers(bad)


def test_views_cost_components_sum_to_cost_per_request(default):
    rows = project(default).rows
    components = views.cost_components_per_request(rows).groupby(["multiplier", "arm"])["cost_per_request"].sum()
    totals = views.totals(rows).set_index(["multiplier", "arm"])["cost_per_request"]
    pd.testing.assert_series_equal(components.sort_index(), totals.sort_index(), check_names=False)


def test_views_band_ranges_follow_the_tier_table():
    from aueb.tiers import load_tiers

    tiers = load_tiers()
    assert views.band_ranges("cogs_to_revenue", tiers, 0.6) == [
        ("Elite", 0.0, 0.10),
        ("Elite-Median", 0.10, 0.15),
        ("Median", 0.15, 0.25),
        ("Median-Low", 0.25, 0.40),
        ("Low", 0.40, 0.6),
    ]
    assert views.band_ranges("routing_coverage", tiers, 1.0)[0] == ("Elite", 0.85, 1.0)


def test_tier_strips_switch_multiplier_with_the_charts_own_buttons(default):
    """The Overview's tier strips carry every multiplier: one button each, whose update sets the markers, their
    labels and the bands to exactly those of the one-multiplier chart (the report's) at that multiplier."""
    from aueb import charts
    from aueb.tiers import load_tiers

    tiers, rows = load_tiers(), project(default).rows
    fig = charts.tier_strip_chart(views.tier_positions_by_multiplier(rows), tiers, default.currency)
    (menu,) = fig.layout.updatemenus
    assert [b.label for b in menu.buttons] == [views.multiplier_label(m) for m in default.multipliers]
    for m, button in zip(default.multipliers, menu.buttons, strict=True):
        alone = charts.tier_strip_chart(views.tier_positions(rows, m), tiers, default.currency)
        assert not alone.layout.updatemenus
        data, layout = button.args
        for i, trace in enumerate(alone.data):
            assert list(data["x"][i]) == list(trace.x) and list(data["text"][i]) == list(trace.text)
            assert list(data["hovertemplate"][i] or []) == list(trace.hovertemplate or [])
        assert [(s["x0"], s["x1"], s["fillcolor"]) for s in layout["shapes"]] == [
            (s.x0, s.x1, s.fillcolor) for s in alone.layout.shapes
        ]
        assert all(s["line"]["width"] == 0 for s in layout["shapes"])  # plotly.js reads line.width, not line_width
    # the chart opens at the first multiplier; at 100x the student's COGS / revenue marker reads its 100x value
    assert list(fig.data[0].x) == list(menu.buttons[0].args[0]["x"][0])
    hundred = total(default, 100.0, "distilled")
    assert (
        f" {pct(hundred['cogs_to_revenue'])} · {hundred['cogs_to_revenue_tier']} "
        in menu.buttons[-1].args[0]["text"][1]
    )

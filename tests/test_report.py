"""aueb report: the HTML parses and holds the JSON output's figures, the XLSX reads back to the last digit,
the PDF has its pages and figures (rendered to PNG in test-artifacts/ for a reviewer), a missing renderer is one line.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from browser import CHROMIUM, artifacts_dir, launch
from conftest import feature_dict, scenario_dict, student_dict
from openpyxl import load_workbook
from typer.testing import CliRunner

from aueb import risk, views
from aueb.cli import app
from aueb.engine import ROW_COLUMNS, project
from aueb.formats import DEFAULT_SCENARIO_PATH, load_scenarios, projection_to_json, scenario_table
from aueb.logs import IngestReport
from aueb.metrics import load_metrics
from aueb.planner import plan
from aueb.report import build_report, render, render_html, render_pdf, render_xlsx
from aueb.report.pdf import RendererMissing
from aueb.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_METRICS = ROOT / "data" / "metrics_example.json"
RUNNER = CliRunner()
DEFAULT_A4_PAGES = 8
# Printing needs Chromium and reading the PDF back poppler-utils; the PDF tests are marked `browser`, so a leg
# without a browser deselects them (-m "not browser"). Elsewhere a machine without them skips, under CI (`CI` set)
# fails.
pdf_tools = pytest.mark.skipif(
    not (CHROMIUM.exists() and shutil.which("pdftotext")) and not os.environ.get("CI"),
    reason="needs chromium and poppler-utils (apt-get install chromium poppler-utils)",
)


class _Page(HTMLParser):
    """The visible text, the script and link elements and the ids of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.links: list[dict[str, str | None]] = []
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = True
        if tag == "link":
            self.links.append(attributes)
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if not self._in_script:
            self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def default() -> Scenario:
    return load_scenarios(DEFAULT_SCENARIO_PATH)[0]


@pytest.fixture(scope="module")
def content(default):
    return build_report(default)


@pytest.fixture(scope="module")
def output(default) -> dict:
    return json.loads(projection_to_json(project(default)))


def headline_texts(output: dict, currency: str) -> list[str]:
    """Every headline figure of the JSON output's total rows and summary, as a reader sees it."""
    texts = []
    for row in output["rows"]:
        if row["feature"] != "ALL":
            continue
        for _, metric, kind in views.HEADLINE_METRICS:
            texts.append(views.format_value(kind, row[metric], currency))
            if metric.replace("_tier", "") + "_tier" in row and row.get(f"{metric}_tier"):
                texts.append(row[f"{metric}_tier"])
    (summary,) = output["summary"].values()
    texts += [
        views.money(summary["monthly_saving"], currency, "month"),
        views.money(summary["one_time_cost"], currency),
        views.months(summary["payback_months"]),
        views.times(summary["roi"]),
        views.times(summary["margin_collapse_multiplier_baseline"]),
        views.times(summary["margin_collapse_multiplier_distilled"]),
        *(
            "at any volume" if summary[key] == 0 else f"{views.volume(summary[key])} requests / month"
            for key in ("break_even_monthly_requests", "student_cheaper_from_monthly_requests")
        ),
    ]
    return texts


def test_html_is_one_self_contained_file_with_every_headline_figure(content, output, default):
    html = render_html(content)
    page = parse(html)
    assert not [s for s in page.scripts if s.get("src")], "no script is loaded from elsewhere"
    assert not [link for link in page.links if (link.get("href") or "").startswith(("http", "//"))]
    assert html.count("* plotly.js v") == 1, "plotly.js is inlined once, not per chart"
    text = " ".join(" ".join(page.text).split())
    assert default.name in text and f"{content.created:%d %B %Y}" in text
    missing = [t for t in headline_texts(output, default.currency) if t not in text]
    assert not missing, missing
    assert "The AI pays with the student" in text
    for label in (
        "Payback",
        "ROI over 12 months",
        "Break-even volume",
        "Student cheaper from",
        "Margin collapse, with student",
    ):
        assert label in text
    assert "Break-even volume 114,141 requests / month" in text  # the investment break-even of the default scenario
    assert "Student cheaper from at any volume" in text
    # Eight charts: COGS / revenue, tier strips at 1x and 100x, cost per request, volume, features; the default
    # scenario has ranges, so the Monte Carlo fan and the tornado too.
    assert sum(1 for i in page.ids if i.startswith("chart-") and i != "chart-data") == 8
    # Every definition link lands on an entry of the economics section.
    anchors = {h[1:] for h in page.hrefs if h.startswith("#econ-")}
    assert anchors and anchors <= page.ids
    assert {"econ-cogs_to_revenue", "econ-payback_months", "econ-break_even_monthly_requests"} <= anchors


def test_charts_use_plotly_template_whatever_the_process_default(default, monkeypatch):
    """Streamlit makes its own template the default (with colours only its front end fills in); a report keeps
    plotly's."""
    import plotly.io as pio

    monkeypatch.setattr(pio.templates, "default", "streamlit" if "streamlit" in pio.templates else "plotly_dark")
    html = render_html(build_report(default, risk_samples=200))
    assert "#000011" not in html and '"paper_bgcolor":"rgb(17,17,17)"' not in html
    assert html.count('"template":') == 0 and html.count("var template = ") == 1


def test_html_lists_every_input_with_its_unit(content):
    text = " ".join(" ".join(parse(render_html(content)).text).split())
    for cells in (
        "users 25,000 (range 15,000 to 50,000) users per month",
        "requests_per_user 40 (range 25 to 70) requests per user per month",
        "teacher.pricing.cost 0.03 USD per request",
        "fixed_monthly_cost 1,500 USD per month",
        "escalation 0.08 fraction 0-1",
        "coverage 0.85 (range ",
    ):
        assert cells in text


def test_html_escapes_the_scenario_text():
    hostile = Scenario.model_validate(
        scenario_dict([feature_dict("<img src=x onerror=alert(1)>")], name="</script><script>alert(1)</script>")
    )
    html = render_html(build_report(hostile))
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    page = parse(html)
    assert "</script><script>alert(1)</script>" in " ".join(page.text)


def test_xlsx_reads_back_the_json_figures_to_the_last_digit(content, output, default):
    data = render_xlsx(content)
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert list(sheets)[:4] == ["Summary", "Projection", "Inputs", "Tiers"]

    projection = sheets["Projection"]
    assert list(projection.columns) == list(ROW_COLUMNS)
    expected = pd.DataFrame(output["rows"], columns=list(ROW_COLUMNS))
    numbers = [c for c in ROW_COLUMNS if c not in ("scenario", "feature", "arm") and not c.endswith("_tier")]
    values = expected[numbers].astype(float).to_numpy()
    # The figures need 17 digits somewhere, so 16-digit writing (XlsxWriter's own) would fail this test.
    assert any(float(f"{v:.16g}") != v for v in values.ravel() if v == v)
    assert (projection[numbers].to_numpy() == values)[~pd.isna(values)].all()
    assert (pd.isna(projection[numbers].to_numpy()) == pd.isna(values)).all()
    assert projection["feature"].astype(str).tolist() == expected["feature"].tolist()

    summary = sheets["Summary"].set_index("key")["value"]
    (json_summary,) = output["summary"].values()
    for key, value in json_summary.items():
        assert pd.isna(summary[key]) if value is None else summary[key] == value, key

    header, rows = scenario_table([default])
    inputs = sheets["Inputs"]
    assert list(inputs.columns) == list(header)
    for column, value in zip(header, rows[0], strict=False):
        got = inputs[column].iloc[0]
        assert pd.isna(got) if value is None else got == value, column
    tiers = sheets["Tiers"]
    assert len(tiers) == 4 * 2 * len(default.multipliers)
    assert set(tiers["band"].dropna()) <= {"Elite", "Elite-Median", "Median", "Median-Low", "Low"}


def test_xlsx_formats_freezes_and_keeps_text_as_text():
    scenario = Scenario.model_validate(
        scenario_dict(
            [feature_dict('=HYPERLINK("http://x","y")', student=student_dict(), coverage=0.5)],
            name="+cmd|' /C calc'!A0",
        )
    )
    book = load_workbook(io.BytesIO(render_xlsx(build_report(scenario))))
    for name in ("Summary", "Projection", "Inputs", "Tiers"):
        assert book[name].freeze_panes == "A2"
        assert all(book[name].column_dimensions[c].width for c in ("A", "B"))
    cells = [
        c
        for row in book["Inputs"].iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith(("=", "+"))
    ]
    assert {c.value for c in cells} == {'=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0"}
    assert all(c.data_type == "s" for c in cells)
    projection = book["Projection"]
    header = [c.value for c in projection[1]]
    row = [c for c in projection[2]]
    assert row[header.index("cogs_to_revenue")].number_format == "0.0%"
    assert row[header.index("ai_cogs")].number_format.startswith("#,##0.00")
    assert isinstance(row[header.index("ai_cogs")].value, float)


@pytest.mark.browser
@pdf_tools
def test_pdf_pages_footer_and_headline_figures(content, output, default):
    data = render_pdf(content, "a4")
    folder = artifacts_dir()
    pdf = folder / "report-a4.pdf"
    pdf.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert f"Pages:           {DEFAULT_A4_PAGES}" in info
    assert re.search(r"Page size: .* pts \(A4\)", info)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    missing = [t for t in headline_texts(output, default.currency) if t not in flat]
    assert not missing, missing
    for page in range(1, DEFAULT_A4_PAGES + 1):
        assert f"page {page} of {DEFAULT_A4_PAGES}" in flat
    assert flat.count(f"{default.name} · AI unit economics report") == DEFAULT_A4_PAGES
    # Charts are vector: their labels are text in the PDF.
    assert "AI COGS against monthly volume" in flat and "Cost per request by component" in flat
    for old in folder.glob("report-a4-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(folder / "report-a4")], check=True)
    assert len(list(folder.glob("report-a4-*.png"))) == DEFAULT_A4_PAGES


@pytest.mark.browser
@pdf_tools
def test_no_chart_label_is_cut(default):
    """Every axis label and legend entry lies inside its chart and nothing is wider than the page, on screen and at the
    PDF's width, every section shown."""
    from playwright.sync_api import sync_playwright

    content = build_report(
        default,
        metrics=load_metrics(EXAMPLE_METRICS),
        logs=IngestReport.model_validate(logs_document()),
        risk_samples=500,
    )
    with sync_playwright() as p:
        browser = launch(p)
        try:
            for responsive, width in ((True, 1280), (False, 955)):
                page = browser.new_page(viewport={"width": width, "height": 1000})
                page.set_content(render_html(content, responsive=responsive), wait_until="load")
                page.wait_for_function("document.body.getAttribute('data-charts') === 'drawn'", timeout=60_000)
                assert page.evaluate("window.chartLabelsCut()") == [], f"chart labels cut at {width} px"
                # Nothing wider than the page: a wide table would shrink every page of the PDF.
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.close()
        finally:
            browser.close()


@pytest.mark.browser
@pdf_tools
def test_cli_writes_each_kind_and_letter_paper(tmp_path):
    for name in ("r.html", "r.xlsx", "r.pdf"):
        result = RUNNER.invoke(
            app, ["report", str(DEFAULT_SCENARIO_PATH), "--out", str(tmp_path / name), "--paper", "letter"]
        )
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_size > 10_000
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(tmp_path / "r.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size: .* pts \(letter\)", info)


def one_line_error(args: list[str], env: dict[str, str] | None = None) -> str:
    result = RUNNER.invoke(app, args, env=env)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_missing_chromium_is_one_line_and_html_still_works(tmp_path):
    line = one_line_error(
        ["report", str(DEFAULT_SCENARIO_PATH), "--out", str(tmp_path / "r.pdf")],
        env={"AUEB_CHROMIUM": str(tmp_path / "none")},
    )
    assert "needs Chromium" in line and "AUEB_CHROMIUM" in line
    assert not (tmp_path / "r.pdf").exists()
    result = RUNNER.invoke(
        app,
        ["report", str(DEFAULT_SCENARIO_PATH), "--out", str(tmp_path / "r.html")],
        env={"AUEB_CHROMIUM": str(tmp_path / "none")},
    )
    assert result.exit_code == 0 and (tmp_path / "r.html").exists()


def test_missing_chromium_on_path_and_missing_playwright(tmp_path, monkeypatch, content):
    monkeypatch.delenv("AUEB_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RendererMissing, match="apt-get install chromium"):
        render_pdf(content)
    monkeypatch.setenv("AUEB_CHROMIUM", sys.executable)  # any executable: the import fails first
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)
    with pytest.raises(RendererMissing, match=r"pip install 'aueb\[report\]'"):
        render_pdf(content)


def test_bad_arguments_are_one_line(tmp_path):
    assert "must end in .html, .pdf or .xlsx" in one_line_error(
        ["report", str(DEFAULT_SCENARIO_PATH), "--out", str(tmp_path / "r.docx")]
    )
    bad = tmp_path / "m.json"
    bad.write_text("{}")
    assert one_line_error(
        ["report", str(DEFAULT_SCENARIO_PATH), "--metrics", str(bad), "--out", str(tmp_path / "r.html")]
    ).startswith("error: --metrics:")
    assert "window: " in one_line_error(
        ["report", str(DEFAULT_SCENARIO_PATH), "--logs-report", str(bad), "--out", str(tmp_path / "r.html")]
    )
    assert "holds no scenario named 'nope'" in one_line_error(
        ["report", str(DEFAULT_SCENARIO_PATH), "--scenario", "nope"]
    )


# --- optional sections, from documents shaped as the other issues' contracts say ----------------------------


def logs_document() -> dict:
    feature = {
        "requests": 41234.0,
        "users": 812,
        "requests_per_user": 50.78,
        "input_tokens_mean": 612.4,
        "cached_input_tokens_mean": 120.0,
        "output_tokens_mean": 88.1,
        "input_tokens_p50": 600,
        "input_tokens_p95": 950,
        "output_tokens_p50": 80,
        "output_tokens_p95": 160,
        "cache_hit_rate": 0.12,
        "cost": 318.77,
        "cost_per_request": 0.00773,
        "models": {"gpt-4o-mini": 1.0},
        "growth_monthly": 0.21,
        "months_to_10x": 12.1,
        "months_to_100x": 24.2,
    }
    return {
        "window": {"start": "2026-10-01T00:00:00Z", "end": "2026-10-31T10:00:00Z", "hours": 730.0, "scaled": False},
        "records": {
            "read": 5000,
            "used": 4990,
            "bad": 10,
            "first_bad": {"file": "calls.jsonl", "line": 17, "reason": "negative input_tokens"},
        },
        "features": {"Ticket triage": feature},
        "daily": [
            {"date": f"2026-10-{d:02d}", "feature": "Ticket triage", "requests": 1300 + d, "cost": 10.0 + d}
            for d in range(1, 31)
        ],
        "anomalies": [
            {"feature": "Ticket triage", "date": "2026-10-20", "cost": 30.0, "median": 11.0, "threshold": 14.5}
        ],
        "price_checks": [
            {
                "model": "gpt-4o-mini",
                "recorded_cost": 330.1,
                "recomputed_cost": 318.77,
                "ratio": 1.0355,
                "flagged": True,
            }
        ],
    }


def test_optional_sections_show_metrics_priced_cascade_and_logs(default):
    metrics = load_metrics(EXAMPLE_METRICS)
    cascade = metrics.cascade
    priced = plan(default, cascade, "Support chat")
    best = priced.points.iloc[priced.best]
    content = build_report(
        default, metrics=metrics, logs=IngestReport.model_validate(logs_document()), risk_samples=500
    )
    text = " ".join(" ".join(parse(render_html(content)).text).split())
    for expected in (
        "Distillation metrics",
        f"Quality retention {metrics.quality_retention:.4f}",
        "+3.80 pp ± 0.60",
        f"APGR {cascade.apgr:.3f}",
        f"CPT(95%) {views.pct(cascade.cpt['0.95'])}",
        f"AURC {cascade.aurc:.4f}",
        "Best operating point for Support chat at 1x",
        f"Threshold {best['threshold']:.4g}",
        f"Net AI value (USD / month) {views.money(best['net_ai_value'], 'USD')}",
        "Measured from request logs",
        "4,990 of 5,000 log records (10 bad; the first: calls.jsonl, line 17: negative input_tokens",
        "window 2026-10-01 00:00 to 2026-10-31 10:00 UTC",
        "Ticket triage",
        "41,234",
        "21.0%",
        "Anomalous days",
        "Price checks",
        "gpt-4o-mini",
        "1.036",
    ):
        assert expected in text, expected
    assert 'id="chart-cascade"' in render_html(content)
    sheets = pd.read_excel(io.BytesIO(render_xlsx(content)), sheet_name=None)
    assert {"Distillation", "Cascade", "Usage", "Usage daily"} <= set(sheets)
    assert sheets["Cascade"]["net_ai_value"].tolist() == priced.points["net_ai_value"].tolist()
    assert sheets["Cascade"]["best"].tolist().index(True) == priced.best
    assert sheets["Usage"].set_index("feature").loc["Ticket triage", "cost"] == 318.77


def test_risk_section_holds_the_monte_carlo_figures(default):
    samples, seed = 2_000, 3
    content = build_report(default, risk_samples=samples, risk_seed=seed)
    text = " ".join(" ".join(parse(render_html(content)).text).split())
    report = risk.risk_report([default], samples, seed)
    summary = report.summary[default.name]
    assert f"{samples:,} Monte Carlo samples (seed {seed})" in text
    assert f"Pays back within 12 months {views.pct(summary.payback_within_horizon_probability)}" in text
    assert f"P50 {views.money(summary.monthly_saving.p50, default.currency)}" in text
    for row in report.percentiles:
        if row.figure == "cogs_to_revenue":
            assert (
                f"{views.multiplier_label(row.multiplier)} {views.arm_label(row.arm)} {views.pct(row.p10)} "
                f"{views.pct(row.p50)} {views.pct(row.p90)}" in text
            )
    for bar in report.tornado:
        assert bar.input in text
    sheets = pd.read_excel(io.BytesIO(render_xlsx(content)), sheet_name=None)
    assert sheets["Risk percentiles"]["p50"].tolist() == [r.p50 for r in report.percentiles]
    assert sheets["Tornado"]["swing"].tolist() == [b.swing for b in report.tornado]
    plain = Scenario.model_validate(scenario_dict([feature_dict(student=student_dict(), coverage=0.5)]))
    assert not risk.ranged_inputs(plain) and 'id="risk"' not in render_html(build_report(plain))


def test_cli_logs_report_and_metrics(tmp_path):
    logs = tmp_path / "logs.json"
    logs.write_text(json.dumps(logs_document()))
    bad = tmp_path / "bad_logs.json"
    bad.write_text(json.dumps({**logs_document(), "records": {"read": 1}}))
    assert "not the JSON that `aueb ingest --report` writes: records.used" in one_line_error(
        ["report", str(DEFAULT_SCENARIO_PATH), "--logs-report", str(bad), "--out", str(tmp_path / "x.html")]
    )
    out = tmp_path / "r.html"
    result = RUNNER.invoke(
        app,
        [
            "report",
            str(DEFAULT_SCENARIO_PATH),
            "--out",
            str(out),
            "--metrics",
            str(EXAMPLE_METRICS),
            "--logs-report",
            str(logs),
        ],
    )
    assert result.exit_code == 0, result.output
    text = " ".join(" ".join(parse(out.read_text()).text).split())
    assert "Measured from request logs" in text and "Distillation metrics" in text


def test_cli_reports_what_aueb_ingest_measured(tmp_path):
    """The real producer: the bundled sample log through `aueb ingest --report`, then `aueb report --logs-report`."""
    measured = tmp_path / "measured.json"
    result = RUNNER.invoke(app, ["ingest", str(ROOT / "data" / "logs" / "requests.csv"), "--report", str(measured)])
    assert result.exit_code == 0, result.output
    report = IngestReport.model_validate_json(measured.read_text())
    out, html = tmp_path / "r.xlsx", tmp_path / "r.html"
    for target in (out, html):
        written = RUNNER.invoke(
            app, ["report", str(DEFAULT_SCENARIO_PATH), "--logs-report", str(measured), "--out", str(target)]
        )
        assert written.exit_code == 0, written.output
    usage = pd.read_excel(out, sheet_name="Usage").set_index("feature")
    for name, figures in report.features.items():
        assert usage.loc[name, "cost"] == figures.cost and usage.loc[name, "requests"] == figures.requests
    text = " ".join(" ".join(parse(html.read_text()).text).split())
    assert f"Measured from {report.records.used:,} of {report.records.read:,} log records" in text
    assert 'id="chart-usage_daily"' in html.read_text()


def test_render_by_kind(content):
    assert render(content, ".html").startswith(b"<!doctype html>")
    assert render(content, ".xlsx").startswith(b"PK")
    with pytest.raises(ValueError, match="unknown report kind"):
        render(content, ".docx")

"""The report downloads in a real browser: HTML and Excel come down when clicked, the PDF after rendering."""

from __future__ import annotations

import io

import pandas as pd
from browser import READY, artifacts_dir, browser_page, go, requires_chromium

from aueb.formats import DEFAULT_SCENARIO_PATH, load_scenarios

pytestmark = requires_chromium


def test_report_downloads_in_chromium(server, tmp_path):
    scenario = load_scenarios(DEFAULT_SCENARIO_PATH)[0]
    with browser_page(server, height=1600, accept_downloads=True) as page:
        go(page, "Import and export")
        saved = {}
        for label in ("Report (HTML)", "Report (Excel)"):
            with page.expect_download(timeout=60_000) as download:
                page.get_by_role("button", name=label).click()
            saved[label] = tmp_path / download.value.suggested_filename
            download.value.save_as(saved[label])
        html = saved["Report (HTML)"].read_text(encoding="utf-8")
        assert saved["Report (HTML)"].name == "customer_support_assistant_report.html"
        assert f"<h1>{scenario.name}</h1>" in html and "39.7%" in html
        sheets = pd.read_excel(io.BytesIO(saved["Report (Excel)"].read_bytes()), sheet_name=None)
        assert list(sheets)[:4] == ["Summary", "Projection", "Inputs", "Tiers"]

        page.get_by_role("button", name="Render the PDF").click()
        pdf_button = page.get_by_role("button", name="Report (PDF)")
        pdf_button.wait_for(timeout=90_000)
        page.wait_for_selector(READY, timeout=30_000)
        page.screenshot(path=str(artifacts_dir() / "report-downloads.png"), full_page=True)
        with page.expect_download(timeout=30_000) as download:
            pdf_button.click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        assert path.name == "customer_support_assistant_report.pdf"
        assert path.read_bytes().startswith(b"%PDF")

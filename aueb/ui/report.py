"""The "Download report" part of the Import and export page: HTML, Excel and PDF of the current scenario.

HTML and Excel are built when their button is clicked (deferred downloads); the PDF is rendered on request,
under a spinner, and kept until the scenario, the metrics or the paper change.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from aueb.report import RendererMissing
from aueb.scenario import Scenario
from aueb.ui import files

PDF = "ui_report_pdf"  # (scenario, metrics, paper, Download) of the last rendered PDF
PDF_ERROR = "ui_report_pdf_error"
PAPERS = {"a4": "A4", "letter": "US Letter"}


def _report_bytes(kind: str, scenario: Scenario, metrics: Any, logs: Any, risk: Any) -> bytes:
    return files.report_download(kind, scenario, metrics=metrics, logs=logs, risk=risk).data


def _render_pdf(scenario: Scenario, metrics: Any, logs: Any, risk: Any, paper: str) -> None:
    st.session_state.pop(PDF_ERROR, None)
    with st.spinner("Rendering the PDF with Chromium (a few seconds)...", show_time=True):
        try:
            item = files.report_download(".pdf", scenario, metrics=metrics, logs=logs, risk=risk, paper=paper)
        except RendererMissing as exc:
            st.session_state[PDF_ERROR] = str(exc)
            return
    st.session_state[PDF] = (scenario, metrics, paper, item)


def download_section(scenario: Scenario, metrics: Any = None, logs: Any = None, risk: Any = None) -> None:
    st.subheader("Download report")
    st.caption(
        "A document to forward: the verdict, the headline with industry bands, the charts, the investment figures and every input "
        "with its unit, each figure with its definition; the distillation metrics too when loaded. "
        "The same documents as `aueb report --out report.html|report.pdf|report.xlsx`."
    )
    columns = st.columns(3)
    for column, kind in zip(columns, (".html", ".xlsx")):
        label, mime, help = files.REPORT_KINDS[kind]
        column.download_button(
            label, partial(_report_bytes, kind, scenario, metrics, logs, risk), f"{files.slug(scenario.name)}_report{kind}", mime,
            key=f"dl_report_{kind[1:]}", help=help, icon=":material/description:", width="stretch", on_click="ignore",
        )
    with columns[2]:
        paper = st.session_state.get("ui_report_paper") or "a4"
        rendered = st.session_state.get(PDF)
        if rendered and rendered[0] is scenario and rendered[1] is metrics and rendered[2] == paper:
            item = rendered[3]
            st.download_button(item.label, item.data, item.file_name, item.mime, key="dl_report_pdf", help=item.help,
                               icon=":material/picture_as_pdf:", width="stretch", on_click="ignore")
        elif st.button("Render the PDF", key="ui_report_render_pdf", icon=":material/picture_as_pdf:", width="stretch",
                       help="Chromium prints the HTML report; it takes a few seconds."):
            _render_pdf(scenario, metrics, logs, risk, paper)
            st.rerun()
        st.segmented_control("Paper of the PDF", list(PAPERS), format_func=PAPERS.get, key="ui_report_paper", default="a4", required=True)
        if st.session_state.get(PDF_ERROR):
            st.error(st.session_state[PDF_ERROR], icon=":material/error:")

"""The "Download report" part of the Import and export page: HTML, Excel and PDF of the current scenario.

The report holds what the dashboard holds: the current scenario (its ranges too, with the Risk page's samples
and seed), the distillation metrics and the measured logs when loaded. HTML and Excel are built when their
button is clicked (deferred downloads); the PDF is rendered on request, under a spinner, and kept until what
it shows changes.
"""

from __future__ import annotations

import functools
from typing import Any

import streamlit as st

from aueb.report import RendererMissing
from aueb.scenario import Scenario
from aueb.ui import files
from aueb.ui.pages import distillation, usage
from aueb.ui.pages import risk as risk_page

PDF = "ui_report_pdf"  # (what the PDF shows, Download) of the last rendered PDF
PDF_ERROR = "ui_report_pdf_error"
PAPER = "ui_report_paper"
PAPERS = {"a4": "A4", "letter": "US Letter"}


def report_inputs() -> dict[str, Any]:
    """What the report shows besides the scenario: metrics, measured logs, the Risk page's samples and seed."""
    metrics = distillation.current_metrics()
    measured = st.session_state.get(usage.MEASURED)
    return {
        "metrics": metrics[0] if metrics else None,
        "logs": measured[0].report if measured else None,
        "risk_samples": st.session_state.get(risk_page.SAMPLES_KEY),
        "risk_seed": st.session_state.get(risk_page.SEED_KEY),
    }


def _report_bytes(kind: str, scenario: Scenario, inputs: dict[str, Any]) -> bytes:
    return files.report_download(kind, scenario, **inputs).data


def _render_pdf(scenario: Scenario, inputs: dict[str, Any], paper: str) -> None:
    st.session_state.pop(PDF_ERROR, None)
    with st.spinner("Rendering the PDF with Chromium (a few seconds)...", show_time=True):
        try:
            item = files.report_download(".pdf", scenario, paper=paper, **inputs)
        except RendererMissing as exc:
            st.session_state[PDF_ERROR] = str(exc)
            return
    st.session_state[PDF] = ((scenario, *inputs.values(), paper), item)


def _same(shown: tuple, now: tuple) -> bool:
    return len(shown) == len(now) and all(a is b or a == b for a, b in zip(shown, now, strict=True))


def download_section(scenario: Scenario) -> None:
    inputs = report_inputs()
    st.subheader("Download report")
    loaded = [
        name
        for name, key in (("the distillation metrics", "metrics"), ("the measured logs", "logs"))
        if inputs[key] is not None
    ]
    st.caption(
        "A document to forward: the verdict, the headline with industry bands, the charts, the investment figures and "
        "every input "
        "with its unit, each figure with its definition; the Monte Carlo percentiles and tornado when the scenario has "
        "ranges"
        + (f"; {' and '.join(loaded)}" if loaded else "")
        + ". The same documents as `aueb report --out report.html|report.pdf|report.xlsx`."
    )
    columns = st.columns(3)
    for column, kind in zip(columns[:2], (".html", ".xlsx"), strict=True):
        label, mime, help = files.REPORT_KINDS[kind]
        column.download_button(
            label,
            functools.partial(_report_bytes, kind, scenario, inputs),
            f"{files.slug(scenario.name)}_report{kind}",
            mime,
            key=f"dl_report_{kind[1:]}",
            help=help,
            icon=":material/description:",
            width="stretch",
            on_click="ignore",
        )
    with columns[2]:
        paper = st.session_state.get(PAPER) or "a4"
        rendered = st.session_state.get(PDF)
        if rendered and _same(rendered[0], (scenario, *inputs.values(), paper)):
            item = rendered[1]
            st.download_button(
                item.label,
                item.data,
                item.file_name,
                item.mime,
                key="dl_report_pdf",
                help=item.help,
                icon=":material/picture_as_pdf:",
                width="stretch",
                on_click="ignore",
            )
        elif st.button(
            "Render the PDF",
            key="ui_report_render_pdf",
            icon=":material/picture_as_pdf:",
            width="stretch",
            help="Chromium prints the HTML report; it takes a few seconds.",
        ):
            _render_pdf(scenario, inputs, paper)
            st.rerun()
        st.segmented_control(
            "Paper of the PDF", list(PAPERS), format_func=PAPERS.__getitem__, key=PAPER, default="a4", required=True
        )
        if st.session_state.get(PDF_ERROR):
            st.error(st.session_state[PDF_ERROR], icon=":material/error:")

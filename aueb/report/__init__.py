"""Reports people forward: a self-contained HTML file, the same as a PDF, and an Excel workbook.

build_report gathers the content once (aueb.report.content); html, pdf and xlsx render it.
"""

from aueb.report.content import build_report
from aueb.report.html import render_html
from aueb.report.model import ReportContent
from aueb.report.pdf import PAPER_SIZES, RendererMissing, render_pdf
from aueb.report.xlsx import render_xlsx

KINDS = {".html": "HTML", ".pdf": "PDF", ".xlsx": "XLSX"}


def render(content: ReportContent, kind: str, paper: str = "a4") -> bytes:
    """The bytes of the report as `kind` (.html, .pdf or .xlsx)."""
    if kind == ".html":
        return render_html(content).encode("utf-8")
    if kind == ".pdf":
        return render_pdf(content, paper)
    if kind == ".xlsx":
        return render_xlsx(content)
    raise ValueError(f"unknown report kind {kind!r}; expected one of {', '.join(KINDS)}")


__all__ = [
    "KINDS",
    "PAPER_SIZES",
    "ReportContent",
    "RendererMissing",
    "build_report",
    "render",
    "render_html",
    "render_pdf",
    "render_xlsx",
]

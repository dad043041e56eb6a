"""The PDF report: the HTML report printed by Chromium (through Playwright), charts as vector SVG.

Chromium is the system's (Debian's `chromium`, or AUEB_CHROMIUM); nothing downloads a browser.
A missing Chromium or playwright package is a RendererMissing error that says what to install.
"""

from __future__ import annotations

import os
import shutil
from html import escape
from typing import Any

from aueb.report.html import render_html
from aueb.report.model import ReportContent

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Paper width in millimetres, and Playwright's name of the format.
PAPER_SIZES = {"a4": (210.0, "A4"), "letter": (215.9, "Letter")}
MARGIN_MM = 14
# The page is laid out as wide as the HTML report on a screen and printed at this scale,
# so charts and text keep their proportions.
PRINT_SCALE = 0.72
DRAW_TIMEOUT_MS = 60_000


class RendererMissing(RuntimeError):
    """What the PDF renderer lacks, and how to install it, in one line."""


def chromium_path() -> str:
    """The Chromium to print with: $AUEB_CHROMIUM, else the first Chromium or Chrome on PATH."""
    given = os.environ.get("AUEB_CHROMIUM")
    if given:
        if not (os.path.isfile(given) and os.access(given, os.X_OK)):
            raise RendererMissing(f"the PDF report needs Chromium: AUEB_CHROMIUM={given} is not an executable file")
        return given
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise RendererMissing(
        "the PDF report needs Chromium: install it (Debian/Ubuntu: apt-get install chromium) or set AUEB_CHROMIUM to "
        "its path"
    )


def launch(playwright: Any, executable: str | None = None) -> Any:
    """Chromium under Playwright with the flags this project prints and tests with (never `playwright install`):
    `executable`, else chromium_path(). Also the dashboard benchmark's browser."""
    return playwright.chromium.launch(executable_path=executable or chromium_path(), args=CHROMIUM_ARGS)


def _footer(name: str) -> str:
    return (
        '<div style="width:100%;font-size:8px;color:#4b5563;padding:0 14mm;display:flex;justify-content:space-between;'
        'font-family:Helvetica,Arial,sans-serif">'
        f"<span>{escape(name)} · AI unit economics report</span>"
        '<span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>'
    )


def render_pdf(content: ReportContent, paper: str = "a4") -> bytes:
    """The report as PDF bytes on A4 or US Letter; RendererMissing when Chromium or playwright is absent."""
    if paper not in PAPER_SIZES:
        raise ValueError(f"paper: {paper!r} is not one of {', '.join(PAPER_SIZES)}")
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise RendererMissing(
            "the PDF report needs the playwright package: pip install 'aueb[report]' (it uses the system's Chromium)"
        ) from None
    width_mm, page_format = PAPER_SIZES[paper]
    # Charts are drawn at the width of the printed column (at the print scale),
    # so the print keeps them as they were laid out.
    column_px = round((width_mm - 2 * MARGIN_MM) / 25.4 * 96 / PRINT_SCALE)
    html = render_html(content, responsive=False)
    with sync_playwright() as playwright:
        browser = launch(playwright, executable)
        try:
            page = browser.new_page(viewport={"width": column_px, "height": 1100})
            page.emulate_media(media="print")
            page.set_content(html, wait_until="load")
            page.wait_for_function("document.body.getAttribute('data-charts') === 'drawn'", timeout=DRAW_TIMEOUT_MS)
            return page.pdf(
                format=page_format,
                print_background=True,
                scale=PRINT_SCALE,
                display_header_footer=True,
                header_template="<div></div>",
                footer_template=_footer(content.title),
                margin={
                    "top": f"{MARGIN_MM}mm",
                    "bottom": f"{MARGIN_MM + 4}mm",
                    "left": f"{MARGIN_MM}mm",
                    "right": f"{MARGIN_MM}mm",
                },
                outline=True,
                tagged=True,
            )
        finally:
            browser.close()

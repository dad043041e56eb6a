"""Shared pieces of the browser tests: Debian's Chromium, a `streamlit run app.py` server, page helpers.

Every tests/test_browser*.py uses these through the `server` fixture of conftest.py (one server a session)
and `with browser_page(server) as page:` (or `with chromium() as browser:` for several pages);
screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from aueb.report import pdf  # launch: the flags the PDF report prints with, one list for both
from aueb.ui import server as ui_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHARTS_DRAWN = """() => {
    const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
    return charts.length > 0 && Array.from(charts).every(c => c.querySelector('.main-svg'))
        && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0;
}"""

# CI must run this test: there a missing browser is a failure, not a skip.
requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
)


def serve(command: Callable[[int], list[str]] | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start the dashboard on a free loopback port and yield its URL (no "/" at the end); stop it afterwards.
    `command` (given the port) starts it another way, e.g. through `aueb dashboard`; `env` is added to the
    environment. aueb.ui.server.serve does the work; a server that does not start fails the test."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(ui_server.serve("app.py", ROOT, command=command, env=env))
        except RuntimeError as error:
            pytest.fail(str(error))
        yield url.rstrip("/")


def headline_cell(page, row: str, column: str) -> str:
    """The text of one cell of the overview's headline table."""
    return page.evaluate(
        """([row, column]) => {
            const table = document.querySelector('table[data-table="headline"]');
            const headers = Array.from(table.querySelectorAll('thead th')).map(th => th.innerText.trim());
            const index = headers.indexOf(column);
            const tr = Array.from(table.querySelectorAll('tbody tr'))
                .find(r => r.querySelector('th').innerText.trim() === row);
            return tr.querySelectorAll('th, td')[index].innerText.trim();
        }""",
        [row, column],
    )


def metric_value(page, label: str) -> str:
    """The value of the first card (st.metric) whose label holds `label`."""
    card = page.locator(
        '[data-testid="stMetric"]', has=page.locator('[data-testid="stMetricLabel"]', has_text=label)
    ).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def go(page, link: str, heading: str | None = None) -> None:
    """Follow a sidebar link (the session, and so the edited scenario, stays) and wait for the page."""
    page.locator('[data-testid="stSidebarNavLink"]', has_text=link).click()
    page.wait_for_function(
        "(heading) => Array.from(document.querySelectorAll('h1')).some(h => h.innerText.includes(heading))",
        arg=heading or link,
        timeout=30_000,
    )
    page.wait_for_selector(READY, timeout=30_000)


def launch(playwright):
    """Debian's Chromium with the flags this machine needs (never `playwright install`)."""
    return pdf.launch(playwright, str(CHROMIUM))


def artifacts_dir() -> Path:
    """Where screenshots go for a reviewer to look at."""
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under playwright, closed on the way out (also when the test fails)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def browser_page(url: str, *, width: int = 1440, height: int = 2000, accept_downloads: bool = False) -> Iterator[Any]:
    """A page of a fresh Chromium opened at url, once the app has run its script (READY)."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": height}, accept_downloads=accept_downloads)
        page.goto(url)
        page.wait_for_selector(READY, timeout=60_000)
        yield page

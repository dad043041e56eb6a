"""A closed tab stops the run: start the full distillation from the dashboard in Chromium, close the
tab while it runs, and its process (a child of the dashboard's server) is gone within seconds."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from browser import READY, browser_page, go, requires_chromium

from aueb.ui import runner

pytestmark = [
    requires_chromium,
    pytest.mark.torch,
    pytest.mark.skipif(not runner.torch_available(), reason="torch is not installed (pip install -e '.[distill]')"),
]


def processes() -> dict[int, tuple[int, list[str]]]:
    """pid -> (parent pid, command line) of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        found[int(entry.name)] = (parent, [a.decode(errors="replace") for a in argv if a])
    return found


def distill_runs_of(port: int) -> list[int]:
    """The distillation runs started by the dashboard server listening on `port`."""
    table = processes()
    servers = {pid for pid, (_, argv) in table.items() if "streamlit" in " ".join(argv) and str(port) in argv}
    return [pid for pid, (parent, argv) in table.items() if parent in servers and "aueb.distill" in argv]


def test_closing_the_tab_stops_the_run(server):
    port = urlparse(server).port
    assert not distill_runs_of(port)
    with browser_page(server, height=1200) as page:
        go(page, "Distillation")
        assert page.get_by_text(f"stops by itself after {runner.time_limit_text(runner.RUN_TIME_LIMIT_S)}").count()
        # The full run (a minute or more here) cannot end by itself within the grace period.
        page.get_by_text("Quick mode", exact=True).click()
        page.wait_for_selector(READY, timeout=30_000)
        page.get_by_role("button", name="Run distillation").click()
        page.get_by_role("button", name="Cancel the run").wait_for(timeout=30_000)
        running = distill_runs_of(port)
        assert len(running) == 1, running
        page.close()
        deadline = time.monotonic() + runner.DISCONNECT_GRACE_S + 15
        while distill_runs_of(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not distill_runs_of(port), "the run outlived its closed tab"

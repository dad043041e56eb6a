"""Helpers shared by several test modules (a test module never imports another one).

- the dashboard through AppTest: start, visit, cards, card, metric, headline, total;
- the CLI: assert_cli_error (exit 2, one line on stderr);
- distillation metrics: EXAMPLE_METRICS, example_metrics, load_error;
- the cascade: TIES, six held-out examples with two ties, worked out by hand in test_cascade.py;
- the monitor: MONITOR_LOG, write_log, monitor_once, start_monitor, wait_for_snapshot.
Fixtures (the default scenario, clearing Streamlit's cache) are in conftest.py.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from aueb.cascade import HeldOut
from aueb.engine import project
from aueb.metrics import MetricsError, load_metrics
from aueb.scenario import Scenario

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
EXAMPLE_METRICS = ROOT / "data" / "metrics_example.json"

# Six examples, two ties. By descending confidence the groups are {0.9: right, wrong}, {0.8: right},
# {0.6: right, wrong}, {0.3: wrong}; the teacher is wrong only on the 0.8 example.
TIES = HeldOut(np.array([0.6, 0.9, 0.3, 0.8, 0.9, 0.6]), np.array([1, 1, 0, 1, 0, 0]), np.array([1, 1, 1, 0, 1, 1]))


# --- the dashboard through AppTest -------------------------------------------------------------------


def start(timeout: float = 60) -> AppTest:
    """The app run once on its first page (Overview)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    at.run()
    assert not at.exception
    return at


def visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"aueb/ui/routes/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def total(scenario: Scenario, multiplier: float, arm: str) -> pd.Series:
    """The engine's ALL row of the scenario at one multiplier and arm."""
    rows = project(scenario).rows
    hit = rows[
        (rows["feature"].astype(str) == "ALL") & (rows["multiplier"] == multiplier) & (rows["arm"].astype(str) == arm)
    ]
    assert len(hit) == 1
    return hit.iloc[0]


class _Tables(HTMLParser):
    """The rows of each <table data-table="NAME"> in an HTML text, by name: each row's cells' text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.rows: list[list[str]] | None = None
        self.cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        name = dict(attrs).get("data-table")
        if tag == "table" and name:
            self.rows = self.tables.setdefault(name, [])
        elif self.rows is not None and tag == "tr":
            self.rows.append([])
        elif self.rows is not None and tag in ("th", "td"):
            self.cell = ""

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag: str) -> None:
        if self.rows is not None and tag in ("th", "td") and self.cell is not None:
            self.rows[-1].append(self.cell.strip())
            self.cell = None
        elif tag == "table":
            self.rows = None


def html_tables(at: AppTest) -> dict[str, pd.DataFrame]:
    """The tables a page writes as HTML (st.html, each <table data-table="NAME">), by name: the first column
    as the index, the header row (if any) as the columns, each cell's text."""
    frames = {}
    for element in at.get("html"):
        parser = _Tables()
        parser.feed(element.proto.body)
        for name, rows in parser.tables.items():
            header, body = (rows[0], rows[1:]) if len(rows) > 1 else ([""] * len(rows[0]), rows)
            index = pd.Index([row[0] for row in body], name=header[0] or None)
            frames[name] = pd.DataFrame([row[1:] for row in body], index=index, columns=header[1:])
    return frames


def headline(at: AppTest) -> pd.DataFrame:
    """The overview's headline table as the page writes it (html_tables' "headline"): metrics down,
    "<multiplier>x · <arm>" across, each cell's text."""
    tables = html_tables(at)
    assert "headline" in tables, list(tables)
    return tables["headline"]


def open_page(page: str, timeout: float = 60) -> AppTest:
    """The app started and switched to one page (its route file's name: "risk", "usage", ...)."""
    return visit(start(timeout), page)


class _Cards(HTMLParser):
    """The cards of an HTML text (components.card_grid, each <div data-card="LABEL">): label, value and help."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[dict[str, str]] = []
        self.part: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("data-card") is not None:
            self.cards.append({"label": found["data-card"] or "", "value": "", "help": ""})
        elif self.cards and found.get("class") in ("aueb-card-value", "aueb-tip"):
            self.part = "value" if found["class"] == "aueb-card-value" else "help"

    def handle_data(self, data: str) -> None:
        if self.part is not None:
            self.cards[-1][self.part] += data

    def handle_endtag(self, tag: str) -> None:
        self.part = None


def cards(at: AppTest) -> list[dict[str, str]]:
    """Every card a page shows, st.metric or HTML (components.card_grid): label, value and help, in order."""
    found = [{"label": m.label, "value": m.value, "help": m.help or ""} for m in at.metric]
    for element in at.get("html"):
        parser = _Cards()
        parser.feed(element.proto.body)
        found += parser.cards
    return found


def card(at: AppTest, label_start: str, exact: bool = False) -> dict[str, str]:
    """The first card whose label starts with label_start (the one card so labelled, if exact)."""
    shown = cards(at)
    found = [c for c in shown if (c["label"] == label_start if exact else c["label"].startswith(label_start))]
    assert found, [c["label"] for c in shown]
    assert not exact or len(found) == 1, [c["label"] for c in shown]  # an exact label names one card
    return found[0]


def metric(at: AppTest, label_start: str, exact: bool = False) -> str:
    """The value of the first card whose label starts with label_start (of the one card so labelled, if exact)."""
    return card(at, label_start, exact)["value"]


# --- the CLI ---------------------------------------------------------------------------------------------


def assert_cli_error(result: Any, *fragments: str) -> str:
    """A CliRunner result that exited 2 with one `error: ...` line on stderr holding every fragment."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


# --- distillation metrics ----------------------------------------------------------------------------


def example_metrics() -> dict:
    """The bundled example metrics file as a dict."""
    return json.loads(EXAMPLE_METRICS.read_text())


def load_error(data: dict | str) -> str:
    """The one-line MetricsError of loading data (a dict or JSON text)."""
    with pytest.raises(MetricsError) as caught:
        load_metrics(data if isinstance(data, str) else json.dumps(data))
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- the monitor ----------------------------------------------------------------------------------------

MONITOR_LOG = ROOT / "data" / "logs" / "requests.csv"  # 3,464 requests, 2026-09-07 to 2026-10-18
# Small enough that the sample's total and support_chat run out in October and the budget alerts fire.
MONITOR_BUDGETS = {"currency": "USD", "total": 8, "features": {"support_chat": 6, "search_answers": 1}}


def write_log(path: Path, rows: list[str], append: bool = False) -> None:
    """The sample's header (unless appending) and `rows`, each a line of MONITOR_LOG."""
    header = MONITOR_LOG.read_text().splitlines()[0]
    with open(path, "a" if append else "w") as handle:
        if not append:
            handle.write(header + "\n")
        handle.write("".join(r + "\n" for r in rows))


def monitor_command(log: Path, state: Path, budgets: Path, *extra: str) -> list[str]:
    import sys

    return [
        sys.executable,
        "-m",
        "aueb.cli",
        "monitor",
        str(log),
        "--state",
        str(state),
        "--budgets",
        str(budgets),
        *extra,
    ]


def monitor_once(log: Path, state: Path, budgets: Path, *extra: str) -> None:
    """A real `aueb monitor LOG --state STATE --budgets B --once` (a child process, as a user runs it)."""
    import os
    import subprocess

    done = subprocess.run(
        monitor_command(log, state, budgets, "--once", *extra),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def start_monitor(log: Path, state: Path, budgets: Path, interval: float = 0.5):
    """A real `aueb monitor` following LOG every `interval` seconds; the caller stops it."""
    import os
    import subprocess

    return subprocess.Popen(
        monitor_command(log, state, budgets, "--interval", str(interval)),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_snapshot(state: Path, process=None, requests: int | None = None, seconds: float = 120):
    """The dashboard snapshot of `state` once there is one holding `requests` requests (any number where None;
    a file growing by several writes can be read over several cycles). Polls; fails after `seconds`, or at
    once when the monitor `process` has exited."""
    import time

    from aueb.errors import InputError
    from aueb.monitor import view

    deadline = time.monotonic() + seconds
    while True:
        try:
            found = view.load(state)
        except InputError:
            found = None
        if found is not None and (requests is None or int(found.usage["requests"].sum()) == requests):
            return found
        if process is not None and process.poll() is not None:
            pytest.fail(f"the monitor exited with {process.returncode}: {process.stderr.read()[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"no snapshot of {requests} requests in {state} after {seconds:.0f} s")
        time.sleep(0.2)

"""Helpers shared by several test modules (a test module never imports another one).

- the dashboard through AppTest: start, visit, metric, headline, total;
- the CLI: assert_cli_error (exit 2, one line on stderr);
- distillation metrics: EXAMPLE_METRICS, example_metrics, load_error;
- the cascade: TIES, six held-out examples with two ties, worked out by hand in test_cascade.py.
Fixtures (the default scenario, clearing Streamlit's cache) are in conftest.py.
"""

from __future__ import annotations

import json
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


def headline(at: AppTest) -> pd.DataFrame:
    return at.table[0].value


def open_page(page: str, timeout: float = 60) -> AppTest:
    """The app started and switched to one page (its route file's name: "risk", "usage", ...)."""
    return visit(start(timeout), page)


def metric(at: AppTest, label_start: str, exact: bool = False) -> str:
    """The value of the first card whose label starts with label_start (of the one card so labelled, if exact)."""
    found = [m.value for m in at.metric if (m.label == label_start if exact else m.label.startswith(label_start))]
    assert found, [m.label for m in at.metric]
    assert not exact or len(found) == 1, [m.label for m in at.metric]  # an exact label names one card
    return found[0]


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

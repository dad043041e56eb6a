"""Session state of the dashboard: the current scenario, its projections, and the edit machinery.

The current (always valid) Scenario lives in st.session_state, so edits survive page switches.
Input widgets are bound to paths of the scenario; a change validates the whole candidate scenario
and either commits it or leaves the last valid scenario in place with a message beside the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from aueb.catalog import CatalogPrice, catalog_models
from aueb.engine import Projection, project
from aueb.formats import DEFAULT_SCENARIO_PATH, load_scenarios
from aueb.resources import bundled_scenario_files
from aueb.scenario import Scenario
from aueb.tiers import load_tiers
from aueb.ui import scenario_edits
from aueb.views import curve_multipliers

SCENARIO = "scenario"
ERRORS = "ui_errors"  # widget key -> message shown beside the widget
BINDINGS = "ui_bindings"  # widget key -> (path, parser) of the widgets of the last run
TABLE_ERRORS = "ui_table_errors"
TABLE_REV = "ui_table_rev"  # the features table's key ends with it: a new table after each applied edit
NOTICE = "ui_notice"  # one message for the next run (e.g. "Loaded ...")
METRICS = "metrics"  # (DistillationMetrics, source label)
RUN = "distill_run"
_PROJECTION = "_projection"
_CURVE = "_curve"
WIDGET_PREFIX = "in|"


# --- loaders (cached) ------------------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def default_scenario() -> Scenario:
    return load_scenarios(DEFAULT_SCENARIO_PATH)[0]


@st.cache_data(show_spinner=False)
def bundled_scenarios() -> dict[str, Scenario]:
    """The example scenarios shipped in data/scenarios, by file name."""
    found = {}
    for path in bundled_scenario_files().values():
        for scenario in load_scenarios(path):
            found[f"{scenario.name} ({path.name})"] = scenario
    return found


@st.cache_data(show_spinner=False)
def tiers() -> pd.DataFrame:
    return load_tiers()


@st.cache_data(show_spinner=False)
def catalog() -> tuple[CatalogPrice, ...]:
    return catalog_models()


@st.cache_data(show_spinner=False)
def catalog_labels(currency: str) -> list[str]:
    return [scenario_edits.catalog_label(row, currency) for row in catalog()]


# --- the scenario and its projections -----------------------------------------------------------------


def scenario() -> Scenario:
    if SCENARIO not in st.session_state:
        st.session_state[SCENARIO] = default_scenario()
    return st.session_state[SCENARIO]


def set_scenario(new: Scenario, *, reset_widgets: bool = True, notice: str | None = None) -> None:
    """Make `new` the current scenario; with reset_widgets, inputs show its values afresh."""
    st.session_state[SCENARIO] = new
    if reset_widgets:
        forget(WIDGET_PREFIX)
        st.session_state[TABLE_REV] = st.session_state.get(TABLE_REV, 0) + 1
        st.session_state[ERRORS] = {}
        st.session_state[TABLE_ERRORS] = []
    if notice:
        st.session_state[NOTICE] = notice


def projection() -> Projection:
    """The engine's projection of the current scenario (recomputed only when the scenario changes)."""
    current = scenario()
    memo = st.session_state.get(_PROJECTION)
    if memo is not None and memo[0] is current:
        return memo[1]
    result = project(current, tiers=tiers())
    st.session_state[_PROJECTION] = (current, result)
    return result


def curve() -> Projection:
    """The projection along log-spaced volumes, users growing, for the volume chart."""
    current = scenario()
    memo = st.session_state.get(_CURVE)
    if memo is not None and memo[0] is current:
        return memo[1]
    result = project(current, multipliers=curve_multipliers(), growth="users", tiers=tiers())
    st.session_state[_CURVE] = (current, result)
    return result


def pop_notice() -> str | None:
    return st.session_state.pop(NOTICE, None)


# --- widget bindings ---------------------------------------------------------------------------------


def forget(prefix: str) -> None:
    """Drop the state of every widget whose key starts with `prefix`, so it shows the scenario again."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)]:
        del st.session_state[key]


def begin_run() -> None:
    """Start a run: the widgets rendered in this run register their bindings again."""
    st.session_state[BINDINGS] = {}
    # Messages of widgets that are gone (another page was shown) would sit beside fresh values.
    st.session_state[ERRORS] = {k: v for k, v in st.session_state.get(ERRORS, {}).items() if k in st.session_state}
    st.session_state.setdefault(TABLE_ERRORS, [])


def bind(key: str, path: scenario_edits.Path, parse: Callable[[Any], Any] | None = None) -> None:
    st.session_state[BINDINGS][key] = (path, parse)


def init(key: str, value: Any) -> None:
    """Seed a widget with the scenario's value unless it already holds the user's."""
    if key not in st.session_state:
        st.session_state[key] = value


def errors() -> dict[str, str]:
    return st.session_state.setdefault(ERRORS, {})


def commit(changed: str) -> None:
    """Callback of every bound widget: gather the bound values, validate, commit or explain."""
    data = scenario().model_dump()
    messages: dict[str, str] = {}
    bindings: dict[str, tuple[scenario_edits.Path, Callable | None]] = st.session_state.get(BINDINGS, {})
    paths = {}
    for key, (path, parse) in bindings.items():
        if key not in st.session_state:
            continue
        value = st.session_state[key]
        if parse is not None:
            try:
                value = parse(value)
            except ValueError as exc:
                messages[key] = str(exc)
                continue
        if scenario_edits.set_path(data, path, value):
            paths[path] = key
    if messages:
        st.session_state[ERRORS] = messages
        return
    new, problems = scenario_edits.validate(data)
    if new is not None:
        set_scenario(new, reset_widgets=False)
        st.session_state[ERRORS] = {}
        return
    changed_path = bindings.get(changed, ((), None))[0]
    for problem in problems:
        key, text = _place(problem, paths, changed, changed_path)
        messages[key] = f"{messages[key]}; {text}" if key in messages else text
    st.session_state[ERRORS] = messages


def _place(
    problem: scenario_edits.Problem,
    paths: dict[scenario_edits.Path, str],
    changed: str,
    changed_path: scenario_edits.Path,
) -> tuple[str, str]:
    """The widget beside which a problem shows, and its text there.

    A field's own problem shows beside it; a problem across the fields of one model (cached tokens
    above input tokens) beside the field just changed if it is one of them, else beside the first of
    them; anything else beside the field just changed, with its full location.
    """
    if problem.path in paths:
        return paths[problem.path], problem.message
    n = len(problem.path)
    if changed_path[:n] == problem.path:
        return changed, problem.message
    inside = [key for path, key in paths.items() if path[:n] == problem.path]
    if inside:
        return inside[0], problem.message
    return changed, scenario_edits.describe(problem)


def commit_data(data: dict[str, Any], *, forget_prefix: str | None = None, error_key: str | None = None) -> bool:
    """Validate edited scenario data and commit it; else put the problems under `error_key`."""
    new, problems = scenario_edits.validate(data)
    if new is None:
        if error_key is not None:
            errors()[error_key] = "; ".join(scenario_edits.describe(p) for p in problems)
        return False
    set_scenario(new, reset_widgets=False)
    if forget_prefix:
        forget(forget_prefix)
    if error_key is not None:
        errors().pop(error_key, None)
    return True

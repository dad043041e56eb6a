"""Input widgets bound to paths of the current scenario, with their unit, help and validation message."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st
from pydantic import BaseModel

from aueb.ui import scenario_edits, state
from aueb.ui.scenario_edits import Path


def show_error(key: str) -> None:
    message = state.errors().get(key)
    if message:
        st.error(message, icon=":material/error:")


def number(
    path: Path,
    model: type[BaseModel],
    field: str,
    value: Any,
    currency: str,
    *,
    label: str | None = None,
    defer_error: bool = False,
) -> str:
    """A number input for the field at `path`, seeded with `value`; invalid input shows beside it.

    With defer_error the caller shows the message (show_error(key)), e.g. under a row of narrow columns.
    """
    key = scenario_edits.key_of(path)
    s = scenario_edits.spec(model, field, currency)
    if value is not None:
        value = int(value) if s.integer else float(value)
    state.init(key, value)
    cast = int if s.integer else float
    ranged = scenario_edits.model_range(state.scenario(), path)
    st.number_input(
        f"{label or s.label} · mode" if ranged else label or s.label,
        min_value=None if s.min_value is None else cast(s.min_value),
        max_value=None if s.max_value is None else cast(s.max_value),
        step=cast(s.step),
        format=s.fmt,
        key=key,
        help=scenario_edits.help_text(model, field)
        + (f"; given as a {scenario_edits.range_note(ranged)}: this is its mode" if ranged else ""),
        on_change=state.commit,
        args=(key,),
    )
    if ranged:
        note = scenario_edits.range_note(ranged)
        st.caption(note[:1].upper() + note[1:])
    state.bind(key, path)
    if not defer_error:
        show_error(key)
    return key


def text(
    path: Path,
    model: type[BaseModel],
    field: str,
    value: str,
    currency: str = "USD",
    *,
    parse: Callable[[Any], Any] | None = None,
    help: str | None = None,
) -> None:
    key = scenario_edits.key_of(path)
    state.init(key, value)
    st.text_input(
        scenario_edits.label(model, field, currency),
        key=key,
        help=help or scenario_edits.help_text(model, field),
        on_change=state.commit,
        args=(key,),
    )
    state.bind(key, path, parse)
    show_error(key)


def choice(
    path: Path, model: type[BaseModel], field: str, value: Any, options: Sequence[Any], labels: dict[Any, str]
) -> None:
    key = scenario_edits.key_of(path)
    state.init(key, value)
    st.radio(
        scenario_edits.label(model, field),
        options=list(options),
        format_func=lambda o: labels.get(o, str(o)),
        key=key,
        help=scenario_edits.help_text(model, field),
        on_change=state.commit,
        args=(key,),
        horizontal=True,
    )
    state.bind(key, path)
    show_error(key)

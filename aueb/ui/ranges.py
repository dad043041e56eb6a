"""The Risk page's inputs table: every numeric input with its range, and edits of it (no streamlit here).

A row is one input at a path of the scenario (feature names, not positions), with `ranged`, low, mode
and high. Turning `ranged` on starts from mode -20% / +20% (within the field's bounds); off keeps the mode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel

from aueb.scenario import Scenario
from aueb.ui import scenario_edits
from aueb.ui.scenario_edits import Path

COLUMNS = ["key", "feature", "input", "ranged", "low", "mode", "high"]
DEFAULT_SPREAD = 0.2


@dataclass(frozen=True)
class InputRef:
    path: Path
    model: type[BaseModel]
    field: str


def inputs(scenario: Scenario) -> list[InputRef]:
    """Every numeric input that has a value (a catalog price left out has none to range around)."""
    found = [InputRef(("fixed_monthly_cost",), Scenario, "fixed_monthly_cost")]
    for f in scenario.features:
        base: Path = ("features", f.name)
        parts: list[tuple[Path, Any]] = [
            (base, f),
            ((*base, "teacher"), f.teacher),
            ((*base, "teacher", "pricing"), f.teacher.pricing),
        ]
        if f.student is not None:
            parts += [
                ((*base, "student"), f.student),
                ((*base, "student", "pricing"), f.student.pricing),
                ((*base, "student", "distillation"), f.student.distillation),
            ]
        for where, model in parts:
            for name in type(model).RANGEABLE:
                if getattr(model, name) is not None and (type(model), name) in scenario_edits.SPECS:
                    found.append(InputRef((*where, name), type(model), name))
    return found


def key_of(path: Path) -> str:
    return "|".join(path)


def label(ref: InputRef, currency: str) -> str:
    inner = [p for p in ref.path[2:-1] if p not in ("pricing", "distillation")] if ref.path[0] == "features" else []
    prefix = " ".join(inner).capitalize()
    text = scenario_edits.label(ref.model, ref.field, currency)
    return f"{prefix}: {text}" if prefix else text


def table(scenario: Scenario) -> pd.DataFrame:
    """One row per input: key (its path), feature, input (label with unit), ranged, low, mode, high."""
    data = scenario.model_dump()
    rows = []
    for ref in inputs(scenario):
        bounds = scenario_edits.get_range(data, ref.path)
        mode = scenario_edits.get_path(data, ref.path)
        rows.append(
            {
                "key": key_of(ref.path),
                "feature": ref.path[1] if ref.path[0] == "features" else "(scenario)",
                "input": label(ref, scenario.currency),
                "ranged": bounds is not None,
                "low": bounds["low"] if bounds else None,
                "mode": float(mode),
                "high": bounds["high"] if bounds else None,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def default_bounds(ref: InputRef, mode: float) -> dict[str, float]:
    """mode -20% / +20%, kept within the field's own bounds (a share stays at most 1)."""
    spec = scenario_edits.spec(ref.model, ref.field)
    low, high = mode * (1 - DEFAULT_SPREAD), mode * (1 + DEFAULT_SPREAD)
    if spec.min_value is not None:
        low = max(low, float(spec.min_value))
    if spec.max_value is not None:
        high = min(high, float(spec.max_value))
    return {"low": low, "mode": mode, "high": high}


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def apply_edits(scenario: Scenario, edits: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The scenario's data after a data_editor's edited_rows of `table(scenario)`, and the problems that
    are not the scenario's own checks (a bound left empty)."""
    data = scenario.model_dump()
    refs = inputs(scenario)
    problems = []
    for position, change in (edits.get("edited_rows") or {}).items():
        row = int(position)
        if not 0 <= row < len(refs):
            continue
        ref = refs[row]
        current = scenario_edits.get_range(data, ref.path)
        mode = _number(change.get("mode", scenario_edits.get_path(data, ref.path)))
        ranged = change.get("ranged", current is not None)
        name = label(ref, scenario.currency)
        if mode is None:
            problems.append(f"{ref.path[1] if ref.path[0] == 'features' else 'Scenario'} › {name}: the mode is empty")
            continue
        if not ranged:
            scenario_edits.set_range(data, ref.path, None)
            scenario_edits.set_path(data, ref.path, mode)
            continue
        bounds = dict(current) if current is not None else default_bounds(ref, mode)
        bounds["mode"] = mode
        for end in ("low", "high"):
            if end in change:
                value = _number(change[end])
                if value is None:
                    problems.append(
                        f"{ref.path[1] if ref.path[0] == 'features' else 'Scenario'} › {name}: {end} is empty"
                    )
                    continue
                bounds[end] = value
        scenario_edits.set_range(data, ref.path, bounds)
    return data, problems

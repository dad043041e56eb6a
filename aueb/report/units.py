"""Units of the report's figures and of the scenario's inputs, and the number format a unit calls for.

A figure's unit comes from the definitions (aueb/report/templates/definitions.toml), an input's from its
field description (`Price of one replica (currency per hour)`); the workbook writes both beside the figures
(a header note, or a `unit` column where each row is another figure) and formats the cells by them.
"""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel

from aueb.scenario import Feature, Scenario

_UNIT = re.compile(r"\(([^()]*)\)")
_SMALL_MONEY_UNITS = ("/ request", "/ correct output", "/ request (catalog)")
_COUNT_UNITS = ("requests", "count", "users", "tokens", "parameters", "FLOPs", "examples")


def unit_format(unit: str, default: str = "number") -> str:
    """The number format of a figure from its unit: money for currency amounts (with four decimals per request),
    percent for % and shares, a thousands-separated count for counts."""
    head = unit.split(" ")[0]
    if unit.startswith("currency") or (len(head) == 3 and head.isupper() and head != "ISO"):
        return "money_small" if unit.endswith(_SMALL_MONEY_UNITS) else "money"
    if unit.startswith(("%", "share", "probability", "fraction")):
        return "percent"
    if unit.startswith(_COUNT_UNITS) and not any(rate in unit for rate in ("/ user /", "/ second", "/ s")):
        return "count"
    return default


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (list[Feature], Student | None, a union of pricing kinds)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def field_unit(path: str, currency: str) -> str:
    """The unit of a scenario input from its field description: `teacher.pricing.cost` -> `USD / request`;
    a range bound (`users.low`) has its field's unit; `features[Chat].users` is a feature's field."""
    segments = [part.split("[")[0] for part in path.split(".")]
    if segments[-1] in ("low", "high") and len(segments) > 1:
        segments = segments[:-1]
    candidates: list[type[BaseModel]] = [Scenario, Feature]
    for depth, name in enumerate(segments):
        fields = [m.model_fields[name] for m in candidates if name in m.model_fields]
        if not fields:
            return ""
        if depth == len(segments) - 1:
            match = _UNIT.search(fields[0].description or "")
            unit = "" if match is None else match.group(1).split(";")[0].split(",")[0].strip()
            return unit.replace("currency", currency).replace(" per ", " / ")
        candidates = [m for f in fields for m in _models(f.annotation)]
    return ""

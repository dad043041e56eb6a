"""The blocks a report is made of: text, figures with their definitions, tables, charts, workbook sheets.

html, pdf and xlsx render these; aueb.report.content and aueb.report.sections fill them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from importlib.resources import files

import pandas as pd
import plotly.graph_objects as go

from aueb import views
from aueb.engine import Projection
from aueb.scenario import Scenario

DEFINITIONS: dict[str, dict[str, str]] = tomllib.loads(
    files("aueb.report").joinpath("templates", "definitions.toml").read_text("utf-8")
)


@dataclass(frozen=True)
class Text:
    """Sentences; **bold** marks the words that carry the answer. `status`: success, warning, error or info."""

    lines: list[str]
    status: str = "info"


@dataclass(frozen=True)
class Figure:
    """One number with its label, its text as shown (unit included) and the key of its definition."""

    key: str
    label: str
    text: str
    value: float | None = None


@dataclass(frozen=True)
class Figures:
    items: list[Figure]


@dataclass(frozen=True)
class Table:
    """Cells as shown. `row_keys` links each row to a definition, `bands` colours cells by industry band."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    row_keys: list[str | None] | None = None
    column_keys: list[str | None] | None = None
    bands: list[list[str | None]] | None = None
    note: str = ""
    numeric: bool = True  # columns after the first are right-aligned


def spec_table(
    title: str, columns: list[tuple[str, str, str | None, str | None]], records: list[dict], currency: str
) -> Table:
    """A table from column specs (label, record key, views.format_value kind, definition key): the first
    column is the record's name as text, the others its figures as the dashboard writes them."""
    rows = [
        [
            str(r[columns[0][1]]),
            *(views.format_value(kind, r.get(column), currency) for _, column, kind, _ in columns[1:]),
        ]
        for r in records
    ]
    return Table(title, [label for label, *_ in columns], rows, column_keys=[key for *_, key in columns])


@dataclass(frozen=True)
class Chart:
    key: str
    figure: go.Figure
    definition: str
    caption: str = ""


Block = Text | Figures | Table | Chart


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    intro: str = ""
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Sheet:
    """A workbook sheet: a frame and the number format of each column
    (money, money_small, percent, count, number, text).

    `units`: the unit of a column, written as the note of its header cell (the header itself stays the key
    a program reads). `row_units`: a column whose rows each carry their own unit, named by another column of
    the same row (a figure per row): the row's unit picks the number format.
    """

    name: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    row_units: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportContent:
    scenario: Scenario
    projection: Projection
    created: datetime
    sections: list[Section]
    tiers: pd.DataFrame
    extra_sheets: list[Sheet]
    definitions: dict[str, dict[str, str]]

    @property
    def title(self) -> str:
        return self.scenario.name

    @property
    def subtitle(self) -> str:
        s = self.scenario
        n = len(s.features)
        growth = "users grow" if s.growth == "users" else "usage per user grows"
        return (
            f"AI unit economics report · {self.created:%d %B %Y} · {n} AI feature{'s' if n != 1 else ''} · "
            f"volume at {', '.join(views.multiplier_label(m) for m in s.multipliers)} today's as {growth} · money in "
            f"{s.currency}"
        )

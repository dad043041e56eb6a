"""What every `aueb` command shares: the typer app, the consoles, one-line errors, file I/O and number formats."""

from __future__ import annotations

import io
import math
import sys
import warnings
from collections.abc import Callable
from enum import Enum
from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from aueb.errors import InputError
from aueb.formats import DefaultsWarning, load_scenarios
from aueb.scenario import Scenario

app = typer.Typer(
    help="aueb, the AI Unit Economics Benchmark: what AI features cost per request, per user and per feature, "
    "today and at 10x and 100x volume, and what a distilled student saves. "
    "Every figure, formula and unit is defined in docs/economics.md (`aueb economics` prints it).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Help texts are plain text: `NAME[@Mx][/ARM]` must print as written, not be read as Rich markup.
    rich_markup_mode=None,
)
out = Console(width=80)
err = Console(stderr=True, width=200)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class Growth(str, Enum):
    users = "users"
    usage = "usage"


def fail(message: str) -> None:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def parse_multipliers(text: str) -> list[float]:
    values = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            fail(f"--multipliers: {part.strip()!r} is not a number (expected e.g. 1,10,100)")
        if not math.isfinite(value) or value <= 0:
            fail(f"--multipliers: {part.strip()!r} must be a number above 0")
        values.append(value)
    if len(set(values)) != len(values):
        fail(f"--multipliers: {text!r} repeats a value")
    return values


def load_scenario_file(path: Path) -> list[Scenario]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DefaultsWarning)
        try:
            scenarios = load_scenarios(path)
        except InputError as exc:
            fail(str(exc))
    for warning in caught:
        if issubclass(warning.category, DefaultsWarning):
            err.print(f"warning: {warning.message}", markup=False, highlight=False, soft_wrap=True)
    return scenarios


def write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        fail(f"{path}: cannot write the file ({exc.strerror})")


def emit(
    format: Format,
    out_path: Path | None,
    render_table: Callable[[Console], None],
    text: Callable[[], str],
    width: int = 80,
) -> None:
    """A command's output: the rich table (render_table) or the csv / json text, to the terminal or to out_path."""
    if format is Format.table:
        if out_path:
            page = Console(file=io.StringIO(), width=width)
            render_table(page)
            write_text(out_path, page.file.getvalue())
        else:
            render_table(out)
        return
    if out_path:
        write_text(out_path, text())
    else:
        sys.stdout.write(text())


def money(value: float | None, currency: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    digits = 2 if abs(value) >= 1 else 4
    return f"{value:,.{digits}f}{' ' + currency if currency else ''}"


def percent(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.1%}"


def count(value: float) -> str:
    return f"{value:,.0f}"


def compact(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:,.0f}"


def rich_table(title: str, columns: list[tuple[str, str]]) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
    )
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")
    return table

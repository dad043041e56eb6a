"""What every `aueb` command shares: the typer app, the consoles, one-line errors and file I/O.

Numbers are written by aueb.formatting (the same formatters as the dashboard and the reports).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import NoReturn, cast

import typer
from rich import box
from rich.console import Console, JustifyMethod
from rich.table import Table

from aueb import formatting
from aueb.errors import InputError
from aueb.finance_csv import noting_defaults
from aueb.formats import load_scenarios
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


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class Growth(StrEnum):
    users = "users"
    usage = "usage"


def fail(message: str) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def parse_multipliers(text: str) -> list[float]:
    """--multipliers as a list (aueb.formatting.parse_multipliers); a bad part exits 2 naming it."""
    try:
        return formatting.parse_multipliers(text)
    except ValueError as exc:
        fail(f"--multipliers: {exc}")


def load_scenario_file(path: Path) -> list[Scenario]:
    try:
        scenarios, notes = noting_defaults(lambda: load_scenarios(path))
    except InputError as exc:
        fail(str(exc))
    for note in notes:
        err.print(f"warning: {note}", markup=False, highlight=False, soft_wrap=True)
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
            buffer = io.StringIO()
            render_table(Console(file=buffer, width=width))
            write_text(out_path, buffer.getvalue())
        else:
            render_table(out)
        return
    if out_path:
        write_text(out_path, text())
    else:
        sys.stdout.write(text())


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
        table.add_column(name, justify=cast(JustifyMethod, justify), overflow="fold")
    return table

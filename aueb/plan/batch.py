"""The batch-API table: per provider, its discount, whether it stacks with prompt caching, its source and date.

The bundled table is aueb/data/batch_discounts.csv; `aueb optimize --batch-table FILE` (or `use_batch_table`)
replaces it with the user's own copy, checked row by row (one-line errors naming the row, column and value).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

from aueb.errors import InputError

COLUMNS = ("provider", "discount", "stacks_with_cache", "source_url", "checked")


@dataclass(frozen=True)
class BatchTerms:
    provider: str
    discount: float
    stacks_with_cache: bool
    source_url: str
    checked: str


_override: dict[str, BatchTerms] | None = None


def parse_batch_table(text: str, where: str) -> dict[str, BatchTerms]:
    """A batch table's rows by catalog provider id; a bad row is a one-line error naming row, column and value."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{where}: column {missing[0]!r} is missing (columns: {', '.join(COLUMNS)})")
    table: dict[str, BatchTerms] = {}
    for number, row in enumerate(reader, start=2):
        at = f"{where}: row {number}"
        provider = (row["provider"] or "").strip()
        if not provider:
            raise InputError(f"{at}, column 'provider': empty")
        if provider in table:
            raise InputError(f"{at}, column 'provider': {provider!r} is listed twice")
        try:
            discount = float(row["discount"])
        except (TypeError, ValueError):
            discount = math.nan
        if not 0 <= discount <= 1:
            raise InputError(f"{at}, column 'discount': {row['discount']!r} is not a share between 0 and 1")
        stacks = (row["stacks_with_cache"] or "").strip().lower()
        if stacks not in ("true", "false"):
            raise InputError(f"{at}, column 'stacks_with_cache': {row['stacks_with_cache']!r} must be true or false")
        url = (row["source_url"] or "").strip()
        if not url.startswith(("http://", "https://")):
            raise InputError(f"{at}, column 'source_url': {url!r} must be the http(s) address of the provider's terms")
        checked = (row["checked"] or "").strip()
        try:
            date.fromisoformat(checked)
        except ValueError:
            raise InputError(f"{at}, column 'checked': {checked!r} must be a date YYYY-MM-DD") from None
        table[provider] = BatchTerms(provider, discount, stacks == "true", url, checked)
    return table


@cache
def _bundled() -> dict[str, BatchTerms]:
    text = resources.files("aueb.data").joinpath("batch_discounts.csv").read_text(encoding="utf-8")
    return parse_batch_table(text, "aueb/data/batch_discounts.csv")


def read_batch_table(path: str | Path) -> dict[str, BatchTerms]:
    """A user's batch table, read and checked."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"--batch-table {path}: {exc.strerror}") from None
    return parse_batch_table(text, f"--batch-table {path}")


def use_batch_table(path: str | Path | None) -> dict[str, BatchTerms]:
    """Price batch levers with the table at `path` from now on (None: the bundled one); returns it, checked."""
    global _override
    _override = None if path is None else read_batch_table(path)
    return current_table()


def current_table() -> dict[str, BatchTerms]:
    """The table in use: the user's (use_batch_table), else the bundled one."""
    return _bundled() if _override is None else _override

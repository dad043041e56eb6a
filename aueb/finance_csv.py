"""The finance CSV: one row per feature, flat dotted column names, the scenario-wide fields on each row.

Columns: `scenario` and the scenario-wide fields, then the feature's (`teacher.pricing.input_price_per_mtok`),
ranges as `<column>.low` / `<column>.high` beside the column, so one file can hold many scenarios. Writing:
numbers in Python's shortest round-trip form (JSON -> CSV -> JSON is lossless), text a spreadsheet would
run as a formula behind an apostrophe. Reading: the delimiter from the header, decimal commas in a `;`
file, an ambiguous `1.500` by the file's own convention or refused, a missing column that changes the
economics refused and the other defaults listed in one DefaultsWarning, messages naming row and column.
The workbook (aueb.workbook) writes and reads the same table; aueb.formats picks the reader by extension.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from aueb.errors import InputError, clean_location, error_message
from aueb.scenario import (
    RANGE_KEYS,
    RANGES_KEY,
    Distillation,
    Feature,
    PerRequestPricing,
    Scenario,
    SelfHostedPricing,
    Student,
    Teacher,
    TokenPricing,
)

T = TypeVar("T")
MULTIPLIER_SEPARATOR = ";"

SCENARIO_COLUMNS = ("scenario", "currency", "multipliers", "growth", "horizon_months", "fixed_monthly_cost")
_SCENARIO_FIELDS = {"scenario": "name", **{c: c for c in SCENARIO_COLUMNS[1:]}}
_PRICING_FIELDS = tuple(
    dict.fromkeys(f for model in (TokenPricing, PerRequestPricing, SelfHostedPricing) for f in model.model_fields)
)


def _columns(prefix: str, model: type[BaseModel]) -> list[str]:
    return [f"{prefix}{name}" for name in model.model_fields if name not in ("pricing", "distillation")]


FEATURE_COLUMNS = (
    "feature",
    *[c for c in _columns("", Feature) if c not in ("name", "teacher", "student")],
    *_columns("teacher.", Teacher),
    *(f"teacher.pricing.{f}" for f in _PRICING_FIELDS),
    *_columns("student.", Student),
    *(f"student.pricing.{f}" for f in _PRICING_FIELDS),
    *(f"student.distillation.{f}" for f in Distillation.model_fields),
)
CSV_COLUMNS = (*SCENARIO_COLUMNS, *FEATURE_COLUMNS)
_PRICING_RANGEABLE = {f for model in (TokenPricing, PerRequestPricing, SelfHostedPricing) for f in model.RANGEABLE}
_RANGEABLE_BY_PREFIX = {
    "": set(Feature.RANGEABLE),
    "teacher.": set(Teacher.RANGEABLE),
    "teacher.pricing.": _PRICING_RANGEABLE,
    "student.": set(Student.RANGEABLE),
    "student.pricing.": _PRICING_RANGEABLE,
    "student.distillation.": set(Distillation.RANGEABLE),
}
# Columns that may carry a range: `<column>.low` and `<column>.high` beside them, the column holding the mode.
RANGED_COLUMNS = (
    *Scenario.RANGEABLE,
    *(
        c
        for c in FEATURE_COLUMNS
        if c.rpartition(".")[2] in _RANGEABLE_BY_PREFIX.get(c.rpartition(".")[0] + "." if "." in c else "", ())
    ),
)
RANGE_BOUND_COLUMNS = {f"{c}.{bound}": c for c in RANGED_COLUMNS for bound in ("low", "high")}
_LEADING_FIELD = re.compile(r"^[a-z_]+(\.[a-z_]+)*")

# A text cell that a spreadsheet would run as a formula is written behind an apostrophe.
# Apostrophes already in front of such a cell are escaped too, so reading back is exact.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")


def neutralise(text: str) -> str:
    return "'" + text if _FORMULA.match(text) else text


def restore(text: str) -> str:
    return text[1:] if text.startswith("'") and _FORMULA.match(text[1:]) else text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return neutralise(str(value))


def _write_csv(header: list[str] | tuple[str, ...], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    # The BOM makes Excel read the file as UTF-8.
    return "\ufeff" + buffer.getvalue()


def _flatten(prefix: str, data: dict[str, Any], out: dict[str, Any]) -> None:
    for key, value in data.items():
        if key == RANGES_KEY:
            for field, found in value.items():
                out[f"{prefix}{field}.low"], out[f"{prefix}{field}.high"] = found["low"], found["high"]
        elif isinstance(value, dict):
            _flatten(f"{prefix}{key}.", value, out)
        else:
            out[f"{prefix}{key}"] = value


def scenario_table(scenarios: list[Scenario]) -> tuple[list[str], list[list[Any]]]:
    """The finance CSV as a header and typed rows (the workbook writes it too): one row per feature of each
    scenario, every column of CSV_COLUMNS, and the range columns that some row needs."""
    records = []
    for scenario in scenarios:
        wide: dict[str, Any] = {}
        _flatten("", scenario.model_dump(mode="python", exclude={"features"}), wide)
        wide["scenario"] = wide.pop("name")
        wide["multipliers"] = MULTIPLIER_SEPARATOR.join(_cell(float(m)) for m in scenario.multipliers)
        for feature in scenario.features:
            cells = dict(wide)
            _flatten("", feature.model_dump(mode="python"), cells)
            cells["feature"] = cells.pop("name")
            records.append(cells)
    ranged = {column for cells in records for column in cells if column in RANGE_BOUND_COLUMNS}
    header = [
        c for column in CSV_COLUMNS for c in (column, f"{column}.low", f"{column}.high") if c == column or c in ranged
    ]
    return header, [[cells.get(column) for column in header] for cells in records]


def scenarios_to_csv(scenarios: list[Scenario]) -> str:
    """One row per feature of each scenario, every column of CSV_COLUMNS, and the range columns that some row needs."""
    return _write_csv(*scenario_table(scenarios))


DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
# Cells that are text, not numbers, whatever the delimiter: a decimal comma is read only elsewhere.
_TEXT_COLUMNS = {"scenario", "currency", "growth", "feature"}
_TEXT_SUFFIXES = (".name", ".kind", ".model", ".provider")
_DECIMAL_COMMA = re.compile(r"^\s*[+-]?(\d{1,3}(\.\d{3})+|\d+),\d+\s*$")


def sniff_delimiter(text: str, filename: str) -> str:
    """The delimiter of a scenario CSV, from its header row: comma, semicolon or tab.

    Column names hold none of the three, so a header shows exactly one of them; a header with two
    kinds is ambiguous and refused, naming what was found.
    """
    header = next((line for line in text.splitlines() if line.strip()), "").replace('"', "")
    found = {d: header.count(d) for d in DELIMITERS if header.count(d)}
    if len(found) > 1:
        counts = " and ".join(f"{n} {DELIMITERS[d]}{'s' if n != 1 else ''}" for d, n in found.items())
        raise InputError(
            f"{filename}: row 1: cannot tell the delimiter: the header holds {counts}; save the file with one "
            "delimiter (comma, semicolon or tab)"
        )
    return next(iter(found), ",")


# `1.500` is 1500 with a thousands point or 1.5 with a decimal point; `0.15` and `1.5` can only be decimals.
_AMBIGUOUS_POINT = re.compile(r"^\s*[+-]?[1-9]\d{0,2}(\.\d{3})+\s*$")
_DECIMAL_POINT = re.compile(r"^\s*[+-]?\d*\.\d+\s*$")


def _is_number_column(column: str) -> bool:
    return not (column in _TEXT_COLUMNS or column.endswith(_TEXT_SUFFIXES))


def _number_parts(cell: str, column: str) -> list[str]:
    return cell.split(MULTIPLIER_SEPARATOR) if column == "multipliers" else [cell]


def point_convention(rows: list[dict[str, str]]) -> str | None:
    """What a point means in a semicolon CSV, from its own cells: `thousands` when it writes decimal commas,
    `decimal` when it writes unambiguous decimal points (0.15), None when it shows neither (or both)."""
    parts = [p for row in rows for c, cell in row.items() if _is_number_column(c) for p in _number_parts(cell, c)]
    commas = any(_DECIMAL_COMMA.match(p) for p in parts)
    points = any(_DECIMAL_POINT.match(p) and not _AMBIGUOUS_POINT.match(p) for p in parts)
    return "thousands" if commas and not points else "decimal" if points and not commas else None


def _decimal_point(cell: str, column: str, convention: str | None = None, where: str = "") -> str:
    """A number cell of a semicolon CSV with a decimal comma (0,15; 1.234,5) written with a point;
    other cells as they are. Multipliers hold several numbers, separated by semicolons. A cell such as
    `1.500` is read by the file's convention, and refused when the file has none."""
    if not _is_number_column(column):
        return cell
    if column == "multipliers":
        return MULTIPLIER_SEPARATOR.join(
            _decimal_point(part, "", convention, where) for part in cell.split(MULTIPLIER_SEPARATOR)
        )
    if _AMBIGUOUS_POINT.match(cell):
        if convention == "thousands":
            return cell.replace(".", "")
        if convention is None:
            raise InputError(
                f"{where}: {cell.strip()!r} could be {cell.strip().replace('.', '')} (thousands point) or "
                f"{float(cell)} (decimal point) and the file shows no convention; write it without the thousands "
                "point, or with a decimal comma, or save the file as a workbook (.xlsx)"
            )
        return cell
    return cell.replace(".", "").replace(",", ".") if _DECIMAL_COMMA.match(cell) else cell


def _set(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for key in parents:
        target = target.setdefault(key, {})
    target[leaf] = value


def _csv_scenarios(text: str, filename: str) -> list[Scenario]:
    delimiter = sniff_delimiter(text, filename)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = list(reader)
    except csv.Error as exc:
        raise InputError(f"{filename}: malformed CSV at row {reader.line_num}: {exc}") from None
    return table_scenarios(table, filename, delimiter)


def table_scenarios(table: list[list[str]], filename: str, delimiter: str = ",") -> list[Scenario]:
    """Scenarios from the finance table as text cells (a CSV's, or a workbook's cells written out):
    a header row of CSV columns, one row per feature. Text cells are read through `restore`."""
    if not table or not any(cell.strip() for cell in table[0]):
        raise InputError(
            f"{filename}: the CSV is empty; expected a header row with columns such as {', '.join(CSV_COLUMNS[:4])}"
        )
    header = [restore(c.strip()) for c in table[0]]
    for position, column in enumerate(header, start=1):
        if column not in CSV_COLUMNS and column not in RANGE_BOUND_COLUMNS:
            close = difflib.get_close_matches(column, (*CSV_COLUMNS, *RANGE_BOUND_COLUMNS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InputError(f"{filename}: row 1, column {position}: unknown column {column!r}{hint}")
        if header.index(column) != position - 1:
            raise InputError(f"{filename}: row 1, column {position}: column {column!r} appears twice")
    for required in ("scenario", "feature"):
        if required not in header:
            raise InputError(f"{filename}: row 1: column {required!r} is missing")
    if any(any(cells) for cells in table[1:]):
        _check_missing_columns(header, table[1:], filename)

    convention = (
        point_convention([dict(zip(header, cells, strict=True)) for cells in table[1:] if len(cells) == len(header)])
        if delimiter == ";"
        else None
    )
    scenarios: dict[str, dict[str, Any]] = {}
    wide_seen: dict[str, dict[str, tuple[int, str | None]]] = {}
    feature_rows: dict[str, list[int]] = {}
    feature_rows_by_name: dict[str, dict[str | None, int]] = {}
    for row_number, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        if len(cells) != len(header):
            raise InputError(
                f"{filename}: row {row_number}: {len(cells)} cells where the header has {len(header)} columns"
            )
        given = {column: restore(cell) for column, cell in zip(header, cells, strict=True) if cell != ""}
        if delimiter == ";":
            given = {
                column: _decimal_point(cell, column, convention, f"{filename}: row {row_number}, column {column}")
                for column, cell in given.items()
            }
        _gather_ranges(given, filename, row_number)
        name = given.get("scenario")
        if name is None:
            raise InputError(f"{filename}: row {row_number}, column scenario: the scenario name is empty")
        scenario = scenarios.setdefault(name, {"features": []})
        seen = wide_seen.setdefault(name, {})
        for column in SCENARIO_COLUMNS:
            value = given.get(column)
            if column in seen and value != seen[column][1]:
                first_row, first_value = seen[column]
                raise InputError(
                    f"{filename}: row {row_number}, column {column}: {value!r} differs from {first_value!r} "
                    f"on row {first_row} of scenario {name!r}; scenario-wide columns must agree"
                )
            seen[column] = (row_number, value)
            if value is not None:
                scenario[_SCENARIO_FIELDS[column]] = (
                    value.split(MULTIPLIER_SEPARATOR) if column == "multipliers" else value
                )
        feature_name = given.get("feature")
        first_row = feature_rows_by_name.setdefault(name, {}).setdefault(feature_name, row_number)
        if feature_name is not None and first_row != row_number:
            raise InputError(
                f"{filename}: row {row_number}, column feature: the name {feature_name!r} is already used on row "
                f"{first_row} "
                f"of scenario {name!r}; feature names must be unique"
            )
        feature: dict[str, Any] = {}
        for column, value in given.items():
            if column not in SCENARIO_COLUMNS:
                _set(feature, "name" if column == "feature" else column, value)
        scenario["features"].append(feature)
        feature_rows.setdefault(name, []).append(row_number)
    if not scenarios:
        raise InputError(f"{filename}: the CSV has a header but no rows")

    result = []
    for name, data in scenarios.items():
        try:
            result.append(Scenario.model_validate(data))
        except ValidationError as err:
            raise InputError(f"{filename}: {_csv_error(err, feature_rows[name])}") from None
    return result


# Columns whose default would change the economics: a file without them is refused, never read with a default.
ECONOMICS_COLUMNS = (
    "users",
    "requests_per_user",
    "revenue_per_user",
    "teacher.quality",
    "teacher.pricing.kind",
    "student.quality_retention",
    "student.pricing.kind",
)
_PRICE_COLUMNS = {
    "tokens": ("input_tokens", "output_tokens", "input_price_per_mtok", "output_price_per_mtok"),
    "per_request": ("cost",),
    "self_hosted": ("hourly_price", "throughput_rps"),
}


class DefaultsWarning(UserWarning):
    """A CSV without some columns whose defaults were taken; the message lists them on one line."""


def noting_defaults(read: Callable[[], T]) -> tuple[T, list[str]]:
    """What `read` returns and the DefaultsWarning lines it raised (the command line prints each as
    `warning: ...`, the dashboard shows it); any other warning is passed on."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DefaultsWarning)
        result = read()
    notes = []
    for warning in caught:
        if issubclass(warning.category, DefaultsWarning):
            notes.append(str(warning.message))
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return result, notes


def _check_missing_columns(header: list[str], rows: list[list[str]], filename: str) -> None:
    """Refuse a CSV that lacks a column whose default changes the economics; warn once about the other defaults."""
    present = set(header)
    has_student = any(c.startswith("student.") for c in header)
    needed = [c for c in ECONOMICS_COLUMNS if not c.startswith("student.") or has_student]
    optional_pricing: set[str] = set()
    for side in ("teacher", "student") if has_student else ("teacher",):
        kind_column = f"{side}.pricing.kind"
        kinds = (
            {r[header.index(kind_column)].strip() for r in rows if len(r) == len(header)}
            if kind_column in present
            else set()
        )
        model_given = f"{side}.pricing.model" in present
        for kind in sorted(k for k in kinds if k in _PRICE_COLUMNS):
            optional_pricing |= {f"{side}.pricing.{f}" for f in _DEFAULTED_PRICING[kind]}
            for field in _PRICE_COLUMNS[kind]:
                if kind == "tokens" and model_given and field.endswith("_per_mtok"):
                    continue  # the price comes from the catalog by model name
                needed.append(f"{side}.pricing.{field}")
    for column in dict.fromkeys(needed):
        if column not in present:
            raise InputError(
                f"{filename}: row 2, column {column}: field required; the file has no {column!r} column and a default "
                "would change the economics: add the column (write 0 where a figure really is 0)"
            )
    defaulted = [
        c
        for c in CSV_COLUMNS
        if c not in present
        and c not in needed
        and c.rpartition(".")[2] not in ("name", "model", "provider", "cached_input_price_per_mtok")
        and (has_student or not c.startswith("student."))
        and (not c.startswith(("teacher.pricing.", "student.pricing.")) or c in optional_pricing)
    ]
    if defaulted:
        warnings.warn(
            DefaultsWarning(f"{filename}: columns missing, their defaults taken: {', '.join(defaulted)}"), stacklevel=2
        )


_DEFAULTED_PRICING = {
    "tokens": ("cached_input_tokens", "batch_share", "batch_discount"),
    "per_request": (),
    "self_hosted": ("utilization", "peak_to_average", "min_replicas"),
}


def _gather_ranges(given: dict[str, Any], filename: str, row_number: int) -> None:
    """Fold a row's `<field>.low` / `<field>.high` cells into {"low", "mode", "high"} at the field (both empty: no
    range)."""
    for field in dict.fromkeys(RANGE_BOUND_COLUMNS[c] for c in list(given) if c in RANGE_BOUND_COLUMNS):
        low, high = given.pop(f"{field}.low", None), given.pop(f"{field}.high", None)
        if low is None or high is None:
            empty = f"{field}.low" if low is None else f"{field}.high"
            raise InputError(
                f"{filename}: row {row_number}, column {empty}: empty while "
                f"{field}.{'high' if low is None else 'low'} is given; a range needs both bounds (both empty: no range)"
            )
        given[field] = dict(zip(RANGE_KEYS, (low, given.get(field), high), strict=True))


def _csv_error(err: ValidationError, rows: list[int]) -> str:
    """The first problem as `row R, column C: message (got value)`."""
    problems = []
    for error in err.errors(include_url=False):
        loc = list(clean_location(error))
        message = error_message(error)
        if loc and loc[0] == "features" and len(loc) > 1 and isinstance(loc[1], int):
            # A range's mode is the column itself (`users`); its bounds have their own (`users.low`).
            path = ".".join(str(p) for p in loc[2:]).removesuffix(".mode")
            # A check across fields names the field it blames first: point at that column.
            blamed = _LEADING_FIELD.match(message)
            if blamed:
                candidate = f"{path}.{blamed[0]}".lstrip(".").removesuffix(".mode")
                if candidate in CSV_COLUMNS or candidate in RANGE_BOUND_COLUMNS:
                    path = candidate
            column = "feature" if path in ("", "name") else path
            problems.append(f"row {rows[loc[1]]}, column {column}: {message}")
        elif loc:
            column = {"name": "scenario"}.get(str(loc[0]), ".".join(str(p) for p in loc).removesuffix(".mode"))
            problems.append(f"row {rows[0]}, column {column}: {message}")
        elif (blamed := _LEADING_FIELD.match(message)) and blamed[0].removesuffix(".mode") in (
            *SCENARIO_COLUMNS,
            *RANGE_BOUND_COLUMNS,
        ):
            problems.append(f"row {rows[0]}, column {blamed[0].removesuffix('.mode')}: {message}")
        else:
            problems.append(f"row {rows[0]}: {message}")
    return "; ".join(problems)

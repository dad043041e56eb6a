"""Scenario and projection files: JSON for engineers, CSV and workbooks for finance.

Reading and writing pick the format by extension: .json here, .csv in aueb.finance_csv (its names are
re-exported here, where callers have always found them), .xlsx in aueb.workbook. The projection's CSV and
JSON output are written here too.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from aueb.engine import ROW_COLUMNS, SUMMARY_COLUMNS, Projection
from aueb.errors import InputError, describe_validation_error
from aueb.finance_csv import CSV_COLUMNS as CSV_COLUMNS
from aueb.finance_csv import RANGE_BOUND_COLUMNS as RANGE_BOUND_COLUMNS
from aueb.finance_csv import SCENARIO_COLUMNS as SCENARIO_COLUMNS
from aueb.finance_csv import DefaultsWarning as DefaultsWarning
from aueb.finance_csv import _csv_scenarios
from aueb.finance_csv import _write_csv as _write_csv
from aueb.finance_csv import neutralise as neutralise
from aueb.finance_csv import scenario_table as scenario_table
from aueb.finance_csv import scenarios_to_csv as scenarios_to_csv
from aueb.finance_csv import table_scenarios as table_scenarios
from aueb.resources import data_path
from aueb.scenario import Scenario

DATA_DIR = data_path()
DEFAULT_SCENARIO_PATH = DATA_DIR / "scenarios" / "customer_support.json"
# docs/economics.md, shipped in the package (aueb/data/economics.md links to it in a checkout).
ECONOMICS_PATH = DATA_DIR / "economics.md"


def scenario_to_json(scenario: Scenario) -> str:
    return scenario.model_dump_json(indent=2, exclude_none=True) + "\n"


def _decode(data: bytes | str, filename: str, *, windows_fallback: bool = False) -> str:
    """Text of a file: UTF-8 (with or without a BOM); with windows_fallback, Windows-1252 when the
    bytes are not UTF-8, which is how Excel's plain "CSV" saves in Western Europe."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if b"\x00" in data[:4096]:
        raise InputError(f"{filename}: not a text file (it holds binary data); expected a .json or .csv scenario")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if windows_fallback:
            try:
                return data.decode("cp1252")
            except UnicodeDecodeError:
                pass
        kind = "UTF-8 or Windows-1252" if windows_fallback else "UTF-8"
        raise InputError(
            f"{filename}: not {kind} text (byte {exc.start}); save the CSV as 'CSV UTF-8' in Excel"
        ) from None


def _json_scenarios(text: str, filename: str) -> list[Scenario]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{filename}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    items = data if isinstance(data, list) else [data]
    result = []
    for position, item in enumerate(items):
        where = f"{filename}: scenario {position}: " if isinstance(data, list) else f"{filename}: "
        if not isinstance(item, dict):
            raise InputError(f"{where}expected a JSON object with name and features, got {type(item).__name__}")
        if "schema_version" in item and "quality_retention" in item:
            raise InputError(
                f"{where}this is a distillation metrics file, not a scenario; apply it to a scenario instead"
            )
        try:
            result.append(Scenario.model_validate(item))
        except ValidationError as err:
            raise InputError(where + describe_validation_error(err, item)) from None
    if not result:
        raise InputError(f"{filename}: the JSON list holds no scenario")
    return result


def read_scenarios(data: bytes | str, filename: str) -> list[Scenario]:
    """Scenarios from the bytes of a .json, .csv or .xlsx file; an InputError names what is wrong and where."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        from aueb.workbook import read_workbook  # openpyxl only when a workbook is read

        if isinstance(data, str):
            raise InputError(f"{filename}: a workbook is binary; pass its bytes")
        return read_workbook(data, filename)
    if suffix not in (".json", ".csv"):
        raise InputError(
            f"{filename}: expected a .json, .csv or .xlsx scenario file, not {suffix or 'a file without extension'}"
        )
    text = _decode(data, filename, windows_fallback=suffix == ".csv")
    return _json_scenarios(text, filename) if suffix == ".json" else _csv_scenarios(text, filename)


def load_scenarios(path: str | Path) -> list[Scenario]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})") from None
    return read_scenarios(data, str(path))


def write_scenarios(scenarios: list[Scenario], path: str | Path) -> None:
    """Write by extension: .csv holds any number of scenarios, .json one (or a list)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from aueb.workbook import write_workbook

        write_workbook(scenarios, path)
        return
    if suffix == ".csv":
        text = scenarios_to_csv(scenarios)
    elif suffix == ".json":
        text = (
            scenario_to_json(scenarios[0])
            if len(scenarios) == 1
            else "[\n" + ",\n".join(scenario_to_json(s).rstrip() for s in scenarios) + "\n]\n"
        )
    else:
        raise InputError(
            f"{path}: expected a .json, .csv or .xlsx file name, not {suffix or 'a name without extension'}"
        )
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"{path}: cannot write the file ({exc.strerror})") from None


def _records(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    frame = frame.loc[:, list(columns)].astype(object)
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


# The projection CSV carries each scenario's summary on every one of its rows (as the scenario CSV
# repeats scenario-wide fields), so one sheet holds both and filters keep it.
PROJECTION_CSV_COLUMNS = (*ROW_COLUMNS, *SUMMARY_COLUMNS[1:])


def projection_to_csv(projection: Projection) -> str:
    summary = projection.summary.set_index("scenario").loc[:, list(SUMMARY_COLUMNS[1:])]
    rows = projection.rows.loc[:, list(ROW_COLUMNS)].join(summary, on="scenario").astype(object)
    return _write_csv(PROJECTION_CSV_COLUMNS, rows.to_numpy().tolist())


def projection_to_json(projection: Projection) -> str:
    summary = {record.pop("scenario"): record for record in _records(projection.summary, SUMMARY_COLUMNS)}
    return (
        json.dumps({"rows": _records(projection.rows, ROW_COLUMNS), "summary": summary}, indent=1, allow_nan=False)
        + "\n"
    )

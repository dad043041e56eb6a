"""An engineer's own per-example eval results (one CSV row per example), read for the cascade.

Errors name the file, the spreadsheet row (the header is row 1), the column and the value.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from aueb.cascade import HeldOut
from aueb.errors import InputError

TRUE = ("1", "true", "yes", "1.0")
FALSE = ("0", "false", "no", "0.0")


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text CSV") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read the file ({error.strerror or error})") from None


def read_predictions(path: str | Path, confidence_column: str, student_column: str, teacher_column: str) -> HeldOut:
    """Student confidence (any finite number, higher = surer), student and teacher correctness (0/1 or true/false)."""
    path = Path(path)
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    header = next(reader, None)
    if not header:
        raise InputError(f"{path}: the file is empty; expected a header row and one row per example")
    header = [name.strip() for name in header]
    wanted = {
        "--confidence-column": confidence_column,
        "--student-correct-column": student_column,
        "--teacher-correct-column": teacher_column,
    }
    for flag, column in wanted.items():
        if column not in header:
            raise InputError(f"{path}: {flag}: no column {column!r} (columns: {', '.join(map(repr, header))})")
    where = [header.index(column) for column in wanted.values()]
    confidence, student, teacher = [], [], []
    for row_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{path}: row {row_number}: {len(row)} cells, the header has {len(header)}")
        cells = [row[i].strip() for i in where]
        confidence.append(_confidence(cells[0], path, row_number, confidence_column))
        student.append(_correct(cells[1], path, row_number, student_column))
        teacher.append(_correct(cells[2], path, row_number, teacher_column))
    if not confidence:
        raise InputError(f"{path}: no examples: the file has a header and no rows")
    return HeldOut(np.array(confidence), np.array(student), np.array(teacher))


def _confidence(cell: str, path: Path, row: int, column: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        raise InputError(f"{path}: row {row}, column {column}: must be a finite number (got {cell!r})")
    return value


def _correct(cell: str, path: Path, row: int, column: str) -> bool:
    lowered = cell.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise InputError(f"{path}: row {row}, column {column}: must be 0/1 or true/false (got {cell!r})")

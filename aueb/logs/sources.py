"""Which files a LOG argument names, which format they are in, and the DuckDB scan that reads them.

JSON Lines files are scanned as raw lines (one VARCHAR column, a delimiter that valid JSON cannot
hold, no quoting), so a malformed line is a row like any other: counted, and located by its line
number, instead of stopping the read or being skipped. CSV files are scanned with every column as
text and structural errors (a row with too many columns) stored as rejects with their line.
"""

from __future__ import annotations

import csv
import glob
import gzip
import io
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from aueb.errors import InputError

FORMATS = ("otel", "litellm", "langfuse", "csv")
Layout = Literal["jsonl", "csv"]
_PEEK_BYTES = 1 << 20
_PEEK_LINES = 20
# A raw-line scan must not split lines: \x01 cannot appear unescaped inside valid JSON.
_LINE_DELIMITER = "\\x01"
MAX_LINE_BYTES = 16 * 1024 * 1024
# DuckDB sizes its read buffer at 16 x max_line_size (256 MB) by default; with a buffer per file and thread that
# overruns the memory limit on a 2-core machine, so the buffer is set to twice the longest line allowed.
READ_BUFFER_BYTES = 2 * MAX_LINE_BYTES

PLAIN_CSV_REQUIRED = ("timestamp", "model", "input_tokens", "output_tokens")


@dataclass(frozen=True)
class Source:
    """Files of one format, in the order given, and how they are laid out."""

    files: tuple[str, ...]
    format: str
    layout: Layout
    columns: tuple[str, ...] = ()  # the CSV header (the same in every file)

    def has(self, column: str) -> bool:
        return column in self.columns


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(sql_text(v) for v in values) + "]"


def expand(patterns: list[str]) -> list[str]:
    """Every file a LOG argument names (a path or a glob), in the order given, globs sorted."""
    files: list[str] = []
    for pattern in patterns:
        if glob.has_magic(pattern):
            found = sorted(p for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
            if not found:
                raise InputError(f"{pattern}: no file matches this pattern")
            files.extend(found)
        elif Path(pattern).is_file():
            files.append(pattern)
        elif Path(pattern).is_dir():
            raise InputError(
                f"{pattern}: is a folder; name the log files (a glob such as {pattern.rstrip('/')}/*.jsonl works)"
            )
        else:
            raise InputError(f"{pattern}: no such file")
    if not files:
        raise InputError("no log file given")
    return list(dict.fromkeys(files))


def is_gzip(path: str) -> bool:
    try:
        with open(path, "rb") as raw:
            return raw.read(2) == b"\x1f\x8b"
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None


def _read_gzip(path: str, limit: int | None) -> tuple[bytes, int, str | None]:
    """Up to `limit` bytes of a gzip file's data (all when None; only counted, not kept, past _PEEK_BYTES),
    the number of data bytes readable, and what cut the file short (None when it is whole)."""
    kept: list[bytes] = []
    size = 0
    try:
        with gzip.open(path, "rb") as handle:
            while limit is None or size < limit:
                chunk = handle.read(1 << 16)
                if not chunk:
                    break
                if size < _PEEK_BYTES:
                    kept.append(chunk)
                size += len(chunk)
    except EOFError:
        return b"".join(kept), size, "truncated: the compressed stream ends before its end marker"
    except (OSError, zlib.error) as exc:
        return b"".join(kept), size, f"corrupt: {exc}"
    return b"".join(kept), size, None


def readable_part(path: str, target: str) -> int:
    """Write the whole lines of a cut gzip file's readable part to `target` (plain); the lines written."""
    lines = 0
    pending = b""
    with open(target, "wb") as out:
        try:
            with gzip.open(path, "rb") as handle:
                while chunk := handle.read(1 << 16):
                    data = pending + chunk
                    cut = data.rfind(b"\n") + 1
                    out.write(data[:cut])
                    lines += data.count(b"\n", 0, cut)
                    pending = data[cut:]
        except (EOFError, OSError, zlib.error):
            pass  # the partial last line (pending) is dropped: a cut number must not read as a valid one
    return lines


def gzip_cut(path: str) -> str | None:
    """Why a gzip file cannot be read to its end (with the data bytes readable before the cut), or None."""
    _, size, cut = _read_gzip(path, None)
    return None if cut is None else f"{cut}, after {size:,} bytes of data"


def _head(path: str) -> list[str]:
    """The first non-empty lines of a file (gzip by its magic bytes), for recognising its format."""
    try:
        if is_gzip(path):
            data = _read_gzip(path, _PEEK_BYTES)[0]
        else:
            with open(path, "rb") as handle:
                data = handle.read(_PEEK_BYTES)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    text = data.decode("utf-8-sig", errors="replace")
    return [line for line in text.splitlines() if line.strip()][:_PEEK_LINES]


def _json_format(record: dict) -> str | None:
    keys = set(record)
    if "resourceSpans" in keys:
        return "otel"
    if "request_id" in keys and keys & {"spend", "prompt_tokens", "startTime"}:
        return "litellm"
    if keys & {"usage_details", "usageDetails", "provided_model_name", "providedModelName"} or (
        "type" in keys and keys & {"start_time", "startTime"}
    ):
        return "langfuse"
    return None


def _csv_format(header: list[str]) -> str | None:
    columns = set(header)
    if "request_id" in columns and columns & {"spend", "prompt_tokens"}:
        return "litellm"
    if columns & {"usage_details", "usageDetails", "provided_model_name"} or (
        "type" in columns and columns & {"start_time", "startTime"}
    ):
        return "langfuse"
    if set(PLAIN_CSV_REQUIRED) <= columns:
        return "csv"
    return None


def _sniff(path: str) -> tuple[str | None, Layout, list[str]]:
    lines = _head(path)
    if not lines:
        cut = gzip_cut(path) if is_gzip(path) else None
        raise InputError(f"{path}: the compressed file is {cut}" if cut else f"{path}: the file is empty")
    if lines[0].lstrip().startswith("{"):
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                return _json_format(record), "jsonl", []
        return None, "jsonl", []
    header = next(csv.reader(io.StringIO(lines[0])))
    return _csv_format([h.strip() for h in header]), "csv", [h.strip() for h in header]


def open_source(patterns: list[str], log_format: str = "auto") -> Source:
    """The files named, checked to be one known format (recognised from their first records when auto)."""
    if log_format != "auto" and log_format not in FORMATS:
        raise InputError(f"--format: {log_format!r} is not a log format (expected auto, {', '.join(FORMATS)})")
    files = expand(patterns)
    found: str | None = None
    layout: Layout | None = None
    columns: list[str] = []
    for path in files:
        detected, file_layout, header = _sniff(path)
        if log_format == "auto" and detected is None:
            raise InputError(
                f"{path}: not a known log format (tried {', '.join(FORMATS)}); see the README for each format's fields"
            )
        this = detected if log_format == "auto" else log_format
        if log_format == "otel" and file_layout != "jsonl" or log_format == "csv" and file_layout != "csv":
            raise InputError(
                f"{path}: --format {log_format} expects {'JSON Lines' if log_format == 'otel' else 'a CSV file'}"
            )
        if found is not None and (this != found or file_layout != layout):
            raise InputError(
                f"{path}: is {this} ({file_layout}) but {files[0]} is {found} ({layout}); ingest one format at a time"
            )
        if file_layout == "csv" and columns and header != columns:
            raise InputError(
                f"{path}: its header differs from {files[0]}'s; CSV files ingested together need the same columns"
            )
        found, layout, columns = this, file_layout, header
    if found == "csv":
        missing = [c for c in PLAIN_CSV_REQUIRED if c not in columns]
        if missing:
            raise InputError(
                f"{files[0]}: the CSV has no column {missing[0]!r} (required: {', '.join(PLAIN_CSV_REQUIRED)})"
            )
    assert found is not None and layout is not None  # expand() names one file at least, each one recognised
    return Source(files=tuple(files), format=found, layout=layout, columns=tuple(columns))


def scan(source: Source, numbered: bool = False, types: dict[str, str] | None = None) -> str:
    """SQL of the raw rows: file, line (only when numbered: one file, order-preserving, slower), then
    `text` (JSON Lines) or the CSV's columns, as text unless `types` gives a column's type (a cell
    that does not convert is a reject, counted and located like a row with too many columns)."""
    files = sql_list(source.files)
    line = "row_number() OVER ()" if numbered else "NULL::BIGINT"
    if source.layout == "jsonl":
        return (
            f"SELECT filename AS file, {line} AS line, text FROM read_csv({files}, columns={{'text': 'VARCHAR'}}, "
            f"delim=E'{_LINE_DELIMITER}', quote='', escape='', header=false, filename=true, "
            f"max_line_size={MAX_LINE_BYTES}, buffer_size={READ_BUFFER_BYTES}, union_by_name=false)"
        )
    types = types or {}
    columns = ", ".join(f"{sql_text(c)}: {sql_text(types.get(c, 'VARCHAR'))}" for c in source.columns)
    # In a CSV the header is line 1; rows a reject moved down are put right by locate().
    line = "row_number() OVER () + 1" if numbered else "NULL::BIGINT"
    return (
        f"SELECT filename AS file, {line} AS line, * EXCLUDE (filename) FROM read_csv({files}, header=true, "
        "auto_detect=false, "
        f"columns={{{columns}}}, "
        f"delim=',', quote='\"', escape='\"', filename=true, store_rejects=true, "
        f"max_line_size={MAX_LINE_BYTES}, buffer_size={READ_BUFFER_BYTES})"
    )


def field(source: Source, *names: str) -> str:
    """SQL of the first of `names` that a record holds, as text: a JSON Lines key of `j` (objects come
    back as their JSON text) or a CSV column (NULL when the file has none of them)."""
    if source.layout == "jsonl":
        found = [f"(j->>{sql_text(name)})" for name in names]
    else:
        found = [f'"{name}"' for name in names if source.has(name)]
    if not found:
        return "NULL::VARCHAR"
    return found[0] if len(found) == 1 else f"coalesce({', '.join(found)})"


def nonblank(column: str = "text") -> str:
    """SQL: the line holds something besides spaces, i.e. `trim(column) <> ''`, but decided on the line's first 64
    characters when they hold something (a record line), so that trim does not copy every whole line."""
    return f"{column} IS NOT NULL AND (trim(left({column}, 64)) <> '' OR trim({column}) <> '')"


def records_of(source: Source, numbered: bool) -> str:
    """SQL of the raw rows with `j` (the parsed JSON line, NULL when malformed) and `malformed`."""
    if source.layout == "jsonl":
        return (
            f"SELECT *, CASE WHEN json_valid(text) THEN text::JSON END AS j, NOT json_valid(text) AS malformed "
            f"FROM ({scan(source, numbered)}) WHERE {nonblank()}"
        )
    return f"SELECT *, NULL::JSON AS j, false AS malformed FROM ({scan(source, numbered)})"


# Where each format conventionally names a call's feature, when --feature-key is not given.
CONVENTIONAL_FEATURE_KEYS = {
    "otel": ("app.feature", "feature"),
    "litellm": ("feature",),
    "langfuse": ("feature",),
    "csv": ("feature",),
}


def _otel_keys(record: dict) -> set[str]:
    keys: set[str] = set()
    for rs in record.get("resourceSpans") or []:
        keys.update(a.get("key") for a in ((rs.get("resource") or {}).get("attributes") or []))
        for ss in rs.get("scopeSpans") or []:
            for sp in ss.get("spans") or []:
                keys.update(a.get("key") for a in (sp.get("attributes") or []))
    return keys


def _has_feature(record: dict, key: str) -> bool:
    """A LiteLLM or Langfuse record names `key` in its metadata (or spend_logs_metadata) or a `key:` tag."""
    for name in ("metadata",):
        meta = record.get(name)
        if isinstance(meta, str):
            try:
                meta = json.loads(meta)
            except ValueError:
                meta = None
        if isinstance(meta, dict) and (key in meta or key in (meta.get("spend_logs_metadata") or {})):
            return True
    for name in ("request_tags", "tags"):
        tags = record.get(name)
        if isinstance(tags, str):
            try:
                tags = json.loads(tags)
            except ValueError:
                tags = None
        if isinstance(tags, list) and any(isinstance(t, str) and t.startswith(key + ":") for t in tags):
            return True
    return False


def conventional_feature_key(source: Source) -> tuple[str | None, str]:
    """The conventional feature key found in the first records of the first file, and a line saying so."""
    candidates = CONVENTIONAL_FEATURE_KEYS[source.format]
    if source.format == "csv":
        if source.has("feature"):
            return "feature", "no --feature-key: the feature is the CSV column 'feature'"
        return None, "no --feature-key and no 'feature' column: every record is unattributed"
    lines = _head(source.files[0])
    records: list[dict] = []
    if source.layout == "jsonl":
        for text in lines:
            try:
                record = json.loads(text)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
    else:
        records = list(csv.DictReader(io.StringIO("\n".join(lines))))
    for key in candidates:
        if any((key in _otel_keys(r)) if source.format == "otel" else _has_feature(r, key) for r in records):
            return key, f"no --feature-key: using {key!r}, found in the first records of {source.files[0]}"
    where = {
        "otel": "span or resource attribute",
        "litellm": "metadata key or KEY:value request tag",
        "langfuse": "metadata key or KEY:value tag",
    }[source.format]
    return None, (
        f"no --feature-key and no conventional feature key ({', '.join(candidates)}) as a {where} in the first "
        f"records of {source.files[0]}: every record is unattributed; name one with --feature-key"
    )

"""Files in and out of the dashboard. No streamlit here.

Uploads are checked (size, kind, encoding) before the core reads them; every refusal is an
InputError whose message names the file and says what is expected. Downloads are exactly what
the CLI writes: the core's formats functions, encoded as UTF-8.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aueb.engine import Projection
from aueb.errors import InputError
from aueb.formats import projection_to_csv, projection_to_json, read_scenarios, scenario_to_json, scenarios_to_csv
from aueb.logs import Measured, ingest
from aueb.metrics import DistillationMetrics, MetricsError, parse_metrics
from aueb.scenario import Scenario
from aueb.workbook import workbook_bytes

REPORT_KINDS = {
    ".html": ("Report (HTML)", "text/html", "One self-contained file: opens offline in any browser, charts included."),
    ".xlsx": (
        "Report (Excel)",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Summary, Projection, Inputs and Tiers sheets, numbers as numbers: "
        "what `aueb report --out report.xlsx` writes.",
    ),
    ".pdf": (
        "Report (PDF)",
        "application/pdf",
        "The HTML report printed by Chromium: paginated, page numbers and the scenario's name in the footer.",
    ),
}

MAX_UPLOAD_MB = 2
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_LOG_UPLOAD_MB = 200
LOG_TYPES = ("jsonl", "ndjson", "json", "csv", "gz")
SCENARIO_TYPES = (".json", ".csv", ".xlsx")
_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF",
    b"PK\x03\x04": "a zip archive (an .xlsx?)",
    b"GIF8": "a GIF image",
}


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def check_size(filename: str, size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        raise InputError(f"{filename}: the file is {_size(size)}; the limit is {MAX_UPLOAD_MB} MB")


def _binary_kind(data: bytes) -> str | None:
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return kind
    return "binary data" if b"\x00" in data[:4096] else None


def read_scenario_upload(filename: str, data: bytes) -> list[Scenario]:
    """The scenarios of an uploaded .json or .csv file, or an InputError naming row, column and value."""
    check_size(filename, len(data))
    suffix = Path(filename).suffix.lower()
    if suffix not in SCENARIO_TYPES:
        raise InputError(
            f"{filename}: expected a scenario as .json, .csv or .xlsx, not {suffix or 'a file without extension'}"
        )
    if suffix == ".xlsx":
        if not data.startswith(b"PK\x03\x04"):
            raise InputError(f"{filename}: this is not an .xlsx workbook (a renamed file?)")
        return read_scenarios(data, filename)
    kind = _binary_kind(data)
    if kind is not None:
        raise InputError(f"{filename}: this is {kind}, not a {suffix} scenario (a renamed file?)")
    return read_scenarios(data, filename)


def read_metrics_upload(filename: str, data: bytes) -> DistillationMetrics:
    """Distillation metrics from an uploaded .json file, or an InputError that says what is wrong."""
    check_size(filename, len(data))
    suffix = Path(filename).suffix.lower()
    if suffix != ".json":
        raise InputError(f"{filename}: expected a metrics .json file, not {suffix or 'a file without extension'}")
    kind = _binary_kind(data)
    if kind is not None:
        raise InputError(f"{filename}: this is {kind}, not a metrics .json file (a renamed file?)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{filename}: not UTF-8 text (byte {exc.start})") from None
    try:
        return parse_metrics(text)
    except MetricsError as exc:
        raise InputError(f"{filename}: {str(exc).removeprefix('metrics JSON: ').removeprefix('text ')}") from None


def read_log_upload(filename: str, data: bytes, progress=None, **options) -> Measured:
    """Measure an uploaded request log (any format `aueb ingest` reads, plain or .gz), or an InputError.

    DuckDB reads files, so the upload is written to a temporary folder under its own name (the
    .gz suffix and the name in error messages stay), which is removed afterwards.
    """
    if len(data) > MAX_LOG_UPLOAD_MB * 1024 * 1024:
        raise InputError(
            f"{filename}: the file is {_size(len(data))}; the limit in the browser is {MAX_LOG_UPLOAD_MB} MB (the CLI "
            "has none)"
        )
    kind = _binary_kind(data) if not data.startswith(b"\x1f\x8b") else None
    if kind is not None:
        raise InputError(f"{filename}: this is {kind}, not a request log (JSON Lines or CSV, plain or .gz)")
    name = Path(filename).name or "upload.log"
    with tempfile.TemporaryDirectory(prefix="aueb-log-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            measured = ingest([str(path)], progress=progress, **options)
        except InputError as exc:
            raise InputError(str(exc).replace(str(path), name)) from None
    first_bad = measured.report.records.first_bad
    if first_bad is not None:
        measured.report.records.first_bad = first_bad.model_copy(update={"file": name})
    return measured


@dataclass(frozen=True)
class Download:
    key: str
    label: str
    data: bytes
    file_name: str
    mime: str
    help: str


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_") or "scenario"


def downloads(scenario: Scenario, projection: Projection) -> list[Download]:
    """The downloads of the current scenario: byte for byte what the CLI writes."""
    base = slug(scenario.name)
    return [
        Download(
            "dl_projection_csv",
            "Projection (CSV)",
            projection_to_csv(projection).encode("utf-8"),
            f"{base}_projection.csv",
            "text/csv",
            "Every feature, multiplier and arm, with the ALL total rows: what `aueb project --format csv` writes.",
        ),
        Download(
            "dl_projection_json",
            "Projection (JSON)",
            projection_to_json(projection).encode("utf-8"),
            f"{base}_projection.json",
            "application/json",
            "Rows and summary, as `aueb project --format json` writes.",
        ),
        Download(
            "dl_scenario_json",
            "Scenario (JSON)",
            scenario_to_json(scenario).encode("utf-8"),
            f"{base}.json",
            "application/json",
            "The edited scenario, for engineers and the CLI.",
        ),
        Download(
            "dl_scenario_csv",
            "Scenario (CSV)",
            scenarios_to_csv([scenario]).encode("utf-8"),
            f"{base}.csv",
            "text/csv",
            "One row per feature, for a spreadsheet set to English.",
        ),
        Download(
            "dl_scenario_xlsx",
            "Scenario (Excel)",
            workbook_bytes([scenario]),
            f"{base}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "A workbook with typed cells: reads back exactly whatever language the spreadsheet is set to "
            "(`aueb convert S.json S.xlsx`).",
        ),
    ]


def report_download(
    kind: str,
    scenario: Scenario,
    *,
    metrics: DistillationMetrics | None = None,
    logs: Any = None,
    risk_samples: int | None = None,
    risk_seed: int | None = None,
    paper: str = "a4",
) -> Download:
    """The report of the current scenario as `kind` (.html, .xlsx or .pdf): what
    `aueb report --out report<kind>` writes.

    `logs`: an IngestReport (aueb ingest --report); risk_samples and risk_seed: the Monte Carlo run of a scenario
    with ranges (default: the CLI's). A PDF needs Chromium and playwright; without them this raises
    aueb.report.RendererMissing.
    """
    from aueb.report import build_report, render

    label, mime, help = REPORT_KINDS[kind]
    options: dict[str, Any] = {
        k: v for k, v in (("risk_samples", risk_samples), ("risk_seed", risk_seed)) if v is not None
    }
    content = build_report(scenario, metrics=metrics, logs=logs, **options)
    return Download(
        f"dl_report_{kind[1:]}", label, render(content, kind, paper), f"{slug(scenario.name)}_report{kind}", mime, help
    )

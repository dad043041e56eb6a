"""`ingest`: request logs in, measured figures, report and scenario out.

One DuckDB pass reads and normalises every record into a Parquet file (bad records flagged, so
read = used + bad); the figures are SQL aggregates over it. Locating the first bad
record (its file and line) takes a second, numbered pass over one file, only when there is one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

import duckdb
import pandas as pd

from aueb.errors import InputError
from aueb.logs import langfuse, litellm, otel, plain_csv
from aueb.logs.figures import aggregate, daily_rows
from aueb.logs.measured import MeasuredScenario, build_scenario
from aueb.logs.pricing import ModelPrice, price_checks, price_of, register_prices
from aueb.logs.records import connect, normalise
from aueb.logs.report import AlreadySaved, IngestReport, RecordRef, Records
from aueb.logs.sources import (
    Source,
    conventional_feature_key,
    gzip_cut,
    is_gzip,
    open_source,
    readable_part,
    sql_text,
)

READERS = {"otel": otel.raw_sql, "litellm": litellm.raw_sql, "langfuse": langfuse.raw_sql, "csv": plain_csv.raw_sql}
DEFAULT_WINDOW_HOURS = 730.0
# DuckDB spills to disk past this, so a 10M-record log stays well under 2 GB of memory.
DEFAULT_MEMORY_LIMIT = "1GB"

Progress = Callable[[float, str], None]


@dataclass
class Measured:
    """Everything `aueb ingest` and the Usage page show."""

    source: Source
    report: IngestReport
    scenario: MeasuredScenario
    daily: pd.DataFrame  # feature, date, requests, cost
    model_daily: pd.DataFrame  # model, date, calls, cost, cost_per_call
    unpriced: list[ModelPrice] = field(default_factory=list)
    feature_note: str | None = None  # which conventional feature key was used without --feature-key, or none found


def _rejects(con: duckdb.DuckDBPyConnection, source: Source) -> pd.DataFrame:
    """CSV rows DuckDB could not split into the header's columns: file, line, reason."""
    if source.layout != "csv":
        return pd.DataFrame(columns=["file", "line", "reason"])
    return con.execute(
        """
        SELECT DISTINCT ON (s.file_path, e.line) s.file_path AS file, e.line, e.error_message AS reason
        FROM reject_errors e JOIN reject_scans s USING (scan_id, file_id) ORDER BY s.file_path, e.line
        """
    ).df()


_COUNTED = "^(input tokens|cached input tokens|cache write input tokens|output tokens|recorded cost) "
# A bad record's reason without the values it quotes, so that the reasons can be counted.
_PROBLEM_KIND = f"""CASE
    WHEN starts_with(bad_reason, 'unparseable time ') THEN 'unparseable time'
    WHEN bad_reason LIKE 'time % is after the run''s own time' THEN 'time after the run''s own time'
    WHEN bad_reason LIKE '% is not a number' THEN regexp_extract(bad_reason, '{_COUNTED}', 1) || ' not a number'
    WHEN bad_reason LIKE '% is not a whole number' THEN regexp_extract(bad_reason, '{_COUNTED}', 1) ||
        ' not a whole number'
    WHEN starts_with(bad_reason, 'negative ') THEN regexp_replace(bad_reason, ' \\(.*$', '')
    WHEN bad_reason LIKE '%exceed input tokens%' THEN 'cached input tokens exceed input tokens'
    ELSE bad_reason END"""


def _counts(con: duckdb.DuckDBPyConnection, rejects: pd.DataFrame) -> dict:
    """Records read (`total`, CSV rejects included) and, per reason, those bad, ignored, merged and corrected."""
    total = int(con.execute("SELECT count(*) FROM records").fetchall()[0][0]) + len(rejects)
    counts: dict = {"total": total}
    for kind in ("bad", "ignored", "merged", "corrected"):
        reason = _PROBLEM_KIND if kind == "bad" else f"{kind}_reason"
        rows = con.execute(
            f"SELECT {reason}, count(*) FROM records WHERE {kind}_reason IS NOT NULL GROUP BY ALL ORDER BY 2 DESC, 1"
        ).fetchall()
        counts[kind] = {str(reason): int(n) for reason, n in rows}
    for reason in rejects["reason"] if len(rejects) else []:
        key = str(reason).split(":")[0] if reason else "CSV row that does not fit the header"
        counts["bad"][key] = counts["bad"].get(key, 0) + 1
    return counts


def _saved(list_cost: float, actual_cost: float) -> float:
    """list - actual, 0 where the two differ only by rounding (calls without cache reads or writes)."""
    saved = list_cost - actual_cost
    return 0.0 if abs(saved) <= 1e-12 * abs(list_cost) else saved


def _locate(
    con, source: Source, feature_key: str | None, condition: str, rejects: pd.DataFrame, with_rejects: bool
) -> RecordRef | None:
    """The first record meeting `condition` (SQL over the normalised columns), in file order, or the first
    CSV reject when `with_rejects`; a numbered pass over one file at a time, stopping at the first hit."""
    reader = READERS[source.format]
    for path in source.files:
        mine = rejects[rejects["file"] == path]
        found = con.execute(
            "SELECT line, problem, model FROM "
            f"({normalise(reader(replace(source, files=(path,)), feature_key, numbered=True))}) "
            f"WHERE {condition} ORDER BY line LIMIT 1"
        ).fetchall()
        found = found[0] if found else None
        hit = None
        if found is not None:
            line = int(found[0])
            # A CSV row number counts accepted rows: each rejected line above it moves it down one.
            for rejected in sorted(mine["line"]):
                if rejected <= line:
                    line += 1
            hit = RecordRef(file=path, line=line, reason=found[1] or f"model {found[2]!r}")
        if with_rejects and len(mine):
            first = mine.iloc[0]
            if hit is None or int(first["line"]) < hit.line:
                hit = RecordRef(file=path, line=int(first["line"]), reason=str(first["reason"]))
        if hit is not None:
            return hit
    return None


def ingest(
    logs: list[str],
    log_format: str = "auto",
    feature_key: str | None = None,
    window_hours: float = DEFAULT_WINDOW_HOURS,
    strict: bool = False,
    allow_unpriced: bool = False,
    scenario_name: str | None = None,
    progress: Progress | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    allow_bad: bool = False,
) -> Measured:
    """Read request logs and measure them. Bad input raises InputError with a one-line message."""
    step = progress or (lambda fraction, text: None)
    if not window_hours > 0:
        raise InputError(f"--window-hours: {window_hours:g} must be above 0")
    source = open_source(logs, log_format)
    cuts: dict[str, str] = {}
    for path in source.files:
        cut = gzip_cut(path) if is_gzip(path) else None
        if cut is not None and not allow_bad:
            raise InputError(f"{path}: the compressed file is {cut}; pass --allow-bad to use its readable part")
        if cut is not None:
            cuts[path] = cut
    feature_note = None
    if feature_key is None:
        feature_key, feature_note = conventional_feature_key(source)
    step(0.05, f"Reading {len(source.files)} {source.format} file(s)")
    with tempfile.TemporaryDirectory(prefix="aueb-ingest-") as scratch:
        # A cut .gz (--allow-bad): its readable whole lines, decompressed, are read in its place.
        readable = {path: str(Path(scratch) / f"readable-{i}.txt") for i, path in enumerate(cuts)}
        written = {path: readable_part(path, target) for path, target in readable.items()}
        if readable:
            source = replace(source, files=tuple(readable.get(f, f) for f in source.files))
        con = connect(threads=threads, memory_limit=memory_limit or DEFAULT_MEMORY_LIMIT, temp_directory=scratch)
        try:
            measured = _measure(
                con, source, feature_key, window_hours, strict, allow_unpriced, scenario_name, step, Path(scratch)
            )
            measured.feature_note = feature_note
            records = measured.report.records
            records.cut_files = [f"{p}: {c} ({written[p]:,} whole lines read)" for p, c in cuts.items()]
            original = {target: path for path, target in readable.items()}
            if records.first_bad is not None and records.first_bad.file in original:
                records.first_bad.file = original[records.first_bad.file]
            measured.source = replace(measured.source, files=tuple(original.get(f, f) for f in measured.source.files))
            return measured
        except duckdb.Error as exc:
            raise InputError(
                f"{source.files[0]}: cannot read the {source.format} log ({str(exc).splitlines()[0]})"
            ) from None
        finally:
            con.close()


def _measure(
    con, source, feature_key, window_hours, strict, allow_unpriced, scenario_name, step, scratch: Path
) -> Measured:
    reader = READERS[source.format]
    # The log is parsed once into a compressed Parquet file of what the figures need (a problem's text
    # and line are found again by _locate); every aggregate then scans its columns. Memory stays
    # bounded whatever the log's size: DuckDB streams the write and spills to `scratch`.
    records = scratch / "records.parquet"
    # `ignored` (not a model call, or merged into another record) leaves a record out of every figure; the
    # reasons are kept for the counts.
    con.execute(
        "COPY (SELECT ignored IS NOT NULL OR merged IS NOT NULL AS ignored, problem IS NOT NULL AS bad, "
        "ignored AS ignored_reason, merged AS merged_reason, corrected AS corrected_reason, problem AS bad_reason, "
        "ts, feature, user_id, model, provider, input_tokens, "
        "cached_input_tokens, cache_write_input_tokens, cache_write_1h_input_tokens, output_tokens, cache_hit, "
        "recorded_cost FROM "
        f"({normalise(reader(source, feature_key))})) "
        f"TO {sql_text(str(records))} (FORMAT parquet)"
    )
    con.execute(f"CREATE VIEW records AS SELECT * FROM read_parquet({sql_text(str(records))})")
    step(0.6, "Checking records")
    rejects = _rejects(con, source)
    counts = _counts(con, rejects)
    read, bad = counts["total"], sum(counts["bad"].values())
    first_bad = _locate(con, source, feature_key, "problem IS NOT NULL", rejects, True) if bad else None
    if strict and first_bad is not None:
        raise InputError(
            f"{first_bad.file}:{first_bad.line}: {first_bad.reason} (--strict stops at the first bad record; {bad} bad)"
        )
    if read - bad - sum(counts["ignored"].values()) - sum(counts["merged"].values()) == 0:
        where = f"; first: {first_bad.file}:{first_bad.line}: {first_bad.reason}" if first_bad else ""
        raise InputError(f"{source.files[0]}: no usable record ({read} read, {bad} bad{where})")

    step(0.7, "Pricing with the catalog")
    pairs = con.execute(
        "SELECT DISTINCT model, provider FROM records WHERE NOT bad AND NOT ignored AND model IS NOT NULL ORDER BY ALL"
    ).fetchall()
    prices = [price_of(model, provider) for model, provider in pairs]
    unpriced = [p for p in prices if p.price is None]
    unpriced_records = 0
    if unpriced:
        # the pairs come from `model IS NOT NULL`, and an unpriced model has a problem
        names = ", ".join(sorted({sql_text(cast(str, p.model)) for p in unpriced}))
        condition = f"problem IS NULL AND ignored IS NULL AND model IN ({names})"
        unpriced_records = int(
            con.execute(
                f"SELECT count(*) FROM records WHERE NOT bad AND NOT ignored AND model IN ({names})"
            ).fetchall()[0][0]
        )
        if not allow_unpriced or strict:
            first = _locate(con, source, feature_key, condition, rejects, False)
            where = f"; first at {first.file}:{first.line}" if first else ""
            details = "; ".join(dict.fromkeys(cast(str, p.problem) for p in unpriced))
            raise InputError(f"{details} ({unpriced_records} records{where}); pass --allow-unpriced to price them 0")
    register_prices(con, prices)

    step(0.8, "Aggregating")
    aggregates = aggregate(con, window_hours)
    report = IngestReport(
        window=aggregates.window,
        records=Records(
            read=read,
            used=read - bad - sum(counts["ignored"].values()) - sum(counts["merged"].values()),
            bad=bad,
            first_bad=first_bad,
            ignored=sum(counts["ignored"].values()),
            merged=sum(counts["merged"].values()),
            corrected=sum(counts["corrected"].values()),
            bad_by_reason=counts["bad"],
            ignored_by_reason=counts["ignored"],
            merged_by_reason=counts["merged"],
            corrected_by_reason=counts["corrected"],
            outside_window=aggregates.outside_window,
            unpriced=unpriced_records,
        ),
        features=aggregates.features,
        daily=daily_rows(aggregates.daily),
        anomalies=aggregates.anomalies,
        price_checks=price_checks(aggregates.price_totals),
        already_saved=[
            AlreadySaved(
                feature=r.feature,
                model=r.model,
                list_cost=float(r.list_cost),
                actual_cost=float(r.actual_cost),
                saved=_saved(float(r.list_cost), float(r.actual_cost)),
            )
            for r in aggregates.already_saved.itertuples(index=False)
        ],
    )
    step(0.95, "Building the scenario")
    name = (
        scenario_name
        or f"Measured from {', '.join(Path(f).name for f in source.files[:3])}{' ...' if len(source.files) > 3 else ''}"
    )
    measured = build_scenario(report, aggregates.dominant, name, aggregates.token_costs)
    step(1.0, "Done")
    return Measured(
        source=source,
        report=report,
        scenario=measured,
        daily=aggregates.daily,
        model_daily=aggregates.model_daily,
        unpriced=unpriced,
    )

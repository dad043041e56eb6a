"""`aueb ingest`: measured figures, report and scenario from request logs."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from aueb.cli.base import app, err, fail, out, rich_table, write_text
from aueb.errors import InputError
from aueb.formats import scenario_to_json
from aueb.formatting import NA, count, money, months, pct, volume
from aueb.logs import DEFAULT_WINDOW_HOURS, Measured, ingest
from aueb.logs.figures import HOURS_PER_MONTH
from aueb.logs.report import FeatureFigures

FEATURES_PER_TABLE = 4
USD = "USD"  # the price catalog's currency, the currency of every measured cost


class LogFormat(StrEnum):
    auto = "auto"
    otel = "otel"
    litellm = "litellm"
    langfuse = "langfuse"
    csv = "csv"


def _tokens(mean: float | None, p50: float | None = None, p95: float | None = None) -> str:
    if mean is None:
        return NA
    return volume(mean) if p50 is None else f"{volume(mean)} · {volume(p50)} · {volume(p95)}"


def _mix(models: dict[str, float]) -> str:
    top = sorted(models.items(), key=lambda kv: -kv[1])
    return (
        "\n".join(f"{name} {share:.0%}" for name, share in top[:3])
        + (f"\n+{len(top) - 3} more" if len(top) > 3 else "")
        or "n/a"
    )


ROWS: list[tuple[str, Callable[[FeatureFigures], str]]] = [
    ("requests / month", lambda f: volume(f.requests)),
    ("users", lambda f: volume(f.users)),
    ("requests / user", lambda f: volume(f.requests_per_user)),
    ("input tok/req mean·p50·p95", lambda f: _tokens(f.input_tokens_mean, f.input_tokens_p50, f.input_tokens_p95)),
    ("cached input tok/req mean", lambda f: _tokens(f.cached_input_tokens_mean)),
    ("output tok/req mean·p50·p95", lambda f: _tokens(f.output_tokens_mean, f.output_tokens_p50, f.output_tokens_p95)),
    ("cache hit rate", lambda f: pct(f.cache_hit_rate)),
    ("model mix (model calls)", lambda f: _mix(f.models)),
    ("cost / request", lambda f: money(f.cost_per_request, USD)),
    ("cost / month", lambda f: money(f.cost, USD)),
    ("growth / month", lambda f: pct(f.growth_monthly)),
    ("months to 10x", lambda f: months(f.months_to_10x)),
    ("months to 100x", lambda f: months(f.months_to_100x)),
]


def render(measured: Measured) -> None:
    report = measured.report
    window, records = report.window, report.records
    items: list[tuple[str, FeatureFigures]] = list(report.features.items())
    scaled = f", scaled to a month x{HOURS_PER_MONTH / window.hours:.3g}" if window.scaled else ""
    title = (
        f"Measured per feature: {window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} UTC "
        f"({window.hours:,.0f} h{scaled})"
    )
    for start in range(0, len(items), FEATURES_PER_TABLE):
        chunk = items[start : start + FEATURES_PER_TABLE]
        table = rich_table(title if start == 0 else "", [("", "left")] + [(name, "right") for name, _ in chunk])
        for label, cell in ROWS:
            table.add_row(label, *(cell(figures) for _, figures in chunk))
        out.print(table)
    total_cost = sum(f.cost for _, f in items)
    total_requests = sum(f.requests for _, f in items)
    out.print(
        f"All features: {volume(total_requests)} requests / month, {money(total_cost, USD, 'month')}", highlight=False
    )
    line = (
        f"Records: read {count(records.read)} = used {count(records.used)} + ignored {count(records.ignored)}"
        f" + merged {count(records.merged)} + bad {count(records.bad)}"
    )
    if records.first_bad:
        line += f"; first bad {records.first_bad.file}:{records.first_bad.line}: {records.first_bad.reason}"
    for label, reasons in (
        ("ignored", records.ignored_by_reason),
        ("merged", records.merged_by_reason),
        ("corrected", records.corrected_by_reason),
        ("bad", records.bad_by_reason),
    ):
        if reasons:
            line += f"; {label}: " + ", ".join(f"{count(n)} {reason}" for reason, n in reasons.items())
    if records.outside_window:
        line += f"; {count(records.outside_window)} used records before the window (left out of the monthly figures)"
    if records.unpriced:
        line += f"; {count(records.unpriced)} unpriced (cost 0)"
    out.print(line, highlight=False, soft_wrap=True)
    _already_saved(measured)
    if report.anomalies:
        table = rich_table(
            "Anomalous days (cost above the previous 14 days' median + 4 x 1.4826 x MAD, and +50%)",
            [("feature", "left"), ("date", "left"), ("cost", "right"), ("median", "right"), ("threshold", "right")],
        )
        for a in report.anomalies:
            table.add_row(a.feature, a.date.isoformat(), *(money(v, USD) for v in (a.cost, a.median, a.threshold)))
        out.print(table)
    if report.price_checks:
        table = rich_table(
            "Recorded cost against the catalog (USD, records that carry a cost)",
            [("model", "left"), ("recorded", "right"), ("recomputed", "right"), ("ratio", "right"), ("", "left")],
        )
        for c in report.price_checks:
            table.add_row(
                c.model,
                money(c.recorded_cost, USD),
                money(c.recomputed_cost, USD),
                "n/a" if c.ratio is None else f"{c.ratio:.3f}",
                "differs > 1%" if c.flagged else "ok",
            )
        out.print(table)


def _already_saved(measured: Measured) -> None:
    """Per feature and model: the window's model calls at list prices without prompt cache and batch, as priced,
    and the difference (what caching and batch already save), per month."""
    rows = measured.report.already_saved
    if not rows:
        return
    table = rich_table(
        "Already saved by prompt caching and batch, per month: list price without them, actual, difference",
        [
            ("feature", "left"),
            ("model", "left"),
            ("list", "right"),
            ("actual", "right"),
            ("saved", "right"),
            ("", "right"),
        ],
    )
    for r in rows:
        share = pct(r.saved / r.list_cost) if r.list_cost else "n/a"
        table.add_row(
            r.feature, r.model, money(r.list_cost, USD), money(r.actual_cost, USD), money(r.saved, USD), share
        )
    list_total, actual_total = sum(r.list_cost for r in rows), sum(r.actual_cost for r in rows)
    saved_total = list_total - actual_total
    table.add_row(
        "all",
        "",
        money(list_total, USD),
        money(actual_total, USD),
        money(saved_total, USD),
        pct(saved_total / list_total) if list_total else "n/a",
    )
    out.print(table)


@app.command("ingest")
def ingest_command(
    logs: Annotated[
        list[str], typer.Argument(help="Log files or globs (quote them), plain or .gz", show_default=False)
    ],
    format: Annotated[
        LogFormat, typer.Option("--format", "-f", help="Log format; auto recognises it from the first records")
    ] = LogFormat.auto,
    feature_key: Annotated[
        str | None,
        typer.Option(
            help="Where a call names its feature: OTel attribute (span, then resource), LiteLLM metadata key or "
            "KEY:value tag, "
            "Langfuse metadata key or tag (or `name` for the trace name), CSV column. Without it: the format's "
            "conventional key (OTel app.feature or feature, else the `feature` metadata key, tag or column), said on "
            "stderr"
        ),
    ] = None,
    window_hours: Annotated[
        float, typer.Option(help="Hours of the window ending at the last record (730 = one month)")
    ] = DEFAULT_WINDOW_HOURS,
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the measured scenario (JSON) for `aueb project`")
    ] = None,
    report_path: Annotated[Path | None, typer.Option("--report", help="Write the measured figures as JSON")] = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first bad record (exit 2) instead of counting it")] = False,
    allow_unpriced: Annotated[
        bool, typer.Option(help="Price models the catalog does not know at 0 instead of stopping")
    ] = False,
    allow_bad: Annotated[
        bool,
        typer.Option(help="Use the readable part of a truncated .gz file (the cut is reported) instead of stopping"),
    ] = False,
) -> None:
    """Measure cost per feature, per user and per day, growth and anomalies from request logs (OTel, LiteLLM, Langfuse,
    CSV).
    """
    try:
        with err.status("Reading the logs", spinner="dots") as status:
            measured = ingest(
                logs,
                format.value,
                feature_key,
                window_hours,
                strict=strict,
                allow_unpriced=allow_unpriced,
                allow_bad=allow_bad,
                progress=lambda fraction, text: status.update(f"{text} ({fraction:.0%})"),
            )
    except InputError as exc:
        fail(str(exc))
    if measured.feature_note:
        err.print(measured.feature_note, highlight=False, soft_wrap=True)
    for cut in measured.report.records.cut_files:
        err.print(f"warning: read only the readable part of {cut}", highlight=False, soft_wrap=True)
    render(measured)
    if measured.unpriced:
        err.print(
            "warning: priced 0 (not in the catalog): " + "; ".join(str(p.problem) for p in measured.unpriced),
            highlight=False,
            soft_wrap=True,
        )
    if report_path:
        write_text(report_path, measured.report.model_dump_json(indent=2) + "\n")
        err.print(f"wrote the report to {report_path}", highlight=False)
    if out_path:
        if measured.scenario.scenario is None:
            fail("; ".join(measured.scenario.notes))
        write_text(out_path, scenario_to_json(measured.scenario.scenario))
        err.print(f"wrote the measured scenario to {out_path}", highlight=False)
        for note in measured.scenario.notes:
            err.print(f"note: {note}", highlight=False, soft_wrap=True)

"""The report's optional sections, from the other capabilities' documents as their contracts shape them.

- distillation: the metrics contract (aueb.metrics.DistillationMetrics), with its `cascade` from schema version 2;
- risk: the `aueb risk` JSON ({"percentiles": [...], "summary": {...}, "tornado": [...], "samples", "seed"});
- usage: the `aueb ingest --report` JSON (window, records, features, daily, anomalies, price_checks).

Each returns a Section for the HTML and PDF and the Sheets the workbook adds; none recomputes a figure.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aueb import views
from aueb.report.model import DEFINITIONS, Chart, Figure, Figures, Section, Sheet, Table, Text
from aueb.scenario import Scenario
from aueb.tiers import load_tiers
from aueb.ui import charts
from aueb.ui.charts.report import cascade_curve_chart, daily_cost_chart, fan_chart, tornado_chart

RISK_SHARES = ("cogs_to_revenue", "gross_margin")
LOG_CURRENCY = "USD"  # the price catalog's: `aueb ingest` prices every call with it
RISK_FIGURES = ("cogs_to_revenue", "gross_margin", "ai_cogs", "cost_per_request", "cost_per_correct_output", "net_ai_value")


def _plain(document: Any) -> Any:
    """A pydantic model as its JSON data; a dict as it is."""
    return document.model_dump(mode="json") if hasattr(document, "model_dump") else document


def _number(value: Any, digits: int = 0) -> str:
    return views.NA if value is None else f"{value:,.{digits}f}"


# --- distillation -------------------------------------------------------------------------------------


def distillation_section(metrics: Any, currency: str) -> tuple[Section, list[Sheet]]:
    teacher, student = metrics.teacher, metrics.student
    figures = [
        Figure("quality_retention", "Quality retention", f"{metrics.quality_retention:.4f}", metrics.quality_retention),
        Figure("quality", "Teacher accuracy", views.pct(teacher.accuracy, 2), teacher.accuracy),
        Figure("quality", "Student accuracy", views.pct(student.accuracy, 2), student.accuracy),
    ]
    if metrics.kd_gain_pp is not None:
        spread = f" ± {metrics.kd_gain_pp_std:.2f}" if metrics.kd_gain_pp_std is not None else ""
        figures.append(Figure("kd_gain_pp", "Gain over true labels alone", f"{metrics.kd_gain_pp:+.2f} pp{spread}", metrics.kd_gain_pp))
    rows = [
        ("Test accuracy", lambda m: views.pct(m.accuracy, 2)),
        ("Parameters", lambda m: _number(m.parameters)),
        ("FLOPs per example", lambda m: _number(m.flops_per_example)),
        ("Latency p50 / p95, batch 1 (ms)", lambda m: views.NA if m.latency_ms_p50 is None else f"{m.latency_ms_p50:g} / {m.latency_ms_p95:g}"),
        ("Throughput, batch 1 (examples / s)", lambda m: _number(m.throughput_batch1)),
        ("Throughput, batch 256 (examples / s)", lambda m: _number(m.throughput_batch256)),
        (f"Cost per million requests ({currency})", lambda m: views.money(m.cost_per_million_requests, currency)),
    ]
    table = Table(
        f"Teacher and student on {metrics.dataset}",
        ["Measured", f"Teacher: {teacher.name or 'teacher'}", f"Student: {student.name or 'student'}"],
        [[label, shown(teacher), shown(student)] for label, shown in rows],
        note=f"Timings on {metrics.hardware.device} at {views.money(metrics.hardware.hourly_price, currency)} an hour.",
    )
    blocks: list[Any] = [
        Figures(figures),
        table,
        Chart("distill_accuracy", charts.accuracy_chart(views.distill_accuracy(metrics)), "quality_retention",
              "Held-out accuracy of the teacher, the distilled student and the students trained without the teacher's soft targets."),
    ]
    speed = views.distill_speed(metrics)
    if not speed.empty:
        blocks.append(Chart("distill_throughput", charts.throughput_chart(speed), "quality_retention", "Examples per second at batch 1 and 256."))
    sheets = [Sheet("Distillation", pd.DataFrame(
        [{"figure": label, "teacher": shown(teacher), "student": shown(student)} for label, shown in rows]
        + [{"figure": "Quality retention", "teacher": None, "student": metrics.quality_retention}]
    ), {"figure": "text", "teacher": "text", "student": "text"})]
    cascade = getattr(metrics, "cascade", None)
    if cascade is not None:
        cascade_blocks, cascade_sheet = _cascade(_plain(cascade))
        blocks += cascade_blocks
        sheets.append(cascade_sheet)
    intro = "What the distillation run (or the team's own eval) measured, and what it puts into the scenario: the student's quality retention."
    return Section("distillation", "Distillation metrics", intro=intro, blocks=blocks), sheets


def _cascade(cascade: dict[str, Any]) -> tuple[list[Any], Sheet]:
    points = pd.DataFrame(cascade["points"], columns=["threshold", "coverage", "selective_accuracy", "system_accuracy"])
    cpt = cascade.get("cpt") or {}
    figures = [
        Figure("apgr", "APGR", views.NA if cascade.get("apgr") is None else f"{cascade['apgr']:.3f}", cascade.get("apgr")),
        *(
            Figure("cpt", f"CPT({float(level):.0%})", "not reached" if cpt.get(level) is None else views.pct(cpt[level]), cpt.get(level))
            for level in ("0.5", "0.8", "0.95")
        ),
        Figure("aurc", "AURC", views.NA if cascade.get("aurc") is None else f"{cascade['aurc']:.4f}", cascade.get("aurc")),
        Figure("cascade", "Held-out examples", _number(cascade.get("n_examples")), cascade.get("n_examples")),
    ]
    chart = Chart("cascade", cascade_curve_chart(points, cascade["teacher_accuracy"], cascade["student_accuracy"]), "cascade",
                  "Each point is a confidence threshold: the student keeps the requests it is confident about and hands the rest to the teacher.")
    sheet = Sheet("Cascade", points, {c: "percent" for c in ("coverage", "selective_accuracy", "system_accuracy")})
    return [Text(["**Confidence cascade**: the measured routing curve of the student and its teacher."]), Figures(figures), chart], sheet


# --- risk ---------------------------------------------------------------------------------------------


def _risk_value(figure: str, value: Any, currency: str) -> str:
    if value is None:
        return views.NA
    if figure in RISK_SHARES or figure.endswith("probability"):
        return views.pct(value)
    if figure == "payback_months":
        return views.months(value)
    if figure == "roi":
        return views.times(value)
    return views.money(value, currency)


def risk_section(risk: Any, scenario: Scenario) -> tuple[Section, list[Sheet]]:
    data = _plain(risk)
    currency = scenario.currency
    percentiles = pd.DataFrame(data["percentiles"], columns=["scenario", "multiplier", "arm", "figure", "p10", "p50", "p90", "undefined"])
    tornado = pd.DataFrame(data.get("tornado") or [], columns=["input", "low", "high", "figure_at_low", "figure_at_high", "swing"])
    summary = data.get("summary") or {}
    figures: list[Figure] = []
    for key, value in summary.items():
        if isinstance(value, dict) and {"p10", "p50", "p90"} <= set(value):
            shown = " · ".join(f"P{q[1:]} {_risk_value(key, value[q], currency)}" for q in ("p10", "p50", "p90"))
            figures.append(Figure(key if key in DEFINITIONS else "percentiles", DEFINITIONS.get(key, {}).get("label", key), shown))
        elif isinstance(value, (int, float)):
            figures.append(Figure(key if key in DEFINITIONS else "percentiles", DEFINITIONS.get(key, {}).get("label", key), _risk_value(key, value, currency), value))
    totals = percentiles.loc[percentiles["figure"].isin(RISK_FIGURES)].copy()
    totals["order"] = totals["figure"].map({f: i for i, f in enumerate(RISK_FIGURES)})
    totals = totals.sort_values(["order", "multiplier", "arm"])
    rows = [
        [DEFINITIONS[r["figure"]]["label"], views.multiplier_label(r["multiplier"]), views.arm_label(r["arm"]),
         *(_risk_value(r["figure"], r[q], currency) for q in ("p10", "p50", "p90")), f"{int(r['undefined']):,}"]
        for r in totals.to_dict("records")
    ]
    blocks: list[Any] = [
        Text([f"{int(data.get('samples', 0)):,} Monte Carlo samples (seed {data.get('seed')}), each input given as a range drawn from its PERT distribution."]),
        Figures(figures),
    ]
    fan = percentiles.loc[percentiles["figure"] == "cogs_to_revenue"]
    if not fan.empty:
        blocks.append(Chart("risk_fan", fan_chart(fan, load_tiers()), "percentiles", "The band holds 80% of the samples; the line is the median."))
    blocks.append(Table("Percentiles of the total rows", ["Figure", "Volume", "Arm", "P10", "P50", "P90", "Undefined samples"], rows,
                        row_keys=[r["figure"] for r in totals.to_dict("records")]))
    figure_name = data.get("figure") or "cogs_to_revenue"
    label = DEFINITIONS.get(figure_name, {}).get("label", figure_name)
    if not tornado.empty:
        share = figure_name in RISK_SHARES
        blocks.append(Chart("risk_tornado", tornado_chart(tornado, label, share), "tornado", "Bars span the figure from the input at its low to its high."))
        blocks.append(Table(f"Tornado of {label}", ["Input", "Low", "High", "Figure at low", "Figure at high", "Swing"], [
            [r["input"], f"{r['low']:,.6g}", f"{r['high']:,.6g}", *(_risk_value(figure_name, r[c], currency) for c in ("figure_at_low", "figure_at_high", "swing"))]
            for r in tornado.to_dict("records")
        ], row_keys=["tornado"] * len(tornado)))
    sheets = [
        Sheet("Risk percentiles", percentiles, {"scenario": "text", "arm": "text", "figure": "text", "undefined": "count"}),
        Sheet("Tornado", tornado, {"input": "text"}),
    ]
    intro = "How bad it can get, and which input decides it: the projection repeated over the inputs' ranges."
    return Section("risk", "Uncertainty: Monte Carlo percentiles and tornado", intro=intro, blocks=blocks), sheets


# --- request logs -------------------------------------------------------------------------------------


def usage_section(logs: Any) -> tuple[Section, list[Sheet]]:
    data = _plain(logs)
    currency = LOG_CURRENCY
    window, records = data["window"], data["records"]
    features = pd.DataFrame.from_dict(data["features"], orient="index").rename_axis("feature").reset_index()
    first_bad = records.get("first_bad")
    where = ""
    if isinstance(first_bad, dict):
        reason = f": {first_bad['reason']}" if first_bad.get("reason") else ""
        where = f"; the first: {first_bad.get('file')}, line {first_bad.get('line')}{reason}"
    lines = [
        f"Measured from **{records['used']:,}** of {records['read']:,} log records ({records['bad']:,} bad{where}), "
        f"window {window['start']} to {window['end']} ({window['hours']:,.0f} hours"
        + (", scaled to a month)." if window.get("scaled") else ").")
    ]
    columns = [
        ("Feature", "feature", None, None),
        ("Requests / month", "requests", "volume", "requests"),
        ("Users", "users", "volume", "requests"),
        ("Requests / user", "requests_per_user", "volume", "requests"),
        ("Input tokens (mean)", "input_tokens_mean", "volume", "log_cost"),
        ("Cached input (mean)", "cached_input_tokens_mean", "volume", "log_cost"),
        ("Output tokens (mean)", "output_tokens_mean", "volume", "log_cost"),
        ("Cache hit rate", "cache_hit_rate", "pct", "log_cost"),
        (f"Cost / month ({currency})", "cost", "money", "log_cost"),
        (f"Cost / request ({currency})", "cost_per_request", "money", "log_cost"),
        ("Growth / month", "growth_monthly", "pct", "growth_monthly"),
        ("Months to 10x", "months_to_10x", "volume", "growth_monthly"),
        ("Months to 100x", "months_to_100x", "volume", "growth_monthly"),
    ]
    rows = [[str(r["feature"]), *(views.format_value(kind, r.get(column), currency) for _, column, kind, _ in columns[1:])]
            for r in features.to_dict("records")]
    blocks: list[Any] = [
        Text(lines),
        Table("Measured figures per feature", [label for label, *_ in columns], rows, column_keys=[key for *_, key in columns]),
    ]
    daily = pd.DataFrame(data.get("daily") or [], columns=["date", "feature", "requests", "cost"])
    anomalies = pd.DataFrame(data.get("anomalies") or [], columns=["feature", "date", "cost", "median", "threshold"])
    if not daily.empty:
        blocks.append(Chart("usage_daily", daily_cost_chart(daily, anomalies, currency), "anomaly", "Crosses mark the anomalous days."))
    if not anomalies.empty:
        blocks.append(Table("Anomalous days", ["Feature", "Day", "Cost", "Median of the 14 days before", "Threshold"], [
            [str(r["feature"]), str(r["date"]), *(views.money(r[c], currency) for c in ("cost", "median", "threshold"))] for r in anomalies.to_dict("records")
        ], row_keys=["anomaly"] * len(anomalies)))
    checks = pd.DataFrame(data.get("price_checks") or [], columns=["model", "recorded_cost", "recomputed_cost", "ratio", "flagged"])
    if not checks.empty:
        blocks.append(Table("Price checks: recorded against recomputed cost", ["Model", "Recorded", "Recomputed", "Ratio", "Flagged"], [
            [str(r["model"]), views.money(r["recorded_cost"], currency), views.money(r["recomputed_cost"], currency),
             views.NA if r["ratio"] is None or pd.isna(r["ratio"]) else f"{r['ratio']:.3f}", "yes" if r["flagged"] else "no"]
            for r in checks.to_dict("records")
        ], row_keys=["price_check"] * len(checks)))
    features_sheet = features.drop(columns=[c for c in ("models",) if c in features.columns])
    sheets = [
        Sheet("Usage", features_sheet, {"feature": "text", "cost": "money", "cost_per_request": "money_small",
                                         "cache_hit_rate": "percent", "growth_monthly": "percent"}),
        Sheet("Usage daily", daily, {"date": "text", "feature": "text", "requests": "count", "cost": "money"}),
    ]
    intro = ("Figures measured from the team's own request logs (aueb ingest), the source of the scenario's measured inputs; "
             f"money in {currency}, the price catalog's currency.")
    return Section("usage", "Measured from request logs", intro=intro, blocks=blocks), sheets

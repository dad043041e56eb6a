"""The report's optional sections, from the other capabilities' documents as their contracts shape them.

- distillation: the metrics contract (aueb.metrics.DistillationMetrics); its `cascade` (schema version 2)
  priced by aueb.planner;
- risk: a scenario with ranged inputs, through aueb.risk (the figures of `aueb risk`);
- usage: the `aueb ingest --report` JSON as its model, aueb.logs.IngestReport.

Each returns a Section for the HTML and PDF and the Sheets the workbook adds; none recomputes a figure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from aueb import charts, formatting, risk, views
from aueb.charts.risk import fan_chart, tornado_chart
from aueb.charts.usage import daily_cost_chart
from aueb.metrics import CPT_KEYS, Cascade, DistillationMetrics, MetricsError
from aueb.planner import plan
from aueb.quality import verdict
from aueb.report.model import DEFINITIONS, Chart, Figure, Figures, Section, Sheet, Table, Text, spec_table
from aueb.report.sheets import cascade_sheet, distillation_sheet, risk_sheets, usage_sheets
from aueb.scenario import Scenario

LOG_CURRENCY = "USD"  # the price catalog's: `aueb ingest` prices every call with it
RISK_FIGURES = (
    "cogs_to_revenue",
    "gross_margin",
    "ai_cogs",
    "cost_per_request",
    "cost_per_correct_output",
    "net_ai_value",
)


def _plain(document: Any) -> Any:
    """A pydantic model as its JSON data; a dict as it is."""
    return document.model_dump(mode="json") if hasattr(document, "model_dump") else document


def _number(value: Any, digits: int = 0) -> str:
    return views.NA if value is None else f"{value:,.{digits}f}"


# --- distillation -------------------------------------------------------------------------------------


def _n(count: int | None) -> str:
    return "" if count is None else f" (n = {count:,})"


def distillation_section(metrics: DistillationMetrics, scenario: Scenario) -> tuple[Section, list[Sheet]]:
    currency = scenario.currency
    teacher, student = metrics.teacher, metrics.student
    figures = [
        Figure(
            "quality_retention",
            "Quality retention",
            f"{metrics.quality_retention:.4f}" + views.interval_text(metrics.quality_retention_ci95, ".4f"),
            metrics.quality_retention,
        ),
        Figure(
            "quality",
            "Teacher accuracy",
            views.pct(teacher.accuracy, 2)
            + _n(teacher.test_examples)
            + views.interval_text(teacher.accuracy_ci95, ".1%"),
            teacher.accuracy,
        ),
        Figure(
            "quality",
            "Student accuracy",
            views.pct(student.accuracy, 2)
            + _n(student.test_examples)
            + views.interval_text(student.accuracy_ci95, ".1%"),
            student.accuracy,
        ),
    ]
    if metrics.kd_gain_pp is not None:
        spread = f" ± {metrics.kd_gain_pp_std:.2f} across seeds" if metrics.kd_gain_pp_std is not None else ""
        band = views.interval_text(metrics.kd_gain_pp_ci95, "+.2f", " pp")
        tell = f"; {verdict(metrics.kd_gain_pp_ci95)}" if metrics.kd_gain_pp_ci95 is not None else ""
        figures.append(
            Figure(
                "kd_gain_pp",
                "Gain over true labels alone",
                f"{metrics.kd_gain_pp:+.2f} pp{band}{spread}{tell}",
                metrics.kd_gain_pp,
            )
        )
    rows = [
        ("Test accuracy", lambda m: views.pct(m.accuracy, 2)),
        ("Parameters", lambda m: _number(m.parameters)),
        ("FLOPs per example", lambda m: _number(m.flops_per_example)),
        (
            "Latency p50 / p95, batch 1 (ms)",
            lambda m: views.NA if m.latency_ms_p50 is None else f"{m.latency_ms_p50:g} / {m.latency_ms_p95:g}",
        ),
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
        Chart(
            "distill_accuracy",
            charts.accuracy_chart(views.distill_accuracy(metrics)),
            "quality_retention",
            "Held-out accuracy of the teacher, the distilled student and the students trained without the teacher's "
            "soft targets.",
        ),
    ]
    speed = views.distill_speed(metrics)
    if not speed.empty:
        blocks.append(
            Chart(
                "distill_throughput",
                charts.throughput_chart(speed),
                "quality_retention",
                "Examples per second at batch 1 and 256.",
            )
        )
    sheets = [distillation_sheet(metrics, currency)]
    if metrics.cascade is not None:
        cascade_blocks, cascade_table = _cascade(metrics.cascade, scenario)
        blocks += cascade_blocks
        sheets.append(cascade_table)
    intro = (
        "What the distillation run (or the team's own eval) measured, and what it puts into the scenario: "
        "the student's quality retention."
    )
    return Section("distillation", "Distillation metrics", intro=intro, blocks=blocks), sheets


def _cascade(cascade: Cascade, scenario: Scenario) -> tuple[list[Any], Sheet]:
    """The cascade's summary figures and, priced for the first feature with a student (aueb.planner),
    its curve and best point."""
    cpt = cascade.cpt
    figures = [
        Figure(
            "apgr",
            "APGR",
            views.NA if cascade.apgr is None else f"{cascade.apgr:.3f}" + views.interval_text(cascade.apgr_ci95),
            cascade.apgr,
        ),
        *(
            Figure(
                "cpt",
                f"CPT({float(level):.0%})",
                "not reached" if cpt.get(level) is None else views.pct(cpt[level]),
                cpt.get(level),
            )
            for level in CPT_KEYS
        ),
        Figure("aurc", "AURC", f"{cascade.aurc:.4f}", cascade.aurc),
        Figure("cascade", "Held-out examples", _number(cascade.n_examples), cascade.n_examples),
    ]
    blocks: list[Any] = [
        Text(
            [
                "**Confidence cascade**: the student answers and hands a request to the teacher when its confidence is "
                "below a threshold."
            ]
        ),
        Figures(figures),
    ]
    points = pd.DataFrame([p.model_dump() for p in cascade.points])
    feature = next((f.name for f in scenario.features if f.student is not None), None)
    priced = None
    if feature is not None:
        try:
            priced = plan(scenario, cascade, feature)
        except MetricsError as exc:
            blocks.append(Text([f"The curve cannot be priced for {feature}: {exc}."], "warning"))
    if priced is None:
        return blocks, cascade_sheet(points, None, scenario.currency)
    currency = scenario.currency
    references = {
        "teacher_accuracy": cascade.teacher_accuracy,
        "student_accuracy": cascade.student_accuracy,
        "baseline_cogs": priced.arms["baseline"]["ai_cogs"],
        "distilled_cogs": priced.arms["distilled"]["ai_cogs"],
    }
    blocks.append(
        Chart(
            "cascade",
            charts.cascade_chart(priced.points, priced.best, None, references, currency),
            "cascade",
            f"Every measured operating point priced for {feature} at 1x (the rest of the scenario as it is); the star "
            "is the point "
            "with the highest net AI value.",
        )
    )
    if priced.best is not None:
        best = priced.points.iloc[priced.best]
        blocks.append(
            Table(
                f"Best operating point for {feature} at 1x",
                ["Figure", "Best point", "The scenario now (with student)"],
                [
                    ["Threshold", f"{best['threshold']:.4g}", views.NA],
                    ["Coverage (student keeps)", views.pct(best["coverage"]), views.NA],
                    ["System accuracy", views.pct(best["system_accuracy"], 2), views.NA],
                    [
                        "Routing coverage",
                        views.pct(1 - best["escalation"]),
                        views.pct(priced.arms["distilled"]["routing_coverage"]),
                    ],
                    [
                        f"AI COGS ({currency} / month)",
                        views.money(best["ai_cogs"], currency),
                        views.money(priced.arms["distilled"]["ai_cogs"], currency),
                    ],
                    [
                        f"Error cost ({currency} / month)",
                        views.money(best["error_cost"], currency),
                        views.money(priced.arms["distilled"]["error_cost"], currency),
                    ],
                    [
                        f"Net AI value ({currency} / month)",
                        views.money(best["net_ai_value"], currency),
                        views.money(priced.arms["distilled"]["net_ai_value"], currency),
                    ],
                    [
                        "AI COGS / revenue",
                        views.pct(best["cogs_to_revenue"]),
                        views.pct(priced.arms["distilled"]["cogs_to_revenue"]),
                    ],
                ],
                row_keys=[
                    None,
                    "cascade",
                    "cascade",
                    "routing_coverage",
                    "ai_cogs",
                    "error_cost",
                    "net_ai_value",
                    "cogs_to_revenue",
                ],
            )
        )
    return blocks, cascade_sheet(priced.points, priced.best, currency)


# --- risk ---------------------------------------------------------------------------------------------


def risk_section(scenario: Scenario, samples: int, seed: int, tiers: pd.DataFrame) -> tuple[Section, list[Sheet]]:
    """Percentiles, payback probability and tornado of a scenario with ranged inputs
    (aueb.risk, the default tornado figure)."""
    currency = scenario.currency
    simulation = risk.simulate(scenario, samples, seed, multipliers=risk.fan_multipliers(scenario))
    rows = risk.percentile_rows(simulation)
    summary = risk.risk_summary(simulation)
    bars = risk.tornado(scenario)
    figure_name = risk.DEFAULT_FIGURE.name
    probability = summary.payback_within_horizon_probability
    figures = [
        Figure(
            "payback_within_horizon_probability",
            f"Pays back within {summary.horizon_months:g} months",
            formatting.risk_value("payback_within_horizon_probability", probability, currency),
            probability,
        )
    ]
    for key in ("monthly_saving", "payback_months", "roi"):
        p = getattr(summary, key)
        shown = " · ".join(
            f"P{q[1:]} {formatting.risk_value(key, getattr(p, q), currency)}" for q in ("p10", "p50", "p90")
        )
        figures.append(
            Figure(
                key, DEFINITIONS[key]["label"], shown + (f" ({p.undefined:,} samples undefined)" if p.undefined else "")
            )
        )
    records = sorted(
        (r.model_dump() for r in rows), key=lambda r: (RISK_FIGURES.index(r["figure"]), r["multiplier"], r["arm"])
    )
    table = [
        [
            DEFINITIONS[r["figure"]]["label"],
            views.multiplier_label(r["multiplier"]),
            views.arm_label(r["arm"]),
            *(formatting.risk_value(r["figure"], r[q], currency) for q in ("p10", "p50", "p90")),
            f"{r['undefined']:,}",
        ]
        for r in records
    ]
    n_ranged = len(risk.ranged_inputs(scenario))
    blocks: list[Any] = [
        Text(
            [
                f"{n_ranged} input{'s' if n_ranged != 1 else ''} given as ranges; **{samples:,} Monte Carlo samples** "
                f"(seed {seed}), "
                "each input drawn from its PERT distribution."
            ]
        ),
        Figures(figures),
        Chart(
            "risk_fan",
            fan_chart(risk.fan(simulation), tiers, samples),
            "percentiles",
            "The band holds the middle 80% of the samples (P10 to P90); the line is the median (P50).",
        ),
        Table(
            "Percentiles of the total rows",
            ["Figure", "Volume", "Arm", "P10", "P50", "P90", "Undefined samples"],
            table,
            row_keys=[r["figure"] for r in records],
        ),
    ]
    if bars:
        label = DEFINITIONS[figure_name]["label"]
        arm = views.arm_label(risk.DEFAULT_FIGURE.arm_for(scenario)).lower()
        base = formatting.risk_value(figure_name, bars[0].figure_at_mode, currency)
        title = f"Tornado: {label} at 1x, {arm} (base {base})"
        blocks.append(
            Chart(
                "risk_tornado",
                tornado_chart(
                    formatting.tornado_frame(bars, figure_name, currency),
                    title,
                    formatting.risk_axis_format(figure_name),
                ),
                "tornado",
                "Each bar spans the figure with one input at its low and at its high, every other input at its mode.",
            )
        )
        blocks.append(
            Table(
                f"Tornado of {label} at 1x, {arm}",
                ["Input", "Low", "Mode", "High", "At low", "At high", "Swing"],
                [
                    [
                        b.input,
                        f"{b.low:,.6g}",
                        f"{b.mode:,.6g}",
                        f"{b.high:,.6g}",
                        *(
                            formatting.risk_value(figure_name, v, currency)
                            for v in (b.figure_at_low, b.figure_at_high, b.swing)
                        ),
                    ]
                    for b in bars
                ],
                row_keys=["tornado"] * len(bars),
            )
        )
    sheets = risk_sheets(rows, bars, currency)
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
    start, end = (datetime.fromisoformat(str(window[k])) for k in ("start", "end"))
    lines = [
        f"Measured from **{records['used']:,}** of {records['read']:,} log records ({records['bad']:,} bad{where}), "
        f"window {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC ({window['hours']:,.0f} hours"
        + (", scaled to a month)." if window.get("scaled") else ").")
    ]
    columns: list[tuple[str, str, str | None, str | None]] = [
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
        ("Months to 10x", "months_to_10x", "months", "growth_monthly"),
        ("Months to 100x", "months_to_100x", "months", "growth_monthly"),
    ]
    blocks: list[Any] = [
        Text(lines),
        spec_table("Measured figures per feature", columns, features.to_dict("records"), currency),
    ]
    daily = pd.DataFrame(data.get("daily") or [], columns=["date", "feature", "requests", "cost"])
    anomalies = pd.DataFrame(data.get("anomalies") or [], columns=["feature", "date", "cost", "median", "threshold"])
    if not daily.empty:
        blocks.append(
            Chart("usage_daily", daily_cost_chart(daily, anomalies), "anomaly", "Crosses mark the anomalous days.")
        )
    if not anomalies.empty:
        blocks.append(
            Table(
                "Anomalous days",
                ["Feature", "Day", "Cost", "Median of the 14 days before", "Threshold"],
                [
                    [
                        str(r["feature"]),
                        str(r["date"]),
                        *(views.money(r[c], currency) for c in ("cost", "median", "threshold")),
                    ]
                    for r in anomalies.to_dict("records")
                ],
                row_keys=["anomaly"] * len(anomalies),
            )
        )
    checks = pd.DataFrame(
        data.get("price_checks") or [], columns=["model", "recorded_cost", "recomputed_cost", "ratio", "flagged"]
    )
    if not checks.empty:
        blocks.append(
            Table(
                "Price checks: recorded against recomputed cost",
                ["Model", "Recorded", "Recomputed", "Ratio", "Flagged"],
                [
                    [
                        str(r["model"]),
                        views.money(r["recorded_cost"], currency),
                        views.money(r["recomputed_cost"], currency),
                        views.NA if r["ratio"] is None or pd.isna(r["ratio"]) else f"{r['ratio']:.3f}",
                        "yes" if r["flagged"] else "no",
                    ]
                    for r in checks.to_dict("records")
                ],
                row_keys=["price_check"] * len(checks),
            )
        )
    sheets = usage_sheets(features, daily, currency)
    intro = (
        "Figures measured from the team's own request logs (aueb ingest), the source of the scenario's measured "
        "inputs; "
        f"money in {currency}, the price catalog's currency."
    )
    return Section("usage", "Measured from request logs", intro=intro, blocks=blocks), sheets

"""The workbook sheets of the report's optional sections: numbers as numbers, each with its unit.

A column's unit goes into its header note; where each row is another figure (the distillation table, the
risk percentiles, the tornado) a `unit` column beside the figures names it and picks each row's number format.
"""

from __future__ import annotations

import pandas as pd

from aueb import risk
from aueb.metrics import DistillationMetrics
from aueb.report.model import DEFINITIONS, Sheet
from aueb.report.units import field_unit


def distillation_sheet(metrics: DistillationMetrics, currency: str) -> Sheet:
    """Teacher and student side by side, one figure a row with its unit; numbers as numbers."""
    teacher, student = metrics.teacher, metrics.student
    rows = [
        ("Test accuracy", "share", "accuracy"),
        ("Held-out test examples", "count", "test_examples"),
        ("Parameters", "count", "parameters"),
        ("FLOPs per example", "FLOPs", "flops_per_example"),
        ("Latency p50, batch 1", "ms", "latency_ms_p50"),
        ("Latency p95, batch 1", "ms", "latency_ms_p95"),
        ("Throughput, batch 1", "examples / s", "throughput_batch1"),
        ("Throughput, batch 256", "examples / s", "throughput_batch256"),
        ("Cost per million requests", f"{currency} / million requests", "cost_per_million_requests"),
    ]
    frame = pd.DataFrame(
        [
            {"figure": label, "unit": unit, "teacher": getattr(teacher, key), "student": getattr(student, key)}
            for label, unit, key in rows
        ]
        + [{"figure": "Quality retention", "unit": "ratio", "teacher": None, "student": metrics.quality_retention}]
        + [{"figure": "Hardware hourly price", "unit": f"{currency} / hour", "teacher": metrics.hardware.hourly_price}],
        columns=["figure", "unit", "teacher", "student"],
    )
    return Sheet(
        "Distillation",
        frame,
        {"figure": "text", "unit": "text"},
        units={"teacher": teacher.name or "teacher", "student": student.name or "student"},
        row_units={"teacher": "unit", "student": "unit"},
    )


def cascade_sheet(points: pd.DataFrame, best: int | None, currency: str) -> Sheet:
    """The cascade's operating points; priced by aueb.planner (with `applicable` and the `best` point) when
    the scenario has a feature with a student."""
    shares = ("coverage", "selective_accuracy", "escalation", "system_accuracy", "cogs_to_revenue")
    money = ("ai_cogs", "error_cost", "net_ai_value")
    frame = points
    if "applicable" in points.columns:
        frame = points.drop(columns=["applicable"]).assign(
            applicable=points["applicable"], best=[i == best for i in range(len(points))]
        )
    return Sheet(
        "Cascade",
        frame,
        {**dict.fromkeys(shares, "percent"), **dict.fromkeys(money, "money")},
        units={
            **dict.fromkeys(shares, "share"),
            **dict.fromkeys(money, f"{currency} / month"),
            "threshold": "confidence 0-1",
            "quality_retention": "ratio",
        },
    )


def _figure_unit(figure: str, currency: str) -> str:
    """The unit of a risk figure (`cogs_to_revenue`, or a tornado's `cogs_to_revenue@1x/distilled`)."""
    return DEFINITIONS[figure.split("@")[0]]["unit"].replace("currency", currency)


def risk_sheets(rows: list[risk.PercentileRow], bars: list[risk.TornadoRow], currency: str) -> list[Sheet]:
    """The percentiles and the tornado, each row with the unit of its figure (and of its input)."""
    percentiles = pd.DataFrame([r.model_dump() for r in rows], columns=list(risk.PERCENTILE_COLUMNS))
    percentiles.insert(
        percentiles.columns.get_loc("figure") + 1,
        "unit",
        percentiles["figure"].map(lambda f: _figure_unit(f, currency)),
    )
    tornado = pd.DataFrame([b.model_dump() for b in bars], columns=list(risk.TornadoRow.model_fields))
    tornado.insert(
        tornado.columns.get_loc("figure") + 1, "unit", tornado["figure"].map(lambda f: _figure_unit(f, currency))
    )
    tornado.insert(
        tornado.columns.get_loc("input") + 1,
        "input_unit",
        tornado["input"].map(lambda path: field_unit(path, currency)),
    )
    text = {"scenario": "text", "arm": "text", "figure": "text", "unit": "text", "input": "text", "input_unit": "text"}
    return [
        Sheet(
            "Risk percentiles",
            percentiles,
            {**text, "multiplier": "number", "undefined": "count"},
            units={"multiplier": "x today's volume", "undefined": "samples"},
            row_units=dict.fromkeys(("p10", "p50", "p90"), "unit"),
        ),
        Sheet(
            "Tornado",
            tornado,
            text,
            row_units={
                **dict.fromkeys(("low", "mode", "high"), "input_unit"),
                **dict.fromkeys(("figure_at_low", "figure_at_mode", "figure_at_high", "swing"), "unit"),
            },
        ),
    ]


def usage_sheets(features: pd.DataFrame, daily: pd.DataFrame, currency: str) -> list[Sheet]:
    """The measured figures per feature and per day of the log report."""
    features = features.drop(columns=[c for c in ("models",) if c in features.columns])
    tokens = tuple(c for c in features if "tokens" in c)
    return [
        Sheet(
            "Usage",
            features,
            {
                "feature": "text",
                "cost": "money",
                "cost_per_request": "money_small",
                "cache_hit_rate": "percent",
                "growth_monthly": "percent",
                **dict.fromkeys(("requests", "users", *tokens), "count"),
            },
            units={
                "requests": "requests / month",
                "users": "users / month",
                "requests_per_user": "requests / user / month",
                **dict.fromkeys(tokens, "tokens / request"),
                "cache_hit_rate": "share",
                "cost": f"{currency} / month",
                "cost_per_request": f"{currency} / request",
                "growth_monthly": "% / month",
                "months_to_10x": "months",
                "months_to_100x": "months",
            },
        ),
        Sheet(
            "Usage daily",
            daily,
            {"date": "text", "feature": "text", "requests": "count", "cost": "money"},
            units={"date": "UTC day", "requests": "requests / day", "cost": f"{currency} / day"},
        ),
    ]

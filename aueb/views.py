"""Presentation tables over the engine's output: selections, reshapes and number formatting.

Pure pandas, no streamlit. Every figure here is an engine figure (or an engine figure divided by
the engine's own request count, to show a cost per request by component); nothing is modelled.
The dashboard's pages and charts read these tables, and tests check them without a browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from aueb.costs import ARMS
from aueb.engine import Projection
from aueb.formatting import (
    NA,
    currency_symbol,
    missing,
    money,
    months,
    multiplier_label,
    pct,
    summary_value,
    times,
    volume,
)
from aueb.formatting import searched_volume as searched_volume  # re-exported, as the other formatters
from aueb.summary import SEARCH_MULTIPLIERS
from aueb.tiers import BANDS, TIER_METRICS

ARM_LABELS = {"baseline": "Without student", "distilled": "With student"}
COMPONENTS = {
    "inference_cost": "Inference",
    "overhead_cost": "Overhead",
    "verification_cost": "Human review",
    "fixed_cost": "Fixed platform",
}
TIER_LABELS = {
    "cogs_to_revenue": "AI COGS / revenue",
    "inference_cost_per_request": "Inference cost / request",
    "routing_coverage": "Routing coverage",
    "feature_profitability": "Profitable features",
}
# The formatters live in aueb.formatting (one set for the CLI, the dashboard and the reports);
# views re-exports them so that pages and tests keep writing views.money, views.pct...


def arm_label(arm: str) -> str:
    return ARM_LABELS[arm]


# --- headline ----------------------------------------------------------------------------------


def totals(rows: pd.DataFrame) -> pd.DataFrame:
    """The `ALL` rows: one per multiplier and arm, in multiplier then arm order."""
    frame = rows.loc[rows["feature"].astype(str) == "ALL"].copy()
    frame["arm"] = frame["arm"].astype(str)
    frame["arm_order"] = frame["arm"].map({arm: i for i, arm in enumerate(ARMS)})
    return frame.sort_values(["multiplier", "arm_order"]).drop(columns="arm_order").reset_index(drop=True)


def summary_record(projection: Projection) -> dict[str, Any]:
    """The summary of the (first) scenario as a dict, None for undefined figures."""
    record = projection.summary.iloc[0].to_dict()
    return {k: (None if missing(v) else v) for k, v in record.items()}


def has_student(rows: pd.DataFrame) -> bool:
    """Whether any feature routes requests to a student (the two arms then differ)."""
    total = totals(rows)
    return bool((total.loc[total["arm"] == "distilled", "routing_coverage"].fillna(0) > 0).any())


HEADLINE_METRICS: tuple[tuple[str, str, str | None], ...] = (
    # (label with its unit, engine column, kind of number)
    ("AI COGS / revenue (%)", "cogs_to_revenue", "pct"),
    ("Gross margin (%)", "gross_margin", "pct"),
    ("Cost ({cur} / request)", "cost_per_request", "money"),
    ("Cost ({cur} / correct output)", "cost_per_correct_output", "money"),
    ("Inference cost ({cur} / request)", "inference_cost_per_request", "money"),
    ("Routing coverage (% of requests)", "routing_coverage", "pct"),
    ("Profitable features (%)", "feature_profitability", "pct0"),
    ("AI COGS ({cur} / month)", "ai_cogs", "money"),
    ("Revenue ({cur} / month)", "revenue", "money"),
    ("Volume (requests / month)", "requests", "volume"),
)


def headline_column(multiplier: float, arm: str) -> str:
    return f"{multiplier_label(multiplier)} · {'without' if arm == 'baseline' else 'with student'}"


def format_value(kind: str | None, value: Any, currency: str) -> str:
    if kind == "pct":
        return pct(value)
    if kind == "pct0":
        return pct(value, 0)
    if kind == "money":
        return money(value, currency)
    if kind == "volume":
        return volume(value)
    if kind == "months":
        return months(value)
    return NA if missing(value) else f"{value}"


def headline_table(rows: pd.DataFrame, currency: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The headline as text, metrics down and (multiplier, arm) across, and the band of each cell.

    Cells of a tier metric read `39.7% · Median-Low`; the second frame holds the band (or None)
    of every cell, for colouring.
    """
    total = totals(rows)
    symbol = currency_symbol(currency)
    text: dict[str, list[str]] = {}
    bands: dict[str, list[str | None]] = {}
    for record in total.to_dict("records"):
        column = headline_column(record["multiplier"], record["arm"])
        cells, cell_bands = [], []
        for _, metric, kind in HEADLINE_METRICS:
            cell = format_value(kind, record[metric], currency)
            band = record.get(f"{metric}_tier") if metric in TIER_METRICS else None
            band = None if missing(band) else band
            cells.append(f"{cell} · {band}" if band else cell)
            cell_bands.append(band)
        text[column], bands[column] = cells, cell_bands
    index = pd.Index([label.format(cur=symbol) for label, _, _ in HEADLINE_METRICS], name="Metric")
    return pd.DataFrame(text, index=index), pd.DataFrame(bands, index=index)


def headline_cell(rows: pd.DataFrame, metric: str, multiplier: float, arm: str, currency: str) -> str:
    """The text the headline shows for one metric, multiplier and arm (what tests compare to)."""
    table, _ = headline_table(rows, currency)
    label = next(label for label, column, _ in HEADLINE_METRICS if column == metric)
    return table.loc[label.format(cur=currency_symbol(currency)), headline_column(multiplier, arm)]


def kpis(projection: Projection, currency: str, horizon_months: float) -> list[dict[str, str]]:
    """The summary figures as cards: label, value (with its unit) and a help text."""
    s = summary_record(projection)
    rows = projection.rows
    total = totals(rows)
    requests_today = _requests_at(total, 1.0)
    collapse_base, collapse_dist = s["margin_collapse_multiplier_baseline"], s["margin_collapse_multiplier_distilled"]
    saving = s["monthly_saving"]
    return [
        {
            "label": "Monthly saving with the student",
            "value": summary_value("monthly_saving", saving, currency),
            "help": "AI COGS without the student minus AI COGS with it, at today's volume (1x).",
        },
        {
            "label": "Payback of the student",
            "value": summary_value("payback_months", s["payback_months"], currency),
            "help": "One-time cost of the student / monthly saving. 'never' when the student saves nothing at 1x.",
        },
        {
            "label": f"ROI over {horizon_months:g} months",
            "value": summary_value("roi", s["roi"], currency),
            "help": "(monthly saving x horizon - one-time cost) / one-time cost. n/a without a one-time cost.",
        },
        {
            "label": "One-time cost of the student",
            "value": summary_value("one_time_cost", s["one_time_cost"], currency),
            "help": "Teacher-labelled training examples + training compute + engineering.",
        },
        {
            "label": "Break-even (requests / month)",
            "value": summary_value("break_even_monthly_requests", s["break_even_monthly_requests"], currency),
            "help": "Smallest monthly volume (users growing) at which the student's monthly saving pays back its "
            "one-time cost "
            f"within the {horizon_months:g}-month horizon: saving > 0 and saving x {horizon_months:g} >= one-time cost"
            + (f"; today: {volume(requests_today)} requests / month." if requests_today is not None else ".")
            + " 'at any volume': already at 0.001x today's volume; 'never': not up to 1,000x.",
        },
        {
            "label": "Student cheaper from (req./mo)",
            "value": summary_value(
                "student_cheaper_from_monthly_requests", s["student_cheaper_from_monthly_requests"], currency
            ),
            "help": "Smallest monthly volume (users growing) at which AI COGS with the student is below AI COGS "
            "without it, "
            "leaving out the one-time cost. 'at any volume': cheaper already at 0.001x today's volume (the bottom of "
            "the search); "
            "'never': not up to 1,000x.",
        },
        {
            "label": "Margin collapse: without → with",
            "value": f"{summary_value('margin_collapse_multiplier_baseline', collapse_base, currency)} → "
            f"{summary_value('margin_collapse_multiplier_distilled', collapse_dist, currency)}",
            "help": "Usage per user, as a multiple of today's, at which AI COGS reaches revenue when revenue per user "
            "stays fixed. "
            "'never' below 1,000x.",
        },
    ]


def strip(projection: Projection, currency: str, horizon_months: float) -> list[dict[str, str | None]]:
    """Five short cards: gross margin with the student at the first and last multiplier, saving, payback, ROI."""
    total = totals(projection.rows)
    s = summary_record(projection)
    multipliers = list(dict.fromkeys(total["multiplier"]))
    cards: list[dict[str, str | None]] = []
    for m in (multipliers[0], multipliers[-1]):
        at = total.loc[total["multiplier"] == m].set_index("arm")
        base, dist = at.loc["baseline", "gross_margin"], at.loc["distilled", "gross_margin"]
        gain = None if missing(base) or missing(dist) else f"{(dist - base) * 100:+.1f} pp"
        band = at.loc["distilled", "cogs_to_revenue_tier"]
        cards.append(
            {
                "label": f"Margin {multiplier_label(m)} · with student",
                "value": pct(dist),
                "delta": gain,
                "help": f"Gross margin (1 - AI COGS / revenue) at {multiplier_label(m)}: {pct(base)} without the "
                f"student, {pct(dist)} with it; "
                "the change is in percentage points. AI COGS / revenue with the student: "
                f"{pct(at.loc['distilled', 'cogs_to_revenue'])}"
                + (f", {band} band." if isinstance(band, str) else "."),
            }
        )
    cards.append(
        {
            "label": f"Saving ({currency_symbol(currency)} / month)",
            "value": summary_value("monthly_saving", s["monthly_saving"], currency),
            "help": "AI COGS without the student minus AI COGS with it, at today's volume.",
        }
    )
    cards.append(
        {
            # The unit in the label: "1.4 months" does not fit a fifth of the row at 1,280 px.
            "label": "Payback (months)",
            "value": f"{s['payback_months']:.1f}" if s["payback_months"] is not None else "never",
            "help": "One-time cost of the student / monthly saving.",
        }
    )
    cards.append(
        {
            "label": f"ROI over {horizon_months:g} months",
            "value": summary_value("roi", s["roi"], currency),
            "help": "(monthly saving x horizon - one-time cost) / one-time cost.",
        }
    )
    return cards


def _requests_at(total: pd.DataFrame, multiplier: float) -> float | None:
    hit = total.loc[(total["multiplier"] == multiplier) & (total["arm"] == "baseline"), "requests"]
    return float(hit.iloc[0]) if len(hit) else None


def pays(rows: pd.DataFrame) -> pd.DataFrame:
    """Whether AI COGS stays below revenue: index multiplier, columns arms (None for a cost centre)."""
    total = totals(rows)
    values = total.pivot(index="multiplier", columns="arm", values="gross_margin")
    return values.map(lambda v: None if missing(v) else bool(v > 0))


def _listing(labels: Sequence[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def verdict(
    projection: Projection, currency: str, horizon_months: float, student: bool | None = None
) -> tuple[str, list[str]]:
    """A status (success, warning, error, info) and one to three sentences that say whether the AI pays.

    `student`: whether any feature has a student (from the scenario); by default, whether any routes requests to one.
    """
    rows = projection.rows
    s = summary_record(projection)
    paying = pays(rows)
    student = has_student(rows) if student is None else student
    lines: list[str] = []
    arms = ARMS if student else ("baseline",)
    status = "success"
    for arm in arms:
        column = paying[arm] if arm in paying else pd.Series(dtype=object)
        who = "" if not student else (" without the student" if arm == "baseline" else " with the student")
        if column.isna().all():
            lines.append(f"The AI features earn no revenue{who}: they are a cost centre, judged by cost per request.")
            status = "info"
            continue
        yes = [multiplier_label(m) for m, v in column.items() if v]
        no = [multiplier_label(m) for m, v in column.items() if v is False]
        if not no:
            lines.append(f"**The AI pays{who}** at {_listing(yes)}: AI COGS stays below revenue.")
        elif not yes:
            lines.append(f"**The AI does not pay{who}**: AI COGS exceeds revenue at {_listing(no)}.")
            status = "error" if arm == arms[-1] else status
        else:
            lines.append(f"**The AI pays{who}** at {_listing(yes)}, **not** at {_listing(no)}.")
            status = "warning" if arm == arms[-1] else status
    total = totals(rows)
    first = total["multiplier"].iloc[0]
    at_first = total.loc[total["multiplier"] == first].set_index("arm")
    if student:
        base, dist = at_first.loc["baseline"], at_first.loc["distilled"]
        band = lambda r: f" ({r['cogs_to_revenue_tier']})" if not missing(r["cogs_to_revenue_tier"]) else ""  # noqa: E731
        saving = s["monthly_saving"]
        if missing(base["cogs_to_revenue"]) and missing(dist["cogs_to_revenue"]):
            before, after = money(base["cost_per_request"], currency), money(dist["cost_per_request"], currency)
            change = f"cost per request from {before} to {after}"
        else:
            before = f"{pct(base['cogs_to_revenue'])}{band(base)}"
            change = f"AI COGS / revenue from {before} to {pct(dist['cogs_to_revenue'])}{band(dist)}"
        if saving > 0:
            effect = f"saves {money(saving, currency, 'month')}"
        elif saving < 0:
            effect = f"costs {money(-saving, currency, 'month')} more"
        else:
            effect = "saves nothing"
        sentence = f"At {multiplier_label(first)} the student takes {change} and {effect}"
        if s["payback_months"] is not None:
            cost = money(s["one_time_cost"], currency)
            sentence += f"; its one-time cost of {cost} pays back in {months(s['payback_months'])}"
            if s["roi"] is not None:
                sentence += f" (ROI {times(s['roi'])} over {horizon_months:g} months)"
        lines.append(sentence + ".")
    else:
        lines.append("No feature has a student yet: add one in **Edit scenario** to see what distillation saves.")
    return status, lines


# --- charts' tables -------------------------------------------------------------------------------


def cost_components_per_request(rows: pd.DataFrame) -> pd.DataFrame:
    """Long table: multiplier, arm, component, cost_per_request (the engine's component cost / requests)."""
    total = totals(rows)
    records = []
    for record in total.to_dict("records"):
        for column, label in COMPONENTS.items():
            per_request = record[column] / record["requests"] if record["requests"] > 0 else np.nan
            records.append(
                {
                    "multiplier": record["multiplier"],
                    "arm": record["arm"],
                    "component": label,
                    "cost_per_request": per_request,
                }
            )
    return pd.DataFrame(records, columns=["multiplier", "arm", "component", "cost_per_request"])


def band_ranges(metric: str, tiers: pd.DataFrame, upper: float) -> list[tuple[str, float, float]]:
    """The five bands of a metric as (band, low end, high end) on its axis, up to `upper`."""
    row = tiers.loc[metric]
    elite, median_min, median_max, low = (float(row[e]) for e in ("elite", "median_min", "median_max", "low"))
    if row["better"] == "lower":
        edges = [0.0, elite, median_min, median_max, low, max(upper, low)]
        return [(band, edges[i], edges[i + 1]) for i, band in enumerate(BANDS)]
    edges = [max(upper, elite), elite, median_max, median_min, low, 0.0]
    return [(band, edges[i + 1], edges[i]) for i, band in enumerate(BANDS)]


def tier_positions(rows: pd.DataFrame, multiplier: float) -> pd.DataFrame:
    """metric, label, arm, value, band: where each tier metric falls at one multiplier."""
    total = totals(rows)
    at = total.loc[total["multiplier"] == multiplier]
    records = []
    for metric in TIER_METRICS:
        for record in at.to_dict("records"):
            band = record[f"{metric}_tier"]
            records.append(
                {
                    "metric": metric,
                    "label": TIER_LABELS[metric],
                    "arm": record["arm"],
                    "value": record[metric],
                    "band": None if missing(band) else band,
                }
            )
    return pd.DataFrame(records, columns=["metric", "label", "arm", "value", "band"])


def tier_positions_by_multiplier(rows: pd.DataFrame) -> pd.DataFrame:
    """tier_positions at every multiplier of the rows, in their order, with a "multiplier" column."""
    multipliers = list(dict.fromkeys(totals(rows)["multiplier"]))
    return pd.concat([tier_positions(rows, m).assign(multiplier=m) for m in multipliers], ignore_index=True)


def curve_multipliers(points: int = 73) -> list[float]:
    """Log-spaced multipliers over the engine's own search range (0.001x to 1,000x)."""
    return [float(m) for m in np.geomspace(SEARCH_MULTIPLIERS[0], SEARCH_MULTIPLIERS[-1], points)]


def volume_curve(curve: Projection) -> pd.DataFrame:
    """multiplier, arm, requests, ai_cogs, revenue: the scenario total along a users-growth curve."""
    total = totals(curve.rows)
    return total.loc[:, ["multiplier", "arm", "requests", "ai_cogs", "revenue"]]


def volume_marks(curve: Projection) -> dict[str, float | None]:
    """Today's volume and revenue, the two break-even volumes and the margin collapse volumes.

    `curve` is a projection with growth='users' (as for `volume_curve`), where requests and revenue
    both scale with the multiplier, so today's are those of any row divided by its multiplier.
    The collapse multipliers of the summary are for usage growth: requests grow, revenue stays today's.
    """
    s = summary_record(curve)
    first = totals(curve.rows).iloc[0]
    requests_today = float(first["requests"]) / float(first["multiplier"])
    revenue_today = float(first["revenue"]) / float(first["multiplier"])
    marks: dict[str, float | None] = {
        "requests_today": requests_today,
        "revenue_today": revenue_today,
        "break_even_requests": s["break_even_monthly_requests"],
        "student_cheaper_requests": s["student_cheaper_from_monthly_requests"],
    }
    for arm in ARMS:
        m = s[f"margin_collapse_multiplier_{arm}"]
        marks[f"collapse_requests_{arm}"] = requests_today * m if m is not None else None
    return marks


def feature_table(rows: pd.DataFrame, multiplier: float) -> pd.DataFrame:
    """One row per feature at one multiplier: volume, revenue and each arm's AI COGS and margins."""
    frame = rows.loc[(rows["feature"].astype(str) != "ALL") & (rows["multiplier"] == multiplier)].copy()
    frame["feature"] = frame["feature"].astype(str)
    frame["arm"] = frame["arm"].astype(str)
    wide = frame.pivot(
        index="feature",
        columns="arm",
        values=[
            "ai_cogs",
            "cogs_to_revenue",
            "gross_margin",
            "cost_per_request",
            "cost_per_correct_output",
            "net_ai_value",
            "routing_coverage",
        ],
    )
    wide.columns = [f"{metric}_{arm}" for metric, arm in wide.columns]
    base = frame.loc[frame["arm"] == "baseline", ["feature", "users", "requests", "revenue"]].set_index("feature")
    order = [f for f in dict.fromkeys(frame["feature"])]
    return base.join(wide).loc[order].reset_index()


# --- distillation metrics -------------------------------------------------------------------------


def interval_text(band: Any, fmt: str = ".3f", unit: str = "") -> str:
    """' (95% CI a to b)' after a figure, or '' when the metrics carry no interval (before schema 3)."""
    if band is None:
        return ""
    return f" (95% CI {band[0]:{fmt}}{unit} to {band[1]:{fmt}}{unit})"


def distill_accuracy(metrics: Any) -> pd.DataFrame:
    """model, accuracy, std, low, high: teacher, distilled student and, when measured, the hard- and
    pseudo-label students; low and high are the 95% Wilson interval (None before schema 3)."""

    def row(model: str, accuracy: float, std: float | None, band: Any) -> dict[str, Any]:
        low, high = (None, None) if band is None else band
        return {"model": model, "accuracy": accuracy, "std": std, "low": low, "high": high}

    records = [
        row("Teacher", metrics.teacher.accuracy, metrics.teacher.accuracy_std, metrics.teacher.accuracy_ci95),
        row(
            "Student (distilled)", metrics.student.accuracy, metrics.student.accuracy_std, metrics.student.accuracy_ci95
        ),
    ]
    if metrics.hard_label_accuracy is not None:
        records.append(
            row("Student (true labels only)", metrics.hard_label_accuracy, None, metrics.hard_label_accuracy_ci95)
        )
    if metrics.pseudo_label_accuracy is not None:
        records.append(
            row("Student (teacher's labels)", metrics.pseudo_label_accuracy, None, metrics.pseudo_label_accuracy_ci95)
        )
    return pd.DataFrame(records, columns=["model", "accuracy", "std", "low", "high"])


def distill_speed(metrics: Any) -> pd.DataFrame:
    """model, batch, throughput (examples / s) for the models whose speed was measured."""
    records = []
    for name, model in (("Teacher", metrics.teacher), ("Student", metrics.student)):
        for batch, value in (("batch 1", model.throughput_batch1), ("batch 256", model.throughput_batch256)):
            if value is not None:
                records.append({"model": name, "batch": batch, "throughput": value})
    return pd.DataFrame(records, columns=["model", "batch", "throughput"])


def distill_cost(metrics: Any) -> pd.DataFrame:
    """model, cost_per_million_requests, where known."""
    records = [
        {"model": name, "cost_per_million_requests": model.cost_per_million_requests}
        for name, model in (("Teacher", metrics.teacher), ("Student", metrics.student))
        if model.cost_per_million_requests is not None
    ]
    return pd.DataFrame(records, columns=["model", "cost_per_million_requests"])

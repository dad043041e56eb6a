"""Charts of the reports' optional sections: the cascade curve, Monte Carlo fan and tornado, daily log cost."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from aueb import views
from aueb.tiers import BANDS
from aueb.ui.charts.base import ARM_COLORS, BAND_COLORS, GRID, figure, tick_affixes

_SERIES = ("#2563eb", "#f59e0b", "#db2777", "#0f766e", "#7c3aed", "#64748b", "#16a34a", "#dc2626")


def cascade_curve_chart(points: pd.DataFrame, teacher_accuracy: float, student_accuracy: float) -> go.Figure:
    """System and selective accuracy against coverage, with the plain teacher's and student's accuracy as lines."""
    frame = points.sort_values("coverage")
    traces: list[dict[str, Any]] = [
        dict(type="scatter", mode="lines", name="System accuracy (cascade)", x=frame["coverage"].tolist(), y=frame["system_accuracy"].tolist(),
             line=dict(color=ARM_COLORS["distilled"], width=3), hovertemplate="coverage %{x:.1%}<br>system accuracy %{y:.2%}<extra></extra>"),
        dict(type="scatter", mode="lines", name="Accuracy of kept answers", x=frame["coverage"].tolist(), y=frame["selective_accuracy"].tolist(),
             line=dict(color="#94a3b8", width=1.5, dash="dot"), hovertemplate="coverage %{x:.1%}<br>selective accuracy %{y:.2%}<extra></extra>"),
    ]
    shapes = [
        dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=value, y1=value, line=dict(color=color, dash="dash", width=1.5))
        for value, color in ((teacher_accuracy, ARM_COLORS["baseline"]), (student_accuracy, "#a3a3a3"))
    ]
    annotations = [
        dict(x=0.01, xref="paper", xanchor="left", y=value, yref="y", yanchor="bottom", showarrow=False, text=text, font=dict(size=11, color="#475569"))
        for value, text in ((teacher_accuracy, f"teacher alone {views.pct(teacher_accuracy)}"), (student_accuracy, f"student alone {views.pct(student_accuracy)}"))
    ]
    return figure(
        traces, "Confidence cascade: accuracy against the student's coverage", 420, shapes=shapes, annotations=annotations,
        xaxis=dict(title="Coverage (share of requests the student keeps)", tickformat=".0%", range=[0, 1], gridcolor=GRID),
        yaxis=dict(title="Accuracy (%)", tickformat=".0%", gridcolor=GRID),
        legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0),
        margin=dict(t=60, b=10),
    )


def fan_chart(bands: pd.DataFrame, tiers: pd.DataFrame) -> go.Figure:
    """P10-P90 band and P50 line of AI COGS / revenue per arm against the multipliers, over the industry bands."""
    traces: list[dict[str, Any]] = []
    upper = max(float(bands["p90"].max()) * 1.15 if bands["p90"].notna().any() else 0.0, float(tiers.loc["cogs_to_revenue", "low"]) * 1.35)
    for arm in ("baseline", "distilled"):
        part = bands.loc[bands["arm"] == arm].sort_values("multiplier")
        if part.empty:
            continue
        x = [views.multiplier_label(m) for m in part["multiplier"]]
        color = ARM_COLORS[arm]
        traces.append(dict(type="scatter", mode="lines", x=x, y=part["p90"].tolist(), line=dict(width=0, color=color), showlegend=False, hoverinfo="skip"))
        traces.append(dict(type="scatter", mode="lines", x=x, y=part["p10"].tolist(), fill="tonexty", line=dict(width=0, color=color),
                           opacity=0.3, name=f"P10-P90, {views.arm_label(arm).lower()}", hoverinfo="skip"))
        traces.append(dict(type="scatter", mode="lines+markers", x=x, y=part["p50"].tolist(), line=dict(width=3, color=color),
                           name=f"P50, {views.arm_label(arm).lower()}", hovertemplate="%{x}: P50 %{y:.1%}<extra></extra>"))
    return figure(
        traces, "AI COGS / revenue: P10 to P90 by volume", 420,
        shapes=[
            dict(type="rect", xref="paper", x0=0, x1=1, yref="y", y0=lo, y1=hi, fillcolor=BAND_COLORS[band], opacity=0.18, line_width=0, layer="below")
            for band, lo, hi in views.band_ranges("cogs_to_revenue", tiers, upper)
        ],
        yaxis=dict(range=[0, upper], tickformat=".0%", title="AI COGS / revenue (%)", gridcolor=GRID),
        xaxis=dict(title="Volume (x today's)"),
        legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0),
        margin=dict(t=60, b=10),
    )


def tornado_chart(tornado: pd.DataFrame, figure_label: str, share: bool) -> go.Figure:
    """One bar per ranged input from the figure at its low to the figure at its high, largest swing on top."""
    frame = tornado.head(15)
    names = frame["input"].tolist()
    tick = dict(tickformat=".1%") if share else {}
    traces = [
        dict(type="bar", orientation="h", name=name, y=names, base=frame[["figure_at_low", "figure_at_high"]].min(axis=1).tolist(),
             x=(frame[column] - frame[["figure_at_low", "figure_at_high"]].min(axis=1)).where(mask, 0).tolist(),
             marker_color=color, hovertemplate="%{y}<extra></extra>")
        for name, column, color, mask in (
            ("input at its low", "figure_at_low", "#60a5fa", frame["figure_at_low"] >= frame["figure_at_high"]),
            ("input at its high", "figure_at_high", "#f97316", frame["figure_at_high"] > frame["figure_at_low"]),
        )
    ]
    return figure(
        traces, f"Tornado: what moves {figure_label}", max(260, 120 + 34 * len(names)), barmode="overlay",
        xaxis=dict(title=figure_label, gridcolor=GRID, **tick), yaxis=dict(autorange="reversed"),
        legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0),
        margin=dict(t=60, b=10),
    )


def daily_cost_chart(daily: pd.DataFrame, anomalies: pd.DataFrame, currency: str) -> go.Figure:
    """Measured cost per day of each feature, with the anomalous days marked on their feature's line."""
    prefix, suffix = tick_affixes(currency)
    traces: list[dict[str, Any]] = []
    for i, (name, part) in enumerate(daily.sort_values("date").groupby("feature", sort=False)):
        traces.append(dict(type="scatter", mode="lines", name=str(name), x=part["date"].tolist(), y=part["cost"].tolist(),
                           line=dict(width=2, color=_SERIES[i % len(_SERIES)]),
                           hovertemplate=f"{name}<br>%{{x}}: {prefix}%{{y:,.2f}}{suffix}<extra></extra>"))
    if not anomalies.empty:
        traces.append(dict(type="scatter", mode="markers", name="Anomalous day", x=anomalies["date"].tolist(), y=anomalies["cost"].tolist(),
                           marker=dict(symbol="x", size=12, color=BAND_COLORS[BANDS[-1]], line=dict(width=2)),
                           text=anomalies["feature"].tolist(), hovertemplate="%{text}<br>%{x}: %{y:,.2f}<extra>anomaly</extra>"))
    return figure(
        traces, "Measured cost per day, by feature", 400,
        yaxis=dict(title=f"{prefix or currency} / day", tickprefix=prefix, ticksuffix=suffix, gridcolor=GRID, rangemode="tozero"),
        xaxis=dict(title="Day (UTC)", gridcolor=GRID),
        legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0),
        margin=dict(t=60, b=10),
    )

"""The priced cascade: system accuracy and the feature's AI COGS against coverage, best point marked."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from aueb import views
from aueb.charts.base import ARM_COLORS, GRID, figure, tick_affixes

ACCURACY_COLOR = "#7c3aed"
COGS_COLOR = ARM_COLORS["distilled"]


def cascade_chart(
    points: pd.DataFrame,
    best: int | None,
    chosen: int | None,
    references: dict[str, float],
    currency: str,
) -> go.Figure:
    """`points`: the plan's rows (coverage, system_accuracy, ai_cogs, ...). `references`: teacher_accuracy and
    student_accuracy (the cascade alone at coverage 0 and 1), baseline_cogs and distilled_cogs (the feature's AI
    COGS in the scenario's two arms at 1x, as they are now)."""
    prefix, suffix = tick_affixes(currency)
    coverage = points["coverage"].tolist()
    money_text = [views.money(v, currency) for v in points["ai_cogs"]]
    traces: list[dict] = [
        dict(
            type="scatter",
            mode="lines",
            name="System accuracy",
            x=coverage,
            y=points["system_accuracy"].tolist(),
            line=dict(color=ACCURACY_COLOR, width=2.5, shape="hv"),
            hovertemplate="coverage %{x:.1%}: system accuracy %{y:.2%}<extra></extra>",
        ),
        dict(
            type="scatter",
            mode="lines",
            name="Feature AI COGS",
            x=coverage,
            y=points["ai_cogs"].tolist(),
            yaxis="y2",
            line=dict(color=COGS_COLOR, width=2.5),
            text=money_text,
            hovertemplate="coverage %{x:.1%}: AI COGS %{text} / month<extra></extra>",
        ),
    ]
    span = [0, 1]
    lines = [
        ("Teacher alone: accuracy", references["teacher_accuracy"], "y", ACCURACY_COLOR, "dot"),
        ("Student alone: accuracy", references["student_accuracy"], "y", ACCURACY_COLOR, "dash"),
        ("Baseline arm: AI COGS", references["baseline_cogs"], "y2", ARM_COLORS["baseline"], "dot"),
        ("Distilled arm now: AI COGS", references["distilled_cogs"], "y2", COGS_COLOR, "dash"),
    ]
    for name, value, axis, color, dash in lines:
        shown = views.pct(value, 2) if axis == "y" else views.money(value, currency)
        traces.append(
            dict(
                type="scatter",
                mode="lines",
                name=name,
                x=span,
                y=[value, value],
                yaxis=axis,
                line=dict(color=color, width=1.2, dash=dash),
                hovertemplate=f"{name}: {shown}<extra></extra>",
            )
        )
    for index, label, symbol, size in ((best, "Best point", "star", 16), (chosen, "Chosen point", "circle-open", 14)):
        if index is None:
            continue
        row = points.iloc[index]
        marker = dict(symbol=symbol, size=size, color="#f59e0b", line=dict(width=2, color="#b45309"))
        net = views.money(row["net_ai_value"], currency)
        hover = f"{label}: coverage {views.pct(row['coverage'])}, net AI value {net}<extra></extra>"
        # One marker on each curve: a plotly trace lives on one y axis.
        for axis, value, legend in (("y", row["system_accuracy"], True), ("y2", row["ai_cogs"], False)):
            traces.append(
                dict(
                    type="scatter",
                    mode="markers",
                    name=label,
                    x=[row["coverage"]],
                    y=[value],
                    yaxis=axis,
                    marker=marker,
                    hovertemplate=hover,
                    showlegend=legend,
                    legendgroup=label,
                )
            )
    costs = [*points["ai_cogs"].tolist(), references["baseline_cogs"], references["distilled_cogs"]]
    accuracies = [*points["system_accuracy"].tolist(), references["teacher_accuracy"], references["student_accuracy"]]
    low, high = min(accuracies), max(accuracies)
    pad = max(0.005, (high - low) * 0.1)
    return figure(
        traces,
        "Cascade: system accuracy and the feature's AI COGS against coverage",
        420,
        xaxis=dict(
            title="Coverage: share of requests the student answers (%)",
            tickformat=".0%",
            range=[0, 1.0],
            gridcolor=GRID,
        ),
        yaxis=dict(
            title="System accuracy (%)",
            tickformat=".1%",
            range=[max(0.0, low - pad), min(1.0, high + pad)],
            gridcolor=GRID,
        ),
        yaxis2=dict(
            title=f"Feature AI COGS at 1x ({prefix or currency} / month)",
            overlaying="y",
            side="right",
            range=[0, max(costs) * 1.08],
            tickmode="auto",
            tickprefix=prefix,
            ticksuffix=suffix,
            tickformat=",.0f",
            showgrid=False,
        ),
        margin=dict(r=70),
        hovermode="closest",
    )

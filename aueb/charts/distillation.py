"""Charts of a distillation run: accuracy by arm, throughput and cost per million requests."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from aueb import views
from aueb.charts.base import ARM_COLORS, GRID, MODEL_COLORS, figure, tick_affixes


def accuracy_chart(accuracy: pd.DataFrame) -> go.Figure:
    """Test accuracy of teacher, distilled student and the students trained without the teacher's soft targets."""
    colors = ["#334155", ARM_COLORS["distilled"], "#a3a3a3", "#cbd5e1"]
    has_std = bool(accuracy["std"].notna().any())
    # Error bars: the 95% Wilson interval where the metrics carry it (schema 3), else the spread across seeds.
    has_interval = "low" in accuracy and bool(accuracy["low"].notna().all())
    if has_interval:
        error_x = dict(
            type="data",
            symmetric=False,
            array=(accuracy["high"].astype(float) - accuracy["accuracy"]).clip(lower=0).tolist(),
            arrayminus=(accuracy["accuracy"] - accuracy["low"].astype(float)).clip(lower=0).tolist(),
            visible=True,
        )
    else:
        error_x = dict(type="data", array=accuracy["std"].fillna(0).astype(float).tolist(), visible=has_std)
    trace = dict(
        type="bar",
        orientation="h",
        y=accuracy["model"].tolist(),
        x=accuracy["accuracy"].tolist(),
        marker_color=colors[: len(accuracy)],
        error_x=error_x,
        text=[views.pct(v) for v in accuracy["accuracy"]],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}: %{x:.2%}<extra></extra>",
    )
    lowest = accuracy["low"].astype(float).min() if has_interval else accuracy["accuracy"].min()
    low = max(0.0, float(lowest) - 0.1)
    return figure(
        [trace],
        "Accuracy on held-out data" + (" (bars: 95% interval)" if has_interval else ""),
        340,
        xaxis=dict(
            range=[low, 1.0], tickformat=".0%", tickangle=0, nticks=4, title="Test accuracy (%)", gridcolor=GRID
        ),
        yaxis=dict(autorange="reversed"),
        margin=dict(r=40),
    )


def throughput_chart(speed: pd.DataFrame) -> go.Figure:
    """Examples per second at batch 1 and 256 (log scale), for each measured model."""
    traces = []
    for model, color in MODEL_COLORS.items():
        part = speed.loc[speed["model"] == model]
        if part.empty:
            continue
        traces.append(
            dict(
                type="bar",
                name=model,
                marker_color=color,
                x=part["batch"].tolist(),
                y=part["throughput"].tolist(),
                text=[f"{views.volume(round(v))}/s" for v in part["throughput"]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate=model + " · %{x}: %{y:,.0f} examples / s<extra></extra>",
            )
        )
    return figure(
        traces,
        "Throughput at batch 1 and batch 256",
        340,
        barmode="group",
        yaxis=dict(type="log", title="Examples / second (log scale)", dtick=1, tickformat="~s", gridcolor=GRID),
    )


def cost_per_million_chart(cost: pd.DataFrame, currency: str) -> go.Figure:
    """Cost of a million requests on the measured hardware."""
    prefix, suffix = tick_affixes(currency)
    trace = dict(
        type="bar",
        x=cost["model"].tolist(),
        y=cost["cost_per_million_requests"].tolist(),
        marker_color=[MODEL_COLORS[m] for m in cost["model"]],
        text=[views.money(v, currency) for v in cost["cost_per_million_requests"]],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{x}: %{text} per million requests<extra></extra>",
    )
    return figure(
        [trace],
        "Cost per million requests",
        340,
        yaxis=dict(
            title=f"{prefix or currency} / million requests",
            tickprefix=prefix,
            ticksuffix=suffix,
            exponentformat="none",
            separatethousands=True,
            rangemode="tozero",
            gridcolor=GRID,
        ),
    )

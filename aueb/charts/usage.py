"""Charts of measured usage: daily cost per feature (stacked, anomalies marked) and cost per model call over time."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from aueb.charts.base import GRID, figure

# Qualitative colours that read apart on a stacked area.
SERIES_COLORS = ("#2563eb", "#0f766e", "#f59e0b", "#db2777", "#7c3aed", "#64748b", "#16a34a", "#dc2626")
ANOMALY_COLOR = "#b91c1c"


def daily_cost_chart(daily: pd.DataFrame, anomalies: pd.DataFrame) -> go.Figure:
    """Stacked area of the daily cost of each feature (USD, catalog prices); a red cross on each anomalous day,
    at the top of the stack, naming the feature."""
    wide = daily.pivot_table(index="date", columns="feature", values="cost", aggfunc="sum", fill_value=0.0).sort_index()
    traces = [
        dict(
            type="scatter",
            mode="lines",
            stackgroup="cost",
            name=str(feature),
            x=list(wide.index),
            y=wide[feature].tolist(),
            line=dict(width=0.8, color=SERIES_COLORS[i % len(SERIES_COLORS)]),
            hovertemplate=f"{feature}<br>%{{x|%a %d %b %Y}}: $%{{y:,.2f}}<extra></extra>",
        )
        for i, feature in enumerate(wide.columns)
    ]
    if len(anomalies):
        stack = wide.sum(axis=1)
        traces.append(
            dict(
                type="scatter",
                mode="markers",
                name="Anomalous day",
                x=anomalies["date"].tolist(),
                y=[float(stack.get(d, 0.0)) for d in anomalies["date"]],
                marker=dict(symbol="x", size=13, color=ANOMALY_COLOR, line=dict(width=1, color="#ffffff")),
                customdata=anomalies[["feature", "cost", "threshold"]].to_numpy().tolist(),
                hovertemplate="%{customdata[0]} on %{x|%d %b %Y}: $%{customdata[1]:,.2f}, above its threshold "
                "$%{customdata[2]:,.2f}<extra></extra>",
            )
        )
    return figure(
        traces,
        "Daily cost per feature (USD)",
        400,
        yaxis=dict(title="Cost per day ($)", tickprefix="$", gridcolor=GRID, rangemode="tozero"),
        xaxis=dict(title="Day (UTC)"),
        hovermode="x unified",
    )


def cost_per_call_chart(model_daily: pd.DataFrame) -> go.Figure:
    """Cost per model call of each model, day by day (USD per call): a price change or a prompt that grew shows here."""
    traces = [
        dict(
            type="scatter",
            mode="lines+markers",
            name=str(model),
            x=rows["date"].tolist(),
            y=rows["cost_per_call"].tolist(),
            marker=dict(size=4),
            line=dict(width=1.6, color=SERIES_COLORS[i % len(SERIES_COLORS)]),
            hovertemplate=f"{model}<br>%{{x|%d %b %Y}}: $%{{y:,.5f}} per call<extra></extra>",
        )
        for i, (model, rows) in enumerate(model_daily.groupby("model", sort=True))
    ]
    return figure(
        traces,
        "Cost per request per model (USD)",
        400,
        yaxis=dict(title="Cost per model call ($)", tickprefix="$", gridcolor=GRID, rangemode="tozero"),
        xaxis=dict(title="Day (UTC)"),
    )

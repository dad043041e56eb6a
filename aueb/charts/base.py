"""The charts' common look: colours, fonts and the one figure builder every chart uses.

Each figure is built as plain data and layout dicts and validated once by go.Figure: plotly's
add_shape / update_layout copy and revalidate the layout on every call, which costs a rerun
hundreds of milliseconds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from aueb import views

ARM_COLORS = {"baseline": "#64748b", "distilled": "#0f766e"}
BAND_COLORS = {
    "Elite": "#1a9850",
    "Elite-Median": "#91cf60",
    "Median": "#fee08b",
    "Median-Low": "#fc8d59",
    "Low": "#d73027",
}
BAND_TEXT = {
    "Elite": "#ffffff",
    "Elite-Median": "#1f2937",
    "Median": "#1f2937",
    "Median-Low": "#1f2937",
    "Low": "#ffffff",
}
COMPONENT_COLORS = {
    "Inference": "#2563eb",
    "Overhead": "#f59e0b",
    "Human review": "#db2777",
    "Fixed platform": "#94a3b8",
}
MODEL_COLORS = {"Teacher": "#334155", "Student": ARM_COLORS["distilled"]}
FONT = dict(family="Source Sans Pro, Helvetica, Arial, sans-serif", size=13)
GRID = "rgba(0,0,0,0.06)"
# Legends go below the plot, anchored to the figure's bottom edge: plotly then wraps long entries onto
# more rows and grows the bottom margin, so no entry is cut at a narrow width and none covers the data.
LEGEND_BELOW = dict(orientation="h", yref="container", y=0, yanchor="bottom", xanchor="left", x=0, title=None)
CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    "toImageButtonOptions": {"scale": 2},
}


def figure(traces: list[dict[str, Any]], title: str, height: int, **layout: Any) -> go.Figure:
    """One validated figure from trace dicts and layout keys, with the dashboard's common look."""
    base: dict[str, Any] = dict(
        title=dict(text=title, x=0, xanchor="left", y=0.985, yanchor="top", font=dict(size=16)),
        height=height,
        margin=dict(l=10, r=10, t=50, b=10),
        font=FONT,
        legend=LEGEND_BELOW,
        plot_bgcolor="rgba(0,0,0,0)",
        paper_bgcolor="rgba(0,0,0,0)",
    )
    for key, value in layout.items():
        base[key] = {**base[key], **value} if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return go.Figure(data=traces, layout=base)


def tick_affixes(currency: str) -> tuple[str, str]:
    """Tick prefix and suffix for money: ('$', '') for USD, ('', ' CHF') for a currency without a symbol."""
    sym = views.currency_symbol(currency)
    return (sym, "") if sym != currency else ("", f" {currency}")


def finite_values(values: pd.Series) -> pd.Series:
    values = values.astype(float)
    return values[np.isfinite(values)]


def band_layers(bands: list[tuple[str, float, float]], opacity: float) -> dict[str, list[dict[str, Any]]]:
    """Layout shapes (one rectangle per tier band across the plot) and their labels at the right edge."""
    return dict(
        shapes=[
            dict(
                type="rect",
                xref="paper",
                x0=0,
                x1=1,
                yref="y",
                y0=lo,
                y1=hi,
                fillcolor=BAND_COLORS[band],
                opacity=opacity,
                line_width=0,
                layer="below",
            )
            for band, lo, hi in bands
        ],
        annotations=[
            dict(
                x=1.01,
                xref="paper",
                xanchor="left",
                y=(lo + hi) / 2,
                yref="y",
                text=band,
                showarrow=False,
                font=dict(size=11, color="#475569"),
            )
            for band, lo, hi in bands
        ],
    )

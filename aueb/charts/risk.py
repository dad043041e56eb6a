"""Charts of the risk analysis: the fan of COGS / revenue over the tier bands, and the tornado."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from aueb import views
from aueb.charts.base import ARM_COLORS, GRID, band_layers, figure, finite_values

BAND_FILL = {"baseline": "rgba(100,116,139,0.25)", "distilled": "rgba(15,118,110,0.25)"}
LOW_COLOR, HIGH_COLOR = "#2563eb", "#ea580c"


def _line(part: pd.DataFrame, arm: str, column: str, **style: Any) -> dict[str, Any]:
    """One line of the fan: the arm's percentile `column` against the multiplier."""
    x, y = part["multiplier"].tolist(), part[column].tolist()
    return dict(type="scatter", mode="lines", x=x, y=y, legendgroup=arm, **style)


def fan_chart(fan: pd.DataFrame, tiers: pd.DataFrame, samples: int) -> go.Figure:
    """AI COGS / revenue against the volume multiplier: P10-P90 band and P50 line per arm, over the industry bands."""
    finite = finite_values(pd.concat([fan["p90"], fan["p50"]]))
    upper = max(float(finite.max()) * 1.15 if len(finite) else 0.0, float(tiers.loc["cogs_to_revenue", "low"]) * 1.35)
    bands = views.band_ranges("cogs_to_revenue", tiers, upper)
    traces: list[dict[str, Any]] = []
    for arm in ("baseline", "distilled"):
        part = fan.loc[fan["arm"] == arm]
        label = views.arm_label(arm)
        band_text = [[views.pct(a), views.pct(b)] for a, b in zip(part["p10"], part["p90"], strict=True)]
        traces += [
            _line(part, arm, "p10", line=dict(width=0), hoverinfo="skip", showlegend=False),
            _line(
                part,
                arm,
                "p90",
                line=dict(width=0),
                fill="tonexty",
                fillcolor=BAND_FILL[arm],
                name=f"{label}: P10-P90 of {samples:,} samples",
                customdata=band_text,
                hovertemplate="%{x:g}x · "
                + label.lower()
                + "<br>P10-P90: %{customdata[0]} to %{customdata[1]}<extra></extra>",
            ),
            _line(
                part,
                arm,
                "p50",
                line=dict(color=ARM_COLORS[arm], width=3),
                name=f"{label}: P50",
                customdata=[views.pct(v) for v in part["p50"]],
                hovertemplate="%{x:g}x · " + label.lower() + "<br>P50: %{customdata}<extra></extra>",
            ),
        ]
    return figure(
        traces,
        "AI COGS / revenue by volume, P10-P90 and P50",
        440,
        **band_layers(bands, 0.18),
        xaxis=dict(type="log", title="Volume (x today's, log scale)", gridcolor=GRID),
        yaxis=dict(range=[0, upper], tickformat=".0%", title="AI COGS / revenue (%)", gridcolor=GRID),
        margin=dict(r=96, t=60, b=10),
    )


def tornado_chart(bars: pd.DataFrame, title: str, value_format: str) -> go.Figure:
    """One bar per ranged input from the figure at the modes to the figure at the input's low and high,
    largest swing on top. value_format is a d3 format for the axis (".1%", "$,.0f")."""
    bars = bars.iloc[::-1]
    base = bars["figure_at_mode"].astype(float)
    traces = []
    for end, color, name in (("low", LOW_COLOR, "input at its low"), ("high", HIGH_COLOR, "input at its high")):
        value = bars[f"figure_at_{end}"].astype(float)
        traces.append(
            dict(
                type="bar",
                orientation="h",
                y=bars["label"].tolist(),
                x=(value - base).tolist(),
                base=base.tolist(),
                marker_color=color,
                name=name,
                customdata=[[bars[end].iloc[i], bars[f"shown_{end}"].iloc[i]] for i in range(len(bars))],
                hovertemplate="%{y}<br>at " + end + " (%{customdata[0]:,.4g}): %{customdata[1]}<extra></extra>",
            )
        )
    mode = float(base.iloc[0]) if len(base) else 0.0
    return figure(
        traces,
        title,
        max(260, 120 + 46 * len(bars)),
        barmode="overlay",
        shapes=[
            dict(
                type="line",
                xref="x",
                x0=mode,
                x1=mode,
                yref="paper",
                y0=0,
                y1=1,
                line=dict(color="#111827", width=1, dash="dot"),
            )
        ],
        xaxis=dict(tickformat=value_format, gridcolor=GRID),
        yaxis=dict(automargin=True),
        margin=dict(t=60, b=10),
    )

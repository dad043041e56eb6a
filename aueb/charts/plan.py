"""The savings plan's waterfall: today's monthly AI COGS, one bar per lever in rank order, the combined plan."""

from __future__ import annotations

import plotly.graph_objects as go

from aueb.charts.base import figure


def waterfall_chart(now: float, steps: list[tuple[str, float]], currency: str = "USD") -> go.Figure:
    """Bars: today's cost, minus each lever's added saving (a negative saving rises), ending at the plan's cost.

    Horizontal, top to bottom, so that long "feature: lever" labels read in full and never overlap."""
    after = now - sum(s for _, s in steps)
    trace = dict(
        type="waterfall",
        orientation="h",
        y=["Today", *[label for label, _ in steps], "Combined plan"],
        x=[now, *[-s for _, s in steps], after],
        measure=["absolute", *["relative"] * len(steps), "total"],
        text=[f"{now:,.2f}", *[f"{-s:+,.2f}" for _, s in steps], f"{after:,.2f}"],
        textposition="outside",
        decreasing=dict(marker=dict(color="#0f766e")),
        increasing=dict(marker=dict(color="#b91c1c")),
        totals=dict(marker=dict(color="#64748b")),
        hovertemplate=f"%{{y}}: %{{x:,.4f}} {currency}<extra></extra>",
        cliponaxis=False,
    )
    height = max(320, 110 + 34 * (len(steps) + 2))
    chart = figure(
        [trace], f"Monthly AI COGS: today to the combined plan ({currency} / month)", height, showlegend=False
    )
    chart.update_yaxes(autorange="reversed", automargin=True)
    chart.update_xaxes(title_text=f"{currency} / month")
    return chart

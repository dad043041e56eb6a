"""The savings plan's waterfall: today's monthly AI COGS, one bar per lever in rank order, the combined plan."""

from __future__ import annotations

import plotly.graph_objects as go

from aueb.charts.base import figure


def waterfall_chart(now: float, steps: list[tuple[str, float]], currency: str = "USD") -> go.Figure:
    """Bars: today's cost, minus each lever's added saving (a negative saving rises), ending at the plan's cost."""
    after = now - sum(s for _, s in steps)
    trace = dict(
        type="waterfall",
        orientation="v",
        x=["Today", *[label for label, _ in steps], "Combined plan"],
        y=[now, *[-s for _, s in steps], after],
        measure=["absolute", *["relative"] * len(steps), "total"],
        text=[f"{now:,.2f}", *[f"{-s:+,.2f}" for _, s in steps], f"{after:,.2f}"],
        textposition="outside",
        decreasing=dict(marker=dict(color="#0f766e")),
        increasing=dict(marker=dict(color="#b91c1c")),
        totals=dict(marker=dict(color="#64748b")),
        hovertemplate=f"%{{x}}: %{{y:,.4f}} {currency}<extra></extra>",
    )
    return figure([trace], f"Monthly AI COGS: today to the combined plan ({currency} / month)", 420, showlegend=False)

"""Figures of the monitor: the "what changed" waterfall and month to date against budget with the forecast fan."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from aueb import views

LABELS = {
    "volume": "Volume",
    "mix": "Mix",
    "tokens_per_call": "Tokens per call",
    "cache_batch": "Cache and batch",
    "price": "Price",
}


def waterfall_chart(
    cost_from: float,
    cost_to: float,
    effects: dict[str, float],
    label_from: str,
    label_to: str,
    title: str = "What changed in model cost (LMDI)",
) -> go.Figure:
    """Cost of period A, the five LMDI effects, cost of period B (USD)."""
    names = [f"Cost {label_from}", *(LABELS[k] for k in effects), f"Cost {label_to}"]
    values = [cost_from, *effects.values(), cost_to]
    figure = go.Figure(
        go.Waterfall(
            x=names,
            y=values,
            measure=["absolute", *["relative"] * len(effects), "total"],
            text=[f"{v:+,.2f}" if 0 < i < len(values) - 1 else f"{v:,.2f}" for i, v in enumerate(values)],
            textposition="outside",
        )
    )
    figure.update_layout(title=title, yaxis_title="USD", showlegend=False)
    return figure


def budget_chart(
    days: list[date],
    p10: list[float],
    p50: list[float],
    p90: list[float],
    actual_days: int,
    budget: float | None,
    title: str,
    runs_out: date | None = None,
) -> go.Figure:
    """Cumulative cost of the month: actual to date, then the P10-P90 fan and the P50 forecast; the budget
    line, and where actual plus P50 first exceeds it, the run-out day marked on it."""
    figure = go.Figure()
    figure.add_scatter(x=days[:actual_days], y=p50[:actual_days], name="Actual", mode="lines")
    if len(days) > actual_days:
        future = days[actual_days - 1 :] if actual_days else days
        start = actual_days - 1 if actual_days else 0
        figure.add_scatter(x=future, y=p90[start:], name="P90", mode="lines", line={"width": 0}, showlegend=False)
        figure.add_scatter(x=future, y=p10[start:], name="P10-P90", mode="lines", line={"width": 0}, fill="tonexty")
        figure.add_scatter(x=future, y=p50[start:], name="Forecast P50", mode="lines", line={"dash": "dash"})
    if budget:
        figure.add_hline(y=budget, line_dash="dot", annotation_text=f"Budget {views.money(budget)}")
    if budget and runs_out is not None:
        figure.add_scatter(
            x=[runs_out], y=[budget], name=f"Runs out {runs_out}", mode="markers", marker={"size": 11, "symbol": "x"}
        )
    figure.update_layout(title=title, yaxis_title="USD, cumulative")
    return figure

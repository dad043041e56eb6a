"""Charts of the projection: COGS / revenue over tier bands, tier strips, cost per request, volume and features."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from aueb import views
from aueb.charts.base import (
    ARM_COLORS,
    BAND_COLORS,
    COMPONENT_COLORS,
    GRID,
    band_layers,
    figure,
    finite_values,
    tick_affixes,
)


def cogs_to_revenue_chart(rows: pd.DataFrame, tiers: pd.DataFrame) -> go.Figure:
    """AI COGS / revenue by multiplier and arm, over the industry bands of the tier table."""
    total = views.totals(rows)
    finite = finite_values(total["cogs_to_revenue"])
    upper = max(float(finite.max()) * 1.2 if len(finite) else 0.0, float(tiers.loc["cogs_to_revenue", "low"]) * 1.35)
    bands = views.band_ranges("cogs_to_revenue", tiers, upper)
    traces = []
    for arm in ("baseline", "distilled"):
        part = total.loc[total["arm"] == arm]
        traces.append(
            dict(
                type="bar",
                name=views.arm_label(arm),
                marker_color=ARM_COLORS[arm],
                x=[views.multiplier_label(m) for m in part["multiplier"]],
                y=part["cogs_to_revenue"].tolist(),
                text=[views.pct(v) for v in part["cogs_to_revenue"]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{x} · "
                + views.arm_label(arm).lower()
                + "<br>AI COGS / revenue: %{y:.1%}<extra></extra>",
            )
        )
    return figure(
        traces,
        "AI COGS / revenue against industry bands",
        420,
        **band_layers(bands, 0.22),
        yaxis=dict(range=[0, upper], tickformat=".0%", title="AI COGS / revenue (%)", gridcolor=GRID),
        xaxis=dict(title="Volume (x today's)"),
        bargap=0.35,
        margin=dict(r=96),
    )


def nice_ticks(upper: float, intervals: int = 6) -> list[float]:
    """Round tick values from 0 to upper: a step of 1, 2 or 5 times a power of ten, at most `intervals` of them."""
    if not upper > 0 or not math.isfinite(upper):
        return [0.0]
    raw = upper / intervals
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [round(k * step, 12) for k in range(int(upper / step + 1e-9) + 1)]


def tier_strip_chart(positions: pd.DataFrame, tiers: pd.DataFrame, currency: str) -> go.Figure:
    """One strip per tier metric: the five bands side by side, a marker per arm at its value, the metric's name
    above and its scale below.

    `positions` is views.tier_positions: at one multiplier, or with a "multiplier" column at several. Then the
    strips show the first, and buttons above them switch to another in the browser (plotly's own buttons: the
    page is not rerun, and no widget's code is loaded on a first render). Each multiplier keeps its own scales.

    One plot, not a subplot per metric: each strip is a row of height 1 (bottom up), each metric's values are
    drawn as a share of its strip's upper end, and the titles and scales are the points of one text trace, so
    the browser lays out two axes and three traces rather than eight axes and eight traces (a first render)."""
    if "multiplier" in positions.columns:
        multipliers = list(dict.fromkeys(positions["multiplier"]))
        strips = [_strips(positions.loc[positions["multiplier"] == m], tiers, currency) for m in multipliers]
    else:
        multipliers, strips = [], [_strips(positions, tiers, currency)]
    traces, shapes = strips[0]
    n = len(dict.fromkeys(positions["metric"]))
    layout: dict[str, Any] = {}
    if len(multipliers) > 1:
        # Each button sets the three traces' points and the bands' rectangles to those of its multiplier.
        keys = ("x", "y", "text", "textposition", "hovertemplate", "textfont.size", "textfont.color")
        buttons = [
            dict(
                label=views.multiplier_label(m),
                method="update",
                args=[{key: [_trace_value(trace, key) for trace in traces_m] for key in keys}, {"shapes": shapes_m}],
            )
            for m, (traces_m, shapes_m) in zip(multipliers, strips, strict=True)
        ]
        layout["updatemenus"] = [
            dict(
                type="buttons",
                direction="right",
                active=0,
                showactive=True,
                buttons=buttons,
                # under the title, in the top margin (the mode bar shows at the top right)
                x=0,
                xanchor="left",
                y=1,
                yanchor="bottom",
                pad=dict(b=10),
                font=dict(size=12),
                # plotly draws the active button #F4FAFF: the others a shade darker, so the active one stands out
                bgcolor="#e2e8f0",
                bordercolor="#94a3b8",
            )
        ]
    top = 90 if layout else 60
    return figure(
        traces,
        "Where each tier metric falls",
        top + 90 + 100 * n,
        shapes=shapes,
        margin=dict(t=top, b=10),
        xaxis=dict(range=[-0.02, 1.02], visible=False, fixedrange=True),
        yaxis=dict(range=[-0.05, n + 0.05], visible=False, fixedrange=True),
        **layout,
    )


def _trace_value(trace: dict[str, Any], key: str) -> Any:
    """A trace's value of a restyle key ("textfont.size" reads trace["textfont"]["size"]); None where unset."""
    value: Any = trace
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _strips(
    positions: pd.DataFrame, tiers: pd.DataFrame, currency: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The tier strips at one multiplier: the two marker traces and the text trace, and the bands' shapes."""
    metrics = list(dict.fromkeys(positions["metric"]))
    prefix, suffix = tick_affixes(currency)
    n = len(metrics)
    low, high = 0.32, 0.8  # the strip's band within its row; the scale below it, the title above
    markers: dict[str, dict[str, list[Any]]] = {
        arm: {key: [] for key in ("x", "y", "text", "textposition", "hovertemplate")}
        for arm in ("baseline", "distilled")
    }
    labels: dict[str, list[Any]] = {key: [] for key in ("x", "y", "text", "textposition", "size", "color")}
    shapes: list[dict[str, Any]] = []

    def label(x: float, y: float, text: str, position: str, size: int, color: str) -> None:
        for key, value in zip(labels, (x, y, text, position, size, color), strict=True):
            labels[key].append(value)

    for i, metric in enumerate(metrics):
        base = n - 1 - i
        part = positions.loc[positions["metric"] == metric]
        row = tiers.loc[metric]
        is_share = metric in ("cogs_to_revenue", "routing_coverage", "feature_profitability")
        finite = finite_values(part["value"])
        edge_max = max(float(row[e]) for e in ("elite", "median_min", "median_max", "low"))
        upper = (
            1.0
            if metric in ("routing_coverage", "feature_profitability")
            else max(float(finite.max()) * 1.15 if len(finite) else 0.0, edge_max * 1.3)
        ) or 1.0  # a strip needs a positive upper end (all values and band edges 0)
        label(-0.02, base + high + 0.1, views.TIER_LABELS[metric], "top right", 13, "#334155")
        for tick in nice_ticks(upper):
            text = f"{tick:.0%}" if is_share else f"{prefix}{tick:g}{suffix}"
            label(tick / upper, base + low - 0.06, text, "bottom center", 12, "#6b7280")
        shapes += [
            dict(
                type="rect",
                x0=lo / upper,
                x1=min(hi, upper) / upper,
                y0=base + low,
                y1=base + high,
                fillcolor=BAND_COLORS[band],
                opacity=0.55,
                line=dict(width=0),  # spelled out: the buttons pass the shapes to plotly.js as they are
                layer="below",
            )
            for band, lo, hi in views.band_ranges(metric, tiers, upper)
        ]
        for arm in ("baseline", "distilled"):
            record = part.loc[part["arm"] == arm]
            if record.empty:
                continue
            value, band = record["value"].iloc[0], record["band"].iloc[0]
            y = base + low + (high - low) * (0.3 if arm == "baseline" else 0.72)
            if value is None or not math.isfinite(float(value)):
                label(0.0, y, f"{views.arm_label(arm)}: n/a", "middle right", 12, "#111827")
                continue
            shown = views.pct(value) if is_share else views.money(value, currency, "request")
            x = min(float(value), upper) / upper
            for key, item in zip(
                ("x", "y", "text", "textposition", "hovertemplate"),
                (
                    x,
                    y,
                    f" {shown} · {band} ",
                    "middle left" if x > 0.5 else "middle right",
                    f"{views.arm_label(arm)}<br>{views.TIER_LABELS[metric]}: {shown}<br>Band: {band}<extra></extra>",
                ),
                strict=True,
            ):
                markers[arm][key].append(item)
    traces: list[dict[str, Any]] = [
        dict(
            type="scatter",
            mode="markers+text",
            marker=dict(
                symbol="circle" if arm == "baseline" else "diamond",
                size=14,
                color=ARM_COLORS[arm],
                line=dict(color="white", width=1.5),
            ),
            textfont=dict(size=12, color="#111827"),
            cliponaxis=False,
            name=views.arm_label(arm),
            **points,
        )
        for arm, points in markers.items()
    ]
    traces.append(
        dict(
            type="scatter",
            mode="text",
            x=labels["x"],
            y=labels["y"],
            text=labels["text"],
            textposition=labels["textposition"],
            textfont=dict(size=labels["size"], color=labels["color"]),
            cliponaxis=False,
            hoverinfo="skip",
            showlegend=False,
        )
    )
    return traces, shapes


def cost_per_request_chart(components: pd.DataFrame, currency: str) -> go.Figure:
    """Cost per request stacked by component, for each multiplier and arm."""
    prefix, suffix = tick_affixes(currency)
    frame = components.copy()
    frame["volume"] = [views.multiplier_label(m) for m in frame["multiplier"]]
    frame["model"] = ["without" if a == "baseline" else "with" for a in frame["arm"]]
    traces: list[dict[str, Any]] = []
    for component in views.COMPONENTS.values():
        part = frame.loc[frame["component"] == component]
        traces.append(
            dict(
                type="bar",
                name=component,
                marker_color=COMPONENT_COLORS[component],
                x=[part["volume"].tolist(), part["model"].tolist()],
                y=part["cost_per_request"].tolist(),
                customdata=[views.money(v, currency, "request") for v in part["cost_per_request"]],
                hovertemplate="%{x}<br>" + component + ": %{customdata}<extra></extra>",
            )
        )
    totals = frame.groupby(["multiplier", "arm"], sort=False)["cost_per_request"].sum(min_count=1).reset_index()
    traces.append(
        dict(
            type="scatter",
            mode="text",
            showlegend=False,
            hoverinfo="skip",
            cliponaxis=False,
            textposition="top center",
            x=[
                [views.multiplier_label(m) for m in totals["multiplier"]],
                ["without" if a == "baseline" else "with" for a in totals["arm"]],
            ],
            y=totals["cost_per_request"].tolist(),
            text=[views.money(v, currency) for v in totals["cost_per_request"]],
        )
    )
    top = float(totals["cost_per_request"].max()) if totals["cost_per_request"].notna().any() else 1.0
    return figure(
        traces,
        "Cost per request by component",
        440,
        barmode="stack",
        bargap=0.3,
        xaxis=dict(tickangle=0),
        yaxis=dict(
            title=f"Cost per request ({prefix or currency} / request)",
            tickprefix=prefix,
            ticksuffix=suffix,
            range=[0, (top or 1.0) * 1.18],
            gridcolor=GRID,
        ),
    )


def _decades(low: float, high: float) -> list[float]:
    if not (low > 0 and high > 0):
        return []
    return [10.0**k for k in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]


def _compact(value: float) -> str:
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def volume_chart(curve: pd.DataFrame, marks: dict[str, float | None], currency: str) -> go.Figure:
    """AI COGS of both arms against monthly volume (log-log), with revenue, the break-even volumes and collapse marked.

    Marks are traces named in the legend (below the plot), not text on the plot, so no label sits on a line.
    """
    prefix, suffix = tick_affixes(currency)
    xs = curve["requests"][curve["requests"] > 0]
    ys = pd.concat([curve["ai_cogs"], curve["revenue"]])
    ys = ys[ys > 0]
    xticks = _decades(xs.min(), xs.max()) if len(xs) else []
    yticks = _decades(ys.min(), ys.max()) if len(ys) else []
    y_range = [math.log10(yticks[0]), math.log10(yticks[-1])] if yticks else None
    traces: list[dict[str, Any]] = []

    def vertical(x: float, name: str, color: str, dash: str, hover: str) -> None:
        low, high = (10 ** y_range[0], 10 ** y_range[1]) if y_range else (float(ys.min()), float(ys.max()))
        traces.append(
            dict(
                type="scatter",
                mode="lines",
                name=name,
                x=[x, x],
                y=[low, high],
                line=dict(color=color, width=1.5, dash=dash),
                hovertemplate=hover + "<extra></extra>",
            )
        )

    revenue = curve.loc[(curve["arm"] == "baseline") & (curve["revenue"] > 0)]
    if not revenue.empty:
        traces.append(
            dict(
                type="scatter",
                mode="lines",
                name="Revenue if users grow",
                x=revenue["requests"].tolist(),
                y=revenue["revenue"].tolist(),
                line=dict(color="#9ca3af", dash="dash", width=1.5),
                customdata=[views.money(v, currency, "month") for v in revenue["revenue"]],
                hovertemplate="%{x:,.3s} requests / month<br>Revenue: %{customdata}<extra></extra>",
            )
        )
    revenue_today = marks.get("revenue_today")
    if revenue_today and len(xs):
        shown = views.money(revenue_today, currency, "month")
        traces.append(
            dict(
                type="scatter",
                mode="lines",
                name=f"Revenue if only usage grows ({shown})",
                x=[float(xs.min()), float(xs.max())],
                y=[revenue_today, revenue_today],
                line=dict(color="#6b7280", dash="dot", width=1.5),
                hovertemplate=f"Revenue if only usage grows: {shown}<extra></extra>",
            )
        )
    for arm in ("baseline", "distilled"):
        part = curve.loc[(curve["arm"] == arm) & (curve["ai_cogs"] > 0)]
        traces.append(
            dict(
                type="scatter",
                mode="lines",
                name=f"AI COGS, {views.arm_label(arm).lower()}",
                x=part["requests"].tolist(),
                y=part["ai_cogs"].tolist(),
                line=dict(color=ARM_COLORS[arm], width=3),
                customdata=[views.money(v, currency, "month") for v in part["ai_cogs"]],
                hovertemplate="%{x:,.3s} requests / month<br>AI COGS: %{customdata}<extra></extra>",
            )
        )
    x = marks.get("requests_today")
    if x:
        vertical(
            x,
            f"Today: {views.volume(x)} requests / month",
            "#111827",
            "dot",
            f"Today (1x): {views.volume(x)} requests / month",
        )
    x = marks.get("break_even_requests")
    if x:
        vertical(
            x,
            f"Break-even: {views.volume(x)} requests / month",
            ARM_COLORS["distilled"],
            "dash",
            f"Break-even: from {views.volume(x)} requests / month the monthly saving pays back the one-time cost "
            "within the horizon",
        )
    x = marks.get("student_cheaper_requests")
    if x:
        vertical(
            x,
            f"Student cheaper from {views.volume(x)} requests / month",
            "#d97706",
            "dashdot",
            f"From {views.volume(x)} requests / month AI COGS with the student is below AI COGS without it",
        )
    for arm in ("baseline", "distilled"):
        x = marks.get(f"collapse_requests_{arm}")
        if x and revenue_today:
            traces.append(
                dict(
                    type="scatter",
                    mode="markers",
                    name=f"Margin collapse, {views.arm_label(arm).lower()}",
                    x=[x],
                    y=[revenue_today],
                    marker=dict(symbol="x", size=14, color=ARM_COLORS[arm], line=dict(width=2, color=ARM_COLORS[arm])),
                    hovertemplate=f"Margin collapse ({views.arm_label(arm).lower()}): AI COGS reaches revenue at "
                    f"{views.volume(x)} requests / month if only usage grows<extra></extra>",
                )
            )
    return figure(
        traces,
        "AI COGS against monthly volume",
        620,
        xaxis=dict(
            type="log",
            title="Monthly volume (requests / month, log scale)",
            tickvals=xticks,
            ticktext=[_compact(v) for v in xticks],
            gridcolor=GRID,
        ),
        yaxis=dict(
            type="log",
            title=f"{prefix or currency} / month (log scale)",
            tickvals=yticks,
            range=y_range,
            ticktext=[f"{prefix}{_compact(v)}{suffix}" for v in yticks],
            gridcolor=GRID,
        ),
    )


def feature_chart(table: pd.DataFrame, currency: str) -> go.Figure:
    """AI COGS of each feature without and with the student, and its revenue, at one multiplier."""
    prefix, suffix = tick_affixes(currency)
    names = table["feature"].tolist()
    traces: list[dict[str, Any]] = []
    for arm in ("baseline", "distilled"):
        traces.append(
            dict(
                type="bar",
                orientation="h",
                name=f"AI COGS, {views.arm_label(arm).lower()}",
                y=names,
                x=table[f"ai_cogs_{arm}"].tolist(),
                marker_color=ARM_COLORS[arm],
                customdata=[views.money(v, currency, "month") for v in table[f"ai_cogs_{arm}"]],
                hovertemplate="%{y}<br>AI COGS: %{customdata}<extra></extra>",
            )
        )
    if (table["revenue"] > 0).any():
        traces.append(
            dict(
                type="scatter",
                mode="markers",
                name="Revenue",
                y=names,
                x=table["revenue"].tolist(),
                marker=dict(symbol="line-ns", size=22, line=dict(width=3, color="#111827")),
                customdata=[views.money(v, currency, "month") for v in table["revenue"]],
                hovertemplate="%{y}<br>Revenue: %{customdata}<extra></extra>",
            )
        )
    return figure(
        traces,
        "AI COGS and revenue by feature",
        max(260, 140 + 60 * len(names)),
        barmode="group",
        xaxis=dict(title=f"{prefix or currency} / month", tickprefix=prefix, ticksuffix=suffix, gridcolor=GRID),
        yaxis=dict(autorange="reversed"),
    )

"""The Costs and scale page: cost per request by component, AI COGS against volume, the feature table."""

from __future__ import annotations

from typing import Any

import streamlit as st

from aueb import charts, views
from aueb.ui import components, state


def costs() -> None:
    scenario, projection = state.scenario(), state.projection()
    st.title("Costs and scale")
    st.caption("Where the money goes per request, how AI COGS grows with volume, and which feature carries it.")
    left, right = st.columns(2, gap="large")
    with left:
        components.plot(
            charts.cost_per_request_chart(views.cost_components_per_request(projection.rows), scenario.currency),
            "chart_cost_per_request",
        )
        st.caption(
            "Inference: teacher, student and cache hits. Overhead: retrieval, logging, guardrails. Human review: "
            "reviewed share x minutes x reviewer cost. Fixed platform: shared in proportion to requests."
        )
    with right:
        curve = state.curve()
        components.plot(
            charts.volume_chart(views.volume_curve(curve), views.volume_marks(curve), scenario.currency), "chart_volume"
        )
        st.caption(
            "Dashed green line: the break-even volume, from which the student's monthly saving pays back its one-time "
            "cost "
            "within the horizon. Dash-dot amber line: from this volume the student is cheaper per month (none when it "
            "is cheaper "
            "at any volume). Crosses: margin collapse, where AI COGS reaches today's revenue if usage per user grows "
            "and revenue per user does not."
        )
    st.subheader("By feature")
    m = components.multiplier_picker("ui_feature_multiplier", list(scenario.multipliers), "Volume")
    table = views.feature_table(projection.rows, m)
    cur = views.currency_symbol(scenario.currency)
    money_format = "dollar" if scenario.currency.upper() == "USD" else "%.2f"

    def money(label: str, help: str | None = None) -> Any:
        return st.column_config.NumberColumn(f"{label} ({cur}/month)", format=money_format, help=help)

    def share(label: str, help: str | None = None) -> Any:
        return st.column_config.NumberColumn(label, format="percent", help=help)

    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_order=[
            "feature",
            "requests",
            "revenue",
            "ai_cogs_baseline",
            "ai_cogs_distilled",
            "gross_margin_baseline",
            "gross_margin_distilled",
            "routing_coverage_distilled",
            "net_ai_value_distilled",
        ],
        column_config={
            "feature": "Feature",
            "requests": st.column_config.NumberColumn("Requests/month", format="localized"),
            "revenue": money("Revenue"),
            "ai_cogs_baseline": money(
                "AI COGS without",
                "AI COGS without the student: inference, overhead, review and its share of the platform cost.",
            ),
            "ai_cogs_distilled": money("AI COGS with", "AI COGS with the student."),
            "gross_margin_baseline": share("Margin without (%)", "1 - AI COGS / revenue, without the student."),
            "gross_margin_distilled": share("Margin with (%)", "1 - AI COGS / revenue, with the student."),
            "routing_coverage_distilled": share(
                "By student (%)", "Share of model-served requests the student answers (after escalations)."
            ),
            "net_ai_value_distilled": money("Net value with", "Revenue - AI COGS - cost of errors, with the student."),
        },
    )
    components.plot(charts.feature_chart(table, scenario.currency), "chart_features")

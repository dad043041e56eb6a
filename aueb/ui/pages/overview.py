"""The Overview page: the verdict, the headline cards and table, COGS / revenue over the industry bands."""

from __future__ import annotations

import streamlit as st

from aueb import charts, views
from aueb.ui import components, state


def overview() -> None:
    scenario, projection = state.scenario(), state.projection()
    st.title(scenario.name)
    growth = "users grow" if scenario.growth == "users" else "usage per user grows"
    n = len(scenario.features)
    st.caption(
        f"{n} AI feature{'s' if n != 1 else ''} · volume at {', '.join(views.multiplier_label(m) for m in scenario.multipliers)} "
        f"today's as {growth} · ROI over {scenario.horizon_months:g} months · money in {scenario.currency}"
    )
    components.verdict(projection, scenario)
    components.kpi_cards(projection, scenario)
    st.subheader("Headline by volume, without and with the student")
    components.headline_table(projection, scenario)
    left, right = st.columns([1.1, 1], gap="large")
    with left:
        components.plot(charts.cogs_to_revenue_chart(projection.rows, state.tiers()), "chart_cogs_revenue")
    with right:
        m = components.multiplier_picker("ui_tier_multiplier", list(scenario.multipliers), "Tier positions at")
        components.plot(
            charts.tier_strip_chart(views.tier_positions(projection.rows, m), state.tiers(), scenario.currency),
            "chart_tiers",
        )
    with st.expander("What the industry bands mean"):
        table = (
            state.tiers()
            .loc[:, ["label", "better", "source"]]
            .rename(columns={"label": "Metric", "better": "Better when", "source": "Source"})
        )
        st.dataframe(table, hide_index=True, width="stretch")

"""The Overview page: the verdict, the headline cards and table, COGS / revenue over the industry bands.

First render: the page's places are laid out top to bottom, then the two charts are drawn into theirs
before the verdict, cards and table are written. The browser thus receives the charts first and starts
loading its plotly code (the largest part of a first render) while the rest of the page arrives.
The industry bands' explanation is a static table (st.table) rather than the interactive grid,
whose code would be another large download on the first render.
"""

from __future__ import annotations

import streamlit as st

from aueb import charts, views
from aueb.ui import components, state


def overview() -> None:
    scenario, projection = state.scenario(), state.projection()
    st.title(scenario.name)
    growth = "users grow" if scenario.growth == "users" else "usage per user grows"
    n = len(scenario.features)
    volumes = ", ".join(views.multiplier_label(m) for m in scenario.multipliers)
    st.caption(
        f"{n} AI feature{'s' if n != 1 else ''} · volume at {volumes} today's as {growth} · "
        f"ROI over {scenario.horizon_months:g} months · money in {scenario.currency}"
    )
    verdict, cards = st.container(), st.container()
    st.subheader("Headline by volume, without and with the student")
    headline = st.container()
    left, right = st.columns([1.1, 1], gap="large")
    bands = st.expander("What the industry bands mean")
    # The charts first (see the module's docstring), then the figures above them.
    with left:
        components.plot(charts.cogs_to_revenue_chart(projection.rows, state.tiers()), "chart_cogs_revenue")
    with right:
        m = components.multiplier_picker("ui_tier_multiplier", list(scenario.multipliers), "Tier positions at")
        components.plot(
            charts.tier_strip_chart(views.tier_positions(projection.rows, m), state.tiers(), scenario.currency),
            "chart_tiers",
        )
    with verdict:
        components.verdict(projection, scenario)
    with cards:
        components.kpi_cards(projection, scenario)
    with headline:
        components.headline_table(projection, scenario)
    with bands:
        table = (
            state.tiers()
            .loc[:, ["label", "better", "source"]]
            .rename(columns={"label": "Metric", "better": "Better when", "source": "Source"})
        )
        st.table(table.set_index("Metric"))

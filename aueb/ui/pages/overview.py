"""The Overview page: the verdict, the headline cards and table, COGS / revenue over the industry bands.

First render: the page's places are laid out top to bottom, then the two charts are drawn into theirs
before the verdict, cards and table are written. The browser thus receives the charts first and starts
loading its plotly code (the largest part of a first render) while the rest of the page arrives.
The headline table, its legend and the industry bands' explanation are HTML (st.html, in st.table's look)
rather than st.table or the interactive grid: both load large code (st.table's Arrow decoder, about 1 MB of
JavaScript) that the rest of the page does not need.

The projection, the two figures and what the verdict, the cards and the headline table show are shared by
every session that shows the same scenario (st.cache_resource keyed by the scenario's JSON, and the picked
multiplier for the tier strips): a new session on the example scenario, or a return to this page, sends its
deltas without an engine call, a figure build or a view computed. They are read, never changed (pandas
copy-on-write; st.plotly_chart copies the figure; the tables are HTML strings).
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import streamlit as st

from aueb import charts, views
from aueb.engine import Projection, project
from aueb.scenario import Scenario
from aueb.ui import components, state

_SHOWN = 64  # the scenarios whose projection and figures are kept (a full cache drops its oldest entry)


@st.cache_resource(show_spinner=False, max_entries=_SHOWN)
def _projection(key: str, _scenario: Scenario) -> Projection:
    """The engine's projection of the scenario whose JSON is `key`, with the tier table of state.tiers()."""
    return project(_scenario, tiers=state.tiers())


@st.cache_resource(show_spinner=False, max_entries=_SHOWN)
def _cogs_chart(key: str, _result: Projection) -> go.Figure:
    return charts.cogs_to_revenue_chart(_result.rows, state.tiers())


@st.cache_resource(show_spinner=False, max_entries=4 * _SHOWN)
def _tier_chart(key: str, multiplier: float, _result: Projection, currency: str) -> go.Figure:
    positions = views.tier_positions(_result.rows, multiplier)
    return charts.tier_strip_chart(positions, state.tiers(), currency)


@dataclass(frozen=True)
class _Shown:
    """What the verdict, the cards and the headline table show, for one scenario."""

    verdict: tuple[str, list[str]]
    cards: list[dict[str, str]]
    table: str  # components.html_table of the headline, its cells coloured by their band


@st.cache_resource(show_spinner=False, max_entries=_SHOWN)
def _shown(key: str, _result: Projection, _scenario: Scenario) -> _Shown:
    table, bands = views.headline_table(_result.rows, _scenario.currency)
    return _Shown(
        components.verdict_of(_result, _scenario),
        views.kpis(_result, _scenario.currency, _scenario.horizon_months),
        components.html_table(table, components.band_css(bands), name="headline"),
    )


@st.cache_resource(show_spinner=False)
def _bands_table() -> str:
    """What the industry bands mean: the tier table's label, direction and source, by metric (html_table)."""
    table = (
        state.tiers()
        .loc[:, ["label", "better", "source"]]
        .rename(columns={"label": "Metric", "better": "Better when", "source": "Source"})
    )
    return components.html_table(table.set_index("Metric"), name="bands")


def overview() -> None:
    scenario = state.scenario()
    key = scenario.model_dump_json()
    projection = _projection(key, scenario)
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
        components.plot(_cogs_chart(key, projection), "chart_cogs_revenue")
    with right:
        m = components.multiplier_picker("ui_tier_multiplier", list(scenario.multipliers), "Tier positions at")
        components.plot(_tier_chart(key, m, projection, scenario.currency), "chart_tiers")
    shown = _shown(key, projection, scenario)
    with verdict:
        components.verdict(*shown.verdict)
    with cards:
        components.kpi_cards(shown.cards)
    with headline:
        components.headline_table(shown.table)
    with bands:
        st.html(_bands_table())

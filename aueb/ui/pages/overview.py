"""The Overview page: the verdict, the headline cards and table, COGS / revenue over the industry bands.

First render: besides plotly's code (the largest part of a first render), the page loads as little code as
it can, so the browser lays out the rest while plotly's code arrives. The cards, the headline table, its
legend and the industry bands' explanation are HTML (st.html, in st.metric's, st.table's and st.expander's
look) rather than st.metric, st.table and st.expander (st.table's Arrow decoder alone is about 1 MB of
JavaScript); the tier strips switch between multipliers with the chart's own buttons rather than a widget.

The projection, the two figures and what the verdict, the cards and the headline table show are shared by
every session that shows the same scenario (st.cache_resource keyed by the scenario's JSON): a new session
on the example scenario, or a return to this page, sends its deltas without an engine call, a figure build
or a view computed. They are read, never changed (pandas copy-on-write; st.plotly_chart copies the figure;
the cards and tables are HTML strings).
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


@st.cache_resource(show_spinner=False, max_entries=_SHOWN)
def _tier_chart(key: str, _result: Projection, currency: str) -> go.Figure:
    """The tier strips at every multiplier, switched by the chart's own buttons (no widget, no rerun)."""
    positions = views.tier_positions_by_multiplier(_result.rows)
    return charts.tier_strip_chart(positions, state.tiers(), currency)


@dataclass(frozen=True)
class _Shown:
    """What the verdict, the cards and the headline table show, for one scenario."""

    verdict: tuple[str, list[str]]
    cards: str  # components.card_grid of views.kpis
    table: str  # components.html_table of the headline, its cells coloured by their band


@st.cache_resource(show_spinner=False, max_entries=_SHOWN)
def _shown(key: str, _result: Projection, _scenario: Scenario) -> _Shown:
    table, bands = views.headline_table(_result.rows, _scenario.currency)
    return _Shown(
        components.verdict_of(_result, _scenario),
        components.card_grid(views.kpis(_result, _scenario.currency, _scenario.horizon_months)),
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
    shown = _shown(key, projection, scenario)
    components.verdict(*shown.verdict)
    st.html(shown.cards)
    st.subheader("Headline by volume, without and with the student")
    components.headline_table(shown.table, _bands_table())
    left, right = st.columns([1.1, 1], gap="large")
    with left:
        components.plot(_cogs_chart(key, projection), "chart_cogs_revenue")
    with right:
        components.plot(_tier_chart(key, projection, scenario.currency), "chart_tiers")

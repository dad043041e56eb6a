"""Building blocks shared by the pages: the headline, its strip, the verdict, the sidebar."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from aueb import charts, views
from aueb.engine import Projection
from aueb.scenario import Scenario
from aueb.tiers import BANDS
from aueb.ui import ROUTES, state

PLOTLY_CONFIG = charts.CONFIG


def plot(fig, key: str) -> None:
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key=key)


ICONS = {
    "success": ":material/check_circle:",
    "warning": ":material/warning:",
    "error": ":material/cancel:",
    "info": ":material/info:",
}
# The legend's chips: the band colours of the headline table's cells, as rounded labels on one row.
_CHIP = "padding: 2px 8px; border-radius: 10px; font-size: 0.8rem; white-space: nowrap; border: none"
_LEGEND_STYLES = [
    {"selector": "", "props": "border-collapse: separate; border-spacing: 6px 0; margin: 2px 0 8px -6px"},
    {"selector": "th", "props": "font-size: 0.8rem; color: #6b7280; font-weight: normal; border: none; padding: 0 2px"},
]


def verdict_of(projection: Projection, scenario: Scenario) -> tuple[str, list[str]]:
    """The verdict's status and sentences (views.verdict), for verdict()."""
    has_student = any(f.student is not None for f in scenario.features)
    return views.verdict(projection, scenario.currency, scenario.horizon_months, has_student)


def verdict(status: str, lines: list[str]) -> None:
    box = {"success": st.success, "warning": st.warning, "error": st.error, "info": st.info}[status]
    box("  \n".join(lines), icon=ICONS[status])


def kpi_cards(cards: list[dict[str, str]]) -> None:
    """The summary cards (views.kpis), three to a row."""
    per_row = 3
    for start in range(0, len(cards), per_row):
        for column, card in zip(st.columns(per_row), cards[start : start + per_row], strict=False):
            column.metric(card["label"], card["value"], help=card["help"], border=True)


def band_css(bands: pd.DataFrame) -> pd.DataFrame:
    """The CSS of each cell: its band's colours, or none where it has no band."""

    def css(band: object) -> str:
        if not isinstance(band, str) or band not in charts.BAND_COLORS:
            return ""
        return f"background-color: {charts.BAND_COLORS[band]}; color: {charts.BAND_TEXT[band]}"

    return bands.map(css)


def headline_table(table: pd.DataFrame, css: pd.DataFrame) -> None:
    """Metrics down, (multiplier, arm) across (views.headline_table); tier metrics coloured by their band
    (band_css), and the bands' legend under it."""
    st.table(table.style.apply(lambda _: css, axis=None))
    band_legend()


def band_legend() -> None:
    """The five bands as coloured chips. A one-row table without header, not HTML in markdown: the table's code is
    already loaded for the headline, raw HTML would load another renderer on a first render."""
    row = pd.DataFrame([list(BANDS)], index=["Industry bands:"])
    chips = band_css(row).map(lambda style: f"{style}; {_CHIP}")
    styler = row.style.apply(lambda _: chips, axis=None).set_table_styles(_LEGEND_STYLES)
    st.table(styler, border=False, width="content", hide_header=True)


def headline_strip(projection: Projection, scenario: Scenario) -> None:
    """A compact headline for the pages that change the scenario: margins with the student, saving, payback, ROI."""
    for column, card in zip(
        st.columns(5), views.strip(projection, scenario.currency, scenario.horizon_months), strict=False
    ):
        column.metric(
            str(card["label"]), str(card["value"]), delta=card.get("delta"), help=card.get("help"), border=True
        )


def sidebar() -> None:
    scenario = state.scenario()
    with st.sidebar:
        st.markdown(f"**Scenario**  \n{scenario.name}")
        n = len(scenario.features)
        st.caption(
            f"{n} AI feature{'s' if n != 1 else ''} · {scenario.currency} · multipliers "
            f"{', '.join(views.multiplier_label(m) for m in scenario.multipliers)}"
        )
        if state.errors() or st.session_state.get(state.TABLE_ERRORS):
            st.warning("Some inputs are invalid: the figures use the last valid scenario.", icon=":material/warning:")
        st.button(
            "Reset to the example",
            on_click=reset_to_default,
            help="Discard the edits and reload data/scenarios/customer_support.json.",
            icon=":material/restart_alt:",
            width="stretch",
        )
        st.caption("n/a = undefined ratio (e.g. no revenue or no requests).")
        st.page_link(
            str(ROUTES / "economics.py"),
            label="How every figure is computed",
            icon=":material/functions:",
            help="docs/economics.md: every figure, formula, unit and choice, with a worked example.",
        )


def reset_to_default() -> None:
    state.set_scenario(state.default_scenario(), notice="Reset to the example scenario.")


def notice() -> None:
    message = state.pop_notice()
    if message:
        st.toast(message, icon=":material/check:")


def multiplier_picker(key: str, multipliers: list[float], label: str) -> float:
    if st.session_state.get(key) not in multipliers:
        st.session_state[key] = multipliers[0]
    chosen = st.segmented_control(label, multipliers, format_func=views.multiplier_label, key=key, required=True)
    return multipliers[0] if chosen is None else chosen  # required: never None

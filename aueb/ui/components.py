"""Building blocks shared by the pages: the headline, its strip, the verdict, the sidebar."""

from __future__ import annotations

from html import escape

import pandas as pd
import streamlit as st

from aueb import charts, views
from aueb.engine import Projection
from aueb.scenario import Scenario
from aueb.tiers import BANDS
from aueb.ui import state

PLOTLY_CONFIG = charts.CONFIG


def plot(fig, key: str) -> None:
    st.plotly_chart(fig, width="stretch", config=PLOTLY_CONFIG, key=key)


ICONS = {
    "success": ":material/check_circle:",
    "warning": ":material/warning:",
    "error": ":material/cancel:",
    "info": ":material/info:",
}
# The look of Streamlit's st.table (its cells' padding and lines, its frame), for the tables written as HTML
# (html_table): theme colours come from the text colour (currentColor), so a dark theme keeps them.
_LINE = "1px solid color-mix(in srgb, currentColor 10%, transparent)"
_FRAME = "1px solid color-mix(in srgb, currentColor 20%, transparent)"  # st.expander's and st.metric's border
_TABLE_CSS = (
    "<style>"
    f".aueb-frame {{border: {_LINE}; border-radius: 8px; overflow: auto; max-width: 100%}}"
    ".aueb-table {width: 100%; border-collapse: separate; border-spacing: 0; font-size: 14px; line-height: 21px}"
    f".aueb-table th, .aueb-table td {{padding: 4px 6px; text-align: left; vertical-align: middle; font-weight: 400;"
    f" border: none; border-bottom: {_LINE}; border-right: {_LINE}}}"
    ".aueb-table th {padding-left: 8px; color: color-mix(in srgb, currentColor 70%, transparent)}"
    ".aueb-table tr:last-child > * {border-bottom: none} .aueb-table tr > :last-child {border-right: none}"
    # Each cell's text is a block of at most 400 px, wrapping inside it (the cell itself does not wrap).
    ".aueb-table th, .aueb-table td {white-space: nowrap} .aueb-table div {display: inline-block;"
    " max-width: 400px; white-space: normal}"
    # The legend (1rem under the table, as two elements would be): the band colours of the headline table's cells,
    # as rounded labels on one row.
    ".aueb-legend {border-collapse: separate; border-spacing: 6px 0; margin: calc(1rem + 2px) 0 8px -6px;"
    " font-size: 0.8rem; line-height: 1.5}"
    ".aueb-legend th {color: #6b7280; font-weight: normal; padding: 0 2px; text-align: left; white-space: nowrap}"
    ".aueb-legend td {padding: 2px 8px; border-radius: 10px; white-space: nowrap}"
    # The bands' explanation under the legend, folded, in st.expander's look.
    f".aueb-details {{border: {_FRAME}; border-radius: 0.5rem; margin-top: 0.5rem}}"
    ".aueb-details > summary {padding: 0.5rem 1rem; cursor: pointer; font-size: 0.875rem; list-style-position: inside}"
    ".aueb-details > summary:hover {color: #ff4b4b} .aueb-details[open] > summary {margin-bottom: 0.25rem}"
    ".aueb-details > .aueb-frame {margin: 0 1rem 1rem}"
    "</style>"
)


def _text(value: object) -> str:
    """A cell's text: empty where the value is missing (a tier table's source left blank)."""
    return "" if pd.api.types.is_scalar(value) and pd.isna(value) else str(value)


def html_table(table: pd.DataFrame, css: pd.DataFrame | None = None, name: str = "") -> str:
    """The table as HTML in st.table's look (_TABLE_CSS, which headline_table writes once for its element's
    tables): its index's name and columns as the header, each row headed by its index; `css` (same shape, as
    band_css) styles each cell. `name` goes into data-table, for tests."""
    header = "".join(f"<th><div>{escape(str(c))}</div></th>" for c in [table.index.name or "", *table.columns])
    rows = []
    for i, (label, values) in enumerate(zip(table.index, table.itertuples(index=False), strict=True)):
        cells = "".join(
            f'<td style="{escape(css.iat[i, j])}"><div>{escape(_text(v))}</div></td>'
            if css is not None and css.iat[i, j]
            else f"<td><div>{escape(_text(v))}</div></td>"
            for j, v in enumerate(values)
        )
        rows.append(f"<tr><th><div>{escape(str(label))}</div></th>{cells}</tr>")
    return (
        f'<div class="aueb-frame"><table class="aueb-table" data-table="{escape(name)}">'
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def legend_html() -> str:
    """The five bands as coloured chips on one row, after the label "Industry bands:"."""
    row = pd.DataFrame([list(BANDS)], index=["Industry bands:"])
    chips = band_css(row)
    cells = "".join(f'<td style="{escape(chips.iat[0, j])}">{escape(band)}</td>' for j, band in enumerate(BANDS))
    row_html = f"<tr><th>Industry bands:</th>{cells}</tr>"
    return f'<table class="aueb-legend" data-table="legend"><tbody>{row_html}</tbody></table>'


def verdict_of(projection: Projection, scenario: Scenario) -> tuple[str, list[str]]:
    """The verdict's status and sentences (views.verdict), for verdict()."""
    has_student = any(f.student is not None for f in scenario.features)
    return views.verdict(projection, scenario.currency, scenario.horizon_months, has_student)


def verdict(status: str, lines: list[str]) -> None:
    box = {"success": st.success, "warning": st.warning, "error": st.error, "info": st.info}[status]
    box("  \n".join(lines), icon=ICONS[status])


# The look of st.metric with border=True (its frame, label and value), for the cards written as HTML (card_grid):
# three to a row, one under another on a narrow screen; the help text shows on hovering or focusing the "?" mark.
_CARD_CSS = (
    "<style>"
    ".aueb-cards {display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 1rem}"
    "@media (max-width: 640px) {.aueb-cards {grid-template-columns: minmax(0, 1fr)}}"
    f".aueb-card {{border: {_FRAME}; border-radius: 0.5rem; padding: calc(1rem - 1px)}}"
    ".aueb-card-label {display: flex; align-items: center; gap: 0.25rem; font-size: 0.875rem; line-height: 1.6;"
    " margin-bottom: 0.25rem}"
    ".aueb-card-value {font-size: 2.25rem; line-height: 1.2; white-space: nowrap; overflow: hidden;"
    " text-overflow: ellipsis}"
    ".aueb-help {position: relative; display: inline-flex; align-items: center; justify-content: center;"
    " width: 1rem; height: 1rem; border: 1.5px solid color-mix(in srgb, currentColor 60%, transparent);"
    " border-radius: 50%; font-size: 0.65rem; font-weight: 700; cursor: help; opacity: 0.8}"
    ".aueb-tip {visibility: hidden; position: absolute; z-index: 10; left: -0.5rem; top: 1.5rem; width: 18rem;"
    " padding: 0.5rem 0.75rem; border-radius: 0.5rem; background: #262730; color: #fafafa; font-size: 0.875rem;"
    " font-weight: 400; line-height: 1.5; box-shadow: 0 2px 8px rgba(0,0,0,0.2)}"
    ".aueb-help:hover .aueb-tip, .aueb-help:focus .aueb-tip {visibility: visible}"
    "</style>"
)


def card_grid(cards: list[dict[str, str]]) -> str:
    """The summary cards (views.kpis) as HTML in st.metric's look (_CARD_CSS), each marked data-card="LABEL"
    for the tests. One element rather than a st.metric per card: on a first render the Overview then loads
    no card code and lays out one block instead of seven cards in three rows of columns."""
    items = "".join(
        f'<div class="aueb-card" data-card="{escape(card["label"])}"><div class="aueb-card-label">'
        f"<span>{escape(card['label'])}</span>"
        f'<span class="aueb-help" tabindex="0" aria-label="{escape(card["help"])}">?'
        f'<span class="aueb-tip">{escape(card["help"])}</span></span></div>'
        f'<div class="aueb-card-value">{escape(card["value"])}</div></div>'
        for card in cards
    )
    return f'{_CARD_CSS}<div class="aueb-cards">{items}</div>'


def band_css(bands: pd.DataFrame) -> pd.DataFrame:
    """The CSS of each cell: its band's colours, or none where it has no band."""

    def css(band: object) -> str:
        if not isinstance(band, str) or band not in charts.BAND_COLORS:
            return ""
        return f"background-color: {charts.BAND_COLORS[band]}; color: {charts.BAND_TEXT[band]}"

    return bands.map(css)


def headline_table(html: str, bands: str) -> None:
    """The headline (html_table of views.headline_table, tier metrics coloured by their band), the bands' legend
    under it, and what the bands mean (`bands`, an html_table) folded under the legend. HTML (st.html) rather than
    st.table and st.expander: st.table's code loads the Arrow decoder (about 1 MB of JavaScript) on the first
    render; this writes the same cells, colours and lines, in one element."""
    folded = f'<details class="aueb-details"><summary>What the industry bands mean</summary>{bands}</details>'
    st.html(_TABLE_CSS + html + legend_html() + folded)


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
    n = len(scenario.features)
    with st.sidebar:
        st.markdown(f"### aueb\nAI Unit Economics Benchmark\n\n**Scenario**  \n{scenario.name}")
        st.caption(
            f"{n} AI feature{'s' if n != 1 else ''} · {scenario.currency} · multipliers "
            f"{', '.join(views.multiplier_label(m) for m in scenario.multipliers)}  \n"
            "n/a = undefined ratio (e.g. no revenue or no requests)."
        )
        invalid = bool(state.errors() or st.session_state.get(state.TABLE_ERRORS))
        if invalid:
            st.warning("Some inputs are invalid: the figures use the last valid scenario.", icon=":material/warning:")
        # Only where there is something to reset: the example itself needs no button (nor its code, on a first
        # render). How every figure is computed is the navigation's last page.
        if invalid or scenario != state.default_scenario():
            st.button(
                "Reset to the example",
                on_click=reset_to_default,
                help="Discard the edits and reload data/scenarios/customer_support.json.",
                icon=":material/restart_alt:",
                width="stretch",
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

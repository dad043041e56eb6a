"""The Edit scenario page: scenario-wide inputs, the features table and each feature's models."""

from __future__ import annotations

import streamlit as st

from aueb.scenario import Feature
from aueb.ui import components, editor, scenario_edits, state


def edit() -> None:
    editor.apply_table_edits()
    scenario = state.scenario()
    st.title("Edit scenario")
    components.headline_strip(state.projection(), scenario)
    st.subheader("Scenario")
    editor.scenario_inputs(scenario)
    st.subheader("Features")
    st.caption(
        "Add a feature in the empty last row, rename one in its first cell, delete one by selecting its row and "
        "pressing Delete. "
        "Hover a column header for its meaning and unit."
    )
    editor.features_table(scenario)
    ranged = [
        (f.name, name, r)
        for f in scenario.features
        for name, r in f.ranges.items()
        if name in scenario_edits.TABLE_FIELDS
    ]
    if ranged:
        st.caption(
            "Given as ranges (the table shows the mode): "
            + "; ".join(
                f"{feature} › {scenario_edits.label(Feature, name, scenario.currency)}: {scenario_edits.range_note(r)}"
                for feature, name, r in ranged
            )
        )
    st.subheader("Models of a feature")
    editor.model_panels(scenario)

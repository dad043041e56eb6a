"""The Import and export page: downloads in every format, the report, loading a scenario file or a bundled example."""

from __future__ import annotations

import streamlit as st

from aueb.errors import InputError
from aueb.finance_csv import noting_defaults
from aueb.ui import ROUTES, files, report_download, state
from aueb.ui.files import MAX_UPLOAD_MB, read_scenario_upload

SCENARIO_UPLOAD_KEY = "ui_scenario_upload"
PENDING = "ui_pending_scenarios"
UPLOAD_WARNINGS = "ui_upload_warnings"


def _load(scenario, source: str) -> None:
    state.set_scenario(scenario, notice=f"Loaded '{scenario.name}' from {source}.")
    st.session_state.pop(PENDING, None)


def _load_pending(key: str) -> None:
    name, scenarios = st.session_state[PENDING]
    chosen = st.session_state[key]
    _load(next(s for s in scenarios if s.name == chosen), name)


def _load_bundled(key: str) -> None:
    label = st.session_state[key]
    _load(state.bundled_scenarios()[label], "the bundled examples")


def data() -> None:
    scenario, projection = state.scenario(), state.projection()
    st.title("Import and export")
    st.subheader("Download")
    items = files.downloads(scenario, projection)
    for column, item in zip(st.columns(len(items)), items, strict=True):
        column.download_button(
            item.label,
            item.data,
            item.file_name,
            item.mime,
            key=item.key,
            help=item.help,
            icon=":material/download:",
            width="stretch",
        )
    st.caption("Downloads are byte for byte what the command line writes (`aueb project`, `aueb convert`).")
    report_download.download_section(scenario)
    st.subheader("Load a scenario")
    left, right = st.columns(2, gap="large")
    with left:
        uploaded = st.file_uploader(
            f"Scenario file: .json, .csv or .xlsx, at most {MAX_UPLOAD_MB} MB",
            key=SCENARIO_UPLOAD_KEY,
            max_upload_size=MAX_UPLOAD_MB,
            help="A scenario JSON (as the CLI and the download above write it), a scenario CSV (one row per feature), "
            "or the scenario workbook (.xlsx; best when your spreadsheet is not set to English).",
        )
        if uploaded is not None and st.session_state.get("ui_scenario_file") != uploaded.file_id:
            st.session_state["ui_scenario_file"] = uploaded.file_id
            data = uploaded.getvalue()
            st.session_state.pop(UPLOAD_WARNINGS, None)
            try:
                found, notes = noting_defaults(lambda: read_scenario_upload(uploaded.name, data))
            except InputError as exc:
                st.session_state["ui_upload_error"] = str(exc)
            else:
                st.session_state.pop("ui_upload_error", None)
                st.session_state[UPLOAD_WARNINGS] = notes
                if len(found) == 1:
                    _load(found[0], uploaded.name)
                    st.rerun()
                st.session_state[PENDING] = (uploaded.name, found)
        if uploaded is None:
            st.session_state.pop("ui_scenario_file", None)
            st.session_state.pop("ui_upload_error", None)
            st.session_state.pop(UPLOAD_WARNINGS, None)
        if st.session_state.get("ui_upload_error"):
            st.error(st.session_state["ui_upload_error"], icon=":material/error:")
        for note in st.session_state.get(UPLOAD_WARNINGS, []):
            # The line `aueb project FILE` prints as `warning: ...`: the columns whose defaults were taken.
            st.warning(note, icon=":material/warning:")
        pending = st.session_state.get(PENDING)
        if pending:
            name, scenarios = pending
            st.selectbox(
                f"{name} holds {len(scenarios)} scenarios", [s.name for s in scenarios], key="ui_pending_choice"
            )
            st.button(
                "Load this scenario",
                on_click=_load_pending,
                args=("ui_pending_choice",),
                type="primary",
                key="ui_load_pending",
            )
    with right:
        examples = state.bundled_scenarios()
        st.selectbox("Or a bundled example", list(examples), key="ui_bundled_choice")
        st.button(
            "Load the example",
            on_click=_load_bundled,
            args=("ui_bundled_choice",),
            key="ui_load_bundled",
            icon=":material/folder_open:",
        )
    st.caption("Distillation metrics (JSON) are uploaded on the Distillation page.")
    st.page_link(str(ROUTES / "distillation.py"), label="Go to Distillation", icon=":material/science:")

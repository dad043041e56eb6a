"""The dashboard's pages: thin functions over the engine (via aueb.views) and the charts module."""

from __future__ import annotations

import re

import streamlit as st

from aueb import views
from aueb.errors import InputError
from aueb.formats import ECONOMICS_PATH
from aueb.scenario import Feature
from aueb.ui import ROUTES, charts, components, editing, editor, files, report, state
from aueb.ui import distillation as distill
from aueb.ui.cascade import cascade_section
from aueb.ui.files import MAX_UPLOAD_MB, read_scenario_upload

SCENARIO_UPLOAD_KEY = "ui_scenario_upload"
PENDING = "ui_pending_scenarios"


def _multiplier_picker(key: str, multipliers: list[float], label: str) -> float:
    if st.session_state.get(key) not in multipliers:
        st.session_state[key] = multipliers[0]
    return st.segmented_control(label, multipliers, format_func=views.multiplier_label, key=key, required=True)


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
        m = _multiplier_picker("ui_tier_multiplier", list(scenario.multipliers), "Tier positions at")
        components.plot(charts.tier_strip_chart(views.tier_positions(projection.rows, m), state.tiers(), scenario.currency), "chart_tiers")
    with st.expander("What the industry bands mean"):
        table = state.tiers().loc[:, ["label", "better", "source"]].rename(columns={"label": "Metric", "better": "Better when", "source": "Source"})
        st.dataframe(table, hide_index=True, width="stretch")


def costs() -> None:
    scenario, projection = state.scenario(), state.projection()
    st.title("Costs and scale")
    st.caption("Where the money goes per request, how AI COGS grows with volume, and which feature carries it.")
    left, right = st.columns(2, gap="large")
    with left:
        components.plot(charts.cost_per_request_chart(views.cost_components_per_request(projection.rows), scenario.currency), "chart_cost_per_request")
        st.caption("Inference: teacher, student and cache hits. Overhead: retrieval, logging, guardrails. Human review: reviewed share x minutes x reviewer cost. Fixed platform: shared in proportion to requests.")
    with right:
        curve = state.curve()
        components.plot(charts.volume_chart(views.volume_curve(curve), views.volume_marks(curve), scenario.currency), "chart_volume")
        st.caption("Dashed green line: the break-even volume, from which the student's monthly saving pays back its one-time cost "
                   "within the horizon. Dash-dot amber line: from this volume the student is cheaper per month (none when it is cheaper "
                   "at any volume). Crosses: margin collapse, where AI COGS reaches today's revenue if usage per user grows and revenue per user does not.")
    st.subheader("By feature")
    m = _multiplier_picker("ui_feature_multiplier", list(scenario.multipliers), "Volume")
    table = views.feature_table(projection.rows, m)
    cur = views.currency_symbol(scenario.currency)
    money_format = "dollar" if scenario.currency.upper() == "USD" else "%.2f"
    money = lambda label, help=None: st.column_config.NumberColumn(f"{label} ({cur}/month)", format=money_format, help=help)  # noqa: E731
    share = lambda label, help=None: st.column_config.NumberColumn(label, format="percent", help=help)  # noqa: E731
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_order=[
            "feature", "requests", "revenue", "ai_cogs_baseline", "ai_cogs_distilled",
            "gross_margin_baseline", "gross_margin_distilled", "routing_coverage_distilled", "net_ai_value_distilled",
        ],
        column_config={
            "feature": "Feature",
            "requests": st.column_config.NumberColumn("Requests/month", format="localized"),
            "revenue": money("Revenue"),
            "ai_cogs_baseline": money("AI COGS without", "AI COGS without the student: inference, overhead, review and its share of the platform cost."),
            "ai_cogs_distilled": money("AI COGS with", "AI COGS with the student."),
            "gross_margin_baseline": share("Margin without (%)", "1 - AI COGS / revenue, without the student."),
            "gross_margin_distilled": share("Margin with (%)", "1 - AI COGS / revenue, with the student."),
            "routing_coverage_distilled": share("By student (%)", "Share of model-served requests the student answers (after escalations)."),
            "net_ai_value_distilled": money("Net value with", "Revenue - AI COGS - cost of errors, with the student."),
        },
    )
    components.plot(charts.feature_chart(table, scenario.currency), "chart_features")


def edit() -> None:
    editor.apply_table_edits()
    scenario = state.scenario()
    st.title("Edit scenario")
    components.headline_strip(state.projection(), scenario)
    st.subheader("Scenario")
    editor.scenario_inputs(scenario)
    st.subheader("Features")
    st.caption("Add a feature in the empty last row, rename one in its first cell, delete one by selecting its row and pressing Delete. "
               "Hover a column header for its meaning and unit.")
    editor.features_table(scenario)
    ranged = [(f.name, name, r) for f in scenario.features for name, r in f.ranges.items() if name in editing.TABLE_FIELDS]
    if ranged:
        st.caption("Given as ranges (the table shows the mode): "
                   + "; ".join(f"{feature} › {editing.label(Feature, name, scenario.currency)}: {editing.range_note(r)}" for feature, name, r in ranged))
    st.subheader("Models of a feature")
    editor.model_panels(scenario)


def distillation() -> None:
    scenario = state.scenario()
    st.title("Distillation")
    st.caption("How much of the teacher's quality a small student keeps, how fast it runs and what it costs, carried into the scenario in one click.")
    components.headline_strip(state.projection(), scenario)
    left, right = st.columns([1.3, 1], gap="large")
    with left:
        distill.run_section()
    with right:
        distill.upload_section()
    loaded = distill.current_metrics()
    if loaded is None:
        st.info("No metrics yet: run the distillation or upload a metrics JSON.", icon=":material/info:")
        return
    metrics, source = loaded
    distill.metrics_view(metrics, source, scenario.currency)
    distill.apply_section(metrics, scenario)
    cascade_section(metrics, source, scenario)


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
    for column, item in zip(st.columns(4), files.downloads(scenario, projection)):
        column.download_button(item.label, item.data, item.file_name, item.mime, key=item.key, help=item.help,
                               icon=":material/download:", width="stretch")
    st.caption("Downloads are byte for byte what the command line writes (`aueb project`, `aueb convert`).")
    report.download_section(scenario)
    st.subheader("Load a scenario")
    left, right = st.columns(2, gap="large")
    with left:
        uploaded = st.file_uploader(
            f"Scenario file: .json or .csv, at most {MAX_UPLOAD_MB} MB",
            key=SCENARIO_UPLOAD_KEY,
            max_upload_size=MAX_UPLOAD_MB,
            help="A scenario JSON (as the CLI and the download above write it) or a scenario CSV with one row per feature.",
        )
        if uploaded is not None and st.session_state.get("ui_scenario_file") != uploaded.file_id:
            st.session_state["ui_scenario_file"] = uploaded.file_id
            try:
                found = read_scenario_upload(uploaded.name, uploaded.getvalue())
            except InputError as exc:
                st.session_state["ui_upload_error"] = str(exc)
            else:
                st.session_state.pop("ui_upload_error", None)
                if len(found) == 1:
                    _load(found[0], uploaded.name)
                    st.rerun()
                st.session_state[PENDING] = (uploaded.name, found)
        if uploaded is None:
            st.session_state.pop("ui_scenario_file", None)
            st.session_state.pop("ui_upload_error", None)
        if st.session_state.get("ui_upload_error"):
            st.error(st.session_state["ui_upload_error"], icon=":material/error:")
        pending = st.session_state.get(PENDING)
        if pending:
            name, scenarios = pending
            st.selectbox(f"{name} holds {len(scenarios)} scenarios", [s.name for s in scenarios], key="ui_pending_choice")
            st.button("Load this scenario", on_click=_load_pending, args=("ui_pending_choice",), type="primary", key="ui_load_pending")
    with right:
        examples = state.bundled_scenarios()
        st.selectbox("Or a bundled example", list(examples), key="ui_bundled_choice")
        st.button("Load the example", on_click=_load_bundled, args=("ui_bundled_choice",), key="ui_load_bundled", icon=":material/folder_open:")
    st.caption("Distillation metrics (JSON) are uploaded on the Distillation page.")
    st.page_link(str(ROUTES / "distillation.py"), label="Go to Distillation", icon=":material/science:")


@st.cache_data(show_spinner=False)
def _economics_text() -> str:
    # The doc's check markers are for its test; on screen they are noise.
    return re.sub(r"<!-- /?check[^>]*-->\n", "", ECONOMICS_PATH.read_text(encoding="utf-8"))


def economics() -> None:
    """docs/economics.md, as shipped in the package: every figure, formula, unit and choice."""
    title, _, body = _economics_text().partition("\n")
    st.title(title.removeprefix("# "))
    st.markdown(body)

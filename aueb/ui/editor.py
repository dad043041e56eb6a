"""The scenario editor: scenario-wide inputs, the features table, and each feature's models."""

from __future__ import annotations

from typing import Any

import streamlit as st

from aueb import formatting
from aueb.scenario import (
    Distillation,
    Feature,
    PerRequestPricing,
    Scenario,
    SelfHostedPricing,
    Student,
    Teacher,
    TokenPricing,
)
from aueb.ui import inputs, scenario_edits, state

TABLE_KEY = "ui_features_table"
TABLE_REV = state.TABLE_REV
DETAIL_KEY = "ui_detail_feature"
NOT_FROM_CATALOG = "— prices typed in (not from the catalog) —"


# --- scenario-wide -------------------------------------------------------------------------------------


def scenario_inputs(scenario: Scenario) -> None:
    cur = scenario.currency
    c1, c2, c3, c4 = st.columns([3, 1.2, 1.2, 1.6])
    with c1:
        inputs.text(("name",), Scenario, "name", scenario.name)
    with c2:
        inputs.text(("currency",), Scenario, "currency", scenario.currency)
    with c3:
        inputs.number(("horizon_months",), Scenario, "horizon_months", scenario.horizon_months, cur)
    with c4:
        inputs.number(("fixed_monthly_cost",), Scenario, "fixed_monthly_cost", scenario.fixed_monthly_cost, cur)
    c5, c6 = st.columns([2, 3])
    with c5:
        inputs.text(
            ("multipliers",),
            Scenario,
            "multipliers",
            formatting.format_multipliers(scenario.multipliers),
            parse=formatting.parse_multipliers,
            help="Volumes to project, as multiples of today's volume, e.g. 1, 10, 100.",
        )
    with c6:
        inputs.choice(
            ("growth",), Scenario, "growth", scenario.growth, ("users", "usage"), scenario_edits.GROWTH_LABELS
        )


# --- the features table ----------------------------------------------------------------------------------


def _column_config(currency: str) -> dict[str, Any]:
    config: dict[str, Any] = {
        "name": st.column_config.TextColumn(
            scenario_edits.label(Feature, "name"),
            help=scenario_edits.help_text(Feature, "name"),
            required=True,
            width="medium",
        ),
        "teacher": st.column_config.TextColumn("Teacher", help="Set below, under the feature's models", disabled=True),
        "student": st.column_config.TextColumn("Student", help="Set below, under the feature's models", disabled=True),
    }
    for field in scenario_edits.TABLE_FIELDS:
        s = scenario_edits.spec(Feature, field, currency)
        config[field] = st.column_config.NumberColumn(
            s.label,
            help=scenario_edits.help_text(Feature, field),
            min_value=s.min_value,
            max_value=s.max_value,
            step=s.step,
            format="localized" if field == "users" else s.fmt,
        )
    return config


def table_key() -> str:
    """The features table's key: a new one after each applied edit, so its edits apply once."""
    return f"{TABLE_KEY}_{st.session_state.setdefault(TABLE_REV, 0)}"


def apply_table_edits() -> None:
    """Apply the features table's pending edits (added, removed, renamed, changed rows) to the scenario.

    Runs at the top of the editor page, before anything shows a figure. Valid edits are committed and
    the table starts afresh; invalid ones stay in the table with their messages under it.
    """
    edits = st.session_state.get(table_key())
    if not edits or not any(edits.get(part) for part in ("edited_rows", "added_rows", "deleted_rows")):
        st.session_state[state.TABLE_ERRORS] = []
        return
    current = state.scenario()
    data = scenario_edits.apply_table_edits(current, edits)
    new, problems = scenario_edits.validate(data)
    if new is None:
        st.session_state[state.TABLE_ERRORS] = [scenario_edits.table_problem(p) for p in problems]
        return
    st.session_state[state.TABLE_ERRORS] = []
    # Keep the models panel on the same feature when it was renamed.
    selected = st.session_state.get(DETAIL_KEY)
    old_names = [f.name for f in current.features]
    if selected in old_names:
        rows = edits.get("edited_rows") or {}
        change = rows.get(old_names.index(selected)) or rows.get(str(old_names.index(selected)))
        if change and change.get("name"):
            st.session_state[DETAIL_KEY] = change["name"]
    state.set_scenario(new, reset_widgets=False)
    st.session_state[TABLE_REV] += 1


def features_table(scenario: Scenario) -> None:
    st.data_editor(
        scenario_edits.features_table(scenario),
        key=table_key(),
        num_rows="dynamic",
        hide_index=True,
        column_config=_column_config(scenario.currency),
        width="stretch",
    )
    for message in st.session_state.get(state.TABLE_ERRORS, []):
        st.error(message, icon=":material/error:")


# --- a feature's models -----------------------------------------------------------------------------------


def _feature_data(name: str) -> dict[str, Any]:
    return scenario_edits.get_path(state.scenario().model_dump(), ("features", name))


def change_kind(feature: str, role: str, key: str) -> None:
    """Switch the pricing of the teacher or student to another kind, starting from valid defaults."""
    data = state.scenario().model_dump()
    scenario_edits.set_path(
        data, ("features", feature, role, "pricing"), scenario_edits.default_pricing(st.session_state[key])
    )
    prefix = scenario_edits.key_of(("features", feature, role, "pricing")) + "|"
    if not state.commit_data(data, forget_prefix=prefix, error_key=key):
        st.session_state[key] = scenario_edits.get_path(
            state.scenario().model_dump(), ("features", feature, role, "pricing", "kind")
        )


def pick_model(feature: str, role: str, key: str) -> None:
    """Fill a token pricing's model and prices from the catalog; the prices stay editable."""
    label = st.session_state[key]
    data = state.scenario().model_dump()
    pricing = scenario_edits.get_path(data, ("features", feature, role, "pricing"))
    if label == NOT_FROM_CATALOG:
        pricing.update(model=None, provider=None)
    else:
        labels = state.catalog_labels(state.scenario().currency)
        pricing.update(scenario_edits.catalog_prices(state.catalog()[labels.index(label)]))
    prefix = scenario_edits.key_of(("features", feature, role, "pricing")) + "|"
    state.commit_data(data, forget_prefix=prefix, error_key=key)


def toggle_student(feature: str, key: str) -> None:
    data = state.scenario().model_dump()
    target = scenario_edits.get_path(data, ("features", feature))
    if st.session_state[key]:
        target["student"] = scenario_edits.default_student(target["teacher"]["quality"])
        target["coverage"] = 0.8 if target.get("coverage") is None else target["coverage"]
    else:
        target["student"], target["coverage"] = None, None
    prefix = scenario_edits.key_of(("features", feature, "student")) + "|"
    state.forget(scenario_edits.key_of(("features", feature, "coverage")))
    state.forget(scenario_edits.key_of(("features", feature, "escalation")))
    state.commit_data(data, forget_prefix=prefix, error_key=key)


def pricing_inputs(feature: str, role: str, pricing: dict[str, Any], currency: str) -> None:
    base: scenario_edits.Path = ("features", feature, role, "pricing")
    kind_key = scenario_edits.key_of((*base, "kind"))
    state.init(kind_key, pricing["kind"])
    st.selectbox(
        "Pricing",
        options=list(scenario_edits.PRICING_KIND_LABELS),
        format_func=scenario_edits.PRICING_KIND_LABELS.__getitem__,
        key=kind_key,
        help="How this model is paid for: per token at an API's list price, a flat price per request, or replicas you "
        "rent by the hour.",
        on_change=change_kind,
        args=(feature, role, kind_key),
    )
    inputs.show_error(kind_key)
    kind = pricing["kind"]
    if kind == "per_request":
        inputs.number((*base, "cost"), PerRequestPricing, "cost", pricing["cost"], currency)
    elif kind == "self_hosted":
        c1, c2 = st.columns(2)
        with c1:
            for field in ("hourly_price", "throughput_rps", "min_replicas"):
                inputs.number((*base, field), SelfHostedPricing, field, pricing[field], currency)
        with c2:
            for field in ("utilization", "peak_to_average"):
                inputs.number((*base, field), SelfHostedPricing, field, pricing[field], currency)
    else:
        _token_inputs(feature, role, base, pricing, currency)


def _token_inputs(feature: str, role: str, base: scenario_edits.Path, pricing: dict[str, Any], currency: str) -> None:
    catalog = state.catalog()
    labels = state.catalog_labels(currency)
    match = scenario_edits.catalog_match(pricing, catalog)
    key = scenario_edits.key_of((*base, "catalog"))
    state.init(key, labels[match] if match is not None else NOT_FROM_CATALOG)
    st.selectbox(
        f"Catalog model ({len(catalog):,} models; type to search)",
        options=[NOT_FROM_CATALOG, *labels],
        key=key,
        help="List prices from the pinned genai-prices catalog. Picking a model fills in its prices below; you can "
        "still override them.",
        on_change=pick_model,
        args=(feature, role, key),
    )
    inputs.show_error(key)
    c1, c2 = st.columns(2)
    with c1:
        for field in (
            "input_tokens",
            "cached_input_tokens",
            "cache_write_input_tokens",
            "output_tokens",
            "batch_share",
        ):
            inputs.number((*base, field), TokenPricing, field, pricing.get(field), currency)
    with c2:
        for field in (
            "input_price_per_mtok",
            "cached_input_price_per_mtok",
            "cache_write_price_per_mtok",
            "output_price_per_mtok",
            "batch_discount",
        ):
            inputs.number((*base, field), TokenPricing, field, pricing.get(field), currency)


def model_panels(scenario: Scenario) -> None:
    names = [f.name for f in scenario.features]
    if st.session_state.get(DETAIL_KEY) not in names:
        st.session_state[DETAIL_KEY] = names[0]
    feature = st.selectbox(
        "Feature", options=names, key=DETAIL_KEY, help="The feature whose teacher and student you edit here."
    )
    data = _feature_data(feature)
    cur = scenario.currency
    teacher_col, student_col = st.columns(2, gap="large")
    with teacher_col, st.container(border=True):
        st.markdown("**Teacher** · the large model that serves the feature today")
        teacher = data["teacher"]
        inputs.text(("features", feature, "teacher", "name"), Teacher, "name", teacher["name"], cur)
        inputs.number(("features", feature, "teacher", "quality"), Teacher, "quality", teacher["quality"], cur)
        pricing_inputs(feature, "teacher", teacher["pricing"], cur)
    with student_col, st.container(border=True):
        st.markdown("**Student** · the distilled model that takes part of the traffic")
        key = scenario_edits.key_of(("features", feature, "has_student"))
        state.init(key, data["student"] is not None)
        st.toggle(
            "This feature has a distilled student",
            key=key,
            on_change=toggle_student,
            args=(feature, key),
            help="Without a student the feature is served by its teacher in both arms.",
        )
        inputs.show_error(key)
        student = data["student"]
        if student is None:
            st.caption("Turn the student on to route part of the requests to a cheaper model.")
            return
        inputs.text(("features", feature, "student", "name"), Student, "name", student["name"], cur)
        c1, c2, c3 = st.columns(3)
        with c1:
            k1 = inputs.number(
                ("features", feature, "student", "quality_retention"),
                Student,
                "quality_retention",
                student["quality_retention"],
                cur,
                defer_error=True,
            )
        with c2:
            k2 = inputs.number(
                ("features", feature, "coverage"), Feature, "coverage", data["coverage"], cur, defer_error=True
            )
        with c3:
            k3 = inputs.number(
                ("features", feature, "escalation"), Feature, "escalation", data["escalation"], cur, defer_error=True
            )
        for key in (k1, k2, k3):
            inputs.show_error(key)
        pricing_inputs(feature, "student", student["pricing"], cur)
        with st.expander("One-time cost of making the student"):
            for field in ("training_examples", "training_compute", "engineering"):
                inputs.number(
                    ("features", feature, "student", "distillation", field),
                    Distillation,
                    field,
                    student["distillation"][field],
                    cur,
                )

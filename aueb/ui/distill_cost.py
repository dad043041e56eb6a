"""The one-time cost panel of the Distillation page: `aueb distill-cost` as a form, written into the scenario."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from aueb import views
from aueb.distill_cost import DEFAULT_EPOCHS, CostError, CostInputs, estimate, into_scenario, load_price_table
from aueb.scenario import Scenario
from aueb.ui import state

PREFIX = "ui_cost_"
OUTCOME = "ui_cost_outcome"


def _inputs() -> CostInputs:
    get = st.session_state.get
    fine_tune = get(PREFIX + "training") == "provider fine-tuning"
    model = get(PREFIX + "fine_tune")
    provider, ft_model = model.split(" / ", 1) if fine_tune and model else (None, None)
    price = get(PREFIX + "price")
    return CostInputs(
        teacher_model=str(get(PREFIX + "teacher") or ""),
        examples=float(get(PREFIX + "examples") or 0),
        input_tokens=float(get(PREFIX + "input") or 0),
        output_tokens=float(get(PREFIX + "output") or 0),
        fine_tune_provider=provider,
        fine_tune_model=ft_model,
        epochs=float(get(PREFIX + "epochs") or DEFAULT_EPOCHS),
        training_price_per_mtok=float(price) if fine_tune and price is not None else None,
        gpu_hours=None if fine_tune else float(get(PREFIX + "gpu_hours") or 0),
        gpu_hourly_price=None if fine_tune else float(get(PREFIX + "gpu_price") or 0),
        eval_examples=float(get(PREFIX + "eval") or 0),
        engineering=float(get(PREFIX + "engineering") or 0),
    )


def _write(feature: str) -> None:
    try:
        inputs = _inputs()
        new = into_scenario(state.scenario(), feature, inputs, estimate(inputs))
    except CostError as exc:
        st.session_state[OUTCOME] = ("error", str(exc))
        return
    state.set_scenario(new)
    st.session_state[OUTCOME] = ("success", f"Wrote the one-time cost into **{feature}**'s student.distillation.")


def cost_section(scenario: Scenario) -> None:
    st.markdown("#### One-time cost of distilling")
    st.caption(
        "Labelling (examples × the teacher's catalog price per request) + training (a provider's fine-tuning price "
        "per million training tokens × epochs, from a sourced and dated table, or GPU hours × an hourly price) + "
        "evaluation + engineering."
    )
    table = load_price_table()
    st.session_state.setdefault(PREFIX + "teacher", "gpt-4o")  # a catalog name; the scenario holds display names
    c1, c2, c3, c4 = st.columns(4)
    c1.text_input("Teacher model (catalog)", key=PREFIX + "teacher")
    c2.number_input("Training examples", min_value=0, value=10_000, step=1_000, key=PREFIX + "examples")
    c3.number_input("Input tokens / example", min_value=0, value=500, step=50, key=PREFIX + "input")
    c4.number_input("Output tokens / example", min_value=0, value=20, step=10, key=PREFIX + "output")
    d1, d2, d3, d4 = st.columns(4)
    d1.radio("Training", ["provider fine-tuning", "own GPUs"], key=PREFIX + "training", horizontal=True)
    if st.session_state.get(PREFIX + "training", "provider fine-tuning") == "provider fine-tuning":
        d2.selectbox("Fine-tuned model", [f"{r.provider} / {r.model}" for r in table], key=PREFIX + "fine_tune")
        d3.number_input("Epochs", min_value=1, value=DEFAULT_EPOCHS, key=PREFIX + "epochs")
        d4.number_input("Training price / Mtok (blank: table)", min_value=0.0, value=None, key=PREFIX + "price")
    else:
        d2.number_input("GPU hours", min_value=0.0, value=4.0, key=PREFIX + "gpu_hours")
        d3.number_input("Price per GPU hour", min_value=0.0, value=2.0, key=PREFIX + "gpu_price")
    e1, e2 = st.columns(2)
    e1.number_input("Evaluation examples", min_value=0, value=1_000, step=100, key=PREFIX + "eval")
    e2.number_input("Engineering (one-time)", min_value=0.0, value=0.0, step=500.0, key=PREFIX + "engineering")
    try:
        found = estimate(_inputs(), table)
    except CostError as exc:
        st.error(str(exc))
        return
    money = lambda v: views.money(v, scenario.currency)  # noqa: E731
    parts = pd.DataFrame(
        {
            "part": ["labelling", "training", "evaluation", "engineering", "total"],
            "cost": [
                money(found.labelling),
                money(found.training),
                money(found.evaluation),
                money(found.engineering),
                money(found.total),
            ],
        }
    )
    st.dataframe(parts, hide_index=True)
    if found.fine_tune is not None:
        ft = found.fine_tune
        st.caption(
            f"Fine-tuned {ft.model} is served at {ft.input_price_per_mtok:g} input / "
            f"{ft.output_price_per_mtok:g} output per Mtok. Source: {ft.source} ({ft.date})."
        )
    for note in found.notes:
        st.caption(note)
    with_student = [f.name for f in scenario.features if f.student is not None]
    if with_student:
        f1, f2 = st.columns([2, 1], vertical_alignment="bottom")
        f1.selectbox("Feature", with_student, key=PREFIX + "feature")
        f2.button(
            "Write into scenario",
            on_click=_write,
            args=(st.session_state.get(PREFIX + "feature") or with_student[0],),
            key=PREFIX + "apply",
        )
    outcome = st.session_state.get(OUTCOME)
    if outcome:
        (st.success if outcome[0] == "success" else st.error)(outcome[1])

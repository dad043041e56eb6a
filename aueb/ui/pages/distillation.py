"""The Distillation page: run the bundled distillation or upload metrics, show them, apply them, price the cascade."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from aueb import charts, views
from aueb.apply import apply_metrics
from aueb.errors import InputError
from aueb.formats import DATA_DIR
from aueb.metrics import DistillationMetrics, MetricsError, load_metrics
from aueb.quality import verdict
from aueb.ui import components, state
from aueb.ui.distill_cost import cost_section
from aueb.ui.files import MAX_UPLOAD_MB, read_metrics_upload
from aueb.ui.pages.distillation_cascade import cascade_section
from aueb.ui.runner import (
    INSTALL_HINT,
    RUN_TIME_LIMIT_S,
    TEXT_INSTALL_HINT,
    DistillRun,
    start_once,
    text_available,
    time_limit_text,
    torch_available,
)

EXAMPLE_METRICS = DATA_DIR / "metrics_example.json"
UPLOAD_KEY = "ui_metrics_upload"
RUN_ERROR = "ui_run_error"
APPLIED = "ui_applied"
HOURLY_KEY = "ui_apply_hourly_price"
SELF_HOSTED_KEY = "ui_apply_self_hosted"
FEATURE_KEY = "ui_apply_feature"


def set_metrics(metrics: DistillationMetrics, source: str) -> None:
    st.session_state[state.METRICS] = (metrics, source)
    st.session_state.pop(HOURLY_KEY, None)
    st.session_state.pop(APPLIED, None)


def current_metrics() -> tuple[DistillationMetrics, str] | None:
    return st.session_state.get(state.METRICS)


# --- the run -------------------------------------------------------------------------------------------------


TASK_KEY = "ui_run_task"
CHOSEN_TASK = "ui_run_task_chosen"  # outlives the radio, which is not drawn (so forgotten) while a run goes on
TASKS = {
    "digits": "Digits (8x8 images): an MLP teacher, a tiny MLP student",
    "text": "Customer text (airline tweets): a MiniLM teacher, a hashed n-gram student",
}


def session_alive() -> Callable[[], bool] | None:
    """Whether this browser session is still connected, asked of Streamlit's runtime; None outside a
    served app, where there is no connection to watch."""
    ctx = get_script_run_ctx()
    if ctx is None or not Runtime.exists():
        return None
    runtime, session_id = Runtime.instance(), ctx.session_id
    return lambda: runtime.is_active_session(session_id)


def start_run(quick_key: str, seed_key: str) -> None:
    st.session_state.pop(RUN_ERROR, None)
    task = st.session_state.get(TASK_KEY) or "digits"
    st.session_state[CHOSEN_TASK] = task
    quick, seed, alive = (
        bool(st.session_state.get(quick_key)),
        int(st.session_state.get(seed_key) or 0),
        session_alive(),
    )
    if (
        start_once(st.session_state, state.RUN, lambda: DistillRun(quick=quick, seed=seed, alive=alive, task=task))
        is None
    ):
        st.session_state[state.NOTICE] = "A distillation run is already going in this tab."


def cancel_run() -> None:
    run: DistillRun | None = st.session_state.pop(state.RUN, None)
    if run is not None:
        run.cancel()
        st.session_state[state.NOTICE] = "Distillation run cancelled."


def _finish(run: DistillRun) -> None:
    """Read a finished run's metrics (or its failure) into the session."""
    st.session_state.pop(state.RUN, None)
    if run.state == "done":
        try:
            metrics = load_metrics(run.result_path or run.out)
        except MetricsError as exc:
            st.session_state[RUN_ERROR] = str(exc)
        else:
            set_metrics(metrics, f"the bundled distillation run ({run.elapsed:.0f} s)")
            st.session_state[state.NOTICE] = "Distillation finished: metrics loaded."
    elif run.state == "failed":
        st.session_state[RUN_ERROR] = run.failure()
    elif run.stop_reason:
        st.session_state[RUN_ERROR] = f"the run was stopped: {run.stop_reason}"
    run.cleanup()


def _progress(run: DistillRun) -> None:
    phases = " → ".join(f"{p} {d}/{t}" for p, (d, t) in run.phases.items())
    st.progress(run.fraction, text=f"**{run.phase}** · {run.message} · {run.elapsed:.0f} s")
    if phases:
        st.caption(phases)
    st.button("Cancel the run", on_click=cancel_run, icon=":material/stop_circle:", key="ui_cancel_run")


def run_section() -> None:
    st.markdown("#### Run the bundled distillation")
    if not torch_available():
        st.info(
            f"The distillation run needs PyTorch, which is not installed here. Install it with  \n`{INSTALL_HINT}`  \n"
            "then reload this page. You can still upload a metrics JSON.",
            icon=":material/download:",
        )
        return
    st.caption(
        "Trains a tiny student with and without a big teacher's soft targets, then times both on this machine. "
        "Digits: quick mode about ten seconds. Customer text: the MiniLM teacher embeds the tweets first "
        "(cached for the next run), then the students train: a few minutes for the full run on 2 cores. "
        f"A run stops by itself after {time_limit_text(RUN_TIME_LIMIT_S)}, and when you close this tab; one run at a "
        "time per tab."
    )
    run: DistillRun | None = st.session_state.get(state.RUN)
    if run is not None:

        @st.fragment(run_every=0.5)
        def live() -> None:
            current: DistillRun | None = st.session_state.get(state.RUN)
            if current is None:
                return
            if current.state == "running":
                _progress(current)
                return
            _finish(current)
            st.rerun()

        live()
        return
    text = text_available()
    if TASK_KEY not in st.session_state:
        st.session_state[TASK_KEY] = st.session_state.get(CHOSEN_TASK, "digits") if text else "digits"
    st.radio(
        "Task",
        list(TASKS),
        format_func=TASKS.get,
        key=TASK_KEY,
        horizontal=True,
        disabled=not text,
        help="What the teacher and the student learn: digit images, or the sentiment of customer tweets.",
    )
    if not text:
        st.caption(f"The customer-text task needs the text extra: `{TEXT_INSTALL_HINT}`, then reload this page.")
    c1, c2, c3 = st.columns([1.2, 1, 1.2], vertical_alignment="bottom")
    c1.toggle(
        "Quick mode",
        value=True,
        key="ui_run_quick",
        help="Fewer epochs, seeds and timing calls: about ten seconds, for a first look.",
    )
    c2.number_input(
        "Seed",
        min_value=0,
        value=0,
        step=1,
        key="ui_run_seed",
        help="Base seed of the run (initialisation, batches, test split).",
    )
    c3.button(
        "Run distillation",
        type="primary",
        on_click=start_run,
        args=("ui_run_quick", "ui_run_seed"),
        icon=":material/play_arrow:",
        key="ui_start_run",
    )
    if st.session_state.get(RUN_ERROR):
        st.error(f"The run failed: {st.session_state[RUN_ERROR]}", icon=":material/error:")


def upload_section() -> None:
    st.markdown("#### Or bring your own metrics")
    uploaded = st.file_uploader(
        f"Metrics JSON (at most {MAX_UPLOAD_MB} MB)",
        key=UPLOAD_KEY,
        max_upload_size=MAX_UPLOAD_MB,
        help="A file in the format of data/metrics_example.json: what your own eval measured for teacher and student.",
    )
    if uploaded is not None and st.session_state.get("ui_metrics_file") != uploaded.file_id:
        try:
            metrics = read_metrics_upload(uploaded.name, uploaded.getvalue())
        except InputError as exc:
            st.error(str(exc), icon=":material/error:")
        else:
            st.session_state["ui_metrics_file"] = uploaded.file_id
            set_metrics(metrics, uploaded.name)
    if EXAMPLE_METRICS.exists():
        st.button(
            "Use the example metrics",
            on_click=_use_example,
            icon=":material/description:",
            key="ui_example_metrics",
            help="data/metrics_example.json: a DistilBERT student of a gpt-4o teacher on support tickets.",
        )


def _use_example() -> None:
    try:
        set_metrics(load_metrics(EXAMPLE_METRICS), EXAMPLE_METRICS.name)
    except MetricsError as exc:
        st.session_state[RUN_ERROR] = str(exc)


# --- what was measured ---------------------------------------------------------------------------------------


def metrics_view(metrics: DistillationMetrics, source: str, currency: str) -> None:
    st.markdown(f"#### Teacher against student · from {source}")
    st.caption(
        f"{metrics.dataset} · measured on {metrics.hardware.device} at "
        f"{views.money(metrics.hardware.hourly_price, currency, 'hour')} · seeds {', '.join(map(str, metrics.seeds))}"
    )
    t, s = metrics.teacher, metrics.student
    cards = [
        (
            "Teacher accuracy",
            views.pct(t.accuracy),
            f"{t.name or 'Teacher'}: share of held-out examples it gets right"
            + (f" (n = {t.test_examples:,}){views.interval_text(t.accuracy_ci95, '.1%')}." if t.test_examples else "."),
        ),
        (
            "Student accuracy",
            views.pct(s.accuracy),
            f"{s.name or 'Student'}: share of held-out examples it gets right"
            + (f" (n = {s.test_examples:,}){views.interval_text(s.accuracy_ci95, '.1%')}." if s.test_examples else "."),
        ),
        (
            "Quality retention (ratio)",
            f"{metrics.quality_retention:.3f}" + views.interval_text(metrics.quality_retention_ci95),
            "Student accuracy / teacher accuracy: what apply puts into the scenario "
            "(with its 95% interval, as a range the Risk page samples).",
        ),
        (
            "KD gain over true labels",
            f"{metrics.kd_gain_pp:+.1f} pp" + views.interval_text(metrics.kd_gain_pp_ci95, "+.1f")
            if metrics.kd_gain_pp is not None
            else views.NA,
            "Accuracy of the distilled student minus the same student trained on true labels alone "
            f"(percentage points). {verdict(metrics.kd_gain_pp_ci95)}.",
        ),
    ]
    for column, (label, value, help) in zip(st.columns(len(cards)), cards, strict=True):
        column.metric(label, value, help=help, border=True)
    c1, c2, c3 = st.columns(3)
    with c1:
        components.plot(charts.accuracy_chart(views.distill_accuracy(metrics)), "chart_accuracy")
    with c2:
        speed = views.distill_speed(metrics)
        if speed.empty:
            st.info("No throughput measured.")
        else:
            components.plot(charts.throughput_chart(speed), "chart_throughput")
    with c3:
        cost = views.distill_cost(metrics)
        if cost.empty:
            st.info("No cost per million requests measured.")
        else:
            components.plot(charts.cost_per_million_chart(cost, currency), "chart_cost_million")


def apply(metrics: DistillationMetrics) -> None:
    """Callback of the apply button: carry the metrics into the chosen feature."""
    before_scenario, before = state.scenario(), state.projection()
    feature = st.session_state[FEATURE_KEY]
    hourly = float(st.session_state[HOURLY_KEY]) if st.session_state.get(SELF_HOSTED_KEY) else None
    try:
        new = apply_metrics(before_scenario, metrics, feature, hourly_price=hourly)
    except (MetricsError, ValueError) as exc:
        st.session_state[APPLIED] = ("error", str(exc))
        return
    state.set_scenario(new)
    after = state.projection()
    first = float(before_scenario.multipliers[0])
    was = views.headline_cell(before.rows, "cogs_to_revenue", first, "distilled", new.currency)
    now = views.headline_cell(after.rows, "cogs_to_revenue", first, "distilled", new.currency)
    old_student = next(f.student for f in before_scenario.features if f.name == feature)
    old_retention = "no student" if old_student is None else f"{old_student.quality_retention:g}"
    text = f"Applied to **{feature}**: quality retention {old_retention} → {metrics.quality_retention:g}"
    new_student = next(f.student for f in new.features if f.name == feature)
    assert new_student is not None  # just applied
    band = new_student.ranges.get("quality_retention")
    if band is not None:
        text += f" (range {band.low:.3f} to {band.high:.3f}, its 95% interval, sampled on the Risk page)"
    if hourly is not None:
        per_replica = views.volume(metrics.student.throughput_batch256)
        text += (
            f"; student self-hosted at {views.money(hourly, new.currency, 'hour')} per replica, "
            f"{per_replica} requests / s each"
        )
    text += f". AI COGS / revenue at {views.multiplier_label(first)} with the student: {was} → {now}."
    st.session_state[APPLIED] = ("success", text)


def apply_section(metrics: DistillationMetrics, scenario) -> None:
    st.markdown("#### Apply to the scenario")
    with_student = [f.name for f in scenario.features if f.student is not None]
    if not with_student:
        st.info(
            "No feature of this scenario has a student. Turn one on in **Edit scenario**, then apply the metrics to it."
        )
        return
    if st.session_state.get(FEATURE_KEY) not in with_student:
        st.session_state[FEATURE_KEY] = with_student[0]
    st.session_state.setdefault(HOURLY_KEY, float(metrics.hardware.hourly_price))
    c1, c2, c3, c4 = st.columns([1.4, 1.4, 1.1, 1], vertical_alignment="bottom")
    c1.selectbox("Feature", with_student, key=FEATURE_KEY, help="The feature whose student these metrics describe.")
    c2.toggle(
        "Self-hosted at measured speed",
        key=SELF_HOSTED_KEY,
        help="Also price the student as self-hosted: replicas at the hourly price beside, each serving the measured "
        "throughput at batch 256.",
    )
    c3.number_input(
        f"Replica price ({views.currency_symbol(scenario.currency)} / hour)",
        min_value=0.0,
        step=0.05,
        format="%.3f",
        key=HOURLY_KEY,
        disabled=not st.session_state.get(SELF_HOSTED_KEY),
        help="Price of one replica of the hardware the student runs on (currency per hour).",
    )
    c4.button(
        "Apply to scenario",
        type="primary",
        on_click=apply,
        args=(metrics,),
        icon=":material/input:",
        key="ui_apply_metrics",
    )
    outcome = st.session_state.get(APPLIED)
    if outcome:
        (st.success if outcome[0] == "success" else st.error)(outcome[1])


def distillation() -> None:
    scenario = state.scenario()
    st.title("Distillation")
    st.caption(
        "How much of the teacher's quality a small student keeps, how fast it runs and what it costs, carried into the "
        "scenario in one click."
    )
    components.headline_strip(state.projection(), scenario)
    left, right = st.columns([1.3, 1], gap="large")
    with left:
        run_section()
    with right:
        upload_section()
    loaded = current_metrics()
    if loaded is None:
        st.info("No metrics yet: run the distillation or upload a metrics JSON.", icon=":material/info:")
    else:
        metrics, source = loaded
        metrics_view(metrics, source, scenario.currency)
        apply_section(metrics, scenario)
        cascade_section(metrics, source, scenario)
    cost_section(scenario)

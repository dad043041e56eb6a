"""The distillation page's cascade section: the measured curve priced for a feature, a point to choose, apply."""

from __future__ import annotations

import streamlit as st

from aueb import charts, views
from aueb.apply import apply_metrics
from aueb.metrics import DistillationMetrics, MetricsError
from aueb.planner import Plan, plan
from aueb.scenario import Scenario
from aueb.ui import components, state

FEATURE_KEY = "ui_cascade_feature"
POINT_KEY = "ui_cascade_point"
SHOWN_FOR = "ui_cascade_for"  # (metrics source, feature) the chosen point belongs to
APPLIED = "ui_cascade_applied"


def _point_cards(priced: Plan, index: int) -> list[tuple[str, str, str | None, str]]:
    """(label, value, delta against the best point, help) of one point."""
    point = priced.points.iloc[index]
    best = priced.points.iloc[priced.best] if priced.best is not None else None
    cur = priced.currency
    unit = f"{views.currency_symbol(cur)} / month"

    def delta(name: str) -> str | None:
        if best is None or index == priced.best:
            return None
        return f"{views.money(point[name] - best[name], cur)} vs best"

    return [
        (
            "Coverage",
            views.pct(point["coverage"]),
            None,
            "Share of model-served requests the student answers (its confidence is at or above the threshold).",
        ),
        (
            "Escalation",
            views.pct(point["escalation"]),
            None,
            "Share of requests handed to the teacher: the student's confidence is below the threshold.",
        ),
        (
            "System accuracy",
            views.pct(point["system_accuracy"], 2),
            None,
            "Measured accuracy of the cascade on the held-out examples.",
        ),
        (
            "Quality retention",
            f"{point['quality_retention']:.3f}",
            None,
            "(Q / A_T - escalation) / coverage: what the scenario's student gets, so the feature keeps Q / A_T of its "
            "teacher's quality.",
        ),
        (
            f"AI COGS ({unit})",
            views.money(point["ai_cogs"], cur),
            delta("ai_cogs"),
            "The feature's AI COGS at 1x with the cascade at this point.",
        ),
        (
            f"Error cost ({unit})",
            views.money(point["error_cost"], cur),
            delta("error_cost"),
            "Incorrect outputs x cost per error, at 1x.",
        ),
        (
            f"Net AI value ({unit})",
            views.money(point["net_ai_value"], cur),
            delta("net_ai_value"),
            "Revenue - AI COGS - error cost of the feature at 1x: what the best point maximises.",
        ),
        ("COGS / revenue", views.pct(point["cogs_to_revenue"]), None, "The feature's AI COGS / its revenue at 1x."),
    ]


def apply_point(metrics: DistillationMetrics, feature: str, threshold: float) -> None:
    """Callback of the apply button: run the feature's student as the cascade at the chosen threshold."""
    before = state.scenario()
    try:
        new = apply_metrics(before, metrics, feature, operating_point=f"threshold={threshold!r}")
    except (MetricsError, ValueError) as exc:
        st.session_state[APPLIED] = ("error", str(exc))
        return
    old = next(f for f in before.features if f.name == feature)
    now = next(f for f in new.features if f.name == feature)
    old_retention = "no student" if old.student is None else f"{old.student.quality_retention:g}"
    new_retention = "no student" if now.student is None else f"{now.student.quality_retention:.4f}"
    state.set_scenario(new)
    st.session_state[APPLIED] = (
        "success",
        f"Applied to **{feature}**: the student answers {views.pct(1 - now.escalation)} of model-served requests "
        f"(coverage {views.pct(old.coverage)} → {views.pct(now.coverage)}, escalation {views.pct(old.escalation)} → "
        f"{views.pct(now.escalation)}, "
        f"quality retention {old_retention} → {new_retention}). Overview's "
        "routing coverage shows it.",
    )


def cascade_section(metrics: DistillationMetrics, source: str, scenario: Scenario) -> None:
    st.markdown("#### The cascade: how much traffic the student should answer")
    cascade = metrics.cascade
    if cascade is None:
        st.info(
            "These metrics have no cascade (a schema_version 1 file). Run the distillation, or add your eval's "
            "per-example "
            "results with `aueb cascade predictions.csv ... --into metrics.json`.",
            icon=":material/info:",
        )
        return
    with_student = [f.name for f in scenario.features if f.student is not None]
    if not with_student:
        st.info(
            "No feature of this scenario has a student. Turn one on in **Edit scenario** to price the cascade for it."
        )
        return
    st.caption(
        "The student answers when its confidence is at or above a threshold and hands the request to the teacher "
        "otherwise. "
        f"Each point of the curve was measured on {cascade.n_examples:,} held-out examples and is priced with this "
        "scenario at 1x "
        "(the student sees every request, escalation = 1 - coverage)."
    )
    if st.session_state.get(FEATURE_KEY) not in with_student:
        st.session_state[FEATURE_KEY] = with_student[0]
    st.selectbox("Feature", with_student, key=FEATURE_KEY, help="The feature whose student runs as this cascade.")
    feature = st.session_state[FEATURE_KEY]
    try:
        priced = plan(scenario, cascade, feature)
    except (MetricsError, ValueError) as exc:
        st.error(str(exc), icon=":material/error:")
        return
    n = len(priced.points)
    if st.session_state.get(SHOWN_FOR) != (source, feature) or st.session_state.get(POINT_KEY) not in range(n):
        st.session_state[SHOWN_FOR] = (source, feature)
        st.session_state[POINT_KEY] = priced.best if priced.best is not None else n - 1

    summary = [
        (
            "APGR",
            views.NA if cascade.apgr is None else f"{cascade.apgr:.3f}",
            "Average quality gap recovered over every teacher share from 0 to 1: 1 = the teacher's quality at any "
            "share (RouteLLM's APGR).",
        ),
        (
            "CPT 95% (teacher share)",
            views.pct(cascade.cpt["0.95"]),
            "CPT(95%): requests escalated to recover 95% of the gap between student and teacher. CPT(50%) "
            f"{views.pct(cascade.cpt['0.5'])}, CPT(80%) {views.pct(cascade.cpt['0.8'])}.",
        ),
        (
            "AURC",
            f"{cascade.aurc:.4f}",
            "Area under the risk-coverage curve: how well the student's confidence ranks its own errors (lower is "
            "better).",
        ),
        (
            "Best coverage",
            views.NA if priced.best is None else views.pct(priced.points.at[priced.best, "coverage"]),
            "The point with the highest net AI value of the feature at 1x.",
        ),
    ]
    for column, (label, value, help) in zip(st.columns(len(summary)), summary, strict=True):
        column.metric(label, value, help=help, border=True)

    coverage = priced.points["coverage"].tolist()
    best = priced.best
    st.select_slider(
        "Operating point (coverage)",
        options=list(range(n)),
        key=POINT_KEY,
        format_func=lambda i: f"{coverage[i]:.1%}" + (" ★ best" if i == best else ""),
        help="Drag to another point of the measured curve: its figures below update live.",
    )
    chosen = int(st.session_state[POINT_KEY])
    references = {
        "teacher_accuracy": cascade.teacher_accuracy,
        "student_accuracy": cascade.student_accuracy,
        "baseline_cogs": priced.arms["baseline"]["ai_cogs"],
        "distilled_cogs": priced.arms["distilled"]["ai_cogs"],
    }
    components.plot(charts.cascade_chart(priced.points, best, chosen, references, scenario.currency), "chart_cascade")
    point = priced.points.iloc[chosen]
    st.markdown(
        f"**Threshold {point['threshold']:.4g}**"
        + (" · the best point" if chosen == best else "")
        + (
            ""
            if point["applicable"]
            else " · its retention does not fit this feature's teacher quality: it cannot be applied"
        )
    )
    cards = _point_cards(priced, chosen)
    for start in range(0, len(cards), 4):
        for column, (label, value, delta, help) in zip(st.columns(4), cards[start : start + 4], strict=False):
            column.metric(
                label,
                value,
                delta=delta,
                help=help,
                border=True,
                delta_color="normal" if label.startswith("Net AI value") else "inverse",
            )
    st.button(
        "Apply to scenario",
        type="primary",
        on_click=apply_point,
        args=(metrics, feature, float(point["threshold"])),
        icon=":material/input:",
        key="ui_apply_cascade",
        disabled=not bool(point["applicable"]),
        help="Sets the feature's coverage to 100%, its escalation to 1 - coverage and its quality retention from this "
        "point.",
    )
    outcome = st.session_state.get(APPLIED)
    if outcome:
        (st.success if outcome[0] == "success" else st.error)(outcome[1])

"""The Savings plan page: every lever priced on the log's own calls, a waterfall to the combined plan,
toggles per lever, the 1x / 10x / 100x choice, "Apply to scenario" and where the team stands."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from aueb import views
from aueb.charts.plan import waterfall_chart
from aueb.errors import InputError
from aueb.logs import ingest
from aueb.logs.sample import FEATURE_KEYS, FILES
from aueb.plan.apply import apply_combined
from aueb.plan.inputs import attach_metrics, parse_levers
from aueb.plan.levers import LeverSpec, evaluate, plan_total, propose, waterfall_steps
from aueb.plan.replay import Calls, load_calls
from aueb.resources import data_path
from aueb.ui import state

MEASURED = "usage_measured"  # set by the Usage page: (Measured, label)


def _source() -> tuple[list[str], str | None, str]:
    """The log measured on the Usage page, else the bundled CSV sample."""
    if MEASURED in st.session_state:
        measured, label = st.session_state[MEASURED]
        return list(measured.source.files), st.session_state.get("ui_log_feature_key") or None, label
    return [str(data_path("logs", FILES["csv"]))], FEATURE_KEYS["csv"], f"the bundled sample data/logs/{FILES['csv']}"


@st.cache_data(show_spinner=False)
def _calls(files: tuple[str, ...], feature_key: str | None) -> Calls:
    return load_calls(list(files), feature_key=feature_key)


def uploaded_levers(name: str, data: bytes, features: list[str]) -> list[LeverSpec]:
    """The levers of an uploaded L.json, checked as `aueb optimize --levers` checks them (one-line errors naming
    feature, lever and value)."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a UTF-8 text file") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: not JSON (line {exc.lineno}: {exc.msg})") from None
    try:
        return attach_metrics(parse_levers(document, features), [])
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None


def _checklist(calls: Calls) -> list[tuple[str, bool]]:
    frame = calls.frame
    scenario = state.scenario()
    students = [f for f in scenario.features if f.student is not None]
    return [
        ("Logs ingested", len(frame) > 0),
        ("Cost per feature attributed", bool((frame["feature"] != "unattributed").all())),
        ("Prompt caching used", bool((frame["cached_input_tokens"] > 0).any())),
        ("Batch API used", False),  # no reader marks batch calls yet
        ("Routing coverage measured", any(f.coverage for f in students)),
        ("A student measured", bool(students)),
        ("Budgets and alerts set", False),
    ]


def savings() -> None:
    st.title("Savings plan")
    files, feature_key, label = _source()
    try:
        calls = _calls(tuple(files), feature_key)
    except InputError as exc:
        st.error(str(exc))
        return
    features = sorted(str(f) for f in calls.frame["feature"].unique())
    upload = st.file_uploader(
        "Your levers (L.json)",
        type=["json"],
        key="ui_savings_levers",
        help='{"features": {FEATURE: {LEVER: {...}}}}, as `aueb optimize --levers` reads it; routing and distillation '
        "take the students of the current scenario",
    )
    specs, mine = propose(calls), False
    if upload is not None:
        try:
            specs, mine = uploaded_levers(upload.name, upload.getvalue(), features), True
        except InputError as exc:
            st.error(str(exc))
    student = state.scenario() if any(s.lever in ("routing", "distillation") for s in specs) else None
    if mine:
        st.caption(
            f"Every lever re-prices the model calls of {label} (the last 730 hours, tokens as logged), with the "
            f"levers of {upload.name if upload is not None else 'L.json'}."
        )
    else:
        st.caption(
            f"Every lever re-prices the model calls of {label} (the last 730 hours, tokens as logged). The levers are "
            "proposals at stated defaults (caching 50% of input at 10 reads per write, batch 25% of calls, the three "
            "cheapest models of the same provider); upload an L.json (or `aueb optimize --levers L.json`) for yours."
        )
    multiplier = float(
        st.radio("Volume", [1, 10, 100], format_func=lambda m: f"{m}x", horizontal=True, key="ui_savings_multiplier")
    )
    try:
        result = evaluate(calls, specs, multipliers=(1.0, 10.0, 100.0), samples=1, scenario=student)
    except InputError as exc:
        st.error(str(exc))
        return
    taken = {(r["feature"], lever) for r in result.combined for lever in r["levers"]}
    st.subheader("Levers in the plan")
    kept: list[LeverSpec] = []
    columns = st.columns(3)
    for i, spec in enumerate(s for s in specs if (s.feature, s.lever) in taken):
        if columns[i % 3].toggle(
            f"{spec.feature}: {spec.lever}", value=True, key=f"ui_savings_{spec.feature}_{spec.lever}"
        ):
            kept.append(spec)
    chosen = evaluate(calls, kept, multipliers=(multiplier,), samples=1, scenario=student)
    now, after = plan_total(chosen, multiplier)
    left, middle, right = st.columns(3)
    left.metric("AI COGS today (USD / month)", views.money(now))
    middle.metric("After the combined plan (USD / month)", views.money(after))
    right.metric("Monthly saving (USD)", views.money(now - after))
    steps = waterfall_steps(calls, kept, multiplier, scenario=student)
    st.plotly_chart(waterfall_chart(now, steps), use_container_width=True)

    st.subheader("Every lever, ranked")
    rows = pd.DataFrame([r for r in result.levers if r["multiplier"] == multiplier])
    if len(rows):
        rows["inputs"] = rows["params"].map(
            lambda p: ", ".join(
                f"{k}={v['mode'] if isinstance(v, dict) else v}" for k, v in p.items() if k != "one_time_cost"
            )
        )
        rows["quality"] = rows["quality_change"].map(lambda q: q if isinstance(q, str) else f"{q:+.3f}")
        st.dataframe(
            rows[
                [
                    "rank",
                    "feature",
                    "lever",
                    "inputs",
                    "cost_now",
                    "cost_after",
                    "saving_monthly",
                    "quality",
                    "payback_months",
                    "uncertain",
                ]
            ],
            hide_index=True,
            column_config={
                "cost_now": st.column_config.NumberColumn("cost now (USD/month)", format="%.4f"),
                "cost_after": st.column_config.NumberColumn("cost after (USD/month)", format="%.4f"),
                "saving_monthly": st.column_config.NumberColumn("saving (USD/month)", format="%.4f"),
                "payback_months": st.column_config.NumberColumn("payback (months)", format="%.1f"),
            },
        )
    saved = sum(r["saved"] for r in result.already_saved) * multiplier
    st.caption(
        f"Already saved today by prompt caching and batch: {views.money(saved, unit='month')}. "
        "Unmeasured levers rank last."
    )

    if st.button("Apply to scenario", key="ui_savings_apply", type="primary"):
        try:
            measured = ingest(files, feature_key=feature_key).scenario
            if measured.scenario is None:
                raise InputError("; ".join(measured.notes))
            plan = evaluate(calls, kept, multipliers=(1.0,), samples=1, scenario=student)
            state.set_scenario(
                apply_combined(measured.scenario, plan.combined, plan.students),
                notice="The savings plan is now the current scenario.",
            )
        except InputError as exc:
            st.error(str(exc))

    st.subheader("Where you stand")
    checks = _checklist(calls)
    for name, done in checks:
        st.markdown(f"{':material/check_circle:' if done else ':material/radio_button_unchecked:'} {name}")
    missing = [name for name, done in checks if not done]
    st.info(f"Next step: {missing[0]}." if missing else "Every rung is measured.")

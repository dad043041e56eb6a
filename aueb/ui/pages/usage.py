"""The Usage page: measure a request log (uploaded, or the bundled sample) and use it as the scenario; with
`aueb dashboard --state DIR`, first follow a running monitor's state (aueb.monitor.view), re-read every few seconds."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from aueb import views
from aueb.charts.monitor import budget_chart, waterfall_chart
from aueb.charts.usage import cost_per_call_chart, daily_cost_chart
from aueb.errors import InputError
from aueb.logs import DEFAULT_WINDOW_HOURS, Measured, ingest
from aueb.logs.sample import FEATURE_KEYS, FILES
from aueb.logs.tables import already_saved_frame, anomalies_frame, features_frame, price_checks_frame
from aueb.monitor import view
from aueb.resources import data_path
from aueb.ui import components, state
from aueb.ui.files import LOG_TYPES, MAX_LOG_UPLOAD_MB, read_log_upload

UPLOAD_KEY = "ui_log_upload"
MEASURED = "usage_measured"  # (Measured, label of its source)
ERROR = "usage_error"
SAMPLE_LABELS = {
    "csv": "Plain CSV",
    "otel": "OpenTelemetry spans",
    "litellm": "LiteLLM SpendLogs",
    "langfuse": "Langfuse observations",
}


@st.cache_data(show_spinner=False)
def sample(log_format: str, window_hours: float) -> Measured:
    return ingest(
        [str(data_path("logs", FILES[log_format]))], feature_key=FEATURE_KEYS[log_format], window_hours=window_hours
    )


def _progress_bar():
    bar = st.progress(0.0, text="Reading the log")
    return bar, (lambda fraction, text: bar.progress(min(1.0, fraction), text=text))


def _options() -> tuple[str | None, float, bool]:
    left, middle, right = st.columns([1.2, 1, 1])
    key = left.text_input(
        "Feature key",
        key="ui_log_feature_key",
        placeholder="e.g. app.feature",
        help="Where a call names its AI feature: an OTel attribute (span, then resource), a LiteLLM metadata key or "
        "KEY:value tag, "
        "a Langfuse metadata key or tag (or `name` for the trace name), a CSV column (default: feature). Calls without "
        "it are 'unattributed'.",
    )
    hours = middle.number_input(
        "Window (hours)",
        min_value=1.0,
        value=DEFAULT_WINDOW_HOURS,
        step=24.0,
        format="%.0f",
        key="ui_log_window",
        help="Monthly figures cover the last this-many hours of the log (730 = one month); shorter logs are scaled to "
        "a month.",
    )
    allow = right.checkbox(
        "Price unknown models at 0",
        key="ui_log_allow_unpriced",
        help="Otherwise a model the price catalog does not know stops the reading, naming the closest catalog models.",
    )
    return key.strip() or None, float(hours), allow


def _load_sample(log_format: str, hours: float) -> None:
    bar, progress = _progress_bar()
    progress(0.3, f"Reading the bundled {SAMPLE_LABELS[log_format]} sample")
    try:
        measured = sample(log_format, hours)
    except InputError as exc:
        st.session_state[ERROR] = str(exc)
    else:
        st.session_state[MEASURED] = (measured, f"the bundled sample data/logs/{FILES[log_format]}")
        st.session_state.pop(ERROR, None)
    bar.empty()


def _read_upload(uploaded, key: str | None, hours: float, allow: bool) -> None:
    bar, progress = _progress_bar()
    try:
        measured = read_log_upload(
            uploaded.name,
            uploaded.getvalue(),
            progress=progress,
            feature_key=key,
            window_hours=hours,
            allow_unpriced=allow,
        )
    except InputError as exc:
        st.session_state[ERROR] = str(exc)
        st.session_state.pop(MEASURED, None)
    else:
        st.session_state[MEASURED] = (measured, uploaded.name)
        st.session_state.pop(ERROR, None)
    bar.empty()


def _use_as_scenario() -> None:
    measured, source = st.session_state[MEASURED]
    state.set_scenario(
        measured.scenario.scenario, notice=f"The scenario measured from {source} is now the current one."
    )


def source_section() -> None:
    key, hours, allow = _options()
    left, right = st.columns([1.3, 1], gap="large")
    with left:
        uploaded = st.file_uploader(
            "Request log: OTel JSON Lines, LiteLLM or Langfuse export, or plain CSV; plain or .gz; at most "
            f"{MAX_LOG_UPLOAD_MB} MB",
            type=list(LOG_TYPES),
            key=UPLOAD_KEY,
            max_upload_size=MAX_LOG_UPLOAD_MB,
            help="The format is recognised from the first records. The command line reads any size: `aueb ingest "
            "LOG...`.",
        )
        read = st.button(
            "Read it again",
            key="ui_log_read",
            disabled=uploaded is None,
            icon=":material/refresh:",
            help="A new upload is read at once; read it again after changing the options above.",
        )
    with right:
        chosen = st.selectbox(
            "Or the bundled sample (6 weeks, 3 features)",
            list(SAMPLE_LABELS),
            format_func=SAMPLE_LABELS.__getitem__,
            key="ui_log_sample",
        )
        log_format = next(iter(SAMPLE_LABELS)) if chosen is None else chosen  # a selectbox with options: never None
        load = st.button("Load the sample", key="ui_log_load_sample", icon=":material/folder_open:")
        st.caption(f"Read with the feature key `{FEATURE_KEYS[log_format]}` and the window set on the left.")
    if load:
        _load_sample(log_format, hours)
    elif uploaded is None:
        st.session_state.pop("ui_log_file", None)
    elif read or st.session_state.get("ui_log_file") != uploaded.file_id:
        st.session_state["ui_log_file"] = uploaded.file_id
        _read_upload(uploaded, key, hours, allow)


def figures_table(measured: Measured) -> None:
    table = features_frame(measured.report)
    usd = lambda label, help=None, fmt="$%.4f": st.column_config.NumberColumn(label, format=fmt, help=help)  # noqa: E731
    tokens = lambda label: st.column_config.NumberColumn(label, format="%.0f")  # noqa: E731
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "feature": "Feature",
            "requests": st.column_config.NumberColumn(
                "Requests / month",
                format="%.0f",
                help="Requests in the window (cache hits included), scaled to a month when the log is shorter.",
            ),
            "users": st.column_config.NumberColumn(
                "Users", format="%d", help="Distinct user ids in the window (never scaled)."
            ),
            "requests_per_user": st.column_config.NumberColumn("Requests / user", format="%.1f"),
            "input_tokens_mean": tokens("Input tok mean"),
            "input_tokens_p50": tokens("Input tok p50"),
            "input_tokens_p95": tokens("Input tok p95"),
            "cached_input_tokens_mean": tokens("Cached tok mean"),
            "output_tokens_mean": tokens("Output tok mean"),
            "output_tokens_p50": tokens("Output tok p50"),
            "output_tokens_p95": tokens("Output tok p95"),
            "cache_hit_rate": st.column_config.NumberColumn(
                "Cache hit rate (%)", format="percent", help="Response-cache hits / requests."
            ),
            "dominant_model": "Main model",
            "dominant_model_share": st.column_config.NumberColumn(
                "Main model share (%)", format="percent", help="Share of the feature's model calls."
            ),
            "cost_per_request": usd(
                "Cost / request ($)", "Catalog-priced cost of the model calls / requests.", "$%.5f"
            ),
            "cost": usd("Cost / month ($)", None, "$%.2f"),
            "growth_monthly": st.column_config.NumberColumn(
                "Growth / month (%)",
                format="percent",
                help="From a log-linear fit of daily requests; at least 14 days needed.",
            ),
            "months_to_10x": st.column_config.NumberColumn("Months to 10x", format="%.1f"),
            "months_to_100x": st.column_config.NumberColumn("Months to 100x", format="%.1f"),
        },
    )


def titled_table(title: str, frame: pd.DataFrame, columns: dict) -> None:
    """A subheader and the table under it; nothing where the table is empty."""
    if len(frame):
        st.subheader(title)
        st.dataframe(frame, hide_index=True, width="stretch", column_config=columns)


def results(measured: Measured, source: str) -> None:
    report = measured.report
    records, window = report.records, report.window
    st.subheader(f"Measured from {source}")
    cards = st.columns(4)
    cards[0].metric(
        "Monthly cost (USD)",
        views.money(sum(f.cost for f in report.features.values())),
        border=True,
        help="Sum over the features of the catalog-priced cost in the window, per month.",
    )
    cards[1].metric("Requests / month", f"{sum(f.requests for f in report.features.values()):,.0f}", border=True)
    cards[2].metric(
        "Records used / read",
        f"{records.used:,} / {records.read:,}",
        border=True,
        delta=f"{records.bad:,} bad" if records.bad else None,
        delta_color="inverse",
        help="read = used + bad; a bad record (malformed line, negative tokens, unparseable time) is counted, never "
        "dropped silently.",
    )
    cards[3].metric(
        "Window (hours)",
        f"{window.hours:,.0f}",
        border=True,
        help=f"{window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} UTC"
        + ("; scaled to a month" if window.scaled else ""),
    )
    if records.first_bad:
        st.warning(
            f"First bad record: {records.first_bad.file}, line {records.first_bad.line}: {records.first_bad.reason}",
            icon=":material/warning:",
        )
    if records.unpriced:
        st.warning(
            f"{records.unpriced:,} records of models the catalog does not know are priced 0.", icon=":material/warning:"
        )
    left, right = st.columns(2, gap="large")
    anomalies = anomalies_frame(report)
    with left:
        components.plot(daily_cost_chart(measured.daily, anomalies), "chart_usage_daily")
    with right:
        components.plot(cost_per_call_chart(measured.model_daily), "chart_usage_models")
    st.subheader("Measured figures per feature")
    figures_table(measured)
    growth = st.columns(max(1, len(report.features)))
    for column, (name, figures) in zip(growth, report.features.items(), strict=False):
        value = "n/a" if figures.growth_monthly is None else f"{figures.growth_monthly:+.1%} / month"
        to_10x = "no growth measured" if figures.months_to_10x is None else f"10x in {figures.months_to_10x:.1f} months"
        column.metric(
            f"Growth: {name}",
            value,
            delta=to_10x,
            delta_color="off",
            border=True,
            help="Monthly growth of daily requests (least squares through their logarithm) and the months until volume "
            "is 10x today's.",
        )
    usd = lambda label: st.column_config.NumberColumn(label, format="$%.4f")  # noqa: E731
    titled_table(
        "Anomalous days",
        anomalies,
        {"cost": usd("Cost ($)"), "median": usd("Median of the 14 days before ($)"), "threshold": usd("Threshold ($)")},
    )
    titled_table(
        "Recorded cost against the catalog",
        price_checks_frame(report),
        {
            "recorded_cost": usd("Recorded ($)"),
            "recomputed_cost": usd("Recomputed ($)"),
            "ratio": st.column_config.NumberColumn("Recorded / recomputed", format="%.3f"),
            "flagged": st.column_config.CheckboxColumn("Differs by more than 1%"),
        },
    )
    titled_table(
        "What prompt caching and batch already save",
        already_saved_frame(report),
        {
            "list_cost": usd("At list prices, no cache or batch ($/month)"),
            "actual_cost": usd("Actual ($/month)"),
            "saved": usd("Saved ($/month)"),
        },
    )
    st.subheader("Use it")
    if measured.scenario.scenario is None:
        st.info("; ".join(measured.scenario.notes), icon=":material/info:")
        return
    st.button(
        "Use as scenario",
        key="ui_log_use",
        on_click=_use_as_scenario,
        type="primary",
        icon=":material/input:",
        help="Make the measured scenario the current one: every other page then shows it.",
    )
    st.caption("  \n".join(f"Note: {note}" for note in measured.scenario.notes))


@st.cache_data(show_spinner=False, max_entries=4)
def monitor_view(folder: str, stamp: tuple[int, int]) -> view.MonitorView:
    """The snapshot of `folder` as of `stamp` (its mtime and size): read again only when the monitor wrote one."""
    return view.load(Path(folder))


@st.cache_data(show_spinner=False, max_entries=8)
def monitor_changes(folder: str, stamp: tuple[int, int], kind: str):
    return view.what_changed(monitor_view(folder, stamp), kind)


def _waterfall(folder: str, stamp: tuple[int, int], kind: str) -> None:
    found = monitor_changes(folder, stamp, kind)
    if found is None:
        return
    a, b, changes = found
    figure = waterfall_chart(
        changes.cost_from,
        changes.cost_to,
        changes.effects,
        f"last {kind}",
        f"this {kind}",
        title=f"This {kind} to date against the same days of last {kind}<br><sup>{b.label} against {a.label}</sup>",
    )
    components.plot(figure, f"chart_monitor_{kind}")


def follow_monitor(folder: str, refresh: float) -> None:
    """Month to date against budget with the forecast fan and run-out, open alerts, what changed this week and
    this month; the fragment runs again every `refresh` seconds and re-reads the snapshot when it changed."""
    st.subheader("Monitor")
    stamp = view.snapshot_stamp(Path(folder))
    read_at = datetime.now(UTC).strftime("%H:%M:%S")
    if stamp is None:
        st.info(
            f"Waiting for the monitor's first cycle in {folder} (`aueb monitor SOURCE --state {folder}`); "
            f"looked at {read_at} UTC, again every {refresh:g} s.",
            icon=":material/hourglass_empty:",
        )
        return
    try:
        state = monitor_view(folder, stamp)
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    st.caption(
        f"Following the monitor state {folder}: its clock {state.clock:%Y-%m-%d %H:%M} UTC (the newest record, or "
        f"`--now`), cycle {state.cycle}; read at {read_at} UTC, every {refresh:g} s."
        if state.clock
        else f"Following the monitor state {folder}: no usable record yet; read at {read_at} UTC."
    )
    if state.clock is None or state.usage.empty:
        return
    names = {"Total" if f is None else f: f for f in state.features}
    chosen = st.columns([1, 3])[0].selectbox("Budget of", list(names), key="ui_monitor_feature")
    status = view.budget_status(state.daily, names.get(chosen or "Total"), state.budgets, state.clock.date())
    result = status.forecast
    cards = st.columns(4)
    cards[0].metric(
        "Month to date (USD)", views.money(result.month_to_date), border=True, help=f"{result.month}, through the clock"
    )
    cards[1].metric(
        "Month-end forecast P50 (USD)",
        views.money(result.p50),
        border=True,
        help="Needs 7 days with cost in the last 28."
        if result.p10 is None
        else f"P10 {views.money(result.p10)} to P90 {views.money(result.p90)}",
    )
    cards[2].metric("Monthly budget (USD)", "none" if not status.budget else views.money(status.budget), border=True)
    cards[3].metric(
        "Runs out",
        "no budget" if not status.budget else str(status.runs_out) if status.runs_out else "not this month",
        border=True,
        help="The first day on which actual plus the P50 forecast exceeds the budget.",
    )
    components.plot(
        budget_chart(
            result.days,
            result.cumulative_p10,
            result.cumulative_p50,
            result.cumulative_p90,
            status.actual_days,
            status.budget,
            f"{chosen}: month to date and forecast, {result.month}",
            runs_out=status.runs_out,
        ),
        "chart_monitor_budget",
    )
    alerts = view.open_alerts(state)
    st.subheader("Open alerts")
    if alerts.empty:
        st.success(f"No alert raised for {result.month}.", icon=":material/check_circle:")
    else:
        number = st.column_config.NumberColumn
        st.dataframe(
            alerts.fillna({"feature": "total"}),
            hide_index=True,
            width="stretch",
            column_config={
                "rule": "Rule",
                "feature": "Feature",
                "period": st.column_config.TextColumn("Period", width=90),
                "value": number("Value", format="%.4f"),
                "threshold": number("Threshold", format="%.4f"),
                "message": st.column_config.TextColumn("Message", width="large"),
                "raised_at": "Raised at (UTC)",
            },
        )
    st.subheader("What changed")
    left, right = st.columns(2, gap="large")
    with left:
        _waterfall(folder, stamp, "week")
    with right:
        _waterfall(folder, stamp, "month")
    st.caption("Each against the same days of the period before; model cost split by LMDI (docs/monitoring.md).")


def usage() -> None:
    st.title("Usage")
    st.caption(
        "Measure what your AI features cost from your own request logs: per feature, per user and per day, growth and "
        "anomalies, "
        "every call priced with the catalog. The same figures as `aueb ingest`."
    )
    folder = os.environ.get(view.MONITOR_STATE_ENV)
    if folder:
        refresh = float(os.environ.get(view.MONITOR_REFRESH_ENV) or 5)
        st.fragment(follow_monitor, run_every=refresh)(folder, refresh)
        st.divider()
    source_section()
    if st.session_state.get(ERROR):
        st.error(st.session_state[ERROR], icon=":material/error:")
    loaded = st.session_state.get(MEASURED)
    if loaded is None:
        st.info("Upload a log or load the bundled sample.", icon=":material/info:")
        return
    results(*loaded)

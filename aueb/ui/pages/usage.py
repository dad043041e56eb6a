"""The Usage page: measure a request log (uploaded, or the bundled sample) and use it as the scenario."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from aueb.charts.usage import cost_per_call_chart, daily_cost_chart
from aueb.errors import InputError
from aueb.logs import DEFAULT_WINDOW_HOURS, Measured, ingest
from aueb.logs.sample import FEATURE_KEYS, FILES
from aueb.logs.tables import already_saved_frame, anomalies_frame, features_frame, price_checks_frame
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
        f"${sum(f.cost for f in report.features.values()):,.2f}",
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


def usage() -> None:
    st.title("Usage")
    st.caption(
        "Measure what your AI features cost from your own request logs: per feature, per user and per day, growth and "
        "anomalies, "
        "every call priced with the catalog. The same figures as `aueb ingest`."
    )
    source_section()
    if st.session_state.get(ERROR):
        st.error(st.session_state[ERROR], icon=":material/error:")
    loaded = st.session_state.get(MEASURED)
    if loaded is None:
        st.info("Upload a log or load the bundled sample.", icon=":material/info:")
        return
    results(*loaded)

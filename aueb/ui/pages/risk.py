"""The Risk page: ranges of the inputs, the fan of COGS / revenue, the tornado and the payback probability.

Every figure comes from aueb.risk (the engine's sample axis); the page only lays them out.
"""

from __future__ import annotations

import sys
import time

import pandas as pd
import streamlit as st

from aueb import formatting, risk, views
from aueb.charts.risk import fan_chart, tornado_chart
from aueb.errors import InputError
from aueb.scenario import Scenario
from aueb.ui import components, files, ranges, scenario_edits, state

SAMPLES_KEY = "risk|samples"
SEED_KEY = "risk|seed"
FIGURE_KEY = "risk|figure"
DRAG_KEY = "risk|drag_input"
TABLE_KEY = "risk|inputs"
TABLE_REV = "risk|inputs_rev"
ERRORS = "risk|errors"
_MEMO = "_risk_memo"
SAMPLE_CHOICES = (1_000, 10_000, 50_000)
FIGURES = {
    "cogs_to_revenue": "AI COGS / revenue at 1x",
    "ai_cogs": "AI COGS at 1x",
    "net_ai_value": "Net AI value at 1x",
    "monthly_saving": "Monthly saving at 1x",
    "payback_months": "Payback (months)",
    "roi": "ROI over the horizon",
}


def analysis(scenario: Scenario, samples: int, seed: int, figure: str) -> dict:
    """The simulation, fan, percentile rows, summary and tornado of the scenario (recomputed only when it changes)."""
    key = (samples, seed, figure)
    memo = st.session_state.get(_MEMO)
    if memo is not None and memo[0] is scenario and memo[1] == key:
        return memo[2]
    start = time.perf_counter()
    simulation = risk.simulate(scenario, samples, seed, multipliers=risk.fan_multipliers(scenario))
    result = {
        "fan": risk.fan(simulation),
        "rows": risk.percentile_rows(simulation),
        "summary": risk.risk_summary(simulation),
        "tornado": risk.tornado(scenario, risk.FigureChoice(figure)),
    }
    result["seconds"] = time.perf_counter() - start
    st.session_state[_MEMO] = (scenario, key, result)
    return result


def risk_report_of(scenario: Scenario, result: dict, samples: int, seed: int) -> risk.RiskReport:
    """The page's analysis as the command line's report (its percentile rows are at the scenario's multipliers)."""
    return risk.RiskReport(
        percentiles=result["rows"],
        summary={scenario.name: result["summary"]},
        tornado=result["tornado"],
        samples=samples,
        seed=seed,
    )


def _commit(data: dict, notice: str | None = None) -> bool:
    new, problems = scenario_edits.validate(data)
    if new is None:
        st.session_state[ERRORS] = [scenario_edits.describe(p) for p in problems]
        return False
    st.session_state[ERRORS] = []
    state.set_scenario(new, notice=notice)
    return True


def _table_key() -> str:
    return f"{TABLE_KEY}_{st.session_state.setdefault(TABLE_REV, 0)}"


def apply_table_edits() -> None:
    """Apply the inputs table's pending edits before anything is computed; a new table after each applied edit."""
    edits = st.session_state.get(_table_key())
    if not edits or not edits.get("edited_rows"):
        return
    data, problems = ranges.apply_edits(state.scenario(), edits)
    if problems:
        st.session_state[ERRORS] = problems
        return
    if _commit(data):
        st.session_state[TABLE_REV] += 1


def _drag(path: scenario_edits.Path, key: str) -> None:
    low, high = st.session_state[key]
    data = state.scenario().model_dump()
    bounds = scenario_edits.get_range(data, path)
    if bounds is None:  # the input is no longer a range (edited in the table meanwhile)
        return
    scenario_edits.set_range(data, path, {"low": low, "mode": bounds["mode"], "high": high})
    if _commit(data):
        st.session_state[TABLE_REV] = st.session_state.get(TABLE_REV, 0) + 1


def cards(summary: risk.RiskSummary, currency: str) -> None:
    probability = summary.payback_within_horizon_probability
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        f"Pays back within {summary.horizon_months:g} months",
        formatting.risk_value("payback_within_horizon_probability", probability, currency),
        help="Share of the samples in which the one-time distillation cost is paid back "
        "by the monthly saving at 1x within the ROI horizon.",
        border=True,
    )
    symbol = views.currency_symbol(currency)
    titles = (
        (c2, "payback_months", "Payback P50"),
        (c3, "monthly_saving", f"Saving P50 ({symbol} / month)"),
        (c4, "roi", "ROI P50"),
    )
    for column, name, title in titles:
        p = getattr(summary, name)
        shown = (formatting.risk_value(name, v, currency) for v in (p.p10, p.p50, p.p90))
        p10, p50, p90 = shown
        column.metric(
            title,
            p50,
            border=True,
            help=f"P10 {p10} · P90 {p90}"
            + (f" · undefined in {p.undefined:,} samples (left out)" if p.undefined else ""),
        )


def _percentile_table(rows: list[risk.PercentileRow], currency: str) -> pd.DataFrame:
    names = {
        "ai_cogs": "AI COGS",
        "cogs_to_revenue": "COGS / revenue",
        "gross_margin": "Gross margin",
        "cost_per_request": "Cost / request",
        "cost_per_correct_output": "Cost / correct output",
        "net_ai_value": "Net AI value",
    }
    records = []
    for r in rows:
        shown = [formatting.risk_value(r.figure, v, currency) for v in (r.p10, r.p50, r.p90)]
        records.append(
            {
                "Volume": views.multiplier_label(r.multiplier),
                "Arm": views.arm_label(r.arm),
                "Figure": names[r.figure],
                "P10": shown[0],
                "P50": shown[1],
                "P90": shown[2],
                "Undefined": r.undefined,
            }
        )
    return pd.DataFrame(records)


def risk_page() -> None:
    apply_table_edits()
    scenario = state.scenario()
    cur = scenario.currency
    st.title("Risk")
    st.caption(
        "Inputs given as ranges (low, mode, high) are drawn from PERT distributions; each sample is a full projection. "
        "P10 / P50 / P90: the values that 10%, 50% and 90% of the samples do not exceed."
    )
    c1, c2, c3 = st.columns([1.2, 1, 1.6])
    state.init(SAMPLES_KEY, risk.DEFAULT_SAMPLES)
    chosen_samples = c1.segmented_control(
        "Samples",
        SAMPLE_CHOICES,
        format_func=lambda n: f"{n:,}",
        key=SAMPLES_KEY,
        required=True,
        help="Monte Carlo samples; every one of them is computed on each change (no subsampling).",
    )
    samples = risk.DEFAULT_SAMPLES if chosen_samples is None else chosen_samples  # required: never None
    state.init(SEED_KEY, risk.DEFAULT_SEED)
    seed = int(
        c2.number_input(
            "Seed", min_value=0, step=1, key=SEED_KEY, help="Same seed, same samples (numpy's random generator)."
        )
    )
    state.init(FIGURE_KEY, "cogs_to_revenue")
    chosen_figure = c3.selectbox(
        "Tornado of",
        list(FIGURES),
        format_func=FIGURES.__getitem__,
        key=FIGURE_KEY,
        help="The figure evaluated with one input at its low and at its high, every other input at its mode (distilled "
        "arm where there is a student).",
    )
    figure = "cogs_to_revenue" if chosen_figure is None else chosen_figure
    try:
        result = analysis(scenario, samples, seed, figure)
    except InputError as exc:
        # A range whose samples overflow: the command line's one line, and the ranges to fix it.
        st.error(str(exc), icon=":material/error:")
        st.subheader("Ranges of the inputs")
        _drag_section(scenario)
        _ranges_table(scenario)
        return
    summary = result["summary"]
    cards(summary, cur)
    n_ranged = len(risk.ranged_inputs(scenario))
    st.caption(
        f"{n_ranged} input{'s' if n_ranged != 1 else ''} given as ranges · {samples:,} samples, seed {seed} · "
        f"computed in {result['seconds'] * 1000:,.0f} ms on the server"
    )
    left, right = st.columns([1.15, 1], gap="large")
    with left:
        components.plot(fan_chart(result["fan"], state.tiers(), samples), "chart_risk_fan")
    with right:
        bars = result["tornado"]
        if bars:
            title = f"Tornado: {FIGURES[figure]} (base {formatting.risk_value(figure, bars[0].figure_at_mode, cur)})"
            fmt = formatting.risk_axis_format(figure)
            components.plot(
                tornado_chart(formatting.tornado_frame(bars, figure, cur), title, fmt), "chart_risk_tornado"
            )
        else:
            st.info("No input is given as a range yet: turn one on in the table below.", icon=":material/info:")
    with st.expander("P10 / P50 / P90 of the total rows at each volume"):
        st.dataframe(_percentile_table(result["rows"], cur), hide_index=True, width="stretch")
        report = risk_report_of(scenario, result, samples, seed)
        stem = files.slug(scenario.name)
        downloads = (
            (
                "Risk analysis (JSON)",
                risk.risk_to_json(report),
                "json",
                "application/json",
                "The same JSON as `aueb risk FILE --format json` with these samples, seed and tornado figure.",
            ),
            (
                "Percentiles (CSV)",
                risk.risk_to_csv(report),
                "csv",
                "text/csv",
                "The percentile rows, as `aueb risk FILE --format csv` writes them.",
            ),
        )
        for column, (label, data, ext, mime, tip) in zip(st.columns(2), downloads, strict=True):
            column.download_button(
                label,
                data,
                f"{stem}_risk.{ext}",
                mime,
                key=f"risk|download_{ext}",
                icon=":material/download:",
                width="stretch",
                help=tip,
            )
    st.subheader("Ranges of the inputs")
    _drag_section(scenario)
    _ranges_table(scenario)


def _ranges_table(scenario: Scenario) -> None:
    """The table of every numeric input, its range turned on and edited in place, and the edits' errors."""
    st.caption(
        "Tick **Ranged** to give an input a range (it starts at -20% / +20% of the mode), then edit low, mode and "
        "high. "
        "The projection on the other pages uses the mode."
    )
    st.data_editor(
        ranges.table(scenario),
        key=_table_key(),
        hide_index=True,
        width="stretch",
        disabled=["key", "feature", "input"],
        column_order=["feature", "input", "ranged", "low", "mode", "high"],
        column_config={
            "feature": st.column_config.TextColumn("Feature"),
            "input": st.column_config.TextColumn("Input (unit)", width="large"),
            "ranged": st.column_config.CheckboxColumn(
                "Ranged", help="Given as a range low <= mode <= high instead of one number"
            ),
            "low": st.column_config.NumberColumn("Low", format="%.6g"),
            "mode": st.column_config.NumberColumn(
                "Mode", format="%.6g", help="The most likely value: the one every point projection uses"
            ),
            "high": st.column_config.NumberColumn("High", format="%.6g"),
        },
    )
    for message in st.session_state.get(ERRORS, []):
        st.error(message, icon=":material/error:")


def _drag_section(scenario: Scenario) -> None:
    ranged = risk.ranged_inputs(scenario)
    if not ranged:
        return
    refs = {ranges.key_of(r.path): r for r in ranges.inputs(scenario)}
    by_path = {ranges.key_of(item.where): item for item in ranged}
    options = [k for k in by_path if k in refs]
    if not options:
        return
    if st.session_state.get(DRAG_KEY) not in options:
        st.session_state[DRAG_KEY] = options[0]
    left, right = st.columns([1, 2])
    chosen = left.selectbox("Drag the range of", options, key=DRAG_KEY, format_func=lambda k: by_path[k].path)
    item, ref = by_path[chosen], refs[chosen]
    spec = scenario_edits.spec(ref.model, ref.field, scenario.currency)
    r = item.range
    largest = sys.float_info.max  # a bound near it doubled would be inf, which no slider takes
    top = float(spec.max_value) if spec.max_value is not None else min(max(r.high * 2, r.mode * 3, 1.0), largest)
    bottom = float(spec.min_value) if spec.min_value is not None else max(min(r.low * 2, 0.0), -largest)
    key = f"risk|drag|{chosen}|{r.low}|{r.high}"
    right.slider(
        f"{ranges.label(ref, scenario.currency)}: low and high (mode {r.mode:,.6g})",
        min_value=bottom,
        max_value=top,
        value=(r.low, r.high),
        key=key,
        step=top / 200 - bottom / 200,
        on_change=_drag,
        args=(ref.path, key),
        help="The chart and the tornado follow when you release the handle; "
        "the bounds must keep the mode between them.",
    )

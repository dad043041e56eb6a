"""What a report holds, gathered once from the engine, the views and the charts; html, pdf and xlsx only render it.

A report is a list of sections, each a list of blocks (text, figures with their definitions, tables,
charts), plus the tables the workbook writes as sheets. Every number comes from the engine's
projection (or from the metrics, risk and log documents given); nothing here models economics.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from pydantic import BaseModel

from aueb import charts, formatting, risk, views
from aueb.catalog import lookup
from aueb.engine import ROW_COLUMNS, Projection, project
from aueb.report import sections as optional
from aueb.report.model import (
    DEFINITIONS,
    Chart,
    Figure,
    Figures,
    ReportContent,
    Section,
    Sheet,
    Table,
    Text,
    spec_table,
)
from aueb.report.plan import plan_section
from aueb.scenario import Scenario, TokenPricing
from aueb.tiers import load_tiers

_UNIT = re.compile(r"\(([^()]*)\)")


# --- formatting of the summary figures ---------------------------------------------------------------


# The investment figures in the order a reader asks for them, each with the unit its label lacks.
_SHOWN = {
    "monthly_saving": " / month",
    "one_time_cost": "",
    "payback_months": "",
    "roi": "",
    "break_even_monthly_requests": " requests / month",
    "student_cheaper_from_monthly_requests": " requests / month",
}


def _summary_text(key: str, value: float | None, currency: str) -> str:
    """The figure as the CLI and the dashboard write it (formatting.summary_value), with the unit the label lacks."""
    text = formatting.summary_value(key, value, currency)
    unit = _SHOWN.get(key, "")
    return text + unit if unit and value else text


def summary_figures(summary: dict[str, Any], currency: str, horizon_months: float) -> list[Figure]:
    """The investment figures of the summary (_SHOWN's order); only the keys the engine gives."""
    items = [
        Figure(
            key,
            f"ROI over {horizon_months:g} months" if key == "roi" else DEFINITIONS[key]["label"],
            _summary_text(key, summary[key], currency),
            summary[key],
        )
        for key in _SHOWN
        if key in summary
    ]
    for arm in ("baseline", "distilled"):
        key = f"margin_collapse_multiplier_{arm}"
        items.append(
            Figure(
                "margin_collapse_multiplier",
                f"Margin collapse, {views.arm_label(arm).lower()}",
                _summary_text(key, summary[key], currency),
                summary[key],
            )
        )
    return items


# --- inputs ---------------------------------------------------------------------------------------


def _unit(description: str, currency: str) -> tuple[str, str]:
    """(unit, meaning) from a field description such as 'Price of one replica (currency per hour)'."""
    match = _UNIT.search(description)
    if not match:
        return "", description
    unit = match.group(1).split(";")[0].strip().replace("currency", currency)
    meaning = (description[: match.start()] + description[match.end() :]).strip().rstrip(";").strip()
    return unit, meaning


def _input_value(value: Any) -> str:
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e15 else f"{value:g}"
    if isinstance(value, list):
        return ", ".join(_input_value(v) for v in value)
    return str(value)


def _input_row(model: BaseModel, name: str, path: str, currency: str) -> tuple[str, str, str, str]:
    """(path, value as shown, unit, meaning) of one input: its range beside it, a catalog price marked as such."""
    value = getattr(model, name)
    unit, meaning = _unit(type(model).model_fields[name].description or "", currency)
    shown = _input_value(value)
    ranged = getattr(model, "ranges", {}).get(name)
    if ranged is not None:
        shown = f"{shown} (range {_input_value(ranged.low)} to {_input_value(ranged.high)})"
    if value is None and isinstance(model, TokenPricing) and name.endswith("_per_mtok") and model.model:
        listed = lookup(model.model, model.provider)
        catalog = listed.input_price_per_mtok if name == "input_price_per_mtok" else getattr(listed, name)
        if name == "cached_input_price_per_mtok" and model.input_price_per_mtok is not None:
            catalog = model.input_price_per_mtok
        shown = f"{catalog:g} (catalog)"
    return path, shown, unit, meaning


def _walk(model: BaseModel, prefix: str, currency: str, out: list[tuple[str, str, str, str]]) -> None:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            _walk(value, f"{prefix}{name}.", currency, out)
        else:
            out.append(_input_row(model, name, f"{prefix}{name}", currency))


def inputs_table(scenario: Scenario) -> Table:
    wide = ("currency", "multipliers", "growth", "horizon_months", "fixed_monthly_cost")
    cells = [["Scenario", *_input_row(scenario, name, name, scenario.currency)] for name in wide]
    for feature in scenario.features:
        found: list[tuple[str, str, str, str]] = []
        _walk(feature, "", scenario.currency, found)
        cells += [[feature.name, *row] for row in found if row[0] != "name"]
    return Table("Every input of the scenario", ["Feature", "Input", "Value", "Unit", "Meaning"], cells, numeric=False)


# --- tables of the projection ------------------------------------------------------------------------


def headline(projection: Projection, currency: str) -> Table:
    text, bands = views.headline_table(projection.rows, currency)
    keys: list[str | None] = [column for _, column, _ in views.HEADLINE_METRICS]
    return Table(
        "Headline by volume, without and with the student",
        ["Metric", *text.columns],
        [[label, *values] for label, values in zip(text.index, text.to_numpy().tolist(), strict=True)],
        row_keys=keys,
        bands=[[None, *(v if isinstance(v, str) else None for v in values)] for values in bands.to_numpy().tolist()],
        note="Tier metrics carry their industry band (Elite, Elite-Median, Median, Median-Low, Low).",
    )


def feature_table(projection: Projection, multiplier: float, currency: str) -> Table:
    table = views.feature_table(projection.rows, multiplier)
    columns: list[tuple[str, str, str | None, str | None]] = [
        ("Feature", "feature", None, None),
        ("Requests / month", "requests", "volume", "requests"),
        ("Revenue / month", "revenue", "money", "revenue"),
        ("AI COGS without", "ai_cogs_baseline", "money", "ai_cogs"),
        ("AI COGS with", "ai_cogs_distilled", "money", "ai_cogs"),
        ("Margin without", "gross_margin_baseline", "pct", "gross_margin"),
        ("Margin with", "gross_margin_distilled", "pct", "gross_margin"),
        ("By student", "routing_coverage_distilled", "pct", "routing_coverage"),
        ("Net value with", "net_ai_value_distilled", "money", "net_ai_value"),
    ]
    title = f"By feature at {views.multiplier_label(multiplier)}, per month"
    return spec_table(title, columns, table.to_dict("records"), currency)


def tier_sheet(projection: Projection, tiers: pd.DataFrame) -> pd.DataFrame:
    """One row per multiplier, arm and tier metric: the value, its band and the edges of the tier table."""
    positions = views.tier_positions_by_multiplier(projection.rows)
    edges = tiers.loc[:, ["better", "elite", "median_min", "median_max", "low", "source"]]
    frame = positions.join(edges, on="metric")
    return frame.loc[
        :,
        [
            "multiplier",
            "arm",
            "metric",
            "label",
            "value",
            "band",
            "better",
            "elite",
            "median_min",
            "median_max",
            "low",
            "source",
        ],
    ]


_SHARE_COLUMNS = ("cogs_to_revenue", "gross_margin", "quality", "routing_coverage", "feature_profitability")
_SMALL_MONEY_COLUMNS = ("inference_cost_per_request", "cost_per_request", "cost_per_user", "cost_per_correct_output")
_COUNT_COLUMNS = ("users", "requests", "correct_outputs")


def projection_formats() -> dict[str, str]:
    formats = {}
    for column in ROW_COLUMNS:
        if column in _SHARE_COLUMNS:
            formats[column] = "percent"
        elif column in _SMALL_MONEY_COLUMNS:
            formats[column] = "money_small"
        elif column in _COUNT_COLUMNS:
            formats[column] = "count"
        elif column.endswith(("_cost", "_cogs", "revenue", "_value")) or column == "ai_cogs":
            formats[column] = "money"
        elif column in ("multiplier", "inference_efficiency_ratio"):
            formats[column] = "number"
        else:
            formats[column] = "text"
    return formats


# --- the report -------------------------------------------------------------------------------------


def build_report(
    scenario: Scenario,
    *,
    metrics: Any | None = None,
    logs: Any | None = None,
    plan: dict[str, Any] | None = None,
    risk_samples: int = risk.DEFAULT_SAMPLES,
    risk_seed: int = risk.DEFAULT_SEED,
    tiers: pd.DataFrame | None = None,
    created: datetime | None = None,
) -> ReportContent:
    """Everything a report of `scenario` shows: with the distillation metrics and the log report when given, and
    the Monte Carlo percentiles and tornado (risk_samples samples, seeded) when the scenario has ranged inputs."""
    tiers = load_tiers() if tiers is None else tiers
    projection = project(scenario, tiers=tiers)
    curve = project(scenario, multipliers=views.curve_multipliers(), growth="users", tiers=tiers)
    currency, horizon = scenario.currency, scenario.horizon_months
    summary = views.summary_record(projection)
    has_student = any(f.student is not None for f in scenario.features)
    status, lines = views.verdict(projection, currency, horizon, has_student)
    multipliers = list(scenario.multipliers)
    first, last = multipliers[0], multipliers[-1]

    overview = Section(
        "overview",
        "Overview: does the AI feature pay?",
        blocks=[
            Text(lines, status),
            headline(projection, currency),
            Chart(
                "cogs_to_revenue",
                charts.cogs_to_revenue_chart(projection.rows, tiers),
                "cogs_to_revenue",
                "Each bar is the scenario's AI COGS / revenue at one volume, drawn over the industry bands.",
            ),
            *(
                Chart(
                    f"tiers_{m:g}",
                    charts.tier_strip_chart(views.tier_positions(projection.rows, m), tiers, currency),
                    "tiers",
                    f"Where each tier metric falls at {views.multiplier_label(m)}, without and with the student.",
                )
                for m in dict.fromkeys((first, last))
            ),
        ],
    )
    investment = Section(
        "investment",
        "The distillation investment",
        intro="What the student costs once, what it saves a month at today's volume, and from what volume it pays; "
        f"ROI over {horizon:g} months.",
        blocks=[Figures(summary_figures(summary, currency, horizon))],
    )
    costs = Section(
        "costs",
        "Costs and scale",
        blocks=[
            Chart(
                "cost_per_request",
                charts.cost_per_request_chart(views.cost_components_per_request(projection.rows), currency),
                "cost_per_request",
                "Inference: teacher, student and cache hits. Overhead: retrieval, logging, guardrails. Human review: "
                "reviewed share x minutes "
                "x reviewer cost. Fixed platform: shared in proportion to requests.",
            ),
            Chart(
                "volume",
                charts.volume_chart(views.volume_curve(curve), views.volume_marks(curve), currency),
                "ai_cogs",
                "Both arms from 0.001x to 1,000x today's volume, users growing (log-log). Crosses: margin collapse, "
                "where AI COGS reaches "
                "today's revenue if usage per user grows and revenue per user does not.",
            ),
            feature_table(projection, first, currency),
            Chart(
                "features",
                charts.feature_chart(views.feature_table(projection.rows, first), currency),
                "ai_cogs",
                "AI COGS of each feature without and with the student, and its revenue, at "
                f"{views.multiplier_label(first)}.",
            ),
        ],
    )
    sections = [overview, investment, costs]
    extra_sheets: list[Sheet] = []
    for built in (
        optional.distillation_section(metrics, scenario) if metrics is not None else None,
        optional.risk_section(scenario, risk_samples, risk_seed, tiers) if risk.ranged_inputs(scenario) else None,
        optional.usage_section(logs) if logs is not None else None,
        plan_section(plan, currency) if plan is not None else None,
    ):
        if built is not None:
            section, sheets = built
            sections.append(section)
            extra_sheets += sheets
    sections.append(
        Section(
            "inputs",
            "Inputs",
            intro="Every input of the scenario as the projection read it, with its unit.",
            blocks=[inputs_table(scenario)],
        )
    )
    return ReportContent(
        scenario=scenario,
        projection=projection,
        created=created or datetime.now(tz=UTC),
        sections=sections,
        tiers=tiers,
        extra_sheets=extra_sheets,
        definitions=DEFINITIONS,
    )

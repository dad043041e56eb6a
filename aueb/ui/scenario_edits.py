"""Editing a scenario from the dashboard's inputs: labels with units, paths, table edits, defaults.

No streamlit here: the editor page binds widgets to paths of the scenario's data, and these pure
functions turn the widgets' values into a candidate scenario and its validation messages.
A path names features by their name, not their position: ("features", "Support chat", "users").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError

from aueb.catalog import CatalogPrice, UnknownModelError, lookup
from aueb.errors import PRICING_KINDS, clean_location, error_message
from aueb.formatting import currency_symbol
from aueb.pricing import price_row
from aueb.scenario import (
    RANGES_KEY,
    Distillation,
    Feature,
    PerRequestPricing,
    Range,
    Scenario,
    SelfHostedPricing,
    Student,
    Teacher,
    TokenPricing,
)

Path = tuple[str, ...]

PRICING_MODELS: dict[str, type[BaseModel]] = {
    "tokens": TokenPricing,
    "per_request": PerRequestPricing,
    "self_hosted": SelfHostedPricing,
}
PRICING_KIND_LABELS = {
    "tokens": "Tokens (API list price)",
    "per_request": "Per request (flat price)",
    "self_hosted": "Self-hosted (replicas by the hour)",
}
GROWTH_LABELS = {
    "users": "Users grow (revenue grows with them)",
    "usage": "Usage per user grows (revenue per user fixed)",
}


@dataclass(frozen=True)
class Spec:
    """How one numeric field is entered: label with its unit ({cur} = currency symbol), format, step, bounds."""

    label: str
    fmt: str = "%.2f"
    step: float | int = 1.0
    min_value: float | int | None = 0.0
    max_value: float | int | None = None
    integer: bool = False


SHARE: dict[str, Any] = dict(fmt="%.3f", step=0.01, min_value=0.0, max_value=1.0)
PER_REQUEST: dict[str, Any] = dict(fmt="%.5f", step=0.0001)

SPECS: dict[tuple[type[BaseModel], str], Spec] = {
    (Scenario, "horizon_months"): Spec("ROI horizon (months)", "%.0f", 1.0),
    (Scenario, "fixed_monthly_cost"): Spec("Fixed platform cost ({cur} / month)", "%.2f", 100.0),
    (Feature, "users"): Spec("Users / month", "%.0f", 1000.0),
    (Feature, "requests_per_user"): Spec("Requests / user / month", "%.2f", 1.0),
    (Feature, "revenue_per_user"): Spec("Revenue ({cur} / user / month)", "%.2f", 0.5),
    (Feature, "cache_hit_rate"): Spec("Cache hit rate (0-1)", **SHARE),
    (Feature, "cache_cost_per_request"): Spec("Cache hit cost ({cur} / request)", **PER_REQUEST),
    (Feature, "overhead_per_request"): Spec("Overhead ({cur} / request)", **PER_REQUEST),
    (Feature, "review_share"): Spec("Reviewed share (0-1)", **SHARE),
    (Feature, "review_minutes"): Spec("Review time (minutes / output)", "%.2f", 0.5),
    (Feature, "reviewer_hourly_cost"): Spec("Reviewer cost ({cur} / hour)", "%.2f", 5.0),
    (Feature, "cost_per_error"): Spec("Cost of an error ({cur} / error)", "%.3f", 0.1),
    (Feature, "coverage"): Spec("Routed to student (0-1)", **SHARE),
    (Feature, "escalation"): Spec("Escalated to teacher (0-1)", **SHARE),
    (Teacher, "quality"): Spec("Teacher quality (share correct, 0-1)", **SHARE),
    (Student, "quality_retention"): Spec("Quality retention (ratio)", "%.4f", 0.01),
    (Distillation, "training_examples"): Spec("Teacher-labelled training examples (count)", "%.0f", 1000.0),
    (Distillation, "training_compute"): Spec("Training compute ({cur}, one-time)", "%.2f", 100.0),
    (Distillation, "engineering"): Spec("Engineering and evaluation ({cur}, one-time)", "%.2f", 1000.0),
    (TokenPricing, "input_tokens"): Spec("Input tokens / request", "%.0f", 50.0),
    (TokenPricing, "cached_input_tokens"): Spec("Cached input tokens / request", "%.0f", 50.0),
    (TokenPricing, "cache_write_input_tokens"): Spec("Cache write input tokens / request", "%.0f", 50.0),
    (TokenPricing, "output_tokens"): Spec("Output tokens / request", "%.0f", 50.0),
    (TokenPricing, "input_price_per_mtok"): Spec("Input price ({cur} / M tokens)", "%.4f", 0.05),
    (TokenPricing, "cached_input_price_per_mtok"): Spec("Cached input price ({cur} / M tokens)", "%.4f", 0.05),
    (TokenPricing, "cache_write_price_per_mtok"): Spec("Cache write price ({cur} / M tokens)", "%.4f", 0.05),
    (TokenPricing, "output_price_per_mtok"): Spec("Output price ({cur} / M tokens)", "%.4f", 0.05),
    (TokenPricing, "batch_share"): Spec("Batch API share (0-1)", **SHARE),
    (TokenPricing, "batch_discount"): Spec("Batch discount (0-1)", **SHARE),
    (PerRequestPricing, "cost"): Spec("Cost ({cur} / request)", **PER_REQUEST),
    (SelfHostedPricing, "hourly_price"): Spec("Replica price ({cur} / hour)", "%.3f", 0.1),
    (SelfHostedPricing, "throughput_rps"): Spec("Replica throughput (requests / s)", "%.2f", 1.0),
    (SelfHostedPricing, "utilization"): Spec("Target utilisation (0-1)", **SHARE),
    (SelfHostedPricing, "peak_to_average"): Spec("Peak / average traffic (ratio ≥ 1)", "%.2f", 0.1, 1.0),
    (SelfHostedPricing, "min_replicas"): Spec("Minimum replicas (count)", "%d", 1, 0, None, integer=True),
}

TEXT_LABELS: dict[tuple[type[BaseModel], str], str] = {
    (Scenario, "name"): "Scenario name",
    (Scenario, "currency"): "Currency (ISO code)",
    (Scenario, "multipliers"): "Volume multipliers (x today's volume, comma-separated)",
    (Scenario, "growth"): "How volume grows",
    (Feature, "name"): "Feature",
    (Teacher, "name"): "Teacher model (display name)",
    (Student, "name"): "Student model (display name)",
    (TokenPricing, "model"): "Catalog model",
    (TokenPricing, "provider"): "Catalog provider",
}

# Feature fields edited in the features table, in column order: the per-feature numbers.
TABLE_FIELDS = tuple(
    name for name in Feature.model_fields if name not in ("name", "teacher", "student", "coverage", "escalation")
)


def symbol(currency: str) -> str:
    return currency_symbol(currency)


def spec(model: type[BaseModel], field: str, currency: str = "USD") -> Spec:
    s = SPECS[(model, field)]
    return Spec(s.label.format(cur=symbol(currency)), s.fmt, s.step, s.min_value, s.max_value, s.integer)


def label(model: type[BaseModel], field: str, currency: str = "USD") -> str:
    if (model, field) in SPECS:
        return spec(model, field, currency).label
    return TEXT_LABELS[(model, field)].format(cur=symbol(currency))


def help_text(model: type[BaseModel], field: str) -> str:
    """The field's description from the scenario schema: what it is and its unit."""
    return model.model_fields[field].description or ""


# --- paths -------------------------------------------------------------------------------------


def _step(node: Any, key: str) -> tuple[Any, str | int]:
    if isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, dict) and item.get("name") == key:
                return item, i
        raise KeyError(key)
    return node[key], key


def get_path(data: dict[str, Any], path: Path) -> Any:
    node: Any = data
    for key in path:
        node, _ = _step(node, key)
    return node


def _parent(data: dict[str, Any], path: Path) -> dict[str, Any] | None:
    node: Any = data
    try:
        for key in path[:-1]:
            node, _ = _step(node, key)
    except (KeyError, TypeError):
        return None
    return node if isinstance(node, dict) else None


def set_path(data: dict[str, Any], path: Path, value: Any) -> bool:
    """Set the value at `path`; False (nothing set) when the path no longer exists.

    A field given as a range keeps it: the value becomes the range's mode (the scenario's check
    low <= mode <= high then applies)."""
    node = _parent(data, path)
    if node is None:
        return False
    _set_field(node, path[-1], value)
    return True


def _set_field(node: dict[str, Any], key: str, value: Any) -> None:
    """Set a field; a range it has takes the value as its mode (a cleared value, None, clears the range)."""
    node[key] = value
    ranges = node.get(RANGES_KEY) or {}
    if key in ranges:
        if value is None:
            del ranges[key]
        else:
            ranges[key]["mode"] = value


def model_range(scenario: Scenario, path: Path) -> Range | None:
    """The range of the field at `path` of the scenario model (features named), or None."""
    node: Any = scenario
    for key in path[:-1]:
        if isinstance(node, list):
            node = next((item for item in node if getattr(item, "name", None) == key), None)
        else:
            node = getattr(node, key, None)
        if node is None:
            return None
    return node.ranges.get(path[-1]) if hasattr(node, "ranges") else None


def range_note(found: Range) -> str:
    """How a ranged input reads beside its mode: 'range 15,000 to 50,000 (edit it on the Risk page)'."""
    return f"range {found.low:,.6g} to {found.high:,.6g} (edit it on the Risk page)"


def get_range(data: dict[str, Any], path: Path) -> dict[str, float] | None:
    """The range {"low", "mode", "high"} of the field at `path` in a scenario's Python dump, or None."""
    node = _parent(data, path)
    return None if node is None else (node.get(RANGES_KEY) or {}).get(path[-1])


def set_range(data: dict[str, Any], path: Path, bounds: dict[str, float] | None) -> bool:
    """Give the field at `path` the range `bounds` ({"low", "mode", "high"}), or make it a plain number
    (its mode) again with None; False when the path no longer exists."""
    node = _parent(data, path)
    if node is None:
        return False
    ranges = node.setdefault(RANGES_KEY, {})
    ranges.pop(path[-1], None)
    node[path[-1]] = node[path[-1]] if bounds is None else dict(bounds)
    return True


def key_of(path: Path) -> str:
    """A stable widget key for a path: 'in|features|Support chat|users'."""
    return "in|" + "|".join(path)


def named_location(loc: Iterable[int | str], data: dict[str, Any]) -> Path:
    """A pydantic error location as a path with feature names, without the pricing kind tags."""
    path: list[str] = []
    node: Any = data
    for key in loc:
        if isinstance(key, int):
            item = node[key] if isinstance(node, list) and key < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            path.append(str(name) if name is not None else f"#{key}")
            node = item
            continue
        if key in PRICING_KINDS and path and path[-1] == "pricing":
            continue
        path.append(str(key))
        node = node.get(key) if isinstance(node, dict) else None
    return tuple(path)


@dataclass(frozen=True)
class Problem:
    path: Path
    message: str


def validate(data: dict[str, Any]) -> tuple[Scenario | None, list[Problem]]:
    """The scenario, or None and each problem at its path (feature names in place of positions)."""
    try:
        return Scenario.model_validate(data), []
    except ValidationError as err:
        problems = [
            Problem(named_location(clean_location(e), data), error_message(e)) for e in err.errors(include_url=False)
        ]
        return None, problems


def describe(problem: Problem) -> str:
    """`features › Support chat › teacher › quality: input should be ...`"""
    where = " › ".join(problem.path)
    return f"{where}: {problem.message}" if where else problem.message


# --- the features table --------------------------------------------------------------------------


def features_table(scenario: Scenario) -> pd.DataFrame:
    """One row per feature: its name, the flat inputs of TABLE_FIELDS, and its models (read-only)."""
    records = []
    for f in scenario.features:
        record: dict[str, Any] = {"name": f.name}
        record.update({field: getattr(f, field) for field in TABLE_FIELDS})
        record["teacher"] = f.teacher.name
        record["student"] = f.student.name if f.student is not None else "—"
        records.append(record)
    return pd.DataFrame(records, columns=["name", *TABLE_FIELDS, "teacher", "student"])


def default_teacher() -> dict[str, Any]:
    return {"name": "Teacher model", "quality": 0.9, "pricing": {"kind": "per_request", "cost": 0.01}}


def _clean(value: Any) -> Any:
    """A table cell as a scenario value: NaN (a cleared number cell) becomes None."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def apply_table_edits(scenario: Scenario, edits: dict[str, Any]) -> dict[str, Any]:
    """The scenario's data after a data_editor's edits (edited_rows, added_rows, deleted_rows).

    Row positions refer to `features_table(scenario)`. A renamed row keeps its models; an added row
    gets a copy of the first feature's teacher, no student, and zeros for the numbers left empty.
    """
    data = scenario.model_dump()
    features = data["features"]
    for position, change in (edits.get("edited_rows") or {}).items():
        row = int(position)
        if 0 <= row < len(features):
            for column, value in change.items():
                if column == "name" or column in TABLE_FIELDS:
                    _set_field(features[row], column, _clean(value))
    deleted = {int(p) for p in edits.get("deleted_rows") or []}
    kept = [f for i, f in enumerate(features) if i not in deleted]
    template = features[0]["teacher"] if features else default_teacher()
    names = {f["name"] for f in kept}
    for added in edits.get("added_rows") or []:
        new_row: dict[str, Any] = {"name": None, **{field: None for field in TABLE_FIELDS}}
        new_row.update({k: _clean(v) for k, v in added.items() if k == "name" or k in TABLE_FIELDS})
        if not new_row["name"]:
            n = len(kept) + 1
            while f"Feature {n}" in names:
                n += 1
            new_row["name"] = f"Feature {n}"
        for field in TABLE_FIELDS:
            if new_row[field] is None:
                new_row[field] = (
                    Feature.model_fields[field].default if not Feature.model_fields[field].is_required() else 0.0
                )
        names.add(new_row["name"])
        kept.append(
            {
                **new_row,
                "teacher": dict(template, pricing=dict(template["pricing"])),
                "student": None,
                "coverage": None,
                "escalation": 0.0,
            }
        )
    data["features"] = kept
    return data


def table_problem(problem: Problem) -> str:
    """A table problem as `Row 2 (Search), column users: ...` where the path allows."""
    path = problem.path
    if len(path) >= 2 and path[0] == "features":
        column = " › ".join(path[2:]) or "feature"
        return f"Feature {path[1]!r}, {column}: {problem.message}"
    return describe(problem)


# --- defaults for new models ------------------------------------------------------------------------


def catalog_prices(row: CatalogPrice) -> dict[str, Any]:
    return {
        "model": row.model,
        "provider": row.provider,
        "input_price_per_mtok": row.input_price_per_mtok,
        "cached_input_price_per_mtok": row.cached_input_price_per_mtok,
        "cache_write_price_per_mtok": cache_write_price(row),
        "output_price_per_mtok": row.output_price_per_mtok,
    }


def cache_write_price(row: CatalogPrice) -> float:
    """Today's base-tier cache-write price of a catalog model (its input price where none is listed)."""
    found = price_row(row.provider, row.model, None, 0)
    return row.input_price_per_mtok if found is None else float(found.p_write)


def default_pricing(kind: str) -> dict[str, Any]:
    """A valid pricing of `kind` to start from when the user switches kind."""
    if kind == "per_request":
        return {"kind": "per_request", "cost": 0.01}
    if kind == "self_hosted":
        return SelfHostedPricing.model_validate({"hourly_price": 1.0, "throughput_rps": 10.0}).model_dump()
    pricing: dict[str, Any] = {"kind": "tokens", "input_tokens": 1000.0, "output_tokens": 250.0}
    try:
        pricing.update(catalog_prices(lookup("gpt-4o-mini", "openai")))
    except UnknownModelError:
        pricing.update({"input_price_per_mtok": 0.15, "output_price_per_mtok": 0.6})
    return TokenPricing.model_validate(pricing).model_dump()


def default_student(teacher_quality: float) -> dict[str, Any]:
    """A student to start from: flat-priced, retaining 95% of the teacher's quality (or what fits)."""
    retention = min(0.95, 1.0 / teacher_quality) if teacher_quality > 0 else 0.95
    return Student(
        name="Distilled student", quality_retention=retention, pricing=PerRequestPricing(cost=0.001)
    ).model_dump()


def catalog_label(row: CatalogPrice, currency: str = "USD") -> str:
    cur = symbol(currency)
    name = f"{row.model} ({row.provider})" if row.name == row.model else f"{row.name} ({row.model}, {row.provider})"
    return f"{name} — {cur}{row.input_price_per_mtok:g} in / {cur}{row.output_price_per_mtok:g} out per M tokens"


def catalog_match(pricing: dict[str, Any], rows: tuple[CatalogPrice, ...]) -> int | None:
    """Position in `rows` of the pricing's catalog model, or None."""
    model, provider = pricing.get("model"), pricing.get("provider")
    if not model:
        return None
    for i, row in enumerate(rows):
        if row.model == model and (provider is None or row.provider == provider):
            return i
    try:
        found = lookup(model, provider)
    except (UnknownModelError, LookupError):
        return None
    for i, row in enumerate(rows):
        if row.provider == found.provider and row.model == found.model:
            return i
    return None

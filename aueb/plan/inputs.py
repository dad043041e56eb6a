"""The inputs of the savings plan: L.json's levers (checked, one-line errors naming feature, lever and value),
`--metrics` files (a metrics JSON or a per-example CSV as `aueb cascade` reads) and the quality they measure."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from aueb.catalog import UnknownModelError, lookup
from aueb.errors import InputError
from aueb.metrics import Cascade, MetricsError, load_metrics
from aueb.predictions import FALSE, TRUE, read_predictions

LEVERS = ("caching", "batch", "downsizing", "routing", "distillation")
MODEL_CHOICE = ("downsizing", "routing", "distillation")
DEFAULT_READS_PER_WRITE = 10.0
# The columns of a per-example CSV, as the bundled data/predictions_example.csv names them.
CONFIDENCE, STUDENT_CORRECT, TEACHER_CORRECT = "student_confidence", "student_correct", "teacher_correct"


@dataclass
class LeverSpec:
    feature: str
    lever: str
    params: dict[str, Any]
    proposal: bool = False


@dataclass(frozen=True)
class PlannedStudent:
    """How a log feature's combined plan serves its calls with a --scenario student: the student serves a share
    `coverage` of the model-served requests, `escalation` of those also go to the teacher, whose cost per
    model-served request (under the plan's teacher levers) is `teacher_cost` / the month's model-served requests."""

    student: Any  # aueb.scenario.Student, priced as the plan prices it
    coverage: float
    escalation: float
    teacher_cost: float  # the teacher's monthly cost at 1x on all the feature's calls


@dataclass
class PlanResult:
    levers: list[dict[str, Any]] = field(default_factory=list)
    combined: list[dict[str, Any]] = field(default_factory=list)
    already_saved: list[dict[str, Any]] = field(default_factory=list)
    waterfall: list[dict[str, Any]] = field(default_factory=list)
    proposals: bool = False
    # A log's features whose combined plan takes a student (routing, distillation): how --write-scenario prices it.
    students: dict[str, PlannedStudent] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"levers": self.levers, "combined": self.combined, "already_saved": self.already_saved,
                "waterfall": self.waterfall}  # fmt: skip


def _number(feature: str, lever: str, key: str, value: Any, share: bool) -> dict[str, float]:
    """A number or a {"low", "mode", "high"} range as a range dict; one-line errors naming feature, lever and value."""
    where = f"feature {feature!r}, lever {lever!r}: {key}"
    if isinstance(value, dict):
        if set(value) != {"low", "mode", "high"}:
            raise InputError(f'{where} {json.dumps(value)} must be a number or {{"low", "mode", "high"}}')
        parts = {k: _number(feature, lever, key, value[k], share)["mode"] for k in ("low", "mode", "high")}
        if not parts["low"] <= parts["mode"] <= parts["high"]:
            raise InputError(f"{where} {json.dumps(value)} needs low <= mode <= high")
        return parts
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{where} {value!r} is not a number")
    if share and not 0 <= value <= 1:
        raise InputError(f"{where} {value:g} is not a share between 0 and 1")
    if value < 0:
        raise InputError(f"{where} {value:g} may not be negative")
    return {"low": float(value), "mode": float(value), "high": float(value)}


def parse_levers(data: Any, features: list[str], on_scenario: bool = False) -> list[LeverSpec]:
    """The lever specs of an L.json document, checked: known features, levers, models; shares in [0, 1]."""
    if not isinstance(data, dict) or not isinstance(data.get("features"), dict):
        raise InputError('levers: expected {"features": {FEATURE: {LEVER: {...}}}}')
    specs = []
    for feature, levers in data["features"].items():
        if feature not in features:
            raise InputError(f"feature {feature!r}: not in the source (features: {', '.join(features)})")
        if not isinstance(levers, dict):
            raise InputError(f"feature {feature!r}: expected an object of levers, got {levers!r}")
        for lever, params in levers.items():
            if lever not in LEVERS:
                raise InputError(f"feature {feature!r}, lever {lever!r}: unknown lever (levers: {', '.join(LEVERS)})")
            if not isinstance(params, dict):
                raise InputError(f"feature {feature!r}, lever {lever!r}: expected an object, got {params!r}")
            specs.append(LeverSpec(feature, lever, _check(feature, lever, dict(params))))
    return specs


def _check(feature: str, lever: str, params: dict[str, Any]) -> dict[str, Any]:
    known = {
        "caching": {"cached_share", "reads_per_write", "one_time_cost"},
        "batch": {"share", "one_time_cost"},
        "downsizing": {"model", "provider", "metrics", "one_time_cost"},
        "routing": {"metrics", "one_time_cost"},
        "distillation": {"one_time_cost"},
    }[lever]
    for key in params:
        if key not in known:
            raise InputError(
                f"feature {feature!r}, lever {lever!r}: unknown input {key!r} (inputs: {', '.join(sorted(known))})"
            )
    out: dict[str, Any] = {}
    if lever == "caching":
        if "cached_share" not in params:
            raise InputError(f"feature {feature!r}, lever 'caching': cached_share is missing")
        out["cached_share"] = _number(feature, lever, "cached_share", params["cached_share"], True)
        w = _number(feature, lever, "reads_per_write", params.get("reads_per_write", DEFAULT_READS_PER_WRITE), False)
        if w["low"] <= 0:
            raise InputError(f"feature {feature!r}, lever 'caching': reads_per_write {w['low']:g} must be above 0")
        out["reads_per_write"] = w
    elif lever == "batch":
        if "share" not in params:
            raise InputError(f"feature {feature!r}, lever 'batch': share is missing")
        out["share"] = _number(feature, lever, "share", params["share"], True)
    elif lever == "downsizing":
        model = params.get("model")
        if not isinstance(model, str) or not model:
            raise InputError(f"feature {feature!r}, lever 'downsizing': model {model!r} must be a catalog model name")
        try:
            found = lookup(model, params.get("provider"))
        except UnknownModelError as exc:
            raise InputError(f"feature {feature!r}, lever 'downsizing': {exc}") from None
        out.update(model=found.model, provider=found.provider)
    if lever in ("downsizing", "routing") and params.get("metrics") is not None:
        if not isinstance(params["metrics"], str) or not params["metrics"]:
            raise InputError(f"feature {feature!r}, lever {lever!r}: metrics {params['metrics']!r} must be a path")
        out["metrics"] = params["metrics"]
    out["one_time_cost"] = _number(feature, lever, "one_time_cost", params.get("one_time_cost", 0.0), False)["mode"]
    return out


def load_levers(path: str, features: list[str], on_scenario: bool = False) -> list[LeverSpec]:
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise InputError(f"--levers {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"--levers {path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    return parse_levers(data, features, on_scenario)


# --- metrics: quality of a downsizing target, the cascade of a routing lever ------------------------------------


def _is_csv(path: str) -> bool:
    return Path(path).suffix.lower() in (".csv", ".tsv", ".txt")


def _csv_accuracies(path: str) -> tuple[float, float]:
    """(teacher accuracy, student accuracy) of a per-example CSV: the means of its correctness columns."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"--metrics {path}: cannot read the file ({exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    for column in (STUDENT_CORRECT, TEACHER_CORRECT):
        if column not in (reader.fieldnames or []):
            raise InputError(f"--metrics {path}: no column {column!r} (columns: {', '.join(reader.fieldnames or [])})")
    right = {STUDENT_CORRECT: 0, TEACHER_CORRECT: 0}
    n = 0
    for number, row in enumerate(reader, start=2):
        n += 1
        for column in right:
            cell = (row[column] or "").strip().lower()
            if cell not in TRUE + FALSE:
                raise InputError(f"--metrics {path}: row {number}, column {column}: {cell!r} must be 0/1 or true/false")
            right[column] += cell in TRUE
    if not n:
        raise InputError(f"--metrics {path}: no examples")
    return right[TEACHER_CORRECT] / n, right[STUDENT_CORRECT] / n


def quality_of(path: str | None) -> tuple[float | None, float | None]:
    """(teacher accuracy, student accuracy) of a metrics JSON or a per-example CSV, else (None, None): unmeasured."""
    if not path:
        return None, None
    if _is_csv(path):
        return _csv_accuracies(path)
    try:
        m = load_metrics(Path(path))
    except (MetricsError, OSError) as exc:
        raise InputError(f"{path}: {exc}") from None
    return m.teacher.accuracy, m.student.accuracy


def _metrics(path: str) -> Any:
    """A metrics file, read once while it is unchanged (the levers of many features may name the same one)."""
    return _metrics_at(path, Path(path).stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _metrics_at(path: str, mtime_ns: int) -> Any:
    return load_metrics(Path(path))


def cascade_of(path: str, feature: str) -> Cascade:
    """The measured cascade of a metrics JSON (written by `aueb cascade`) or of a per-example CSV."""
    where = f"feature {feature!r}, lever 'routing': metrics {path}"
    if _is_csv(path):
        return Cascade.measure(read_predictions(path, CONFIDENCE, STUDENT_CORRECT, TEACHER_CORRECT))
    try:
        m = _metrics(path)
    except (MetricsError, OSError) as exc:
        raise InputError(f"{where}: {exc}") from None
    if m.cascade is None:
        raise InputError(f"{where}: has no cascade (write one with `aueb cascade ... --into {path}`)")
    return m.cascade


def parse_metrics_options(values: list[str]) -> list[tuple[str | None, str]]:
    """`--metrics [KEY=]PATH` values as (KEY or None, PATH); KEY is a feature or a downsizing target's model."""
    out: list[tuple[str | None, str]] = []
    for value in values:
        key, sep, path = value.partition("=")
        if not sep or Path(value).is_file():  # a file whose name holds "=" is a file, not KEY=FILE
            key, path = "", value
        if not Path(path).is_file():
            raise InputError(f"--metrics {value}: no such file {path!r}")
        out.append((key or None, path))
    return out


def _student_name(path: str) -> str:
    if _is_csv(path):
        return ""
    try:
        return (load_metrics(Path(path)).student.name or "").lower()
    except (MetricsError, OSError):
        return ""


def _has_cascade(path: str) -> bool:
    if _is_csv(path):
        with Path(path).open(encoding="utf-8-sig") as file:
            return CONFIDENCE in next(csv.reader(file), [])
    try:
        return load_metrics(Path(path)).cascade is not None
    except (MetricsError, OSError):
        return False


def cascade_file(metrics: list[tuple[str | None, str]], feature: str) -> str | None:
    """The first `--metrics` file for `feature` (or for every feature) that holds a cascade."""
    for key, path in metrics:
        if key in (None, feature) and _has_cascade(path):
            return path
    return None


def attach_metrics(specs: list[LeverSpec], metrics: list[tuple[str | None, str]]) -> list[LeverSpec]:
    """Fill the metrics of levers that name none from `--metrics`: a routing lever takes its feature's cascade;
    a downsizing lever takes the file keyed by its model (`MODEL=PATH`), or a JSON whose student names the model."""
    for spec in specs:
        p = spec.params
        if p.get("metrics"):
            continue
        if spec.lever == "routing":
            found = cascade_file(metrics, spec.feature)
            if found is None:
                raise InputError(
                    f"feature {spec.feature!r}, lever 'routing': metrics is missing (a metrics JSON with a cascade, "
                    "in L.json or through --metrics)"
                )
            p["metrics"] = found
        elif spec.lever == "downsizing":
            model = p["model"].lower()
            named = re.compile(rf"(?<![\w.-]){re.escape(model)}(?![\w.-])")  # gpt-4o is not in gpt-4o-mini
            for key, path in metrics:
                if (key or "").lower() == model or (key in (None, spec.feature) and named.search(_student_name(path))):
                    p["metrics"] = path
                    break
    return specs

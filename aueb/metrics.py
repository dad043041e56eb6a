"""The metrics contract: what a distillation run measured, as one versioned pydantic v2 model.

`aueb distill` writes it, the dashboard reads it, and `aueb apply-metrics` carries it into a scenario.
An engineer with their own eval writes the same JSON by hand (see data/metrics_example.json);
every field is documented in its description below. This module does not import torch.

Units: accuracies and shares are fractions in [0, 1]; latencies in milliseconds; throughputs in
examples (requests) per second; FLOPs count one multiply-add as 2 FLOPs; money is per hour or per
million requests, in the currency of the scenario the metrics are applied to.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import Field, ValidationError, model_validator

from aueb import cascade as cascade_math
from aueb import quality
from aueb.strict import StrictModel

METRICS_SCHEMA_VERSION: Final = 3
READABLE_VERSIONS = (1, 2, 3)  # version 1: no cascade; version 2: no intervals

# quality_retention and student.accuracy / teacher.accuracy may differ by rounding, not more.
RETENTION_TOLERANCE = 0.01

Accuracy = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
# A 95% interval [low, high] (ECONOMICS.md, "How sure a measured quality is"), in the unit of its figure.
Interval = tuple[Finite, Finite]


def _check_interval(name: str, interval: Interval | None, value: float | None = None) -> None:
    if interval is None:
        return
    low, high = interval
    if low > high:
        raise ValueError(f"{name}: low {low:g} is above high {high:g}")


class MetricsError(ValueError):
    """A metrics file or an application of metrics to a scenario that cannot be used; one-line message."""


_Model = StrictModel


_DESCRIPTIONS = {
    "name": "Display name of the model (e.g. 'MLP 64-32-10' or 'gpt-4o, external teacher')",
    "accuracy": "Share of held-out test examples the model gets right (fraction 0-1; mean over seeds)",
    "accuracy_std": "Sample standard deviation of the accuracy over seeds (fraction 0-1)",
    "parameters": "Parameters of the model (count)",
    "flops_per_example": "Floating-point operations of one forward pass for one example (FLOPs; a multiply-add "
    "counts as 2)",
    "latency_ms_p50": "Median latency of one request at batch size 1 (milliseconds)",
    "latency_ms_p95": "95th-percentile latency of one request at batch size 1 (milliseconds)",
    "throughput_batch1": "Examples per second, one example per call (examples/s)",
    "throughput_batch256": "Examples per second in batches of 256: the sustained rate of a batching server "
    "(examples/s)",
    "accuracy_ci95": "95% Wilson interval [low, high] of the accuracy on test_examples (fraction 0-1; schema 3)",
    "test_examples": "Held-out test examples behind the accuracy, every seed's split together (count; schema 3)",
    "cost_per_million_requests": "Cost of a million requests (currency); for a measured model hardware.hourly_price "
    "/ (throughput_batch256 * 3600) * 1e6",
}


def _field(key: str, required: bool = False) -> Any:
    return Field(description=_DESCRIPTIONS[key]) if required else Field(default=None, description=_DESCRIPTIONS[key])


class ModelMetrics(_Model):
    """One model as measured. The teacher's speed and size are null when it is external (an API)."""

    name: str | None = _field("name")
    accuracy: Accuracy = _field("accuracy", required=True)
    accuracy_std: NonNegative | None = _field("accuracy_std")
    accuracy_ci95: Interval | None = _field("accuracy_ci95")
    test_examples: Annotated[int, Field(ge=1)] | None = _field("test_examples")
    parameters: Annotated[int, Field(gt=0)] | None = _field("parameters")
    flops_per_example: Positive | None = _field("flops_per_example")
    latency_ms_p50: Positive | None = _field("latency_ms_p50")
    latency_ms_p95: Positive | None = _field("latency_ms_p95")
    throughput_batch1: Positive | None = _field("throughput_batch1")
    throughput_batch256: Positive | None = _field("throughput_batch256")
    cost_per_million_requests: NonNegative | None = _field("cost_per_million_requests")

    @model_validator(mode="after")
    def _check(self) -> ModelMetrics:
        _check_interval("accuracy_ci95", self.accuracy_ci95)
        if (
            self.latency_ms_p50 is not None
            and self.latency_ms_p95 is not None
            and self.latency_ms_p95 < self.latency_ms_p50
        ):
            raise ValueError(
                f"latency_ms_p95 ({self.latency_ms_p95:g}) may not be below latency_ms_p50 ({self.latency_ms_p50:g})"
            )
        return self


class StudentMetrics(ModelMetrics):
    """The student: the model you will serve, so its size and speed are required."""

    parameters: Annotated[int, Field(gt=0)] = _field("parameters", required=True)
    flops_per_example: Positive = _field("flops_per_example", required=True)
    latency_ms_p50: Positive = _field("latency_ms_p50", required=True)
    latency_ms_p95: Positive = _field("latency_ms_p95", required=True)
    throughput_batch1: Positive = _field("throughput_batch1", required=True)
    throughput_batch256: Positive = _field("throughput_batch256", required=True)
    cost_per_million_requests: NonNegative = _field("cost_per_million_requests", required=True)


class Hardware(_Model):
    """Where the speeds were measured."""

    device: str = Field(
        min_length=1, description="The machine the timings ran on (e.g. 'cpu: AMD EPYC' or 'NVIDIA L4')"
    )
    threads: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="CPU threads used for the timings (count; null on an accelerator)"
    )
    hourly_price: NonNegative = Field(
        description="Price of that machine (currency per hour), the basis of cost_per_million_requests"
    )


class DataSummary(_Model):
    """Sizes of the data the run used."""

    classes: Annotated[int, Field(ge=2)] = Field(description="Number of classes")
    features: Annotated[int, Field(ge=1)] = Field(description="Numeric input features per example")
    train_inputs: Annotated[int, Field(ge=1)] = Field(
        description="Training inputs the teacher labels for the student: the transfer set (count)"
    )
    labelled_train: Annotated[int, Field(ge=1)] = Field(
        description="Training inputs whose true label the student sees, per seed (count)"
    )
    test: Annotated[int, Field(ge=1)] = Field(description="Held-out labelled test examples (count)")


class CascadePoint(_Model):
    """One operating point of the confidence cascade: keep the student's answer when its confidence >= threshold."""

    threshold: Finite = Field(
        description="Confidence threshold tau (the student's highest class probability, or the eval's own confidence "
        "score)"
    )
    coverage: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = Field(
        description="Share of examples whose confidence >= threshold: the student's answer is kept (fraction 0-1)"
    )
    selective_accuracy: Accuracy = Field(description="Accuracy of the student on the kept examples (fraction 0-1)")
    system_accuracy: Accuracy = Field(
        description="Accuracy of the cascade: kept examples answered by the student, the rest by the teacher "
        "(fraction 0-1)"
    )
    system_accuracy_ci95: Interval | None = Field(
        default=None,
        description="95% paired-bootstrap interval [low, high] of system_accuracy at this threshold (schema 3)",
    )


CPT_KEYS = tuple(str(level) for level in cascade_math.CPT_LEVELS)


class Cascade(_Model):
    """The confidence cascade measured on held-out examples (docs/economics.md, its section on the cascade)."""

    points: list[CascadePoint] = Field(
        min_length=1,
        description="The curve by ascending coverage (descending threshold), at every distinct confidence value or "
        "coverage steps of at most 0.5%",
    )
    teacher_accuracy: Accuracy = Field(
        description="A_T: accuracy of the teacher alone on the same examples (fraction 0-1)"
    )
    student_accuracy: Accuracy = Field(
        description="A_S: accuracy of the student alone on the same examples (fraction 0-1)"
    )
    apgr: Finite | None = Field(
        description="Area under the quality gap recovered against the teacher share, 0 to 1 (fraction; null when A_T "
        "= A_S)"
    )
    apgr_ci95: Interval | None = Field(
        default=None,
        description="95% paired-bootstrap interval [low, high] of apgr over the held-out examples (schema 3)",
    )
    cpt: dict[str, Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None] = Field(
        description="Smallest teacher share (fraction 0-1) at which the cascade recovers 50%, 80% and 95% of the "
        "quality gap, keys '0.5', '0.8', '0.95' (null when not reached or A_T = A_S)"
    )
    aurc: Accuracy = Field(
        description="Area under the selective risk (1 - accuracy) against coverage, most confident first (fraction "
        "0-1; lower is better)"
    )
    n_examples: Annotated[int, Field(ge=1)] = Field(description="Held-out examples the curve was measured on (count)")

    @model_validator(mode="after")
    def _check(self) -> Cascade:
        if sorted(self.cpt) != sorted(CPT_KEYS):
            raise ValueError(f"cpt: needs exactly the keys {', '.join(CPT_KEYS)} (got {', '.join(self.cpt) or 'none'})")
        for i, (before, after) in enumerate(zip(self.points, self.points[1:], strict=False)):
            if not (after.coverage > before.coverage and after.threshold < before.threshold):
                raise ValueError(f"points[{i + 1}]: points must go by ascending coverage and descending threshold")
        return self

    @classmethod
    def measure(cls, held_out: cascade_math.HeldOut, with_intervals: bool = True) -> Cascade:
        """The curve and its summary figures, from per-example held-out results; with_intervals adds the
        paired-bootstrap intervals of APGR and of each point's system accuracy."""
        curve = cascade_math.curve(held_out)
        stored = cascade_math.stored_points(curve)
        thresholds = curve.threshold[stored].tolist()
        bands: list[Interval | None] = [None] * len(thresholds)
        apgr_band = None
        if with_intervals:
            bands = list(quality.system_accuracy_intervals(held_out, thresholds))
            apgr_band = quality.cascade_bootstrap(held_out).apgr
        return cls(
            points=[
                CascadePoint(threshold=t, coverage=c, selective_accuracy=a, system_accuracy=q, system_accuracy_ci95=b)
                for t, c, a, q, b in zip(
                    thresholds,
                    curve.coverage[stored].tolist(),
                    curve.selective_accuracy[stored].tolist(),
                    curve.system_accuracy[stored].tolist(),
                    bands,
                    strict=True,
                )
            ],
            teacher_accuracy=curve.teacher_accuracy,
            student_accuracy=curve.student_accuracy,
            apgr=cascade_math.apgr(curve),
            apgr_ci95=apgr_band,
            cpt={
                key: cascade_math.cpt(curve, level)
                for key, level in zip(CPT_KEYS, cascade_math.CPT_LEVELS, strict=True)
            },
            aurc=cascade_math.aurc(held_out),
            n_examples=held_out.n,
        )

    def column(self, name: str) -> list[float]:
        """One figure of every point, by ascending coverage."""
        return [getattr(point, name) for point in self.points]


class SeedResult(_Model):
    """One seed of the run: the same student architecture trained three ways."""

    seed: int = Field(description="Seed of initialisation, batch order and the choice of labelled examples")
    teacher_accuracy: Accuracy = Field(description="Teacher test accuracy (fraction 0-1)")
    student_accuracy: Accuracy = Field(
        description="Distilled student (true labels + teacher soft targets) test accuracy (fraction 0-1)"
    )
    hard_label_accuracy: Accuracy = Field(description="Same student trained on the true labels alone (fraction 0-1)")
    pseudo_label_accuracy: Accuracy = Field(
        description="Same student trained on true labels + the teacher's argmax labels (fraction 0-1)"
    )
    agreement: Accuracy = Field(
        description="Share of test inputs where the distilled student's argmax equals the teacher's (fraction 0-1)"
    )
    kd_gain_pp: Finite = Field(description="student_accuracy - hard_label_accuracy (percentage points)")
    cascade: Cascade | None = Field(
        default=None,
        description="The distilled student's confidence cascade against the teacher on this seed's held-out examples",
    )


class DistillationMetrics(_Model):
    """What a distillation run (or a team's own eval) measured: quality retained, speed, cost."""

    schema_version: Literal[1, 2, 3] = Field(
        description="Version of this contract: 3 (2: no intervals, 1: no cascade; this aueb reads all three)"
    )
    dataset: str = Field(min_length=1, description="What the models were evaluated on (free text)")
    teacher: ModelMetrics = Field(description="The teacher; size and speed null for an external teacher")
    student: StudentMetrics = Field(description="The distilled student")
    quality_retention: NonNegative = Field(
        description="student.accuracy / teacher.accuracy (ratio; above 1 when the student beats the teacher). "
        "This is what apply-metrics puts into a scenario's student.quality_retention"
    )
    quality_retention_ci95: Interval | None = Field(
        default=None,
        description="95% paired-bootstrap interval [low, high] of quality_retention (2,000 resamples, seeded; "
        "schema 3)",
    )
    quality_retention_std: NonNegative | None = Field(
        default=None, description="Sample standard deviation of the per-seed retention across seeds (ratio; schema 3)"
    )
    test_examples: Annotated[int, Field(ge=1)] | None = Field(
        default=None,
        description="Held-out test examples behind the accuracies, every seed's split together (count; schema 3)",
    )
    kd_gain_pp: Finite | None = Field(
        default=None,
        description="Mean over seeds of student accuracy minus hard-label student accuracy (percentage points); null "
        "if not measured",
    )
    kd_gain_pp_std: NonNegative | None = Field(
        default=None, description="Sample standard deviation of kd_gain_pp over seeds (percentage points)"
    )
    kd_gain_pp_ci95: Interval | None = Field(
        default=None,
        description="95% paired-bootstrap interval [low, high] of kd_gain_pp (percentage points; schema 3)",
    )
    kd_wins: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="Seeds on which the distilled student beat the hard-label student (count)"
    )
    hard_label_accuracy: Accuracy | None = Field(
        default=None, description="Mean accuracy of the student trained on the true labels alone (fraction 0-1)"
    )
    hard_label_accuracy_ci95: Interval | None = Field(
        default=None, description="95% Wilson interval [low, high] of hard_label_accuracy (fraction 0-1; schema 3)"
    )
    pseudo_label_accuracy: Accuracy | None = Field(
        default=None,
        description="Mean accuracy of the student trained on the teacher's argmax labels: all an API teacher that "
        "returns only labels gives (fraction 0-1)",
    )
    pseudo_label_accuracy_ci95: Interval | None = Field(
        default=None, description="95% Wilson interval [low, high] of pseudo_label_accuracy (fraction 0-1; schema 3)"
    )
    agreement: Accuracy | None = Field(
        default=None,
        description="Mean share of test inputs where student and teacher predict the same class (fraction 0-1)",
    )
    hardware: Hardware = Field(description="Where the timings ran and what it costs per hour")
    seeds: list[int] = Field(min_length=1, description="Seeds of the runs averaged here ([0] for a single eval)")
    per_seed: list[SeedResult] | None = Field(default=None, description="Results of each seed")
    labels_per_class: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="True labels per class the student saw (count; null = all labelled training rows)"
    )
    temperature: Positive | None = Field(
        default=None, description="Softmax temperature of the soft targets (the soft loss is scaled by its square)"
    )
    alpha: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None, description="Weight of the true-label loss; 1 - alpha weighs the teacher's targets (fraction 0-1)"
    )
    data: DataSummary | None = Field(default=None, description="Sizes of the data")
    phase_seconds: dict[str, NonNegative] | None = Field(
        default=None, description="Wall time of each phase of the run (seconds)"
    )
    wall_seconds: NonNegative | None = Field(default=None, description="Wall time of the whole run (seconds)")
    created_at: datetime | None = Field(default=None, description="When the metrics were produced (ISO 8601)")
    aueb_version: str | None = Field(default=None, description="Version of aueb that wrote the file")
    notes: str | None = Field(
        default=None, description="Free text: how the numbers were obtained (JSON has no comments)"
    )
    cascade: Cascade | None = Field(
        default=None,
        description="The confidence cascade of the student against the teacher on the held-out examples of every "
        "seed pooled (schema_version 2)",
    )

    @model_validator(mode="after")
    def _check(self) -> DistillationMetrics:
        if self.schema_version == 1 and (
            self.cascade is not None or any(r.cascade is not None for r in self.per_seed or [])
        ):
            raise ValueError("cascade: needs schema_version 2")
        for name in (
            "quality_retention_ci95",
            "kd_gain_pp_ci95",
            "hard_label_accuracy_ci95",
            "pseudo_label_accuracy_ci95",
        ):
            _check_interval(name, getattr(self, name))
        if self.teacher.accuracy == 0:
            raise ValueError("teacher.accuracy is 0: retention (student / teacher accuracy) is undefined")
        ratio = self.student.accuracy / self.teacher.accuracy
        if abs(self.quality_retention - ratio) > RETENTION_TOLERANCE:
            raise ValueError(
                f"quality_retention ({self.quality_retention:g}) does not match student.accuracy / teacher.accuracy "
                f"({self.student.accuracy:g} / {self.teacher.accuracy:g} = {ratio:.4f})"
            )
        if self.kd_wins is not None and self.kd_wins > len(self.seeds):
            raise ValueError(f"kd_wins ({self.kd_wins}) is more than the {len(self.seeds)} seeds")
        return self


def _describe(error: dict[str, Any]) -> str:
    """One validation error as 'field.path: what is wrong (got value)'."""
    loc = ""
    for part in error["loc"]:
        loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
    kind = error["type"]
    ctx = {k: format(v, "g") if isinstance(v, float) else v for k, v in error.get("ctx", {}).items()}
    messages = {
        "missing": "is missing",
        "extra_forbidden": "is not a field of the metrics contract (a typo?)",
        "less_than_equal": f"must be at most {ctx.get('le')}",
        "less_than": f"must be below {ctx.get('lt')}",
        "greater_than_equal": f"must be at least {ctx.get('ge')}",
        "greater_than": f"must be above {ctx.get('gt')}",
        "literal_error": f"must be {ctx.get('expected')}",
        "finite_number": "must be a finite number",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "string_type": "must be a string",
        "model_type": "must be an object",
        "dict_type": "must be an object",
        "list_type": "must be a list",
        "too_short": f"must have at least {ctx.get('min_length')} item(s)",
    }
    message = messages.get(kind) or error["msg"].removeprefix("Value error, ")
    if kind in ("missing", "value_error", "assertion_error"):
        got = ""
    else:
        got = f" (got {json.dumps(error['input'], default=str)[:60]})"
    return f"{loc}: {message}{got}" if loc else f"{message}{got}"


def _one_line(error: ValidationError) -> str:
    errors = error.errors()
    more = f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return _describe(dict(errors[0])) + more


def parse_metrics(text: str, path: Path | None = None) -> DistillationMetrics:
    """Validate metrics JSON text (an upload, say) without touching the file system; `path` names its file.

    Raises MetricsError (a ValueError) with a one-line message naming the field and value.
    """
    source = "text" if path is None else f"file {path}"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = "text is not JSON" if path is None else f"file is not JSON: {path}"
        raise MetricsError(f"metrics JSON: {where} ({error.msg} at line {error.lineno} column {error.colno})") from None
    if not isinstance(data, dict):
        raise MetricsError(
            f"metrics JSON: {source} holds a JSON {type(data).__name__}, not an object with a schema_version"
        )
    if "schema_version" not in data:
        if "features" in data:
            raise MetricsError(
                f"metrics JSON: {source} is a scenario, not a metrics file (see data/metrics_example.json)"
            )
        raise MetricsError(
            f"metrics JSON: {source} has no schema_version: not an aueb metrics file (see data/metrics_example.json)"
        )
    if data["schema_version"] not in READABLE_VERSIONS or isinstance(data["schema_version"], bool):
        readable = ", ".join(map(str, READABLE_VERSIONS[:-1])) + f" and {READABLE_VERSIONS[-1]}"
        raise MetricsError(
            f"metrics JSON: schema_version: this aueb reads versions {readable} (got "
            f"{json.dumps(data['schema_version'])})"
        )
    try:
        return DistillationMetrics.model_validate(data)
    except ValidationError as error:
        raise MetricsError(f"metrics JSON: {_one_line(error)}") from None


def load_metrics(path_or_text: str | Path) -> DistillationMetrics:
    """Read and validate a metrics JSON, from a file path or from the JSON text itself (a str starting with { or [)."""
    if isinstance(path_or_text, str) and path_or_text.lstrip().startswith(("{", "[")):
        return parse_metrics(path_or_text)
    path = Path(path_or_text)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise MetricsError(f"metrics JSON: file is not JSON: {path} (not UTF-8 text)") from None
    except OSError as error:
        raise MetricsError(f"metrics JSON: cannot read {path}: {error.strerror or error}") from None
    return parse_metrics(text, path)


def save_metrics(metrics: DistillationMetrics, path: str | Path) -> Path:
    """Write the metrics as indented JSON, creating the folder; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(metrics.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path

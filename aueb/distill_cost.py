"""The one-time cost of distilling a student (ECONOMICS.md, "One-time cost of distilling").

D = labelling + training + evaluation + engineering:

- labelling = examples x the teacher's cost per request, (input tokens x input price + output tokens x
  output price) / 1e6, at the teacher's catalog list prices (aueb.catalog);
- training with a provider's fine-tuning = training tokens x its price per million training tokens,
  training tokens = examples x (input + output tokens) x epochs; or GPU hours x an hourly price;
- evaluation = eval examples x (the teacher's + the student's cost per request); a student fine-tuned
  and served by the provider is priced at the provider's fine-tuned inference prices; a student trained
  on your own GPUs has no per-request list price here, so its share of the evaluation is 0 (said in notes);
- engineering, as given.

The fine-tuning prices are a bundled, sourced and dated CSV (aueb/data/fine_tuning_prices.csv) that the
user can edit or replace; a blank training price means none could be verified, so it must be given.
"""

from __future__ import annotations

import csv
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from aueb.catalog import lookup
from aueb.resources import data_path
from aueb.scenario import Scenario

PRICE_COLUMNS = (
    "provider",
    "model",
    "training_price_per_mtok",
    "fine_tuned_input_price_per_mtok",
    "fine_tuned_output_price_per_mtok",
    "currency",
    "source",
    "date",
)
DEFAULT_EPOCHS = 3


class CostError(ValueError):
    """Input that the estimate cannot use; a one-line message naming the field (or row) and value."""


@dataclass(frozen=True)
class FineTunePrice:
    provider: str
    model: str
    training_price_per_mtok: float | None  # None: not verified, must be given
    input_price_per_mtok: float
    output_price_per_mtok: float
    currency: str
    source: str
    date: str


def default_price_table() -> Path:
    return data_path("fine_tuning_prices.csv")


def _price(text: str, column: str, line: int, path: Path, blank_ok: bool) -> float | None:
    text = text.strip()
    if text == "" and blank_ok:
        return None
    try:
        value = float(text)
    except ValueError:
        raise CostError(f"{path.name}, line {line}, column {column}: {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise CostError(f"{path.name}, line {line}, column {column}: {text!r} must be a number of at least 0")
    return value


def load_price_table(path: str | Path | None = None) -> list[FineTunePrice]:
    """The fine-tuning price table (the bundled one by default); CostError names the line and column."""
    path = Path(path) if path is not None else default_price_table()
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in PRICE_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise CostError(f"{path.name}: missing column {missing[0]!r} (columns: {', '.join(PRICE_COLUMNS)})")
            rows = []
            for line, row in enumerate(reader, start=2):
                for column in ("provider", "model"):
                    if not (row[column] or "").strip():
                        raise CostError(f"{path.name}, line {line}, column {column}: is empty")
                rows.append(
                    FineTunePrice(
                        provider=row["provider"].strip().lower(),
                        model=row["model"].strip(),
                        training_price_per_mtok=_price(
                            row["training_price_per_mtok"] or "", "training_price_per_mtok", line, path, True
                        ),
                        input_price_per_mtok=_price(
                            row["fine_tuned_input_price_per_mtok"] or "",
                            "fine_tuned_input_price_per_mtok",
                            line,
                            path,
                            False,
                        )
                        or 0.0,
                        output_price_per_mtok=_price(
                            row["fine_tuned_output_price_per_mtok"] or "",
                            "fine_tuned_output_price_per_mtok",
                            line,
                            path,
                            False,
                        )
                        or 0.0,
                        currency=(row["currency"] or "USD").strip(),
                        source=(row["source"] or "").strip(),
                        date=(row["date"] or "").strip(),
                    )
                )
    except OSError as error:
        raise CostError(f"--price-table: cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise CostError(f"--price-table: {path} is not UTF-8 text") from None
    return rows


def find_fine_tune_price(table: list[FineTunePrice], provider: str, model: str) -> FineTunePrice:
    """The table's row for (provider, model); CostError naming what the table has otherwise."""
    providers = sorted({row.provider for row in table})
    if provider.lower() not in providers:
        raise CostError(
            f"--fine-tune-provider: {provider!r} is not in the fine-tuning price table "
            f"(providers: {', '.join(providers) or 'none'}); add a row to the table or give --training-price-per-mtok"
        )
    models = [row for row in table if row.provider == provider.lower()]
    for row in models:  # the exact name, else the name without its date suffix (gpt-4o-mini for gpt-4o-mini-2024-07-18)
        if row.model == model:
            return row
    for row in models:
        if re.fullmatch(re.escape(model) + r"-\d{4}-\d{2}-\d{2}", row.model):
            return row
    raise CostError(
        f"--fine-tune-model: {model!r} is not in the table for {provider} "
        f"(models: {', '.join(r.model for r in models)})"
    )


@dataclass(frozen=True)
class CostInputs:
    teacher_model: str
    examples: float
    input_tokens: float
    output_tokens: float
    teacher_provider: str | None = None
    fine_tune_provider: str | None = None
    fine_tune_model: str | None = None
    epochs: float = DEFAULT_EPOCHS
    training_price_per_mtok: float | None = None
    gpu_hours: float | None = None
    gpu_hourly_price: float | None = None
    eval_examples: float = 0.0
    engineering: float = 0.0


@dataclass(frozen=True)
class CostEstimate:
    labelling: float
    training: float
    evaluation: float
    engineering: float
    training_tokens: float  # examples x (input + output) x epochs, 0 when trained on GPUs
    teacher_cost_per_request: float
    student_cost_per_request: float | None  # fine-tuned inference prices; None for a GPU-trained student
    teacher: str
    fine_tune: FineTunePrice | None
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return self.labelling + self.training + self.evaluation + self.engineering

    def to_json(self) -> dict:
        return {
            "labelling": self.labelling,
            "training": self.training,
            "evaluation": self.evaluation,
            "engineering": self.engineering,
            "total": self.total,
            "training_tokens": self.training_tokens,
            "teacher": self.teacher,
            "teacher_cost_per_request": self.teacher_cost_per_request,
            "student_cost_per_request": self.student_cost_per_request,
            "fine_tune": None
            if self.fine_tune is None
            else {
                "provider": self.fine_tune.provider,
                "model": self.fine_tune.model,
                "training_price_per_mtok": self.fine_tune.training_price_per_mtok,
                "fine_tuned_input_price_per_mtok": self.fine_tune.input_price_per_mtok,
                "fine_tuned_output_price_per_mtok": self.fine_tune.output_price_per_mtok,
                "source": self.fine_tune.source,
                "date": self.fine_tune.date,
            },
            "notes": self.notes,
        }


def _check(name: str, value: float | None, above_zero: bool = False) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value < 0 or (above_zero and value == 0):
        bound = "above 0" if above_zero else "at least 0"
        raise CostError(f"--{name}: must be a number {bound} (got {value:g})")


_NUMBER_INPUTS = (
    "examples",
    "input_tokens",
    "output_tokens",
    "epochs",
    "training_price_per_mtok",
    "gpu_hours",
    "gpu_hourly_price",
    "eval_examples",
    "engineering",
)


def _overflow(inputs: CostInputs) -> str:
    """The refusal of a cost that overflows a float, naming the input of largest magnitude (as `aueb project`)."""
    name, value = max(
        ((n, float(getattr(inputs, n))) for n in _NUMBER_INPUTS if getattr(inputs, n) is not None),
        key=lambda item: abs(item[1]),
    )
    return (
        f"--{name.replace('_', '-')}: {value:g} is too large: the distillation cost overflows a number "
        f"(above {sys.float_info.max:.3g}); check the value and its unit"
    )


def estimate(inputs: CostInputs, table: list[FineTunePrice] | None = None) -> CostEstimate:
    """The four parts of D from the inputs; CostError (one line) for a bad or contradictory input."""
    for name in ("examples", "input_tokens", "output_tokens", "eval_examples", "engineering"):
        _check(name.replace("_", "-"), getattr(inputs, name))
    _check("epochs", inputs.epochs, above_zero=True)
    for name in ("training_price_per_mtok", "gpu_hours", "gpu_hourly_price"):
        _check(name.replace("_", "-"), getattr(inputs, name))
    on_gpus = inputs.gpu_hours is not None or inputs.gpu_hourly_price is not None
    if on_gpus and (inputs.gpu_hours is None or inputs.gpu_hourly_price is None):
        raise CostError("--gpu-hours and --gpu-hourly-price: give both (training = GPU hours x hourly price)")
    fine_tuning = inputs.fine_tune_provider is not None or inputs.fine_tune_model is not None
    if on_gpus and (fine_tuning or inputs.training_price_per_mtok is not None):
        raise CostError("--gpu-hours: give either GPU hours or a provider's fine-tuning (and its price), not both")
    if fine_tuning and (inputs.fine_tune_provider is None or inputs.fine_tune_model is None):
        raise CostError("--fine-tune-provider and --fine-tune-model: give both")
    if not (on_gpus or fine_tuning or inputs.training_price_per_mtok is not None):
        raise CostError(
            "training: give --fine-tune-provider P --fine-tune-model M, --training-price-per-mtok X, "
            "or --gpu-hours H --gpu-hourly-price G"
        )
    try:
        teacher = lookup(inputs.teacher_model, inputs.teacher_provider)
    except ValueError as error:
        flag = "--teacher-provider" if str(error).startswith("provider") else "--teacher-model"
        raise CostError(f"{flag}: {error}") from None
    teacher_per_request = (
        inputs.input_tokens * teacher.input_price_per_mtok + inputs.output_tokens * teacher.output_price_per_mtok
    ) / 1e6
    labelling = inputs.examples * teacher_per_request
    notes: list[str] = []
    fine_tune = None
    student_per_request: float | None = None
    if on_gpus:
        assert inputs.gpu_hours is not None and inputs.gpu_hourly_price is not None
        training, training_tokens = inputs.gpu_hours * inputs.gpu_hourly_price, 0.0
        if inputs.eval_examples:
            notes.append("student trained on your GPUs: no per-request list price, its share of evaluation is 0")
    else:
        if fine_tuning:
            assert inputs.fine_tune_provider is not None and inputs.fine_tune_model is not None
            fine_tune = find_fine_tune_price(
                table if table is not None else load_price_table(), inputs.fine_tune_provider, inputs.fine_tune_model
            )
            student_per_request = (
                inputs.input_tokens * fine_tune.input_price_per_mtok
                + inputs.output_tokens * fine_tune.output_price_per_mtok
            ) / 1e6
        price = inputs.training_price_per_mtok
        if price is None:
            price = fine_tune.training_price_per_mtok if fine_tune is not None else None
            if price is None:
                raise CostError(
                    f"--training-price-per-mtok: the table has no verified training price for "
                    f"{inputs.fine_tune_provider} {inputs.fine_tune_model}; give it"
                )
        elif fine_tune is not None:
            notes.append(f"training price {price:g} per Mtok given, in place of the table's")
        training_tokens = inputs.examples * (inputs.input_tokens + inputs.output_tokens) * inputs.epochs
        training = training_tokens * price / 1e6
        if student_per_request is None and inputs.eval_examples:
            notes.append(
                "no fine-tuned inference price (no --fine-tune-provider): the student's share of evaluation is 0"
            )
    evaluation = inputs.eval_examples * (teacher_per_request + (student_per_request or 0.0))
    figures = (labelling, training, evaluation, training_tokens, teacher_per_request, student_per_request or 0.0)
    if not all(math.isfinite(v) for v in (*figures, labelling + training + evaluation + inputs.engineering)):
        raise CostError(_overflow(inputs))
    return CostEstimate(
        labelling=labelling,
        training=training,
        evaluation=evaluation,
        engineering=inputs.engineering,
        training_tokens=training_tokens,
        teacher_cost_per_request=teacher_per_request,
        student_cost_per_request=student_per_request,
        teacher=f"{teacher.provider}/{teacher.model}",
        fine_tune=fine_tune,
        notes=notes,
    )


def into_scenario(scenario: Scenario, feature: str, inputs: CostInputs, found: CostEstimate) -> Scenario:
    """The scenario with `feature`'s student.distillation set from the estimate: training_examples = examples
    (labelled at the feature's teacher cost per request by the projection), training_compute = training,
    engineering = engineering + evaluation."""
    names = [f.name for f in scenario.features]
    if feature not in names:
        raise CostError(f"--feature: {feature!r} is not in scenario {scenario.name!r} (features: {', '.join(names)})")
    data = scenario.model_dump()
    target = data["features"][names.index(feature)]
    if target["student"] is None:
        raise CostError(f"--feature: {feature!r} has no student; add one before estimating its distillation cost")
    distillation = target["student"]["distillation"]
    distillation.update(
        training_examples=inputs.examples,
        training_compute=found.training,
        engineering=found.engineering + found.evaluation,
    )
    distillation.pop("ranges", None)
    return Scenario.model_validate(data)

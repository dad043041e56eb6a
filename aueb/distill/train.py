"""Knowledge distillation, plainly: a big teacher, a tiny student trained three ways, measured.

Per seed:
  1. The teacher (a wide MLP) trains on every labelled training row; an external teacher's
     probabilities are used as they are instead.
  2. The same student architecture, from the same initialisation, trains three ways:
       hard    the few true labels alone (what you could do without a teacher)
       kd      the few true labels + the teacher's soft targets at temperature T on every training
               input, the soft loss scaled by T^2 (Hinton et al. 2015) to keep its gradients in scale
       pseudo  the few true labels + the teacher's argmax label on every training input (all an
               API teacher that only returns labels gives you)
  3. All are scored on the held-out test split; the distilled student's confidence on each test
     example, with both models' correctness, gives the cascade curve (aueb.cascade).
Each seed has its own stratified train/test split (pass one Dataset per seed) as well as its own
initialisation, so the spread across seeds is a real spread; the per-example correctness of every
model gives the 95% intervals (aueb.quality: Wilson for accuracies, paired bootstrap for retention and KD gain).
Then the first seed's teacher and kd student are timed on this CPU.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aueb import quality
from aueb.cascade import HeldOut
from aueb.distill.data import Dataset
from aueb.distill.measure import cost_per_million, count_flops, count_parameters, cpu_name, time_model
from aueb.metrics import (
    METRICS_SCHEMA_VERSION,
    Cascade,
    DataSummary,
    DistillationMetrics,
    Hardware,
    ModelMetrics,
    SeedResult,
    StudentMetrics,
)

# progress(phase, done, total, message)
Progress = Callable[[str, int, int, str], None]
ARMS = ("hard", "kd", "pseudo")
# Training runs on one thread: results are then bit-for-bit the same whatever --threads is, and
# small-batch steps (mostly per-operation overhead) do not slow to a crawl when another process
# takes a core, as two threads' synchronisation does on a busy 2-core machine.
TRAINING_THREADS = 1


@dataclass(frozen=True)
class Settings:
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    labels_per_class: int | None = 5  # true labels the student sees per class; None: every labelled row
    temperature: float = 4.0
    alpha: float = 0.5  # weight of the true-label loss; 1 - alpha weighs the teacher's targets
    teacher_hidden: tuple[int, ...] = (1024, 1024)
    student_hidden: tuple[int, ...] = (32,)
    teacher_epochs: int = 6
    teacher_batch: int = 64
    teacher_lr: float = 1e-3
    student_steps: int = 400
    student_batch: int = 256
    student_lr: float = 1e-2
    student_weight_decay: float = 1e-4  # a little regularisation, the same for every arm
    timing_calls: int = 300  # single-example calls timed per model
    timing_seconds: float = 0.5  # least time spent timing batch 256 per model
    hourly_price: float = 0.10
    threads: int = field(default_factory=torch.get_num_threads)  # for the timings; training uses one


def mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(sizes, sizes[1:], strict=False):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no ReLU on the logits


def describe(sizes: list[int]) -> str:
    return "MLP " + "-".join(map(str, sizes))


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    model.eval()
    return model(x).argmax(dim=1)


def accuracy(predicted: torch.Tensor, labels: torch.Tensor) -> float:
    return (predicted == labels).double().mean().item()


@torch.no_grad()
def held_out_results(
    student: nn.Module, x: torch.Tensor, labels: torch.Tensor, teacher_predictions: torch.Tensor
) -> HeldOut:
    """What the cascade is measured on: the student's confidence (highest class probability) on each
    held-out example, and whether the student and the teacher get it right."""
    student.eval()
    probabilities = F.softmax(student(x).double(), dim=1)
    confidence, predicted = probabilities.max(dim=1)
    return HeldOut(confidence.numpy(), (predicted == labels).numpy(), (teacher_predictions == labels).numpy())


def train_teacher(
    x: torch.Tensor, y: torch.Tensor, sizes: list[int], settings: Settings, seed: int, on_epoch: Callable[[int], None]
) -> nn.Module:
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    teacher = mlp(sizes)
    optimizer = torch.optim.Adam(teacher.parameters(), lr=settings.teacher_lr)
    teacher.train()
    for epoch in range(settings.teacher_epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), settings.teacher_batch):
            rows = order[start : start + settings.teacher_batch]
            loss = F.cross_entropy(teacher(x[rows]), y[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        on_epoch(epoch + 1)
    return teacher


def train_student(
    arm: str,
    x: torch.Tensor,
    y: torch.Tensor,
    labelled: torch.Tensor,
    teacher_logits: torch.Tensor,
    new_student: Callable[[], nn.Module],
    settings: Settings,
    seed: int,
) -> nn.Module:
    # Same seed for every arm: same initial weights and batch order, so only the targets differ.
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    student = new_student()
    optimizer = torch.optim.Adam(
        student.parameters(), lr=settings.student_lr, weight_decay=settings.student_weight_decay
    )
    T = settings.temperature
    student.train()
    for _ in range(settings.student_steps):
        if len(labelled) <= settings.student_batch:
            rows = labelled
        else:
            rows = labelled[torch.randint(len(labelled), (settings.student_batch,), generator=generator)]
        loss = F.cross_entropy(student(x[rows]), y[rows])
        if arm != "hard":
            # The teacher labels any input, labelled or not: the transfer set is every training input.
            transfer = torch.randint(len(x), (settings.student_batch,), generator=generator)
            logits = student(x[transfer])
            if arm == "kd":
                soft_loss = (
                    F.kl_div(
                        F.log_softmax(logits / T, dim=1),
                        F.log_softmax(teacher_logits[transfer] / T, dim=1),
                        log_target=True,
                        reduction="batchmean",
                    )
                    * T**2
                )
            else:
                soft_loss = F.cross_entropy(logits, teacher_logits[transfer].argmax(dim=1))
            loss = settings.alpha * loss + (1 - settings.alpha) * soft_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return student


def choose_labelled(y: np.ndarray, per_class: int | None, seed: int) -> np.ndarray:
    """Rows whose true label the student may see: `per_class` of each class, drawn by `seed`."""
    labelled = np.flatnonzero(y >= 0)
    if per_class is None:
        return labelled
    rng = np.random.default_rng(seed)
    chosen = [
        rng.choice(labelled[y[labelled] == c], size=min(per_class, int((y[labelled] == c).sum())), replace=False)
        for c in np.unique(y[labelled])
    ]
    return np.sort(np.concatenate(chosen))


def _std(values: list[float]) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


@dataclass(frozen=True)
class StudentJob:
    """One arm's student for one seed, as the shared run hands it to Task.train_student."""

    arm: str  # one of ARMS
    data: Dataset  # the seed's split
    labelled: torch.Tensor  # training rows whose true label the student sees
    teacher_logits: torch.Tensor  # the teacher's logits on every training input
    settings: Settings
    seed: int


@dataclass
class Teachers:
    """The teacher phase's result, per seed: the logits on every training input, the predicted test classes."""

    name: str
    logits_train: list[torch.Tensor]
    test_predictions: list[torch.Tensor]
    served: nn.Module | None = None  # the first seed's teacher as it answers requests; None when external


class Task:
    """What a task supplies to the shared run: its teacher, its student, and how both serve requests.

    This one is the numeric task (digits, or your CSV of features): MLPs on the standardised inputs.
    """

    def teachers(self, datasets: list[Dataset], settings: Settings, progress: Progress) -> Teachers:
        """One teacher per seed, each trained on its seed's split (datasets[i])."""
        sizes = [datasets[0].features, *settings.teacher_hidden, datasets[0].classes]
        seeds = list(settings.seeds)
        total = len(seeds) * settings.teacher_epochs
        result = Teachers(describe(sizes), [], [])
        for i, seed in enumerate(seeds):
            data = datasets[i]
            x_train, y_train = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
            x_test = torch.from_numpy(data.x_test)
            labelled_rows = torch.from_numpy(np.flatnonzero(data.y_train >= 0))

            def report(epoch: int, i: int = i, seed: int = seed) -> None:
                progress(
                    "teacher",
                    i * settings.teacher_epochs + epoch,
                    total,
                    f"seed {seed}: epoch {epoch}/{settings.teacher_epochs}",
                )

            teacher = train_teacher(x_train[labelled_rows], y_train[labelled_rows], sizes, settings, seed, report)
            teacher.eval()
            with torch.no_grad():
                result.logits_train.append(teacher(x_train))
            result.test_predictions.append(predict(teacher, x_test))
            if result.served is None:
                result.served = teacher
        return result

    def student(self, data: Dataset, settings: Settings) -> nn.Module:
        return mlp([data.features, *settings.student_hidden, data.classes])

    def train_student(self, job: StudentJob) -> nn.Module:
        """One arm's student for one seed (see train_student)."""
        data, settings = job.data, job.settings
        x_train, y_train = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train)
        return train_student(
            job.arm,
            x_train,
            y_train,
            job.labelled,
            job.teacher_logits,
            lambda: self.student(data, settings),
            settings,
            job.seed,
        )

    def train_students(self, jobs: list[StudentJob]) -> list[nn.Module]:
        """The students of one seed's arms, in the order of `jobs`; here one after another."""
        return [self.train_student(job) for job in jobs]

    def student_name(self, data: Dataset, settings: Settings) -> str:
        return describe([data.features, *settings.student_hidden, data.classes])

    def served(self, student: nn.Module) -> nn.Module:
        return student

    def requests(self, data: Dataset):
        """The inputs the served models are timed on."""
        return torch.from_numpy(data.x_test)


def run(
    data: Dataset | list[Dataset], settings: Settings, progress: Progress, task: Task | None = None
) -> DistillationMetrics:
    """The run over settings.seeds; `data` is one Dataset per seed (its own split), or one shared by all."""
    torch.set_num_threads(TRAINING_THREADS)
    torch.use_deterministic_algorithms(True)
    task = task or Task()
    seeds = list(settings.seeds)
    datasets = [data] * len(seeds) if isinstance(data, Dataset) else list(data)
    if len(datasets) != len(seeds):
        raise ValueError(f"run: {len(datasets)} datasets for {len(seeds)} seeds; give one per seed")
    data = datasets[0]
    external = data.teacher_probs_train is not None
    phase_seconds: dict[str, float] = {}

    # 1. Teachers: their logits on every training input are the student's soft targets.
    started = time.perf_counter()
    if external:
        # log-probabilities act as logits: softmax(log p / T) is the teacher's distribution at temperature T.
        teachers = Teachers(
            cast(str, data.teacher_name),  # an external teacher has a name
            [torch.from_numpy(d.teacher_probs_train).clamp_min(1e-8).log() for d in datasets],
            [torch.from_numpy(d.teacher_probs_test).argmax(dim=1) for d in datasets],
        )
        progress("teacher", 1, 1, f"{data.teacher_name}: no training")
    else:
        teachers = task.teachers(datasets, settings, progress)
    teacher_logits, teacher_test_predictions = teachers.logits_train, teachers.test_predictions
    phase_seconds["teacher"] = time.perf_counter() - started

    # 2. Students: three arms per seed.
    started = time.perf_counter()
    per_seed: list[SeedResult] = []
    kd_students: list[nn.Module] = []
    held_out: list[HeldOut] = []  # the distilled student's per-example test results, one set per seed
    correct: list[dict[str, np.ndarray]] = []  # per seed: arm (and "teacher") -> per-example correctness
    for i, seed in enumerate(seeds):
        seed_data = datasets[i]
        x_test, y_test = torch.from_numpy(seed_data.x_test), torch.from_numpy(seed_data.y_test)
        labelled = torch.from_numpy(choose_labelled(seed_data.y_train, settings.labels_per_class, seed))
        scores: dict[str, float] = {}
        correct.append({"teacher": (teacher_test_predictions[i] == y_test).numpy()})
        students = task.train_students(
            [StudentJob(arm, seed_data, labelled, teacher_logits[i], settings, seed) for arm in ARMS]
        )
        for j, (arm, student) in enumerate(zip(ARMS, students, strict=True)):
            predicted = predict(student, x_test)
            scores[arm] = accuracy(predicted, y_test)
            correct[i][arm] = (predicted == y_test).numpy()
            if arm == "kd":
                kd_students.append(student)
                agreement = accuracy(predicted, teacher_test_predictions[i])
                held_out.append(held_out_results(student, x_test, y_test, teacher_test_predictions[i]))
            progress("students", i * len(ARMS) + j + 1, len(seeds) * len(ARMS), f"seed {seed}: {arm} {scores[arm]:.3f}")
        per_seed.append(
            SeedResult(
                seed=seed,
                teacher_accuracy=accuracy(teacher_test_predictions[i], y_test),
                student_accuracy=scores["kd"],
                hard_label_accuracy=scores["hard"],
                pseudo_label_accuracy=scores["pseudo"],
                agreement=agreement,
                kd_gain_pp=(scores["kd"] - scores["hard"]) * 100,
                cascade=Cascade.measure(held_out[i], with_intervals=False),
            )
        )
    phase_seconds["students"] = time.perf_counter() - started

    # 3. Speed on this CPU, of the first seed's models, on test inputs.
    started = time.perf_counter()
    torch.set_num_threads(settings.threads)
    timed = {"student": task.served(kd_students[0])}
    if teachers.served is not None:
        timed = {"teacher": teachers.served, **timed}
    requests = task.requests(data)
    timings = {}
    for k, (role, model) in enumerate(timed.items()):
        timings[role] = time_model(model, requests, settings.timing_calls, settings.timing_seconds)
        progress(
            "measure", k + 1, len(timed), f"{role}: {timings[role].throughput_batch256:,.0f} examples/s at batch 256"
        )
    phase_seconds["measure"] = time.perf_counter() - started

    per_example = [
        quality.SeedCorrectness(c["teacher"], c["kd"], c["hard"]) for c in correct
    ]  # the paired bootstrap resamples each seed's own test examples
    bands = quality.intervals(per_example)
    test_examples = bands.test_examples
    pseudo_correct = int(sum(int(c["pseudo"].sum()) for c in correct))

    def model_metrics(role: str, model: nn.Module | None, name: str, accuracies: list[float]) -> dict:
        figures = {
            "name": name,
            "accuracy": float(np.mean(accuracies)),
            "accuracy_std": _std(accuracies),
            "accuracy_ci95": bands.teacher_accuracy if role == "teacher" else bands.student_accuracy,
            "test_examples": test_examples,
        }
        if model is not None:
            timing = timings[role]
            figures |= {
                "parameters": count_parameters(model),
                "flops_per_example": count_flops(model),
                "latency_ms_p50": timing.latency_ms_p50,
                "latency_ms_p95": timing.latency_ms_p95,
                "throughput_batch1": timing.throughput_batch1,
                "throughput_batch256": timing.throughput_batch256,
                "cost_per_million_requests": cost_per_million(settings.hourly_price, timing.throughput_batch256),
            }
        return figures

    teacher_metrics = ModelMetrics(
        **model_metrics("teacher", timed.get("teacher"), teachers.name, [r.teacher_accuracy for r in per_seed])
    )
    student_metrics = StudentMetrics(
        **model_metrics(
            "student", timed["student"], task.student_name(data, settings), [r.student_accuracy for r in per_seed]
        )
    )
    gains = [r.kd_gain_pp for r in per_seed]
    return DistillationMetrics(
        schema_version=METRICS_SCHEMA_VERSION,
        dataset=data.name,
        teacher=teacher_metrics,
        student=student_metrics,
        quality_retention=student_metrics.accuracy / teacher_metrics.accuracy,
        quality_retention_ci95=bands.retention,
        quality_retention_std=_std(
            [r.student_accuracy / r.teacher_accuracy for r in per_seed if r.teacher_accuracy > 0]
        ),
        test_examples=test_examples,
        kd_gain_pp_ci95=bands.kd_gain_pp,
        hard_label_accuracy_ci95=bands.hard_label_accuracy,
        pseudo_label_accuracy_ci95=quality.wilson(pseudo_correct, test_examples),
        kd_gain_pp=float(np.mean(gains)),
        kd_gain_pp_std=_std(gains),
        kd_wins=sum(g > 0 for g in gains),
        hard_label_accuracy=float(np.mean([r.hard_label_accuracy for r in per_seed])),
        pseudo_label_accuracy=float(np.mean([r.pseudo_label_accuracy for r in per_seed])),
        agreement=float(np.mean([r.agreement for r in per_seed])),
        hardware=Hardware(device=cpu_name(), threads=settings.threads, hourly_price=settings.hourly_price),
        seeds=seeds,
        per_seed=per_seed,
        labels_per_class=settings.labels_per_class,
        temperature=settings.temperature,
        alpha=settings.alpha,
        data=DataSummary(
            classes=data.classes,
            features=data.features,
            train_inputs=len(data.x_train),
            labelled_train=len(choose_labelled(data.y_train, settings.labels_per_class, seeds[0])),
            test=len(data.x_test),
        ),
        phase_seconds=phase_seconds,
        created_at=datetime.now(UTC),
        cascade=Cascade.measure(HeldOut.pool(held_out)),
    )

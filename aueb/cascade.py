"""The confidence cascade of docs/economics.md (its section on the cascade and the planner), from per-example arrays.

A distilled student answers every request and hands it to the teacher when its confidence is below
a threshold tau. From n held-out examples (student confidence s_i, student correctness a_i, teacher
correctness b_i) this module computes the curve at every distinct confidence value, the quality gap
recovered (PGR), its area (APGR), the teacher share needed for a given PGR (CPT), the area under the
risk-coverage curve (AURC), and the mapping of a point onto a scenario's feature. Pure numpy.

Choices where the definitions leave room (docs/economics.md lists them for users):
- Ties in confidence are one threshold: every example of a tied value is kept or escalated together.
- The curve's points all keep at least one example (c > 0); APGR and CPT also use the end where every
  request goes to the teacher (teacher share 1, system accuracy A_T, PGR 1), which is measured too.
- AURC ranks tied examples in every order with equal chance: the errors among the top k inside a tie
  are the errors before it plus the tie's errors in proportion to how many of it are in the top k.
- A curve with more than MAX_POINTS points is stored at coverage steps of at most 0.5% (the first and
  last point of every 0.5% band of coverage, so a step is longer only where one tie spans it); the
  summary figures are always computed on every distinct value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CPT_LEVELS = (0.5, 0.8, 0.95)
MAX_POINTS = 400
COVERAGE_BANDS = 200  # 0.5% bands of coverage when a curve is thinned


@dataclass(frozen=True)
class HeldOut:
    """Per-example results on held-out data: the student's confidence (its highest class probability),
    whether the student is right and whether the teacher is right."""

    confidence: np.ndarray
    student_correct: np.ndarray
    teacher_correct: np.ndarray

    def __post_init__(self) -> None:
        confidence = np.asarray(self.confidence, dtype=float)
        student, teacher = np.asarray(self.student_correct), np.asarray(self.teacher_correct)
        if confidence.ndim != 1 or len(confidence) == 0:
            raise ValueError("held-out results: need at least one example")
        if student.shape != confidence.shape or teacher.shape != confidence.shape:
            raise ValueError(
                f"held-out results: {len(confidence)} confidences, {len(student)} student and {len(teacher)} teacher "
                "results; need one of each per example"
            )
        if not np.isfinite(confidence).all():
            raise ValueError(
                "held-out results: confidence must be finite (example "
                f"{int(np.flatnonzero(~np.isfinite(confidence))[0])})"
            )
        for name, values in (("student", student), ("teacher", teacher)):
            if not np.isin(values, (0, 1)).all():
                raise ValueError(
                    f"held-out results: {name} correctness must be 0 or 1 (example "
                    f"{int(np.flatnonzero(~np.isin(values, (0, 1)))[0])})"
                )
        object.__setattr__(self, "confidence", confidence)
        object.__setattr__(self, "student_correct", student.astype(bool))
        object.__setattr__(self, "teacher_correct", teacher.astype(bool))

    @property
    def n(self) -> int:
        return len(self.confidence)

    @staticmethod
    def pool(parts: Sequence[HeldOut]) -> HeldOut:
        """The held-out results of several seeds as one set (each seed's examples counted once)."""
        return HeldOut(
            np.concatenate([p.confidence for p in parts]),
            np.concatenate([p.student_correct for p in parts]),
            np.concatenate([p.teacher_correct for p in parts]),
        )


@dataclass(frozen=True)
class Curve:
    """The cascade at every distinct confidence value, by ascending coverage (descending threshold)."""

    threshold: np.ndarray  # tau: the student's answer is kept when its confidence >= tau
    coverage: np.ndarray  # c(tau): share of examples kept
    selective_accuracy: np.ndarray  # A(tau): accuracy of the student on the kept examples
    system_accuracy: np.ndarray  # Q(tau): kept answered by the student, the rest by the teacher
    student_accuracy: float  # A_S
    teacher_accuracy: float  # A_T
    n: int

    def __len__(self) -> int:
        return len(self.threshold)


def _sorted(held_out: HeldOut) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Examples by descending confidence, and the index of the last example of each distinct value."""
    order = np.argsort(-held_out.confidence, kind="stable")
    confidence = held_out.confidence[order]
    group_ends = np.flatnonzero(np.r_[confidence[1:] != confidence[:-1], True])
    return confidence, held_out.student_correct[order], held_out.teacher_correct[order], group_ends


def curve(held_out: HeldOut) -> Curve:
    """c, A and Q at each distinct confidence value; counts are integers until the last division."""
    confidence, student, teacher, ends = _sorted(held_out)
    n = held_out.n
    kept = ends + 1
    student_kept = np.cumsum(student, dtype=np.int64)[ends]
    teacher_kept = np.cumsum(teacher, dtype=np.int64)[ends]
    teacher_total = int(teacher.sum())
    return Curve(
        threshold=confidence[ends],
        coverage=kept / n,
        selective_accuracy=student_kept / kept,
        system_accuracy=(student_kept + teacher_total - teacher_kept) / n,
        student_accuracy=int(student.sum()) / n,
        teacher_accuracy=teacher_total / n,
        n=n,
    )


def pgr(c: Curve) -> np.ndarray | None:
    """Quality gap recovered at each point: (Q - A_S) / (A_T - A_S); None when A_T = A_S (undefined)."""
    gap = c.teacher_accuracy - c.student_accuracy
    if gap == 0:
        return None
    return (c.system_accuracy - c.student_accuracy) / gap


def _by_teacher_share(c: Curve) -> tuple[np.ndarray, np.ndarray] | None:
    """(teacher share 1 - c ascending, PGR) over the curve's points and the all-teacher end (1, 1)."""
    recovered = pgr(c)
    if recovered is None:
        return None
    return np.r_[1 - c.coverage[::-1], 1.0], np.r_[recovered[::-1], 1.0]


def apgr(c: Curve) -> float | None:
    """Area under PGR against the teacher share 1 - c from 0 to 1, by trapezoids; None when PGR is undefined."""
    points = _by_teacher_share(c)
    if points is None:
        return None
    share, recovered = points
    return float(np.sum((share[1:] - share[:-1]) * (recovered[1:] + recovered[:-1]) / 2))


def cpt(c: Curve, level: float) -> float | None:
    """The smallest teacher share at which PGR >= level, linear between points; None if undefined or never reached."""
    points = _by_teacher_share(c)
    if points is None:
        return None
    share, recovered = points
    reached = np.flatnonzero(recovered >= level)
    if reached.size == 0:
        return None
    i = int(reached[0])
    if i == 0:
        return float(share[0])
    # recovered[i - 1] < level <= recovered[i]: the crossing lies on this segment.
    step = (level - recovered[i - 1]) / (recovered[i] - recovered[i - 1])
    return float(share[i - 1] + step * (share[i] - share[i - 1]))


def aurc(held_out: HeldOut) -> float:
    """(1/n) sum over k of (errors among the k most confident) / k; inside a tie, errors in proportion."""
    _, student, _, ends = _sorted(held_out)
    errors = np.cumsum(~student, dtype=np.int64)
    starts = np.r_[0, ends[:-1] + 1]
    sizes = ends - starts + 1
    before = np.r_[0, errors[ends[:-1]]]
    in_tie = errors[ends] - before
    group = np.repeat(np.arange(len(ends)), sizes)
    k = np.arange(1, held_out.n + 1)
    errors_top_k = before[group] + (k - starts[group]) * in_tie[group] / sizes[group]
    return float(np.mean(errors_top_k / k))


def stored_points(c: Curve) -> np.ndarray:
    """Indices of the points to store: all of them up to MAX_POINTS, else the first and last of each
    0.5% band of coverage (so no stored step is longer than 0.5% unless one tie spans it)."""
    if len(c) <= MAX_POINTS:
        return np.arange(len(c))
    kept = np.rint(c.coverage * c.n).astype(np.int64)
    band = kept * COVERAGE_BANDS // c.n
    new_band = np.r_[True, band[1:] != band[:-1]]
    last_of_band = np.r_[band[1:] != band[:-1], True]
    return np.flatnonzero(new_band | last_of_band)


def feature_inputs(
    coverage: np.ndarray, system_accuracy: np.ndarray, teacher_accuracy: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(coverage k, escalation e, quality retention r) of a feature run at these operating points:
    k = 1, e = 1 - c, r = (Q/A_T - (1 - c)) / c, so that its quality relative to its teacher is Q/A_T."""
    coverage = np.asarray(coverage, dtype=float)
    if teacher_accuracy <= 0:
        raise ValueError("the cascade's teacher accuracy is 0: quality relative to the teacher is undefined")
    if (coverage <= 0).any():
        raise ValueError("an operating point keeps no example (coverage 0): its retention is undefined")
    escalation = 1 - coverage
    retention = (np.asarray(system_accuracy, dtype=float) / teacher_accuracy - escalation) / coverage
    # Rounded to 12 decimals so that float noise (a perfect student's 1.0000000000000002) does not
    # push the student's quality above 1 in the scenario's check.
    return np.ones_like(coverage), escalation, np.round(retention, 12)

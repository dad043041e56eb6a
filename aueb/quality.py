"""How sure a measured quality is (ECONOMICS.md, "How sure a measured quality is"); numpy only.

- `wilson`: the 95% Wilson score interval of an accuracy measured on n examples.
- `paired_bootstrap`: 95% percentile intervals of retention (student / teacher accuracy) and KD gain
  (distilled minus hard-label student accuracy, percentage points) from a paired bootstrap over the
  test examples: each resample draws test examples with replacement (within each seed's own test split,
  when there are several) and recomputes every model's accuracy on the same examples.
- `cascade_bootstrap`: the same resampling of the cascade's held-out examples, giving intervals of APGR
  and of the system accuracy Q(tau) at a chosen operating point.

Resamples are drawn in blocks of row indices, so 2,000 resamples of 10,000 examples take well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aueb import cascade as cascade_math

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile
RESAMPLES = 2000
SEED = 0
_BLOCK_CELLS = 4_000_000  # resampled indices held in memory at once (about 32 MB of int64)


def wilson(correct: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of `correct` successes out of `n` (95% by default): (low, high) in [0, 1]."""
    if n <= 0:
        raise ValueError(f"Wilson interval: needs at least one example (got n = {n})")
    if not 0 <= correct <= n:
        raise ValueError(f"Wilson interval: correct must be between 0 and n = {n} (got {correct})")
    p = correct / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def wilson_from_accuracy(accuracy: float, n: int) -> tuple[float, float]:
    """The Wilson interval of an accuracy measured on n examples (the count of correct is rounded)."""
    return wilson(int(round(accuracy * n)), n)


def _interval(values: np.ndarray) -> tuple[float, float] | None:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def _resampled_means(columns: Sequence[np.ndarray], resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(resamples, len(columns)) means of each column over the same resampled rows (paired)."""
    stacked = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])
    n = len(stacked)
    out = np.empty((resamples, stacked.shape[1]))
    block = max(1, _BLOCK_CELLS // max(n, 1))
    for start in range(0, resamples, block):
        stop = min(resamples, start + block)
        rows = rng.integers(0, n, size=(stop - start, n))
        # Sum via per-column gather: (block, n) of indices, one column at a time keeps memory flat.
        for j in range(stacked.shape[1]):
            out[start:stop, j] = stacked[:, j][rows].mean(axis=1)
    return out


@dataclass(frozen=True)
class SeedCorrectness:
    """One seed's test split: per example, whether each model is right (student = the distilled one)."""

    teacher: np.ndarray
    student: np.ndarray
    hard: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.student)


@dataclass(frozen=True)
class Intervals:
    """95% intervals of the run's figures, each (low, high) or None where undefined."""

    retention: tuple[float, float] | None
    kd_gain_pp: tuple[float, float] | None
    teacher_accuracy: tuple[float, float]
    student_accuracy: tuple[float, float]
    hard_label_accuracy: tuple[float, float] | None
    test_examples: int  # examples behind each accuracy: one seed's split (the mean over seeds uses as many each)


def paired_bootstrap(
    seeds: Sequence[SeedCorrectness], resamples: int = RESAMPLES, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray | None]:
    """Resampled (retention, KD gain in pp) of the mean over seeds, each seed's examples resampled within it.

    Returns (retention (resamples,), kd gain (resamples,) or None without hard-label results).
    Retention is mean student accuracy / mean teacher accuracy (NaN where the teacher's is 0).
    """
    if not seeds:
        raise ValueError("paired bootstrap: needs at least one seed of test results")
    rng = np.random.default_rng(seed)
    has_hard = all(s.hard is not None for s in seeds)
    teacher = np.zeros(resamples)
    student = np.zeros(resamples)
    hard = np.zeros(resamples)
    for s in seeds:
        columns = [s.teacher, s.student] + ([s.hard] if has_hard and s.hard is not None else [])
        means = _resampled_means(columns, resamples, rng)
        teacher += means[:, 0] / len(seeds)
        student += means[:, 1] / len(seeds)
        if has_hard:
            hard += means[:, 2] / len(seeds)
    with np.errstate(divide="ignore", invalid="ignore"):
        retention = np.where(teacher > 0, student / teacher, np.nan)
    return retention, ((student - hard) * 100 if has_hard else None)


def intervals(seeds: Sequence[SeedCorrectness], resamples: int = RESAMPLES, seed: int = SEED) -> Intervals:
    """Wilson intervals of the accuracies (mean over seeds on n = one seed's test examples each, so the
    interval is that of n x seeds examples) and paired-bootstrap intervals of retention and KD gain."""
    retention, gain = paired_bootstrap(seeds, resamples, seed)
    total = sum(s.n for s in seeds)

    def pooled(name: str) -> tuple[float, float]:
        correct = int(sum(int(np.sum(getattr(s, name))) for s in seeds))
        return wilson(correct, total)

    has_hard = all(s.hard is not None for s in seeds)
    return Intervals(
        retention=_interval(retention),
        kd_gain_pp=None if gain is None else _interval(gain),
        teacher_accuracy=pooled("teacher"),
        student_accuracy=pooled("student"),
        hard_label_accuracy=pooled("hard") if has_hard else None,
        test_examples=total,
    )


@dataclass(frozen=True)
class CascadeIntervals:
    apgr: tuple[float, float] | None
    system_accuracy: tuple[float, float] | None  # Q at the threshold given (None when none was)


def cascade_bootstrap(
    held_out: cascade_math.HeldOut,
    threshold: float | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> CascadeIntervals:
    """95% intervals of APGR and of Q(threshold) over resamples of the held-out examples (paired:
    the student's confidence and both models' correctness move together). A resample where A_T = A_S
    has no APGR and is left out of its interval."""
    rng = np.random.default_rng(seed)
    n = held_out.n
    apgrs = np.full(resamples, np.nan)
    quality = np.full(resamples, np.nan)
    keep = None if threshold is None else held_out.confidence >= threshold
    answered = (
        None if keep is None else np.where(keep, held_out.student_correct, held_out.teacher_correct).astype(float)
    )
    block = max(1, _BLOCK_CELLS // n)
    for start in range(0, resamples, block):
        stop = min(resamples, start + block)
        rows = rng.integers(0, n, size=(stop - start, n))
        if answered is not None:
            quality[start:stop] = answered[rows].mean(axis=1)
        for k, r in enumerate(rows):
            curve = cascade_math.curve(
                cascade_math.HeldOut(held_out.confidence[r], held_out.student_correct[r], held_out.teacher_correct[r])
            )
            value = cascade_math.apgr(curve)
            if value is not None:
                apgrs[start + k] = value
    return CascadeIntervals(_interval(apgrs), None if answered is None else _interval(quality))


def seed_spread(values: Sequence[float]) -> float:
    """Sample standard deviation across seeds (0 for a single seed)."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def verdict(kd_gain_ci95: tuple[float, float] | None) -> str:
    """What the KD gain's interval says: 'helps', 'hurts' or 'cannot tell' (the interval includes 0)."""
    if kd_gain_ci95 is None:
        return "not measured"
    low, high = kd_gain_ci95
    if low > 0:
        return "distillation helps (95% interval above 0)"
    if high < 0:
        return "distillation hurts (95% interval below 0)"
    return "cannot tell: the 95% interval of the KD gain includes 0 (more test examples would narrow it)"


def system_accuracy_intervals(
    held_out: cascade_math.HeldOut, thresholds: Sequence[float], resamples: int = RESAMPLES, seed: int = SEED
) -> list[tuple[float, float] | None]:
    """95% paired-bootstrap intervals of the cascade's system accuracy Q(tau) at each threshold, all
    thresholds on the same resamples (each resample as per-example counts, so one matrix product)."""
    if len(thresholds) == 0:
        return []
    n = held_out.n
    keep = held_out.confidence[None, :] >= np.asarray(thresholds, dtype=float)[:, None]
    answered = np.where(keep, held_out.student_correct[None, :], held_out.teacher_correct[None, :]).astype(float)
    rng = np.random.default_rng(seed)
    quality = np.empty((resamples, len(thresholds)))
    block = max(1, _BLOCK_CELLS // n)
    uniform = np.full(n, 1 / n)
    for start in range(0, resamples, block):
        stop = min(resamples, start + block)
        counts = rng.multinomial(n, uniform, size=stop - start).astype(float)
        quality[start:stop] = counts @ answered.T / n
    return [_interval(quality[:, j]) for j in range(len(thresholds))]


def smallest_sufficient(sizes: Sequence[str], bands: Sequence[tuple[float, float] | None], target: float) -> str | None:
    """The first size (in the order tried, smallest first) whose interval's lower end reaches `target`;
    None when none of the sizes tried does."""
    for size, band in zip(sizes, bands, strict=True):
        if band is not None and band[0] >= target:
            return size
    return None


def bootstrap_seconds(n: int = 10_000, resamples: int = RESAMPLES) -> float:
    """Wall time of one paired bootstrap of retention and KD gain over n simulated test examples (seconds)."""
    import time

    rng = np.random.default_rng(0)
    seeds = [SeedCorrectness(rng.random(n) < 0.9, rng.random(n) < 0.85, rng.random(n) < 0.8)]
    started = time.perf_counter()
    intervals(seeds, resamples)
    return time.perf_counter() - started

"""Intervals of measured quality: Wilson against worked values, the paired bootstrap's coverage."""

from __future__ import annotations

import numpy as np
import pytest

from aueb.cascade import HeldOut
from aueb.quality import SeedCorrectness, cascade_bootstrap, intervals, paired_bootstrap, verdict, wilson


@pytest.mark.parametrize(
    ("correct", "n", "low", "high"),
    [
        # p = 0.5, n = 10: centre 0.5, half = 1.96/1.38415 * sqrt(0.025 + 0.0096037) = 0.26341
        (5, 10, 0.23659, 0.76341),
        # k = 0: low 0, high = z^2/n / (1 + z^2/n) = 0.38415 / 1.38415 = 0.27753
        (0, 10, 0.0, 0.27753),
        (10, 10, 0.72247, 1.0),
        # 81 of 263: p = 0.30798, centre 0.31075, half 0.05548
        (81, 263, 0.25527, 0.36622),
    ],
)
def test_wilson_matches_worked_values(correct, n, low, high):
    assert wilson(correct, n) == pytest.approx((low, high), abs=5e-5)


def test_wilson_rejects_bad_counts():
    with pytest.raises(ValueError, match="at least one example"):
        wilson(0, 0)
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson(11, 10)


def test_ninety_examples_are_uncertain_by_about_nine_points():
    low, high = wilson(77, 90)
    assert 0.07 < (high - low) / 2 < 0.09


def test_bootstrap_covers_the_truth_at_about_the_nominal_rate():
    rng = np.random.default_rng(1)
    truth_student, truth_teacher, n, trials = 0.80, 0.88, 300, 200
    covered_retention = covered_gain = 0
    for _ in range(trials):
        teacher = rng.random(n) < truth_teacher
        student = rng.random(n) < truth_student
        hard = rng.random(n) < 0.75
        found = intervals([SeedCorrectness(teacher, student, hard)], resamples=400, seed=int(rng.integers(1 << 31)))
        covered_retention += found.retention[0] <= truth_student / truth_teacher <= found.retention[1]
        covered_gain += found.kd_gain_pp[0] <= 5.0 <= found.kd_gain_pp[1]
    # 95% nominal; with 200 trials a binomial 95% band is about 92-98%; the percentile bootstrap runs a bit low.
    assert 0.89 <= covered_retention / trials <= 0.99
    assert 0.89 <= covered_gain / trials <= 0.99


def test_bootstrap_is_seeded_and_paired():
    rng = np.random.default_rng(0)
    same = rng.random(500) < 0.8
    seeds = [SeedCorrectness(same, same, same)]
    retention, gain = paired_bootstrap(seeds, resamples=200)
    assert np.all(retention == 1.0) and np.all(gain == 0.0)  # paired: identical models never differ
    again, _ = paired_bootstrap([SeedCorrectness(same, ~same, same)], resamples=200, seed=3)
    assert np.array_equal(again, paired_bootstrap([SeedCorrectness(same, ~same, same)], resamples=200, seed=3)[0])


def test_wilson_of_several_seeds_pools_their_examples():
    a = SeedCorrectness(np.ones(50, bool), np.r_[np.ones(40, bool), np.zeros(10, bool)])
    found = intervals([a, a], resamples=100)
    assert found.test_examples == 100
    assert found.student_accuracy == wilson(80, 100)
    assert found.kd_gain_pp is None


def test_cascade_bootstrap_brackets_the_apgr_and_the_quality_at_a_point():
    rng = np.random.default_rng(2)
    confidence = rng.random(400)
    student = rng.random(400) < confidence  # confident answers are right more often
    teacher = rng.random(400) < 0.9
    held = HeldOut(confidence, student, teacher)
    found = cascade_bootstrap(held, threshold=0.5, resamples=300)
    q = float(np.where(confidence >= 0.5, student, teacher).mean())
    assert found.system_accuracy[0] <= q <= found.system_accuracy[1]
    assert found.apgr is not None and found.apgr[0] < found.apgr[1]


def test_verdict_says_when_the_run_cannot_tell():
    assert verdict((-1.0, 2.0)).startswith("cannot tell")
    assert verdict((0.5, 2.0)).startswith("distillation helps")
    assert verdict((-3.0, -0.1)).startswith("distillation hurts")


def test_smallest_size_whose_lower_end_reaches_the_target():
    from aueb.quality import smallest_sufficient

    sizes = ["8", "16", "64", "all"]
    bands = [(0.80, 0.97), (0.93, 0.99), (0.951, 1.0), (0.96, 1.01)]
    assert smallest_sufficient(sizes, bands, 0.95) == "64"
    assert smallest_sufficient(sizes, bands, 0.97) is None

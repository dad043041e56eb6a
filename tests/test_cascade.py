"""The confidence cascade (aueb/cascade.py) and its metrics object, on examples worked out by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import EXAMPLE_METRICS as EXAMPLE
from helpers import TIES, load_error
from helpers import example_metrics as example

from aueb.cascade import CPT_LEVELS, HeldOut, apgr, aurc, cpt, curve, feature_inputs, pgr, stored_points
from aueb.metrics import Cascade, DistillationMetrics, MetricsError, load_metrics

# TIES (tests/helpers.py): six examples, two ties. By descending confidence the groups are
# {0.9: right, wrong}, {0.8: right}, {0.6: right, wrong}, {0.3: wrong}; the teacher is wrong only on 0.8.


def test_curve_with_ties_is_one_point_per_distinct_confidence():
    c = curve(TIES)
    assert c.threshold.tolist() == [0.9, 0.8, 0.6, 0.3]
    assert c.coverage == pytest.approx([2 / 6, 3 / 6, 5 / 6, 1])
    assert c.selective_accuracy == pytest.approx([1 / 2, 2 / 3, 3 / 5, 1 / 2])
    # kept answered by the student, the rest by the teacher: (1 + 3) / 6, (2 + 3) / 6, (3 + 1) / 6, 3 / 6
    assert c.system_accuracy == pytest.approx([4 / 6, 5 / 6, 4 / 6, 3 / 6])
    assert (c.student_accuracy, c.teacher_accuracy, c.n) == (pytest.approx(1 / 2), pytest.approx(5 / 6), 6)


def test_pgr_apgr_cpt_with_ties():
    c = curve(TIES)
    assert pgr(c) == pytest.approx([1 / 2, 1, 1 / 2, 0])
    # By teacher share 0, 1/6, 1/2, 2/3, 1: PGR 0, 1/2, 1, 1/2, 1 (the all-teacher end recovers all of it).
    assert apgr(c) == pytest.approx(1 / 24 + 1 / 4 + 1 / 8 + 1 / 4)
    assert cpt(c, 0.5) == pytest.approx(1 / 6)
    assert cpt(c, 0.8) == pytest.approx(1 / 6 + 0.6 / 3)  # 60% of the way from PGR 1/2 to 1, a third of teacher share
    assert cpt(c, 0.95) == pytest.approx(1 / 6 + 0.9 / 3)


def test_aurc_spreads_the_errors_of_a_tie_evenly():
    # k = 1..6: errors among the top k are 1/2, 1, 1, 3/2, 2, 3.
    assert aurc(TIES) == pytest.approx((0.5 / 1 + 1 / 2 + 1 / 3 + 1.5 / 4 + 2 / 5 + 3 / 6) / 6)


def test_order_of_the_examples_does_not_matter():
    order = np.array([5, 2, 0, 4, 1, 3])
    shuffled = HeldOut(TIES.confidence[order], TIES.student_correct[order], TIES.teacher_correct[order])
    assert curve(shuffled).system_accuracy.tolist() == curve(TIES).system_accuracy.tolist()
    assert aurc(shuffled) == aurc(TIES)


def test_perfect_student_against_a_weaker_teacher():
    held_out = HeldOut(np.array([0.9, 0.8, 0.7]), np.array([1, 1, 1]), np.array([1, 0, 1]))
    c = curve(held_out)
    assert c.selective_accuracy.tolist() == [1, 1, 1]
    assert c.system_accuracy == pytest.approx([2 / 3, 1, 1])
    # A_T < A_S: PGR = (Q - 1) / (2/3 - 1) is 1, 0, 0; by teacher share 0, 1/3, 2/3, 1: 0, 0, 1, 1.
    assert pgr(c) == pytest.approx([1, 0, 0])
    assert apgr(c) == pytest.approx(0.5)
    assert cpt(c, 0.5) == pytest.approx(0.5)
    assert aurc(held_out) == 0


def test_teacher_worse_than_student_can_give_a_pgr_above_one():
    held_out = HeldOut(np.array([0.9, 0.8, 0.5]), np.array([0, 1, 1]), np.array([1, 0, 0]))
    c = curve(held_out)
    assert c.system_accuracy == pytest.approx([0, 1 / 3, 2 / 3])
    assert pgr(c) == pytest.approx([2, 1, 0])
    assert apgr(c) == pytest.approx(1 / 6 + 1 / 2 + 1 / 2)
    assert cpt(c, 0.5) == pytest.approx(1 / 6)
    assert cpt(c, 0.95) == pytest.approx(0.95 / 3)
    # At coverage 1/3 the cascade is worse than the teacher alone on the kept example: retention -2.
    _, _, retention = feature_inputs(c.coverage, c.system_accuracy, c.teacher_accuracy)
    assert retention[0] == pytest.approx(-2)


def test_student_never_confident_is_one_point():
    held_out = HeldOut(np.full(4, 0.2), np.array([1, 0, 0, 1]), np.array([1, 1, 1, 0]))
    c = curve(held_out)
    assert c.threshold.tolist() == [0.2] and c.coverage.tolist() == [1.0]
    assert c.system_accuracy.tolist() == [0.5]
    # Only the two ends: all student (PGR 0) or all teacher (PGR 1), a straight line between them.
    assert apgr(c) == pytest.approx(0.5)
    assert [cpt(c, level) for level in CPT_LEVELS] == pytest.approx(list(CPT_LEVELS))
    assert aurc(held_out) == pytest.approx(0.5)


def test_equal_accuracies_leave_pgr_undefined():
    held_out = HeldOut(np.array([0.9, 0.5]), np.array([0, 1]), np.array([1, 0]))
    c = curve(held_out)
    assert pgr(c) is None and apgr(c) is None and cpt(c, 0.5) is None
    cascade = Cascade.measure(held_out)
    assert cascade.apgr is None and cascade.cpt == {"0.5": None, "0.8": None, "0.95": None}


def test_retention_mapping_keeps_the_measured_relative_quality():
    c = curve(TIES)
    routed, escalation, retention = feature_inputs(c.coverage, c.system_accuracy, c.teacher_accuracy)
    assert routed.tolist() == [1, 1, 1, 1]
    assert escalation == pytest.approx([4 / 6, 3 / 6, 1 / 6, 0])
    # r = (Q/A_T - (1 - c)) / c: (0.8 - 2/3) * 3, (1 - 1/2) * 2, (0.8 - 1/6) * 6/5, 0.6
    assert retention == pytest.approx([0.4, 1.0, 0.76, 0.6])
    # The feature's quality relative to its teacher, (1 - c) + c r, is the measured Q / A_T.
    assert (escalation + c.coverage * retention) == pytest.approx(c.system_accuracy / c.teacher_accuracy)


def test_bad_held_out_arrays():
    with pytest.raises(ValueError, match="need one of each per example"):
        HeldOut(np.array([0.5, 0.6]), np.array([1]), np.array([1, 0]))
    with pytest.raises(ValueError, match="student correctness must be 0 or 1 \\(example 1\\)"):
        HeldOut(np.array([0.5, 0.6]), np.array([1, 2]), np.array([1, 0]))
    with pytest.raises(ValueError, match="confidence must be finite"):
        HeldOut(np.array([np.nan]), np.array([1]), np.array([1]))
    with pytest.raises(ValueError, match="at least one example"):
        HeldOut(np.array([]), np.array([]), np.array([]))
    with pytest.raises(ValueError, match="coverage 0"):
        feature_inputs([0.0], [0.5], 0.9)


def test_long_curves_are_stored_in_steps_of_at_most_half_a_percent():
    rng = np.random.default_rng(0)
    n = 5000
    held_out = HeldOut(rng.uniform(size=n), rng.uniform(size=n) < 0.8, rng.uniform(size=n) < 0.9)
    c = curve(held_out)
    kept = stored_points(c)
    assert len(c) == n and 200 <= len(kept) <= 402
    assert kept[0] == 0 and kept[-1] == n - 1
    assert np.diff(c.coverage[kept]).max() <= 0.005 + 1e-12
    cascade = Cascade.measure(held_out)
    assert len(cascade.points) == len(kept) and cascade.points[-1].coverage == 1
    assert cascade.apgr == apgr(c)  # the summary is computed on every point, not on the stored ones


def test_pooled_seeds_count_each_example_once():
    pooled = HeldOut.pool([TIES, TIES])
    assert curve(pooled).system_accuracy == pytest.approx(curve(TIES).system_accuracy)
    assert Cascade.measure(pooled).n_examples == 12


def test_metrics_version_1_still_loads_and_version_2_round_trips(tmp_path):
    data = example()
    data.pop("cascade")
    data["schema_version"] = 1
    old = load_metrics(json.dumps(data))
    assert old.schema_version == 1 and old.cascade is None
    current = load_metrics(EXAMPLE)
    assert current.schema_version == 2 and current.cascade is not None
    assert DistillationMetrics.model_validate_json(current.model_dump_json()) == current


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(schema_version=1), "metrics JSON: cascade: needs schema_version 2"),
        (
            lambda d: d.update(schema_version=4),
            "metrics JSON: schema_version: this aueb reads versions 1, 2 and 3 (got 4)",
        ),
        (lambda d: d["cascade"]["cpt"].pop("0.8"), "metrics JSON: cascade: cpt: needs exactly the keys 0.5, 0.8, 0.95"),
        (
            lambda d: d["cascade"]["points"].reverse(),
            "metrics JSON: cascade: points[1]: points must go by ascending coverage",
        ),
        (
            lambda d: d["cascade"]["points"][0].update(coverage=0),
            "metrics JSON: cascade.points[0].coverage: must be above 0",
        ),
        (lambda d: d["cascade"].pop("aurc"), "metrics JSON: cascade.aurc: is missing"),
    ],
)
def test_bad_cascades_are_named(change, expected):
    data = example()
    change(data)
    assert load_error(data).startswith(expected)


def test_example_cascade_is_computed_from_the_shipped_predictions():
    from aueb.predictions import read_predictions

    held_out = read_predictions(
        EXAMPLE.parent / "predictions_example.csv", "student_confidence", "student_correct", "teacher_correct"
    )
    assert load_metrics(EXAMPLE).cascade == Cascade.measure(held_out, with_intervals=False)  # a schema-2 file


def test_bad_cascade_values_raise_metrics_errors():
    with pytest.raises(MetricsError):
        load_metrics(json.dumps({**example(), "cascade": {"points": []}}))

"""Carrying measured metrics into a scenario: `aueb apply-metrics` and the dashboard's "Apply to scenario".

It lives apart from aueb.metrics (the contract) because choosing a cascade operating point prices the
scenario with the planner, which itself reads the contract: metrics <- planner <- apply, no cycle.
A measured retention with its 95% interval enters the scenario as a range {low, mode, high} = the
interval's ends and the estimate (ECONOMICS.md, "How sure a measured quality is"); `point=True` writes
the bare estimate instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import ValidationError

from aueb import cascade as cascade_math
from aueb.metrics import DistillationMetrics, MetricsError, _one_line
from aueb.planner import choose_point
from aueb.scenario import RANGES_KEY, Scenario, SelfHostedPricing


def apply_metrics(
    scenario: Scenario,
    metrics: DistillationMetrics,
    feature: str,
    hourly_price: float | None = None,
    operating_point: str | None = None,
    point: bool = False,
) -> Scenario:
    """A new scenario where `feature`'s student has the measured quality retention.

    With operating_point (`best`, `coverage=X` or `threshold=T`, see aueb.planner.choose_point), the
    feature runs the cascade at that point of metrics.cascade: coverage 1, escalation 1 - c and the
    retention of ECONOMICS.md. The point is chosen after the self-hosted pricing is applied.

    With hourly_price, the student is priced as self-hosted at that price per replica-hour, one replica
    serving metrics.student.throughput_batch256 requests per second (a server that batches requests);
    utilisation, peak-to-average and minimum replicas are kept if the student was already self-hosted.
    When the metrics carry the retention's 95% interval (schema 3) and `point` is False, the retention is
    written as a range {low, mode, high}: the interval's ends around the estimate (high capped where the
    student's quality would pass 1), so the risk analysis samples it. `point=True` writes the estimate alone.
    Raises MetricsError (a ValueError) for an unknown feature, a feature without a student, or a
    retention that would make the student's quality above 1.
    """
    names = [f.name for f in scenario.features]
    if feature not in names:
        raise MetricsError(
            f"feature {feature!r} is not in scenario {scenario.name!r} (features: {', '.join(map(repr, names))})"
        )
    data = scenario.model_dump()
    target = data["features"][names.index(feature)]
    if target["student"] is None:
        raise MetricsError(
            f"feature {feature!r} has no student: add one to the scenario (with its coverage) before applying metrics"
        )
    teacher_quality = target["teacher"]["quality"]
    if operating_point is None and metrics.quality_retention * teacher_quality > 1:
        raise MetricsError(
            f"quality_retention {metrics.quality_retention:g} x teacher quality {teacher_quality:g} "
            f"of feature {feature!r} "
            f"= {metrics.quality_retention * teacher_quality:.4f}, a share of correct outputs above 1: "
            "the measured retention does not fit this scenario's teacher quality"
        )
    if operating_point is None:
        _measured(target["student"], quality_retention=metrics.quality_retention)
        if not point and metrics.quality_retention_ci95 is not None:
            _measured_range(
                target["student"],
                "quality_retention",
                metrics.quality_retention,
                metrics.quality_retention_ci95,
                1 / teacher_quality if teacher_quality > 0 else None,
            )
    if hourly_price is not None:
        kept = {}
        if target["student"]["pricing"]["kind"] == "self_hosted":
            kept = {k: target["student"]["pricing"][k] for k in ("utilization", "peak_to_average", "min_replicas")}
        try:
            pricing = SelfHostedPricing(
                hourly_price=hourly_price, throughput_rps=metrics.student.throughput_batch256, **kept
            )
        except ValidationError as error:
            raise MetricsError(f"self-hosted pricing: {_one_line(error)}") from None
        target["student"]["pricing"] = pricing.model_dump()
    try:
        updated = Scenario.model_validate(data)
    except ValidationError as error:
        raise MetricsError(f"scenario after applying metrics: {_one_line(error)}") from None
    if operating_point is None:
        return updated
    return _apply_operating_point(updated, metrics, feature, operating_point, point)


def _measured(model: dict[str, Any], **values: float) -> None:
    """Set measured values in a dumped model, dropping their ranges: a measured value is not uncertain."""
    model.update(values)
    ranges = model.get(RANGES_KEY)
    if ranges:
        model[RANGES_KEY] = {name: r for name, r in ranges.items() if name not in values}


def _measured_range(
    model: dict[str, Any], name: str, mode: float, interval: tuple[float, float], cap: float | None
) -> None:
    """Write a measured value with its 95% interval as a range {low, mode, high} (clipped to hold the mode)."""
    low, high = min(interval[0], mode), max(interval[1], mode)
    if cap is not None:
        high = max(mode, min(high, cap))
    low = max(0.0, low)
    model.setdefault(RANGES_KEY, {})
    model[RANGES_KEY] = {**(model[RANGES_KEY] or {}), name: {"low": low, "mode": mode, "high": high}}


def _apply_operating_point(
    scenario: Scenario, metrics: DistillationMetrics, feature: str, spec: str, point_only: bool = False
) -> Scenario:
    if metrics.cascade is None:
        raise MetricsError(
            "operating point: the metrics file has no cascade (schema_version 2; add one with `aueb cascade`)"
        )
    index = choose_point(scenario, metrics.cascade, feature, spec)
    point = metrics.cascade.points[index]
    routed, escalation, retention = cascade_math.feature_inputs(
        np.array([point.coverage]), np.array([point.system_accuracy]), metrics.cascade.teacher_accuracy
    )
    data = scenario.model_dump()
    target = data["features"][[f.name for f in scenario.features].index(feature)]
    _measured(target, coverage=float(routed[0]), escalation=float(escalation[0]))
    _measured(target["student"], quality_retention=float(retention[0]))
    if not point_only and point.system_accuracy_ci95 is not None:
        # The retention at this point from the ends of Q's interval (same mapping as the estimate).
        _, _, ends = cascade_math.feature_inputs(
            np.array([point.coverage] * 2), np.array(point.system_accuracy_ci95), metrics.cascade.teacher_accuracy
        )
        teacher_quality = target["teacher"]["quality"]
        _measured_range(
            target["student"],
            "quality_retention",
            float(retention[0]),
            (float(ends[0]), float(ends[1])),
            1 / teacher_quality if teacher_quality > 0 else None,
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise MetricsError(
            f"scenario at operating point {spec} (coverage {point.coverage:.4f}): {_one_line(error)}"
        ) from None

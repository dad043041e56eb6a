"""Benchmark of `aueb plan`: pricing a 1,000-point cascade in one vectorised engine call, against a loop.

    python benchmarks/bench_plan.py              # 1,000 points on the default scenario's "Support chat"
    python benchmarks/bench_plan.py --points 200

The curve is drawn at random (1,000 distinct confidences, so 1,000 points). `plan` prices all points with
one engine call (aueb.engine.project_feature_variants). The loop does the least a per-point approach must:
for each point, set the feature's coverage, escalation and retention in the scenario's features frame and
project that frame at 1x (aueb.engine.project_features, no summary). Both give the same figures (checked).
Timings are the median of 5 runs. The last line is machine-readable:
    plan_ms=<ms> speedup_vs_loop=<x>
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aueb.cascade import HeldOut, curve  # noqa: E402
from aueb.engine import engine_inputs, project_features  # noqa: E402
from aueb.formats import DEFAULT_SCENARIO_PATH, load_scenarios  # noqa: E402
from aueb.metrics import Cascade, CascadePoint  # noqa: E402
from aueb.planner import PRICED, plan  # noqa: E402
from aueb.tiers import load_tiers  # noqa: E402

FEATURE = "Support chat"
ROUNDS = 5


def cascade_of(points: int) -> Cascade:
    rng = np.random.default_rng(0)
    confidence = rng.uniform(size=points)
    held_out = HeldOut(confidence, rng.uniform(size=points) < 0.6 + 0.4 * confidence, rng.uniform(size=points) < 0.92)
    c = curve(held_out)
    summary = Cascade.measure(held_out)
    return summary.model_copy(
        update={
            "points": [
                CascadePoint(threshold=t, coverage=k, selective_accuracy=a, system_accuracy=q)
                for t, k, a, q in zip(
                    c.threshold.tolist(),
                    c.coverage.tolist(),
                    c.selective_accuracy.tolist(),
                    c.system_accuracy.tolist(),
                    strict=True,
                )
            ]
        }
    )


def loop(scenario, priced) -> list[list[float]]:
    """One projection per point: the same figures, a Python loop over points."""
    base = engine_inputs(scenario)
    tiers = load_tiers()
    figures = []
    for _, point in priced.points.iterrows():
        frame = base.copy()
        frame.loc[FEATURE, ["coverage", "escalation", "quality_retention"]] = [
            1.0,
            point["escalation"],
            point["quality_retention"],
        ]
        rows = project_features(
            frame,
            scenario=scenario.name,
            multipliers=[1.0],
            growth=scenario.growth,
            fixed_monthly_cost=scenario.fixed_monthly_cost,
            tiers=tiers,
        )
        row = rows[(rows["feature"] == FEATURE) & (rows["arm"] == "distilled")].iloc[0]
        figures.append([float(row[name]) for name in PRICED])
    return figures


def timed(function, rounds: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000, help="points of the curve (default 1000)")
    args = parser.parse_args()
    scenario = load_scenarios(DEFAULT_SCENARIO_PATH)[0]
    cascade = cascade_of(args.points)
    plan(scenario, cascade, FEATURE)  # warm-up: imports, the tier table
    plan_seconds, priced = timed(lambda: plan(scenario, cascade, FEATURE), ROUNDS)
    loop_seconds, figures = timed(lambda: loop(scenario, priced), 1 if args.points > 200 else ROUNDS)
    vectorised = priced.points[list(PRICED)].to_numpy()
    assert np.allclose(vectorised, np.array(figures), rtol=1e-12, equal_nan=True), "plan and the loop disagree"
    best = priced.points.iloc[priced.best]
    print(f"curve of {len(priced.points)} points on {scenario.name!r}, feature {FEATURE!r}, at 1x")
    print(f"  plan (one engine call): {plan_seconds * 1e3:.1f} ms (median of {ROUNDS})")
    print(f"  loop of {len(priced.points)} single projections: {loop_seconds * 1e3:,.0f} ms")
    print(
        f"  best point: coverage {best['coverage']:.1%}, net AI value {best['net_ai_value']:,.2f} "
        f"{scenario.currency} a month"
    )
    print(f"plan_ms={plan_seconds * 1e3:.1f} speedup_vs_loop={loop_seconds / plan_seconds:.1f}")


if __name__ == "__main__":
    main()

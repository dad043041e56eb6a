"""Engine speed: the vectorised projection against a plain per-feature Python loop of the same formulas.

Run: .venv/bin/python benchmarks/bench_engine.py
Last line: speedup_vs_loop=<x> seconds_1m=<s>
"""

from __future__ import annotations

import math
import platform
import time

import numpy as np
import pandas as pd

from aueb.costs import ARMS, FEATURE_FIELDS, HOURS_PER_MONTH, SECONDS_PER_MONTH, SELF_HOSTED
from aueb.engine import project_features
from aueb.tiers import load_tiers

MULTIPLIERS = (1.0, 10.0, 100.0)
FIXED_MONTHLY_COST = 5000.0


def random_features(n: int, seed: int = 0) -> pd.DataFrame:
    """n features with every pricing kind mixed, as the engine's features frame."""
    rng = np.random.default_rng(seed)
    has_student = (rng.random(n) < 0.7).astype(float)

    def model(prefix: str) -> dict[str, np.ndarray]:
        self_hosted = rng.random(n) < 0.3
        return {
            f"{prefix}_kind": np.where(self_hosted, SELF_HOSTED, 0.0),
            f"{prefix}_unit_cost": np.where(self_hosted, 0.0, rng.uniform(0.0001, 0.05, n)),
            f"{prefix}_hourly_price": np.where(self_hosted, rng.uniform(0.5, 4.0, n), 0.0),
            f"{prefix}_throughput_rps": np.where(self_hosted, rng.uniform(5, 100, n), 1.0),
            f"{prefix}_utilization": np.where(self_hosted, rng.uniform(0.4, 0.9, n), 1.0),
            f"{prefix}_peak_to_average": np.where(self_hosted, rng.uniform(1, 3, n), 1.0),
            f"{prefix}_min_replicas": np.where(self_hosted, rng.integers(0, 3, n), 0).astype(float),
        }

    columns = {
        "users": rng.integers(10, 100_000, n).astype(float),
        "requests_per_user": rng.uniform(1, 300, n),
        "revenue_per_user": rng.uniform(0, 20, n),
        "cache_hit_rate": rng.uniform(0, 0.5, n),
        "cache_cost_per_request": rng.uniform(0, 0.0005, n),
        "overhead_per_request": rng.uniform(0, 0.005, n),
        "review_share": rng.uniform(0, 0.1, n),
        "review_minutes": rng.uniform(0, 5, n),
        "reviewer_hourly_cost": rng.uniform(20, 80, n),
        "cost_per_error": rng.uniform(0, 5, n),
        "teacher_quality": rng.uniform(0.7, 0.99, n),
        "has_student": has_student,
        "coverage": rng.uniform(0, 1, n) * has_student,
        "escalation": rng.uniform(0, 0.3, n) * has_student,
        "quality_retention": np.where(has_student > 0, rng.uniform(0.8, 1.0, n), 1.0),
        **model("teacher"),
        **model("student"),
        "training_examples": rng.integers(0, 100_000, n).astype(float),
        "training_compute": rng.uniform(0, 5000, n),
        "engineering": rng.uniform(0, 50_000, n),
    }
    return pd.DataFrame(
        columns, columns=list(FEATURE_FIELDS), index=pd.Index([f"feature {i}" for i in range(n)], name="feature")
    )


def model_cost(f: dict, prefix: str, requests: float) -> float:
    if f[f"{prefix}_kind"] != SELF_HOSTED:
        return requests * f[f"{prefix}_unit_cost"]
    if requests <= 0:
        return 0.0
    needed = (
        requests
        / SECONDS_PER_MONTH
        * f[f"{prefix}_peak_to_average"]
        / (f[f"{prefix}_throughput_rps"] * f[f"{prefix}_utilization"])
    )
    return max(f[f"{prefix}_min_replicas"], math.ceil(needed - 1e-9)) * f[f"{prefix}_hourly_price"] * HOURS_PER_MONTH


def ratio(a: float, b: float) -> float:
    return a / b if b != 0 else math.nan


def loop_projection(features: pd.DataFrame, multipliers=MULTIPLIERS, growth: str = "users") -> list[dict]:
    """The same formulas, one feature at a time, in plain Python: every number of the feature rows."""
    records = features.to_dict("records")
    rows = []
    for m in multipliers:
        total_requests = sum(
            f["users"] * (m if growth == "users" else 1) * f["requests_per_user"] * (m if growth == "usage" else 1)
            for f in records
        )
        for arm in ARMS:
            for f in records:
                users = f["users"] * (m if growth == "users" else 1)
                requests = users * f["requests_per_user"] * (m if growth == "usage" else 1)
                revenue = users * f["revenue_per_user"]
                hits = f["cache_hit_rate"] * requests
                served = requests - hits
                k = f["coverage"] * f["has_student"] if arm == "distilled" else 0.0
                e = f["escalation"] * f["has_student"] if arm == "distilled" else 0.0
                student = k * served
                teacher = (1 - k) * served + e * student
                inference = (
                    hits * f["cache_cost_per_request"]
                    + model_cost(f, "teacher", teacher)
                    + model_cost(f, "student", student)
                )
                overhead = requests * f["overhead_per_request"]
                verification = requests * f["review_share"] * (f["review_minutes"] / 60) * f["reviewer_hourly_cost"]
                fixed = (
                    FIXED_MONTHLY_COST * requests / total_requests
                    if total_requests > 0
                    else FIXED_MONTHLY_COST / len(records)
                )
                cogs = inference + overhead + verification + fixed
                q = f["teacher_quality"]
                correct = (
                    hits * q
                    + (1 - k) * served * q
                    + e * k * served * q
                    + (1 - e) * k * served * f["quality_retention"] * q
                )
                error_cost = (requests - correct) * f["cost_per_error"]
                rows.append(
                    {
                        "multiplier": m,
                        "users": users,
                        "requests": requests,
                        "revenue": revenue,
                        "inference_cost": inference,
                        "overhead_cost": overhead,
                        "verification_cost": verification,
                        "fixed_cost": fixed,
                        "ai_cogs": cogs,
                        "cogs_to_revenue": ratio(cogs, revenue),
                        "gross_margin": 1 - ratio(cogs, revenue),
                        "inference_cost_per_request": ratio(inference, requests),
                        "cost_per_request": ratio(cogs, requests),
                        "cost_per_user": ratio(cogs, users),
                        "quality": ratio(correct, requests),
                        "correct_outputs": correct,
                        "cost_per_correct_output": ratio(cogs, correct),
                        "error_cost": error_cost,
                        "net_ai_value": revenue - cogs - error_cost,
                        "routing_coverage": k * (1 - e),
                        "inference_efficiency_ratio": ratio(revenue, inference),
                    }
                )
    return rows


def engine_projection(features: pd.DataFrame, tiers: pd.DataFrame) -> pd.DataFrame:
    return project_features(
        features,
        scenario="bench",
        multipliers=MULTIPLIERS,
        growth="users",
        fixed_monthly_cost=FIXED_MONTHLY_COST,
        tiers=tiers,
    )


def best_of(runs: int, work) -> tuple[float, object]:
    best, result = math.inf, None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    tiers = load_tiers()
    features = random_features(20_000)
    engine_s, rows = best_of(5, lambda: engine_projection(features, tiers))
    loop_s, loop_rows = best_of(2, lambda: loop_projection(features))
    expected = pd.DataFrame(loop_rows)
    got = rows[rows["feature"] != "ALL"].reset_index(drop=True)
    for column in expected.columns:
        np.testing.assert_allclose(
            got[column].to_numpy(dtype=float), expected[column].to_numpy(), rtol=1e-9, equal_nan=True, err_msg=column
        )

    million = random_features(1_000_000, seed=1)
    seconds_1m, big = best_of(3, lambda: engine_projection(million, tiers))

    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}, numpy "
        f"{np.__version__}, pandas {pd.__version__}"
    )
    print(
        f"20,000 features x {len(MULTIPLIERS)} multipliers x 2 arms: engine {engine_s * 1000:.1f} ms, per-feature "
        f"loop {loop_s * 1000:.0f} ms (same figures, rtol 1e-9)"
    )
    print(
        f"1,000,000 features x {len(MULTIPLIERS)} multipliers x 2 arms: {len(big):,} rows in {seconds_1m:.2f} s "
        "(best of 3)"
    )
    print(f"speedup_vs_loop={loop_s / engine_s:.1f} seconds_1m={seconds_1m:.2f}")


if __name__ == "__main__":
    main()

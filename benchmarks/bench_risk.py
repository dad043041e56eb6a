"""Monte Carlo speed: 10,000 samples of a 100-feature scenario with 5 ranged inputs per feature.

Run: .venv/bin/python benchmarks/bench_risk.py [--loop-samples 200]
- vectorised: aueb.risk.simulate (the engine's sample axis) + percentiles of every total-row figure
  and the summary, best of 3.
- loop: the same samples as one point projection each (the engine's project_features on one sampled
  features frame, plus the saving and one-time cost), timed on --loop-samples samples and scaled to
  10,000; its AI COGS are checked against the vectorised samples.
Targets on 2 cores: < 5 s, >= 20x, < 3,000 MB peak RSS.
Last line: seconds_10k_100f=<s> speedup_vs_loop=<x> peak_rss_mb=<mb>
"""

from __future__ import annotations

import argparse
import platform
import resource
import time

import numpy as np
import pandas as pd
from bench_engine import best_of

from aueb.engine import engine_inputs, project_features
from aueb.risk import percentile_rows, pert, ranged_inputs, risk_summary, simulate
from aueb.risk_samples import _sampled_features, _token_models
from aueb.scenario import Scenario
from aueb.tiers import load_tiers

SAMPLES = 10_000
FEATURES = 100


def ranged(
    rng: np.random.Generator, mode: float, low_share: float = 0.6, high_share: float = 1.8, top: float | None = None
) -> dict[str, float]:
    low, high = mode * rng.uniform(low_share, 0.95), mode * rng.uniform(1.05, high_share)
    return {"low": low, "mode": mode, "high": min(high, top) if top is not None else high}


def scenario(n: int = FEATURES, seed: int = 0) -> Scenario:
    """n features, pricing kinds mixed (per request, tokens, self-hosted), 5 ranged inputs each."""
    rng = np.random.default_rng(seed)
    features = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            teacher_pricing = {"kind": "per_request", "cost": ranged(rng, float(rng.uniform(0.002, 0.05)))}
        elif kind == 1:
            teacher_pricing = {
                "kind": "tokens",
                "input_tokens": ranged(rng, float(rng.integers(200, 3000))),
                "output_tokens": 300.0,
                "input_price_per_mtok": 2.5,
                "output_price_per_mtok": 10.0,
            }
        else:
            teacher_pricing = {
                "kind": "self_hosted",
                "hourly_price": ranged(rng, float(rng.uniform(1, 6))),
                "throughput_rps": 20.0,
                "min_replicas": 1,
            }
        features.append(
            {
                "name": f"feature {i}",
                "users": ranged(rng, float(rng.integers(1_000, 100_000))),
                "requests_per_user": ranged(rng, float(rng.uniform(5, 100))),
                "revenue_per_user": float(rng.uniform(0, 10)),
                "overhead_per_request": 0.0005,
                "teacher": {"name": "T", "quality": 0.9, "pricing": teacher_pricing},
                "student": {
                    "name": "S",
                    "quality_retention": ranged(rng, 0.95, 0.85, 1.05, top=1 / 0.9),
                    "pricing": {"kind": "per_request", "cost": 0.0008},
                    "distillation": {"engineering": 20_000.0},
                },
                "coverage": ranged(rng, 0.7, 0.5, 1.3, top=1.0),
            }
        )
    return Scenario.model_validate({"name": "bench", "fixed_monthly_cost": 5000.0, "features": features})


def vectorised(s: Scenario):
    simulation = simulate(s, SAMPLES, seed=1)
    return simulation, percentile_rows(simulation), risk_summary(simulation)


def loop(s: Scenario, n: int, tiers: pd.DataFrame) -> list[float]:
    """n point projections, one sample at a time (the same draws as simulate(seed=1))."""
    inputs = ranged_inputs(s)
    base, token_models = engine_inputs(s), _token_models(s, inputs)
    bounds = np.array([(i.range.low, i.range.mode, i.range.high) for i in inputs])
    values = pert(np.random.default_rng(1), bounds[:, 0], bounds[:, 1], bounds[:, 2], SAMPLES)
    cogs = []
    for j in range(n):
        frame = _sampled_features(base, s, inputs, values[:, j : j + 1], token_models).set_axis(base.index)
        rows = project_features(
            frame,
            scenario=s.name,
            multipliers=s.multipliers,
            growth=s.growth,
            fixed_monthly_cost=s.fixed_monthly_cost,
            tiers=tiers,
        )
        summarize_features_today(frame, s)
        total = rows[(rows["feature"] == "ALL") & (rows["multiplier"] == 1.0) & (rows["arm"] == "baseline")]
        cogs.append(float(total["ai_cogs"].iloc[0]))
    return cogs


def summarize_features_today(frame: pd.DataFrame, s: Scenario) -> None:
    """The summary figures a sample needs (saving, one-time cost, payback, ROI), without the volume searches."""
    from aueb.costs import _costs, _one_time_cost

    today = _costs(frame, np.array([1.0]), "users", s.fixed_monthly_cost)
    cogs = today.ai_cogs.sum(axis=2)[0]
    one_time = _one_time_cost(frame, today.model_served[0, 0]).sum()
    saving = cogs[0] - cogs[1]
    _ = (
        one_time / saving if saving > 0 else None,
        (saving * s.horizon_months - one_time) / one_time if one_time > 0 else None,
    )


def page_rerun_ms(reruns: int) -> float:
    """Median server-side rerun of the Risk page after a change of seed (AppTest, default scenario)."""
    import statistics
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("aueb/ui/routes/risk.py").run()
    times = []
    for seed in range(1, reruns + 1):
        at.number_input(key="risk|seed").set_value(seed)
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loop-samples", type=int, default=200)
    parser.add_argument("--reruns", type=int, default=7)
    args = parser.parse_args()
    print(
        "Risk page, default scenario, 10,000 samples: server-side rerun after a change "
        f"{page_rerun_ms(args.reruns):.0f} ms (median of {args.reruns})"
    )
    s = scenario()
    tiers = load_tiers()
    assert len(ranged_inputs(s)) == 5 * FEATURES
    seconds, (simulation, rows, summary) = best_of(3, lambda: vectorised(s))
    loop_seconds, loop_cogs = best_of(1, lambda: loop(s, args.loop_samples, tiers))
    np.testing.assert_allclose(simulation.figure("ai_cogs")[0, 0, : args.loop_samples], loop_cogs, rtol=1e-9)
    loop_full = loop_seconds / args.loop_samples * SAMPLES
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"machine: {platform.machine()}, python {platform.python_version()}, numpy {np.__version__}, pandas "
        f"{pd.__version__}"
    )
    print(
        f"{SAMPLES:,} samples x {FEATURES} features x {len(s.multipliers)} multipliers x 2 arms, {5 * FEATURES} "
        "ranged inputs: "
        f"{seconds:.2f} s (best of 3), {len(rows)} percentile rows, payback probability "
        f"{summary.payback_within_horizon_probability:.3f}"
    )
    print(
        f"loop of point projections: {args.loop_samples} samples in {loop_seconds:.2f} s, scaled to {SAMPLES:,}: "
        f"{loop_full:.0f} s (same AI COGS, rtol 1e-9)"
    )
    print(f"seconds_10k_100f={seconds:.2f} speedup_vs_loop={loop_full / seconds:.1f} peak_rss_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()

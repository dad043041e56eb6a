"""Benchmark of `aueb distill`: the default run, then the same run with every label (the honest negative).

    python benchmarks/bench_distill.py            # default run + all-labels comparison (about 1-2 minutes on 2 cores)
    python benchmarks/bench_distill.py --quick    # smoke test of the script

Each run is a fresh `python -m aueb.distill` process, so wall_s is what a user waits, imports included.
The last line is machine-readable:
    wall_s=<s> kd_gain_pp=<x> retention=<r> speedup_b1=<x> speedup_b256=<x> all_labels_kd_gain_pp=<x> apgr=<x>
    cpt95=<share>

apgr and cpt95 are the distilled student's confidence cascade on the pooled held-out predictions of
every seed: the area under the quality gap recovered against the teacher share, and the smallest share
of requests sent to the teacher at which the cascade recovers 95% of the gap between student and teacher.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aueb.metrics import DistillationMetrics, load_metrics  # noqa: E402
from aueb.quality import bootstrap_seconds, verdict  # noqa: E402


def _band(band, fmt: str = ".4f") -> str:
    return "n/a" if band is None else f"[{band[0]:{fmt}}, {band[1]:{fmt}}]"


def distill(args: list[str], out: Path) -> tuple[DistillationMetrics, float]:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "aueb.distill", "--quiet", "--out", str(out), *args], cwd=ROOT, check=True)
    return load_metrics(out), time.perf_counter() - started


def show(title: str, m: DistillationMetrics, wall: float) -> None:
    t, s = m.teacher, m.student
    print(f"== {title}: {m.dataset}, {len(m.seeds)} seeds, labels per class: {m.labels_per_class or 'all'}")
    print(
        f"  wall {wall:.1f}s (process); phases: "
        + ", ".join(f"{k} {v:.1f}s" for k, v in (m.phase_seconds or {}).items())
    )
    print(f"  teacher {t.name}: accuracy {t.accuracy:.4f} ± {t.accuracy_std:.4f}")
    print(f"  student {s.name}: accuracy {s.accuracy:.4f} ± {s.accuracy_std:.4f} (soft targets)")
    print(
        f"  hard labels only {m.hard_label_accuracy:.4f}; teacher argmax labels {m.pseudo_label_accuracy:.4f}; "
        f"agreement {m.agreement:.4f}"
    )
    print(
        f"  KD gain over hard labels {m.kd_gain_pp:+.2f} pp ± {m.kd_gain_pp_std:.2f} (wins "
        f"{m.kd_wins}/{len(m.seeds)}); retention {m.quality_retention:.4f}"
    )
    c = m.cascade
    cpt = ", ".join(f"{float(k):.0%}: {'not reached' if v is None else f'{v:.2%}'}" for k, v in c.cpt.items())
    apgr = "undefined" if c.apgr is None else f"{c.apgr:.4f}"
    print(
        f"  cascade on {c.n_examples} pooled held-out predictions: APGR {apgr}; teacher share to recover the gap "
        f"(CPT) {cpt}; AURC {c.aurc:.4f}"
    )
    print(
        f"  95% intervals on {m.test_examples:,} test examples: teacher {_band(t.accuracy_ci95)}, student "
        f"{_band(s.accuracy_ci95)}, retention {_band(m.quality_retention_ci95)} (seed spread ± "
        f"{m.quality_retention_std:.4f}), KD gain {_band(m.kd_gain_pp_ci95, '+.2f')} pp, APGR {_band(c.apgr_ci95)}; "
        f"{verdict(m.kd_gain_pp_ci95)}"
    )
    per_seed = [r.cascade.cpt["0.95"] for r in m.per_seed or []]
    print("  CPT(95%) per seed: " + ", ".join("n/a" if v is None else f"{v:.2%}" for v in per_seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="quick runs (smoke test; figures not representative)")
    args = parser.parse_args()
    extra = ["--quick"] if args.quick else []
    with tempfile.TemporaryDirectory() as folder:
        default, wall = distill(extra, Path(folder) / "default.json")
        all_labels, all_wall = distill([*extra, "--labels-per-class", "all"], Path(folder) / "all.json")

    import torch

    show("default run", default, wall)
    t, s = default.teacher, default.student
    speedup_b1 = s.throughput_batch1 / t.throughput_batch1
    speedup_b256 = s.throughput_batch256 / t.throughput_batch256
    print(
        f"  parameters {t.parameters:,} vs {s.parameters:,} ({t.parameters / s.parameters:.0f}x); "
        f"FLOPs/example {t.flops_per_example:,.0f} vs {s.flops_per_example:,.0f} "
        f"({t.flops_per_example / s.flops_per_example:.0f}x)"
    )
    print(
        f"  latency p50/p95 ms at batch 1: teacher {t.latency_ms_p50:.3f}/{t.latency_ms_p95:.3f}, student "
        f"{s.latency_ms_p50:.3f}/{s.latency_ms_p95:.3f}"
    )
    print(
        f"  examples/s batch 1: teacher {t.throughput_batch1:,.0f}, student {s.throughput_batch1:,.0f} "
        f"({speedup_b1:.1f}x)"
    )
    print(
        f"  examples/s batch 256: teacher {t.throughput_batch256:,.0f}, student {s.throughput_batch256:,.0f} "
        f"({speedup_b256:.1f}x)"
    )
    print(
        f"  USD per 1M requests at {default.hardware.hourly_price:g}/h: teacher {t.cost_per_million_requests:.3g}, "
        f"student {s.cost_per_million_requests:.3g}"
    )
    print(f"  {default.hardware.device}, {default.hardware.threads} timing threads, torch {torch.__version__}")
    show("all labels (where distillation does not help)", all_labels, all_wall)
    bootstrap_s = bootstrap_seconds()  # target < 2 s: 2,000 paired resamples of 10,000 test examples
    print(f"  paired bootstrap, 2,000 resamples of 10,000 test examples: {bootstrap_s:.2f}s")
    print(
        f"wall_s={wall:.1f} kd_gain_pp={default.kd_gain_pp:.2f} retention={default.quality_retention:.4f} "
        f"speedup_b1={speedup_b1:.1f} speedup_b256={speedup_b256:.1f} "
        f"all_labels_kd_gain_pp={all_labels.kd_gain_pp:.2f} "
        f"apgr={_figure(default.cascade.apgr)} cpt95={_figure(default.cascade.cpt['0.95'])} "
        f"retention_ci95={_band(default.quality_retention_ci95).replace(' ', '')} "
        f"kd_gain_pp_ci95={_band(default.kd_gain_pp_ci95, '.2f').replace(' ', '')} "
        f"apgr_ci95={_band(default.cascade.apgr_ci95).replace(' ', '')} test_examples={default.test_examples} "
        f"bootstrap_10k_s={bootstrap_s:.2f}"
    )


def _figure(value: float | None) -> str:
    return "none" if value is None else f"{value:.4f}"


if __name__ == "__main__":
    main()

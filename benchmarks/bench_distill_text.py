"""Benchmark of `aueb distill --task text`: the default run in a fresh process, with an empty embedding cache.

    python benchmarks/bench_distill_text.py            # the default run (about 1-2 minutes on 2 cores)
    python benchmarks/bench_distill_text.py --sweep    # then labels per class 8, 16, 64, all (cache warm)
    python benchmarks/bench_distill_text.py --quick    # smoke test of the script

The cache is a fresh temporary folder (AUEB_CACHE_DIR), so wall_s is a first run: imports, the
teacher embedding every text, five seeds of three students, the timings. The last line is machine-readable:
    wall_s=<s> teacher_acc=<a> kd_acc=<a> hard_acc=<a> kd_gain_pp=<pp> retention=<r> speedup_b256=<x>
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aueb.metrics import DistillationMetrics, load_metrics  # noqa: E402
from aueb.quality import smallest_sufficient, verdict  # noqa: E402


def _band(band, fmt: str = ".4f") -> str:
    return "n/a" if band is None else f"[{band[0]:{fmt}}, {band[1]:{fmt}}]"


def distill(args: list[str], out: Path, cache: Path) -> tuple[DistillationMetrics, float]:
    started = time.perf_counter()
    env = {**os.environ, "AUEB_CACHE_DIR": str(cache)}
    subprocess.run(
        [sys.executable, "-m", "aueb.distill", "--task", "text", "--quiet", "--out", str(out), *args],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return load_metrics(out), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="quick runs (smoke test; figures not representative)")
    parser.add_argument("--sweep", action="store_true", help="also the labels-per-class sweep (8, 16, 64, all)")
    parser.add_argument(
        "--target",
        type=float,
        default=0.95,
        help="with --sweep: report the smallest labels per class whose retention interval's lower end reaches it",
    )
    args = parser.parse_args()
    extra = ["--quick"] if args.quick else []
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "cache"
        m, wall = distill(extra, Path(folder) / "default.json", cache)
        sweep = []
        if args.sweep:
            for labels in ("8", "16", "64", "all"):
                sweep.append(
                    (labels, *distill([*extra, "--labels-per-class", labels], Path(folder) / f"{labels}.json", cache))
                )

    t, s = m.teacher, m.student
    speedup_b1 = s.throughput_batch1 / t.throughput_batch1
    speedup_b256 = s.throughput_batch256 / t.throughput_batch256
    print(
        f"== {m.dataset}: {len(m.seeds)} seeds, {m.labels_per_class or 'all'} labels per class, "
        f"{m.data.train_inputs:,} training texts, {m.data.test:,} test"
    )
    print(
        f"  wall {wall:.1f}s (process, empty cache); phases: "
        + ", ".join(f"{k} {v:.1f}s" for k, v in (m.phase_seconds or {}).items())
    )
    print(
        f"  teacher {t.name}: {t.accuracy:.4f} ± {t.accuracy_std:.4f}; {t.parameters:,} parameters, "
        f"{t.flops_per_example:,.0f} FLOPs/text (estimate)"
    )
    print(
        f"  student {s.name}: {s.accuracy:.4f} ± {s.accuracy_std:.4f}; {s.parameters:,} parameters, "
        f"{s.flops_per_example:,.0f} FLOPs/text (estimate)"
    )
    print(
        f"  hard labels {m.hard_label_accuracy:.4f}; teacher argmax {m.pseudo_label_accuracy:.4f}; agreement "
        f"{m.agreement:.4f}"
    )
    print(
        f"  KD gain {m.kd_gain_pp:+.2f} pp ± {m.kd_gain_pp_std:.2f} (wins {m.kd_wins}/{len(m.seeds)}); retention "
        f"{m.quality_retention:.4f}"
    )
    print(
        f"  latency p50/p95 ms: teacher {t.latency_ms_p50:.2f}/{t.latency_ms_p95:.2f}, student "
        f"{s.latency_ms_p50:.3f}/{s.latency_ms_p95:.3f}"
    )
    print(
        f"  texts/s batch 1: teacher {t.throughput_batch1:,.1f}, student {s.throughput_batch1:,.0f} ({speedup_b1:.1f}x)"
    )
    print(
        f"  texts/s batch 256: teacher {t.throughput_batch256:,.1f}, student {s.throughput_batch256:,.0f} "
        f"({speedup_b256:.1f}x)"
    )
    print(
        f"  USD per 1M requests at {m.hardware.hourly_price:g}/h: teacher {t.cost_per_million_requests:.3g}, student "
        f"{s.cost_per_million_requests:.3g}"
    )
    print(
        f"  95% intervals on {m.test_examples:,} test examples: teacher {_band(t.accuracy_ci95)}, student "
        f"{_band(s.accuracy_ci95)}, retention {_band(m.quality_retention_ci95)} (seed spread ± "
        f"{m.quality_retention_std:.4f}), KD gain {_band(m.kd_gain_pp_ci95, '+.2f')} pp; {verdict(m.kd_gain_pp_ci95)}"
    )
    print(f"  {m.hardware.device}, {m.hardware.threads} timing threads")
    if sweep:
        print("  labels/class | hard | argmax | KD | KD gain pp | wins | teacher | retention [95%] | wall s")
        for labels, r, seconds in sweep:
            print(
                f"  {labels:>12} | {r.hard_label_accuracy:.4f} | {r.pseudo_label_accuracy:.4f} | "
                f"{r.student.accuracy:.4f} | "
                f"{r.kd_gain_pp:+.2f} ± {r.kd_gain_pp_std:.2f} | {r.kd_wins}/{len(r.seeds)} | "
                f"{r.teacher.accuracy:.4f} | "
                f"{r.quality_retention:.4f} {_band(r.quality_retention_ci95)} | {seconds:.1f}"
            )
        enough = smallest_sufficient(
            [labels for labels, _, _ in sweep], [r.quality_retention_ci95 for _, r, _ in sweep], args.target
        )
        print(
            f"  smallest labels per class whose retention interval's lower end reaches {args.target:g}: {enough}"
            if enough
            else f"  none of the sizes tried ({', '.join(labels for labels, _, _ in sweep)}) reaches retention "
            f"{args.target:g} at the lower end of its 95% interval"
        )
    print(
        f"wall_s={wall:.1f} teacher_acc={t.accuracy:.4f} kd_acc={s.accuracy:.4f} hard_acc={m.hard_label_accuracy:.4f} "
        f"kd_gain_pp={m.kd_gain_pp:.2f} retention={m.quality_retention:.4f} speedup_b256={speedup_b256:.1f} "
        f"retention_ci95={_band(m.quality_retention_ci95).replace(' ', '')} "
        f"kd_gain_pp_ci95={_band(m.kd_gain_pp_ci95, '.2f').replace(' ', '')} test_examples={m.test_examples}"
    )


if __name__ == "__main__":
    main()

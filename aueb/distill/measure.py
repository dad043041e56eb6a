"""Size, compute and speed of a trained model on this machine's CPU."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

LARGE_BATCH = 256
ROUNDS = 5


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_flops(model: nn.Module) -> int:
    """FLOPs of one example's forward pass: 2 per multiply-add of the linear layers.

    Bias adds and ReLUs (one operation per hidden unit) are left out: under 1% of the total here.
    """
    return sum(2 * layer.in_features * layer.out_features for layer in model.modules() if isinstance(layer, nn.Linear))


@dataclass(frozen=True)
class Timing:
    latency_ms_p50: float
    latency_ms_p95: float
    throughput_batch1: float  # examples/s, one example per call
    throughput_batch256: float  # examples/s, 256 examples per call


@torch.inference_mode()
def time_model(model: nn.Module, inputs: torch.Tensor, calls: int, min_seconds: float) -> Timing:
    """Latency of `calls` single-example calls, then throughput at batch 256 over at least `min_seconds`.

    Throughputs are the best of ROUNDS rounds: other work on the machine can only slow a round down,
    so the fastest round is the closest to what a dedicated machine sustains. Latency percentiles
    are over every call, slow ones included.
    """
    model.eval()
    for i in range(10):  # warm-up: first calls pay for allocation and kernel selection
        model(inputs[i % len(inputs)].unsqueeze(0))
    latencies = np.empty(calls)
    for i in range(calls):
        example = inputs[i % len(inputs)].unsqueeze(0)
        start = time.perf_counter()
        model(example)
        latencies[i] = time.perf_counter() - start
    rounds = np.array_split(latencies, ROUNDS)

    batch = inputs.repeat(LARGE_BATCH // len(inputs) + 1, 1)[:LARGE_BATCH].contiguous()
    model(batch)
    best_batch_seconds = float("inf")
    for _ in range(ROUNDS):
        batches, start = 0, time.perf_counter()
        while batches < 2 or time.perf_counter() - start < min_seconds / ROUNDS:
            model(batch)
            batches += 1
        best_batch_seconds = min(best_batch_seconds, (time.perf_counter() - start) / batches)
    return Timing(
        latency_ms_p50=float(np.percentile(latencies, 50) * 1e3),
        latency_ms_p95=float(np.percentile(latencies, 95) * 1e3),
        throughput_batch1=float(max(len(r) / r.sum() for r in rounds)),
        throughput_batch256=LARGE_BATCH / best_batch_seconds,
    )


def cost_per_million(hourly_price: float, throughput: float) -> float:
    """Cost of a million requests on a machine at `hourly_price` serving `throughput` requests/s."""
    return hourly_price / (throughput * 3600) * 1e6


def cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return "cpu: " + line.split(":", 1)[1].strip()
    return "cpu: " + (platform.processor() or platform.machine() or "unknown")

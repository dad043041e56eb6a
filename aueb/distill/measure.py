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
MIN_CALLS = 10
SLOW_MODEL_SECONDS = 10  # times min_seconds


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_flops(model: nn.Module) -> float:
    """FLOPs of one example's forward pass: 2 per multiply-add of the linear layers.

    Bias adds and ReLUs (one operation per hidden unit) are left out: under 1% of the total here.
    A model whose cost is not its linear layers (sparse input, attention) gives its own estimate.
    """
    if hasattr(model, "flops_per_example"):
        return model.flops_per_example()  # type: ignore[operator]  # nn.Module.__getattr__ is typed Tensor | Module
    return sum(2 * layer.in_features * layer.out_features for layer in model.modules() if isinstance(layer, nn.Linear))


@dataclass(frozen=True)
class Timing:
    latency_ms_p50: float
    latency_ms_p95: float
    throughput_batch1: float  # examples/s, one example per call
    throughput_batch256: float  # examples/s, 256 examples per call


def _example(inputs, i: int):
    """One request: a row of a tensor, or a list of one text."""
    return inputs[i % len(inputs)].unsqueeze(0) if isinstance(inputs, torch.Tensor) else [inputs[i % len(inputs)]]


def _batch(inputs, size: int):
    if isinstance(inputs, torch.Tensor):
        return inputs.repeat(size // len(inputs) + 1, 1)[:size].contiguous()
    return (list(inputs) * (size // len(inputs) + 1))[:size]


@torch.inference_mode()
def time_model(model: nn.Module, inputs: torch.Tensor, calls: int, min_seconds: float) -> Timing:
    """Latency of `calls` single-example calls, then throughput at batch 256 over at least `min_seconds`.

    Throughputs are the best of ROUNDS rounds: other work on the machine can only slow a round down,
    so the fastest round is the closest to what a dedicated machine sustains. Latency percentiles
    are over every call, slow ones included. A slow model (a transformer on a CPU) gets fewer calls
    and batches: at least MIN_CALLS calls and one batch per round, stopping past SLOW_MODEL_SECONDS x min_seconds.
    """
    model.eval()
    for i in range(3):  # warm-up: first calls pay for allocation and kernel selection
        model(_example(inputs, i))
    latencies = []
    timing_started = time.perf_counter()
    for i in range(calls):
        example = _example(inputs, i)
        start = time.perf_counter()
        model(example)
        latencies.append(time.perf_counter() - start)
        if i + 1 >= MIN_CALLS and time.perf_counter() - timing_started > SLOW_MODEL_SECONDS * min_seconds:
            break
    seconds = np.array(latencies)
    rounds = np.array_split(seconds, ROUNDS)

    batch = _batch(inputs, LARGE_BATCH)
    model(batch)
    best_batch_seconds = float("inf")
    timing_started = time.perf_counter()
    for _ in range(ROUNDS):
        batches, start = 0, time.perf_counter()
        while batches < 1 or time.perf_counter() - start < min_seconds / ROUNDS:
            model(batch)
            batches += 1
        best_batch_seconds = min(best_batch_seconds, (time.perf_counter() - start) / batches)
        if time.perf_counter() - timing_started > SLOW_MODEL_SECONDS * min_seconds:
            break
    return Timing(
        latency_ms_p50=float(np.percentile(seconds, 50) * 1e3),
        latency_ms_p95=float(np.percentile(seconds, 95) * 1e3),
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

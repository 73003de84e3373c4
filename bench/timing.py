"""The timing loop (warm-up, then iterations until both a minimum time and a minimum count are reached) and the
statistics of its per-iteration samples."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from bench.accel import Cpu, Cuda
from bench.stats import latency_p50_ci

CPU_DEFAULTS = {"warmup": 5, "min_iters": 20, "min_time_s": 3.0}
GPU_DEFAULTS = {"warmup": 25, "min_iters": 100, "min_time_s": 2.0}
HIGH_SPREAD = 0.10  # IQR / p50 above this flags the row


def defaults(device: str) -> dict:
    return dict(GPU_DEFAULTS if device.startswith("cuda") else CPU_DEFAULTS)


def time_loop(step: Callable[[], object], accel: Cpu | Cuda, *, warmup: int, min_iters: int, min_time_s: float,
              max_iters: int = 100_000) -> list[float]:
    """Run `step` `warmup` times, then time it until >= min_iters samples AND >= min_time_s elapsed.

    Returns per-iteration latencies in ms, each taken by `accel.time_ms` (CUDA events synchronised after the step
    on a GPU, so queued work of one step never leaks into the next sample; perf_counter on the host)."""
    for _ in range(warmup):
        step()
    accel.synchronize()
    samples: list[float] = []
    start = time.perf_counter()
    while len(samples) < max_iters and (len(samples) < min_iters or time.perf_counter() - start < min_time_s):
        samples.append(accel.time_ms(step))
    return samples


def summarize(samples_ms: list[float], batch: int) -> dict:
    """Latency statistics (ms), throughput (images/s over the timed samples) and the compact sample string."""
    a = np.asarray(samples_ms, dtype=np.float64)
    p25, p50, p75, p90, p99 = np.percentile(a, [25, 50, 75, 90, 99])
    low, high = latency_p50_ci(a)
    return {
        "iterations": len(a),
        "duration_s": round(float(a.sum()) / 1e3, 4),
        "latency_mean_ms": round(float(a.mean()), 4),
        "latency_p50_ms": round(float(p50), 4),
        "latency_p50_ci_low_ms": round(low, 4),
        "latency_p50_ci_high_ms": round(high, 4),
        "latency_p90_ms": round(float(p90), 4),
        "latency_p99_ms": round(float(p99), 4),
        "latency_min_ms": round(float(a.min()), 4),
        "latency_iqr_ms": round(float(p75 - p25), 4),
        "throughput_img_s": round(batch * len(a) / (float(a.sum()) / 1e3), 3),
        "samples_ms": compact(samples_ms),
    }


def compact(samples_ms: list[float]) -> str:
    """Samples as space-separated numbers with 4 significant digits (parse with `[float(s) for s in x.split()]`)."""
    return " ".join(f"{s:.4g}" for s in samples_ms)


def spread_flags(stats: dict) -> list[str]:
    """Validity flags from the samples alone."""
    flags = []
    if stats["latency_p50_ms"] > 0 and stats["latency_iqr_ms"] / stats["latency_p50_ms"] > HIGH_SPREAD:
        flags.append("high-spread")
    if stats["iterations"] < 10:
        flags.append("few-samples")
    return flags

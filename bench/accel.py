"""Everything CUDA-specific in measurement, behind one seam: `for_device(device)` gives an object that times one
step, synchronises, resets and reads peak memory, empties caches, samples the GPU's clocks, power and throttle
reasons (NVML), and captures CUDA graphs. `Cpu` does the same on the host. `Cuda` takes the `torch.cuda` module and
the NVML module as arguments, so tests drive the same call sequence through a CPU test double
(tests/test_accel.py): no GPU has been lent to this project's development.
"""

from __future__ import annotations

import contextlib
import resource
import threading
import time
from collections.abc import Callable

import torch


class Cpu:
    """The host: wall-clock timing (perf_counter), peak memory as growth of the process's peak RSS."""

    kind = "cpu"

    def __init__(self):
        self._rss0 = 0

    def synchronize(self) -> None:
        return None

    def time_ms(self, step: Callable[[], object]) -> float:
        t0 = time.perf_counter()
        step()
        return (time.perf_counter() - t0) * 1e3

    def reset_peak(self) -> None:
        self._rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def peak_mb(self) -> float:
        """Growth of the peak RSS since reset_peak (0 when an earlier measurement peaked higher)."""
        return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self._rss0) / 1024

    def empty_cache(self) -> None:
        return None

    def sampler(self) -> contextlib.AbstractContextManager:
        return _NoSampler()

    def graph(self, fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor):
        raise RuntimeError("CUDA graphs need a CUDA device")


class Cuda:
    """One CUDA device: CUDA-event timing synchronised after each step, the caching allocator's peak, NVML."""

    kind = "cuda"

    def __init__(self, device: str, cuda=torch.cuda, nvml=None):
        self.device, self.cuda, self.nvml = device, cuda, nvml
        self.index = int(device.split(":")[1]) if ":" in device else 0

    def synchronize(self) -> None:
        self.cuda.synchronize(self.device)

    def time_ms(self, step: Callable[[], object]) -> float:
        # events around the step, then wait for the end event: queued work never leaks into the next sample
        begin, end = self.cuda.Event(enable_timing=True), self.cuda.Event(enable_timing=True)
        begin.record()
        step()
        end.record()
        end.synchronize()
        return begin.elapsed_time(end)

    def reset_peak(self) -> None:
        self.cuda.empty_cache()
        self.cuda.reset_peak_memory_stats(self.device)

    def peak_mb(self) -> float:
        return self.cuda.max_memory_allocated(self.device) / 2**20

    def empty_cache(self) -> None:
        self.cuda.empty_cache()

    def sampler(self) -> NvmlSampler:
        return NvmlSampler(self.index, nvml=self.nvml)

    def graph(self, fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> Callable[[torch.Tensor], object]:
        """Capture fn on a static copy of x (after 3 warm-up calls on a side stream); calls copy their input in and
        replay."""
        static_x = x.clone()
        stream = self.cuda.Stream()
        stream.wait_stream(self.cuda.current_stream())
        with self.cuda.stream(stream):
            for _ in range(3):
                fn(static_x)
        self.cuda.current_stream().wait_stream(stream)
        graph = self.cuda.CUDAGraph()
        with self.cuda.graph(graph):
            static_out = fn(static_x)

        def replay(t: torch.Tensor) -> object:
            if t.data_ptr() != static_x.data_ptr():
                static_x.copy_(t)
            graph.replay()
            return static_out

        return replay


def for_device(device: str) -> Cpu | Cuda:
    return Cuda(device) if device.startswith("cuda") else Cpu()


class _NoSampler:
    def __enter__(self) -> _NoSampler:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def throttle_flags(self) -> list[str]:
        return []

    def summary(self) -> dict:
        return {}


# Clock-event reasons that mean the GPU slowed down for power or heat (NVML bit masks, stable across versions).
_THROTTLE_BITS = {0x4: "sw-power-cap", 0x8: "hw-slowdown", 0x20: "sw-thermal", 0x40: "hw-thermal",
                  0x80: "hw-power-brake"}


class NvmlSampler:
    """Samples SM clock, memory clock, power, temperature and throttle reasons of one GPU in a thread while a
    measurement runs (`with NvmlSampler(0) as s: ...; s.summary()`). A no-op without NVML."""

    def __init__(self, index: int, period_s: float = 0.1, nvml=None):
        self.index, self.period_s, self._module = index, period_s, nvml
        self.samples: list[dict] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> NvmlSampler:
        try:
            if self._module is None:
                import pynvml  # optional (nvidia-ml-py): only on machines with an NVIDIA driver

                self._module = pynvml
            self._module.nvmlInit()
            self._nvml, self._h = self._module, self._module.nvmlDeviceGetHandleByIndex(self.index)
        except Exception:
            return self
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        n, h = self._nvml, self._h
        while not self._stop.is_set():
            try:
                self.samples.append({
                    "sm_mhz": n.nvmlDeviceGetClockInfo(h, n.NVML_CLOCK_SM),
                    "mem_mhz": n.nvmlDeviceGetClockInfo(h, n.NVML_CLOCK_MEM),
                    "power_w": n.nvmlDeviceGetPowerUsage(h) / 1e3,
                    "temp_c": n.nvmlDeviceGetTemperature(h, n.NVML_TEMPERATURE_GPU),
                    "reasons": n.nvmlDeviceGetCurrentClocksEventReasons(h)
                    if hasattr(n, "nvmlDeviceGetCurrentClocksEventReasons")
                    else n.nvmlDeviceGetCurrentClocksThrottleReasons(h),
                })
            except Exception:
                return
            self._stop.wait(self.period_s)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def throttle_flags(self) -> list[str]:
        bits = 0
        for s in self.samples:
            bits |= s["reasons"]
        return [f"throttled:{name}" for bit, name in _THROTTLE_BITS.items() if bits & bit]

    def summary(self) -> dict:
        if not self.samples:
            return {}
        out = {"nvml_samples": len(self.samples)}
        for key in ("sm_mhz", "mem_mhz", "power_w", "temp_c"):
            values = [s[key] for s in self.samples]
            out[f"{key}_min"], out[f"{key}_max"] = min(values), max(values)
        out["throttle"] = ";".join(self.throttle_flags())
        return out

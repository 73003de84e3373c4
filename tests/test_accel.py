"""The CUDA seam (bench.accel) driven through a CPU test double of `torch.cuda` and of NVML: the same call sequence
a GPU run makes (events around each step, synchronise, peak memory, graph capture and replay, throttle sampling)."""

from __future__ import annotations

import contextlib

import torch

from bench import accel, timing


class FakeCuda:
    """Records every call; events report 2.5 ms; graphs replay the captured function."""

    def __init__(self):
        self.calls: list[str] = []

    def synchronize(self, device):
        self.calls.append("synchronize")

    def Event(self, enable_timing):  # noqa: N802 (torch.cuda.Event)
        calls = self.calls

        class _Event:
            def record(self):
                calls.append("record")

            def synchronize(self):
                calls.append("event.synchronize")

            def elapsed_time(self, other):
                return 2.5

        return _Event()

    def empty_cache(self):
        self.calls.append("empty_cache")

    def reset_peak_memory_stats(self, device):
        self.calls.append("reset_peak")

    def max_memory_allocated(self, device):
        return 3 * 2**20

    def Stream(self):  # noqa: N802
        return self

    def current_stream(self):
        return self

    def wait_stream(self, other):
        self.calls.append("wait_stream")

    @contextlib.contextmanager
    def stream(self, s):
        self.calls.append("side-stream")
        yield

    def CUDAGraph(self):  # noqa: N802
        fake = self

        class _Graph:
            def replay(self):
                fake.calls.append("replay")
                fake.replayed = fake.captured()

        return _Graph()

    @contextlib.contextmanager
    def graph(self, g):
        self.calls.append("capture")
        yield


class FakeNvml:
    NVML_CLOCK_SM, NVML_CLOCK_MEM, NVML_TEMPERATURE_GPU = 0, 1, 0

    def nvmlInit(self):  # noqa: N802
        pass

    def nvmlDeviceGetHandleByIndex(self, i):  # noqa: N802
        return i

    def nvmlDeviceGetClockInfo(self, h, which):  # noqa: N802
        return 1590 if which == 0 else 5000

    def nvmlDeviceGetPowerUsage(self, h):  # noqa: N802
        return 70_000

    def nvmlDeviceGetTemperature(self, h, which):  # noqa: N802
        return 61

    def nvmlDeviceGetCurrentClocksEventReasons(self, h):  # noqa: N802
        return 0x20  # software thermal slowdown


def test_time_loop_on_cuda_times_with_events_and_synchronises():
    fake = FakeCuda()
    gpu = accel.Cuda("cuda:0", cuda=fake)
    samples = timing.time_loop(lambda: fake.calls.append("step"), gpu, warmup=2, min_iters=3, min_time_s=0.0)
    assert samples == [2.5, 2.5, 2.5]
    assert fake.calls[:3] == ["step", "step", "synchronize"]
    assert fake.calls[3:8] == ["record", "step", "record", "event.synchronize", "record"]


def test_peak_memory_and_caches():
    fake = FakeCuda()
    gpu = accel.Cuda("cuda:1", cuda=fake)
    gpu.reset_peak()
    assert fake.calls == ["empty_cache", "reset_peak"] and gpu.peak_mb() == 3.0 and gpu.index == 1


def test_graph_capture_warms_up_on_a_side_stream_then_replays_with_copied_input():
    fake = FakeCuda()
    gpu = accel.Cuda("cuda:0", cuda=fake)
    x = torch.ones(2)
    seen = []

    def fn(t):
        seen.append(t.clone())
        return t * 2

    replay = gpu.graph(fn, x)
    fake.captured = lambda: None
    assert fake.calls[:2] == ["wait_stream", "side-stream"] and "capture" in fake.calls and len(seen) == 4
    out = replay(torch.full((2,), 3.0))
    assert fake.calls[-1] == "replay" and torch.equal(out, torch.full((2,), 2.0))  # the captured output tensor


def test_nvml_sampler_reports_clocks_and_throttling():
    with accel.NvmlSampler(0, period_s=0.01, nvml=FakeNvml()) as sampler:
        import time

        time.sleep(0.05)
    summary = sampler.summary()
    assert summary["sm_mhz_min"] == 1590 and summary["temp_c_max"] == 61
    assert sampler.throttle_flags() == ["throttled:sw-thermal"]


def test_cpu_has_the_same_interface():
    cpu = accel.for_device("cpu")
    cpu.reset_peak()
    assert cpu.time_ms(lambda: None) >= 0 and cpu.peak_mb() >= 0
    with cpu.sampler() as s:
        pass
    assert s.throttle_flags() == [] and s.summary() == {}
    assert isinstance(accel.for_device("cuda:0"), accel.Cuda)

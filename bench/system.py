"""The machine a run measured: CPU, threads, package versions, GPU identity and state (NVML, sampled while timing),
written as `system.json` beside the records CSV and keyed by run id."""

from __future__ import annotations

import fcntl
import importlib.metadata
import json
import os
import platform
import re
import sys
from pathlib import Path

import torch

from yolov12.files import write_atomic

PACKAGES = ("torch", "torchvision", "ultralytics", "onnxruntime", "onnx", "flash-attn", "fvcore", "numpy",
            "opencv-python", "nvidia-ml-py")


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpu_name(device: str) -> str:
    return torch.cuda.get_device_name(torch.device(device)) if device.startswith("cuda") else ""


def device_slug(device: str, threads: int | None = None) -> str:
    """`cpu-amd-epyc-9b14-2t` or `cuda-nvidia-h100-80gb-hbm3`: a folder name for a machine's results."""
    if device.startswith("cuda"):
        name = gpu_name(device)
        prefix = "cuda"
    else:
        name = re.sub(r"\b\d+-core processor\b|\bprocessor\b|\(r\)|\(tm\)|\bcpu\b|@.*$", "", cpu_name(), flags=re.I)
        prefix = "cpu"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    tail = f"-{threads or torch.get_num_threads()}t" if prefix == "cpu" else ""
    return f"{prefix}-{slug}{tail}"


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "torch_cuda": str(torch.version.cuda),
           "cudnn": str(torch.backends.cudnn.version()) if torch.backends.cudnn.is_available() else "None"}
    for package in PACKAGES:
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


def collect(device: str, threads: int, command: str) -> dict:
    """Everything about this machine and software stack that can change a measurement."""
    info = {
        "command": command,
        "platform": platform.platform(),
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "threads": threads,
        "interop_threads": torch.get_num_interop_threads(),
        "governor": _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        "versions": versions(),
        "device": device,
    }
    if device.startswith("cuda"):
        info["gpu"] = nvml_identity(torch.device(device).index or 0)
        info["gpu"]["torch_name"] = gpu_name(device)
    return info


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def nvml_identity(index: int) -> dict:
    """Name, UUID, driver, power limit and max clocks of GPU `index` (empty dict without NVML)."""
    try:
        import pynvml

        pynvml.nvmlInit()
        h = pynvml.nvmlDeviceGetHandleByIndex(index)
        return {
            "name": _str(pynvml.nvmlDeviceGetName(h)), "uuid": _str(pynvml.nvmlDeviceGetUUID(h)),
            "driver": _str(pynvml.nvmlSystemGetDriverVersion()),
            "power_limit_w": pynvml.nvmlDeviceGetEnforcedPowerLimit(h) / 1e3,
            "max_sm_clock_mhz": pynvml.nvmlDeviceGetMaxClockInfo(h, pynvml.NVML_CLOCK_SM),
            "max_mem_clock_mhz": pynvml.nvmlDeviceGetMaxClockInfo(h, pynvml.NVML_CLOCK_MEM),
        }
    except Exception as err:  # NVML missing or no driver: the record says so
        return {"nvml_error": repr(err)}


def _str(x) -> str:
    return x.decode() if isinstance(x, bytes) else str(x)


def write_system_json(csv_path: str | Path, run_id: str, info: dict) -> Path:
    """Merge this run's info into `system.json` beside the CSV ({"runs": {run_id: info}, "latest": run_id}). Jobs
    of a cluster launch may merge into one folder at once: a lock file there (`.system.json.lock`, kept: removing it
    would race) serialises the read-merge-replace, so no run's entry is lost."""
    path = Path(csv_path).with_name("system.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(".system.json.lock"), "a") as lock:  # opened for writing: NFS locks need it
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(path.read_text()) if path.exists() else {"runs": {}}
        data["runs"][run_id] = info
        data["latest"] = run_id
        return write_atomic(path, json.dumps(data, indent=1, default=str))

"""Provenance stamped on every record: the suite's git SHA, installed package versions, run ids and UTC times.

The bottom layer: standard library only, never imports the packages it reports on, and never raises."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path

DEFAULT_PACKAGES = (
    "torch", "torchvision", "ultralytics", "onnxruntime", "onnx", "openvino", "numpy", "scipy", "pycocotools",
    "faster-coco-eval", "fvcore", "flash-attn", "safetensors",
)
GIT_TIMEOUT_S = 10.0
SUITE_ROOT = Path(__file__).resolve().parent.parent  # the checkout this module belongs to (if it is one)


def _git(root: Path, *args: str, timeout: float) -> str | None:
    """stdout of `git -C root args...`, or None when git is missing, fails or runs out of time."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}  # `status` must not write the index
    try:
        out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=max(timeout, 0.1),
                             env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return out.stdout.decode("utf-8", "replace") if out.returncode == 0 else None


def git_sha(root: str | os.PathLike | None = None) -> str:
    """12-character SHA of the checkout at `root` (default: the suite's own), with `-dirty` when tracked files have
    changes; "" when it is not the top of a git work tree, git is missing or too slow (10 s). Never raises."""
    try:
        root = Path(root if root is not None else SUITE_ROOT).resolve()
        deadline = time.monotonic() + GIT_TIMEOUT_S
        out = _git(root, "rev-parse", "--show-toplevel", "HEAD", timeout=GIT_TIMEOUT_S)
        lines = (out or "").split()
        # an installed copy may sit inside some other repository (a home folder under git): not ours, say nothing
        if len(lines) != 2 or Path(lines[0]).resolve() != root or len(lines[1]) < 12:
            return ""
        status = _git(root, "status", "--porcelain", "--untracked-files=no", timeout=deadline - time.monotonic())
        if status is None:
            return ""
        return lines[1][:12] + ("-dirty" if status.strip() else "")
    except Exception:  # noqa: BLE001 - provenance must never stop a measurement
        return ""


def package_versions(names: Iterable[str] = DEFAULT_PACKAGES) -> dict[str, str]:
    """{distribution name: installed version} from package metadata (nothing is imported); missing ones are absent."""
    out = {}
    for name in names:
        try:
            version = importlib.metadata.version(name)
        except (importlib.metadata.PackageNotFoundError, ValueError):
            continue
        if version:
            out[name] = version
    return out


def versions_text(versions: Mapping[str, str]) -> str:
    """`name=version;...` sorted by name: one deterministic CSV-friendly cell."""
    return ";".join(f"{name}={versions[name]}" for name in sorted(versions))


def new_run_id() -> str:
    """UTC timestamp plus 6 random hex digits, e.g. `20250301T120000Z-1a2b3c`."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]


def utc_now() -> str:
    """The current UTC time in ISO 8601, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

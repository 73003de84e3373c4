"""Training checkpoints: our model format (`yolov12.weights.save_model`, EMA weights as `state_dict`, so
`yolov12.load_model` reads them) plus everything a resume needs, written atomically (temp file + os.replace)."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import numpy as np
import torch

from yolov12.model import YOLOv12
from yolov12.weights import FORMAT, save_model


def rng_state() -> dict:
    """Python, NumPy and torch (CPU and CUDA) generator states as plain, weights_only-loadable data."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {"python": random.getstate(), "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss,
                                                     gauss], "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict) -> None:
    random.setstate(_tuples(state["python"]))
    kind, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def _tuples(x):
    return tuple(_tuples(v) for v in x) if isinstance(x, (list, tuple)) else x


def save_checkpoint(path: Path, ema: YOLOv12, meta: dict, **state) -> Path:
    """Write EMA weights in our format plus the training `state` (optimizer, scaler, epoch, recipe, ...)."""
    return save_model(ema, path, meta=meta, **state)


def copy_atomic(src: Path, dst: Path) -> None:
    tmp = dst.with_name(f".{dst.name}.tmp{os.getpid()}")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def load_checkpoint(path: str | os.PathLike) -> dict:
    """A training checkpoint written by `save_checkpoint`; ValueError if it is not one (e.g. plain weights)."""
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT or "optimizer" not in ckpt:
        raise ValueError(f"{path} is not a resumable training checkpoint (no optimizer state in our format)")
    return ckpt

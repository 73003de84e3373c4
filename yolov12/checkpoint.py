"""Training checkpoints: our model format (`yolov12.weights.save_model`, EMA weights as `state_dict`, so
`yolov12.load_model` reads them) plus everything a resume needs, written atomically (temp file + os.replace)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

from yolov12.files import write_atomic
from yolov12.model import YOLOv12, build_from_config
from yolov12.safe_pickle import CheckpointError, one_line, refuse
from yolov12.tensor_check import Materialiser, check_state_dict, expected_state
from yolov12.weights import FORMAT, _meta_model, guarded, read_checkpoint, save_model, validate_config


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
    write_atomic(dst, Path(src).read_bytes())


def load_checkpoint(path: str | os.PathLike) -> dict:
    """A training checkpoint written by `save_checkpoint`, through the same gate as `yolov12.load_model` (nothing
    from the file runs; every tensor is checked against its storage and the architecture before it exists).
    Raises FileNotFoundError or CheckpointError (a ValueError; UnsafeCheckpointError for code), one line each."""
    path = Path(path)
    return guarded(path, _load_checkpoint, path)


_RESUME_KEYS = {"optimizer": dict, "scheduler": dict, "scaler": dict, "epoch": int, "recipe": dict, "args": dict,
                "rng": list, "results": list}


def _load_checkpoint(path: Path) -> dict:
    tf = read_checkpoint(path)
    ckpt = tf.obj
    if path.suffix == ".safetensors" or not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT \
            or "optimizer" not in ckpt:
        raise CheckpointError(one_line(f"{path} is not a resumable training checkpoint (no optimizer state in our "
                                       f"format); accepted: a last.pt written by yolov12.train"))
    for key, kind in _RESUME_KEYS.items():
        if not isinstance(ckpt.get(key), kind) or (kind is int and isinstance(ckpt.get(key), bool)):
            raise refuse(path, f"training checkpoint whose {key!r} is missing or not a {kind.__name__}")
    if not all(isinstance(ckpt["args"].get(k), str) for k in ("model", "data", "out", "attn")):
        raise refuse(path, "training checkpoint whose 'args' lacks model/data/out/attn")
    if "config" not in ckpt or "state_dict" not in ckpt:
        raise refuse(path, f"our format ({FORMAT}) without its config or state_dict")
    config = validate_config(ckpt["config"], path)
    arch = _meta_model(lambda: build_from_config(config), path, "the config")
    expected = expected_state(arch)
    check_state_dict(ckpt["state_dict"], expected, path, arch.name)
    if "train_model" in ckpt:
        check_state_dict(ckpt["train_model"], expected, path, arch.name, field="train_model")
    return Materialiser(tf).tree(ckpt)

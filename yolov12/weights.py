"""Checkpoints in and out: Ultralytics' YOLO12 `.pt`, the official repo's v1.0 and turbo `.pt`, and our own format.

The `.pt` files of Ultralytics and the official repo are pickles of whole model objects. They are read with
`yolov12.safe_pickle`, which turns every ultralytics class into inert data, so nothing in a file can execute and no
ultralytics install is needed. The state dict is recovered from that data, then mapped by one pure function per
source. Our own format is {format, config, state_dict, meta} and loads with `torch.load(weights_only=True)`;
`.safetensors` holds the same with config and meta as JSON metadata.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import torch

from yolov12 import safe_pickle
from yolov12.model import YOLOv12, build_from_config, create_model
from yolov12.safe_pickle import Inert

log = logging.getLogger(__name__)
FORMAT = "yolov12-bench/1"
# (first conv width, attention stages in layer 6) -> scale; the same for both variants
_SCALE_BY_SHAPE = {(16, 2): "n", (32, 2): "s", (64, 2): "m", (64, 4): "l", (96, 4): "x"}


class CheckpointError(ValueError):
    """The file is not a checkpoint this loader understands (with what was found instead)."""


def sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---- pure key/shape mapping, one function per source -------------------------------------------------------------

def remap_ultralytics(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Ultralytics' YOLO12: same key names and shapes as ours."""
    return {k: v.float() for k, v in sd.items()}


def remap_official_v1(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Official v1.0: like Ultralytics, but tag-v1.0 files carry a bias on the position perceiver's conv. That
    bias feeds a BatchNorm, so it folds exactly into the BN's running mean (and batch statistics cancel it)."""
    out = {k: v.float() for k, v in sd.items() if not k.endswith(".attn.pe.conv.bias")}
    for key, bias in sd.items():
        if key.endswith(".attn.pe.conv.bias"):
            mean_key = key.replace(".pe.conv.bias", ".pe.bn.running_mean")
            out[mean_key] = out[mean_key] - bias.float()
    return out


def remap_official_turbo(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Official turbo (main branch): `attn.qk`, `attn.v`, 5x5 `pe`; our turbo graph uses the same names."""
    return {k: v.float() for k, v in sd.items()}


REMAP = {"ultralytics": remap_ultralytics, "official-v1.0": remap_official_v1, "official-turbo": remap_official_turbo}


# ---- reading pickled ultralytics objects as data ------------------------------------------------------------------

def inert_state_dict(obj: Inert, prefix: str = "") -> dict[str, torch.Tensor]:
    """Parameters and persistent buffers of a pickled nn.Module tree, keyed as `state_dict()` would key them."""
    state = obj.state if isinstance(obj.state, dict) else {}
    skip = state.get("_non_persistent_buffers_set", set())
    out = {prefix + k: v for k, v in state.get("_parameters", {}).items() if v is not None}
    out.update({prefix + k: v for k, v in state.get("_buffers", {}).items() if v is not None and k not in skip})
    for name, child in state.get("_modules", {}).items():
        if isinstance(child, Inert):
            out.update(inert_state_dict(child, f"{prefix}{name}."))
    return out


def identify(sd: dict[str, torch.Tensor], yaml: dict) -> tuple[str, str, str, int]:
    """(source, variant, scale, nc) read from the weights themselves (and the pickled YAML, cross-checked)."""
    if any(".attn.qk." in k for k in sd):
        variant, source = "turbo", "official-turbo"
    elif any(".attn.qkv." in k for k in sd):
        variant = "paper"
        official = any(k.endswith("attn.pe.conv.bias") for k in sd) or str(yaml.get("yaml_file", "")).startswith(
            "yolov12")
        source = "official-v1.0" if official else "ultralytics"
    else:
        raise CheckpointError("no area-attention weights (attn.qkv / attn.qk) found: not a YOLOv12 checkpoint")
    stages = {k.split(".")[3] for k in sd if k.startswith("model.6.m.")}
    shape_scale = _SCALE_BY_SHAPE.get((sd["model.0.conv.weight"].shape[0], len(stages)))
    scale = yaml.get("scale") or shape_scale
    if scale != shape_scale:
        raise CheckpointError(f"the file's YAML says scale {scale!r} but its weights have the shapes of "
                              f"{shape_scale!r}")
    nc = sd["model.21.cv3.0.2.weight"].shape[0]
    return source, variant, scale, nc


def _load_pickled_model(ckpt: dict, path: Path, attn: str) -> YOLOv12:
    obj = ckpt.get("ema") or ckpt.get("model")
    if not isinstance(obj, Inert):
        raise CheckpointError(f"{path}: no pickled model under 'model' or 'ema'")
    attrs = obj.state if isinstance(obj.state, dict) else {}
    yaml = attrs.get("yaml") if isinstance(attrs.get("yaml"), dict) else {}
    sd = inert_state_dict(obj)
    source, variant, scale, nc = identify(sd, yaml)
    name = f"yolov12-{scale}" if variant == "paper" else f"yolov12-turbo-{scale}"
    model = create_model(name, attn=attn, nc=nc)
    names = attrs.get("names")
    if isinstance(names, dict):
        model.names = {int(k): str(v) for k, v in names.items()}
    elif isinstance(names, (list, tuple)):
        model.names = dict(enumerate(map(str, names)))
    model.load_state_dict(REMAP[source](sd), strict=True)
    model.meta = {"source": source, "source_file": path.name, "source_sha256": sha256(path),
                  "version": ckpt.get("version"), "date": ckpt.get("date"),
                  "train_args": _plain(ckpt.get("train_args"))}
    return model


def _plain(value: Any) -> Any:
    """Pickled namespaces and odd scalars -> JSON-able values (for metadata only)."""
    if isinstance(value, Inert):
        value = value.state if isinstance(value.state, dict) else repr(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


# ---- our own format -----------------------------------------------------------------------------------------------

def save_model(model: YOLOv12, path: str | os.PathLike, meta: dict | None = None, **extra: Any) -> Path:
    """Write `model` as {format, config, state_dict, meta} (+ `extra` keys, e.g. training state), atomically.
    `.safetensors` writes the state dict with config/meta as JSON metadata (extra keys are not allowed there)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sd = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {**getattr(model, "meta", {}), **(meta or {})}
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    if path.suffix == ".safetensors":
        if extra:
            raise ValueError("extra keys cannot be stored in a .safetensors file")
        from safetensors.torch import save_file

        save_file(sd, str(tmp), metadata={"format": FORMAT, "config": json.dumps(model.config),
                                          "meta": json.dumps(_plain(meta))})
    else:
        torch.serialization.save({"format": FORMAT, "config": model.config, "state_dict": sd,
                                  "meta": _plain(meta), **extra}, tmp)
    os.replace(tmp, path)
    return path


def _load_ours(ckpt: dict, path: Path, attn: str) -> YOLOv12:
    model = build_from_config(ckpt["config"], attn=attn)
    model.load_state_dict({k: v.float() for k, v in ckpt["state_dict"].items()}, strict=True)
    model.meta = dict(ckpt.get("meta") or {})
    return model


def load_model(path: str | os.PathLike, *, attn: str = "auto") -> YOLOv12:
    """Load any supported checkpoint into an eval-mode YOLOv12 on CPU (fp32). `model.meta` says where it came
    from. Raises FileNotFoundError, CheckpointError, or safe_pickle.UnsafeCheckpointError (nothing executed)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if path.suffix == ".safetensors":
        from safetensors import safe_open

        with safe_open(str(path), "pt") as f:
            meta = f.metadata() or {}
            if meta.get("format") != FORMAT:
                raise CheckpointError(f"{path}: safetensors file without our metadata (format={meta.get('format')})")
            sd = {k: f.get_tensor(k) for k in f.keys()}
        ckpt = {"config": json.loads(meta["config"]), "state_dict": sd, "meta": json.loads(meta.get("meta", "{}"))}
        return _load_ours(ckpt, path, attn).eval()
    try:
        ckpt = torch.load(path, map_location="cpu", pickle_module=safe_pickle, weights_only=False)
    except safe_pickle.UnsafeCheckpointError as err:
        raise safe_pickle.UnsafeCheckpointError(f"{path}: {err}") from None
    except (RuntimeError, EOFError, safe_pickle.UnpicklingError) as err:
        raise CheckpointError(f"{path}: not a readable torch checkpoint ({err})") from None
    if not isinstance(ckpt, dict):
        raise CheckpointError(f"{path}: expected a dict checkpoint, found {type(ckpt).__name__}")
    model = _load_ours(ckpt, path, attn) if ckpt.get("format") == FORMAT else _load_pickled_model(ckpt, path, attn)
    log.info("loaded %s (%s) from %s", model.name, model.meta.get("source", "ours"), path)
    return model.eval()

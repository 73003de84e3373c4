"""Checkpoints in and out: Ultralytics' YOLO12 `.pt`, the official repo's v1.0 and turbo `.pt`, and our own format.

The `.pt` files of Ultralytics and the official repo are pickles of whole model objects. They are read with
`yolov12.safe_pickle`, which turns every ultralytics class into inert data, so nothing in a file can execute and no
ultralytics install is needed. The state dict is recovered from that data, then mapped by one pure function per
source. Our own format is {format, config, state_dict, meta}; `.safetensors` holds the same with config and meta
as JSON metadata.

No torch loader ever sees a file's bytes (`torch.load` would hand a TorchScript archive to `torch.jit.load`, and
allocates storages at their declared size): `read_checkpoint` is the one gate. It reads a `.pt` with
`safe_pickle.read_torch_file` and a `.safetensors` header with `tensor_check.read_safetensors`, checks every
tensor record against its storage, and every state-dict tensor against the architecture the file describes (built
on the meta device), before a single tensor is materialised. A bad file raises CheckpointError, a file asking for
code UnsafeCheckpointError (a CheckpointError too), each with a one-line message naming the file, the problem and
what is accepted.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import os
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

from yolov12 import safe_pickle
from yolov12.attention import get_backend
from yolov12.files import write_atomic
from yolov12.model import YOLOv12, build_from_config, create_model
from yolov12.safe_pickle import (
    ACCEPTED,
    CheckpointError,
    Inert,
    LazyTensor,
    NumpyArray,
    TorchFile,
    UnsafeCheckpointError,
    one_line,
    refuse,
)
from yolov12.scales import Proj, Scale, Variant
from yolov12.tensor_check import Materialiser, check_all_storages, check_state_dict, expected_state, read_safetensors

log = logging.getLogger(__name__)
FORMAT = "yolov12-bench/1"
# (first conv width, attention stages in layer 6) -> scale; the same for both variants
_SCALE_BY_SHAPE = {(16, 2): "n", (32, 2): "s", (64, 2): "m", (64, 4): "l", (96, 4): "x"}
MAX_NC = 100_000
__all__ = ["ACCEPTED", "FORMAT", "CheckpointError", "UnsafeCheckpointError", "load_model", "read_checkpoint",
           "save_model", "validate_config"]


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

def inert_state_dict(obj: Inert, prefix: str = "", path: Any = "checkpoint", _depth: int = 0,
                     _walk: tuple | None = None) -> dict[str, Any]:
    """Parameters and persistent buffers of a pickled nn.Module tree, keyed as `state_dict()` would key them
    (values as the file declares them: `LazyTensor` records). A module shared by two parents appears under both
    names, as in `state_dict()`. Cyclic, too deep or too large trees raise CheckpointError."""
    ancestors, budget = _walk if _walk is not None else (set(), [100_000])
    budget[0] -= 1
    if _depth > 32 or id(obj) in ancestors or budget[0] < 0:
        raise refuse(path, f"the pickled module tree is cyclic, deeper than 32 levels or too large at "
                           f"{prefix or 'the root'}")
    state = obj.state if isinstance(obj.state, dict) else {}
    parts = {k: state.get(k, {}) for k in ("_parameters", "_buffers", "_modules")}
    skip = state.get("_non_persistent_buffers_set", set())
    if not all(isinstance(v, dict) and all(isinstance(n, str) for n in v) for v in parts.values()) \
            or not isinstance(skip, (set, frozenset)):
        raise refuse(path, f"the pickled module {prefix or 'at the root'} has malformed _parameters/_buffers/_modules")
    out = {}
    for kind in ("_parameters", "_buffers"):
        for k, v in parts[kind].items():
            if v is None or (kind == "_buffers" and k in skip):
                continue
            if not isinstance(v, (LazyTensor, torch.Tensor)):
                raise refuse(path, f"{kind[1:-1]} {prefix + k!r} is a {type(v).__name__}, not a tensor")
            out[prefix + k] = v
    ancestors.add(id(obj))
    for name, child in parts["_modules"].items():
        if isinstance(child, Inert):
            out.update(inert_state_dict(child, f"{prefix}{name}.", path, _depth + 1, (ancestors, budget)))
    ancestors.discard(id(obj))
    return out


def identify(sd: dict[str, Any], yaml: dict, path: Any = "checkpoint") -> tuple[str, str, str, int]:
    """(source, variant, scale, nc) read from the weights' declared shapes (and the pickled YAML, cross-checked)."""
    if any(".attn.qk." in k for k in sd):
        variant, source = "turbo", "official-turbo"
    elif any(".attn.qkv." in k for k in sd):
        variant = "paper"
        official = any(k.endswith("attn.pe.conv.bias") for k in sd) or str(yaml.get("yaml_file", "")).startswith(
            "yolov12")
        source = "official-v1.0" if official else "ultralytics"
    else:
        raise refuse(path, "no area-attention weights (attn.qkv / attn.qk) found: not a YOLOv12 checkpoint")
    first, head = sd.get("model.0.conv.weight"), sd.get("model.21.cv3.0.2.weight")
    for key, t in (("model.0.conv.weight", first), ("model.21.cv3.0.2.weight", head)):
        if t is None or len(t.shape) != 4:
            raise refuse(path, f"tensor {key!r} is missing or not a 4-d conv weight: cannot tell the architecture")
    stages = {k.split(".")[3] for k in sd if k.startswith("model.6.m.") and len(k.split(".")) > 4}
    shape_scale = _SCALE_BY_SHAPE.get((first.shape[0], len(stages)))
    if shape_scale is None:
        raise refuse(path, f"tensor 'model.0.conv.weight' has shape {list(first.shape)} with {len(stages)} attention "
                           f"stages in layer 6: no YOLOv12 scale has that")
    scale = yaml.get("scale") or shape_scale
    if scale != shape_scale:
        raise refuse(path, f"the file's YAML says scale {str(scale)[:20]!r} but its weights have the shapes of "
                           f"{shape_scale!r}")
    nc = head.shape[0]
    if not 1 <= nc <= MAX_NC:
        raise refuse(path, f"tensor 'model.21.cv3.0.2.weight' declares {nc} classes (accepted: 1 to {MAX_NC})")
    return source, variant, scale, nc


def _meta_model(build, path: Any, what: str) -> YOLOv12:
    """The architecture a file describes, built on the meta device (no memory, no init cost)."""
    try:
        with torch.device("meta"):
            return build()
    except (ValueError, TypeError, KeyError, RuntimeError, ZeroDivisionError) as err:
        raise refuse(path, f"{what} describes no buildable YOLOv12 ({one_line(str(err))[:160]})") from None


def _names(names: Any, nc: int, path: Any, field: str) -> dict[int, str] | None:
    if names is None:
        return None
    items = names.items() if isinstance(names, dict) else enumerate(names) if isinstance(names, (list, tuple)) \
        else None
    out = {}
    for k, v in items if items is not None else ():
        key = int(k) if type(k) is int or (isinstance(k, str) and k.isdigit() and len(k) < 7) else None
        if key is None or not 0 <= key < nc or not isinstance(v, str) or len(v) > 256:
            items = None
            break
        out[key] = v
    if items is None:
        raise refuse(path, f"{field} is not a map of class index (0..{nc - 1}) to name")
    return out


def _load_pickled_model(tf: TorchFile, ckpt: dict, path: Path, attn: str) -> YOLOv12:
    obj = ckpt.get("ema") if isinstance(ckpt.get("ema"), Inert) else ckpt.get("model")
    if not isinstance(obj, Inert):
        raise refuse(path, "no pickled model under 'model' or 'ema' (and not our format: no 'format' key)")
    attrs = obj.state if isinstance(obj.state, dict) else {}
    yaml = attrs.get("yaml") if isinstance(attrs.get("yaml"), dict) else {}
    sd = inert_state_dict(obj, path=path)
    source, variant, scale, nc = identify(sd, yaml, path)
    name = f"yolov12-{scale}" if variant == "paper" else f"yolov12-turbo-{scale}"
    expected = expected_state(_meta_model(lambda: create_model(name, nc=nc), path, "the file"))
    optional = {}
    if source == "official-v1.0":  # tag v1.0 files carry a bias on the position perceiver's conv
        optional = {k.replace(".pe.conv.weight", ".pe.conv.bias"): ((shape[0],), dtype)
                    for k, (shape, dtype) in expected.items() if k.endswith(".attn.pe.conv.weight")}
    check_state_dict(sd, expected, path, name, optional)
    names = _names(attrs.get("names"), nc, path, "the pickled model's names")
    materialise = Materialiser(tf)
    model = create_model(name, attn=attn, nc=nc)
    if names:
        model.names = names
    model.load_state_dict(REMAP[source]({k: materialise(v) for k, v in sd.items()}), strict=True)
    model.meta = {"source": source, "source_file": path.name, "source_sha256": sha256(path),
                  "version": _plain(ckpt.get("version")), "date": _plain(ckpt.get("date")),
                  "train_args": _plain(ckpt.get("train_args"))}
    return model


def _plain(value: Any, _depth: int = 0, _budget: list | None = None) -> Any:
    """Pickled namespaces and odd scalars -> JSON-able values (for metadata only; bounded in depth and size)."""
    budget = [10_000] if _budget is None else _budget
    budget[0] -= 1
    if _depth > 16 or budget[0] < 0:
        return "..."
    if isinstance(value, Inert):
        value = value.state if isinstance(value.state, dict) else repr(value)
    if isinstance(value, NumpyArray):
        value = value.array.tolist() if value.array is not None and value.array.size <= 64 else "<array>"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dict):
        return {str(k)[:200]: _plain(v, _depth + 1, budget) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, _depth + 1, budget) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value if not isinstance(value, str) else value[:10_000]
    return str(value)[:200]


# ---- our own format -----------------------------------------------------------------------------------------------

_PAIR = (list, tuple)
_ROW_CHECKS = {  # field -> (test, what is accepted)
    "variant": (lambda v: v in {x.value for x in Variant}, " or ".join(x.value for x in Variant)),
    "scale": (lambda v: v in ("n", "s", "m", "l", "x"), "n, s, m, l or x"),
    "depth": (lambda v: type(v) in (int, float) and 0 < v <= 4, "a number in (0, 4]"),
    "width": (lambda v: type(v) in (int, float) and 0 < v <= 4, "a number in (0, 4]"),
    "max_channels": (lambda v: type(v) is int and 8 <= v <= 8192, "an integer in [8, 8192]"),
    "c3k": (lambda v: type(v) is bool, "true or false"),
    "residual": (lambda v: type(v) is bool, "true or false"),
    "split_qkv": (lambda v: type(v) is bool, "true or false"),
    "layer_scale": (lambda v: type(v) in (int, float) and math.isfinite(v) and abs(v) <= 100, "a finite number"),
    "mlp_ratio": (lambda v: type(v) in (int, float) and 0 < v <= 16, "a number in (0, 16]"),
    "pe_kernel": (lambda v: type(v) is int and 1 <= v <= 31 and v % 2 == 1, "an odd integer in [1, 31]"),
    "stem_groups": (lambda v: isinstance(v, _PAIR) and len(v) == 2 and all(type(g) is int and 1 <= g <= 64 for g in v),
                    "two integers in [1, 64]"),
    "attn_stages": (lambda v: isinstance(v, _PAIR) and len(v) == 2 and all(type(a) is bool for a in v),
                    "two booleans"),
    "area": (lambda v: isinstance(v, _PAIR) and len(v) == 2 and all(type(a) is int and 1 <= a <= 64 for a in v),
             "two integers in [1, 64]"),
    "proj": (lambda v: v in {p.value for p in Proj}, ", ".join(p.value for p in Proj)),
    "expected_params": (lambda v: v is None or (type(v) is int and v >= 0), "null or a non-negative integer"),
    "expected_gflops": (lambda v: v is None or (type(v) in (int, float) and v >= 0), "null or a non-negative number"),
}
assert set(_ROW_CHECKS) == {f.name for f in fields(Scale)}, "keep _ROW_CHECKS in step with scales.Scale"


def validate_config(config: Any, path: Any) -> dict:
    """Our format's `config` ({row, nc, names}) checked field by field before anything is built from it."""
    def bad(field: str, what: str) -> CheckpointError:
        return refuse(path, f"bad config ({field}: {what})")

    if not isinstance(config, dict):
        raise bad("config", f"a {type(config).__name__}, not a map")
    unknown = [str(k)[:40] for k in config if k not in ("row", "nc", "names")]
    if unknown:
        raise bad(unknown[0], "unknown key (accepted: row, nc, names)")
    row, nc = config.get("row"), config.get("nc")
    if not isinstance(row, dict):
        raise bad("row", "missing or not a map")
    if "attn" in row and "attn_stages" not in row:  # files written before the per-stage flag was renamed
        row = {("attn_stages" if k == "attn" else k): v for k, v in row.items()}
        config = {**config, "row": row}
    for key in row:
        if key not in _ROW_CHECKS:
            raise bad(f"row.{str(key)[:40]}", f"unknown key (accepted: {', '.join(_ROW_CHECKS)})")
    for key, (test, accepted) in _ROW_CHECKS.items():
        if key not in row:
            raise bad(f"row.{key}", "missing")
        if not test(row[key]):
            raise bad(f"row.{key}", f"{str(row[key])[:40]!r} (accepted: {accepted})")
    if type(nc) is not int or not 1 <= nc <= MAX_NC:
        raise bad("nc", f"{str(nc)[:40]!r} (accepted: an integer in [1, {MAX_NC}])")
    _names(config.get("names", {}), nc, path, "config.names")
    return config


def save_model(model: YOLOv12, path: str | os.PathLike, meta: dict | None = None, **extra: Any) -> Path:
    """Write `model` as {format, config, state_dict, meta} (+ `extra` keys, e.g. training state), atomically.
    `.safetensors` writes the state dict with config/meta as JSON metadata (extra keys are not allowed there)."""
    path = Path(path)
    sd = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {**getattr(model, "meta", {}), **(meta or {})}
    if path.suffix == ".safetensors":
        if extra:
            raise ValueError("extra keys cannot be stored in a .safetensors file")
        from safetensors.torch import save

        data = save(sd, metadata={"format": FORMAT, "config": json.dumps(model.config),
                                  "meta": json.dumps(_plain(meta))})
    else:
        buffer = io.BytesIO()
        torch.serialization.save({"format": FORMAT, "config": model.config, "state_dict": sd,
                                  "meta": _plain(meta), **extra}, buffer)
        data = buffer.getvalue()
    return write_atomic(path, data)


def _load_ours(tf: TorchFile, ckpt: dict, path: Path, attn: str) -> YOLOv12:
    for key in ("config", "state_dict"):
        if key not in ckpt:
            raise refuse(path, f"our format ({FORMAT}) without its {key!r}")
    config = validate_config(ckpt["config"], path)
    arch = _meta_model(lambda: build_from_config(config), path, "the config")
    check_state_dict(ckpt["state_dict"], expected_state(arch), path, arch.name)
    materialise = Materialiser(tf)
    sd = {k: materialise(v).float() for k, v in ckpt["state_dict"].items()}
    model = build_from_config(config, attn=attn)
    model.load_state_dict(sd, strict=True)
    meta = ckpt.get("meta")
    model.meta = _plain(meta) if isinstance(meta, dict) else {}
    return model


def _from_safetensors(tf: TorchFile, path: Path) -> dict:
    """{format, config, state_dict, meta} from a safetensors file's metadata (JSON fields parsed and checked)."""
    md = tf.obj["metadata"]
    if md.get("format") != FORMAT:
        raise refuse(path, f"bad safetensors header (__metadata__.format: {str(md.get('format'))[:40]!r}, "
                           f"expected {FORMAT!r})")
    out = {"format": FORMAT, "state_dict": tf.obj["tensors"]}
    for key, required in (("config", True), ("meta", False)):
        if key not in md:
            if required:
                raise refuse(path, f"bad safetensors header (__metadata__.{key}: missing)")
            continue
        try:
            out[key] = json.loads(md[key])
        except (ValueError, RecursionError) as err:
            raise refuse(path, f"bad safetensors header (__metadata__.{key}: not JSON, "
                               f"{one_line(str(err))[:80]})") from None
    return out


def read_checkpoint(path: str | os.PathLike) -> TorchFile:
    """The one gate in front of every checkpoint: read a `.pt` or `.safetensors` as data (nothing from the file
    runs, no tensor is materialised) and check every tensor record against its storage.
    Raises FileNotFoundError, CheckpointError or UnsafeCheckpointError, each with a one-line message."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(one_line(f"{path} is a directory, not a checkpoint file; {ACCEPTED}"))
    if not path.is_file():
        raise FileNotFoundError(one_line(f"checkpoint not found: {path}"))
    tf = read_safetensors(path) if path.suffix == ".safetensors" else safe_pickle.read_torch_file(path)
    check_all_storages(tf)
    return tf


def guarded(path: Any, fn, *args: Any) -> Any:
    """Run `fn`; anything but our documented errors becomes a one-line CheckpointError (never a traceback from
    deep inside a reader for a bad file)."""
    try:
        return fn(*args)
    except (FileNotFoundError, CheckpointError):
        raise
    except (Exception, RecursionError, MemoryError) as err:  # noqa: BLE001 - a hostile file can raise anything
        raise refuse(path, f"not a readable checkpoint ({type(err).__name__}: {one_line(str(err))[:160]})") from None


def load_model(path: str | os.PathLike, *, attn: str = "auto") -> YOLOv12:
    """Load any supported checkpoint into an eval-mode YOLOv12 on CPU (fp32). `model.meta` says where it came
    from. Raises FileNotFoundError, CheckpointError, or UnsafeCheckpointError (a CheckpointError: the file asks for
    code; nothing executed). A bad `attn` name raises ValueError before the file is opened."""
    get_backend("sdpa" if attn == "auto" else attn)
    path = Path(path)
    return guarded(path, _load_model, path, attn)


def _load_model(path: Path, attn: str) -> YOLOv12:
    tf = read_checkpoint(path)
    if path.suffix == ".safetensors":
        return _load_ours(tf, _from_safetensors(tf, path), path, attn).eval()
    ckpt = tf.obj
    if not isinstance(ckpt, dict):
        raise refuse(path, f"expected a dict checkpoint, found {type(ckpt).__name__}")
    model = _load_ours(tf, ckpt, path, attn) if ckpt.get("format") == FORMAT else \
        _load_pickled_model(tf, ckpt, path, attn)
    log.info("loaded %s (%s) from %s", model.name, model.meta.get("source", "ours"), path)
    return model.eval()

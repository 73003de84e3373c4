"""Exported files for the deployed runtimes (ONNX for onnxruntime, OpenVINO IR for openvino): our exporter, and the
cache that keeps each export under <repo>/.cache/exports/<key>/ so a rerun does not export again.

Our export is the same kind of export as Ultralytics' exporter makes for the baselines (ultralytics 8.4.190,
`engine/exporter.py`), so ours against theirs in one runtime compares models, not exporters:
  ONNX: the TorchScript-based `torch.onnx.export` (dynamo=False, constant folding on, torch's default), opset 18 (what
  Ultralytics picks for torch >= 2.4), static input shape, input `images`, output `output0`, then `onnxslim.slim`,
  IR version capped at 10. Our model's area attention is exported channel-major (`YOLOv12.channel_major_attention`:
  explicit matmuls on q, k, v in the projection's own NCHW layout, no element-wise transposes).
  OpenVINO: `torch.jit.trace` (strict=False, check_trace=False), `openvino.convert_model` with the static input shape
  and the example input, saved in fp32 (`compress_to_fp16=False`).
The baselines' files are made by Ultralytics' own Exporter in the child worker (bench.worker); this module only keys
and stores them.

A cache key covers the model configuration, a digest of the exact weights exported (random weights included, so a
hit is never a different model), the input shape, the runtime and its version, torch's version and the exporter
settings. An entry is a folder written under a temp name in the same parent and renamed into place when complete.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import torch

from baselines.child import ROOT
from yolov12.files import write_atomic
from yolov12.model import YOLOv12

log = logging.getLogger(__name__)
OPSET = 18  # Ultralytics 8.4's best_onnx_opset for torch >= 2.4 (opset >= 19 lacks some ONNX Runtime CUDA kernels)
MAX_IR = 10  # Ultralytics caps the IR version for older ONNX Runtime builds; we do the same
FILES = {"onnxruntime": "model.onnx", "openvino": "model.xml"}
PACKAGES = {"onnxruntime": "onnxruntime", "openvino": "openvino"}  # mode -> the package that runs it
OURS_SETTINGS = {"onnxruntime": f"torch.onnx(torchscript,dynamo=False) opset{OPSET} onnxslim static "
                                "channel-major-attention",
                 "openvino": "torch.jit.trace+openvino.convert_model fp32 static"}
MODEL_CODE = ROOT / "yolov12"  # the code our exporter traces: a change there is a new graph for the same weights

Exporter = Callable[[str, torch.nn.Module, torch.Tensor, Path], Path]  # (mode, model, x, folder) -> artifact path


def cache_root() -> Path:
    return ROOT / ".cache" / "exports"


def state_digest(model: torch.nn.Module) -> str:
    """sha256 over the names, shapes, dtypes and values of every parameter and buffer (the weights as exported)."""
    h = hashlib.sha256()
    for name, t in model.state_dict().items():
        t = t.detach().cpu().contiguous()
        h.update(f"{name}:{tuple(t.shape)}:{t.dtype};".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def code_digest(folder: Path = MODEL_CODE) -> str:
    """sha256 over the source files of our model's package (the exported graph depends on them, not only on the
    weights: a layout change keeps every weight and changes the graph)."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def cache_key(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:24]


def key_fields(mode: str, label: str, digest: str, shape: tuple[int, ...], settings: str) -> dict:
    """What a cached export depends on (for our exporter, also the model code's digest: see `code_digest`)."""
    return {"mode": mode, "model": label, "weights_digest": digest, "input_shape": list(shape),
            "runtime": f"{PACKAGES[mode]}=={version(PACKAGES[mode])}", "torch": torch.__version__,
            "exporter": settings}


def cached(mode: str, fields: dict, model: torch.nn.Module, x: torch.Tensor, export: Exporter) -> tuple[Path, bool]:
    """The artifact for `fields` (exported into the cache first if absent) and whether it was a cache hit."""
    folder = cache_root() / cache_key(fields)
    if (folder / "key.json").is_file():
        found = sorted(folder.rglob(f"*{Path(FILES[mode]).suffix}"))
        if found:
            log.info("export cache hit: %s", folder)
            return found[0], True
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        with torch.inference_mode(False):  # exporters trace; inference tensors cannot be traced
            artifact = export(mode, model, x.clone(), tmp)
        write_atomic(tmp / "key.json", json.dumps(fields, indent=1, sort_keys=True) + "\n")
        if folder.exists():
            shutil.rmtree(folder)  # a partial or foreign entry (key.json missing)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("exported %s to %s", fields["model"], folder)
    return folder / artifact.relative_to(tmp), False


def evict(artifact: Path) -> None:
    """Remove the cache entry holding `artifact` (it failed the check against PyTorch)."""
    folder = artifact.parent
    while folder.parent != cache_root() and folder != folder.parent:
        folder = folder.parent
    if folder.parent == cache_root():
        shutil.rmtree(folder, ignore_errors=True)


def export_ours(mode: str, model: torch.nn.Module, x: torch.Tensor, folder: Path) -> Path:
    """Our exporter (settings in the module docstring): an fp32 CPU copy of `model` for input shape x.shape."""
    model = copy.deepcopy(model).float().cpu().eval()
    x = x.float().cpu()
    if mode == "onnxruntime":
        if isinstance(model, YOLOv12):
            model.channel_major_attention()
        return _onnx(model, x, folder / FILES[mode])
    if mode == "openvino":
        return _openvino(model, x, folder / FILES[mode])
    raise ValueError(f"no export for mode {mode!r}")


def _onnx(model: torch.nn.Module, x: torch.Tensor, path: Path) -> Path:
    import onnx
    import onnxslim

    with torch.no_grad():
        torch.onnx.export(model, (x,), str(path), opset_version=OPSET, input_names=["images"],
                          output_names=["output0"], dynamo=False)
    graph = onnxslim.slim(onnx.load(str(path)))
    graph.ir_version = min(graph.ir_version, MAX_IR)
    onnx.save(graph, str(path))
    return path


def _openvino(model: torch.nn.Module, x: torch.Tensor, path: Path) -> Path:
    import openvino as ov

    with torch.no_grad():
        traced = torch.jit.trace(model, x, strict=False, check_trace=False)
        ov_model = ov.convert_model(traced, input=list(x.shape), example_input=x)
    ov.save_model(ov_model, str(path), compress_to_fp16=False)
    return path

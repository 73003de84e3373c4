"""Export a baseline the way its users do: Ultralytics' own Exporter (child process only; imports ultralytics).
ONNX with the exporter's defaults (opset it picks, onnxslim, static shape, no NMS inside) for onnxruntime; its
OpenVINO IR in fp32 for openvino."""

from __future__ import annotations

import copy
from pathlib import Path

import torch
from ultralytics import __version__
from ultralytics.engine.exporter import Exporter

FORMATS = {"onnxruntime": "onnx", "openvino": "openvino"}  # bench mode -> ultralytics export format
COMMON = "dynamic=False nms=False half=False"
SETTINGS = {"onnxruntime": f"ultralytics=={__version__} Exporter format=onnx simplify=True {COMMON}",
            "openvino": f"ultralytics=={__version__} Exporter format=openvino int8=False {COMMON}"}


def export(mode: str, model: torch.nn.Module, x: torch.Tensor, folder: Path) -> Path:
    """Export an fp32 CPU copy of the ultralytics `model` for input shape x.shape (B, 3, H, W) into `folder`; the
    path of the file a runtime loads (.onnx, or the IR's .xml)."""
    model = copy.deepcopy(model).float().cpu().eval()
    model.task = "detect"  # set by ultralytics.YOLO when a model is loaded through it
    model.pt_path = str(folder / "model.pt")  # where the exporter names its output
    b, _, h, w = x.shape
    args = {"format": FORMATS[mode], "imgsz": [h, w], "batch": b, "device": "cpu", "half": False, "int8": False,
            "dynamic": False, "nms": False, "simplify": True}
    out = Path(Exporter(overrides=args)(model))
    return out if out.is_file() else next(out.glob("*.xml"))

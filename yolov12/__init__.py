"""YOLOv12: the paper's v1.0 architecture and the official turbo variant, with pluggable attention kernels.

    import yolov12
    model = yolov12.create_model("yolov12-s", attn="sdpa")   # random weights
    model = yolov12.load_model("yolo12s.pt")                 # Ultralytics, official v1.0/turbo, or our format
"""

from yolov12.model import YOLOv12, create_model, list_models
from yolov12.weights import load_model, save_model

__all__ = ["YOLOv12", "create_model", "list_models", "load_model", "save_model"]

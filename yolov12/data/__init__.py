"""Detection data for evaluation: YOLO and COCO layouts read into one `DetectionSet`, letterboxed evaluation
batches, and a seeded synthetic detection set (`python -m yolov12.data.synth`)."""

from yolov12.data.dataset import ACCEPTED, load_dataset
from yolov12.data.detset import DatasetError, DetectionSet, ImageEntry
from yolov12.data.loader import CanvasDataset, eval_loader

__all__ = ["ACCEPTED", "DatasetError", "DetectionSet", "ImageEntry", "CanvasDataset", "eval_loader",
           "load_dataset"]

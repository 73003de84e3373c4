"""Open an evaluation dataset from what a user types: a COCO `instances_*.json`, a COCO dataset folder
(`annotations/instances_val2017.json` + `val2017/`), or a YOLO data YAML."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from yolov12.data.coco_format import find_annotations, read_coco
from yolov12.data.detset import DatasetError, DetectionSet
from yolov12.data.yolo_format import read_yolo

ACCEPTED = "a COCO instances_*.json, a COCO folder (annotations/instances_val2017.json + val2017/) or a YOLO data YAML"


def load_dataset(spec: str | Path, split: str = "val", yolo_category_ids: Sequence[int] | None = None,
                 yolo_category_map: str = "given") -> DetectionSet:
    """Read the dataset at `spec`. `split` picks the YOLO YAML's entry (COCO files are one split each);
    `yolo_category_ids` maps YOLO class indices to ground-truth category ids (default index + 1)."""
    path = Path(spec)
    if not path.exists():
        raise DatasetError(f"no dataset at {path} (expected {ACCEPTED})")
    if path.is_dir():
        return read_coco(find_annotations(path))
    if path.suffix.lower() == ".json":
        return read_coco(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        return read_yolo(path, split, yolo_category_ids, yolo_category_map)
    raise DatasetError(f"{path}: unrecognised dataset (expected {ACCEPTED})")

"""The one in-memory form of an evaluation dataset, whatever its layout on disk: image files with ids and sizes,
class names, the category id of each class index, and the ground truth as a COCO-format dict (what pycocotools
and faster-coco-eval read)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class DatasetError(ValueError):
    """A dataset that is missing or malformed; the message says which file and what was expected."""


@dataclass(frozen=True)
class ImageEntry:
    """One image: its COCO id (int), file, and size in pixels."""

    id: int
    path: Path
    height: int
    width: int


@dataclass(frozen=True)
class DetectionSet:
    """An evaluation dataset. `category_ids[i]` is the ground truth's category id of model class index i."""

    source: str  # the path the user gave
    layout: str  # "coco" | "yolo"
    images: tuple[ImageEntry, ...]
    names: tuple[str, ...]
    category_ids: tuple[int, ...]
    coco_gt: dict  # {"images", "annotations", "categories"}: the ground truth pycocotools evaluates against
    category_map: str  # how class indices became category ids, stated in every accuracy record

    @property
    def nc(self) -> int:
        return len(self.names)

    def __len__(self) -> int:
        return len(self.images)

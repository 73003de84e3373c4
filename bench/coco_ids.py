"""COCO's 80 detection classes: their names in the usual contiguous order (0..79) and the category ids (1..90, with
gaps) that `instances_*.json` and the official evaluation use."""

from __future__ import annotations

from collections.abc import Sequence

COCO80_NAMES = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear",
    "hair drier", "toothbrush",
)


def _ids() -> tuple[int, ...]:
    # ids 1..90 minus the ten that the detection annotations never use
    unused = {12, 26, 29, 30, 45, 66, 68, 69, 71, 83}
    return tuple(i for i in range(1, 91) if i not in unused)


COCO80_TO_91 = _ids()  # class index i (0..79) -> COCO category id


def is_coco80(names: Sequence[str]) -> bool:
    """True when `names` are COCO's 80 classes in the usual order (so the 80 -> 91 category map applies)."""
    return tuple(n.strip().lower() for n in names) == COCO80_NAMES

"""Our baseline names -> the ultralytics YAML (or our own config) that builds each one. Pure data; no ultralytics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONFIGS = Path(__file__).with_name("configs")


@dataclass(frozen=True)
class Baseline:
    name: str  # ours, e.g. "yolov8-n"
    family: str  # "yolov8", "rtdetr", ...
    scale: str  # "n", "r18", "l", ...
    yaml: str  # ultralytics YAML name (scale in the stem picks the row), or an absolute path to our config

    @property
    def end2end(self) -> bool:
        """True when the model's own head returns final detections (no NMS): YOLOv10, YOLO26 (their one-to-one
        heads) and RT-DETR."""
        return self.family in END2END


def _family(family: str, stem: str, scales: str | tuple[str, ...], sep: str = "-") -> list[Baseline]:
    return [Baseline(f"{family}{sep}{s}", family, s, f"{stem}{s}.yaml") for s in scales]


ONE_TO_ONE = frozenset({"yolov10", "yolo26"})  # dual-head families: the one-to-one head is the NMS-free one
END2END = ONE_TO_ONE | {"rtdetr"}
_RTDETR = {"l": "rtdetr-l.yaml", "x": "rtdetr-x.yaml", "r50": "rtdetr-resnet50.yaml",
           "r101": "rtdetr-resnet101.yaml", "r18": str(CONFIGS / "rtdetr-resnet18.yaml"),
           "r34": str(CONFIGS / "rtdetr-resnet34.yaml")}

BASELINES: dict[str, Baseline] = {
    b.name: b
    for b in (
        *_family("yolov8", "yolov8", "nsmlx"),
        *_family("yolov9", "yolov9", "tsmce"),
        *_family("yolov10", "yolov10", "nsmblx"),
        *_family("yolo11", "yolo11", "nsmlx"),
        *_family("yolov6-3.0", "yolov6", "nsml"),
        *_family("yolo12", "yolo12", "nsmlx"),
        *_family("yolo26", "yolo26", "nsmlx"),
        *(Baseline(f"rtdetr-{s}", "rtdetr", s, y) for s, y in _RTDETR.items()),
    )
}
FAMILIES = tuple(dict.fromkeys(b.family for b in BASELINES.values()))


def lookup(name: str) -> Baseline:
    """`yolov8-n` -> its Baseline; ValueError naming the accepted names otherwise."""
    try:
        return BASELINES[name]
    except KeyError:
        raise ValueError(f"unknown baseline {name!r}; accepted: {', '.join(BASELINES)}") from None

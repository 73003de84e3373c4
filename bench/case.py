"""One measurement's settings, JSON-able so a child process can run it, with its resume key."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bench.config import Config, parse


@dataclass(frozen=True)
class Case:
    model: str  # a configuration's label, `yolov12-n`, `yolov12-n:area=1`, `yolo12-n` (bench.config)
    device: str = "cpu"
    precision: str = "fp32"
    attn: str = "auto"  # ours only; baselines "-"
    mode: str = "eager"  # bench.options.MODES
    batch: int = 1
    imgsz: int = 640
    timed: str = "forward"  # forward | forward+post | pipeline
    channels_last: bool = False
    fused: bool = True
    threads: int = 0  # 0: leave torch's default
    warmup: int = 5
    min_iters: int = 20
    min_time_s: float = 3.0
    conf: float = 0.25
    iou: float = 0.7
    max_det: int = 300
    weights: str = ""

    def config(self) -> Config:
        return parse(self.model, self.attn if self.attn != "-" else None)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Case:
        return cls(**d)


# Record columns that identify a finished latency row (compared as strings with done_keys).
KEY_FIELDS = ("kind", "model", "overrides", "variant", "impl", "weights", "device", "precision", "attn_asked", "mode",
              "channels_last", "fused", "imgsz", "batch", "timed_region", "threads")

"""Numbers Ultralytics publishes for the baselines, as data: COCO val2017 mAP and latencies under the publisher's own
protocol, to set beside ours. Only what the paper's Table 1 (reports/paper.py) does not already hold: YOLO26 (not in
the paper), and Ultralytics' own YOLO11 / YOLOv8 / RT-DETR-L/X rows with their CPU ONNX latencies. Ultralytics'
YOLO12 docs repeat the paper's Table 1 cells (40.6 ... 55.2 mAP, 1.64 ... 11.79 ms, T4 TensorRT FP16) and publish
no CPU latency, so YOLO12 has no rows here.

Every value was read from the source named in its row (a GitHub address pinned to a commit); a value the source does
not give is None. Units: mAP in percent, latency in ms (batch 1, 640), params in M, FLOPs in G (Ultralytics: fused
model). The CPU of "CPU ONNX" is not named on these pages; "T4 TensorRT10" is TensorRT 10 FP16 on an NVIDIA T4.
"""

from __future__ import annotations

from dataclasses import dataclass

_DOCS = "https://github.com/ultralytics/ultralytics/blob/"
YOLO26_SOURCE = _DOCS + "3efa3ff5709184e21048c9b127ef964a73c9ca5f/docs/macros/yolo-det-perf.md"
YOLO11_SOURCE = _DOCS + "040502be523cf6063d21db424710b66de85a8d77/docs/en/models/yolo11.md"
YOLOV8_SOURCE = _DOCS + "0059318aebf8cec7d72d30b9be003d63cae78323/docs/en/models/yolov8.md"
RTDETR_SOURCE = _DOCS + "01bb4c79e55d4f698fe1aaae89cfb4474ab36ff5/docs/en/models/rtdetr.md"


@dataclass(frozen=True)
class Published:
    """One model's published row. None = not published by that source."""

    model: str  # the suite's name, e.g. "yolo26-n"
    map50_95: float | None  # COCO val2017 mAP 50-95, %, under the publisher's protocol (see note)
    cpu_onnx_ms: float | None  # "CPU ONNX" latency, ms
    t4_trt10_ms: float | None  # T4 TensorRT10 FP16 latency, ms
    params_m: float | None
    flops_g: float | None
    source: str  # https address of the page the numbers come from
    note: str = ""


_YOLO26_NOTE = ("end-to-end (NMS-free, one-to-one head) mAP, the head the suite runs; with the one-to-many head + NMS "
                "Ultralytics gives {nms}; params/FLOPs of the fused model (one-to-many head removed)")
_YOLOV8_NOTE = ("GPU latency published on an A100 with TensorRT ({a100} ms), not a T4: t4_trt10_ms left empty")
_RTDETR_NOTE = "published as {fps} FPS on a T4 GPU (runtime and precision not stated); no ms, params or FLOPs given"


def _rows(family: str, source: str, rows: str, note: str = "") -> list[Published]:
    """`scale mAP cpu_ms t4_ms params flops [note args]` lines ('-' = None) -> rows."""
    out = []
    for line in rows.strip().splitlines():
        scale, *cells = line.split()
        vals = [None if c == "-" else float(c) for c in cells[:5]]
        extra = cells[5:]
        text = note.format(**dict(e.split("=") for e in extra)) if extra else note
        out.append(Published(f"{family}-{scale}", *vals, source=source, note=text))
    return out


PUBLISHED: dict[str, Published] = {
    p.model: p
    for p in (
        # scale, mAP 50-95 (e2e), CPU ONNX ms, T4 TensorRT10 ms, params M, FLOPs G, mAP with NMS
        *_rows("yolo26", YOLO26_SOURCE, """
n 40.1 38.9 1.7 2.4 5.4 nms=40.9
s 47.8 87.2 2.5 9.5 20.7 nms=48.6
m 52.5 220.0 4.7 20.4 68.2 nms=53.1
l 54.4 286.2 6.2 24.8 86.4 nms=55.0
x 56.9 525.8 11.8 55.7 193.9 nms=57.5""", _YOLO26_NOTE),
        *_rows("yolo11", YOLO11_SOURCE, """
n 39.5 56.1 1.5 2.6 6.5
s 47.0 90.0 2.5 9.4 21.5
m 51.5 183.2 4.7 20.1 68.0
l 53.4 238.6 6.2 25.3 86.9
x 54.7 462.8 11.3 56.9 194.9"""),
        *_rows("yolov8", YOLOV8_SOURCE, """
n 37.3 80.4 - 3.2 8.7 a100=0.99
s 44.9 128.4 - 11.2 28.6 a100=1.20
m 50.2 234.7 - 25.9 78.9 a100=1.83
l 52.9 375.2 - 43.7 165.2 a100=2.39
x 53.9 479.1 - 68.2 257.8 a100=3.53""", _YOLOV8_NOTE),
        *_rows("rtdetr", RTDETR_SOURCE, """
l 53.0 - - - - fps=114
x 54.8 - - - - fps=74""", _RTDETR_NOTE),
    )
}

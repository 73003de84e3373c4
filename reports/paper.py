"""The paper's published numbers as data (arXiv 2502.12524v1, Tables 1-7) and the official README's tables.

Every block names its source in `SOURCES`; `NOTES` lists where the paper contradicts itself or its sources, keyed
by the table it concerns. Model names follow the suite's record names (`yolov12-n`, `yolo11-s`, `rtdetr-r18`, ...);
rows the suite cannot build (Gold-YOLO, RT-DETRv2) keep a name of the same form. Units: FLOPs in G (2 x MACs,
attention products excluded, fused), params in M, AP in percent, latency in ms.
Cell transcriptions come from /work/shared/reference/paper-and-official-code.md (two independent transcriptions of
the arXiv HTML; captions and footnotes could not be recovered).
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCES = {
    "table1": "paper Table 1 (arXiv 2502.12524v1): COCO val2017, latency on T4 + TensorRT FP16, 640, batch 1 (batch "
              "and NMS unstated); YOLOv12 cells confirmed by the official README v1.0 table and Ultralytics' docs",
    "table2": "paper Table 2 (R-ELAN ablation)",
    "table3": "paper Table 3 (area attention, no FlashAttention): RTX 3080 / RTX A5000 FP32 and FP16, "
              "CPU Intel i7-10700K; runtime and batch unstated",
    "table4": "paper Table 4 (speed across GPUs, FP32 / FP16, ms); runtime, batch and NMS unstated",
    "table5": "paper Table 5 (diagnostics on YOLOv12-N unless stated, 600 epochs from scratch; 5g on L)",
    "table5h": "paper Table 5h (FlashAttention on/off, latency in ms); protocol unconfirmed",
    "table6": "paper Table 6 (per-size AP of YOLOv12)",
    "recipe": "paper Table 7 + Sec. 4.1 + Sec. 7; official README train() call (V1.0 and main)",
    "readme": "official repo sunsmarterjie/yolov12 README (branch main, d3cbe10): 'Speed (ms) T4 TensorRT10', size 640",
}

NOTES = {
    "table1": [
        "Baseline latencies mix protocols: YOLOv6-3.0 and Gold-YOLO are YOLOv10's end-to-end latencies (NMS "
        "included); YOLOv8 is YOLOv10's forward-only column (no NMS); YOLOv10 is NMS-free end-to-end; YOLO11 is "
        "Ultralytics' docs 'T4 TensorRT10' (no NMS). Compare latencies within one protocol only.",
        "RT-DETR(v2)-R34 is printed as 100.0 G / 36.0 M; RT-DETR-R34 is 92 G / 31 M (YOLOv10 Table 1, RT-DETRv2 "
        "README); 100 G / 36 M belong to R50-m. Probable mix-up.",
        "RT-DETR(v2)-R50 latency 6.90 ms is R50-m's in YOLOv10 Table 1; R50 itself is 9.20 ms there. Probable mix-up.",
        "RT-DETR-R101 13.5 ms vs 13.71 ms in YOLOv10 Table 1 (74 FPS in the RT-DETRv2 README).",
        "YOLOv9 latency printed as '-' although YOLOv10 Table 1 lists YOLOv9-C (10.57 / 6.13 ms).",
        "YOLO11 APs are 0.1 below Ultralytics' docs (except M); YOLOv8 APs differ from YOLOv10's Table 1 by 0.1-0.3.",
        "Sec. 4.2 says YOLOv12-N beats YOLOv8-N by 3.3 %; the table implies 3.2 %.",
        "Rows after the N block rest on one transcription (A) except cells confirmed elsewhere.",
    ],
    "table2": ["The third N row (residual only, Re-Aggre. off) prints 6.5 G; the L/X pattern suggests a typo or a "
               "lost tick in the rendering."],
    "table3": ["Runtime (PyTorch or TensorRT) and batch size are not stated; CPU cells are from one transcription."],
    "table4": ["YOLOv12-M FP16 on RTX 3080 prints 1.5 ms, equal to the S model's: implausible, probable typo "
               "(A5000/A6000 give 2.4 / 2.2 ms).",
               "The paper says YOLOv9/10 were run in Ultralytics' codebase on the same hardware; runtime unstated."],
    "table5": ["5g's L / MLP 1.2 row (53.8 AP) differs from Table 1's YOLOv12-L (53.7).",
               "5b (hierarchy) and 5e (RPE/APE) change the architecture beyond the model's overrides: paper only."],
    "table5h": ["The FA-on cells equal Table 1's T4 TensorRT latencies, yet FlashAttention-2 does not run on a T4 "
                "(sm 7.5) and the maintainer says the released ONNX files hold no FlashAttention operators "
                "(sunsmarterjie/yolov12#27): how 5h was measured is unconfirmed."],
    "recipe": ["Momentum 0.937 per the paper, but the README's train() leaves optimizer=auto, which Ultralytics "
               "resolves to SGD momentum 0.9; copy-paste only acts on polygon labels (no-op with box labels)."],
    "readme": ["Ultralytics re-measured turbo on T4 TensorRT at 2.3/4.1/7.5/11.8/21.4 ms for n-x "
               "(ultralytics/ultralytics#19728) against the README's 1.60/2.42/4.27/5.83/10.38."],
}

SCALE_LETTERS = ("n", "s", "m", "l", "x")


@dataclass(frozen=True)
class Table1Row:
    """One row of paper Table 1. None = printed as '-'."""

    model: str
    scale: str  # the paper's size group: n s m l x
    gflops: float
    params_m: float
    ap: float
    ap50: float
    ap75: float | None
    latency_ms: float | None
    note: str = ""


def _t1(group: str, rows: str) -> list[Table1Row]:
    out = []
    for line in rows.strip().splitlines():
        name, *cells = line.split()
        vals = [None if c == "-" else float(c) for c in cells]
        out.append(Table1Row(name, group, *vals))
    return out


# name, FLOPs G, params M, AP, AP50, AP75, latency ms
TABLE1: tuple[Table1Row, ...] = tuple(
    _t1("n", """
yolov6-3.0-n 11.4 4.7 37.0 52.7 - 2.69
gold-yolo-n 12.1 5.6 39.6 55.7 - 2.92
yolov8-n 8.7 3.2 37.4 52.6 40.5 1.77
yolov10-n 6.7 2.3 38.5 53.8 41.7 1.84
yolo11-n 6.5 2.6 39.4 55.3 42.8 1.5
yolov12-n 6.5 2.6 40.6 56.7 43.8 1.64""")
    + _t1("s", """
yolov6-3.0-s 45.3 18.5 44.3 61.2 - 3.42
gold-yolo-s 46.0 21.5 45.4 62.5 - 3.82
yolov8-s 28.6 11.2 45.0 61.8 48.7 2.33
rtdetr-r18 60.0 20.0 46.5 63.8 - 4.58
rtdetrv2-r18 60.0 20.0 47.9 64.9 - 4.58
yolov9-s 26.4 7.1 46.8 63.4 50.7 -
yolov10-s 21.6 7.2 46.3 63.0 50.4 2.49
yolo11-s 21.5 9.4 46.9 63.9 50.6 2.5
yolov12-s 21.4 9.3 48.0 65.0 51.8 2.61""")
    + _t1("m", """
yolov6-3.0-m 85.8 34.9 49.1 66.1 - 5.63
gold-yolo-m 87.5 41.3 49.8 67.0 - 6.38
yolov8-m 78.9 25.9 50.3 67.2 54.7 5.09
rtdetr-r34 100.0 36.0 48.9 66.8 - 6.32
rtdetrv2-r34 100.0 36.0 49.9 67.5 - 6.32
yolov9-m 76.3 20.0 51.4 68.1 56.1 -
yolov10-m 59.1 15.4 51.1 68.1 55.8 4.74
yolo11-m 68.0 20.1 51.5 68.5 55.7 4.7
yolov12-m 67.5 20.2 52.5 69.6 57.1 4.86""")
    + _t1("l", """
yolov6-3.0-l 150.7 59.6 51.8 69.2 - 9.02
gold-yolo-l 151.7 75.1 51.8 68.9 - 10.65
yolov8-l 165.2 43.7 53.0 69.8 57.7 8.06
rtdetr-r50 136.0 42.0 53.1 71.3 - 6.90
rtdetrv2-r50 136.0 42.0 53.4 71.6 - 6.90
yolov9-c 102.1 25.3 53.0 70.2 57.8 -
yolov10-b 92.0 19.1 52.5 69.6 57.2 5.74
yolov10-l 120.3 24.4 53.2 70.1 58.1 7.28
yolo11-l 86.9 25.3 53.3 70.1 58.2 6.2
yolov12-l 88.9 26.4 53.7 70.7 58.5 6.77""")
    + _t1("x", """
yolov8-x 257.8 68.2 54.0 71.0 58.8 12.83
rtdetr-r101 259.0 76.0 54.3 72.7 - 13.5
rtdetrv2-r101 259.0 76.0 54.3 72.8 - 13.5
yolov10-x 160.4 29.5 54.4 71.3 59.3 10.70
yolo11-x 194.9 56.9 54.6 71.6 59.5 11.3
yolov12-x 199.0 59.1 55.2 72.0 60.2 11.79""")
)

# Which Table 1 cells carry a known inconsistency (model -> note); see NOTES["table1"].
TABLE1_FLAGS = {
    "rtdetr-r34": "FLOPs/params are R50-m's (R34: 92 G / 31 M)",
    "rtdetrv2-r34": "FLOPs/params are R50-m's (R34: 92 G / 31 M)",
    "rtdetr-r50": "latency is R50-m's (R50: 9.20 ms in YOLOv10 Table 1)",
    "rtdetrv2-r50": "latency is R50-m's (R50: 9.20 ms in YOLOv10 Table 1)",
    "yolov6-3.0-n": "latency includes NMS (YOLOv10's end-to-end column)",
    **{f"yolov6-3.0-{s}": "latency includes NMS" for s in "sml"},
    **{f"gold-yolo-{s}": "latency includes NMS" for s in "nsml"},
}


def table1_row(model: str) -> Table1Row | None:
    """Paper Table 1 row for a suite model name; Ultralytics' `yolo12-*` shares the paper's YOLOv12 row."""
    if model.startswith("yolo12-"):
        model = "yolov12-" + model.split("-", 1)[1]
    return next((r for r in TABLE1 if r.model == model), None)


# Table 6: AP, AP50, AP75, AP_small, AP_medium, AP_large per YOLOv12 scale.
TABLE6 = {
    "yolov12-n": (40.6, 56.7, 43.8, 20.2, 45.2, 58.4),
    "yolov12-s": (48.0, 65.0, 51.8, 29.8, 53.2, 65.6),
    "yolov12-m": (52.5, 69.6, 57.1, 35.7, 58.2, 68.8),
    "yolov12-l": (53.7, 70.7, 58.5, 36.9, 59.5, 69.9),
    "yolov12-x": (55.2, 72.0, 60.2, 39.6, 60.7, 70.9),
}


@dataclass(frozen=True)
class Table2Row:
    model: str
    vanilla: bool
    re_aggregation: bool
    residual: bool
    scaling: float | None
    converges: bool
    gflops: float | None
    params_m: float | None
    ap: float | None


TABLE2: tuple[Table2Row, ...] = (
    Table2Row("yolov12-n", True, False, False, None, True, 6.9, 2.7, 40.8),
    Table2Row("yolov12-n", False, True, False, None, True, 6.5, 2.6, 40.6),
    Table2Row("yolov12-n", False, False, True, 0.1, True, 6.5, 2.6, 40.3),
    Table2Row("yolov12-l", True, False, False, None, False, None, None, None),
    Table2Row("yolov12-l", False, True, False, None, False, None, None, None),
    Table2Row("yolov12-l", False, True, True, 0.1, True, 88.9, 26.4, 53.3),
    Table2Row("yolov12-l", False, True, True, 0.01, True, 88.9, 26.4, 53.7),
    Table2Row("yolov12-l", False, False, True, 0.01, True, 94.3, 27.8, 53.8),
    Table2Row("yolov12-x", True, False, False, None, False, None, None, None),
    Table2Row("yolov12-x", False, True, False, None, False, None, None, None),
    Table2Row("yolov12-x", False, True, True, 0.1, False, None, None, None),
    Table2Row("yolov12-x", False, True, True, 0.01, True, 199.0, 59.1, 55.2),
    Table2Row("yolov12-x", False, False, True, 0.01, True, 211.3, 62.3, 55.3),
)

# Table 3: (model, area attention on) -> latency ms per setting. No FlashAttention in any cell.
TABLE3_SETTINGS = ("rtx3080-fp32", "a5000-fp32", "rtx3080-fp16", "a5000-fp16", "cpu-i7-10700k")
TABLE3: dict[tuple[str, bool], tuple[float, ...]] = {
    ("yolov12-n", False): (2.7, 2.5, 1.5, 1.5, 62.9),
    ("yolov12-n", True): (2.0, 2.0, 1.3, 1.3, 31.4),
    ("yolov12-s", False): (5.1, 4.4, 2.5, 2.2, 130.0),
    ("yolov12-s", True): (3.5, 3.1, 1.7, 1.7, 78.4),
    ("yolov12-x", False): (26.4, 21.9, 11.1, 10.4, 804.2),
    ("yolov12-x", True): (18.2, 14.3, 7.1, 6.7, 512.5),
}


def table3(model: str, area: bool, setting: str) -> float:
    return TABLE3[(model, area)][TABLE3_SETTINGS.index(setting)]


# Table 4: model -> (paper FLOPs G, {gpu: (fp32 ms, fp16 ms)}).
TABLE4_GPUS = ("rtx3080", "a5000", "a6000")


def _t4(rows: str) -> dict[str, tuple[float, dict[str, tuple[float, float]]]]:
    out = {}
    for line in rows.strip().splitlines():
        name, flops, *ms = line.split()
        vals = [float(v) for v in ms]
        out[name] = (float(flops), {g: (vals[2 * i], vals[2 * i + 1]) for i, g in enumerate(TABLE4_GPUS)})
    return out


TABLE4 = _t4("""
yolov9-t 8.2 2.4 1.5 2.4 1.6 2.3 1.7
yolov9-s 26.4 3.7 1.9 3.4 2.0 3.5 1.9
yolov9-m 76.3 6.5 2.8 5.5 2.6 5.2 2.6
yolov9-c 102.1 8.0 2.9 6.4 2.7 6.0 2.7
yolov9-e 189.0 17.2 6.7 14.2 6.3 13.1 5.9
yolov10-n 6.7 1.6 1.0 1.6 1.0 1.6 1.0
yolov10-s 21.6 2.8 1.4 2.4 1.4 2.4 1.3
yolov10-m 59.1 5.7 2.5 4.5 2.4 4.2 2.2
yolov10-b 92.0 6.8 2.9 5.5 2.6 5.2 2.8
yolo11-n 6.5 1.6 1.0 1.6 1.0 1.5 0.9
yolo11-s 21.5 2.8 1.3 2.4 1.4 2.4 1.3
yolo11-m 68.0 5.6 2.3 4.5 2.2 4.4 2.1
yolo11-l 86.9 7.4 3.0 5.9 2.7 5.8 2.7
yolo11-x 194.9 15.2 5.3 10.7 4.7 9.1 4.0
yolov12-n 6.5 1.7 1.1 1.7 1.0 1.7 1.1
yolov12-s 21.4 2.9 1.5 2.5 1.5 2.5 1.4
yolov12-m 67.5 5.8 1.5 4.6 2.4 4.4 2.2
yolov12-l 88.9 7.9 3.3 6.2 3.1 6.0 3.0
yolov12-x 199.0 15.6 5.6 11.0 5.2 9.5 4.4
""")
TABLE4_SUSPECT = {("yolov12-m", "rtx3080", "fp16"): NOTES["table4"][0]}


@dataclass(frozen=True)
class Table5Row:
    """One diagnostic setting. `overrides` are the model overrides that build it (None: not buildable by
    overrides alone); `attn` is 'flash' / 'no-flash' where the row is about the kernel, else ''."""

    sub: str
    setting: str
    model: str
    overrides: dict | None
    ap: float | None
    latency_ms: float | None
    default: bool = False
    attn: str = ""


TABLE5: tuple[Table5Row, ...] = (
    Table5Row("5a", "Linear+LN", "yolov12-n", {"proj": "linear-ln"}, 40.5, 1.68),
    Table5Row("5a", "Linear+BN", "yolov12-n", {"proj": "linear-bn"}, 39.5, 1.70),
    Table5Row("5a", "Conv+BN (default)", "yolov12-n", {}, 40.6, 1.64, default=True),
    Table5Row("5a", "Conv+LN", "yolov12-n", {"proj": "conv-ln"}, 40.3, 1.66),
    Table5Row("5b", "N/A (plain ViT-style)", "yolov12-n", None, 38.3, 1.60),
    Table5Row("5b", "S1 (drop 1st stage)", "yolov12-n", None, 40.1, 1.63),
    Table5Row("5b", "S4 (drop 4th stage)", "yolov12-n", None, 39.8, 1.71),
    Table5Row("5b", "Ours", "yolov12-n", {}, 40.6, 1.64, default=True),
    Table5Row("5d", "PE 3x3", "yolov12-n", {"pe_kernel": 3}, 40.4, 1.60),
    Table5Row("5d", "PE 5x5", "yolov12-n", {"pe_kernel": 5}, 40.4, 1.61),
    Table5Row("5d", "PE 7x7 (default)", "yolov12-n", {}, 40.6, 1.64, default=True),
    Table5Row("5d", "PE 9x9", "yolov12-n", {"pe_kernel": 9}, 40.7, 1.79),
    Table5Row("5e", "RPE", "yolov12-n", None, 40.3, 1.76),
    Table5Row("5e", "APE", "yolov12-n", None, 40.5, 1.69),
    Table5Row("5e", "N/A (default)", "yolov12-n", {}, 40.6, 1.64, default=True),
    Table5Row("5f", "area attention off (FA on)", "yolov12-n", {"area": 1}, 40.8, 1.70, attn="flash"),
    Table5Row("5f", "area attention on (FA on)", "yolov12-n", {}, 40.6, 1.64, default=True, attn="flash"),
    Table5Row("5g", "MLP ratio 1.2 (L, default)", "yolov12-l", {}, 53.8, 6.77, default=True),
    Table5Row("5g", "MLP ratio 2.0 (L)", "yolov12-l", {"mlp_ratio": 2.0}, 53.6, 6.75),
    Table5Row("5g", "MLP ratio 4.0 (L)", "yolov12-l", {"mlp_ratio": 4.0}, 53.1, 6.68),
    Table5Row("5h", "N, FlashAttention off", "yolov12-n", {}, None, 1.92, attn="no-flash"),
    Table5Row("5h", "N, FlashAttention on", "yolov12-n", {}, 40.6, 1.64, default=True, attn="flash"),
    Table5Row("5h", "S, FlashAttention off", "yolov12-s", {}, None, 3.02, attn="no-flash"),
    Table5Row("5h", "S, FlashAttention on", "yolov12-s", {}, 48.0, 2.61, default=True, attn="flash"),
)

# Table 5c: training epochs -> AP of (N, S).
TABLE5C = {300: (39.5, 47.0), 500: (40.3, 47.8), 600: (40.6, 48.0), 800: (40.4, 47.7)}

# Training recipe (paper Table 7 + Sec. 4.1; per-scale values n, s, m, l, x). Reference data only: the trainer keeps
# its own recipe file.
RECIPE = {
    "epochs": 600, "optimizer": "SGD", "momentum": 0.937, "batch": 256, "gpus": "8x A6000 (32 per GPU)",
    "weight_decay": 5e-4, "warmup_epochs": 3, "warmup_momentum": 0.8, "warmup_bias_lr": 0.0,
    "lr0": 1e-2, "lrf_final_lr": 1e-4, "lr_schedule": "linear", "box": 7.5, "cls": 0.5, "dfl": 1.5,
    "hsv_h": 0.015, "hsv_s": 0.7, "hsv_v": 0.4, "translate": 0.1, "mosaic": 1.0, "close_mosaic": 10,
    "imgsz": 640, "pretrained": False, "fliplr": 0.5, "amp": True,
    "scale": dict(zip(SCALE_LETTERS, (0.5, 0.9, 0.9, 0.9, 0.9), strict=True)),
    "mixup": dict(zip(SCALE_LETTERS, (0.0, 0.05, 0.15, 0.15, 0.2), strict=True)),
    "copy_paste": dict(zip(SCALE_LETTERS, (0.1, 0.15, 0.4, 0.5, 0.6), strict=True)),
}
RECIPE_SOURCES = {
    "fliplr": "repo default.yaml (V1.0), not the paper", "amp": "repo default.yaml (V1.0), not the paper",
    "batch": "paper: 32 x 8 GPUs; README train(): batch=256 on 4 GPUs",
    "momentum": "paper Table 7; README's optimizer=auto would give 0.9",
    "*": "paper Table 7 / Sec. 4.1 (transcription A)",
}

# Official README (branch main): model -> (mAP50-95, T4 TensorRT10 ms, params M, FLOPs G).
README = {
    "yolov12-turbo-n": (40.4, 1.60, 2.5, 6.0), "yolov12-turbo-s": (47.6, 2.42, 9.1, 19.4),
    "yolov12-turbo-m": (52.5, 4.27, 19.6, 59.8), "yolov12-turbo-l": (53.8, 5.83, 26.5, 82.4),
    "yolov12-turbo-x": (55.4, 10.38, 59.3, 184.6),
    "yolov12-n": (40.6, 1.64, 2.6, 6.5), "yolov12-s": (48.0, 2.61, 9.3, 21.4), "yolov12-m": (52.5, 4.86, 20.2, 67.5),
    "yolov12-l": (53.7, 6.77, 26.4, 88.9), "yolov12-x": (55.2, 11.79, 59.1, 199.0),
}
# Ultralytics' own T4 TensorRT measurement of turbo (ultralytics/ultralytics#19728), ms.
TURBO_REMEASURED_T4 = dict(zip((f"yolov12-turbo-{s}" for s in SCALE_LETTERS), (2.3, 4.1, 7.5, 11.8, 21.4),
                               strict=True))


def paper_reference(model: str) -> tuple[float, float, float, float | None, str] | None:
    """(params M, GFLOPs, AP, T4 latency ms, source key) for any suite model the paper or README lists."""
    row = table1_row(model)
    if row is not None:
        return row.params_m, row.gflops, row.ap, row.latency_ms, "table1"
    if model in README:
        ap, ms, params, gflops = README[model]
        return params, gflops, ap, ms, "readme"
    return None

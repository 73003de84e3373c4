"""Runtimes as modes: `compile` (torch.compile), `onnxruntime` and `openvino` (deployed exports, bench.exports), for
our models and the baselines alike. Before a runtime is timed its output on real photographs is compared with the
eager PyTorch output of the same weights; the largest difference is recorded (`export_max_diff`) and a difference
beyond the runtime's tolerance raises ExportMismatchError (an error row, never a timed one).

Comparison: dense outputs (B, 4+nc, anchors) of NMS families element by element, boxes (rows 0-3, input pixels)
apart from class scores (rows 4+). Final-detection outputs (B, k, 6) of NMS-free families (YOLOv10, YOLO26, RT-DETR)
are turned into xyxy input-pixel rows by the family's own post-processing and compared as sets (nearly tied scores
may swap rows, or trade rows at the top-k cut): scores compared sorted; each reference row not within that score
difference of the cut against the closest row of the same class whose score is within tolerance.
"""

from __future__ import annotations

import importlib.util
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch

from bench import exports
from bench.inputs import letterboxed, photographs
from yolov12.cli import UserError
from yolov12.postprocess import NmsConfig

log = logging.getLogger(__name__)
DEPLOYED = ("onnxruntime", "openvino")


@dataclass(frozen=True)
class Tolerance:
    box_px: float  # boxes, input pixels
    score: float  # class probabilities


# fp32 everywhere; the runtimes reorder sums and pick other conv algorithms, so outputs differ by float rounding,
# which grows through ~100 layers to ~1e-4 px on boxes of a few hundred pixels. The bounds leave two orders of
# magnitude for that and still refuse any real error (a wrong weight or op moves boxes by pixels, scores by >0.01).
# OpenVINO's CPU plugin fuses more aggressively (and would run bf16 if not told f32), hence its wider bound.
TOLERANCES = {"compile": Tolerance(0.05, 1e-3), "onnxruntime": Tolerance(0.05, 1e-3),
              "openvino": Tolerance(0.1, 2e-3)}


class ExportMismatchError(RuntimeError):
    """The runtime does not reproduce the PyTorch outputs; nothing is timed."""

    def __init__(self, message: str, max_diff: float):
        super().__init__(message)
        self.max_diff = max_diff


def check_installed(mode: str) -> None:
    """A one-line user error naming the package when `mode`'s runtime is not installed."""
    package = exports.PACKAGES.get(mode)
    if package and importlib.util.find_spec(package) is None:
        raise UserError(f"--mode {mode} needs the {package} package, which is not installed here "
                        f"(pip install {package}); accepted without it: eager, compile")


def check_device(mode: str, device: str) -> None:
    """openvino runs on the CPU here; onnxruntime on CUDA needs its CUDA execution provider."""
    if mode == "openvino" and device != "cpu":
        raise UserError(f"--mode openvino runs on the CPU here; accepted on {device}: eager, compile, onnxruntime")
    if mode == "onnxruntime" and device.startswith("cuda"):
        import onnxruntime as ort

        if "CUDAExecutionProvider" not in ort.get_available_providers():
            raise UserError(f"--mode onnxruntime on {device} needs onnxruntime's CUDAExecutionProvider (install "
                            f"onnxruntime-gpu); this onnxruntime has {', '.join(ort.get_available_providers())}")


def compare(mode: str, ref: torch.Tensor, got: torch.Tensor, post) -> tuple[float, float, str]:
    """(box difference in input px, score difference, what was compared) of `got` from `ref`;
    ExportMismatchError beyond the mode's tolerance. `export_max_diff` records the larger of the two differences
    (the largest difference of any output value)."""
    tol = TOLERANCES[mode]
    ref, got = ref.float().cpu(), got.float().cpu()
    if ref.shape != got.shape:
        raise ExportMismatchError(f"{mode} output shape {tuple(got.shape)} differs from PyTorch's "
                                  f"{tuple(ref.shape)}", math.inf)
    if ref.ndim == 3 and ref.shape[-1] == 6:
        box, score, rows = _set_diff(ref, got, post, tol)
        compared = f"detections as sets, box rows checked {rows}"
    else:
        box, score = float((ref[:, :4] - got[:, :4]).abs().max()), float((ref[:, 4:] - got[:, 4:]).abs().max())
        compared = "dense outputs elementwise"
    if not box <= tol.box_px or not score <= tol.score:
        raise ExportMismatchError(f"{mode} output differs from PyTorch's on the photographs: boxes {box:.3g} px "
                                  f"(tolerance {tol.box_px}), scores {score:.3g} (tolerance {tol.score})",
                                  max(box, score))
    log.info("%s matches PyTorch: boxes %.3g px, scores %.3g (%s)", mode, box, score, compared)
    return box, score, compared


def _set_diff(ref: torch.Tensor, got: torch.Tensor, post, tol: Tolerance) -> tuple[float, float, str]:
    """(box px, score, rows checked) differences of two (B, k, 6) final-detection outputs, order-free (module
    docstring). Rows whose scores sit within the runtimes' noise of the cut (with random weights: often all) cannot
    be matched and are counted out, so the record says how many rows the box check saw."""
    cfg = NmsConfig(conf=-1.0, max_det=ref.shape[1])
    box = score = 0.0
    checked = total = 0
    for r, g in zip(post(ref, cfg), post(got, cfg), strict=True):
        if len(r) != len(g):
            return math.inf, math.inf, "0/0"
        if not len(r):
            continue
        shift = float((r[:, 4].sort().values - g[:, 4].sort().values).abs().max())
        score = max(score, shift)
        edge = float(r[:, 4].min()) + 2 * shift + 1e-7  # only rows within the runtimes' score noise of the cut
        rows = r[r[:, 4] > edge]  # may be traded for others; every other row must be found
        checked, total = checked + len(rows), total + len(r)
        for row in rows:
            same = g[(g[:, 5] == row[5]) & ((g[:, 4] - row[4]).abs() <= tol.score)]
            err = float((same[:, :4] - row[:4]).abs().max(1).values.min()) if len(same) else math.inf
            box = max(box, err)
    return box, score, f"{checked}/{total}"


def onnx_session(path, device: str, threads: int) -> tuple[Callable[[np.ndarray], np.ndarray], str]:
    """An onnxruntime session for `path`: (array in -> first output array, settings in words)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    provider = "CUDAExecutionProvider" if device.startswith("cuda") else "CPUExecutionProvider"
    sess = ort.InferenceSession(str(path), options, providers=[provider])
    name = sess.get_inputs()[0].name
    return (lambda a: sess.run(None, {name: a})[0]), (f"onnxruntime=={version('onnxruntime')} {provider} "
                                                       f"intra_op_threads={threads or 'default'}")


def openvino_model(path, device: str, threads: int) -> tuple[Callable[[np.ndarray], np.ndarray], str]:
    """An OpenVINO CPU compiled model for `path` in f32 with the latency hint (and the thread count asked)."""
    import openvino as ov

    config = {"INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY"}
    if threads:
        config["INFERENCE_NUM_THREADS"] = threads
    compiled = ov.Core().compile_model(str(path), "CPU", config)
    request = compiled.create_infer_request()
    settings = " ".join(f"{k}={v}" for k, v in config.items())
    return (lambda a: next(iter(request.infer({0: a}).values()))), f"openvino=={version('openvino')} CPU {settings}"


def reference(subject, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return subject.head(subject.model(x))


def exported(subject, case, x: torch.Tensor) -> tuple[Path, bool, str]:
    """(artifact, whether the cache had it, exporter settings) of `subject` for runtime `case.mode` and input shape
    x.shape: ours by our exporter, a baseline by the exporter its Subject carries (Ultralytics')."""
    export = subject.extra.get("exporter") or exports.export_ours
    settings = subject.extra.get("export_settings") or f"{exports.OURS_SETTINGS[case.mode]} code " \
                                                       f"{exports.code_digest()}"
    fields = exports.key_fields(case.mode, f"{case.model}@{case.attn}", exports.state_digest(subject.model),
                                tuple(x.shape), settings)
    artifact, hit = exports.cached(case.mode, fields, subject.model, x, export)
    return artifact, hit, settings


def deployed(subject, case, x: torch.Tensor) -> tuple[Callable[[torch.Tensor], torch.Tensor], dict]:
    """Export (or take from the cache), check against PyTorch on `x`, and return (t -> detection tensor on t's
    device, record fields: export_max_diff and the runtime's settings in `detail`). An export that fails the check
    is removed from the cache, so the next run exports afresh."""
    mode = case.mode
    artifact, hit, settings = exported(subject, case, x)
    run_np, runtime = (onnx_session if mode == "onnxruntime" else openvino_model)(artifact, case.device,
                                                                                  case.threads)

    def run(t: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(run_np(t.float().cpu().contiguous().numpy())).to(t.device)

    try:
        box, score, compared = compare(mode, reference(subject, x), run(x), subject.post)
    except ExportMismatchError:
        exports.evict(artifact)  # never kept: a later run exports afresh
        raise
    detail = f"runtime={runtime};export={settings};cache={'hit' if hit else 'new'};" \
             f"export_diff_boxes_px={box:.3g};export_diff_scores={score:.3g};export_compared={compared}"
    return run, {"export_max_diff": float(f"{max(box, score):.4g}"), "detail": detail}


def compiled(subject, case, x: torch.Tensor) -> tuple[Callable[[torch.Tensor], torch.Tensor], dict]:
    """torch.compile of the model, checked against eager on `x` like an export."""
    model, head = subject.model, subject.head
    fn = torch.compile(model)
    box, score, compared = compare("compile", reference(subject, x), head(fn(x)), subject.post)
    detail = f"runtime=torch.compile(torch=={torch.__version__});export_diff_boxes_px={box:.3g};" \
             f"export_diff_scores={score:.3g};export_compared={compared}"
    return (lambda t: head(fn(t))), {"export_max_diff": float(f"{max(box, score):.4g}"), "detail": detail}


def for_dataset(subject, case) -> tuple[Callable[[torch.Tensor], torch.Tensor], dict]:
    """The checked runtime `case.mode` of `subject` for evaluation over a dataset: (batch -> detection tensor,
    record fields). The export is static (case.batch, 3, case.imgsz, case.imgsz), so a smaller last batch is padded
    with blank images and their rows dropped; the check runs on case.batch photographs."""
    x = letterboxed(photographs(case.batch), case.imgsz)[0].to(case.device)
    run, info = (compiled if case.mode == "compile" else deployed)(subject, case, x)

    def padded(t: torch.Tensor) -> torch.Tensor:
        n = t.shape[0]
        if n == case.batch:
            return run(t)
        return run(torch.cat((t, t.new_zeros((case.batch - n, *t.shape[1:])))))[:n]

    return padded, info

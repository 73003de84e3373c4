"""COCO box mAP of one model (or of a detections file) under one protocol, written as an accuracy record.

Protocol (stated in every record): by default `rect`, the one the paper's numbers come from, i.e. Ultralytics'
validator as `model.val()` runs it: images ordered by aspect ratio, each group of --batch on one canvas whose sides
are rounded up to the stride plus half a stride of padding (672 x 672 for a mixed group at 640), each image resized
to long side --imgsz (sides ceil()ed) and centred without upscaling, boxes mapped back with per-axis gains; with
`--protocol square` every canvas is --imgsz x --imgsz (the validator's rect=False). Then confidence 0.001, IoU 0.7,
at most 300 detections, multi-label NMS (`NmsConfig.val()`), class indices mapped to the ground truth's category ids
(COCO's 80 -> 91 for COCO), boxes in original-image pixels rounded to 1e-3 and scores to 1e-5, as the validator's
COCO JSON. Metrics by pycocotools, cross-checked by faster-coco-eval; with --also-ultralytics-metric also
Ultralytics' own mAP (its matching and 101-point interpolated AP, run with its code in a child process on the same
detections), which is not pycocotools' figure (users compare against it).

    python -m bench.accuracy --model yolov12-n --weights yolov12n.pt --data /data/coco --out results/acc.csv
    python -m bench.accuracy --model yolo11-n --weights yolo11n.pt --data /data/coco    # baseline, child process
    python -m bench.accuracy --detections preds.json --data /data/coco/annotations/instances_val2017.json
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import shlex
import sys
import tempfile
import time
from pathlib import Path

import torch

from baselines.child import Worker, WorkerError
from baselines.names import BASELINES
from bench import runtimes
from bench.case import Case
from bench.config import ATTN_CHOICES
from bench.precision import fp32_mode
from bench.records import RecordWriter, check_results_file
from bench.subject import Subject, build_ours
from bench.system import collect, cpu_name, gpu_name, write_system_json
from yolov12 import evaluate as coco_eval
from yolov12.attention import AttentionUnavailable
from yolov12.cli import (
    ArgumentParser,
    UserError,
    add_nms_flags,
    check_imgsz,
    check_nms_flags,
    check_range,
    cli,
    parse_device,
)
from yolov12.data import ACCEPTED, DatasetError, DetectionSet
from yolov12.evaluate import detect, open_dataset
from yolov12.files import check_out_file, write_atomic
from yolov12.model import list_models
from yolov12.postprocess import NmsConfig
from yolov12.protocol import PROTOCOLS, Protocol
from yolov12.safe_pickle import UnsafeCheckpointError
from yolov12.weights import CheckpointError, sha256

log = logging.getLogger(__name__)
WORKER = "bench.worker"
DEFAULT_MAX_DET = 300
MODES = ("eager", "compile", *runtimes.DEPLOYED)


# ---- detections files ----------------------------------------------------------------------------------

def read_detections(path: str) -> list:
    p = Path(path)
    if not p.is_file():
        raise UserError(f"no detections file at {path} (expected a COCO result JSON list)")
    try:
        return json.loads(p.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UserError(f"{path}: not a JSON file ({err})") from None


# ---- models ------------------------------------------------------------------------------------------------

def load_ours(name: str, weights: str, attn: str, device: str, dtype: torch.dtype) -> Subject:
    """Our model from `weights` (any format `yolov12.load_model` reads), fused, on `device` in `dtype`."""
    try:
        subject = build_ours(name, {}, attn=attn, device=device, dtype=dtype, fuse=True, channels_last=False,
                             weights=weights)
    except (CheckpointError, UnsafeCheckpointError, FileNotFoundError) as err:
        raise UserError(f"cannot load --weights: {err}") from None
    except AttentionUnavailable as err:
        raise UserError(f"attention backend {attn!r} cannot run here: {err}") from None
    if subject.model.name != name:
        raise UserError(f"--weights {weights} hold a {subject.model.name}, not the {name} asked by --model")
    return subject


def _in_worker(job: dict, failure: str) -> object:
    """One job in a fresh child worker (ultralytics is imported only there); its failure is a user error."""
    try:
        with Worker(WORKER) as worker:
            return worker.call(job)
    except WorkerError as err:
        raise UserError(f"{failure}: {str(err).splitlines()[0]}") from None


def baseline_detections(args: argparse.Namespace, proto: Protocol) -> dict:
    """A baseline's detections, computed in the child worker (importing ultralytics changes process-wide state)."""
    job = {"op": "detect", "name": args.model, "weights": args.weights, "data": args.data, "split": args.split,
           "protocol": proto.name, "imgsz": proto.imgsz, "batch": proto.batch, "device": args.device, "half": args.half,
           "workers": args.workers, "conf": args.conf, "iou": args.iou, "max_det": args.max_det, "mode": args.mode}
    return _in_worker(job, f"baseline {args.model} could not be evaluated")


# ---- records --------------------------------------------------------------------------------------------------

def check_classes(nc: int, data: DetectionSet) -> None:
    if nc != data.nc:
        raise UserError(f"the model predicts {nc} classes but {data.source} has {data.nc}; evaluate on a dataset "
                        "with the model's classes")


def score(data: DetectionSet, dets: list) -> tuple[dict, dict]:
    """(pycocotools metrics, faster-coco-eval metrics) of `dets`."""
    try:
        ref = coco_eval.evaluate(data.coco_gt, dets, "pycocotools")
        fast = coco_eval.evaluate(data.coco_gt, dets, "faster-coco-eval")
    except coco_eval.DetectionsError as err:
        raise UserError(f"detections do not fit {data.source}: {err}") from None
    return ref, fast


def ultralytics_metric(args: argparse.Namespace, dets: list) -> dict:
    """Ultralytics' own mAP50-95 and mAP50 of `dets`, by its code in the child worker (the detections travel through
    a temporary file)."""
    with tempfile.TemporaryDirectory(prefix="acc-") as tmp:
        path = Path(tmp) / "detections.json"
        path.write_text(json.dumps(dets))
        job = {"op": "ultralytics_metric", "data": args.data, "split": args.split, "detections": str(path)}
        return _in_worker(job, "Ultralytics' metric could not be computed")


def validator_max_det(max_det: int, data: DetectionSet) -> int:
    """The validator's rule (both protocols): a max_det left at its default of 300 is raised to the largest number
    of (non-crowd) objects in one image when an image holds more."""
    counts = collections.Counter(a["image_id"] for a in data.coco_gt["annotations"] if not a.get("iscrowd", 0))
    most = max(counts.values(), default=0)
    if max_det == DEFAULT_MAX_DET and most > max_det:
        log.info("an image holds %d objects: max_det raised from %d to %d, as the validator does", most, max_det, most)
        return most
    return max_det


def protocol_text(args: argparse.Namespace, data: DetectionSet, proto: Protocol) -> str:
    if args.detections:
        return f"external detections evaluated as given; category ids as in the file; split {args.split}"
    return (f"{proto.name} (Ultralytics validator, rect={proto.name == 'rect'}): {proto.letterbox}, imgsz "
            f"{proto.imgsz}, batch {proto.batch}; conf {args.conf}; iou {args.iou}; max_det {args.max_det}; "
            f"multi-label NMS; category map {data.category_map}; split {args.split}; boxes 1e-3 px, scores 1e-5")


def metric_fields(ref: dict, fast: dict, data: DetectionSet) -> dict:
    return {**{k: round(ref[k], 6) for k in coco_eval.RECORD_METRICS},
            "eval_tool": coco_eval.tool_version("pycocotools"),
            "eval_crosscheck": f"{coco_eval.tool_version('faster-coco-eval')} max_abs_diff="
                               f"{coco_eval.crosscheck(ref, fast):.2e} map50_95={fast['map50_95']:.6f}",
            "dataset": data.source, "images": len(data)}


def base_record(args: argparse.Namespace, argv: list[str], proto: Protocol) -> dict:
    return {"kind": "accuracy", "command": "python -m bench.accuracy " + shlex.join(argv), "conf": args.conf,
            "iou": args.iou, "max_det": args.max_det, "imgsz": args.imgsz, "batch": args.batch,
            "protocol": proto.name, "letterbox": proto.letterbox, "threads": torch.get_num_threads()}


# ---- CLI ------------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = ArgumentParser(prog="python -m bench.accuracy", description=__doc__.split("\n\n")[0],
                       formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--model", help="our model (yolov12-n ... yolov12-turbo-x) or a baseline (yolo11-n, rtdetr-l, ...); "
                   "with --detections only a label for the record")
    p.add_argument("--weights", help="checkpoint file: ours, Ultralytics' or the official repo's .pt")
    p.add_argument("--data", required=True, help=f"dataset: {ACCEPTED}")
    p.add_argument("--detections", help="evaluate this COCO result JSON (made elsewhere) instead of running a model")
    p.add_argument("--split", default="val", help="split of a YOLO data YAML (default val)")
    p.add_argument("--protocol", default=None, help="rect (default in eager: Ultralytics' validator as model.val() "
                   "runs it, the paper's protocol) or square (every canvas --imgsz x --imgsz, the validator's "
                   "rect=False; the only one for --mode onnxruntime/openvino, whose exports have a static shape)")
    p.add_argument("--imgsz", type=int, default=640, help="long side of every resized image, multiple of 32 "
                   "(default 640)")
    p.add_argument("--batch", type=int, default=16, help="images per forward, 1..1024 (default 16, as model.val()); "
                   "under rect it also decides which images share a canvas, so mAP depends on it")
    p.add_argument("--half", action="store_true", help="fp16 weights and activations (CUDA only; default fp32, "
                   "TF32 off)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                   help="cpu, cuda, cuda:N or N (default: cuda if available, else cpu)")
    p.add_argument("--attn", default="auto", help=f"attention backend for our models: {', '.join(ATTN_CHOICES)}")
    p.add_argument("--mode", default="eager", help=f"runtime: {', '.join(MODES)} (default eager); the others "
                   "evaluate the checked artifact the latency rows time (static shape: square letterbox, fixed batch)")
    p.add_argument("--workers", type=int, default=2, help="image-loading worker processes, 0..64 (default 2)")
    add_nms_flags(p, conf=0.001, iou=0.7, max_det=DEFAULT_MAX_DET)
    p.add_argument("--also-ultralytics-metric", action="store_true",
                   help="also compute Ultralytics' own mAP50-95 and mAP50 on the same detections (its matching and "
                   "101-point interpolated AP, by its code in a child process) into map*_ultralytics columns")
    p.add_argument("--save-json", help="also write the COCO result JSON of the detections here")
    p.add_argument("--out", default="results/accuracy.csv", help="records CSV to append to "
                   "(default results/accuracy.csv; a system.json is kept beside it)")
    return p.parse_args(argv)


def check_request(args: argparse.Namespace) -> None:
    """Validate the whole request before any model is built or file written; normalises args.device."""
    if args.detections is None and not (args.model and args.weights):
        raise UserError("give --model and --weights (to run a model) or --detections (to evaluate a file)")
    static = args.mode in runtimes.DEPLOYED
    if args.protocol is None:
        args.protocol = "square" if static else "rect"
    if args.protocol not in PROTOCOLS:
        raise UserError(f"unknown --protocol {args.protocol!r}; accepted: {', '.join(PROTOCOLS)}")
    if static and args.protocol != "square":
        raise UserError(f"--protocol {args.protocol} needs one canvas per batch, but --mode {args.mode} runs a "
                        "static-shape export; accepted with it: --protocol square")
    check_imgsz("--imgsz", args.imgsz)
    check_range("--batch", args.batch, 1, 1024, integer=True)
    check_range("--workers", args.workers, 0, 64, integer=True)
    check_nms_flags(args)
    args.device = parse_device(args.device)
    check_results_file(args.out)
    if args.save_json:
        check_out_file(args.save_json, "--save-json")
    if args.detections:
        if args.mode != "eager":
            raise UserError(f"--mode {args.mode} runs a model; --detections evaluates a file as it is (drop --mode)")
        return
    if args.model not in list_models() and args.model not in BASELINES:
        raise UserError(f"unknown model {args.model!r}; accepted: {', '.join(list_models() + list(BASELINES))}")
    if args.mode not in MODES:
        raise UserError(f"unknown mode {args.mode!r}; accepted: {', '.join(MODES)}")
    runtimes.check_installed(args.mode)
    runtimes.check_device(args.mode, args.device)
    if args.half and args.mode != "eager":
        raise UserError(f"--mode {args.mode} evaluates the fp32 artifact only; drop --half")
    if args.attn not in ATTN_CHOICES:
        raise UserError(f"unknown attention backend {args.attn!r}; accepted: {', '.join(ATTN_CHOICES)}")
    if args.half and args.device == "cpu":
        raise UserError("--half (fp16) evaluation is not supported on cpu (fp16 convolutions there are slow or "
                        "missing in torch); accepted on cpu: fp32 (drop --half)")
    if Path(args.weights).is_dir():
        raise UserError(f"not measured: --weights {args.weights} is a directory, not a checkpoint file")
    if not Path(args.weights).is_file():
        raise UserError(f"not measured: no weights file at {args.weights}")


def run_model(args: argparse.Namespace, data: DetectionSet, proto: Protocol, record: dict) -> list:
    """Detections of --model on `data` under `proto` (ours here, a baseline in the child worker); fills the record's
    model/device fields."""
    device, dtype = args.device, torch.float16 if args.half else torch.float32
    record.update(device=device, device_name=gpu_name(device) if device != "cpu" else cpu_name(),
                  precision="fp16" if args.half else "fp32", tf32="off", mode=args.mode, fused=True,
                  channels_last=False, weights=args.weights, weights_sha256=sha256(args.weights), model=args.model)
    if args.model in BASELINES:
        facts = baseline_detections(args, proto)
        record.update(family=facts["family"], scale=facts["scale"], impl=facts["impl"], attn_asked="-",
                      attn_observed=facts["attn"], **facts.get("runtime", {}))
        return facts["detections"]
    subject = load_ours(args.model, args.weights, args.attn, device, dtype)
    check_classes(subject.model.nc, data)
    record.update(family="yolov12", scale=subject.model.row.scale, variant=subject.model.row.variant.value,
                  impl="ours", attn_asked=args.attn, attn_observed=subject.attn_observed)
    cfg = NmsConfig(conf=args.conf, iou=args.iou, max_det=args.max_det, multi_label=True)
    model, head = subject.model, subject.head
    if args.mode != "eager":
        case = Case(model=args.model, attn=args.attn, mode=args.mode, batch=args.batch, imgsz=args.imgsz,
                    device=device, threads=torch.get_num_threads(), weights=args.weights)
        model, runtime = runtimes.for_dataset(subject, case)
        head = _identity
        record.update(runtime)
    try:
        with fp32_mode("fp32"):
            return detect(model, head, lambda canvas: subject.post, data, proto, device=device,
                          dtype=dtype, cfg=cfg, workers=args.workers)
    except DatasetError as err:  # an image found unreadable or truncated (in a worker: the message's last line)
        raise UserError(f"not measured: {str(err).strip().splitlines()[-1].split('DatasetError: ')[-1]}") from None


def _identity(pred: torch.Tensor) -> torch.Tensor:
    return pred


def _runtime_detail(args: argparse.Namespace, record: dict) -> str:
    """What evaluating a runtime's artifact adds to the protocol (static shapes: the square protocol, fixed batch)."""
    if args.detections or args.mode == "eager":
        return ""
    return (f"; runtime {args.mode}: the checked artifact the latency rows time, static input "
            f"({args.batch}, 3, {args.imgsz}, {args.imgsz}), square letterbox, a short last batch padded with "
            f"blank images; {record.get('detail', '')}")


@cli
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    check_request(args)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    data = open_dataset(args.data, args.split)
    proto = Protocol(args.protocol, args.imgsz, args.batch)
    args.max_det = validator_max_det(args.max_det, data)
    record = base_record(args, argv, proto)
    start = time.perf_counter()
    if args.detections:
        dets = read_detections(args.detections)
        record.update(model=args.model or "external", impl="external", weights=args.detections,
                      weights_sha256=sha256(args.detections), imgsz="", batch="", conf="", iou="",
                      max_det="", protocol="external", letterbox="")
    else:
        dets = run_model(args, data, proto, record)
    ref, fast = score(data, dets)
    extra = ""
    if args.also_ultralytics_metric:
        ul = ultralytics_metric(args, dets)
        record.update(map50_95_ultralytics=round(ul["map50_95"], 6), map50_ultralytics=round(ul["map50"], 6))
        extra = f" | ultralytics map50_95={ul['map50_95']:.4f} map50={ul['map50']:.4f}"
    record.update(metric_fields(ref, fast, data), duration_s=round(time.perf_counter() - start, 3), status="ok",
                  detail=f"protocol: {protocol_text(args, data, proto)}; detections {len(dets)}"
                  + _runtime_detail(args, record), validity="ok")
    if args.save_json:
        write_atomic(Path(args.save_json), json.dumps(dets))
    with RecordWriter(args.out, command=record["command"]) as writer:
        writer.write(record)
        write_system_json(args.out, writer.run_id, collect(record.get("device", "cpu"), torch.get_num_threads(),
                                                           record["command"]))
    print(f"[{record['protocol']}] " + " ".join(f"{k}={ref[k]:.4f}" for k in coco_eval.RECORD_METRICS) + extra
          + f" | faster-coco-eval diff {coco_eval.crosscheck(ref, fast):.1e} | {len(data)} images -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

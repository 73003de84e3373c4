"""COCO box mAP of one model (or of a detections file) under one protocol, written as an accuracy record.

Protocol (the paper's validation settings, stated in every record): square letterbox to --imgsz (640) with the
shared `yolov12.preprocess.letterbox`, confidence 0.001, IoU 0.7, at most 300 detections, multi-label NMS
(`NmsConfig.val()`), class indices mapped to the ground truth's category ids (COCO's 80 -> 91 for COCO), boxes in
original-image pixels rounded to 1e-3 and scores to 1e-5. Metrics by pycocotools, cross-checked by faster-coco-eval.

    python -m bench.accuracy --model yolov12-n --weights yolov12n.pt --data /data/coco --out results/acc.csv
    python -m bench.accuracy --model yolo11-n --weights yolo11n.pt --data /data/coco    # baseline, child process
    python -m bench.accuracy --detections preds.json --data /data/coco/annotations/instances_val2017.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from tqdm import tqdm

from bench import coco_eval
from bench.coco_ids import COCO80_TO_91, is_coco80
from yolov12.cli import UserError, cli
from bench.records import RecordWriter, new_run_id, utc_now
from bench.system import collect, write_system_json
from yolov12.data import ACCEPTED, DatasetError, DetectionSet, eval_loader, load_dataset
from yolov12.postprocess import NmsConfig
from yolov12.preprocess import Letterbox, unletterbox

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parent.parent


# ---- dataset --------------------------------------------------------------------------------------------------

def with_category_ids(data: DetectionSet, ids: tuple[int, ...], label: str) -> DetectionSet:
    """`data` with class index i mapped to `ids[i]` (the ground truth's annotations and categories rewritten)."""
    old_to_new = dict(zip(data.category_ids, ids, strict=True))
    gt = dict(data.coco_gt)
    gt["annotations"] = [{**a, "category_id": old_to_new[a["category_id"]]} for a in gt["annotations"]]
    gt["categories"] = [{"id": i, "name": n} for i, n in zip(ids, data.names, strict=True)]
    return dataclasses.replace(data, category_ids=ids, coco_gt=gt, category_map=label)


def open_dataset(spec: str, split: str = "val") -> DetectionSet:
    """The dataset at `spec`, with COCO's 80 -> 91 category map applied when its classes are COCO's 80."""
    if not Path(spec).exists():
        raise UserError(f"not measured: no COCO or YOLO dataset at {spec} (expected {ACCEPTED})")
    try:
        data = load_dataset(spec, split)
    except DatasetError as err:
        raise UserError(f"not measured: {err}") from None
    if data.layout == "yolo" and is_coco80(data.names):
        data = with_category_ids(data, COCO80_TO_91, "coco80->91")
    elif data.category_ids == COCO80_TO_91:
        data = dataclasses.replace(data, category_map="coco80->91")
    return data


# ---- detections -----------------------------------------------------------------------------------------------

def to_coco(det: torch.Tensor, placement: Letterbox, image_id: int, category_ids: tuple[int, ...]) -> list[dict]:
    """(n, 6) canvas-pixel [x1, y1, x2, y2, score, cls] -> COCO result entries in original-image pixels."""
    det = det.float().cpu()
    xyxy = unletterbox(det[:, :4], placement)
    xywh = torch.cat((xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]), 1)
    return [{"image_id": image_id, "category_id": category_ids[int(c)], "bbox": [round(v, 3) for v in box],
             "score": round(s, 5)}
            for box, s, c in zip(xywh.tolist(), det[:, 4].tolist(), det[:, 5].tolist(), strict=True)]


@torch.inference_mode()
def detect(model: torch.nn.Module, head: Callable, post: Callable, data: DetectionSet, *, imgsz: int, batch: int,
           device: str, dtype: torch.dtype, cfg: NmsConfig, workers: int = 0) -> list[dict]:
    """Run `model` over every image of `data` (letterboxed batches), post-process with `post(head(y), cfg)`
    and return COCO result entries. Works for ours and, in the child process, for baselines."""
    dets: list[dict] = []
    for x, placements, ids in tqdm(eval_loader(data, imgsz, batch, workers), desc="eval", unit="batch",
                                   total=-(-len(data) // batch), leave=False):
        pred = head(model(x.to(device=device, dtype=dtype)))
        for det, placement, image_id in zip(post(pred.float(), cfg), placements, ids, strict=True):
            dets += to_coco(det, placement, image_id, data.category_ids)
    return dets


def read_detections(path: str) -> list:
    p = Path(path)
    if not p.is_file():
        raise UserError(f"no detections file at {path} (expected a COCO result JSON list)")
    try:
        return json.loads(p.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UserError(f"{path}: not a JSON file ({err})") from None


# ---- devices and models ---------------------------------------------------------------------------------------

def parse_device(text: str) -> str:
    """'cpu', 'cuda', 'cuda:1' or '1' -> a torch device string; UserError if it is not available here."""
    dev = f"cuda:{text}" if text.isdigit() else text
    if dev == "cpu":
        return dev
    if not dev.startswith("cuda") or (dev != "cuda" and not dev[5:].isdigit()) or dev[4:5] not in ("", ":"):
        raise UserError(f"unknown device {text!r}; accepted: cpu, cuda, cuda:N or N")
    if not torch.cuda.is_available():
        raise UserError(f"device {text!r} asked for but CUDA is not available here; use --device cpu")
    if dev != "cuda" and int(dev[5:]) >= torch.cuda.device_count():
        raise UserError(f"device {text!r}: only {torch.cuda.device_count()} CUDA device(s) here")
    return dev


def load_ours(name: str, weights: str, attn: str, device: str, dtype: torch.dtype):
    """Our model from `weights` (any format `yolov12.load_model` reads), fused, on `device` in `dtype`."""
    from bench.subject import build_ours
    from yolov12.attention import AttentionUnavailable
    from yolov12.weights import CheckpointError

    try:
        subject = build_ours(name, {}, attn=attn, device=device, dtype=dtype, fuse=True, channels_last=False,
                             weights=weights)
    except (CheckpointError, FileNotFoundError) as err:
        raise UserError(f"cannot load --weights: {err}") from None
    except AttentionUnavailable as err:
        raise UserError(f"attention backend {attn!r} cannot run here: {err}") from None
    if subject.model.name != name:
        raise UserError(f"--weights {weights} hold a {subject.model.name}, not the {name} asked by --model")
    return subject


# ---- baselines: child process ---------------------------------------------------------------------------------

def baseline_detections(args: argparse.Namespace, out_json: Path) -> dict:
    """Run a baseline in a child process (importing ultralytics changes process-wide state); the child writes
    its COCO result list to `out_json` and prints a JSON line of facts about the model. Returns those facts."""
    from baselines.offline import prepare

    env = {**os.environ, **prepare(REPO / ".cache")}
    cmd = [sys.executable, "-m", "bench.accuracy", "--child", str(out_json), "--model", args.model, "--weights",
           args.weights, "--data", args.data, "--imgsz", str(args.imgsz), "--batch", str(args.batch),
           "--device", args.device, "--split", args.split, "--workers", str(args.workers),
           "--conf", str(args.conf), "--iou", str(args.iou), "--max-det", str(args.max_det)]
    cmd += ["--half"] if args.half else []
    proc = subprocess.run(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise UserError(f"baseline {args.model} failed in its child process (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def child_main(args: argparse.Namespace) -> int:
    """Inside the child: build the baseline with ultralytics, run the same `detect` loop, write the JSON."""
    from baselines.build import attention_kind, build, first_tensor
    from baselines.names import lookup
    from baselines.post import post_for

    device, dtype = parse_device(args.device), torch.float16 if args.half else torch.float32
    baseline = lookup(args.model)
    model = build(args.model, args.weights)
    if hasattr(model, "fuse"):
        model = model.fuse(verbose=False)
    model = model.to(device=device, dtype=dtype).eval()
    data = open_dataset(args.data, args.split)
    check_classes(len(model.names), data)
    cfg = NmsConfig(conf=args.conf, iou=args.iou, max_det=args.max_det, multi_label=True)
    dets = detect(model, first_tensor, post_for(baseline.family, (args.imgsz, args.imgsz)), data, imgsz=args.imgsz,
                  batch=args.batch, device=device, dtype=dtype, cfg=cfg, workers=args.workers)
    write_atomic(Path(args.child), json.dumps(dets))
    from importlib.metadata import version

    print(json.dumps({"family": baseline.family, "scale": baseline.scale, "attn": attention_kind(args.model),
                      "impl": f"ultralytics-{version('ultralytics')}"}))
    return 0


# ---- records --------------------------------------------------------------------------------------------------

def check_classes(nc: int, data: DetectionSet) -> None:
    if nc != data.nc:
        raise UserError(f"the model predicts {nc} classes but {data.source} has {data.nc}; evaluate on a dataset "
                        "with the model's classes")


def git_sha() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO, capture_output=True, text=True)
    except OSError:
        return "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                           capture_output=True, text=True).stdout.strip()
    return (out.stdout.strip() or "unknown") + ("-dirty" if dirty else "")


def score(data: DetectionSet, dets: list) -> tuple[dict, dict]:
    """(pycocotools metrics, faster-coco-eval metrics) of `dets`."""
    try:
        ref = coco_eval.evaluate(data.coco_gt, dets, "pycocotools")
        fast = coco_eval.evaluate(data.coco_gt, dets, "faster-coco-eval")
    except coco_eval.DetectionsError as err:
        raise UserError(f"detections do not fit {data.source}: {err}") from None
    return ref, fast


def protocol(args: argparse.Namespace, data: DetectionSet) -> str:
    if args.detections:
        return f"external detections evaluated as given; category ids as in the file; split {args.split}"
    return (f"square letterbox {args.imgsz}; conf {args.conf}; iou {args.iou}; max_det {args.max_det}; "
            f"multi-label NMS; category map {data.category_map}; split {args.split}; boxes 1e-3 px, scores 1e-5")


def metric_fields(ref: dict, fast: dict, data: DetectionSet) -> dict:
    return {**{k: round(ref[k], 6) for k in coco_eval.RECORD_METRICS},
            "eval_tool": coco_eval.tool_version("pycocotools"),
            "eval_crosscheck": f"{coco_eval.tool_version('faster-coco-eval')} max_abs_diff="
                               f"{coco_eval.crosscheck(ref, fast):.2e} map50_95={fast['map50_95']:.6f}",
            "dataset": data.source, "images": len(data)}


def base_record(args: argparse.Namespace, argv: list[str]) -> dict:
    return {"kind": "accuracy", "run_id": new_run_id(), "timestamp_utc": utc_now(), "suite_git_sha": git_sha(),
            "command": "python -m bench.accuracy " + shlex.join(argv), "conf": args.conf, "iou": args.iou,
            "max_det": args.max_det, "imgsz": args.imgsz, "batch": args.batch, "threads": torch.get_num_threads()}


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


# ---- CLI ------------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.accuracy", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--model", help="our model (yolov12-n ... yolov12-turbo-x) or a baseline (yolo11-n, rtdetr-l, ...); "
                   "with --detections only a label for the record")
    p.add_argument("--weights", help="checkpoint file: ours, Ultralytics' or the official repo's .pt")
    p.add_argument("--data", required=True, help=f"dataset: {ACCEPTED}")
    p.add_argument("--detections", help="evaluate this COCO result JSON (made elsewhere) instead of running a model")
    p.add_argument("--split", default="val", help="split of a YOLO data YAML (default val)")
    p.add_argument("--imgsz", type=int, default=640, help="square letterbox side, multiple of 32 (default 640)")
    p.add_argument("--batch", type=int, default=16, help="images per forward (default 16)")
    p.add_argument("--half", action="store_true", help="fp16 weights and activations (CUDA only; default fp32, "
                   "TF32 off)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                   help="cpu, cuda, cuda:N or N (default: cuda if available, else cpu)")
    p.add_argument("--attn", default="auto", help="attention backend for our models (default auto)")
    p.add_argument("--workers", type=int, default=2, help="image-loading worker processes (default 2)")
    p.add_argument("--conf", type=float, default=0.001, help="confidence threshold (protocol: 0.001)")
    p.add_argument("--iou", type=float, default=0.7, help="NMS IoU threshold (protocol: 0.7)")
    p.add_argument("--max-det", type=int, default=300, help="detections kept per image (protocol: 300)")
    p.add_argument("--save-json", help="also write the COCO result JSON of the detections here")
    p.add_argument("--out", default="results/accuracy.csv", help="records CSV to append to "
                   "(default results/accuracy.csv; a system.json is kept beside it)")
    p.add_argument("--child", help=argparse.SUPPRESS)  # internal: run a baseline and write detections here
    args = p.parse_args(argv)
    if args.detections is None and not (args.model and args.weights):
        p.error("give --model and --weights (to run a model) or --detections (to evaluate a file)")
    if args.imgsz <= 0 or args.imgsz % 32:
        p.error(f"--imgsz must be a positive multiple of 32, got {args.imgsz}")
    if args.batch < 1 or args.workers < 0 or args.max_det < 1 or not 0 <= args.conf < 1 or not 0 < args.iou <= 1:
        p.error("--batch and --max-det must be >= 1, --workers >= 0, 0 <= --conf < 1, 0 < --iou <= 1")
    return args


def run_model(args: argparse.Namespace, data: DetectionSet, record: dict) -> list:
    """Detections of --model on `data`; fills the record's model/device fields."""
    from baselines.names import BASELINES
    from yolov12.model import list_models

    device = parse_device(args.device)
    if args.half and device == "cpu":
        raise UserError("--half (fp16) evaluation is not supported on cpu (fp16 convolutions there are slow or "
                        "missing in torch); use a CUDA --device or drop --half for fp32")
    if not Path(args.weights).is_file():
        raise UserError(f"not measured: no weights at {args.weights}")
    dtype = torch.float16 if args.half else torch.float32
    from yolov12.weights import sha256

    record.update(device=device, device_name=torch.cuda.get_device_name(device) if device != "cpu" else "cpu",
                  precision="fp16" if args.half else "fp32", tf32="off", mode="eager", fused=True,
                  channels_last=False, weights=args.weights, weights_sha256=sha256(args.weights), model=args.model)
    if args.model in list_models():
        subject = load_ours(args.model, args.weights, args.attn, device, dtype)
        check_classes(subject.model.nc, data)
        record.update(family="yolov12", scale=subject.model.row.scale, variant=subject.model.row.variant.value,
                      impl="ours", attn_asked=args.attn, attn_observed=subject.attn_observed)
        cfg = NmsConfig(conf=args.conf, iou=args.iou, max_det=args.max_det, multi_label=True)
        from bench.precision import fp32_mode

        with fp32_mode("fp32"):
            return detect(subject.model, subject.head, subject.post, data, imgsz=args.imgsz, batch=args.batch,
                          device=device, dtype=dtype, cfg=cfg, workers=args.workers)
    if args.model in BASELINES:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "detections.json"
            facts = baseline_detections(args, out)
            dets = json.loads(out.read_text())
        record.update(family=facts["family"], scale=facts["scale"], impl=facts["impl"], attn_asked="n/a",
                      attn_observed=facts["attn"])
        return dets
    raise UserError(f"unknown model {args.model!r}; accepted: {', '.join(list_models() + list(BASELINES))}")


@cli
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.child:
        return child_main(args)
    data = open_dataset(args.data, args.split)
    record = base_record(args, argv)
    start = time.perf_counter()
    if args.detections:
        dets = read_detections(args.detections)
        from yolov12.weights import sha256

        record.update(model=args.model or "external", impl="external", weights=args.detections,
                      weights_sha256=sha256(args.detections), imgsz="", batch="", conf="", iou="",
                      max_det="")
    else:
        dets = run_model(args, data, record)
    ref, fast = score(data, dets)
    record.update(metric_fields(ref, fast, data), duration_s=round(time.perf_counter() - start, 3), status="ok",
                  detail=f"protocol: {protocol(args, data)}; detections {len(dets)}", validity="ok")
    if args.save_json:
        write_atomic(Path(args.save_json), json.dumps(dets))
    with RecordWriter(args.out) as writer:
        writer.write(record)
    write_system_json(args.out, record["run_id"], collect(record.get("device", "cpu"), torch.get_num_threads(),
                                                          record["command"]))
    print(" ".join(f"{k}={ref[k]:.4f}" for k in coco_eval.RECORD_METRICS)
          + f" | faster-coco-eval diff {coco_eval.crosscheck(ref, fast):.1e} | {len(data)} images -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

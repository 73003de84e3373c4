"""bench.accuracy and yolov12.evaluate against outside truths: pycocotools computed here directly, faster-coco-eval,
and Ultralytics' own validator (same weights, same images -> the same COCO JSON detections). The Ultralytics run
happens in a child process: importing ultralytics patches torch.save and reads settings process-wide."""

from __future__ import annotations

import collections
import copy
import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from bench import accuracy
from bench.records import read_records
from yolov12 import evaluate as coco_eval
from yolov12.data import load_dataset
from yolov12.data.synth import SynthConfig, generate

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, 2, 6, seed=3, cfg=SynthConfig(imgsz=160))
    return out


def perfect(gt: dict) -> list[dict]:
    return [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": list(a["bbox"]), "score": 1.0}
            for a in gt["annotations"]]


def perturbed(gt: dict, seed: int = 0) -> list[dict]:
    """Jittered boxes with random scores, some wrong classes, some dropped, plus false positives."""
    rng = np.random.default_rng(seed)
    out = []
    for d in perfect(gt):
        if rng.random() < 0.1:
            continue
        x, y, w, h = d["bbox"]
        box = [x + rng.normal(0, 0.08 * w), y + rng.normal(0, 0.08 * h), w * rng.uniform(0.8, 1.2),
               h * rng.uniform(0.8, 1.2)]
        cat = d["category_id"] if rng.random() > 0.1 else int(rng.integers(1, 9))
        out.append({**d, "bbox": box, "category_id": cat, "score": float(rng.random())})
    for im in gt["images"]:
        for _ in range(5):
            out.append({"image_id": im["id"], "category_id": int(rng.integers(1, 9)), "score": float(rng.random()) / 2,
                        "bbox": [float(v) for v in rng.uniform(0, 60, 4)]})
    return out


def pycocotools_direct(gt: dict, dets: list[dict]) -> list[float]:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    coco = COCO()
    coco.dataset = copy.deepcopy(gt)
    coco.createIndex()
    ev = COCOeval(coco, coco.loadRes(copy.deepcopy(dets)), "bbox")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return [float(s) for s in ev.stats]


def test_perfect_detections_score_one(synth):
    gt = load_dataset(synth / "data.yaml").coco_gt
    for tool in coco_eval.TOOLS:
        m = coco_eval.evaluate(gt, perfect(gt), tool)
        assert m["map50_95"] == m["map50"] == m["map75"] == m["ar100"] == 1.0, tool


def test_perturbed_matches_pycocotools_and_faster(synth):
    gt = load_dataset(synth / "data.yaml").coco_gt
    dets = perturbed(gt)
    ours = coco_eval.evaluate(gt, dets, "pycocotools")
    assert list(ours.values()) == pycocotools_direct(gt, dets)
    assert 0.1 < ours["map50_95"] < 0.9
    fast = coco_eval.evaluate(gt, dets, "faster-coco-eval")
    assert coco_eval.crosscheck(ours, fast) < 1e-6


def test_cli_detections_record(synth, tmp_path, capsys):
    data = load_dataset(synth / "annotations" / "instances_val.json")
    dets = perturbed(data.coco_gt, seed=1)
    (tmp_path / "d.json").write_text(json.dumps(dets))
    out = tmp_path / "r.csv"
    argv = ["--detections", str(tmp_path / "d.json"), "--data", str(synth / "annotations" / "instances_val.json"),
            "--out", str(out), "--model", "someone-elses"]
    assert accuracy.main(argv) == 0
    (rec,) = read_records(out)
    expect = pycocotools_direct(data.coco_gt, dets)
    for name, value in zip(coco_eval.RECORD_METRICS, expect[:9], strict=True):
        assert float(rec[name]) == pytest.approx(value, abs=5e-7), name
    assert rec["kind"] == "accuracy" and rec["status"] == "ok" and rec["images"] == "6"
    assert rec["eval_tool"].startswith("pycocotools-") and rec["eval_crosscheck"].startswith("faster-coco-eval-")
    assert float(rec["eval_crosscheck"].split("max_abs_diff=")[1].split()[0]) < 1e-6
    assert rec["model"] == "someone-elses" and rec["impl"] == "external" and rec["protocol"] == "external"
    assert (tmp_path / "system.json").is_file()


def test_our_model_end_to_end(synth, tmp_path):
    from yolov12.model import create_model
    from yolov12.weights import save_model

    torch.manual_seed(0)
    save_model(create_model("yolov12-n", nc=8), tmp_path / "n.pt")
    argv = ["--model", "yolov12-n", "--weights", str(tmp_path / "n.pt"), "--data", str(synth / "data.yaml"),
            "--imgsz", "160", "--batch", "4", "--workers", "0", "--device", "cpu", "--out", str(tmp_path / "r.csv"),
            "--save-json", str(tmp_path / "d.json")]
    assert accuracy.main(argv) == 0
    (rec,) = read_records(tmp_path / "r.csv")
    assert (rec["model"], rec["impl"], rec["precision"], rec["imgsz"], rec["conf"], rec["iou"], rec["max_det"]) == \
        ("yolov12-n", "ours", "fp32", "160", "0.001", "0.7", "300")
    assert "multi-label NMS" in rec["detail"] and "category map yolo class+1" in rec["detail"]
    assert (rec["protocol"], rec["letterbox"], rec["batch"]) == ("rect", "rect stride 32 pad 0.5", "4")
    assert "rect (Ultralytics validator, rect=True)" in rec["detail"] and rec["map50_95_ultralytics"] == ""
    dets = json.loads((tmp_path / "d.json").read_text())
    assert dets and all(d["category_id"] in range(1, 9) for d in dets)
    assert max(collections.Counter(d["image_id"] for d in dets).values()) <= 300


@pytest.mark.parametrize("extra, expect", [
    (["--data", "/nonexistent/coco"], "not measured: no COCO or YOLO dataset at /nonexistent/coco"),
    (["--weights", "/nonexistent.pt"], "not measured: no weights file at /nonexistent.pt"),
    (["--model", "yolov99-z"], "unknown model 'yolov99-z'"),
    (["--half"], "--half (fp16) evaluation is not supported on cpu"),
    (["--device", "tpu"], "unknown device 'tpu'"),
    (["--protocol", "letterbox"], "unknown --protocol 'letterbox'; accepted: rect, square"),
])
def test_cli_user_errors(synth, tmp_path, capsys, extra, expect):
    weights = tmp_path / "w.pt"
    weights.write_bytes(b"x")
    argv = ["--model", "yolov12-n", "--weights", str(weights), "--data", str(synth / "data.yaml"), "--device", "cpu",
            "--out", str(tmp_path / "r.csv"), *extra]
    assert accuracy.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert expect in err and len(err.splitlines()) == 1
    assert not (tmp_path / "r.csv").exists()


def test_cli_bad_detections(synth, tmp_path, capsys):
    (tmp_path / "d.json").write_text(json.dumps([{"image_id": 999, "category_id": 1, "bbox": [0, 0, 1, 1],
                                                  "score": 0.5}]))
    argv = ["--detections", str(tmp_path / "d.json"), "--data", str(synth / "data.yaml"), "--out",
            str(tmp_path / "r.csv")]
    assert accuracy.main(argv) == 2
    assert "image_id 999, not in the ground truth" in capsys.readouterr().err
    assert not (tmp_path / "r.csv").exists()


def test_cli_requires_model_or_detections(synth, capsys):
    assert accuracy.main(["--data", str(synth / "data.yaml")]) == 2
    assert "--detections" in capsys.readouterr().err


ULTRALYTICS_VAL = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    import torch
    from ultralytics import YOLO
    from ultralytics.nn.tasks import DetectionModel

    data, out, imgsz = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    torch.manual_seed(0)
    model = DetectionModel("yolo12n.yaml", nc=8, verbose=False)
    for m in model.modules():  # varied batch-norm affine and statistics: diverse scores; fusing is exercised
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data.uniform_(1.0, 3.0)
            m.bias.data.normal_(0, 0.3)
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    for seq in model.model[-1].cv3:  # class scores spread over about 1e-5 .. 0.99
        seq[-1].weight.data.normal_(0, 2.0)
        seq[-1].bias.data.normal_(-5.0, 1.0)
    torch.save({"model": model.half(), "train_args": {}}, out / "u.pt")
    res = YOLO(str(out / "u.pt")).val(data=data, save_json=True, conf=0.001, iou=0.7, imgsz=imgsz, rect=False,
                                      batch=4, device="cpu", half=False, plots=False, project=str(out), name="val",
                                      exist_ok=True, verbose=False)
    print(json.dumps({"json": str(Path(res.save_dir) / "predictions.json")}))
""")


def match_fraction(ours: list[dict], theirs: list[dict], box_tol: float, score_tol: float) -> float:
    """Fraction of our detections with a counterpart (same image and category, box and score within tolerance)."""
    by_key = collections.defaultdict(list)
    for d in theirs:
        by_key[d["image_id"], d["category_id"]].append(d["bbox"] + [d["score"]])
    matched = 0
    for d in ours:
        cand = np.asarray(by_key.get((d["image_id"], d["category_id"]), []), dtype=float).reshape(-1, 5)
        diff = np.abs(cand - np.asarray(d["bbox"] + [d["score"]]))
        matched += bool(((diff[:, :4].max(1) <= box_tol) & (diff[:, 4] <= score_tol)).any())
    return matched / max(len(ours), 1)


@pytest.mark.slow
def test_same_json_as_ultralytics_validator(tmp_path_factory):
    """Ultralytics' DetectionValidator (rect=False: square canvases, multi-label NMS, conf 0.001, IoU 0.7, 300)
    and bench.accuracy --protocol square on the same (random, perturbed) weights and images write the same
    detections. tests/test_protocol.py does the same with a trained model, resized images and both protocols."""
    from yolov12.offline import prepare

    root = tmp_path_factory.mktemp("ultra")
    generate(root / "data", 2, 6, seed=5, cfg=SynthConfig(imgsz=160))
    env = {**os.environ, **prepare(root / "cache")}
    proc = subprocess.run([sys.executable, "-c", ULTRALYTICS_VAL, str(root / "data" / "data.yaml"), str(root), "160"],
                          env=env, cwd=root, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    theirs = json.loads(Path(json.loads(proc.stdout.strip().splitlines()[-1])["json"]).read_text())
    argv = ["--model", "yolov12-n", "--weights", str(root / "u.pt"), "--data", str(root / "data" / "data.yaml"),
            "--imgsz", "160", "--batch", "4", "--workers", "0", "--device", "cpu", "--out", str(root / "r.csv"),
            "--save-json", str(root / "ours.json"), "--protocol", "square"]
    assert accuracy.main(argv) == 0
    ours = json.loads((root / "ours.json").read_text())
    assert len(ours) == len(theirs) > 1000
    assert collections.Counter(d["image_id"] for d in ours) == collections.Counter(d["image_id"] for d in theirs)
    # boxes are rounded to 1e-3 px and scores to 1e-5 by both writers
    assert match_fraction(ours, theirs, 2e-3, 2e-5) == 1.0
    assert match_fraction(theirs, ours, 2e-3, 2e-5) == 1.0
    gt = load_dataset(root / "data" / "data.yaml").coco_gt
    theirs = [{k: v for k, v in d.items() if k != "file_name"} for d in theirs]
    assert coco_eval.evaluate(gt, ours) == pytest.approx(coco_eval.evaluate(gt, theirs), abs=1e-4)


def test_default_max_det_is_raised_as_the_validator_does(synth):
    data = load_dataset(synth / "data.yaml")
    crowded = dict(data.coco_gt)
    crowded["annotations"] = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "iscrowd": 0}] * 301 + \
        [{"image_id": 2, "category_id": 1, "bbox": [0, 0, 1, 1], "iscrowd": 1}] * 400  # crowd boxes do not count
    busy = dataclasses.replace(data, coco_gt=crowded)
    assert accuracy.validator_max_det(300, busy) == 301  # the default is raised to the most objects in one image
    assert accuracy.validator_max_det(299, busy) == 299  # a value the user chose is kept
    assert accuracy.validator_max_det(300, data) == 300

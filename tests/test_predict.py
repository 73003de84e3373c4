"""`python -m yolov12.predict` end to end on a real photograph shipped with ultralytics, and its errors."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

import yolov12
from tests.test_model import perturb_bn

BUS = Path(importlib.util.find_spec("ultralytics").origin).parent / "assets" / "bus.jpg"


def predict(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "yolov12.predict", *args], capture_output=True, text=True,
                          timeout=300)


def test_predict_bus(tmp_path):
    model = yolov12.create_model("yolov12-n").eval()
    perturb_bn(model)
    for seq in model.model[-1].cv3:  # class logits near 0, so that there are detections to check
        seq[-1].bias.data.zero_()
    weights = yolov12.save_model(model, tmp_path / "n.pt")
    out = tmp_path / "out"
    run = predict("--weights", str(weights), "--source", str(BUS), "--out", str(out), "--conf", "0.001",
                  "--imgsz", "320")
    assert run.returncode == 0, run.stderr
    report = json.loads((out / "detections.json").read_text())
    (image,) = report["images"]
    assert (image["height"], image["width"]) == cv2.imread(str(BUS)).shape[:2] == (1080, 810)
    assert report["model"] == "yolov12-n" and report["conf"] == 0.001 and image["detections"]
    for det in image["detections"]:
        x1, y1, x2, y2 = det["box_xyxy"]
        assert 0 <= x1 <= x2 <= 810 and 0 <= y1 <= y2 <= 1080 and det["score"] >= 0.001
    annotated = cv2.imread(str(out / "bus.jpg"))
    assert annotated.shape == (1080, 810, 3)


def test_random_weights_are_announced(tmp_path):
    run = predict("--model", "yolov12-n", "--source", str(BUS), "--out", str(tmp_path / "o"), "--imgsz", "160")
    assert run.returncode == 0, run.stderr
    assert "RANDOM weights" in run.stderr
    assert json.loads((tmp_path / "o" / "detections.json").read_text())["weights"] == "random"


@pytest.mark.parametrize("args, message", [
    (["--model", "yolov12-q"], "unknown model 'yolov12-q'"),
    (["--model", "yolov12-n", "--device", "cuda:0"], "CUDA is not available"),
    (["--model", "yolov12-n", "--device", "tpu"], "unknown device 'tpu'"),
    (["--weights", "missing.pt"], "checkpoint not found"),
    (["--model", "yolov12-n", "--imgsz", "100"], "multiples of 32"),
])
def test_user_errors_exit_2_and_write_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    run = predict(*args, "--source", str(BUS), "--out", str(out))
    assert run.returncode == 2 and message in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_unreadable_image_and_missing_source(tmp_path):
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs" / "a.jpg").write_bytes(b"garbage")
    out = tmp_path / "out"
    run = predict("--model", "yolov12-n", "--source", str(tmp_path / "imgs"), "--out", str(out), "--imgsz", "64")
    assert run.returncode == 2 and "a.jpg: not a JPG image" in run.stderr and not out.exists()
    run = predict("--model", "yolov12-n", "--source", str(tmp_path / "nope.jpg"), "--out", str(out))
    assert run.returncode == 2 and "source not found" in run.stderr

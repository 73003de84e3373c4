"""bench.accuracy --mode evaluates the checked runtime artifact: the same detections and mAP as eager PyTorch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from baselines.child import ROOT, child_env
from bench import accuracy, exports
from bench.inputs import letterboxed, photographs
from bench.records import read_records
from bench.runtimes import DEPLOYED
from tests.lsuv import spread_convs
from tests.test_accuracy import match_fraction
from yolov12.data.synth import SynthConfig, generate

MAP_TOL = 0.002  # mAP (fraction); detections match within 0.1 px, so mAP may move only by score ties
BOX_TOL, SCORE_TOL = 0.1, 2e-3  # the widest runtime tolerance (openvino), in original-image px and score


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from yolov12.model import create_model
    from yolov12.weights import save_model

    out = tmp_path_factory.mktemp("acc_rt")
    generate(out / "synth", 2, 5, seed=4, cfg=SynthConfig(imgsz=160))
    torch.manual_seed(0)
    model = create_model("yolov12-n", nc=8).eval()
    spread_convs(model, letterboxed(photographs(1), 160)[0])  # outputs that depend on the image
    save_model(model, out / "n.pt")
    return out


BASELINE = """
import sys, torch
from ultralytics.nn.tasks import DetectionModel
from baselines.names import lookup
from bench.inputs import letterboxed, photographs
from tests.lsuv import spread_convs
torch.manual_seed(0)
model = DetectionModel(lookup(sys.argv[1]).yaml, nc=8, verbose=False).eval()
spread_convs(model, letterboxed(photographs(1), 160)[0])
torch.save({"model": model, "train_args": {}}, sys.argv[2])
"""


def _run(setup, mode: str, tmp_path, model: str = "yolov12-n") -> tuple[dict, list]:
    weights = setup / "n.pt" if model == "yolov12-n" else setup / f"{model}.pt"
    if not weights.exists():
        subprocess.run([sys.executable, "-c", BASELINE, model, str(weights)], env=child_env(setup / "cfg"),
                       cwd=str(ROOT), check=True)
    argv = ["--model", model, "--weights", str(weights), "--data", str(setup / "synth" / "data.yaml"),
            "--imgsz", "160", "--batch", "4", "--workers", "0", "--device", "cpu", "--mode", mode,
            "--protocol", "square",  # a static export's protocol; eager is compared under the same one
            "--out", str(tmp_path / "r.csv"), "--save-json", str(tmp_path / f"{mode}.json")]
    assert accuracy.main(argv) == 0
    return read_records(tmp_path / "r.csv")[-1], json.loads((tmp_path / f"{mode}.json").read_text())


def _same(eager: tuple[dict, list], runtime: tuple[dict, list], mode: str) -> None:
    (eager, eager_dets), (rec, dets) = eager, runtime
    assert rec["mode"] == mode and eager["mode"] == "eager"
    assert f"runtime {mode}" in rec["detail"] and "static input (4, 3, 160, 160)" in rec["detail"]
    assert float(rec["export_max_diff"]) <= 0.1
    assert len(eager_dets) > 20 and abs(len(dets) - len(eager_dets)) <= 0.01 * len(eager_dets)
    # random weights: many identical clipped boxes with scores tied within float noise, so NMS may keep another of
    # the tied ones and the 300-per-image cut may trade rows; all else must match
    assert match_fraction(dets, eager_dets, BOX_TOL, SCORE_TOL) >= 0.95
    assert abs(float(rec["map50_95"]) - float(eager["map50_95"])) <= MAP_TOL


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["onnxruntime", "openvino"])
def test_runtime_map_equals_eager(setup, mode, tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "cache_root", lambda: tmp_path / "exports")
    _same(_run(setup, "eager", tmp_path), _run(setup, mode, tmp_path), mode)


@pytest.mark.slow
def test_baseline_runtime_map_equals_eager(setup, tmp_path, offline_env):
    """A baseline exported by Ultralytics' exporter, evaluated in the worker. (An NMS-free head's top-k is not
    comparable image by image on random weights: its scores saturate to ties on some images, so the NMS-free
    families' check is tests/test_runtimes.py's set comparison.)"""
    _same(_run(setup, "eager", tmp_path, "yolo11-n"), _run(setup, "openvino", tmp_path, "yolo11-n"), "openvino")


@pytest.mark.slow
def test_trained_model_map_in_each_runtime_equals_eager(tmp_path_factory, monkeypatch):
    """A YOLO12-n trained on the synthetic set (Ultralytics' trainer, a few epochs: it detects something), read by our
    safe loader as yolov12-n, scored on the mixed-aspect validation photographs: each runtime's artifact gives eager's
    mAP50-95 within MAP_TOL under the same (square, batch 4) protocol."""
    from tests.test_protocol import EPOCHS, IMGSZ, child, parity_set

    root = tmp_path_factory.mktemp("acc_rt_trained")
    monkeypatch.setattr(exports, "cache_root", lambda: root / "exports")
    yaml = parity_set(root / "data")
    weights = child(["train", str(yaml), str(root), str(EPOCHS), "160"], root)["weights"]
    maps = {}
    for mode in ("eager", *DEPLOYED):
        out = root / mode
        argv = ["--model", "yolov12-n", "--weights", weights, "--data", str(yaml), "--imgsz", str(IMGSZ),
                "--batch", "4", "--protocol", "square", "--workers", "0", "--device", "cpu", "--mode", mode,
                "--out", str(out / "r.csv")]
        assert accuracy.main(argv) == 0
        maps[mode] = float(read_records(out / "r.csv")[-1]["map50_95"])
    print("mAP50-95 by runtime:", maps)
    assert maps["eager"] > 0.01  # a trained model, not noise
    for mode, value in maps.items():
        assert value == pytest.approx(maps["eager"], abs=MAP_TOL), mode

"""bench.accuracy --mode evaluates the checked runtime artifact: the same detections and mAP as eager PyTorch."""

from __future__ import annotations

import json

import pytest
import torch

from bench import accuracy, exports
from bench.inputs import letterboxed, photographs
from bench.records import read_records
from tests.lsuv import spread_convs
from tests.test_accuracy import match_fraction
from yolov12.data.synth import SynthConfig, generate

MAP_TOL = 0.002  # mAP points (fraction); detections match within 0.1 px, so mAP may move only by score ties
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


def _run(setup, mode: str, tmp_path) -> tuple[dict, list]:
    argv = ["--model", "yolov12-n", "--weights", str(setup / "n.pt"), "--data", str(setup / "synth" / "data.yaml"),
            "--imgsz", "160", "--batch", "4", "--workers", "0", "--device", "cpu", "--mode", mode,
            "--out", str(tmp_path / "r.csv"), "--save-json", str(tmp_path / f"{mode}.json")]
    assert accuracy.main(argv) == 0
    return read_records(tmp_path / "r.csv")[-1], json.loads((tmp_path / f"{mode}.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["onnxruntime", "openvino"])
def test_runtime_map_equals_eager(setup, mode, tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "cache_root", lambda: tmp_path / "exports")
    eager, eager_dets = _run(setup, "eager", tmp_path)
    rec, dets = _run(setup, mode, tmp_path)
    assert rec["mode"] == mode and eager["mode"] == "eager"
    assert f"runtime {mode}" in rec["detail"] and "static input (4, 3, 160, 160)" in rec["detail"]
    assert float(rec["export_max_diff"]) <= 0.1
    assert len(eager_dets) > 20 and abs(len(dets) - len(eager_dets)) <= 0.01 * len(eager_dets)
    assert match_fraction(dets, eager_dets, BOX_TOL, SCORE_TOL) >= 0.99
    assert abs(float(rec["map50_95"]) - float(eager["map50_95"])) <= MAP_TOL

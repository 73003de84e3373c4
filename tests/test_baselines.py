"""Baselines: names -> configs, the child-process protocol, and params against ultralytics-offline.md's table."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
import torch

from baselines.names import BASELINES, FAMILIES, lookup
from baselines.post import rtdetr_rows, topk_rows
from yolov12.offline import prepare
from yolov12.postprocess import NmsConfig

# (params as built, fused params) from ultralytics-offline.md section 3 (ultralytics 8.4.190).
EXPECTED = {"yolov8-n": (3_157_200, 3_151_904), "yolo11-n": (2_624_080, 2_616_248),
            "yolo12-n": (2_602_288, 2_590_824)}


def test_every_name_has_a_config():
    root = Path(importlib.util.find_spec("ultralytics").submodule_search_locations[0]) / "cfg" / "models"
    shipped = {p.name for p in root.rglob("*.yaml")}
    assert len(BASELINES) == 5 + 5 + 6 + 5 + 4 + 5 + 6
    assert set(FAMILIES) == {"yolov8", "yolov9", "yolov10", "yolo11", "yolov6-3.0", "yolo12", "rtdetr"}
    for b in BASELINES.values():
        path = Path(b.yaml)
        if path.is_absolute():
            assert path.exists(), b
        else:  # the scale letter picks the row of the family file (yolov8n.yaml -> yolov8.yaml)
            assert b.yaml in shipped or b.yaml.replace(b.scale + ".yaml", ".yaml") in shipped, b


def test_unknown_baseline():
    with pytest.raises(ValueError, match="accepted"):
        lookup("yolov8-q")


def test_offline_prepare(tmp_path):
    env = prepare(tmp_path)
    fonts = Path(env["YOLO_CONFIG_DIR"]) / "Ultralytics"
    assert (fonts / "Arial.ttf").stat().st_size > 10_000 and (fonts / "Arial.Unicode.ttf").exists()
    assert env["YOLO_OFFLINE"] == "1" and env["YOLO_AUTOINSTALL"] == "0"


@pytest.mark.parametrize("name", list(EXPECTED))
def test_params_in_child_match_table(worker, name):
    got = worker.call({"op": "params", "name": name})
    assert (got["params"], got["params_fused"]) == EXPECTED[name]
    assert "ultralytics" not in sys.modules  # the test process never imported it


def test_rtdetr_r18_builds_near_official_size(worker):
    got = worker.call({"op": "params", "name": "rtdetr-r18"})
    assert 19.0e6 < got["params"] < 21.0e6  # official RT-DETR-R18: 20 M


def test_worker_reports_errors_and_survives(worker):
    from baselines.child import WorkerError

    with pytest.raises(WorkerError, match="unknown baseline"):
        worker.call({"op": "params", "name": "nope"})
    assert worker.call({"op": "ping"})["pid"] > 0


def test_end_to_end_post():
    cfg = NmsConfig(conf=0.5, max_det=2)
    pred = torch.tensor([[[0, 0, 10, 10, 0.9, 1], [0, 0, 5, 5, 0.4, 2], [1, 1, 4, 4, 0.8, 0], [2, 2, 3, 3, 0.7, 0]]])
    assert topk_rows(pred, cfg)[0][:, 4].tolist() == pytest.approx([0.9, 0.8])
    det = rtdetr_rows(torch.tensor([[[0.5, 0.5, 0.5, 0.25, 0.9, 3.0]]]), cfg, (64, 128))[0]
    assert det[0, :4].tolist() == pytest.approx([32, 24, 96, 40]) and det[0, 5] == 3

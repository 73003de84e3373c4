"""Baselines: names -> configs, the child-process protocol, and params against ultralytics-offline.md's table."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from baselines.names import BASELINES, FAMILIES, lookup
from baselines.post import post_for, rtdetr_rows, topk_rows
from yolov12.offline import prepare
from yolov12.postprocess import NmsConfig

ROOT = Path(__file__).resolve().parent.parent

# (params as built, fused params) from ultralytics-offline.md section 3 (ultralytics 8.4.190).
EXPECTED = {"yolov8-n": (3_157_200, 3_151_904), "yolo11-n": (2_624_080, 2_616_248),
            "yolo12-n": (2_602_288, 2_590_824)}


def test_every_name_has_a_config():
    root = Path(importlib.util.find_spec("ultralytics").submodule_search_locations[0]) / "cfg" / "models"
    shipped = {p.name for p in root.rglob("*.yaml")}
    assert len(BASELINES) == 5 + 5 + 6 + 5 + 4 + 5 + 5 + 6
    assert set(FAMILIES) == {"yolov8", "yolov9", "yolov10", "yolo11", "yolov6-3.0", "yolo12", "yolo26", "rtdetr"}
    assert [b.name for b in BASELINES.values() if b.family == "yolo26"] == [f"yolo26-{s}" for s in "nsmlx"]
    assert {b.family for b in BASELINES.values() if b.end2end} == {"yolov10", "yolo26", "rtdetr"}
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


def test_yolo26_n_fused_size_is_ultralytics_published(worker):
    got = worker.call({"op": "params", "name": "yolo26-n"})
    assert got["params"] == 2_572_280  # both heads, as the YAML's summary line says
    assert abs(got["params_fused"] / 2.4e6 - 1) < 0.01  # docs: 2.4 M, fused (one-to-many head removed)


def test_yolo26_n_flops_in_child(worker):
    got = worker.call({"op": "flops", "name": "yolo26-n", "imgsz": 640})
    assert round(got["gflops_paper"], 1) == 5.4  # docs: 5.4 B (fused); attention products come on top in total
    assert got["gflops_total"] > got["gflops_paper"] and "agree:conv=yes" in got["flops_counters"]


_HEADS = """
import json, sys, torch
from baselines import build
from baselines.names import lookup
from baselines.post import post_for
from yolov12.postprocess import NmsConfig
out = {}
for name in sys.argv[1:]:
    model = build.build(name).fuse(verbose=False)
    with torch.no_grad():
        pred = build.first_tensor(model(torch.rand(2, 3, 256, 320)))
    rows = post_for(lookup(name).family, (256, 320))(pred, NmsConfig(conf=0.0, max_det=300))
    out[name] = {"shape": list(pred.shape), "rows": [list(r.shape) for r in rows],
                 "sorted": bool((pred[..., 4].diff(dim=1) <= 0).all())}
print(json.dumps(out))
"""


def test_one_to_one_heads_are_selected_in_child(offline_env, tmp_path):
    """YOLOv10 and YOLO26 run their NMS-free head: (B, 300, 6) sorted by score, not (B, 84, anchors)."""
    from baselines.child import child_env

    proc = subprocess.run([sys.executable, "-c", _HEADS, "yolo26-n", "yolov10-n"], capture_output=True, text=True,
                          env=child_env(tmp_path), cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    for name in ("yolo26-n", "yolov10-n"):
        assert got[name] == {"shape": [2, 300, 6], "rows": [[300, 6], [300, 6]], "sorted": True}, name


def test_end_to_end_post_refuses_raw_maps():
    with pytest.raises(ValueError, match="one-to-many"):
        topk_rows(torch.zeros(1, 84, 8400), NmsConfig())
    assert post_for("yolo26", (640, 640)) is topk_rows and post_for("yolov10", (640, 640)) is topk_rows


def test_end_to_end_post():
    cfg = NmsConfig(conf=0.5, max_det=2)
    pred = torch.tensor([[[0, 0, 10, 10, 0.9, 1], [0, 0, 5, 5, 0.4, 2], [1, 1, 4, 4, 0.8, 0], [2, 2, 3, 3, 0.7, 0]]])
    assert topk_rows(pred, cfg)[0][:, 4].tolist() == pytest.approx([0.9, 0.8])
    det = post_for("yolo26", (640, 640))(pred, NmsConfig(conf=0.75))[0]  # YOLO26: the same confidence filter only
    assert torch.equal(det, pred[0, [0, 2]])
    det = rtdetr_rows(torch.tensor([[[0.5, 0.5, 0.5, 0.25, 0.9, 3.0]]]), cfg, (64, 128))[0]
    assert det[0, :4].tolist() == pytest.approx([32, 24, 96, 40]) and det[0, 5] == 3


def test_yolo26_family_resolves():
    from bench.config import all_families, parse, resolve

    assert [c.model for c in resolve(["yolo26"])] == [f"yolo26-{s}" for s in "nsmlx"]
    assert "yolo26" in all_families() and parse("yolo26-s").family == "yolo26" and not parse("yolo26-s").ours

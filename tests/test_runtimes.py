"""Runtimes as modes: each runtime's output is checked against eager PyTorch before it is timed (ours here, one
baseline of each kind in one worker), a wrong export is refused with an error row, and the export cache is used on a
rerun."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import pytest
import torch

from baselines.child import ROOT, Worker, child_env
from baselines.names import BASELINES
from bench import exports, measure, runtimes
from bench.case import Case
from bench.inputs import letterboxed, photographs
from bench.options import check_mode
from bench.subject import Subject, build_ours
from tests.lsuv import spread_convs
from yolov12.cli import UserError
from yolov12.postprocess import nms

DEPLOYED = runtimes.DEPLOYED


def _ours(shift: float = 0.0):
    """yolov12-n with seeded random weights spread so its output depends on the photograph; `shift` changes them."""
    subject = build_ours("yolov12-n", {}, attn="reference", device="cpu", dtype=torch.float32, fuse=True,
                         channels_last=False)
    spread_convs(subject.model, _x())
    if shift:
        with torch.no_grad():
            next(subject.model.parameters()).add_(shift)
    return subject


def _case(mode: str, **kw) -> Case:
    return Case(model="yolov12-n", attn="reference", mode=mode, imgsz=64, threads=1, warmup=0, min_iters=1,
                min_time_s=0.0, **kw)


def _x(imgsz: int = 64) -> torch.Tensor:
    return letterboxed(photographs(1), imgsz)[0]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One export cache for this module's tests (the wrong-export test reuses the first test's exports)."""
    root = tmp_path_factory.mktemp("cache") / "exports"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(exports, "cache_root", lambda: root)
        yield root


def test_dense_outputs_compared_elementwise():
    ref = torch.rand(1, 84, 50) * 64
    assert runtimes.compare("onnxruntime", ref, ref + 1e-4, nms)[:2] == pytest.approx((1e-4, 1e-4), rel=0.1)
    bad = ref.clone()
    bad[0, 2, 7] += 0.5  # one box edge off by half a pixel
    with pytest.raises(runtimes.ExportMismatchError, match="boxes 0.5 px"):
        runtimes.compare("onnxruntime", ref, bad, nms)
    with pytest.raises(runtimes.ExportMismatchError, match="shape"):
        runtimes.compare("openvino", ref, ref[:, :, :49], nms)


def test_final_detections_compared_as_sets():
    """Rows of (B, k, 6) outputs may swap where scores tie; a changed box is still refused."""
    g = torch.Generator().manual_seed(0)
    ref = torch.cat((torch.rand(1, 20, 4, generator=g) * 64, torch.rand(1, 20, 1, generator=g),
                     torch.randint(0, 3, (1, 20, 1), generator=g)), 2)
    swapped = ref[:, torch.randperm(20, generator=g)]
    rows = lambda pred, cfg: list(pred)  # noqa: E731  (already xyxy canvas pixels)
    # every row but the lowest-scored one (which may be traded at the top-k cut) is checked
    assert runtimes.compare("onnxruntime", ref, swapped, rows) == (0.0, 0.0, "detections as sets, box rows checked "
                                                                   "19/20")
    bad = swapped.clone()
    bad[0, int(swapped[0, :, 4].argmax()), 0] += 2.0  # the top-scored row: always checked
    with pytest.raises(runtimes.ExportMismatchError):
        runtimes.compare("onnxruntime", ref, bad, rows)


def test_missing_runtime_package_is_a_user_error(monkeypatch):
    real = runtimes.importlib.util.find_spec
    monkeypatch.setattr(runtimes.importlib.util, "find_spec", lambda n: None if n == "openvino" else real(n))
    with pytest.raises(UserError, match="openvino package"):
        check_mode("openvino", "cpu")
    check_mode("onnxruntime", "cpu")


@pytest.mark.slow
@pytest.mark.parametrize("mode", DEPLOYED)
def test_ours_matches_pytorch_and_the_cache_is_used(mode, cache):
    subject, x = _ours(), _x()
    calls = []
    subject.extra["exporter"] = lambda *a: calls.append(1) or exports.export_ours(*a)
    run, info = runtimes.deployed(subject, _case(mode), x)
    assert 0 <= info["export_max_diff"] <= runtimes.TOLERANCES[mode].box_px and "cache=new" in info["detail"]
    (key,) = [k for k in cache.glob("*/key.json") if json.loads(k.read_text())["mode"] == mode]
    stamp = key.stat().st_mtime_ns
    assert json.loads(key.read_text())["runtime"].startswith(exports.PACKAGES[mode])
    torch.testing.assert_close(run(x), subject.head(subject.model(x)), atol=0.05, rtol=0)
    _, again = runtimes.deployed(_ours(), _case(mode), x)  # same seeded random weights: a cache hit
    assert "cache=hit" in again["detail"] and len(calls) == 1 and key.stat().st_mtime_ns == stamp


@pytest.mark.slow
@pytest.mark.parametrize("mode", DEPLOYED)
def test_a_wrong_export_is_an_error_row_not_a_timed_one(mode, cache, monkeypatch):
    """A cached graph for another model (weights differ; the key is forced to the first model's) is refused and
    evicted."""
    digest = exports.state_digest(_ours().model)
    monkeypatch.setattr(exports, "state_digest", lambda model: digest)
    runtimes.deployed(_ours(), _case(mode), _x())  # a cache hit after the test above
    row = measure.measure(_ours(shift=0.5), _case(mode, timed="forward"))
    assert row["status"] == "error" and "latency_p50_ms" not in row, row
    assert "differs from PyTorch" in row["detail"] and "tolerance" in row["detail"]
    assert row["export_max_diff"] > runtimes.TOLERANCES[mode].box_px
    assert not [k for k in cache.glob("*/key.json") if json.loads(k.read_text())["mode"] == mode]  # evicted


def test_compile_is_checked_against_eager():
    """A small convolutional detector stand-in (dense (B, 4+nc, anchors) output), compiled and checked."""
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, 2, 1), torch.nn.SiLU(), torch.nn.Conv2d(8, 6, 1),
                                torch.nn.Flatten(2)).eval()
    subject = Subject(model, head=lambda y: y * 64, post=nms, attn_observed="none", params=0, params_fused=0)
    x = _x(32)
    run, info = runtimes.compiled(subject, _case("compile"), x)
    assert info["export_max_diff"] <= runtimes.TOLERANCES["compile"].box_px and "torch.compile" in info["detail"]
    torch.testing.assert_close(run(x), subject.head(model(x)), atol=1e-4, rtol=0)


KINDS = ["yolo11-n", "yolov10-n", "rtdetr-r18", *(["yolo26-n"] if "yolo26-n" in BASELINES else [])]


SPREAD = """
import sys, torch
from baselines import build
from bench.inputs import letterboxed, photographs
from tests.lsuv import spread_convs
x = letterboxed(photographs(1), int(sys.argv[1]))[0]
for name, path in zip(sys.argv[2::2], sys.argv[3::2]):
    model = build.build(name)
    spread_convs(model, x)
    torch.save({"model": model}, path)
"""


def _spread_checkpoints(names: list[str], imgsz: int, folder) -> dict[str, str]:
    """Ultralytics checkpoints of `names` with spread random weights, written by a child (ultralytics stays out)."""
    paths = {n: str(folder / f"{n}.pt") for n in names}
    subprocess.run([sys.executable, "-c", SPREAD, str(imgsz), *[a for kv in paths.items() for a in kv]],
                   env=child_env(folder / "cfg"), cwd=str(ROOT), check=True)
    return paths


@pytest.mark.slow
def test_baselines_exported_by_ultralytics_match_pytorch(offline_env, tmp_path):
    """One NMS-based, one NMS-free and one RT-DETR baseline (and YOLO26 when known), in both runtimes, timed end to
    end through their own post-processing, in one worker."""
    weights = _spread_checkpoints(KINDS, 160, tmp_path)
    with Worker("bench.worker") as worker:
        for name in KINDS:
            for mode in DEPLOYED:
                case = Case(model=name, attn="-", mode=mode, imgsz=160, timed="forward+post", threads=1, warmup=0,
                            min_iters=1, min_time_s=0.0, weights=weights[name])
                row = worker.call({"op": "latency", "case": case.to_dict()})
                assert row["status"] == "ok", (name, mode, row["detail"])
                assert math.isfinite(row["export_max_diff"]), (name, mode)
                assert row["export_max_diff"] <= runtimes.TOLERANCES[mode].box_px, (name, mode, row["detail"])
                assert "ultralytics==" in row["detail"] and row["attn_observed"].startswith(mode)
                checked = re.search(r"box rows checked (\d+)/(\d+)", row["detail"])
                assert checked or "dense outputs elementwise" in row["detail"], row["detail"]
                if checked:  # final detections: the box check saw nearly every row
                    assert int(checked[1]) >= 0.9 * int(checked[2]) > 0, row["detail"]


def test_our_export_cache_key_changes_with_the_model_code(tmp_path):
    """Same weights, different code (a layout change) is a different graph: the cache must not serve the old one."""
    from bench import exports

    (tmp_path / "area_attention.py").write_text("def to_areas(): return 1\n")
    before = exports.code_digest(tmp_path)
    (tmp_path / "area_attention.py").write_text("def to_areas(): return 2\n")
    assert exports.code_digest(tmp_path) != before
    assert exports.code_digest() == exports.code_digest(exports.MODEL_CODE)

"""Presets are lists of cases: --dry-run prints each plan and builds every configuration on the meta device, so the
GPU preset is checked on a machine without a GPU; smoke plans shrink every step."""

from __future__ import annotations

import pytest

from bench import presets
from bench.paired import Pair


@pytest.mark.parametrize("preset", ["cpu", "gpu"])
def test_dry_run_prints_the_plan_and_measures_nothing(tmp_path, capsys, preset):
    assert presets.main([preset, "--dry-run", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "paired.csv" in out and "total: about" in out and "build on the meta device" in out
    assert not any(tmp_path.iterdir())


def test_cpu_plan_pairs_families_like_for_like():
    pairs = [p for s in presets.cpu_plan(2) if s.kind == "paired" for p in s.items]
    sides = {(p.a.model, p.b.model) for p in pairs}
    assert ("yolo12-n", "yolo11-n") in sides and ("yolo12-s", "rtdetr-r18") in sides
    assert not any(a.startswith("yolov12-") and not b.startswith(("yolov12", "yolo12")) for a, b in sides)
    assert ("yolov12-x", "yolov12-x:area=1") in sides and ("yolov12-turbo-l", "yolov12-l") in sides
    assert all(isinstance(p, Pair) and p.processes >= 3 for p in pairs)
    quick = [p for s in presets.cpu_plan(2, quick=True) if s.kind == "paired" for p in s.items]
    assert not any(p.a.model.endswith(("-m", "-l", "-x")) for p in quick)


def test_a_configuration_that_does_not_build_is_a_user_error(capsys):
    plan = [presets.Step("x.csv", "flops", (presets.parse("yolov12-n:area=3"),))]
    with pytest.raises(presets.UserError, match="area=3 does not divide"):
        presets.check_builds(plan)


def test_smoke_plan_is_small():
    for step in presets.smoke(presets.cpu_plan(1)):
        assert len(step.items) <= 2
        assert all(c.imgsz == 64 for c in presets._cases(step))


@pytest.mark.parametrize("argv, flag", [(["gpu", "--quick"], "--quick"), (["gpu", "--threads", "2"], "--threads"),
                                        (["cpu", "--device", "cuda:0"], "--device")])
def test_a_flag_the_preset_would_ignore_is_refused(tmp_path, capsys, argv, flag):
    assert presets.main([*argv, "--dry-run", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and flag in err[0] and not any(tmp_path.iterdir())

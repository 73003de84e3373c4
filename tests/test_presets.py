"""Presets are lists of cases: --dry-run prints each plan and builds every configuration on the meta device, so the
GPU preset is checked on a machine without a GPU; smoke plans shrink every step."""

from __future__ import annotations

import pytest

from bench import presets
from bench.paired import Pair


@pytest.mark.parametrize("preset", ["cpu", "cpu-full", "gpu"])
def test_dry_run_prints_the_plan_and_measures_nothing(tmp_path, capsys, preset):
    assert presets.main([preset, "--dry-run", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "paired" in out and "total: about" in out and "build on the meta device" in out
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


def test_cpu_full_plan_pairs_every_family_against_yolo12_of_its_scale_in_eager_and_the_best_runtime():
    plan = {s.csv: s for s in presets.cpu_full_plan(2)}
    pairs = plan["runtimes-paired.csv"].items
    for scale in presets.SCALES:
        for family in ("yolov12", "yolo11", "yolo26", "yolov8"):
            modes = {p.a.mode for p in pairs if p.a.model == f"{family}-{scale}" and p.b.model == f"yolo12-{scale}"}
            assert modes == {"eager", presets.BEST_CPU_RUNTIME}
    assert all(p.a.timed == p.b.timed == "forward+post" and p.a.mode == p.b.mode for p in pairs)
    assert {(p.a.model, p.b.model) for p in pairs} >= {("rtdetr-r18", "yolo12-s"), ("rtdetr-l", "yolo12-l")}
    rows = plan["runtimes-latency.csv"].items
    # forward+post for 25 YOLOs and 2 RT-DETRs; forward too for the 10 N/S YOLOs and RT-DETR-R18
    assert {c.mode for c in rows} == set(presets.CPU_RUNTIMES) and len(rows) == 3 * (25 + 2 + 10 + 1)
    small = presets.cpu_full_plan(2, ("n", "s"))
    assert {c.model[-1] for s in small for c in presets._cases(s)} == {"n", "s", "8"}  # rtdetr-r18 is in the S set


def test_cpu_preset_has_one_deployed_runtime_comparison_for_n():
    steps = {s.csv: s for s in presets.cpu_plan(2, quick=True)}
    (pair,) = steps["paired-runtime.csv"].items
    assert (pair.a.model, pair.b.model, pair.a.mode, pair.a.timed) == ("yolov12-n", "yolo12-n",
                                                                       presets.BEST_CPU_RUNTIME, "forward+post")


def test_a_configuration_that_does_not_build_is_a_user_error(capsys):
    plan = [presets.Step("x.csv", "flops", (presets.parse("yolov12-n:area=3"),))]
    with pytest.raises(presets.UserError, match="area=3 does not divide"):
        presets.check_builds(plan)


def test_smoke_plan_is_small():
    for step in presets.smoke(presets.cpu_plan(1)):
        assert len(step.items) <= 2
        assert all(c.imgsz == 64 for c in presets._cases(step))


@pytest.mark.parametrize("argv, flag", [(["gpu", "--quick"], "--quick"), (["gpu", "--threads", "2"], "--threads"),
                                        (["cpu", "--device", "cuda:0"], "--device"),
                                        (["cpu", "--scales", "n"], "--scales"), (["cpu-full", "--quick"], "--quick")])
def test_a_flag_the_preset_would_ignore_is_refused(tmp_path, capsys, argv, flag):
    assert presets.main([*argv, "--dry-run", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and flag in err[0] and not any(tmp_path.iterdir())

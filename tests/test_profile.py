"""bench.profile: a tiny profiled pair end to end (records, resume, the report's table), its user errors, and the
cpu-ours preset's profile step."""

from __future__ import annotations

import pytest

from bench import breakdown, presets
from bench.profile import main
from bench.records import read_checked
from reports.profiles import profile_table
from reports.results import load_results


@pytest.fixture(scope="module")
def profiled(tmp_path_factory, offline_env):
    folder = tmp_path_factory.mktemp("results") / "cpu-test"
    out = folder / "profile.csv"
    argv = ["yolov12-n", "yolov12-n:area=1", "--mode", "onnxruntime", "--imgsz", "64", "--rounds", "4",
            "--processes", "2", "--round-iters", "1", "--threads", "1", "--out", str(out)]
    assert main(argv) == 0
    return argv, out


def test_profile_records(profiled, capsys):
    argv, out = profiled
    rows, problems = read_checked(out)
    assert not problems
    assert len(rows) == 2 * (len(breakdown.CLASSES) + 1) + 2
    assert {r["kind"] for r in rows} == {"profile"} and {r["status"] for r in rows} == {"ok"}
    side = {(r["model"] + r["overrides"], r["op_class"]): r for r in rows}
    for model in ("yolov12-n", "yolov12-narea=1"):
        parts = sum(float(side[(model, c)]["latency_p50_ms"]) for c in breakdown.CLASSES)
        whole = side[(model, "all")]
        assert float(whole["latency_p50_ms"]) > 0 and int(whole["rounds"]) == 4
        assert float(whole["latency_p50_ci_low_ms"]) <= float(whole["latency_p50_ms"])
        assert parts == pytest.approx(float(whole["latency_p50_ms"]), rel=0.5)  # medians of parts vs of sums
    floor, ratio = side[("yolov12-n", breakdown.FLOOR)], side[("yolov12-n", breakdown.WHOLE)]
    assert 0 < float(floor["ratio_p50"]) < float(ratio["ratio_p50"])
    assert float(ratio["ratio_ci_low"]) <= float(ratio["ratio_p50"]) <= float(ratio["ratio_ci_high"])
    assert ratio["pair_b"] == "yolov12-n:area=1" and ratio["mode"] == "onnxruntime"
    assert "2 fresh processes x 2 rounds" in ratio["design"]
    assert main(argv) == 0 and len(read_checked(out)[0]) == len(rows)  # finished: skipped on a rerun
    assert "1 of 1 profiles already in" in capsys.readouterr().err


def test_profile_table_in_the_report(profiled):
    _, out = profiled
    table = profile_table(load_results([out.parent]))
    assert table is not None and len(table.rows) == 2
    first, second = table.rows
    assert first[2].text() == "yolov12-n" and second[2].text() == "yolov12-n:area=1 (B)"
    whole, floor = first[-2], first[-1]
    assert whole.source == floor.source == "measured" and whole.ci and floor.value < whole.value
    assert second[-2].text() == "1 (reference)"
    assert all(c.source == "measured" for c in first[3:-2])


def test_no_profiles_no_table(tmp_path):
    assert profile_table(load_results([tmp_path])) is None


@pytest.mark.parametrize("argv, message", [
    (["yolov12-n", "yolo12-n", "--mode", "eager"], "no per-node profiler"),
    (["yolov12-n", "yolo12-n", "--rounds", "2"], "--rounds 2"),
    (["yolov12-n", "yolo12-n", "--precision", "fp16"], "accepted --precision: fp32"),
    (["yolov12-n"], "the following arguments are required"),
    (["yolov12-n", "yolo12-n", "--timed", "pipeline"], "accepted: forward"),
    (["yolov12-n", "yolo12-n", "--processes", "0"], "--processes 0"),
])
def test_profile_user_errors(tmp_path, capsys, argv, message):
    out = tmp_path / "p.csv"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not out.exists()


def test_cpu_ours_preset_profiles_each_deployed_runtime():
    plan = presets.cpu_ours_plan(2)
    (step,) = [s for s in plan if s.kind == "profile"]
    assert sorted((p.a.model, p.b.model, p.a.mode) for p in step.items) == [
        (f"yolov12-{s}", f"yolo12-{s}", m) for s in "ns" for m in ("onnxruntime", "openvino")]
    (small,) = [s for s in presets.smoke(plan) if s.kind == "profile"]
    assert all(p.processes == 2 and p.a.imgsz == 64 for p in small.items)


def test_rows_and_summary_from_rounds(tmp_path):
    """Synthetic rounds: each class's median, the whole ratio and the floor (A's compute over B's whole), and the
    printed table naming both sides apart (same model, another backend)."""
    from bench import profile

    pair, _ = profile.plan(profile.parse_args(["yolov12-n", "yolov12-n@reference", "--rounds", "5", "--processes",
                                               "1", "--out", str(tmp_path / "p.csv")]))
    a = {"convolution": 6.0, "activation": 1.0, "attention": 1.0, "layout": 1.5, "other": 0.5}
    b = {"convolution": 6.0, "activation": 1.0, "attention": 1.5, "layout": 2.0, "other": 2.0}
    rounds = {side: [{**c, "all": sum(c.values())} for _ in range(5)] for side, c in (("a", a), ("b", b))}
    info = {"a": {"export_max_diff": 1e-5, "detail": "runtime=x"}, "b": {}}
    records = profile.rows(pair, rounds, [0] * 5, info, {"kind": "profile"})
    ratios = {r["op_class"]: r for r in records if r["op_class"].startswith("ratio:")}
    assert ratios[breakdown.WHOLE]["ratio_p50"] == 0.8 and ratios[breakdown.FLOOR]["ratio_p50"] == 0.64
    assert records[0]["export_max_diff"] == 1e-5 and "runtime=x" in records[0]["detail"]
    text = profile.summary(pair, rounds, records)
    assert "yolov12-n@reference" in text and "compute / whole (the floor): 0.640 [0.640, 0.640]" in text
    assert "  all" in text and "10.00" in text and "12.50" in text

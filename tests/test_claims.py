"""The claims ledger judged on fixture records and on constructed ones: every speed verdict rests on a paired
record's interval, counts are exact, flags and missing intervals make a claim inconclusive, cross-family claims put
Ultralytics' YOLO12 on the YOLOv12 side, FLOPs claims are judged in both conventions."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports import claims
from reports.results import Device, Record, Ref, load_results
from reports.verdict import FAILS, HOLDS, INCONCLUSIVE, NA, NOT_MEASURED

FIXTURES = Path(__file__).parent / "fixtures" / "results"
CPU, CUDA = "cpu-fixture-epyc-2t", "cuda-fixture-h100"


@pytest.fixture(scope="module")
def devices():
    return load_results([FIXTURES])


@pytest.fixture(scope="module")
def verdicts(devices):
    return {per[0].claim.id: {v.device: v for v in per} for per in claims.ledger(devices)}


def claim(cid: str) -> claims.Claim:
    return next(c for c in claims.all_claims() if c.id == cid)


def test_every_claim_has_an_implied_value_a_known_op_and_a_category():
    ids = [c.id for c in claims.all_claims()]
    assert len(ids) == len(set(ids))
    for c in claims.all_claims():
        assert c.op in ("near_abs", "near_rel", "le_rel", "ge_abs")
        assert (c.tol > 0 or c.source == "suite target") and c.paper > 0
        assert c.applies in ("any", "cpu", "cuda")
        assert c.category in claims.CATEGORIES
        assert (c.category == "speed") == (c.num.what == "latency")
    cats = {c.id: c.category for c in claims.all_claims()}
    assert cats["params-n"] == cats["s-vs-r18-flops"] == "count"
    assert cats["s-vs-r18-speed"] == "speed" and cats["map-n"] == "accuracy"


def test_the_named_claims_are_in_the_ledger():
    ids = {c.id for c in claims.all_claims()}
    for need in ("params-n", "flops-x", "s-vs-r18-speed", "s-vs-r18-flops", "s-vs-r18-flops-total", "s-vs-r18-params",
                 "fa-n", "fa-s", "area-n-fp32", "area-n-cpu", "n-vs-11n-speed", "n-vs-10n-speed", "map-n",
                 "ours-n-reference-vs-yolo12", "ours-n-sdpa-vs-yolo12"):
        assert need in ids
    assert claim("s-vs-r18-speed").paper == pytest.approx(2.61 / 4.58)


def test_cross_family_claims_are_like_for_like():
    for cid in ("n-vs-11n-speed", "n-vs-10n-speed", "s-vs-r18-speed", "s-vs-r18-flops", "s-vs-r18-flops-total",
                "n-vs-9t-fp32", "map-yolo12-n-over-yolov10-n", "map-yolo12-n-over-yolo11-n",
                "map-yolo12-s-over-rtdetr-r18"):
        c = claim(cid)
        assert c.num.model.startswith("yolo12-"), cid  # Ultralytics' code on both sides
        assert not c.den.model.startswith("yolov12"), cid
    for c in claims.all_claims():  # no claim compares our code with another family
        if c.den is not None and c.num.model.startswith("yolov12-"):
            assert c.den.model.startswith(("yolov12-", "yolo12-")), c.id
    ours = claim("ours-n-sdpa-vs-yolo12")
    assert (ours.num.model, ours.num.attn, ours.den.model) == ("yolov12-n", "sdpa", "yolo12-n")
    assert ours.category == "speed" and ours.bounds() == (None, pytest.approx(1.10))


def test_hardware_of_each_claim(devices, verdicts):
    assert "T4" in claim("s-vs-r18-speed").hardware and "3080" in claim("n-vs-9t-fp16").hardware
    assert "i7" in claim("area-n-cpu").hardware and claim("params-n").hardware == ""
    assert verdicts["area-n-cpu"][CPU].same_hardware == "no"
    assert "this machine" in verdicts["area-n-cpu"][CPU].detail
    assert verdicts["params-n"][CPU].same_hardware == "yes"
    t4 = Device("cuda-t4", [_rec(1, device_name="Tesla T4")])
    assert claims.same_hardware(claim("s-vs-r18-speed"), t4) == "yes"
    assert claims.same_hardware(claim("area-n-cpu"), t4) == "no"


def test_counts_are_exact_values(verdicts):
    v = verdicts["params-n"][CPU]
    assert v.verdict == HOLDS and v.ci_low == v.ci_high == v.measured == pytest.approx(2.59)
    assert verdicts["flops-x"][CPU].measured == pytest.approx(199.0)


def test_both_flops_conventions_are_judged(verdicts):
    paper_conv, total = verdicts["s-vs-r18-flops"][CPU], verdicts["s-vs-r18-flops-total"][CPU]
    assert paper_conv.measured == pytest.approx(21.4 / 57.4) and paper_conv.verdict == HOLDS
    assert total.measured == pytest.approx(24.1 / 60.2) and total.verdict == FAILS  # 12 % off 0.357


def test_paired_interval_clear_above_the_bound_does_not_hold(verdicts):
    v = verdicts["area-n-cpu"][CPU]  # 0.85 [0.81, 0.90] against <= 0.549
    assert v.verdict == FAILS and v.measured == pytest.approx(0.85)
    assert (v.ci_low, v.ci_high) == (pytest.approx(0.81), pytest.approx(0.90))
    assert "paired" in v.detail and v.evidence[0].file.endswith("paired.csv")
    assert verdicts["area-n-cpu"][CUDA].verdict == NA


def test_pair_stored_the_other_way_round_is_inverted(verdicts):
    v = verdicts["area-s-cpu"][CPU]  # stored area-off / area-on = 1.9 [1.8, 2.0]
    assert v.measured == pytest.approx(1 / 1.9)
    assert (v.ci_low, v.ci_high) == (pytest.approx(1 / 2.0), pytest.approx(1 / 1.8))
    assert v.verdict == HOLDS and "inverted" in v.detail


def test_interval_straddling_the_bound_is_inconclusive(verdicts):
    v = verdicts["n-vs-11n-speed"][CPU]  # 1.22 [1.15, 1.30] against <= 1.203
    assert v.verdict == INCONCLUSIVE and "straddles" in v.detail


def test_flagged_record_is_inconclusive(verdicts):
    v = verdicts["ours-n-sdpa-vs-yolo12"][CPU]  # 0.95 [0.90, 1.00] would hold, but high-spread
    assert v.verdict == INCONCLUSIVE and "high-spread" in v.detail
    assert verdicts["ours-n-reference-vs-yolo12"][CPU].verdict == HOLDS


def test_pair_without_interval_is_inconclusive(verdicts):
    v = verdicts["s-vs-r18-speed"][CPU]
    assert v.verdict == INCONCLUSIVE and "no interval" in v.detail and v.measured == pytest.approx(0.35)


def test_two_separate_runs_are_never_decided(verdicts):
    v = verdicts["n-vs-10n-speed"][CPU]  # 70 / 48: would "fail" as a bare ratio
    assert v.verdict == INCONCLUSIVE and "not a paired design" in v.detail
    assert v.measured == pytest.approx(70 / 48) and v.ci_low is None and len(v.evidence) == 2
    assert verdicts["area-n-fp32"][CUDA].verdict == INCONCLUSIVE


def test_flash_attention_claims_gpu_only(verdicts):
    assert verdicts["fa-n"][CPU].verdict == NA
    v = verdicts["fa-n"][CUDA]
    assert v.verdict == HOLDS and v.measured == pytest.approx(0.80)
    assert "not a paired design" in verdicts["fa-s"][CUDA].detail


def test_not_measured_names_what_is_missing(verdicts):
    v = verdicts["n-vs-10n-speed"][CUDA]
    assert v.verdict == NOT_MEASURED and "yolov10-n" in v.detail and "yolo12-n" in v.detail
    assert verdicts["map-s"][CPU].verdict == NOT_MEASURED


def test_map_gain_claim(verdicts):
    v = verdicts["map-yolo12-n-over-yolov10-n"][CPU]  # 40.4 - 38.5 = 1.9 >= 2.1 - 0.3
    assert v.verdict == HOLDS and v.measured == pytest.approx(1.9)


# ------------------------------------------------------------------------------------------- constructed records
def _rec(i: int, **kw) -> Record:
    base = {"kind": "paired", "model": "yolo12-n", "precision": "fp32", "mode": "eager", "imgsz": "640",
            "batch": "1", "timed_region": "forward", "status": "ok", "validity": "ok", "timestamp_utc": "2026",
            "pair_a": "yolo12-n", "pair_b": "yolo11-n", "rounds": "10"}
    return Record({**base, **kw}, Ref("x/paired.csv", i))


FAKE = claims.Claim("fake", "N is at most 1.1x 11-N", "test", claims.Q("latency", "yolo12-n"),
                    claims.Q("latency", "yolo11-n"), 1.0, "le_rel", 0.1)


@pytest.mark.parametrize("ratio, low, high, validity, expect", [
    ("1.00", "0.95", "1.05", "ok", HOLDS),  # inside the bound 1.1
    ("1.30", "1.20", "1.40", "ok", FAILS),  # clear above
    ("1.10", "1.00", "1.20", "ok", INCONCLUSIVE),  # straddles
    ("1.00", "0.95", "1.05", "throttled", INCONCLUSIVE),  # flagged
    ("1.00", "", "", "ok", INCONCLUSIVE),  # an old record without ratio_ci_*
])
def test_speed_verdicts_on_constructed_pairs(ratio, low, high, validity, expect):
    dev = Device("cpu-x", [_rec(1, ratio_p50=ratio, ratio_ci_low=low, ratio_ci_high=high, validity=validity)])
    v = claims.judge(FAKE, dev, [dev])
    assert v.verdict == expect and v.measured == pytest.approx(float(ratio))
    if validity != "ok":
        assert "throttled" in v.detail
    if not low:
        assert "no interval" in v.detail


def test_old_schema_pair_without_interval_columns():
    rec = Record({"kind": "paired", "precision": "fp32", "status": "ok", "validity": "ok", "pair_a": "yolo12-n",
                  "pair_b": "yolo11-n", "ratio_p50": "0.9", "ratio_min": "0.8", "ratio_max": "1.0"},
                 Ref("old/paired.csv", 1))
    dev = Device("cpu-old", [rec])
    v = claims.judge(FAKE, dev, [dev])
    assert v.verdict == INCONCLUSIVE and "no interval" in v.detail


def test_inverted_constructed_pair():
    dev = Device("cpu-x", [_rec(1, pair_a="yolo11-n", pair_b="yolo12-n", ratio_p50="2.0", ratio_ci_low="1.6",
                                ratio_ci_high="2.5")])
    v = claims.judge(FAKE, dev, [dev])  # 0.5 [0.4, 0.625] <= 1.1
    assert v.verdict == HOLDS and v.measured == pytest.approx(0.5)
    assert (v.ci_low, v.ci_high) == (pytest.approx(0.4), pytest.approx(0.625))


def test_a_runtime_target_is_judged_on_the_pair_in_that_runtime_only():
    target = claim("target-n-openvino")
    pair = dict(model="yolov12-n", pair_a="yolov12-n", pair_b="yolo12-n", ratio_p50="0.80", ratio_ci_low="0.78",
                ratio_ci_high="0.83")
    eager = Device("cpu-x", [_rec(1, **pair)])
    assert claims.judge(target, eager, [eager]).verdict == NOT_MEASURED  # an eager pair is not OpenVINO evidence
    both = Device("cpu-x", [_rec(1, **pair), _rec(2, **{**pair, "mode": "openvino", "ratio_ci_high": "0.86"})])
    v = claims.judge(target, both, [both])
    assert v.verdict == INCONCLUSIVE and v.ci_high == pytest.approx(0.86) and v.bound == "m <= 0.850"


def test_a_target_is_judged_in_each_sides_native_layout_only():
    """Ours runs channels_last on the CPU, Ultralytics NCHW: a later like-for-like run with both sides in
    channels_last (or both NCHW) is not the deployed comparison and never decides the target."""
    target = claim("target-n-eager")
    pair = dict(model="yolov12-n", impl="ours", b_impl="ultralytics-8.4.190", device="cpu", pair_a="yolov12-n",
                pair_b="yolo12-n", ratio_p50="0.70", ratio_ci_low="0.66", ratio_ci_high="0.73")
    native = _rec(1, **pair, channels_last="True", b_channels_last="False", timestamp_utc="2026-01")
    both_cl = _rec(2, **{**pair, "ratio_p50": "0.95", "ratio_ci_high": "0.97"}, channels_last="True",
                   b_channels_last="True", timestamp_utc="2026-02")
    dev = Device("cpu-x", [native, both_cl])
    v = claims.judge(target, dev, [dev])
    assert v.verdict == HOLDS and v.measured == pytest.approx(0.70)
    only_nchw = Device("cpu-x", [_rec(3, **pair, channels_last="False", b_channels_last="False")])
    assert claims.judge(target, only_nchw, [only_nchw]).verdict == NOT_MEASURED
    older = Device("cpu-x", [_rec(4, **pair, channels_last="False")])  # a file from before the layout column
    assert claims.judge(target, older, [older]).verdict == HOLDS


def test_ledger_command_prints_the_targets_and_refuses_a_bad_pattern(capsys):
    from reports.__main__ import main

    assert main(["ledger", "--results", str(FIXTURES), "--match", "^target-n-eager$"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out and all("target-n-eager" in line and "m <= 0.850" in line for line in out)
    assert main(["ledger", "--results", str(FIXTURES), "--match", "("]) == 2
    assert "not a regular expression" in capsys.readouterr().err


def _flops(i: int, model: str, params: float, gflops: float, **kw) -> Record:
    return Record({"kind": "flops", "model": model, "status": "ok", "validity": "ok", "imgsz": "640",
                   "params_fused": str(params), "gflops_paper": str(gflops), "gflops_total": str(gflops), **kw},
                  Ref("x/flops.csv", i))


def test_baseline_that_is_not_the_papers_network_makes_its_claims_na():
    dev = Device("cpu-x", [_flops(1, "yolo12-s", 9.26e6, 21.4), _flops(2, "rtdetr-r18", 32.1e6, 103.0),
                           _flops(3, "yolov12-s", 12.0e6, 21.4)])
    v = claims.judge(claim("s-vs-r18-params"), dev, [dev])
    assert v.verdict == NA and "not the paper's network (params 32.1 vs 20 M)" in v.detail
    assert claims.judge(claim("params-s"), dev, [dev]).verdict == FAILS  # ours: judged by its own count claim


def test_flagged_count_record_is_inconclusive():
    dev = Device("cpu-x", [_flops(1, "yolov12-n", 2.59e6, 6.5, validity="counter-disagrees")])
    v = claims.judge(claim("params-n"), dev, [dev])
    assert v.verdict == INCONCLUSIVE and "counter-disagrees" in v.detail


def test_headline_counts_per_category(devices):
    flat = [v for per in claims.ledger(devices) for v in per]
    counts = claims.summarise(flat, CPU)
    assert set(counts) == set(claims.CATEGORIES)
    total = sum(n for per in counts.values() for n in per.values())
    assert total == len(claims.all_claims())
    line = claims.headline(counts)
    assert line.startswith("count: ") and "; speed: " in line and "; accuracy: " in line
    assert f"{counts['count']['holds']} holds" in line


def test_ledger_table_shape(devices):
    verd = claims.ledger(devices)
    t = claims.ledger_table(devices, verd)
    assert len(t.rows) == len(claims.all_claims())
    assert all(len(r) == len(t.columns) for r in t.rows)
    assert {r[7].text() for r in t.rows} <= set(claims.VERDICTS)
    assert f"{CPU} same hardware" in t.columns

"""The claims ledger judged on fixture records: holds, does not hold, not measured and n/a all occur."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports import claims, tables

FIXTURES = Path(__file__).parent / "fixtures" / "results"


@pytest.fixture(scope="module")
def devices():
    return tables.load_results([FIXTURES])


@pytest.fixture(scope="module")
def verdicts(devices):
    return {per[0].claim.id: {v.device: v for v in per} for per in claims.ledger(devices)}


CPU, CUDA = "cpu-fixture-epyc-2t", "cuda-fixture-h100"


def test_every_claim_has_an_implied_value_and_a_known_op():
    ids = [c.id for c in claims.all_claims()]
    assert len(ids) == len(set(ids))
    for c in claims.all_claims():
        assert c.op in ("near_abs", "near_rel", "le_rel", "ge_abs")
        assert c.tol > 0 and c.paper > 0
        assert c.applies in ("any", "cpu", "cuda")


def test_the_named_claims_are_in_the_ledger():
    ids = {c.id for c in claims.all_claims()}
    for need in ("params-n", "flops-x", "s-vs-r18-speed", "s-vs-r18-flops", "s-vs-r18-params", "fa-n", "fa-s",
                 "area-n-fp32", "area-n-cpu", "n-vs-11n-speed", "map-n"):
        assert need in ids
    c = next(c for c in claims.all_claims() if c.id == "s-vs-r18-speed")
    assert c.paper == pytest.approx(2.61 / 4.58)


def test_counts_hold(verdicts):
    assert verdicts["params-n"][CPU].verdict == "holds"
    assert verdicts["flops-x"][CPU].measured == pytest.approx(199.0)


def test_area_claim_fails_on_cpu_from_the_paired_record(verdicts):
    v = verdicts["area-n-cpu"][CPU]
    assert v.verdict == "does not hold"
    assert v.measured == pytest.approx(0.85)  # paired ratio preferred over 60/71
    assert "paired" in v.detail and v.evidence[0].file.endswith("paired.csv")
    assert verdicts["area-n-cpu"][CUDA].verdict == "n/a"


def test_ratio_of_p50s_when_no_pair(verdicts):
    v = verdicts["area-n-fp32"][CUDA]
    assert v.verdict == "holds" and v.measured == pytest.approx(3.1 / 4.0)
    assert len(v.evidence) == 2


def test_flash_attention_claims_gpu_only(verdicts):
    assert verdicts["fa-n"][CPU].verdict == "n/a"
    v = verdicts["fa-n"][CUDA]
    assert v.verdict == "holds" and v.measured == pytest.approx(2.10 / 2.60)


def test_not_measured_names_what_is_missing(verdicts):
    v = verdicts["n-vs-10n-speed"][CUDA]
    assert v.verdict == "not measured" and "yolov10-n" in v.detail
    assert verdicts["map-s"][CPU].verdict == "not measured"


def test_speed_claim_that_fails(verdicts):
    v = verdicts["n-vs-11n-speed"][CPU]  # 55 / 45 = 1.22 > 1.093 * 1.1
    assert v.verdict == "does not hold" and v.measured == pytest.approx(55 / 45)


def test_map_gain_claim(verdicts):
    v = verdicts["map-yolov12-n-over-yolov10-n"][CPU]  # 40.4 - 38.5 = 1.9 >= 2.1 - 0.3
    assert v.verdict == "holds" and v.measured == pytest.approx(1.9)


def test_a_made_up_claim_fails_and_its_bound_is_stated(devices):
    c = claims.Claim("fake", "N is twice as fast as 11-N", "test", claims.Q("latency", "yolov12-n"),
                     claims.Q("latency", "yolo11-n"), 0.5, "le_rel", 0.1)
    v = claims.judge(c, devices[0], devices)
    assert v.verdict == "does not hold" and "0.550" in v.bound


def test_ledger_table_shape(devices):
    verd = claims.ledger(devices)
    t = claims.ledger_table(devices, verd)
    assert len(t.rows) == len(claims.all_claims())
    assert all(len(r) == len(t.columns) for r in t.rows)
    assert {r[5].text() for r in t.rows} <= set(claims.VERDICTS)

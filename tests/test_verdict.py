"""reports.verdict: intervals against bounds, exact counts, flags, missing records, tolerance."""

from __future__ import annotations

import math

import pytest

from reports.verdict import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    NA,
    NOT_MEASURED,
    VERDICTS,
    Decision,
    bound_with_tolerance,
    decide,
)


def test_verdict_constants():
    assert VERDICTS == ("holds", "does not hold", "inconclusive", "not measured", "n/a")
    assert (HOLDS, FAILS, INCONCLUSIVE, NOT_MEASURED, NA) == VERDICTS
    with pytest.raises(ValueError):
        Decision("maybe", "")


@pytest.mark.parametrize("low, high, at_most, at_least", [
    (0.50, 0.54, HOLDS, FAILS),          # wholly below 0.549
    (0.56, 0.65, FAILS, HOLDS),          # wholly above
    (0.52, 0.65, INCONCLUSIVE, INCONCLUSIVE),  # straddles
    (0.50, 0.549, HOLDS, INCONCLUSIVE),  # touches the bound from below
    (0.549, 0.60, INCONCLUSIVE, HOLDS),  # touches the bound from above
])
def test_interval_against_bound_both_directions(low, high, at_most, at_least):
    mid = (low + high) / 2
    assert decide(mid, low, high, 0.549, "<=").verdict == at_most
    assert decide(mid, low, high, 0.549, ">=").verdict == at_least


def test_reasons_are_short_sentences():
    assert decide(0.6, 0.52, 0.65, 0.549, "<=").reason == "interval 0.52-0.65 straddles 0.549"
    assert decide(0.5, 0.48, 0.52, 0.549, "<=").reason == "interval 0.48-0.52 is at or below 0.549"
    assert decide(0.6, 0.56, 0.65, 0.549, "<=").reason == "interval 0.56-0.65 is above 0.549"
    assert decide(0.5, 0.48, 0.52, 0.549, ">=").reason == "interval 0.48-0.52 is below 0.549"
    assert "0.5491-0.5493" in decide(0.5492, 0.5491, 0.5493, 0.549, "<=").reason


def test_exact_count_decided_by_value():
    at = decide(2_600_000, 2_600_000, 2_600_000, 2_600_000, "<=")
    assert at.verdict == HOLDS and at.reason.startswith("exact value")
    assert decide(2_600_000, 2_600_000, 2_600_000, 2_600_000, ">=").verdict == HOLDS
    assert decide(2_600_001, 2_600_001, 2_600_001, 2_600_000, "<=").verdict == FAILS
    assert decide(2_599_999, 2_599_999, 2_599_999, 2_600_000, ">=").verdict == FAILS
    assert "2600001" in decide(2_600_001, 2_600_001, 2_600_001, 2_600_000, "<=").reason


@pytest.mark.parametrize("flag, name", [(True, "flagged"), ("high-spread", "high-spread"),
                                        (["high-spread", "disturbed rounds remain"],
                                         "disturbed rounds remain")])
def test_flagged_record_is_never_decided(flag, name):
    for low, high in [(0.4, 0.5), (0.6, 0.7), (0.5, 0.7)]:
        d = decide(0.55, low, high, 0.549, "<=", flagged=flag)
        assert d.verdict == INCONCLUSIVE and name in d.reason
    assert decide(1, 1, 1, 2, "<=", flagged=[]).verdict == HOLDS


def test_not_measured_and_not_applicable():
    assert decide(None, None, None, 1.0, "<=").verdict == NOT_MEASURED
    assert decide(math.nan, 0.4, 0.5, 1.0, "<=").verdict == NOT_MEASURED
    assert decide(None, None, None, 1.0, "<=", applicable=False).verdict == NA
    assert decide(0.5, 0.4, 0.6, 1.0, "<=", applicable=False, flagged=True).verdict == NA


def test_missing_interval_is_inconclusive():
    for low, high in [(math.nan, math.nan), (None, None), (0.4, math.nan)]:
        d = decide(0.5, low, high, 1.0, "<=")
        assert d == Decision(INCONCLUSIVE, "no interval")


def test_bad_arguments():
    with pytest.raises(ValueError):
        decide(0.5, 0.4, 0.6, 1.0, "<")
    with pytest.raises(ValueError):
        decide(0.5, 0.6, 0.4, 1.0, "<=")
    with pytest.raises(ValueError):
        decide(0.5, 0.4, 0.6, math.nan, "<=")


def test_bound_with_tolerance_loosens_the_claim():
    assert bound_with_tolerance(1.64, "<=", 0.1) == pytest.approx(1.804)
    assert bound_with_tolerance(40.6, ">=", 0.1) == pytest.approx(36.54)
    assert bound_with_tolerance(-2.0, "<=", 0.5) == pytest.approx(-1.0)
    assert bound_with_tolerance(1.64, "<=", 0.0) == 1.64
    assert decide(1.75, 1.70, 1.80, bound_with_tolerance(1.64, "<=", 0.1), "<=").verdict == HOLDS
    with pytest.raises(ValueError):
        bound_with_tolerance(1.0, "<=", -0.1)
    with pytest.raises(ValueError):
        bound_with_tolerance(1.0, "==", 0.1)

"""The five verdicts on a claim, decided only by intervals against a bound.

A claim says a quantity is at most (`"<="`) or at least (`">="`) a bound. It holds only when the
whole interval is on the claim's side, does not hold only when the whole interval is on the other
side, and is inconclusive when the interval straddles the bound, is missing, or rests on a flagged
record. An exact count (no interval: ci_low == ci_high == measured) is decided by its value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

HOLDS = "holds"
FAILS = "does not hold"
INCONCLUSIVE = "inconclusive"
NOT_MEASURED = "not measured"
NA = "n/a"
VERDICTS = (HOLDS, FAILS, INCONCLUSIVE, NOT_MEASURED, NA)
DIRECTIONS = ("<=", ">=")


@dataclass(frozen=True)
class Decision:
    """A verdict (one of `VERDICTS`) and a short human reason."""

    verdict: str
    reason: str

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")


def _missing(x: float | None) -> bool:
    """True for None or nan."""
    return x is None or math.isnan(x)


def _fmt(*xs: float) -> list[str]:
    """Numbers with the fewest significant digits (3 to 10) that keep unequal values distinct."""
    for digits in range(3, 11):
        out = [f"{x:.{digits}g}" for x in xs]
        if all((out[i] == out[j]) == (xs[i] == xs[j]) for i in range(len(xs)) for j in range(i)):
            return out
    return out


def _flag_names(flagged: bool | str | Sequence[str]) -> str:
    """The flag names for a reason ('' when not flagged)."""
    if isinstance(flagged, str):
        return flagged
    if isinstance(flagged, bool):
        return "flagged" if flagged else ""
    return ", ".join(flagged)


def _side(low: float, high: float, bound: float, direction: str) -> str:
    """HOLDS, FAILS or INCONCLUSIVE for the interval [low, high] against the claim."""
    if direction == "<=":
        return HOLDS if high <= bound else FAILS if low > bound else INCONCLUSIVE
    return HOLDS if low >= bound else FAILS if high < bound else INCONCLUSIVE


def _words(verdict: str, direction: str) -> str:
    """How a verdict places a value relative to the bound, in words."""
    at = "at or below" if direction == "<=" else "at or above"
    past = "above" if direction == "<=" else "below"
    return {HOLDS: f"is {at}", FAILS: f"is {past}", INCONCLUSIVE: "straddles"}[verdict]


def decide(measured: float | None, ci_low: float | None, ci_high: float | None, bound: float,
           direction: str, *, flagged: bool | str | Sequence[str] = False,
           applicable: bool = True) -> Decision:
    """The verdict on "measured <direction> bound" from the interval [ci_low, ci_high].

    Order: not applicable -> n/a; no measurement (None/nan) -> not measured; any validity flag
    (True, a flag name, or names) -> inconclusive naming it; no interval (None/nan) -> inconclusive;
    an exact count (ci_low == ci_high == measured) -> by its value; otherwise by the interval.
    Touching the bound is on the claim's side (the claims are "at most" / "at least").
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    if _missing(bound):
        raise ValueError("bound must be a number")
    if not applicable:
        return Decision(NA, "not applicable here")
    if _missing(measured):
        return Decision(NOT_MEASURED, "no measurement")
    names = _flag_names(flagged)
    if names:
        return Decision(INCONCLUSIVE, f"record is flagged ({names}), so it cannot decide")
    if _missing(ci_low) or _missing(ci_high):
        return Decision(INCONCLUSIVE, "no interval")
    if ci_low > ci_high:
        raise ValueError(f"ci_low {ci_low} is above ci_high {ci_high}")
    verdict = _side(ci_low, ci_high, bound, direction)
    if ci_low == ci_high == measured:
        m, b = _fmt(measured, bound)
        return Decision(verdict, f"exact value {m} {_words(verdict, direction)} {b}")
    lo, hi, b = _fmt(ci_low, ci_high, bound)
    return Decision(verdict, f"interval {lo}-{hi} {_words(verdict, direction)} {b}")


def bound_with_tolerance(value: float, direction: str, rel: float) -> float:
    """The bound for a claim "<direction> value" allowed a relative tolerance `rel` (0.1 = 10 %).

    The tolerance always loosens the claim: "<=" gets value + rel*|value|, ">=" value - rel*|value|.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    if not rel >= 0:
        raise ValueError(f"rel must be >= 0, got {rel}")
    slack = rel * abs(value)
    return value + slack if direction == "<=" else value - slack

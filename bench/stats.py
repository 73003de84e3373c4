"""Statistics of paired designs and single latencies (numpy/scipy only).

A comparison of two configurations is a paired design: interleaved rounds with alternating order,
the median of the per-round ratios a/b, and a bootstrap interval of that median
(`scipy.stats.bootstrap`). Disturbed rounds are found by a robust rule and re-measured; the result
says how many were re-measured and whether any remain.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

MAD_TO_SIGMA = 1.4826  # 1/Phi^-1(3/4): MAD * this estimates sigma for normal data
_MAX_BATCH_ELEMENTS = 1 << 20  # bounds bootstrap memory at about 8 MB per array

RunRound = Callable[[int], tuple[float, float]]


def _finite_array(samples: Sequence[float], name: str = "samples") -> np.ndarray:
    """`samples` as a 1-d float array; ValueError on non-finite values."""
    x = np.asarray(samples, dtype=float).ravel()
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got {x[~np.isfinite(x)][:3].tolist()}")
    return x


def _bootstrap_median(x: np.ndarray, method: str, confidence: float, n_resamples: int,
                      seed: int) -> tuple[float, float]:
    """One `scipy.stats.bootstrap` of the median; DegenerateDataWarning is silenced (nan then)."""
    batch = max(1, min(n_resamples, _MAX_BATCH_ELEMENTS // x.size))  # memory only; result unchanged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.bootstrap((x,), np.median, n_resamples=n_resamples, batch=batch,
                              confidence_level=confidence, method=method,
                              rng=np.random.default_rng(seed))
    ci = res.confidence_interval
    return float(ci.low), float(ci.high)


def median_ci(samples: Sequence[float], *, confidence: float = 0.95, n_resamples: int = 9999,
              seed: int = 0) -> tuple[float, float]:
    """Bootstrap interval of the median: `(low, high)`, deterministic for a seed.

    Uses `scipy.stats.bootstrap(..., method='BCa', rng=np.random.default_rng(seed))`. BCa is
    undefined when the jackknife is degenerate (all samples equal, or ties making the median
    constant when one value is left out); scipy then returns nan and this falls back to the
    'percentile' method with the same seed. Fewer than 3 samples give `(nan, nan)`.
    """
    x = _finite_array(samples)
    if x.size < 3:
        return math.nan, math.nan
    low, high = _bootstrap_median(x, "BCa", confidence, n_resamples, seed)
    if math.isnan(low) or math.isnan(high):
        low, high = _bootstrap_median(x, "percentile", confidence, n_resamples, seed)
    return low, high


def latency_p50_ci(samples_ms: Sequence[float], *, confidence: float = 0.95,
                   n_resamples: int = 9999, seed: int = 0) -> tuple[float, float]:
    """Bootstrap interval of one latency's p50 (ms in, ms out); see `median_ci`."""
    return median_ci(samples_ms, confidence=confidence, n_resamples=n_resamples, seed=seed)


@dataclass(frozen=True)
class RatioSummary:
    """Median of the per-round ratios a/b with its bootstrap interval and spread."""

    ratios: tuple[float, ...]
    p50: float
    ci_low: float
    ci_high: float
    rounds: int
    min: float
    max: float
    iqr: float


def round_ratios(a: Sequence[float], b: Sequence[float]) -> np.ndarray:
    """Per-round ratios a[i]/b[i]; ValueError on unequal lengths or a non-positive b."""
    x, y = _finite_array(a, "a"), _finite_array(b, "b")
    if x.shape != y.shape:
        raise ValueError(f"a and b need one value per round, got {x.size} and {y.size}")
    if np.any(y <= 0):
        raise ValueError("b must be positive to form ratios a/b")
    return x / y


def clustered_median_ci(values: Sequence[float], groups: Sequence[int], *, confidence: float = 0.95,
                        n_resamples: int = 9999, seed: int = 0) -> tuple[float, float]:
    """Bootstrap interval of the median of `values` when they come in groups (rounds measured in separate fresh
    processes): whole groups are resampled, so the interval carries the between-process variation that rounds
    inside one process cannot show (on a 2-core VM one process can run a model 15 % slower than the next, every
    round alike). `scipy.stats.bootstrap` over group indices, 'percentile' method (with a handful of groups the
    BCa jackknife is degenerate). With one group this is `median_ci`."""
    x, g = _finite_array(values), np.asarray(groups)
    if x.shape != g.shape:
        raise ValueError(f"one group label per value needed, got {x.size} values and {g.size} labels")
    labels = np.unique(g)
    if labels.size < 2:
        return median_ci(x, confidence=confidence, n_resamples=n_resamples, seed=seed)
    parts = [x[g == label] for label in labels]

    def median_of_groups(idx: np.ndarray) -> float:
        return float(np.median(np.concatenate([parts[int(i)] for i in idx])))

    res = stats.bootstrap((np.arange(labels.size),), median_of_groups, vectorized=False, n_resamples=n_resamples,
                          confidence_level=confidence, method="percentile", rng=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def ratio_summary(a_round_p50s: Sequence[float], b_round_p50s: Sequence[float], *,
                  groups: Sequence[int] | None = None, confidence: float = 0.95, n_resamples: int = 9999,
                  seed: int = 0) -> RatioSummary:
    """Summary of the per-round ratios a/b: median, its interval (`median_ci`, or `clustered_median_ci` when the
    rounds come from several processes, `groups` naming each round's), min, max and IQR."""
    r = round_ratios(a_round_p50s, b_round_p50s)
    if r.size == 0:
        raise ValueError("ratio_summary needs at least one round")
    if groups is None:
        low, high = median_ci(r, confidence=confidence, n_resamples=n_resamples, seed=seed)
    else:
        low, high = clustered_median_ci(r, groups, confidence=confidence, n_resamples=n_resamples, seed=seed)
    q25, q50, q75 = np.percentile(r, [25, 50, 75])
    return RatioSummary(ratios=tuple(r.tolist()), p50=float(q50), ci_low=low, ci_high=high,
                        rounds=int(r.size), min=float(r.min()), max=float(r.max()),
                        iqr=float(q75 - q25))


def disturbed(values: Sequence[float], *, k: float = 5.0, rel_floor: float = 0.01) -> list[bool]:
    """Flags values far outside the rest: `|x - median| > k * sigma`.

    sigma = max(1.4826 * MAD, rel_floor * |median|). MAD is the median absolute deviation from
    the median; 1.4826 makes it estimate sigma for normal data, and it ignores up to half the
    values being wild, so one disturbed round cannot hide itself by inflating the scale (as it
    would with the standard deviation). k = 5 because for clean normal rounds a false flag has
    probability about 6e-7 per round, while round-to-round timing noise is heavier-tailed than
    normal (the usual 3 to 3.5 would re-measure clean rounds and pull the sample towards its
    middle); a round slowed by another process is typically many sigma out. `rel_floor` stops a
    zero or tiny MAD (ties, quantised timings) from flagging harmless 1 % wobbles: with the
    default nothing within 5 % of the median is flagged. If that scale is still 0 (median 0 and
    MAD 0), every value different from the median is flagged. Fewer than 3 values: nothing flagged
    (no majority to judge by).
    """
    x = _finite_array(values, "values")
    if x.size < 3:
        return [False] * x.size
    med = float(np.median(x))
    sigma = max(MAD_TO_SIGMA * float(np.median(np.abs(x - med))), rel_floor * abs(med))
    dev = np.abs(x - med)
    flags = dev > 0 if sigma == 0 else dev > k * sigma
    return [bool(f) for f in flags]


@dataclass(frozen=True)
class RoundsResult:
    """Kept rounds of a paired design and what re-measuring did.

    `indices[j]` is the `run_round` index that produced `pairs[j]`. `disturbed_remaining` is True
    when the kept ratios still contain a disturbed round (the budget ran out). `cleared_bound` is
    set by `measure_until` when a bound was given: whether the stopping interval excluded it.
    """

    pairs: tuple[tuple[float, float], ...]
    indices: tuple[int, ...]
    remeasured: int
    disturbed_remaining: bool
    cleared_bound: bool | None = field(default=None)

    @property
    def a(self) -> tuple[float, ...]:
        """Side a's per-round p50s."""
        return tuple(p[0] for p in self.pairs)

    @property
    def b(self) -> tuple[float, ...]:
        """Side b's per-round p50s."""
        return tuple(p[1] for p in self.pairs)

    @property
    def ratios(self) -> tuple[float, ...]:
        """Per-round ratios a/b."""
        return tuple(p[0] / p[1] for p in self.pairs)

    @property
    def next_index(self) -> int:
        """The index the next call of `run_round` would get."""
        return max(self.indices, default=-1) + 1


def _call(run_round: RunRound, i: int) -> tuple[float, float]:
    """Round `i` as a pair of floats."""
    a, b = run_round(i)
    return float(a), float(b)


def _remeasure(run_round: RunRound, pairs: list[tuple[float, float]], indices: list[int],
               budget: int, k: float) -> tuple[int, bool]:
    """Re-measures rounds whose ratio is disturbed, in place, with fresh indices; (count, remaining)."""
    used = 0
    while True:
        flags = disturbed([a / b for a, b in pairs], k=k)
        bad = [j for j, f in enumerate(flags) if f]
        if not bad or used >= budget:
            return used, bool(bad)
        for j in bad[: budget - used]:
            i = max(indices) + 1
            pairs[j], indices[j] = _call(run_round, i), i
            used += 1


def measure_rounds(run_round: RunRound, rounds: int, *, max_remeasure: int,
                   k: float = 5.0) -> RoundsResult:
    """Runs `run_round(0..rounds-1)`, then re-measures rounds whose ratio a/b is `disturbed`.

    `run_round(i)` returns (p50 of a, p50 of b) for round i; the caller alternates the order by i.
    A re-measured round gets the next unused index (so the alternation sequence continues) and
    replaces the disturbed one; at most `max_remeasure` calls are spent on this in total. The
    check is repeated after each pass, since a re-measured round can be disturbed too.
    """
    if rounds < 1 or max_remeasure < 0:
        raise ValueError(f"need rounds >= 1 and max_remeasure >= 0, got {rounds}, {max_remeasure}")
    pairs = [_call(run_round, i) for i in range(rounds)]
    indices = list(range(rounds))
    used, remaining = _remeasure(run_round, pairs, indices, max_remeasure, k)
    return RoundsResult(tuple(pairs), tuple(indices), used, remaining)


def _excludes(low: float, high: float, bound: float) -> bool:
    """True when the interval [low, high] is defined and lies wholly on one side of `bound`."""
    return not (math.isnan(low) or math.isnan(high)) and (high < bound or low > bound)


def measure_until(run_round: RunRound, *, min_rounds: int, max_rounds: int,
                  bound: float | None = None, check_every: int = 4, max_remeasure: int = 0,
                  confidence: float = 0.95, n_resamples: int = 9999, seed: int = 0,
                  k: float = 5.0) -> RoundsResult:
    """Adds rounds until the interval of the median ratio excludes `bound`, or `max_rounds`.

    With `bound=None` this is `measure_rounds(run_round, min_rounds)`. Otherwise rounds are added
    `check_every` at a time (even, so both orders stay balanced) and the interval is looked at
    after `min_rounds` and after each addition. Stopping when an interval clears a bound is
    optional stopping: every extra look is another chance for a 95 % interval to miss by luck,
    which biases towards early, wrong decisions. Against that: no look before `min_rounds`, looks
    only every `check_every` rounds, and each look uses a Bonferroni-adjusted confidence
    1 - (1 - confidence) / looks over all planned looks, so the chance that any look misleads
    stays below 1 - confidence. The last addition is cut short at `max_rounds`. Disturbed rounds
    are re-measured within `max_remeasure` calls in total.
    """
    if check_every < 2 or check_every % 2 or not 1 <= min_rounds <= max_rounds:
        raise ValueError("need an even check_every >= 2 and 1 <= min_rounds <= max_rounds")
    pairs = [_call(run_round, i) for i in range(min_rounds)]
    indices = list(range(min_rounds))
    used, remaining = _remeasure(run_round, pairs, indices, max_remeasure, k)
    if bound is None:
        return RoundsResult(tuple(pairs), tuple(indices), used, remaining)
    looks = 1 + math.ceil((max_rounds - min_rounds) / check_every)
    look_confidence = 1 - (1 - confidence) / looks
    while True:
        low, high = median_ci([a / b for a, b in pairs], confidence=look_confidence,
                              n_resamples=n_resamples, seed=seed)
        cleared = _excludes(low, high, bound)
        if cleared or len(pairs) >= max_rounds:
            return RoundsResult(tuple(pairs), tuple(indices), used, remaining, cleared)
        start = max(indices) + 1
        for i in range(start, start + min(check_every, max_rounds - len(pairs))):
            pairs.append(_call(run_round, i))
            indices.append(i)
        more, remaining = _remeasure(run_round, pairs, indices, max_remeasure - used, k)
        used += more

"""The paper's checkable numeric claims as data, and the check that decides each one on one device's results.

Every claim has a category (`count`: params and FLOPs; `speed`: latency ratios; `accuracy`: mAP) and names the
hardware the paper measured it on (`""` for hardware-independent counts and mAP). Verdicts come from
`reports.verdict.decide` (holds / does not hold / inconclusive / not measured / n/a), by intervals only:

- Counts are exact values (ci_low = ci_high = value): `near_abs` (|m - paper| <= tol, 0.05 = the paper's one printed
  decimal) and `near_rel` for ratios of counts (|m / paper - 1| <= tol, 10 %). FLOPs ratios are judged in both
  conventions (`gflops_paper` and `gflops_total`).
- Speed claims are ratios "A takes at most r x B's latency" (`le_rel`: m <= r x (1 + tol)), decided only by a paired
  record's `ratio_ci_low`/`ratio_ci_high` (a record stored the other way round is inverted). A ratio of two separate
  runs' p50s is shown but never decides ("not a paired design"); a paired record without an interval (written
  before the interval existed) is inconclusive ("no interval").
- mAP values and gains (`ge_abs`: m >= claimed - 0.3 AP) are exact values of one evaluation.
- Any validity flag (anything but `ok`) on a record a claim rests on makes it inconclusive.
- A claim resting on a baseline that is not the paper's network (params or FLOPs > 5 % off its Table 1 row) is n/a.
- Comparisons across families use Ultralytics' YOLO12 (`yolo12-*`) on the YOLOv12 side, so both sides run
  Ultralytics' code; separate claims compare our implementation with Ultralytics' YOLO12.
Precision `default` is fp32 on CPU and fp16 on CUDA (the paper's Table 1 protocol is FP16).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bench.presets import BEST_CPU_RUNTIME
from reports import paper
from reports.cells import Cell, label
from reports.query import Latency, find_kind, find_latency, find_paired, millions, not_paper_network, percent
from reports.results import Device, Record, Ref
from reports.tables import Table
from reports.verdict import FAILS, HOLDS, INCONCLUSIVE, NA, NOT_MEASURED, VERDICTS, Decision, decide

__all__ = ["VERDICTS", "CATEGORIES", "Q", "Claim", "Verdict", "all_claims", "judge", "ledger", "ledger_table",
           "summarise", "headline", "VERDICT_COLUMNS", "verdict_rows"]

CATEGORIES = ("count", "speed", "accuracy")
TOL_COUNT, TOL_SPEED, TOL_FA, TOL_RATIO, TOL_MAP, TOL_SAME = 0.05, 0.10, 0.05, 0.10, 0.3, 0.10
TARGET_SAME_RUNTIME, TARGET_BEST = 0.85, 0.80

T1_HW = ("T4 GPU, TensorRT FP16 (paper Table 1)", ("T4",))
README_HW = ("T4 GPU, TensorRT 10 (official README)", ("T4",))
T5_HW = ("T4 GPU, TensorRT FP16 (as Table 1; protocol unconfirmed)", ("T4",))
RTX3080_HW = ("RTX 3080 GPU (paper Tables 3-4)", ("RTX 3080", "3080"))
I7_HW = ("Intel i7-10700K CPU (paper Table 3)", ("i7-10700K",))
ANY_HW = ("", ())


@dataclass(frozen=True)
class Q:
    """A measured quantity. what: latency | params | gflops_paper | gflops_total | map50_95. attn: any | flash |
    no-flash | a backend name (latency only)."""

    what: str
    model: str
    overrides: tuple = ()
    precision: str = "default"
    attn: str = "any"
    mode: str = "eager"  # latency only: the runtime (bench.options.MODES)

    def describe(self) -> str:
        extra = ":" + ",".join(f"{k}={v}" for k, v in self.overrides) if self.overrides else ""
        attn = f"@{self.attn}" if self.attn != "any" else ""
        prec = f" {self.precision}" if self.what == "latency" and self.precision != "default" else ""
        mode = f" in {self.mode}" if self.what == "latency" and self.mode != "eager" else ""
        return f"{self.what} {self.model}{extra}{attn}{prec}{mode}"


@dataclass(frozen=True)
class Claim:
    id: str
    text: str  # the claim as the paper states it
    source: str
    num: Q
    den: Q | None  # None: a single value; else num/den (or num - den for ge_abs)
    paper: float  # the value (or ratio, or difference) the paper's own numbers imply
    op: str  # near_abs | near_rel | le_rel | ge_abs
    tol: float
    applies: str = "any"  # any | cpu | cuda
    hardware: str = ""  # where the paper measured it ("" = hardware-independent)
    hardware_names: tuple[str, ...] = ()  # a device whose names include one of these is the same hardware

    @property
    def category(self) -> str:
        if self.num.what == "latency":
            return "speed"
        return "accuracy" if self.num.what.startswith("map") else "count"

    def models(self) -> list[str]:
        return [q.model for q in (self.num, self.den) if q is not None]

    def bounds(self) -> tuple[float | None, float | None]:
        """(lowest, highest) value for which the claim holds (None: unbounded on that side)."""
        if self.op == "near_abs":
            return self.paper - self.tol, self.paper + self.tol
        if self.op == "near_rel":
            return self.paper * (1 - self.tol), self.paper * (1 + self.tol)
        if self.op == "le_rel":
            return None, self.paper * (1 + self.tol)
        if self.op == "ge_abs":
            return self.paper - self.tol, None
        raise ValueError(f"unknown claim op {self.op!r}")

    def bound_text(self) -> str:
        low, high = self.bounds()
        digits = 3 if self.op in ("near_rel", "le_rel") else 2
        if low is not None and high is not None:
            return f"{low:.{digits}f} <= m <= {high:.{digits}f}"
        return f"m <= {high:.{digits}f}" if high is not None else f"m >= {low:.{digits}f}"


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    device: str
    verdict: str
    measured: float | None
    bound: str  # the condition the measured value had to meet
    evidence: tuple[Ref, ...]
    detail: str = ""
    ci_low: float | None = None
    ci_high: float | None = None
    same_hardware: str = "yes"  # yes | no: did the paper measure this claim on this kind of hardware?


def _lat(model: str, prec: str = "default", attn: str = "any", overrides: tuple = (), mode: str = "eager") -> Q:
    return Q("latency", model, overrides, prec, attn, mode)


def _claim(cid, text, source, num, den, value, op, tol, applies="any", hw=ANY_HW) -> Claim:
    return Claim(cid, text, source, num, den, value, op, tol, applies, hw[0], hw[1])


def _scale_claims() -> list[Claim]:
    out = []
    for s in paper.SCALE_LETTERS:
        row = paper.table1_row(f"yolov12-{s}")
        S = s.upper()
        out.append(_claim(f"params-{s}", f"YOLOv12-{S} has {row.params_m} M parameters", "paper Table 1",
                          Q("params", row.model), None, row.params_m, "near_abs", TOL_COUNT))
        out.append(_claim(f"flops-{s}", f"YOLOv12-{S} needs {row.gflops} GFLOPs", "paper Table 1",
                          Q("gflops_paper", row.model), None, row.gflops, "near_abs", TOL_COUNT))
        ap, _, params, gflops = paper.README[f"yolov12-turbo-{s}"]
        out.append(_claim(f"turbo-params-{s}", f"turbo {S} has {params} M parameters", "official README",
                          Q("params", f"yolov12-turbo-{s}"), None, params, "near_abs", TOL_COUNT))
        out.append(_claim(f"turbo-flops-{s}", f"turbo {S} needs {gflops} GFLOPs", "official README",
                          Q("gflops_paper", f"yolov12-turbo-{s}"), None, gflops, "near_abs", TOL_COUNT))
        out.append(_claim(f"map-{s}", f"YOLOv12-{S} reaches {row.ap} mAP50-95 on COCO val2017", "paper Table 1",
                          Q("map50_95", row.model), None, row.ap, "near_abs", TOL_MAP))
        t_ms, v_ms = paper.README[f"yolov12-turbo-{s}"][1], paper.README[f"yolov12-{s}"][1]
        out.append(_claim(f"turbo-faster-{s}", f"turbo {S} runs at {t_ms} ms vs v1.0's {v_ms} ms", "official README",
                          _lat(f"yolov12-turbo-{s}"), _lat(f"yolov12-{s}"), t_ms / v_ms, "le_rel", TOL_SPEED,
                          hw=README_HW))
    return out


def _area_claims() -> list[Claim]:
    out = []
    for model in ("yolov12-n", "yolov12-s", "yolov12-x"):
        for setting, prec, applies in (("cpu-i7-10700k", "fp32", "cpu"), ("rtx3080-fp32", "fp32", "cuda"),
                                       ("rtx3080-fp16", "fp16", "cuda")):
            off, on = paper.table3(model, False, setting), paper.table3(model, True, setting)
            suffix = setting.split("-")[-1] if applies == "cuda" else "cpu"
            out.append(_claim(
                f"area-{model[-1]}-{suffix}",
                f"area attention cuts {model} from {off} to {on} ms ({setting}, no FlashAttention)", "paper Table 3",
                _lat(model, prec, "no-flash"), _lat(model, prec, "no-flash", (("area", 1),)),
                on / off, "le_rel", TOL_SPEED, applies, I7_HW if applies == "cpu" else RTX3080_HW))
    return out


def _speed_claims() -> list[Claim]:
    t1 = {r.model: r for r in paper.TABLE1}
    s, r18 = t1["yolov12-s"], t1["rtdetr-r18"]
    n, v10n, v11n = t1["yolov12-n"], t1["yolov10-n"], t1["yolo11-n"]
    v9t, v12n4 = paper.TABLE4["yolov9-t"][1]["rtx3080"], paper.TABLE4["yolov12-n"][1]["rtx3080"]
    out = [  # across families: Ultralytics' YOLO12 on the YOLOv12 side, so both sides run Ultralytics' code
        _claim("s-vs-r18-speed", "YOLOv12-S runs 42 % faster than RT-DETR-R18", "abstract; Table 1 (2.61 vs 4.58 ms)",
               _lat("yolo12-s"), _lat("rtdetr-r18"), s.latency_ms / r18.latency_ms, "le_rel", TOL_SPEED, hw=T1_HW),
        _claim("s-vs-r18-flops", "YOLOv12-S uses 36 % of RT-DETR-R18's FLOPs (paper convention)",
               "abstract; Table 1 (21.4 vs 60.0 G)", Q("gflops_paper", "yolo12-s"), Q("gflops_paper", "rtdetr-r18"),
               s.gflops / r18.gflops, "near_rel", TOL_RATIO),
        _claim("s-vs-r18-flops-total", "YOLOv12-S uses 36 % of RT-DETR-R18's FLOPs (all FLOPs counted)",
               "abstract; Table 1 (21.4 vs 60.0 G)", Q("gflops_total", "yolo12-s"), Q("gflops_total", "rtdetr-r18"),
               s.gflops / r18.gflops, "near_rel", TOL_RATIO),
        _claim("s-vs-r18-params", "YOLOv12-S has 45 % of RT-DETR-R18's parameters (Table 1 implies 46.5 %)",
               "abstract; Table 1 (9.3 vs 20.0 M)", Q("params", "yolo12-s"), Q("params", "rtdetr-r18"),
               s.params_m / r18.params_m, "near_rel", TOL_RATIO),
        _claim("n-vs-11n-speed", "YOLOv12-N matches YOLO11-N's speed (1.64 vs 1.5 ms)", "abstract; Table 1",
               _lat("yolo12-n"), _lat("yolo11-n"), n.latency_ms / v11n.latency_ms, "le_rel", TOL_SPEED, hw=T1_HW),
        _claim("n-vs-10n-speed", "YOLOv12-N is as fast as YOLOv10-N (1.64 vs 1.84 ms)", "abstract; Table 1",
               _lat("yolo12-n"), _lat("yolov10-n"), n.latency_ms / v10n.latency_ms, "le_rel", TOL_SPEED, hw=T1_HW),
        _claim("n-vs-9t-fp32", "YOLOv12-N 1.7 ms vs YOLOv9-T 2.4 ms in FP32 (RTX 3080)", "Sec. 4.4; Table 4",
               _lat("yolo12-n", "fp32"), _lat("yolov9-t", "fp32"), v12n4[0] / v9t[0], "le_rel", TOL_SPEED, "cuda",
               RTX3080_HW),
        _claim("n-vs-9t-fp16", "YOLOv12-N 1.1 ms vs YOLOv9-T 1.5 ms in FP16 (RTX 3080)", "Sec. 4.4; Table 4",
               _lat("yolo12-n", "fp16"), _lat("yolov9-t", "fp16"), v12n4[1] / v9t[1], "le_rel", TOL_SPEED, "cuda",
               RTX3080_HW),
    ]
    for m, on, off in (("yolov12-n", 1.64, 1.92), ("yolov12-s", 2.61, 3.02)):
        out.append(_claim(f"fa-{m[-1]}", f"FlashAttention saves about {off - on:.1f} ms on {m} ({off} -> {on} ms)",
                          "Sec. 4.5; Table 5h", _lat(m, "default", "flash"), _lat(m, "default", "no-flash"),
                          on / off, "le_rel", TOL_FA, "cuda", T5_HW))
    for sub, setting, ovr, model in (("5d", "PE 9x9", (("pe_kernel", 9),), "yolov12-n"),
                                     ("5a", "Linear+LN", (("proj", "linear-ln"),), "yolov12-n")):
        row = next(r for r in paper.TABLE5 if r.sub == sub and r.setting == setting)
        base = next(r for r in paper.TABLE5 if r.sub == sub and r.default)
        out.append(_claim(f"t5-{sub}", f"{setting} costs {row.latency_ms} ms vs the default's {base.latency_ms} ms",
                          f"Table {sub}", _lat(model, overrides=ovr), _lat(model), row.latency_ms / base.latency_ms,
                          "le_rel", TOL_SPEED, hw=T5_HW))
    return out


def _same_as_ultralytics_claims() -> list[Claim]:
    """Our implementation against Ultralytics' YOLO12 (the same network): at most 10 % slower, paired."""
    return [_claim(f"ours-{m[-1]}-{attn}-vs-yolo12", f"our {m} (@{attn}) runs at Ultralytics' YOLO12 speed "
                   f"(ratio <= {1 + TOL_SAME:.2f})", "suite: same network, two code bases",
                   _lat(m, attn=attn), _lat(f"yolo12-{m[-1]}"), 1.0, "le_rel", TOL_SAME)
            for m, attn in (("yolov12-n", "reference"), ("yolov12-n", "sdpa"), ("yolov12-s", "reference"),
                            ("yolov12-s", "sdpa"))]


def _target_claims() -> list[Claim]:
    """The suite's own speed targets for our implementation on a CPU: at most 0.85x Ultralytics' YOLO12 of the
    same scale in each runtime (paired, the same runtime on both sides), and at most 0.80x in the best CPU runtime
    (bench.presets.BEST_CPU_RUNTIME, the fastest of the three for both in the runtimes step)."""
    out = []
    for s in ("n", "s"):
        for mode in ("eager", "onnxruntime", "openvino"):
            out.append(_claim(f"target-{s}-{mode}", f"our yolov12-{s} takes at most 0.85x Ultralytics' YOLO12-"
                              f"{s.upper()} in {mode}", "suite target", _lat(f"yolov12-{s}", mode=mode),
                              _lat(f"yolo12-{s}", mode=mode), TARGET_SAME_RUNTIME, "le_rel", 0.0, "cpu"))
        out.append(_claim(f"target-{s}-best", f"our yolov12-{s} in the best CPU runtime ({BEST_CPU_RUNTIME}) takes at "
                          f"most 0.80x Ultralytics' YOLO12-{s.upper()} in its best", "suite target",
                          _lat(f"yolov12-{s}", mode=BEST_CPU_RUNTIME), _lat(f"yolo12-{s}", mode=BEST_CPU_RUNTIME),
                          TARGET_BEST, "le_rel", 0.0, "cpu"))
    return out


def _map_claims() -> list[Claim]:
    t1 = {r.model: r for r in paper.TABLE1}
    pairs = (("yolov12-n", "yolov10-n", 2.1), ("yolov12-n", "yolo11-n", 1.2), ("yolov12-s", "rtdetr-r18", 1.5))
    out = []
    for a, b, gain in pairs:
        ours = "yolo12-" + a.split("-")[1]
        out.append(_claim(f"map-{ours}-over-{b}", f"YOLOv12-{a[-1].upper()} beats {b} by {gain} mAP (Ultralytics' "
                          f"{ours} measured)", "abstract; Table 1", Q("map50_95", ours), Q("map50_95", b),
                          round(t1[a].ap - t1[b].ap, 1), "ge_abs", TOL_MAP))
    return out


def all_claims() -> list[Claim]:
    return (_scale_claims() + _speed_claims() + _same_as_ultralytics_claims() + _area_claims() + _map_claims()
            + _target_claims())


# ------------------------------------------------------------------------------------------------------ evaluation
def _precision(q: Q, device: Device) -> str:
    return device.default_precision() if q.precision == "default" else q.precision


def _latency_query(q: Q, device: Device) -> Latency:
    return Latency(q.model, q.overrides, _precision(q, device), q.attn, mode=q.mode)


def _flags(rec: Record) -> str:
    v = rec.get("validity")
    return "" if v in ("", "ok") else v


def measure(q: Q, device: Device, devices: Sequence[Device]) -> tuple[float | None, Record | None]:
    """(value, record) of a quantity: latency on this device; counts and mAP (hardware-independent) from this device
    first, else any device. The record is returned when it exists but did not finish (value None)."""
    if q.what == "latency":
        rec = find_latency(device, _latency_query(q, device))
        ok = rec is not None and rec.get("status") == "ok"
        return (rec.num("latency_p50_ms") if ok else None), rec
    kind = "accuracy" if q.what.startswith("map") else "flops"
    rec = find_kind([device], kind, q.model, dict(q.overrides)) or find_kind(devices, kind, q.model,
                                                                              dict(q.overrides))
    if rec is None:
        return None, None
    col = "params_fused" if q.what == "params" else q.what
    value = rec.num(col)
    return (millions(value) if q.what == "params" else percent(value) if q.what.startswith("map") else value), rec


def same_hardware(c: Claim, device: Device) -> str:
    """'yes' when the claim is hardware-independent or the device's names include the paper's hardware."""
    if not c.hardware_names:
        return "yes"
    text = device.hardware()
    hit = any(re.search(rf"(?<![A-Za-z0-9]){re.escape(n)}(?![A-Za-z0-9])", text, re.IGNORECASE)
              for n in c.hardware_names)
    return "yes" if hit else "no"


def _decide(c: Claim, m: float | None, lo: float | None, hi: float | None, flagged: str = "") -> Decision:
    """decide() against the claim's one or two bounds: fails when either side fails, holds when both hold."""
    low, high = c.bounds()
    sides = [decide(m, lo, hi, high, "<=", flagged=flagged)] if high is not None else []
    sides += [decide(m, lo, hi, low, ">=", flagged=flagged)] if low is not None else []
    for verdict in (NOT_MEASURED, FAILS, INCONCLUSIVE):  # a missing value, then a clear failure, decide first
        for d in sides:
            if d.verdict == verdict:
                return d
    return Decision(HOLDS, "; ".join(d.reason for d in sides))


def _judge_speed(c: Claim, device: Device, make) -> Verdict:
    qa = _latency_query(c.num, device)
    if c.den is None:
        a, rec = measure(c.num, device, [device])
        if a is None:
            return make(NOT_MEASURED, None, (rec.ref,) if rec else (), f"missing: {c.num.describe()}")
        d = _decide(c, a, rec.num("latency_p50_ci_low_ms"), rec.num("latency_p50_ci_high_ms"), _flags(rec))
        return make(d.verdict, a, (rec.ref,), d.reason, rec.num("latency_p50_ci_low_ms"),
                    rec.num("latency_p50_ci_high_ms"))
    found = find_paired(device, qa, _latency_query(c.den, device))
    if found is not None:
        rec, inverted = found
        r, lo, hi = rec.num("ratio_p50"), rec.num("ratio_ci_low"), rec.num("ratio_ci_high")
        if inverted and r:
            r, lo, hi = 1 / r, (1 / hi if hi else None), (1 / lo if lo else None)
        d = _decide(c, r, lo, hi, _flags(rec))
        how = f"paired, {rec.get('rounds') or '?'} rounds" + (", stored b/a: inverted" if inverted else "")
        return make(d.verdict, r, (rec.ref,), f"{how}; {d.reason}", lo, hi)
    (a, ra), (b, rb) = measure(c.num, device, [device]), measure(c.den, device, [device])
    refs = tuple(r.ref for r in (ra, rb) if r is not None)
    if a is None or b is None:
        missing = [q.describe() for q, v in ((c.num, a), (c.den, b)) if v is None]
        return make(NOT_MEASURED, None, refs, "missing: " + ", ".join(missing))
    return make(INCONCLUSIVE, a / b, refs, "not a paired design (ratio of two separate runs' p50s): no interval")


def _judge_exact(c: Claim, device: Device, devices: Sequence[Device], make) -> Verdict:
    (a, ra), (b, rb) = measure(c.num, device, devices), (measure(c.den, device, devices) if c.den else (1.0, None))
    refs = tuple(r.ref for r in (ra, rb) if r is not None)
    if a is None or b is None:
        missing = [q.describe() for q, v in ((c.num, a), (c.den, b)) if q is not None and v is None]
        return make(NOT_MEASURED, None, refs, "missing: " + ", ".join(missing))
    value = a if c.den is None else a - b if c.op == "ge_abs" else a / b if b else None
    if value is None:
        return make(NOT_MEASURED, None, refs, f"{c.den.describe()} is zero")
    flags = "; ".join(f for f in (_flags(r) for r in (ra, rb) if r is not None) if f)
    d = _decide(c, value, value, value, flags)
    return make(d.verdict, value, refs, d.reason, value, value)


def judge(c: Claim, device: Device, devices: Sequence[Device]) -> Verdict:
    same = same_hardware(c, device)

    def make(verdict, measured=None, refs=(), detail="", lo=None, hi=None) -> Verdict:
        if same == "no" and verdict not in (NA,):
            detail = f"the paper measured this on {c.hardware}; here: the ratio on this machine. {detail}".strip()
        return Verdict(c, device.slug, verdict, measured, c.bound_text(), tuple(refs), detail, lo, hi, same)

    if c.applies != "any" and c.applies != device.kind:
        return Verdict(c, device.slug, NA, None, c.bound_text(), (), f"a {c.applies} claim", None, None, same)
    for model in c.models():
        why = not_paper_network(devices, model)
        if why:
            return Verdict(c, device.slug, NA, None, c.bound_text(), (), f"{model}: {why}", None, None, same)
    if c.category == "speed":
        return _judge_speed(c, device, make)
    return _judge_exact(c, device, devices, make)


def ledger(devices: Sequence[Device], claims: Sequence[Claim] | None = None) -> list[list[Verdict]]:
    """One list of verdicts (one per device, in `devices` order) per claim."""
    return [[judge(c, d, devices) for d in devices] for c in (claims or all_claims())]


# ---------------------------------------------------------------------------------------------------- summaries
def summarise(verdicts: Sequence[Verdict], device: str) -> dict[str, dict[str, int]]:
    """category -> verdict -> count, for one device."""
    return {cat: {k: sum(1 for v in verdicts if v.device == device and v.claim.category == cat and v.verdict == k)
                  for k in VERDICTS} for cat in CATEGORIES}


def headline(counts: dict[str, dict[str, int]]) -> str:
    """'count: 20 holds, 1 does not hold; speed: ...; accuracy: ...' (zero counts left out)."""
    parts = []
    for cat in CATEGORIES:
        body = ", ".join(f"{n} {k}" for k, n in counts.get(cat, {}).items() if n)
        parts.append(f"{cat}: {body or 'no claims'}")
    return "; ".join(parts)


VERDICT_COLUMNS = ("claim", "category", "device", "verdict", "measured", "ci_low", "ci_high", "bound",
                   "same_hardware", "records")


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.6g}"


def verdict_rows(verdicts: Sequence[Verdict]) -> list[list[str]]:
    """One row per (claim, device) for verdicts.csv, in VERDICT_COLUMNS order."""
    return [[v.claim.id, v.claim.category, v.device, v.verdict, _num(v.measured), _num(v.ci_low), _num(v.ci_high),
             v.bound, v.same_hardware, " ".join(str(r) for r in v.evidence)] for v in verdicts]


def _measured_cell(v: Verdict, digits: int) -> Cell:
    if v.measured is None:  # no number, so no record link: the note says which record exists and why it is empty
        return Cell("–", "label", note=v.detail + (" (records: " + " ".join(map(str, v.evidence)) + ")"
                                                   if v.evidence else ""))
    interval = ""
    if v.ci_low is not None and v.ci_high is not None and not v.ci_low == v.ci_high == v.measured:
        interval = f" [{v.ci_low:.{digits}f}, {v.ci_high:.{digits}f}]"
    return Cell(v.measured, "measured", v.evidence, digits, suffix=interval, note=v.detail)


def ledger_table(devices: Sequence[Device], verdicts: Sequence[Sequence[Verdict]]) -> Table:
    """The ledger as a Table: per claim its category, the paper's figure, hardware and condition, then per device
    the verdict, the measured value with its interval (and records), and whether it is the paper's hardware."""
    cols = ["claim", "category", "paper says", "source", "paper hardware", "paper value / ratio",
            "holds if (m = measured)"]
    for d in devices:
        cols += [f"{d.slug} verdict", f"{d.slug} measured [95% CI]", f"{d.slug} same hardware"]
    rows = []
    for per_device in verdicts:
        if not per_device:
            continue
        c = per_device[0].claim
        digits = 2 if c.op in ("near_abs", "ge_abs") else 3
        row = [label(c.id), label(c.category), label(c.text), label(c.source),
               label(c.hardware or "any (hardware-independent)"), Cell(c.paper, "paper", digits=digits),
               label(c.bound_text())]
        for v in per_device:
            same = v.same_hardware if v.same_hardware == "yes" else "no: the ratio on this machine"
            row += [Cell(v.verdict, "label", note=v.detail), _measured_cell(v, digits), label(same)]
        rows.append(row)
    context = ["verdicts: holds / does not hold (only when the whole interval is clear of the bound and no record is "
               "flagged) / inconclusive / not measured / n/a; counts and mAP are exact values; speed is decided only "
               "by a paired record's 95% interval (see reports/claims.py)",
               "claims across families use Ultralytics' YOLO12 (yolo12-*) on the YOLOv12 side: both sides run "
               "Ultralytics' code; 'ours-*' claims compare our implementation with it",
               "'same hardware: no' = the paper measured this elsewhere: the verdict is about the ratio on this "
               "machine"]
    context += [f"device {d.slug} ({d.kind}): {d.stack()}" for d in devices]
    if not devices:
        context.append("no results folder found: nothing is judged")
    return Table("claims", "Claims ledger — which of the paper's numbers held here", cols, rows, context,
                 ["'measured' for a ratio claim is A/B (a paired run's median ratio with its bootstrap interval; a "
                  "ratio of two separate p50s is shown but never decides); for a gain claim it is A - B.",
                  "s-vs-r18-flops and s-vs-r18-flops-total judge the same claim in both FLOPs conventions "
                  "(gflops_paper: attention products excluded, as the paper; gflops_total: everything)."])

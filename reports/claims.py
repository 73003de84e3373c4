"""The paper's checkable numeric claims as data, and the check that decides each one on one device's results.

Verdicts: `holds`, `does not hold`, `not measured` (a needed record is missing or did not finish), `n/a` (the claim is
about another kind of device, e.g. a CPU claim on a GPU folder).

How a claim is decided (tolerances are explicit per claim, defaults below):
- Counts (params, FLOPs) are hardware-independent: `near_abs` with tolerance 0.05, i.e. the measured figure rounds
  to the one decimal the paper prints.
- Speed claims measured on other hardware are decided by ratios, never absolute times: the claim "A takes r x B's
  latency" (r = the ratio the paper's own cells imply) holds when the measured ratio A/B <= r x (1 + tol)
  (`le_rel`): the advantage the paper claims is reproduced up to `tol` (10 % by default; 5 % for FlashAttention,
  whose claimed effect is small). A paired record (A and B interleaved in one run) decides before a ratio of two
  separately measured p50s.
- Ratios of counts (FLOPs or params of two models): `near_rel`, |measured / paper - 1| <= tol (10 %).
- mAP: `near_abs` with 0.3 AP; a claimed mAP gain of A over B holds when measured (A - B) >= claimed - 0.3 (`ge_abs`).
Precision `default` is fp32 on CPU and fp16 on CUDA (the paper's Table 1 protocol is FP16).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports import paper
from reports.cells import Cell, latency_cell, paired_cell
from reports.query import Latency, find_kind, millions, percent
from reports.results import Device, Ref
from reports.tables import Table, label

VERDICTS = ("holds", "does not hold", "not measured", "n/a")
TOL_COUNT, TOL_SPEED, TOL_FA, TOL_RATIO, TOL_MAP = 0.05, 0.10, 0.05, 0.10, 0.3


@dataclass(frozen=True)
class Q:
    """A measured quantity. what: latency | params | gflops_paper | map50_95."""

    what: str
    model: str
    overrides: tuple = ()
    precision: str = "default"
    attn: str = "any"

    def describe(self) -> str:
        extra = "".join(f"+{k}={v}" for k, v in self.overrides)
        attn = f" @{self.attn}" if self.attn != "any" else ""
        prec = f" {self.precision}" if self.what == "latency" else ""
        return f"{self.what} {self.model}{extra}{prec}{attn}"


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


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    device: str
    verdict: str
    measured: float | None
    bound: str  # the condition the measured value had to meet
    evidence: tuple[Ref, ...]
    detail: str = ""


def _scale_claims() -> list[Claim]:
    out = []
    for s in paper.SCALE_LETTERS:
        row = paper.table1_row(f"yolov12-{s}")
        out.append(Claim(f"params-{s}", f"YOLOv12-{s.upper()} has {row.params_m} M parameters", "paper Table 1",
                         Q("params", row.model), None, row.params_m, "near_abs", TOL_COUNT))
        out.append(Claim(f"flops-{s}", f"YOLOv12-{s.upper()} needs {row.gflops} GFLOPs", "paper Table 1",
                         Q("gflops_paper", row.model), None, row.gflops, "near_abs", TOL_COUNT))
        ap, _, params, gflops = paper.README[f"yolov12-turbo-{s}"]
        out.append(Claim(f"turbo-params-{s}", f"turbo {s.upper()} has {params} M parameters", "official README",
                         Q("params", f"yolov12-turbo-{s}"), None, params, "near_abs", TOL_COUNT))
        out.append(Claim(f"turbo-flops-{s}", f"turbo {s.upper()} needs {gflops} GFLOPs", "official README",
                         Q("gflops_paper", f"yolov12-turbo-{s}"), None, gflops, "near_abs", TOL_COUNT))
        out.append(Claim(f"map-{s}", f"YOLOv12-{s.upper()} reaches {row.ap} mAP50-95 on COCO val2017",
                         "paper Table 1", Q("map50_95", row.model), None, row.ap, "near_abs", TOL_MAP))
        t_ms, v_ms = paper.README[f"yolov12-turbo-{s}"][1], paper.README[f"yolov12-{s}"][1]
        out.append(Claim(f"turbo-faster-{s}", f"turbo {s.upper()} runs at {t_ms} ms vs v1.0's {v_ms} ms (T4)",
                         "official README", Q("latency", f"yolov12-turbo-{s}"), Q("latency", f"yolov12-{s}"),
                         t_ms / v_ms, "le_rel", TOL_SPEED))
    return out


def _area_claims() -> list[Claim]:
    out = []
    for model in ("yolov12-n", "yolov12-s", "yolov12-x"):
        for setting, prec, applies in (("cpu-i7-10700k", "fp32", "cpu"), ("rtx3080-fp32", "fp32", "cuda"),
                                       ("rtx3080-fp16", "fp16", "cuda")):
            off, on = paper.table3(model, False, setting), paper.table3(model, True, setting)
            out.append(Claim(
                f"area-{model[-1]}-{setting.split('-')[-1] if applies == 'cuda' else 'cpu'}",
                f"area attention cuts {model} from {off} to {on} ms ({setting}, no FlashAttention)", "paper Table 3",
                Q("latency", model, (), prec, "no-flash"), Q("latency", model, (("area", 1),), prec, "no-flash"),
                on / off, "le_rel", TOL_SPEED, applies))
    return out


def _lat(model: str, prec: str = "default", attn: str = "any") -> Q:
    return Q("latency", model, (), prec, attn)


def _speed_claims() -> list[Claim]:
    t1 = {r.model: r for r in paper.TABLE1}
    s, r18 = t1["yolov12-s"], t1["rtdetr-r18"]
    n, v10n, v11n = t1["yolov12-n"], t1["yolov10-n"], t1["yolo11-n"]
    v9t, v12n4 = paper.TABLE4["yolov9-t"][1]["rtx3080"], paper.TABLE4["yolov12-n"][1]["rtx3080"]
    out = [
        Claim("s-vs-r18-speed", "YOLOv12-S runs 42 % faster than RT-DETR-R18", "abstract; Table 1 (2.61 vs 4.58 ms)",
              _lat("yolov12-s"), _lat("rtdetr-r18"), s.latency_ms / r18.latency_ms, "le_rel", TOL_SPEED),
        Claim("s-vs-r18-flops", "YOLOv12-S uses 36 % of RT-DETR-R18's FLOPs", "abstract; Table 1 (21.4 vs 60.0 G)",
              Q("gflops_paper", "yolov12-s"), Q("gflops_paper", "rtdetr-r18"), s.gflops / r18.gflops,
              "near_rel", TOL_RATIO),
        Claim("s-vs-r18-params", "YOLOv12-S has 45 % of RT-DETR-R18's parameters (Table 1 implies 46.5 %)",
              "abstract; Table 1 (9.3 vs 20.0 M)", Q("params", "yolov12-s"), Q("params", "rtdetr-r18"),
              s.params_m / r18.params_m, "near_rel", TOL_RATIO),
        Claim("n-vs-11n-speed", "YOLOv12-N matches YOLO11-N's speed (1.64 vs 1.5 ms)", "abstract; Table 1",
              _lat("yolov12-n"), _lat("yolo11-n"), n.latency_ms / v11n.latency_ms, "le_rel", TOL_SPEED),
        Claim("n-vs-10n-speed", "YOLOv12-N is as fast as YOLOv10-N (1.64 vs 1.84 ms)", "abstract; Table 1",
              _lat("yolov12-n"), _lat("yolov10-n"), n.latency_ms / v10n.latency_ms, "le_rel", TOL_SPEED),
        Claim("n-vs-9t-fp32", "YOLOv12-N 1.7 ms vs YOLOv9-T 2.4 ms in FP32 (RTX 3080)", "Sec. 4.4; Table 4",
              _lat("yolov12-n", "fp32"), _lat("yolov9-t", "fp32"), v12n4[0] / v9t[0], "le_rel", TOL_SPEED, "cuda"),
        Claim("n-vs-9t-fp16", "YOLOv12-N 1.1 ms vs YOLOv9-T 1.5 ms in FP16 (RTX 3080)", "Sec. 4.4; Table 4",
              _lat("yolov12-n", "fp16"), _lat("yolov9-t", "fp16"), v12n4[1] / v9t[1], "le_rel", TOL_SPEED, "cuda"),
    ]
    for m, on, off in (("yolov12-n", 1.64, 1.92), ("yolov12-s", 2.61, 3.02)):
        out.append(Claim(f"fa-{m[-1]}", f"FlashAttention saves about {off - on:.1f} ms on {m} ({off} -> {on} ms)",
                         "Sec. 4.5; Table 5h", _lat(m, "default", "flash"), _lat(m, "default", "no-flash"),
                         on / off, "le_rel", TOL_FA, "cuda"))
    for sub, setting, ovr, model in (("5d", "PE 9x9", (("pe_kernel", 9),), "yolov12-n"),
                                     ("5a", "Linear+LN", (("proj", "linear-ln"),), "yolov12-n")):
        row = next(r for r in paper.TABLE5 if r.sub == sub and r.setting == setting)
        base = next(r for r in paper.TABLE5 if r.sub == sub and r.default)
        out.append(Claim(f"t5-{sub}", f"{setting} costs {row.latency_ms} ms vs the default's {base.latency_ms} ms",
                         f"Table {sub}", Q("latency", model, ovr), _lat(model), row.latency_ms / base.latency_ms,
                         "le_rel", TOL_SPEED))
    return out


def _map_claims() -> list[Claim]:
    t1 = {r.model: r for r in paper.TABLE1}
    pairs = (("yolov12-n", "yolov10-n", 2.1), ("yolov12-n", "yolo11-n", 1.2), ("yolov12-s", "rtdetr-r18", 1.5))
    return [Claim(f"map-{a}-over-{b}", f"{a} beats {b} by {gain} mAP", "abstract; Table 1",
                  Q("map50_95", a), Q("map50_95", b), round(t1[a].ap - t1[b].ap, 1), "ge_abs", TOL_MAP)
            for a, b, gain in pairs]


def all_claims() -> list[Claim]:
    return _scale_claims() + _speed_claims() + _area_claims() + _map_claims()


# ------------------------------------------------------------------------------------------------------ evaluation
def _precision(q: Q, device: Device) -> str:
    return device.default_precision() if q.precision == "default" else q.precision


def _latency_query(q: Q, device: Device) -> Latency:
    return Latency(q.model, q.overrides, _precision(q, device), q.attn)


def measure(q: Q, device: Device, devices: Sequence[Device]) -> Cell:
    """The quantity on this device (latency) or from any device (counts, mAP: hardware-independent)."""
    if q.what == "latency":
        return latency_cell(device, _latency_query(q, device))
    kind = "accuracy" if q.what.startswith("map") else "flops"
    local = find_kind([device], kind, q.model, dict(q.overrides))
    rec = local or find_kind(devices, kind, q.model, dict(q.overrides))
    if rec is None:
        return Cell()
    col = "params_fused" if q.what == "params" else q.what
    value = rec.num(col)
    value = millions(value) if q.what == "params" else percent(value) if q.what.startswith("map") else value
    return Cell(value, "measured", (rec.ref,)) if value is not None else Cell()


def _bound(c: Claim) -> str:
    return {"near_abs": f"|m - {c.paper:g}| <= {c.tol:g}", "near_rel": f"|m / {c.paper:.3f} - 1| <= {c.tol:.0%}",
            "le_rel": f"m <= {c.paper:.3f} x {1 + c.tol:g} = {c.paper * (1 + c.tol):.3f}",
            "ge_abs": f"m >= {c.paper:g} - {c.tol:g}"}[c.op]


def _passes(c: Claim, m: float) -> bool:
    if c.op == "near_abs":
        return abs(m - c.paper) <= c.tol + 1e-9
    if c.op == "near_rel":
        return abs(m / c.paper - 1) <= c.tol + 1e-9
    if c.op == "le_rel":
        return m <= c.paper * (1 + c.tol) + 1e-9
    if c.op == "ge_abs":
        return m >= c.paper - c.tol - 1e-9
    raise ValueError(f"unknown claim op {c.op!r}")


def judge(c: Claim, device: Device, devices: Sequence[Device]) -> Verdict:
    if c.applies != "any" and c.applies != device.kind:
        return Verdict(c, device.slug, "n/a", None, _bound(c), (), f"a {c.applies} claim")
    a = measure(c.num, device, devices)
    via = ""
    if c.den is None:
        cells, value = [a], a.value if a.source == "measured" else None
    else:
        b = measure(c.den, device, devices)
        cells, value = [a, b], None
        if a.source == "measured" and b.source == "measured":
            value = a.value - b.value if c.op == "ge_abs" else a.value / b.value
            via = "ratio of p50s" if c.num.what == "latency" else ""
        if c.num.what == "latency":
            pair = paired_cell(device, _latency_query(c.num, device), _latency_query(c.den, device))
            if pair.source == "measured":
                cells, value, via = [pair], pair.value, pair.note
    refs = tuple(r for cell in cells for r in cell.refs)
    if value is None:
        missing = [q.describe() for q, cell in zip((c.num, c.den), cells, strict=False)
                   if q is not None and cell.source != "measured"]
        return Verdict(c, device.slug, "not measured", None, _bound(c), refs, "missing: " + ", ".join(missing))
    verdict = "holds" if _passes(c, value) else "does not hold"
    return Verdict(c, device.slug, verdict, value, _bound(c), refs, via)


def ledger(devices: Sequence[Device], claims: Sequence[Claim] | None = None) -> list[list[Verdict]]:
    """One list of verdicts (one per device, in `devices` order) per claim."""
    return [[judge(c, d, devices) for d in devices] for c in (claims or all_claims())]


def ledger_table(devices: Sequence[Device], verdicts: Sequence[Sequence[Verdict]]):
    """The ledger as a `bench.tables.Table`: per claim, the paper's figure and condition, then per device the
    verdict and the measured value (with its records)."""

    cols = ["claim", "paper says", "source", "paper value / ratio", "holds if (m = measured)"]
    for d in devices:
        cols += [f"{d.slug} verdict", f"{d.slug} measured"]
    rows = []
    for per_device in verdicts:
        c = per_device[0].claim if per_device else None
        if c is None:
            continue
        digits = 2 if c.op in ("near_abs", "ge_abs") else 3
        row = [label(c.id), label(c.text), label(c.source), Cell(c.paper, "paper", digits=digits), label(_bound(c))]
        for v in per_device:
            row.append(Cell(v.verdict, "label", note=v.detail))
            row.append(Cell(v.measured, "measured", v.evidence, digits, note=v.detail) if v.measured is not None
                       else Cell("–", "label", v.evidence, note=v.detail))
        rows.append(row)
    context = ["verdicts: holds / does not hold / not measured / n/a (claim about another device kind); "
               "ratios decide speed claims on other hardware (see bench/claims.py for the tolerances)"]
    context += [f"device {d.slug} ({d.kind}): {d.stack()}" for d in devices]
    if not devices:
        context.append("no results folder found: nothing is judged")
    return Table("claims", "Claims ledger — which of the paper's numbers held here", cols, rows, context,
                 ["'measured' for a ratio claim is A/B (a paired run's median ratio when one exists; else the ratio "
                  "of the two p50s); for a gain claim it is A - B."])

"""The paper's Tables 1, 3, 4 and 5 rebuilt from result records and `reports.paper`, one column (or row group) per
device found under a results root. Nothing here measures; a cell is either a record's value (with its file and row),
a paper value, a value derived from those, or "not measured" — never a zero standing in for a missing result.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.config import Config
from reports import paper
from reports.cells import Cell, delta, label, latency_cell, measured, pair_side_cells, paired_cell, paper_cell, ratio
from reports.query import Latency, canonical, find_kind, find_latency, millions, not_paper_network, percent
from reports.results import Device
from yolov12.files import write_atomic


# ---------------------------------------------------------------------------------------------------------- tables
@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    context: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def column(self, name: str) -> list[Cell]:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]


def _context(devices: Sequence[Device], protocol: str) -> list[str]:
    lines = [protocol, "every measured latency and ratio is shown with its 95% interval in brackets: the bootstrap "
                       "interval of the p50, or of a paired run's median per-round ratio",
             "a '!' after a latency = the record carries validity flags (high spread, few samples, "
                       "throttling): see the record"]
    lines += [f"device {d.slug} ({d.kind}): {d.stack()}" for d in devices]
    if not devices:
        lines.append("no results folder found: every measured cell reads 'not measured'")
    return lines


def _t1_models(devices: Sequence[Device]) -> list[tuple[str, str]]:
    """(model, size group) for every paper row, our turbo and Ultralytics' YOLO12, then measured extras."""
    out = []
    for r in paper.TABLE1:
        out.append((r.model, r.scale))
        if r.model.startswith("yolov12-"):
            out += [(f"yolo12-{r.scale}", r.scale), (f"yolov12-turbo-{r.scale}", r.scale)]
    known = {m for m, _ in out}
    extra = sorted({r.get("model") for d in devices for r in d.records if r.get("model")} - known)
    return out + [(m, m.rsplit("-", 1)[-1]) for m in extra]


def table1(devices: Sequence[Device]) -> Table:
    cols = ["model", "impl", "size", "params M (paper)", "params M fused (measured)", "Δ params M",
            "GFLOPs (paper)", "GFLOPs paper-conv. (measured)", "Δ GFLOPs", "GFLOPs total (measured)",
            "mAP50-95", "Δ mAP", "T4 latency ms (paper)"]
    for d in devices:
        cols += [f"{d.slug} {d.default_precision()} ms"]
    rows, map_protocols = [], []
    for model, size in _t1_models(devices):
        ref = paper.paper_reference(model)
        p_params, p_flops, p_ap, p_ms, src = ref if ref else (None, None, None, None, "")
        flops = find_kind(devices, "flops", model)
        acc = find_kind(devices, "accuracy", model)
        params = measured(millions(flops.num("params_fused")) if flops else None, flops)
        gp = measured(flops.num("gflops_paper") if flops else None, flops)
        ap = measured(percent(acc.num("map50_95")) if acc else None, acc, 1)
        ap_cell = ap if ap.source == "measured" else paper_cell(p_ap, 1, mark=True)
        if acc:  # records from before protocols were named used square canvases
            map_protocols.append(f"{model} {acc.get('protocol') or 'square'} batch {acc.get('batch') or '?'}")
        impl = (flops.get("impl") if flops else "") or ("ours" if model.startswith("yolov12") else "ultralytics")
        other = not_paper_network(devices, model)  # another network than the paper's row: nothing to compare
        name = model + (" †" if model in paper.TABLE1_FLAGS else "") + (" (README)" if src == "readme" else "")
        name += f" — {other}" if other else ""
        skip = label("not compared") if other else None
        row = [label(name), label(impl), label(size.upper()), paper_cell(p_params, 1), params,
               skip or delta(params, p_params), paper_cell(p_flops, 1), gp, skip or delta(gp, p_flops),
               measured(flops.num("gflops_total") if flops else None, flops), ap_cell, skip or delta(ap, p_ap, 1),
               paper_cell(p_ms)]
        for d in devices:
            lat = latency_cell(d, Latency.of(model, precision=d.default_precision()))
            row.append(lat)
        rows.append(row)
    notes = [f"{k}: {v}" for k, v in paper.TABLE1_FLAGS.items()] + paper.NOTES["table1"]
    notes.append("mAP marked '(paper)' is the paper's (or README's) figure: no accuracy record for that model.")
    if map_protocols:
        notes.append("measured mAP protocol (rect: Ultralytics' validator as model.val() runs it, the paper's; square: "
                     "square canvases): " + "; ".join(map_protocols))
    notes.append("'not the paper's network': a baseline whose params or FLOPs are more than 5 % off its paper row; "
                 "its paper cells are not compared and claims resting on it are n/a.")
    notes.append("No column sets a latency on this machine against the paper's T4 figure: different hardware and "
                 "runtime. The claims ledger judges speed by paired ratios.")
    protocol = ("timed region: forward (model call on a ready device tensor, synchronised), NMS excluded; batch 1; "
                "imgsz 640; eager PyTorch; precision fp32 on CPU, fp16 on CUDA; paper: T4 + TensorRT FP16, batch "
                "and NMS unstated. Params/FLOPs: fused model at 640 (any device's flops record).")
    return Table("table1", "Table 1 — real-time detectors on COCO: params, FLOPs, mAP, latency", cols, rows,
                 _context(devices, protocol), notes)


_T3_PAPER = {"cpu": "cpu-i7-10700k", "fp32": "rtx3080-fp32", "fp16": "rtx3080-fp16"}


def _t3_settings(d: Device) -> list[str]:
    return ["cpu"] if d.kind == "cpu" else ["fp32", "fp16"]


def table3(devices: Sequence[Device]) -> Table:
    cols = ["model", "where", "area off ms", "area on ms", "on/off (p50s)", "on/off (paired)", "paper on/off",
            "paper setting"]
    rows = []
    for model in ("yolov12-n", "yolov12-s", "yolov12-x"):
        for setting in paper.TABLE3_SETTINGS:
            off, on = paper.table3(model, False, setting), paper.table3(model, True, setting)
            rows.append([label(model), label(f"paper {setting}"), paper_cell(off, 1), paper_cell(on, 1),
                         Cell(on / off, "paper", digits=3), label("–"), paper_cell(on / off, 3),
                         label(setting)])
        for d in devices:
            for s in _t3_settings(d):
                prec = "fp32" if s == "cpu" else s
                q_on = Latency.of(model, precision=prec, attn="no-flash")
                q_off = Latency.of(model, {"area": 1}, precision=prec, attn="no-flash")
                c_off, c_on = latency_cell(d, q_off), latency_cell(d, q_on)
                sides = pair_side_cells(d, q_on, q_off)
                if sides and (find_latency(d, q_on) is None or find_latency(d, q_off) is None):
                    c_on, c_off = sides  # both from the paired run, not one side from another run
                pair = paired_cell(d, q_on, q_off)
                pset = _T3_PAPER[s]
                p = paper.table3(model, True, pset) / paper.table3(model, False, pset)
                rows.append([label(model), label(f"{d.slug} {prec}"), c_off, c_on, ratio(c_on, c_off), pair,
                             paper_cell(p, 3), label(pset)])
    protocol = ("timed region: forward, NMS excluded, batch 1, imgsz 640, eager; no FlashAttention (reference backend "
                "preferred); area off = overrides area=1. Paper: RTX 3080 / A5000 FP32 and FP16, i7-10700K CPU, "
                "runtime and batch unstated. Compare ratios: absolute times come from different machines.")
    return Table("table3", "Table 3 — area attention on/off", cols, rows, _context(devices, protocol),
                 paper.NOTES["table3"] + ["'paired' = both configurations interleaved in one run (ratio of p50s "
                                          "per round, median over rounds); preferred over the ratio of two p50s."])


def table4(devices: Sequence[Device]) -> Table:
    cols = ["model", "GFLOPs (paper)"]
    cols += [f"{g} {p} (paper)" for g in paper.TABLE4_GPUS for p in ("FP32", "FP16")]
    cols += [f"{d.slug} {p.upper()}" for d in devices for p in _t4_precisions(d)]
    rows = []
    for model, (flops, gpus) in paper.TABLE4.items():
        other = not_paper_network(devices, model)
        row = [label(model + (f" — {other}" if other else "")), paper_cell(flops, 1)]
        for g in paper.TABLE4_GPUS:
            for i, p in enumerate(("fp32", "fp16")):
                note = paper.TABLE4_SUSPECT.get((model, g, p), "")
                row.append(Cell(gpus[g][i], "paper", digits=1, note=note, suffix=" *" if note else ""))
        for d in devices:
            row += [latency_cell(d, Latency.of(model, precision=p)) for p in _t4_precisions(d)]
        rows.append(row)
    protocol = ("timed region: forward, NMS excluded, batch 1, imgsz 640, eager PyTorch, FP32 with TF32 off / FP16; "
                "paper: 'same hardware', runtime, batch and NMS unstated.")
    notes = paper.NOTES["table4"] + ["* marks a cell the paper probably misprinted."]
    return Table("table4", "Table 4 — FP32 / FP16 latency by scale (ms)", cols, rows,
                 _context(devices, protocol), notes)


def _t4_precisions(d: Device) -> tuple[str, ...]:
    """FP16 is a GPU column: a CPU device runs fp32 only (the suite does not time fp16 on CPU)."""
    return ("fp32",) if d.kind == "cpu" else ("fp32", "fp16")


def _t5_default(row: paper.Table5Row) -> paper.Table5Row:
    return next(r for r in paper.TABLE5 if r.sub == row.sub and r.model == row.model and r.default)


def _t5_query(row: paper.Table5Row, precision: str) -> Latency:
    return Latency.of(row.model, row.overrides, precision=precision, attn=row.attn or "any")


def _t5_device_cells(d: Device, r: paper.Table5Row, base: paper.Table5Row) -> list[Cell]:
    """Latency and the ratio to the sub-table's default row: a paired record's ratio when one exists, else the ratio
    of two separate p50s; the default row itself gets no ratio (it would be 1 by definition)."""
    prec = d.default_precision()
    q, q_base = _t5_query(r, prec), _t5_query(base, prec)
    lat = latency_cell(d, q)
    if r is base or q == q_base:
        return [lat, label("default")]
    pair = paired_cell(d, q, q_base)
    return [lat, pair if pair.source == "measured" else ratio(lat, latency_cell(d, q_base))]


def table5(devices: Sequence[Device]) -> Table:
    cols = ["sub", "setting", "model", "variant", "mAP (paper)", "mAP (measured)", "latency ms (paper)",
            "paper vs default"]
    for d in devices:
        cols += [f"{d.slug} {d.default_precision()} ms", f"{d.slug} vs default"]
    rows = []
    for r in paper.TABLE5:
        base = _t5_default(r)
        buildable = r.overrides is not None
        variant = "not buildable by overrides"
        if buildable:
            variant = Config(r.model, canonical(r.model, r.overrides) or ()).overrides_text or "default"
        acc = find_kind(devices, "accuracy", r.model, r.overrides) if buildable and r.overrides else None
        p_ratio = r.latency_ms / base.latency_ms if r.latency_ms and base.latency_ms else None
        row = [label(r.sub), label(r.setting), label(r.model), label(variant + (f" @{r.attn}" if r.attn else "")),
               paper_cell(r.ap, 1), measured(percent(acc.num("map50_95")) if acc else None, acc, 1),
               paper_cell(r.latency_ms), label("default") if r is base else paper_cell(p_ratio, 3)]
        for d in devices:
            if not buildable:
                row += [label("n/a"), label("n/a")]
                continue
            row += _t5_device_cells(d, r, base)
        rows.append(row)
    protocol = ("timed region: forward, NMS excluded, batch 1, imgsz 640, eager; fp32 on CPU, fp16 on CUDA; "
                "'@flash' rows need a FlashAttention kernel (sdpa-flash or flash-attn), '@no-flash' rows the "
                "reference backend. Paper: 600-epoch models, latency protocol as Table 1 (unconfirmed).")
    notes = paper.NOTES["table5"] + paper.NOTES["table5h"] + [
        "'vs default' = latency / latency of the sub-table's default row on the same device: compare it with "
        "'paper vs default'. mAP (measured) only where a trained variant's accuracy record exists."]
    return Table("table5", "Table 5 — diagnostics: latency of every variant buildable without training", cols, rows,
                 _context(devices, protocol), notes)


def build_all(devices: Sequence[Device]) -> list[Table]:
    return [table1(devices), table3(devices), table4(devices), table5(devices)]


def write_csv(table: Table, path: str | os.PathLike) -> None:
    """The table as displayed (missing cells read 'not measured'), plus one column listing each row's records."""
    text = io.StringIO()
    w = csv.writer(text)
    w.writerow([*table.columns, "records"])
    for row in table.rows:
        refs = sorted({str(ref) for c in row for ref in c.refs})
        w.writerow([c.text() for c in row] + [" ".join(refs)])
    write_atomic(path, text.getvalue())


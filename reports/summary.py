"""The answer first: per device and scale, YOLOv12 (Ultralytics' and ours) beside YOLO11, YOLO26, YOLOv8 and RT-DETR
(end-to-end and forward latency in eager PyTorch, the fastest runtime measured, params, both FLOPs conventions, mAP
measured or published), the claims counted per category, and one paragraph of findings generated from those
numbers. Every number is a `Cell` that cites its record (or, for a published number, its source)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from reports import paper
from reports.cells import Cell, label, latency_cell, measured
from reports.claims import CATEGORIES, Verdict
from reports.findings import findings
from reports.query import Latency, find_kind, millions, not_paper_network, percent
from reports.results import Device, Record
from reports.verdict import VERDICTS

E2E_REGIONS = ("forward+post", "pipeline")  # end-to-end: decoding and NMS (or the image pipeline) included
PAPER_URL = "https://arxiv.org/abs/2502.12524"
README_URL = "https://github.com/sunsmarterjie/yolov12"
FAMILIES = (("yolo12-", "Ultralytics"), ("yolov12-", "ours"), ("yolo11-", "Ultralytics"), ("yolo26-", "Ultralytics"),
            ("yolov8-", "Ultralytics"))
COLUMNS = ("scale", "model", "code", "end-to-end ms, eager [95% CI]", "forward ms, eager [95% CI]",
           "fastest runtime", "params M", "GFLOPs paper conv.", "GFLOPs total", "mAP50-95")


@dataclass
class DeviceSummary:
    slug: str
    context: str  # precision, batch, size
    rows: list[list[Cell]]
    claims: list[list[Cell]]  # category, then one count per verdict
    findings: list[list[str | Cell]] = field(default_factory=list)  # sentences of text and cited numbers
    left_out: str = ""  # scales with nothing measured on this device


def scale_models(scale: str) -> list[str]:
    """The models a scale's rows compare: each family's model of that scale, then RT-DETR at that size group."""
    out = [f"{prefix}{scale}" for prefix, _ in FAMILIES]
    out += [r.model for r in paper.TABLE1 if r.model.startswith("rtdetr-") and r.scale == scale]
    out += [m for m in ("rtdetr-l", "rtdetr-x") if m.endswith(scale)]
    return out


def published_map(model: str) -> Cell:
    """The published mAP50-95 with its source: the paper or official README (reports.paper), else the published
    figures of newer families (reports.published, when that module exists)."""
    ref = paper.paper_reference(model)
    if ref is not None:
        src = "paper Table 1" if ref[4] == "table1" else "official README"
        return Cell(ref[2], "paper", digits=1, suffix=" published", note=src,
                    url=PAPER_URL if ref[4] == "table1" else README_URL)
    pub = published_table().get(model)
    if pub is None or pub.map50_95 is None:
        return label("not published")
    return Cell(pub.map50_95, "paper", digits=1, suffix=" published", note=pub.note or pub.source, url=pub.source)


def published_table() -> dict:
    """reports.published.PUBLISHED (model -> Published), or {} while that module does not exist."""
    here = Path(__file__).parent / "published.py"  # this package's own file, not one another install maps the name to
    if not here.is_file():
        return {}
    return importlib.import_module("reports.published").PUBLISHED


def best_runtime(device: Device, model: str, regions: Sequence[str]) -> Cell:
    """The mode with the lowest p50 among the model's default graph's ok latency records in these regions, each mode
    (and region) by its latest record: one run's figure, never the best of several runs or code versions."""
    prec = device.default_precision()
    cands = [r for r in device.records if r.get("kind") == "latency" and r.get("model") == model
             and r.get("status") == "ok" and r.get("timed_region") in regions and r.get("precision") == prec
             and r.num("batch") == 1 and r.num("imgsz") == 640 and not r.get("overrides")
             and r.num("latency_p50_ms") is not None]
    if not cands:
        return Cell()
    latest = {(r.get("mode"), r.get("timed_region")): r for r in sorted(cands, key=lambda r: r.get("timestamp_utc"))}
    best = min(latest.values(), key=lambda r: r.num("latency_p50_ms"))
    modes = sorted({r.get("mode") for r in cands})
    if len(modes) == 1:  # nothing to choose from: name the mode, the latency columns hold its number
        return label(f"{best.get('mode')} only")
    cell = _latency(best)
    note = f"{cell.note} (of {', '.join(modes)})"
    return Cell(f"{best.get('mode')}: {cell.text()}", "measured", cell.refs, note=note)


def _latency(rec: Record) -> Cell:
    cell = measured(rec.num("latency_p50_ms"), rec, 1)
    lo, hi = rec.num("latency_p50_ci_low_ms"), rec.num("latency_p50_ci_high_ms")
    if lo is None or hi is None:
        return cell
    return replace(cell, ci=(lo, hi))


def _e2e(device: Device, model: str) -> Cell:
    for region in E2E_REGIONS:
        cell = latency_cell(device, Latency.of(model, precision=device.default_precision(), timed=region))
        if cell.source == "measured":
            return replace(cell, digits=1, note=f"{cell.note} timed region: {region}".strip())
    return Cell()


def model_row(devices: Sequence[Device], device: Device, scale: str, model: str) -> list[Cell] | None:
    """One summary row, or None when the device has no latency for the model and no record counts it."""
    forward = latency_cell(device, Latency.of(model, precision=device.default_precision()))
    forward = replace(forward, digits=1) if forward.source == "measured" else forward
    e2e = _e2e(device, model)
    flops = find_kind(devices, "flops", model)
    if forward.source == "missing" and e2e.source == "missing":
        return None
    best = best_runtime(device, model, E2E_REGIONS) if e2e.source == "measured" else \
        best_runtime(device, model, ("forward",))
    if e2e.source != "measured" and best.source != "missing":
        best = replace(best, value=f"{best.value} (forward)")
    acc = find_kind(devices, "accuracy", model)
    ap = measured(percent(acc.num("map50_95")), acc, 1) if acc is not None else Cell()
    ap = Cell(ap.value, ap.source, ap.refs, 1, suffix=" measured") if ap.source == "measured" else published_map(model)
    code = "ours" if model.startswith("yolov12-") else "Ultralytics"
    other = not_paper_network(devices, model)
    return [label(scale.upper()), Cell(model + (" †" if other else ""), "label", note=other), label(code), e2e,
            forward, best, measured(millions(flops.num("params_fused")) if flops else None, flops, 1),
            measured(flops.num("gflops_paper") if flops else None, flops, 1),
            measured(flops.num("gflops_total") if flops else None, flops, 1), ap]


def claims_rows(verdicts: Sequence[Verdict], slug: str) -> list[list[Cell]]:
    """Per category: the number of claims with each verdict, each count linking to the ledger."""
    rows = []
    for cat in CATEGORIES:
        counts = [sum(1 for v in verdicts if v.device == slug and v.claim.category == cat and v.verdict == k)
                  for k in VERDICTS]
        rows.append([label(cat)] + [Cell(f"{n}", "label", url="#claims") for n in counts])
    return rows


def device_summary(devices: Sequence[Device], device: Device, verdicts: Sequence[Verdict]) -> DeviceSummary:
    rows, empty = [], []
    for scale in paper.SCALE_LETTERS:
        found = [r for m in scale_models(scale) if (r := model_row(devices, device, scale, m)) is not None]
        rows += found
        if not found:
            empty.append(scale.upper())
    left = f"scales {', '.join(empty)}: no latency measured on this device" if empty else ""
    context = (f"{device.default_precision()}, batch 1, 640 x 640; eager PyTorch unless the runtime column names "
               "another; a '!' marks a record with validity flags")
    summary = DeviceSummary(device.slug, context, rows, claims_rows(verdicts, device.slug), left_out=left)
    summary.findings = findings(device, summary, verdicts)
    return summary


def summaries(devices: Sequence[Device], verdicts: Sequence[Verdict]) -> list[DeviceSummary]:
    return [device_summary(devices, d, verdicts) for d in devices]

"""The report's figures (matplotlib, Agg, PNG + SVG) drawn from result records and the paper's numbers.

Each function returns a `Figure` (its file stem and caption), or one whose `stem` is empty when the results hold
nothing to draw; the caller shows the caption then, never an empty chart.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from reports import paper
from reports.cells import latency_cell
from reports.figure import Figure, source
from reports.figure import pyplot as _pyplot
from reports.figure import save as _save
from reports.plot_runtimes import runtimes
from reports.plot_training import training
from reports.query import Latency, find_kind, not_paper_network, percent
from reports.results import Device
from reports.summary import published_table

log = logging.getLogger(__name__)

FAMILIES = (  # (label, model prefix, scales in order)
    ("YOLOv12 (ours)", "yolov12-", "nsmlx"), ("YOLOv12 turbo (ours)", "yolov12-turbo-", "nsmlx"),
    ("YOLO12 (Ultralytics)", "yolo12-", "nsmlx"), ("YOLO26", "yolo26-", "nsmlx"), ("YOLO11", "yolo11-", "nsmlx"),
    ("YOLOv10", "yolov10-", "nsmblx"),
    ("YOLOv9", "yolov9-", "tsmce"), ("YOLOv8", "yolov8-", "nsmlx"), ("YOLOv6-3.0", "yolov6-3.0-", "nsml"),
    ("RT-DETR", "rtdetr-", ("r18", "r34", "r50", "r101", "l", "x")),
)
SCALE_X = {"t": 0, "n": 0, "s": 1, "m": 2, "b": 2.5, "c": 2.5, "l": 3, "x": 4, "e": 4,
           "r18": 1, "r34": 2, "r50": 3, "r101": 4}


def _map(devices: Sequence[Device], model: str) -> tuple[float | None, bool, str]:
    """(mAP50-95 in percent, measured?, source) — the published figure when no accuracy record exists."""
    rec = find_kind(devices, "accuracy", model)
    if rec is not None and rec.num("map50_95") is not None:
        return percent(rec.num("map50_95")), True, f"record:{rec.ref}:map50_95"
    ref = paper.paper_reference(model)
    if ref is not None:
        return ref[2], False, f"published:{model}:map50_95"
    pub = published_table().get(model)  # newer families (YOLO26), when reports.published exists
    if pub is not None and pub.map50_95 is not None:
        return pub.map50_95, False, f"published:{model}:map50_95"
    return None, False, ""


def _models(prefix: str, scales) -> list[str]:
    return [f"{prefix}{s}" for s in scales]


def _lat(device: Device, model: str, precision: str | None = None, batch: int = 1):
    """(p50 ms, (low, high) or None, source) of the forward pass, or (None, None, '')."""
    cell = latency_cell(device, Latency.of(model, precision=precision or device.default_precision(), batch=batch))
    if cell.source != "measured" or not isinstance(cell.value, float):
        return None, None, ""
    return cell.value, cell.ci, source(cell)


def _others(devices: Sequence[Device], models) -> dict[str, str]:
    """model -> "not the paper's network (...)" for every drawn baseline that is another network than the paper's."""
    return {m: why for m in models if (why := not_paper_network(devices, m))}


def _others_caption(others: dict[str, str]) -> str:
    if not others:
        return ""
    return " Marked x: " + "; ".join(f"{m}: {why}" for m, why in sorted(others.items())) + "."


def _tradeoff_axis(ax, points: dict[tuple[int, str], list[tuple]], xlabel: str) -> None:
    """points: (family index, label) -> [(x, mAP, measured mAP?, not the paper's network?, (lo, hi) or None)]."""
    for (i, fam), pts in points.items():
        pts.sort(key=lambda p: p[0])
        color = f"C{i % 10}"  # one colour per family in every figure
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "-", color=color, lw=2 if "ours" in fam else 1, label=fam)
        for x, y, meas, other, ci in pts:
            if ci is not None:
                ax.errorbar([x], [y], xerr=[[x - ci[0]], [ci[1] - x]], fmt="none", ecolor=color, capsize=3, lw=1)
            if other:
                ax.plot(x, y, "x", color=color, ms=9, mew=2)
                ax.annotate("not the paper's", (x, y), fontsize=6, xytext=(3, -8), textcoords="offset points")
            else:
                ax.plot(x, y, "o", color=color, mfc=color if meas else "white", ms=7)
    ax.plot([], [], "o", color="k", label="measured mAP")
    ax.plot([], [], "o", color="k", mfc="white", label="published mAP (not measured here)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("COCO mAP50-95 (%)")
    ax.grid(alpha=0.3)


def tradeoff(devices: Sequence[Device], device: Device, out: Path) -> Figure:
    """Latency-mAP (with the p50's interval) and FLOPs-mAP on one device; mAP filled when measured, hollow when
    published."""
    lat_pts: dict[tuple[int, str], list] = {}
    flop_pts: dict[tuple[int, str], list] = {}
    values: list[tuple[float, str]] = []
    others = _others(devices, [f"{p}{s}" for _, p, ss in FAMILIES for s in ss])
    for i, (fam, prefix, scales) in enumerate(FAMILIES):
        for model in _models(prefix, scales):
            ap, meas, ap_src = _map(devices, model)
            ms, ci, ms_src = _lat(device, model)
            frec = find_kind(devices, "flops", model)
            g = frec.num("gflops_paper") if frec is not None else None
            if ap is None or (ms is None and g is None):
                continue
            values.append((ap, ap_src))
            if ms is not None:
                lat_pts.setdefault((i, fam), []).append((ms, ap, meas, model in others, ci))
                values += [(ms, ms_src)] + ([(ci[0], ms_src + ":ci_low"), (ci[1], ms_src + ":ci_high")] if ci else [])
            if g is not None:
                flop_pts.setdefault((i, fam), []).append((g, ap, meas, model in others, None))
                values.append((g, f"record:{frec.ref}:gflops_paper"))
    if not lat_pts:
        return Figure("", f"Trade-off on {device.slug}", f"{device.slug}: no latency record of a model with a known "
                      "mAP: not measured.")
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    _tradeoff_axis(axes[0], lat_pts, f"latency p50 (ms, {device.default_precision()}, batch 1, forward) with 95% CI")
    _tradeoff_axis(axes[1], flop_pts, "GFLOPs (paper convention, 640)")
    from matplotlib.ticker import ScalarFormatter

    for ax in axes:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ScalarFormatter())
    axes[1].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Accuracy trade-off on {device.slug}: latency measured here; filled = measured mAP, "
                 "hollow = published mAP")
    stem = f"tradeoff-{device.slug}"
    _save(fig, out, stem)
    drawn = {m: w for m, w in others.items() if any(m == x for x in others)}
    return Figure(stem, f"Latency-mAP and FLOPs-mAP on {device.slug}",
                  "Latency and FLOPs are measured here (error bars: 95% interval of the p50). Filled markers use a "
                  "measured mAP; hollow markers carry the published (paper or README) mAP, not measured here."
                  + _others_caption(drawn), tuple(values))


def latency_by_scale(device: Device, out: Path, devices: Sequence[Device] = ()) -> Figure:
    series, values = {}, []
    for fam, prefix, scales in FAMILIES:
        pts = []
        for s in scales:
            ms, ci, src = _lat(device, f"{prefix}{s}")
            if ms is not None:
                pts.append((SCALE_X[s], ms, ci, f"{prefix}{s}"))
                values.append((ms, src))
        if pts:
            series[fam] = pts
    if not series:
        return Figure("", f"Latency by scale — {device.slug}", f"{device.slug}: no batch-1 latency: not measured.")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.8))
    colors = {fam: f"C{i % 10}" for i, (fam, _, _) in enumerate(FAMILIES)}
    others = {}
    for fam, pts in series.items():
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color=colors[fam], label=fam)
        for x, y, ci, model in pts:
            if ci is not None:
                ax.errorbar([x], [y], yerr=[[y - ci[0]], [ci[1] - y]], fmt="none", ecolor=colors[fam], capsize=3)
            why = not_paper_network(devices or [device], model)
            if why:
                others[model] = why
                ax.plot(x, y, "x", color="k", ms=10, mew=2)
    ax.set_xticks([0, 1, 2, 3, 4], ["N/T", "S", "M", "L", "X/E"])
    ax.set_yscale("log")
    ax.set_ylabel(f"latency p50 (ms, {device.default_precision()}, batch 1) with 95% CI")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"Latency by scale — {device.slug}")
    stem = f"latency-by-scale-{device.slug}"
    _save(fig, out, stem)
    return Figure(stem, f"Latency by scale — {device.slug}", "p50 of the forward pass, batch 1, 640, eager; error "
                  "bars: 95% interval." + _others_caption(others), tuple(values))


def attention_onoff(device: Device, ledger_rows: Sequence, out: Path) -> Figure:
    """Measured on/off ratios (area attention, FlashAttention) with their 95% intervals, the paper's ratio as a tick."""
    items = [v for v in ledger_rows if v.device == device.slug and v.claim.id.startswith(("area-", "fa-"))
             and v.measured is not None]
    if not items:
        return Figure("", f"Attention on/off — {device.slug}",
                      f"{device.slug}: no area-attention or FlashAttention on/off pair measured.")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(5, 1.1 * len(items)), 4))
    xs = list(range(len(items)))
    ax.bar(xs, [v.measured for v in items], color="C0", label="measured on/off (paired)")
    for x, v in zip(xs, items, strict=True):
        if v.ci_low is not None and v.ci_high is not None:
            ax.errorbar([x], [v.measured], yerr=[[v.measured - v.ci_low], [v.ci_high - v.measured]], fmt="none",
                        ecolor="k", capsize=4)
    ax.scatter(xs, [v.claim.paper for v in items], marker="_", s=900, color="C3", label="paper on/off", zorder=3)
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xticks(xs, [v.claim.id for v in items], rotation=30)
    ax.set_ylabel("latency ratio on / off (lower = faster with it)")
    ax.set_ylim(0, max(1.1, *(max(v.ci_high or v.measured, v.claim.paper) * 1.1 for v in items)))
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2)
    ax.set_title(f"Area attention and FlashAttention on/off — {device.slug}")
    stem = f"attention-onoff-{device.slug}"
    _save(fig, out, stem)
    values = tuple((v.measured, f"verdict:{v.claim.id}:{v.device}") for v in items)
    values += tuple((v.claim.paper, f"published:{v.claim.id}:claim") for v in items)
    return Figure(stem, f"Area attention and FlashAttention on/off — {device.slug}",
                  "Bars: the paired ratio on/off with its 95% interval; red ticks: the ratio the paper's cells imply.",
                  values)


def throughput(device: Device, out: Path) -> Figure:
    series: dict[str, list] = {}
    for r in device.records:
        if r.get("kind") == "latency" and r.get("status") == "ok" and r.num("throughput_img_s") is not None \
                and r.get("timed_region") == "forward" and "+" not in r.get("variant"):
            key = f"{r.get('model')} {r.get('precision')}"
            series.setdefault(key, {})[r.num("batch")] = (r.num("throughput_img_s"), f"record:{r.ref}:throughput_img_s")
    series = {k: sorted(v.items()) for k, v in series.items() if len(v) > 1}
    if not series:
        return Figure("", f"Throughput — {device.slug}", f"{device.slug}: no batch sweep: not measured.")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, (key, pts) in enumerate(sorted(series.items())):
        ax.plot([p[0] for p in pts], [p[1][0] for p in pts], "o-", color=f"C{i % 10}", label=key)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("batch size")
    ax.set_ylabel("throughput (img/s)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"Throughput against batch — {device.slug}")
    stem = f"throughput-{device.slug}"
    _save(fig, out, stem)
    values = tuple(p[1] for pts in series.values() for p in pts)
    return Figure(stem, f"Throughput against batch size — {device.slug}", "Forward pass, 640, eager.", values)


def device_vs_device(devices: Sequence[Device], out: Path) -> Figure:
    """Each further device's batch-1 fp32 latency against the first device's (with intervals); needs two devices."""
    if len(devices) < 2:
        return Figure("", "Device against device", "One device measured: nothing to compare yet.")
    models = [r.model for r in paper.TABLE1] + [f"yolov12-turbo-{s}" for s in paper.SCALE_LETTERS] + \
        [f"yolo12-{s}" for s in paper.SCALE_LETTERS]
    pairs, values = [], []
    for d in devices[1:]:
        pts = []
        for m in models:
            (x, xci, xs), (y, yci, ys) = _lat(devices[0], m, "fp32"), _lat(d, m, "fp32")
            if x is not None and y is not None:
                pts.append((x, y, xci, yci, m))
                values += [(x, xs), (y, ys)]
        pairs.append((devices[0].slug, d.slug, pts))
    pairs = [p for p in pairs if p[2]]
    if not pairs:
        return Figure("", "Device against device", "No model measured on two devices: not measured.")
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(pairs), figsize=(5 * len(pairs), 4.5), squeeze=False)
    for ax, (xl, yl, pts) in zip(axes[0], pairs, strict=True):
        for x, y, xci, yci, m in pts:
            ax.errorbar([x], [y], xerr=[[x - xci[0]], [xci[1] - x]] if xci else None,
                        yerr=[[y - yci[0]], [yci[1] - y]] if yci else None, fmt="o", color="C0", capsize=2)
            ax.annotate(m, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
        lim = [min(min(p[0], p[1]) for p in pts) * 0.9, max(max(p[0], p[1]) for p in pts) * 1.1]
        ax.plot(lim, lim, "--", color="grey", lw=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"{xl} fp32 (ms)")
        ax.set_ylabel(f"{yl} fp32 (ms)")
        ax.grid(alpha=0.3)
    fig.suptitle("Latency on one device against another (same model per point, 95% intervals)")
    stem = "device-vs-device"
    _save(fig, out, stem)
    return Figure(stem, "Device against device", "Each point is one model at batch 1, forward, fp32; dashed: equal "
                  "speed.", tuple(values))


def all_figures(devices: Sequence[Device], verdicts: Sequence, out: Path) -> list[Figure]:
    figs = []
    for d in devices:
        figs += [tradeoff(devices, d, out), latency_by_scale(d, out, devices), attention_onoff(d, verdicts, out),
                 runtimes(d, out), throughput(d, out), training(d, out)]
    figs.append(device_vs_device(devices, out))
    return figs

"""The report's figures (matplotlib, Agg, PNG + SVG) drawn from result records and the paper's numbers.

Each function returns a `Figure` (its file stem and caption), or one whose `stem` is empty when the results hold
nothing to draw; the caller shows the caption then, never an empty chart.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reports import paper
from reports.query import Latency, find_kind, find_latency, not_paper_network, percent
from reports.results import Device

log = logging.getLogger(__name__)

FAMILIES = (  # (label, model prefix, scales in order)
    ("YOLOv12 (ours)", "yolov12-", "nsmlx"), ("YOLOv12 turbo (ours)", "yolov12-turbo-", "nsmlx"),
    ("YOLO12 (Ultralytics)", "yolo12-", "nsmlx"), ("YOLO11", "yolo11-", "nsmlx"), ("YOLOv10", "yolov10-", "nsmblx"),
    ("YOLOv9", "yolov9-", "tsmce"), ("YOLOv8", "yolov8-", "nsmlx"), ("YOLOv6-3.0", "yolov6-3.0-", "nsml"),
    ("RT-DETR", "rtdetr-", ("r18", "r34", "r50", "r101", "l", "x")),
)
SCALE_X = {"t": 0, "n": 0, "s": 1, "m": 2, "b": 2.5, "c": 2.5, "l": 3, "x": 4, "e": 4,
           "r18": 1, "r34": 2, "r50": 3, "r101": 4}


@dataclass(frozen=True)
class Figure:
    stem: str  # file stem under the figures dir ('' = nothing to draw)
    title: str
    caption: str


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, out: Path, stem: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for ext in ("png", "svg"):
        fig.savefig(out / f"{stem}.{ext}", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)


def _map(devices: Sequence[Device], model: str) -> tuple[float | None, bool]:
    """(mAP50-95 in percent, measured?) — the paper's figure when no accuracy record exists."""
    rec = find_kind(devices, "accuracy", model)
    if rec is not None and rec.num("map50_95") is not None:
        return percent(rec.num("map50_95")), True
    ref = paper.paper_reference(model)
    return (ref[2], False) if ref else (None, False)


def _models(prefix: str, scales) -> list[str]:
    return [f"{prefix}{s}" for s in scales]


def _lat(device: Device, model: str, precision: str | None = None, batch: int = 1):
    rec = find_latency(device, Latency.of(model, precision=precision or device.default_precision(), batch=batch))
    return rec.num("latency_p50_ms") if rec is not None and rec.get("status") == "ok" else None


def _others(devices: Sequence[Device], models) -> dict[str, str]:
    """model -> "not the paper's network (...)" for every drawn baseline that is another network than the paper's."""
    return {m: why for m in models if (why := not_paper_network(devices, m))}


def _others_caption(others: dict[str, str]) -> str:
    if not others:
        return ""
    return " Marked x: " + "; ".join(f"{m}: {why}" for m, why in sorted(others.items())) + "."


def _tradeoff_axis(ax, points: dict[tuple[int, str], list[tuple]], xlabel: str) -> None:
    for (i, fam), pts in points.items():
        pts.sort()
        color = f"C{i % 10}"  # one colour per family in every figure
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "-", color=color, lw=2 if "ours" in fam else 1, label=fam)
        for x, y, meas, *other in pts:
            if other and other[0]:
                ax.plot(x, y, "x", color=color, ms=9, mew=2)
                ax.annotate("not the paper's", (x, y), fontsize=6, xytext=(3, -8), textcoords="offset points")
            else:
                ax.plot(x, y, "o", color=color, mfc=color if meas else "white", ms=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("COCO mAP50-95 (%)")
    ax.grid(alpha=0.3)


def tradeoff(devices: Sequence[Device], device: Device | None, out: Path) -> Figure:
    """Figure 1 style: latency-mAP and FLOPs-mAP. device None = the paper's own T4 numbers."""
    lat_pts: dict[str, list] = {}
    flop_pts: dict[str, list] = {}
    seen: set[str] = set()
    others = {} if device is None else _others(devices, [f"{p}{s}" for _, p, ss in FAMILIES for s in ss])
    for i, (fam, prefix, scales) in enumerate(FAMILIES):
        if device is None and prefix == "yolo12-":
            continue  # the paper's numbers for Ultralytics' YOLO12 are YOLOv12's own: one curve, not two
        if device is None:
            fam = fam.replace(" (ours)", "")
        for model in _models(prefix, scales):
            ap, meas = _map(devices, model)
            if ap is None:
                continue
            seen.add(model)
            ref = paper.paper_reference(model)
            ms = (ref[3] if ref else None) if device is None else _lat(device, model)
            if ms is not None:
                lat_pts.setdefault((i, fam), []).append((ms, ap, meas and device is not None, model in others))
            frec = find_kind(devices, "flops", model) if device is not None else None
            g = frec.num("gflops_paper") if frec is not None else (ref[1] if ref and device is None else None)
            if g is not None:
                flop_pts.setdefault((i, fam), []).append((g, ap, meas and device is not None, model in others))
    slug = device.slug if device else "paper-t4"
    if not lat_pts and not flop_pts:
        return Figure("", f"Trade-off on {slug}",
                      f"{slug}: no latency or FLOPs records with a known mAP: not measured.")
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    prec = device.default_precision() if device else "TensorRT FP16"
    _tradeoff_axis(axes[0], lat_pts, f"latency p50 (ms, {prec}, batch 1, forward)")
    _tradeoff_axis(axes[1], flop_pts, "GFLOPs (paper convention, 640)")
    from matplotlib.ticker import ScalarFormatter

    for ax in axes if device is not None else axes[1:]:  # measured latencies span decades; the paper's do not
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ScalarFormatter())
    axes[1].legend(fontsize=8, loc="lower right")
    src = "paper Table 1 (T4 TensorRT FP16)" if device is None else slug
    fig.suptitle(f"Accuracy trade-off — {src}; filled: measured mAP, hollow: the paper's mAP")
    stem = f"tradeoff-{slug}"
    _save(fig, out, stem)
    drawn = {m: w for m, w in others.items() if m in seen}
    return Figure(stem, f"Latency-mAP and FLOPs-mAP — {src}",
                  "Filled markers use a measured mAP; hollow markers carry the paper's (or README's) mAP."
                  + _others_caption(drawn))


def latency_by_scale(device: Device, out: Path, devices: Sequence[Device] = ()) -> Figure:
    plt = _pyplot()
    series = {}
    for fam, prefix, scales in FAMILIES:
        pts = [(SCALE_X[s], _lat(device, f"{prefix}{s}")) for s in scales]
        pts = [p for p in pts if p[1] is not None]
        if pts:
            series[fam] = pts
    if not series:
        return Figure("", f"Latency by scale — {device.slug}", f"{device.slug}: no batch-1 latency: not measured.")
    fig, ax = plt.subplots(figsize=(8, 4.8))
    colors = {fam: f"C{i % 10}" for i, (fam, _, _) in enumerate(FAMILIES)}
    prefixes = {fam: prefix for fam, prefix, _ in FAMILIES}
    inv_x = {}
    for fam, _, scales in FAMILIES:
        for s in scales:
            inv_x.setdefault((fam, SCALE_X[s]), s)
    others = {}
    for fam, pts in series.items():
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color=colors[fam], label=fam)
        for x, y in pts:
            model = f"{prefixes[fam]}{inv_x[(fam, x)]}"
            why = not_paper_network(devices or [device], model)
            if why:
                others[model] = why
                ax.plot(x, y, "x", color="k", ms=10, mew=2)
    ax.set_xticks([0, 1, 2, 3, 4], ["N/T", "S", "M", "L", "X/E"])
    ax.set_yscale("log")
    ax.set_ylabel(f"latency p50 (ms, {device.default_precision()}, batch 1)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"Latency by scale — {device.slug}")
    stem = f"latency-by-scale-{device.slug}"
    _save(fig, out, stem)
    return Figure(stem, f"Latency by scale — {device.slug}",
                  "p50 of the forward pass, batch 1, 640, eager." + _others_caption(others))


def attention_onoff(device: Device, ledger_rows: Sequence, out: Path) -> Figure:
    """Measured on/off ratios (area attention, FlashAttention) as bars, the paper's ratio as a black tick."""
    items = [(v.claim.id, v.measured, v.claim.paper) for v in ledger_rows
             if v.device == device.slug and (v.claim.id.startswith(("area-", "fa-"))) and v.measured is not None]
    if not items:
        return Figure("", f"Attention on/off — {device.slug}",
                      f"{device.slug}: no area-attention or FlashAttention on/off pair measured.")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(5, 1.1 * len(items)), 4))
    xs = range(len(items))
    ax.bar(xs, [i[1] for i in items], color="C0", label="measured on/off")
    ax.scatter(xs, [i[2] for i in items], marker="_", s=900, color="k", label="paper on/off", zorder=3)
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xticks(list(xs), [i[0] for i in items], rotation=30)
    ax.set_ylabel("latency ratio on / off (lower = faster with it)")
    ax.set_ylim(0, max(1.1, *(max(i[1], i[2]) * 1.1 for i in items)))
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2)
    ax.set_title(f"Area attention and FlashAttention on/off — {device.slug}")
    stem = f"attention-onoff-{device.slug}"
    _save(fig, out, stem)
    return Figure(stem, f"Area attention and FlashAttention on/off — {device.slug}",
                  "Bars: measured ratio (paired record when present); ticks: the ratio the paper's cells imply.")


def throughput(device: Device, out: Path) -> Figure:
    series: dict[str, list] = {}
    for r in device.records:
        if r.get("kind") == "latency" and r.get("status") == "ok" and r.num("throughput_img_s") is not None \
                and r.get("timed_region") == "forward" and "+" not in r.get("variant"):
            key = f"{r.get('model')} {r.get('precision')}"
            series.setdefault(key, {})[r.num("batch")] = r.num("throughput_img_s")
    series = {k: sorted(v.items()) for k, v in series.items() if len(v) > 1}
    if not series:
        return Figure("", f"Throughput — {device.slug}", f"{device.slug}: no batch sweep: not measured.")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, (key, pts) in enumerate(sorted(series.items())):
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color=f"C{i % 10}", label=key)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("batch size")
    ax.set_ylabel("throughput (img/s)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"Throughput against batch — {device.slug}")
    stem = f"throughput-{device.slug}"
    _save(fig, out, stem)
    return Figure(stem, f"Throughput against batch size — {device.slug}", "Forward pass, 640, eager.")


def device_vs_device(devices: Sequence[Device], out: Path) -> Figure:
    """Each device's batch-1 latency against the paper's T4 figure, and against the first device."""
    models = [r.model for r in paper.TABLE1] + [f"yolov12-turbo-{s}" for s in paper.SCALE_LETTERS]
    pairs = []
    for d in devices:
        pts = [(paper.paper_reference(m)[3], _lat(d, m), m) for m in models]
        pairs.append(("paper T4 TensorRT FP16", d.slug, [p for p in pts if p[0] and p[1]]))
    for d in devices[1:]:
        pts = [(_lat(devices[0], m, "fp32"), _lat(d, m, "fp32"), m) for m in models]
        pairs.append((f"{devices[0].slug} fp32", f"{d.slug} fp32", [p for p in pts if p[0] and p[1]]))
    pairs = [p for p in pairs if p[2]]
    if not pairs:
        return Figure("", "Device against device", "No model measured on a device: not measured.")
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(pairs), figsize=(5 * len(pairs), 4.5), squeeze=False)
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    for ax, (xl, yl, pts) in zip(axes[0], pairs, strict=True):
        ax.loglog([p[0] for p in pts], [p[1] for p in pts], "o")
        for x, y, m in pts:
            star = "*" if not_paper_network(devices, m) else ""
            ax.annotate(m + star, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(LogLocator(base=10, subs=(1.0, 1.5, 2.0, 3.0, 5.0, 7.0)))
            axis.set_major_formatter(FormatStrFormatter("%g"))
            axis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(f"{xl} (ms)")
        ax.set_ylabel(f"{yl} (ms)")
        ax.grid(alpha=0.3)
    fig.suptitle("Latency on one device against another (same model per point, log-log)")
    stem = "device-vs-device"
    _save(fig, out, stem)
    others = _others(devices, {p[2] for _, _, pts in pairs for p in pts})
    return Figure(stem, "Device against device", "Each point is one model at batch 1; off-diagonal = different speed."
                  + _others_caption(others).replace("Marked x", "Marked *"))


def all_figures(devices: Sequence[Device], verdicts: Sequence, out: Path) -> list[Figure]:
    figs = [tradeoff(devices, None, out)]
    for d in devices:
        figs += [tradeoff(devices, d, out), latency_by_scale(d, out, devices), attention_onoff(d, verdicts, out),
                 throughput(d, out)]
    figs.append(device_vs_device(devices, out))
    return figs

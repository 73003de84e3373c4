"""Runtime comparison per model: the p50 (with its 95% interval) of every runtime measured for each model's default
graph at batch 1, end-to-end when measured, else forward. Drawn only when some model has two or more runtimes."""

from __future__ import annotations

from pathlib import Path

from reports.figure import Figure, pyplot, save
from reports.results import Device, Record

REGIONS = ("forward+post", "pipeline", "forward")  # preferred first


def runtime_points(device: Device) -> dict[tuple[str, str], dict[str, Record]]:
    """(model, region) -> mode -> the fastest ok record of that mode (default graph, batch 1, 640)."""
    out: dict[tuple[str, str], dict[str, Record]] = {}
    for r in device.records:
        if r.get("kind") != "latency" or r.get("status") != "ok" or r.get("overrides") or r.num("batch") != 1 \
                or r.num("imgsz") != 640 or r.get("precision") != device.default_precision() \
                or r.num("latency_p50_ms") is None or r.get("timed_region") not in REGIONS:
            continue
        modes = out.setdefault((r.get("model"), r.get("timed_region")), {})
        old = modes.get(r.get("mode"))
        if old is None or r.num("latency_p50_ms") < old.num("latency_p50_ms"):
            modes[r.get("mode")] = r
    return out


def runtimes(device: Device, out: Path) -> Figure:
    points = runtime_points(device)
    chosen = {}
    for (model, region), modes in sorted(points.items(), key=lambda kv: REGIONS.index(kv[0][1])):
        if len(modes) >= 2 and model not in chosen:
            chosen[model] = (region, modes)
    title = f"Runtimes per model — {device.slug}"
    if not chosen:
        return Figure("", title, f"{device.slug}: one runtime per model measured (eager): no comparison to draw.")
    mode_names = sorted({m for _, modes in chosen.values() for m in modes})
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(chosen) * len(mode_names) / 2), 4.5))
    width = 0.8 / len(mode_names)
    values = []
    for j, mode in enumerate(mode_names):
        xs, ys, err = [], [], [[], []]
        for i, (_, modes) in enumerate(chosen.values()):
            rec = modes.get(mode)
            if rec is None:
                continue
            y, lo, hi = rec.num("latency_p50_ms"), rec.num("latency_p50_ci_low_ms"), rec.num("latency_p50_ci_high_ms")
            xs.append(i + j * width)
            ys.append(y)
            err[0].append(y - lo if lo is not None else 0)
            err[1].append(hi - y if hi is not None else 0)
            values.append((y, f"record:{rec.ref}:latency_p50_ms"))
        ax.bar(xs, ys, width, yerr=err, capsize=3, color=f"C{j % 10}", label=mode)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(chosen))],
                  [f"{m}\n({r})" for m, (r, _) in chosen.items()], fontsize=7)
    ax.set_ylabel(f"latency p50 (ms, {device.default_precision()}, batch 1) with 95% CI")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    ax.set_title(title)
    stem = f"runtimes-{device.slug}"
    save(fig, out, stem)
    return Figure(stem, title, "Each model's runtimes side by side, in the timed region named under it "
                  "(end-to-end when measured); error bars: 95% interval of the p50.", tuple(values))

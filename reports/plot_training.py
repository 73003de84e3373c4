"""Training curves of the synthetic run (scripts/train_synth.py): mAP50-95 against wall time, ours and, when the
run recorded it, Ultralytics' trainer; the caption states each side's thread count and the throughput ratio, and
says plainly when the two sides did not run at equal thread counts."""

from __future__ import annotations

import csv
from pathlib import Path

from reports.figure import Figure, pyplot, save
from reports.results import Device


def training_rows(device: Device) -> tuple[str, list[dict]]:
    """(path, rows) of the device's training/train_synth.csv (('', []) when there is none)."""
    for folder in device.folders:
        path = Path(folder) / "training" / "train_synth.csv"
        if path.is_file():
            with open(path, newline="") as f:
                return str(path), list(csv.DictReader(f))
    return "", []


def _num(row: dict, col: str) -> float | None:
    try:
        return float(row.get(col) or "")
    except ValueError:
        return None


def threads_text(row: dict, cpu_count: str) -> tuple[str, bool]:
    """('ours N threads, Ultralytics M', like for like?) from the run's columns, or what the trainers default to."""
    ours, ultra = row.get("ours_threads") or "", row.get("ultralytics_threads") or ""
    if ours and ultra:
        return f"ours {ours} thread(s), Ultralytics' trainer {ultra}", ours == ultra
    n = int(cpu_count) if cpu_count.isdigit() else None
    guess = f"ours {n} (torch's default), Ultralytics {max(1, n - 1)} (its trainer pins cpu_count - 1)" if n else \
        "ours torch's default, Ultralytics' trainer cpu_count - 1"
    return f"threads not recorded by this run; by the trainers' defaults on this machine: {guess}", False


def training(device: Device, out: Path) -> Figure:
    path, rows = training_rows(device)
    title = f"Training on the synthetic set — {device.slug}"
    if not rows:
        return Figure("", title, f"{device.slug}: no training run recorded (scripts/train_synth.py).")
    run = rows[-1]["run"]
    numbered = [(i, r) for i, r in enumerate(rows, 1) if r["run"] == run]  # i: the row's number in the file
    rows = [r for _, r in numbered]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    values = []
    for trainer, color in (("ours", "C0"), ("ultralytics", "C3")):
        pts = [(i, _num(r, "wall_s"), _num(r, "map50_95")) for i, r in numbered
               if (r.get("trainer") or "ours") == trainer]
        pts = [p for p in pts if p[1] is not None and p[2] is not None]
        if pts:
            ax.plot([p[1] for p in pts], [p[2] for p in pts], "o-", color=color, label=trainer)
            values += [(v, f"training:{path}#{i}:{col}") for i, x, y in pts for v, col in ((x, "wall_s"),
                                                                                         (y, "map50_95"))]
    threads, equal = threads_text(rows[-1], device.cpu_count())
    ratio = _num(rows[-1], "throughput_ratio")
    verdict = "equal thread counts" if equal else "NOT like for like"
    ax.set_xlabel("wall time (s)")
    ax.set_ylabel("mAP50-95 (synthetic val)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"{title}\n{verdict}: {threads}", fontsize=8)
    stem = f"training-{device.slug}"
    save(fig, out, stem)
    ultra = any(r.get("trainer") == "ultralytics" for r in rows)
    text = (f"Run {run}, imgsz {rows[-1].get('imgsz')}, batch {rows[-1].get('batch')}: {verdict} ({threads}). "
            + ("Each curve is scored by its own trainer's validator. " if ultra else
               "Ultralytics' trainer's curve was not recorded in this run (only its throughput). "))
    if ratio is not None:
        text += (f"Training throughput ours / Ultralytics' trainer = {ratio:.3f} "
                 f"({_num(rows[-1], 'ours_img_s')} vs {_num(rows[-1], 'ultralytics_img_s')} img/s)"
                 + ("." if equal else ": not comparable, the sides ran at different thread counts."))
    return Figure(stem, title, text + f" Data: {path}.", tuple(values))

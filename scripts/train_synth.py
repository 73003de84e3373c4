"""Train yolov12-n from scratch on the synthetic set on this CPU: mAP50 and mAP50-95 against wall time, then the
training throughput (images/s) of our trainer against ultralytics' own on the same data and settings, as a ratio.

    python scripts/train_synth.py                      # the full run (about 20 minutes of training + throughput)
    python scripts/train_synth.py --epochs 1 --train 64 --val 16 --throughput-rounds 1 --throughput-epochs 2  # smoke

Throughput is measured in separate short runs, interleaved (ours, ultralytics, ours, ultralytics, ...), each in its
own process with the same imgsz, batch, nbs, augmentation, workers=0, fp32 and deterministic mode, mosaic on.
For each run only the training-loop time of its epochs after the first (warm-up) counts: ours from results.csv
`train_s`, ultralytics' from its on_train_epoch_start/end callbacks; images/s = train images / epoch seconds; the
ratio is median(ours) / median(ultralytics). Results are appended under results/<cpu-slug>/training/.

Threads: Ultralytics' trainer pins torch to cpu_count - 1 threads on CPU, ours keeps torch's default, so without
`--threads N` the two sides do not run alike (the record says how many each used). `--threads N` runs both with N.
`--ultralytics-curve` also trains Ultralytics' trainer for --epochs with validation every epoch (its own validator),
so the report can draw both mAP-against-time curves.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# ultralytics' trainer in a child process; the epoch callbacks time the training loop only (validation excluded)
ULTRA_CHILD = """
import json, sys, time, torch
from ultralytics import YOLO
cfg, threads = json.loads(sys.argv[1]), json.loads(sys.argv[2])
times, curve, seen, t0 = [], [], {}, []
model = YOLO("yolo12n.yaml")
if threads:  # after its select_device() pinned cpu_count - 1
    model.add_callback("on_pretrain_routine_start", lambda t: torch.set_num_threads(threads))
model.add_callback("on_train_start", lambda t: t0.append(time.perf_counter()))
model.add_callback("on_train_epoch_start", lambda t: (times.append([time.perf_counter()]),
                                                      seen.setdefault("threads", torch.get_num_threads())))
model.add_callback("on_train_epoch_end", lambda t: times[-1].append(time.perf_counter()))
model.add_callback("on_fit_epoch_end", lambda t: curve.append([t.epoch + 1, time.perf_counter() - t0[0],
                   t.metrics.get("metrics/mAP50(B)"), t.metrics.get("metrics/mAP50-95(B)")]))
model.train(**cfg)
print("EPOCH_SECONDS", json.dumps([b - a for a, b in times]))
print("THREADS", json.dumps(seen.get("threads")))
print("CURVE", json.dumps(curve))
"""
COLUMNS = ["run", "epoch", "wall_s", "map50", "map50_95", "imgsz", "batch", "train_images", "ours_img_s",
           "ultralytics_img_s", "throughput_ratio", "trainer", "ours_threads", "ultralytics_threads"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", default=str(ROOT / ".cache" / "synth-800"), help="synthetic set folder (generated "
                   "if it has no data.yaml)")
    p.add_argument("--train", type=int, default=800, help="training images when generating (default 800)")
    p.add_argument("--val", type=int, default=100, help="validation images when generating (default 100)")
    p.add_argument("--imgsz", type=int, default=256)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--epochs", type=int, default=15, help="accuracy run length (default 15, ~20 min here)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="extra recipe overrides")
    p.add_argument("--throughput-rounds", type=int, default=2, help="interleaved rounds (0 skips the comparison)")
    p.add_argument("--throughput-epochs", type=int, default=3, help="epochs per throughput run (first discarded)")
    p.add_argument("--throughput-images", type=int, default=256, help="train images in the throughput runs")
    p.add_argument("--threads", type=int, default=None, help="torch threads for both trainers (default: each "
                   "trainer's own: torch's default for ours, cpu_count - 1 for Ultralytics')")
    p.add_argument("--ultralytics-curve", action="store_true", help="also train Ultralytics' trainer for --epochs "
                   "with validation each epoch (its mAP against wall time)")
    p.add_argument("--out", default=None, help="results folder (default results/<cpu-slug>/training)")
    args = p.parse_args(argv)
    if args.imgsz % 32 or args.batch < 2 or args.epochs < 1 or args.throughput_epochs < 2 or \
            (args.threads is not None and args.threads < 1):
        p.error("--imgsz must be a multiple of 32, --batch >= 2, --epochs >= 1, --throughput-epochs >= 2, "
                "--threads >= 1")
    return args


def env(threads: int | None = None) -> dict:
    """The children's environment; `threads` sets OMP_NUM_THREADS, which torch takes as its thread count."""
    cache = ROOT / ".cache"
    extra = {"OMP_NUM_THREADS": str(threads)} if threads else {}
    return dict(os.environ, **extra, YOLO_OFFLINE="1", YOLO_AUTOINSTALL="0", YOLO_VERBOSE="0", PYTHONPATH=str(ROOT),
                YOLO_CONFIG_DIR=os.environ.get("YOLO_CONFIG_DIR", str(cache / "ultralytics")),
                MPLCONFIGDIR=os.environ.get("MPLCONFIGDIR", str(cache / "matplotlib")))


def ensure_data(folder: Path, n_train: int, n_val: int, imgsz: int) -> Path:
    yaml = folder / "data.yaml"
    if not yaml.exists():
        subprocess.run([sys.executable, "-m", "yolov12.data.synth", "--out", str(folder), "--train", str(n_train),
                        "--val", str(n_val), "--seed", "0", "--imgsz", str(max(imgsz, 64))], check=True, env=env())
    return yaml


def subset(yaml: Path, n: int, out: Path) -> Path:
    """A data YAML whose train split is the first `n` training images (a list file), val unchanged."""
    images = sorted((yaml.parent / "images" / "train").iterdir())[:n]
    out.mkdir(parents=True, exist_ok=True)
    (out / "train.txt").write_text("".join(f"{p}\n" for p in images))
    sub = out / "data.yaml"
    text = yaml.read_text().replace("train: images/train", f"train: {out / 'train.txt'}")
    sub.write_text(text)
    return sub


def recipe_args(args: argparse.Namespace, epochs: int, extra: list[str]) -> list[str]:
    sets = [f"nbs={args.batch}", "warmup_epochs=1", "close_mosaic=3", "amp=false", "val_batch=16", *extra, *args.set]
    return ["--model", "yolov12-n", "--imgsz", str(args.imgsz), "--batch", str(args.batch), "--epochs", str(epochs),
            "--workers", "0", "--device", "cpu", *[x for s in sets for x in ("--set", s)]]


def ours_threads(threads: int | None) -> int:
    """The torch thread count our trainer's process gets (OMP_NUM_THREADS when set, else torch's default)."""
    probe = [sys.executable, "-c", "import torch; print(torch.get_num_threads())"]
    return int(subprocess.run(probe, env=env(threads), capture_output=True, text=True, check=True).stdout)


def run_ours(data: Path, out: Path, argv: list[str], threads: int | None = None) -> list[dict]:
    cmd = [sys.executable, "-m", "yolov12.train", "--data", str(data), "--out", str(out), *argv]
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=env(threads))
    with open(out / "results.csv") as f:
        return list(csv.DictReader(f))


def run_ultralytics(data: Path, out: Path, args: argparse.Namespace, epochs: int, val: bool = False) -> dict:
    """Ultralytics' trainer in a child: {'epoch_s': [...], 'threads': n, 'curve': [[epoch, wall_s, map50, map],..]}."""
    cfg = dict(data=str(data), epochs=epochs, imgsz=args.imgsz, batch=args.batch, nbs=args.batch, workers=0,
               device="cpu", optimizer="SGD", lr0=0.01, lrf=0.01, momentum=0.937, weight_decay=5e-4,
               warmup_epochs=1, warmup_momentum=0.8, warmup_bias_lr=0.0, box=7.5, cls=0.5, dfl=1.5, hsv_h=0.015,
               hsv_s=0.7, hsv_v=0.4, translate=0.1, scale=0.5, fliplr=0.5, mosaic=1.0, mixup=0.0, copy_paste=0.1,
               close_mosaic=3 if val else 0, amp=False, val=val, plots=False, seed=0, deterministic=True,
               project=str(out), name="ultra", exist_ok=True, verbose=False)
    out.mkdir(parents=True, exist_ok=True)
    run = subprocess.run([sys.executable, "-c", ULTRA_CHILD, json.dumps(cfg), json.dumps(args.threads)],
                         env=env(args.threads), capture_output=True, text=True, cwd=out)
    found = {x.split(" ", 1)[0]: json.loads(x.split(" ", 1)[1]) for x in run.stdout.splitlines()
             if x.startswith(("EPOCH_SECONDS ", "THREADS ", "CURVE "))}
    if run.returncode or "EPOCH_SECONDS" not in found:
        raise RuntimeError(f"ultralytics run failed:\n{run.stderr[-3000:]}")
    curve = {}  # its callback also fires for the final evaluation after the last epoch: one entry per epoch
    for entry in found.get("CURVE", []):
        if entry[0] <= epochs:
            curve.setdefault(entry[0], entry)
    return {"epoch_s": found["EPOCH_SECONDS"], "threads": found.get("THREADS"), "curve": list(curve.values())}


def throughput(args: argparse.Namespace, yaml: Path, work: Path) -> dict:
    data = subset(yaml, args.throughput_images, work / "tp-data")
    n = min(args.throughput_images, len(list((yaml.parent / "images" / "train").iterdir())))
    ours, ultra, threads = [], [], None
    for r in range(args.throughput_rounds):
        rows = run_ours(data, work / f"tp-ours-{r}", recipe_args(args, args.throughput_epochs,
                                                                  ["close_mosaic=0", "val_every=1000"]), args.threads)
        ours += [n / float(row["train_s"]) for row in rows[1:]]
        u = run_ultralytics(data, work / f"tp-ultra-{r}", args, args.throughput_epochs)
        ultra += [n / s for s in u["epoch_s"][1:]]
        threads = u["threads"]
        print(f"round {r + 1}: ours {ours[-1]:.2f} img/s, ultralytics {ultra[-1]:.2f} img/s", flush=True)
    return {"ours_img_s": statistics.median(ours), "ultralytics_img_s": statistics.median(ultra),
            "ratio": statistics.median(ours) / statistics.median(ultra), "ours_samples": ours, "ultra_samples": ultra,
            "ultralytics_threads": threads}


def csv_rows(stamp: str, args: argparse.Namespace, rows: list[dict], curve: list, tp: dict | None,
             threads: tuple[int, int | None]) -> list[list]:
    """COLUMNS rows: ours per epoch, then Ultralytics' trainer per epoch (when its curve was run)."""
    tail = [f"{tp['ours_img_s']:.3f}", f"{tp['ultralytics_img_s']:.3f}", f"{tp['ratio']:.3f}"] if tp else ["", "", ""]
    t = [threads[0], "" if threads[1] is None else threads[1]]
    out = [[stamp, r["epoch"], r["wall_s"], r["map50"], r["map50_95"], args.imgsz, args.batch, r["images"], *tail,
            "ours", *t] for r in rows]
    out += [[stamp, e, f"{w:.3f}", m50, m, args.imgsz, args.batch, args.train, *tail, "ultralytics", *t]
            for e, w, m50, m in curve]
    return out


def append_csv(path: Path, rows: list[list]) -> None:
    """Append rows; a file written before the thread columns existed is rewritten with them (left empty)."""
    from yolov12.files import write_atomic

    old = []
    if path.exists():
        with open(path, newline="") as f:
            old = [{**r} for r in csv.DictReader(f)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows([[r.get(c) or ("ours" if c == "trainer" else "") for c in COLUMNS] for r in old])
    w.writerows(rows)
    write_atomic(path, buf.getvalue())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from bench.system import device_slug

    out = Path(args.out or ROOT / "results" / device_slug("cpu") / "training")
    out.mkdir(parents=True, exist_ok=True)
    yaml = ensure_data(Path(args.data_dir), args.train, args.val, args.imgsz)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    curve, ultra_threads = [], None
    with tempfile.TemporaryDirectory(prefix="train_synth-") as tmp:
        work = Path(tmp)
        t0 = time.time()
        rows = run_ours(yaml, work / "acc", recipe_args(args, args.epochs, []), args.threads)
        total = time.time() - t0
        if args.ultralytics_curve:
            u = run_ultralytics(yaml, work / "acc-ultra", args, args.epochs, val=True)
            curve, ultra_threads = u["curve"], u["threads"]
        tp = throughput(args, yaml, work) if args.throughput_rounds else None
    ultra_threads = tp["ultralytics_threads"] if tp else ultra_threads
    threads = (ours_threads(args.threads), ultra_threads)
    print(f"\n{'epoch':>5} {'wall_s':>8} {'mAP50':>7} {'mAP50-95':>8}")
    for row in rows:
        print(f"{row['epoch']:>5} {float(row['wall_s']):8.1f} {row['map50'] or '-':>7.7} {row['map50_95'] or '-':>8.8}")
    best = max((float(r["map50"]) for r in rows if r["map50"]), default=0.0)
    print(f"best mAP50 {best:.3f} (target > 0.5 within 1200 s); whole run incl. start-up {total:.0f} s")
    print(f"threads: ours {threads[0]}, ultralytics {threads[1] if threads[1] is not None else 'not run'}")
    if tp:
        print(f"throughput: ours {tp['ours_img_s']:.2f} img/s, ultralytics {tp['ultralytics_img_s']:.2f} img/s, "
              f"ratio {tp['ratio']:.3f} (target >= 1)")
    csv_path = out / "train_synth.csv"
    append_csv(csv_path, csv_rows(stamp, args, rows, curve, tp, threads))
    with open(out / "train_synth.md", "a") as f:
        f.write(f"\n## {stamp}: yolov12-n from scratch, synthetic set, imgsz {args.imgsz}, batch {args.batch}\n\n"
                f"command: `python scripts/train_synth.py {' '.join(argv if argv is not None else sys.argv[1:])}`\n\n"
                f"threads: ours {threads[0]}, Ultralytics' trainer {threads[1]}\n\n"
                "| epoch | wall s | mAP50 | mAP50-95 |\n|---|---|---|---|\n")
        f.writelines(f"| {r['epoch']} | {float(r['wall_s']):.0f} | {r['map50']} | {r['map50_95']} |\n" for r in rows)
        if curve:
            f.write("\nUltralytics' trainer (its own validator):\n\n| epoch | wall s | mAP50 | mAP50-95 |\n"
                    "|---|---|---|---|\n")
            f.writelines(f"| {e} | {w:.0f} | {m50} | {m} |\n" for e, w, m50, m in curve)
        if tp:
            f.write(f"\nthroughput (median of interleaved runs, first epoch of each discarded): ours "
                    f"{tp['ours_img_s']:.2f} img/s, ultralytics 8.4.190 {tp['ultralytics_img_s']:.2f} img/s, "
                    f"ratio {tp['ratio']:.3f}\n")
    print(f"appended to {csv_path} and {out / 'train_synth.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train YOLOv12 with the paper's recipe: the whole loop in this file, the recipe as data in `yolov12/recipe.py`,
the data pipeline and the loss borrowed from ultralytics through `yolov12/ultralytics_adapter.py`.

    python -m yolov12.train --model yolov12-n --data coco.yaml --epochs 600 --batch 256 --device 0,1,2,3 --out runs/n
    torchrun --nproc_per_node 4 -m yolov12.train ... --device 0,1,2,3     # same thing, launched by hand
    python -m yolov12.train --resume runs/n/last.pt                         # continue where it stopped

Several devices start one process per device through torchrun (DDP; NCCL on CUDA, gloo on CPU). `--batch` is the
global batch. Writes last.pt, best.pt (EMA weights, loadable by `yolov12.load_model`) and results.csv in --out.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import logging
import math
import os
import random
import shlex
import subprocess
import sys
import time
from copy import deepcopy
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from tqdm import tqdm

from yolov12 import evaluate as evaluation
from yolov12.attention import BACKENDS
from yolov12.checkpoint import copy_atomic, load_checkpoint, restore_rng, rng_state, save_checkpoint
from yolov12.cli import MAX_IMGSZ, ArgumentParser, UserError, check_imgsz, check_range, cli
from yolov12.data.detset import DatasetError
from yolov12.data.yolo_format import read_data_yaml
from yolov12.files import check_out_dir, show, write_atomic
from yolov12.model import YOLOv12, create_model, list_models
from yolov12.postprocess import NmsConfig, nms
from yolov12.protocol import Protocol
from yolov12.provenance import git_sha
from yolov12.recipe import Recipe, default_recipe, with_overrides

log = logging.getLogger("yolov12.train")
ATTN_CHOICES = ("auto", *BACKENDS)
CSV_COLUMNS = ["epoch", "train_s", "images", "box_loss", "cls_loss", "dfl_loss", "lr_bias", "lr_weight", "map50",
               "map50_95", "fitness", "wall_s"]


class NonFiniteLossError(RuntimeError):
    pass


# ---- command line --------------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog="python -m yolov12.train", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", help=f"one of {', '.join(list_models())}")
    p.add_argument("--data", help="YOLO data YAML with `train`, `val` and `names` (absolute `path:` recommended)")
    p.add_argument("--out", default="runs/train", help="output folder for last.pt, best.pt, results.csv")
    p.add_argument("--device", default=None, help="cpu, 0, 0,1,2,3 or cuda:0 (default: 0 if CUDA else cpu)")
    p.add_argument("--epochs", type=int, help="recipe override, >= 1 (default 600)")
    p.add_argument("--batch", type=int, help="global batch, recipe override, >= 1 (default 256)")
    p.add_argument("--imgsz", type=int, help=f"recipe override, a multiple of 32 from 32 to {MAX_IMGSZ} "
                                             "(default 640)")
    p.add_argument("--workers", type=int, help="dataloader workers per process, >= 0 (default 8)")
    p.add_argument("--seed", type=int, help="recipe override, >= 0 (default 0)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override any recipe field, e.g. --set lr0=0.02 --set mosaic=0 (see yolov12/recipe.py)")
    p.add_argument("--attn", default="auto", help=f"attention backend: {', '.join(ATTN_CHOICES)} (default auto = "
                                                  "sdpa)")
    p.add_argument("--resume", metavar="CKPT", help="continue from a last.pt (recipe, model, data, out from it)")
    p.add_argument("--debug-nan-at", type=int, default=-1, metavar="ITER",
                   help="testing only: make the loss NaN at this global iteration")
    return p


def _one_line(err: BaseException) -> str:
    """An exception's message on one line (the first line of a long one)."""
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    return lines[0] if lines else type(err).__name__


def _check_resume(path: str) -> dict:
    """The training checkpoint at `path`; UserError naming the file for anything that cannot be resumed from."""
    p = Path(path)
    if p.is_dir():
        raise UserError(f"--resume {show(p)} is a directory, not a checkpoint file; accepted: a last.pt written by "
                        "yolov12.train")
    if not p.is_file():
        raise UserError(f"--resume {show(p)}: no such checkpoint; accepted: a last.pt written by yolov12.train")
    try:
        ckpt = load_checkpoint(p)
    except Exception as e:  # noqa: BLE001 - any unreadable file is a user error here (nothing in it ran)
        raise UserError(f"--resume {show(p)}: not a resumable checkpoint ({_one_line(e)}); accepted: a last.pt "
                        "written by yolov12.train") from None
    args = ckpt.get("args") if isinstance(ckpt, dict) else None
    if not isinstance(args, dict) or not all(isinstance(args.get(k), str) for k in ("model", "data", "out", "attn")) \
            or not isinstance(ckpt.get("recipe"), dict):
        raise UserError(f"--resume {show(p)}: the checkpoint lacks the run's arguments or recipe; accepted: a last.pt "
                        "written by yolov12.train")
    return ckpt


def _check_data(path: str) -> None:
    """The data YAML names train and val splits and its classes (what ultralytics reads is checked here first)."""

    p = Path(path)
    accepted = "a YOLO data YAML file with `train`, `val` and `names`"
    if p.is_dir():
        raise UserError(f"--data {show(p)} is a directory; accepted: {accepted}")
    if not p.is_file():
        raise UserError(f"--data {show(p)}: no such data YAML; accepted: {accepted}")
    try:
        data = read_data_yaml(p)
    except DatasetError as e:
        raise UserError(f"--data: {_one_line(e)}") from None
    missing = [k for k in ("train", "val") if not data.get(k)]
    if missing:
        raise UserError(f"--data {show(p)}: no {' or '.join(f'`{k}`' for k in missing)} entry; accepted: {accepted}")


def resolve(argv: list[str] | None = None) -> tuple[argparse.Namespace, Recipe, dict | None]:
    """Parse and validate `argv` before anything is built or written; return (args, recipe, resume checkpoint or
    None). Raises UserError (one line) for anything wrong."""
    args = build_parser().parse_args(argv)
    if args.resume:
        ckpt = _check_resume(args.resume)
        saved = ckpt["args"]
        for key in ("model", "data", "out", "attn"):
            setattr(args, key, saved[key])
        try:
            recipe = Recipe(**ckpt["recipe"])
        except TypeError as e:
            raise UserError(f"--resume {show(args.resume)}: its recipe does not fit this version ({e})") from None
    else:
        if not args.model or not args.data:
            raise UserError("--model and --data are required (or --resume CKPT)")
        if args.model not in list_models():
            raise UserError(f"unknown model {args.model!r}; accepted: {', '.join(list_models())}")
        for flag, value, low in (("--epochs", args.epochs, 1), ("--batch", args.batch, 1),
                                 ("--workers", args.workers, 0), ("--seed", args.seed, 0)):
            if value is not None:
                check_range(flag, value, low, integer=True)
        if args.imgsz is not None:
            check_imgsz("--imgsz", args.imgsz)
        named = ("epochs", "batch", "imgsz", "workers", "seed")
        flags = {k: getattr(args, k) for k in named if getattr(args, k) is not None}
        try:
            recipe = with_overrides(with_overrides(default_recipe(args.model), flags), args.set)
        except ValueError as e:
            raise UserError(f"recipe: {_one_line(e)}") from None
        check_imgsz("imgsz", recipe.imgsz)  # also after `--set imgsz=...`
    if args.attn not in ATTN_CHOICES:
        raise UserError(f"unknown attention backend {args.attn!r}; accepted: {', '.join(ATTN_CHOICES)}")
    devices = parse_devices(args.device)
    if recipe.batch % len(devices):
        raise UserError(f"--batch {recipe.batch} is not a multiple of the {len(devices)} devices in --device")
    _check_data(args.data)
    check_out_dir(args.out)
    return args, recipe, ckpt if args.resume else None


def parse_devices(spec: str | None) -> list[torch.device]:
    """'cpu' | '0' | '0,1,2,3' | 'cuda:1' -> devices (default: cuda:0 if available, else cpu); UserError otherwise."""
    if spec is None:
        return [torch.device("cuda:0" if torch.cuda.is_available() else "cpu")]
    spec = spec.strip().lower()
    if spec == "cpu":
        return [torch.device("cpu")]
    ids = spec.removeprefix("cuda:").split(",")
    if not all(i.strip().isdigit() for i in ids):
        raise UserError(f"--device {spec!r}: accepted cpu, an index like 0, a list like 0,1,2,3, or cuda:N")
    if len({int(i) for i in ids}) != len(ids):
        raise UserError(f"--device {spec!r} names a device twice; accepted: distinct indices like 0,1,2,3")
    if not torch.cuda.is_available():
        raise UserError(f"--device {spec!r} asked for but CUDA is not available here; accepted here: cpu")
    if max(int(i) for i in ids) >= torch.cuda.device_count():
        raise UserError(f"--device {spec!r}: this machine has {torch.cuda.device_count()} GPU(s) "
                        f"(0..{torch.cuda.device_count() - 1})")
    return [torch.device(f"cuda:{int(i)}") for i in ids]


# ---- distributed setup and seeding ---------------------------------------------------------------------------------

def setup_distributed(devices: list[torch.device]) -> tuple[int, int, torch.device]:
    """(rank, world size, this process's device). Under torchrun, local rank k takes the k-th listed device."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return 0, 1, devices[0]
    local = int(os.environ["LOCAL_RANK"])
    device = devices[local % len(devices)] if devices[0].type == "cuda" else devices[0]
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return dist.get_rank(), world, device


def seed_all(seed: int, deterministic: bool = True) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.deterministic = True


def _worker_init(_: int) -> None:
    seed = torch.initial_seed() % 2**32  # differs per worker and per epoch (the loader's generator is reseeded)
    random.seed(seed)
    np.random.seed(seed)


def make_loader(dataset, batch: int, workers: int, rank: int, world: int) -> torch.utils.data.DataLoader:
    """Shuffling loader whose order, worker seeds and augmentation draws depend only on (seed, epoch, rank):
    call `start_epoch(loader, seed, epoch, rank)` before iterating."""
    sampler = (torch.utils.data.DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True)
               if world > 1 else torch.utils.data.RandomSampler(dataset, generator=torch.Generator()))
    return torch.utils.data.DataLoader(dataset, batch_size=batch, sampler=sampler, num_workers=workers,
                                       collate_fn=dataset.collate_fn, worker_init_fn=_worker_init,
                                       generator=torch.Generator(), pin_memory=torch.cuda.is_available())


def start_epoch(loader, seed: int, epoch: int, rank: int) -> None:
    s = seed * 1_000_003 + epoch * 1009 + rank
    if isinstance(loader.sampler, torch.utils.data.DistributedSampler):
        loader.sampler.seed = seed
        loader.sampler.set_epoch(epoch)
    else:
        loader.sampler.generator.manual_seed(s)
    loader.generator.manual_seed(s + 1)
    random.seed(s)  # augmentation draws when workers=0 happen in this process
    np.random.seed(s % 2**32)


# ---- optimizer, schedule, EMA --------------------------------------------------------------------------------------

def param_groups(model: nn.Module, weight_decay: float) -> list[dict]:
    """Three groups: biases (no decay; group 0, the one warm-up treats as 'bias'), norm weights (no decay), and every
    other weight (decay). The frozen DFL projection is left out."""
    bias, norm, weight = [], [], []
    for module in model.modules():
        for name, p in module.named_parameters(recurse=False):
            if not p.requires_grad:
                continue
            if name == "bias":
                bias.append(p)
            elif isinstance(module, (nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm)):
                norm.append(p)
            else:
                weight.append(p)
    return [{"params": bias, "weight_decay": 0.0, "name": "bias"},
            {"params": norm, "weight_decay": 0.0, "name": "norm"},
            {"params": weight, "weight_decay": weight_decay, "name": "weight"}]


def linear_lr(recipe: Recipe):
    """Multiplier of lr0 at epoch e: 1 -> lrf, linear over the run (the paper's 1e-2 -> 1e-4)."""
    return lambda e: max(1 - e / recipe.epochs, 0) * (1.0 - recipe.lrf) + recipe.lrf


class Ema:
    """Exponential moving average of the weights; decay ramps up as decay * (1 - exp(-updates / tau))."""

    def __init__(self, model: nn.Module, decay: float, tau: float, updates: int = 0):
        self.module = deepcopy(model).eval().requires_grad_(False)
        self.decay, self.tau, self.updates = decay, tau, updates

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.updates += 1
        d = self.decay * (1 - math.exp(-self.updates / self.tau))
        msd = model.state_dict()
        for k, v in self.module.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(msd[k].detach(), alpha=1 - d)


# ---- evaluation ----------------------------------------------------------------------------------------------------

def evaluate(model: YOLOv12, val, imgsz: int, batch: int, device: torch.device) -> dict[str, float]:
    """COCO mAP50 and mAP50-95 of `model` on `val` (a yolov12.data DetectionSet) with the suite's default protocol:
    Ultralytics' validator's `rect` canvases at `imgsz` in batches of `batch`, NmsConfig.val() (conf 0.001, IoU 0.7,
    300 detections), pycocotools."""
    model.eval()
    dets = evaluation.detect(model, lambda y: y, lambda canvas: nms, val, Protocol("rect", imgsz, batch),
                             device=str(device), dtype=torch.float32, cfg=NmsConfig.val())
    m = evaluation.evaluate(val.coco_gt, dets)
    return {"map50": m["map50"], "map50_95": m["map50_95"]}


# ---- logging -------------------------------------------------------------------------------------------------------

def write_results(path: Path, rows: list[dict]) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(path, text.getvalue())


# ---- the loop ------------------------------------------------------------------------------------------------------

def train(args: argparse.Namespace, recipe: Recipe, ckpt: dict | None, command: str) -> Path:
    """Run (or resume) a training; returns the output folder. Raises NonFiniteLossError on a NaN/inf loss."""
    from yolov12 import ultralytics_adapter as ua  # imports ultralytics: only the trainer's data pipeline and loss

    rank, world, device = setup_distributed(parse_devices(args.device))
    main = rank == 0
    out = Path(args.out)
    seed_all(recipe.seed + rank)
    if recipe.batch % world:
        raise ValueError(f"--batch {recipe.batch} is not a multiple of the {world} processes")
    amp = recipe.amp and device.type == "cuda"

    data = ua.load_data(args.data)
    model = create_model(args.model, nc=int(data["nc"]), attn=args.attn)
    model.names = {int(k): str(v) for k, v in data["names"].items()}
    model.to(device).train()
    ema = Ema(model, recipe.ema_decay, recipe.ema_tau)

    with (_rank0_first(world, main)):  # rank 0 writes the label caches, the others then read them
        train_set = ua.build_dataset(data, "train", recipe, train=True, batch=recipe.batch // world)
    try:
        val_set = evaluation.open_dataset(str(args.data), "val") if main else None
    except UserError as e:
        raise ValueError(str(e)) from None
    loader = make_loader(train_set, recipe.batch // world, recipe.workers, rank, world)

    accumulate = max(round(recipe.nbs / recipe.batch), 1)
    wd = recipe.weight_decay * (recipe.batch * accumulate / recipe.nbs if recipe.scale_weight_decay else 1.0)
    optimizer = torch.optim.SGD(param_groups(model, wd), lr=recipe.lr0, momentum=recipe.momentum, nesterov=True)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, linear_lr(recipe))
    scaler = torch.amp.GradScaler("cuda", enabled=amp)
    start, best, rows = 0, -1.0, []
    if ckpt is not None:
        model.load_state_dict(ckpt["train_model"])
        ema.module.load_state_dict(ckpt["state_dict"])
        ema.updates = ckpt["ema_updates"]
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        scaler.load_state_dict(ckpt["scaler"])
        start, best, rows = ckpt["epoch"], ckpt["best_fitness"], list(ckpt["results"])
        restore_rng(ckpt["rng"][min(rank, len(ckpt["rng"]) - 1)])
        ua.restore_mosaic_buffer(train_set, ckpt["mosaic_buffer"][min(rank, len(ckpt["mosaic_buffer"]) - 1)])
    if start >= recipe.epochs:
        log.info("nothing to do: %s already finished %d epochs", args.resume, start)
        return out
    net = nn.parallel.DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None) \
        if world > 1 else model
    criterion = ua.DetectionLoss(model.nc, model.model[-1].strides, recipe, device)
    lf, nb = linear_lr(recipe), len(loader)
    warmup_iters = round(min(recipe.warmup_epochs, max(recipe.epochs - 1, 0)) * nb)
    if main:
        out.mkdir(parents=True, exist_ok=True)
        log.info("command: %s\nrecipe: %s\n%d process(es) on %s, %d train / %d val images, accumulate %d, "
                 "weight decay %.3g", command, json.dumps(recipe.as_dict()), world, device, len(train_set),
                 len(val_set), accumulate, wd)
    t_run = time.time() - (rows[-1]["wall_s"] if rows else 0.0)

    for epoch in range(start, recipe.epochs):
        if recipe.close_mosaic and epoch >= recipe.epochs - recipe.close_mosaic:
            ua.close_mosaic(train_set, recipe)  # idempotent; also right after a resume into the last epochs
        start_epoch(loader, recipe.seed, epoch, rank)
        model.train()
        t0, losses, pending = time.time(), torch.zeros(3, device=device), 0
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{recipe.epochs}", disable=not main, leave=False)
        for i, batch in enumerate(bar):
            ni = i + nb * epoch
            if ni <= warmup_iters and warmup_iters:
                accumulate_now = max(1, round(float(np.interp(ni, [0, warmup_iters], [1, accumulate]))))
                for g in optimizer.param_groups:
                    lo = recipe.warmup_bias_lr if g["name"] == "bias" else 0.0
                    g["lr"] = float(np.interp(ni, [0, warmup_iters], [lo, g["initial_lr"] * lf(epoch)]))
                    g["momentum"] = float(np.interp(ni, [0, warmup_iters], [recipe.warmup_momentum, recipe.momentum]))
            else:
                accumulate_now = accumulate
            img = batch["img"].to(device, non_blocking=True).float() / 255
            with torch.autocast(device.type, dtype=torch.float16, enabled=amp):
                loss, items = criterion(net(img), {k: v.to(device) for k, v in batch.items() if k in TARGET_KEYS})
                loss = loss * world  # DDP averages gradients; the loss is a sum over the global batch
            if ni == args.debug_nan_at:
                loss = loss * float("nan")
            _check_finite(loss, world, epoch, i, out)
            scaler.scale(loss).backward()
            losses = (losses * i + items) / (i + 1)
            pending += 1
            if pending >= accumulate_now or i == nb - 1:  # never carry gradients across an epoch boundary
                _step(model, optimizer, scaler, ema, recipe.max_grad_norm)
                pending = 0
            if main:
                bar.set_postfix(box=f"{losses[0]:.3f}", cls=f"{losses[1]:.3f}", dfl=f"{losses[2]:.3f}")
        lrs = [g["lr"] for g in optimizer.param_groups]  # what the epoch ended with (bias, norm, weight)
        scheduler.step()
        train_s = time.time() - t0

        metrics = {"map50": "", "map50_95": "", "fitness": ""}
        final = epoch + 1 == recipe.epochs
        if main and ((epoch + 1) % recipe.val_every == 0 or final):
            m = evaluate(ema.module, val_set, recipe.imgsz, recipe.val_batch, device)
            metrics = {**m, "fitness": 0.1 * m["map50"] + 0.9 * m["map50_95"]}
        buffers = _gather(ua.mosaic_buffer(train_set), world)
        states = _gather(rng_state(), world)
        if main:
            rows.append({"epoch": epoch + 1, "train_s": round(train_s, 3), "images": len(train_set),
                         **dict(zip(("box_loss", "cls_loss", "dfl_loss"), losses.tolist(), strict=True)),
                         "lr_bias": lrs[0], "lr_weight": lrs[2],
                         **metrics, "wall_s": round(time.time() - t_run, 3)})
            improved = metrics["fitness"] != "" and metrics["fitness"] > best
            best = metrics["fitness"] if improved else best
            meta = {"recipe": recipe.as_dict(), "command": command, "epoch": epoch + 1, "git": git_sha() or "unknown",
                    "data": str(args.data), "map50": metrics["map50"], "map50_95": metrics["map50_95"]}
            save_checkpoint(out / "last.pt", ema.module, meta, train_model=_cpu(model.state_dict()),
                            optimizer=optimizer.state_dict(), scheduler=scheduler.state_dict(),
                            scaler=scaler.state_dict(), ema_updates=ema.updates, epoch=epoch + 1, best_fitness=best,
                            rng=states, mosaic_buffer=buffers, results=rows, recipe=recipe.as_dict(),
                            command=command, args={k: getattr(args, k) for k in ("model", "data", "out", "attn")})
            if improved or not (out / "best.pt").exists():
                copy_atomic(out / "last.pt", out / "best.pt")
            write_results(out / "results.csv", rows)
            log.info("epoch %d/%d  loss %.4f %.4f %.4f  mAP50 %s  mAP50-95 %s  %.1fs", epoch + 1, recipe.epochs,
                     *losses.tolist(), metrics["map50"], metrics["map50_95"], train_s)
        if world > 1:
            dist.barrier()
    return out


TARGET_KEYS = ("cls", "bboxes", "batch_idx")


def _step(model: nn.Module, optimizer, scaler, ema: Ema, max_norm: float) -> None:
    scaler.unscale_(optimizer)
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=max_norm)
    scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad(set_to_none=True)
    ema.update(model)


def _check_finite(loss: torch.Tensor, world: int, epoch: int, i: int, out: Path) -> None:
    bad = (~torch.isfinite(loss.detach())).float().reshape(1)
    if world > 1:
        dist.all_reduce(bad, op=dist.ReduceOp.MAX)  # every rank stops together
    if bad.item():
        last = out / "last.pt"
        kept = f"the last good checkpoint is {last}" if last.exists() else "no checkpoint was written yet"
        raise NonFiniteLossError(f"non-finite loss at epoch {epoch + 1}, iteration {i}; stopping ({kept})")


def _gather(obj, world: int) -> list:
    if world == 1:
        return [obj]
    out = [None] * world
    dist.all_gather_object(out, obj)
    return out


def _cpu(sd: dict) -> dict:
    return {k: v.detach().cpu() for k, v in sd.items()}


@contextlib.contextmanager
def _rank0_first(world: int, main: bool):
    if world > 1 and not main:
        dist.barrier()
    yield
    if world > 1 and main:
        dist.barrier()


@cli
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args, recipe, ckpt = resolve(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    devices = parse_devices(args.device)  # already validated by resolve()
    if len(devices) > 1 and "WORLD_SIZE" not in os.environ:  # one process per device, through torchrun
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={len(devices)}",
               "-m", "yolov12.train", *argv]
        return subprocess.call(cmd)
    command = "python -m yolov12.train " + shlex.join(argv)
    try:
        train(args, recipe, ckpt, command)
    except NonFiniteLossError as e:
        sys.stderr.write(f"yolov12.train: {e}\n")
        return 1
    except (FileNotFoundError, ValueError) as e:  # found by the data pipeline once it runs
        raise UserError(_one_line(e)) from None
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())


"""The paper's training recipe as data: one frozen `Recipe` of defaults, the per-scale augmentation rows of the
paper's Table 7, and `key=value` overrides from the command line."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from yolov12.scales import lookup


@dataclass(frozen=True)
class Recipe:
    """Every knob of a training run. Units: lr per optimizer step, epochs, pixels, probabilities in [0, 1]."""

    epochs: int = 600
    batch: int = 256  # global batch over all processes (the paper: 32 x 8 GPUs; the README: 256 on 4)
    imgsz: int = 640
    # optimizer and schedule (paper Table 7)
    optimizer: str = "SGD"  # SGD with Nesterov momentum, as the code behind the paper's numbers
    lr0: float = 0.01
    lrf: float = 0.01  # final lr = lr0 * lrf, reached linearly at the last epoch
    momentum: float = 0.937
    weight_decay: float = 5e-4  # per nominal batch `nbs`, see `scale_weight_decay`
    scale_weight_decay: bool = True  # decay *= batch * accumulate / nbs, as the trainer that produced the paper did
    nbs: int = 64  # nominal batch: gradients accumulate over round(nbs / batch) batches
    warmup_epochs: float = 3.0
    warmup_momentum: float = 0.8
    warmup_bias_lr: float = 0.0
    max_grad_norm: float = 10.0
    # loss gains
    box: float = 7.5
    cls: float = 0.5
    dfl: float = 1.5
    # augmentation (hsv fractions, translate/scale fractions, degrees, probabilities)
    hsv_h: float = 0.015
    hsv_s: float = 0.7
    hsv_v: float = 0.4
    degrees: float = 0.0
    translate: float = 0.1
    scale: float = 0.5
    shear: float = 0.0
    perspective: float = 0.0
    flipud: float = 0.0
    fliplr: float = 0.5
    mosaic: float = 1.0
    mixup: float = 0.0
    copy_paste: float = 0.1  # acts only on labels with polygons (a no-op with box-only labels)
    close_mosaic: int = 10  # mosaic, mixup and copy-paste off for the last N epochs
    # EMA, precision, bookkeeping
    ema_decay: float = 0.9999
    ema_tau: float = 2000.0  # decay ramps as ema_decay * (1 - exp(-updates / tau))
    amp: bool = True  # float16 autocast + grad scaler; only ever on CUDA
    seed: int = 0
    workers: int = 8  # dataloader workers per process
    val_every: int = 1  # validate every N epochs (and always at the last)
    val_batch: int = 32
    cache: str = "none"  # none | ram | disk (image cache of the data pipeline)

    def as_dict(self) -> dict:
        return asdict(self)


# Paper Table 7: scale / mixup / copy-paste differ per model size; everything else is shared.
PER_SCALE: dict[str, dict[str, float]] = {
    "n": {"scale": 0.5, "mixup": 0.0, "copy_paste": 0.1},
    "s": {"scale": 0.9, "mixup": 0.05, "copy_paste": 0.15},
    "m": {"scale": 0.9, "mixup": 0.15, "copy_paste": 0.4},
    "l": {"scale": 0.9, "mixup": 0.15, "copy_paste": 0.5},
    "x": {"scale": 0.9, "mixup": 0.2, "copy_paste": 0.6},
}
CACHE_MODES = ("none", "ram", "disk")
OPTIMIZERS = ("SGD",)


def default_recipe(model: str) -> Recipe:
    """The paper's recipe for `model` (e.g. 'yolov12-s', 'yolov12-turbo-n'); ValueError for an unknown name."""
    return replace(Recipe(), **PER_SCALE[lookup(model).scale])


def _parse(kind: type, key: str, text: str):
    if kind is bool:
        low = text.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{key}={text!r}: expected true or false")
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"{key}={text!r}: expected {kind.__name__}") from None


def with_overrides(recipe: Recipe, pairs: list[str] | dict) -> Recipe:
    """`recipe` with `key=value` strings (or a dict) applied, values typed like the field; ValueError naming the
    bad key or value and the accepted keys."""
    types = {f.name: {"int": int, "float": float, "bool": bool, "str": str}[f.type] for f in fields(Recipe)}
    items = pairs.items() if isinstance(pairs, dict) else [_split(p) for p in pairs]
    changes = {}
    for key, value in items:
        if key not in types:
            raise ValueError(f"unknown recipe key {key!r}; accepted: {', '.join(types)}")
        kind = types[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        changes[key] = _parse(kind, key, value) if isinstance(value, str) else value
        if not isinstance(changes[key], kind):
            raise ValueError(f"{key}={value!r}: expected {kind.__name__}")
    out = replace(recipe, **changes)
    _check(out)
    return out


def _split(pair: str) -> tuple[str, str]:
    key, sep, value = pair.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--set expects key=value, got {pair!r}")
    return key.strip(), value.strip()


def _check(r: Recipe) -> None:
    if r.epochs < 1 or r.batch < 1 or r.nbs < 1 or r.val_every < 1 or r.val_batch < 1 or r.workers < 0:
        raise ValueError("epochs, batch, nbs, val_every, val_batch must be >= 1 and workers >= 0")
    if r.imgsz < 32 or r.imgsz % 32:
        raise ValueError(f"imgsz must be a multiple of 32 (>= 32), got {r.imgsz}")
    if r.cache not in CACHE_MODES:
        raise ValueError(f"cache must be one of {CACHE_MODES}, got {r.cache!r}")
    if r.optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {r.optimizer!r}")
    if not 0 <= r.close_mosaic:
        raise ValueError(f"close_mosaic must be >= 0, got {r.close_mosaic}")

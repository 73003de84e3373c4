"""One frozen row per (variant, scale): every scale-dependent knob of YOLOv12, and what it must add up to.

`paper` is the paper's v1.0 architecture (the official repo's V1.0 branch, and Ultralytics' YOLO12).
`turbo` is the official repo's main branch (commit d3cbe10): split `qk`/`v` projections, a 5x5 position
perceiver, grouped convs in layers 1 and 3, and MLP ratio 1.5 on L/X.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class Variant(str, Enum):
    PAPER = "paper"
    TURBO = "turbo"


class Proj(str, Enum):
    """How the attention block's 1x1 projections are built (paper Table 5a)."""

    CONV_BN = "conv-bn"
    LINEAR_LN = "linear-ln"
    LINEAR_BN = "linear-bn"
    CONV_LN = "conv-ln"


@dataclass(frozen=True)
class Scale:
    """Every knob that depends on (variant, scale).

    depth/width/max_channels scale the base layer spec as in the YAML files; `attn_stages` (attention on/off)
    and `area` are per
    attention stage (backbone layers 6 and 8); `expected_*` are the figures the build must reproduce.
    """

    variant: Variant
    scale: str
    depth: float
    width: float
    max_channels: int
    c3k: bool  # C3k2 uses C3k inner blocks (m/l/x)
    residual: bool  # A2C2f layer-scale residual around attention stages (l/x)
    layer_scale: float  # initial value of that residual's per-channel gamma
    mlp_ratio: float
    pe_kernel: int  # position-perceiver depthwise kernel
    split_qkv: bool  # turbo: separate `qk` and `v` projections instead of one interleaved `qkv`
    stem_groups: tuple[int, int]  # groups of the convs in layers 1 and 3
    attn_stages: tuple[bool, bool] = (True, True)
    area: tuple[int, int] = (4, 1)
    proj: Proj = Proj.CONV_BN
    expected_params: int | None = None
    expected_gflops: float | None = None  # the paper's / README's figure (fused, attention products excluded)


def _row(variant: Variant, scale: str, depth: float, width: float, max_ch: int, params: int, gflops: float) -> Scale:
    big = scale in {"l", "x"}
    turbo = variant is Variant.TURBO
    return Scale(
        variant=variant,
        scale=scale,
        depth=depth,
        width=width,
        max_channels=max_ch,
        c3k=scale in {"m", "l", "x"},
        residual=big,
        layer_scale=0.01,
        mlp_ratio=(1.5 if turbo else 1.2) if big else 2.0,
        pe_kernel=5 if turbo else 7,
        split_qkv=turbo,
        stem_groups=(2, 4) if turbo else (1, 1),
        expected_params=params,
        expected_gflops=gflops,
    )


_GEOMETRY = {"n": (0.50, 0.25, 1024), "s": (0.50, 0.50, 1024), "m": (0.50, 1.00, 512), "l": (1.00, 1.00, 512),
             "x": (1.00, 1.50, 512)}
_PAPER = {"n": (2_602_288, 6.5), "s": (9_284_096, 21.4), "m": (20_199_168, 67.5), "l": (26_450_784, 88.9),
          "x": (59_210_784, 199.0)}
_TURBO = {"n": (2_553_904, 6.0), "s": (9_127_424, 19.4), "m": (19_670_784, 59.8), "l": (26_506_496, 82.4),
          "x": (59_414_176, 184.6)}

SCALES: dict[tuple[Variant, str], Scale] = {
    (variant, s): _row(variant, s, *_GEOMETRY[s], *table[s])
    for variant, table in ((Variant.PAPER, _PAPER), (Variant.TURBO, _TURBO))
    for s in _GEOMETRY
}

OVERRIDABLE = ("attn_stages", "area", "mlp_ratio", "pe_kernel", "residual", "layer_scale", "proj")
# What each override accepts, for validation and for messages.
ACCEPTED = {
    "attn_stages": "a pair of booleans, e.g. (True, False)",
    "area": "an integer 1..16 or a pair of them (areas per attention stage)",
    "mlp_ratio": "a number in (0, 8]",
    "pe_kernel": "an odd integer 1..15",
    "residual": "a boolean",
    "layer_scale": "a number in (0, 10]",
    "proj": "one of " + ", ".join(p.value for p in Proj),
}
ATTENTION_STRIDES = (16, 32)  # input pixels per feature-map pixel at the two attention stages (layers 6 and 8)


def model_name(row: Scale) -> str:
    return f"yolov12-{row.scale}" if row.variant is Variant.PAPER else f"yolov12-turbo-{row.scale}"


def lookup(name: str) -> Scale:
    """`yolov12-s` or `yolov12-turbo-s` -> its row; ValueError naming the accepted names otherwise."""
    for row in SCALES.values():
        if model_name(row) == name:
            return row
    raise ValueError(f"unknown model {name!r}; accepted: {', '.join(model_name(r) for r in SCALES.values())}")


def _pair(value: object, kind: type) -> tuple | None:
    pair = tuple(value) if isinstance(value, (list, tuple)) else (value, value)
    ok = len(pair) == 2 and all(isinstance(v, kind) and (kind is not int or not isinstance(v, bool)) for v in pair)
    return pair if ok else None


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_override(key: str, value: object) -> object:
    """The canonical value of override `key` (pairs as tuples, proj as Proj); ValueError naming what is accepted."""
    out: object = None
    if key == "attn_stages":
        out = _pair(value, bool)
    elif key == "area":
        out = _pair(value, int)
        out = out if out and all(1 <= a <= 16 for a in out) else None
    elif key == "mlp_ratio":
        out = float(value) if _number(value) and 0 < value <= 8 else None
    elif key == "pe_kernel":
        out = value if isinstance(value, int) and not isinstance(value, bool) and value in range(1, 16, 2) else None
    elif key == "residual":
        out = value if isinstance(value, bool) else None
    elif key == "layer_scale":
        out = float(value) if _number(value) and 0 < value <= 10 else None
    elif key == "proj":
        out = Proj(value) if value in {p.value for p in Proj} or isinstance(value, Proj) else None
    else:
        raise ValueError(f"unknown override {key!r}; accepted: {', '.join(OVERRIDABLE)}")
    if out is None:
        raise ValueError(f"override {key}={value!r} is not valid; accepted: {ACCEPTED[key]}")
    return out


def check_input(row: Scale, height: int, width: int) -> None:
    """ValueError unless an input of height x width splits into `row.area` areas at both attention stages."""
    for stride, area, on in zip(ATTENTION_STRIDES, row.area, row.attn_stages, strict=True):
        if on and ((height // stride) * (width // stride)) % area:
            raise ValueError(f"area={area} does not divide the {height // stride}x{width // stride} feature map of "
                             f"a {height}x{width} input; accepted: sizes whose stride-{stride} map splits into "
                             f"{area} areas")


def with_overrides(row: Scale, **overrides) -> Scale:
    """A copy of `row` with knobs changed (validated by `check_override`); the expected figures are dropped once
    the graph differs."""
    values = {k: check_override(k, v) for k, v in overrides.items() if v is not None}
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changed:
        return row
    return replace(row, **changed, expected_params=None, expected_gflops=None)

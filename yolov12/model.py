"""YOLOv12 assembled from its blocks: the 22-layer graph of the paper (and of the turbo variant), built from one
row of the scales table. Layer indices and attribute names match the YAML graph, so `model.{i}...` state-dict keys
are shared with Ultralytics' YOLO12 and the official checkpoints."""

from __future__ import annotations

import math
from dataclasses import asdict

import torch
from torch import nn

from yolov12.area_attention import A2C2f, AAttn
from yolov12.attention import get_backend
from yolov12.blocks import C3k2, Conv
from yolov12.head import Detect
from yolov12.scales import SCALES, Proj, Scale, Variant, lookup, model_name, with_overrides


class Concat(nn.Module):
    def forward(self, xs: list[torch.Tensor]) -> torch.Tensor:
        return torch.cat(xs, 1)


def _layers(row: Scale, nc: int, backend: str) -> list[nn.Module]:
    def ch(c: int) -> int:
        return math.ceil(min(c, row.max_channels) * row.width / 8) * 8

    def reps(n: int) -> int:
        return max(round(n * row.depth), 1)

    def a2c2f(c1: int, c2: int, n: int, stage: int | None) -> A2C2f:
        attn = stage is not None and row.attn_stages[stage]
        return A2C2f(c1, c2, reps(n), a2=attn, area=row.area[stage] if attn else 1, residual=row.residual,
                     mlp_ratio=row.mlp_ratio, layer_scale=row.layer_scale, pe_kernel=row.pe_kernel,
                     split_qkv=row.split_qkv, proj=row.proj, backend=backend)

    c64, c128, c256, c512, c1024 = (ch(c) for c in (64, 128, 256, 512, 1024))
    up = nn.Upsample(scale_factor=2.0, mode="nearest")
    return [
        Conv(3, c64, 3, 2),  # 0 P1/2
        Conv(c64, c128, 3, 2, g=row.stem_groups[0]),  # 1 P2/4
        C3k2(c128, c256, reps(2), row.c3k, e=0.25),  # 2
        Conv(c256, c256, 3, 2, g=row.stem_groups[1]),  # 3 P3/8
        C3k2(c256, c512, reps(2), row.c3k, e=0.25),  # 4
        Conv(c512, c512, 3, 2),  # 5 P4/16
        a2c2f(c512, c512, 4, stage=0),  # 6 attention, area 4 by default
        Conv(c512, c1024, 3, 2),  # 7 P5/32
        a2c2f(c1024, c1024, 4, stage=1),  # 8 attention, global by default
        up, Concat(), a2c2f(c1024 + c512, c512, 2, None),  # 9-11
        up, Concat(), a2c2f(c512 + c512, c256, 2, None),  # 12-14 -> P3 out
        Conv(c256, c256, 3, 2), Concat(), a2c2f(c256 + c512, c512, 2, None),  # 15-17 -> P4 out
        Conv(c512, c512, 3, 2), Concat(), C3k2(c512 + c1024, c1024, reps(2), c3k=True),  # 18-20 -> P5 out
        Detect(nc, (c256, c512, c1024)),  # 21
    ]


class YOLOv12(nn.Module):
    """YOLOv12 detector. Input (B, 3, H, W) RGB in [0, 1], H and W multiples of 32.

    Eval output: (B, 4 + nc, A) with (cx, cy, w, h) in input pixels and class probabilities; training output:
    three raw maps (B, 64 + nc, H/s, W/s) for s = 8, 16, 32.
    """

    def __init__(self, row: Scale, nc: int = 80, attn: str = "auto", names: dict[int, str] | None = None):
        super().__init__()
        self.row, self.nc = row, nc
        self.names = names or {i: str(i) for i in range(nc)}
        self._attn = "sdpa" if attn == "auto" else attn
        get_backend(self._attn)  # validate the name (and flash-attn's presence) before building
        self.model = nn.ModuleList(_layers(row, nc, self._attn))
        self.model[-1].bias_init()

    @property
    def name(self) -> str:
        return model_name(self.row)

    @property
    def config(self) -> dict:
        """Everything needed to rebuild this graph (JSON-able)."""
        row = asdict(self.row)
        row["variant"], row["proj"] = self.row.variant.value, self.row.proj.value
        return {"row": row, "nc": self.nc, "names": {int(k): v for k, v in self.names.items()}}

    def forward(self, x: torch.Tensor) -> torch.Tensor | list[torch.Tensor]:
        m = self.model
        p3 = m[4](m[3](m[2](m[1](m[0](x)))))
        p4 = m[6](m[5](p3))
        p5 = m[8](m[7](p4))
        h11 = m[11](m[10]([m[9](p5), p4]))
        h14 = m[14](m[13]([m[12](h11), p3]))
        h17 = m[17](m[16]([m[15](h14), h11]))
        h20 = m[20](m[19]([m[18](h17), p5]))
        return m[21]([h14, h17, h20])

    def fuse(self) -> YOLOv12:
        """Fold every BatchNorm that follows a conv into that conv (inference only; in place)."""
        for module in self.modules():
            if isinstance(module, Conv):
                module.fuse()
        return self

    @property
    def attention_backend(self) -> str:
        return self._attn

    def attention_modules(self) -> list[AAttn]:
        return [m for m in self.modules() if isinstance(m, AAttn)]

    def set_attention(self, name: str) -> YOLOv12:
        """Switch every attention layer to backend `name` (see yolov12.attention.BACKENDS)."""
        name = "sdpa" if name == "auto" else name
        for module in self.attention_modules():
            module.backend = get_backend(name)
        self._attn = name
        return self

    def channel_major_attention(self, on: bool = True) -> YOLOv12:
        """With `on`, every area attention on NCHW maps runs explicit matmuls on channel-major q, k, v (views of the
        projection, the layout it already has) instead of the backend on token-major ones: the same arithmetic as
        the reference backend, with no element-wise transpose in the traced graph. Our ONNX export uses it (ONNX
        Runtime, YOLOv12-N against YOLO12-N: 0.855 -> 0.848); OpenVINO fuses the token-major form into one
        attention kernel and is slower with it (0.956 -> 0.992), so its export keeps the default."""
        for module in self.attention_modules():
            module.channel_major = on
        return self

    @torch.no_grad()
    def observed_kernels(self, x: torch.Tensor) -> list[str]:
        """Run `x` once and return the distinct attention kernels that actually ran, in first-use order."""
        modules = self.attention_modules()
        for module in modules:
            module.record = []
        try:
            self(x)
            seen = [k for module in modules for k in module.record]
        finally:
            for module in modules:
                module.record = None
        return list(dict.fromkeys(seen))


def inference_layout(device: str | torch.device) -> torch.memory_format:
    """The memory layout our model runs inference in on `device`: channels_last on the CPU, where oneDNN's
    convolutions take NHWC maps as they are instead of reordering every input and output (YOLOv12-N and -S forwards
    about a fifth faster here, outputs equal to 3e-5), the default NCHW elsewhere (not measured on a GPU). Weights
    in this layout are enough: a conv with channels_last weights returns channels_last maps, and every layer after
    it keeps them (area attention hands maps back in the layout it was given)."""
    return torch.channels_last if torch.device(device).type == "cpu" else torch.contiguous_format


def list_models() -> list[str]:
    """Every buildable name: yolov12-{n,s,m,l,x} (the paper's v1.0) and yolov12-turbo-{n,s,m,l,x}."""
    return [model_name(row) for row in SCALES.values()]


def create_model(name: str, *, attn: str = "auto", nc: int = 80, **overrides) -> YOLOv12:
    """Build `name` with random weights. Overrides (for the paper's ablations): attn_stages=(bool, bool) per stage,
    area=(int, int), mlp_ratio, pe_kernel, residual, layer_scale, proj ('conv-bn', 'linear-ln', 'linear-bn',
    'conv-ln'); ValueError naming what is accepted for a bad one. `attn` is the attention backend."""
    return YOLOv12(with_overrides(lookup(name), **overrides), nc=nc, attn=attn)


def build_from_config(config: dict, attn: str = "auto") -> YOLOv12:
    """Rebuild a model from `YOLOv12.config`."""
    row = dict(config["row"])
    row["variant"], row["proj"] = Variant(row["variant"]), Proj(row["proj"])
    if "attn" in row:  # files written before the per-stage flag was renamed
        row["attn_stages"] = row.pop("attn")
    row["attn_stages"], row["area"], row["stem_groups"] = (tuple(row[k]) for k in ("attn_stages", "area",
                                                                                   "stem_groups"))
    names = {int(k): v for k, v in config.get("names", {}).items()} or None
    return YOLOv12(Scale(**row), nc=int(config["nc"]), attn=attn, names=names)

"""Area attention (A2), the ABlock built on it, and A2C2f (R-ELAN) that stacks them.

Tensor layout: feature maps are (batch, channels, height, width). Area attention cuts the H*W tokens (row-major)
into `area` contiguous horizontal stripes, folds them into the batch, runs multi-head attention (head_dim 32)
inside each stripe, and adds a depthwise "position perceiver" conv of v over the whole map.
"""

from __future__ import annotations

import torch
from torch import nn

from yolov12.attention import get_backend
from yolov12.blocks import C3k, Conv
from yolov12.scales import Proj

HEAD_DIM = 32


class LinearNorm(nn.Module):
    """A token-wise projection for the paper's Table 5a variants: Linear or 1x1 Conv, then LayerNorm or BN."""

    def __init__(self, c1: int, c2: int, linear: bool, layer_norm: bool, act: bool = False):
        super().__init__()
        self.linear = linear
        self.proj = nn.Linear(c1, c2) if linear else nn.Conv2d(c1, c2, 1, bias=False)
        self.norm = nn.LayerNorm(c2) if layer_norm else nn.BatchNorm2d(c2)
        self.act = nn.SiLU(inplace=True) if act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.linear:
            x = self.proj(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        else:
            x = self.proj(x)
        if isinstance(self.norm, nn.LayerNorm):
            x = self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        else:
            x = self.norm(x)
        return self.act(x)


def projection(c1: int, c2: int, kind: Proj, act: bool = False) -> nn.Module:
    """A 1x1 projection of the attention block, built as `kind` says (Conv+BN by default)."""
    if kind is Proj.CONV_BN:
        return Conv(c1, c2, 1, act=act)
    return LinearNorm(c1, c2, linear=kind in {Proj.LINEAR_LN, Proj.LINEAR_BN},
                      layer_norm=kind in {Proj.LINEAR_LN, Proj.CONV_LN}, act=act)


def to_areas(x: torch.Tensor, parts: int, heads: int, area: int, interleaved: bool) -> tuple[torch.Tensor, ...]:
    """(B, parts*heads*32, H, W) -> `parts` tensors of (B*area, heads, H*W/area, 32), each with a unit stride on
    head_dim (what fused kernels need) but not copied: views of one token-major copy of x.

    interleaved: channels are ordered [head][part][32] (v1.0's `qkv`), else [part][head][32] (turbo's `qk`).
    The one copy is a plain (B, C, N) -> (B, N, C) transpose, which every runtime does fast; a 6-D permute of the
    whole projection (this module's earlier layout) cost ONNX Runtime a fifth of YOLOv12-N's CPU time in Transposes.
    """
    b, c, h, w = x.shape
    if (h * w) % area:
        raise ValueError(f"area attention needs H*W divisible by area={area}, got {h}x{w}")
    n = h * w // area
    tokens = x.flatten(2).transpose(1, 2).contiguous().view(b * area, n, c)  # areas: runs of row-major tokens
    if interleaved:
        return tokens.view(b * area, n, heads, parts * HEAD_DIM).transpose(1, 2).split(HEAD_DIM, dim=-1)
    return tokens.view(b * area, n, parts, heads, HEAD_DIM).permute(2, 0, 3, 1, 4).unbind(0)


def from_areas(x: torch.Tensor, b: int, h: int, w: int, layout: torch.memory_format) -> torch.Tensor:
    """(B*area, heads, N/area, 32) -> (B, heads*32, H, W) contiguous in `layout`; the inverse of `to_areas` for one
    part. Token-major is channels_last already: that layout costs no copy here (exports see no difference)."""
    heads = x.shape[1]
    tokens = x.transpose(1, 2).reshape(b, h * w, heads * HEAD_DIM)
    return tokens.transpose(1, 2).reshape(b, heads * HEAD_DIM, h, w).contiguous(memory_format=layout)


def layout_of(x: torch.Tensor) -> torch.memory_format:
    """channels_last when `x` is laid out so (eager CPU inference, `yolov12.model.inference_layout`), else NCHW."""
    cl = x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
    return torch.channels_last if cl else torch.contiguous_format


def to_areas_cm(x: torch.Tensor, parts: int, heads: int, area: int, interleaved: bool) -> tuple[torch.Tensor, ...]:
    """NCHW (B, parts*heads*32, H, W) -> `parts` tensors of (B*area, heads, 32, H*W/area): channel-major, the
    layout x already has, so no element-wise copy (with area > 1 one copy of whole token runs)."""
    b, c, h, w = x.shape
    n = h * w // area
    if interleaved:
        y = x.reshape(b, heads, parts * HEAD_DIM, area, n)
        if area > 1:
            y = y.permute(0, 3, 1, 2, 4)
        return y.reshape(b * area, heads, parts * HEAD_DIM, n).split(HEAD_DIM, dim=2)
    y = x.reshape(b, parts, heads, HEAD_DIM, area, n).permute(1, 0, 4, 2, 3, 5)
    return y.reshape(parts, b * area, heads, HEAD_DIM, n).unbind(0)


def from_areas_cm(x: torch.Tensor, b: int, h: int, w: int) -> torch.Tensor:
    """(B*area, heads, 32, N/area) -> (B, heads*32, H, W); the inverse of `to_areas_cm` for one part."""
    area, heads = x.shape[0] // b, x.shape[1]
    y = x.reshape(b, area, heads * HEAD_DIM, x.shape[-1])
    if area > 1:
        y = y.transpose(1, 2)
    return y.reshape(b, heads * HEAD_DIM, h, w)


def attend_cm(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """softmax(q^T k / sqrt(32)) applied to channel-major v: (..., 32, n) in, (..., 32, n) out (the arithmetic
    of the reference backend, transposed)."""
    attn = ((q * HEAD_DIM ** -0.5).transpose(-2, -1) @ k).softmax(dim=-1)
    return v @ attn.transpose(-2, -1)


class AAttn(nn.Module):
    """Area attention. v1.0 (`split_qkv=False`): one interleaved `qkv` projection; turbo: `qk` and `v`."""

    def __init__(self, dim: int, area: int = 1, pe_kernel: int = 7, split_qkv: bool = False,
                 proj: Proj = Proj.CONV_BN, backend: str = "auto"):
        super().__init__()
        if dim % HEAD_DIM:
            raise ValueError(f"attention width {dim} is not a multiple of {HEAD_DIM}")
        self.heads, self.area, self.split_qkv = dim // HEAD_DIM, area, split_qkv
        if split_qkv:
            self.qk = projection(dim, 2 * dim, proj)
            self.v = projection(dim, dim, proj)
        else:
            self.qkv = projection(dim, 3 * dim, proj)
        self.proj = projection(dim, dim, proj)
        self.pe = Conv(dim, dim, pe_kernel, g=dim, act=False)
        self.backend = get_backend(backend)
        self.record: list[str] | None = None  # set by the model to learn which kernel ran
        self.channel_major = False  # NCHW maps: explicit matmuls on channel-major q, k, v instead of the backend

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        layout = layout_of(x)
        channel_major = self.channel_major and layout == torch.contiguous_format  # see channel_major_attention

        def cut(t: torch.Tensor, parts: int, interleaved: bool) -> tuple[torch.Tensor, ...]:
            return (to_areas_cm if channel_major else to_areas)(t, parts, self.heads, self.area, interleaved)

        def join(t: torch.Tensor) -> torch.Tensor:
            return from_areas_cm(t, b, h, w) if channel_major else from_areas(t, b, h, w, layout)

        if self.split_qkv:
            q, k = cut(self.qk(x), 2, interleaved=False)
            v_map = self.v(x)
            (v,) = cut(v_map, 1, interleaved=False)
        else:
            q, k, v = cut(self.qkv(x), 3, interleaved=True)
            v_map = join(v)
        if self.record is not None:
            self.record.append("reference-channel-major" if channel_major else self.backend.kernel(q, k, v))
        out = attend_cm(q, k, v) if channel_major else self.backend(q, k, v)
        return self.proj(join(out) + self.pe(v_map))


class ABlock(nn.Module):
    """x + attention(x), then x + MLP(x); no LayerNorm, no dropout (the paper's simplified transformer block)."""

    def __init__(self, dim: int, mlp_ratio: float, area: int, pe_kernel: int, split_qkv: bool,
                 proj: Proj = Proj.CONV_BN, backend: str = "auto"):
        super().__init__()
        self.attn = AAttn(dim, area, pe_kernel, split_qkv, proj, backend)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(projection(dim, hidden, proj, act=True), projection(hidden, dim, proj))
        self.apply(_init_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(x)
        return x + self.mlp(x)


def _init_weights(m: nn.Module) -> None:
    if isinstance(m, (nn.Conv2d, nn.Linear)):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


class A2C2f(nn.Module):
    """R-ELAN: cv1 to half width, `n` chained stages (two ABlocks, or one C3k when `a2` is off), concatenate
    cv1's output with every stage's, fuse with cv2; with `residual`, out = x + gamma * fused (gamma per channel,
    initialised to `layer_scale`)."""

    def __init__(self, c1: int, c2: int, n: int = 1, a2: bool = True, area: int = 1, residual: bool = False,
                 mlp_ratio: float = 2.0, layer_scale: float = 0.01, pe_kernel: int = 7, split_qkv: bool = False,
                 proj: Proj = Proj.CONV_BN, backend: str = "auto"):
        super().__init__()
        c_ = c2 // 2
        self.cv1 = Conv(c1, c_)
        self.cv2 = Conv((1 + n) * c_, c2)
        use_gamma = a2 and residual
        if use_gamma and c1 != c2:
            raise ValueError(f"A2C2f residual needs c1 == c2, got {c1} and {c2}")
        self.gamma = nn.Parameter(torch.full((c2,), float(layer_scale))) if use_gamma else None
        self.m = nn.ModuleList(
            nn.Sequential(*(ABlock(c_, mlp_ratio, area, pe_kernel, split_qkv, proj, backend) for _ in range(2)))
            if a2 else C3k(c_, c_, 2)
            for _ in range(n)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = [self.cv1(x)]
        y.extend(m(y[-1]) for m in self.m)
        out = self.cv2(torch.cat(y, 1))
        if self.gamma is None:
            return out
        return x + self.gamma.view(1, -1, 1, 1) * out

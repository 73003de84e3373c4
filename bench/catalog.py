"""Model names the harness accepts: ours (`yolov12-s`, `yolov12-turbo-s`, with optional overrides after a colon,
`yolov12-n:area=1`) and the baselines (`yolov8-n`, `rtdetr-r18`, ...), single or by family (`yolov12`, `yolo11`)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from baselines.names import BASELINES, FAMILIES
from yolov12.cli import UserError
from yolov12.model import list_models
from yolov12.scales import OVERRIDABLE, lookup

OURS_FAMILIES = {"yolov12": "yolov12-", "yolov12-turbo": "yolov12-turbo-"}
IMPL_OURS = "ours"
IMPL_ULTRALYTICS = "ultralytics-8.4.190"


@dataclass(frozen=True)
class Spec:
    """One model to measure: its name, our overrides (ours only), and whose code builds it."""

    name: str
    overrides: tuple[tuple[str, object], ...] = field(default=())

    @property
    def ours(self) -> bool:
        return self.name not in BASELINES

    @property
    def impl(self) -> str:
        return IMPL_OURS if self.ours else IMPL_ULTRALYTICS

    @property
    def family(self) -> str:
        if self.ours:
            return "yolov12-turbo" if self.name.startswith("yolov12-turbo-") else "yolov12"
        return BASELINES[self.name].family

    @property
    def scale(self) -> str:
        return lookup(self.name).scale if self.ours else BASELINES[self.name].scale

    @property
    def variant(self) -> str:
        """`paper`, `turbo` or the baseline's family, plus `+key=value` per override."""
        base = lookup(self.name).variant.value if self.ours else BASELINES[self.name].family
        return base + "".join(f"+{k}={_show(v)}" for k, v in self.overrides)

    @property
    def label(self) -> str:
        return self.name + (":" + ",".join(f"{k}={_show(v)}" for k, v in self.overrides) if self.overrides else "")


def _show(v: object) -> str:
    return "x".join(map(str, v)) if isinstance(v, tuple) else str(v)


def _parse_value(key: str, text: str) -> object:
    if "x" in text and key in {"area", "attn"}:
        return tuple(ast.literal_eval(t) for t in text.split("x"))
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_spec(text: str) -> Spec:
    """`yolov12-n` or `yolov12-n:area=1,mlp_ratio=1.2` (overrides are ours only; see yolov12.scales.OVERRIDABLE)."""
    name, _, rest = text.partition(":")
    if name not in BASELINES and name not in list_models():
        raise UserError(f"unknown model {name!r}; accepted: {', '.join(list_models() + list(BASELINES))}, "
                        f"or a family: {', '.join(all_families())}")
    overrides = []
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq or key not in OVERRIDABLE or name in BASELINES:
            raise UserError(f"bad override {item!r} for {name}; accepted (ours only): key=value with key in "
                            f"{', '.join(OVERRIDABLE)}")
        overrides.append((key, _parse_value(key, value)))
    return Spec(name, tuple(overrides))


def all_families() -> tuple[str, ...]:
    return (*OURS_FAMILIES, *FAMILIES)


def resolve(items: list[str]) -> list[Spec]:
    """Names, specs or family names -> specs, in the order given, without duplicates."""
    out: list[Spec] = []
    for item in items:
        if item in OURS_FAMILIES:
            prefix = OURS_FAMILIES[item]
            names = [m for m in list_models() if m.startswith(prefix) and (item != "yolov12" or "turbo" not in m)]
            specs = [Spec(n) for n in names]
        elif item in FAMILIES:
            specs = [Spec(b.name) for b in BASELINES.values() if b.family == item]
        else:
            specs = [parse_spec(item)]
        out.extend(s for s in specs if s not in out)
    if not out:
        raise UserError("no models given; pass --models with names or families")
    return out

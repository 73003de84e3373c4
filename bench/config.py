"""A configuration to measure, `model[:key=value,...][@attn]`, written and parsed here and nowhere else.

`model` is one of ours (`yolov12-s`, `yolov12-turbo-s`) or a baseline (`yolov8-n`, `rtdetr-r18`, ...); overrides
(ours only) are the keys of `yolov12.scales.OVERRIDABLE`; `@attn` picks our attention backend. Values are stored
canonically: `area=4` and `area=(4, 4)` are one configuration, written `area=4`; `area=(4, 1)` is written `area=4x1`;
booleans `true`/`false`; numbers in their shortest form. Family names (`yolov12`, `yolo11`) expand to their scales.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version

from baselines.names import BASELINES, FAMILIES
from yolov12.attention import BACKENDS
from yolov12.cli import UserError
from yolov12.model import list_models
from yolov12.scales import OVERRIDABLE, Proj, check_override, lookup

OURS_FAMILIES = {"yolov12": "yolov12-", "yolov12-turbo": "yolov12-turbo-"}
ATTN_CHOICES = ("auto", *BACKENDS)
NO_ATTN = "-"  # baselines: their attention is fixed by their code


def ultralytics_impl() -> str:
    """`ultralytics-<installed version>` (read from the package metadata; ultralytics is not imported)."""
    try:
        return f"ultralytics-{version('ultralytics')}"
    except PackageNotFoundError:
        return "ultralytics-not-installed"


@dataclass(frozen=True)
class Config:
    """One model to measure: its name, our overrides (canonical values, in OVERRIDABLE order) and backend."""

    model: str
    overrides: tuple[tuple[str, object], ...] = field(default=())
    attn: str = "auto"

    @property
    def ours(self) -> bool:
        return self.model not in BASELINES

    @property
    def impl(self) -> str:
        return "ours" if self.ours else ultralytics_impl()

    @property
    def family(self) -> str:
        if self.ours:
            return "yolov12-turbo" if self.model.startswith("yolov12-turbo-") else "yolov12"
        return BASELINES[self.model].family

    @property
    def scale(self) -> str:
        return lookup(self.model).scale if self.ours else BASELINES[self.model].scale

    @property
    def variant(self) -> str:
        """`paper`, `turbo` or the baseline's family."""
        return lookup(self.model).variant.value if self.ours else BASELINES[self.model].family

    @property
    def overrides_text(self) -> str:
        return ",".join(f"{k}={show(v)}" for k, v in self.overrides)

    @property
    def label(self) -> str:
        """`model[:overrides]` (without the backend)."""
        return self.model + (":" + self.overrides_text if self.overrides else "")

    def with_attn(self, attn: str) -> Config:
        return replace(self, attn=attn if self.ours else NO_ATTN)

    def __str__(self) -> str:
        return self.label + (f"@{self.attn}" if self.ours and self.attn != "auto" else "")


def show(value: object) -> str:
    """The canonical text of an override value."""
    if isinstance(value, tuple):
        return show(value[0]) if len(set(value)) == 1 else "x".join(show(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Proj):
        return value.value
    return str(value)


def _literal(text: str) -> object:
    text = text.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if "x" in text and not text.startswith(("(", "[")):
        return tuple(_literal(t) for t in text.split("x"))
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    return tuple(value) if isinstance(value, list) else value


def parse(text: str, attn: str | None = None) -> Config:
    """`yolov12-n`, `yolov12-n:area=1,mlp_ratio=1.2`, `yolov12-n@reference`, `yolo11-n` -> Config.
    `attn` (when given) is the backend for a text without `@`. UserError naming what is accepted otherwise."""
    body, at, backend = text.strip().partition("@")
    name, _, rest = body.partition(":")
    if name not in BASELINES and name not in list_models():
        raise UserError(f"unknown model {name!r}; accepted: {', '.join(list_models() + list(BASELINES))}, "
                        f"or a family: {', '.join(all_families())}")
    backend = backend if at else (attn or "auto")
    if backend not in ATTN_CHOICES and name not in BASELINES:
        raise UserError(f"unknown attention backend {backend!r} in {text!r}; accepted: {', '.join(ATTN_CHOICES)}")
    if name in BASELINES and (rest or at):
        raise UserError(f"{text!r}: overrides and @backend apply to our models only; {name} runs Ultralytics' code "
                        "as it is")
    values: dict[str, object] = {}
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or key not in OVERRIDABLE:
            raise UserError(f"bad override {item!r} for {name}; accepted: key=value with key in "
                            f"{', '.join(OVERRIDABLE)}")
        try:
            values[key] = check_override(key, _literal(value))
        except ValueError as err:
            raise UserError(f"{text!r}: {err}") from None
    default = lookup(name) if name not in BASELINES else None
    canonical = tuple((k, values[k]) for k in OVERRIDABLE if k in values and getattr(default, k) != values[k])
    return Config(name, canonical, backend if name not in BASELINES else NO_ATTN)


def all_families() -> tuple[str, ...]:
    return (*OURS_FAMILIES, *FAMILIES)


def resolve(items: list[str], attn: str = "auto") -> list[Config]:
    """Names, configurations or family names -> configurations, in the order given, without duplicates."""
    out: list[Config] = []
    for item in items:
        if item in OURS_FAMILIES:
            prefix = OURS_FAMILIES[item]
            names = [m for m in list_models() if m.startswith(prefix) and (item != "yolov12" or "turbo" not in m)]
            configs = [Config(n, attn=attn) for n in names]
        elif item in FAMILIES:
            configs = [Config(b.name, attn=NO_ATTN) for b in BASELINES.values() if b.family == item]
        else:
            configs = [parse(item, attn)]
        out.extend(c for c in configs if c not in out)
    if not out:
        raise UserError("no models given; pass --models with names or families")
    return out

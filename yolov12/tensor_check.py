"""Checks on declared tensors before any byte of them is materialised, and the `.safetensors` header reader.

A `LazyTensor` (from `yolov12.safe_pickle` or a safetensors header) is checked twice: against its storage's real
size in the file (offset, shape, stride, dtype: every element it can address must be inside the storage, and it
may not address more elements than the storage holds, so nothing built from a file can outgrow the file), and
against the architecture the file describes (the state-dict shapes and dtypes of that model built on the `meta`
device, which allocates nothing). Only then are bytes read and turned into tensors.
"""

from __future__ import annotations

import collections
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from yolov12.safe_pickle import ACCEPTED, CheckpointError, Inert, LazyTensor, StorageRef, TorchFile, one_line, refuse

FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
MATERIALISABLE = FLOATS + (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)
MAX_DIMS = 8
MAX_SAFETENSORS_HEADER = 100 << 20  # what the safetensors library itself accepts
SAFETENSORS_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
                      "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
                      "U8": torch.uint8, "BOOL": torch.bool, "C64": torch.complex64}


def _dtype_name(dtype: Any) -> str:
    return str(dtype).removeprefix("torch.")


def storage_problem(t: LazyTensor) -> str | None:
    """Why `t` cannot be read from its storage, or None. Pure arithmetic on the declared numbers."""
    ref, offset, size, stride = t.storage, t.offset, t.size, t.stride
    if not isinstance(ref, StorageRef):
        return "has no storage record"
    if not (isinstance(size, (tuple, list)) and isinstance(stride, (tuple, list)) and len(size) == len(stride)
            and len(size) <= MAX_DIMS and all(type(v) is int and v >= 0 for v in (*size, *stride))
            and type(offset) is int and offset >= 0):
        return f"declares a malformed shape {str(size)[:60]} / stride {str(stride)[:60]} / offset {str(offset)[:20]}"
    numel = math.prod(size)
    if ref.dtype not in MATERIALISABLE:
        return f"has dtype {_dtype_name(ref.dtype)} (accepted: floating point or integer)"
    if numel == 0:
        return None if offset <= ref.numel else f"has storage offset {offset} beyond its {ref.numel}-element storage"
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if offset >= ref.numel:
        return f"has storage offset {offset} beyond its {ref.numel}-element storage"
    if last >= ref.numel or numel > ref.numel:
        return (f"declares shape {list(size)} (stride {list(stride)}, offset {offset}, {numel} elements) but its "
                f"storage holds only {ref.numel} elements")
    return None


def check_storage(t: LazyTensor, name: str, path: Path) -> None:
    problem = storage_problem(t)
    if problem:
        raise refuse(path, f"tensor {name!r} {problem}")


def named_tensors(obj: Any, prefix: str = "", depth: int = 0, seen: set | None = None) -> Iterator[tuple[str, Any]]:
    """(dotted name, LazyTensor) for every tensor record reachable through dicts, lists, tuples and inert objects."""
    seen = set() if seen is None else seen
    if depth > 64 or id(obj) in seen:
        return
    if isinstance(obj, LazyTensor):
        yield prefix or "<root>", obj
        return
    if isinstance(obj, (dict, list, tuple, Inert)):
        seen.add(id(obj))
    if isinstance(obj, Inert):
        yield from named_tensors(obj.state, prefix, depth + 1, seen)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from named_tensors(v, f"{prefix}.{k}" if prefix else str(k), depth + 1, seen)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from named_tensors(v, f"{prefix}.{i}" if prefix else str(i), depth + 1, seen)


def check_all_storages(tf: TorchFile) -> None:
    """Every tensor record in the file against its storage, and all of them together against the file's bytes
    (many views of one storage must not add up to more than the storages hold)."""
    names = {id(t): n for n, t in named_tensors(tf.obj)}
    total = 0
    for t in tf.tensors:
        check_storage(t, names.get(id(t), "<unnamed>"), tf.path)
        total += math.prod(t.size) * t.storage.nbytes // max(t.storage.numel, 1)
    held = sum(ref.nbytes for ref in tf.storages.values())
    if total > held + (1 << 20):
        raise refuse(tf.path, f"its tensors declare {total} bytes in all but its storages hold {held}")


def expected_state(model: torch.nn.Module) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
    """Key -> (shape, dtype) of `model.state_dict()` (build the model on the meta device: nothing is allocated)."""
    return {k: (tuple(v.shape), v.dtype) for k, v in model.state_dict().items()}


def check_state_dict(sd: Any, expected: dict, path: Path, arch: str, optional: dict | None = None,
                     field: str = "state_dict") -> None:
    """`sd` (key -> LazyTensor) has exactly the expected keys, shapes and compatible dtypes, and fits its storages."""
    optional = optional or {}
    if not isinstance(sd, dict) or not all(isinstance(k, str) for k in sd):
        raise refuse(path, f"{field} is not a dict of named tensors")
    missing = [k for k in expected if k not in sd]
    extra = [k for k in sd if k not in expected and k not in optional]
    if missing:
        raise refuse(path, f"{field} lacks {len(missing)} key(s) of the {arch} architecture, e.g. "
                           f"{', '.join(missing[:3])}")
    if extra:
        raise refuse(path, f"{field} has {len(extra)} key(s) the {arch} architecture does not have, e.g. "
                           f"{', '.join(k[:80] for k in extra[:3])}")
    for key, t in sd.items():
        shape, dtype = expected[key] if key in expected else optional[key]
        if not isinstance(t, LazyTensor):
            raise refuse(path, f"{field} entry {key!r} is a {type(t).__name__}, not a tensor")
        declared = list(t.size) if isinstance(t.size, (tuple, list)) else t.size
        if declared != list(shape):
            raise refuse(path, f"tensor {key!r} has shape {str(declared)[:80]} but the {arch} architecture expects "
                               f"{list(shape)}")
        ok = t.dtype in FLOATS if dtype.is_floating_point else t.dtype == dtype
        if not ok:
            want = "a floating point dtype" if dtype.is_floating_point else _dtype_name(dtype)
            raise refuse(path, f"tensor {key!r} has dtype {_dtype_name(t.dtype)} but the {arch} architecture "
                               f"expects {want}")
        check_storage(t, key, path)


class Materialiser:
    """Turns checked LazyTensors into tensors, reading each storage once."""

    def __init__(self, tf: TorchFile):
        self.tf, self.cache, self.memo = tf, {}, {}

    def __call__(self, t: LazyTensor) -> torch.Tensor:
        check_storage(t, "<tensor>", self.tf.path)  # cheap; the callers have checked with names already
        ref = t.storage
        if ref.key not in self.cache:
            raw = self.tf.read(ref)
            if len(raw) != ref.nbytes:
                raise refuse(self.tf.path, f"storage {ref.key} holds {len(raw)} bytes, not {ref.nbytes}")
            self.cache[ref.key] = (torch.frombuffer(bytearray(raw), dtype=ref.dtype) if raw
                                   else torch.empty(0, dtype=ref.dtype))
        return self.cache[ref.key].as_strided(tuple(t.size), tuple(t.stride), t.offset).clone()

    def tree(self, obj: Any, depth: int = 0) -> Any:
        """A copy of a plain tree (dict/list/tuple) with every LazyTensor materialised. Shared nodes stay shared
        (a pickle can reference one node many times: copying per reference would blow up)."""
        if depth > 64:
            raise refuse(self.tf.path, "nested more than 64 levels deep")
        if id(obj) in self.memo:
            return self.memo[id(obj)]
        if isinstance(obj, LazyTensor):
            out = self.memo[id(obj)] = self(obj)
        elif isinstance(obj, dict):
            out = self.memo[id(obj)] = collections.OrderedDict() if isinstance(obj, collections.OrderedDict) else {}
            for k, v in obj.items():
                out[k] = self.tree(v, depth + 1)
        elif isinstance(obj, list):
            out = self.memo[id(obj)] = []
            out.extend(self.tree(v, depth + 1) for v in obj)
        elif type(obj) is tuple:
            out = self.memo[id(obj)] = tuple(self.tree(v, depth + 1) for v in obj)
        else:
            return obj
        return out


# ---- safetensors --------------------------------------------------------------------------------------------------

def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def read_safetensors(path: Path) -> TorchFile:
    """Parse and check a `.safetensors` header ourselves (8-byte little-endian length, then JSON): bounded length,
    known dtypes, shapes matching data_offsets, offsets covering the data exactly. `obj` is
    {'metadata': {str: str}, 'tensors': {name: LazyTensor}}."""
    def bad(field: str, what: str) -> CheckpointError:
        return refuse(path, f"bad safetensors header ({field}: {what})")

    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise bad("length", f"the file has only {size} bytes")
        n = int.from_bytes(head, "little")
        if n > MAX_SAFETENSORS_HEADER or n > size - 8:
            raise bad("length", f"declares {n} header bytes, the file has {size} bytes in all")
        raw = f.read(n)
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise bad("json", f"not JSON ({one_line(str(err))[:120]})") from None
    if not isinstance(header, dict):
        raise bad("json", "not a JSON object")
    metadata = header.pop("__metadata__", {})
    if not (isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())):
        raise bad("__metadata__", "not a map of strings")
    data_size, start = size - 8 - n, 8 + n
    tensors, spans = {}, []
    for name, entry in header.items():
        if not (isinstance(entry, dict) and set(entry) == {"dtype", "shape", "data_offsets"}):
            raise bad(name[:80], "entry must have exactly dtype, shape and data_offsets")
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        if dtype not in SAFETENSORS_DTYPES:
            raise bad(f"{name[:80]}.dtype", f"unknown dtype {str(dtype)[:20]!r}")
        if not (isinstance(shape, list) and len(shape) <= MAX_DIMS and all(type(s) is int and s >= 0 for s in shape)):
            raise bad(f"{name[:80]}.shape", f"{str(shape)[:60]} is not a list of sizes")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int for o in offsets)
                and 0 <= offsets[0] <= offsets[1] <= data_size):
            raise bad(f"{name[:80]}.data_offsets", f"{str(offsets)[:60]} outside the {data_size} data bytes")
        dt = SAFETENSORS_DTYPES[dtype]
        numel = math.prod(shape)
        itemsize = torch.empty((), dtype=dt).element_size()
        if offsets[1] - offsets[0] != numel * itemsize:
            raise bad(f"{name[:80]}.data_offsets", f"{offsets[1] - offsets[0]} bytes for shape {shape} of {dtype}")
        ref = StorageRef(name, dt, numel)
        strides = [math.prod(shape[i + 1:]) for i in range(len(shape))]
        tensors[name] = LazyTensor(ref, 0, tuple(shape), tuple(strides))
        spans.append((offsets[0], offsets[1], ref))
    spans.sort(key=lambda s: (s[0], s[1]))
    at = 0
    for begin, end, ref in spans:
        if begin != at:
            raise bad(f"{ref.key[:80]}.data_offsets", "tensors overlap or leave gaps in the data")
        at = end
    if at != data_size:
        raise bad("data_offsets", f"the tensors cover {at} of the {data_size} data bytes")
    where = {ref.key: start + begin for begin, _, ref in spans}

    def read(ref: StorageRef) -> bytes:
        with open(path, "rb") as f:
            f.seek(where[ref.key])
            return f.read(ref.nbytes)

    return TorchFile(path, {"metadata": metadata, "tensors": tensors}, list(tensors.values()),
                     {r.key: r for _, _, r in spans}, read)


__all__ = ["ACCEPTED", "Materialiser", "check_all_storages", "check_state_dict", "check_storage", "expected_state",
           "named_tensors", "read_safetensors", "storage_problem"]

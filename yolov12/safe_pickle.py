"""The only reader of `.pt` bytes: a restricted unpickler and a torch-file reader that never calls a torch loader.

Why not `torch.load`: it hands TorchScript archives to `torch.jit.load` (whose `__setstate__` methods run code)
and it allocates every storage at the size the file declares before anything can be checked. So we read the
container ourselves: a zip must be exactly torch's tensor-checkpoint layout (one top-level folder holding
`data.pkl`, `data/<key>` storages and torch's small version records; anything TorchScript-like is refused), a
non-zip file must be torch's legacy pickle stream (magic number, protocol, sys-info, object, storage keys, raw
storages). `data.pkl` is pre-scanned opcode by opcode (every length-prefixed argument must lie inside the data,
memo indices are bounded) and then unpickled by `Unpickler`, whose `persistent_load` we control: tensors come
back as `LazyTensor` records (storage key, dtype, offset, shape, stride) and no storage byte is read until
`yolov12.tensor_check` has checked the record against the storage's real size and the architecture.

The unpickler admits tensors, storages, plain containers and numpy scalars/arrays (rebuilt by our own code,
never by numpy's `__setstate__`). Every `ultralytics.*` or `torch.nn.modules.*` class becomes an inert stand-in
that only keeps its pickled state. Any other global (`os.system`, `builtins.eval`, ...) is refused before it is
called.
"""

from __future__ import annotations

import _compat_pickle
import io
import math
import os
import pickle
import pickletools
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

ACCEPTED = "accepted: an Ultralytics or official YOLOv12 .pt, or a .pt / .safetensors written by yolov12"
INERT_PREFIXES = ("ultralytics.", "torch.nn.modules.")
ALLOWED = {
    ("collections", "OrderedDict"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "slice"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch._utils", "_rebuild_parameter_with_state"),
    ("torch", "Size"),
    ("torch", "device"),
}
STORAGE_DTYPES = {
    "DoubleStorage": torch.float64, "FloatStorage": torch.float32, "HalfStorage": torch.float16,
    "BFloat16Storage": torch.bfloat16, "LongStorage": torch.int64, "IntStorage": torch.int32,
    "ShortStorage": torch.int16, "CharStorage": torch.int8, "ByteStorage": torch.uint8, "BoolStorage": torch.bool,
    "ComplexFloatStorage": torch.complex64, "ComplexDoubleStorage": torch.complex128,
}
NUMPY_MODULES = ("numpy", "numpy.core.multiarray", "numpy._core.multiarray")
# numpy dtypes a checkpoint may name (numeric only: object/void dtypes would let numpy build arbitrary things)
NUMPY_DTYPES = {"b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16", "bool",
                "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32",
                "float64", "complex64", "complex128"}
MAX_PICKLE_BYTES = 1 << 30
_KEY = re.compile(r"[A-Za-z0-9_]{1,64}\Z")
# torch's tensor-checkpoint zip: these records next to data.pkl and data/<key>, nothing else
_ZIP_RECORDS = {"data.pkl", "version", ".format_version", ".storage_alignment", "byteorder", ".data/version",
                ".data/serialization_id"}
_TORCHSCRIPT = re.compile(r"(^|/)(code|extra|constants|bytecode|\.data/ts_code)(/|\.pkl$)|\.py$|\.debug_pkl$|"
                          r"(^|/)constants\.pkl$|(^|/)attributes\.pkl$")
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
UnpicklingError = pickle.UnpicklingError


class CheckpointError(ValueError):
    """The file is not a checkpoint this loader understands (with what was found instead)."""


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """The file asks for code (a global this loader does not admit, or a TorchScript archive): refused, nothing ran."""


def one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def refuse(path: Any, what: str, unsafe: bool = False) -> CheckpointError:
    """The error for a file we will not read: one line naming the file, what was wrong and what is accepted."""
    cls = UnsafeCheckpointError if unsafe else CheckpointError
    return cls(one_line(f"{path}: {what}; {ACCEPTED}"))


class _Frozen:
    """Records built by the unpickler: BUILD/setattr from the pickle cannot rewrite them after construction."""

    __slots__ = ()

    def __setstate__(self, state: Any) -> None:
        raise UnpicklingError(f"a pickle tried to set the state of a {type(self).__name__}")


class StorageType(_Frozen):
    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: torch.dtype):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "dtype", dtype)


class StorageRef(_Frozen):
    """A storage the file declares: its record key, dtype and element count. Its bytes are read only on demand."""

    __slots__ = ("key", "dtype", "numel")

    def __init__(self, key: str, dtype: torch.dtype, numel: int):
        self.key, self.dtype, self.numel = key, dtype, numel

    @property
    def nbytes(self) -> int:
        return self.numel * _itemsize(self.dtype)


class LazyTensor(_Frozen):
    """A tensor as the file declares it (unchecked until `yolov12.tensor_check` looks at it)."""

    __slots__ = ("storage", "offset", "size", "stride")

    def __init__(self, storage: Any, offset: Any, size: Any, stride: Any):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    @property
    def dtype(self) -> torch.dtype | None:
        return self.storage.dtype if isinstance(self.storage, StorageRef) else None

    @property
    def shape(self) -> tuple:
        return tuple(self.size) if isinstance(self.size, (tuple, list)) else ()

    def __repr__(self) -> str:
        return f"<tensor {list(self.shape)} {self.dtype}>"


def _itemsize(dtype: torch.dtype) -> int:
    return torch.empty((), dtype=dtype).element_size()


class Inert:
    """Stand-in for a pickled class instance: records the state it was given and does nothing else."""

    pickled_as = "?"

    def __init__(self, *args: Any, **kwargs: Any):
        self.args, self.kwargs, self.state = args, kwargs, None

    def __new__(cls, *args: Any, **kwargs: Any):
        obj = super().__new__(cls)
        obj.args, obj.kwargs, obj.state = args, kwargs, None
        return obj

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def __repr__(self) -> str:
        return f"<inert {self.pickled_as}>"


# ---- numpy, rebuilt by us (numpy's own __setstate__ crashes on inconsistent states) ------------------------------

class NumpyDtype(_Frozen):
    __slots__ = ("dtype",)

    def __init__(self, name: Any, *_: Any):
        name = name.decode() if isinstance(name, bytes) else name
        if not isinstance(name, str) or name not in NUMPY_DTYPES:
            raise UnpicklingError(f"numpy dtype {name!r} is not admitted (numeric dtypes only)")
        object.__setattr__(self, "dtype", np.dtype(name))

    def __setstate__(self, state: Any) -> None:  # (version, byte order, ...): only the byte order matters
        if not (isinstance(state, tuple) and len(state) > 1 and state[1] in ("<", "|", "=")):
            raise UnpicklingError("numpy dtype with an unsupported state (big-endian or structured)")


class NumpyArray(_Frozen):
    """`numpy.core.multiarray._reconstruct` + BUILD, checked: numeric dtype and exactly shape*itemsize bytes."""

    __slots__ = ("array",)

    def __init__(self, subtype: Any, shape: Any, dtype: Any):
        if subtype is not NumpyArray:
            raise UnpicklingError("numpy _reconstruct of something other than ndarray")
        object.__setattr__(self, "array", None)

    def __setstate__(self, state: Any) -> None:
        if not (isinstance(state, tuple) and len(state) == 5):
            raise UnpicklingError("numpy array with an unexpected state")
        _, shape, dtype, fortran, raw = state
        if not (isinstance(dtype, NumpyDtype) and isinstance(raw, bytes) and isinstance(shape, tuple)
                and all(type(s) is int and s >= 0 for s in shape)):
            raise UnpicklingError("numpy array with an unexpected state")
        if math.prod(shape) * dtype.dtype.itemsize != len(raw):
            raise UnpicklingError(f"numpy array of shape {shape} does not match its {len(raw)} data bytes")
        arr = np.frombuffer(raw, dtype=dtype.dtype).reshape(shape, order="F" if fortran else "C").copy()
        object.__setattr__(self, "array", arr)


def _numpy_scalar(dtype: Any, data: Any = None) -> Any:
    if not (isinstance(dtype, NumpyDtype) and isinstance(data, bytes) and len(data) == dtype.dtype.itemsize):
        raise UnpicklingError("numpy scalar with an unexpected dtype or data")
    return np.frombuffer(data, dtype=dtype.dtype)[0]


class Unpickler(pickle.Unpickler):
    """Restricted unpickler. With `storages` (a callable checking a persistent id), tensors come back as
    `LazyTensor` records; without, as real tensors (only for `torch.load(pickle_module=safe_pickle)` on trusted
    files, e.g. in tests)."""

    def __init__(self, *args: Any, storages: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._inert: dict[str, type] = {}
        self._storages = storages
        self.tensors: list[LazyTensor] = []
        if storages is not None:  # assigned, not a method: torch.load assigns its own the same way
            self.persistent_load = storages

    def _rebuild_tensor(self, storage: Any, offset: Any, size: Any, stride: Any, *_: Any) -> LazyTensor:
        if not isinstance(storage, StorageRef):
            raise UnpicklingError("a tensor whose storage is not a storage record")
        t = LazyTensor(storage, offset, size, stride)
        self.tensors.append(t)
        return t

    def find_class(self, module: str, name: str) -> Any:
        # protocol-2 pickles name Python 2 modules (`__builtin__.set`); read them as Python 3 does
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if module.startswith(INERT_PREFIXES):
            key = f"{module}.{name}"
            if key not in self._inert:
                self._inert[key] = type(name, (Inert,), {"pickled_as": key})
            return self._inert[key]
        if module in NUMPY_MODULES and name in ("dtype", "scalar", "_reconstruct", "ndarray"):
            return {"dtype": NumpyDtype, "scalar": _numpy_scalar, "_reconstruct": NumpyArray,
                    "ndarray": NumpyArray}[name]
        lazy = self._storages is not None
        if lazy and module == "torch" and name in STORAGE_DTYPES:
            return StorageType(name, STORAGE_DTYPES[name])
        if lazy and module == "torch._utils" and name == "_rebuild_tensor_v2":
            return self._rebuild_tensor
        if lazy and module == "torch._utils" and name in ("_rebuild_parameter", "_rebuild_parameter_with_state"):
            return lambda data, *_: data  # requires_grad / hooks / python attributes are not needed
        if (module, name) in ALLOWED:
            return super().find_class(module, name)
        if module == "torch" and isinstance(getattr(torch, name, None), torch.dtype):
            return getattr(torch, name)
        raise UnsafeCheckpointError(
            f"refused to load global '{module}.{name}': only tensors, storages, plain containers and "
            f"ultralytics / torch.nn classes (as inert data) are admitted"
        )


def load(file: Any, **kwargs: Any) -> Any:
    return Unpickler(file, **kwargs).load()


def loads(data: bytes, **kwargs: Any) -> Any:
    return Unpickler(io.BytesIO(data), **kwargs).load()


def prescan(stream: io.BytesIO) -> None:
    """Walk one pickle's opcodes without building anything: every length-prefixed argument must lie inside the
    data (else the C unpickler would allocate the declared length first), memo indices stay below the opcode
    count (a huge PUT index makes it allocate a huge memo), text persistent ids are refused."""
    count = 0
    try:
        for op, arg, _ in pickletools.genops(stream):
            count += 1
            if op.name in ("PERSID", "EXT1", "EXT2", "EXT4", "INST", "OBJ"):
                raise UnpicklingError(f"pickle opcode {op.name} is not admitted")
            if op.name in ("PUT", "BINPUT", "LONG_BINPUT") and (not isinstance(arg, int) or arg > count):
                raise UnpicklingError(f"pickle memo index {arg} out of range")
            if op.name == "PROTO" and arg > pickle.HIGHEST_PROTOCOL:
                raise UnpicklingError(f"pickle protocol {arg} unknown")
    except UnpicklingError:
        raise
    except Exception as err:  # pickletools raises ValueError for truncated or unknown opcodes
        raise UnpicklingError(f"malformed pickle ({one_line(str(err))})") from None


def _unpickle(data: bytes, storages: Any = None, *, whole: bool = True) -> tuple[Any, list[LazyTensor], int]:
    stream = io.BytesIO(data)
    prescan(stream)
    end = stream.tell()
    if whole and end != len(data):
        raise UnpicklingError(f"{len(data) - end} bytes after the pickle's STOP")
    unpickler = Unpickler(io.BytesIO(data[:end]), storages=storages)
    try:
        obj = unpickler.load()
    except UnpicklingError:
        raise
    except Exception as err:  # noqa: BLE001 - a bad pickle raises anything (TypeError, ValueError, MemoryError, ...)
        raise UnpicklingError(f"malformed pickle ({type(err).__name__}: {one_line(str(err))[:200]})") from None
    return obj, unpickler.tensors, end


class TorchFile:
    """A `.pt` read as data: `obj` holds `LazyTensor` records; `read(storage)` returns a storage's bytes."""

    def __init__(self, path: Path, obj: Any, tensors: list[LazyTensor], storages: dict[str, StorageRef], reader):
        self.path, self.obj, self.tensors, self.storages, self._reader = path, obj, tensors, storages, reader

    def read(self, storage: StorageRef) -> bytes:
        return self._reader(storage)


def _storage_loader(path: Path, seen: dict[str, StorageRef], legacy: bool, sizes: dict[str, int] | None):
    def load(pid: Any) -> StorageRef:
        n = 6 if legacy else 5
        if not (isinstance(pid, tuple) and len(pid) == n and pid[0] == "storage"):
            raise UnpicklingError(f"unexpected persistent id {str(pid)[:80]}")
        _, kind, key, location, numel = pid[:5]
        if legacy and pid[5] is not None:
            raise UnpicklingError("legacy storage views are not supported")
        if not isinstance(kind, StorageType):
            raise UnpicklingError("persistent id without a storage type")
        if not (isinstance(key, str) and _KEY.match(key) and isinstance(location, str) and len(location) < 64):
            raise UnpicklingError(f"bad storage key or location {str(key)[:80]!r}")
        if type(numel) is not int or numel < 0:
            raise UnpicklingError(f"storage {key} declares {numel!r} elements")
        if key in seen:
            if (seen[key].dtype, seen[key].numel) != (kind.dtype, numel):
                raise UnpicklingError(f"storage {key} is declared twice with different dtype or size")
            return seen[key]
        ref = StorageRef(key, kind.dtype, numel)
        if sizes is not None:
            if key not in sizes:
                raise UnpicklingError(f"storage {key} has no data record")
            if sizes[key] != ref.nbytes:
                raise UnpicklingError(f"storage {key} declares {numel} x {kind.dtype} = {ref.nbytes} bytes but its "
                                      f"record holds {sizes[key]}")
        seen[key] = ref
        return ref

    return load


def _read_zip(path: Path, f: Any) -> TorchFile:
    try:
        zf = zipfile.ZipFile(f)
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as err:
        raise refuse(path, f"not a readable torch zip archive ({one_line(str(err))})") from None
    names = [i.filename for i in infos]
    size = os.fstat(f.fileno()).st_size
    for name in names:
        parts = name.split("/")
        if name.startswith("/") or "\\" in name or "\0" in name or ".." in parts or ":" in parts[0]:
            raise refuse(path, f"zip member name {name[:80]!r} points outside the archive", unsafe=True)
    if any(_TORCHSCRIPT.search(n) for n in names):
        raise refuse(path, "a TorchScript archive (code/, constants.pkl or sources): refused, TorchScript runs code "
                           "when loaded", unsafe=True)
    if len(set(names)) != len(names):
        raise refuse(path, "the zip has duplicate member names")
    roots = {n.split("/")[0] for n in names}
    if len(roots) != 1 or any("/" not in n for n in names):
        raise refuse(path, f"the zip must hold exactly one top-level folder (found {len(roots)})")
    root = roots.pop()
    sizes: dict[str, int] = {}
    for info in infos:
        rel = info.filename[len(root) + 1:]
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1 or info.file_size != info.compress_size:
            raise refuse(path, f"zip member {info.filename!r} is compressed or encrypted (torch stores records)")
        if info.header_offset + info.file_size > size:
            raise refuse(path, f"zip member {info.filename!r} extends past the end of the file")
        if rel.startswith("data/") and _KEY.match(rel[5:]):
            sizes[rel[5:]] = info.file_size
        elif rel not in _ZIP_RECORDS:
            raise refuse(path, f"unexpected zip member {info.filename!r} (not a torch tensor checkpoint)")
    if "data.pkl" not in {n[len(root) + 1:] for n in names}:
        raise refuse(path, "the zip has no data.pkl")
    try:
        if f"{root}/byteorder" in names and zf.read(f"{root}/byteorder") != b"little":
            raise refuse(path, "big-endian checkpoint")
        pkl = zf.getinfo(f"{root}/data.pkl")
        if pkl.file_size > MAX_PICKLE_BYTES:
            raise refuse(path, f"data.pkl of {pkl.file_size} bytes")
        data = zf.read(pkl)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise refuse(path, f"not a readable torch zip archive ({one_line(str(err))})") from None
    seen: dict[str, StorageRef] = {}
    obj, tensors, _ = _unpickle_or_refuse(path, data, _storage_loader(path, seen, False, sizes))

    def read(ref: StorageRef) -> bytes:
        try:
            return zf.read(f"{root}/data/{ref.key}")
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
            raise refuse(path, f"storage {ref.key} unreadable ({one_line(str(err))})") from None

    return TorchFile(path, obj, tensors, seen, read)


def _unpickle_or_refuse(path: Path, data: bytes, storages: Any, whole: bool = True):
    try:
        return _unpickle(data, storages, whole=whole)
    except UnsafeCheckpointError as err:
        raise refuse(path, str(err), unsafe=True) from None
    except UnpicklingError as err:
        raise refuse(path, f"not a readable torch checkpoint ({one_line(str(err))})") from None


def _read_legacy(path: Path, data: bytes) -> TorchFile:
    """torch's non-zip format: pickles of magic, protocol, sys-info, the object, the storage keys; then per key an
    int64 element count and the raw little-endian bytes."""
    first, _, pos = _unpickle_or_refuse(path, data, None, whole=False)
    if first != _LEGACY_MAGIC:
        raise refuse(path, "not a readable torch checkpoint (neither a torch zip archive, a legacy torch pickle "
                           "nor a .safetensors file)")
    proto, _, n = _unpickle_or_refuse(path, data[pos:], None, whole=False)
    pos += n
    info, _, n = _unpickle_or_refuse(path, data[pos:], None, whole=False)
    pos += n
    if proto != 1001 or not isinstance(info, dict) or info.get("little_endian") is not True:
        raise refuse(path, "legacy torch pickle of an unsupported version or byte order")
    seen: dict[str, StorageRef] = {}
    obj, tensors, n = _unpickle_or_refuse(path, data[pos:], _storage_loader(path, seen, True, None), whole=False)
    pos += n
    keys, _, n = _unpickle_or_refuse(path, data[pos:], None, whole=False)
    pos += n
    if not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)) or set(keys) != set(seen) \
            or len(keys) != len(seen):
        raise refuse(path, "legacy torch pickle whose storage list does not match its tensors")
    where: dict[str, int] = {}
    for key in keys:
        ref = seen[key]
        if pos + 8 > len(data) or int.from_bytes(data[pos:pos + 8], "little") != ref.numel:
            raise refuse(path, f"storage {key} is truncated or its size does not match the declared {ref.numel}")
        where[key] = pos + 8
        pos += 8 + ref.nbytes
        if pos > len(data):
            raise refuse(path, f"storage {key} extends past the end of the file (truncated)")
    if pos != len(data):
        raise refuse(path, f"{len(data) - pos} unexpected bytes after the last storage")
    return TorchFile(path, obj, tensors, seen, lambda ref: data[where[ref.key]:where[ref.key] + ref.nbytes])


def read_torch_file(path: str | os.PathLike) -> TorchFile:
    """Read a `.pt` (torch zip or legacy pickle) as data, refusing anything else before interpreting it.
    The path is known to be a file (`yolov12.weights.read_checkpoint` checks it first).
    Raises CheckpointError or UnsafeCheckpointError, each with a one-line message."""
    path = Path(path)
    try:
        f = open(path, "rb")  # noqa: SIM115 - a zip's storages are read from it later
        head = f.read(4)
    except OSError as err:
        raise refuse(path, f"cannot be read ({err.strerror})") from None
    if head == b"PK\x03\x04":
        return _read_zip(path, f)
    try:
        f.seek(0)
        data = f.read()
    except OSError as err:
        raise refuse(path, f"cannot be read ({err.strerror})") from None
    finally:
        f.close()
    if not data:
        raise refuse(path, "not a readable torch checkpoint (empty file)")
    return _read_legacy(path, data)

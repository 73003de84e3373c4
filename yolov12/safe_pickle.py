"""A restricted unpickler for `.pt` files, passed to `torch.load(pickle_module=...)`.

It admits tensors, storages, plain containers and numpy scalars. Every `ultralytics.*` or `torch.nn.modules.*`
class becomes an inert stand-in that only keeps its pickled state, so neither an ultralytics install nor any code
from the file runs. Any other global (`os.system`, `builtins.eval`, ...) is refused before it is called.
"""

from __future__ import annotations

import _compat_pickle
import io
import pickle
from typing import Any

import torch

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
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
}
UnpicklingError = pickle.UnpicklingError


class UnsafeCheckpointError(pickle.UnpicklingError):
    """The file asks for a global this loader does not admit."""


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


class Unpickler(pickle.Unpickler):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._inert: dict[str, type] = {}

    def find_class(self, module: str, name: str) -> Any:
        # protocol-2 pickles name Python 2 modules (`__builtin__.set`); read them as Python 3 does
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if module.startswith(INERT_PREFIXES):
            key = f"{module}.{name}"
            if key not in self._inert:
                self._inert[key] = type(name, (Inert,), {"pickled_as": key})
            return self._inert[key]
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

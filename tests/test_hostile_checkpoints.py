"""Hostile checkpoints: nothing from a file runs, nothing outgrows the file, every refusal is one documented line.

Every case builds its file in tmp_path and asserts the exception type, a one-line message naming the file, and
that nothing was created (no marker, no new file). The writers here produce torch's zip layout and safetensors
byte for byte, and `test_writers_produce_loadable_files` proves their unmodified output loads, so each refusal
below is caused by the one thing the case changes.
"""

from __future__ import annotations

import builtins
import collections
import io
import json
import os
import pickle
import random
import resource
import struct
import subprocess
import warnings
import zipfile
from pathlib import Path

import pytest
import torch

import yolov12
from yolov12 import safe_pickle
from yolov12.checkpoint import load_checkpoint, rng_state, save_checkpoint
from yolov12.safe_pickle import CheckpointError, UnsafeCheckpointError
from yolov12.weights import FORMAT

NAME, NC = "yolov12-n", 2


# ---- writers ------------------------------------------------------------------------------------------------------

class Storage:
    def __init__(self, key: str, typename: str, numel: int):
        self.key, self.typename, self.numel = key, typename, numel


class FakeTensor:
    """Pickles exactly as torch pickles a tensor (rebuild_tensor_v2 on a persistent storage id)."""

    def __init__(self, storage: Storage, offset: int, size: tuple, stride: tuple):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2,
                (self.storage, self.offset, self.size, self.stride, False, collections.OrderedDict()))


TYPENAMES = {torch.float32: "FloatStorage", torch.float16: "HalfStorage", torch.int64: "LongStorage",
             torch.complex64: "ComplexFloatStorage", torch.uint8: "ByteStorage", torch.float64: "DoubleStorage"}


def fake(obj, records: dict):
    """`obj` with every real tensor replaced by a FakeTensor whose bytes go to `records`."""
    if isinstance(obj, torch.Tensor):
        t = obj.detach().contiguous()
        key = str(len(records))
        records[key] = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        return FakeTensor(Storage(key, TYPENAMES[t.dtype], t.numel()), 0, tuple(t.shape), tuple(t.stride()))
    if isinstance(obj, dict):
        return {k: fake(v, records) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(fake(v, records) for v in obj)
    return obj


def write_pt(path: Path, obj, *, records: dict | None = None, extra: dict | None = None, root: str = "archive",
             pickled: bytes | None = None) -> Path:
    """torch's zip layout: root/data.pkl, root/data/<key>, root/byteorder, root/version (+ `extra` members)."""
    records = {} if records is None else records
    obj = fake(obj, records)

    class Pickler(pickle.Pickler):
        def persistent_id(self, o):
            if isinstance(o, Storage):
                return ("storage", getattr(torch, o.typename), o.key, "cpu", o.numel)
            return None

    if pickled is None:
        buf = io.BytesIO()
        Pickler(buf, protocol=2).dump(obj)
        pickled = buf.getvalue()
    members = {f"{root}/data.pkl": pickled, f"{root}/byteorder": b"little",
               **{f"{root}/data/{k}": v for k, v in records.items()}, f"{root}/version": b"3\n", **(extra or {})}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


ST_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64"}


def write_st(path: Path, tensors: dict, metadata: dict | None, edit=None, header_len: int | None = None) -> Path:
    header, blobs, at = {}, [], 0
    for name, t in tensors.items():
        raw = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    if metadata is not None:
        header["__metadata__"] = metadata
    if edit:
        edit(header)
    text = json.dumps(header).encode() if not isinstance(header, bytes) else header
    path.write_bytes(struct.pack("<Q", len(text) if header_len is None else header_len) + text + b"".join(blobs))
    return path


# ---- fixtures -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return yolov12.create_model(NAME, nc=NC).eval()


@pytest.fixture(scope="module")
def sd(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def ours(model, sd, **changes) -> dict:
    ckpt = {"format": FORMAT, "config": json.loads(json.dumps(model.config)), "state_dict": dict(sd), "meta": {}}
    ckpt.update(changes)
    return ckpt


def training(model, sd, **changes) -> dict:
    params = [torch.zeros(2, 3), torch.zeros(4)]
    opt = torch.optim.SGD(params, lr=0.1, momentum=0.9)
    for p in params:
        p.grad = torch.ones_like(p)
    opt.step()
    ckpt = ours(model, sd, train_model=dict(sd), optimizer=opt.state_dict(), scheduler={"last_epoch": 1},
                scaler={}, epoch=1, recipe={"epochs": 2}, rng=[rng_state()], results=[], best_fitness=0.0,
                args={"model": NAME, "data": "d.yaml", "out": "runs/x", "attn": "auto"})
    ckpt.update(changes)
    return ckpt


class Exploit:
    def __init__(self, marker: Path, how: str = "system"):
        self.marker, self.how = marker, how

    def __reduce__(self):
        if self.how == "eval":
            return (builtins.eval, (f"open({str(self.marker)!r}, 'w')",))
        if self.how == "popen":
            return (subprocess.Popen, (["touch", str(self.marker)],))
        if self.how == "nested":  # the payload is an argument of an innocent-looking reduce
            return (collections.OrderedDict, ([("k", Exploit(self.marker))],))
        return (os.system, (f"touch {self.marker}",))


def refused(tmp_path: Path, path: Path, exc: type, load=yolov12.load_model, match: str | None = None) -> str:
    """Load `path`, expect exactly `exc`; check one line naming the file, nothing created, memory not blown up."""
    before = set(tmp_path.rglob("*"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(Exception) as info:
        load(path)
    assert type(info.value) is exc, f"{type(info.value).__name__}: {info.value}"
    msg = str(info.value)
    assert "\n" not in msg and "\r" not in msg, msg
    assert str(path) in msg, msg
    if exc is not FileNotFoundError:
        assert "accepted" in msg, msg
    assert "weights_only" not in msg and "Traceback" not in msg, msg
    if match:
        assert match in msg, msg
    assert set(tmp_path.rglob("*")) == before, "something was created"
    assert not (tmp_path / "pwned").exists()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak
    assert grown < 1_000_000, f"peak memory grew by {grown} KiB"
    return msg


@pytest.fixture
def no_torch_loaders(monkeypatch, tmp_path):
    """Any torch loader that sees a file would leave the marker behind."""
    marker = tmp_path / "pwned"

    def spy(*args, **kwargs):
        marker.touch()
        raise AssertionError("a torch loader was called")

    for owner, name in ((torch, "load"), (torch.jit, "load"), (torch._C, "import_ir_module")):
        monkeypatch.setattr(owner, name, spy)
    return marker


# ---- sanity: the writers' unmodified output loads -----------------------------------------------------------------

def test_writers_produce_loadable_files(tmp_path, model, sd, no_torch_loaders):
    x = torch.rand(1, 3, 64, 64)
    pt = yolov12.load_model(write_pt(tmp_path / "ok.pt", ours(model, sd)))
    st = yolov12.load_model(write_st(tmp_path / "ok.safetensors", sd,
                                     {"format": FORMAT, "config": json.dumps(model.config)}))
    with torch.no_grad():
        assert torch.equal(pt(x), model(x)) and torch.equal(st(x), model(x))
    resumed = load_checkpoint(write_pt(tmp_path / "last.pt", training(model, sd)))
    assert resumed["epoch"] == 1 and torch.equal(resumed["train_model"]["model.0.conv.weight"],
                                                 sd["model.0.conv.weight"])
    assert resumed["optimizer"]["state"][0]["momentum_buffer"].shape == (2, 3)
    assert not no_torch_loaders.exists()


# ---- TorchScript: refused before any torch loader sees it ---------------------------------------------------------

class Scripted(torch.nn.Module):
    """A TorchScript module with a custom `__setstate__`: torch.jit.load runs it (code from the file)."""

    def __init__(self):
        super().__init__()
        self.w = torch.ones(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.w

    @torch.jit.export
    def __getstate__(self) -> tuple[torch.Tensor, bool]:
        return (self.w, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[torch.Tensor, bool]) -> None:
        self.w = state[0] + 1  # runs inside torch.jit.load
        self.training = state[1]


@pytest.fixture(scope="module")
def torchscript_bytes(tmp_path_factory) -> dict[str, bytes]:
    """A scripted module with `__setstate__` and a traced one, as torch.jit.save writes them."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        for kind, module in (("script", torch.jit.script(Scripted())),
                             ("trace", torch.jit.trace(torch.nn.Linear(2, 2), torch.rand(1, 2)))):
            path = tmp_path_factory.mktemp("ts") / f"{kind}.pt"
            torch.jit.save(module, str(path))
            out[kind] = path.read_bytes()
            if kind == "script":  # the archive is genuine: torch.jit.load runs its __setstate__
                assert torch.equal(torch.jit.load(str(path)).w, torch.full((2,), 2.0))
    return out


@pytest.mark.parametrize("kind", ["script.pt", "script.pth", "script.safetensors", "trace.pt", "script-renamed.pt"])
def test_torchscript_archives_are_refused(tmp_path, kind, torchscript_bytes, no_torch_loaders):
    src = tmp_path / "src.zip"
    src.write_bytes(torchscript_bytes[kind.split(".")[0].split("-")[0]])
    path = tmp_path / ("evil." + kind.split(".")[1])
    if kind == "script-renamed.pt":  # a TorchScript archive whose top folder looks like ours
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
            for info in zin.infolist():
                zout.writestr("archive/" + info.filename.split("/", 1)[1], zin.read(info))
    else:
        path.write_bytes(src.read_bytes())
    src.unlink()
    exc = CheckpointError if path.suffix == ".safetensors" else UnsafeCheckpointError
    refused(tmp_path, path, exc)
    refused(tmp_path, path, exc, load=load_checkpoint)
    assert not no_torch_loaders.exists()


@pytest.mark.parametrize("member", ["archive/code/__torch__.py", "archive/constants.pkl", "archive/extra/x.txt",
                                    "archive/code/m.py.debug_pkl"])
def test_our_zip_with_torchscript_members_is_refused(tmp_path, model, sd, member, no_torch_loaders):
    path = write_pt(tmp_path / "m.pt", ours(model, sd), extra={member: b"x"})
    refused(tmp_path, path, UnsafeCheckpointError, match="TorchScript")


# ---- pickle payloads ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["system", "eval", "popen", "nested"])
@pytest.mark.parametrize("container", ["zip", "legacy", "raw-pickle", "our-zip"])
def test_pickle_payloads_are_refused(tmp_path, model, sd, how, container, no_torch_loaders):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    payload = {"model": [{"deep": Exploit(marker, how)}]}
    if container == "raw-pickle":
        path.write_bytes(pickle.dumps(payload, protocol=2))
    elif container == "our-zip":
        write_pt(path, ours(model, sd, meta={"x": Exploit(marker, how)}))
    else:
        torch.save(payload, path, _use_new_zipfile_serialization=container == "zip")
    refused(tmp_path, path, UnsafeCheckpointError, match="refused to load global")


@pytest.mark.parametrize("payload", [
    b"cos\nsystem\n(S'touch pwned'\ntR.",  # protocol 0 GLOBAL
    b"\x80\x02cposix\nsystem\nX\x0b\x00\x00\x00touch pwned\x85R.",  # protocol 2 GLOBAL
    b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x08builtins\x8c\x04eval\x93\x8c\x0bprint('hi')\x85R.",  # STACK
    b"\x80\x02c__builtin__\ngetattr\nc__builtin__\nopen\nX\x04\x00\x00\x00read\x86R.",
])
def test_global_opcodes_of_every_protocol_are_refused(tmp_path, payload):
    path = tmp_path / "evil.pt"
    path.write_bytes(payload)
    refused(tmp_path, path, UnsafeCheckpointError)
    zipped = write_pt(tmp_path / "zipped.pt", {}, pickled=payload)
    refused(tmp_path, zipped, UnsafeCheckpointError)


# ---- containers and garbage ---------------------------------------------------------------------------------------

def test_zip_with_two_data_pkl(tmp_path, model, sd):
    path = write_pt(tmp_path / "m.pt", ours(model, sd))
    with pytest.warns(UserWarning), zipfile.ZipFile(path, "a") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({}, protocol=2))
    refused(tmp_path, path, CheckpointError, match="duplicate")


@pytest.mark.parametrize("name", ["../evil.pkl", "/abs/data.pkl", "archive/../../x", "archive\\..\\x"])
def test_zip_slip_names(tmp_path, model, sd, name):
    path = write_pt(tmp_path / "m.pt", ours(model, sd), extra={name: b"x"})
    refused(tmp_path, path, UnsafeCheckpointError, match="outside the archive")


@pytest.mark.parametrize("how", ["two-roots", "unknown-member", "deflated", "big-endian", "no-data-pkl"])
def test_zip_layouts_torch_does_not_write(tmp_path, model, sd, how):
    path = tmp_path / "m.pt"
    if how == "two-roots":
        write_pt(path, ours(model, sd), extra={"other/data.pkl": b"x"})
    elif how == "unknown-member":
        write_pt(path, ours(model, sd), extra={"archive/readme.txt": b"x"})
    elif how == "big-endian":
        write_pt(path, ours(model, sd), extra={})
        data = {i.filename: zipfile.ZipFile(path).read(i) for i in zipfile.ZipFile(path).infolist()}
        data["archive/byteorder"] = b"big"
        with zipfile.ZipFile(path, "w") as zf:
            for k, v in data.items():
                zf.writestr(k, v)
    elif how == "deflated":
        src = write_pt(tmp_path / "src.pt", ours(model, sd))
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                zout.writestr(info.filename, zin.read(info))
        src.unlink()
    else:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("archive/version", b"3\n")
    refused(tmp_path, path, CheckpointError)


@pytest.mark.parametrize("cut", [0, 1, 30, 0.25, 0.5, 0.9, -23, -1])
@pytest.mark.parametrize("fmt", ["zip", "legacy", "safetensors"])
def test_truncated_files(tmp_path, model, sd, cut, fmt):
    if fmt == "safetensors":
        path = yolov12.save_model(model, tmp_path / "m.safetensors")
    else:
        path = tmp_path / "m.pt"
        torch.save(ours(model, sd), path, _use_new_zipfile_serialization=fmt == "zip")
    data = path.read_bytes()
    at = cut if isinstance(cut, int) and cut >= 0 else len(data) + cut if isinstance(cut, int) else int(len(data) * cut)
    path.write_bytes(data[:at])
    refused(tmp_path, path, CheckpointError)


@pytest.mark.parametrize("content", ["random", "text", "zeros", "random.safetensors", "pk-header"])
def test_garbage(tmp_path, content):
    path = tmp_path / ("f.safetensors" if content.endswith("safetensors") else "f.pt")
    data = {"random": random.Random(0).randbytes(4096), "random.safetensors": random.Random(1).randbytes(4096),
            "text": b"hello, this is not a checkpoint\n" * 10, "zeros": bytes(1024),
            "pk-header": b"PK\x03\x04" + random.Random(2).randbytes(100)}[content]
    path.write_bytes(data)
    refused(tmp_path, path, CheckpointError)


def test_empty_file_directory_missing_and_symlink(tmp_path):
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    refused(tmp_path, empty, CheckpointError)
    folder = tmp_path / "folder.pt"
    folder.mkdir()
    refused(tmp_path, folder, CheckpointError, match="is a directory, not a checkpoint file")
    refused(tmp_path, folder, CheckpointError, load=load_checkpoint, match="is a directory")
    refused(tmp_path, tmp_path / "none.pt", FileNotFoundError)
    link = tmp_path / "passwd.pt"
    link.symlink_to("/etc/passwd")
    msg = refused(tmp_path, link, CheckpointError)
    assert "root:" not in msg


# ---- memory bombs and declared tensors ----------------------------------------------------------------------------

KEY = "model.0.conv.weight"  # (16, 3, 3, 3) in yolov12-n


def bent(model, sd, tmp_path, *, size=None, stride=None, offset=0, numel=None, record=None,
         dtype=torch.float32, key=KEY, name="m.pt", **changes) -> Path:
    """Our .pt with `key`'s record changed as given (others untouched)."""
    records: dict = {}
    ckpt = fake(ours(model, sd, **changes), records)
    t = sd[key].to(dtype)
    rkey = "bent"
    records[rkey] = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if record is None else record
    size = tuple(t.shape) if size is None else size
    stride = tuple(t.stride()) if stride is None else stride
    ckpt["state_dict"][key] = FakeTensor(Storage(rkey, TYPENAMES[dtype], t.numel() if numel is None else numel),
                                         offset, size, stride)
    return write_pt(tmp_path / name, ckpt, records=records)


BOMBS = {  # what the file declares -> the check that must catch it (before any storage byte is read)
    "shape-over-storage": (dict(size=(100000, 100000, 3, 3), stride=(27, 9, 3, 1)), "storage holds only"),
    "zero-stride-view": (dict(size=(16, 3, 3, 3), stride=(0, 0, 0, 0), numel=1, record=b"\0" * 4),
                         "storage holds only"),
    "offset-beyond": (dict(offset=10**9), "beyond its"),
    "offset-at-end": (dict(offset=432), "beyond its"),
    "huge-storage": (dict(numel=10**12), "record holds"),
    "negative-stride": (dict(stride=(27, 9, 3, -1)), "malformed"),
    "bad-size-type": (dict(size="16x3"), "malformed"),
    "too-many-dims": (dict(size=(1,) * 12, stride=(1,) * 12), "malformed"),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_declared_tensor_outgrows_storage(tmp_path, model, sd, bomb, monkeypatch):
    kwargs, match = BOMBS[bomb]
    path = bent(model, sd, tmp_path, **kwargs)
    monkeypatch.setattr(safe_pickle.TorchFile, "read", lambda *a: pytest.fail("a storage was read"))
    refused(tmp_path, path, CheckpointError, match=match)
    refused(tmp_path, path, CheckpointError, load=load_checkpoint, match=match)


def test_views_sharing_one_storage_cannot_multiply_it(tmp_path):
    records = {"0": bytes(4 << 20)}
    view = FakeTensor(Storage("0", "FloatStorage", 1 << 20), 0, (1 << 20,), (1,))
    views = [FakeTensor(view.storage, 0, (1 << 20,), (1,)) for _ in range(5000)]
    path = write_pt(tmp_path / "m.pt", {"model": views}, records=records)
    refused(tmp_path, path, CheckpointError, match="declare")


@pytest.mark.parametrize("bomb", ["memo", "binbytes8", "binunicode8"])
def test_pickle_level_bombs(tmp_path, bomb):
    data = {"memo": b"\x80\x04N\x72\xff\xff\xff\x7f.",  # LONG_BINPUT at index 2**31-1
            "binbytes8": b"\x80\x04\x8e" + struct.pack("<Q", 10**11) + b"abc.",
            "binunicode8": b"\x80\x04\x8d" + struct.pack("<Q", 10**11) + b"abc."}[bomb]
    refused(tmp_path, write_pt(tmp_path / "z.pt", {}, pickled=data), CheckpointError)
    raw = tmp_path / "raw.pt"
    raw.write_bytes(data)
    refused(tmp_path, raw, CheckpointError)


@pytest.mark.parametrize("case", ["shape", "int64", "complex", "float-int-buffer"])
def test_tensor_against_architecture(tmp_path, model, sd, case):
    if case == "shape":  # same bytes, another shape: storage fine, architecture not
        path = bent(model, sd, tmp_path, size=(48, 3, 3), stride=(9, 3, 1))
        match = "expects [16, 3, 3, 3]"
    elif case == "float-int-buffer":
        path = bent(model, sd, tmp_path, key="model.0.bn.num_batches_tracked", dtype=torch.float32)
        match = "expects int64"
    else:
        path = bent(model, sd, tmp_path, dtype=torch.int64 if case == "int64" else torch.complex64)
        match = "floating point"
    msg = refused(tmp_path, path, CheckpointError, match=match)
    assert "model.0" in msg


# ---- safetensors --------------------------------------------------------------------------------------------------

def _st(model, sd, tmp_path, edit=None, metadata=None, header_len=None, config=None, **drop):
    md = {"format": FORMAT, "config": json.dumps(model.config if config is None else config)}
    md.update(metadata or {})
    md = {k: v for k, v in md.items() if k not in drop}
    return write_st(tmp_path / "m.safetensors", sd, md, edit=edit, header_len=header_len)


def _set(key, field, value):
    def edit(h):
        h[key][field] = value
    return edit


def _config(model, **row):
    cfg = json.loads(json.dumps(model.config))
    cfg["row"].update(row)
    return cfg


SAFETENSORS = {
    "10GB-header-length": (dict(header_len=10 << 30), "length"),
    "non-json-header": (dict(edit=lambda h: h.clear() or h.update({"x": float("nan")})), None),
    "offsets-beyond-file": (dict(edit=_set(KEY, "data_offsets", [0, 10**12])), "data_offsets"),
    "shape-vs-offsets": (dict(edit=_set(KEY, "shape", [100000, 100000])), "data_offsets"),
    "wrong-shape-same-bytes": (dict(edit=_set(KEY, "shape", [48, 3, 3])), "expects [16, 3, 3, 3]"),
    "unknown-dtype": (dict(edit=_set(KEY, "dtype", "F8_E9")), "dtype"),
    "missing-format": (dict(format=True), "format"),
    "missing-config": (dict(config=True), "config"),
    "config-not-json": (dict(metadata={"config": "{nope"}), "config"),
    "meta-not-json": (dict(metadata={"meta": "[1,"}), "meta"),
}


@pytest.mark.parametrize("case", list(SAFETENSORS))
def test_safetensors(tmp_path, model, sd, case):
    kwargs, match = SAFETENSORS[case]
    drop = {k: True for k in ("format", "config") if kwargs.get(k) is True}
    kwargs = {k: v for k, v in kwargs.items() if k not in drop}
    path = _st(model, sd, tmp_path, **kwargs, **drop)
    if case == "non-json-header":
        data = path.read_bytes()
        n = int.from_bytes(data[:8], "little")
        path.write_bytes(data[:8] + b"{" * n + data[8 + n:])
    msg = refused(tmp_path, path, CheckpointError, match=match)
    if case != "10GB-header-length":
        assert "safetensors" in msg or "expects" in msg


BAD_CONFIGS = {
    "nc-negative": lambda m: {**json.loads(json.dumps(m.config)), "nc": -1},
    "nc-huge": lambda m: {**json.loads(json.dumps(m.config)), "nc": 10**9},
    "proj-bogus": lambda m: _config(m, proj="bogus"),
    "width-string": lambda m: _config(m, width="wide"),
    "unknown-row-key": lambda m: _config(m, rm_rf=True),
    "unknown-top-key": lambda m: {**json.loads(json.dumps(m.config)), "exec": "x"},
    "names-bad": lambda m: {**json.loads(json.dumps(m.config)), "names": {"99": "x"}},
    "not-a-map": lambda m: [1, 2],
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
@pytest.mark.parametrize("fmt", ["safetensors", "pt", "resume"])
def test_bad_config_values(tmp_path, model, sd, case, fmt):
    config = BAD_CONFIGS[case](model)
    if fmt == "safetensors":
        path, load = _st(model, sd, tmp_path, config=config), yolov12.load_model
    elif fmt == "pt":
        path, load = write_pt(tmp_path / "m.pt", ours(model, sd, config=config)), yolov12.load_model
    else:
        path, load = write_pt(tmp_path / "m.pt", training(model, sd, config=config)), load_checkpoint
    refused(tmp_path, path, CheckpointError, load=load, match="config")


# ---- our .pt and the --resume path ------------------------------------------------------------------------------

def _variant(model, sd, case: str, maker):
    if case == "missing-keys":
        return maker(model, sd, state_dict={k: v for k, v in sd.items() if k != KEY}), "lacks"
    if case == "extra-keys":
        return maker(model, sd, state_dict={**sd, "model.99.weight": torch.zeros(1)}), "does not have"
    if case == "missing-config":
        ckpt = maker(model, sd)
        del ckpt["config"]
        return ckpt, "config"
    if case == "state-dict-not-dict":
        return maker(model, sd, state_dict=[1, 2]), "state_dict"
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["missing-keys", "extra-keys", "missing-config", "state-dict-not-dict"])
@pytest.mark.parametrize("resume", [False, True])
def test_our_format_structure(tmp_path, model, sd, case, resume):
    ckpt, match = _variant(model, sd, case, training if resume else ours)
    path = write_pt(tmp_path / "m.pt", ckpt)
    refused(tmp_path, path, CheckpointError, load=load_checkpoint if resume else yolov12.load_model, match=match)


@pytest.mark.parametrize("case", ["torchscript", "payload", "truncated", "optimizer-bomb", "train-model-shape",
                                  "plain-weights", "safetensors", "legacy-payload", "garbage"])
def test_resume_path(tmp_path, model, sd, case, torchscript_bytes, no_torch_loaders):
    path, exc = tmp_path / "last.pt", CheckpointError
    if case == "torchscript":
        path.write_bytes(torchscript_bytes["script"])
        exc = UnsafeCheckpointError
    elif case in ("payload", "legacy-payload"):
        torch.save(training(model, sd, recipe={"x": Exploit(tmp_path / "pwned")}), path,
                   _use_new_zipfile_serialization=case == "payload")
        exc = UnsafeCheckpointError
    elif case == "truncated":
        write_pt(path, training(model, sd))
        path.write_bytes(path.read_bytes()[:-100])
    elif case == "optimizer-bomb":
        records: dict = {}
        ckpt = fake(training(model, sd), records)
        ckpt["optimizer"]["state"][0]["momentum_buffer"] = FakeTensor(Storage("0", "FloatStorage", 6), 0,
                                                                     (10**6, 10**6), (10**6, 1))
        write_pt(path, ckpt, records=records)
    elif case == "train-model-shape":
        write_pt(path, training(model, sd, train_model={**sd, KEY: torch.zeros(16, 3, 3)}))
    elif case == "plain-weights":
        write_pt(path, ours(model, sd))
    elif case == "safetensors":
        path = yolov12.save_model(model, tmp_path / "last.safetensors")
    else:
        path.write_bytes(b"\x80\x02}q\x00." + bytes(100))
    msg = refused(tmp_path, path, exc, load=load_checkpoint)
    assert "weights_only" not in msg


def test_resume_real_training_checkpoint(tmp_path, model, sd, no_torch_loaders):
    """`save_checkpoint`'s own output (torch.save) passes the gate and keeps its plain data exactly."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    path = save_checkpoint(tmp_path / "last.pt", model, {"epoch": 1}, train_model=sd, optimizer=opt.state_dict(),
                           scheduler={"last_epoch": 0}, scaler={}, epoch=1, recipe={"epochs": 1}, rng=[rng_state()],
                           results=[], args={"model": NAME, "data": "d", "out": "o", "attn": "auto"})
    ckpt = load_checkpoint(path)
    assert ckpt["rng"][0]["python"] == rng_state()["python"] or isinstance(ckpt["rng"][0]["python"], tuple)
    assert torch.equal(ckpt["state_dict"][KEY], sd[KEY]) and not no_torch_loaders.exists()


def test_unsafe_is_a_checkpoint_error_and_safe_pickle_still_refuses():
    assert issubclass(UnsafeCheckpointError, CheckpointError)
    with pytest.raises(UnsafeCheckpointError, match="builtins.eval"):
        safe_pickle.loads(b"\x80\x02cbuiltins\neval\nX\x0b\x00\x00\x00print('hi')\x85R.")

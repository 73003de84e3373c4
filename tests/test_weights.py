"""Checkpoint loading: safe unpickling, the official v1.0 and turbo formats, and our own format."""

import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from torch import nn

import yolov12
import yolov12.tensor_check
from tests.test_model import perturb_bn
from yolov12 import safe_pickle
from yolov12.weights import CheckpointError, remap_official_v1

HERE = Path(__file__).parent


class Exploit:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("zip_format", [True, False])
def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path, zip_format):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"model": Exploit(marker)}, path, _use_new_zipfile_serialization=zip_format)
    with pytest.raises(safe_pickle.UnsafeCheckpointError, match=r"refused to load global '(posix|os)\.system'"):
        yolov12.load_model(path)
    assert not marker.exists()


def test_refuses_builtins_eval(tmp_path):
    payload = b"\x80\x02cbuiltins\neval\nX\x0b\x00\x00\x00print('hi')\x85R."
    with pytest.raises(safe_pickle.UnsafeCheckpointError, match="builtins.eval"):
        safe_pickle.loads(payload)


def write_official(tmp_path: Path, name: str, pe_bias: bool = False) -> Path:
    out = tmp_path / f"{name}.pt"
    args = [sys.executable, str(HERE / "official_checkpoint.py"), str(out), name] + (["--pe-bias"] if pe_bias else [])
    subprocess.run(args, check=True, env={**os.environ, "PYTHONPATH": str(HERE.parent)}, timeout=300)
    return out


def test_turbo_checkpoint_layout_and_load(tmp_path):
    path = write_official(tmp_path, "yolov12-turbo-n")
    names = zipfile.ZipFile(path).read(zipfile.ZipFile(path).namelist()[0].split("/")[0] + "/data.pkl")
    assert b"ultralytics.nn.tasks" in names and b"AAttn" in names
    model = yolov12.load_model(path)
    assert model.name == "yolov12-turbo-n" and model.meta["source"] == "official-turbo"
    assert model.meta["train_args"]["optimizer"] == "auto"
    sd = model.state_dict()
    # key names and shapes of the official main branch (reference doc, section 4)
    assert sd["model.6.m.0.0.attn.qk.conv.weight"].shape == (128, 64, 1, 1)
    assert sd["model.6.m.0.0.attn.v.conv.weight"].shape == (64, 64, 1, 1)
    assert sd["model.6.m.0.0.attn.pe.conv.weight"].shape == (64, 1, 5, 5)
    assert sd["model.1.conv.weight"].shape == (32, 8, 3, 3)  # groups=2: half the input channels
    assert sd["model.3.conv.weight"].shape == (64, 16, 3, 3)  # groups=4
    assert not any(".attn.qkv." in k for k in sd)


def test_v1_pe_bias_is_folded_exactly(tmp_path):
    path = write_official(tmp_path, "yolov12-n", pe_bias=True)
    model = yolov12.load_model(path, attn="reference")
    assert model.meta["source"] == "official-v1.0" and model.name == "yolov12-n"
    # the same graph with the bias kept as a real conv bias
    explicit = yolov12.create_model("yolov12-n", attn="reference").eval()
    tf = yolov12.weights.read_checkpoint(path)  # the gate: lazy records, materialised only after the checks
    materialise = yolov12.tensor_check.Materialiser(tf)
    raw = {k: materialise(v) for k, v in yolov12.weights.inert_state_dict(tf.obj["model"]).items()}
    for attn in explicit.attention_modules():
        attn.pe.conv.bias = nn.Parameter(torch.zeros(attn.pe.conv.out_channels))
    explicit.load_state_dict({k: v.float() for k, v in raw.items()})
    x = torch.rand(2, 3, 96, 96)
    with torch.no_grad():
        assert torch.allclose(model(x), explicit(x), rtol=1e-5, atol=1e-4)


def test_remap_official_v1_is_pure():
    sd = {"model.6.m.0.0.attn.pe.conv.bias": torch.ones(4), "model.6.m.0.0.attn.pe.bn.running_mean": torch.ones(4)}
    out = remap_official_v1(sd)
    assert torch.equal(sd["model.6.m.0.0.attn.pe.bn.running_mean"], torch.ones(4))  # input untouched
    assert list(out) == ["model.6.m.0.0.attn.pe.bn.running_mean"] and torch.equal(out[list(out)[0]], torch.zeros(4))


@pytest.mark.parametrize("suffix", [".pt", ".safetensors"])
def test_own_format_round_trip(tmp_path, suffix):
    model = yolov12.create_model("yolov12-turbo-s", nc=7, area=1).eval()
    perturb_bn(model)
    path = yolov12.save_model(model, tmp_path / f"m{suffix}", meta={"trained_with": "test"})
    back = yolov12.load_model(path)
    assert back.row == model.row and back.nc == 7 and back.meta["trained_with"] == "test"
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(model(x), back(x))
    if suffix == ".pt":
        assert torch.load(path, weights_only=True)["format"] == "yolov12-bench/1"


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        yolov12.load_model(tmp_path / "none.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable torch checkpoint"):
        yolov12.load_model(junk)
    listing = tmp_path / "list.pt"
    torch.save([1, 2], listing)
    with pytest.raises(CheckpointError, match="expected a dict"):
        yolov12.load_model(listing)
    plain = tmp_path / "plain.pt"
    torch.save({"model": {"weights": torch.zeros(1)}}, plain)
    with pytest.raises(CheckpointError, match="no pickled model"):
        yolov12.load_model(plain)


def test_legacy_torch_format_loads(tmp_path):
    """torch's non-zip format (_use_new_zipfile_serialization=False) goes through the same gate and loads."""
    model = yolov12.create_model("yolov12-n", nc=3).eval()
    path = yolov12.save_model(model, tmp_path / "m.pt")
    torch.save(torch.load(path, weights_only=True), path, _use_new_zipfile_serialization=False)
    assert path.read_bytes()[:2] != b"PK"
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(yolov12.load_model(path)(x), model(x))


def test_pickle_protocol_names_are_mapped():
    data = pickle.dumps({1, 2}, protocol=2)
    assert safe_pickle.loads(data) == {1, 2}

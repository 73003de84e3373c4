"""Per-node profiles: op classes of real node names from both runtimes, ONNX Runtime's profile JSON split into
runs, and the profiler on a real export of ours in each runtime."""

from __future__ import annotations

import json

import pytest
import torch

from bench import breakdown
from bench.exports import export_ours
from yolov12.model import create_model


@pytest.mark.parametrize("op_type, name, expected", [
    # ONNX Runtime (node names from torch.onnx's module paths, as its profiler writes them)
    ("Conv", "/model.6/m.0/m.0.0/attn/qkv/conv/Conv_output_0_nchwc_kernel_time", "convolution"),  # conv in attention
    ("FusedMatMul", "/model.6/m.0/m.0.0/attn/MatMul_kernel_time", "attention"),
    ("Softmax", "/model.6/m.0/m.0.0/attn/Softmax_kernel_time", "attention"),
    ("Softmax", "/model.21/dfl/Softmax_kernel_time", "other"),  # the head's DFL, not attention
    ("Transpose", "/model.6/m.0/m.0.0/attn/Transpose_kernel_time", "layout"),
    ("QuickGelu", "/model.0/act/Mul/QuickGeluFusion/_kernel_time", "activation"),
    ("ReorderInput", "/model.0/conv/Conv_output_0_nchwc_reorder_kernel_time", "layout"),
    ("Add", "/model.6/m.0/m.0.0/Add_kernel_time", "other"),
    ("Mul", "/model.3/attnx/Mul_kernel_time", "other"),  # 'attn' only as a whole path part
    # OpenVINO (names from the traced module paths)
    ("Subgraph", "__module.model.6.m.0.0.attn/aten::transpose/Transpose", "attention"),
    ("Subgraph", "__module.model.21/aten::sigmoid/Sigmoid", "other"),
    ("GroupConvolution", "__module.model.6.m.0.0.attn.pe.conv/aten::_convolution/GroupConvolution", "convolution"),
    ("Reorder", "x.1_abcd_acdb___module.model.0.conv/aten::_convolution/Convolution", "layout"),
    ("MatMul", "__module.model.8.m.0.0.attn/aten::matmul/MatMul", "attention"),
])
def test_op_class(op_type, name, expected):
    assert breakdown.op_class(op_type, name) == expected


def test_ort_runs_assigns_nodes_to_their_run(tmp_path):
    def node(ts, dur, op, name):
        return {"cat": "Node", "name": name + "_kernel_time", "ts": ts, "dur": dur, "args": {"op_name": op}}

    events = [{"cat": "Session", "name": "session_initialization", "ts": 0, "dur": 50},
              node(10, 999, "Conv", "/init/Conv"),  # before any run: not counted
              {"cat": "Session", "name": "model_run", "ts": 100, "dur": 100},
              node(110, 2000, "Conv", "/model.0/conv/Conv"), node(150, 500, "Transpose", "/model.6/attn/Transpose"),
              {"cat": "Session", "name": "model_run", "ts": 300, "dur": 100},
              node(310, 3000, "Conv", "/model.0/conv/Conv"), node(320, 1000, "MatMul", "/model.6/attn/MatMul"),
              node(330, 250, "QuickGelu", "/model.0/act/Mul")]
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(events))
    runs = breakdown.ort_runs(path)
    assert runs == [{"convolution": 2.0, "activation": 0.0, "attention": 0.0, "layout": 0.5, "other": 0.0},
                    {"convolution": 3.0, "activation": 0.25, "attention": 1.0, "layout": 0.0, "other": 0.0}]
    means = breakdown.round_means(runs)
    assert means["convolution"] == 2.5 and means["all"] == pytest.approx(3.375)


def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="accepted: onnxruntime, openvino"):
        breakdown.Profiler("eager", tmp_path / "model.onnx", 1)


@pytest.mark.parametrize("mode", ["onnxruntime", "openvino"])
def test_profiler_on_our_export(tmp_path, mode):
    """Our YOLOv12-N exported at 64 px: every round's runs come back, each with convolution and attention time."""
    torch.manual_seed(0)
    model = create_model("yolov12-n").eval().fuse()
    x = torch.rand(1, 3, 64, 64)
    artifact = export_ours(mode, model, x, tmp_path)
    profiler = breakdown.Profiler(mode, artifact, threads=1)
    try:
        assert profiler.run(x.numpy(), warmup=1, iters=2) == 1
        assert profiler.run(x.numpy(), warmup=0, iters=3) == 2
        rounds = profiler.rounds()
    finally:
        profiler.close()
    assert [len(r) for r in rounds] == [2, 3]
    for run in (run for r in rounds for run in r):
        assert set(run) == set(breakdown.CLASSES)
        assert run["convolution"] > 0 and run["attention"] > 0 and all(v >= 0 for v in run.values())
    assert not profiler._tmp.exists()

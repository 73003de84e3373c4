"""Where a deployed model's time goes: each node's own time from the runtime's profiler (ONNX Runtime's profiling
JSON, OpenVINO's per-layer performance counters), summed per run into op classes.

Classes: `convolution` (every conv kernel, with whatever the runtime fused into it: bias, SiLU, residual adds),
`activation` (activations left as separate nodes: ONNX Runtime's QuickGelu, which is SiLU, cannot join its NCHWc
convs), `attention` (the attention products, softmax and any fused attention kernel: non-conv, non-layout nodes
inside an `attn` module), `layout` (nodes that only move data: reorders, transposes, concats, splits, reshapes) and
`other` (everything else: residual adds, upsampling, the head's decoding). A node's class comes from its type and,
for attention, its name, which both exporters take from the module path (`model.6.m.0.0.attn`).

The times are the runtimes' own per-node counters, not wall time: their sum leaves out the gaps between nodes and
includes the profilers' overhead, alike for any two models in one runtime."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from bisect import bisect_right
from collections import defaultdict
from pathlib import Path

import numpy as np

CLASSES = ("convolution", "activation", "attention", "layout", "other")
COMPUTE = ("convolution", "activation", "attention")  # the arithmetic any implementation of the network must do
WHOLE = "ratio:all/all"  # a paired profile's ratio rows (bench.profile): A's whole over B's whole,
FLOOR = "ratio:" + "+".join(COMPUTE) + "/all"  # and A's compute alone over B's whole
CONVOLUTION = frozenset({"Conv", "FusedConv", "NchwcConv", "Convolution", "GroupConvolution", "ConvTranspose",
                         "Deconvolution", "GroupConvolutionBackpropData"})
ACTIVATION = frozenset({"QuickGelu", "Sigmoid", "Swish", "SwishCPU", "Silu", "HSwish", "HardSwish", "Relu",
                        "Gelu", "Tanh", "Mish"})
LAYOUT = frozenset({"Reorder", "ReorderInput", "ReorderOutput", "Transpose", "Concat", "Split", "VariadicSplit",
                    "Slice", "StridedSlice", "Reshape", "Squeeze", "Unsqueeze", "Flatten", "Gather", "Expand",
                    "Tile", "Identity", "MemoryCopy", "MemcpyToHost", "MemcpyFromHost", "Pad", "Parameter",
                    "Result", "Constant", "ShapeOf"})
_ATTENTION_SCOPE = re.compile(r"(^|[./])attn([./]|$)")


def op_class(op_type: str, name: str) -> str:
    """The class (see the module docstring) of a node of type `op_type` called `name`."""
    if op_type in CONVOLUTION:
        return "convolution"
    if op_type in LAYOUT:
        return "layout"
    if _ATTENTION_SCOPE.search(name):
        return "attention"
    return "activation" if op_type in ACTIVATION else "other"


def per_class(nodes: list[tuple[str, str, float]]) -> dict[str, float]:
    """{class: ms} of one run's (op type, name, microseconds) nodes; every class present."""
    out = dict.fromkeys(CLASSES, 0.0)
    for op_type, name, us in nodes:
        out[op_class(op_type, name)] += us / 1e3
    return out


class Profiler:
    """One deployed artifact (`mode` onnxruntime or openvino) run with its runtime's profiler on: `run(x, warmup,
    iters)` runs a round, `rounds()` returns each round's per-run {class: ms} (call once, at the end), `close()`
    removes what the profiler wrote."""

    def __init__(self, mode: str, artifact: str | Path, threads: int):
        if mode not in ("onnxruntime", "openvino"):
            raise ValueError(f"no per-node profiler for mode {mode!r}; accepted: onnxruntime, openvino")
        self.mode, self._rounds, self._runs = mode, [], 0
        self._tmp = Path(tempfile.mkdtemp(prefix="yolov12-profile-"))
        self._run = self._onnxruntime(artifact, threads) if mode == "onnxruntime" else self._openvino(artifact,
                                                                                                     threads)

    def _onnxruntime(self, artifact, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.enable_profiling = True
        options.profile_file_prefix = str(self._tmp / "ort")
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(artifact), options, providers=["CPUExecutionProvider"])
        name = self._session.get_inputs()[0].name

        def run(a: np.ndarray) -> None:  # its nodes are read from the profile JSON at the end (`rounds`)
            self._session.run(None, {name: a})

        return run

    def _openvino(self, artifact, threads: int):
        import openvino as ov

        config = {"INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY", "PERF_COUNT": True}
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        request = ov.Core().compile_model(str(artifact), "CPU", config).create_infer_request()

        def run(a: np.ndarray) -> dict[str, float]:
            request.infer({0: a})
            return per_class([(p.node_type, p.node_name, p.real_time.total_seconds() * 1e6)
                              for p in request.profiling_info])

        return run

    def run(self, x: np.ndarray, warmup: int, iters: int) -> int:
        """One round: `warmup` runs left out, then `iters` profiled runs; returns the rounds run so far."""
        for _ in range(warmup):
            self._run(x)
        self._runs += warmup
        got = [self._run(x) for _ in range(iters)]
        self._rounds.append((self._runs, got))
        self._runs += iters
        return len(self._rounds)

    def rounds(self) -> list[list[dict[str, float]]]:
        if self.mode == "openvino":
            return [got for _, got in self._rounds]
        runs = ort_runs(self._session.end_profiling())
        if len(runs) != self._runs:
            raise RuntimeError(f"ONNX Runtime's profile holds {len(runs)} runs, {self._runs} were made")
        return [runs[start:start + len(got)] for start, got in self._rounds]

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


def ort_runs(profile: str | Path) -> list[dict[str, float]]:
    """Each run's {class: ms} from an ONNX Runtime profiling JSON: node kernel times, assigned to the `model_run`
    event whose span holds them."""
    events = json.loads(Path(profile).read_text())
    runs = sorted((e["ts"], e["ts"] + e["dur"]) for e in events if e.get("cat") == "Session"
                  and e.get("name") == "model_run")
    starts = [s for s, _ in runs]
    nodes: list[list[tuple[str, str, float]]] = [[] for _ in runs]
    for e in events:
        if e.get("cat") != "Node" or not e.get("name", "").endswith("_kernel_time"):
            continue
        i = bisect_right(starts, e["ts"]) - 1
        if i >= 0 and e["ts"] <= runs[i][1]:
            nodes[i].append((e.get("args", {}).get("op_name", ""), e["name"], float(e["dur"])))
    return [per_class(n) for n in nodes]


def round_means(runs: list[dict[str, float]]) -> dict[str, float]:
    """A round's mean ms per run of each class, plus `all` (their sum)."""
    out = defaultdict(float)
    for run in runs:
        for k, v in run.items():
            out[k] += v / len(runs)
    return {**{k: out[k] for k in CLASSES}, "all": sum(out[k] for k in CLASSES)}

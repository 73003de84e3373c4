"""The layers point one way: yolov12 -> baselines -> bench -> reports (each may import only those before it), no
two packages import each other, no modules form a cycle, and imports inside functions are only the allowed ones
(optional heavy dependencies, ultralytics in the child process). Walks every module's imports with `ast`."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER = ("yolov12", "baselines", "bench", "reports")  # each may import the ones before it
# Imports allowed inside functions: optional or heavy third-party modules, named here so a new one is a decision.
LAZY_OK = {"pycocotools", "faster_coco_eval", "safetensors", "pynvml", "onnxruntime", "flash_attn", "ultralytics",
           "openvino", "onnx", "onnxslim", "submitit",
           "fvcore", "matplotlib", "PIL", "torchvision", "yolov12.ultralytics_adapter"}


def modules() -> dict[str, Path]:
    out = {}
    for package in ORDER:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module or module.name, inside a function?) for every import in the file."""
    tree = ast.parse(path.read_text())
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(f) if n is not f}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, id(node) in nested) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out += [(f"{node.module}.{a.name}", id(node) in nested) for a in node.names]
            out.append((node.module, id(node) in nested))
    return out


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {m: {t for t, _ in imports(p) if t in mods and t != m} for m, p in mods.items()}


def package(module: str) -> str:
    return module.split(".")[0]


def test_packages_import_only_lower_layers():
    bad = sorted(f"{m} -> {t}" for m, ts in graph().items() for t in ts
                 if ORDER.index(package(t)) > ORDER.index(package(m)))
    assert not bad, f"imports pointing up the layers: {bad}"


def test_no_two_packages_import_each_other():
    edges = {(package(m), package(t)) for m, ts in graph().items() for t in ts if package(m) != package(t)}
    assert not {(a, b) for a, b in edges if (b, a) in edges}


def test_no_module_cycles():
    g = {m: {t for t in ts if t != m.rsplit(".", 1)[0] or m.count(".") == 0} for m, ts in graph().items()}
    # a package's __init__ re-exporting its own modules is not a cycle of ideas: drop edges from a module to the
    # package that contains it
    g = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in g.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in sorted(g.get(m, ())):
            if state.get(t) == 1:
                cycles.append(path[path.index(t):] + [t] if t in path else [m, t])
            elif t not in state:
                visit(t, [*path, t])
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m, [m])
    assert not cycles, f"module cycles: {cycles}"


def test_imports_inside_functions_are_only_the_allowed_ones():
    bad = sorted(f"{m}: {t}" for m, p in modules().items() for t, lazy in imports(p)
                 if lazy and t not in ORDER and not any(t == ok or t.startswith(ok + ".") for ok in LAZY_OK))
    assert not bad, f"imports inside functions (allowed only for {sorted(LAZY_OK)}): {bad}"


def test_model_weights_and_inference_never_import_ultralytics():
    core = ("yolov12.model", "yolov12.weights", "yolov12.safe_pickle", "yolov12.predict", "yolov12.blocks",
            "yolov12.area_attention", "yolov12.attention", "yolov12.head", "yolov12.postprocess",
            "yolov12.preprocess", "yolov12.scales")
    mods = modules()
    bad = [(m, t) for m in core for t, _ in imports(mods[m]) if t.split(".")[0] == "ultralytics"]
    assert not bad


def test_the_walker_sees_an_upward_import(tmp_path):
    """The checks above can fail: an in-function upward import is found by `imports`."""
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from bench.records import COLUMNS\n    return COLUMNS\n")
    assert ("bench.records", True) in imports(f)

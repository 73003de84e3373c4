"""ONNX Runtime mode: export our model to ONNX, check its outputs against PyTorch, run it with onnxruntime."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

log = logging.getLogger(__name__)
ATOL_SCORE, ATOL_BOX = 1e-3, 0.05  # class probabilities; boxes in input pixels


class OnnxMismatchError(RuntimeError):
    """The exported graph does not reproduce the PyTorch outputs; nothing is timed."""


def export(model: torch.nn.Module, x: torch.Tensor, path: Path) -> Path:
    """Export `model` (eval, fp32, CPU copy) for input shape x.shape to `path`."""
    model = model.float().cpu().eval()
    with torch.no_grad():
        torch.onnx.export(model, (x.float().cpu(),), str(path), input_names=["images"], output_names=["output"],
                          opset_version=18, dynamo=True)
    return path


def session(path: Path, device: str, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    providers = ["CUDAExecutionProvider"] if device.startswith("cuda") else ["CPUExecutionProvider"]
    if providers[0] not in ort.get_available_providers():
        raise RuntimeError(f"onnxruntime here has no {providers[0]} (has {ort.get_available_providers()})")
    return ort.InferenceSession(str(path), options, providers=providers)


def check(reference: torch.Tensor, got: np.ndarray) -> None:
    """Raise OnnxMismatchError unless boxes and scores agree within tolerance."""
    ref = reference.float().cpu().numpy()
    box_err = float(np.abs(ref[:, :4] - got[:, :4]).max())
    score_err = float(np.abs(ref[:, 4:] - got[:, 4:]).max())
    if box_err > ATOL_BOX or score_err > ATOL_SCORE:
        raise OnnxMismatchError(f"onnxruntime output differs from PyTorch: boxes {box_err:.3g} px, "
                                f"scores {score_err:.3g}")
    log.info("onnx check passed: boxes %.3g px, scores %.3g", box_err, score_err)


def ort_executor(subject, case, x: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """Export, verify on `x`, and return t -> detection tensor on t's device (host copies inside the timing)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-onnx-"))
    path = export(subject.model, x, tmp / "model.onnx")
    sess = session(path, case.device, case.threads)
    with torch.no_grad():
        reference = subject.head(subject.model(x))
    check(reference, sess.run(None, {"images": x.float().cpu().numpy()})[0])
    subject.model.to(case.device)

    def run(t: torch.Tensor) -> torch.Tensor:
        out = sess.run(None, {"images": t.float().cpu().numpy()})[0]
        return torch.from_numpy(out).to(t.device)

    return run

"""Run as a child process (importing ultralytics patches torch process-wide): for each scale, build Ultralytics'
yolo12{scale}.yaml offline with random weights made non-trivial, save it with Ultralytics' own checkpoint code,
load that file back with Ultralytics, and store its outputs (unfused, fused) for the given inputs, with its NMS
and ours applied to each same output tensor.

    python tests/ultralytics_reference.py OUT_DIR INPUTS.pt n s m l x
"""

import sys
from pathlib import Path

import torch


def _perturb(model: torch.nn.Module) -> None:
    from tests.test_model import perturb_bn

    perturb_bn(model)
    gen = torch.Generator().manual_seed(0)
    for seq in model.model[-1].cv3:  # diverse class logits around 0: NMS has work to do and scores rarely tie
        seq[-1].weight.data.copy_(torch.randn(seq[-1].weight.shape, generator=gen) * 0.5)
        seq[-1].bias.data.zero_()


def main(out: Path, inputs: Path, scales: list[str]) -> None:
    from ultralytics import YOLO
    from ultralytics.utils.nms import non_max_suppression

    from yolov12.postprocess import NmsConfig, nms

    torch.manual_seed(0)
    xs = torch.load(inputs)
    for scale in scales:
        built = YOLO(f"yolo12{scale}.yaml", verbose=False)
        _perturb(built.model)
        path = out / f"yolo12{scale}.pt"
        built.save(str(path))
        model = YOLO(str(path), verbose=False).model.float().eval()
        result = {"unfused": [], "fused": [], "nms": []}
        with torch.no_grad():
            for x in xs:
                y = model(x)[0]
                result["unfused"].append(y)
                # max_time_img: its NMS time limit silently drops later images on a loaded machine
                theirs = non_max_suppression(y.clone(), 0.001, 0.7, multi_label=True, max_det=300, max_time_img=1e6)
                ours = nms(y.clone(), NmsConfig.val())  # same tensor, same process: tie order cannot differ
                result["nms"].append((theirs, ours))
            model.fuse()
            result["fused"] = [model(x)[0] for x in xs]
        torch.save(result, out / f"yolo12{scale}.outputs.pt")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])

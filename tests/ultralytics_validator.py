"""Run as a child process (importing ultralytics patches torch process-wide): train a small YOLO12-n for a few epochs
with Ultralytics' trainer (so the model detects something), or run Ultralytics' validator exactly as `model.val()`
does and report where its COCO JSON went, with its own metrics.

    python tests/ultralytics_validator.py train DATA.yaml OUT_DIR EPOCHS IMGSZ     -> {"weights": path}
    python tests/ultralytics_validator.py val WEIGHTS DATA.yaml OUT_DIR IMGSZ BATCH:RECT ...
                                       -> {"BATCH:RECT": {"json": path, "map50_95", "map50"}, ...}  (RECT: 1 or 0)
"""

import json
import sys
from pathlib import Path


def train(data: str, out: Path, epochs: int, imgsz: int) -> dict:
    from ultralytics import YOLO

    model = YOLO("yolo12n.yaml")
    model.train(data=data, epochs=epochs, imgsz=imgsz, batch=8, nbs=8, workers=0, device="cpu", val=False,
                plots=False, amp=False, seed=0, deterministic=True, project=str(out), name="train", exist_ok=True,
                verbose=False, warmup_epochs=1, close_mosaic=0)
    return {"weights": str(out / "train" / "weights" / "last.pt")}


def val(weights: str, data: str, out: Path, imgsz: int, batch: int, rect: bool) -> dict:
    from ultralytics import YOLO

    kwargs = {} if rect else {"rect": False}  # rect: model.val()'s own default, not passed
    res = YOLO(weights).val(data=data, save_json=True, imgsz=imgsz, batch=batch, device="cpu", plots=False,
                            project=str(out), name=f"val-{batch}-{rect}", exist_ok=True, verbose=False, **kwargs)
    return {"json": str(Path(res.save_dir) / "predictions.json"), "map50_95": float(res.box.map),
            "map50": float(res.box.map50)}


if __name__ == "__main__":
    op, args = sys.argv[1], sys.argv[2:]
    if op == "train":
        result = train(args[0], Path(args[1]), int(args[2]), int(args[3]))
    else:
        result = {spec: val(args[0], args[1], Path(args[2]), int(args[3]), int(spec.split(":")[0]),
                            spec.split(":")[1] == "1") for spec in args[4:]}
    print(json.dumps(result))

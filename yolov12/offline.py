"""Make ultralytics run offline from a project-local config dir: settings, fonts, and the environment variables."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib

FONTS = ("Arial.ttf", "Arial.Unicode.ttf")


def prepare(root: str | Path) -> dict[str, str]:
    """Create `<root>/ultralytics/Ultralytics/{Arial,Arial.Unicode}.ttf` (copies of matplotlib's DejaVuSans) and
    `<root>/matplotlib`; return the variables that keep ultralytics from touching the network or $HOME."""
    root = Path(root).resolve()
    config = root / "ultralytics"
    fonts = config / "Ultralytics"
    fonts.mkdir(parents=True, exist_ok=True)
    source = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    for font in FONTS:
        if not (fonts / font).exists():
            shutil.copyfile(source, fonts / font)
    (root / "matplotlib").mkdir(parents=True, exist_ok=True)
    return {
        "YOLO_OFFLINE": "1",
        "YOLO_AUTOINSTALL": "0",
        "YOLO_VERBOSE": "0",
        "YOLO_CONFIG_DIR": str(config),
        "MPLCONFIGDIR": str(root / "matplotlib"),
    }

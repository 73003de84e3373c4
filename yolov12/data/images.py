"""The one image reader of our inference and evaluation: an image file -> HxWx3 uint8 BGR (cv2's decoder), refusing
what cv2 would otherwise decode silently wrong. A truncated JPEG decodes in cv2 as a picture whose missing part is
grey (libjpeg only prints a warning); here it is a `DatasetError` naming the file. Also refused: a file whose bytes
are not the image format its suffix says, and a PNG without its end chunk."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from yolov12.data.detset import DatasetError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
ACCEPTED = "complete JPEG, PNG, BMP, TIFF or WebP files"
_SIGNATURES = {
    ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG\r\n\x1a\n",), ".bmp": (b"BM",),
    ".tif": (b"II*\x00", b"MM\x00*"), ".tiff": (b"II*\x00", b"MM\x00*"), ".webp": (b"RIFF",),
}
_TAIL = 4096  # bytes read from the end for the quick completeness check


def _jpeg_complete(path: Path, size: int) -> bool:
    """True when an end-of-image marker follows the last start-of-scan (markers cannot occur inside entropy-coded
    data, where 0xFF is always stuffed). The common case is decided from the file's tail alone."""
    with open(path, "rb") as f:
        f.seek(max(size - _TAIL, 0))
        tail = f.read()
        if tail.rstrip(b"\x00").endswith(b"\xff\xd9"):
            return True
        f.seek(0)
        data = f.read()  # a trailer after the image (camera maker notes, a second picture): look at all of it
    return data.rfind(b"\xff\xd9") > data.rfind(b"\xff\xda") > 0


def check_image_file(path: str | os.PathLike) -> None:
    """DatasetError (one line naming the file) unless `path` is a readable image file that looks complete: its
    first bytes are the format its suffix names, a JPEG has its end marker after its last scan, a PNG its IEND."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as err:
        raise DatasetError(f"{path}: cannot read image ({err.strerror or err})") from None
    suffix = path.suffix.lower()
    sigs = _SIGNATURES.get(suffix)
    if sigs is not None and not head.startswith(sigs):
        raise DatasetError(f"{path}: not a {suffix[1:].upper()} image (its first bytes are {head[:8]!r}); "
                           f"accepted: {ACCEPTED}")
    if suffix == ".webp" and head[8:12] != b"WEBP":
        raise DatasetError(f"{path}: not a WebP image; accepted: {ACCEPTED}")
    if head.startswith(b"\xff\xd8\xff") and not _jpeg_complete(path, size):
        raise DatasetError(f"{path}: truncated JPEG (no end-of-image marker after its last scan; its missing part "
                           f"would decode as grey); accepted: {ACCEPTED}")
    if head.startswith(b"\x89PNG"):
        with open(path, "rb") as f:
            f.seek(max(size - 64, 0))
            if b"IEND" not in f.read():
                raise DatasetError(f"{path}: truncated PNG (no IEND chunk); accepted: {ACCEPTED}")


def read_image(path: str | os.PathLike) -> np.ndarray:
    """HxWx3 uint8 BGR, as `cv2.imread(path, cv2.IMREAD_COLOR)` decodes it, after `check_image_file`."""
    check_image_file(path)
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise DatasetError(f"{path}: cannot decode image (cv2 reads no picture from it); accepted: {ACCEPTED}")
    return img

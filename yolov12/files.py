"""Output files for every CLI: checks of an output path made before anything runs (they create nothing), and the one
temp-file-then-rename writer, so a reader never sees half a file and a crash never leaves a stray one."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from yolov12.cli import UserError

FILE_ACCEPTED = "a file path (not a folder) whose folder exists and is writable, or can be created"
DIR_ACCEPTED = "a folder path (not a file) that is writable, or whose nearest existing parent is a writable folder"


def show(path: str | os.PathLike) -> str:
    """A path as it can be printed on one line (control characters escaped)."""
    text = os.fspath(path)
    text = text if isinstance(text, str) else os.fsdecode(text)
    return text if text.isprintable() else ascii(text)[1:-1]


def _fail(flag: str, path: str | os.PathLike, problem: str, accepted: str) -> UserError:
    return UserError(f"{flag} {show(path)}: {problem}; accepted: {accepted}")


def _writable_dir(path: Path) -> bool:
    return os.access(path, os.W_OK | os.X_OK)


def _check_creatable(flag: str, given: str | os.PathLike, path: Path, accepted: str) -> None:
    """`path` does not exist: its nearest existing ancestor must be a writable folder."""
    ancestor = path.parent
    while not os.path.lexists(ancestor) and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        what = "a dangling symbolic link" if ancestor.is_symlink() and not ancestor.exists() else "a file"
        raise _fail(flag, given, f"{show(ancestor)} is {what}, not a folder", accepted)
    if not _writable_dir(ancestor):
        raise _fail(flag, given, f"folder {show(ancestor)} is not writable", accepted)


def _as_path(flag: str, given: str | os.PathLike, accepted: str) -> Path:
    text = os.fsdecode(os.fspath(given))
    if not text:
        raise _fail(flag, "''", "an empty path", accepted)
    if "\x00" in text:
        raise _fail(flag, given, "the path contains a NUL character", accepted)
    return Path(text).absolute()


def check_out_file(path: str | os.PathLike, flag: str = "--out") -> Path:
    """Check an output file path without creating anything; UserError (one line naming flag and path) unless it is
    an existing writable regular file, or a new file whose folder exists writable or can be created."""
    p = _as_path(flag, path, FILE_ACCEPTED)
    if os.fsdecode(os.fspath(path)).endswith(("/", os.sep)) or p.is_dir():
        raise _fail(flag, path, "is a folder", FILE_ACCEPTED)
    if os.path.lexists(p):
        if not p.exists():
            raise _fail(flag, path, "is a dangling symbolic link", FILE_ACCEPTED)
        if not stat.S_ISREG(p.stat().st_mode):
            raise _fail(flag, path, "exists and is not a regular file", FILE_ACCEPTED)
        if not os.access(p, os.W_OK) or not _writable_dir(p.resolve().parent):
            raise _fail(flag, path, "exists and is not writable", FILE_ACCEPTED)
        return p
    _check_creatable(flag, path, p, FILE_ACCEPTED)
    return p


def check_out_dir(path: str | os.PathLike, flag: str = "--out") -> Path:
    """Check an output folder path without creating anything; UserError (one line naming flag and path) unless it is
    an existing writable folder or one that can be created."""
    p = _as_path(flag, path, DIR_ACCEPTED)
    if os.path.lexists(p):
        if not p.exists():
            raise _fail(flag, path, "is a dangling symbolic link", DIR_ACCEPTED)
        if not p.is_dir():
            raise _fail(flag, path, "is a file, not a folder", DIR_ACCEPTED)
        if not _writable_dir(p):
            raise _fail(flag, path, "folder is not writable", DIR_ACCEPTED)
        return p
    _check_creatable(flag, path, p, DIR_ACCEPTED)
    return p


def _new_file_mode() -> int:
    """0o666 less this process's umask (read without changing it, where /proc allows), for files made by mkstemp."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o644


def fsync_dir(folder: str | os.PathLike) -> None:
    """Make a rename or creation in `folder` durable (a no-op where folders cannot be opened, e.g. Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write `data` (str as UTF-8) to `path` all at once: a temp file in the same folder, fsynced, renamed over the
    target, folder fsynced. A symbolic link is written through (the link stays). On any failure the temp file is
    removed and the target is untouched. Creates missing parent folders."""
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = stat.S_IMODE(target.stat().st_mode) if target.is_file() else _new_file_mode()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(target.parent)
    return path

"""yolov12.files: the atomic writer leaves no temp file behind; output-path checks refuse what cannot be written and
create nothing. yolov12.provenance: versions text and git SHA shape."""

from __future__ import annotations

import os

import pytest

from yolov12 import files, provenance
from yolov12.cli import UserError


def _listing(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_atomic_writes_and_leaves_no_temp(tmp_path):
    target = tmp_path / "sub" / "report.md"
    assert files.write_atomic(target, "héllo\n") == target
    assert target.read_bytes() == "héllo\n".encode()
    files.write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert _listing(target.parent) == ["report.md"]


def test_write_atomic_failure_mid_write_keeps_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "table.csv"
    target.write_text("old\n")

    def boom(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="No space"):
        files.write_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert _listing(tmp_path) == ["table.csv"]


def test_write_atomic_keeps_a_symlink_and_writes_its_target(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("a")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    files.write_atomic(link, "b")
    assert link.is_symlink() and real.read_text() == "b"


def test_check_out_file_refuses_a_directory(tmp_path):
    with pytest.raises(UserError, match=r"^--out .*: is a folder; accepted: "):
        files.check_out_file(tmp_path)
    with pytest.raises(UserError, match="is a folder"):
        files.check_out_file(f"{tmp_path}/new/", flag="--csv")


def test_check_out_file_refuses_a_path_under_a_regular_file(tmp_path):
    (tmp_path / "plain").write_text("x")
    with pytest.raises(UserError) as err:
        files.check_out_file(tmp_path / "plain" / "deeper" / "out.csv", flag="--csv")
    message = str(err.value)
    assert message.startswith(f"--csv {tmp_path}/plain/deeper/out.csv: ")
    assert "plain is a file, not a folder" in message and "\n" not in message
    assert _listing(tmp_path) == ["plain"]


def test_check_out_file_accepts_a_new_nested_path_without_creating_it(tmp_path):
    target = tmp_path / "a" / "b" / "out.csv"
    assert files.check_out_file(target) == target
    assert _listing(tmp_path) == []
    existing = tmp_path / "x.csv"
    existing.write_text("")
    assert files.check_out_file(existing) == existing


def test_check_out_file_refuses_odd_targets(tmp_path):
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere" / "x.csv")
    with pytest.raises(UserError, match="dangling symbolic link"):
        files.check_out_file(dangling)
    with pytest.raises(UserError, match="not a regular file"):
        files.check_out_file("/dev/null")
    with pytest.raises(UserError, match="empty path"):
        files.check_out_file("")
    (tmp_path / "bad\nname").write_text("x")
    with pytest.raises(UserError) as err:  # a control character in the path is shown escaped: still one line
        files.check_out_file(tmp_path / "bad\nname" / "sub")
    assert "\n" not in str(err.value) and "bad\\nname" in str(err.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; permissions cannot be tested")
def test_check_out_file_refuses_a_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(UserError, match="not writable"):
            files.check_out_file(folder / "new" / "out.csv")
    finally:
        folder.chmod(0o755)


def test_check_out_dir(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(UserError, match=r"^--out .*f: is a file, not a folder"):
        files.check_out_dir(tmp_path / "f")
    with pytest.raises(UserError, match="is a file, not a folder"):
        files.check_out_dir(tmp_path / "f" / "sub")
    assert files.check_out_dir(tmp_path) == tmp_path
    assert files.check_out_dir(tmp_path / "new" / "deep") == tmp_path / "new" / "deep"
    assert _listing(tmp_path) == ["f"]


def test_versions_text_is_sorted_and_deterministic():
    assert provenance.versions_text({"torch": "2.1", "numpy": "2.0", "faster-coco-eval": "1"}) == \
        "faster-coco-eval=1;numpy=2.0;torch=2.1"
    versions = provenance.package_versions(("torch", "surely-not-installed-pkg"))
    assert set(versions) == {"torch"}


def test_git_sha_outside_a_checkout_is_empty(tmp_path):
    assert provenance.git_sha(tmp_path) == ""
    sha = provenance.git_sha()
    assert sha == "" or (len(sha.removesuffix("-dirty")) == 12 and int(sha[:12], 16) >= 0)

"""Files that may hold patient identifiers: 0600, written whole or not at all (#12)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ledger.errors import OutputNotWritable
from ledger.files import write_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_text_bytes_and_a_writer_all_end_0600(tmp_path: Path) -> None:
    write_private(tmp_path / "a.txt", "NHS 943 476 5919\n")
    write_private(tmp_path / "b.bin", b"\x00\x01")
    write_private(tmp_path / "c.xlsx", lambda p: p.write_bytes(b"PK"))
    assert (tmp_path / "a.txt").read_text() == "NHS 943 476 5919\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "c.xlsx").read_bytes() == b"PK"
    assert [mode(tmp_path / n) for n in ("a.txt", "b.bin", "c.xlsx")] == [0o600] * 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin", "c.xlsx"]


def test_an_existing_world_readable_file_is_replaced_by_a_private_one(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text("old")
    path.chmod(0o644)
    write_private(path, "new")
    assert (path.read_text(), mode(path)) == ("new", 0o600)


def test_a_failure_half_way_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text("the whole old report")

    def half(tmp: Path) -> None:
        tmp.write_text("half a rep")
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputNotWritable, match="No space left on device"):
        write_private(path, half)
    assert path.read_text() == "the whole old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_missing_folder_or_a_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(OutputNotWritable) as caught:
        write_private(tmp_path / "nowhere" / "x.html", "x")
    assert str(caught.value) == f"folder {tmp_path / 'nowhere'} does not exist"
    with pytest.raises(OutputNotWritable) as caught:
        write_private(tmp_path, "x")
    assert str(caught.value) == f"{tmp_path} is a folder: give a file name"

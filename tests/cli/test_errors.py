"""One error handler: every expected failure is one line on stderr and a non-zero exit."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from cli.app import failure_lines
from cli.main import app
from ledger.api import Ledger
from ledger.rules import Registration
from tests.cli_helpers import custody
from tests.conftest import NHS

# Arguments that bring each command taking -o as far as writing its file ({out} is the file).
WRITERS: dict[str, list[str]] = {
    "handover-form": ["handover-form", "{handover}", "-o", "{out}"],
    "ir1 draft": ["ir1", "draft", "{medium}", "-o", "{out}"],
    "label": ["label", "{medium}", "-o", "{out}"],
    "manifest export": ["manifest", "export", "--to", "RXH", "-o", "{out}"],
    "manifest receipts": ["manifest", "receipts", "--from", "RXH", "-o", "{out}"],
    "report incidents": ["report", "incidents", "-f", "csv", "-o", "{out}"],
    "report monthly": ["report", "monthly", "-f", "csv", "-o", "{out}"],
    "report unreconciled": ["report", "unreconciled", "-f", "csv", "-o", "{out}"],
    "station-sheet": ["station-sheet", "-o", "{out}"],
}
# `label -o FOLDER` writes one file per label into the folder: a folder is what it asks for.
FOLDER_IS_FINE = {"label"}


def commands_with_output(group: Any, prefix: str = "") -> Iterator[str]:
    """Every command (by its full name) that has a -o option."""
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        if hasattr(command, "commands"):
            yield from commands_with_output(command, f"{full} ")
        elif any("-o" in p.opts for p in command.params):
            yield full


def test_every_command_with_output_is_walked() -> None:
    assert sorted(commands_with_output(typer.main.get_command(app))) == sorted(WRITERS)


@pytest.fixture
def medium(db_path: Path) -> str:
    """A lost medium (an IR1 candidate with something to label and report), and an unencrypted
    one handed to the patient."""
    ledger = Ledger.open(str(db_path))
    state = ledger.register(Registration(NHS[0], "RXH"), operator="test")
    ledger.scan("lost", state.media_id, operator="test")
    handed = Registration(
        NHS[1],
        "RXH",
        encrypted=False,
        exception="patient-handover",
        approved_by="Dr A",
        exception_reason="patient collects",
    )
    ledger.register(handed, operator="test")
    ledger.engine.dispose()
    return state.media_id


def _run(db_path: Path, command: str, out: Path, medium: str) -> tuple[int, str, str]:
    listed = Ledger.open(str(db_path)).list_media()
    handover = next(m["media_id"] for m in listed if not m["encrypted"])
    args = [a.format(out=out, medium=medium, handover=handover) for a in WRITERS[command]]
    result = custody(str(db_path), *args)
    assert not isinstance(result.exception, OSError | RuntimeError), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_output_in_a_missing_folder_is_one_line(
    command: str, db_path: Path, tmp_path: Path, medium: str
) -> None:
    out = tmp_path / "no" / "such" / "folder" / "out.pdf"
    code, _stdout, stderr = _run(db_path, command, out, medium)
    assert code == 1
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("command", sorted(set(WRITERS) - FOLDER_IS_FINE))
def test_output_that_is_a_folder_is_one_line(
    command: str, db_path: Path, tmp_path: Path, medium: str
) -> None:
    folder = tmp_path / "a-folder.pdf"
    folder.mkdir()
    code, _stdout, stderr = _run(db_path, command, folder, medium)
    assert code == 1
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_permission_denied_is_one_line(db_path: Path, tmp_path: Path, medium: str) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, _stdout, stderr = _run(db_path, "report unreconciled", locked / "x.csv", medium)
    assert (code, stderr.count("\n")) == (1, 1)
    assert "Permission denied" in stderr


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (
            FileNotFoundError(2, "No such file or directory", "/no/x.csv"),
            "error: /no/x.csv: No such file or directory",
        ),
        (IsADirectoryError(21, "Is a directory", "/tmp"), "error: /tmp: Is a directory"),
        (PermissionError(13, "Permission denied", "/root/x"), "error: /root/x: Permission denied"),
        (
            OSError(28, "No space left on device", "/full/x"),
            "error: /full/x: No space left on device",
        ),
        (
            OSError("Cannot save file into a non-existent directory: '/no'"),
            "error: Cannot save file into a non-existent directory: '/no'",
        ),
        (
            sqlite3.OperationalError("attempt to write a readonly database"),
            "error: the ledger is read-only here: attempt to write a readonly database",
        ),
        (
            sqlite3.OperationalError("unable to open database file"),
            "error: cannot open the ledger: unable to open database file",
        ),
    ],
)
def test_expected_failures_become_one_line(exc: BaseException, line: str) -> None:
    assert failure_lines(exc) == [line]


def test_bugs_and_a_broken_pipe_are_not_swallowed() -> None:
    assert failure_lines(ValueError("a bug")) is None
    assert failure_lines(BrokenPipeError(32, "Broken pipe")) is None
    assert failure_lines(sqlite3.OperationalError("no such column: x")) is None


def test_a_read_only_ledger_is_one_line(db_path: Path, medium: str) -> None:
    db_path.chmod(0o444)
    db_path.parent.chmod(0o555)
    try:
        result = custody(str(db_path), "scan", "dispatch", medium)
    finally:
        db_path.parent.chmod(0o755)
        db_path.chmod(0o644)
    if os.geteuid() == 0:
        pytest.skip("root writes to read-only files")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1

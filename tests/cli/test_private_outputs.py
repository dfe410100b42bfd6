"""Every command that writes patient identifiers to a file writes it 0600 (#12)."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NHS


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def lost(cli: Callable[..., Any]) -> str:
    """A disc registered for RXH, dispatched and lost: in every report, with an IR1 candidate."""
    result = cli("register", "--to", "RXH", "--nhs", NHS[0], "--accession", "ACC1")
    assert result.exit_code == 0, result.output
    media_id = "RGT00000001E"
    for action in ("dispatch", "lost"):
        assert cli("scan", action, media_id).exit_code == 0
    return media_id


def test_reports_drafts_manifests_and_labels_are_0600(
    cli: Callable[..., Any], lost: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    commands = {
        "unreconciled.html": ("report", "unreconciled", "--format", "html"),
        "unreconciled.xlsx": ("report", "unreconciled", "--format", "xlsx"),
        "incidents.html": ("report", "incidents", "--format", "html"),
        "incidents.csv": ("report", "incidents", "--format", "csv"),
        "ir1.txt": ("ir1", "draft", lost),
        "ir1.html": ("ir1", "draft", lost, "--html"),
        "manifest.json": ("manifest", "export", "--to", "RXH"),
        "manifest.csv": ("manifest", "export", "--to", "RXH"),
        "labels.pdf": ("label", lost, "--patient-ref", "JS H123456"),
    }
    for name, args in commands.items():
        result = cli(*args, "-o", str(out / name))
        assert result.exit_code == 0, (args, result.output)
    assert {p.name: mode(p) for p in out.iterdir()} == {name: 0o600 for name in commands}
    assert NHS[0] in (out / "manifest.json").read_text()


@pytest.mark.parametrize(
    "args",
    [
        ("report", "unreconciled"),
        ("report", "incidents", "--format", "xlsx"),
        ("ir1", "draft", "RGT00000001E"),
        ("manifest", "export", "--to", "RXH"),
    ],
)
def test_a_missing_folder_or_a_folder_as_output_is_one_line(
    cli: Callable[..., Any], lost: str, tmp_path: Path, args: tuple[str, ...]
) -> None:
    missing = tmp_path / "nowhere" / "x.out"
    result = cli(*args, "-o", str(missing))
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: folder {missing.parent} does not exist\n",
    )
    result = cli(*args, "-o", str(tmp_path))
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: {tmp_path} is a folder: give a file name\n",
    )

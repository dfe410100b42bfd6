"""docs/cli.md is generated from the code; this fails when it is out of date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_is_current(tmp_path: Path) -> None:
    typer = Path(sys.executable).with_name("typer")
    out = tmp_path / "cli.md"
    subprocess.run(
        [
            str(typer),
            "cli.reference",
            "utils",
            "docs",
            "--name",
            "custody",
            "--title",
            "custody command reference",
            "--output",
            str(out),
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    assert out.read_text() == (ROOT / "docs" / "cli.md").read_text(), (
        "docs/cli.md is stale: run scripts/cli-docs.sh"
    )

"""The packages depend on each other one way only, as written in this table."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ["pandas", "PIL", "pyzbar", "barcode", "matplotlib", "openpyxl"]


def imports_of(path: Path) -> set[str]:
    """Top-level names of every module a file imports, anywhere in it."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_package_map_holds() -> None:
    """pyproject.toml [tool.importlinter]: layers, no cycles, nothing heavy in the domain."""
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(lint), "--no-cache"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert out.returncode == 0, out.stdout
    assert "Contracts: 3 kept, 0 broken." in out.stdout


def test_package_map_names_a_broken_rule(tmp_path: Path) -> None:
    """A wrong import fails with the name of the contract it breaks."""
    tree = tmp_path / "tree"
    for package in ("ledger", "pacs", "station", "labels", "reports", "demo", "cli", "web"):
        (tree / package).mkdir(parents=True)
        (tree / package / "__init__.py").write_text("")
    (tree / "ledger" / "wrong.py").write_text("import cli\n")
    (tree / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(lint), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert out.returncode == 1
    assert "Packages depend downwards only" in out.stdout and "BROKEN" in out.stdout
    assert "ledger.wrong -> cli" in out.stdout


def test_web_pages_reach_the_library_only_through_web_library() -> None:
    # web.library (part 1's pages) and web.backoffice (the back office's) are the only doors.
    bad = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "web").rglob("*.py")
        if path.name not in ("library.py", "backoffice.py")
        for name in imports_of(path)
        & {"ledger", "pacs", "station", "labels", "reports", "demo", "sqlalchemy"}
    ]
    assert bad == []


def test_labels_use_only_ids_errors_and_private_files_from_ledger() -> None:
    for path in (ROOT / "labels").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ledger"):
                assert node.module in {"ledger.ids", "ledger.errors", "ledger.files"}, path


def test_scan_path_imports_nothing_heavy(db_path: Path) -> None:
    # A fresh interpreter measures what the command alone imports; tests.cli_helpers would
    # bring pytest, hypothesis and the fixtures along, so the probe invokes the app itself.
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cli.main import app\n"
        f"args = ['--db', {str(db_path)!r}, 'scan', 'receive', 'RGT00000001E']\n"
        "r = CliRunner().invoke(app, args)\n"
        "assert 'unknown medium' in r.stdout, r.output\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"

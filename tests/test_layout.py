"""The packages depend on each other one way only, as written in this table."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = {"ledger", "cli", "labels", "reports", "web"}
# Which of our packages each package may import.
ALLOWED = {
    "ledger": set(),
    "labels": {"ledger"},
    "reports": {"ledger"},
    "cli": {"ledger", "labels", "reports"},
    "web": {"ledger", "labels", "reports"},
}
# Third-party libraries the domain layer must never import.
LEDGER_FORBIDDEN = {
    *("typer", "pandas", "PIL", "pyzbar", "barcode", "matplotlib", "rich", "openpyxl"),
    *("starlette", "jinja2", "uvicorn", "itsdangerous"),
}
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


def test_dependencies_point_one_way() -> None:
    bad = []
    for package, allowed in ALLOWED.items():
        for path in (ROOT / package).rglob("*.py"):
            for name in imports_of(path) & OURS - {package} - allowed:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert bad == []


def test_ledger_imports_no_ui_imaging_or_pandas() -> None:
    bad = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "ledger").rglob("*.py")
        for name in imports_of(path) & LEDGER_FORBIDDEN
    ]
    assert bad == []


def test_web_pages_reach_the_library_only_through_web_library() -> None:
    # web.library (part 1's pages) and web.backoffice (the back office's) are the only doors.
    bad = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "web").rglob("*.py")
        if path.name not in ("library.py", "backoffice.py")
        for name in imports_of(path) & {"ledger", "labels", "reports", "sqlalchemy"}
    ]
    assert bad == []


def test_labels_use_only_ids_errors_and_private_files_from_ledger() -> None:
    for path in (ROOT / "labels").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ledger"):
                assert node.module in {"ledger.ids", "ledger.errors", "ledger.files"}, path


def test_scan_path_imports_nothing_heavy(db_path: Path) -> None:
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

"""Import rules: `labels` is light and uses only IDs, errors and private files from the ledger."""

import ast
import subprocess
import sys
from pathlib import Path

LABELS = Path(__file__).resolve().parents[2] / "labels"
ALLOWED_FROM_LEDGER = {"ledger.ids", "ledger.errors", "ledger.files"}


def test_importing_labels_and_its_light_modules_loads_no_pil_barcode_or_zbar() -> None:
    code = (
        "import sys, labels, labels.content, labels.templates, labels.errors; "
        "heavy = {'PIL', 'barcode', 'pyzbar'} & {m.split('.')[0] for m in sys.modules}; "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_labels_imports_only_ids_and_errors_from_the_ledger() -> None:
    used: set[str] = set()
    for path in LABELS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                used.add(node.module)
            elif isinstance(node, ast.Import):
                used.update(alias.name for alias in node.names)
    assert {m for m in used if m.split(".")[0] == "ledger"} <= ALLOWED_FROM_LEDGER
    assert not {m for m in used if m.split(".")[0] in {"cli", "reports", "typer"}}

#!/usr/bin/env bash
# Sets up, then runs every check: ruff, mypy, the package map (lint-imports) and the whole
# pytest suite (Orthanc's part in its own network namespace).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/test-deps.sh
.venv/bin/ruff check ledger pacs station labels reports demo cli web tests bench
.venv/bin/mypy
# The package map, pyproject.toml [tool.importlinter]: a wrong import names the rule it breaks.
.venv/bin/lint-imports --no-cache
.venv/bin/python -m pytest -m "not orthanc" "$@"
# Orthanc binds every interface, so its tests run in a network namespace with only loopback.
bash scripts/netns.sh .venv/bin/python -m pytest -m orthanc tests/pacs tests/web/test_pacs_browser.py

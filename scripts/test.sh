#!/usr/bin/env bash
# Sets up, then runs every check: ruff, mypy and the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/test-deps.sh
.venv/bin/ruff check ledger cli labels reports tests bench
.venv/bin/mypy
.venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# Regenerates docs/cli.md, the command reference, from the code itself.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/typer cli.reference utils docs --name custody --title "custody command reference" \
    --output docs/cli.md >/dev/null

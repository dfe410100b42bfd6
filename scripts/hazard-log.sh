#!/usr/bin/env bash
# Regenerates docs/safety/hazard-log.md, the DCB0129 hazard log, from docs/safety/hazards.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m tests.safety.hazard_log

#!/usr/bin/env bash
# Sets up custody on a fresh Debian machine: system libraries, then .venv/ with the project.
set -euo pipefail
cd "$(dirname "$0")/.."

# pyzbar loads Debian's libzbar0 at run time.
if ! ldconfig -p 2>/dev/null | grep -q 'libzbar\.so\.0'; then
    if [ "$(id -u)" = 0 ]; then
        echo "setup: installing libzbar0 (needed to read barcodes back)" >&2
        (apt-get install -y -qq libzbar0 >/dev/null 2>&1) ||
            (apt-get update -qq >/dev/null && apt-get install -y -qq libzbar0 >/dev/null)
    else
        echo "setup: libzbar0 is missing; run: sudo apt-get install libzbar0" >&2
        exit 1
    fi
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'

#!/usr/bin/env bash
# Debian packages that only the tests need (the set-up installs what users need).
set -euo pipefail
# chromium: the web app's browser tests drive Debian's build through Playwright (no download).
packages=(poppler-utils tmux orthanc orthanc-dicomweb genisoimage iproute2 chromium)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "test-deps: missing ${missing[*]}; install them with apt-get" >&2
        exit 1
    fi
    echo "test-deps: installing ${missing[*]}" >&2
    (apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1) ||
        (apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null)
fi

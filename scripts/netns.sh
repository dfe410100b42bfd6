#!/usr/bin/env bash
# Runs a command in a network namespace of its own with only loopback up (Orthanc listens on
# every interface, so its tests and benchmark must not share the machine's network).
set -euo pipefail
flags=(--net)
[ "$(id -u)" = 0 ] || flags+=(--map-root-user)
exec unshare "${flags[@]}" sh -c 'ip link set lo up && exec "$@"' netns "$@"

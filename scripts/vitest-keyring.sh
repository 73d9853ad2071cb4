#!/usr/bin/env bash
# Runs Vitest on the given files inside a private D-Bus session with a throwaway gnome-keyring, as
# npm test does, for working on one area: scripts/vitest-keyring.sh tests/integration/x.test.ts
set -euo pipefail
cd "$(dirname "$0")/.."
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
mkdir -p "$home/keyrings"
XDG_DATA_HOME="$home" dbus-run-session -- sh -c \
  'echo -n loyalty-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec npx vitest run "$@"' \
  vitest-keyring "$@"

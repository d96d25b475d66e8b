#!/usr/bin/env bash
# run.sh: set up Digit Lab on a fresh Debian 12 machine and start it
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the build dependencies, builds, fetches MNIST and launches the app. Without a display
# it trains the reference recipe with the command-line tool instead and prints the report; extra
# arguments then go to "digit-lab-cli train".
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build}
bash scripts/deps.sh
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release
ninja -C "$build"
"$build/src/cli/digit-lab-cli" fetch
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  # run uninstalled: the settings schema and the translations are compiled into the build folder,
  # and the icon theme finds the app's icon in data/icons as it would in /usr/share/icons
  exec env GSETTINGS_SCHEMA_DIR="$build/data" DIGIT_LAB_LOCALEDIR="$(realpath "$build/po")" \
    XDG_DATA_DIRS="$(realpath data):${XDG_DATA_DIRS:-/usr/local/share:/usr/share}" \
    "$build/src/app/digit-lab"
fi
"$build/src/cli/digit-lab-cli" inspect
exec "$build/src/cli/digit-lab-cli" train --output digit-lab-model "$@"

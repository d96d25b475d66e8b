#!/usr/bin/env bash
# run.sh: set up Digit Lab on a fresh Debian 12 machine and run the main job
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the build dependencies, builds, fetches MNIST, then trains the reference recipe with
# the command-line tool and prints its report. Extra arguments go to "digit-lab-cli train".
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build}
bash scripts/deps.sh
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release
ninja -C "$build"
"$build/src/cli/digit-lab-cli" fetch
"$build/src/cli/digit-lab-cli" inspect
exec "$build/src/cli/digit-lab-cli" train --output digit-lab-model "$@"

#!/usr/bin/env bash
# test.sh: the whole test suite on a fresh Debian 12 machine — deps, build, MNIST, tests, summary
# SPDX-License-Identifier: GPL-3.0-or-later
set -uo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build}
bash scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" --buildtype=release >&2 || { echo "0 passed, 1 failed"; exit 1; }
fi
ninja -C "$build" >&2 || { echo "0 passed, 1 failed"; exit 1; }

# The real MNIST for the integration tests, in the same cache the app and the CLI use.
if "$build/src/cli/digit-lab-cli" fetch >&2; then
  export DIGIT_LAB_MNIST_DIR="${DIGIT_LAB_DATA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/digit-lab/mnist}"
else
  echo "MNIST could not be fetched: the tests that need it will fail" >&2
  # CI must not skip the integration tests silently
  [ -n "${CI:-}" ] && export DIGIT_LAB_REQUIRE_MNIST=1
fi
[ -n "${CI:-}" ] && export DIGIT_LAB_REQUIRE_MNIST=1

run=(meson test -C "$build" --print-errorlogs --num-processes 1)
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
  run=(xvfb-run -a -s '-screen 0 1280x1024x24 -nolisten tcp' dbus-run-session -- \
       env GDK_BACKEND=x11 GSK_RENDERER=cairo "${run[@]}")
fi
"${run[@]}" >&2
status=$?

log="$build/meson-logs/testlog.json"
if [ -f "$log" ]; then
  python3 - "$log" <<'PY'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
for line in open(sys.argv[1]):
    r = json.loads(line).get("result", "")
    if r in ("OK", "EXPECTEDFAIL"):
        counts["passed"] += 1
    elif r == "SKIP":
        counts["skipped"] += 1
    else:
        counts["failed"] += 1
print(f'{counts["passed"]} passed, {counts["failed"]} failed, {counts["skipped"]} skipped')
PY
else
  echo "0 passed, 1 failed"
  status=1
fi
exit $status

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

# The engine's and the command line's tests once more under AddressSanitizer and
# UndefinedBehaviorSanitizer, counted as one more test: an out-of-bounds access, a leak (a CLI run
# that leaks exits non-zero) or undefined behaviour fails it. The integration tests on the full
# MNIST are left to the suite above (sanitised, they take minutes).
sanitize_result=failed
sanitize_build="${build}-sanitize"
echo "Sanitizer check: the engine's and CLI's tests with -fsanitize=address,undefined" >&2
if { [ -f "$sanitize_build/build.ninja" ] ||
     meson setup "$sanitize_build" --buildtype=debugoptimized -Dapp=false -Dbenchmarks=false \
       -Db_sanitize=address,undefined >&2; } &&
   ninja -C "$sanitize_build" >&2 &&
   env -u DIGIT_LAB_MNIST_DIR -u DIGIT_LAB_REQUIRE_MNIST \
     UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
     meson test -C "$sanitize_build" --suite engine --suite cli --print-errorlogs >&2; then
  sanitize_result=passed
fi
[ "$sanitize_result" = failed ] && status=1

# The file readers under libFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer, counted
# as one more test: every input in tests/fuzz/corpus once, then each harness fuzzed for
# FUZZ_SECONDS (20 s) from it. A crash, leak, hang or allocation over 1 GiB fails it and prints
# the reproducer; bench/fuzz.sh runs the long campaigns.
fuzz_result=failed
echo "Fuzzing check: tests/fuzz under -fsanitize=fuzzer,address,undefined" >&2
fuzz_start=$(date +%s)
if nice -n 5 bash tests/fuzz/run.sh "${build}-fuzz" "${FUZZ_SECONDS:-20}" >&2; then
  fuzz_result=passed
fi
echo "Fuzzing check took $(( $(date +%s) - fuzz_start )) s" >&2
[ "$fuzz_result" = failed ] && status=1

# The engine's threaded tests (network, trainer) under ThreadSanitizer, counted as one more test;
# GMutex and GCond go through pthreads there (tests/tsan/gthread-shim.c) so that TSan sees them.
tsan_result=failed
echo "ThreadSanitizer check: tests/tsan/run.sh" >&2
if bash tests/tsan/run.sh "${build}-tsan" >&2; then
  tsan_result=passed
fi
[ "$tsan_result" = failed ] && status=1

# The Flatpak, counted as one more test: flatpak-builder builds the manifest (running the suite in
# its sandbox), installs the app per user, starts it under Xvfb and checks a screenshot. Without
# any GNOME 47 SDK it is skipped, except under CI. SKIP_FLATPAK=1 skips it outside CI.
flatpak_result=failed
if [ -n "${SKIP_FLATPAK:-}" ] && [ -z "${CI:-}" ]; then
  echo "Flatpak check skipped: SKIP_FLATPAK is set" >&2
  flatpak_result=skipped
else
  echo "Flatpak check: flatpak/build.sh (at most 40 minutes)" >&2
  flatpak_start=$(date +%s)
  timeout --kill-after=60 2400 bash flatpak/build.sh "$build/flatpak-screenshot.png" >&2
  flatpak_status=$?
  echo "Flatpak check took $(( $(date +%s) - flatpak_start )) s" >&2
  case $flatpak_status in
    0) flatpak_result=passed ;;
    77)
      if [ -n "${CI:-}" ]; then
        echo "Flatpak check failed: no GNOME 47 SDK, and CI must not skip it" >&2
      else
        echo "Flatpak check skipped: no GNOME 47 SDK could be had" >&2
        flatpak_result=skipped
      fi ;;
    124|137) echo "Flatpak check failed: it did not finish within 40 minutes" >&2 ;;
    *) echo "Flatpak check failed (exit status $flatpak_status)" >&2 ;;
  esac
fi
[ "$flatpak_result" = failed ] && status=1

log="$build/meson-logs/testlog.json"
[ -f "$log" ] || status=1
python3 - "$log" "$flatpak_result" "$sanitize_result" "$fuzz_result" "$tsan_result" <<'PY'
import json, os, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
if os.path.isfile(sys.argv[1]):
    for line in open(sys.argv[1]):
        r = json.loads(line).get("result", "")
        if r in ("OK", "EXPECTEDFAIL"):
            counts["passed"] += 1
        elif r == "SKIP":
            counts["skipped"] += 1
        else:
            counts["failed"] += 1
else:
    counts["failed"] += 1  # the meson suite left no results
counts[sys.argv[2]] += 1  # the Flatpak check
counts[sys.argv[3]] += 1  # the sanitised engine tests
counts[sys.argv[4]] += 1  # the fuzzing check
counts[sys.argv[5]] += 1  # the ThreadSanitizer check
print(f'{counts["passed"]} passed, {counts["failed"]} failed, {counts["skipped"]} skipped')
PY
exit $status

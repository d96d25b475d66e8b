#!/bin/sh
# interference.sh: training's speed alone and beside a process that takes a core for a moment
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/interference.sh [BUILD_DIR [ROUNDS [BUSY_MS]]]       (build/, 3 rounds, 0.7 ms)
#
# A window that draws a frame takes a core for a moment, at a higher priority than the app's
# training threads (nice 10): this measures what such moments cost the training, apart from the
# window. Rotates, ROUNDS times, bench-train (100 batches of the reference recipe, 2 threads,
# nice 10) alone, and beside an interferer at nice 0 that is busy BUSY_MS milliseconds every
# 16.7 ms (a frame at 60 Hz) and sleeps otherwise; prints each round's images/s. To compare two
# versions of the engine, run it with each one's build folder. Figures only, never pass or fail;
# measure on a quiet machine.
set -eu

build=${1:-build}
rounds=${2:-3}
busy=${3:-0.7}
bench=$build/bench/bench-train
# the interferer from this checkout's build: the same one whichever engine is measured
interfere=${INTERFERE:-$(cd "$(dirname "$0")/.." && pwd)/build/bench/bench-interfere}
for f in "$bench" "$interfere"; do
  [ -x "$f" ] || { echo "$f is missing: build first (meson compile)" >&2; exit 1; }
done

train () {
  nice -n 10 "$bench" 100 2 | sed -n 's/.*"train_images_per_second": \([0-9.]*\).*/\1/p'
}

echo "load before: $(cut -d ' ' -f 1-3 /proc/loadavg)   $(nproc) cores, busy ${busy} ms per 16.7 ms"
echo "round  alone  beside  (images/s)"
for r in $(seq 1 "$rounds"); do
  a=$(train)
  "$interfere" "$busy" 16.7 &
  pid=$!
  b=$(train)
  kill $pid
  wait $pid 2>/dev/null || true
  echo "$r      $a  $b"
done
echo "load after: $(cut -d ' ' -f 1-3 /proc/loadavg)"

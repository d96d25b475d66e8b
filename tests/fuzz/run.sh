#!/usr/bin/env bash
# run.sh: the fuzzing check of the test command — every harness over its whole corpus once, then
# fuzzed for a short time from it, under ASan+UBSan; any crash, leak, hang or huge allocation fails
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/fuzz/run.sh [BUILD_DIR] [SECONDS_PER_TARGET]   (defaults build-fuzz, 20)
# FUZZ_TARGETS="json spec" limits the targets. New inputs go to BUILD_DIR/corpus/<target> (the
# committed corpus in tests/fuzz/corpus is only read); a finding is written to
# BUILD_DIR/findings/<target>-… and its stack printed. Prints one line per target and exits 1 if
# any target found something.
set -uo pipefail
cd "$(dirname "$0")/../.."

out=${1:-build-fuzz}
seconds=${2:-20}
bash tests/fuzz/build.sh "$out" || exit 1

targets=${FUZZ_TARGETS:-$(ls tests/fuzz/fuzz-*.c | sed 's|.*/fuzz-\(.*\)\.c|\1|')}
# The limits of every run: 2 GiB resident and 1 GiB in one malloc are findings, as is an input
# that takes over 10 s.
limits=(-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10)
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0:handle_abort=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export G_DEBUG=fatal-criticals
mkdir -p "$out/findings" "$out/logs"
failed=0
summary=()
for t in $targets; do
  exe="$out/fuzz-$t"
  seeds="tests/fuzz/corpus/$t"
  scratch="$out/corpus/$t"
  log="$out/logs/$t.log"
  mkdir -p "$scratch" "$seeds"
  result=ok
  start=$(date +%s)
  # 1. every committed input once (the reproducers of fixed findings among them)
  if [ -n "$(ls -A "$seeds")" ] &&
     ! "$exe" "${limits[@]}" -artifact_prefix="$out/findings/$t-" "$seeds"/* >"$log" 2>&1; then
    result=FINDING
  fi
  # 2. fuzzing from the corpus for a while
  if [ $result = ok ] &&
     ! "$exe" "${limits[@]}" -max_total_time="$seconds" -print_final_stats=1 \
       -artifact_prefix="$out/findings/$t-" "$scratch" "$seeds" >>"$log" 2>&1; then
    result=FINDING
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  files=$(( $(ls "$seeds" | wc -l) + $(ls "$scratch" | wc -l) ))
  summary+=("$(printf '%-14s %-8s %10s execs %7s exec/s %6s inputs %4ss' "$t" "$result" \
              "${execs:--}" "${rate:--}" "$files" "$(( $(date +%s) - start ))")")
  if [ $result != ok ]; then
    failed=1
    echo "Fuzzing $t: a finding — the log's end ($log):" >&2
    grep -v '^#[0-9]\|^INFO:\|^stat::' "$log" | tail -n 60 >&2
    artifact=$(sed -n 's/.*Test unit written to \(.*\)/\1/p' "$log" | tail -n 1)
    [ -n "$artifact" ] && echo "Reproduce with: $exe $artifact" >&2
  fi
done
echo "Fuzzing, ${seconds} s per target:" >&2
printf '  %s\n' "${summary[@]}" >&2
exit $failed

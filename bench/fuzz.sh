#!/usr/bin/env bash
# fuzz.sh: long fuzzing campaigns — every harness in tests/fuzz for a while, new coverage merged
# into the committed corpora, executions and findings printed per target
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/fuzz.sh [-t SECONDS] [-j JOBS] [-b BUILD_DIR] [-k KEEP] [--no-merge] [TARGET...]
#   -t  seconds per target (default 600)        -j  targets fuzzed at once (default 1)
#   -b  build directory (default build-fuzz)    --no-merge  leave tests/fuzz/corpus alone
#   -k  new inputs kept per target (default 30)
# Each target runs in libFuzzer's fork mode, so that one crash, leak, hang or allocation over
# 1 GiB (2 GiB resident) is written to BUILD_DIR/findings/<target>-… and fuzzing goes on. New
# inputs collect in BUILD_DIR/campaign/<target>; afterwards a `-merge=1` pass measures the edges
# each one covers, and the KEEP that add the most edges to what tests/fuzz/corpus/<target>
# already covers are copied there (the corpus stays a few dozen small files a target; the full
# campaign corpus stays in BUILD_DIR to continue from). Runs under nice -n 10.
# Figures, never a verdict: the exit status is 0 unless the build fails.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=600
jobs=1
out=build-fuzz
merge=1
keep=30
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    -t) seconds=$2; shift 2 ;;
    -j) jobs=$2; shift 2 ;;
    -b) out=$2; shift 2 ;;
    --no-merge) merge=0; shift ;;
    -k) keep=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] ||
  mapfile -t targets < <(ls tests/fuzz/fuzz-*.c | sed 's|.*/fuzz-\(.*\)\.c|\1|')

nice -n 10 bash tests/fuzz/build.sh "$out" || exit 1
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0:handle_abort=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
mkdir -p "$out/findings" "$out/logs"

campaign_one ()
{
  local t=$1 exe="$out/fuzz-$1" seeds="tests/fuzz/corpus/$1" scratch="$out/campaign/$1"
  local log="$out/logs/campaign-$1.log"

  mkdir -p "$scratch" "$seeds"
  nice -n 10 "$exe" -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -max_total_time="$seconds" \
    -artifact_prefix="$out/findings/$t-" "$scratch" "$seeds" >"$log" 2>&1
}

# Greedy set cover over the edges the merge pass recorded for each input (its control file):
# starting from what the committed corpus covers, copies up to KEEP inputs, each time the one
# that adds the most edges (the smaller on a tie), into the corpus; prints how many.
pick_new_inputs ()
{
  python3 - "$@" <<'PY'
import os, shutil, sys
control, seeds, keep = sys.argv[1], os.path.abspath(sys.argv[2]), int(sys.argv[3])
lines = open(control).read().split("\n")
n = int(lines[0])
files = lines[2:2 + n]
size, cov = {}, {}
for line in lines[2 + n:]:
    parts = line.split()
    if len(parts) >= 2 and parts[0] == "STARTED":
        size[int(parts[1])] = int(parts[2])
    elif parts and parts[0] == "COV":
        cov[int(parts[1])] = set(parts[2:])
# the merge lists an input once, from either folder: one already in the corpus (libFuzzer
# names inputs by their SHA-1) counts as the corpus's
in_corpus = lambda f: (os.path.dirname(os.path.abspath(f)) == seeds or
                       os.path.exists(os.path.join(seeds, os.path.basename(f))))
covered = set()
for i, f in enumerate(files):
    if in_corpus(f):
        covered |= cov.get(i, set())
candidates = {i for i, f in enumerate(files) if not in_corpus(f) and i in cov}
added = 0
while added < keep and candidates:
    best = max(candidates, key=lambda i: (len(cov[i] - covered), -size.get(i, 0)))
    if not cov[best] - covered:
        break
    covered |= cov[best]
    candidates.discard(best)
    shutil.copy(files[best], os.path.join(seeds, os.path.basename(files[best])))
    added += 1
print(added)
PY
}

# the findings already there, so that only this campaign's are counted
declare -A before
for t in "${targets[@]}"; do
  before[$t]=$(ls "$out/findings" | grep -c "^$t-\(crash\|leak\|oom\|timeout\|slow-unit\)-")
done

start=$(date +%s)
running=0
for t in "${targets[@]}"; do
  echo "fuzz.sh: $t for $seconds s" >&2
  campaign_one "$t" &
  running=$((running + 1))
  if [ $running -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

printf '%-14s %12s %8s %8s %8s %8s  %s\n' target executions exec/s corpus merged findings \
  "(${seconds} s each, $(( $(date +%s) - start )) s in all)"
for t in "${targets[@]}"; do
  log="$out/logs/campaign-$t.log"
  seeds="tests/fuzz/corpus/$t"
  last=$(grep '^#[0-9]*: cov:' "$log" | tail -n 1)
  execs=$(sed -n 's/^#\([0-9]*\):.*/\1/p' <<<"$last")
  rate=$(sed -n 's/.*exec\/s \([0-9]*\).*/\1/p' <<<"$last")
  corpus_before=$(ls "$seeds" | wc -l)
  added=0
  if [ $merge -eq 1 ]; then
    rm -rf "$out/merge/$t"
    mkdir -p "$out/merge/$t/empty"
    nice -n 10 "$out/fuzz-$t" -merge=1 -use_counters=0 -use_value_profile=0 \
      -merge_control_file="$out/merge/$t/control" -rss_limit_mb=2048 -malloc_limit_mb=1024 \
      -timeout=10 "$out/merge/$t/empty" "$seeds" "$out/campaign/$t" >>"$log" 2>&1
    added=$(pick_new_inputs "$out/merge/$t/control" "$seeds" "$keep")
  fi
  found=$(( $(ls "$out/findings" | grep -c "^$t-\(crash\|leak\|oom\|timeout\|slow-unit\)-") - before[$t] ))
  printf '%-14s %12s %8s %8s %8s %8s\n' "$t" "${execs:--}" "${rate:--}" \
    "$(ls "$seeds" | wc -l)" "+$added" "$found"
  if [ "$found" -gt 0 ]; then
    ls -t "$out/findings" | grep "^$t-\(crash\|leak\|oom\|timeout\|slow-unit\)-" | head -n "$found" |
      sed "s|^|    $out/findings/|"
  fi
done

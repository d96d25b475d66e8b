#!/usr/bin/env bash
# scaling.sh: training and inference throughput of the reference recipe by thread count
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/scaling.sh [--beyond] [--batches N] [--repeat R] [BUILD_DIR]
#   --beyond      go on past the physical cores, up to twice their number (SMT or oversubscription)
#   --batches N   training batches of 64 per measurement (default 200; bench-train takes the best
#                 of three rounds)
#   --repeat R    runs per thread count, the best kept (default 1)
#   BUILD_DIR     a release build holding bench/bench-train (default build)
#
# Prints, for 1, 2, 4, … threads up to the machine's physical cores (and that count itself):
# training images/s at batch 64, inference images/s (batches of 512), each with its speed-up over
# one thread and its parallel efficiency (speed-up / threads), and the latency of predicting one
# image on the network with that many threads. The header names the CPU, its cores and hardware
# threads, the kernels and the load average before and after: on a shared machine the figures
# are only as good as the load allows.
set -euo pipefail
export LC_ALL=C

beyond=0
batches=200
repeat=1
build=build
while [ $# -gt 0 ]; do
  case "$1" in
    --beyond) beyond=1 ;;
    --batches) batches=${2:?--batches needs a number}; shift ;;
    --repeat) repeat=${2:?--repeat needs a number}; shift ;;
    -h|--help) sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "scaling.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$1 ;;
  esac
  shift
done
case "$batches$repeat" in
  *[!0-9]*) echo "scaling.sh: --batches and --repeat take whole numbers" >&2; exit 2 ;;
esac
[ "$batches" -gt 0 ] && [ "$repeat" -gt 0 ] || { echo "scaling.sh: --batches and --repeat must be at least 1" >&2; exit 2; }

bench="$build/bench/bench-train"
[ -x "$bench" ] || { echo "scaling.sh: $bench not found: build first (meson setup $build --buildtype=release && ninja -C $build)" >&2; exit 1; }

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
[ -n "$cpu" ] || cpu=$(uname -m)
hw_threads=$(nproc)
# physical cores: distinct (socket, core) pairs, as the engine counts them for its default
cores=$(lscpu -p=socket,core 2>/dev/null | grep -v '^#' | sort -u | wc -l)
[ "$cores" -gt 0 ] 2>/dev/null || cores=$hw_threads
[ "$cores" -le "$hw_threads" ] || cores=$hw_threads
limit=$cores
[ $beyond -eq 0 ] || limit=$((2 * cores))

counts=()
for ((t = 1; t <= limit; t *= 2)); do counts+=("$t"); done
for extra in "$cores" "$limit"; do
  case " ${counts[*]} " in *" $extra "*) ;; *) counts+=("$extra") ;; esac
done

# one field of bench-train's JSON line
field() { sed -n "s/.*\"$2\": \([0-9.]*\).*/\1/p" <<<"$1"; }

echo "CPU          $cpu"
echo "Cores        $cores physical, $hw_threads hardware threads"
echo "Recipe       reference, batch 64, Adam; $batches batches a round, best of 3 rounds × $repeat"
echo "Load before  $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || uptime)"

base_train=""
base_infer=""
kernel=""
rows=()
for t in "${counts[@]}"; do
  best_train=0 best_infer=0 best_one=""
  for ((r = 0; r < repeat; r++)); do
    line=$("$bench" "$batches" "$t")
    kernel=$(sed -n 's/.*"kernel": "\([^"]*\)".*/\1/p' <<<"$line")
    train=$(field "$line" train_images_per_second)
    infer=$(field "$line" infer_images_per_second)
    one=$(field "$line" single_image_threads_ms)
    best_train=$(awk -v a="$best_train" -v b="$train" 'BEGIN { print (b > a ? b : a) }')
    best_infer=$(awk -v a="$best_infer" -v b="$infer" 'BEGIN { print (b > a ? b : a) }')
    best_one=$(awk -v a="$best_one" -v b="$one" 'BEGIN { print (a == "" || b < a ? b : a) }')
  done
  [ -n "$base_train" ] || { base_train=$best_train; base_infer=$best_infer; }
  rows+=("$(awk -v t="$t" -v tr="$best_train" -v bt="$base_train" -v inf="$best_infer" \
              -v bi="$base_infer" -v one="$best_one" -v cores="$cores" 'BEGIN {
    st = tr / bt; si = inf / bi;
    printf "| %3d%s | %9.0f | %5.2f | %4.0f%% | %9.0f | %5.2f | %4.0f%% | %7.3f |",
           t, (t > cores ? "*" : " "), tr, st, 100 * st / t, inf, si, 100 * si / t, one }')")
done

echo "Kernels      $kernel"
echo "Load after   $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || uptime)"
echo
echo "| threads | train img/s | speed-up | efficiency | infer img/s | speed-up | efficiency | batch-1 ms |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
[ $beyond -eq 0 ] || echo "* more threads than physical cores"

#!/usr/bin/env bash
# accuracy.sh: test accuracy of the reference recipe over several seeds, the engine and PyTorch
# SPDX-License-Identifier: GPL-3.0-or-later
# Usage: bench/accuracy.sh [--pytorch] [BUILD_DIR] [SEED...]   (seeds default to 1 2 3)
#
# Each seed trains the full recipe (10 epochs) and reports the test accuracy of the epoch that
# validation chose, and of the last epoch. With --pytorch the same protocol also runs in PyTorch
# (bench/pytorch-accuracy.py), seed for seed; PyTorch's seeds draw other splits and orders.
set -euo pipefail
cd "$(dirname "$0")/.."
pytorch=false
if [ "${1:-}" = --pytorch ]; then
  pytorch=true
  shift
fi
build=${1:-build}
shift || true
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)

python=/usr/bin/python3
[ -x "$python" ] || python=python3
data=${DIGIT_LAB_MNIST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/digit-lab/mnist}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for seed in "${seeds[@]}"; do
  "$build/src/cli/digit-lab-cli" train --json --seed "$seed" --output "$work/model-$seed" \
    > "$work/ours-$seed.jsonl"
  if $pytorch; then
    "$python" bench/pytorch-accuracy.py --data "$data" --seed "$seed" > "$work/torch-$seed.jsonl"
  fi
  "$python" - "$work" "$seed" <<'PY'
import json, os, sys
work, seed = sys.argv[1], sys.argv[2]
for who, name in (("Digit Lab", "ours"), ("PyTorch", "torch")):
    path = os.path.join(work, f"{name}-{seed}.jsonl")
    if not os.path.exists(path):
        continue
    rows = [r for r in map(json.loads, open(path)) if r.get("event") == "epoch"]
    if not rows:
        print(f"{who:9} seed {seed}: PyTorch is not installed (apt install python3-torch)")
        continue
    best = [r for r in rows if r["best"]][-1]
    print(f"{who:9} seed {seed}: best epoch {best['epoch']:2} by validation "
          f"({100 * best['val_accuracy']:.2f}%), test {100 * best['test_accuracy']:.2f}%; "
          f"last epoch test {100 * rows[-1]['test_accuracy']:.2f}%", flush=True)
PY
done

"$python" - "$work" "${seeds[@]}" <<'PY'
import json, os, statistics, sys
work, seeds = sys.argv[1], sys.argv[2:]
for who, name in (("Digit Lab", "ours"), ("PyTorch", "torch")):
    best, last = [], []
    for seed in seeds:
        path = os.path.join(work, f"{name}-{seed}.jsonl")
        rows = [r for r in map(json.loads, open(path)) if r.get("event") == "epoch"] \
            if os.path.exists(path) else []
        if rows:
            best.append(100 * [r for r in rows if r["best"]][-1]["test_accuracy"])
            last.append(100 * rows[-1]["test_accuracy"])
    if len(best) == len(seeds):
        spread = f" ± {statistics.stdev(best):.2f}" if len(best) > 1 else ""
        print(f"{who:9} mean over {len(seeds)} seeds: {statistics.mean(best):.2f}%{spread} "
              f"(chosen epoch), {statistics.mean(last):.2f}% (last epoch)")
PY

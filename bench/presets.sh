#!/usr/bin/env bash
# presets.sh: the "quick" and "accurate" recipes over seeds 1–3 beside the reference recipe
# SPDX-License-Identifier: GPL-3.0-or-later
# Usage: bench/presets.sh [BUILD_DIR] [PRESET...]   (presets default to quick accurate)
#
# Each preset trains with `digit-lab-cli train --preset NAME --threads 2` for seeds 1, 2 and 3
# (SEEDS="1 2 3" to change them) and the table gives, per seed, the epoch that validation chose,
# its validation and test accuracy and the seconds of training (the epochs' own time, evaluation
# excluded), then the mean. The reference recipe's line is the README's measurement
# (bench/accuracy.sh), not run again here. Say what else ran on the machine (uptime) with any
# figure: times on a busy machine are inflated.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(quick accurate)
read -r -a seeds <<< "${SEEDS:-1 2 3}"

python=/usr/bin/python3
[ -x "$python" ] || python=python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "load before: $(uptime)"
for preset in "${presets[@]}"; do
  for seed in "${seeds[@]}"; do
    "$build/src/cli/digit-lab-cli" train --preset "$preset" --threads 2 --seed "$seed" --json \
      --no-record --output "$work/model-$preset-$seed" > "$work/$preset-$seed.jsonl"
    echo "  $preset seed $seed done, load: $(uptime | sed 's/.*load average: //')" >&2
  done
done
echo "load after: $(uptime)"

"$python" - "$work" "${#seeds[@]}" "${seeds[@]}" "${presets[@]}" <<'PY'
import json, os, statistics, sys
work, n = sys.argv[1], int(sys.argv[2])
seeds, presets = sys.argv[3:3 + n], sys.argv[3 + n:]
print(f"{'recipe':10} {'seed':>4} {'best epoch':>10} {'val acc':>8} {'test acc':>8} "
      f"{'train s':>8}")
for preset in presets:
    tests, times = [], []
    for seed in seeds:
        rows = [r for r in map(json.loads, open(os.path.join(work, f"{preset}-{seed}.jsonl")))
                if r.get("event") == "epoch"]
        best = [r for r in rows if r["best"]][-1]
        seconds = sum(r["seconds"] for r in rows)
        tests.append(100 * best["test_accuracy"])
        times.append(seconds)
        print(f"{preset:10} {seed:>4} {best['epoch']:>10} {100 * best['val_accuracy']:>7.2f}% "
              f"{100 * best['test_accuracy']:>7.2f}% {seconds:>8.1f}")
    print(f"{preset:10} {'mean':>4} {'':>10} {'':>8} {statistics.mean(tests):>7.2f}% "
          f"{statistics.mean(times):>8.1f}")
print(f"{'reference':10} {'1-3':>4} {'':>10} {'':>8} {99.23:>7.2f}%  (README: bench/accuracy.sh, "
      f"10 epochs; 99.19% ± 0.09 over seeds 1-10)")
PY

#!/usr/bin/env bash
# compare-pytorch.sh: the engine and PyTorch train the reference recipe side by side on this machine
# SPDX-License-Identifier: GPL-3.0-or-later
# Usage: bench/compare-pytorch.sh [BUILD_DIR] [BATCHES]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
batches=${2:-300}
threads=$(nproc)

ours=$("$build/bench/bench-train" "$batches" "$threads")
echo "Digit Lab: $ours"

python=/usr/bin/python3
[ -x "$python" ] || python=python3
data=${DIGIT_LAB_MNIST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/digit-lab/mnist}
theirs=$("$python" bench/pytorch-reference.py --threads "$threads" --batches "$batches" --data "$data")
if echo "$theirs" | grep -q '"available": false'; then
  echo "PyTorch: not installed (apt install python3-torch to compare)"
  exit 0
fi
echo "PyTorch:   $theirs"

"$python" - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"training  {a['train_images_per_second']:8.0f} vs {b['train_images_per_second']:8.0f} images/s"
      f"  ratio {a['train_images_per_second'] / b['train_images_per_second']:.2f}x")
print(f"inference {a['infer_images_per_second']:8.0f} vs {b['infer_images_per_second']:8.0f} images/s"
      f"  ratio {a['infer_images_per_second'] / b['infer_images_per_second']:.2f}x")
print(f"batch-1   {a['single_image_ms']:8.3f} vs {b['single_image_ms']:8.3f} ms"
      f"  (ours with MNIST preprocessing of a 280×280 picture: {a['preprocess_predict_ms']:.3f} ms)")
print(f"engine arithmetic: {a['train_gflops']:.1f} GFLOP/s over {a['threads']} threads "
      f"({a['kernel']} kernel); the GEMM alone peaks at {a['gemm_peak_gflops_per_core']:.1f} "
      f"GFLOP/s on one core, {a['gemm_peak_gflops_per_core'] * a['threads']:.0f} for "
      f"{a['threads']}")
PY

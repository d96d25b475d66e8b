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

# PyTorch at its best here: Debian's build does its dense layers in OpenBLAS, whose own threads
# fight PyTorch's OpenMP threads, and OpenBLAS may not recognise a virtual CPU's model and fall
# back to an older kernel. One BLAS thread per OpenMP thread, and the kernel the CPU supports.
coretype=
if grep -qw avx512f /proc/cpuinfo; then
  coretype=SkylakeX
elif grep -qw avx2 /proc/cpuinfo; then
  coretype=Haswell
fi
tuned=$(env OPENBLAS_NUM_THREADS=1 ${coretype:+OPENBLAS_CORETYPE=$coretype} \
  "$python" bench/pytorch-reference.py --threads "$threads" --batches "$batches" --data "$data")
echo "PyTorch tuned (OPENBLAS_NUM_THREADS=1${coretype:+ OPENBLAS_CORETYPE=$coretype}): $tuned"

"$python" - "$ours" "$theirs" "$tuned" <<'PY'
import json, sys
a, b, c = (json.loads(s) for s in sys.argv[1:4])
for what, key, unit in (("training", "train_images_per_second", "images/s"),
                        ("inference", "infer_images_per_second", "images/s")):
    print(f"{what:9} {a[key]:8.0f} {unit}; PyTorch {b[key]:8.0f} as installed "
          f"({a[key] / b[key]:.2f}x), {c[key]:8.0f} tuned ({a[key] / c[key]:.2f}x)")
print(f"batch-1   {a['single_image_ms']:8.3f} ms;       PyTorch {b['single_image_ms']:8.3f} as "
      f"installed, {c['single_image_ms']:8.3f} tuned  (ours with MNIST preprocessing of a "
      f"280×280 picture: {a['preprocess_predict_ms']:.3f} ms)")
print(f"engine arithmetic: {a['train_gflops']:.1f} GFLOP/s over {a['threads']} threads "
      f"({a['kernel']} kernel), counted as direct convolution (Winograd's conv2 does fewer); "
      f"the GEMM alone peaks at {a['gemm_peak_gflops_per_core']:.1f} GFLOP/s on one core, "
      f"{a['gemm_peak_gflops_per_core'] * a['threads']:.0f} for {a['threads']}")
PY

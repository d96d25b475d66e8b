#!/usr/bin/env bash
# test-locale.sh: every machine-readable output of digit-lab-cli is the same bytes under C.UTF-8,
# sv_SE.UTF-8 and de_DE.UTF-8 (decimal commas), and valid JSON; TAP on stdout
# SPDX-License-Identifier: GPL-3.0-or-later
#
# DIGIT_LAB_CLI names the program. Only the timing fields of train --json differ between runs;
# they are masked by name (see mask_timing), nothing else. Without the two locales the test is
# skipped, except under CI=true, where it fails: scripts/deps.sh generates them.
set -uo pipefail

cli=${DIGIT_LAB_CLI:?DIGIT_LAB_CLI must name the digit-lab-cli executable}
python=${PYTHON:-python3}
locales=(C.UTF-8 sv_SE.UTF-8 de_DE.UTF-8)

have_locale () {
  locale -a 2>/dev/null | grep -qix "$(printf '%s' "$1" | sed 's/UTF-8/utf8/')"
}

for l in "${locales[@]}"; do
  if ! have_locale "$l"; then
    if [ -n "${CI:-}" ]; then
      echo "1..1"
      echo "not ok 1 - locale $l is missing (scripts/deps.sh generates it)"
      exit 1
    fi
    echo "1..0 # SKIP locale $l is not generated (scripts/deps.sh generates it)"
    exit 0
  fi
done
if ! command -v "$python" >/dev/null; then
  echo "1..0 # SKIP no python3 to check the JSON"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/digit-lab-locale-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# A tiny dataset (200 training and 50 test images of 28×28, 10 classes, seeded) and one picture
"$python" - <<'PY' || { echo "1..0 # SKIP could not write the fixtures"; exit 0; }
import os, random, struct, zlib
random.seed(7)
os.makedirs("data", exist_ok=True)
def split(prefix, n):
    pixels = bytes(random.randrange(256) for _ in range(n * 28 * 28))
    labels = bytes(i % 10 for i in range(n))
    with open(f"data/{prefix}-images-idx3-ubyte", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + pixels)
    with open(f"data/{prefix}-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + labels)
split("train", 200)
split("t10k", 50)
def png(path, w, h, pixel):
    raw = b"".join(b"\0" + bytes(pixel(x, y) for x in range(w)) for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
png("digit.png", 40, 30, lambda x, y: 10 if 15 < x < 22 else 245)
PY

n=0
failed=0
ok () { n=$((n + 1)); echo "ok $n - $*"; }
not_ok () { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }

# The fields of train --json that measure time: only these differ from run to run, and the id
# of the run it records (each locale's run is one of its own)
mask_timing () {
  sed -E -e 's/"(samples_per_second|elapsed|eta|seconds)":(-?[0-9][0-9.eE+-]*|null)/"\1":"<time>"/g' \
    -e 's/"run":"[0-9]{8}-[0-9]{6}-[0-9a-f]{4}"/"run":"<id>"/'
}

# Every output of one locale, in the folder out-LOCALE (the same relative paths in each)
run_all () {
  local loc=$1 out="out-$1"
  mkdir -p "$out"
  (
    cd "$out"
    export LC_ALL=$loc LANG=$loc
    export DIGIT_LAB_RUNS_DIR="$work/store"
    unset LANGUAGE
    set -e
    "$cli" train --data ../data --json --arch "flatten dropout(0.25) dense(10)" --epochs 2 \
      --batch-size 16 --validation 40 --threads 1 --seed 3 --learning-rate 0.0015 \
      --rotation 7.5 --output model > train.jsonl.raw
    mask_timing < train.jsonl.raw > train.jsonl
    # training on the validation images too: its validation figures are nulls, not numbers
    "$cli" train --data ../data --json --arch "flatten dense(10)" --epochs 1 --batch-size 16 \
      --validation 40 --threads 1 --seed 4 --train-on-all --output model-all > train-all.jsonl.raw
    mask_timing < train-all.jsonl.raw > train-all.jsonl
    "$cli" evaluate --data ../data --json --threads 1 --mistakes 5 model > evaluate.jsonl
    "$cli" predict --json --model model ../digit.png > predict.jsonl
    "$cli" inspect --data ../data --json --output report.json > inspect.jsonl
    "$cli" export --data ../data --json --threads 1 --model model hub > export.jsonl
    # config.json and the card record how long training took: mask that one value, by name
    for f in model/config.json hub/config.json; do
      sed -E 's/("training_seconds": *)-?[0-9][0-9.eE+-]*/\1"<time>"/' "$f" > "$f.masked"
    done
    sed -E 's/^\| training time \| .* \|$/| training time | <time> |/' hub/README.md > hub/README.md.masked
  ) 2> "$out/stderr"
}

for loc in "${locales[@]}"; do
  if run_all "$loc"; then
    ok "$loc: train (also on all images), evaluate, predict, inspect and export ran"
  else
    not_ok "$loc: a command failed: $(tr '\n' ' ' < "out-$loc/stderr")"
  fi
done

# Valid JSON: one object per line, or one document
for loc in "${locales[@]}"; do
  for f in train.jsonl train-all.jsonl evaluate.jsonl predict.jsonl inspect.jsonl export.jsonl; do
    if [ -s "out-$loc/$f" ] && "$python" -m json.tool --json-lines "out-$loc/$f" >/dev/null 2>&1
    then ok "$loc: $f is JSON lines"
    else not_ok "$loc: $f is not valid JSON lines"
    fi
  done
  for f in report.json model/config.json hub/config.json; do
    if "$python" -m json.tool "out-$loc/$f" >/dev/null 2>&1
    then ok "$loc: $f is JSON"
    else not_ok "$loc: $f is not valid JSON"
    fi
  done
done

# The timing fields are the only ones masked, and they were there to mask
if grep -q '"seconds":"<time>"' out-C.UTF-8/train.jsonl &&
   grep -q '"samples_per_second":"<time>"' out-C.UTF-8/train.jsonl &&
   [ "$(grep -o '"<time>"' out-C.UTF-8/train.jsonl | wc -l)" -eq \
     "$(grep -oE '"(samples_per_second|elapsed|eta|seconds)":' out-C.UTF-8/train.jsonl | wc -l)" ]
then ok "train --json: every timing field masked"
else not_ok "train --json: the timing fields are not where expected"
fi

# Training on all images says so, and its validation figures are nulls
if grep -q '"train_on_all":true' out-C.UTF-8/train-all.jsonl &&
   grep -q '"val_accuracy":null' out-C.UTF-8/train-all.jsonl
then ok "train --train-on-all --json: validation figures are nulls"
else not_ok "train --train-on-all --json: no nulls where validation figures would be"
fi

# The training time is the only value masked in config.json and the card, and it was there
if grep -qE '"training_seconds": *"<time>"' out-C.UTF-8/model/config.json.masked &&
   grep -q '^| training time | <time> |$' out-C.UTF-8/hub/README.md.masked &&
   [ "$(diff out-C.UTF-8/hub/README.md out-C.UTF-8/hub/README.md.masked | grep -c '^<')" -eq 1 ]
then ok "config.json and the card: only the training time masked"
else not_ok "config.json and the card: the training time is not where expected"
fi

# Byte for byte the same in every locale
for loc in sv_SE.UTF-8 de_DE.UTF-8; do
  for f in train.jsonl train-all.jsonl evaluate.jsonl predict.jsonl inspect.jsonl export.jsonl \
           report.json model/config.json.masked model-all/model.safetensors model/model.safetensors hub/config.json.masked \
           hub/README.md.masked hub/model.safetensors; do
    if cmp -s "out-C.UTF-8/$f" "out-$loc/$f"; then
      ok "$loc: $f is the same as under C.UTF-8"
    else
      not_ok "$loc: $f differs from C.UTF-8: $(diff "out-C.UTF-8/$f" "out-$loc/$f" 2>&1 | head -c 300 | tr '\n' ' ')"
    fi
  done
done

# The card under decimal-comma locales still says 0.xxxx and runs in Python
if grep -qE '^            value: [01]\.[0-9]{4}$' out-de_DE.UTF-8/hub/README.md &&
   ! grep -qE '[0-9],[0-9]' out-de_DE.UTF-8/hub/README.md
then ok "de_DE.UTF-8: the model card's numbers have decimal points"
else not_ok "de_DE.UTF-8: the model card has a decimal comma"
fi
if "$python" - out-de_DE.UTF-8/hub/README.md <<'PY'
import sys
card = open(sys.argv[1], encoding="utf-8").read()
compile(card.split("```python\n")[1].split("```")[0], "card", "exec")
PY
then ok "de_DE.UTF-8: the card's PyTorch snippet compiles"
else not_ok "de_DE.UTF-8: the card's PyTorch snippet does not compile"
fi

echo "1..$n"
exit $failed

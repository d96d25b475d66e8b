#!/bin/bash
# test-faults.sh: train's checkpoints under a full disk, a read-only folder, kill -9, and
# hostile --resume files; the model must survive and a resumed run must match an unbroken one
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-faults.sh DIGIT-LAB-CLI   (prints TAP)

set -u

CLI=${1:-${DIGIT_LAB_CLI:-}}
N_TESTS=14

if [ -z "$CLI" ] || [ ! -x "$CLI" ]; then
  echo "1..0 # SKIP no digit-lab-cli given"
  exit 0
fi
PYTHON=$(command -v python3 || true)
if [ -z "$PYTHON" ]; then
  echo "1..0 # SKIP python3 is needed to write the IDX fixtures"
  exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/digit-lab-faults-XXXXXX")
MOUNTS=()
cleanup () {
  for m in "${MOUNTS[@]}"; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
  rm -rf "$T"
}
trap cleanup EXIT

n=0
ok () {
  n=$((n + 1))
  echo "ok $n - $1"
}
not_ok () {
  n=$((n + 1))
  echo "not ok $n - $1"
  shift
  for line in "$@"; do
    echo "# $line"
  done
}
skip () {
  n=$((n + 1))
  echo "ok $n - $1 # SKIP $2"
}
check () {
  # check DESCRIPTION COMMAND...: one test line from a command's status
  local what=$1
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}

echo "1..$N_TESTS"

# A tiny dataset: 28×28 images of a bright square whose place gives the class, with noise.
"$PYTHON" - "$T/data" <<'EOF'
import os, random, struct, sys

out = sys.argv[1]
os.makedirs(out)
rng = random.Random(7)

def write(prefix, n):
    pixels = bytearray()
    labels = bytearray()
    for i in range(n):
        label = i % 10
        img = [rng.randrange(60) for _ in range(784)]
        r, c = 3 + 7 * (label // 4), 3 + 6 * (label % 4)
        for y in range(r, r + 5):
            for x in range(c, c + 5):
                img[y * 28 + x] = 200 + rng.randrange(56)
        pixels += bytes(img)
        labels.append(label)
    with open(os.path.join(out, prefix + "-images-idx3-ubyte"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + pixels)
    with open(os.path.join(out, prefix + "-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + labels)

write("train", 1200)
write("t10k", 200)
EOF

# epochs done according to a checkpoint's header (empty when it cannot be read)
epochs_in () {
  "$PYTHON" - "$1" <<'EOF' 2>/dev/null
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    print(json.loads(f.read(n))["__metadata__"]["epochs_done"])
EOF
}

ARCH="conv(8,3,pad=1) relu maxpool(2) flatten dense(10)"
train () {
  "$CLI" train --data "$T/data" --arch "$ARCH" --batch-size 50 --validation 200 --seed 3 \
    --threads 2 --json "$@"
}

# 1: the unbroken four epochs, against which the others are compared
if train --epochs 4 --output "$T/straight" --checkpoint "$T/straight.ckpt" \
     > "$T/straight.out" 2> "$T/straight.err" &&
   [ -s "$T/straight/model.safetensors" ] && [ "$(epochs_in "$T/straight.ckpt")" = 4 ]; then
  ok "four epochs train, save the model and a checkpoint of 4 epochs"
else
  not_ok "four epochs train, save the model and a checkpoint of 4 epochs" \
    "$(cat "$T/straight.err")"
fi

# one-line diagnostics: a failing run says what failed in one line on stderr
one_line_about_checkpoint () {
  [ "$(wc -l < "$1")" -eq 1 ] && grep -q "checkpoint" "$1"
}

# 2–4: a checkpoint on a full disk
mkdir -p "$T/full"
if mount -t tmpfs -o size=200k tmpfs "$T/full" 2>/dev/null; then
  MOUNTS+=("$T/full")
  head -c 1M /dev/zero > "$T/full/filler" 2>/dev/null
  train --epochs 2 --output "$T/full-model" --checkpoint "$T/full/ckpt" \
    > "$T/full.out" 2> "$T/full.err"
  status=$?
  check "a full disk: exit status 1 (got $status)" [ "$status" -eq 1 ]
  check "a full disk: the model is saved all the same" [ -s "$T/full-model/model.safetensors" ]
  if one_line_about_checkpoint "$T/full.err" && [ "$(ls "$T/full")" = filler ]; then
    ok "a full disk: one line on stderr, no temporary file left"
  else
    not_ok "a full disk: one line on stderr, no temporary file left" \
      "$(cat "$T/full.err")" "$(ls "$T/full")"
  fi
else
  for what in "exit status 1" "the model is saved" "one line, no temporary file"; do
    skip "a full disk: $what" "mounting a tmpfs is not permitted here"
  done
fi

# 5–7: a checkpoint in a read-only folder (root writes through permissions, not through ro)
mkdir -p "$T/ro"
if mount --bind "$T/ro" "$T/ro" 2>/dev/null; then
  MOUNTS+=("$T/ro")
  if mount -o remount,bind,ro "$T/ro" 2>/dev/null && ! touch "$T/ro/probe" 2>/dev/null; then
    train --epochs 2 --output "$T/ro-model" --checkpoint "$T/ro/ckpt" \
      > "$T/ro.out" 2> "$T/ro.err"
    status=$?
    check "a read-only folder: exit status 1 (got $status)" [ "$status" -eq 1 ]
    check "a read-only folder: the model is saved all the same" \
      [ -s "$T/ro-model/model.safetensors" ]
    if one_line_about_checkpoint "$T/ro.err"; then
      ok "a read-only folder: one line on stderr"
    else
      not_ok "a read-only folder: one line on stderr" "$(cat "$T/ro.err")"
    fi
  else
    for what in "exit status 1" "the model is saved" "one line"; do
      skip "a read-only folder: $what" "remounting read-only is not permitted here"
    done
  fi
else
  for what in "exit status 1" "the model is saved" "one line"; do
    skip "a read-only folder: $what" "bind mounts are not permitted here"
  done
fi

# 8–10: kill -9 right after the second of four epochs, then resume
mkfifo "$T/events"
train --epochs 4 --output "$T/killed-model" --checkpoint "$T/killed.ckpt" \
  > "$T/events" 2> "$T/killed.err" &
pid=$!
while IFS= read -r line; do
  case "$line" in
    # the epoch is reported after its checkpoint is on disk
    *'"event":"epoch","epoch":2,'*) kill -9 "$pid"; break ;;
  esac
done < "$T/events"
wait "$pid" 2>/dev/null
status=$?
got=$(epochs_in "$T/killed.ckpt")
# The kill lands a moment after the line: epoch 3 may just have been checkpointed too, never less
# than what was reported, and never the whole run.
killed_at_epoch_boundary () {
  [ "$status" -eq 137 ] && { [ "$got" = 2 ] || [ "$got" = 3 ]; }
}
check "kill -9 after epoch 2 (status $status): the checkpoint holds 2 or 3 epochs (got ${got:-none})" \
  killed_at_epoch_boundary
check "no model was saved by the killed run" [ ! -e "$T/killed-model/model.safetensors" ]
# no --epochs: the checkpoint's plan of 4; the settings come from the checkpoint
if "$CLI" train --data "$T/data" --threads 2 --resume "$T/killed.ckpt" \
     --checkpoint "$T/killed.ckpt" --output "$T/resumed" > "$T/resumed.out" 2> "$T/resumed.err" &&
   cmp "$T/straight/model.safetensors" "$T/resumed/model.safetensors" > "$T/cmp.out" 2>&1 &&
   [ "$(epochs_in "$T/killed.ckpt")" = 4 ]; then
  ok "resuming finishes 4 epochs with the unbroken run's model.safetensors, byte for byte"
else
  not_ok "resuming finishes 4 epochs with the unbroken run's model.safetensors, byte for byte" \
    "$(cat "$T/resumed.err" "$T/cmp.out")"
fi

# 11–14: --resume from what is not a checkpoint ends at once with one line, not a hang
mkfifo "$T/fifo"
printf 'not a checkpoint at all' > "$T/junk"
for target in /dev/zero "$T/fifo" "$T/data" "$T/junk"; do
  timeout 20 "$CLI" train --data "$T/data" --resume "$target" --output "$T/never" \
    > /dev/null 2> "$T/resume.err"
  status=$?
  if [ "$status" -eq 1 ] && [ "$(wc -l < "$T/resume.err")" -eq 1 ] && [ ! -e "$T/never" ]; then
    ok "--resume $(basename "$target") is refused at once: $(cat "$T/resume.err")"
  else
    not_ok "--resume $(basename "$target") is refused at once (status $status)" \
      "$(cat "$T/resume.err")"
  fi
done

[ "$n" -eq "$N_TESTS" ] || echo "# ran $n tests, planned $N_TESTS"

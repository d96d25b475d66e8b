#!/bin/bash
# test-runs.sh: the run store through digit-lab-cli — a run killed with SIGKILL in its third epoch
# is listed as interrupted with two, its best model evaluates to the accuracy it recorded, resuming
# it gives the weights of an unbroken run; show, rename, export, damaged runs, bad names and
# outputs, remove; and the machine-readable outputs are the same bytes under C.UTF-8, de_DE.UTF-8
# and sv_SE.UTF-8
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-runs.sh DIGIT-LAB-CLI   (prints TAP)

set -u

CLI=${1:-${DIGIT_LAB_CLI:-}}

if [ -z "$CLI" ] || [ ! -x "$CLI" ]; then
  echo "1..0 # SKIP no digit-lab-cli given"
  exit 0
fi
case $CLI in /*) ;; *) CLI=$PWD/$CLI ;; esac
PYTHON=$(command -v python3 || true)
if [ -z "$PYTHON" ]; then
  echo "1..0 # SKIP python3 is needed to write the IDX fixtures"
  exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/digit-lab-runs-XXXXXX")
PID=
cleanup () {
  [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

n=0
failed=0
ok () {
  n=$((n + 1))
  echo "ok $n - $1"
}
not_ok () {
  n=$((n + 1))
  failed=1
  echo "not ok $n - $1"
  shift
  for line in "$@"; do
    printf '%s\n' "$line" | sed 's/^/# /'
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

# A tiny dataset: 28×28 images of a bright square whose place gives the class, with noise.
"$PYTHON" - "$T/data" <<'EOF'
import os, random, struct, sys

out = sys.argv[1]
os.makedirs(out)
rng = random.Random(11)

def write(prefix, n):
    pixels = bytearray()
    labels = bytearray()
    for i in range(n):
        label = i % 10
        img = [rng.randrange(120) for _ in range(784)]
        r, c = 3 + 7 * (label // 4), 3 + 6 * (label % 4)
        for y in range(r, r + 4):
            for x in range(c, c + 4):
                img[y * 28 + x] = 110 + rng.randrange(146)
        pixels += bytes(img)
        labels.append(label)
    with open(os.path.join(out, prefix + "-images-idx3-ubyte"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + pixels)
    with open(os.path.join(out, prefix + "-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + labels)

write("train", 1200)
write("t10k", 300)
# a fifth of the test labels wrong: the accuracy cannot be 1, so it says which weights it came from
with open(os.path.join(out, "t10k-labels-idx1-ubyte"), "r+b") as f:
    labels = bytearray(f.read())
    for i in range(8, len(labels), 5):
        labels[i] = (labels[i] + 1 + rng.randrange(9)) % 10
    f.seek(0)
    f.write(labels)
EOF

ARCH="conv(8,3,pad=1) relu maxpool(2) flatten dense(10)"
train () {
  "$CLI" train --data "$T/data" --arch "$ARCH" --batch-size 25 --validation 200 --seed 5 \
    --threads 2 --rotation 12 "$@"
}
# a field of a JSON document on stdin: json_get EXPRESSION (d is the document)
json_get () {
  "$PYTHON" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

export DIGIT_LAB_RUNS_DIR="$T/store"

# 1: the unbroken four epochs, in a store of their own
if DIGIT_LAB_RUNS_DIR="$T/straight-store" train --epochs 4 --output "$T/straight" \
     > "$T/straight.out" 2> "$T/straight.err" &&
   [ -s "$T/straight/model.safetensors" ]; then
  ok "four unbroken epochs train and are recorded"
else
  not_ok "four unbroken epochs train and are recorded" "$(cat "$T/straight.err")"
fi
STRAIGHT_ID=$(DIGIT_LAB_RUNS_DIR="$T/straight-store" "$CLI" runs show last --json 2>/dev/null |
              json_get 'd["id"]' 2>/dev/null)

# 2–3: kill -9 in the middle of the third of four epochs. The program writes its events into a
# pipe of one page that the reader stops reading at epoch 3's first progress line: the rest of
# that epoch's lines (39 of them, more than a page) cannot all be written, so the program blocks
# before epoch 3 ends, and exactly two epochs are recorded however late the kill lands.
"$PYTHON" - "$CLI" "$T" "$ARCH" > "$T/kill.out" 2> "$T/kill.err" <<'EOF'
import fcntl, json, os, signal, subprocess, sys

cli, t, arch = sys.argv[1:4]
F_SETPIPE_SZ = 1031
r, w = os.pipe()
page = fcntl.fcntl(w, F_SETPIPE_SZ, 4096)
proc = subprocess.Popen([cli, "train", "--data", t + "/data", "--arch", arch,
                         "--batch-size", "25", "--validation", "200", "--seed", "5",
                         "--threads", "2", "--rotation", "12", "--epochs", "4", "--json",
                         "--progress-every", "1", "--output", t + "/killed-model"],
                        stdout=w, stderr=open(t + "/killed.err", "wb"))
os.close(w)
run_id = None
last_epoch = 0
while True:
    # a byte at a time: nothing past the line read is taken out of the pipe
    line = b""
    while not line.endswith(b"\n"):
        byte = os.read(r, 1)
        if not byte:
            sys.exit("the program ended before epoch 3 began")
        line += byte
    event = json.loads(line)
    if event["event"] == "start":
        run_id = event["run"]
    elif event["event"] == "epoch":
        last_epoch = event["epoch"]
    elif event["event"] == "progress" and event["epoch"] == 3:
        batches = event["batches"]
        # what is left of epoch 3 does not fit in the pipe
        assert (batches - event["batch"]) * len(line) > page, (batches, len(line), page)
        break
proc.send_signal(signal.SIGKILL)
status = proc.wait()
print(run_id, last_epoch, -status, batches)
EOF
read -r ID reported signal batches < "$T/kill.out"
check "kill -9 at epoch 3's first batch (signal ${signal:-?}, epochs reported ${reported:-?}) of run ${ID:-none}" \
  [ "${signal:-}" = 9 -a "${reported:-}" = 2 -a -n "${ID:-}" ]
[ -s "$T/kill.err" ] && sed 's/^/# /' "$T/kill.err"

"$CLI" runs --json > "$T/list.jsonl" 2> "$T/list.err"
listed=$("$PYTHON" - "$T/list.jsonl" "$ID" <<'EOF' 2>&1
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
run = [r for r in runs if r["id"] == sys.argv[2]]
print(len(runs), run[0]["status"], run[0]["epochs"], run[0]["can_resume"] if run else "-")
EOF
)
case "$listed" in
  "1 interrupted 2 True") ok "listed as interrupted with its two epochs: $listed" ;;
  *) not_ok "listed as interrupted with exactly 2 epochs, resumable" "got: $listed" \
       "$(cat "$T/list.err")" ;;
esac
"$CLI" runs > "$T/table.out" 2>&1
check "the table lists it as interrupted" grep -q "^$ID  interrupted" "$T/table.out"

# 4: its best model loads and evaluates to the test accuracy recorded for that epoch
"$CLI" runs show "$ID" --json > "$T/killed.json" 2> "$T/show.err"
if "$CLI" evaluate --data "$T/data" --threads 2 --json "$T/store/$ID/model" \
     > "$T/evaluate.jsonl" 2> "$T/evaluate.err" &&
   "$PYTHON" - "$T/killed.json" "$T/store/$ID/model/config.json" "$T/evaluate.jsonl" \
     > "$T/accuracy.out" 2>&1 <<'EOF'
import json, sys
run = json.load(open(sys.argv[1]))
config = json.load(open(sys.argv[2]))
evaluation = json.loads(open(sys.argv[3]).readline())
best = config["training"]["best_epoch"]
recorded = run["epochs"][best - 1]["test_accuracy"]
print("best epoch", best, "recorded", recorded, "evaluated", evaluation["accuracy"],
      "loss", evaluation["loss"])
assert abs(recorded - evaluation["accuracy"]) < 1e-6
# the loss tells the weights apart where the accuracy may not (evaluate prints 6 digits)
recorded_loss = run["epochs"][best - 1]["test_loss"]
assert abs(recorded_loss - evaluation["loss"]) <= 1e-5 * recorded_loss, (recorded_loss,
                                                                         evaluation["loss"])
assert abs(config["test_accuracy"] - recorded) < 1e-6
assert best == run["best_epoch"] and run["best_test_accuracy"] == recorded
assert 0.2 < recorded < 1.0, "the fixture should not be solved perfectly"
EOF
then
  ok "its best model evaluates to the recorded accuracy: $(cat "$T/accuracy.out")"
else
  not_ok "its best model evaluates to the recorded accuracy" "$(cat "$T/accuracy.out")" \
    "$(cat "$T/evaluate.err" "$T/show.err")"
fi

# 5–7: resume by id (no --data: the run's own dataset, no --epochs: its plan of 4)
if (cd "$T" && "$CLI" train --threads 2 --resume "$ID" --output "$T/resumed" \
      > "$T/resumed.out" 2> "$T/resumed.err") &&
   cmp "$T/straight/model.safetensors" "$T/resumed/model.safetensors" > "$T/cmp.out" 2>&1; then
  ok "resuming the run finishes with the unbroken run's weights, byte for byte"
else
  not_ok "resuming the run finishes with the unbroken run's weights, byte for byte" \
    "$(cat "$T/resumed.err" "$T/cmp.out")"
fi
if cmp "$T/straight-store/$STRAIGHT_ID/model/model.safetensors" \
       "$T/store/$ID/model/model.safetensors" > "$T/cmp2.out" 2>&1; then
  ok "the resumed run's own best model has the unbroken run's weights"
else
  not_ok "the resumed run's own best model has the unbroken run's weights" "$(cat "$T/cmp2.out")"
fi
after=$("$CLI" runs show "$ID" --json 2>&1 |
        json_get 'd["status"], len(d["epochs"]), d["resumes"], [e["epoch"] for e in d["epochs"]]' 2>&1)
check "after resuming: finished, 4 epochs, resumed once ($after)" \
  [ "$after" = "('finished', 4, 1, [1, 2, 3, 4])" ]

# 8: --no-record leaves the store alone
train --epochs 1 --no-record --output "$T/unrecorded" > /dev/null 2> "$T/norecord.err"
count=$("$CLI" runs --json | wc -l)
check "train --no-record adds no run (runs: $count)" [ "$count" -eq 1 ]

# 9–10: show, rename
"$CLI" runs show "$ID" > "$T/show.out" 2> "$T/show.err"
check "runs show prints the run's epochs" grep -qE '^ +4 ' "$T/show.out"
"$CLI" runs rename "${ID:0:15}" "lr 0.001 — seed 5" > /dev/null 2> "$T/rename.err"
name=$("$CLI" runs show last --json | json_get 'd["name"]')
check "runs rename by a prefix of the id (name: $name)" [ "$name" = "lr 0.001 — seed 5" ]

# 11: the CSV export equals the recorded metrics
"$CLI" runs export "$ID" --csv "$T/epochs.csv" --loss-csv "$T/loss.csv" --json "$T/run.json" \
  2> "$T/export.err"
if "$PYTHON" - "$T/epochs.csv" "$T/store/$ID/run.json" "$T/loss.csv" "$T/run.json" \
     > "$T/csv.out" 2>&1 <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
run = json.load(open(sys.argv[2]))
assert len(rows) == len(run["epochs"]) == 4, (len(rows), len(run["epochs"]))
for row, epoch in zip(rows, run["epochs"]):
    for key, value in epoch.items():
        if key == "best":
            assert row[key] == ("1" if value else "0")
        elif value is None:
            assert row[key] == "", (key, row[key])
        else:
            assert float(row[key]) == value, (key, row[key], value)
loss = list(csv.DictReader(open(sys.argv[3])))
exported = json.load(open(sys.argv[4]))
points = exported["curves"]["points"]
# every batch of the four epochs, once: the kill fell inside epoch 3, after epoch 2's curve
steps = [p[0] for p in points]
assert len(loss) == len(points) == 160, len(points)
assert steps == list(range(1, 161)) and exported["curves"]["span"] == 1, steps[:3]
assert [float(r["mean"]) for r in loss] == [p[5] for p in points]
assert exported["epochs"] == run["epochs"]
EOF
then
  ok "runs export: the CSV holds exactly the recorded metrics, the loss CSV the curve"
else
  not_ok "runs export: the CSV holds exactly the recorded metrics" "$(cat "$T/csv.out" "$T/export.err")"
fi

# 12–14: the machine-readable outputs are the same bytes in decimal-comma locales
have_locale () {
  locale -a 2>/dev/null | grep -qix "$(printf '%s' "$1" | sed 's/UTF-8/utf8/')"
}
outputs () {
  local dir=$T/out-$1
  mkdir -p "$dir"
  LC_ALL=$1 LANG=$1 "$CLI" runs --json > "$dir/runs.jsonl" &&
  LC_ALL=$1 LANG=$1 "$CLI" runs show "$ID" --json > "$dir/show.json" &&
  LC_ALL=$1 LANG=$1 "$CLI" runs export "$ID" --csv "$dir/epochs.csv" --loss-csv "$dir/loss.csv" \
    --json "$dir/run.json"
}
outputs C.UTF-8 2> "$T/locale.err"
for loc in de_DE.UTF-8 sv_SE.UTF-8; do
  if ! have_locale "$loc"; then
    if [ -n "${CI:-}" ]; then
      not_ok "$loc: the locale is missing (scripts/deps.sh generates it)"
    else
      skip "$loc: runs --json, show --json and the exports are the same bytes" \
        "locale $loc is not generated"
    fi
    continue
  fi
  if outputs "$loc" 2>> "$T/locale.err" &&
     diff -r "$T/out-C.UTF-8" "$T/out-$loc" > "$T/locale.diff" 2>&1; then
    ok "$loc: runs --json, show --json and the exports are the same bytes as under C.UTF-8"
  else
    not_ok "$loc: the outputs differ from C.UTF-8" "$(head -c 600 "$T/locale.diff")" \
      "$(cat "$T/locale.err")"
  fi
done
if "$PYTHON" -m json.tool --json-lines "$T/out-C.UTF-8/runs.jsonl" > /dev/null 2>&1 &&
   "$PYTHON" -m json.tool "$T/out-C.UTF-8/show.json" > /dev/null 2>&1 &&
   "$PYTHON" -m json.tool "$T/out-C.UTF-8/run.json" > /dev/null 2>&1; then
  ok "runs --json is JSON lines, show --json and the export are JSON"
else
  not_ok "runs --json, show --json or the export is not valid JSON"
fi

# 15–18: hostile input: a damaged run is listed and removable, bad names and outputs are refused
DAMAGED=20200101-000000-dead
mkdir -p "$T/store/$DAMAGED"
printf '{"format":"digit-lab-run","version":1,"id":' > "$T/store/$DAMAGED/run.json"
"$CLI" runs --json > "$T/damaged.jsonl" 2> "$T/damaged.err"
status=$?
damaged=$("$PYTHON" -c 'import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
print(runs[0]["id"], runs[0]["status"], len(runs))' "$T/damaged.jsonl" 2>&1)
check "a truncated run.json: listed first as damaged, the others still listed ($damaged)" \
  [ "$status" -eq 0 -a "$damaged" = "$DAMAGED damaged 2" ]
"$CLI" runs rename "$ID" "$(printf 'two\nlines')" > /dev/null 2> "$T/badname.err"
status=$?
check "a name with a line break is refused: status $status, $(cat "$T/badname.err")" \
  [ "$status" -eq 1 -a "$(wc -l < "$T/badname.err")" -eq 1 ]
"$CLI" runs export "$ID" --csv "$T/data" > /dev/null 2> "$T/badout.err"
status=$?
check "export onto a folder is refused: status $status, $(cat "$T/badout.err")" \
  [ "$status" -eq 1 -a "$(wc -l < "$T/badout.err")" -eq 1 ]
"$CLI" runs remove "$DAMAGED" > /dev/null 2> "$T/rmdamaged.err"
check "the damaged run is removed by its id" [ ! -e "$T/store/$DAMAGED" ]

# 19–20: unknown runs, then remove
"$CLI" runs show 29990101-000000-0000 > /dev/null 2> "$T/unknown.err"
status=$?
check "runs show of an unknown run: status 1, one line ($(cat "$T/unknown.err"))" \
  [ "$status" -eq 1 -a "$(wc -l < "$T/unknown.err")" -eq 1 ]
"$CLI" runs remove "$ID" > "$T/remove.out" 2> "$T/remove.err"
status=$?
if [ "$status" -eq 0 ] && [ ! -e "$T/store/$ID" ] && [ "$("$CLI" runs --json | wc -l)" -eq 0 ]
then
  ok "runs remove deletes the run"
else
  not_ok "runs remove deletes the run (status $status)" "$(cat "$T/remove.err")"
fi

echo "1..$n"
exit $failed

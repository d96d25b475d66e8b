#!/usr/bin/env bash
# screenshots.sh: screenshots of the real app under Xvfb, driven with xdotool, for the README
# SPDX-License-Identifier: GPL-3.0-or-later
# Usage: scripts/screenshots.sh [BUILD_DIR] [OUT_DIR]; needs MNIST fetched (digit-lab-cli fetch).
# TRAIN_SECONDS (default 35): how long the Train page trains before its picture; a busy machine
# needs longer for the charts to show a few epochs.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build}")
out=$(realpath -m "${2:-data/screenshots}")
mkdir -p "$out"

if [ "${3:-}" != "--inside" ]; then
  # the same script again, inside a virtual display and a session bus
  exec xvfb-run -a -s '-screen 0 1200x800x24 -nolisten tcp' dbus-run-session -- \
    bash "$0" "$build" "$out" --inside
fi

export GSETTINGS_SCHEMA_DIR="$build/data" GSETTINGS_BACKEND=memory GDK_BACKEND=x11
# the app's icon from data/icons, as scripts/run.sh finds it
export XDG_DATA_DIRS="$(realpath data):${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"

# First run: no dataset yet, the Dataset page offers to get one
empty=$(mktemp -d)
DIGIT_LAB_DATA_DIR="$empty" "$build/src/app/digit-lab" &
app=$!
wid=$(xdotool search --sync --onlyvisible --pid "$app" | head -1)
xdotool windowsize "$wid" 1200 800 windowmove "$wid" 0 0
sleep 2
import -window root -crop 1200x800+0+0 "$out/first-run.png"
kill "$app"
wait "$app" 2>/dev/null || true
rmdir "$empty"

"$build/src/app/digit-lab" &
app=$!
wid=$(xdotool search --sync --onlyvisible --pid "$app" | head -1)
xdotool windowsize "$wid" 1200 800 windowmove "$wid" 0 0
sleep 2

# Train: start a run from the keyboard and let a few epochs' worth of curves appear
import -window root -crop 1200x800+0+0 "$out/train-ready.png"
xdotool key --window "$wid" ctrl+Return
sleep "${TRAIN_SECONDS:-35}"
import -window root -crop 1200x800+0+0 "$out/train.png"
xdotool key --window "$wid" Escape
sleep 2

# Draw: a 7 with the mouse, as a person would
xdotool key --window "$wid" alt+d
sleep 1
xdotool mousemove --window "$wid" 130 260 mousedown 1
for i in $(seq 0 12); do xdotool mousemove --window "$wid" $((130 + i * 18)) 260; done
for i in $(seq 0 16); do xdotool mousemove --window "$wid" $((346 - i * 8)) $((260 + i * 22)); done
xdotool mouseup 1
sleep 1
import -window root -crop 1200x800+0+0 "$out/draw.png"
# Evaluate: the current model (the one just trained) on the test set
xdotool key --window "$wid" alt+e
sleep 1
import -window root -crop 1200x800+0+0 "$out/evaluate-empty.png"
# Evaluate (Alt+V), then the cell of 9s taken for 4s: the matrix keeps its place, at its natural size
xdotool key --window "$wid" alt+v
sleep 15
xdotool mousemove --window "$wid" 264 663 click 1
sleep 1
import -window root -crop 1200x800+0+0 "$out/evaluate.png"
# Explore: the integrity report and the charts
xdotool key --window "$wid" alt+x
sleep 2
import -window root -crop 1200x800+0+0 "$out/explore.png"

# Dataset: every image in a grid, one selected
xdotool key --window "$wid" alt+s
sleep 1
xdotool mousemove --window "$wid" 200 160 click 1
sleep 1
import -window root -crop 1200x800+0+0 "$out/dataset.png"
kill "$app"
echo "screenshots in $out"

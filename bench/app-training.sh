#!/bin/sh
# app-training.sh: the app's training speed beside digit-lab-cli's, same recipe, same data
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/app-training.sh [EPOCHS [BUILD_DIR]]          (2 epochs, build/)
#        BENCH_OVERLAY=3 bench/app-training.sh 10               (three finished runs overlaid)
#
# Trains the reference recipe with `digit-lab-cli train`, then starts the app headless (Xvfb, a
# private D-Bus session, settings in a keyfile of its own), starts the same recipe from the Train
# page with Ctrl+Enter and leaves the window alone until the run ends. Prints both speeds (images
# per second of training, evaluation excluded, as both report it), their ratio, the CPU time of
# the app's main thread per second of training (/proc/PID/task/PID/stat), and the longest gap
# between frames while it trained (the app's DIGIT_LAB_FRAME_STATS debug line), and the CPU time
# of the X server (Xvfb draws what the app sends it, on the same cores); when the gaps and frames
# of 40 ms or more came, beside the times the epochs were reported. Figures only:
# it never passes or fails on time. Measure on a quiet machine (see the load it prints).
#
# Environment: DIGIT_LAB_DATA, the MNIST folder (default ~/.cache/digit-lab/mnist);
# GSK_RENDERER (cairo unless set); BENCH_WIDTH × BENCH_HEIGHT, the window (1280 × 860);
# BENCH_OVERLAY=N first records N one-epoch runs with the CLI into the app's run store and
# starts the app with them selected on the Runs page, so that they are drawn behind the run;
# BENCH_NO_CLI=1 measures the app alone; BENCH_PERF=FILE records the main thread's call graph
# while it trains (perf record -g) into FILE; BENCH_PERF_X=FILE the X server's likewise; BENCH_FRAMES=0 leaves the frame clock alone (no gap
# measured, no frames forced: the main thread's CPU time of a window nobody moves the pointer on). The CLI runs at nice 10, the priority the app gives its
# training threads, so that other work on the machine slows both alike.
set -eu

epochs=${1:-2}
build=${2:-build}
data=${DIGIT_LAB_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/digit-lab/mnist}
here=$(cd "$(dirname "$0")" && pwd)

case $build in
  /*) ;;
  *) build=$(pwd)/$build ;;
esac
app=$build/src/app/digit-lab
cli=$build/src/cli/digit-lab-cli

# idle and total ticks of the whole machine (idle and I/O wait; all)
machine_ticks () {
  awk '$1 == "cpu" { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}
# the idle share between two machine_ticks, in percent
idle_percent () {
  echo "$1 $2" | awk '{ if ($4 > $2) printf "%.1f", 100 * ($3 - $1) / ($4 - $2) }'
}

# The part that runs inside Xvfb and the private session bus: prints "key value" lines.
if [ "${BENCH_INSIDE:-}" = 1 ]; then
  tmp=$BENCH_TMP
  log=$tmp/app.log
  export XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/share XDG_CACHE_HOME=$tmp/cache
  mkdir -p "$XDG_CONFIG_HOME/glib-2.0/settings" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
  cat > "$XDG_CONFIG_HOME/glib-2.0/settings/keyfile" <<EOF
[io/github/digitlab/DigitLab]
epochs=$epochs
last-dataset-folder='$data'
window-width=${BENCH_WIDTH:-1280}
window-height=${BENCH_HEIGHT:-860}
compared-runs=${BENCH_COMPARED:-@as []}
EOF
  GSETTINGS_BACKEND=keyfile GSETTINGS_SCHEMA_DIR=$build/data LC_ALL=C.UTF-8 LANGUAGE= \
    GDK_BACKEND=x11 GSK_RENDERER=${GSK_RENDERER:-cairo} G_MESSAGES_DEBUG=DigitLab \
    "$app" > "$log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT

  # waits up to $2 seconds for a line of the app's log matching $1
  wait_log () {
    n=0
    while ! grep -q "$1" "$log"; do
      if ! kill -0 $pid 2>/dev/null; then
        echo "error the app exited; its log:" >&2
        cat "$log" >&2
        exit 1
      fi
      n=$((n + 1))
      if [ $n -gt $(($2 * 10)) ]; then
        echo "error no '$1' in the app's log after $2 s" >&2
        cat "$log" >&2
        exit 1
      fi
      sleep 0.1
    done
  }
  # user + system ticks of the main thread, of the whole app, of the X server
  main_ticks () {
    # the name in field 2 may hold spaces: count fields after its closing parenthesis
    sed 's/.*) //' "/proc/$pid/task/$pid/stat" | awk '{ print $12 + $13 }'
  }
  app_ticks () {
    sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }'
  }
  # each of the app's threads: "tid ticks name" (the name may hold spaces)
  thread_ticks () {
    for t in /proc/$pid/task/*; do
      awk -v t="${t##*/}" '{ n = $0; sub (/^[^(]*\(/, "", n); sub (/\) .*/, "", n)
                            r = $0; sub (/.*\) /, "", r); split (r, f, " ")
                            gsub (/ /, "_", n); print t, f[12] + f[13], n }' "$t/stat" 2>/dev/null || true
    done
  }
  xpid=$(pgrep -n -f "Xvfb $DISPLAY " || true)
  x_ticks () {
    if [ -n "$xpid" ]; then sed 's/.*) //' "/proc/$xpid/stat" | awk '{ print $12 + $13 }'
    else echo 0; fi
  }

  wid=$(timeout 60 xdotool search --sync --onlyvisible --pid $pid | head -n 1)
  # the Explore page's report of the dataset runs on a worker at start: let it end first
  wait_log "dataset report shown" 120
  sleep 1
  xdotool windowfocus --sync "$wid"
  # the Train page (Alt+3, the third in the switcher) shown first, as for a person who starts
  # the run there: its first layout and drawing are a page switch's, not the training's
  xdotool key --clearmodifiers alt+3
  sleep 1
  n=0
  # Ctrl+Enter starts training on the Train page
  while ! grep -q "training started" "$log"; do
    xdotool key --clearmodifiers ctrl+Return
    n=$((n + 1))
    [ $n -lt 50 ] || { echo "error training did not start" >&2; cat "$log" >&2; exit 1; }
    sleep 0.2
  done
  t0=$(date +%s.%N)
  c0=$(main_ticks)
  a0=$(app_ticks)
  x0=$(x_ticks)
  thread_ticks > "$tmp/threads0"
  m0=$(machine_ticks)
  if [ -n "${BENCH_PERF:-}" ]; then
    # the main thread's call graph while it trains, for `perf report -i`
    perf record -q --call-graph dwarf,16384 -F 250 -t $pid -o "$BENCH_PERF" > "$tmp/perf.log" 2>&1 &
    perf_pid=$!
  fi
  if [ -n "${BENCH_PERF_X:-}" ] && [ -n "$xpid" ]; then
    # the X server's, which draws what the app sends it on the same cores
    perf record -q --call-graph dwarf,16384 -F 250 -p $xpid -o "$BENCH_PERF_X" > "$tmp/perf-x.log" 2>&1 &
    perf_x_pid=$!
  fi
  # a guard against a hang, not a time limit: a busy machine trains far slower
  wait_log "training finished" $((epochs * 900 + 120))
  t1=$(date +%s.%N)
  c1=$(main_ticks)
  a1=$(app_ticks)
  x1=$(x_ticks)
  thread_ticks > "$tmp/threads1"
  m1=$(machine_ticks)
  if [ -n "${BENCH_PERF:-}" ]; then
    kill -INT $perf_pid 2>/dev/null || true
    wait $perf_pid 2>/dev/null || true
  fi
  if [ -n "${BENCH_PERF_X:-}" ] && [ -n "$xpid" ]; then
    kill -INT $perf_x_pid 2>/dev/null || true
    wait $perf_x_pid 2>/dev/null || true
  fi
  [ "${DIGIT_LAB_FRAME_STATS:-}" = "" ] || wait_log "frames while training" 10
  echo "main_cpu $(awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" \
                     'BEGIN { printf "%.3f", c / hz / (t1 - t0) }')"
  echo "app_cpu $(awk -v c="$((a1 - a0))" -v hz="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" \
                    'BEGIN { printf "%.3f", c / hz / (t1 - t0) }')"
  [ -z "$xpid" ] || echo "x_cpu $(awk -v c="$((x1 - x0))" -v hz="$(getconf CLK_TCK)" -v t0="$t0" \
                                  -v t1="$t1" 'BEGIN { printf "%.3f", c / hz / (t1 - t0) }')"
  # the machine's idle share of its CPU time while the app trained, and each thread's CPU
  echo "idle $(idle_percent "$m0" "$m1")"
  awk -v hz="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" '
    FNR == NR { before[$1] = $2; next }
    { s[$3] += $2 - before[$1]; k[$3]++ }
    END { for (n in s) printf "thread %s %d %.3f\n", n, k[n], s[n] / hz / (t1 - t0) }' \
    "$tmp/threads0" "$tmp/threads1"
  echo "wall $(awk -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f", t1 - t0 }')"
  sed -n 's/.*epoch [0-9]*: \([0-9.]*\) s of training, \([0-9.]*\) images\/s.*/epoch \1 \2/p' \
    "$log"
  sed -n 's/.*frames while training: \([0-9]*\), longest gap \([0-9.]*\) ms, longest frame \([0-9.]*\) ms, most CPU between frames \([0-9.]*\) ms, in a frame \([0-9.]*\) ms.*/frames \1 \2 \3 \4 \5/p' \
    "$log"
  # when the long gaps and frames came, and when the epochs ended (their evaluation done), in
  # seconds from the start, from the time stamps of the debug log
  awk '/DigitLab-DEBUG: [0-9:.]*: / {
         split ($0, a, "DigitLab-DEBUG: "); split (substr (a[2], 1, 12), t, ":")
         s = t[1] * 3600 + t[2] * 60 + t[3]
         if (a[2] ~ /training started/) t0 = s
         if (t0 == "") next
         if (a[2] ~ /long frame gap: /) { sub (/.*gap: /, "", a[2]); split (a[2], v, " ms, ")
                                          printf "gap %.2f %s %s\n", s - t0, v[1] + 0, v[2] + 0 }
         else if (a[2] ~ /long frame: /) { sub (/.*frame: /, "", a[2]); split (a[2], v, " paint, ")
                                           printf "long %.2f %s %s\n", s - t0, a[2] + 0, v[2] + 0 }
         else if (a[2] ~ /: epoch [0-9]*: /) printf "epoch_end %.2f\n", s - t0
       }' "$log"
  exit 0
fi

for f in "$app" "$cli" "$build/data/gschemas.compiled"; do
  [ -e "$f" ] || { echo "$f is missing: build first (meson compile -C $build)" >&2; exit 1; }
done
for tool in xvfb-run dbus-run-session xdotool; do
  command -v $tool > /dev/null || { echo "$tool is needed" >&2; exit 1; }
done
[ -d "$data" ] || { echo "no MNIST in $data (digit-lab-cli fetch)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Σ images / Σ seconds over the epochs, from "epoch SECONDS IMAGES_PER_SECOND" lines
speed () {
  awk '$1 == "epoch" { n += $2 * $3; s += $2 } END { if (s > 0) printf "%.0f", n / s; else print "0" }'
}

echo "load before: $(cut -d ' ' -f 1-3 /proc/loadavg)   $epochs epochs, $(nproc) cores"
if [ "${BENCH_NO_CLI:-}" != 1 ]; then
  # at the app's training threads' priority, so that other load slows both alike
  # its run record goes to a folder of its own, not the user's run store
  c_idle0=$(machine_ticks)
  XDG_DATA_HOME=$tmp/cli-share nice -n 10 "$cli" train --epochs "$epochs" --data "$data" --output "$tmp/cli-model" --json \
    > "$tmp/cli.json"
  sed -n 's/.*"event":"epoch".*"seconds":\([0-9.]*\),"samples_per_second":\([0-9.]*\).*/epoch \1 \2/p' \
    "$tmp/cli.json" > "$tmp/cli.txt"
  cli_speed=$(speed < "$tmp/cli.txt")
  c_idle1=$(machine_ticks)
  cli_idle=$(idle_percent "$c_idle0" "$c_idle1")
else
  cli_speed=0
  cli_idle=
fi

compared="@as []"
if [ "${BENCH_OVERLAY:-0}" -gt 0 ]; then
  # finished runs in the app's own store, selected on its Runs page when it starts
  for k in $(seq 1 "$BENCH_OVERLAY"); do
    XDG_DATA_HOME=$tmp/share "$cli" train --epochs 1 --seed "$k" --data "$data" \
      --output "$tmp/overlay-model-$k" > /dev/null
  done
  compared=$(XDG_DATA_HOME=$tmp/share "$cli" runs --json |
             sed -n 's/^{"id":"\([0-9a-f-]*\)".*/'"'"'\1'"'"'/p' | paste -sd, | sed 's/.*/[&]/')
  echo "overlaid: $compared"
fi
export BENCH_COMPARED="$compared"

if [ "${BENCH_FRAMES:-1}" != 0 ]; then
  export DIGIT_LAB_FRAME_STATS=1
fi
if ! BENCH_INSIDE=1 BENCH_TMP=$tmp xvfb-run -a -s '-screen 0 1600x1200x24 -nolisten tcp' \
       dbus-run-session -- "$here/app-training.sh" "$epochs" "$build" > "$tmp/app.txt" \
       2> "$tmp/session.log"; then
  cat "$tmp/session.log" >&2
  exit 1
fi
app_speed=$(speed < "$tmp/app.txt")

echo "per epoch, images/s:"
printf "  cli: %s\n" "$(awk '$1 == "epoch" { printf "%.0f ", $3 }' "$tmp/cli.txt" 2>/dev/null)"
printf "  app: %s\n" "$(awk '$1 == "epoch" { printf "%.0f ", $3 }' "$tmp/app.txt")"
echo "digit-lab-cli train   $cli_speed images/s${cli_idle:+   (machine idle $cli_idle% of its CPU time, loading and evaluation included)}"
echo "digit-lab (Train)     $app_speed images/s"
awk -v a="$app_speed" -v c="$cli_speed" 'BEGIN { if (c > 0) printf "ratio app/cli         %.1f%%\n", 100 * a / c }'
# the same CPU time per 1,000 images trained: the work itself, which load on the machine does not
# stretch the way it stretches seconds
awk '$1 == "epoch" { n += $2 * $3 } $1 == "main_cpu" { m = $2 } $1 == "x_cpu" { x = $2 }
     $1 == "wall" { w = $2 }
     END { if (n > 0) printf "per 1,000 images      main thread %.1f ms, X server %.1f ms of CPU\n", 1e6 * m * w / n, 1e6 * x * w / n }' \
  "$tmp/app.txt"
awk '$1 == "main_cpu" { printf "main thread CPU       %.3f s per s of training\n", $2 }
     $1 == "app_cpu" { printf "app CPU, all threads  %.3f s per s of training\n", $2 }
     $1 == "x_cpu" { printf "X server CPU          %.3f s per s of training\n", $2 }
     $1 == "wall" { printf "app run, wall clock   %s s\n", $2 }
     $1 == "idle" && $2 != "" { printf "machine idle          %s%% of its CPU time while the app trained\n", $2 }
     $1 == "thread" { printf "  thread %-16s x%d  %.3f s per s\n", $2, $3, $4 }
     $1 == "frames" { printf "frames                %d, longest gap %s ms, longest frame %s ms\n", $2, $3, $4
                      printf "main thread CPU, most %s ms between two frames, %s ms in one\n", $5, $6 }' \
  "$tmp/app.txt"
awk '$1 == "epoch_end" { e = e sprintf (" %.1f", $2) }
     $1 == "gap" { if (ng++ < 20) g = g sprintf (" %.1f (%.0f ms, CPU %.0f)", $2, $3, $4) }
     $1 == "long" { if (nl++ < 20) l = l sprintf (" %.1f (%.0f ms, CPU %.0f)", $2, $3, $4) }
     END { if (e != "") printf "epochs reported at, s %s\n", e
           if (ng > 20) g = g " …"
           if (nl > 20) l = l " …"
           if (ng > 0) printf "gaps of 40+ ms: %d, at s%s\n", ng, g
           if (nl > 0) printf "frames of 40+ ms: %d, at s%s\n", nl, l }' "$tmp/app.txt"
echo "load after: $(cut -d ' ' -f 1-3 /proc/loadavg)"

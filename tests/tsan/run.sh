#!/usr/bin/env bash
# run.sh: the engine's threaded tests (network, trainer) under ThreadSanitizer
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/tsan/run.sh [BUILD_DIR]   (default build-tsan; CC defaults to clang)
# Builds the engine's sources (as listed in src/engine/meson.build) and each test with
# -fsanitize=thread, gthread-shim.c linked ahead of GLib so that TSan sees GMutex and GCond.
# With clang the engine has no target_clones (nn-conv2d.c and nn-optimizer.c leave them to
# GCC), whose ifunc resolvers would run before TSan starts. A canary (canary.c) checks first that
# a real race is reported and a GMutex/GCond handover is not. Exits 1 on any report.
set -uo pipefail
cd "$(dirname "$0")/../.."

out=${1:-build-tsan}
cc=${CC:-clang}
tests=${TSAN_TESTS:-network trainer}
command -v "$cc" >/dev/null || { echo "tsan: $cc is not installed" >&2; exit 1; }
mkdir -p "$out/engine"

version=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" meson.build | head -n 1)
app_id=$(sed -n "s/^app_id = '\([^']*\)'.*/\1/p" meson.build | head -n 1)
printf '#pragma once\n#define APP_ID "%s"\n#define GETTEXT_PACKAGE "digit-lab"\n#define LOCALEDIR "/usr/local/share/locale"\n#define PACKAGE_VERSION "%s"\n' \
  "$app_id" "$version" > "$out/config.h.new"
cmp -s "$out/config.h.new" "$out/config.h" || mv "$out/config.h.new" "$out/config.h"
rm -f "$out/config.h.new"

# every folder of the engine is on the include path
engine_inc=()
for d in src/engine/*/; do engine_inc+=(-I"${d%/}"); done
flags=(-g -O1 -fno-omit-frame-pointer -fsanitize=thread -std=c11 -D_GNU_SOURCE
       -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74
       -Wno-unused-parameter -Wno-missing-field-initializers -Werror=implicit-function-declaration
       -I"$out" "${engine_inc[@]}" -Itests $(pkg-config --cflags glib-2.0 zlib libpng))
libs=($(pkg-config --libs glib-2.0 zlib libpng) -lm -lpthread)

mapfile -t sources < <(grep -o "'[a-z]*/nn-[a-z0-9-]*\.c'" src/engine/meson.build | tr -d "'" | sort -u)
newest_header=$(ls -t src/engine/*/*.h "$out/config.h" | head -n 1)
objects=()
pids=()
fail=0
for s in "${sources[@]}"; do
  o="$out/engine/$(basename "${s%.c}").o"
  objects+=("$o")
  if [ ! -f "$o" ] || [ "src/engine/$s" -nt "$o" ] || [ "$newest_header" -nt "$o" ]; then
    "$cc" "${flags[@]}" -DG_LOG_DOMAIN=\"DigitLabEngine\" -c "src/engine/$s" -o "$o" &
    pids+=($!)
    if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}" || fail=1; pids=("${pids[@]:1}"); fi
  fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
# export's train.py, which meson embeds as a C string (a custom_target), the same way
if grep -q "'nn_export_train_script'" src/engine/meson.build; then
  python3 scripts/embed-text.py src/engine/core/nn-export-train.py "$out/nn-export-train-script.c" \
    nn_export_train_script || fail=1
  "$cc" "${flags[@]}" -c "$out/nn-export-train-script.c" -o "$out/engine/nn-export-train-script.o" \
    || fail=1
  objects+=("$out/engine/nn-export-train-script.o")
fi
[ $fail -eq 0 ] || { echo "tsan: the engine did not compile" >&2; exit 1; }
"$cc" "${flags[@]}" -c tests/tsan/gthread-shim.c -o "$out/gthread-shim.o" || exit 1

export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:exitcode=66${TSAN_EXTRA_OPTIONS:+:$TSAN_EXTRA_OPTIONS}"
export G_DEBUG=fatal-warnings G_TEST_SRCDIR="$PWD/tests" G_TEST_BUILDDIR="$PWD/$out" LC_ALL=C.UTF-8
unset DIGIT_LAB_MNIST_DIR DIGIT_LAB_REQUIRE_MNIST
status=0

# First the canary: a real race must be reported, and a handover under GMutex/GCond must not
# (without the shim it would be).
"$cc" "${flags[@]}" "$out/gthread-shim.o" tests/tsan/canary.c "${libs[@]}" -o "$out/canary" || exit 1
"$out/canary" race >"$out/canary-race.log" 2>&1
rc_race=$?
"$out/canary" locked >"$out/canary-locked.log" 2>&1
rc_locked=$?
if [ $rc_race -ne 66 ] || [ $rc_locked -ne 0 ]; then
  echo "tsan: the canary failed (race: exit $rc_race, expected 66; locked: exit $rc_locked," \
    "expected 0): this build would not see races, or would see false ones" >&2
  cat "$out/canary-locked.log" >&2
  status=1
fi

for t in $tests; do
  exe="$out/test-$t"
  # the shim's object first, so that its GMutex and GCond win over GLib's
  "$cc" "${flags[@]}" "$out/gthread-shim.o" "tests/test-$t.c" "${objects[@]}" "${libs[@]}" \
    -o "$exe" || { status=1; continue; }
  if ! nm "$exe" | grep ' T g_cond_wait$' >/dev/null; then
    echo "tsan: $exe does not carry the GMutex/GCond shim" >&2
    status=1
    continue
  fi
  start=$(date +%s)
  "$exe" --tap >"$out/test-$t.log" 2>&1
  rc=$?
  echo "tsan: test-$t exited $rc in $(( $(date +%s) - start )) s" >&2
  if [ $rc -ne 0 ]; then
    status=1
    grep -v '^ok \|^# ' "$out/test-$t.log" | tail -n 80 >&2
  fi
done
exit $status

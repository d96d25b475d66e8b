#!/usr/bin/env bash
# build.sh: the libFuzzer harnesses, each with the engine's sources compiled in, under ASan+UBSan
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/fuzz/build.sh [BUILD_DIR]   (default build-fuzz; CC defaults to clang)
# The engine is compiled once into objects (-fsanitize=fuzzer-no-link), then each
# tests/fuzz/fuzz-<target>.c is linked against them as BUILD_DIR/fuzz-<target>.
# The engine's source list is read from src/engine/meson.build, so a new engine file is picked
# up as soon as it is listed there; config.h is written here the way meson writes it.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=${1:-build-fuzz}
cc=${CC:-clang}
jobs=${FUZZ_BUILD_JOBS:-2}
case "$cc" in *clang*) ;; *) echo "build.sh: libFuzzer needs clang (CC=$cc)" >&2; exit 1 ;; esac
command -v "$cc" >/dev/null || { echo "build.sh: $cc is not installed" >&2; exit 1; }

mkdir -p "$out/engine"
version=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" meson.build | head -n 1)
app_id=$(sed -n "s/^app_id = '\([^']*\)'.*/\1/p" meson.build | head -n 1)
cat > "$out/config.h.new" <<CONFIG
/* config.h for the fuzzing build, as meson writes it */
#pragma once
#define APP_ID "${app_id}"
#define GETTEXT_PACKAGE "digit-lab"
#define LOCALEDIR "/usr/local/share/locale"
#define PACKAGE_VERSION "${version}"
CONFIG
cmp -s "$out/config.h.new" "$out/config.h" || mv "$out/config.h.new" "$out/config.h"
rm -f "$out/config.h.new"

# every folder of the engine is on the include path
engine_inc=()
for d in src/engine/*/; do engine_inc+=(-I"${d%/}"); done
sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
common=(-g -O1 -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE
        -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74
        -DG_LOG_DOMAIN=\"DigitLabEngine\" -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
        -Wall -Wno-unused-parameter -Wno-missing-field-initializers -Werror=implicit-function-declaration
        -I"$out" "${engine_inc[@]}" $(pkg-config --cflags glib-2.0 zlib libpng))
libs=($(pkg-config --libs glib-2.0 zlib libpng) -lm -lpthread)

# The engine's sources, as listed in its meson.build
mapfile -t sources < <(grep -o "'[a-z]*/nn-[a-z0-9-]*\.c'" src/engine/meson.build | tr -d "'" | sort -u)
[ ${#sources[@]} -gt 0 ] || { echo "build.sh: no engine sources found" >&2; exit 1; }

# A small make: each object is rebuilt when its source or any engine header is newer.
newest_header=$(ls -t src/engine/*/*.h "$out/config.h" | head -n 1)
objects=()
pids=()
fail=0
for s in "${sources[@]}"; do
  o="$out/engine/$(basename "${s%.c}").o"
  objects+=("$o")
  if [ ! -f "$o" ] || [ "src/engine/$s" -nt "$o" ] || [ "$newest_header" -nt "$o" ]; then
    "$cc" "${common[@]}" "${sanitize[@]}" -fsanitize=fuzzer-no-link -c "src/engine/$s" -o "$o" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$jobs" ]; then
      wait "${pids[0]}" || fail=1
      pids=("${pids[@]:1}")
    fi
  fi
done
for p in "${pids[@]}"; do wait "$p" || fail=1; done
# export's train.py, which meson embeds as a C string (a custom_target), the same way
if grep -q "'nn_export_train_script'" src/engine/meson.build; then
  o="$out/engine/nn-export-train-script.o"
  objects+=("$o")
  if [ ! -f "$o" ] || [ src/engine/core/nn-export-train.py -nt "$o" ]; then
    python3 scripts/embed-text.py src/engine/core/nn-export-train.py \
      "$out/nn-export-train-script.c" nn_export_train_script &&
    "$cc" "${common[@]}" "${sanitize[@]}" -fsanitize=fuzzer-no-link \
      -c "$out/nn-export-train-script.c" -o "$o" || fail=1
  fi
fi
[ $fail -eq 0 ] || { echo "build.sh: the engine did not compile" >&2; exit 1; }
# objects of engine files no longer listed must not be linked
for o in "$out"/engine/*.o; do
  case " ${objects[*]} " in *" $o "*) ;; *) rm -f "$o" ;; esac
done

targets=()
for h in tests/fuzz/fuzz-*.c; do
  t=$(basename "$h" .c)
  targets+=("$t")
  if [ ! -x "$out/$t" ] || [ "$h" -nt "$out/$t" ] || [ tests/fuzz/fuzz-common.h -nt "$out/$t" ] ||
     [ -n "$(find "$out/engine" -name '*.o' -newer "$out/$t" -print -quit)" ]; then
    "$cc" "${common[@]}" "${sanitize[@]}" -fsanitize=fuzzer "$h" "${objects[@]}" "${libs[@]}" \
      -o "$out/$t" || fail=1
  fi
done
[ $fail -eq 0 ] || { echo "build.sh: a harness did not build" >&2; exit 1; }
echo "build.sh: built ${targets[*]} in $out" >&2

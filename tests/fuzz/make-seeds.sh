#!/usr/bin/env bash
# make-seeds.sh: (re)writes the generated seeds in tests/fuzz/corpus/<target>/ with make-seeds.c
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: tests/fuzz/make-seeds.sh [BUILD_DIR]   (default build-fuzz, as tests/fuzz/build.sh)
# Builds the fuzzing objects if needed and links make-seeds.c against them (under ASan, so a
# writer's bug shows here too). Inputs that fuzzing found and minimised sit beside the seeds
# under names of their own; this script only overwrites the files it writes.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=${1:-build-fuzz}
cc=${CC:-clang}
bash tests/fuzz/build.sh "$out"
"$cc" -g -O1 -std=c11 -D_GNU_SOURCE -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 \
  -DGLIB_VERSION_MAX_ALLOWED=GLIB_VERSION_2_74 -fsanitize=address,undefined,fuzzer-no-link \
  -I"$out" $(for d in src/engine/*/; do printf -- "-I%s " "${d%/}"; done) $(pkg-config --cflags glib-2.0) \
  tests/fuzz/make-seeds.c "$out"/engine/*.o $(pkg-config --libs glib-2.0 zlib libpng) -lm -lpthread \
  -o "$out/make-seeds"
ASAN_OPTIONS=detect_leaks=1 "$out/make-seeds" "$PWD" tests/fuzz/corpus
echo "make-seeds.sh: $(find tests/fuzz/corpus -type f | wc -l) files," \
  "$(du -sk tests/fuzz/corpus | cut -f1) KiB in tests/fuzz/corpus" >&2

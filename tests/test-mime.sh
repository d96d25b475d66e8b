#!/usr/bin/env bash
# test-mime.sh: the shared-mime-info package for .safetensors compiles and maps the glob, and the desktop file claims the type
# SPDX-License-Identifier: GPL-3.0-or-later
# Usage: test-mime.sh MIME_XML DESKTOP_FILE
set -euo pipefail
xml=$1
desktop=$2
type=application/x-safetensors

for tool in xmllint update-mime-database; do
  if ! command -v "$tool" >/dev/null; then
    # CI must not skip silently
    if [ -n "${CI:-}" ]; then echo "$tool is missing" >&2; exit 1; fi
    echo "$tool is missing: skipped" >&2
    exit 77
  fi
done

xmllint --noout "$xml"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/mime/packages"
cp "$xml" "$tmp/mime/packages/"
# anything update-mime-database says (an unknown element, a bad glob) is a failure
XDG_DATA_HOME="$tmp" XDG_DATA_DIRS="$tmp" update-mime-database "$tmp/mime" > "$tmp/log" 2>&1
if [ -s "$tmp/log" ]; then cat "$tmp/log" >&2; exit 1; fi

grep -qx "$type" "$tmp/mime/types" || { echo "$type is not in the compiled types" >&2; exit 1; }
grep -q ":$type:\*\.safetensors$" "$tmp/mime/globs2" ||
  { echo "*.safetensors does not map to $type in globs2" >&2; cat "$tmp/mime/globs2" >&2; exit 1; }
grep -q "^MimeType=\(.*;\)\?$type;" "$desktop" ||
  { echo "$desktop does not list $type in MimeType" >&2; exit 1; }
echo "$type: $(grep ":$type:" "$tmp/mime/globs2")" >&2

#!/usr/bin/env bash
# deps.sh: install what building, running and testing Digit Lab needs on Debian 12 (idempotent)
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

packages=(
  build-essential pkg-config meson ninja-build gettext libxml2-utils
  libglib2.0-dev libgtk-4-dev libadwaita-1-dev libepoxy-dev libpng-dev zlib1g-dev libsoup-3.0-dev
  xvfb xauth dbus at-spi2-core libgl1-mesa-dri fonts-dejavu-core fonts-cantarell
  xdotool imagemagick desktop-file-utils appstream libglib2.0-bin python3-dogtail
  ca-certificates curl npm python3 shared-mime-info
  flatpak flatpak-builder elfutils debootstrap
  clang libclang-rt-14-dev   # libFuzzer and ThreadSanitizer checks (tests/fuzz, tests/tsan)
  python3-yaml               # the model card's front matter, parsed strictly (test-export)
  python3-torch              # export's train.py under torchrun (test-train-script): 38 MB
)
# optional: the second dataset
optional=(dataset-fashion-mnist)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come from elsewhere (nvm, NodeSource): do not fight it
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
  for p in "${optional[@]}"; do
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$p" \
      >&2 || echo "optional package $p is not available; continuing" >&2
  done
fi

# Real locales with decimal commas, for the test that machine-readable output ignores the locale
# (LANGUAGE=sv changes only messages). Generated once; later runs find them and do nothing.
wanted_locales=(sv_SE.UTF-8 de_DE.UTF-8)
missing_locales=()
for l in "${wanted_locales[@]}"; do
  locale -a 2>/dev/null | grep -qix "${l/UTF-8/utf8}" || missing_locales+=("$l")
done
if [ ${#missing_locales[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! dpkg-query -W -f='${Status}' locales 2>/dev/null | grep -q "install ok installed"; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends locales >&2
  fi
  for l in "${missing_locales[@]}"; do
    $sudo sed -i "s/^# *\(${l//./\\.} UTF-8\)$/\1/" /etc/locale.gen
    grep -q "^${l//./\\.} UTF-8$" /etc/locale.gen || echo "$l UTF-8" | $sudo tee -a /etc/locale.gen >/dev/null
  done
  $sudo locale-gen >&2
fi

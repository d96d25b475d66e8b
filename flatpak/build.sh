#!/usr/bin/env bash
# build.sh: build the Flatpak from this checkout, install it for the user, start it and check a
# screenshot. Uses an installed GNOME 47 SDK when there is one, else Flathub's when it can reach
# it, else a stand-in runtime made from the distribution's packages (see the SDK script named by
# $STANDIN_SDK_SCRIPT).
# Usage: flatpak/build.sh [SCREENSHOT.png]
# Exit status: 0 built, started and seen; 77 no GNOME 47 SDK could be had; anything else a failure.
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
shot=$(realpath -m "${1:-flatpak-screenshot.png}")
cd "$(dirname "$0")/.."
work=${FLATPAK_WORK_DIR:-$HOME/.cache/digit-lab-flatpak}
app_id=io.github.digitlab.DigitLab
manifest=flatpak/$app_id.yml
mkdir -p "$work" "$(dirname "$shot")"

for tool in flatpak flatpak-builder xvfb-run dbus-run-session xdotool import identify; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done

have_sdk () {
  flatpak info org.gnome.Sdk//47 >/dev/null 2>&1 && flatpak info org.gnome.Platform//47 >/dev/null 2>&1
}

# Flathub, with short time limits on everything that only probes, so that offline it fails fast
from_flathub () {
  timeout 60 flatpak remote-add --user --if-not-exists flathub \
    https://dl.flathub.org/repo/flathub.flatpakrepo 2>/dev/null &&
  timeout 60 flatpak remote-info --user flathub org.gnome.Sdk//47 >/dev/null 2>&1 &&
  flatpak install --user -y --noninteractive flathub org.gnome.Sdk//47 org.gnome.Platform//47
}

if have_sdk; then
  echo "Using the installed GNOME 47 SDK" >&2
elif from_flathub; then
  echo "Installed the GNOME 47 SDK from Flathub" >&2
elif [ -n "${STANDIN_SDK_SCRIPT:-}" ] && [ -f "$STANDIN_SDK_SCRIPT" ]; then
  echo "Flathub is unreachable: installing the stand-in GNOME 47 SDK" >&2
  bash "$STANDIN_SDK_SCRIPT" >&2
  have_sdk || { echo "The stand-in SDK script did not install org.gnome.Sdk//47" >&2; exit 1; }
else
  echo "No GNOME 47 SDK: none is installed, Flathub is unreachable and no stand-in SDK script" \
       "was given (STANDIN_SDK_SCRIPT)" >&2
  exit 77
fi

flatpak-builder --user --force-clean --disable-rofiles-fuse --install \
  --state-dir="$work/state" --repo="$work/repo" "$work/build" "$manifest"

# Start the installed app under a virtual display, wait for its window, take a screenshot.
rm -f "$shot"
log="$work/app.log"
found="$work/windows"
rm -f "$found"
xvfb-run -a -s '-screen 0 1200x800x24 -nolisten tcp' dbus-run-session -- bash -c '
  flatpak run --user "$1" > "$3" 2>&1 &
  app=$!
  status=0
  if timeout 60 xdotool search --sync --onlyvisible --name "Digit Lab" > "$4"; then
    sleep 3
    import -window root "$2" || status=1
  else
    echo "The Flatpak app showed no window within 60 s" >&2
    status=1
  fi
  flatpak kill "$1" 2>/dev/null || kill "$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  exit $status
' bash "$app_id" "$shot" "$log" "$found" || { echo "--- the app said:" >&2; cat "$log" >&2; exit 1; }

# A window was found; the picture must show more than a blank screen.
windows=$(wc -l < "$found")
colours=$(identify -format '%k' "$shot")
echo "Screenshot $shot: $windows window(s), $colours colours" >&2
if [ "$colours" -lt 50 ]; then
  echo "The screenshot is nearly uniform: the window did not draw" >&2
  cat "$log" >&2
  exit 1
fi
echo "Flatpak built, installed and started; screenshot in $shot" >&2

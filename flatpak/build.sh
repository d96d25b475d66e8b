#!/usr/bin/env bash
# build.sh: build the Flatpak from this checkout, install it for the user, start it and take a
# screenshot. Uses the GNOME 47 runtime from Flathub when it can reach it; offline, a stand-in
# runtime made from the distribution's packages (see the SDK script named by $STANDIN_SDK_SCRIPT).
# Usage: flatpak/build.sh [SCREENSHOT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
shot=$(realpath -m "${1:-flatpak-screenshot.png}")
work=${FLATPAK_WORK_DIR:-$HOME/.cache/digit-lab-flatpak}
app_id=io.github.digitlab.DigitLab
mkdir -p "$work"

if ! flatpak info --user org.gnome.Sdk//47 >/dev/null 2>&1; then
  if flatpak remote-add --user --if-not-exists flathub \
       https://dl.flathub.org/repo/flathub.flatpakrepo 2>/dev/null &&
     flatpak install --user -y --noninteractive flathub org.gnome.Sdk//47 org.gnome.Platform//47; then
    :
  elif [ -n "${STANDIN_SDK_SCRIPT:-}" ] && [ -f "$STANDIN_SDK_SCRIPT" ]; then
    bash "$STANDIN_SDK_SCRIPT"
  else
    echo "No GNOME 47 SDK: Flathub is unreachable and no stand-in SDK script was given" >&2
    exit 1
  fi
fi

flatpak-builder --user --force-clean --disable-rofiles-fuse --install \
  --state-dir="$work/state" --repo="$work/repo" "$work/build" \
  flatpak/$app_id.json

# start the installed app under a virtual display long enough for a screenshot
xvfb-run -a -s '-screen 0 1200x800x24 -nolisten tcp' dbus-run-session -- bash -c "
  flatpak run --user $app_id &
  app=\$!
  xdotool search --sync --onlyvisible --name 'Digit Lab' > /dev/null
  sleep 3
  import -window root '$shot'
  kill \$app
"
echo "Flatpak built, installed and started; screenshot in $shot"

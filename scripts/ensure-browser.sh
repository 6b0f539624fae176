#!/usr/bin/env bash
# The browser tests drive a Chromium or Chrome already on this machine
# (scripts/find_browser.py: Debian's chromium, CHROMIUM_PATH, the usual
# places), never a downloaded browser build. CI (Debian) installs Debian's
# chromium, with Korean fonts so the screenshots show Hangul, not boxes; so
# does any machine with apt when no browser is found.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
found="$(python3 "$here/find_browser.py" || true)"
missing=()
if [ -z "$found" ] || { [ -n "${CI:-}" ] && [ "$found" != /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; }; then
  missing+=(chromium)
fi
if command -v dpkg >/dev/null 2>&1 && ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  missing+=(fonts-noto-cjk)
fi
if [ ${#missing[@]} -eq 0 ]; then
  [ "$found" = /usr/bin/chromium ] || echo "Browser tests use $found"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  if [ -n "$found" ]; then
    echo "Browser tests use $found (a Korean font such as Noto Sans CJK keeps screenshots legible)."
    exit 0
  fi
  cat >&2 <<'MSG'
No Chromium or Chrome found for the browser tests, and apt-get is not here to install one.
Install one of these, then run make test again:
  macOS:          brew install --cask chromium   (or install Google Chrome)
  Fedora/RHEL:    sudo dnf install chromium
  Arch:           sudo pacman -S chromium
  openSUSE:       sudo zypper install chromium
Or point at one you have: CHROMIUM_PATH=/path/to/chrome make test
MSG
  exit 1
fi
if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
echo "Installing Debian packages for the browser tests: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null

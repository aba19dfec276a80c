#!/usr/bin/env bash
# Installs Debian's Chromium and the fonts the browser tests (npm run test:browser) draw cards with.
# The tests drive this system build through playwright-core, which never downloads a browser of its
# own. Needs root, as on CI and the project's machines; does nothing when everything is there.
set -euo pipefail
# fonts-liberation gives the sans-serif stack metric-compatible Arial/Helvetica faces;
# fonts-noto-core Noto Sans (named in the card's stack) and Noto Sans Arabic; fonts-noto-cjk the
# Chinese, Japanese and Korean faces; fonts-noto-color-emoji the emoji. Together they are what a
# Linux desktop reading a README has, so names in any of these scripts draw as letters, not boxes
# (test/browser/card-scripts.test.ts checks it).
PACKAGES=(chromium fonts-liberation fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji)

# dpkg -s also succeeds for a package removed with its configuration kept, so ask for the state.
installed() {
  local package
  for package in "$@"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" = installed ] || return 1
  done
}

# A face for each script the tests draw, as fontconfig (which Chromium asks) sees it.
check_fonts() {
  local lang
  for lang in ja zh-cn ko ar; do
    [ -n "$(fc-list ":lang=$lang" family)" ] || { echo "no font for $lang after the install" >&2; return 1; }
  done
  [ -n "$(fc-list 'Noto Color Emoji' family)" ] || { echo "no colour emoji font after the install" >&2; return 1; }
}

if [ -x /usr/bin/chromium ] && installed "${PACKAGES[@]}"; then
  echo "chromium and its fonts are already installed"
  check_fonts
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${PACKAGES[@]}"
test -x /usr/bin/chromium
check_fonts

#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (npm run test:browser). The tests drive this
# system build through playwright-core, which never downloads a browser of its own. Needs root, as
# on CI and the project's machines; skips the install when Chromium is already there.
set -euo pipefail
PACKAGES=(chromium fonts-liberation fonts-noto-color-emoji)
if [ -x /usr/bin/chromium ] && dpkg -s "${PACKAGES[@]}" >/dev/null 2>&1; then
  echo "chromium and its fonts are already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# fonts-liberation gives the sans-serif stack metric-compatible Arial/Helvetica faces, and
# fonts-noto-color-emoji the emoji a custom status may carry; both are what a desktop has.
apt-get install -y --no-install-recommends "${PACKAGES[@]}"
test -x /usr/bin/chromium

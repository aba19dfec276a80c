#!/usr/bin/env bash
# Installs what scripts/build-runner-image.sh and the runner image's test need, all from Debian:
# mmdebstrap (the base image, from Debian's packages, since no image registry is reachable) and
# podman (to build and run the image without a Docker engine). runc: this machine's cgroups are
# hybrid (v1 and v2 both mounted), which podman's default runtime, crun, refuses to run under.
# Needs root, as on CI and the project's machines; does nothing when everything is there.
set -euo pipefail
PACKAGES=(mmdebstrap podman runc)

# dpkg -s also succeeds for a package removed with its configuration kept, so ask for the state.
installed() {
  local package
  for package in "$@"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" = installed ] || return 1
  done
}

if installed "${PACKAGES[@]}"; then
  echo "mmdebstrap, podman and runc are already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y "${PACKAGES[@]}"

#!/usr/bin/env bash
# Builds the gateway runner's image from gateway-runner/Dockerfile with podman, on a machine that
# reaches no image registry: the Dockerfile's two base images, pulled from Docker Hub elsewhere,
# are made here from the same parts and passed in as build arguments.
#   DEBIAN_IMAGE  Debian 12 from Debian's own packages (mmdebstrap), slimmed as debian:bookworm-slim is
#   NODE_IMAGE    that, plus the project's Node (the `node` devDependency's binary) and npm from the
#                 npm registry, laid out as the node images lay them out
# Both are kept and reused (the first build takes a few minutes, mostly mmdebstrap); REBUILD_BASE=1
# makes them again. Then the Dockerfile itself runs, unchanged.
#
# Usage: bash scripts/build-runner-image.sh [image name]   (default localhost/porchlight-gateway-runner)
# Needs root and scripts/install-container-tools.sh's packages.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${1:-localhost/porchlight-gateway-runner:latest}
NODE_BIN=node_modules/node/bin/node
NODE_VERSION=$("$NODE_BIN" --version)
NODE_VERSION=${NODE_VERSION#v}
NPM_VERSION=$(npm --version)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_IMAGE=localhost/porchlight/debian:bookworm-slim
NODE_IMAGE=localhost/porchlight/node:${NODE_VERSION}-bookworm-slim

# This machine's cgroups are hybrid, under which crun (podman's default runtime) runs nothing:
# chroot isolation runs the Dockerfile's RUN steps without an OCI runtime. Host networking: the
# dependencies stage's npm reaches the registry as the host does.
BUILD_FLAGS=(--isolation=chroot --network=host)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$SECONDS
elapsed() { echo "$((SECONDS - $1)) s"; }

if [ "${REBUILD_BASE:-}" = 1 ] || ! podman image exists "$DEBIAN_IMAGE"; then
  step=$SECONDS
  # What debian:bookworm-slim leaves out (docs but their copyright, manuals, translations); the
  # rules stay in the image, so a package installed later is slimmed too.
  mmdebstrap --variant=minbase --mode=root --format=tar --quiet \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/groff/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$work/debian.tar" "$MIRROR"
  podman import --quiet --change 'CMD ["bash"]' "$work/debian.tar" "$DEBIAN_IMAGE" >/dev/null
  rm -f "$work/debian.tar"
  echo "build-runner-image: $DEBIAN_IMAGE from Debian's packages in $(elapsed "$step")"
  podman image rm --force "$NODE_IMAGE" >/dev/null 2>&1 || true
fi

if ! podman image exists "$NODE_IMAGE"; then
  step=$SECONDS
  mkdir -p "$work/node"
  cp "$NODE_BIN" "$work/node/node"
  (cd "$work/node" && npm pack --silent "npm@$NPM_VERSION" >/dev/null && mkdir npm &&
    tar -xzf "npm-$NPM_VERSION.tgz" -C npm --strip-components=1 && rm "npm-$NPM_VERSION.tgz")
  cat >"$work/node/Containerfile" <<EOF
FROM $DEBIAN_IMAGE
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && \\
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && \\
    node --version && npm --version
CMD ["node"]
EOF
  podman build --quiet "${BUILD_FLAGS[@]}" -t "$NODE_IMAGE" "$work/node" >/dev/null
  echo "build-runner-image: $NODE_IMAGE (Node $NODE_VERSION, npm $NPM_VERSION) in $(elapsed "$step")"
fi

step=$SECONDS
# The Dockerfile's `npm install` cannot reach the registry from inside the build here: the host
# fetches the runtime dependencies' tarballs (the lockfile's, nothing else) into an npm cache, and
# the node image the build gets carries it, with npm told to stay offline.
mkdir -p "$work/offline/project"
cp package.json package-lock.json "$work/offline/project/"
(cd "$work/offline/project" &&
  npm install --omit=dev --ignore-scripts --no-audit --no-fund --silent --cache "$work/offline/npm-cache")
printf 'FROM %s\nCOPY npm-cache /root/.npm\nENV npm_config_offline=true\n' "$NODE_IMAGE" >"$work/offline/Containerfile"
OFFLINE_NODE_IMAGE=localhost/porchlight/node-offline:build
podman build --quiet "${BUILD_FLAGS[@]}" -t "$OFFLINE_NODE_IMAGE" \
  --ignorefile /dev/null "$work/offline" >/dev/null
previous=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
# No layer cache: it would keep an image of every stage of every build, and the build is quick.
podman build --quiet "${BUILD_FLAGS[@]}" --layers=false \
  --file gateway-runner/Dockerfile --ignorefile gateway-runner/Dockerfile.dockerignore \
  --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" --build-arg "NODE_IMAGE=$OFFLINE_NODE_IMAGE" \
  --tag "$IMAGE" . >/dev/null
podman image rm "$OFFLINE_NODE_IMAGE" >/dev/null
if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$IMAGE")" ]; then
  podman image rm "$previous" >/dev/null 2>&1 || true # still used by a container: left
fi
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
echo "build-runner-image: $IMAGE in $(elapsed "$step") ($((size / 1024 / 1024)) MiB); $(elapsed "$started") in all"

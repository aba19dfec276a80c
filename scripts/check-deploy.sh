#!/usr/bin/env bash
# What `wrangler deploy` would upload, built and validated without an account: the bundle, every
# binding, the Durable Object exports and migrations, the container's configuration. A change that
# breaks any of them fails here, not at a deployment.
#
# --containers-rollout=none: a Dockerfile image is otherwise built even in --dry-run, which needs a
# Docker engine (CI has none). scripts/build-runner-image.sh builds that image instead.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if ! npx wrangler deploy --dry-run --outdir "$out/bundle" --containers-rollout=none >"$out/log" 2>&1; then
  cat "$out/log"
  echo "check-deploy: wrangler deploy --dry-run failed" >&2
  exit 1
fi
# A warning (a deprecated field, a misspelt key wrangler ignores) is a deployment that would not
# do what wrangler.toml says.
if grep -q 'WARNING' "$out/log"; then
  cat "$out/log"
  echo "check-deploy: wrangler warned about the configuration" >&2
  exit 1
fi
# The listing of what would be deployed must hold the runner's binding and its container.
for expected in 'env.GATEWAY_RUNNER (GatewayRunner)' 'porchlight-gatewayrunner'; do
  if ! grep -qF "$expected" "$out/log"; then
    cat "$out/log"
    echo "check-deploy: the dry run lists no $expected" >&2
    exit 1
  fi
done
test -s "$out/bundle/index.js"
echo "check-deploy: the Worker bundles and its configuration validates ($(du -k "$out/bundle/index.js" | cut -f1) KiB)"

#!/usr/bin/env bash
# Builds the extension image with BuildKit. Uses "docker buildx" when it is
# installed, else the engine's own BuildKit through a docker client that still
# honours DOCKER_BUILDKIT=1 (Debian's /usr/bin/docker 20.10).
#   IMAGE=armrunner/docker-extension:dev scripts/build-extension.sh
# The npm CA bundle is passed as an optional build secret when npm has one
# configured (npm config get cafile), for networks with a TLS proxy.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
image=${IMAGE:-armrunner/docker-extension:dev}

if docker buildx version >/dev/null 2>&1; then
  build=(docker buildx build --load)
elif [[ -x /usr/bin/docker ]]; then
  build=(env DOCKER_BUILDKIT=1 /usr/bin/docker build)
else
  echo "No BuildKit client found. Install the docker buildx plugin." >&2
  exit 1
fi

secret=()
cafile=${NPM_CAFILE:-$(npm config get cafile 2>/dev/null || true)}
if [[ -n $cafile && $cafile != null && -f $cafile ]]; then
  secret=(--secret "id=npm_cafile,src=$cafile")
fi

"${build[@]}" "${secret[@]}" \
  --build-arg "DEBIAN_IMAGE=${DEBIAN_IMAGE:-debian:bookworm-slim}" \
  --build-arg "NODE_IMAGE=${NODE_IMAGE:-node:20-bookworm-slim}" \
  -t "$image" "$root"

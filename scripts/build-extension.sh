#!/usr/bin/env bash
# Builds the extension image with BuildKit. Uses "docker buildx" when it is
# installed, else the engine's own BuildKit through a docker client that still
# honours DOCKER_BUILDKIT=1 (Debian's /usr/bin/docker 20.10).
#   IMAGE=armrunner/docker-extension:dev scripts/build-extension.sh
#   PLATFORM=linux/arm64 NODE_RUNTIME_IMAGE=... scripts/build-extension.sh
# PLATFORM defaults to the engine's own. NODE_RUNTIME_IMAGE names the image
# whose /usr/local/bin/node goes into the result; it defaults to NODE_IMAGE.
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

platform=()
if [[ -n ${PLATFORM:-} ]]; then
  platform=(--platform "$PLATFORM")
fi

node_image=${NODE_IMAGE:-node:20-bookworm-slim}
# A cross-build on a machine without a registry uses the stand-in that
# scripts/local-base-images.sh makes under this name.
if [[ -z ${NODE_RUNTIME_IMAGE:-} && -n ${PLATFORM:-} ]]; then
  target_arch=${PLATFORM#linux/}
  local_runtime=arm-runner-local/node-runtime:$(node --version | cut -c2-)-${target_arch%%/*}
  if docker image inspect "$local_runtime" >/dev/null 2>&1; then
    NODE_RUNTIME_IMAGE=$local_runtime
  fi
fi
"${build[@]}" "${secret[@]}" "${platform[@]}" \
  --build-arg "DEBIAN_IMAGE=${DEBIAN_IMAGE:-debian:bookworm-slim}" \
  --build-arg "NODE_IMAGE=$node_image" \
  --build-arg "NODE_RUNTIME_IMAGE=${NODE_RUNTIME_IMAGE:-$node_image}" \
  -t "$image" "$root"

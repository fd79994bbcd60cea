#!/usr/bin/env bash
# Makes sure the base images that the Dockerfile names exist. A missing one is
# pulled, and built locally only when no registry can be reached. An image
# that already exists under a name is left alone, so a user's own tags are
# never replaced.
#   debian:bookworm-slim   a minbase root filesystem from debootstrap
#   node:20-bookworm-slim  that image plus this machine's node and npm
# Needs root, debootstrap and a reachable Debian mirror.
set -euo pipefail

debian_image=${DEBIAN_IMAGE:-debian:bookworm-slim}
node_image=${NODE_IMAGE:-node:20-bookworm-slim}

log() { printf '[local-base-images] %s\n' "$*"; }

present_or_pulled() {
  docker image inspect "$1" >/dev/null 2>&1 || timeout 300 docker pull -q "$1" >/dev/null 2>&1
}

if present_or_pulled "$debian_image"; then
  log "$debian_image is present"
else
  rootfs=$(mktemp -d)
  log "debootstrap bookworm into $rootfs (about 30 s)"
  debootstrap --variant=minbase bookworm "$rootfs" >/dev/null
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
  tar -C "$rootfs" -c . | docker import \
    --change 'LABEL io.arm-runner.local-base-image=true' \
    --change 'CMD ["bash"]' - "$debian_image" >/dev/null
  rm -rf "$rootfs"
  log "imported $debian_image"
fi

if present_or_pulled "$node_image"; then
  log "$node_image is present"
else
  node_binary=$(command -v node)
  npm_root=$(npm root -g)/npm
  if [[ ! -d $npm_root ]]; then
    echo "npm's own package was not found at $npm_root." >&2
    exit 1
  fi
  context=$(mktemp -d)
  cp "$node_binary" "$context/node"
  strip --strip-debug "$context/node" 2>/dev/null || true
  cp -r "$npm_root" "$context/npm"
  cat >"$context/Dockerfile" <<DOCKERFILE
FROM $debian_image
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
LABEL io.arm-runner.local-base-image=true
CMD ["node"]
DOCKERFILE
  log "building $node_image from $node_binary ($(node --version))"
  docker build -q -t "$node_image" "$context" >/dev/null
  rm -rf "$context"
  log "built $node_image"
fi

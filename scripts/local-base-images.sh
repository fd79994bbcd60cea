#!/usr/bin/env bash
# Makes sure the base images that the Dockerfile names exist. A missing one is
# pulled, and built locally only when no registry can be reached. An image
# that already exists under a name is left alone, so a user's own tags are
# never replaced.
#   debian:bookworm-slim   a minbase root filesystem from debootstrap
#   node:20-bookworm-slim  that image plus this machine's node and npm
#   arm-runner-local/node-runtime:<node version>-<arch>
#                          Node.js for another CPU, only when TARGET_PLATFORM
#                          (for example linux/arm64) names one
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

# A cross-build (TARGET_PLATFORM for another CPU) takes Node.js for the target
# CPU from NODE_RUNTIME_IMAGE. A local image store keeps one platform per tag,
# so the local stand-in gets its own name. It contains only the official
# Node.js binary for that CPU, from npm's node-linux-<arch> package.
target_arch=${TARGET_PLATFORM:-}
target_arch=${target_arch#linux/}
target_arch=${target_arch%%/*}
engine_arch=$(docker version --format '{{.Server.Arch}}')
if [[ -n ${TARGET_PLATFORM:-} && $target_arch != "$engine_arch" ]]; then
  node_version=$(node --version)
  runtime_image=arm-runner-local/node-runtime:${node_version#v}-$target_arch
  if docker manifest inspect "$node_image" >/dev/null 2>&1; then
    log "$node_image can be pulled for $TARGET_PLATFORM, so no local runtime image is needed"
  elif docker image inspect "$runtime_image" >/dev/null 2>&1; then
    log "$runtime_image is present"
  else
    case $target_arch in
      arm64) npm_arch=arm64 ;;
      amd64) npm_arch=x64 ;;
      *) echo "No Node.js runtime is known for $TARGET_PLATFORM." >&2; exit 1 ;;
    esac
    context=$(mktemp -d)
    log "fetching node-linux-$npm_arch@${node_version#v} from npm"
    (cd "$context" && npm pack -q "node-linux-$npm_arch@${node_version#v}" >/dev/null)
    tar -xzf "$context"/node-linux-*.tgz -C "$context"
    cp "$context/package/bin/node" "$context/node"
    printf 'FROM scratch\nCOPY node /usr/local/bin/node\nLABEL io.arm-runner.local-base-image=true\n' >"$context/Dockerfile"
    # Only BuildKit sets the platform of a FROM scratch image. Debian's 20.10
    # client still honours DOCKER_BUILDKIT=1.
    if docker buildx version >/dev/null 2>&1; then
      docker buildx build --load -q --platform "$TARGET_PLATFORM" -t "$runtime_image" "$context" >/dev/null
    else
      DOCKER_BUILDKIT=1 /usr/bin/docker build -q --platform "$TARGET_PLATFORM" -t "$runtime_image" "$context" >/dev/null
    fi
    rm -rf "$context"
    log "built $runtime_image"
  fi
fi

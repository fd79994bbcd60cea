#!/usr/bin/env bash
# Installs and starts what ARM Runner needs on a Debian machine without systemd:
# a Docker engine, Debian's static QEMU, a mounted binfmt_misc, Chromium
# for the browser tests and a container registry for the pull tests.
# It is safe to run again: each step checks first. Needs root.
set -euo pipefail

log() { printf '[provision] %s\n' "$*"; }

if [[ $(id -u) -ne 0 ]]; then
  echo "provision-engine.sh must run as root, because it installs packages and starts dockerd." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# Foreign architectures let the fixture script download ARM .deb files.
# Command output is read into variables first: "cmd | grep -q" can fail under
# pipefail when grep exits early and cmd gets SIGPIPE.
foreign=$(dpkg --print-foreign-architectures)
for arch in armhf armel arm64; do
  if ! grep -qx "$arch" <<<"$foreign"; then
    dpkg --add-architecture "$arch"
  fi
done

wanted=(docker.io qemu-user-static debootstrap ca-certificates curl chromium docker-registry jq)
missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ $status != *'install ok installed'* ]]; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! mountpoint -q /proc/sys/fs/binfmt_misc; then
  log "mounting binfmt_misc"
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi

if docker info >/dev/null 2>&1; then
  log "engine already answers"
  exit 0
fi

if [[ -z ${DOCKER_HOST:-} ]]; then
  log "starting dockerd (log: /var/log/arm-runner-dockerd.log)"
  nohup dockerd >/var/log/arm-runner-dockerd.log 2>&1 &
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "engine is up: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
    exit 0
  fi
  sleep 1
done

echo "The Docker engine did not respond within 60 s. See /var/log/arm-runner-dockerd.log." >&2
exit 1

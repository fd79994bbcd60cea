#!/usr/bin/env bash
# Makes what ARM Runner needs on this machine, from Debian's packages:
#   build/bundle/  the QEMU tars, the helper root filesystem and bundle.json
#   build/images/  the sample and fixture images, also loaded into the engine
#   build/debs/    Debian's busybox-static per architecture, and qemu-user's
#                  dynamically linked qemu-arm for the bundle tests
# Needs the backend built ("npm run build") and qemu-user-static installed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
native=$(dpkg --print-architecture)

for binary in /usr/bin/qemu-arm-static /usr/bin/qemu-aarch64-static; do
  if [[ ! -x $binary ]]; then
    echo "$binary is missing. Install qemu-user-static (scripts/provision-engine.sh does)." >&2
    exit 1
  fi
done

bash "$root/scripts/fetch-debs.sh" "$native"

# Debian's dynamically linked qemu-arm (package qemu-user), kept only as the
# bundle tests' example of a QEMU that must be rejected.
dynamic_qemu="$root/build/debs/qemu-user/qemu-arm"
if [[ ! -x $dynamic_qemu ]]; then
  work=$(mktemp -d)
  chmod 0777 "$work"
  (cd "$work" && apt-get download -qq "qemu-user:$native")
  dpkg -x "$work"/qemu-user_*.deb "$work/unpacked"
  mkdir -p "$(dirname "$dynamic_qemu")"
  cp "$work/unpacked/usr/bin/qemu-arm" "$dynamic_qemu"
  rm -rf "$work"
fi
node "$root/backend/bin/arm-runner.mjs" bundle make \
  --qemu-dir /usr/bin \
  --busybox "$root/build/debs/$native/bin/busybox" \
  --out "$root/build/bundle"

bash "$root/scripts/build-fixtures.sh"

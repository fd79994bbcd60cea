#!/usr/bin/env bash
# Downloads Debian's busybox-static for each architecture ARM Runner needs and
# unpacks it under build/debs/<arch>/. No container registry is involved.
# Usage: scripts/fetch-debs.sh [ARCH...]   (default: native armhf armel arm64)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/build/debs"
native=$(dpkg --print-architecture)
archs=("$@")
if ((${#archs[@]} == 0)); then
  archs=("$native" armhf armel arm64)
fi

mkdir -p "$cache"
# Read once into a variable: "dpkg ... | grep -q" can fail under pipefail when
# grep exits early and dpkg gets SIGPIPE.
foreign=$(dpkg --print-foreign-architectures)
updated=0
for arch in "${archs[@]}"; do
  if [[ -x "$cache/$arch/bin/busybox" ]]; then
    continue
  fi

  if [[ $arch != "$native" ]] && ! grep -qx "$arch" <<<"$foreign"; then
    echo "Debian architecture $arch is not enabled. Run scripts/provision-engine.sh first." >&2
    exit 1
  fi
  if ((updated == 0)); then
    apt-get update -qq
    updated=1
  fi

  work=$(mktemp -d)
  # apt drops privileges to _apt while downloading, so the folder must be writable by it.
  chmod 0777 "$work"
  (cd "$work" && apt-get download -qq "busybox-static:$arch")
  rm -rf "$cache/$arch"
  dpkg -x "$work"/busybox-static_*.deb "$cache/$arch"
  rm -rf "$work"
  echo "[fetch-debs] busybox-static:$arch unpacked in build/debs/$arch"
done

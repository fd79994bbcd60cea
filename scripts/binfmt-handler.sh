#!/usr/bin/env bash
# Registers or removes a QEMU binfmt_misc handler on this machine (the engine's
# host). Test rig and demo helper; needs root and a mounted binfmt_misc.
#   scripts/binfmt-handler.sh register arm|aarch64 [FLAGS]   e.g. FLAGS=F
#   scripts/binfmt-handler.sh remove arm|aarch64
#   scripts/binfmt-handler.sh show
# The entries use the names, magic and mask of QEMU's qemu-binfmt-conf.sh and
# the interpreter path /usr/bin/qemu-<arch>-static.
set -euo pipefail

dir=/proc/sys/fs/binfmt_misc
mask_arm='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
magic_arm='\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x28\x00'
magic_aarch64='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'

if ! mountpoint -q "$dir"; then
  mount -t binfmt_misc binfmt_misc "$dir"
fi

usage() {
  sed -n '2,8p' "$0" >&2
  exit 2
}

action=${1:-}
arch=${2:-}
case $action in
  register)
    flags=${3:-}
    case $arch in
      arm) magic=$magic_arm ;;
      aarch64) magic=$magic_aarch64 ;;
      *) usage ;;
    esac
    if [[ ! $flags =~ ^[POCF]*$ ]]; then
      echo "Invalid flags \"$flags\": use letters from P, O, C and F." >&2
      exit 2
    fi
    if [[ -e $dir/qemu-$arch ]]; then
      echo -1 >"$dir/qemu-$arch"
    fi
    printf ':qemu-%s:M::%s:%s:/usr/bin/qemu-%s-static:%s' "$arch" "$magic" "$mask_arm" "$arch" "$flags" >"$dir/register"
    echo "registered qemu-$arch with flags '${flags}'"
    ;;
  remove)
    case $arch in arm | aarch64) ;; *) usage ;; esac
    if [[ -e $dir/qemu-$arch ]]; then
      echo -1 >"$dir/qemu-$arch"
      echo "removed qemu-$arch"
    else
      echo "qemu-$arch was not registered"
    fi
    ;;
  show)
    for entry in "$dir"/*; do
      case ${entry##*/} in register | status) continue ;; esac
      echo "== ${entry##*/}"
      cat "$entry"
    done
    ;;
  *) usage ;;
esac

#!/usr/bin/env bash
# Builds ARM Runner's sample and test images from Debian's busybox-static and
# loads them into the engine. Each image is a docker-archive whose config names
# the real platform, because `docker import --platform` is ignored by engine
# 20.10 and would label the result amd64.
# Usage: scripts/build-fixtures.sh [--no-load] [--sample-only]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/images"
load=1
sample_only=0
for argument in "$@"; do
  case $argument in
    --no-load) load=0 ;;
    --sample-only) sample_only=1 ;;
    *)
      echo "Unknown option $argument. Usage: scripts/build-fixtures.sh [--no-load] [--sample-only]" >&2
      exit 2
      ;;
  esac
done

native=$(dpkg --print-architecture)
if ((sample_only)); then
  bash "$root/scripts/fetch-debs.sh" armhf
else
  bash "$root/scripts/fetch-debs.sh" armhf armel arm64 "$native"
fi
mkdir -p "$out"

applets=(sh ash httpd uname cat echo ls sleep ps id env wget true false)

# make_image DEB_ARCH ARCHITECTURE VARIANT TAG FILE TITLE EXPOSE [EXTRA]
# EXTRA is empty or one of:
#   entrypoint-script  ENTRYPOINT /entrypoint.sh, a #!/bin/sh script that execs httpd
#   setuid             busybox also copied to /bin/su with mode 4755, and USER 1000
make_image() {
  local deb_arch=$1 architecture=$2 variant=$3 tag=$4 file=$5 title=$6 expose=$7 extra=${8:-}
  local work rootfs layer_sha config config_sha variant_json expose_json
  local command_json='"Cmd":["/bin/busybox","httpd","-f","-v","-p","80","-h","/www"]' user_json=""
  work=$(mktemp -d)
  rootfs="$work/rootfs"

  mkdir -p "$rootfs/bin" "$rootfs/www/cgi-bin" "$rootfs/tmp"
  cp "$root/build/debs/$deb_arch/bin/busybox" "$rootfs/bin/busybox"
  for applet in "${applets[@]}"; do
    ln -s busybox "$rootfs/bin/$applet"
  done
  cat >"$rootfs/www/index.html" <<HTML
<!doctype html>
<html><head><title>$title</title></head>
<body><h1>$title</h1>
<p>Served by busybox httpd from Debian's busybox-static:$deb_arch.</p>
<p><a href="/cgi-bin/machine">What does uname -m say in here?</a></p>
</body></html>
HTML
  # CGI headers end with CRLF, because strict HTTP clients reject bare LF.
  cat >"$rootfs/www/cgi-bin/machine" <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
uname -m
CGI
  chmod 0755 "$rootfs/www/cgi-bin/machine"

  case $extra in
    entrypoint-script)
      printf '#!/bin/sh\nexec /bin/busybox httpd -f -v -p 80 -h /www\n' >"$rootfs/entrypoint.sh"
      chmod 0755 "$rootfs/entrypoint.sh"
      command_json='"Entrypoint":["/entrypoint.sh"]'
      ;;
    setuid)
      cp "$rootfs/bin/busybox" "$rootfs/bin/su"
      chmod 4755 "$rootfs/bin/su"
      user_json='"User":"1000",'
      ;;
  esac

  mkdir -p "$work/archive/layer"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    -C "$rootfs" -cf "$work/archive/layer/layer.tar" .
  layer_sha=$(sha256sum "$work/archive/layer/layer.tar" | cut -d' ' -f1)

  variant_json=""
  if [[ -n $variant ]]; then
    variant_json="\"variant\":\"$variant\","
  fi
  expose_json=""
  if [[ -n $expose ]]; then
    expose_json="\"ExposedPorts\":{\"$expose/tcp\":{}},"
  fi
  config="{\"architecture\":\"$architecture\",${variant_json}\"os\":\"linux\",\"created\":\"1970-01-01T00:00:00Z\",\"config\":{${expose_json}\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],${user_json}${command_json},\"WorkingDir\":\"/\",\"Labels\":{\"org.opencontainers.image.title\":\"$title\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$layer_sha\"]},\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"scripts/build-fixtures.sh: busybox-static:$deb_arch\"}]}"
  config_sha=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
  printf '%s' "$config" >"$work/archive/$config_sha.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["layer/layer.tar"]}]' \
    "$config_sha" "$tag" >"$work/archive/manifest.json"

  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    -C "$work/archive" -cf "$out/$file" .
  rm -rf "$work"
  echo "[build-fixtures] $tag -> build/images/$file"

  if ((load)); then
    docker load -q -i "$out/$file" >/dev/null
  fi
}

make_image armhf arm v7 arm-runner-sample:armv7 sample-armv7.tar "ARM Runner sample (linux/arm/v7)" 80
if ((sample_only)); then
  exit 0
fi
make_image armhf arm v7 arm-runner-fixture/httpd:armv7 fixture-httpd-armv7.tar "ARM Runner fixture (linux/arm/v7)" 80
make_image armel arm v6 arm-runner-fixture/httpd:armv6 fixture-httpd-armv6.tar "ARM Runner fixture (linux/arm/v6)" 80
make_image arm64 arm64 "" arm-runner-fixture/httpd:arm64 fixture-httpd-arm64.tar "ARM Runner fixture (linux/arm64)" 80
make_image armhf arm v7 arm-runner-fixture/httpd-noexpose:armv7 fixture-httpd-noexpose-armv7.tar "ARM Runner fixture without EXPOSE (linux/arm/v7)" ""
# An image for the engine's own architecture, which needs no emulation.
make_image "$native" "$native" "" "arm-runner-fixture/httpd:$native" "fixture-httpd-$native.tar" "ARM Runner fixture ($native)" 80
# Images whose config claims riscv64 or s390x, platforms ARM Runner does not
# emulate. Their content is the armhf busybox, because only the config is checked.
make_image armhf riscv64 "" arm-runner-fixture/config-riscv64:test fixture-config-riscv64.tar "ARM Runner fixture (config says riscv64)" 80
make_image armhf s390x "" arm-runner-fixture/config-s390x:test fixture-config-s390x.tar "ARM Runner fixture (config says s390x)" 80
# Images for the file inspection: a script entrypoint, a setuid program run by
# a non-root user, and two configs that name the wrong platform for their
# armhf (ARMv7) busybox.
make_image armhf arm v7 arm-runner-fixture/entrypoint-script:armv7 fixture-entrypoint-script-armv7.tar "ARM Runner fixture with a script entrypoint (linux/arm/v7)" 80 entrypoint-script
make_image armhf arm v7 arm-runner-fixture/setuid:armv7 fixture-setuid-armv7.tar "ARM Runner fixture with setuid su (linux/arm/v7)" 80 setuid
make_image armhf arm v6 arm-runner-fixture/v7-binary:armv6 fixture-v7-binary-armv6.tar "ARM Runner fixture: ARMv7 busybox in a linux/arm/v6 image" 80
make_image armhf arm64 "" arm-runner-fixture/wrong-arch:arm64 fixture-wrong-arch-arm64.tar "ARM Runner fixture: 32-bit ARM busybox in a linux/arm64 image" 80

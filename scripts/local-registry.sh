#!/usr/bin/env bash
# Runs a container registry on loopback for the multi-arch pull tests, and
# seeds it with the fixture web-server images.
#
#   scripts/local-registry.sh start    installs docker-registry if missing, starts it, waits for /v2/
#   scripts/local-registry.sh seed     pushes the fixtures and the multi-arch index
#   scripts/local-registry.sh status   exits 0 when this script's registry runs
#   scripts/local-registry.sh stop     stops the registry (its storage stays)
# seed needs a started registry.
#
# The registry listens on 127.0.0.1 only, without auth. Its config, storage,
# pidfile and log live in ARM_RUNNER_REGISTRY_DIR (default
# /tmp/arm-runner-registry). The port is one per machine, so the state folder
# is too, and a second checkout finds the registry that the first one started.
# ARM_RUNNER_REGISTRY_PORT sets the port (default 5000). The engine accepts
# plain HTTP from registries on 127.0.0.0/8, so no daemon setting is needed.
set -euo pipefail

state_dir=${ARM_RUNNER_REGISTRY_DIR:-/tmp/arm-runner-registry}
port=${ARM_RUNNER_REGISTRY_PORT:-5000}
address="127.0.0.1:$port"
pidfile="$state_dir/registry.pid"
logfile="$state_dir/registry.log"
config="$state_dir/config.yml"

repository="arm-runner-fixture/httpd"
# Local fixture tag, then the platform of its index entry (os/architecture/variant).
fixture_platforms=(
  "amd64 linux/amd64"
  "armv6 linux/arm/v6"
  "armv7 linux/arm/v7"
  "arm64 linux/arm64/v8"
)

log() { printf '[local-registry] %s\n' "$*"; }
fail() {
  printf '[local-registry] %s\n' "$*" >&2
  exit 1
}

if [[ ! $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
  fail "ARM_RUNNER_REGISTRY_PORT must be a port number from 1 to 65535, not \"$port\"."
fi

# Prints the pid from the pidfile when that process is a running docker-registry.
# The command name is checked, so that a pid reused by another process is never signalled.
running_pid() {
  local pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/comm && $(</proc/"$pid"/comm) == docker-registry ]] || return 1
  printf '%s\n' "$pid"
}

responds() {
  curl -fsS --max-time 2 -o /dev/null "http://$address/v2/" 2>/dev/null
}

write_config() {
  mkdir -p "$state_dir/storage"
  cat >"$config" <<YAML
version: 0.1
log:
  level: info
  fields:
    service: arm-runner-test-registry
storage:
  filesystem:
    rootdirectory: $state_dir/storage
  delete:
    enabled: true
http:
  addr: $address
  headers:
    X-Content-Type-Options: [nosniff]
YAML
}

install_registry() {
  if command -v docker-registry >/dev/null 2>&1; then
    return
  fi
  if [[ $(id -u) -ne 0 ]]; then
    fail "docker-registry is not installed. Install it as root: apt-get install -y docker-registry (scripts/provision-engine.sh does)."
  fi
  # NOTE: the package's init script would start a registry with Debian's
  # config (all interfaces, htpasswd auth). Machines built from Docker images
  # have a policy-rc.d that stops it. Elsewhere, start() then finds the port
  # taken and fails rather than use that registry.
  log "installing docker-registry"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
}

start() {
  local pid
  if pid=$(running_pid); then
    if responds; then
      log "already running at http://$address (pid $pid)"
      return
    fi
  elif responds; then
    fail "Another process already serves a registry at http://$address, and it was not started by this script. Stop it, or choose another port with ARM_RUNNER_REGISTRY_PORT."
  else
    install_registry
    write_config
    log "starting docker-registry at http://$address (log: $logfile)"
    # The registry outlives this script, so it must not keep descriptors
    # inherited from the caller open, such as a lock held by "flock".
    (
      for descriptor in /proc/self/fd/*; do
        number=${descriptor##*/}
        if ((number > 2)); then eval "exec ${number}>&-"; fi
      done 2>/dev/null
      exec nohup docker-registry serve "$config" >"$logfile" 2>&1
    ) &
    pid=$!
    printf '%s\n' "$pid" >"$pidfile"
  fi

  for _ in $(seq 1 30); do
    if responds; then
      log "registry is up at http://$address (pid $pid)"
      return
    fi
    if ! running_pid >/dev/null; then
      fail "docker-registry exited during start. See $logfile."
    fi
    sleep 1
  done
  fail "docker-registry did not respond at http://$address/v2/ within 30 s. See $logfile."
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    log "not running"
    rm -f "$pidfile"
    return
  fi
  kill "$pid"
  for _ in $(seq 1 20); do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      log "stopped (pid $pid)"
      return
    fi
    sleep 0.5
  done
  fail "docker-registry (pid $pid) did not exit within 10 s after SIGTERM."
}

status() {
  local pid
  if pid=$(running_pid) && responds; then
    log "running at http://$address (pid $pid, storage $state_dir/storage)"
    return 0
  fi
  log "not running. Start it with: scripts/local-registry.sh start"
  return 1
}

# Debian's docker client (20.10) has "docker manifest" built in and needs no
# experimental setting. The 28.x client in /usr/local/bin has it too, and either works.
docker_client() {
  command -v docker || fail "No docker client found on PATH."
}

seed() {
  local docker pushed=() index="127.0.0.1:$port/$repository:multi" pair tag platform source target config_home
  docker=$(docker_client)
  command -v jq >/dev/null || fail "jq is missing. Install it: apt-get install -y jq (scripts/provision-engine.sh does)."
  status >/dev/null || fail "The registry is not running. Run: scripts/local-registry.sh start"

  for pair in "${fixture_platforms[@]}"; do
    read -r tag platform <<<"$pair"
    source="$repository:$tag"
    target="127.0.0.1:$port/$repository:$tag"
    if ! "$docker" image inspect "$source" >/dev/null 2>&1; then
      fail "Fixture image $source is missing. Run scripts/prepare-assets.sh first."
    fi

    # A local tag under the registry's name exists only to push. The script
    # removes the ones it created and leaves alone any that were there before.
    if "$docker" image inspect "$target" >/dev/null 2>&1; then
      if [[ $("$docker" image inspect -f '{{.Id}}' "$target") != $("$docker" image inspect -f '{{.Id}}' "$source") ]]; then
        fail "The local tag $target already exists and is not $source. Remove or rename it, then seed again."
      fi
      "$docker" push -q "$target" >/dev/null
    else
      "$docker" tag "$source" "$target"
      "$docker" push -q "$target" >/dev/null
      "$docker" rmi "$target" >/dev/null
    fi
    pushed+=("$target")
    log "pushed $target"
  done

  # docker manifest keeps its working copy of the index under the client's
  # config folder. A temporary one keeps the user's folder unchanged.
  config_home=$(mktemp -d)
  trap 'rm -rf "$config_home"' RETURN
  DOCKER_CONFIG=$config_home "$docker" manifest create --insecure "$index" "${pushed[@]}" >/dev/null
  for pair in "${fixture_platforms[@]}"; do
    read -r tag platform <<<"$pair"
    IFS=/ read -r os architecture variant <<<"$platform"
    DOCKER_CONFIG=$config_home "$docker" manifest annotate \
      --os "$os" --arch "$architecture" ${variant:+--variant "$variant"} \
      "$index" "127.0.0.1:$port/$repository:$tag"
  done
  DOCKER_CONFIG=$config_home "$docker" manifest push --insecure --purge "$index" >/dev/null
  log "pushed $index"

  verify_index "$index"
}

# Reads the index back from the registry's HTTP API and checks that it lists
# exactly the four platforms, and that each entry is the manifest of the
# single-arch tag of that platform.
verify_index() {
  local accept_index='application/vnd.docker.distribution.manifest.list.v2+json'
  local accept_image='application/vnd.docker.distribution.manifest.v2+json'
  local index_json listed expected tag platform digest entry_digest
  index_json=$(curl -fsS -H "Accept: $accept_index" "http://$address/v2/$repository/manifests/multi") ||
    fail "Could not read $repository:multi back from the registry."

  listed=$(jq -r '.manifests[].platform | [.os, .architecture, .variant // empty] | join("/")' <<<"$index_json" | sort)
  expected=$(for pair in "${fixture_platforms[@]}"; do read -r _ platform <<<"$pair"; echo "$platform"; done | sort)
  if [[ $listed != "$expected" ]]; then
    fail "The index lists [$(echo $listed)], expected [$(echo $expected)]."
  fi

  for pair in "${fixture_platforms[@]}"; do
    read -r tag platform <<<"$pair"
    digest=$(curl -fsS -o /dev/null -w '%header{docker-content-digest}' -H "Accept: $accept_image" \
      "http://$address/v2/$repository/manifests/$tag")
    entry_digest=$(jq -r --arg platform "$platform" \
      '.manifests[] | select(([.platform.os, .platform.architecture, .platform.variant // empty] | join("/")) == $platform) | .digest' \
      <<<"$index_json")
    if [[ -z $digest || $digest != "$entry_digest" ]]; then
      fail "The index entry for $platform is ${entry_digest:-missing}, but the tag $tag is ${digest:-missing}."
    fi
  done
  log "checked $repository:multi: $(echo $listed)"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  seed) seed ;;
  *)
    echo "Usage: scripts/local-registry.sh start|seed|status|stop" >&2
    exit 2
    ;;
esac

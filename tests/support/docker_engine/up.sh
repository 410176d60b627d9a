#!/bin/bash
# Bring up a Docker Engine API (rootful Podman) on a unix socket under STATE_DIR and make sure the
# image devkit-test/postgres:15 exists. Idempotent: a running service is reused, the image is only
# built when missing or stale. Progress goes to stderr; stdout is one line: DOCKER_HOST=unix://...
# Usage: up.sh [STATE_DIR]      (default /tmp/devkit-docker-engine)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
STATE_DIR=${1:-${STATE_DIR:-}}
# shellcheck source-path=SCRIPTDIR source=engine.sh
source "$HERE/engine.sh"
# shellcheck source-path=SCRIPTDIR source=registry.sh
source "$HERE/registry.sh"

if [ "$(id -u)" != 0 ]; then log "must run as root (rootful podman)"; exit 1; fi
# sun_path holds 108 bytes; a deep pytest tmp_path would not fit.
if [ "${#SOCK}" -gt 100 ]; then log "state dir path too long for a unix socket: $SOCK"; exit 1; fi
mkdir -p "$STATE_DIR"/{storage,runroot,libpod-tmp,netconf,tmp,build}

# One up.sh at a time per state dir (parallel test workers). fd 9 must not leak into the service.
exec 9>"$STATE_DIR/up.lock"
flock 9

install_packages() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)          # crun 1.8 fails on hybrid cgroup v1/v2 hosts
  command -v iptables >/dev/null || missing+=(iptables)  # netavark publishes ports with iptables
  [ -x /usr/lib/podman/netavark ] || missing+=(netavark)
  command -v docker-registry >/dev/null || missing+=(docker-registry)  # local registry for pull tests
  # The devcontainer e2e test: compose services find each other by name (aardvark-dns), and the
  # devcontainer CLI drives Debian's docker-compose 1.29 against this engine.
  [ -x /usr/lib/podman/aardvark-dns ] || missing+=(aardvark-dns)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing ${missing[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Returns 0 when the file changed (a running service must restart to see it).
write_containers_conf() {
  # Podman's default ulimits (nofile/nproc 1048576) exceed this sandbox's hard limits and the OCI
  # runtime then fails with "setrlimit ... Operation not permitted": cap them at the hard limits.
  local nofile nproc
  nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
  nproc=$(ulimit -Hu); if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
  cat >"$CONTAINERS_CONF.new" <<CONF
# written by tests/support/docker_engine/up.sh
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[network]
network_backend = "netavark"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
# Each exec (exec_run, a readiness probe) keeps a conmon pair alive this long after it ends (Docker
# mimicry, default 300 s); long enough for the SDK to read the exit code, short enough not to pile up.
exit_command_delay = 10
CONF
  if cmp -s "$CONTAINERS_CONF.new" "$CONTAINERS_CONF"; then rm "$CONTAINERS_CONF.new"; return 1; fi
  mv "$CONTAINERS_CONF.new" "$CONTAINERS_CONF"
}

# Returns 0 when the file changed. Only our registry is listed: nothing else is reachable anyway.
write_registries_conf() {
  cat >"$REGISTRIES_CONF.new" <<CONF
# written by tests/support/docker_engine/up.sh
unqualified-search-registries = ["docker.io"]
[[registry]]
location = "$REGISTRY_ADDR"
insecure = true
CONF
  if cmp -s "$REGISTRIES_CONF.new" "$REGISTRIES_CONF"; then rm "$REGISTRIES_CONF.new"; return 1; fi
  mv "$REGISTRIES_CONF.new" "$REGISTRIES_CONF"
}

start_service() {
  local pid
  rm -f "$SOCK"
  # setsid: survive the caller's process group (pytest, CI); no inherited stdio or lock fd,
  # or a caller capturing our output would wait for the service to exit.
  setsid "${PODMAN[@]}" system service --time=0 "unix://$SOCK" \
    </dev/null >>"$SERVICE_LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PIDFILE"
  for _ in $(seq 300); do
    api_answers && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      log "podman service exited; last lines of $SERVICE_LOG:"; tail -n 20 "$SERVICE_LOG" >&2; exit 1
    fi
    sleep 0.1
  done
  log "podman service (pid $pid) did not answer on $SOCK within 30 s; see $SERVICE_LOG"; exit 1
}

install_packages
conf_changed=false
if write_containers_conf; then conf_changed=true; fi
if write_registries_conf; then conf_changed=true; fi
export CONTAINERS_REGISTRIES_CONF=$REGISTRIES_CONF
# netavark turns on net.ipv4.ip_forward; remember the host's value so down.sh can restore it.
[ -f "$STATE_DIR/ip_forward.orig" ] || sysctl -n net.ipv4.ip_forward >"$STATE_DIR/ip_forward.orig"

if pid=$(service_pid) && api_answers && [ "$conf_changed" = false ]; then
  log "reusing podman service (pid $pid)"
else
  if pid=$(service_pid); then log "restarting podman service $pid (no answer or new config)"; stop_service "$pid"; fi
  start_service
  log "started podman service (pid $(cat "$PIDFILE"))"
fi
"$HERE/build-image.sh" "$STATE_DIR"
start_registry
push_test_image
echo "DOCKER_HOST=unix://$SOCK"

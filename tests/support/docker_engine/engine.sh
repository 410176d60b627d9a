# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this
# Shared settings for up.sh, down.sh and build-image.sh (sourced, not run).
# Everything the engine stores lives under STATE_DIR so two state dirs never share storage.

STATE_DIR=${STATE_DIR:-/tmp/devkit-docker-engine}
SOCK=$STATE_DIR/podman.sock
PIDFILE=$STATE_DIR/podman-service.pid
SERVICE_LOG=$STATE_DIR/podman-service.log
# Podman's Docker API normalises a short name to docker.io/..., so tag it that way:
# `devkit-test/postgres:15` then resolves exactly as it would on Docker.
IMAGE=docker.io/devkit-test/postgres:15
FINGERPRINT_LABEL=devkit.test.fingerprint

# TMPDIR: podman copies image tarballs there; keep them out of the shared /tmp.
export CONTAINERS_CONF=$STATE_DIR/containers.conf TMPDIR=$STATE_DIR/tmp
# A local plain-HTTP registry (Debian's docker-registry) so tests can pull for real; podman must
# be told it is insecure. The file replaces the system registries.conf (written by up.sh).
REGISTRY_ADDR=127.0.0.1:${DEVKIT_TEST_REGISTRY_PORT:-5099}
REGISTRY_PIDFILE=$STATE_DIR/registry.pid
REGISTRY_IMAGE=$REGISTRY_ADDR/devkit-test/postgres:15
REGISTRIES_CONF=$STATE_DIR/registries.conf
if [ -f "$REGISTRIES_CONF" ]; then export CONTAINERS_REGISTRIES_CONF=$REGISTRIES_CONF; fi
PODMAN=(podman --root "$STATE_DIR/storage" --runroot "$STATE_DIR/runroot"
        --tmpdir "$STATE_DIR/libpod-tmp" --network-config-dir "$STATE_DIR/netconf")

log() { printf 'docker_engine: %s\n' "$*" >&2; }

# The PID in PIDFILE is our podman service only if it is alive and serving our socket.
service_pid() {
  local pid cmdline
  [ -f "$PIDFILE" ] || return 1
  pid=$(cat "$PIDFILE")
  [ -r "/proc/$pid/cmdline" ] || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  [[ $cmdline == *"system service --time=0 unix://$SOCK"* ]] || return 1
  echo "$pid"
}

api_answers() {
  [ -S "$SOCK" ] && [ "$(curl -s --max-time 2 --unix-socket "$SOCK" http://d/_ping)" = OK ]
}

# Stop the service by its PID (never by name): SIGTERM, then SIGKILL after 10 s.
stop_service() {
  local pid=$1
  kill "$pid"
  for _ in $(seq 100); do
    [ -e "/proc/$pid" ] || break
    sleep 0.1
  done
  if [ -e "/proc/$pid" ]; then log "podman service $pid ignored SIGTERM; SIGKILL"; kill -9 "$pid"; fi
  rm -f "$PIDFILE" "$SOCK"
}

# shellcheck shell=bash
# The local registry at $REGISTRY_ADDR (sourced by up.sh and down.sh, after engine.sh).
# Storage, config, log and PID file live under STATE_DIR; the process is found by its PID only.

registry_pid() {
  local pid cmdline
  [ -f "$REGISTRY_PIDFILE" ] || return 1
  pid=$(cat "$REGISTRY_PIDFILE")
  [ -r "/proc/$pid/cmdline" ] || return 1
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  [[ $cmdline == *"docker-registry serve $STATE_DIR/registry.yml"* ]] || return 1
  echo "$pid"
}

registry_answers() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$REGISTRY_ADDR/v2/")" = 200 ]
}

start_registry() {
  local pid
  if pid=$(registry_pid) && registry_answers; then log "reusing registry (pid $pid)"; return 0; fi
  mkdir -p "$STATE_DIR/registry"
  cat >"$STATE_DIR/registry.yml" <<YML
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $STATE_DIR/registry}
http:
  addr: $REGISTRY_ADDR
YML
  setsid docker-registry serve "$STATE_DIR/registry.yml" \
    </dev/null >>"$STATE_DIR/registry.log" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$REGISTRY_PIDFILE"
  for _ in $(seq 100); do
    if registry_answers; then log "started registry on $REGISTRY_ADDR (pid $pid)"; return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "registry exited; last lines of $STATE_DIR/registry.log:"
      tail -n 20 "$STATE_DIR/registry.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  log "registry (pid $pid) did not answer on $REGISTRY_ADDR within 10 s"; exit 1
}

# Push the test image once per image fingerprint (podman recompresses every layer on each push).
push_test_image() {
  local fingerprint
  fingerprint=$("${PODMAN[@]}" image inspect --format "{{ index .Labels \"$FINGERPRINT_LABEL\" }}" "$IMAGE")
  if [ -f "$STATE_DIR/registry.pushed" ] && [ "$(cat "$STATE_DIR/registry.pushed")" = "$fingerprint" ]; then
    return 0
  fi
  "${PODMAN[@]}" push --quiet --tls-verify=false "$IMAGE" "docker://$REGISTRY_IMAGE"
  echo "$fingerprint" >"$STATE_DIR/registry.pushed"
  log "pushed $IMAGE to $REGISTRY_IMAGE"
}

stop_registry() {
  local pid
  pid=$(registry_pid) || { rm -f "$REGISTRY_PIDFILE"; return 0; }
  kill "$pid"
  for _ in $(seq 100); do
    [ -e "/proc/$pid" ] || break
    sleep 0.1
  done
  if [ -e "/proc/$pid" ]; then kill -9 "$pid"; fi
  rm -f "$REGISTRY_PIDFILE"
  log "stopped registry (pid $pid)"
}

#!/bin/bash
# Stop the engine that up.sh started: stop still-running containers (so no postgres outlives the
# engine), stop the podman service by its PID, and undo what podman/netavark leave on the host
# (iptables chains, /run/netns mount, ip_forward). The image and other storage stay under
# STATE_DIR so the next up.sh is fast; --purge removes STATE_DIR entirely.
# Usage: down.sh [--purge] [STATE_DIR]      (default /tmp/devkit-docker-engine)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PURGE=false
STATE_DIR=
for arg in "$@"; do
  case "$arg" in
    --purge) PURGE=true ;;
    -*) echo "usage: down.sh [--purge] [STATE_DIR]" >&2; exit 2 ;;
    *) STATE_DIR=$arg ;;
  esac
done
# shellcheck source-path=SCRIPTDIR source=engine.sh
source "$HERE/engine.sh"
# shellcheck source-path=SCRIPTDIR source=registry.sh
source "$HERE/registry.sh"

if [ ! -d "$STATE_DIR" ]; then log "nothing to do: no $STATE_DIR"; exit 0; fi

# conmon processes of our containers and exec sessions (found by our storage path, killed by PID).
our_conmon_pids() {
  local cmdline pid
  for pid in $(pgrep -x conmon); do
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline") || continue   # it may exit meanwhile
    [[ $cmdline == *" -b $STATE_DIR/storage/"* ]] && echo "$pid"
  done
  return 0
}

# lines_of ARRAY CMD...: the output lines of CMD (which must succeed) into ARRAY.
lines_of() {
  local -n _lines=$1
  local out
  shift
  out=$("$@")
  _lines=()
  [ -z "$out" ] || mapfile -t _lines <<<"$out"
}

stop_containers() {
  local running left
  lines_of running "${PODMAN[@]}" ps --format '{{.Names}}'
  if [ "${#running[@]}" -gt 0 ]; then
    log "stopping containers the tests left running: ${running[*]}"
    "${PODMAN[@]}" stop --time 10 "${running[@]}" >/dev/null
  fi
  [ "$PURGE" = true ] && return
  lines_of left "${PODMAN[@]}" ps --all --format '{{.Names}}'
  [ "${#left[@]}" -eq 0 ] || log "stopped containers kept in $STATE_DIR (tests should remove them): ${left[*]}"
  lines_of left "${PODMAN[@]}" volume ls --format '{{.Name}}'
  [ "${#left[@]}" -eq 0 ] || log "${#left[@]} volume(s) kept in $STATE_DIR: ${left[*]:0:5}"
}

end_leftover_conmons() {
  local pid pids
  lines_of pids our_conmon_pids
  [ "${#pids[@]}" -gt 0 ] || return 0
  log "ending leftover conmon processes: ${pids[*]}"
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || [ ! -e "/proc/$pid" ]   # it may have exited meanwhile
  done
}

# containers/storage bind-mounts its overlay dir onto itself and leaves it mounted.
unmount_storage() {
  local overlay=$STATE_DIR/storage/overlay
  if mountpoint -q "$overlay" && ! grep -qF " $overlay/" /proc/mounts; then umount "$overlay"; fi
}

# netavark's global chains are shared by every rootful podman on the host: remove them only when
# they hold no port forward and no per-network chain is left.
remove_netavark_chains() {
  command -v iptables >/dev/null || return 0
  iptables -t nat -S NETAVARK-HOSTPORT-DNAT >/dev/null 2>&1 || return 0   # chain absent: done
  local nat
  nat=$(iptables -t nat -S)
  if grep -q -- '-A NETAVARK-HOSTPORT-DNAT ' <<<"$nat" || grep -qE '^-N (NETAVARK-[0-9A-F]{8,}|CNI-)' <<<"$nat"; then
    log "netavark iptables chains still in use on this host; leaving them"
    return 1
  fi
  local rule chain
  for rule in "PREROUTING -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT" \
              "OUTPUT -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT" \
              "POSTROUTING -j NETAVARK-HOSTPORT-MASQ"; do
    # shellcheck disable=SC2086
    if iptables -t nat -C $rule 2>/dev/null; then iptables -t nat -D $rule; fi
  done
  for chain in NETAVARK-HOSTPORT-DNAT NETAVARK-HOSTPORT-MASQ NETAVARK-HOSTPORT-SETMARK; do
    if iptables -t nat -S "$chain" >/dev/null 2>&1; then iptables -t nat -F "$chain"; iptables -t nat -X "$chain"; fi
  done
  if iptables -S NETAVARK_FORWARD >/dev/null 2>&1; then
    rule=(FORWARD -m comment --comment "netavark firewall plugin rules" -j NETAVARK_FORWARD)
    if iptables -C "${rule[@]}" 2>/dev/null; then iptables -D "${rule[@]}"; fi
    iptables -F NETAVARK_FORWARD; iptables -X NETAVARK_FORWARD
  fi
}

# Host state outside STATE_DIR that rootful podman creates and never removes.
remove_host_state() {
  rm -f /run/containers/networks/ipam.db
  rm -rf /var/lib/containers/cache
  # podman bind-mounts /run/netns onto itself; undo it once no namespace is left.
  if mountpoint -q /run/netns && [ -z "$(ls -A /run/netns)" ]; then umount /run/netns; fi
  local d
  for d in /run/containers/networks /run/containers /var/lib/containers /run/runc /run/netns; do
    if [ -d "$d" ] && [ -z "$(ls -A "$d")" ]; then rmdir "$d"; fi
  done
  if [ -f "$STATE_DIR/ip_forward.orig" ]; then
    sysctl -q -w "net.ipv4.ip_forward=$(cat "$STATE_DIR/ip_forward.orig")"
    rm "$STATE_DIR/ip_forward.orig"
  fi
}

if command -v podman >/dev/null; then stop_containers; fi
stop_registry
if pid=$(service_pid); then
  stop_service "$pid"
  log "stopped podman service (pid $pid)"
else
  log "no podman service running for $STATE_DIR"
  rm -f "$PIDFILE" "$SOCK"
fi
end_leftover_conmons
if [ "$PURGE" = true ] && command -v podman >/dev/null; then
  "${PODMAN[@]}" system reset --force >/dev/null   # removes all storage, images included
fi
unmount_storage
if remove_netavark_chains; then remove_host_state; fi
if [ "$PURGE" = true ]; then
  rm -rf "$STATE_DIR"
  log "purged $STATE_DIR"
fi

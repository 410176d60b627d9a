#!/bin/bash
# Build the image devkit-test/postgres:15 from the host's PostgreSQL 15 binaries (no registry is
# reachable) and import it into the engine's storage. Skips the build when an image with the same
# fingerprint (this script + entrypoint.sh + host PostgreSQL version) already exists.
# Usage: build-image.sh [STATE_DIR]     (normally called by up.sh)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
STATE_DIR=${1:-${STATE_DIR:-}}
# shellcheck source-path=SCRIPTDIR source=engine.sh
source "$HERE/engine.sh"

PGV=15
PGLIB=/usr/lib/postgresql/$PGV
[ -x "$PGLIB/bin/postgres" ] || { log "no $PGLIB/bin/postgres on this host (apt-get install postgresql-$PGV)"; exit 1; }

fingerprint=$(cat "$HERE/build-image.sh" "$HERE/entrypoint.sh" <("$PGLIB/bin/postgres" --version) | sha256sum | cut -c1-16)
if "${PODMAN[@]}" image exists "$IMAGE"; then
  have=$("${PODMAN[@]}" image inspect --format "{{ index .Labels \"$FINGERPRINT_LABEL\" }}" "$IMAGE")
  if [ "$have" = "$fingerprint" ]; then
    log "image $IMAGE is up to date ($fingerprint)"
    exit 0
  fi
  log "image $IMAGE is stale ($have != $fingerprint), rebuilding"
fi

mkdir -p "$STATE_DIR/build"
R=$(mktemp -d "$STATE_DIR/build/rootfs.XXXX")
TAR=$R.tar
trap 'rm -rf "$R" "$TAR"' EXIT

mkdir -p "$R"/{usr/bin,usr/sbin,usr/lib,usr/lib64,usr/local/bin,usr/share/postgresql,etc,tmp,dev,proc,sys} \
  "$R"/{var/run/postgresql,var/lib/postgresql,docker-entrypoint-initdb.d} "$R$PGLIB/lib"
# merged-/usr layout like Debian 12
ln -s usr/bin "$R/bin"; ln -s usr/sbin "$R/sbin"; ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"
chmod 1777 "$R/tmp"

# Server binaries and extension libraries, minus the LLVM JIT (it would pull in ~100 MB of libLLVM).
cp -a "$PGLIB/bin" "$R$PGLIB/"
find "$PGLIB/lib" -maxdepth 1 -name '*.so' ! -name 'llvmjit*' -exec cp -a {} "$R$PGLIB/lib/" \;
cp -a /usr/share/postgresql/$PGV "$R/usr/share/postgresql/"
cp -a /usr/share/zoneinfo "$R/usr/share/"   # Debian builds PostgreSQL --with-system-tzdata

# A small userland: dash as /bin/sh, the coreutils the entrypoint uses, setpriv to drop root.
cp -a /bin/dash "$R/bin/dash"; ln -s dash "$R/bin/sh"
for t in /bin/mkdir /bin/chown /bin/chmod /bin/cat /bin/ls /bin/rm /bin/sleep /usr/bin/id /usr/bin/env /usr/bin/setpriv; do
  cp -L "$t" "$R$t"
done

# Every shared library any copied ELF file needs (ldd resolves transitively).
find "$R" -type f \( -perm -u+x -o -name '*.so' \) -print0 |
  while IFS= read -r -d '' f; do
    if [ "$(head -c4 "$f")" = $'\x7fELF' ]; then ldd "$f"; fi
  done | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/lib64\// {print $1}' | sort -u |
  while read -r lib; do
    mkdir -p "$R$(dirname "$lib")"
    [ -e "$R$lib" ] || cp -L "$lib" "$R$lib"
  done

cat >"$R/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/sh
P
cat >"$R/etc/group" <<'G'
root:x:0:
postgres:x:999:
nogroup:x:65534:
G
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$R/etc/nsswitch.conf"
echo '127.0.0.1 localhost' >"$R/etc/hosts"
: >"$R/etc/resolv.conf"
install -m 755 "$HERE/entrypoint.sh" "$R/usr/local/bin/docker-entrypoint.sh"

tar --numeric-owner -C "$R" -cf "$TAR" .
# The same configuration as the official image, where devkit can see it (PGDATA, port, stop signal).
"${PODMAN[@]}" import --quiet \
  --change "ENV PATH=$PGLIB/bin:/usr/local/bin:/usr/bin:/bin" \
  --change 'ENV PGDATA=/var/lib/postgresql/data' --change 'ENV TZ=UTC' \
  --change 'VOLUME /var/lib/postgresql/data' --change 'EXPOSE 5432' --change 'STOPSIGNAL SIGINT' \
  --change "LABEL $FINGERPRINT_LABEL=$fingerprint" \
  --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' --change 'CMD ["postgres"]' \
  "$TAR" "$IMAGE" >/dev/null
# A rebuild leaves the previous image untagged; drop it so storage does not grow.
"${PODMAN[@]}" image prune --force >/dev/null
log "built image $IMAGE ($fingerprint, $(du -sh "$TAR" | cut -f1) rootfs)"

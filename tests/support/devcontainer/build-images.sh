#!/bin/bash
# Stand-ins for the public base images that `devkit init --devcontainer` references, built
# locally because no image registry is reachable here (substitutions of the devcontainer e2e
# test; users get the real images):
#   python:3.11-bookworm    <- a Debian bookworm rootfs from Debian's package archive
#                              (mmdebstrap: python3, venv, pip, git, ca-certificates, procps)
#   node:20-bookworm-slim   <- the same rootfs plus the host's Node 20 laid out as the official
#                              image has it (/usr/local/bin/node, /usr/local/lib/node_modules)
#   postgres:15             <- a tag of tests/support/docker_engine's devkit-test/postgres:15
# Skips a build when the image's fingerprint label matches. Usage: build-images.sh STATE_DIR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
STATE_DIR=${1:?usage: build-images.sh STATE_DIR}
# shellcheck source-path=SCRIPTDIR source=../docker_engine/engine.sh
source "$HERE/../docker_engine/engine.sh"

PY_IMAGE=docker.io/library/python:3.11-bookworm
NODE_IMAGE=docker.io/library/node:20-bookworm-slim
PG_IMAGE=docker.io/library/postgres:15

command -v mmdebstrap >/dev/null || {
  log "installing mmdebstrap (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
}

up_to_date() {  # image fingerprint
  "${PODMAN[@]}" image exists "$1" &&
    [ "$("${PODMAN[@]}" image inspect --format "{{ index .Labels \"$FINGERPRINT_LABEL\" }}" "$1")" = "$2" ]
}

# The Debian rootfs (slow: about 40 s) is kept apart from the layers on top of it.
ROOTFS_IMAGE=docker.io/devkit-test/bookworm-rootfs:12
rootfs_fp=$(sed -n '/^# rootfs-begin/,/^# rootfs-end/p' "$HERE/build-images.sh" | sha256sum | cut -c1-16)
# rootfs-begin
if up_to_date "$ROOTFS_IMAGE" "$rootfs_fp"; then
  log "image $ROOTFS_IMAGE is up to date ($rootfs_fp)"
else
  mkdir -p "$STATE_DIR/build"
  tar=$(mktemp "$STATE_DIR/build/python-rootfs.XXXX.tar")
  trap 'rm -f "$tar"' EXIT
  log "building $ROOTFS_IMAGE with mmdebstrap (about 40 s)"
  # --dpkgopt: no docs or man pages; the official image's python has no EXTERNALLY-MANAGED marker
  # (it is built from source into /usr/local), so pip installs into it as it does there.
  mmdebstrap --quiet --variant=minbase \
    --include=python3,python3-venv,python3-pip,git,ca-certificates,procps,libstdc++6 \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --customize-hook='rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED' \
    --customize-hook='ln -sf /usr/bin/python3 "$1"/usr/local/bin/python' \
    bookworm "$tar" "deb http://deb.debian.org/debian bookworm main"
  "${PODMAN[@]}" import --quiet \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change "LABEL $FINGERPRINT_LABEL=$rootfs_fp" \
    --change 'CMD ["python3"]' "$tar" "$ROOTFS_IMAGE" >/dev/null
  rm -f "$tar"
  log "built $ROOTFS_IMAGE"
fi
# rootfs-end

# build_layer IMAGE FINGERPRINT CONTEXT: a small image on top of the rootfs (Dockerfile in CONTEXT).
build_layer() {
  if up_to_date "$1" "$2"; then log "image $1 is up to date ($2)"; rm -rf "$3"; return 0; fi
  echo "LABEL $FINGERPRINT_LABEL=$2" >>"$3/Dockerfile"
  "${PODMAN[@]}" build --quiet --pull=never -t "$1" "$3" >/dev/null
  rm -rf "$3"
  log "built $1"
}

# This sandbox reaches the package registries through a TLS-intercepting proxy whose CA is in the
# host's bundle: the stand-in images trust it (the public images need no such thing).
CA=/etc/ssl/certs/ca-certificates.crt
py_fp=$( (echo "$rootfs_fp"; sed -n '/^# python-begin/,/^# python-end/p' "$HERE/build-images.sh"; cat "$CA") | sha256sum | cut -c1-16)
# python-begin
ctx=$(mktemp -d "$STATE_DIR/build/python.XXXX")
cp "$CA" "$ctx/ca-certificates.crt"
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $ROOTFS_IMAGE
COPY ca-certificates.crt $CA
ENV SSL_CERT_FILE=$CA PIP_CERT=$CA REQUESTS_CA_BUNDLE=$CA NODE_EXTRA_CA_CERTS=$CA GIT_SSL_CAINFO=$CA
DOCKERFILE
# python-end
build_layer "$PY_IMAGE" "$py_fp" "$ctx"

node_fp=$( (echo "$py_fp"; sed -n '/^# node-begin/,/^# node-end/p' "$HERE/build-images.sh"; /usr/bin/node --version) | sha256sum | cut -c1-16)
# node-begin
ctx=$(mktemp -d "$STATE_DIR/build/node.XXXX")
mkdir -p "$ctx/usr/local/bin" "$ctx/usr/local/lib/node_modules"
cp -L /usr/bin/node "$ctx/usr/local/bin/node"
cp -a /usr/lib/node_modules/npm /usr/lib/node_modules/corepack "$ctx/usr/local/lib/node_modules/"
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $PY_IMAGE
COPY usr/local /usr/local
RUN ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && ln -sf ../lib/node_modules/corepack/dist/corepack.js /usr/local/bin/corepack
CMD ["node"]
DOCKERFILE
# node-end
build_layer "$NODE_IMAGE" "$node_fp" "$ctx"

"${PODMAN[@]}" tag "$IMAGE" "$PG_IMAGE"
"${PODMAN[@]}" image prune --force >/dev/null
log "tagged $IMAGE as $PG_IMAGE"

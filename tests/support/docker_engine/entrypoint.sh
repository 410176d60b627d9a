#!/bin/sh
# Entrypoint of the devkit-test/postgres:15 image: the behaviour of the official postgres image's
# docker-entrypoint.sh that devkit depends on, in POSIX sh (the image has dash, not bash).
#
# First start (empty PGDATA): initdb, then a TEMPORARY server listening only on the unix socket
# (listen_addresses=''), create POSTGRES_DB, run /docker-entrypoint-initdb.d/*.sql|*.sh, stop it,
# and only then exec the real server on all addresses. Like the official image, the log says
# "database system is ready to accept connections" twice; only the second one means TCP is up.
set -eu

# Test hook: a container that dies at once, for "container exited while waiting" paths.
if [ "${DEVKIT_TEST_EXIT_IMMEDIATELY:-}" = 1 ]; then
  echo "devkit-test entrypoint: DEVKIT_TEST_EXIT_IMMEDIATELY=1, exiting with status 1" >&2
  exit 1
fi

# `docker run IMAGE -c fsync=off` means `postgres -c fsync=off`, as in the official image.
if [ "$#" -eq 0 ]; then set -- postgres; fi
case "$1" in -*) set -- postgres "$@" ;; esac
if [ "$1" != postgres ]; then exec "$@"; fi

export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 3775 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

init_cluster() {
  auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    echo "Error: Database is uninitialized and superuser password is not specified." >&2
    echo "       Set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust)." >&2
    exit 1
  fi
  pwfile=/tmp/pwfile.$$
  (umask 077; printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile")
  # No locales in the image: C collation, UTF8 encoding. ${POSTGRES_INITDB_ARGS} is split on purpose.
  # shellcheck disable=SC2086
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --no-locale --encoding=UTF8 \
    ${POSTGRES_INITDB_ARGS:-}
  rm -f "$pwfile"
  # initdb's pg_hba trusts the socket and loopback inside the container; every other TCP
  # client (the host, through the published port) must use a password.
  printf 'host all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
  printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -p 5432" start
  export PGHOST=/var/run/postgresql PGPORT=5432 PGUSER="$POSTGRES_USER"
  psql -v ON_ERROR_STOP=1 --no-psqlrc --dbname=postgres -v db="$POSTGRES_DB" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    # shellcheck disable=SC1090  # sourced like the official image does
    case "$f" in
      *.sql) echo "running $f"; psql -v ON_ERROR_STOP=1 --no-psqlrc --dbname="$POSTGRES_DB" -f "$f" ;;
      *.sh) echo "running $f"; . "$f" ;;
      *) echo "ignoring $f" ;;
    esac
  done
  # Hold the socket-only phase long enough for tests to see that a TCP check is refused here.
  sleep "${DEVKIT_TEST_INIT_SLEEP:-1}"
  pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGHOST PGPORT PGUSER
  echo "PostgreSQL init process complete; ready for start up."
}

if [ -s "$PGDATA/PG_VERSION" ]; then
  echo "PostgreSQL Database directory appears to contain a database; Skipping initialization"
else
  init_cluster
fi

# exec: postgres becomes PID 1 and receives `docker stop`'s SIGINT (fast shutdown).
exec "$@"

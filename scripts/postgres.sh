#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: `initdb` in a temp dir, listening on 127.0.0.1 only,
# data thrown away on `stop`. Installs nothing: it fails with a clear message when the server
# binaries are missing (CI installs them: `apt-get install postgresql`).
#
#   scripts/postgres.sh start    start a cluster (or find the one already running) and print its URL
#   scripts/postgres.sh url      print the URL of the running cluster
#   scripts/postgres.sh status   exit 0 when it runs, 1 when it does not
#   scripts/postgres.sh stop     stop it and remove its folder (nothing to do if it is not running)
#
# Environment:
#   PG_DIR   the cluster's folder (default ${TMPDIR:-/tmp}/cairn-postgres). One folder, one cluster:
#            give each concurrent user (a test run, a CI job) its own.
#   PG_PORT  the port. When set it must be free; when unset the first free port from 55432 up is
#            taken (never 5432: a machine may run its own PostgreSQL there).
#   PG_BIN   the folder of initdb/pg_ctl (default: the newest /usr/lib/postgresql/*/bin, else PATH).
#
# The URL (also written to $PG_DIR/url) is postgres://postgres:<password>@127.0.0.1:<port>/cairn.
# TCP connections need that random password (scram-sha-256), so a wrong password is refused as it
# would be on a real server; the Unix socket in $PG_DIR trusts local users.
set -euo pipefail
umask 077

DIR=${PG_DIR:-${TMPDIR:-/tmp}/cairn-postgres}
DATABASE=cairn
FIRST_PORT=55432
LAST_PORT=55531

die() {
  echo "postgres.sh: $*" >&2
  exit 1
}

# Finds initdb and pg_ctl. Debian keeps the server binaries off PATH, in /usr/lib/postgresql/N/bin.
find_bin() {
  if [ -n "${PG_BIN:-}" ]; then
    [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] || die "PG_BIN=$PG_BIN has no initdb/pg_ctl."
    echo "$PG_BIN"
    return
  fi
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return
    fi
  done
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"
    return
  fi
  echo "postgres.sh: PostgreSQL server binaries (initdb, pg_ctl) not found in" \
    "/usr/lib/postgresql/*/bin or PATH. Install them (Debian/Ubuntu: apt-get install postgresql)" \
    "or set PG_BIN to their folder." >&2
  exit 3
}

# initdb and postgres refuse to run as root: as root, run them as the `postgres` user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

running() {
  [ -f "$DIR/data/postmaster.pid" ] && [ -f "$DIR/url" ] &&
    as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

stop_cluster() {
  # A pid file whose server is gone (killed machine, killed test run) needs no stopping.
  if [ -f "$DIR/data/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >/dev/null ||
      die "could not stop the cluster in $DIR (see $DIR/server.log)"
  fi
  rm -rf "$DIR"
}

# Starts postgres on port $1; fails (returning 1) when the port could not be bound.
start_on() {
  local port=$1
  # listen_addresses: TCP on loopback only; the socket goes in our folder (/var/run/postgresql may
  # not exist). fsync and friends off: the data is thrown away, and they make start-up and every
  # commit slower.
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 -o \
    "-p $port -c listen_addresses=127.0.0.1 -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
}

start() {
  if running; then
    cat "$DIR/url"
    return
  fi
  # A folder left by a run that was killed: its server is gone, so start afresh.
  [ -e "$DIR" ] && stop_cluster
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' user to run the server as."
  fi

  if [ -n "${PG_PORT:-}" ] && port_taken "$PG_PORT"; then
    die "port $PG_PORT on 127.0.0.1 is in use; set PG_PORT to a free port."
  fi

  mkdir -p "$DIR"
  # A start that fails half-way leaves nothing behind (a server it started included).
  trap stop_cluster EXIT
  local password
  password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s\n' "$password" >"$DIR/password"
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$DIR"

  if ! as_owner "$BIN/initdb" -D "$DIR/data" -U postgres -E UTF8 --no-locale --no-sync \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$DIR/password" >"$DIR/initdb.log" 2>&1; then
    cat "$DIR/initdb.log" >&2
    die "initdb failed (log above)"
  fi

  local port
  if [ -n "${PG_PORT:-}" ]; then
    start_on "$PG_PORT" || { cat "$DIR/server.log" >&2; die "the server did not start (log above)"; }
    port=$PG_PORT
  else
    # Another cluster may take a port between the check and the bind: then try the next one.
    for ((port = FIRST_PORT; port <= LAST_PORT; port++)); do
      port_taken "$port" && continue
      start_on "$port" && break
      grep -q 'could not bind\|could not create lock file\|Address already in use' "$DIR/server.log" || {
        cat "$DIR/server.log" >&2
        die "the server did not start (log above)"
      }
      : >"$DIR/server.log"
    done
    ((port <= LAST_PORT)) || die "no free port on 127.0.0.1 in $FIRST_PORT-$LAST_PORT; set PG_PORT."
  fi

  # Over the socket, which trusts local users: no password needed here.
  local psql="$BIN/psql"
  [ -x "$psql" ] || psql=$(command -v psql) || die "psql not found (Debian/Ubuntu: apt-get install postgresql-client)"
  as_owner "$psql" -h "$DIR" -p "$port" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE $DATABASE" >/dev/null || die "could not create the database $DATABASE"

  local url="postgres://postgres:$password@127.0.0.1:$port/$DATABASE"
  printf '%s\n' "$port" >"$DIR/port"
  # Written last (umask 077: it holds the password): its presence means ready.
  printf '%s\n' "$url" >"$DIR/url.tmp"
  mv "$DIR/url.tmp" "$DIR/url"
  trap - EXIT
  echo "$url"
}

case "${1:-}" in
  start)
    BIN=$(find_bin)
    start
    ;;
  url)
    BIN=$(find_bin)
    running || die "no cluster runs in $DIR; run: scripts/postgres.sh start"
    cat "$DIR/url"
    ;;
  status)
    BIN=$(find_bin)
    running
    ;;
  stop)
    [ -e "$DIR" ] || exit 0
    BIN=$(find_bin)
    stop_cluster
    ;;
  *)
    echo "usage: $0 start|url|status|stop   (env: PG_DIR, PG_PORT, PG_BIN)" >&2
    exit 2
    ;;
esac

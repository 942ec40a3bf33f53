# shellcheck shell=bash
# A throwaway PostgreSQL for the data-layer tests. Source this file, then:
#   start_test_postgres && trap stop_test_postgres EXIT
# start_test_postgres installs Debian's `postgresql` if no initdb is found, creates a
# cluster in a temp dir (run as the `postgres` system user: the server refuses root),
# listens on 127.0.0.1:$SUPPORT_SYSTEM_TEST_POSTGRES_PORT (default 54329) with its unix
# socket in the temp dir, and exports SUPPORT_SYSTEM_TEST_POSTGRES_URL for a role that
# may create databases (each test creates and drops its own).

_pg_say() { printf '[postgres] %s\n' "$*"; }

_pg_bindir() {
  # Prints the newest /usr/lib/postgresql/<version>/bin with an initdb (Debian keeps it
  # off PATH), else the directory of an initdb on PATH, else nothing. Always succeeds,
  # so callers running under `set -euo pipefail` are not aborted.
  local dir found=""
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V || true); do
    [ -x "$dir/initdb" ] && found="$dir"
  done
  if [ -z "$found" ] && command -v initdb >/dev/null 2>&1; then
    found=$(dirname "$(readlink -f "$(command -v initdb)")")
  fi
  echo "$found"
}

_pg_fail() {
  # _pg_fail MESSAGE [LOG]: report, show the log's tail, clean up, return 1.
  _pg_say "FAILED: $1"
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 20 "$2"
  stop_test_postgres
  return 1
}

_pg_as_postgres() { runuser -u postgres -- "$@"; }

start_test_postgres() {
  local port="${SUPPORT_SYSTEM_TEST_POSTGRES_PORT:-54329}" bindir password
  bindir=$(_pg_bindir)
  if [ -z "$bindir" ]; then
    _pg_say "initdb not found: installing Debian package postgresql"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || {
        _pg_say "FAILED to install postgresql"; return 1; }
    bindir=$(_pg_bindir)
    [ -n "$bindir" ] || { _pg_say "FAILED: still no initdb after installing postgresql"; return 1; }
  fi
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" 2>/dev/null; then
    _pg_say "port $port is already in use; set SUPPORT_SYSTEM_TEST_POSTGRES_PORT to a free port"
    return 1
  fi

  TEST_POSTGRES_DIR=$(mktemp -d /tmp/support-system-pg.XXXXXX) || return 1
  TEST_POSTGRES_BINDIR="$bindir"
  chown postgres: "$TEST_POSTGRES_DIR" && chmod 700 "$TEST_POSTGRES_DIR"
  _pg_say "initdb ($("$bindir/initdb" --version | awk '{print $3}')) in $TEST_POSTGRES_DIR"
  _pg_as_postgres "$bindir/initdb" -D "$TEST_POSTGRES_DIR/data" -U postgres -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 >"$TEST_POSTGRES_DIR/initdb.log" 2>&1 ||
    { _pg_fail "initdb" "$TEST_POSTGRES_DIR/initdb.log"; return 1; }

  _pg_say "starting on 127.0.0.1:$port"
  # Durability is pointless for a throwaway server: fsync off makes CREATE DATABASE fast.
  # Autovacuum off: a worker vacuuming a test database makes that test's
  # DROP DATABASE ... WITH (FORCE) fail (the test role may not terminate it).
  _pg_as_postgres "$bindir/pg_ctl" -D "$TEST_POSTGRES_DIR/data" -l "$TEST_POSTGRES_DIR/server.log" \
    -o "-h 127.0.0.1 -p $port -k $TEST_POSTGRES_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off" \
    -w -t 30 start >/dev/null ||
    { _pg_fail "server did not start" "$TEST_POSTGRES_DIR/server.log"; return 1; }
  local tries=0
  until "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 30 ]; then _pg_fail "server not ready after 30 s"; return 1; fi
    sleep 1
  done

  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  _pg_as_postgres "$bindir/psql" -q -v ON_ERROR_STOP=1 -h "$TEST_POSTGRES_DIR" -p "$port" \
    -U postgres -d postgres -c "CREATE ROLE support_test LOGIN CREATEDB PASSWORD '$password'" \
    >/dev/null || { _pg_fail "could not create the test role"; return 1; }
  export SUPPORT_SYSTEM_TEST_POSTGRES_URL="postgresql+psycopg://support_test:${password}@127.0.0.1:${port}/postgres"
  _pg_say "ready (role support_test; SUPPORT_SYSTEM_TEST_POSTGRES_URL exported)"
}

stop_test_postgres() {
  [ -n "${TEST_POSTGRES_DIR:-}" ] || return 0
  if [ -f "$TEST_POSTGRES_DIR/data/postmaster.pid" ]; then
    _pg_as_postgres "$TEST_POSTGRES_BINDIR/pg_ctl" -D "$TEST_POSTGRES_DIR/data" -m fast -w stop >/dev/null 2>&1 ||
      _pg_say "could not stop the server cleanly"
  fi
  rm -rf "$TEST_POSTGRES_DIR"
  _pg_say "stopped and removed $TEST_POSTGRES_DIR"
  unset TEST_POSTGRES_DIR TEST_POSTGRES_BINDIR SUPPORT_SYSTEM_TEST_POSTGRES_URL
}

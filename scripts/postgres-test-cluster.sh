#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests (ctest fixture `postgres`: postgres.start and
# postgres.stop), so that nothing depends on a server already running.
#
#   scripts/postgres-test-cluster.sh start DIR   initdb into a new temporary directory, start the
#       server on a free 127.0.0.1 port (unix socket in that directory, fsync off: test data
#       only), and write DIR/uri: a libpq URI with the superuser's random password (mode 0600).
#       A cluster an earlier start left in DIR is stopped first.
#   scripts/postgres-test-cluster.sh stop DIR    stop that cluster and remove it; idempotent.
#   scripts/postgres-test-cluster.sh halt DIR    stop that cluster's server (fast shutdown: its
#       clients' connections are cut) and keep its data, for outage tests.
#   scripts/postgres-test-cluster.sh resume DIR  start a halted server again on the same port.
#   scripts/postgres-test-cluster.sh restart DIR  crash and restart that cluster's server
#       (immediate shutdown, as if it died: crash recovery at the next start), same port.
#
# POSTGRES_SYNCHRONOUS_COMMIT=on at `start` makes every commit wait for its WAL write (default
# off, which is faster but may lose the last commits when the server crashes: a test that
# restarts the server with `restart` and counts acknowledged writes needs on). POSTGRES_FSYNC=on
# at `start`: fsync as a durable deployment runs (default off: only the machine's crash could
# lose what it wrote; the benchmarks use on). The cluster keeps both for resume and restart.
#
# As root, the server runs as user `postgres` (initdb refuses root); otherwise as the caller.
# POSTGRES_BIN overrides where initdb and pg_ctl are looked for (default: PostgreSQL 15's).
# Exits non-zero with the reason (and the server's log) when the cluster cannot start.
set -euo pipefail
# shellcheck source=lib/free-port.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/free-port.sh"

usage() {
  echo "usage: $0 start|stop|halt|resume|restart DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action="$1"
dir="$2"

fail() {
  echo "postgres-test-cluster: $*" >&2
  exit 1
}

bin_dir() {
  if [ -n "${POSTGRES_BIN:-}" ]; then
    echo "$POSTGRES_BIN"
    return
  fi
  local candidate
  for candidate in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
      echo "$candidate"
      return
    fi
  done
  candidate="$(command -v initdb 2>/dev/null || true)"
  [ -n "$candidate" ] || fail "initdb not found: install postgresql-15 (scripts/install-deps.sh)"
  dirname "$(readlink -f "$candidate")"
}

# Runs a server binary as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_cluster() {
  [ -f "$dir/cluster" ] || return 0
  local cluster
  cluster="$(cat "$dir/cluster")"
  if [ -n "$cluster" ] && [ -d "$cluster/data" ]; then
    as_owner "$(bin_dir)/pg_ctl" -D "$cluster/data" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
  fi
  # Only what this script created: a directory holding our marker.
  if [ -n "$cluster" ] && [ -f "$cluster/pop-test-cluster" ]; then
    rm -rf "$cluster"
  fi
  rm -f "$dir/cluster" "$dir/uri" "$dir/port"
}

# Starts the server of `cluster` on `port` (binary directory `bin`). fsync=off loses nothing
# when only the server dies (the kernel keeps what it wrote); synchronous_commit as chosen at start.
start_server() {
  local synchronous_commit fsync
  synchronous_commit="$(cat "$2/synchronous_commit" 2>/dev/null || echo off)"
  fsync="$(cat "$2/fsync" 2>/dev/null || echo off)"
  as_owner "$1/pg_ctl" -D "$2/data" -l "$2/server.log" -w -t 60 start \
    -o "-p $3 -k $2 -c listen_addresses=127.0.0.1 -c fsync=$fsync \
        -c synchronous_commit=$synchronous_commit -c full_page_writes=off \
        -c max_connections=300" \
    >/dev/null 2>&1
}

halt_server() {
  [ -f "$dir/cluster" ] || fail "no cluster in $dir"
  as_owner "$(bin_dir)/pg_ctl" -D "$(cat "$dir/cluster")/data" -m fast -w -t 60 stop >/dev/null
}

restart_server() {
  [ -f "$dir/cluster" ] || fail "no cluster in $dir"
  as_owner "$(bin_dir)/pg_ctl" -D "$(cat "$dir/cluster")/data" -m immediate -w -t 60 stop \
    >/dev/null
  resume_server
}

resume_server() {
  [ -f "$dir/cluster" ] && [ -f "$dir/port" ] || fail "no cluster in $dir"
  local cluster
  cluster="$(cat "$dir/cluster")"
  start_server "$(bin_dir)" "$cluster" "$(cat "$dir/port")" || {
    cat "$cluster/server.log" >&2 2>/dev/null || true
    fail "the PostgreSQL server did not start again (its log is above)"
  }
}

start_cluster() {
  mkdir -p "$dir"
  stop_cluster
  local bin cluster password port
  bin="$(bin_dir)"
  [ -x "$bin/initdb" ] || fail "$bin/initdb missing: install postgresql-15 (scripts/install-deps.sh)"
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    fail "running as root, but there is no user 'postgres' to run the server as"
  fi
  cluster="$(mktemp -d "${TMPDIR:-/tmp}/pop-pg-test.XXXXXX")"
  touch "$cluster/pop-test-cluster"
  case "${POSTGRES_SYNCHRONOUS_COMMIT:-off}" in
    on | off) echo "${POSTGRES_SYNCHRONOUS_COMMIT:-off}" >"$cluster/synchronous_commit" ;;
    *) fail "POSTGRES_SYNCHRONOUS_COMMIT must be on or off, not '$POSTGRES_SYNCHRONOUS_COMMIT'" ;;
  esac
  case "${POSTGRES_FSYNC:-off}" in
    on | off) echo "${POSTGRES_FSYNC:-off}" >"$cluster/fsync" ;;
    *) fail "POSTGRES_FSYNC must be on or off, not '$POSTGRES_FSYNC'" ;;
  esac
  echo "$cluster" >"$dir/cluster"
  password="$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  (umask 077 && printf '%s\n' "$password" >"$cluster/pwfile")
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres: "$cluster"
  fi
  if ! as_owner "$bin/initdb" -D "$cluster/data" -U postgres -E UTF8 --locale=C \
      --auth-local=trust --auth-host=scram-sha-256 --pwfile="$cluster/pwfile" --no-sync \
      >"$cluster/initdb.log" 2>&1; then
    cat "$cluster/initdb.log" >&2
    fail "initdb failed"
  fi
  rm -f "$cluster/pwfile"
  local started=""
  for _ in 1 2 3 4 5; do
    port="$(free_port_candidate)"
    if start_server "$bin" "$cluster" "$port"; then
      started=yes
      echo "$port" >"$dir/port"
      break
    fi
    grep -q "could not bind\|already in use" "$cluster/server.log" 2>/dev/null || break
  done
  if [ -z "$started" ]; then
    cat "$cluster/server.log" >&2 2>/dev/null || true
    stop_cluster
    fail "the PostgreSQL server did not start (its log is above)"
  fi
  (umask 077 && printf 'postgresql://postgres:%s@127.0.0.1:%s/postgres\n' "$password" "$port" \
    >"$dir/uri.tmp" && mv "$dir/uri.tmp" "$dir/uri")
  echo "postgres-test-cluster: PostgreSQL $("$bin/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port, data in $cluster"
}

case "$action" in
  start) start_cluster ;;
  stop) stop_cluster ;;
  halt) halt_server ;;
  resume) resume_server ;;
  restart) restart_server ;;
  *) usage ;;
esac

#!/usr/bin/env bash
# A throw-away Graphite carbon-cache for the tests (ctest fixture `carbon`: carbon.start and
# carbon.stop), so that nothing depends on a Graphite already running.
#
#   scripts/carbon-test-cache.sh start DIR   write a carbon.conf into a new temporary directory,
#       start carbon-cache with its plaintext (line) receiver on a free 127.0.0.1 port, every
#       metric kept at 1 s resolution for an hour, and write DIR/address ("127.0.0.1:PORT") and
#       DIR/whisper (the directory holding the .wsp files). A cache an earlier start left in DIR
#       is stopped first.
#   scripts/carbon-test-cache.sh stop DIR    stop that cache and remove it; idempotent.
#
# Debian's packages graphite-carbon and python3-whisper (scripts/install-deps.sh). Debian's
# scripts are called by full path: the python3 first on PATH may not be Debian's.
# Exits non-zero with the reason (and carbon's log) when the cache cannot start.
set -euo pipefail
# shellcheck source=lib/free-port.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/free-port.sh"

CARBON=/usr/bin/carbon-cache

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action="$1"
dir="$2"

fail() {
  echo "carbon-test-cache: $*" >&2
  exit 1
}

stop_cache() {
  [ -f "$dir/cache" ] || return 0
  local cache pid
  cache="$(cat "$dir/cache")"
  if [ -n "$cache" ] && [ -f "$cache/carbon.pid" ]; then
    pid="$(cat "$cache/carbon.pid" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  # Only what this script created: a directory holding our marker.
  if [ -n "$cache" ] && [ -f "$cache/pop-test-carbon" ]; then
    rm -rf "$cache"
  fi
  rm -f "$dir/cache" "$dir/address" "$dir/whisper"
}

write_config() {
  local cache="$1" line_port="$2" pickle_port="$3" query_port="$4"
  mkdir -p "$cache/storage/whisper" "$cache/storage/lists" "$cache/log" "$cache/conf"
  cat >"$cache/conf/carbon.conf" <<CONF
[cache]
STORAGE_DIR = $cache/storage/
LOCAL_DATA_DIR = $cache/storage/whisper/
WHITELISTS_DIR = $cache/storage/lists/
CONF_DIR = $cache/conf/
LOG_DIR = $cache/log/
PID_DIR = $cache/
USER =
ENABLE_LOGROTATION = False
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = inf
MAX_CREATES_PER_MINUTE = inf
WHISPER_AUTOFLUSH = True
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = $line_port
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = $pickle_port
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = $query_port
LOG_LISTENER_CONN_SUCCESS = False
CONF
  cat >"$cache/conf/storage-schemas.conf" <<CONF
[default]
pattern = .*
retentions = 1s:1h
CONF
  cat >"$cache/conf/storage-aggregation.conf" <<CONF
[default]
pattern = .*
xFilesFactor = 0
aggregationMethod = last
CONF
}

# Whether something accepts connections on 127.0.0.1:$1.
listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_cache() {
  [ -x "$CARBON" ] || fail "$CARBON missing: install graphite-carbon (scripts/install-deps.sh)"
  mkdir -p "$dir"
  stop_cache
  local cache line_port started=""
  cache="$(mktemp -d "${TMPDIR:-/tmp}/pop-carbon-test.XXXXXX")"
  touch "$cache/pop-test-carbon"
  echo "$cache" >"$dir/cache"
  for _ in 1 2 3 4 5; do
    line_port="$(free_port_candidate)"
    write_config "$cache" "$line_port" "$(free_port_candidate)" "$(free_port_candidate)"
    if "$CARBON" --config="$cache/conf/carbon.conf" --pidfile="$cache/carbon.pid" start \
        >"$cache/start.log" 2>&1; then
      for _ in $(seq 1 100); do
        if listening "$line_port"; then
          started=yes
          break
        fi
        sleep 0.05
      done
    fi
    [ -n "$started" ] && break
    grep -q "Address already in use" "$cache"/log/*/console.log "$cache/start.log" 2>/dev/null \
      || break
  done
  if [ -z "$started" ]; then
    cat "$cache/start.log" "$cache"/log/*/console.log >&2 2>/dev/null || true
    stop_cache
    fail "carbon-cache did not start (its log is above)"
  fi
  echo "127.0.0.1:$line_port" >"$dir/address"
  echo "$cache/storage/whisper" >"$dir/whisper"
  echo "carbon-test-cache: carbon-cache on 127.0.0.1:$line_port, whisper files in $cache/storage/whisper"
}

case "$action" in
  start) start_cache ;;
  stop) stop_cache ;;
  *) usage ;;
esac

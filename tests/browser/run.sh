#!/usr/bin/env bash
# The web UI in a real browser: installs playwright-core (pinned by package-lock.json) with
# `npm ci` into the build tree, starts a real `pop dev` on a free port with a temp data dir, and
# runs scenario.mjs against it in Debian's chromium. Screenshots go to <build>/browser/screenshots.
# Usage: tests/browser/run.sh <build-dir> <pop-binary>
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:?build dir}" && pwd)"
pop="${2:?pop binary}"
work="$build/browser"
mkdir -p "$work/screenshots"

if [ ! -x /usr/bin/chromium ]; then
  echo "browser test: /usr/bin/chromium is missing (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
# node_modules lives in the build tree; reinstalled only when the lock file changes.
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi

# Run from the build tree, where `import 'playwright-core'` finds node_modules.
cp "$here/scenario.mjs" "$work/scenario.mjs"

tmp="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
"$pop" dev --listen 127.0.0.1:0 --data-dir "$tmp/data" --ready-file "$tmp/ready" \
  >"$work/pop-dev.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  [ -s "$tmp/ready" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$work/pop-dev.log" >&2
    exit 1
  fi
  sleep 0.05
done
[ -s "$tmp/ready" ] || { echo "pop dev did not start" >&2; cat "$work/pop-dev.log" >&2; exit 1; }

POP_URL="$(head -n1 "$tmp/ready")" POP_TOKEN="$(cat "$tmp/data/admin-token")" \
  POP_SCREENSHOTS="$work/screenshots" POP_PROFILE_DIR="$tmp" node "$work/scenario.mjs"

#!/usr/bin/env bash
# Installs every Debian package that building and testing pop needs. Idempotent: when all are
# present it only checks (well under a second). Needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build g++ clang-14 libclang-rt-14-dev clang-format-14 clang-tidy-14
  python3 ca-certificates curl
  # libraries (docs: DEPENDENCIES.md)
  libboost1.74-dev nlohmann-json3-dev libsqlite3-dev libspdlog-dev libfmt-dev libcli11-dev
  libssl-dev libcurl4-openssl-dev zlib1g-dev libpq-dev pkg-config libyaml-cpp-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev sqlite3
  # the throw-away PostgreSQL 15 the postgres tests start (scripts/postgres-test-cluster.sh)
  postgresql-15
  # the throw-away Kubernetes API server the kubernetes tests start (scripts/kube-test-cluster.sh
  # builds kube-apiserver once from Debian's `kubernetes` source package with Go, runs it on etcd).
  # Never kubernetes-client: the image's kubectl comes from another package and dpkg would abort.
  golang-go etcd-server dpkg-dev rsync jq golang-github-modern-go-reflect2-dev openssl
  # metrics: promtool validates GET /metrics; a throw-away carbon-cache receives the Graphite
  # push and whisper-fetch reads it back (scripts/carbon-test-cache.sh)
  prometheus graphite-carbon python3-whisper
  # the web UI's browser test (tests/browser): Debian's chromium, driven by playwright-core
  chromium
)
# node and npm (playwright-core, tests/browser) from Debian, only when the machine has none: a node
# from elsewhere on PATH is kept.
if ! command -v node >/dev/null 2>&1; then PACKAGES+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(npm); fi

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-deps: missing packages and not root: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

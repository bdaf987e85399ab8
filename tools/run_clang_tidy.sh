#!/usr/bin/env bash
# Runs clang-tidy 14 over every project source file with the build's compile_commands.json, with
# clang's -Wthread-safety on: the lock annotations of src/ports/mutex.h are checked here.
# Usage: tools/run_clang_tidy.sh <build-dir> [files...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:?build dir}"
shift || true
cd "$root"
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files 'src/*.cc' 'bin/*.cc' 'sdk/*.cc' 2>/dev/null || find src bin -name '*.cc')
fi
jobs="$(nproc)"
printf '%s\n' "${files[@]}" |
  xargs -P "$jobs" -n 4 clang-tidy-14 -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option \
    --extra-arg=-Wthread-safety 2>&1 |
  grep -v -E '^[0-9]+ warnings? generated|^Suppressed [0-9]+ warnings|^Use -header-filter|^Use -system-headers' |
  tee /tmp/pop-tidy.$$ || true
if grep -q -E 'error:|warning:' /tmp/pop-tidy.$$; then
  rm -f /tmp/pop-tidy.$$
  echo "clang-tidy: problems found"
  exit 1
fi
rm -f /tmp/pop-tidy.$$
echo "clang-tidy: ok (${#files[@]} files)"

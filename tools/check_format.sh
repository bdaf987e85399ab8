#!/usr/bin/env bash
# Fails when any C++ file differs from clang-format 14's output (`make format` fixes it).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.cc' 2>/dev/null || find src bin tests bench tools sdk -name '*.h' -o -name '*.cc')
clang-format-14 --dry-run --Werror "${files[@]}"
echo "clang-format: ok (${#files[@]} files)"

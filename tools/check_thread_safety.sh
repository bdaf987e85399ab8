#!/usr/bin/env bash
# Proves that clang's -Wthread-safety really checks the annotations of src/ports/mutex.h: the
# file that honours them must compile, the one that breaks them must be refused with one
# diagnostic per broken rule, both by clang itself and by clang-tidy with the project's
# .clang-tidy, which is how `make test` checks the annotations of every file (lint.tidy).
# `make thread-safety` compiles every library with clang instead, for a check by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
CXX=${CLANG_CXX:-clang++-14}
flags=(-std=c++20 -fsyntax-only -Wthread-safety -Werror -Isrc)

"$CXX" "${flags[@]}" tests/thread_safety/guarded_access.cc

if output=$("$CXX" "${flags[@]}" tests/thread_safety/unguarded_access.cc 2>&1); then
  echo "check_thread_safety: unguarded_access.cc compiled; -Wthread-safety checks nothing" >&2
  exit 1
fi
expected=(
  "writing variable 'count_' requires holding mutex 'mu_' exclusively"
  "calling function 'AddLocked' requires holding mutex 'mu_' exclusively"
)
for message in "${expected[@]}"; do
  if ! grep -qF "$message" <<<"$output"; then
    echo "check_thread_safety: expected \"$message\" in:" >&2
    echo "$output" >&2
    exit 1
  fi
done
count=$(grep -c "error: .*\[-Werror,-Wthread-safety" <<<"$output" || true)
if [ "$count" -ne 3 ]; then
  echo "check_thread_safety: expected 3 thread-safety errors, got $count:" >&2
  echo "$output" >&2
  exit 1
fi
# lint.tidy's path: the project's .clang-tidy and tools/run_clang_tidy.sh's -Wthread-safety.
tidy_output=$(clang-tidy-14 --quiet --extra-arg=-Wthread-safety tests/thread_safety/unguarded_access.cc \
  -- "${flags[@]:0:1}" -Isrc 2>&1 || true)
tidy_count=$(grep -c "error: .*\[clang-diagnostic-thread-safety" <<<"$tidy_output" || true)
if [ "$tidy_count" -ne 3 ]; then
  echo "check_thread_safety: clang-tidy with .clang-tidy found $tidy_count thread-safety errors, not 3:" >&2
  echo "$tidy_output" >&2
  exit 1
fi
echo "check_thread_safety: ok"

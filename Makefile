# The two commands of the quick start are `make run` and `make test`; see README.md.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
CLANG_BUILD ?= build-clang
TSAN_BUILD ?= build-tsan
DATA_DIR ?= pop-data
LISTEN ?= 127.0.0.1:9090
CMAKE_FLAGS ?=
BENCH_BUILD ?= build-bench
BENCH_ARGS ?=

.PHONY: deps build run test test-quick thread-safety tsan tsan-build chaos bench bench-postgres format tidy \
  clean

deps:
	@scripts/install-deps.sh

# Release-grade binary at build/bin/pop.
build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPOP_ASAN_BUILD_DIR=$(CURDIR)/$(ASAN_BUILD) -DPOP_FUZZ_BUILD_DIR=$(CURDIR)/$(FUZZ_BUILD) \
	  $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/pop dev --listen $(LISTEN) --data-dir $(DATA_DIR)

# The ASan/UBSan tree builds only what its tiers (unit, contract, integration) run: none of them
# starts a binary, so the pop binary, the e2e, chaos and kubernetes tiers are not built there.
# It compiles at -O1 with asserts on and -g1 (CMakeLists.txt POP_DEBUG_INFO): about the compile time
# of -O0 -g on this code, and the optimisation level AddressSanitizer recommends for test speed.
# Its tiers run each binary whole in shards (POP_TEST_WHOLE_BINARIES, tests/CMakeLists.txt): under
# the sanitizers a process per case cost more than the cases.
ASAN_TARGETS ?= pop_unit_tests pop_contract_tests pop_integration_tests

# Every tier: unit, contract (SQLite and a throw-away PostgreSQL), integration, e2e, lint (format,
# tidy with clang's -Wthread-safety over the lock annotations, layers), the ASan/UBSan build's
# tests and the fuzzers. ThreadSanitizer runs in `make tsan` (its cost: CONTRIBUTING.md).
# ctest's summary line is the last thing printed.
test: build
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O1 \
	  -DPOP_SANITIZE=address,undefined -DPOP_TEST_WHOLE_BINARIES=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target $(ASAN_TARGETS)
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DPOP_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Every library compiled by clang 14, whose -Wthread-safety (an error) checks the lock
# annotations of ports/mutex.h; nothing is linked or run. `make test` checks the same through
# clang-tidy (lint.tidy), which parses every file anyway; this is the check on its own.
thread-safety: deps
	@CC=clang-14 CXX=clang++-14 cmake -S . -B $(CLANG_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DPOP_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(CLANG_BUILD) -j $(JOBS) --target pop_libraries

# The unit, integration and e2e tiers built with ThreadSanitizer and run with tests/tsan.supp.
TSAN_TARGETS ?= pop_unit_tests pop_integration_tests pop_e2e_tests pop pop_workflow_bench \
  pop_example_handler
tsan: tsan-build
	@ctest --test-dir $(TSAN_BUILD) --output-on-failure -j $(JOBS) -L 'unit|integration|e2e'

tsan-build: deps
	@cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPOP_SANITIZE=thread >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target $(TSAN_TARGETS)

# The main build's tests only (no sanitizer or fuzz tree).
test-quick: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -LE 'asan|tsan|fuzz'

# The chaos tier with many more trials than `make test` runs (CHAOS_TRIALS, default 200).
CHAOS_TRIALS ?= 200
chaos: build
	@POP_CHAOS_TRIALS=$(CHAOS_TRIALS) ctest --test-dir $(BUILD) --output-on-failure -L chaos

# The peers' workloads W1-W4 against `pop dev` (BENCHMARKS.md, issue 6), from a Release tree.
# Sizes and client models: BENCH_ARGS, e.g. BENCH_ARGS='--workloads W1 --clients 16 --w1 2000'.
# The human output goes to bench/results/latest.txt, every JSON line to bench/results/latest.json.
bench: deps
	@cmake -S . -B $(BENCH_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOP_BUILD_BENCH=ON \
	  -DPOP_BUILD_TESTS=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS) --target pop pop_workflow_bench
	@mkdir -p bench/results
	@$(BENCH_BUILD)/bin/pop_workflow_bench $(BENCH_ARGS) | tee bench/results/latest.txt; \
	  status=$${PIPESTATUS[0]}; grep '^{' bench/results/latest.txt > bench/results/latest.json; \
	  exit $$status

# Issue 11's figures (BENCHMARKS.md): W1 and W2 against two pop servers on one throw-away
# PostgreSQL, pg-boss's W1 on the same PostgreSQL and pop's SQLite W1, in one run (bench/postgres;
# needs node and npm for pg-boss). BENCH_POSTGRES_ARGS: W1 and W2 sizes, e.g. '2000 500'.
BENCH_POSTGRES_ARGS ?=
bench-postgres: deps
	@cmake -S . -B $(BENCH_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOP_BUILD_BENCH=ON \
	  -DPOP_BUILD_TESTS=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS) --target pop pop_workflow_bench \
	  pop_submit_latency_bench pop_queue_bench
	@mkdir -p bench/results
	@bench/postgres $(BENCH_BUILD) $(BENCH_POSTGRES_ARGS) | tee bench/results/postgres.txt

# Issue 12's figures (BENCHMARKS.md): W1, W4 and the 65-operation DAG through Kubernetes pods on
# the kubernetes tier's throw-away API server (bench/kube, pop_kube_bench): one `pop server`, one
# `pop puller --launch kubernetes`, the tests' kubelet (containers as local processes). The overhead
# per operation pod by phase, and Argo's published 10 s per step beside it. BENCH_KUBE_ARGS:
# pop_kube_bench's flags, e.g. '--w1 200 --w4 100 --workloads W1,W4,DAG'.
BENCH_KUBE_ARGS ?=
.PHONY: bench-kube
bench-kube: deps
	@cmake -S . -B $(BENCH_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DPOP_BUILD_BENCH=ON \
	  -DPOP_BUILD_TESTS=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BENCH_BUILD) -j $(JOBS) --target pop pop_kube_bench
	@mkdir -p bench/results
	@bench/kube $(BENCH_BUILD) $(BENCH_KUBE_ARGS) | tee bench/results/kube.txt; \
	  status=$${PIPESTATUS[0]}; grep '^{' bench/results/kube.txt > bench/results/kube.json; \
	  exit $$status

format:
	@clang-format-14 -i $$(git ls-files '*.h' '*.cc')

tidy: build
	@tools/run_clang_tidy.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(CLANG_BUILD) $(TSAN_BUILD)

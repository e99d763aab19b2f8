#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the plain build, then
# the same suites built with AddressSanitizer + UndefinedBehaviorSanitizer
# (the engine's invariants on), then a bounded run of each fuzz target, and
# the whole tree built with clang.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
status=0
echo "== lint"
tools/lint.sh || status=1
for variant in plain asan; do
	# the sanitizer pass skips the benchmark smoke run (timing-bound, and it
	# exercises the same binaries as the plain pass) and stops the memif
	# teardown's client 40 times, not 100 (the race it guards is the plain
	# pass's; here the point is the sanitizers on that path)
	if [ $variant = plain ]; then dir=build; opts=(); skip=(); iterations=100; else
		dir=build-asan; opts=(-Dsanitize=true); skip=(--no-suite bench); iterations=40; fi
	echo "== $variant build ($dir)"
	tools/build.sh "$dir" "${opts[@]}"
	# one DPDK process at a time: the machine has 2 cores and tests own the taps
	if ! ASAN_OPTIONS=detect_leaks=1 TERN_TEARDOWN_ITERATIONS=$iterations meson test -C "$dir" --num-processes 1 --print-errorlogs \
			"${skip[@]}"; then
		status=1
	fi
done
# the fuzz targets (clang, ASan+UBSan, invariants), each for TERN_FUZZ_SECONDS
# (default 60) on its kept corpus plus what it finds
echo "== fuzz build (build-fuzz)"
if ! tools/fuzz.sh; then
	status=1
fi
# the rest of the tree with clang too: its warnings are errors as well
echo "== clang build of the whole tree (build-fuzz)"
if ! ninja -C build-fuzz >build-fuzz/all.log 2>&1; then
	tail -n 40 build-fuzz/all.log
	status=1
fi
exit $status

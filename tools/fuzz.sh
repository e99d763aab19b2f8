#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) in build-fuzz with clang, ASan,
# UBSan and the engine's invariants (-Dfuzz=true), then runs each for
# TERN_FUZZ_SECONDS (default 60) on its kept corpus, its regression inputs
# and what it finds meanwhile; a crash, leak or failed check fails the run
# and leaves the input in build-fuzz/fuzz-artifacts/.
#
#   tools/fuzz.sh [TARGET...]       fuzz_frame and fuzz_tcp_seq by default
#   tools/fuzz.sh --regen [PCAP...] rebuild tests/fuzz/corpus/ from
#                                   tests/fuzz/gen_corpus.py's seeds (and the
#                                   pcaps), minimised with -merge=1
#
# Environment: TERN_FUZZ_SECONDS, TERN_FUZZ_DIR (build directory),
# TERN_FUZZ_ARGS (more libFuzzer flags, e.g. -jobs=2 -workers=2).
# Replay one input: build-fuzz/tests/fuzz/TARGET FILE (see docs/testing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${TERN_FUZZ_DIR:-build-fuzz}
secs=${TERN_FUZZ_SECONDS:-60}
targets=(fuzz_frame fuzz_tcp_seq)
regen=0
if [ "${1:-}" = --regen ]; then
	regen=1
	shift
fi
if [ $regen = 0 ] && [ $# -gt 0 ]; then
	targets=("$@")
fi
if ! command -v clang >/dev/null; then
	echo "tern: clang is missing (tools/deps.sh installs it)" >&2
	exit 1
fi
if [ ! -f "$dir/build.ninja" ]; then
	CC=clang meson setup "$dir" -Dfuzz=true -Db_lundef=false >/dev/null
fi
ninja -C "$dir" $(printf 'tests/fuzz/%s ' "${targets[@]}") >/dev/null

if [ $regen = 1 ]; then
	seeds=$(mktemp -d)
	trap 'rm -rf "$seeds"' EXIT
	/usr/bin/python3 tests/fuzz/gen_corpus.py "$seeds" "$@"
	for t in "${targets[@]}"; do
		mkdir -p tests/fuzz/corpus/$t "$seeds/old-$t"
		cp tests/fuzz/corpus/$t/* "$seeds/old-$t/" 2>/dev/null || true
		rm -f tests/fuzz/corpus/$t/*
		"$dir/tests/fuzz/$t" -merge=1 tests/fuzz/corpus/$t "$seeds/old-$t" "$seeds/$t" \
			2>&1 | grep -E '^MERGE-OUTER: [0-9]+ new files' || true
		echo "$t: $(ls tests/fuzz/corpus/$t | wc -l) inputs, $(du -sh tests/fuzz/corpus/$t | cut -f1)"
	done
	exit 0
fi

status=0
mkdir -p "$dir/fuzz-artifacts"
for t in "${targets[@]}"; do
	work="$dir/fuzz-corpus/$t"
	mkdir -p "$work" tests/fuzz/regress/$t
	echo "== $t: ${secs}s"
	# the first directory takes what the run finds; the kept corpus and the
	# regression inputs are only read
	# shellcheck disable=SC2086
	if ! ASAN_OPTIONS=detect_leaks=1 "$dir/tests/fuzz/$t" -max_total_time="$secs" \
			-timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
			-artifact_prefix="$dir/fuzz-artifacts/$t-" ${TERN_FUZZ_ARGS:-} \
			"$work" tests/fuzz/corpus/$t tests/fuzz/regress/$t \
			>"$dir/fuzz-$t.log" 2>&1; then
		echo "$t: FAILED (log: $dir/fuzz-$t.log)"
		grep -E 'ERROR|assertion|fuzz:|SUMMARY|Test unit written' "$dir/fuzz-$t.log" | head -20
		status=1
	fi
	grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$dir/fuzz-$t.log" | tail -2 || true
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "$dir/fuzz-$t.log" || true
done
exit $status

#!/usr/bin/env bash
# Checks the tree without building it; part of tools/test.sh. Zero findings:
#  - layout (.editorconfig): C indented with tabs, no trailing blanks, a final
#    newline, C lines at most 120 columns (tabs count 8);
#  - spelling (codespell), with the identifiers it mistakes listed below (nd: Neighbor Discovery);
#  - cppcheck's warning and portability checks (real bugs: bad format
#    arguments, out-of-bounds indexes, wrong sizeof, leaks), with the two
#    kinds it cannot judge without DPDK's headers suppressed (see below).
# tools/lint.sh --format also shows what clang-format (.clang-format) would
# change in the C lines changed since $LINT_BASE (default HEAD~1): advice for
# new code, not a failure, since the tree's hand-aligned comments and case
# labels are not clang-format 14's.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

files() {   # tracked files matching the patterns, or all such files outside build dirs
	if git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files -- "$@"
	else
		local args=() p
		for p in "$@"; do args+=(-o -name "$p"); done
		find . -path './build*' -prune -o \( -false "${args[@]}" \) -print | sed 's|^\./||'
	fi
}

finding() {
	echo "lint: $*"
	status=1
}

mapfile -t csrc < <(files '*.c' '*.h')
mapfile -t text < <(files '*.c' '*.h' '*.py' '*.sh' '*.md' '*.build' '*.conf' '*.pkt' \
	'meson_options.txt')

# --- layout
while IFS= read -r hit; do finding "$hit"; done < <(
	awk '
		/[ \t]+$/ { print FILENAME ":" FNR ": trailing blanks" }
		FILENAME ~ /\.[ch]$/ && /^ +[^ *]/ { print FILENAME ":" FNR ": indented with spaces" }
		FILENAME ~ /\.[ch]$/ {
			line = $0; gsub(/\t/, "        ", line)
			if (length(line) > 120) print FILENAME ":" FNR ": " length(line) " columns"
		}
	' "${text[@]}")
for f in "${text[@]}"; do
	# $(...) drops a final newline: anything left means there was none
	[ -n "$(tail -c 1 "$f")" ] && finding "$f: no newline at end of file"
done

# --- spelling: tha (ARP target hardware address), ser (serialisation delay),
# inflight, ths, te, reord are identifiers
if command -v codespell >/dev/null; then
	codespell -q 3 -L tha,ser,inflight,ths,te,reord,nd "${text[@]}" || status=1
else
	finding "codespell not installed (tools/deps.sh installs it)"
fi

# --- static analysis. Without DPDK's headers cppcheck cannot see that a
# DPDK call fills its out-parameter (uninitvar), and it misreads the
# simulator's heap index loop (unsigned wrap, never reached: i > 0 guards it);
# sys/queue.h is given, as its TAILQ_* macros do not parse as calls
if command -v cppcheck >/dev/null; then
	cppcheck -q --enable=warning,portability --std=c11 --inline-suppr --error-exitcode=1 \
		--include=/usr/include/x86_64-linux-gnu/sys/queue.h \
		--suppress=uninitvar --suppress=arrayIndexOutOfBoundsCond:drivers/sim/sim_link.c \
		-I lib/include -I lib/net -I lib/tcp -I lib/core -I lib/util -I drivers/dpdk \
		-I drivers/sim -D__x86_64__ lib drivers app tests/unit tests/sim tests/bench ||
		status=1
else
	finding "cppcheck not installed (tools/deps.sh installs it)"
fi

if [ "${1:-}" = --format ] && command -v clang-format-diff-14 >/dev/null; then
	git diff -U0 "${LINT_BASE:-HEAD~1}" -- '*.c' '*.h' | clang-format-diff-14 -p1 || true
fi

[ $status = 0 ] && echo "lint: clean (${#csrc[@]} C files, ${#text[@]} files in all)"
exit $status

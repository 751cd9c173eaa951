#!/usr/bin/env bash
# Is a traced call's cost flat with the length of the trace (issue 15)?
# The traced loop (bench/loop.c) with SHORT and with LONG iterations, each
# in one process, in interleaved rounds; medians of ns per iteration, and
# their ratio long/short (target: within 5%), of wall time, of wall time
# less the loop's waits for a CPU ("unqueued": what the load of a shared
# machine moves least) and of CPU time.  Given several libraries, each is
# run in every round, side by side.
#   ROUNDS=5 SHORT=10000 LONG=1000000 bench/flat.sh [LIBRARY...]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
SHORT=${SHORT:-10000}
LONG=${LONG:-1000000}
LOOP=build/bench/loop
[ $# -gt 0 ] || set -- build/libshmtrace.so
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# traced LIB N: one traced run; its ns per iteration (wall, CPU, unqueued) in $TMP/out
traced() {
	rm -rf "$TMP/t"
	if ! SHMTRACE_LIB="$(realpath "$1")" build/shmtrace run -q -o "$TMP/t" -- "$LOOP" "$2" 1 cpu >"$TMP/out" 2>"$TMP/err" ||
		[ -s "$TMP/err" ]; then
		echo "flat.sh: $1, $2 iterations: $(cat "$TMP/err" "$TMP/out"; ls -l "$TMP/t")" >&2
		exit 1
	fi
}

for r in $(seq "$ROUNDS"); do
	n=0
	for lib in "$@"; do
		n=$((n + 1))
		# The short run three times a round: a burst of another load moves
		# a run of half a second more than one of a minute.
		for len in "$SHORT" "$LONG" "$SHORT" "$SHORT"; do
			traced "$lib" "$len"
			read -r wall cpu unqueued <"$TMP/out"
			echo "$wall" >>"$TMP/wall.$n.$len"
			echo "$cpu" >>"$TMP/cpu.$n.$len"
			echo "$unqueued" >>"$TMP/unqueued.$n.$len"
		done
	done
done
echo "traced loop, ns per iteration, medians of $ROUNDS interleaved rounds (the short run 3 times each): $SHORT / $LONG iterations"
n=0
for lib in "$@"; do
	n=$((n + 1))
	for clock in wall unqueued cpu; do
		s=$(median <"$TMP/$clock.$n.$SHORT")
		l=$(median <"$TMP/$clock.$n.$LONG")
		awk -v lib="$lib" -v c="$clock" -v s="$s" -v l="$l" 'BEGIN {
			printf "  %-32s %-8s %8.0f / %8.0f  x%.3f\n", lib, c, s, l, l / s }'
	done
done

#!/usr/bin/env bash
# Instructions the shim adds per call, counted by valgrind's callgrind:
# unlike a time, a count does not move with the load of a shared machine,
# so a change of a few percent shows (issue 15).
#
# The loop (bench/loop.c: shmget + shmat + shmdt + IPC_RMID, ITER
# iterations, so 4 * ITER calls) runs bare and preloaded with the library;
# traced minus bare instructions, divided by the calls, is the figure; then
# the same for bench/semloop.c (semop +1 and -1, 2 * ITER calls).  It
# includes the process's start-up (the file's creation, libunwind's set-up)
# spread over the calls; "start-up" is that part alone, the same runs with
# no iteration.
#
#   bench/instructions.sh [LIBRARY]     default build/libshmtrace.so
#   ITER=3000 KEEP=DIR bench/instructions.sh   (KEEP: callgrind's outputs
#   stay in DIR, for callgrind_annotate DIR/bt16.out)
set -euo pipefail
cd "$(dirname "$0")/.."
LIB=$(realpath "${1:-build/libshmtrace.so}")
LOOP=${LOOP:-build/bench/loop}
SEMLOOP=${SEMLOOP:-build/bench/semloop}
ITER=${ITER:-3000}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
OUT=${KEEP:-$TMP}
mkdir -p "$OUT"
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is needed" >&2; exit 2; }
for l in "$LOOP" "$SEMLOOP"; do
	[ -x "$l" ] || { echo "instructions.sh: $l not built (make $l)" >&2; exit 2; }
done

# count NAME ITERATIONS [DEPTH]: instructions of one run of $PROG (which
# makes $PER calls an iteration), bare without DEPTH.
count() {
	local name=$1 n=$2 depth=${3:-}
	local env=()
	if [ -n "$depth" ]; then
		rm -rf "$TMP/t" && mkdir -m 700 "$TMP/t"
		env=(LD_PRELOAD="$LIB" SHMTRACE_OUT="$TMP/t" SHMTRACE_BACKTRACE="$depth")
	fi
	env "${env[@]}" valgrind --tool=callgrind --callgrind-out-file="$OUT/$name.out" \
		"$PROG" "$n" >/dev/null 2>"$TMP/log" || { cat "$TMP/log" >&2; exit 1; }
	if [ -n "$depth" ] && [ "$n" -gt 0 ]; then
		local calls
		calls=$(cat "$TMP"/t/*.jsonl | grep -c '"event":"call"')
		[ "$calls" -eq $((PER * n + EXTRA)) ] ||
			{ echo "instructions.sh: $calls calls traced, not $((PER * n + EXTRA))" >&2; exit 1; }
	fi
	sed -n 's/^summary: //p' "$OUT/$name.out"
}

# per_call LABEL: one line per backtrace depth, for $PROG.
per_call() {
	local calls=$((PER * ITER)) bare bare0 depth traced traced0 label
	bare=$(count "bare$1" "$ITER")
	bare0=$(count "bare0$1" 0)
	echo "instructions added per call: callgrind, ${PROG#build/} $ITER iterations ($calls calls), traced minus bare"
	for depth in 16 0; do
		traced=$(count "bt$depth$1" "$ITER" "$depth")
		traced0=$(count "bt${depth}_startup$1" 0 "$depth")
		label="backtraces of $depth"
		[ "$depth" = 16 ] && label="backtraces of 16 (default)"
		[ "$depth" = 0 ] && label="backtraces off"
		awk -v l="$label" -v t="$traced" -v b="$bare" -v t0="$traced0" -v b0="$bare0" -v c="$calls" 'BEGIN {
			printf "  %-28s %6.0f per call (%.0f without start-up; start-up %.0f)\n", l, (t - b) / c, ((t - t0) - (b - b0)) / c, t0 - b0 }'
	done
}

# The shm loop's calls are 4 an iteration; the semop loop's 2, with the
# set's semget and IPC_RMID besides (in the start-up figure too).
# (Set, not passed as VAR=x: the environment the loop runs in, and so the
# figures, stay as they were.)
PROG=$LOOP PER=4 EXTRA=0
per_call ""
PROG=$SEMLOOP PER=2 EXTRA=2
per_call _semop

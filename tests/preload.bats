#!/usr/bin/env bats
# Raw use, without `shmtrace run`: LD_PRELOAD and the SHMTRACE_* variables.

load helpers

@test "LD_PRELOAD and SHMTRACE_OUT alone trace a program, one file named by pid" {
	mkdir "$TRACE"
	run --separate-stderr env LD_PRELOAD="$LIB" SHMTRACE_OUT="$TRACE" "$SAMPLES/classic"
	assert_success
	assert_equal "$stderr" ''
	pid=$(jq -r 'select(.event == "start") | .pid' "$TRACE"/*.jsonl)
	[ -f "$TRACE/shmtrace.$pid.jsonl" ]
	run jq -c 'select(.event == "header") | [.format, .version]' "$TRACE/shmtrace.$pid.jsonl"
	assert_output '["shmtrace",1]'
}

@test "a bad SHMTRACE_BACKTRACE stops the program before it starts: 125 and one line" {
	mkdir "$TRACE"
	run --separate-stderr env LD_PRELOAD="$LIB" SHMTRACE_OUT="$TRACE" SHMTRACE_BACKTRACE=deep \
		touch "$BATS_TEST_TMPDIR/ran"
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: SHMTRACE_BACKTRACE='deep': expected a depth from 0 to 64"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "an output directory that does not exist: one warning, the program runs as usual" {
	run --separate-stderr env LD_PRELOAD="$LIB" SHMTRACE_OUT=/nonexistent/dir "$TESTBIN/errnos"
	assert_success
	assert_output "$("$TESTBIN/errnos")"
	assert_equal "${#stderr_lines[@]}" 1
	[[ "${stderr_lines[0]}" == "shmtrace: pid "*": cannot create a trace file in /nonexistent/dir: ENOENT (this process is not fully traced)" ]]
}

@test "an existing file of that name is never appended to: the next name is taken" {
	mkdir "$TRACE"
	# Plant files for the pids the next processes will probably get.
	next=$(($(sh -c 'echo $$') + 1))
	for pid in $(seq "$next" $((next + 40))); do
		echo planted >"$TRACE/shmtrace.$pid.jsonl"
	done
	env LD_PRELOAD="$LIB" SHMTRACE_OUT="$TRACE" "$SAMPLES/classic" >/dev/null
	# Every planted file still holds its one line; one new file holds the trace.
	run sh -c "cat '$TRACE'/*.jsonl | grep -c '^planted\$'"
	assert_output 41
	run grep -L planted "$TRACE"/shmtrace.*.jsonl
	assert_equal "${#lines[@]}" 1
	run jq -c 'select(.event == "start") | .exe' "${lines[0]}"
	assert_output "\"$SAMPLES/classic\""
}

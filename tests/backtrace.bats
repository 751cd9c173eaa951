#!/usr/bin/env bats
# Backtraces: taken with libunwind, written once per distinct stack, with
# module and offset so that they can be symbolized after the process is gone.

load helpers

@test "each call refers to a stack record written earlier in the same file" {
	trace "$SAMPLES/prodcons"
	assert_success
	for f in "$TRACE"/shmtrace.*.jsonl; do
		run jq -s -e 'reduce .[] as $r ({ok: true, seen: []};
			if $r.event == "stack" then .seen += [$r.id]
			elif $r.event == "call" then .ok = (.ok and ($r.stack | type) == "number" and (.seen | index($r.stack)) != null)
			else . end) | .ok' "$f"
		assert_success
	done
}

@test "frames give module and offset: addr2line finds the shmget line of classic.c" {
	trace "$SAMPLES/classic"
	assert_success
	id=$(calls shmget | jq .stack)
	frame=$(records "select(.event == \"stack\" and .id == $id) | .frames[0]")
	module=$(jq -r .module <<<"$frame")
	offset=$(jq -r .offset <<<"$frame")
	assert_equal "$module" "$SAMPLES/classic"
	# A return address: the call instruction is the byte before.
	run addr2line -f -e "$module" "$(printf '0x%x' $((offset - 1)))"
	line=$(grep -n 'shmget(IPC_PRIVATE' "$ROOT/samples/classic.c" | cut -d: -f1)
	assert_line --index 0 main
	assert_line --index 1 --regexp "samples/classic\.c:$line\$"
}

@test "no frame of the shim itself appears in a backtrace" {
	trace "$SAMPLES/careless"
	assert_success
	run records 'select(.event == "stack") | .frames[].module'
	refute_output --partial libshmtrace
	assert_output --partial libc.so
}

@test "--backtrace N keeps at most N frames; 0 turns backtraces off" {
	"$SHMTRACE" run -q -b 2 -o "$TRACE" -- "$SAMPLES/classic" >/dev/null
	run records 'select(.event == "stack") | .frames | length'
	assert_output "$(printf '2\n%.0s' 1 2 3 4 5 6 7)"
	run records 'select(.event == "header") | .backtrace'
	assert_output 2

	rm -rf "$TRACE"
	"$SHMTRACE" run -q --backtrace 0 -o "$TRACE" -- "$SAMPLES/classic" >/dev/null
	run records 'select(.event == "stack")'
	assert_output ''
	run records 'select(.event == "call") | .stack'
	assert_output "$(printf 'null\n%.0s' 1 2 3 4 5 6 7)"
}

@test "the same call site twice shares one stack record" {
	trace "$TESTBIN/threads" 1 50
	assert_success
	run records 'select(.event == "stack") | .id'
	assert_equal "${#lines[@]}" 4
	run records 'select(.event == "call") | .stack'
	assert_equal "${#lines[@]}" 200
}

@test "libunwind's signal masking: a new process's first backtrace through 12 new frames makes a few rt_sigprocmask calls, and leaves the program's mask as it was" {
	command -v strace >/dev/null || skip "no strace"
	# (LeakSanitizer cannot work under ptrace: off under strace.)
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
		run --separate-stderr strace -f -qq -e trace=rt_sigprocmask -o "$BATS_TEST_TMPDIR/st" \
		"$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/sigmask"
	assert_success
	assert_output "ok"
	# The child: the process whose trace has the fork record.
	child=$(jq -r 'select(.event == "fork") | .pid' "$TRACE"/shmtrace.*.jsonl)
	[ -n "$child" ]
	# Its own steps hold SIGXFSZ around each record written, 2 calls a
	# record; libunwind's, once a backtrace.  Before: 188, libunwind
	# blocking every signal around each lookup and lock.
	masks=$(grep -c "^$child " "$BATS_TEST_TMPDIR/st")
	[ "$masks" -le 24 ] || fail "$masks rt_sigprocmask calls in the child"
	# and its calls traced, with their backtraces
	run records "select(.event == \"call\" and .pid == $child and (.stack | type) == \"number\") | .call"
	assert_output "$(printf '"shmget"\n"shmctl"')"
}

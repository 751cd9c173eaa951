#!/usr/bin/env bats
# The program must not be able to tell that it is traced: same results,
# same errno, same output and status, its descriptors left alone.

load helpers

@test "errno and return values are exactly those of a bare run, failures and successes alike" {
	run "$TESTBIN/errnos"
	assert_success
	bare="$output"
	trace "$TESTBIN/errnos"
	assert_success
	assert_output "$bare"
	assert_equal "$stderr" ''
	# ...and the trace names the errnos the program saw.
	run records 'select(.event == "call" and .errno != null) | [.call, .errno]'
	assert_output "$(printf '%s\n' '["shmget","ENOMEM"]' '["shmat","EINVAL"]' '["shmdt","EINVAL"]' \
		'["shmctl","EINVAL"]' '["shmctl","EINVAL"]' '["shmat","EINVAL"]')"
	run records 'select(.call == "shmctl" and .args.cmd_raw == 9999) | .args.cmd'
	assert_output 9999
}

@test "exit status and death by signal pass through run unchanged" {
	run "$SHMTRACE" run -q -o "$TRACE" -- sh -c 'exit 42'
	assert_equal "$status" 42
	run "$SHMTRACE" run -q -o "$TRACE" -- sh -c 'kill -TERM $$'
	assert_equal "$status" 143
	run "$SHMTRACE" run -q -o "$TRACE" -- sh -c 'kill -SEGV $$'
	assert_equal "$status" 139
}

@test "a program that closes every descriptor and dup2s over high ones keeps its files to itself" {
	trace "$TESTBIN/fdchaos" "$BATS_TEST_TMPDIR/own.log"
	assert_success
	run cat "$BATS_TEST_TMPDIR/own.log"
	assert_output 'my own log line'
	# ...and its calls are still traced, through our reopened trace file.
	run records 'select(.event == "call") | [.call, .errno]'
	assert_output "$(printf '%s\n' '["shmget",null]' '["shmat",null]' '["shmdt",null]' '["shmctl",null]')"
	assert_valid_trace
}

@test "an LD_PRELOAD already set is kept, and its wrappers still run after ours" {
	run --separate-stderr env LD_PRELOAD="$TESTBIN/libpremark.so" \
		"$SHMTRACE" run -q -o "$TRACE" -- "$SAMPLES/classic"
	assert_success
	assert_equal "$stderr" 'premark: shmget seen'
	shmid=$(sed -n 's/^shmid=//p' <<<"$output")
	run records 'select(.call == "shmget") | .ret'
	assert_output "$shmid"
}

@test "the trace files are the only files written: mode 0600, one per process image" {
	trace "$SAMPLES/prodcons"
	assert_success
	run find "$TRACE" -type f -name 'shmtrace.*' ! -perm 0600
	assert_output ''
	# Two processes, and the kernel table that run itself records.
	run ls "$TRACE"
	assert_equal "${#lines[@]}" 3
	assert_line kernel.jsonl
	run sh -c "ls '$TRACE' | grep -c '^shmtrace\.[0-9]*\.jsonl$'"
	assert_output 2
}

@test "a process that chroots where there is no libunwind, then forks, and never calls: its stderr as bare, no word of ours" {
	[ "$(id -u)" = 0 ] || skip "chroot needs root"
	mkdir "$BATS_TEST_TMPDIR/empty"
	# (A shell first: the run's first process says at once that it is
	# traced; the chrooting one is its child, as Chromium's zygote is.)
	# (LeakSanitizer needs the /proc the chroot hides.)
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
		run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -- sh -c '"$1" "$2"' sh "$TESTBIN/chrootfork" "$BATS_TEST_TMPDIR/empty"
	assert_success
	assert_equal "$stderr" ''
}

#!/usr/bin/env bats
# The program's descriptors are its own: what the library writes never lands
# in a file the program opened, and the descriptors it holds never take
# numbers the program would have had.

load helpers

@test "warning: not written into a data file the program opened as descriptor 2" {
	# SHMTRACE_OUT names no directory: the first call cannot create a file and warns.
	run --separate-stderr env LD_PRELOAD="$LIB" SHMTRACE_OUT="$BATS_TEST_TMPDIR/none" \
		"$TESTBIN/stderr_data" "$BATS_TEST_TMPDIR/data"
	assert_success
	assert_equal "$(cat "$BATS_TEST_TMPDIR/data")" $'data 1\ndata 2'
	assert_equal "$stderr" ""
}

@test "warning: still on stderr while descriptor 2 is the one the program started with" {
	run --separate-stderr env LD_PRELOAD="$LIB" SHMTRACE_OUT="$BATS_TEST_TMPDIR/none" \
		"$TESTBIN/stderr_data" -
	assert_success
	assert_equal "${stderr_lines[0]}" "data 1"
	assert_regex "${stderr_lines[1]}" "^shmtrace: pid [0-9]+: cannot create a trace file in $BATS_TEST_TMPDIR/none: ENOENT"
	assert_equal "${stderr_lines[2]}" "data 2"
}

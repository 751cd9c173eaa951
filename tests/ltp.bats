#!/usr/bin/env bats
# The `make ltp` scripts (scripts/ltp-build, scripts/ltp-run) on a stand-in
# for an LTP build: programs of ours placed where LTP's tests would be, so
# that the runner's verdicts, call counts and findings can be checked
# against what each program is known to do.  LTP itself is not here (CI
# cannot fetch it): its results are in docs/reliability.md.

load helpers

# fake_ltp: $LTP, an LTP build as scripts/ltp-build leaves it, empty.
fake_ltp() {
	LTP="$BATS_TEST_TMPDIR/ltp"
	mkdir -p "$LTP/src/testcases/kernel/syscalls/shmget" "$LTP/posix/shm_open"
	echo "stand-in" >"$LTP/ltp-commit"
	command -v strace >/dev/null || skip "no strace (make deps installs it)"
}

@test "ltp-build: a directory that is not an LTP checkout is refused in one line, status 2" {
	mkdir "$BATS_TEST_TMPDIR/notltp"
	run --separate-stderr "$ROOT/scripts/ltp-build" "$BATS_TEST_TMPDIR/notltp" "$BATS_TEST_TMPDIR/out"
	assert_failure 2
	assert_equal "$stderr" "ltp-build: $BATS_TEST_TMPDIR/notltp: not an LTP source checkout (no include/tst_test.h or configure.ac)"
	[ ! -e "$BATS_TEST_TMPDIR/out" ]
}

@test "ltp-run: no LTP build in the directory given: one line naming it, status 2" {
	run --separate-stderr "$ROOT/scripts/ltp-run" "$BUILD" "$BATS_TEST_TMPDIR"
	assert_failure 2
	assert_equal "$stderr" "ltp-run: $BATS_TEST_TMPDIR: no LTP build here (run scripts/ltp-build first)"
}

@test "ltp-run: equal verdicts, every call counted by strace found in the trace, a leak found: status 0" {
	fake_ltp
	cp "$SAMPLES/leaky_producer" "$LTP/src/testcases/kernel/syscalls/shmget/shmget90"
	cp "$SAMPLES/posix_shm" "$LTP/posix/shm_open/1-1"
	printf '#!/bin/sh\nexec %s /ltp-bats-left leak\n' "$SAMPLES/posix_shm" >"$LTP/posix/shm_open/2-1"
	chmod +x "$LTP/posix/shm_open/2-1"
	run --separate-stderr "$ROOT/scripts/ltp-run" "$BUILD" "$LTP"
	assert_success
	# Columns: strace, trace, kept by the kernel, leaks, undetached, misuse.
	# leaky_producer: ftok, shmget, shmat, shmdt; the segment left.
	assert_line --regexp '^shmget90 +pass +pass +3 +3 +1 +1 +0 +0 *$'
	# posix_shm: shm_open and shm_unlink, nothing left; with "leak", the
	# name left in /dev/shm.
	assert_line --regexp '^shm_open_1-1 +pass +pass +2 +2 +0 +0 +0 +0 *$'
	assert_line --regexp '^shm_open_2-1 +pass +pass +1 +1 +1 +1 +0 +0 *$'
	assert_line "3 tests, 3 with the same verdict bare and traced, 0 flagged (verdict differs or a call missing)."
	# Nothing it left outlives its run: the namespaces were the run's own.
	[ ! -e /dev/shm/ltp-bats-left ]
	grep -q '^shmget90 ' "$LTP/results.txt"
}

@test "ltp-run: a call strace sees and the trace lacks (an inline system call) is flagged, status 1" {
	fake_ltp
	cp "$TESTBIN/inlinecall" "$LTP/src/testcases/kernel/syscalls/shmget/shmget91"
	run --separate-stderr "$ROOT/scripts/ltp-run" "$BUILD" "$LTP"
	assert_failure 1
	assert_line --regexp '^shmget91 +pass +pass +1 +0 .*MISSING shmget 1'
	assert_line "1 tests, 1 with the same verdict bare and traced, 1 flagged (verdict differs or a call missing)."
}

@test "ltp-run: a test that passes bare and fails traced is flagged, status 1" {
	fake_ltp
	# Fails (TFAIL, 1) only when something is preloaded into it.
	printf '#!/bin/sh\n[ -z "$LD_PRELOAD" ]\n' >"$LTP/src/testcases/kernel/syscalls/shmget/shmget92"
	chmod +x "$LTP/src/testcases/kernel/syscalls/shmget/shmget92"
	run --separate-stderr "$ROOT/scripts/ltp-run" "$BUILD" "$LTP"
	assert_failure 1
	assert_line --regexp '^shmget92 +pass +fail1 +0 +0 .*VERDICT DIFFERS'
}

@test "ltp-run: only the tests named are run" {
	fake_ltp
	cp "$SAMPLES/leaky_producer" "$LTP/src/testcases/kernel/syscalls/shmget/shmget90"
	cp "$TESTBIN/inlinecall" "$LTP/src/testcases/kernel/syscalls/shmget/shmget91"
	run --separate-stderr "$ROOT/scripts/ltp-run" "$BUILD" "$LTP" shmget90
	assert_success
	assert_line --regexp '^shmget90 '
	refute_line --regexp '^shmget91 '
}

@test "make ltp without LTP_SRC: one line saying what to give, status 2" {
	run --separate-stderr make -s -C "$ROOT" ltp B="$BUILD" LTP_SRC=
	assert_failure 2
	# The first line ours, the second make's own "*** [Makefile:N: ltp] Error 2".
	assert_equal "${stderr_lines[0]}" "make ltp: LTP_SRC not set: give the path of an LTP source checkout, e.g. make ltp LTP_SRC=/tmp/ltp"
}

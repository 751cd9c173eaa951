#!/usr/bin/env bats
# What a traced process holds that it would not hold bare: descriptors
# count against RLIMIT_NOFILE and mappings against vm.max_map_count, so a
# program near either limit gets that much less (issue 19).  Bounds, not
# exact counts: each fails if the footprint grows back.  `make bench`
# (section 8) reports the same counts; docs/performance.md says what each
# one is.

load helpers

# Under `make test SANITIZE=1` the library brings UBSan's runtime and what
# it needs: mappings are then counted for the release build only.
sanitized() {
	ldd "$LIB" | grep -qE 'lib(ub|a)san'
}

# footprint_added [call]: "DESCRIPTORS MAPPINGS", traced minus bare, of
# bench/footprint (which counts its own /proc/self/fd and /proc/self/maps,
# after one shm call if asked), run as a child of sh: the run's first
# process opens its trace file at start.  Descriptor 3, bats' own, closed.
footprint_added() {
	local bare traced depth=${DEPTH:-16}
	# shellcheck disable=SC2016 # expanded by the inner sh
	bare=$(sh -c '"$0" "$@"; true' "$BUILD/bench/footprint" "$@" 3>&-)
	# shellcheck disable=SC2016
	traced=$("$SHMTRACE" run -q -b "$depth" -o "$TRACE" -- sh -c '"$0" "$@"; true' "$BUILD/bench/footprint" "$@" 3>&-)
	read -r _ fb _ mb <<<"$bare"
	read -r _ ft _ mt <<<"$traced"
	echo "$((ft - fb)) $((mt - mb))"
}

@test "footprint: a process that makes no shm call holds no descriptor of ours, and 7 mappings at most (our library, one page)" {
	run footprint_added
	assert_success
	read -r fds maps <<<"$output"
	(( fds == 0 )) || fail "descriptors added: $fds (expected 0)"
	sanitized || (( maps <= 7 )) || fail "mappings added: $maps (expected at most 7: libunwind loaded at start-up again?)"
}

@test "footprint: after a shm call, 1 descriptor (the trace file; libunwind holds none) and 21 mappings at most" {
	run footprint_added call
	assert_success
	read -r fds maps <<<"$output"
	(( fds <= 1 )) || fail "descriptors added: $fds (expected at most 1)"
	sanitized || (( maps <= 21 )) || fail "mappings added: $maps (expected at most 21)"
	# The calls were traced, with backtraces: libunwind was loaded for them.
	run jq -r 'select(.event == "call") | .stack | type' "$TRACE"/shmtrace.*.jsonl
	assert_output $'number\nnumber'
}

@test "footprint: the run's first process, whose file is opened at start, holds what a process that made a call holds" {
	local bare traced
	bare=$("$BUILD/bench/footprint" 3>&-)
	traced=$("$SHMTRACE" run -q -o "$TRACE" -- "$BUILD/bench/footprint" 3>&-)
	read -r _ fb _ mb <<<"$bare"
	read -r _ ft _ mt <<<"$traced"
	(( ft - fb <= 2 )) || fail "descriptors added: $((ft - fb)) (expected at most 2)"
	sanitized || (( mt - mb <= 21 )) || fail "mappings added: $((mt - mb)) (expected at most 21)"
}

@test "footprint: backtraces off, libunwind is never loaded: after a shm call, 1 descriptor and 8 mappings at most" {
	DEPTH=0 run footprint_added call
	assert_success
	read -r fds maps <<<"$output"
	(( fds <= 1 )) || fail "descriptors added: $fds (expected at most 1, the trace file)"
	sanitized || (( maps <= 8 )) || fail "mappings added: $maps (expected at most 8)"
}

@test "children of a parent that made no call get libunwind set up from it: libunwind opened once in all, no pipe, and every child's calls have backtraces" {
	# bench/forks: 5 children, each forked, making shmget and IPC_RMID;
	# the parent itself makes no call.
	mkdir -p "$TRACE"
	run strace -f -qq -e trace=openat,pipe2 -e signal=none -o "$BATS_TEST_TMPDIR/strace" \
		env LD_PRELOAD="$LIB" SHMTRACE_OUT="$TRACE" "$BUILD/bench/forks" 5
	assert_success
	run grep -c 'openat(.*libunwind\.so\.8", .*= [0-9]' "$BATS_TEST_TMPDIR/strace"
	assert_output 1
	# libunwind's check of memory through a pipe is answered without one
	# (shim/backtrace.c): no pipe2 reaches the kernel.
	run grep -c 'pipe2(' "$BATS_TEST_TMPDIR/strace"
	assert_output 0
	run jq -r 'select(.event == "call") | .stack | type' "$TRACE"/shmtrace.*.jsonl
	assert_output "$(printf 'number\n%.0s' 1 2 3 4 5 6 7 8 9 10)"
}

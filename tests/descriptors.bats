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

# fdhog_bare_and_traced ULIMIT_ARGS: fdhog's line bare, then traced, each
# under `ulimit ULIMIT_ARGS`.  Descriptors 3 and up closed, as a fresh
# program has them.
fdhog_bare_and_traced() {
	bash -c 'ulimit '"$1"' && exec "$0" 3>&-' "$TESTBIN/fdhog"
	bash -c 'ulimit '"$1"' && exec "$0" run -q -o "$1" -- "$2" 3>&-' "$SHMTRACE" "$TRACE" "$TESTBIN/fdhog"
}

has_cap_sys_resource() {
	(( (0x$(awk '/^CapEff/ { print $2 }' /proc/self/status) >> 24) & 1 ))
}

@test "RLIMIT_NOFILE soft below hard: the program opens as many files traced as bare, and is still traced" {
	run fdhog_bare_and_traced "-Sn 64"
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_regex "${lines[0]}" '^opened [0-9]+ from 3, then EMFILE; shmctl 0; limits 64 '
	assert_equal "${lines[1]}" "${lines[0]}"
	# The call made with every number taken is in the trace: ours are above them.
	run calls
	assert_equal "$(echo "$output" | jq -r .call | tr '\n' ' ')" "shmget shmctl "
}

@test "RLIMIT_NOFILE soft equal to hard, with CAP_SYS_RESOURCE: as many files traced as bare" {
	has_cap_sys_resource || skip "needs CAP_SYS_RESOURCE to raise the hard limit for an instant"
	run fdhog_bare_and_traced "-n 64"
	assert_success
	assert_equal "${lines[1]}" "${lines[0]}"
	run calls
	assert_equal "$(echo "$output" | jq -r .call | tr '\n' ' ')" "shmget shmctl "
}

@test "RLIMIT_NOFILE soft equal to hard, without CAP_SYS_RESOURCE: ours stays below the limit, at most 1 fewer, still traced" {
	has_cap_sys_resource && skip "with CAP_SYS_RESOURCE the limit is raised (the test above)"
	run fdhog_bare_and_traced "-n 64"
	assert_success
	local bare traced
	bare=$(echo "${lines[0]}" | sed -n 's/^opened \([0-9]*\) .*/\1/p')
	traced=$(echo "${lines[1]}" | sed -n 's/^opened \([0-9]*\) .*/\1/p')
	# (The trace file; libunwind holds none.)
	(( traced >= bare - 1 && traced <= bare )) || fail "bare $bare, traced $traced"
	assert_equal "${lines[1]#* then}" "${lines[0]#* then}"
	run calls
	assert_equal "$(echo "$output" | jq -r .call | tr '\n' ' ')" "shmget shmctl "
}

# fdchaos_traced DIR CMD...: CMD under `shmtrace run` with a soft limit of 1024.
# (Under ASan, no leak check at exit: it needs a descriptor, and fdchaos
# holds them all.)
fdchaos_traced() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:detect_leaks=0} \
		bash -c 'ulimit -Sn 1024 && exec "$0" run -q -o "$@" 3>&-' "$SHMTRACE" "$@"
}

@test "a program that takes every number below its soft limit: its calls are still traced, with backtraces" {
	local log="$BATS_TEST_TMPDIR/own.log" how
	# As the run's first process, fdchaos finds our file open (and closes
	# it: it is reopened); as a later one, its first call opens our file
	# (and libunwind, which holds no descriptor) when it holds every number.
	run fdchaos_traced "$TRACE.first" -- "$TESTBIN/fdchaos" "$log"
	assert_success
	run fdchaos_traced "$TRACE.later" -- sh -c '"$0" "$1"; exit $?' "$TESTBIN/fdchaos" "$log"
	assert_success
	for how in first later; do
		assert_equal "$(cat "$log")" 'my own log line'
		run jq -c 'select(.event == "call") | [.call, .errno, (.stack | type)]' "$TRACE.$how"/shmtrace.*.jsonl
		assert_output "$(printf '%s\n' '["shmget",null,"number"]' '["shmat",null,"number"]' '["shmdt",null,"number"]' '["shmctl",null,"number"]')"
	done
}

#!/usr/bin/env bats
# exec and the images of a process: exec is followed through an environment
# the program cleared, as strace -f follows it, without changing what the
# program sees; each image of a traced process says it began.

load helpers

OPS_ARGS=(get:private:4096 rm)

# calls_of_image DIR EXE: the calls recorded by images of EXE, one a line.
calls_of_image() {
	local f
	for f in "$1"/shmtrace.*.jsonl; do
		jq -rs --arg exe "$2" 'if any(.[]; (.event == "start" or .event == "exec") and .exe == $exe)
			then .[] | select(.event == "call") | .call else empty end' "$f"
	done
}

# header_of_image DIR EXE FIELD: FIELD of the header of EXE's file.
header_of_image() {
	local f
	for f in "$1"/shmtrace.*.jsonl; do
		jq -rs --arg exe "$2" 'if any(.[]; (.event == "start" or .event == "exec") and .exe == $exe)
			then .[0].'"$3"' else empty end' "$f"
	done
}

@test "env -i: the program it runs is traced, with the run's settings" {
	# (A sanitized build's ops needs its ASAN_OPTIONS.)
	run "$SHMTRACE" run -q -o "$TRACE" --backtrace 3 -- env -i ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
		"$TESTBIN/ops" "${OPS_ARGS[@]}"
	assert_success
	assert_line --partial "get 1 ok"
	run calls_of_image "$TRACE" "$TESTBIN/ops"
	assert_line --index 0 shmget
	assert_line --index 1 shmctl
	run header_of_image "$TRACE" "$TESTBIN/ops" backtrace
	assert_output 3
}

@test "env -i: the report names the leak's program and line, not an inline system call" {
	local key
	key=$(printf '0x5d%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	run "$SHMTRACE" run -q -o "$TRACE" -- env -i ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
		"$SAMPLES/leaky_producer" "$key"
	assert_success
	run "$SHMTRACE" report "$TRACE"
	assert_failure 1
	assert_line --regexp "^LEAK: segment [0-9]+ \(key $key, 65536 bytes\) created by pid [0-9]+ \(leaky_producer\), never removed:\$"
	assert_line --regexp 'in main (.*/)?samples/leaky_producer\.c:[0-9]+$'
	refute_output --partial "inline system call"
	ipcrm -M "$key"
}

@test "each of the exec family, and posix_spawn, passes our settings on through an empty environment" {
	local call dir
	for call in execve execv execvpe execl execle fexecve execveat spawn vfork; do
		dir="$TRACE.$call"
		run "$SHMTRACE" run -q -o "$dir" -- "$TESTBIN/execer" empty "$call" "$TESTBIN/ops" "${OPS_ARGS[@]}"
		assert_success
		run calls_of_image "$dir" "$TESTBIN/ops"
		assert_line --index 0 shmget || fail "$call: the new program was not traced"
	done
}

@test "execvp, execlp, posix_spawnp after unsetenv(LD_PRELOAD): traced, the program found through PATH" {
	local call dir
	export PATH="$TESTBIN:$PATH"
	for call in execvp execlp spawnp; do
		dir="$TRACE.$call"
		run "$SHMTRACE" run -q -o "$dir" -- "$TESTBIN/execer" unset "$call" ops "${OPS_ARGS[@]}"
		assert_success
		run calls_of_image "$dir" "$TESTBIN/ops"
		assert_line --index 0 shmget || fail "$call: the new program was not traced"
	done
}

@test "Python's subprocess (vfork + execve) and os.posix_spawn with env={}: both children traced" {
	run "$SHMTRACE" run -q -o "$TRACE" -- /usr/bin/python3 "$ROOT/tests/scripts/cleared_env.py" \
		"$TESTBIN/ops" get:private:4096 rm
	assert_success
	local printed
	printed=$(echo "$output" | sed -n 's/^\([0-9]*\) get 1 ok$/\1/p' | sort | tr '\n' ' ')
	assert_equal "$(echo "$printed" | wc -w)" 2
	run records 'select(.call == "shmget" and .errno == null) | .pid'
	assert_equal "$(echo "$output" | sort | tr '\n' ' ')" "$printed"
}

@test "settings the program changed are put back: LD_PRELOAD emptied, SHMTRACE_BACKTRACE changed" {
	run "$SHMTRACE" run -q -o "$TRACE" --backtrace 3 -- "$TESTBIN/execer" changed execv "$TESTBIN/ops" "${OPS_ARGS[@]}"
	assert_success
	run calls_of_image "$TRACE" "$TESTBIN/ops"
	assert_line --index 0 shmget
	run header_of_image "$TRACE" "$TESTBIN/ops" backtrace
	assert_output 3
}

@test "vfork child that execs with an empty environment: traced; its parent's environment and tracing untouched" {
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/execer" empty vfork "$TESTBIN/ops" "${OPS_ARGS[@]}"
	assert_success
	# The parent had cleared its environment: nothing of ours appeared in it.
	assert_line --regexp '^vfork parent [0-9]+: LD_PRELOAD unset$'
	local parent
	parent=$(echo "$output" | sed -n 's/^vfork parent \([0-9]*\):.*/\1/p')
	run calls_of_image "$TRACE" "$TESTBIN/ops"
	assert_line --index 0 shmget
	# The parent's call after the child's exec is traced, under its own pid.
	run records "select(.event == \"call\" and .call == \"shmget\") | .pid"
	assert_line "$parent"
	assert_equal "${#lines[@]}" 2
}

@test "--no-follow-env: a program that clears its environment runs untraced, as it asked" {
	run "$SHMTRACE" run -q -o "$TRACE" --no-follow-env -- env -i ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
		"$TESTBIN/ops" "${OPS_ARGS[@]}"
	assert_success
	assert_line --partial "get 1 ok"
	run calls_of_image "$TRACE" /usr/bin/env
	assert_output ""
	run calls_of_image "$TRACE" "$TESTBIN/ops"
	assert_output ""
	run records 'select(.event == "start" or .event == "exec") | .exe'
	assert_output '"/usr/bin/env"'
}

@test "SHMTRACE_FOLLOW_ENV: a bad value stops the program before it starts, status 125, one line" {
	run --separate-stderr env LD_PRELOAD="$LIB" SHMTRACE_OUT="$BATS_TEST_TMPDIR" SHMTRACE_FOLLOW_ENV=yes "$TESTBIN/ops" "${OPS_ARGS[@]}"
	assert_failure 125
	assert_output ""
	assert_equal "$stderr" "shmtrace: SHMTRACE_FOLLOW_ENV='yes': expected 0 or 1"
}

@test "a failed exec fails as bare: same errno, same PATH search (our settings were being put back)" {
	local bin="$BATS_TEST_TMPDIR/bin" i=0 bare
	mkdir "$bin"
	printf 'echo from a script without #!\n' > "$bin/script"
	chmod 755 "$bin/script"
	printf 'x\n' > "$bin/noexec"
	chmod 644 "$bin/noexec"
	export PATH="$bin:$PATH"
	local cases=(
		"unset execvp nosuch" "unset execvp noexec" "unset execlp noexec" "unset spawnp nosuch"
		"unset execvp script" "unset execve /nonexistent" "unset execve $BATS_TEST_TMPDIR"
		"unset execve $bin/script" "empty execvpe noexec" "empty fexecve /nonexistent"
	)
	for c in "${cases[@]}"; do
		# shellcheck disable=SC2086 # each case is words
		bare=$("$TESTBIN/execer" $c 2>&1; echo "status $?")
		# shellcheck disable=SC2086
		run "$SHMTRACE" run -q -o "$TRACE.$((i++))" -- "$TESTBIN/execer" $c
		assert_equal "$output"$'\n'"status $status" "$bare"
	done
}

@test "a posix_spawn that works leaves errno as bare (our settings were being put back)" {
	local call bare
	for call in spawn spawnp; do
		bare=$("$TESTBIN/execer" unset "$call" /bin/true | grep errno)
		run "$SHMTRACE" run -q -o "$TRACE.$call" -- "$TESTBIN/execer" unset "$call" /bin/true
		assert_success
		assert_line "$bare"
	done
}

@test "E2BIG: an environment that just fits bare still runs when ours would not fit (untraced, as bare)" {
	run "$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/execer" full execve /bin/echo ran
	assert_success
	assert_output ran
}

@test "exec ends attachments: a helper that makes no call still writes its exec record" {
	# Not the run's first process (that one opens its file at start anyway).
	run "$SHMTRACE" run -q -o "$TRACE" -- sh -c '"$0" --attach keep execv /bin/true; exit $?' "$TESTBIN/execer"
	assert_success
	# The same process, a new file: the report learns the attachment ended.
	local pid
	pid=$(records "select(.event == \"start\" and .exe == \"$TESTBIN/execer\") | .pid")
	run records "select(.pid == $pid and (.event == \"start\" or .event == \"exec\")) | [.event, .exe]"
	assert_equal "${#lines[@]}" 2
	assert_line "[\"start\",\"$TESTBIN/execer\"]"
	assert_line "[\"exec\",\"/usr/bin/true\"]"
}

@test "a child that appends to its parent's file (it may not create its own) and is killed: the parent says so" {
	run "$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/worker_killed"
	assert_success
	local worker=${output#worker=}
	run records "select(.event == \"fork\" and .pid == $worker) | .own_file"
	assert_output false
	local parent
	parent=$(records 'select(.event == "start") | .pid')
	run records 'select(.event == "killed") | [.pid, .signal, .reaped_by]'
	assert_output "[$worker,\"SIGKILL\",$parent]"
}

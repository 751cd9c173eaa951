#!/usr/bin/env bats
# Following a program through threads, fork, exec, constructors, exit and
# death: every call that returned is in the trace, every line whole.

load helpers

@test "threads: 8 threads x 1000 cycles give exactly the calls made, numbered without gaps" {
	trace "$TESTBIN/threads" 8 1000
	assert_success
	assert_output calls=32000
	assert_valid_trace
	run jq -s -e '[.[] | select(.event == "call")] |
		length == 32000 and
		(map(.seq) | sort) == [range(1; 32001)] and
		(map(.tid) | unique | length) == 8' "$TRACE"/shmtrace.*.jsonl
	assert_success
}

@test "threads: each thread's calls keep their order: shmget, shmat, shmdt, shmctl, again" {
	trace "$TESTBIN/threads" 4 200
	assert_success
	run jq -s -e '[.[] | select(.event == "call")] | group_by(.tid) | map(
		sort_by(.seq) as $c |
		($c | map(.ts) | . == sort) and
		($c | map(.call) | . == ([range(200)] | map("shmget", "shmat", "shmdt", "shmctl"))) and
		($c | [range(0; length; 4) as $i | $c[$i].ret == $c[$i + 3].args.shmid] | all)
	) | all' "$TRACE"/shmtrace.*.jsonl
	assert_success
}

@test "exec: the new program of the same process gets its own file and an exec record" {
	trace sh -c "exec '$SAMPLES/classic'"
	assert_success
	pid=$(records 'select(.event == "start") | .pid')
	[ -f "$TRACE/shmtrace.$pid.jsonl" ]
	[ -f "$TRACE/shmtrace.$pid.1.jsonl" ]
	run jq -c 'select(.event == "exec") | [.pid, .exe, .argv]' "$TRACE/shmtrace.$pid.1.jsonl"
	assert_output "[$pid,\"$SAMPLES/classic\",[\"$SAMPLES/classic\"]]"
	# Both images are one process: the same start time in both headers.
	run jq -r 'select(.event == "header") | .proc_start' "$TRACE/shmtrace.$pid.jsonl" "$TRACE/shmtrace.$pid.1.jsonl"
	[ "${lines[0]}" = "${lines[1]}" ]
	run jq -c 'select(.event == "call") | .call' "$TRACE/shmtrace.$pid.1.jsonl"
	assert_line --index 0 '"shmget"'
}

@test "children of children: a shell pipeline is traced process by process, files only where calls are" {
	trace sh -c "'$SAMPLES/classic' | cat; '$SAMPLES/careless'"
	assert_success
	run records 'select(.event == "start" or .event == "exec") | .exe'
	assert_equal "$(sort <<<"$output")" "$(printf '"%s"\n' /usr/bin/dash "$SAMPLES/classic" "$SAMPLES/careless" | sort)"
	# cat made no shm call: no file for it; sh has one as the run's first process.
	refute_output --partial /usr/bin/cat
	run records 'select(.event == "call" and .call == "shmget") | .pid'
	[ "${#lines[@]}" -eq 3 ]
}

@test "calls made through libc's syscall() are traced like the others, a thread's first call too" {
	trace "$TESTBIN/rawcall"
	assert_success
	shmid=$(sed -n 's/^shmid=//p' <<<"$output")
	run records 'select(.event == "call") | [.call, .via, .ret, .created, .args.size // .args.cmd]'
	assert_output "$(printf '%s\n' "[\"shmget\",\"syscall\",$shmid,true,8192]" '["shmctl","syscall",0,null,"IPC_STAT"]')"
}

@test "a child that inherits attachments gets its file at fork, even if it never calls" {
	trace "$TESTBIN/ops" get:private:4096 at fork
	assert_success
	run records 'select(.event == "fork") | [(.attached | length), .own_file]'
	assert_output '[1,true]'
}

@test "a child's fork record lists the attachments its /proc/self/maps shows (read-only, one segment twice), found by PROCMAP_QUERY or, on an older kernel, in the text" {
	long=$BATS_TEST_TMPDIR/$(printf 'longer-than-a-sysv-name-%.0s' 1 2 3 4)
	for kernel in new old; do
		rm -rf "$TRACE"
		if [ "$kernel" = new ]; then
			# The query is what the library uses where the kernel has it.
			# (LeakSanitizer cannot work under ptrace: off under strace.)
			ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
				run --separate-stderr strace -f -qq -y -e trace=ioctl -o "$BATS_TEST_TMPDIR/st" \
				"$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/attachments" "$long"
			grep -q 'maps>, _IOC(_IOC_READ|_IOC_WRITE, 0x66, 0x11, 0x68)' "$BATS_TEST_TMPDIR/st"
		else
			trace "$TESTBIN/refuse" procmap_query "$TESTBIN/attachments" "$long"
		fi
		assert_success
		[ "$(wc -l <<<"$output")" = 3 ]
		held=$output
		run records 'select(.event == "fork") | .attached[] | "\(.shmid) \(.addr) \(.size)"'
		assert_equal "$(tr -d '"' <<<"$output")" "$held"
	done
}

@test "a spawned program whose parent exits before its first call, which then execs another: each start names the real parent, not the reaper" {
	# The shell is spawned (posix_spawn: no fork record), its parent exits,
	# and the shell then execs ipcmk, whose first call comes after.
	run --separate-stderr unshare --ipc "$SHMTRACE" run -q -o "$TRACE" -- \
		"$TESTBIN/spawnlate" /bin/sh -c 'sleep 0.5; exec ipcmk -M 4096 >/dev/null'
	assert_success
	read -r parent child <<<"$output"
	sleep 1 # (run waited for the shell: it is the run's too)
	run records "select(.event == \"start\" and .pid == $child) | [.ppid, (.exe | split(\"/\") | last)]"
	assert_output "[$parent,\"ipcmk\"]"
}

# children_facts: "pid proc_start ipc_ns" of each forked child's trace (its
# header and fork record), sorted.
children_facts() {
	jq -r -s 'group_by(.pid)[] | select(any(.[]; .event == "fork"))
		| "\(.[0].pid) \(map(select(.event == "header"))[0].proc_start) \(map(select(.event == "fork"))[0].ipc_ns)"' \
		"$TRACE"/shmtrace.*.jsonl | sort
}

@test "forked children: each header's start time and fork record's namespace are what /proc says of the child (the library no longer reads them there)" {
	trace "$TESTBIN/forkfacts" 100
	assert_success
	assert_equal "$(wc -l <<<"$output")" 100
	expected=$(sort <<<"$output")
	run children_facts
	assert_output "$expected"
}

@test "a parent that moves to another IPC namespace, by unshare() or syscall(SYS_unshare), then forks: the children name the new one" {
	for how in unshare raw-unshare; do
		rm -rf "$TRACE"
		trace "$TESTBIN/forkfacts" 3 "$how"
		[ "$status" -ne 77 ] || skip "the program cannot make an IPC namespace"
		assert_success
		expected=$(sort <<<"$output")
		run children_facts
		assert_output "$expected"
		first=$(records 'select(.event == "start") | .ipc_ns')
		[ -n "$first" ] && ! grep -q " $first\$" <<<"$expected" || fail "$how: a child in its parent's first namespace"
	done
}

@test "constructors and destructors: their calls are traced, the exit record comes last" {
	trace "$TESTBIN/ctor"
	assert_failure 3
	shmid=$(sed -n 's/^shmid=//p' <<<"$output")
	run records 'select(.event != "stack" and .event != "header") | [.event, .call, .ret, .status]'
	assert_output "$(printf '%s\n' '["start",null,null,null]' "[\"call\",\"shmget\",$shmid,null]" \
		'["call","shmctl",0,null]' '["exit",null,null,3]')"
}

@test "SIGKILL: every call that returned is in the trace, and run dies of the same signal" {
	trace "$TESTBIN/killself" 50
	assert_equal "$status" 137
	assert_output calls=53
	assert_valid_trace
	run records 'select(.event == "call") | .seq'
	assert_output "$(seq 1 53)"
	run records 'select(.event == "exit")'
	assert_output ''
}

@test "SIGKILL after the file is mapped: every call is there, the unused room reads as blank lines" {
	trace "$TESTBIN/killself" 3000
	assert_equal "$status" 137
	run records 'select(.event == "call") | .seq'
	assert_equal "${#lines[@]}" 3003
	assert_equal "${lines[3002]}" 3003
	run "$SHMTRACE" report --format json "$TRACE"
	run jq -c '[.summary.calls.shmctl, .summary.warnings]' <<<"$output"
	assert_output '[3001,0]'
	# Without run to trim it, the file ends in blank lines, which readers skip.
	mkdir "$TRACE.raw"
	run env LD_PRELOAD="$LIB" SHMTRACE_OUT="$TRACE.raw" "$TESTBIN/killself" 3000
	assert_equal "$status" 137
	[ "$(tail -c 1 "$TRACE.raw"/shmtrace.*.jsonl | od -An -c | tr -d ' ')" = '\n' ]
	run sh -c "tail -c 4096 '$TRACE.raw'/shmtrace.*.jsonl | tr -d '\n' | wc -c"
	assert_output 0
	run "$SHMTRACE" report --format json "$TRACE.raw"
	run jq -c '[.summary.calls.shmctl, .summary.warnings]' <<<"$output"
	assert_output '[3001,0]'
	run jq -c 'select(.event == "call") | .seq' "$TRACE.raw"/shmtrace.*.jsonl
	assert_equal "${#lines[@]}" 3003
}

@test "signal handlers: calls from a handler are traced and nothing deadlocks" {
	run --separate-stderr timeout 120 "$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/sigcall"
	assert_success
	handler=$(sed -n 's/^handler=\([0-9]*\) .*/\1/p' <<<"$output")
	loop=$(sed -n 's/.* loop=//p' <<<"$output")
	assert_valid_trace
	# Every call of the main loop; the handler's, except those that
	# interrupted the shim's own unwinding (documented).
	run records 'select(.call == "shmctl" and .args.shmid == 2147483647) | .seq'
	assert_equal "${#lines[@]}" "$loop"
	run records 'select(.call == "shmctl" and .args.shmid == 2147483646) | .seq'
	[ "${#lines[@]}" -gt $((handler / 2)) ]
	[ "${#lines[@]}" -le "$handler" ]
}

@test "privileges dropped: a server that becomes nobody and forks keeps being traced" {
	[ "$(id -u)" = 0 ] || skip "needs root to drop privileges"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	trace "$TESTBIN/dropper"
	assert_success
	worker=$(sed -n 's/^worker=\([0-9]*\).*/\1/p' <<<"$output")
	# The worker may not create a file in the root-owned directory: it
	# appends to the file it inherited, its records under its own pid.
	run records "select(.pid == $worker) | [.event, .call, .own_file]"
	assert_output "$(printf '%s\n' '["fork",null,false]' '["call","shmat",null]' '["call","shmdt",null]' '["exit",null,null]')"
	run records 'select(.event == "call" and .errno != null)'
	assert_output ''
}

@test "privileges dropped before the first call: the file is opened before setuid, not lost after" {
	[ "$(id -u)" = 0 ] || skip "needs root to drop privileges"
	trace sh -c "'$TESTBIN/dropper'"
	assert_success
	worker=$(sed -n 's/^worker=\([0-9]*\).*/\1/p' <<<"$output")
	dropper=$(records "select(.event != \"fork\" and .exe == \"$TESTBIN/dropper\") | .pid")
	[ -f "$TRACE/shmtrace.$dropper.jsonl" ]
	run records "select(.pid == $dropper and .event == \"call\") | .call"
	assert_output "$(printf '"%s"\n' shmget shmctl)"
	run records "select(.pid == $worker and .event == \"call\") | .call"
	assert_output "$(printf '"%s"\n' shmat shmdt)"
}

@test "a daemon closes every descriptor, then drops privileges: its file is opened again before the drop, nothing lost" {
	[ "$(id -u)" = 0 ] || skip "needs root to drop privileges"
	trace "$TESTBIN/dropper" 0 closeall
	assert_success
	assert_equal "$stderr" ""
	dropper=$(records "select(.event == \"start\") | .pid" | head -1)
	run records "select(.pid == $dropper) | (.call // .event)"
	assert_output "$(printf '"%s"\n' header start shmctl shmctl shmget shmctl exit)"
	[ ! -e "$TRACE/shmtrace.$dropper.jsonl.incomplete" ]
}

@test "privileges dropped, file mapped: the worker writes into its parent's mapped file, nothing lost" {
	[ "$(id -u)" = 0 ] || skip "needs root to drop privileges"
	trace "$TESTBIN/dropper" 2000
	assert_success
	worker=$(sed -n 's/^worker=\([0-9]*\).*/\1/p' <<<"$output")
	run records "select(.pid == $worker and .event == \"call\") | .call"
	assert_equal "${#lines[@]}" 2002
	run records "select(.pid != $worker and .event == \"call\") | .seq"
	assert_equal "${#lines[@]}" 4002
	assert_valid_trace
}

@test "children killed by signals: the parent that collects them says so, through each of the wait family" {
	trace "$TESTBIN/reaper"
	assert_success
	parent=$(records 'select(.event == "start") | .pid')
	expected=$(while read -r pid sig; do
		printf '[%s,"SIG%s",%s]\n' "$pid" "$(kill -l "$sig")" "$parent"
	done <<<"$output")
	run records 'select(.event == "killed") | [.pid, .signal, .reaped_by]'
	assert_output "$expected"
	# The kernel detached them: the segments each had marked for removal
	# are gone with them, and no attachment is left.
	run "$SHMTRACE" report --format json "$TRACE"
	assert_success
	run jq -c '[(.killed_processes | length), .summary.leaked_segments, .summary.undetached_attachments]' <<<"$output"
	assert_output '[5,0,0]'
}

@test "a long trace costs the program no memory: the mapped file is given back behind its end" {
	# 50,000 cycles: a trace of about 45 MB, all of it through the mapping.
	run "$TESTBIN/longtrace" 50000
	assert_success
	bare=$(sed -n 's/.*maxrss_kib=//p' <<<"$output")
	trace "$TESTBIN/longtrace" 50000
	assert_success
	assert_output --partial calls=200000
	traced=$(sed -n 's/.*maxrss_kib=//p' <<<"$output")
	(( traced - bare < 16384 )) || fail "peak RSS $bare KiB bare, $traced KiB traced"
	run records 'select(.event == "call") | .seq'
	assert_equal "${#lines[@]}" 200000
	assert_equal "${lines[199999]}" 200000
}

@test "an address space limited by ulimit -v: the file is appended to (no mapping takes from the program's room), every call traced" {
	[[ "$BUILD" != *build-san* ]] || skip "ASan's shadow memory needs more address space than the limit"
	# 2 GiB: room for the program, not for 64 GiB of mapped file.
	run --separate-stderr bash -c "ulimit -v 2097152 && exec '$SHMTRACE' run -q -o '$TRACE' -- '$TESTBIN/longtrace' 5000"
	assert_success
	assert_output --partial calls=20000
	[ -z "$stderr" ] || fail "stderr: $stderr"
	run records 'select(.event == "call") | .seq'
	assert_equal "${#lines[@]}" 20000
	assert_equal "${lines[19999]}" 20000
}

@test "run in a PID namespace of its own (unshare --pid): a grandchild's leak is the run's, and its process list says it is not complete" {
	unshare --pid --fork true 2>/dev/null || skip "cannot make a PID namespace"
	# The kernel's fork events name processes as the first PID namespace
	# knows them: here none would be the run's.  Before: "not this run's:
	# 1 segment(s) made by processes not of the run", exit 0 (trial 23).
	run --separate-stderr unshare --pid --fork --mount-proc "$SHMTRACE" run -q -o "$TRACE" -- sh -c 'ipcmk -M 4096 >/dev/null; true'
	assert_success
	run jq -c 'select(.event == "processes") | .complete' "$TRACE/kernel.jsonl"
	assert_output false
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_failure 1
	run jq -r '.leaked_segments[] | .program' <<<"$output"
	assert_output --partial ipcmk
}

@test "timeout N shmtrace run: the program gets the SIGTERM, and what it left running is ended once it is gone, not waited for" {
	# Before: run passed SIGTERM to the program alone, then waited for its
	# daemon as long as it lived (outside trial 23: fakeroot's faked).
	start=$SECONDS
	run --separate-stderr timeout 2 "$SHMTRACE" run -q -o "$TRACE" -- \
		sh -c 'setsid sh -c "ipcmk -Q >/dev/null; exec sleep 30" </dev/null >/dev/null 2>&1 & sleep 60'
	assert_equal "$status" 124 # timeout's own: run ended of the program's SIGTERM
	(( SECONDS - start < 10 )) || fail "run took $((SECONDS - start)) s"
	run jq -c 'select(.event == "processes") | .left_running | length' "$TRACE/kernel.jsonl"
	assert_output 1
}

@test "what the program left gets SIGTERM and time to clean up before SIGKILL: a daemon removes its queue, no leak, and run says whom it ended" {
	# Killed at once, the daemon left its queue, which the report called
	# the program's leak (outside re-check).
	daemon='id=$(ipcmk -Q | sed "s/.*: //"); trap "sleep 2; ipcrm -q \$id; exit 0" TERM; while :; do sleep 0.1; done'
	run --separate-stderr timeout 2 "$SHMTRACE" run -q -o "$TRACE" -- \
		sh -c "setsid sh -c '$daemon' </dev/null >/dev/null 2>&1 & sleep 60"
	assert_equal "$status" 124
	# (the daemon's shell, and the sleep it waits for)
	[[ "$stderr" =~ "run: ended "[0-9]+" process(es) the program left running (SIGTERM; SIGKILL 5 s later to any still there)" ]]
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_success
	run jq -c '[.summary.leaked_message_queues, (.run.left_running | length > 0)]' <<<"$output"
	assert_output '[0,true]'
}

#!/usr/bin/env bats
# shmtrace sweep: one run per call, each failing that call; outcomes
# handled, crashed, hung, leaked; nothing left behind.

load helpers

segments() {
	ipcs -m | awk 'NR > 3 && $2 ~ /^[0-9]+$/' | wc -l
}

# The unchecked shmat's crash: a SIGSEGV; under make test SANITIZE=1, ASan
# catches the wild write first and aborts.
crash_signal() {
	[[ "${ASAN_OPTIONS:-}" == *abort_on_error=1* ]] && echo SIGABRT || echo SIGSEGV
}

@test "careless: sweep finds the unchecked shmat's crash and the early returns' leaks" {
	before=$(segments)
	sig=$(crash_signal)
	run --separate-stderr "$SHMTRACE" sweep --format json -- "$SAMPLES/careless"
	assert_failure 1
	run jq -c '.runs | map([.call, .nth, .errno, .outcome, (.exit_status // .signal), .leaked_segments, .stack[0].function])' <<<"$output"
	assert_output '[["shmget",1,"ENOSPC","handled",1,0,"main"],["shmat",1,"ENOMEM","crashed","'"$sig"'",1,"main"],["shmget",2,"ENOSPC","leaked",1,1,"main"],["shmat",2,"ENOMEM","leaked",1,2,"main"],["shmdt",1,"EINVAL","handled",0,0,"main"],["shmdt",2,"EINVAL","handled",0,0,"main"],["shmctl",1,"EPERM","leaked",0,1,"main"],["shmctl",2,"EPERM","leaked",0,1,"main"]]'
	# ...pointing at the lines of the calls that failed.
	run --separate-stderr "$SHMTRACE" sweep --format json -- "$SAMPLES/careless"
	line=$(grep -n 'shmat(config' "$ROOT/samples/careless.c" | cut -d: -f1)
	run jq -r '.runs[1].stack[0] | "\(.file | split("/") | last):\(.line)"' <<<"$output"
	assert_output "careless.c:$line"
	# Every segment the runs left was removed.
	assert_equal "$(segments)" "$before"
}

@test "text: a table with each run's outcome, and a summary" {
	run --separate-stderr "$SHMTRACE" sweep -- "$SAMPLES/careless"
	assert_failure 1
	assert_line --index 0 'shmtrace sweep: the clean run made 8 call(s) (shmget 2, shmat 2, shmdt 2, shmctl 2) and left 0 segment(s)'
	assert_line --regexp "^ +2  shmat +1  ENOMEM +crashed  $(crash_signal) +1  main careless\.c:[0-9]+\$"
	assert_line 'SUMMARY: 8 run(s): 3 handled, 1 crashed, 0 hung, 4 leaked'
	# Each run's leaks (1, 1, 2, 1, 1), removed: the kernel names the run's
	# processes their creators.
	assert_line 'CLEANUP: removed 6 leaked object(s) the kernel confirms the runs made'
}

@test "a failure that makes the program wait forever is hung, and killed at the timeout" {
	start=$(date +%s)
	run --separate-stderr "$SHMTRACE" sweep --timeout 1 --format json -- "$TESTBIN/hangs"
	assert_failure 1
	[ $(($(date +%s) - start)) -lt 20 ]
	run jq -c '.runs | map([.call, .outcome])' <<<"$output"
	assert_output '[["shmget","hung"],["shmat","hung"],["shmctl","leaked"],["shmdt","handled"]]'
}

@test "-j 2 gives the same outcomes as one run at a time" {
	run --separate-stderr "$SHMTRACE" sweep --format json -- "$SAMPLES/careless"
	one=$(jq -c '.runs | map([.call, .nth, .outcome, .leaked_segments])' <<<"$output")
	run --separate-stderr "$SHMTRACE" sweep -j 2 --format json -- "$SAMPLES/careless"
	assert_equal "$(jq -c '.runs | map([.call, .nth, .outcome, .leaked_segments])' <<<"$output")" "$one"
}

@test "--errno all: every errno the man page lists; a real program (ipcmk) handles them all" {
	run --separate-stderr "$SHMTRACE" sweep --errno all --format json -- ipcmk -M 4096
	assert_success
	run jq -c '[(.runs | map(.errno)), (.runs | map(.outcome) | unique), .clean.leaked_segments]' <<<"$output"
	assert_output '[["EACCES","EEXIST","EINVAL","ENFILE","ENOENT","ENOMEM","ENOSPC","EPERM"],["handled"],1]'
}

@test "--errno LIST: only the errnos each call can return" {
	run --separate-stderr "$SHMTRACE" sweep --errno EINVAL,EIDRM --format json -- "$SAMPLES/classic"
	run jq -c '.runs | map([.call, .errno])' <<<"$output"
	assert_output '[["shmget","EINVAL"],["shmat","EINVAL"],["shmat","EIDRM"],["shmctl","EINVAL"],["shmctl","EIDRM"],["shmdt","EINVAL"],["shmat","EINVAL"],["shmat","EIDRM"],["shmdt","EINVAL"],["shmctl","EINVAL"],["shmctl","EIDRM"]]'
}

@test "many calls: sweep fails each call site once instead, and says so" {
	run --separate-stderr "$SHMTRACE" sweep -- "$TESTBIN/threads" 1 50
	assert_failure 1
	assert_line 'shmtrace sweep: that is more than 100: failing the first call from each of 4 call sites instead (--by site)'
	assert_line 'SUMMARY: 4 run(s): 0 handled, 4 crashed, 0 hung, 0 leaked'
	run --separate-stderr "$SHMTRACE" sweep --by site --format json -- "$SAMPLES/careless"
	run jq -c '[.by, (.runs | length), (.runs | map(.site | test("^0x[0-9a-f]+$")) | all)]' <<<"$output"
	assert_output '["site",8,true]'
}

@test "-o DIR keeps each run's trace and output" {
	run --separate-stderr "$SHMTRACE" sweep -o "$BATS_TEST_TMPDIR/kept" --format json -- "$SAMPLES/classic"
	assert_failure 1 # classic dies without removing its segment when a later call fails
	[ -d "$BATS_TEST_TMPDIR/kept/clean" ]
	trace=$(jq -r '.runs[0].trace' <<<"$output")
	run jq -c 'select(.injected) | .rule' "$trace"/shmtrace.*.jsonl
	assert_output '"shmget:when=1:scope=run"'
	[ -f "$trace.log" ]
}

@test "usage errors and an untraceable program: 125 and one line" {
	run --separate-stderr "$SHMTRACE" sweep --by nothing -- true
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: sweep: --by 'nothing': expected call or site"
	run --separate-stderr "$SHMTRACE" sweep --errno ENOTANERRNO -- true
	assert_equal "$status" 125
	run --separate-stderr "$SHMTRACE" sweep
	assert_equal "$status" 125
	run --separate-stderr "$SHMTRACE" sweep -- "$TESTBIN/static_true"
	assert_equal "$status" 125
	[[ "$stderr" == "shmtrace: sweep: the clean run of $TESTBIN/static_true failed with status 125"* ]]
	# run's reason quoted, not only its status (outside trial 24)
	[[ "$stderr" == *": cannot trace $TESTBIN/static_true: it is statically linked: there is no dynamic loader to preload into it" ]]
	run --separate-stderr "$SHMTRACE" sweep -- /nonexistent/cmd
	assert_equal "$status" 125
	[[ "$stderr" == "shmtrace: sweep: the clean run of /nonexistent/cmd failed with status 127: not found"* ]]
	run --separate-stderr "$SHMTRACE" sweep -t inf -- true
	assert_equal "$stderr" "shmtrace: sweep: --timeout 'inf': expected seconds, more than 0 and fewer than 10^9"
}

# A run that hangs in a loop of calls writes gigabytes of trace before its
# timeout: without -o, each run's trace goes as soon as it is read, so a
# sweep holds one run's at a time (per job), never all of them.
@test "without -o, each run's trace is removed once read: a run sees no earlier run's" {
	mkdir "$BATS_TEST_TMPDIR/tmp"
	run --separate-stderr env TMPDIR="$BATS_TEST_TMPDIR/tmp" "$SHMTRACE" sweep --format json -- sh -c '
		ls -d "$TMPDIR"/shmtrace-sweep.*/run-[0-9][0-9][0-9][0-9] 2>/dev/null | wc -l >>"$TMPDIR/seen"
		id=$(ipcmk -M 4096 | sed "s/.*: //") && ipcrm -m "$id"'
	run jq '.runs | length' <<<"$output"
	[ "$output" -ge 2 ]
	run sort -n "$BATS_TEST_TMPDIR/tmp/seen"
	assert_equal "${lines[-1]}" 1
	[ -z "$(ls "$BATS_TEST_TMPDIR/tmp")" ] || [ "$(ls "$BATS_TEST_TMPDIR/tmp")" = seen ]
}

# Outside trial 24.
@test "a process of the run killed by SIGSEGV while the program exits 0: crashed, and said so" {
	# A Perl child that dies of SIGSEGV when its shmget fails, its parent
	# exiting 0 all the same (a worker whose server goes on).  Before:
	# "handled" (outside trial 24).
	prog="perl -MIPC::SysV=IPC_PRIVATE,IPC_CREAT,IPC_RMID -e 'my \$id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); defined \$id or kill SEGV => \$\$; shmctl(\$id, IPC_RMID, 0)'; true"
	run --separate-stderr "$SHMTRACE" sweep --format json -- sh -c "$prog"
	assert_failure 1
	run jq -c '.runs[] | select(.call == "shmget") | [.outcome, .exit_status, .process_killed_by]' <<<"$output"
	assert_output '["crashed",0,"SIGSEGV"]'
	run --separate-stderr "$SHMTRACE" sweep -- sh -c "$prog"
	assert_line --regexp '^ +1  shmget .* crashed +exit 0 .*\(a process of the run was killed by SIGSEGV\)$'
}

@test "a process of the run that made no shm call and was killed by SIGSEGV counts too: crashed, and named by the report" {
	# Its traced parent reaps it and says so; before, the report and sweep
	# left out a process that had no trace file (outside re-check).
	# (The run's first process, which has its file from the start, reaps it.)
	prog='ipcmk -M 4096 >/dev/null || sh -c "kill -SEGV \$\$"; ipcrm -a shm 2>/dev/null; true'
	run --separate-stderr "$SHMTRACE" sweep --format json -- sh -c "$prog"
	run jq -c '.runs[] | select(.call == "shmget") | [.outcome, .process_killed_by]' <<<"$output"
	assert_output '["crashed","SIGSEGV"]'
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i shmget:when=1 -- sh -c "$prog"
	run --separate-stderr "$SHMTRACE" report --fail-on none "$TRACE"
	assert_line --regexp '^  killed by a signal: 1 process\(es\): pid [0-9]+ \(untraced\) by SIGSEGV$'
}

@test "a clean run that itself crashes is said to, not only each run" {
	run --separate-stderr "$SHMTRACE" sweep -- sh -c 'id=$(ipcmk -M 4096 | sed "s/.*: //"); ipcrm -m "$id"; kill -SEGV $$'
	assert_failure 1
	assert_line "shmtrace sweep: the clean run itself was killed by SIGSEGV: runs that end so too may owe it nothing to the call they failed"
	run --separate-stderr "$SHMTRACE" sweep --format json -- sh -c 'kill -SEGV $$; ipcmk -M 4096'
	run jq -c '.clean.signal' <<<"$output"
	assert_output '"SIGSEGV"'
}

@test "nothing swept (no call, no call the errnos fit): exit 2 and says so, never 0" {
	run --separate-stderr "$SHMTRACE" sweep -- true
	assert_failure 2
	assert_line "NOTHING SWEPT: the clean run made no call: no verdict (exit status 2)"
	assert_line "shmtrace sweep: the clean run made 0 call(s) and left 0 segment(s)"
	run --separate-stderr "$SHMTRACE" sweep -e EPIPE -- "$SAMPLES/careless"
	assert_failure 2
	assert_line "NOTHING SWEPT: no call the clean run made can fail with the errnos asked (-e): no verdict (exit status 2)"
}

@test "every argument of the command reaches every run (100 of them)" {
	run --separate-stderr "$SHMTRACE" sweep -o "$BATS_TEST_TMPDIR/kept" -- sh -c \
		'echo "argc=$#"; id=$(ipcmk -M 4096 | sed "s/.*: //"); ipcrm -m "$id"' sh $(seq 100)
	[ -d "$BATS_TEST_TMPDIR/kept/run-0002" ] # the clean run and two runs
	run sh -c "cat '$BATS_TEST_TMPDIR'/kept/*.log | grep argc= | sort | uniq -c"
	assert_output --regexp '^ +[0-9]+ argc=100$'
}

@test "-o DIR an earlier sweep wrote into: refused (125), not read as this sweep's runs" {
	"$SHMTRACE" sweep -o "$BATS_TEST_TMPDIR/kept" -- "$SAMPLES/classic" >/dev/null || true
	run --separate-stderr "$SHMTRACE" sweep -o "$BATS_TEST_TMPDIR/kept" -- "$SAMPLES/classic"
	assert_failure 125
	assert_equal "$stderr" "shmtrace: sweep: -o $BATS_TEST_TMPDIR/kept holds an earlier sweep's runs (clean, run-0001, ...): remove them, or give another directory"
}

@test "interrupted (SIGTERM, SIGHUP; SIGINT alike): sweep ends the run under way, removes its directory, and dies of the signal" {
	# (A background job ignores SIGINT, and so does sweep then.)
	for sig in TERM HUP; do
		mkdir -p "$BATS_TEST_TMPDIR/tmp.$sig"
		# hangs waits forever when its shmget fails (the first run).
		TMPDIR="$BATS_TEST_TMPDIR/tmp.$sig" "$SHMTRACE" sweep --timeout 60 -- "$TESTBIN/hangs" >/dev/null 2>&1 &
		sweep=$!
		for _ in $(seq 100); do
			[ -n "$(ls -d "$BATS_TEST_TMPDIR/tmp.$sig"/shmtrace-sweep.*/run-0001 2>/dev/null)" ] && break
			sleep 0.1
		done
		sleep 0.5
		kill -"$sig" "$sweep"
		status=0
		wait "$sweep" || status=$?
		assert_equal "$status" $((128 + $(kill -l "$sig")))
		# Before: the run and its program ran on, orphaned, and the
		# directory stayed (outside trial 24).
		run pgrep -f "$TESTBIN/hangs"
		assert_output ''
		run ls "$BATS_TEST_TMPDIR/tmp.$sig"
		assert_output ''
	done
}

@test "a run whose trace is incomplete: failed, and its warning said once (it was said twice, the trace read twice)" {
	prog='my $id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); if (defined $id) { shmctl($id, IPC_RMID, 0) } else { shmctl(0, IPC_STAT, my $b) for 1 .. 1000 }'
	run --separate-stderr env SHMTRACE_MAX_SIZE=20000 "$SHMTRACE" sweep --format json -- \
		perl -MIPC::SysV=IPC_PRIVATE,IPC_CREAT,IPC_RMID,IPC_STAT -e "$prog"
	run jq -r '.runs[] | select(.call == "shmget") | .outcome' <<<"$output"
	assert_output failed
	[ "$(grep -c 'warning: incomplete: the library could not write all' <<<"$stderr")" = 1 ]
}

@test "--max-size bounds each run's trace files, as run's does (a run that loops on a failing call)" {
	prog='my $id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); if (defined $id) { shmctl($id, IPC_RMID, 0) } else { shmctl(0, IPC_STAT, my $b) for 1 .. 1000 }'
	run --separate-stderr "$SHMTRACE" sweep --max-size 20K -o "$BATS_TEST_TMPDIR/kept" --format json -- \
		perl -MIPC::SysV=IPC_PRIVATE,IPC_CREAT,IPC_RMID,IPC_STAT -e "$prog"
	run jq -r '.runs[] | select(.call == "shmget") | [.outcome, .trace] | @tsv' <<<"$output"
	[ "$(cut -f1 <<<"$output")" = failed ]
	for f in "$(cut -f2 <<<"$output")"/shmtrace.*.jsonl; do
		[ "$(stat -c %s "$f")" -le 20480 ] || fail "$f: $(stat -c %s "$f") bytes"
	done
	run --separate-stderr "$SHMTRACE" sweep --max-size lots -- true
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: sweep: --max-size 'lots': expected bytes, with K, M or G after them if wanted; 0 for no bound"
}

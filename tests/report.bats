#!/usr/bin/env bats
# shmtrace report: findings on real runs of the samples and on hand-written
# traces in tests/fixtures/<case>/, outputs, suppressions, exit statuses.

load helpers

report() {
	run --separate-stderr "$SHMTRACE" report "$@"
}

leaky_run() {
	key=$(printf '0x5d%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	"$SHMTRACE" run -q -o "$TRACE" -- "$SAMPLES/leaky_producer" "$key" >"$BATS_TEST_TMPDIR/out"
	shmid=$(sed -n 's/^shmid=\([0-9]*\).*/\1/p' "$BATS_TEST_TMPDIR/out")
	line=$(grep -n 'shmget(key' "$ROOT/samples/leaky_producer.c" | cut -d: -f1)
}

@test "leaky producer: the leak, at the file:line of its shmget, and exit status 1" {
	leaky_run
	cd "$ROOT"
	report "$TRACE"
	assert_failure 1
	assert_line --index 0 "LEAK: segment $shmid (key $key, 65536 bytes) created by pid $(records 'select(.event == "start") | .pid') (leaky_producer), never removed:"
	assert_line --index 1 --regexp "^    #0 0x[0-9a-f]+ in main samples/leaky_producer\.c:$line\$"
	assert_output --partial 'SUMMARY: 1 leaked segment(s) (65536 bytes), 1 unremoved key(s)'
}

@test "json: the documented schema, with shmid, key, size, pid, program, symbolized stack" {
	leaky_run
	report --format json "$TRACE"
	assert_failure 1
	run jq -e --argjson shmid "$shmid" --arg key "$key" --argjson line "$line" '
		(.leaked_segments | length) == 1 and
		(.leaked_segments[0] | .shmid == $shmid and .key == $key and .size == 65536 and
			(.pid | type) == "number" and (.program | endswith("/leaky_producer")) and
			.stack[0].function == "main" and (.stack[0].file | endswith("samples/leaky_producer.c")) and
			.stack[0].line == $line and .seen_by_trace == true and .in_kernel == true) and
		.unremoved_keys == [{"key": $key, "segments": 1, "shmids": [$shmid], "semids": [], "msqids": [], "programs": [.leaked_segments[0].program]}] and
		.undetached_attachments == [] and .misuse == [] and
		.summary.leaked_segments == 1 and .summary.calls.shmget == 1' <<<"$output"
	assert_success
}

@test "sarif: version 2.1.0, the leak located at its source line, with its stack" {
	leaky_run
	cd "$ROOT"
	report --format sarif "$TRACE"
	assert_failure 1
	run jq -e --argjson line "$line" '
		.version == "2.1.0" and (.runs | length) == 1 and
		.runs[0].tool.driver.name == "shmtrace" and
		(.runs[0].tool.driver.rules | map(.id) | index("leaked-segment")) != null and
		(.runs[0].results | length) == 1 and
		(.runs[0].results[0] | .ruleId == "leaked-segment" and .level == "error" and
			.locations[0].physicalLocation.artifactLocation.uri == "samples/leaky_producer.c" and
			.locations[0].physicalLocation.region.startLine == $line and
			(.stacks[0].frames | length) >= 1 and (.message.text | test("never removed")))' <<<"$output"
	assert_success
}

@test "a clean run: no findings, exit status 0, the calls counted" {
	trace "$SAMPLES/classic"
	report "$TRACE"
	assert_success
	assert_output --partial 'SUMMARY: 0 leaked segment(s) (0 bytes), 0 unremoved key(s), 0 undetached attachment(s), 0 misuse'
	assert_output --partial 'calls: shmget 1, shmat 2, shmdt 2, shmctl 2'
}

@test "created by one process, removed by another (ipcmk, then ipcrm): no leak" {
	"$SHMTRACE" run -q -o "$TRACE" -- sh -c 'ipcrm -m "$(ipcmk -M 4096 | sed "s/.*: //")"'
	report --format json "$TRACE"
	assert_success
	run jq -c '[.summary.leaked_segments, .summary.calls]' <<<"$output"
	assert_output '[0,{"shmget":1,"shmctl":1}]'
}

@test "attached, removed at once and still attached by a process outside the run (X's MIT-SHM): no leak, nothing to remove" {
	# The "X server" attaches the removed segment from outside the run and
	# holds it past the run's end: the kernel's table after the run still
	# lists it, marked for destruction.  Before, a leak "no traced call
	# created it", and removable.
	"$TESTBIN/rmidheld" hold "$BATS_TEST_TMPDIR" >/dev/null 2>&1 &
	holder=$!
	"$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/rmidheld" make "$BATS_TEST_TMPDIR"
	report --live --format json "$TRACE"
	kill "$holder"
	assert_success
	id=$(cat "$BATS_TEST_TMPDIR/id")
	grep -q "\"shmid\":$id,.*\"nattch\":1,.*\"dest\":true" "$TRACE/kernel.jsonl" || fail "kernel.jsonl: $(cat "$TRACE/kernel.jsonl")"
	# (The program's own attachment, never detached before its exit, is a warning.)
	run jq -c '[.summary.leaked_segments, .summary.undetached_attachments, [.. | .remove? // empty]]' <<<"$output"
	assert_output '[0,1,[]]'
}

@test "fork: the child inherits the attachment; producer/consumer is clean" {
	trace "$SAMPLES/prodcons"
	report --fail-on all "$TRACE"
	assert_success
}

@test "hand-written: a segment id reused after removal is a new segment" {
	report --format json "$(fixture reuse)"
	assert_failure 1
	run jq -c '.leaked_segments | map([.shmid, .size])' <<<"$output"
	assert_output '[[7,8192]]'
}

@test "hand-written: removed by a forked child; the parent's own attachment never detached" {
	report --format json "$(fixture cross-process)"
	assert_success
	run jq -c '[.summary.leaked_segments, (.undetached_attachments | map([.pid, .shmid, .addr, .ended_by]))]' <<<"$output"
	assert_output '[0,[[100,9,"0x7000","exit"]]]'
}

@test "hand-written: exec drops the attachments of the old program" {
	report --format json "$(fixture exec)"
	assert_success
	run jq -c '.undetached_attachments | map([.pid, .program, .ended_by])' <<<"$output"
	assert_output '[[200,"/opt/fixture/before-exec","exec"]]'
}

@test "undetached: a real program that exits attached gets a warning, not a leak" {
	trace "$TESTBIN/undetached"
	addr=$(sed -n 's/.*attach=//p' <<<"$output")
	report --format json "$TRACE"
	assert_success
	run jq -c '[.summary.leaked_segments, (.undetached_attachments | map([.addr, .ended_by, .stack[0].function]))]' <<<"$output"
	assert_output "[0,[[\"$addr\",\"exit\",\"main\"]]]"
	report --fail-on undetached "$TRACE"
	assert_failure 1
}

@test "misuse: shmdt of nothing, use after remove, failed calls by site and errno" {
	trace "$TESTBIN/errnos"
	report --format json "$TRACE"
	assert_success
	run jq -c '.misuse | map([.kind, .call, .errno, .count])' <<<"$output"
	assert_output '[["failed_call","shmget","ENOMEM",1],["failed_call","shmat","EINVAL",1],["shmdt_not_attached",null,null,1],["failed_call","shmctl","EINVAL",1],["failed_call","shmctl","EINVAL",1],["use_after_remove",null,null,1]]'
	report --fail-on misuse "$TRACE"
	assert_failure 1
}

@test "hand-written: IPC_RMID twice is misuse" {
	report --format json "$(fixture double-remove)"
	assert_success
	run jq -c '.misuse | map([.kind, .shmid, .pid])' <<<"$output"
	assert_output '[["double_remove",13,300]]'
}

@test "a segment made outside the trace and removed inside it is noted, not a leak" {
	id=$(ipcmk -M 4096 | sed 's/.*: //')
	trace ipcrm -m "$id"
	report --format json "$TRACE"
	assert_success
	run jq -c '[.summary.leaked_segments, (.misuse | map([.kind, .shmid]))]' <<<"$output"
	assert_output "[0,[[\"created_outside_trace\",$id]]]"
}

@test "kernel before/after: segments made by a static program or an inline system call still show" {
	trace sh -c "'$TESTBIN/static_shmget'; '$TESTBIN/inlinecall'; '$TESTBIN/rawcall'"
	static_id=$(sed -n 's/^shmid=//p' <<<"$output" | sed -n 1p)
	inline_id=$(sed -n 's/^shmid=//p' <<<"$output" | sed -n 2p)
	raw_id=$(sed -n 's/^shmid=//p' <<<"$output" | sed -n 3p)
	report --format json "$TRACE"
	assert_failure 1
	# syscall(SYS_shmget) goes through libc's syscall(): traced.  The
	# static program and the inline instruction are found in the table.
	run jq -c '.leaked_segments | map([.shmid, .size, .seen_by_trace, (.program | tostring | split("/") | last)]) | sort_by(.[1])' <<<"$output"
	assert_output "[[$raw_id,8192,true,\"rawcall\"],[$static_id,12288,false,\"null\"],[$inline_id,16384,false,\"null\"]]"
	ipcrm -m "$static_id" -m "$raw_id" -m "$inline_id"
}

@test "a leak removed by someone else before the run ended is not counted" {
	key=$(printf '0x5c%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	# --no-follow-env: ipcrm, run without LD_PRELOAD, stays untraced.
	"$SHMTRACE" run --no-follow-env -q -o "$TRACE" -- sh -c "'$SAMPLES/leaky_producer' $key >/dev/null; env -u LD_PRELOAD ipcrm -M $key"
	report --format json "$TRACE"
	assert_success
	run jq -c '[.summary.leaked_segments, .summary.removed_outside_trace]' <<<"$output"
	assert_output '[0,1]'
}

@test "--live: a leak still in the kernel, with the ipcrm command; then gone" {
	leaky_run
	report --live "$TRACE"
	assert_failure 1
	assert_line "  still in the kernel now (nattch 0); remove it with: ipcrm -m $shmid"
	ipcrm -m "$shmid"
	report --live --format json "$TRACE"
	run jq -c '.leaked_segments[0].live' <<<"$output"
	assert_output '{"present":false}'
}

@test "suppressions: leak:PATTERN and key:KEY silence a leak, and the exit status follows" {
	leaky_run
	printf '# our known leak\nleak:^main$\n' >"$BATS_TEST_TMPDIR/by-function"
	report --suppressions "$BATS_TEST_TMPDIR/by-function" --format json "$TRACE"
	assert_success
	run jq -c '[.summary.leaked_segments, .summary.suppressed, .unremoved_keys]' <<<"$output"
	assert_output '[0,1,[]]'
	printf 'key:%s\n' "$key" >"$BATS_TEST_TMPDIR/by-key"
	report -s "$BATS_TEST_TMPDIR/by-key" "$TRACE"
	assert_success
	printf 'leak:leaky_producer.c\n' >"$BATS_TEST_TMPDIR/by-file"
	report -s "$BATS_TEST_TMPDIR/by-file" "$TRACE"
	assert_success
	printf 'leak:^mai$\n' >"$BATS_TEST_TMPDIR/no-match"
	report -s "$BATS_TEST_TMPDIR/no-match" "$TRACE"
	assert_failure 1
}

@test "--gen-suppressions: the line it suggests suppresses the finding" {
	leaky_run
	report --gen-suppressions --format json "$TRACE"
	suggestion=$(jq -r '.leaked_segments[0].suppression' <<<"$output")
	assert_equal "$suggestion" 'leak:^main$'
	echo "$suggestion" >"$BATS_TEST_TMPDIR/generated"
	report -s "$BATS_TEST_TMPDIR/generated" "$TRACE"
	assert_success
}

@test "--gen-suppressions for a program without debug information (ipcmk): its own program, never a C runtime frame that every stack has" {
	unshare --ipc true 2>/dev/null || skip "cannot make an IPC namespace"
	unshare --ipc sh -c "'$SHMTRACE' run -q -o '$TRACE' -- ipcmk -M 4096 >/dev/null"
	report --gen-suppressions --format json "$TRACE"
	suggestion=$(jq -r '.leaked_segments[0].suppression' <<<"$output")
	# Before, with libc6-dbg: leak:^__libc_start_call_main$, which hides
	# every program's leaks.
	[[ "$suggestion" != *__libc* ]] || fail "suggested: $suggestion"
	[[ "$suggestion" == "leak:"*"/ipcmk\$" || "$suggestion" == key:* ]] || fail "suggested: $suggestion"
	echo "$suggestion" >"$BATS_TEST_TMPDIR/generated"
	report -s "$BATS_TEST_TMPDIR/generated" "$TRACE"
	assert_success
}

@test "--fail-on: none passes with a leak; a bad value is a usage error" {
	leaky_run
	report --fail-on none "$TRACE"
	assert_success
	report --fail-on leaks,sometimes "$TRACE"
	assert_failure 2
	assert_equal "$stderr" "shmtrace: report: --fail-on: unknown 'sometimes' (expected leaks, undetached, misuse, all or none)"
}

@test "bad input: each problem one warning with file:line, the rest analyzed" {
	dir=$(fixture bad-input)
	report --format json "$dir"
	assert_failure 1
	assert_equal "${stderr_lines[0]}" "$dir/shmtrace.401.jsonl:1: warning: trace format version 99, this shmtrace reads version 1: file skipped"
	assert_equal "${stderr_lines[1]}" "$dir/shmtrace.400.jsonl:3: warning: not a JSON object: '[' or '{' expected near 'this': line ignored"
	assert_equal "${stderr_lines[2]}" "$dir/shmtrace.400.jsonl:5: warning: last line cut short (the process was killed while writing?): ignored"
	assert_equal "${#stderr_lines[@]}" 3
	run jq -c '[(.leaked_segments | map(.key)), .summary.warnings, .summary.incomplete_files]' <<<"$output"
	assert_output '[["0x00004321"],3,1]'
}

@test "bad input: a missing path, an empty directory, a bad suppressions file: exit 2 and one line" {
	report /nonexistent/trace
	assert_failure 2
	assert_equal "$stderr" 'shmtrace: report: /nonexistent/trace: No such file or directory'
	mkdir "$BATS_TEST_TMPDIR/empty"
	report "$BATS_TEST_TMPDIR/empty"
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "shmtrace: report: warning: no *.jsonl files in $BATS_TEST_TMPDIR/empty"
	printf 'leak:main\nleek:oops\n' >"$BATS_TEST_TMPDIR/bad"
	report -s "$BATS_TEST_TMPDIR/bad" "$(fixture reuse)"
	assert_failure 2
	assert_equal "$stderr" "shmtrace: report: $BATS_TEST_TMPDIR/bad:2: expected leak:, key:, undetached: or misuse: and a pattern, got 'leek:oops'"
	report --format yaml "$(fixture reuse)"
	assert_failure 2
}

@test "a trace cut by SIGKILL is read: every completed call counts" {
	trace "$TESTBIN/killself" 20
	report --format json "$TRACE"
	assert_success
	run jq -c '[.summary.calls, .summary.warnings]' <<<"$output"
	assert_output '[{"shmget":1,"shmat":1,"shmctl":21},0]'
}

@test "report --live from another IPC namespace than the run's: the leak is not looked at, never said gone" {
	unshare --ipc true 2>/dev/null || skip "cannot make an IPC namespace"
	# The run's namespace lives on (a process waits in it) while the report
	# runs outside it.
	unshare --ipc sh -c "'$SHMTRACE' run -q -o '$TRACE' -- ipcmk -M 4096 >/dev/null; touch '$BATS_TEST_TMPDIR/ready';
		while [ ! -e '$BATS_TEST_TMPDIR/done' ]; do sleep 0.05; done" &
	while [ ! -e "$BATS_TEST_TMPDIR/ready" ]; do sleep 0.05; done
	report --live --format json "$TRACE"
	json=$output
	report --live "$TRACE"
	touch "$BATS_TEST_TMPDIR/done"
	wait
	assert_failure 1
	assert_output --partial "in another IPC namespace than this report's: not looked at now"
	refute_output --partial "gone from the kernel now"
	run jq -c '.leaked_segments[0].live' <<<"$json"
	assert_output '{"present":null,"other_ipc_namespace":true}'
}

@test "sarif: a program without debug information (ipcmk): its leak located at its own module, never in glibc's sources" {
	unshare --ipc true 2>/dev/null || skip "cannot make an IPC namespace"
	run unshare --ipc sh -c "'$SHMTRACE' run -q -o '$TRACE' -- ipcmk -M 4096 >/dev/null && '$SHMTRACE' report --format sarif '$TRACE'"
	assert_failure 1
	# With libc6-dbg (or debuginfod) glibc's frames have source, and the
	# result was located at ../sysdeps/nptl/libc_start_call_main.h.
	run jq -c '.runs[0].results[] | select(.ruleId == "leaked-segment") | .locations' <<<"$output"
	assert_output '[{"logicalLocations":[{"name":"/usr/bin/ipcmk","kind":"module"}]}]'
}

@test "sarif: the official SARIF validator finds no error in our output" {
	# ipcmk, without debug information: a result with a logical location.
	trace sh -c "'$SAMPLES/leaky_producer' 0x5b$(printf '%06x' $((RANDOM * 32 + BATS_TEST_NUMBER))); '$TESTBIN/undetached'; '$TESTBIN/errnos'; ipcmk -M 4096 >/dev/null"
	"$SHMTRACE" report --format sarif "$TRACE" >"$BATS_TEST_TMPDIR/ours.sarif" || true
	jq -e '[.runs[0].results[].locations[]? | select(.logicalLocations and (.physicalLocation | not))] | length > 0' \
		"$BATS_TEST_TMPDIR/ours.sarif" >/dev/null || fail "no result with a logical location only"
	sarif_errors "$BATS_TEST_TMPDIR/ours.sarif"
	assert_output '[]'
	# The validator does find errors: one in a copy without its tool.
	jq 'del(.runs[0].tool)' "$BATS_TEST_TMPDIR/ours.sarif" >"$BATS_TEST_TMPDIR/broken.sarif"
	sarif_errors "$BATS_TEST_TMPDIR/broken.sarif"
	assert_output '["JSON1002"]'
}

@test "a process killed by a signal: its leak says who was attached when it died, run names the signal, no undetached warning" {
	trace "$TESTBIN/ops" get:private:4096 at kill
	assert_failure 137
	pid=$(records 'select(.event == "start") | .pid')
	report --format json "$TRACE"
	assert_failure 1
	run jq -c '[.leaked_segments[].attached[] | [.pid, .killed_by]], [.killed_processes[] | [.pid, .signal, .core]], .summary.undetached_attachments' <<<"$output"
	assert_output "$(printf '%s\n' "[[$pid,\"SIGKILL\"]]" "[[$pid,\"SIGKILL\",false]]" 0)"
	report "$TRACE"
	assert_line --regexp "^  attached when SIGKILL killed it: pid $pid \(ops\) at 0x[0-9a-f]+$"
	assert_line "  killed by a signal: 1 process(es): pid $pid (ops) by SIGKILL"
	# The record comes from run, which collected the process.
	run jq -c 'select(.event == "killed") | [.pid, .signal]' "$TRACE/kernel.jsonl"
	assert_output "[$pid,\"SIGKILL\"]"
}

@test "hand-written: killed records detach, a removed segment dies with its last process, an earlier run's segment is named" {
	report --format json "$(fixture killed)"
	assert_failure 1
	json=$output
	# 60 leaks, and both processes were attached when killed; 61, removed
	# while attached, went with the second death; 999 was never traced,
	# and is named all the same, attached to nothing.
	run jq -c '[.leaked_segments[] | [.shmid, (.attached | map([.pid, .killed_by]))]], [.killed_processes[] | [.pid, .signal, .core]], .summary.undetached_attachments' <<<"$output"
	assert_output "$(printf '%s\n' '[[60,[[601,"SIGSEGV"],[600,"SIGKILL"]]]]' '[[601,"SIGSEGV",true],[600,"SIGKILL",false],[999,"SIGTERM",false]]' 0)"
	run jq -c '[.misuse[] | [.kind, .shmid, .before_run, .cpid]]' <<<"$json"
	assert_output '[["created_outside_trace",77,true,555]]'
	# Both of 600's segments were there at once, at 61's shmget.
	run jq -c '.summary.peak' <<<"$json"
	assert_output '{"segments":2,"bytes":12288,"ts":3500}'
	report "$(fixture killed)"
	assert_line '  killed by a signal: 3 process(es): pid 601 (server) by SIGSEGV (core dumped), pid 600 (server) by SIGKILL, pid 999 (untraced) by SIGTERM'
}

@test "without PATH: the newest trace directory that run left here, named on stderr; none: 2 and one line" {
	cd "$BATS_TEST_TMPDIR"
	report
	assert_failure 2
	assert_equal "$stderr" "shmtrace: report: no trace to read: give a trace directory or file, or run this where 'shmtrace run' left one (see 'shmtrace report --help')"
	# The newest is neither the first nor the last by name.
	"$SHMTRACE" run -q -- "$SAMPLES/classic" >/dev/null
	"$SHMTRACE" run -q -- "$SAMPLES/prodcons" >/dev/null
	key=0x5c$(printf '%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	"$SHMTRACE" run -q -- "$SAMPLES/leaky_producer" "$key" >/dev/null
	newest=$(ls -d shmtrace.leaky_producer.*)
	touch -d '1 hour ago' shmtrace.classic.* shmtrace.prodcons.*
	report --format json
	ipcrm -M "$key"
	assert_failure 1
	assert_equal "$stderr" "shmtrace: report: reading $newest, the newest trace directory here"
	run jq -r '.leaked_segments[0].key' <<<"$output"
	assert_output "$key"
}

# Outside trial of issue 17, problem 4: with two runs' directories, the
# second's tables judged the first's leaks ("there before the run") and
# the report passed: `report traces/*` in CI passed a leaking run.
@test "two runs given at once are refused (2, one line naming both): the report reads one run at a time" {
	"$SHMTRACE" run -q -o "$TRACE.leaks" -- ipcmk -M 4096 >/dev/null
	"$SHMTRACE" run -q -o "$TRACE.clean" -- true
	run --separate-stderr "$SHMTRACE" report "$TRACE.leaks"
	assert_failure 1
	run --separate-stderr "$SHMTRACE" report "$TRACE.leaks" "$TRACE.clean"
	assert_failure 2
	assert_equal "$stderr" "shmtrace: report: $TRACE.leaks/kernel.jsonl and $TRACE.clean/kernel.jsonl are two runs: the report reads one run at a time (report each directory on its own)"
}

# Outside trial of issue 17, problem 9: the text gave a suppression line
# for leaks only, the JSON for every finding.
@test "--gen-suppressions in text: a misuse finding has its suppress line too, and the line suppresses it" {
	trace perl -e 'shmctl(2147000001, 0, 0)'
	report --gen-suppressions --fail-on misuse "$TRACE"
	assert_failure 1
	assert_output --partial 'MISUSE (failed_call): shmctl failed with EINVAL'
	line=$(grep -m1 'suppress with: misuse:' <<<"$output" | sed 's/.*suppress with: //')
	[ -n "$line" ]
	echo "$line" >"$BATS_TEST_TMPDIR/generated"
	report -s "$BATS_TEST_TMPDIR/generated" --fail-on misuse "$TRACE"
	assert_success
}

#!/usr/bin/env bats
# The reader reads back everything the library writes, byte for byte:
# names and paths that are not UTF-8, sizes past 2^63, records cut by a
# kill; and what it read is printed safely on a terminal.

load helpers

@test "names that are not UTF-8 are carried as their exact bytes, \\xHH in the trace, and found in /dev/shm" {
	latin1=$'/shmtrace-caf\xe9-'$$ ff=$'/shmtrace-\xff\\-'$$ gone=$'/shmtrace-gone\xfe-'$$
	made=("/dev/shm/${latin1#/}" "/dev/shm/${ff#/}" "/dev/shm/${gone#/}")
	trace "$TESTBIN/names" "open:$latin1" "open:$ff" "open:$gone" "unlink:$gone"
	assert_success
	assert_valid_trace
	# In the trace: text for the bytes, each stray byte \xHH, a backslash \\.
	run records 'select(.call == "shm_open") | .args.name'
	assert_line --index 0 "\"/shmtrace-caf\\\\xe9-$$\""
	assert_line --index 1 "\"/shmtrace-\\\\xff\\\\\\\\-$$\""
	# printf %b turns the text back into the bytes.
	[ "$(printf %b "$(records 'select(.call == "shm_open") | .args.name' | jq -r . | head -1)")" = "$latin1" ]
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	assert_failure 1
	assert_equal "$stderr" ''
	report="$output"
	# Both leaks, none dropped; the unlinked one is no leak; each found live
	# in /dev/shm by its bytes.
	run jq -c '[.posix_names_never_unlinked[] | [.name, .live.present]]' <<<"$output"
	assert_output "[[\"/shmtrace-caf\\\\xe9-$$\",true],[\"/shmtrace-\\\\xff\\\\\\\\-$$\",true]]"
	# The removal --live suggests, run as given, removes those very files.
	jq -r '.posix_names_never_unlinked[].live.remove' <<<"$report" >"$BATS_TEST_TMPDIR/remove.sh"
	bash "$BATS_TEST_TMPDIR/remove.sh"
	[ ! -e "/dev/shm/${latin1#/}" ]
	[ ! -e "/dev/shm/${ff#/}" ]
}

@test "a program at a path that is not UTF-8 is named, not untraced" {
	dir="$BATS_TEST_TMPDIR/"$'caf\xe9'
	mkdir "$dir"
	cp "$TESTBIN/names" "$dir/names"
	n=$'/shmtrace-prog\xff-'$$
	made=("/dev/shm/${n#/}")
	trace "$dir/names" "open:$n"
	assert_success
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_failure 1
	run jq -r '.posix_names_never_unlinked[0].program' <<<"$output"
	assert_output "$BATS_TEST_TMPDIR/caf\\xe9/names"
	run --separate-stderr "$SHMTRACE" report "$TRACE"
	assert_line --regexp '^LEAK: POSIX shared memory /shmtrace-prog\\xff-[0-9]+ created by pid [0-9]+ \(names\), never unlinked:$'
	rm -f "/dev/shm/${n#/}"
}

@test "text output: control characters and bytes that are not UTF-8 in names, programs and errnos are escaped" {
	run --separate-stderr "$SHMTRACE" report "$(fixture terminal)"
	assert_failure 1
	# No control character reaches the terminal but newlines.
	run bash -c 'tr -d "\n" <<<"$1" | LC_ALL=C grep -c "[[:cntrl:]]"' _ "$output"
	assert_output 0
	run --separate-stderr "$SHMTRACE" report "$(fixture terminal)"
	assert_line 'LEAK: POSIX shared memory /n\x1b]0;title\x07\x0d\xff created by pid 600 (evil\x1b[2J\x1b[1A\xc2\x9b2K\x07), never unlinked:'
	assert_output --partial 'failures: EINVAL\x1b[2J 1'
	# The JSON keeps the text as read: jq gets it back unchanged.
	run --separate-stderr "$SHMTRACE" report --format json "$(fixture terminal)"
	run jq -r '.posix_names_never_unlinked[0].name' <<<"$output"
	assert_output $'/n\e]0;title\a\r\\xff'
}

@test "a record cut by a kill mid-copy, then blank room, then more records: warned, the file incomplete, the rest read" {
	dir=$(fixture cut-record)
	run --separate-stderr "$SHMTRACE" report --format json "$dir"
	assert_failure 2 # nothing found, in a trace known to be incomplete: no clean bill
	assert_equal "${stderr_lines[0]}" "$dir/shmtrace.500.jsonl:4: warning: record cut short (its process was killed while writing it): ignored"
	assert_equal "${stderr_lines[1]}" "$dir/shmtrace.500.jsonl:9: warning: record cut short (its process was killed while writing it): ignored"
	run jq -c '[.summary.calls, .summary.warnings, .summary.incomplete_files]' <<<"$output"
	assert_output '[{"shmget":1,"shmctl":1},2,1]'
	run --separate-stderr "$SHMTRACE" report "$dir"
	assert_output --partial 'the trace had 2 problem(s), see the warnings above; it is incomplete'
}

@test "property: every call the library records, with extreme arguments, reads back identically by the reader" {
	trace "$TESTBIN/extremes"
	assert_success
	expected="$output"
	[ "$(grep -c '^expect ' <<<"$expected")" -ge 200 ]
	# Every call of the library's call table (common/call_table.h) is among them.
	assert_equal "$(cut -d' ' -f4 <<<"$expected" | sort -u)" "$("$TESTBIN/calltable" calls | sort -u)"
	# One record per call, each read back by the reader exactly as the
	# program passed and got it: sizes past 2^63, INT_MIN and INT_MAX
	# everywhere, addresses at both ends, names of every kind of byte.
	run "$TESTBIN/readback" "$TRACE"/shmtrace.*.jsonl
	assert_success
	refute_output --partial unreadable
	assert_equal "$(grep '^scan ' <<<"$output" | cut -d' ' -f2-)" "$(cut -d' ' -f2- <<<"$expected")"
	# And the report counts every one of them, with no warning.
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_equal "$stderr" ''
	want=$(awk '{ n[$4]++ } END { for (c in n) printf "%s %d\n", c, n[c] }' <<<"$expected" |
		jq -Rn '[inputs | split(" ") | {(.[0]): (.[1] | tonumber)}] | add')
	run jq -c --argjson want "$want" '[.summary.calls == $want, .summary.warnings]' <<<"$output"
	assert_output "[true,0]"
}

@test "shmget of 2^64 - 16 MiB, as stress-ng asks: read back, counted and grouped as the failure it is" {
	trace "$TESTBIN/extremes"
	assert_success
	want=$(grep -c '^expect .* shmget .*errno=EINVAL$' <<<"$output")
	[ "$want" -gt 0 ]
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	run jq -c '[.misuse[] | select(.call == "shmget" and .errno == "EINVAL") | .count] | add' <<<"$output"
	assert_output "$want"
	run records 'select(.call == "shmget" and .args.size == 18446744073692774400) | .errno'
	assert_line '"EINVAL"'
}

@test "a trace from a library that wrote such bytes raw is still read: its names and programs as \\xHH, nothing dropped" {
	dir="$BATS_TEST_TMPDIR/old"
	mkdir "$dir"
	{
		printf '%s\n' '{"event":"header","format":"shmtrace","version":1,"tool":"shmtrace 0.1.0","pid":77,"proc_start":1,"backtrace":0}'
		printf '{"event":"start","pid":77,"tid":77,"ts":1000,"realtime":0,"ppid":1,"uid":0,"euid":0,"exe":"/opt/caf\xe9/prog","cwd":"/","argv":["prog"]}\n'
		printf '{"event":"call","call":"shm_open","seq":1,"pid":77,"tid":77,"ts":2000,"dur":1,"args":{"name":"/n\xff\xfe","oflag":194,"flags":["O_RDWR","O_CREAT","O_EXCL"],"mode":"0600"},"ret":3,"errno":null,"injected":false,"created":true,"stack":null}\n'
	} >"$dir/shmtrace.77.jsonl"
	run --separate-stderr "$SHMTRACE" report --format json "$dir"
	assert_failure 1
	assert_equal "$stderr" ''
	run jq -c '.posix_names_never_unlinked | map([.name, .program])' <<<"$output"
	assert_output '[["/n\\xff\\xfe","/opt/caf\\xe9/prog"]]'
}

@test "warnings: a trace file name with control characters is printed escaped" {
	dir="$BATS_TEST_TMPDIR/planted"
	mkdir "$dir"
	echo garbage >"$dir/shmtrace."$'\e[2J\e[1A'".jsonl"
	run --separate-stderr "$SHMTRACE" report "$dir"
	# (A directory of garbage holds no trace: exit 2, said on a line of its own.)
	assert_equal "$status" 2
	assert_equal "${stderr_lines[0]}" "$dir/shmtrace.\\x1b[2J\\x1b[1A.jsonl:1: warning: not a JSON object: '[' or '{' expected near 'garbage': line ignored"
	assert_equal "${#stderr_lines[@]}" 2
}

@test "sweep plans a call whose record holds a size past 2^63, and fails it" {
	run --separate-stderr "$SHMTRACE" sweep -- "$TESTBIN/extremes" huge
	assert_success
	assert_equal "$stderr" ''
	assert_line --index 0 'shmtrace sweep: the clean run made 1 call(s) (shmget 1) and left 0 segment(s)'
	assert_line 'SUMMARY: 1 run(s): 1 handled, 0 crashed, 0 hung, 0 leaked'
}

@test "property: the reader reads back every record the writer can produce, for each call of the table, with edge and random values" {
	calls=$("$TESTBIN/calltable" calls | wc -l)
	# The writer (shim/record.c) and the reader (analyzer/scan.c) linked
	# together: names of 2048 bytes none of which is UTF-8 (four times as
	# long as text), INT64_MIN, 2^64 - 1, every optional field there or not.
	run "$TESTBIN/roundtrip" 1 3000
	assert_success
	assert_output "$((calls * 3000)) records read back"
	# And a new seed each run, said when it fails.
	seed=$RANDOM
	run "$TESTBIN/roundtrip" "$seed" 1000
	assert_success
	assert_output "$((calls * 1000)) records read back"
}

@test "docs/trace-format.md's table of call fields is the one the writer and the reader are built from" {
	run "$TESTBIN/calltable" fields
	assert_success
	assert_equal "$(sed -n '/^<!-- call fields: from common\/call_table.h -->$/,/^<!-- end of call fields -->$/p' "$ROOT/docs/trace-format.md" | sed '1d;$d')" "$output"
}

@test "flag tables name zero values first, as the writer's early stop needs (or a flag would go unnamed)" {
	run "$TESTBIN/calltable" zero-first
	assert_success
	assert_output ''
}

@test "a call record of the wrong shape is one warning naming the field, and the rest is read" {
	dir="$BATS_TEST_TMPDIR/bad"
	mkdir "$dir"
	{
		printf '%s\n' '{"event":"header","format":"shmtrace","version":1,"tool":"shmtrace 0.1.0","pid":77,"proc_start":1,"backtrace":0}'
		printf '%s\n' '{"event":"call","call":"shmat","seq":1,"pid":77,"tid":77,"ts":2000,"dur":1,"args":{"shmid":"12","shmaddr":"0x0","shmflg":0,"flags":[]},"ret":"0x7f0000000000","errno":null,"injected":false,"stack":null}'
		printf '%s\n' '{"event":"call","call":"shmdt","seq":2,"pid":77,"pid":78,"tid":77,"ts":3000,"dur":1,"args":{"shmaddr":"0x7f0000000000"},"ret":0,"errno":null,"injected":false,"stack":null}'
		printf '%s\n' '{"event":"call","call":"shmget","seq":3,"pid":77,"tid":77,"ts":4000,"dur":1,"args":{"key":"0x00000000","size":4096,"shmflg":896,"flags":["IPC_CREAT"],"mode":"0600","later":{"x":[1.5e3]}},"ret":5,"errno":null,"injected":false,"created":true,"stack":null}'
	} >"$dir/shmtrace.77.jsonl"
	run --separate-stderr "$SHMTRACE" report --format json "$dir"
	assert_equal "$(sed -n 1p <<<"$stderr")" "$dir/shmtrace.77.jsonl:2: warning: call record: \"shmid\" is not of its kind: ignored"
	assert_equal "$(sed -n 2p <<<"$stderr")" "$dir/shmtrace.77.jsonl:3: warning: not a JSON object: duplicate object key near '\"pid\"': line ignored"
	# A field a later version adds is skipped: the shmget is read.
	run jq -c '.summary.calls | with_entries(select(.value > 0))' <<<"$output"
	assert_output '{"shmget":1}'
	# A semop operation whose number is a string, or whose flag is a
	# number: valid JSON, the wrong kind, said so (the fuzzer found the
	# first taken for a line that is no JSON at all).
	{
		printf '%s\n' '{"event":"header","format":"shmtrace","version":1,"tool":"shmtrace 0.1.0","pid":77,"proc_start":1,"backtrace":0}'
		printf '%s\n' '{"event":"call","call":"semop","seq":1,"pid":77,"tid":77,"ts":5000,"dur":1,"args":{"semid":9,"nsops":1,"sops":[{"num":"call","op":-1,"flags":[]}]},"ret":-1,"errno":"EIDRM","stack":null}'
		printf '%s\n' '{"event":"call","call":"semop","seq":2,"pid":77,"tid":77,"ts":6000,"dur":1,"args":{"semid":9,"nsops":1,"sops":[{"num":0,"op":-1,"flags":[5]}]},"ret":-1,"errno":"EIDRM","stack":null}'
	} >"$dir/shmtrace.77.jsonl"
	run --separate-stderr "$SHMTRACE" report --format json "$dir"
	assert_equal "$(sed -n 1p <<<"$stderr")" "$dir/shmtrace.77.jsonl:2: warning: call record: \"sops\" is not of its kind: ignored"
	assert_equal "$(sed -n 2p <<<"$stderr")" "$dir/shmtrace.77.jsonl:3: warning: call record: \"sops\" is not of its kind: ignored"
}

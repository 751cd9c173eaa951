#!/usr/bin/env bats
# Never break the traced program, never lose or corrupt a trace: load,
# process trees, crashes, faults of our own, kernel limits, hostile files.

load helpers

@test "8 threads x 10,000 cycles: exactly the calls made, every line JSON, no gap, each thread in order" {
	trace "$TESTBIN/threads" 8 10000
	assert_success
	assert_output calls=320000
	assert_valid_trace
	# One pass over the records: per tid, seq and ts must rise, and the
	# calls cycle shmget, shmat, shmdt, shmctl.
	run sh -c "cat '$TRACE'/shmtrace.*.jsonl | jq -r 'select(.event == \"call\") | \"\\(.seq) \\(.tid) \\(.ts) \\(.call)\"' |
		sort -n | awk '
			\$1 != NR { print \"gap at \" NR; exit 1 }
			{ n = step[\$2]++ % 4; want = n == 0 ? \"shmget\" : n == 1 ? \"shmat\" : n == 2 ? \"shmdt\" : \"shmctl\"
			  if (\$4 != want) { print \"order of \" \$2 \" at \" \$1; exit 1 } }
			END { print NR }'"
	assert_success
	assert_output 320000
}

@test "100 forked children attach and detach: each traced, each inheriting, nothing left" {
	trace "$TESTBIN/forker" 100
	assert_success
	assert_output 'children=100 failed=0'
	run records 'select(.event == "fork") | (.attached | length)'
	assert_equal "${#lines[@]}" 100
	assert_equal "$(sort -u <<<"$output")" 1
	run "$SHMTRACE" report --fail-on all --format json "$TRACE"
	assert_success
	run jq -c '[.summary.processes, .summary.calls]' <<<"$output"
	assert_output '[101,{"shmget":1,"shmat":101,"shmdt":201,"shmctl":1}]'
}

@test "vfork + exec and posix_spawn: the children are traced, with their parent" {
	trace "$TESTBIN/spawner" "$SAMPLES/classic"
	assert_success
	parent=$(records 'select(.event == "start" and (.exe | endswith("/spawner"))) | .pid')
	run records "select(.event == \"start\" and .ppid == $parent) | .exe"
	assert_output "$(printf '"%s"\n' "$SAMPLES/classic" "$SAMPLES/classic")"
	run "$SHMTRACE" report "$TRACE"
	assert_success
}

@test "exec chains through sh -c: every image of the process, in order, in files of their own" {
	trace sh -c "exec sh -c 'exec $SAMPLES/classic'"
	assert_success
	pid=$(records 'select(.event == "start") | .pid')
	run jq -c 'select(.event == "start" or .event == "exec") | [.event, .exe]' \
		"$TRACE/shmtrace.$pid.jsonl" "$TRACE/shmtrace.$pid.1.jsonl" "$TRACE/shmtrace.$pid.2.jsonl"
	assert_output "$(printf '%s\n' '["start","/usr/bin/dash"]' '["exec","/usr/bin/dash"]' "[\"exec\",\"$SAMPLES/classic\"]")"
	run records 'select(.event == "call") | .pid'
	assert_equal "${#lines[@]}" 7
	# A shell that forks first (no exec): its child is a process of its own.
	rm -rf "$TRACE"
	trace sh -c "sh -c '$SAMPLES/classic'; true"
	run records 'select(.event == "call") | .call'
	assert_equal "${#lines[@]}" 7
}

@test "a daemon that double-forks, closes every descriptor and reuses the numbers: its files are its own, its calls traced" {
	trace "$TESTBIN/daemon" "$BATS_TEST_TMPDIR/daemon.log"
	assert_success
	# run waited for the daemon, its orphan, before it returned.
	run wc -l <"$BATS_TEST_TMPDIR/daemon.log"
	assert_output 200
	run grep -vc '^daemon cycle [0-9]*$' "$BATS_TEST_TMPDIR/daemon.log"
	assert_output 0
	run records 'select(.event == "call") | .call'
	assert_equal "${#lines[@]}" 800
	assert_valid_trace
}

@test "SIGSEGV at random points: every call that returned is in the trace, and report reads it" {
	for n in 1 7 $((RANDOM % 50 + 2)) $((RANDOM % 3000 + 400)); do
		rm -rf "$TRACE"
		trace "$TESTBIN/crasher" "$n"
		assert_equal "$status" 139
		assert_equal "${lines[-1]}" "$n"
		run records 'select(.event == "call") | .seq'
		assert_equal "${#lines[@]}" "$n"
		run "$SHMTRACE" report --format json "$TRACE"
		run jq -c '[.summary.calls.shmctl, .summary.warnings]' <<<"$output"
		assert_output "[$n,0]"
	done
}

# A program that loops on a failing call (an injected EAGAIN it retries)
# wrote 75 GB in nine minutes: a trace file stops at its size bound.
@test "--max-size: a trace file stops at its bound, whole records only; the program runs on; run 125, the report says incomplete" {
	run --separate-stderr "$SHMTRACE" run -q --max-size 64K -o "$TRACE" -- "$TESTBIN/threads" 1 2000
	assert_failure 125
	assert_output "calls=8000"
	[[ "${stderr_lines[0]}" == "shmtrace: pid "*": stopped at the size bound (run --max-size) of $TRACE/shmtrace."*".jsonl: EFBIG (this process is not fully traced)" ]]
	[[ "${stderr_lines[1]}" == *"(disk full, past --max-size, or ulimit -f?); exit status 125, the program's was 0" ]]
	local file
	file=$(ls "$TRACE"/shmtrace.*.jsonl)
	[ "$(stat -c %s "$file")" -le 65536 ] && [ "$(stat -c %s "$file")" -gt 60000 ]
	[ -e "$file.incomplete" ]
	# Whole records: every line is JSON.
	run jq -c 'select(.event == "call") | .call' "$file"
	assert_success
	[ "${#lines[@]}" -gt 100 ]
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_failure 2
	run jq -c '.summary.incomplete_files' <<<"$output"
	assert_output 1
}

@test "a server that dropped to nobody, then cut at --max-size: untraced.txt says so, run 125, the report 2" {
	[ "$(id -u)" = 0 ] || skip "needs root to drop privileges"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	# Re-check 32: the process, nobody now, could not create the marker
	# FILE.jsonl.incomplete in run's directory, and run and the report both
	# exited 0.  It keeps run's untraced.txt open when it gives up root.
	run --separate-stderr "$SHMTRACE" run -q --max-size 64K -o "$TRACE" -- "$TESTBIN/dropper" 2000 closeall
	assert_failure 125
	[ -z "$(ls "$TRACE"/*.incomplete 2>/dev/null)" ] # (the process may not create it)
	run grep -c '^pid [0-9]*: cut$' "$TRACE/untraced.txt"
	[ "$output" -ge 1 ]
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_failure 2
	[[ "$stderr" == *"could not write all their records, and could not mark their files so"* ]]
}

@test "a parent cut at --max-size: the children it forks then are traced whole in files of their own" {
	# Outside trial 30: they inherited the parent's "stop", and left their
	# own files empty, unmarked (pgpool2's workers under --max-size 2K).
	run --separate-stderr "$SHMTRACE" run -q --max-size 4K -o "$TRACE" -- perl -e '
		for (1..40) { shmctl(-1, 2, my $b) }
		for (1..3) { if (!fork) { shmctl(-1, 2, my $b) for 1..3; exit 0 } }
		wait for 1..3; print "done\n"'
	assert_failure 125
	assert_output done
	local f children=0
	for f in "$TRACE"/shmtrace.*.jsonl; do
		[ -e "$f.incomplete" ] && continue
		assert_equal "$(jq -c 'select(.event == "call")' "$f" | wc -l)" 3
		children=$((children + 1))
	done
	assert_equal "$children $(ls "$TRACE"/*.incomplete | wc -l)" "3 1"
}

@test "ulimit -f: the trace stops whole below the file size limit; the program is never killed by SIGXFSZ; run 125, marked incomplete" {
	# 48 KiB: reached by write(2) appends; 300 KiB: by the mapped file's growth.
	for kib in 48 300; do
		rm -rf "$TRACE"
		run --separate-stderr bash -c "ulimit -f $kib && exec '$SHMTRACE' run -q -o '$TRACE' -- '$TESTBIN/threads' 4 2000"
		assert_failure 125
		assert_output "calls=32000"
		[[ "${stderr_lines[0]}" == "shmtrace: pid "*": stopped at the file size limit (ulimit -f) of $TRACE/shmtrace."*".jsonl: EFBIG (this process is not fully traced)" ]]
		local file
		file=$(ls "$TRACE"/shmtrace.*.jsonl)
		[ "$(stat -c %s "$file")" -le $((kib * 1024)) ] && [ "$(stat -c %s "$file")" -gt $((kib * 1024 - 8192)) ]
		[ -e "$file.incomplete" ]
		run jq -c 'select(.event == "call") | .call' "$file"
		assert_success
		[ "${#lines[@]}" -gt $((kib * 2)) ]
	done
}

@test "200 processes whose 8 threads cross ulimit -f or --max-size at once: every trace ends with a whole record, within its bound" {
	# Each thread checked the size alone, and together they crossed it: the
	# kernel cut the last record at the limit (a CI run under ASan, 5 runs in 100 of its test here;
	# 43 of these 200 files), and --max-size let files past their bound.
	local f cut=0 over=0
	run bash -c "ulimit -f 24 && exec '$SHMTRACE' run -q -o '$TRACE' -- '$TESTBIN/crowdlimit' 200 8 100 2>/dev/null"
	assert_failure 125
	assert_output "children=200"
	for f in "$TRACE"/shmtrace.*.jsonl; do
		[ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || cut=$((cut + 1))
		[ "$(stat -c %s "$f")" -le $((24 * 1024)) ] || over=$((over + 1))
	done
	assert_equal "$(ls "$TRACE"/*.incomplete | wc -l) cut=$cut over=$over" "200 cut=0 over=0"
	run bash -c "'$SHMTRACE' run -q --max-size 24K -o '$TRACE.2' -- '$TESTBIN/crowdlimit' 200 8 100 2>/dev/null"
	assert_failure 125
	for f in "$TRACE.2"/shmtrace.*.jsonl; do
		[ "$(stat -c %s "$f")" -le $((24 * 1024)) ] || over=$((over + 1))
	done
	assert_equal "$(ls "$TRACE.2"/*.incomplete | wc -l) over=$over" "200 over=0"
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_failure 2
	# One warning a file, that it is incomplete; none of a cut line.
	assert_equal "$(jq -c '[.summary.incomplete_files, .summary.warnings]' <<<"$output")" "[200,200]"
}

@test "100 processes whose 8 threads switch their files to the mapping while a SIGALRM handler makes calls: none hangs, every thread's call traced" {
	# Outside trial 30: a handler's call nested in its thread's own write
	# of a record waited for the stack-record lock, whose holder waited for
	# the switch to the mapped file, which waited for the interrupted
	# write: 2 runs in 10 hung for good (here, every run).
	run --separate-stderr timeout 120 "$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/crowdlimit" 100 8 100 50
	assert_success
	assert_output "children=100"
	assert_equal "$(records 'select(.call == "shmctl" and .args.shmid == -1)' | wc -l)" 80000
	[ "$(records 'select(.call == "shmctl" and .args.shmid == -2)' | wc -l)" -gt 0 ]
}

@test "ulimit -f lowered and raised by the program while its threads' records are written: never killed by SIGXFSZ" {
	# Before the library held SIGXFSZ around each of its writes, 3 runs in
	# 10 died; before its warning on stderr did, every run whose stderr, a
	# file, already held a line.
	for i in $(seq 10); do
		echo "an earlier line" >"$BATS_TEST_TMPDIR/stderr"
		run bash -c "'$SHMTRACE' run -q -o '$TRACE.$i' -- '$TESTBIN/fsizeflip' 0.3 2>>'$BATS_TEST_TMPDIR/stderr'; echo status=\$?"
		[[ "$output" == "done"$'\n'"status="@(0|125) ]] || fail "run $i: $output"
		rm -rf "$TRACE.$i"
	done
}

@test "ulimit -f lowered and raised again through syscall(2) (setrlimit, prlimit64): the library follows both, the trace goes on whole" {
	# The library keeps the limit as the program sets it (a seccomp filter
	# may forbid asking for it before each record).
	trace "$TESTBIN/fsizeraw"
	assert_success
	assert_output ok
	assert_equal "$(calls | jq -r .call | tr '\n' ' ')" 'shmget shmctl shmget shmctl shmget shmctl '
	[ -z "$(ls "$TRACE"/*.incomplete 2>/dev/null)" ]
}

@test "a file size limit that does not apply to the process (refused by the kernel, a vfork child's own, raised from outside): the trace goes on whole" {
	# Re-check 31: each stopped the trace at 64 KiB, marked incomplete,
	# run 125 -- the library believed a limit the kernel refused, took a
	# vfork child's for its parent's, and never saw one raised from outside.
	local how
	for how in refused vfork; do
		rm -rf "$TRACE"
		run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/fsizeways" $how
		assert_success
		assert_output "pairs=1500"
		assert_equal "$(records 'select(.call == "shmget")' | wc -l)" 1500
		[ -z "$(ls "$TRACE"/*.incomplete 2>/dev/null)" ]
	done
	rm -rf "$TRACE" "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	mkfifo "$BATS_TEST_TMPDIR/in"
	("$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/fsizeways" outside <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>&1
		echo "status=$?" >>"$BATS_TEST_TMPDIR/out") &
	exec 5>"$BATS_TEST_TMPDIR/in" # (3 is bats' own)
	for _ in $(seq 200); do grep -q ready "$BATS_TEST_TMPDIR/out" && break; sleep 0.05; done
	prlimit --pid "$(pgrep -n -f "$TESTBIN/fsizeways")" --fsize=unlimited:unlimited
	echo go >&5
	exec 5>&-
	wait
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output "$(printf 'ready\npairs=1500\nstatus=0')"
	assert_equal "$(records 'select(.call == "shmget")' | wc -l)" 1500
}

@test "ulimit -f lowered from outside (prlimit) just before the trace file is first mapped, or in a record's middle: the program lives, the trace is marked cut and ends whole, also one that holds SIGXFSZ itself" {
	# The library keeps the limit the program sets, so one set from
	# outside is met only as the kernel's EFBIG and SIGXFSZ. That signal,
	# drawn while the first room was written with every signal held, was
	# left pending and killed the program when they came back (the test
	# above died so 1 run in 200, the limit lowered at that moment); and
	# left pending for a program that holds SIGXFSZ itself, which found it
	# there and died of it when it let it through (re-check 28). 60000
	# falls within a record still written with write(2): the kernel wrote
	# its part below the limit, and the trace ended with it, cut.
	for how_limit in :70000 hold:70000 :60000; do
		local how=${how_limit%:*} limit=${how_limit#*:}
		rm -rf "$TRACE" "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
		mkfifo "$BATS_TEST_TMPDIR/in"
		("$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/fsizeoutside" $how <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>/dev/null ||
			echo "status=$?" >>"$BATS_TEST_TMPDIR/out") &
		bg=$!
		exec 5>"$BATS_TEST_TMPDIR/in" # (3 is bats' own)
		for _ in $(seq 200); do grep -q ready "$BATS_TEST_TMPDIR/out" && break; sleep 0.05; done
		prlimit --pid "$(pgrep -n -f "$TESTBIN/fsizeoutside")" --fsize=$limit:unlimited
		echo go >&5
		exec 5>&-
		wait "$bg"
		run cat "$BATS_TEST_TMPDIR/out"
		if [ -n "$how" ]; then
			assert_output "$(printf 'ready\npending=0\nlived\nstatus=125')"
		else
			assert_output "$(printf 'ready\nlived\nstatus=125')"
		fi
		ls "$TRACE"/*.incomplete
		local file
		file=$(ls "$TRACE"/shmtrace.*.jsonl)
		[ "$(stat -c %s "$file")" -le "$limit" ]
		[ "$(tail -c 1 "$file" | od -An -c | tr -d ' ')" = '\n' ] || fail "limit $limit: the trace ends within a record"
		jq -e 'select(.event == "call") | .call == "ftok"' "$file" >/dev/null
	done
}

@test "ulimit -f: run's own kernel.jsonl past the limit is an incomplete trace (125), not run killed by SIGXFSZ; the program keeps SIGXFSZ as bare" {
	# 400 segments make the kernel's table larger than 48 KiB.
	run --separate-stderr unshare --ipc bash -c "
		for i in \$(seq 400); do ipcmk -M 4096 >/dev/null || exit 9; done
		ulimit -f 48
		'$SHMTRACE' run -q -o '$TRACE' -- ipcmk -M 4096 >/dev/null; echo run=\$?"
	assert_output "run=125"
	[[ "$stderr" == *"run could not write all of kernel.jsonl"* ]]
	# The program's own write past the limit: killed by SIGXFSZ bare and traced.
	run --separate-stderr bash -c "ulimit -f 8; head -c 20000 /dev/zero > '$BATS_TEST_TMPDIR/big'; echo \$?"
	assert_output 153
	# (Its own IPC namespace: the machine's segments, listed in kernel.jsonl,
	# would take that file past the limit.)
	run --separate-stderr unshare --ipc bash -c "ulimit -f 8; '$SHMTRACE' run -q -o '$TRACE.2' -- sh -c 'head -c 20000 /dev/zero > $BATS_TEST_TMPDIR/big2'; echo \$?"
	assert_output 153
}

@test "ulimit -v: the address space the program has bare is all its own; its file is appended to, every call there" {
	[[ "$BUILD" != *build-san* ]] || skip "ASan's shadow memory needs more address space than the limit"
	run bash -c "ulimit -v 400000; '$TESTBIN/asroom' 400 250"
	assert_success
	assert_output "250 MiB: ok"
	run bash -c "ulimit -v 400000; '$SHMTRACE' run -q -o '$TRACE' -- '$TESTBIN/asroom' 400 250"
	assert_success
	assert_output "250 MiB: ok"
	run jq -s '[.[] | select(.event == "call")] | length' "$TRACE"/shmtrace.*.jsonl
	assert_output 1600
}

@test "an address-space limit the program sets itself once its file is mapped: the window is cut down, the program maps what it maps bare" {
	[[ "$BUILD" != *build-san* ]] || skip "ASan's shadow memory needs more address space than the limit"
	run "$TESTBIN/asroom" 400 512 setas 1024
	assert_success
	assert_output "512 MiB: ok"
	# Before, the 64 GiB window mapped while the limit was none left the
	# program over any limit it set later: ENOMEM.
	# By its thread's id, and through syscall(2) (an outside re-check):
	# before, ENOMEM again.
	for how in setas setas-tid setas-sys; do
		rm -rf "$TRACE"
		trace "$TESTBIN/asroom" 400 512 "$how" 1024
		assert_success
		assert_output "512 MiB: ok"
		run jq -s '[.[] | select(.event == "call")] | length' "$TRACE"/shmtrace.*.jsonl
		assert_output 1600
	done
}

@test "mlockall once the file is mapped: as nobody under an 8 MiB RLIMIT_MEMLOCK it works as bare; as root the trace is not held in memory" {
	[ "$(id -u)" = 0 ] || skip "needs root to run as nobody"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	# (BATS_TEST_TMPDIR is not nobody's to reach.)
	open=$(mktemp -d /tmp/shmtrace-nobody.XXXXXX)
	chmod 755 "$open"
	chown nobody "$open"
	as_nobody() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- "$@"; }
	run bash -c "ulimit -l 8192; $(declare -f as_nobody); as_nobody '$TESTBIN/asroom' 400 0 mlockall 100"
	assert_success
	assert_line "mlockall: ok"
	# Before: Cannot allocate memory (the window counted against the limit).
	run bash -c "ulimit -l 8192; $(declare -f as_nobody); as_nobody '$SHMTRACE' run -q -o '$open/t' -- '$TESTBIN/asroom' 400 0 mlockall 100"
	rm -rf "$open"
	assert_success
	assert_line "mlockall: ok"
	# As root, 100,000 cycles after mlockall: the program's own 2.4 MB, and
	# before, the trace's 88 MB on top (locked pages are not given back).
	trace "$TESTBIN/asroom" 400 0 mlockall 100000
	assert_success
	rss=$(sed -n 's/^rss_kb=//p' <<<"$output")
	[ "$rss" -lt 30000 ] || fail "VmRSS $rss kB"
	run jq -s '[.[] | select(.event == "call")] | length' "$TRACE"/shmtrace.*.jsonl
	assert_output 401600
}

@test "a program that takes the numbers our descriptors would have (1000, 1001: soft RLIMIT_NOFILE 20000): its file holds only what it wrote" {
	# Before, libunwind's check of each new stack page read a byte of the
	# program's file, found its end, and closed both numbers (the program's
	# second write failed), or wrote a byte of the stack into it (fifth
	# hostile trial, b09).
	for i in 1 2 3 4; do
		rm -f "$BATS_TEST_TMPDIR/data"
		run bash -c "ulimit -n 20000 && '$SHMTRACE' run -q -o '$TRACE.$i' -- '$TESTBIN/fdreuse' '$BATS_TEST_TMPDIR/data'"
		assert_success
		assert_equal "$(od -c "$BATS_TEST_TMPDIR/data")" "$(printf "the program's line\nand its second\n" | od -c)"
		rm -rf "$TRACE.$i"
	done
}

@test "a program that uses libunwind itself, then closes every descriptor and opens files at its old pipe's numbers: its files hold what it wrote, its backtraces work" {
	# Before (an outside re-check): libunwind, set up for the program with a
	# real pipe, read and wrote the program's files 3 and 4 when it
	# unwound for us, or closed them.
	mkdir "$BATS_TEST_TMPDIR/files"
	trace "$TESTBIN/ownunwind" "$BATS_TEST_TMPDIR/files"
	assert_success
	assert_output --regexp '^frames [3-9]'
	for i in 0 1; do
		assert_equal "$(od -c "$BATS_TEST_TMPDIR/files/data$i")" "$(printf 'its own line\nand a second\n' | od -c)"
	done
	run jq -s '[.[] | select(.event == "call" and (.stack | type) == "number")] | length' "$TRACE"/shmtrace.*.jsonl
	assert_output 600
}

@test "--max-size and SHMTRACE_MAX_SIZE: sizes that are not a number of bytes are refused (125, one line), the program not run" {
	for bad in 1.5G -1 12T "" K 99999999999999999999; do
		run --separate-stderr "$SHMTRACE" run -q --max-size "$bad" -o "$TRACE" -- touch "$BATS_TEST_TMPDIR/ran"
		assert_failure 125
		assert_equal "$stderr" "shmtrace: run: --max-size '$bad': expected bytes, with K, M or G after them if wanted; 0 for no bound"
	done
	run --separate-stderr env SHMTRACE_MAX_SIZE=12T LD_PRELOAD="$BUILD/libshmtrace.so" SHMTRACE_OUT="$BATS_TEST_TMPDIR" \
		"$TESTBIN/threads" 1 1
	assert_failure 125
	assert_equal "$stderr" "shmtrace: SHMTRACE_MAX_SIZE='12T': expected bytes, with K, M or G after them if wanted; 0 for no bound"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	# 0: no bound.
	run --separate-stderr "$SHMTRACE" run -q --max-size 0 -o "$TRACE" -- "$TESTBIN/threads" 1 2000
	assert_success
	[ ! -e "$(ls "$TRACE"/shmtrace.*.jsonl | head -1).incomplete" ]
}

@test "disk full: the program runs as usual, one warning line, run exits 125 and the report says the trace is incomplete" {
	[ "$(id -u)" = 0 ] || skip "mounting a small tmpfs needs root"
	unshare --mount true 2>/dev/null || skip "cannot make a mount namespace"
	mkdir -p "$BATS_TEST_TMPDIR/small"
	run --separate-stderr unshare --mount --ipc sh -c "
		mount -t tmpfs -o size=64k tmpfs '$BATS_TEST_TMPDIR/small' &&
		'$SHMTRACE' run -q -o '$BATS_TEST_TMPDIR/small/trace' -- '$TESTBIN/threads' 1 2000
		echo run=\$?; cp -r '$BATS_TEST_TMPDIR/small/trace' '$TRACE'"
	assert_success
	assert_output "calls=8000
run=125"
	assert_equal "${#stderr_lines[@]}" 2
	[[ "${stderr_lines[0]}" == "shmtrace: pid "*": cannot "*"ENOSPC (this process is not fully traced)" ]]
	[[ "${stderr_lines[1]}" == "shmtrace: run: the trace in "*"is incomplete: traced processes could not write all their records (disk full, past --max-size, or ulimit -f?); exit status 125, the program's was 0" ]]
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_failure 2
	[[ "$stderr" == *"incomplete: the library could not write all of this process's records (disk full, past its size bound, or the file size limit?)"* ]]
	run jq -c '.summary.incomplete_files' <<<"$output"
	assert_output 1
	run "$SHMTRACE" report "$TRACE"
	assert_output --partial 'it is incomplete'
}

@test "no inode left for a process's trace file: it says so in untraced.txt, run exits 125, the report never 0" {
	[ "$(id -u)" = 0 ] || skip "mounting a small tmpfs needs root"
	unshare --mount true 2>/dev/null || skip "cannot make a mount namespace"
	mkdir -p "$BATS_TEST_TMPDIR/small"
	# The program fills the file system with empty files (inodes, not
	# bytes), then starts ipcmk twice: neither can create its file.
	# Before: run 0, report 0 -- nothing marked, the .incomplete marker
	# needing an inode too (fifth hostile trial, b08).
	run --separate-stderr unshare --mount --ipc sh -c "
		mount -t tmpfs -o size=8m,nr_inodes=64 tmpfs '$BATS_TEST_TMPDIR/small' &&
		'$SHMTRACE' run -q -o '$BATS_TEST_TMPDIR/small/trace' -- sh -c '
			i=0; while [ \$i -lt 200 ] && touch $BATS_TEST_TMPDIR/small/f\$i 2>/dev/null; do i=\$((i+1)); done
			ipcmk -S 1 >/dev/null && ipcmk -Q >/dev/null'
		echo run=\$?; cp -r '$BATS_TEST_TMPDIR/small/trace' '$TRACE'"
	assert_success
	assert_output "run=125"
	[[ "$stderr" == *"run: the trace in "*" is incomplete: 2 process(es) ran untraced: could not create their trace file"* ]]
	run cat "$TRACE/untraced.txt"
	assert_line --index 0 --regexp '^pid [0-9]+: ENOSPC$'
	assert_line --index 1 --regexp '^pid [0-9]+: ENOSPC$'
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_failure 2
	[[ "$stderr" == *"incomplete: some processes of the run ran untraced: they could not create their trace file, ran in secure-execution mode, or were programs the library cannot be preloaded into (static, 32-bit, another C library's) (untraced.txt names them)"* ]]
}

# assert_untraced DIR WHY NOTE: DIR/untraced.txt names one process, "pid N:
# WHY", and the report's leak made by that process carries NOTE.
assert_untraced() {
	run cat "$1/untraced.txt"
	assert_output --regexp "^pid [0-9]+: $2\$"
	local pid
	pid=$(sed -n 's/^pid \([0-9]*\):.*/\1/p' "$1/untraced.txt")
	run --separate-stderr "$SHMTRACE" report --format json "$1"
	assert_failure 1
	run jq -r --argjson pid "$pid" '.leaked_segments[] | select(.pid == $pid) | .note' <<<"$output"
	assert_output --partial "$3"
}

@test "a root run whose program becomes another user and execs: that image says in untraced.txt it has no file, run exits 125, the report names it" {
	[ "$(id -u)" = 0 ] || skip "needs root to run as another user"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	# A directory nobody can reach (the test's own is root's, 0700).
	dir=$(mktemp -d /tmp/shmtrace-nobody.XXXXXX)
	chmod 755 "$dir"
	# Before: nobody could not open untraced.txt (0600, root's) either:
	# run 0, and the report guessed at an inline system call (outside
	# re-check, c01).
	run --separate-stderr unshare --ipc sh -c "'$SHMTRACE' run -q -o '$dir/trace' -- \
		setpriv --reuid=nobody --regid=nogroup --clear-groups ipcmk -M 4096 >/dev/null; echo run=\$?"
	cp -r "$dir/trace" "$TRACE.c01" && rm -rf "$dir"
	assert_success
	assert_output "run=125"
	[[ "$stderr" == *"run: the trace in "*" is incomplete: 1 process(es) ran untraced: could not create their trace file"* ]]
	assert_untraced "$TRACE.c01" EACCES "created by a process of the run that could not create its trace file (untraced.txt names it"
}

@test "programs the loader runs in secure-execution mode (started with differing real and effective ids, or set-user-ID): named in untraced.txt, run exits 125, the report says why" {
	[ "$(id -u)" = 0 ] || skip "needs root to change ids"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	# squid's workers went untraced, run and the report silent (outside
	# trial 27): the loader drops an LD_PRELOAD path there.
	run --separate-stderr unshare --ipc sh -c "'$SHMTRACE' run -q -o '$TRACE' -- '$TESTBIN/secexec' /usr/bin/ipcmk -M 4096 >/dev/null; echo run=\$?"
	assert_output "run=125"
	[[ "$stderr" == *"is incomplete: 1 process(es) ran untraced: "*"secure-execution mode"* ]]
	assert_untraced "$TRACE" secure-execution "ran in secure-execution mode (untraced.txt names it"
	# A set-user-ID program (nobody's) a root shell execs: the same.
	dir=$(mktemp -d /tmp/shmtrace-setuid.XXXXXX)
	cp /usr/bin/ipcmk "$dir/ipcmk" && chown nobody "$dir/ipcmk" && chmod 4755 "$dir/ipcmk"
	run --separate-stderr unshare --ipc sh -c "'$SHMTRACE' run -q -o '$TRACE.suid' -- sh -c 'exec \"\$0\" -M 4096' '$dir/ipcmk' >/dev/null; echo run=\$?"
	rm -rf "$dir"
	assert_output "run=125"
	run cat "$TRACE.suid/untraced.txt"
	assert_output --regexp '^pid [0-9]+: secure-execution$'
	# A traced program that execs an ordinary one says nothing there.
	run --separate-stderr unshare --ipc "$SHMTRACE" run -q -o "$TRACE.plain" -- sh -c 'exec ipcmk -M 4096'
	assert_success
	[ ! -e "$TRACE.plain/untraced.txt" ]
}

# secure_dir: skips unless root, user nobody and setcap are there; else
# DIR, a new directory every user may enter, for programs given set-id
# bits and capabilities.
secure_dir() {
	[ "$(id -u)" = 0 ] || skip "needs root to change ids, capabilities and mounts"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	command -v setcap >/dev/null || skip "no setcap (libcap2-bin)"
	dir=$(mktemp -d /tmp/shmtrace-secure.XXXXXX)
	chmod 755 "$dir"
}

@test "secure-execution mode as the kernel decides it: fexecve and execveat of a set-user-ID program said; no word for one on a nosuid mount, a set-user-ID script, or inheritable capabilities alone" {
	secure_dir
	cp /usr/bin/ipcmk "$dir/suid" && chown nobody "$dir/suid" && chmod 4755 "$dir/suid"
	# Through a descriptor (re-check 28: untraced and not said).
	for call in fexecve execveat; do
		rm -rf "$TRACE"
		run --separate-stderr unshare --ipc "$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/execer" keep "$call" "$dir/suid" -M 4096
		assert_equal "$status" 125
		run cat "$TRACE/untraced.txt"
		assert_output --regexp '^pid [0-9]+: secure-execution$'
	done
	# What the kernel ignores: the bits of a script and on a nosuid mount,
	# inheritable capabilities alone (re-check 28: a line each, run 125,
	# though each was traced).
	printf '#!/bin/sh\nexec ipcmk -M 4096\n' >"$dir/script" && chown nobody "$dir/script" && chmod 4755 "$dir/script"
	cp /usr/bin/ipcmk "$dir/inheritable" && chmod 755 "$dir/inheritable" && setcap cap_ipc_lock+i "$dir/inheritable"
	rm -rf "$TRACE"
	run --separate-stderr unshare --ipc "$SHMTRACE" run -q -o "$TRACE" -- sh -c '"$1" >/dev/null' sh "$dir/script"
	assert_success
	[ ! -e "$TRACE/untraced.txt" ]
	assert_equal "$(calls shmget | wc -l)" 1
	rm -rf "$TRACE"
	run --separate-stderr unshare --mount --ipc sh -c "mount -t tmpfs -o nosuid none '$dir/mnt' 2>/dev/null || { mkdir '$dir/mnt' && mount -t tmpfs -o nosuid none '$dir/mnt'; } &&
		cp '$dir/suid' '$dir/mnt/suid' && chmod 4755 '$dir/mnt/suid' &&
		'$SHMTRACE' run -q -o '$TRACE' -- sh -c '\"\$1\" -M 4096 >/dev/null' sh '$dir/mnt/suid'"
	assert_success
	[ ! -e "$TRACE/untraced.txt" ]
	assert_equal "$(calls shmget | wc -l)" 1
	# Set-group-ID without group execute, capabilities for another user
	# namespace's root (re-check 29: a line each, though traced).
	cp /usr/bin/ipcmk "$dir/gx" && chgrp nogroup "$dir/gx" && chmod 2745 "$dir/gx"
	cp /usr/bin/ipcmk "$dir/nscaps" && chmod 755 "$dir/nscaps" && setcap -n 1000 cap_ipc_lock+ep "$dir/nscaps"
	for prog in gx nscaps; do
		rm -rf "$TRACE"
		run --separate-stderr unshare --ipc "$SHMTRACE" run -q -o "$TRACE" -- sh -c '"$1" -M 4096 >/dev/null' sh "$dir/$prog"
		assert_success
		[ ! -e "$TRACE/untraced.txt" ]
	done
	chown nobody "$dir"
	run --separate-stderr unshare --ipc setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$SHMTRACE" run -q -o "$dir/trace" -- sh -c '"$1" -M 4096 >/dev/null' sh "$dir/inheritable"
	assert_success
	[ ! -e "$dir/trace/untraced.txt" ]
	assert_equal "$(cat "$dir"/trace/*.jsonl | jq -c 'select(.call == "shmget")' | wc -l)" 1
	# What the kernel counts (re-check 29, each untraced and not said): the
	# effective bit under no_new_privs, a script's set-user-ID interpreter.
	cp /usr/bin/ipcmk "$dir/effective" && chmod 755 "$dir/effective" && setcap cap_ipc_lock+ep "$dir/effective"
	rm -rf "$dir/trace"
	run --separate-stderr unshare --ipc setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs \
		"$SHMTRACE" run -q -o "$dir/trace" -- sh -c '"$1" -M 4096 >/dev/null' sh "$dir/effective"
	assert_equal "$status" 125
	run cat "$dir/trace/untraced.txt"
	assert_output --regexp '^pid [0-9]+: secure-execution$'
	printf '#!%s\n' "$dir/suid" >"$dir/byinterp" && chmod 755 "$dir/byinterp"
	rm -rf "$TRACE"
	run --separate-stderr unshare --ipc "$SHMTRACE" run -q -o "$TRACE" -- sh -c '"$1" >/dev/null' sh "$dir/byinterp"
	assert_equal "$status" 125
	run cat "$TRACE/untraced.txt"
	assert_output --regexp '^pid [0-9]+: secure-execution$'
	rm -rf "$dir"
}

@test "secure-execution by the capability sets too: +i for a process that holds the capability, a parent namespace's root, not past the bounding set; programs found through PATH, a bare name, two #! levels" {
	secure_dir
	mkdir "$dir/out" && chown nobody "$dir/out"
	cp /usr/bin/ipcmk "$dir/inheritable" && setcap cap_ipc_lock+i "$dir/inheritable"
	cp /usr/bin/ipcmk "$dir/permitted" && setcap cap_ipc_lock+p "$dir/permitted"
	cp /usr/bin/ipcmk "$dir/effective" && setcap cap_ipc_lock+ep "$dir/effective"
	cp /usr/bin/ipcmk "$dir/nscaps" && setcap -n 1000 cap_ipc_lock+ep "$dir/nscaps"
	printf '#!%s\n' "$dir/effective" >"$dir/level1" && printf '#!%s\n' "$dir/level1" >"$dir/level2" && chmod 755 "$dir/level1" "$dir/level2"
	nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	# untraced WHO... -- SCRIPT: run's status and untraced.txt's lines,
	# for SCRIPT (sh) run traced as WHO in DIR.
	untraced() {
		local who=() out="$dir/out/t.$RANDOM"
		while [ "$1" != -- ]; do who+=("$1"); shift; done
		(cd "$dir" && unshare --ipc "${who[@]}" "$SHMTRACE" run -q -o "$out" -- sh -c "$2" >/dev/null 2>&1
			echo "$? $(cat "$out/untraced.txt" 2>/dev/null | grep -c secure-execution)")
	}
	# Re-check 31, each untraced and not said: the process's inheritable
	# set meets the file's (systemd's AmbientCapabilities= leaves one so);
	# by name through PATH (env, execvp), or a bare name execve takes from
	# the current directory; a script whose interpreter is a script.
	assert_equal "$(untraced "${nobody[@]}" --inh-caps=+ipc_lock -- './inheritable -M 4096')" "125 1"
	assert_equal "$(untraced "${nobody[@]}" -- 'PATH=$PWD:$PATH env effective -M 4096')" "125 1"
	assert_equal "$(untraced "${nobody[@]}" -- "exec '$TESTBIN/execer' keep execve effective -M 4096")" "125 1"
	assert_equal "$(untraced "${nobody[@]}" -- './level2 -M 4096')" "125 1"
	# Capabilities for the root of the namespace around ours: the kernel
	# grants them there (re-check 31), though the v3 root id is not 0 here.
	if unshare --user --map-root-user true 2>/dev/null; then
		chown 1000:1000 "$dir/out"
		assert_equal "$(untraced setpriv --reuid=1000 --regid=1000 --clear-groups unshare --user --map-root-user unshare --user --map-user=5 --map-group=5 -- './nscaps -M 4096')" "125 1"
		chown nobody "$dir/out"
	fi
	# Not past the bounding set (a container's): traced, no word (re-check
	# 31: a line and 125 though traced).
	assert_equal "$(untraced "${nobody[@]}" --bounding-set=-ipc_lock -- './permitted -M 4096')" "0 0"
	[ "$(cat "$dir"/out/t.*/shmtrace.*.jsonl | jq -c 'select(.call == "shmget")' | wc -l)" -ge 1 ]
	rm -rf "$dir"
}

@test "programs ours cannot be preloaded into (static, musl, 32-bit), started by a traced shell: run as bare, named in untraced.txt, run 125, the report 2; run refuses them as CMD" {
	# Outside trial 30: the musl program did not run at all (its loader
	# failed on our library: exit 127), the 32-bit one said so on its
	# stderr, and none was named.
	local src="$BATS_TEST_TMPDIR/prog.c" kinds=() kind
	printf '%s\n' '#include <stdio.h>' '#include <sys/shm.h>' \
		'int main(void) { shmctl(-1, IPC_STAT, 0); puts("out"); fputs("err\n", stderr); return 3; }' >"$src"
	gcc -static -o "$BATS_TEST_TMPDIR/static" "$src" && kinds+=(static)
	command -v musl-gcc >/dev/null && musl-gcc -o "$BATS_TEST_TMPDIR/musl" "$src" && kinds+=(musl)
	# musl's loader under glibc's name, as gcompat installs it (re-check 33:
	# taken by its name for glibc's, and the program died, 127)
	if [[ " ${kinds[*]} " == *" musl "* ]] && [ -e "/lib/ld-musl-$(uname -m).so.1" ]; then
		mkdir "$BATS_TEST_TMPDIR/gcompat"
		ln -s "/lib/ld-musl-$(uname -m).so.1" "$BATS_TEST_TMPDIR/gcompat/ld-linux-x86-64.so.2"
		musl-gcc -Wl,--dynamic-linker="$BATS_TEST_TMPDIR/gcompat/ld-linux-x86-64.so.2" -o "$BATS_TEST_TMPDIR/muslnamed" "$src" && kinds+=(muslnamed)
	fi
	gcc -m32 -o "$BATS_TEST_TMPDIR/m32" "$src" 2>/dev/null && kinds+=(m32)
	[[ " ${kinds[*]} " == *" static "* ]] || skip "cannot link a static program"
	for kind in "${kinds[@]}"; do
		rm -rf "$TRACE"
		run --separate-stderr sh -c "'$BATS_TEST_TMPDIR/$kind'"
		local bare_out=$output bare_err=$stderr bare_status=$status
		run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -- sh -c "'$BATS_TEST_TMPDIR/$kind'; echo status=\$? >&2"
		assert_equal "$status" 125
		assert_equal "$output" "$bare_out"
		assert_equal "${stderr_lines[0]}" "$bare_err"
		assert_equal "${stderr_lines[1]}" "status=$bare_status"
		run cat "$TRACE/untraced.txt"
		assert_output --regexp "^pid [0-9]+: (static|foreign-loader|32-bit)$"
		run --separate-stderr "$SHMTRACE" report "$TRACE"
		assert_failure 2
		[[ "$stderr" == *"programs the library cannot be preloaded into"* ]]
		run --separate-stderr "$SHMTRACE" run -q -o "$TRACE.cmd" -- "$BATS_TEST_TMPDIR/$kind"
		assert_failure 125
		[[ "$stderr" == *"cannot trace"*"$kind"* ]]
	done
	echo "# kinds tried: ${kinds[*]}" >&3
	# glibc's loader by another path is glibc's loader: traced, as CMD
	# too; another machine's ELF is refused by the kernel, and nothing ran
	# untraced (re-check 33: called foreign, and named).
	ln -s "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$BATS_TEST_TMPDIR/ld-link.so"
	gcc -Wl,--dynamic-linker="$BATS_TEST_TMPDIR/ld-link.so" -o "$BATS_TEST_TMPDIR/linked" "$src"
	cp "$BATS_TEST_TMPDIR/linked" "$BATS_TEST_TMPDIR/arm" && printf '\xb7\x00' | dd of="$BATS_TEST_TMPDIR/arm" bs=1 seek=18 conv=notrunc 2>/dev/null
	for kind in linked arm; do
		rm -rf "$TRACE"
		run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -- sh -c "'$BATS_TEST_TMPDIR/$kind'; true"
		assert_success
		[ ! -e "$TRACE/untraced.txt" ]
	done
	assert_equal "$(calls shmctl | wc -l)" 0 # (arm's trace: it never ran)
	rm -rf "$TRACE"
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -- "$BATS_TEST_TMPDIR/linked"
	assert_equal "$status" 3
	assert_equal "$(calls shmctl | wc -l)" 1
}

@test "an output directory the process may not write: one warning, the program runs as usual" {
	[ "$(id -u)" = 0 ] || skip "needs root to run as another user"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	mkdir -m 755 "$BATS_TEST_TMPDIR/rootonly"
	# Copies nobody may run, wherever the checkout is (under /root, say).
	bin=$(mktemp -d /tmp/shmtrace-nobody.XXXXXX)
	chmod 755 "$bin"
	cp "$LIB" "$TESTBIN/errnos" "$bin/"
	run --separate-stderr runuser -u nobody -- env LD_PRELOAD="$bin/libshmtrace.so" SHMTRACE_OUT="$BATS_TEST_TMPDIR/rootonly" "$bin/errnos"
	rm -rf "$bin"
	assert_success
	assert_output "$("$TESTBIN/errnos")"
	assert_equal "${#stderr_lines[@]}" 1
	[[ "$stderr" == *"cannot create a trace file in $BATS_TEST_TMPDIR/rootonly: EACCES"* ]]
}

@test "kernel limits: ENOSPC past SHMMNI and EINVAL past SHMMAX are traced as the kernel gave them" {
	[ "$(id -u)" = 0 ] || skip "lowering the limits needs root"
	run --separate-stderr unshare --ipc sh -c "
		echo 4 >/proc/sys/kernel/shmmni && echo 65536 >/proc/sys/kernel/shmmax &&
		'$SHMTRACE' run -q -o '$TRACE' -- '$TESTBIN/ops' 'get:private:4096*6' get:private:131072"
	assert_success
	run records 'select(.call == "shmget") | [.errno, .injected]'
	assert_output "$(printf '%s\n' '[null,false]' '[null,false]' '[null,false]' '[null,false]' '["ENOSPC",false]' '["ENOSPC",false]' '["EINVAL",false]')"
}

@test "a symlink planted where the next trace file goes is never followed" {
	mkdir "$TRACE"
	echo 'not yours' >"$BATS_TEST_TMPDIR/victim"
	next=$(($(sh -c 'echo $$') + 1))
	for pid in $(seq "$next" $((next + 40))); do
		ln -s "$BATS_TEST_TMPDIR/victim" "$TRACE/shmtrace.$pid.jsonl"
	done
	env LD_PRELOAD="$LIB" SHMTRACE_OUT="$TRACE" "$SAMPLES/classic" >/dev/null
	run cat "$BATS_TEST_TMPDIR/victim"
	assert_output 'not yours'
	run find "$TRACE" -type f -name 'shmtrace.*.jsonl'
	assert_equal "${#lines[@]}" 1
}

@test "set-user-ID programs: the loader drops LD_PRELOAD, nothing of ours runs" {
	[ "$(id -u)" = 0 ] || skip "making a set-user-ID program needs root"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	mkdir -p "$TRACE"
	cp /bin/true "$BATS_TEST_TMPDIR/suid"
	chown nobody "$BATS_TEST_TMPDIR/suid"
	chmod 4755 "$BATS_TEST_TMPDIR/suid"
	# Were our library loaded, the bad setting would stop the program (125).
	run --separate-stderr env LD_PRELOAD="$LIB" SHMTRACE_OUT="$TRACE" SHMTRACE_BACKTRACE=x "$BATS_TEST_TMPDIR/suid"
	assert_success
	assert_equal "$stderr" ''
	run ls "$TRACE"
	assert_output ''
}

#!/usr/bin/env bats
# stress-ng's shm-sysv stressor (Debian's stress-ng): every SysV call and
# flag, SHM_REMAP, deliberate failures, sizes past 2^63, forked children.
# Its counts vary from run to run (random keys and sizes), so strace
# watches the same traced run.

load helpers

setup() {
	TRACE="$BATS_TEST_TMPDIR/trace"
	command -v stress-ng >/dev/null || skip "no stress-ng (scripts/install-deps installs it)"
	command -v strace >/dev/null || skip "no strace"
}

@test "stress-ng --shm-sysv: every call strace sees is in the trace, and the report invents nothing the kernel contradicts" {
	# (LeakSanitizer cannot run under ptrace: off for run, under make test SANITIZE=1.)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=shmget,shmat,shmdt,shmctl -o "$BATS_TEST_TMPDIR/strace" \
		"$SHMTRACE" run -q -o "$TRACE" -- stress-ng --shm-sysv 1 --shm-sysv-ops 200 -q
	st="$BATS_TEST_TMPDIR/strace"
	for call in shmat shmdt shmctl; do
		assert_equal "$(calls "$call" | wc -l)" "$(grep -c " $call(" "$st")"
	done
	# shmget: the library asks IPC_CREAT alone as IPC_CREAT|IPC_EXCL, then,
	# on EEXIST, without IPC_CREAT (docs/trace-format.md, "created"); those
	# second asks are strace's shmget lines without IPC_CREAT that the
	# program did not make.
	own=$(calls shmget | jq -c 'select(.args.flags | index("IPC_CREAT") | not)' | wc -l)
	asks=$(grep ' shmget(' "$st" | grep -vc 'IPC_CREAT')
	extra=$((asks - own))
	assert_equal "$(grep ' shmget(' "$st" | grep -B1 -v 'IPC_CREAT' | grep -c 'IPC_EXCL.*= -1 EEXIST')" "$extra"
	assert_equal "$(calls shmget | wc -l)" "$(($(grep -c ' shmget(' "$st") - extra))"
	# Failures: each the kernel's, the library's EEXIST asks apart.
	assert_equal "$(calls | jq -c 'select(.errno != null)' | wc -l)" "$(($(grep -c '= -1 ' "$st") - extra))"
	# A size of 2^64 - 16 MiB is among them (jq would round it: grep).
	[ "$(cat "$TRACE"/shmtrace.*.jsonl | grep -c '"size":18446744073692774400,')" -ge 1 ]

	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_success
	assert_equal "$stderr" ''
	report="$output"
	# Nothing left in the kernel, as the report says; no undetached
	# attachment (SHM_REMAP replaced them); every process named.
	run jq -c '[.leaked_segments, .undetached_attachments, [.misuse[] | select(.program == null)]]' <<<"$report"
	assert_output '[[],[],[]]'
	before=$(jq -c 'select(.when == "before") | [.segments[].shmid]' "$TRACE/kernel.jsonl")
	run jq -c --argjson before "$before" 'select(.when == "after") | [.segments[] | select(.shmid as $id | $before | index($id) | not)]' "$TRACE/kernel.jsonl"
	assert_output '[]'
	# Each misuse is a call the kernel failed, counted as strace counted
	# them: nothing invented (a fork is stamped before it happens, so an
	# inherited attachment is never "created outside the trace").  Failures
	# that answer a question are no finding (docs/report-format.md): a get
	# of a key not there, a *_STAT of an empty slot.
	answers=$(calls | jq -c 'select(.errno != null) | select((.call | test("get$")) and .errno == "ENOENT"
		or ((.call | test("ctl$")) and .errno == "EINVAL" and (.args.cmd | tostring | test("_STAT")) and .args.cmd != "IPC_STAT"))' | wc -l)
	run jq '[.misuse[] | .count] | add' <<<"$report"
	assert_output "$(($(grep -c '= -1 ' "$st") - extra - answers))"
}

#!/usr/bin/env bats
# Evidence known to be incomplete is never a clean bill (issue 13, third
# hostile trial: r01, r02, r09, r14; docs/security.md).  Each test does
# what the attacker did: a traced program that fills the trace's file
# system, a descriptor limit too low for the trace's files, a trace file
# the program made a terabyte of holes.

load helpers

# small_fs SCRIPT: SCRIPT run by sh in a mount namespace with $M a 64 KiB
# tmpfs, for a program that fills the file system its trace is written to.
small_fs() {
	[ "$(id -u)" = 0 ] || skip "mounting a small tmpfs needs root"
	unshare --mount true 2>/dev/null || skip "cannot make a mount namespace"
	mkdir -p "$BATS_TEST_TMPDIR/small"
	run --separate-stderr unshare --mount sh -c "M='$BATS_TEST_TMPDIR/small'
		mount -t tmpfs -o size=64k tmpfs \"\$M\" && $1"
}

# A trace of a clean program (one segment made and removed).
clean_trace() {
	run "$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/ops" get:private:4096 rm
	assert_success
	run "$SHMTRACE" report "$TRACE"
	assert_success
}

@test "r01: a program that fills the trace's file system and then leaks: run exits 125, report never 0" {
	small_fs "'$SHMTRACE' run -q -o \"\$M/t\" -- sh -c 'dd if=/dev/zero of=\"\$1/fill\" bs=4k 2>/dev/null; \
dd if=/dev/zero of=\"\$1/fill2\" bs=1 2>/dev/null; exec ipcmk -M 40961' sh \"\$M\"; echo run=\$?;
		'$SHMTRACE' report \"\$M/t\" >/dev/null 2>&1; echo report=\$?
		ipcrm -a"
	assert_line run=125
	refute_line report=0
	[[ "$stderr" == *"run: the trace in "*" is incomplete: "*"(disk full, past --max-size, or ulimit -f?); exit status 125, the program's was 0"* ]]
}

@test "r01: kernel.jsonl whose last record is cut short: report exits 2, not 0" {
	clean_trace
	truncate -s -20 "$TRACE/kernel.jsonl"
	run --separate-stderr "$SHMTRACE" report "$TRACE"
	assert_failure 2
	[[ "$stderr" == *"last line cut short"* ]]
	[[ "$stderr" == *"incomplete or were not read: exit status 2, not a clean bill"* ]]
}

@test "r01: kernel.jsonl without the table after the run (its records cut whole): report exits 2" {
	clean_trace
	grep -v '"when":"after"' "$TRACE/kernel.jsonl" | grep -v '"event":"processes"' >"$BATS_TEST_TMPDIR/k"
	cat "$BATS_TEST_TMPDIR/k" >"$TRACE/kernel.jsonl"
	run --separate-stderr "$SHMTRACE" report "$TRACE"
	assert_failure 2
	[[ "$stderr" == *"kernel.jsonl:"*"incomplete: no kernel table after the run or no processes record"* ]]
}

@test "r02: sweep over a program that fills the disk: the run is 'failed', never 'handled', exit not 0, nothing left" {
	small_fs "timeout 120 '$SHMTRACE' sweep -t 10 -o \"\$M/sw\" -- sh -c 'ipcmk -M 40962 >/dev/null; \
dd if=/dev/zero of=\"\$1/fill.\$\$\" bs=4k 2>/dev/null; exit 0' sh \"\$M\"; echo sweep=\$?
		awk '\$4 == 40962' /proc/sysvipc/shm | wc -l | sed 's/^/left=/'; ipcrm -a"
	refute_line sweep=0
	refute_line --partial " handled "
	assert_line left=0
	if [[ "$output" == *"run  call"* ]]; then # the clean run fitted: run 1 did not
		assert_output --partial " failed "
		assert_line sweep=125
	fi
}

@test "r14: ulimit -n 16 and 301 trace files: every file is read, the leak in the last one found" {
	run "$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/ops" get:private:4096 rm
	assert_success
	local f
	f=$(ls "$TRACE"/shmtrace.*.jsonl)
	rm "$TRACE/kernel.jsonl"
	for i in $(seq 1 300); do
		grep -E '"event":"(header|start|exit)"' "$f" | sed "s/\"pid\":[0-9]*/\"pid\":$((40000 + i))/g" \
			>"$TRACE/shmtrace.$((40000 + i)).jsonl"
	done
	grep -v '"call":"shmctl"' "$f" >"$TRACE/shmtrace.49999.jsonl" # its IPC_RMID gone: a leak
	rm "$f"
	run --separate-stderr bash -c "ulimit -n 16; '$SHMTRACE' report '$TRACE'"
	assert_failure 1
	assert_output --partial "SUMMARY: 1 leaked segment(s)"
	[[ "$stderr" != *"not read"* ]]
}

@test "r09: a trace file the program made a 1 TiB sparse file is read in moments, its holes skipped" {
	cat >"$BATS_TEST_TMPDIR/p.c" <<'EOF'
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>
int main(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char p[64], t[4096];
	while ((e = readdir(d))) {
		snprintf(p, sizeof p, "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(p, t, sizeof t - 1);
		if (n < 0)
			continue;
		t[n] = 0;
		if (strstr(t, "/shmtrace."))
			ftruncate(atoi(e->d_name), 1LL << 40);
	}
	return shmctl(id, IPC_RMID, 0) != 0;
}
EOF
	cc -o "$BATS_TEST_TMPDIR/p" "$BATS_TEST_TMPDIR/p.c"
	run "$SHMTRACE" run -q -o "$TRACE" -- "$BATS_TEST_TMPDIR/p"
	assert_success
	[ "$(stat -c %s "$TRACE"/shmtrace.*.jsonl)" -gt $((1 << 40)) ]
	run --separate-stderr timeout 20 "$SHMTRACE" report --format json "$TRACE"
	rm "$TRACE"/shmtrace.*.jsonl # teardown reads every trace file whole
	assert_success
	run jq -c '[.summary.calls.shmget, .summary.calls.shmctl]' <<<"$output"
	assert_output '[1,1]'
}

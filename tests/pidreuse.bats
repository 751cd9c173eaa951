#!/usr/bin/env bats
# A pid is the run's only while a process of the run holds it (issue 13,
# third hostile trial r03; docs/security.md): a traced program that forks
# once around the whole pid space must not make every segment another
# process makes meanwhile "the run's", to be removed by root's sweep.

load helpers

@test "r03: sweep leaves alone the segments an unrelated process made under pids the run had held" {
	[ "$(id -u)" = 0 ] || skip "needs root to drop to nobody"
	local max
	max=$(cat /proc/sys/kernel/pid_max)
	[ "$max" -le 65536 ] || skip "kernel.pid_max $max: going around it takes too long"
	# nobody must reach both: outside bats' own directories (mode 700)
	local w r
	w=$(mktemp -d) r=$(mktemp -d)
	chmod 755 "$w"
	chmod 1777 "$r"
	cat >"$w/wrap.c" <<'EOF2'
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int c, char **v)
{
	if (c != 4 || setgid(65534) || setuid(65534))
		return 2;
	for (long i = 0, n = atol(v[1]); i < n; i++) {
		pid_t p = fork();
		if (!p)
			_exit(0);
		waitpid(p, 0, 0);
	}
	close(open(v[2], O_CREAT | O_WRONLY, 0666));
	sleep(atoi(v[3]));
	return 0;
}
EOF2
	cc -O1 -o "$w/wrap" "$w/wrap.c"
	(
		for i in $(seq 600); do [ -e "$r/wrapped" ] && break; sleep 0.2; done
		for i in 1 2 3; do ipcmk -M 40964 | sed 's/.*: //' >>"$r/victims"; sleep 0.5; done
	) 3>&- &
	run timeout 300 "$SHMTRACE" sweep -t 200 -- "$w/wrap" $((max + 1000)) "$r/wrapped" 4
	wait
	local left
	left=$(awk '$4 == 40964' /proc/sysvipc/shm | wc -l)
	for id in $(cat "$r/victims"); do ipcrm -m "$id" 2>/dev/null || true; done
	local victims
	victims=$(wc -l <"$r/victims")
	rm -rf "$w" "$r"
	[ "$victims" -eq 3 ]
	[ "$left" -eq 3 ] || fail "sweep removed $((3 - left)) of the 3 segments root's ipcmk made"
}

@test "a leak of the run's own is still confirmed and removed: its pid was the run's alone" {
	run "$SHMTRACE" run -q -o "$TRACE" -- ipcmk -M 40965
	assert_success
	run "$SHMTRACE" report --live "$TRACE"
	assert_failure 1
	assert_output --partial "ipcrm -m"
	run jq -c 'select(.event == "processes") | .shared_spans' "$TRACE/kernel.jsonl"
	assert_output '[]'
}

# Fourth hostile trial, b04: the kernel tells the end of a process's first
# thread as an exit of its pid; the process goes on when another thread
# lives.  Its later processes are the run's, and so is what they leak.
@test "b04: a program whose main thread ends first (another thread execs, or main calls pthread_exit) is still the run's, and so is its leak" {
	"$SHMTRACE" run -q -o "$TRACE.exec" -- "$TESTBIN/threadexit" exec sh -c 'ipcmk -M 40964 >/dev/null; true'
	"$SHMTRACE" run -q -o "$TRACE.main" -- "$TESTBIN/threadexit" main 'ipcmk -M 40964 >/dev/null; true'
	for how in exec main; do
		run --separate-stderr "$SHMTRACE" report --format json "$TRACE.$how"
		assert_failure 1
		run jq -c '[(.leaked_segments | map(.size)), (.other_segments | length)]' <<<"$output"
		assert_output '[[40964],0]'
	done
}

# A run whose record says events were lost (any local user can make the
# kernel drop them: a flood of comm changes did, b02/b03) cannot tell its
# pids from other processes' that had them unseen: its leaks are reported,
# never confirmed for removal.
@test "b03: a run that lost process events confirms no segment for removal; the leak is still reported" {
	"$SHMTRACE" run -q -o "$TRACE" -- ipcmk -M 40965
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	run jq -c '.leaked_segments | map([.size, .removable])' <<<"$output"
	assert_output '[[40965,true]]'
	sed -i 's/"complete":true/"complete":false/' "$TRACE/kernel.jsonl"
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	assert_failure 1
	run jq -c '.leaked_segments | map([.size, .removable, .live.remove])' <<<"$output"
	assert_output '[[40965,false,null]]'
}

# b02: every process can make comm change events by the thousand
# (prctl(PR_SET_NAME)); run asks the kernel (Linux 6.6 and later) for
# fork, exec, uid and exit events only, so that such a flood from another
# user does not overflow its queue and leave the run unable to confirm.
@test "b02: another user's flood of comm changes during the run loses run no event (Linux 6.6+: run asks for the events it needs)" {
	[ "$(id -u)" = 0 ] || skip "needs root to flood as nobody"
	local k
	k=$(uname -r | awk -F. '{ print $1 * 1000 + $2 }')
	[ "$k" -ge 6006 ] || skip "Linux $(uname -r): the kernel sends every event to every listener"
	"$SHMTRACE" run -q -o "$TRACE" -- sleep 2.5 &
	sleep 0.3
	setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 -c '
import ctypes, threading, time
libc = ctypes.CDLL(None)
def rename():
	stop, i = time.time() + 1.5, 0
	while time.time() < stop:
		libc.prctl(15, b"flood%d" % (i % 7)); i += 1
threads = [threading.Thread(target=rename) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()'
	wait
	run jq -c 'select(.event == "processes") | .complete' "$TRACE/kernel.jsonl"
	assert_output true
}

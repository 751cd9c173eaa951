#!/usr/bin/env bats
# The run's processes are ended whole (issue 13, third hostile trial r10;
# docs/security.md): a daemon that forks and exits in a loop has a new pid
# before each SIGKILL lands, so run puts the program in a cgroup of its
# own and ends it with cgroup.kill.

load helpers

# hopper SECONDS: a program whose child becomes a session leader and then,
# for SECONDS, forks and exits (the child goes on), touching $1.alive on
# every hop.
write_hopper() {
	cat >"$BATS_TEST_TMPDIR/hop.c" <<'EOF2'
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}
int main(int argc, char **argv)
{
	double end = now() + atof(argv[1]);
	if (fork() == 0) {
		setsid();
		for (;;) {
			if (now() > end)
				_exit(0);
			close(open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600));
			if (fork() > 0)
				_exit(0);
		}
	}
	return 0;
}
EOF2
	cc -O1 -o "$BATS_TEST_TMPDIR/hop" "$BATS_TEST_TMPDIR/hop.c"
}

@test "r10: run --end-with-program ends a pid-hopping daemon within seconds and names what it ended" {
	write_hopper
	local alive="$BATS_TEST_TMPDIR/alive"
	SECONDS=0
	run timeout 60 "$SHMTRACE" run --end-with-program -q -o "$TRACE" -- "$BATS_TEST_TMPDIR/hop" 30 "$alive"
	local took=$SECONDS
	assert_success
	[ "$took" -lt 15 ] || fail "run waited ${took} s for the daemon"
	run jq -c 'select(.event == "processes") | .left_running | length > 0' "$TRACE/kernel.jsonl"
	assert_output true
	rm -f "$alive"
	sleep 1
	[ ! -e "$alive" ] || fail "the daemon still runs after run ended"
}

@test "r10: sweep's runs end the pid-hopping daemon each leaves" {
	write_hopper
	local alive="$BATS_TEST_TMPDIR/alive"
	SECONDS=0
	run --separate-stderr timeout 120 "$SHMTRACE" sweep -t 10 --format json -- sh -c "ipcmk -M 40963 >/dev/null; ipcrm -M \$(awk '\$4 == 40963 { print \$1; exit }' /proc/sysvipc/shm) 2>/dev/null; exec '$BATS_TEST_TMPDIR/hop' 30 '$alive'"
	local took=$SECONDS
	[ "$took" -lt 60 ] || fail "sweep took ${took} s"
	[ -z "$stderr" ] || echo "sweep's stderr: $stderr" >&2
	run jq -c '.clean.daemons > 0' <<<"$output"
	assert_output true
	rm -f "$alive"
	sleep 1
	[ ! -e "$alive" ] || fail "a daemon still runs after sweep ended"
}

#!/usr/bin/env bats
# A real server from Debian's packages that uses System V semaphores:
# Apache httpd (prefork, two listeners, so that its children take turns to
# accept under a mutex) with `Mutex sysvsem default`, under `shmtrace run`.
# Started, asked for a page and stopped, it leaves no set; killed with
# SIGKILL, the report names the sets `ipcs -s` still shows, and the
# commands `report --live` gives remove them.
#
# httpd runs as root (its children as www-data), from a ServerRoot of its
# own in /tmp, on two free ports of 127.0.0.1.

load helpers

setup_file() {
	command -v apache2 >/dev/null || skip "no Apache httpd (Debian package apache2)"
	[ -f /usr/lib/apache2/modules/mod_mpm_prefork.so ] || skip "no mod_mpm_prefork (Debian package apache2)"
	[ "$(id -u)" = 0 ] || skip "httpd's test runs as root (its children as www-data)"
	id www-data >/dev/null 2>&1 || skip "no www-data user"
	HT_DIR=$(mktemp -d /tmp/shmtrace-httpd.XXXXXX)
	chmod 755 "$HT_DIR"
	mkdir "$HT_DIR/htdocs" "$HT_DIR/logs"
	echo "hello from httpd" >"$HT_DIR/htdocs/index.html"
	chmod -R a+rX "$HT_DIR/htdocs"
	export HT_DIR
}

teardown_file() {
	[ -n "${HT_DIR:-}" ] && rm -rf "$HT_DIR"
}

setup() {
	TRACE="$HT_DIR/trace"
	cd "$HT_DIR"
}

teardown() {
	# A failed test may have left the server running: its own pids only.
	local pid
	if [ -s "$HT_DIR/httpd.pid" ]; then
		pid=$(cat "$HT_DIR/httpd.pid")
		kill -KILL "$pid" $(pgrep -P "$pid") 2>/dev/null || true
	fi
	wait
	local id
	for id in $(cat "$TRACE"{,.*}/shmtrace.*.jsonl 2>/dev/null |
		jq -r 'select(.call == "semget" and .created == true) | .ret' 2>/dev/null); do
		ipcrm -s "$id" 2>/dev/null || true
	done
	remove_traced_leftovers
	rm -rf "$TRACE" "$TRACE".* "$HT_DIR/httpd.pid" "$HT_DIR/logs"/* "$HT_DIR/start.out"
}

# Two ports nothing listens on now (the kernel's choice for port 0).
free_ports() {
	perl -MIO::Socket::INET -e 'my @s = map { IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
		Listen => 1, ReuseAddr => 1) or die $! } 1 .. 2; print join(" ", map { $_->sockport } @s), "\n"'
}

write_config() {
	cat >"$HT_DIR/httpd.conf" <<EOF
ServerRoot "$HT_DIR"
ServerName localhost
Listen 127.0.0.1:$1
Listen 127.0.0.1:$2
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
User www-data
Group www-data
Mutex sysvsem default
PidFile "$HT_DIR/httpd.pid"
ErrorLog "$HT_DIR/logs/error.log"
DocumentRoot "$HT_DIR/htdocs"
StartServers 3
EOF
}

# get PORT: the page, by HTTP/1.0 over bash's /dev/tcp.
get() {
	exec 5<>"/dev/tcp/127.0.0.1/$1" || return 1
	printf 'GET /index.html HTTP/1.0\r\nHost: localhost\r\n\r\n' >&5
	timeout 10 cat <&5
	exec 5<&-
}

# httpd_start: under `shmtrace run` in the background ($HT_RUN: the run
# waits for the daemon), until both ports answer.
httpd_start() {
	rm -f "$HT_DIR/httpd.pid"
	read -r PORT1 PORT2 < <(free_ports)
	write_config "$PORT1" "$PORT2"
	"$SHMTRACE" run -q -o "$TRACE" -- apache2 -f "$HT_DIR/httpd.conf" -k start >"$HT_DIR/start.out" 2>&1 3>&- &
	HT_RUN=$!
	local i
	for i in $(seq 300); do
		if [ -s "$HT_DIR/httpd.pid" ] && get "$PORT1" >/dev/null 2>&1 && get "$PORT2" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	echo "httpd did not start: $(cat "$HT_DIR/start.out" "$HT_DIR/logs/error.log")" >&2
	return 1
}

# The semaphore sets in the kernel's table now, ids sorted.
sets_now() {
	awk 'NR > 1 { print $2 }' /proc/sysvipc/sem | sort -n | tr '\n' ' '
}

@test "httpd with Mutex sysvsem, started, asked for a page and stopped under shmtrace: no set left, and the report agrees" {
	before=$(sets_now)
	httpd_start
	during=$(sets_now)
	run get "$PORT1"
	assert_output --partial "hello from httpd"
	run get "$PORT2"
	assert_output --partial "hello from httpd"
	apache2 -f "$HT_DIR/httpd.conf" -k stop
	status=0
	timeout 30 tail --pid="$HT_RUN" -f /dev/null || status=$?
	wait "$HT_RUN" || status=$?
	[ "$status" = 0 ] || cat "$HT_DIR/start.out" "$HT_DIR/logs/error.log" >&2
	assert_equal "$status" 0
	# httpd made a set (or more) while it ran, and removed it when stopped.
	[ "$during" != "$before" ]
	assert_equal "$(sets_now)" "$before"
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_success
	run jq -c '[.leaked_semaphore_sets, .summary.calls.semget > 0, .summary.calls.semop > 0,
		([.misuse[] | select(.kind != "failed_call")])]' <<<"$output"
	assert_output '[[],true,true,[]]'
}

@test "httpd killed with SIGKILL: the report names the sets ipcs -s shows; report --live's commands remove them" {
	before=$(sets_now)
	httpd_start
	get "$PORT1" >/dev/null
	pid=$(cat "$HT_DIR/httpd.pid")
	kill -KILL "$pid" $(pgrep -P "$pid")
	timeout 30 tail --pid="$HT_RUN" -f /dev/null
	wait "$HT_RUN" || true
	left=$(comm -13 <(tr ' ' '\n' <<<"$before" | sort) <(sets_now | tr ' ' '\n' | sort) | sort -n | tr '\n' ' ')
	[ -n "$left" ]
	# ipcs -s shows them (its own reading of the kernel's table).
	for id in $left; do
		ipcs -s | awk -v id="$id" '$2 == id { found = 1 } END { exit !found }'
	done
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	assert_failure 1
	report=$output
	run jq -r '[.leaked_semaphore_sets[].semid] | sort | map(tostring) | join(" ")' <<<"$report"
	assert_output "${left% }"
	# Each with the backtrace of its semget, and a command that removes it.
	run jq -e '.leaked_semaphore_sets | all(.in_kernel == true and (.stack | length) > 0 and .removable and
		.live.remove == "ipcrm -s \(.semid)")' <<<"$report"
	assert_success
	run --separate-stderr "$SHMTRACE" report "$TRACE"
	assert_output --partial "killed by a signal:"
	jq -r '.leaked_semaphore_sets[].live.remove' <<<"$report" | sh
	assert_equal "$(sets_now)" "$before"
}

#!/usr/bin/env bats
# A real server from Debian's packages that uses SysV shared memory:
# PostgreSQL, started with pg_ctl, queried with psql and stopped, under
# `shmtrace run`.  It must behave as it does untraced, and the report must
# say what `ipcs -m` shows before, during and after.
#
# Everything lives in one directory the postgres user owns (data, socket,
# log, traces): when we are root the server runs as postgres, as it must.

load helpers

setup_file() {
	PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -x "$PG_BIN/postgres" ] || skip "no PostgreSQL server (Debian package postgresql)"
	[ "$(id -u)" != 0 ] || id postgres >/dev/null 2>&1 || skip "no postgres user"
	PG_DIR=$(mktemp -d /tmp/shmtrace-pg.XXXXXX)
	chmod 755 "$PG_DIR"
	[ "$(id -u)" != 0 ] || chown postgres: "$PG_DIR"
	# The server's user must reach shmtrace and its library: from a checkout
	# it cannot enter (under /root, say), it runs a copy of the two.
	PG_SHMTRACE=$SHMTRACE
	if ! as_pg test -x "$SHMTRACE" -a -r "$LIB"; then
		mkdir "$PG_DIR/bin"
		cp "$SHMTRACE" "$LIB" "$PG_DIR/bin/"
		chmod 755 "$PG_DIR/bin"
		PG_SHMTRACE=$PG_DIR/bin/shmtrace
	fi
	export PG_BIN PG_DIR PG_SHMTRACE
	as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres --no-sync >"$PG_DIR/initdb.log" 2>&1
	# Its own socket directory and no TCP: nothing to clash with another server.
	printf '%s\n' "listen_addresses = ''" "unix_socket_directories = '$PG_DIR'" \
		'fsync = off' >>"$PG_DIR/data/postgresql.conf"
}

teardown_file() {
	[ -n "${PG_DIR:-}" ] && rm -rf "$PG_DIR"
}

setup() {
	TRACE="$PG_DIR/trace"
	SHMTRACE=$PG_SHMTRACE
	cd "$PG_DIR" # a working directory the server's user may enter
}

teardown() {
	# A failed test may have left the server running.
	[ -f "$PG_DIR/data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1
	wait
	remove_traced_leftovers
	rm -rf "$TRACE" "$TRACE".* "$PG_DIR/log" "$PG_DIR/start.out"
}

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
	else
		"$@"
	fi
}

# pg_start TRACE_DIR|'' [SERVER_OPTIONS [RUN_OPTION...]]: starts the
# server with pg_ctl, under `shmtrace run -o TRACE_DIR RUN_OPTION...`
# unless the directory is empty, and waits until it accepts connections.
# The run waits for every process of the tree, the server included, so it
# goes on in the background ($PG_RUN).
pg_start() {
	local trace=$1 options=${2:-}
	shift $(($# < 2 ? $# : 2))
	local start=("$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o "$options" start)
	if [ -n "$trace" ]; then
		as_pg "$SHMTRACE" run -q -o "$trace" "$@" -- "${start[@]}" >"$PG_DIR/start.out" 2>&1 3>&- &
	else
		as_pg "${start[@]}" >"$PG_DIR/start.out" 2>&1 3>&- &
	fi
	PG_RUN=$!
	local i
	# Ready, and pg_ctl has seen it: a server stopped before pg_ctl's next
	# look (every 0.1 s, later on a loaded machine) makes pg_ctl start say
	# "could not start server" and exit 1.
	for i in $(seq 300); do
		as_pg "$PG_BIN/pg_isready" -q -h "$PG_DIR" && grep -q "server started" "$PG_DIR/start.out" && return 0
		sleep 0.1
	done
	echo "the server did not start: $(cat "$PG_DIR/log")" >&2
	return 1
}

# pg_stop: a fast shutdown; then the run's (or pg_ctl's) status in $status.
pg_stop() {
	as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -m fast stop >/dev/null
	status=0
	wait "$PG_RUN" || status=$?
}

# pg_stop_cleanly BEFORE: pg_stop, which must succeed and leave the
# server's segments as they were (BEFORE, from server_segments).
pg_stop_cleanly() {
	pg_stop
	# What pg_ctl (and run) said, and the server's log, when it went wrong.
	[ "$status" = 0 ] || cat "$PG_DIR/start.out" "$PG_DIR/log" >&2
	assert_equal "$status" 0
	assert_equal "$(server_segments)" "$1"
}

psql() {
	as_pg "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" -U postgres -d postgres -c "$1"
}

# The server's segments in the kernel's table now: "key size" lines, sorted.
server_segments() {
	awk -v uid="$(id -u postgres 2>/dev/null || id -u)" \
		'NR > 1 && $8 == uid { printf "0x%08x %s\n", $1, $4 }' /proc/sysvipc/shm | sort
}

PARALLEL='set max_parallel_workers_per_gather = 2; set parallel_setup_cost = 0;
	set parallel_tuple_cost = 0; set min_parallel_table_scan_size = 0;'

WORKLOAD='create table t (a int);
	insert into t select generate_series(1, 20000);
	select count(*), sum(a) from t;
	drop table t;'

@test "PostgreSQL started, queried and stopped under shmtrace: the same as untraced, and the report agrees with ipcs -m" {
	before=$(server_segments)
	pg_start ''
	bare_during=$(server_segments)
	run psql "$WORKLOAD"
	assert_success
	bare_output=$output
	pg_stop_cleanly "$before"

	pg_start "$TRACE"
	during=$(server_segments)
	run psql "$WORKLOAD"
	assert_success
	assert_output "$bare_output"
	pg_stop_cleanly "$before"
	# The same segments as untraced, and the trace made each of them.
	assert_equal "$during" "$bare_during"
	[ -n "$during" ]
	made=$(records 'select(.call == "shmget" and .created == true) | "\(.args.key) \(.args.size)"' | jq -r . | sort)
	assert_equal "$made" "$(comm -13 <(echo "$before") <(echo "$during"))"
	# ...each removed by the postmaster, the run's first process.
	postmaster=$(records 'select(.event == "start" and (.exe | endswith("/postgres"))) | .pid')
	run records "select(.call == \"shmctl\" and .args.cmd == \"IPC_RMID\") | .pid"
	assert_output "$(printf "$postmaster\n%.0s" $(calls shmget | jq 'select(.created == true) | .ret'))"
	# Its children inherited the attachment, and detached it by exiting.
	run records 'select(.event == "fork") | .attached | length'
	[ "${#lines[@]}" -ge 4 ]
	refute_line 0
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_success
	# The run was postgres's: root reads its record as postgres's word.
	[ "$(id -u)" != 0 ] || assert_equal "$stderr" "shmtrace: report: warning: $TRACE/kernel.jsonl: it is owned by uid $(id -u postgres), not by the caller (uid 0) or root: what it says of the run is testimony, not run's record; nothing it claims is confirmed as the run's"
	run jq -c '.summary | [.leaked_segments, .removed_outside_trace, .posix_names_never_unlinked, .undetached_attachments, .warnings, .processes > 4]' <<<"$output"
	assert_output '[0,0,0,0,0,true]'
}

@test "PostgreSQL killed by SIGKILL: its segment is the report's leak, as ipcs -m shows; the next start removes it, and its trace shows how" {
	before=$(server_segments)
	pg_start "$TRACE"
	postmaster=$(head -n 1 "$PG_DIR/data/postmaster.pid")
	kill -KILL "$postmaster"
	status=0
	wait "$PG_RUN" || status=$?
	assert_equal "$status" 0 # pg_ctl's own, long before
	left=$(comm -13 <(echo "$before") <(echo "$(server_segments)"))
	[ -n "$left" ]
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_failure 1
	report=$output
	run jq -r '.leaked_segments[] | "\(.key) \(.size) \(.in_kernel)"' <<<"$report"
	assert_output "$(sed 's/$/ true/' <<<"$left")"
	# The kernel's id, and nobody attached any more: the children exited
	# when the postmaster died, which the report knows from run.
	old=$(jq '.leaked_segments[0].shmid' <<<"$report")
	run awk -v id="$old" '$2 == id { print $7 }' /proc/sysvipc/shm
	assert_output 0
	run jq -c '.leaked_segments[0].attached, [.killed_processes[] | [.pid, .signal]], .summary.undetached_attachments' <<<"$report"
	assert_line --index 0 --regexp "^\[\{\"pid\":$postmaster,\"program\":\"[^\"]*/postgres\",\"addr\":\"0x[0-9a-f]+\",\"killed_by\":\"SIGKILL\"\}\]\$"
	assert_line --index 1 "[[$postmaster,\"SIGKILL\"]]"
	assert_line --index 2 0
	run "$SHMTRACE" report "$TRACE"
	assert_line --regexp "^  attached when SIGKILL killed it: pid $postmaster \(postgres\) at 0x"
	assert_line "  killed by a signal: 1 process(es): pid $postmaster (postgres) by SIGKILL"
	# The dynamic shared memory names it left in /dev/shm are leaks too.
	names=$(jq -r '.posix_names_never_unlinked[].name' <<<"$report")
	[ -n "$names" ]
	for n in $names; do [ -e "/dev/shm/${n#/}" ]; done

	# The next start finds the old segment (its id is in postmaster.pid),
	# sees nobody attached, and removes it and the old names.
	pg_start "$TRACE.restart"
	pg_stop_cleanly "$before"
	for n in $names; do [ ! -e "/dev/shm/${n#/}" ]; done
	second() { cat "$TRACE.restart"/shmtrace.*.jsonl | jq -c "$1"; }
	run second "select(.call == \"shmctl\" and .args.shmid == $old) | .args.cmd"
	assert_line --index 0 '"IPC_STAT"'
	assert_line --index "$((${#lines[@]} - 1))" '"IPC_RMID"'
	run second 'select(.call == "shm_unlink") | .args.name'
	for n in $names; do assert_line "\"$n\""; done
	# The report of that run: no leak, and the old segment noted as there
	# before it, made by the killed postmaster.
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE.restart"
	assert_success
	run jq -c ".summary.leaked_segments, [.misuse[] | select(.kind == \"created_outside_trace\") | [.shmid, .before_run, .cpid]]" <<<"$output"
	assert_output "$(printf '0\n[[%s,true,%s]]' "$old" "$postmaster")"
}

@test "PostgreSQL with all its shared memory in SysV segments and a parallel query: every segment made is removed, workers attach and detach" {
	before=$(server_segments)
	pg_start "$TRACE" '-c shared_memory_type=sysv -c dynamic_shared_memory_type=sysv'
	during=$(server_segments)
	run psql "create table t as select generate_series(1, 20000) a; $PARALLEL
		explain (analyze, costs off, timing off, summary off) select count(*) from t;
		drop table t;"
	assert_success
	assert_output --partial 'Workers Launched: 2'
	pg_stop_cleanly "$before"
	# What ipcs showed while it ran was made by traced calls (the main
	# segment, of shared_buffers and more, is the largest).
	run jq -r 'select(.call == "shmget" and .created == true) | "\(.args.key) \(.args.size)"' \
		<(cat "$TRACE"/shmtrace.*.jsonl)
	[ "${#lines[@]}" -ge 4 ]
	for segment in $(comm -13 <(echo "$before") <(echo "$during") | tr ' ' ,); do
		assert_line "${segment/,/ }"
	done
	# The postmaster, the backend and its two workers each attached some.
	run records 'select(.call == "shmat") | .pid'
	[ "$(sort -u <<<"$output" | wc -l)" -ge 4 ]
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_success
	report=$output
	run jq -c '.summary | [.calls.shmget >= 4, .calls.shmat == .calls.shmdt, .leaked_segments, .removed_outside_trace, .undetached_attachments, .misuse]' <<<"$report"
	assert_output '[true,true,0,0,0,0]'
	# At its peak: the main segment, the control segment and the query's
	# at least, all of it what ipcs showed and more.
	biggest=$(records 'select(.call == "shmget" and .created == true) | .args.size' | sort -n | tail -n 1)
	shown=$(awk '{ sum += $2 } END { print sum }' <<<"$during")
	run jq -c --argjson biggest "$biggest" --argjson shown "$shown" \
		'.summary.peak | [.segments >= 3, .bytes > $biggest, .bytes >= $shown]' <<<"$report"
	assert_output '[true,true,true]'
}

@test "injection into PostgreSQL: the segment of its first parallel query fails (caller=InitializeParallelDSM); it says so, lives on, leaks nothing" {
	before=$(server_segments)
	pg_start "$TRACE" '-c dynamic_shared_memory_type=sysv' -i 'shmget:caller=InitializeParallelDSM:when=1'
	psql 'create table t as select generate_series(1, 20000) a'
	# One session, one server process: its first parallel query's segment
	# is refused, its second is made.
	run as_pg "$PG_BIN/psql" -X -q -A -t -h "$PG_DIR" -U postgres -d postgres \
		-c "$PARALLEL select count(*) from t;" -c "$PARALLEL select count(*) from t;"
	assert_line 'ERROR:  could not get shared memory segment: No space left on device'
	assert_line 20000
	psql 'drop table t'
	pg_stop_cleanly "$before"
	run records 'select(.injected == true) | [.call, .errno, .rule]'
	assert_output '["shmget","ENOSPC","shmget:caller=InitializeParallelDSM:when=1"]'
	# The report shows the failure where PostgreSQL made the call.
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_success
	run jq -c '.summary.leaked_segments, [.misuse[] | select(.kind == "failed_call" and .injected == 1) | [.call, .errno, (.stack | map(.function) | index("InitializeParallelDSM") != null)]]' <<<"$output"
	assert_output "$(printf '%s\n' 0 '[["shmget","ENOSPC",true]]')"
}

@test "sweep of a PostgreSQL session (start, one query, stop): each call fails in turn; a failed IPC_RMID or shm_unlink at shutdown leaks, and sweep removes what leaked" {
	before=$(server_segments)
	cat >"$PG_DIR/session.sh" <<-SESSION
		#!/bin/sh
		"$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w start >/dev/null || exit 1
		"$PG_BIN/psql" -X -q -A -t -h "$PG_DIR" -U postgres -c 'select 1' postgres >/dev/null || status=1
		"$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -m fast stop >/dev/null || exit 1
		exit \${status:-0}
	SESSION
	chmod 755 "$PG_DIR/session.sh"
	run --separate-stderr as_pg "$SHMTRACE" sweep -f json -o "$TRACE" -- "$PG_DIR/session.sh"
	assert_failure 1
	sweep=$output
	outcomes() { jq -c "[.runs[] | select(.call == \"$1\") | [.outcome, .exit_status]] | unique" <<<"$sweep"; }
	# No main segment: the server refuses to start, and says so.
	assert_equal "$(outcomes shmget)" '[["handled",1]]'
	# The segment or the /dev/shm names stay when their removal fails.
	assert_equal "$(outcomes shmctl)" '[["leaked",0]]'
	assert_equal "$(outcomes shm_unlink)" '[["leaked",0]]'
	run jq -c '[.summary.crashed, .summary.hung, .summary.runs == (.clean.calls | add)]' <<<"$sweep"
	assert_output '[0,0,true]'
	# The shmctl run names where the server removes its segment at exit.
	run jq -r '.runs[] | select(.call == "shmctl") | .stack | map(.function) | index("shmem_exit") != null' <<<"$sweep"
	assert_output true
	# The text names it too: the caller, a static function of a stripped
	# program, by its address, and the nearest caller with a name.
	run --separate-stderr as_pg "$SHMTRACE" sweep -- "$PG_DIR/session.sh"
	assert_line --regexp '^ +[0-9]+  shmctl +1  EPERM +leaked +exit 0 +1  \(postgres\+0x[0-9a-f]+\) from shmem_exit$'
	# What the runs leaked is gone again.
	assert_equal "$(server_segments)" "$before"
	names=$(cat "$TRACE"/*/shmtrace.*.jsonl | jq -r 'select(.call == "shm_open" and .created == true) | .args.name')
	[ -n "$names" ]
	for name in $names; do
		[ ! -e "/dev/shm/${name#/}" ]
	done
}

@test "a PostgreSQL backend killed by SIGKILL: the postmaster collects it and the trace says so; crash recovery makes its segment anew, nothing leaks" {
	before=$(server_segments)
	pg_start "$TRACE"
	postmaster=$(head -n 1 "$PG_DIR/data/postmaster.pid")
	psql 'select pg_sleep(60)' >/dev/null 2>&1 3>&- &
	sleeper=$!
	for _ in $(seq 100); do
		backend=$(psql "select pid from pg_stat_activity where query = 'select pg_sleep(60)'")
		[ -n "$backend" ] && break
		sleep 0.1
	done
	kill -KILL "$backend"
	wait "$sleeper" || true
	# The postmaster ends every process and starts again: wait for it.
	for _ in $(seq 100); do psql 'select 1' >/dev/null 2>&1 && break; sleep 0.1; done
	pg_stop_cleanly "$before"
	run records 'select(.event == "killed") | [.pid, .signal, .reaped_by]'
	assert_output "[$backend,\"SIGKILL\",$postmaster]"
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_success
	run jq -c '[.killed_processes[] | [.pid, .signal]], .summary.leaked_segments, .summary.undetached_attachments' <<<"$output"
	assert_output "$(printf '%s\n' "[[$backend,\"SIGKILL\"]]" 0 0)"
	# Its main segment twice: at start, and anew after the crash.
	run records 'select(.call == "shmget" and .created == true) | .pid'
	assert_output "$(printf '%s\n' "$postmaster" "$postmaster")"
}

#!/usr/bin/env bash
# A real server's cost: PostgreSQL with all its shared memory in SysV
# segments, pgbench running a parallel query (each one forks workers that
# attach the query's segments), bare and under `shmtrace run`, interleaved.
#   bench/postgres.sh SHMTRACE ROUNDS SECONDS
# Prints "MODE tps" lines, one per run: MODE is bare, traced, bare-C or
# traced-C (-C: a new connection, so a new server process, per query).
# Prints nothing when there is no PostgreSQL server to run.
set -euo pipefail
shmtrace=$1 rounds=$2 seconds=$3
. "$(dirname "$0")/pg-cluster.sh"
pg_cluster 4

start() { # start bare|traced
	local ctl=("$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w start)
	if [ "$1" = traced ]; then
		rm -rf "$dir/trace"
		as_pg "$shmtrace" run -q -o "$dir/trace" -- "${ctl[@]}" >/dev/null 2>&1 &
	else
		as_pg "${ctl[@]}" >/dev/null 2>&1 &
	fi
	for _ in $(seq 300); do
		as_pg "$bin/pg_isready" -q -h "$dir" && return 0
		sleep 0.1
	done
	echo "postgres.sh: the server did not start" >&2
	exit 1
}

stop() {
	as_pg "$bin/pg_ctl" -D "$dir/data" -w -m fast stop >/dev/null
	wait
}

start bare
as_pg "$bin/pgbench" -h "$dir" -U postgres -i -q -s 5 postgres >/dev/null 2>&1
stop
for _ in $(seq "$rounds"); do
	for mode in bare traced bare-C traced-C; do
		start "${mode%-C}"
		tps=$(as_pg "$bin/pgbench" -h "$dir" -U postgres -c 4 -j 2 -T "$seconds" -f "$dir/query.sql" \
			$([ "$mode" = "${mode%-C}" ] || echo -C) postgres 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
		stop
		echo "$mode $tps"
	done
done

# Sourced by bench/postgres.sh and bench/pictures.sh: a PostgreSQL cluster
# of their own in a new directory $dir (removed at exit), all its shared
# memory in SysV segments and each query parallel, so that every query
# makes a segment its workers attach; $bin, as_pg (runs as postgres when
# root).  Exits 0 with nothing said when there is no server to run.
#   pg_cluster WORKERS_PER_GATHER
pg_cluster() {
	bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -x "$bin/postgres" ] && [ -x "$bin/pgbench" ] || exit 0
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || exit 0
		as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
	else
		as_pg() { "$@"; }
	fi
	dir=$(mktemp -d /tmp/shmtrace-pgbench.XXXXXX)
	trap 'as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
	chmod 755 "$dir"
	[ "$(id -u)" != 0 ] || chown postgres: "$dir"
	as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >/dev/null
	printf '%s\n' "listen_addresses = ''" "unix_socket_directories = '$dir'" 'fsync = off' \
		'shared_memory_type = sysv' 'dynamic_shared_memory_type = sysv' \
		"max_parallel_workers_per_gather = $1" 'parallel_setup_cost = 0' 'parallel_tuple_cost = 0' \
		'min_parallel_table_scan_size = 0' >>"$dir/data/postgresql.conf"
	echo 'select count(*), sum(abalance) from pgbench_accounts;' >"$dir/query.sql"
	chmod 644 "$dir/query.sql"
}

#!/usr/bin/env bash
# The pictures at the scale of a real server: PostgreSQL with its shared
# memory in SysV segments, pgbench -C running a parallel query (each query a
# new connection, so a new server process, and a new dynamic segment that
# the query's workers attach), under `shmtrace run`; then the sizes of
# report --format html and chrome, and the time each took.
#   bench/pictures.sh SHMTRACE SECONDS OUT_DIR
# Prints "segments N processes N calls N", then "FORMAT BYTES GZIPPED SECONDS"
# lines.  Prints nothing when there is no PostgreSQL server to run.
set -euo pipefail
shmtrace=$(realpath "$1") seconds=$2 out=$3
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/postgres" ] && [ -x "$bin/pgbench" ] || exit 0
if [ "$(id -u)" = 0 ]; then
	id postgres >/dev/null 2>&1 || exit 0
	as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }
else
	as_pg() { "$@"; }
fi
dir=$(mktemp -d /tmp/shmtrace-pictures.XXXXXX)
trap 'as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
chmod 755 "$dir"
[ "$(id -u)" != 0 ] || chown postgres: "$dir"
as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >/dev/null
printf '%s\n' "listen_addresses = ''" "unix_socket_directories = '$dir'" 'fsync = off' \
	'shared_memory_type = sysv' 'dynamic_shared_memory_type = sysv' \
	'max_parallel_workers_per_gather = 2' 'parallel_setup_cost = 0' 'parallel_tuple_cost = 0' \
	'min_parallel_table_scan_size = 0' >>"$dir/data/postgresql.conf"
echo 'select count(*), sum(abalance) from pgbench_accounts;' >"$dir/query.sql"
chmod 644 "$dir/query.sql"
ctl=("$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w)
as_pg "${ctl[@]}" start >/dev/null
as_pg "$bin/pgbench" -h "$dir" -U postgres -i -q -s 1 postgres >/dev/null 2>&1
as_pg "${ctl[@]}" -m fast stop >/dev/null
as_pg "$shmtrace" run -q -o "$dir/trace" -- "${ctl[@]}" start >/dev/null 2>&1 &
for _ in $(seq 300); do
	as_pg "$bin/pg_isready" -q -h "$dir" && break
	sleep 0.1
done
as_pg "$bin/pgbench" -h "$dir" -U postgres -c 4 -j 2 -T "$seconds" -C -f "$dir/query.sql" postgres >/dev/null 2>&1
as_pg "${ctl[@]}" -m fast stop >/dev/null
wait
mkdir -p "$out"
cat "$dir"/trace/*.jsonl | jq -r 'select(.event == "call") | [.call, (.created // false)] | @tsv' |
	awk '$1 == "shmget" && $2 == "true" { s++ } { c++ } END { printf "segments %d calls %d ", s, c }'
echo "processes $(cat "$dir"/trace/*.jsonl | jq -r 'select(.event == "start" or .event == "fork") | .pid' | wc -l)"
for format in html chrome; do
	start=$(date +%s.%N)
	"$shmtrace" report --format "$format" --fail-on none "$dir/trace" >"$out/pgbench.$format"
	end=$(date +%s.%N)
	echo "$format $(stat -c %s "$out/pgbench.$format") $(gzip -c "$out/pgbench.$format" | wc -c) $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')"
done

#!/usr/bin/env bash
# The pictures at the scale of a real server: PostgreSQL with its shared
# memory in SysV segments, pgbench -C running a parallel query (each query a
# new connection, so a new server process, and a new dynamic segment that
# the query's workers attach), under `shmtrace run`; then the sizes of
# report --format html and chrome, and the time each took.
#   bench/pictures.sh SHMTRACE SECONDS OUT_DIR
# Prints "segments N calls N processes N", then "FORMAT BYTES GZIPPED SECONDS"
# lines; leaves the trace and the outputs in OUT_DIR.  Prints nothing when
# there is no PostgreSQL server to run.
set -euo pipefail
shmtrace=$(realpath "$1") seconds=$2 out=$3
. "$(dirname "$0")/pg-cluster.sh"
pg_cluster 2
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
rm -rf "$out/trace"
mv "$dir/trace" "$out/trace" # kept: open the page, or report it again
cat "$out"/trace/*.jsonl | jq -r 'select(.event == "call") | [.call, (.created // false)] | @tsv' |
	awk '$1 == "shmget" && $2 == "true" { s++ } { c++ } END { printf "segments %d calls %d ", s, c }'
echo "processes $(cat "$out"/trace/*.jsonl | jq -r 'select(.event == "start" or .event == "fork") | .pid' | wc -l)"
for format in json html chrome; do # json: the report without pictures, for its time
	start=$(date +%s.%N)
	"$shmtrace" report --format "$format" --fail-on none "$out/trace" >"$out/pgbench.$format"
	end=$(date +%s.%N)
	echo "$format $(stat -c %s "$out/pgbench.$format") $(gzip -c "$out/pgbench.$format" | wc -c) $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')"
done

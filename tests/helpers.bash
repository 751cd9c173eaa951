# Loaded by every suite: bats-support and bats-assert from where Debian
# installs them, the built artifacts, and helpers to read traces.

bats_require_minimum_version 1.5.0

load '/usr/lib/bats/bats-support/load.bash'
load '/usr/lib/bats/bats-assert/load.bash'

ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
BUILD="${SHMTRACE_BUILD:-$ROOT/build}" # build-san/ under make test SANITIZE=1
SHMTRACE="$BUILD/shmtrace"
LIB="$BUILD/libshmtrace.so"
SAMPLES="$BUILD/samples"
TESTBIN="$BUILD/tests"

setup() {
	TRACE="$BATS_TEST_TMPDIR/trace"
}

# trace CMD...: run CMD under `shmtrace run -q -o $TRACE`; status and
# output as bats' `run` leaves them.
trace() {
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -- "$@"
}

# records JQ_FILTER: the trace's records, all files, through jq -c.
records() {
	cat "$TRACE"/shmtrace.*.jsonl | jq -c "$1"
}

# calls [CALL]: the call records, optionally of one function.
calls() {
	if [ -n "${1:-}" ]; then
		records "select(.event == \"call\" and .call == \"$1\")"
	else
		records 'select(.event == "call")'
	fi
}

# Every line of every trace file is one valid JSON object.  (jq fails on
# bad JSON; the filter prints only what is not an object.)
assert_valid_trace() {
	local f
	for f in "$TRACE"/shmtrace.*.jsonl; do
		run jq -c 'select(type != "object")' "$f"
		assert_success
		assert_output ''
	done
}

# sarif_errors FILE: the rule ids of the errors Microsoft's SARIF validator
# finds in FILE, as a JSON array, in $output (bats' run); the test is
# skipped without the validator.
sarif_errors() {
	local validator="$ROOT/build/tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
	[ -x "$validator" ] || skip "no SARIF validator (make deps installs it with npm)"
	DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 \
		"$validator" validate -o "$1.verdict" "$1" >/dev/null
	run jq -c '[.runs[0].results[] | select(.level == "error") | .ruleId]' "$1.verdict"
}

# Segments and POSIX names that a test's traced programs created and did
# not remove, in $TRACE and in any $TRACE.SUFFIX directory of a second run.
# The suites run in a private IPC namespace (see Makefile), but /dev/shm is
# not part of it, and this keeps a run outside one clean too.  A suite with
# a teardown of its own calls remove_traced_leftovers from it.
# A test may also list in the array `made` names it made in /dev/shm under
# spellings remove_traced_leftovers does not take ("x", "//x", bytes a
# library wrote raw): they go too, even when the test fails.
teardown() {
	if [ -n "${made+x}" ]; then rm -f "${made[@]}"; fi
	remove_traced_leftovers
}

remove_traced_leftovers() {
	[ -d "${TRACE:-}" ] || return 0
	local id name
	for name in $(cat "$TRACE"{,.*}/shmtrace.*.jsonl 2>/dev/null |
		jq -r 'select(.call == "shm_open" and .created == true) | .args.name' 2>/dev/null); do
		# The name is text for its bytes: printf %b gives them back.
		if [[ "$name" == /* && "$name" != /*/* ]]; then rm -f "/dev/shm/$(printf %b "${name#/}")"; fi
	done
	# Only those still in the kernel's table: a test may have made thousands.
	for id in $(comm -12 \
		<(cat "$TRACE"{,.*}/shmtrace.*.jsonl 2>/dev/null |
			jq -r 'select(.call == "shmget" and .created == true) | .ret' 2>/dev/null | sort) \
		<(awk 'NR > 1 { print $2 }' /proc/sysvipc/shm | sort)); do
		ipcrm -m "$id" 2>/dev/null || true
	done
}

# fixture CASE: tests/fixtures/CASE/*.jsonl.in copied as a trace directory;
# prints its path.  (Stored as .in: *.jsonl are traces, never committed.)
fixture() {
	local dir="$BATS_TEST_TMPDIR/fixture-$1" f
	mkdir -p "$dir"
	for f in "$BATS_TEST_DIRNAME/fixtures/$1"/*.jsonl.in; do
		cp "$f" "$dir/$(basename "$f" .in)"
	done
	echo "$dir"
}

#!/usr/bin/env bats
# The analyzer under valgrind: no invalid access, no leak, on every fixture
# and on a real trace.

load helpers

@test "shmtrace report is valgrind-clean on the fixtures and a real trace" {
	command -v valgrind >/dev/null || skip "no valgrind"
	[[ "$BUILD" != *build-san* ]] || skip "the sanitizer build checks this itself"
	"$SHMTRACE" run -q -o "$TRACE" -- "$SAMPLES/prodcons" >/dev/null
	for dir in "$BATS_TEST_DIRNAME"/fixtures/* "$TRACE"; do
		work="$BATS_TEST_TMPDIR/copy-$(basename "$dir")"
		mkdir -p "$work"
		for f in "$dir"/*.jsonl*; do cp "$f" "$work/$(basename "$f" .in)"; done
		for format in text json sarif; do
			run valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
				"$SHMTRACE" report --format "$format" --fail-on none "$work"
			[ "$status" -ne 99 ] || fail "valgrind errors on $dir ($format): $output"
		done
	done
}

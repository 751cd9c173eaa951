#!/usr/bin/env bats
# docs/ci.md's recipes, run here as far as they can be: the shmtrace commands
# of each recipe, taken from the document itself, on a small project whose
# `make check` leaks a segment.

load helpers

setup() {
	TRACE="$BATS_TEST_TMPDIR/trace"
	PROJECT="$BATS_TEST_TMPDIR/project"
	KEY=$(printf '0x55%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	mkdir -p "$PROJECT"
	printf 'check:\n\t%s\n\t%s %s\n' "$SAMPLES/classic >/dev/null" "$SAMPLES/leaky_producer" "$KEY" >"$PROJECT/Makefile"
	echo '# nothing suppressed yet' >"$PROJECT/.shmtrace-suppressions"
	PATH="$BUILD:$PATH"
}

teardown() {
	ipcrm -M "$KEY" 2>/dev/null || true
}

# The commands of a recipe: GitHub's `run:` lines, GitLab's script items.
recipe_commands() {
	sed -n "/^## $1/,/^## /p" "$ROOT/docs/ci.md" |
		sed -n 's/^ *\(- \)\{0,1\}\(run: \)\{0,1\}\(shmtrace .*\)$/\3/p'
}

run_recipe() {
	local cmd status=0
	cd "$PROJECT"
	while IFS= read -r cmd; do
		sh -c "$cmd" >>"$BATS_TEST_TMPDIR/log" 2>&1 || status=$?
		echo "$status $cmd" >>"$BATS_TEST_TMPDIR/statuses"
	done < <(recipe_commands "$1")
}

@test "GitHub Actions recipe: the leak fails the last step, the SARIF is written and names the line" {
	run recipe_commands "GitHub Actions"
	assert_equal "${#lines[@]}" 3
	run_recipe "GitHub Actions"
	run cat "$BATS_TEST_TMPDIR/statuses"
	assert_line --index 0 --regexp '^0 shmtrace run '
	assert_line --index 1 --regexp '^0 shmtrace report --format sarif'
	assert_line --index 2 --regexp '^1 shmtrace report --suppressions'
	line=$(grep -n 'shmget(key' "$ROOT/samples/leaky_producer.c" | cut -d: -f1)
	run jq -r '.runs[0].results[0] | "\(.ruleId) \(.locations[0].physicalLocation.region.startLine)"' "$PROJECT/shmtrace.sarif"
	assert_output "leaked-segment $line"
}

@test "GitLab CI recipe: the same commands, and a suppression makes it pass" {
	printf 'key:%s\n' "$KEY" >"$PROJECT/.shmtrace-suppressions"
	run recipe_commands "GitLab CI"
	assert_equal "${#lines[@]}" 3
	run_recipe "GitLab CI"
	run cat "$BATS_TEST_TMPDIR/statuses"
	assert_line --index 2 --regexp '^0 shmtrace report --suppressions'
	[ -s "$PROJECT/shmtrace.sarif" ]
}

@test "the make check-shm target, pasted into a Makefile, fails on the leak" {
	sed -n '/^## A `make check-shm` target/,/^## /p' "$ROOT/docs/ci.md" | sed -n '/^```make/,/^```$/p' | sed '1d;$d' >>"$PROJECT/Makefile"
	cd "$PROJECT"
	run make -s check-shm
	assert_failure
	assert_output --partial "LEAK: segment"
	printf 'leak:leaky_producer.c\n' >.shmtrace-suppressions
	run make -s check-shm
	assert_success
}

#!/usr/bin/env bats
# The command as people meet it: help and the man page kept in step with the
# options the code accepts, colour only on a terminal.

load helpers

# The long options a command's code accepts, from its getopt table.
code_options() {
	grep -o '{"[a-z-]*", \(no\|required\)_argument' "$ROOT/$1" | sed 's/{"\([a-z-]*\)".*/--\1/' | sort
}

help_options() {
	"$SHMTRACE" "$1" --help | grep -o -- '--[a-z][a-z-]*' | sort -u
}

man_text() {
	MANWIDTH=200 man -l "$ROOT/docs/shmtrace.1" 2>/dev/null
}

@test "each command's --help lists exactly the options its code accepts" {
	for pair in run:cli/run.c report:cli/report.c sweep:cli/sweep.c; do
		command=${pair%%:*} source=${pair#*:}
		assert_equal "$(help_options "$command")" "$(code_options "$source")"
	done
}

@test "the man page documents every option, command and environment variable" {
	man=$(man_text)
	for source in cli/run.c cli/report.c cli/sweep.c; do
		for option in $(code_options "$source"); do
			[[ "$man" == *"$option"* ]] || fail "$option ($source) is not in shmtrace(1)"
		done
	done
	for variable in $(grep -oh 'getenv("[A-Z_]*")' "$ROOT"/shim/*.c "$ROOT"/cli/*.c "$ROOT"/analyzer/*.c | sed 's/getenv("\(.*\)")/\1/' | sort -u); do
		[[ "$man" == *"$variable"* ]] || fail "$variable is read but not in shmtrace(1)"
	done
	for command in run report sweep; do
		[[ "$man" == *"shmtrace $command"* ]] || fail "no synopsis for $command"
	done
	run --separate-stderr man --warnings -l "$ROOT/docs/shmtrace.1"
	assert_equal "$stderr" ''
}

@test "help COMMAND, COMMAND --help and --version" {
	for command in run report sweep; do
		run "$SHMTRACE" help "$command"
		assert_success
		help="$output"
		run "$SHMTRACE" "$command" --help
		assert_output "$help"
		assert_line --index 0 --partial "Usage: shmtrace $command"
	done
	run --separate-stderr "$SHMTRACE" help frobnicate
	assert_equal "$status" 125
	run "$SHMTRACE" --help
	assert_output --partial 'sweep'
}

@test "text output is coloured on a terminal only, and never with NO_COLOR" {
	command -v script >/dev/null || skip "no script(1) to make a terminal"
	key=$(printf '0x56%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	"$SHMTRACE" run -q -o "$TRACE" -- "$SAMPLES/leaky_producer" "$key" >/dev/null
	run script -qec "'$SHMTRACE' report '$TRACE'" /dev/null
	assert_output --partial $'\033[1;31mLEAK:'
	run script -qec "NO_COLOR=1 '$SHMTRACE' report '$TRACE'" /dev/null
	refute_output --partial $'\033'
	run "$SHMTRACE" report "$TRACE"
	refute_output --partial $'\033'
}

@test "writing the report to a closed or full output is an error, not silence" {
	[ -w /dev/full ] || skip "no /dev/full"
	trace "$SAMPLES/classic"
	run --separate-stderr sh -c "'$SHMTRACE' report --format json '$TRACE' >/dev/full"
	assert_equal "$status" 2
	[[ "$stderr" == "shmtrace: report: cannot write the report: "* ]]
}

@test "sweep shows its progress on a terminal only" {
	command -v script >/dev/null || skip "no script(1) to make a terminal"
	run script -qec "'$SHMTRACE' sweep -- '$SAMPLES/classic' >/dev/null" /dev/null
	assert_output --partial $'\rshmtrace sweep: 7/7 runs'
	run --separate-stderr "$SHMTRACE" sweep -- "$SAMPLES/classic"
	assert_equal "$stderr" ''
}

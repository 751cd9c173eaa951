#!/usr/bin/env bats
# Fault injection: each trigger fires exactly where the rule says and
# nowhere else.  tests/bin/ops prints every call's ordinal and result, so
# its output is the oracle.

load helpers

# ops_run RULE... -- OPS...: ops under shmtrace run with --inject RULE each.
ops_run() {
	local args=()
	while [ "$1" != -- ]; do
		args+=(--inject "$1")
		shift
	done
	shift
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" "${args[@]}" -- "$TESTBIN/ops" "$@"
}

# failed OP: the ordinals of OP that failed, space-separated, with their errno.
failed() {
	awk -v op="$1" '$2 == op && $4 != "ok" { printf "%s%s:%s", sep, $3, $4; sep = " " }' <<<"$output"
}

@test "when=N: only the Nth call fails, with the call's default errno, and the kernel never sees it" {
	ops_run shmat:when=3 -- get:private:4096 'at*5' stat
	assert_success
	assert_equal "$(failed at)" '3:ENOMEM'
	# nattch: 4 attachments, not 5.
	run records 'select(.call == "shmctl" and .args.cmd == "IPC_STAT") | .args.stat.nattch'
	assert_output 4
	run records 'select(.injected) | [.call, .errno, .rule, .ret]'
	assert_output '["shmat","ENOMEM","shmat:when=3","0xffffffffffffffff"]'
}

@test "when=N..M, N+ and N+S" {
	ops_run shmat:when=2..4 -- get:private:4096 'at*6'
	assert_equal "$(failed at)" '2:ENOMEM 3:ENOMEM 4:ENOMEM'
	ops_run shmat:when=5+ -- get:private:4096 'at*7'
	assert_equal "$(failed at)" '5:ENOMEM 6:ENOMEM 7:ENOMEM'
	ops_run shmat:when=2+3 -- get:private:4096 'at*9'
	assert_equal "$(failed at)" '2:ENOMEM 5:ENOMEM 8:ENOMEM'
}

@test "an injected shmget creates nothing in the kernel" {
	key=$(printf '0x5a%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	ops_run shmget:when=1 -- "get:$key:4096:excl"
	assert_equal "$(failed get)" '1:ENOSPC'
	run ipcs -m
	refute_output --partial "$key"
	run records 'select(.call == "shmget") | [.injected, .created, .ret]'
	assert_output '[true,null,-1]'
}

@test "default errnos are each call's realistic failure; error= picks another" {
	ops_run all:when=1 -- get:private:4096 get:private:4096 at dt stat rm
	assert_equal "$(failed get)" '1:ENOSPC'
	assert_equal "$(failed at)" '1:ENOMEM'
	assert_equal "$(failed stat)" '1:EACCES'
	ops_run shmctl:cmd=IPC_RMID -- get:private:4096 rm
	assert_equal "$(failed rm)" '1:EPERM'
	ops_run shmdt -- get:private:4096 at dt
	assert_equal "$(failed dt)" '1:EINVAL'
	ops_run shmat:error=EACCES:when=1 -- get:private:4096 at
	assert_equal "$(failed at)" '1:EACCES'
}

@test "prob=P with --seed: the same seed replays the same failures; the seed is in the header" {
	"$SHMTRACE" run -q -o "$TRACE" --seed 42 -i shmat:prob=0.5 -- "$TESTBIN/ops" get:private:4096 'at*60' >"$BATS_TEST_TMPDIR/a"
	"$SHMTRACE" run -q -o "$TRACE.2" --seed 42 -i shmat:prob=0.5 -- "$TESTBIN/ops" get:private:4096 'at*60' >"$BATS_TEST_TMPDIR/b"
	"$SHMTRACE" run -q -o "$TRACE.3" --seed 7 -i shmat:prob=0.5 -- "$TESTBIN/ops" get:private:4096 'at*60' >"$BATS_TEST_TMPDIR/c"
	output=$(cat "$BATS_TEST_TMPDIR/a")
	first=$(failed at)
	output=$(cat "$BATS_TEST_TMPDIR/b")
	assert_equal "$(failed at)" "$first"
	output=$(cat "$BATS_TEST_TMPDIR/c")
	[ "$(failed at)" != "$first" ]
	n=$(wc -w <<<"$first")
	[ "$n" -gt 10 ] && [ "$n" -lt 50 ]
	run records 'select(.event == "header") | .seed'
	assert_output 42
	ops_run shmat:prob=0 -- get:private:4096 'at*20'
	assert_equal "$(failed at)" ''
	ops_run shmat:prob=100% -- get:private:4096 'at*3'
	assert_equal "$(failed at)" '1:ENOMEM 2:ENOMEM 3:ENOMEM'
}

@test "key=: only calls on that key's segment fail, shmat, shmctl and shmdt alike" {
	k1=$(printf '0x59%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	k2=$(printf '0x58%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	ops_run "shmat,shmctl:key=$k2" -- "get:$k1:4096" at stat "get:$k2:4096" at stat
	assert_equal "$(failed at)" '2:ENOMEM'
	assert_equal "$(failed stat)" '2:EACCES'
	ops_run "shmdt:key=$k1" -- "get:$k1:4096" at "get:$k2:4096" at dt dt
	assert_equal "$(failed dt)" '2:EINVAL'
	ops_run "shmget:key=IPC_PRIVATE" -- "get:$k1:4096" get:private:4096
	assert_equal "$(failed get)" '2:ENOSPC'
}

@test "flags= and size>=: only shmget calls with those flags, or that large, fail" {
	k=$(printf '0x57%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	ops_run 'shmget:flags=IPC_CREAT|IPC_EXCL' -- get:private:4096 "get:$k:4096:excl"
	assert_equal "$(failed get)" '2:ENOSPC'
	ops_run 'shmget:size>=1M' -- get:private:4096 get:private:1048576 get:private:65536
	assert_equal "$(failed get)" '2:ENOSPC'
}

@test "caller=: calls with a matching function anywhere in the backtrace, even a static one" {
	ops_run 'shmat:caller=worker_*' -- get:private:4096 at wat at wat
	assert_equal "$(failed at)" ''
	assert_equal "$(failed wat)" '1:ENOMEM 2:ENOMEM'
	# --backtrace 0 records no stacks, but caller= still sees them.
	run --separate-stderr "$SHMTRACE" run -q -b 0 -o "$TRACE.b0" -i 'shmat:caller=worker_attach' -- "$TESTBIN/ops" get:private:4096 at wat
	assert_equal "$(failed wat)" '1:ENOMEM'
}

@test "prob= across exec: each program the run execs draws its own failures, and the first process's seed replays them all" {
	prog="'$TESTBIN/ops' 'get:private:4096*16' | cut -d' ' -f2-; '$TESTBIN/ops' 'get:private:4096*16' | cut -d' ' -f2-"
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i 'shmget:prob=50%' -- sh -c "$prog"
	assert_success
	first=$output
	# Two programs, two streams (the same one for both, before, under --seed).
	[ "$(head -16 <<<"$first")" != "$(tail -16 <<<"$first")" ]
	# The run's seed: the header of its first process, sh.  Before, each
	# exec'd program drew a random seed of its own, and none replayed the
	# run (outside trial 24).
	seed=$(jq -r 'select(.event == "start" and (.argv[0] == "sh")) | input_filename' "$TRACE"/shmtrace.*.jsonl |
		head -1 | xargs head -1 | jq -r .seed)
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE.again" --seed "$seed" -i 'shmget:prob=50%' -- sh -c "$prog"
	assert_output "$first"
}

@test "caller= and backtraces after dlclose: a library opened where a closed one was is told from it" {
	swap=("$TESTBIN/dlswap" "$TESTBIN/libswapa.so" alpha_make "$TESTBIN/libswapb.so" beta_make)
	run "${swap[@]}"
	[ "$(awk '{print $3}' <<<"$output" | sort -u | wc -l)" = 1 ] || skip "the second library was not mapped where the first was"
	# Before: caller=alpha_make failed beta_make's call too, caller=beta_make
	# none, and both calls had the stack of alpha_make (outside trial 24).
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i 'shmget:caller=beta_make' -- "${swap[@]}"
	assert_success
	assert_equal "$(cut -d' ' -f1,2 <<<"$output")" "$(printf 'alpha_make ok\nbeta_make ENOSPC')"
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE.a" -i 'shmget:caller=alpha_make' -- "${swap[@]}"
	assert_equal "$(cut -d' ' -f1,2 <<<"$output")" "$(printf 'alpha_make ENOSPC\nbeta_make ok')"
	# Each shmget's stack names its own library.
	run jq -r -s --slurpfile t <(cat "$TRACE.a"/shmtrace.*.jsonl) '
		($t | map(select(.event == "stack")) | map({key: (.id | tostring), value: .frames[0].module}) | from_entries) as $m |
		$t[] | select(.event == "call" and .call == "shmget") | $m[.stack | tostring]' /dev/null
	assert_output "$(printf '%s\n' "$TESTBIN/libswapa.so" "$TESTBIN/libswapb.so")"
}

@test "counting: per process by default, across the run with scope=run" {
	ops_run shmat:when=2 -- get:private:4096 at fork at at
	parent=$(head -1 <<<"$output" | cut -d' ' -f1)
	# Each process fails its own second shmat: the parent's, and the child's
	# second after the fork (ops numbers it 3: it counts from its parent's).
	run sh -c "awk '\$2 == \"at\" && \$4 != \"ok\" { print (\$1 == $parent ? \"parent\" : \"child\"), \$3 }' <<'EOF' | sort
$output
EOF"
	assert_output "$(printf 'child 3\nparent 2')"
	ops_run shmat:when=3:scope=run -- get:private:4096 at fork at at
	run sh -c "grep -c ' at .* ENOMEM' <<'EOF'
$output
EOF"
	assert_output 1
}

@test "bad rules are refused before the program runs: one line naming the bad part, 125" {
	for rule in shmgett: 'shmat:when=0' 'shmat:when=3..2' 'shmat:prob=1.5' 'shmat:frob=1' 'shmget:error=ENOPE' \
		'shmat:error=EEXIST' 'shmat:cmd=IPC_RMID' 'shmat:size>=1M'; do
		run --separate-stderr "$SHMTRACE" run -o "$TRACE" -i "$rule" -- touch "$BATS_TEST_TMPDIR/ran"
		assert_equal "$status" 125
		assert_equal "${#stderr_lines[@]}" 1
		[[ "$stderr" == "shmtrace: run: --inject '$rule': "* ]]
	done
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	run --separate-stderr "$SHMTRACE" run -o "$TRACE" -i shmat:error=EEXIST -- true
	assert_equal "$stderr" "shmtrace: run: --inject 'shmat:error=EEXIST': shmat cannot fail with EEXIST (shmat(2) lists EACCES, EIDRM, EINVAL, ENOMEM; to inject it anyway: --allow-any-errno, or SHMTRACE_ALLOW_ANY_ERRNO=1)"
	run --separate-stderr "$SHMTRACE" run -o "$TRACE" --seed -1 -- true
	assert_equal "$status" 125
}

@test "raw LD_PRELOAD: a bad SHMTRACE_INJECT stops the program with the same line, 125" {
	mkdir -p "$TRACE"
	run --separate-stderr env LD_PRELOAD="$LIB" SHMTRACE_OUT="$TRACE" SHMTRACE_INJECT='shmat:when=x' \
		touch "$BATS_TEST_TMPDIR/ran"
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: SHMTRACE_INJECT 'shmat:when=x': when=x: expected N, N..M, N+ or N+S with N >= 1"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	run --separate-stderr env LD_PRELOAD="$LIB" SHMTRACE_OUT="$TRACE" SHMTRACE_INJECT='shmat:when=1;shmdt' \
		"$TESTBIN/ops" get:private:4096 at at dt
	assert_success
	assert_equal "$(failed at)" '1:ENOMEM'
	assert_equal "$(failed dt)" '1:EINVAL'
}

@test "--allow-any-errno injects an errno the man page does not list" {
	ops_run shmat:error=EEXIST -- get:private:4096 at
	assert_equal "$status" 125
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" --allow-any-errno -i shmat:error=EEXIST -- "$TESTBIN/ops" get:private:4096 at
	assert_success
	assert_equal "$(failed at)" '1:EEXIST'
}

@test "the report counts injected failures apart" {
	ops_run shmat:when=1..2 -- get:private:4096 'at*3'
	run "$SHMTRACE" report --format json "$TRACE"
	run jq -c '[.summary.injected, (.misuse | map([.kind, .call, .errno, .count, .injected]))]' <<<"$output"
	assert_output '[2,[["failed_call","shmat","ENOMEM",2,2]]]'
}

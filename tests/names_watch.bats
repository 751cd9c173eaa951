#!/usr/bin/env bats
# Who made a name in /dev/shm (issue 13, docs/security.md): run watches
# /dev/shm with fanotify, and a name is the run's only if the kernel says
# a process of the run made it.  The attacks of the fourth hostile trial
# (b01, b06, b07, and a wrapper that stays root): a traced program claims,
# through the trace descriptor it kept, a name root made outside the run;
# root's sweep and report --live must leave it.  "nobody" plays the
# program after its drop; tests/bin/claimer.c is both sides.  As root.

load helpers

setup() {
	TRACE="$BATS_TEST_TMPDIR/trace"
	[ "$(id -u)" = 0 ] || skip "needs root (fanotify reports other processes' pids to root only)"
	name="shmtrace-namewatch-$$-$BATS_TEST_NUMBER"
	made=("/dev/shm/$name")
	# Where nobody can say it is ready (the test's own directory is root's).
	ready=$(mktemp -d /tmp/shmtrace-ready.XXXXXX)
	chmod 1777 "$ready"
}

teardown() {
	rm -rf "$ready"
	rm -f "${made[@]}"
	remove_traced_leftovers
}

# root_job: the unrelated root process (a parallel job, a service) that
# makes /dev/shm/$name the moment the program says it is ready.
root_job() {
	timeout 60 "$TESTBIN/claimer" job "$ready" "$name"
}

# swept HOW [WRAP]: sweep of the claimer (HOW: claimer.c), WRAP "sh" to run
# it under `sh -c '...; true'`, a wrapper that stays root; the root job
# beside it.  Fails if sweep removed the root job's name.
swept() {
	local cmd=("$TESTBIN/claimer" claim "$name" "$ready" "$1")
	[ "${2:-}" = sh ] && cmd=(sh -c '"$@"; true' sh "${cmd[@]}")
	root_job 3>&- &
	run --separate-stderr timeout 120 "$SHMTRACE" sweep -t 20 -o "$BATS_TEST_TMPDIR/sweep" -- "${cmd[@]}"
	wait
	[ -e "/dev/shm/$name" ] || fail "sweep removed /dev/shm/$name, which a root process outside the run made"
	assert_equal "$(cat "/dev/shm/$name")" data
}

# confirmed_live HOW [WRAP]: the same under run + report --live; prints
# what --live says of the claimed name: [present, confirmed, remove].
confirmed_live() {
	local cmd=("$TESTBIN/claimer" claim "$name" "$ready" "$1")
	[ "${2:-}" = sh ] && cmd=(sh -c '"$@"; true' sh "${cmd[@]}")
	rm -rf "$TRACE" "$ready/ready" "/dev/shm/$name"
	root_job 3>&- &
	"$SHMTRACE" run -q -o "$TRACE" -- "${cmd[@]}" 2>/dev/null || true # (su: secure-execution, said there)
	wait
	"$SHMTRACE" report --live --format json "$TRACE" 2>/dev/null |
		jq -c '.posix_names_never_unlinked | map([.live.present, .live.confirmed, .live.remove]) | .[0]'
}

@test "13.r14 run records who made each name in /dev/shm, from the kernel: the run's names with their maker and inode" {
	other="$name-other"
	made+=("/dev/shm/$other")
	touch "/dev/shm/$other" # there before: not made during the run
	trace sh -c '"$1" "open:/$2" && ln "/dev/shm/$2" "/dev/shm/$2.link" && true' sh "$TESTBIN/names" "$name"
	made+=("/dev/shm/$name.link")
	run jq -c 'select(.event == "processes") | [.dev_shm_watch, (.dev_shm_made | map(.[0]) | sort)]' "$TRACE/kernel.jsonl"
	assert_output '[true,["'"$name"'","'"$name"'.link"]]'
	# The maker is the process that made it, whose pid is the trace's; the inode the file's.
	maker=$(calls shm_open | jq -r .pid)
	run jq -c --arg n "$name" 'select(.event == "processes") | .dev_shm_made[] | select(.[0] == $n) | .[1:]' "$TRACE/kernel.jsonl"
	assert_output "[$maker,$(stat -c %i "/dev/shm/$name")]"
}

@test "13.r14 names of every length modulo 8, made at once, are all recorded (events read back to back, not 8-byte aligned)" {
	args=() expect=()
	for n in 1 2 3 4 5 6 7 8; do
		args+=("open:/$name-$(head -c "$n" /dev/zero | tr '\0' x)")
		made+=("/dev/shm/$name-$(head -c "$n" /dev/zero | tr '\0' x)")
		expect+=("\"$name-$(head -c "$n" /dev/zero | tr '\0' x)\"")
	done
	trace "$TESTBIN/names" "${args[@]}"
	assert_success
	run jq -c 'select(.event == "processes") | [.dev_shm_watch, (.dev_shm_made | map(.[0]) | sort)]' "$TRACE/kernel.jsonl"
	assert_output "[true,[$(IFS=,; echo "${expect[*]}")]]"
}

@test "13.r14 without root, run cannot learn who made a name: dev_shm_watch false, and no list" {
	dir=$(mktemp -d /tmp/shmtrace-nobody.XXXXXX)
	chown nobody "$dir"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$SHMTRACE" run -q -o "$dir/t" -- true
	run jq -c 'select(.event == "processes") | [.dev_shm_watch, .dev_shm_made]' "$dir/t/kernel.jsonl"
	rm -rf "$dir"
	assert_output '[false,null]'
}

@test "13.r14 b06: a nobody child made with clone(CLONE_PARENT) does not make root's name the run's (sweep, report --live)" {
	swept clone-parent
	run confirmed_live clone-parent
	assert_output '[true,false,null]'
}

@test "13.r14 b01: a set-user-ID su the nobody program keeps waiting does not make root's name the run's (sweep, report --live)" {
	[ -u /usr/bin/su ] || skip "no set-user-ID /usr/bin/su"
	swept su
	run confirmed_live su
	assert_output '[true,false,null]'
}

@test "13.r14 a wrapper that stays root (sh -c '...; true'): root's name made outside the run is not the run's (sweep, report --live)" {
	swept drop sh
	run confirmed_live drop sh
	assert_output '[true,false,null]'
}

@test "13.r14 a program that stays root claims root's name made outside the run: not confirmed" {
	run confirmed_live stay
	assert_output '[true,false,null]'
}

@test "13.r14 b07: root's name made within the clock's tick after the drop is not confirmed (5 tries)" {
	for i in 1 2 3 4 5; do
		run confirmed_live drop
		assert_output '[true,false,null]'
	done
}

@test "13.r14 a name the run made and left is confirmed and swept: as root, and as nobody after a drop (shm_open)" {
	trace "$TESTBIN/names" "open:/$name"
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	run jq -c '.posix_names_never_unlinked | map([.live.confirmed, .live.remove])' <<<"$output"
	assert_output '[[true,"rm -- /dev/shm/'"$name"'"]]'
	rm -f "/dev/shm/$name"
	rm -rf "$TRACE"
	trace "$TESTBIN/claimer" make "$name"
	assert_equal "$(stat -c %U "/dev/shm/$name")" nobody
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	run jq -c '.posix_names_never_unlinked | map([.live.confirmed, .live.remove])' <<<"$output"
	assert_output '[[true,"rm -- /dev/shm/'"$name"'"]]'
	rm -f "/dev/shm/$name"
	run --separate-stderr timeout 120 "$SHMTRACE" sweep -t 20 -o "$BATS_TEST_TMPDIR/sweep" -- "$TESTBIN/claimer" make "$name"
	[ ! -e "/dev/shm/$name" ] || fail "sweep left /dev/shm/$name, which the run made"
}

@test "13.r14 a name the run made and removed unseen, then made again by root outside the run: not the run's" {
	# No forged record: the run's shm_open is real, its removal untraced
	# (rmfile), and root's job makes the name again while the run waits.
	root_job 3>&- &
	trace sh -c '"$1" "open:/$2" "rmfile:/dev/shm/$2" && touch "$3/ready" &&
		while [ ! -e "/dev/shm/$2" ]; do sleep 0.05; done' sh "$TESTBIN/names" "$name" "$ready"
	wait
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	# The run's file is gone (run's table after it has not its inode):
	# removed outside the trace, no leak, nothing to remove.  (Before the
	# table had /dev/shm's inodes at the end, a leak, present and not
	# confirmed.)
	run jq -c '[.posix_names_never_unlinked, .summary.removed_outside_trace]' <<<"$output"
	assert_output '[[],1]'
	run jq -c --arg n "$name" 'select(.event == "processes") | .dev_shm_made | map(select(.[0] == $n))' "$TRACE/kernel.jsonl"
	assert_output '[]'
}

# b05: a name the run made without a traced shm_open (open of /dev/shm/NAME,
# which is all glibc's shm_open does; a clone(CLONE_VM) child; a static
# program) is a leak all the same: the watch says a process of the run made it.
@test "13.r14 b05: a name a process of the run made with open(\"/dev/shm/...\") is a leak (text, JSON, SARIF), exit 1, confirmed and swept" {
	other="$name-other"
	made+=("/dev/shm/$other")
	name=$other root_job 3>&- &
	trace sh -c '"$1" ftok:1:/ "file:/dev/shm/$2" && touch "$3/ready" && while [ ! -e "/dev/shm/$4" ]; do sleep 0.05; done' sh \
		"$TESTBIN/names" "$name" "$ready" "$other"
	wait
	maker=$(jq -r --arg n "$name" 'select(.event == "processes") | .dev_shm_made[] | select(.[0] == $n) | .[1]' "$TRACE/kernel.jsonl")
	run --separate-stderr "$SHMTRACE" report "$TRACE"
	assert_equal "$status" 1
	assert_line "LEAK: POSIX shared memory /$name created by pid $maker (names), never unlinked -- made by a process of the run, no traced call created it:"
	assert_line "    made by a traced process without a traced call (open of /dev/shm? a clone(CLONE_VM) child?)"
	assert_line "  1 POSIX shared memory name(s) never unlinked"
	refute_output --partial "$other" # root's job made that one, outside the run
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	run jq -c '[.summary.posix_names_never_unlinked, (.posix_names_never_unlinked | map([.name, .pid, .seen_by_trace, .note != null, .live.confirmed, .live.remove]))]' <<<"$output"
	assert_output '[1,[["/'"$name"'",'"$maker"',false,true,true,"rm -- /dev/shm/'"$name"'"]]]'
	run --separate-stderr "$SHMTRACE" report --format sarif "$TRACE"
	run jq -r '.runs[0].results[] | select(.ruleId == "posix-name-never-unlinked") | .message.text' <<<"$output"
	assert_output "POSIX shared memory /$name created by pid $maker (a process of the run, without a traced call) was never unlinked."
	rm -f "/dev/shm/$name"
	run --separate-stderr timeout 120 "$SHMTRACE" sweep -t 20 -o "$BATS_TEST_TMPDIR/sweep" -- "$TESTBIN/names" "file:/dev/shm/$name"
	[ ! -e "/dev/shm/$name" ] || fail "sweep left /dev/shm/$name, which the run made"
}

@test "13.r14 b05: a name made and removed without traced calls, or made and unlinked by traced ones, is no leak" {
	trace "$TESTBIN/names" "file:/dev/shm/$name" "rmfile:/dev/shm/$name" "open:/$name" "unlink:/$name"
	assert_success
	run --separate-stderr "$SHMTRACE" report "$TRACE"
	assert_success
	refute_output --partial "LEAK"
}

@test "a named semaphore left in /dev/shm (sem_open's sem.NAME file) is named as one, not as POSIX shared memory" {
	made+=("/dev/shm/sem.$name")
	# What glibc's sem_open makes: the file /dev/shm/sem.NAME.  Before:
	# "POSIX shared memory /sem.NAME" (outside trial 23).
	trace "$TESTBIN/names" "file:/dev/shm/sem.$name"
	assert_success
	maker=$(jq -r --arg n "sem.$name" 'select(.event == "processes") | .dev_shm_made[] | select(.[0] == $n) | .[1]' "$TRACE/kernel.jsonl")
	run --separate-stderr "$SHMTRACE" report "$TRACE"
	assert_equal "$status" 1
	assert_line "LEAK: named semaphore /$name (sem_open, /sem.$name in /dev/shm) created by pid $maker (names), never unlinked (sem_unlink) -- made by a process of the run:"
	run --separate-stderr "$SHMTRACE" report --format sarif "$TRACE"
	run jq -r '.runs[0].results[] | select(.ruleId == "posix-name-never-unlinked") | .message.text' <<<"$output"
	assert_output "Named semaphore /$name (sem_open) created by pid $maker was never unlinked."
}

@test "a traced name a script then renames (mv) or replaces (rm, then a new file of the name): one leak, the file there now, not the name gone" {
	made+=("/dev/shm/$name.moved")
	# Before: the gone name was a leak beside the new one (mv), or the new
	# file was no leak at all (replaced): outside re-check.
	trace sh -c '"$1" "open:/$2" && mv "/dev/shm/$2" "/dev/shm/$2.moved"' sh "$TESTBIN/names" "$name"
	assert_success
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_equal "$status" 1
	run jq -c '[(.posix_names_never_unlinked | map(.name)), .summary.removed_outside_trace]' <<<"$output"
	assert_output '[["/'"$name"'.moved"],1]'
	rm -rf "$TRACE"
	trace sh -c '"$1" "open:/$2" && rm "/dev/shm/$2" && echo x >"/dev/shm/$2"' sh "$TESTBIN/names" "$name"
	assert_success
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_equal "$status" 1
	run jq -c '[(.posix_names_never_unlinked | map([.name, .seen_by_trace])), .summary.removed_outside_trace]' <<<"$output"
	assert_output '[[["/'"$name"'",false]],1]'
}

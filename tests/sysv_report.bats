#!/usr/bin/env bats
# The report on System V semaphore sets and message queues: those never
# removed (with their creation's backtrace), their keys with the segments',
# misuse of removed ids, the kernel's tables before and after, and what
# --live and sweep remove -- on real programs: util-linux's ipcmk and
# ipcrm, Perl's IPC::Semaphore and IPC::Msg, Apache httpd.

load helpers

report() {
	run --separate-stderr "$SHMTRACE" report "$@"
}

# Sets and queues the test's traces made, and any a test planted
# ($planted): removed even when the test fails.
teardown() {
	local id
	for id in $(cat "$TRACE"{,.*}/shmtrace.*.jsonl 2>/dev/null |
		jq -r 'select(.call == "semget" and .created == true) | .ret' 2>/dev/null); do
		ipcrm -s "$id" 2>/dev/null || true
	done
	for id in $(cat "$TRACE"{,.*}/shmtrace.*.jsonl 2>/dev/null |
		jq -r 'select(.call == "msgget" and .created == true) | .ret' 2>/dev/null); do
		ipcrm -q "$id" 2>/dev/null || true
	done
	[ -z "${planted:-}" ] || ipcrm $planted 2>/dev/null || true
	remove_traced_leftovers
}

# The ids in the kernel's table now: sets (sem) or queues (msg).
kernel_ids() {
	awk 'NR > 1 { print $2 }' "/proc/sysvipc/$1" | sort -n | tr '\n' ' '
}

# kernel_line sem|msg ID: "KEY NSEMS" of a set, "KEY" of a queue, as the
# kernel's table has them (it prints keys as signed ints).
kernel_line() {
	awk -v id="$2" -v sem="$([ "$1" = sem ] && echo 1)" 'NR > 1 && $2 == id {
		key = $1 < 0 ? $1 + 4294967296 : $1
		if (sem) printf "0x%08x %s", key, $4; else printf "0x%08x", key }' "/proc/sysvipc/$1"
}

@test "ipcmk -S and -Q, never removed: the report names the set and the queue, key, backtrace; exit 1 as for a segment" {
	trace sh -c 'ipcmk -S 3 && ipcmk -Q'
	assert_success
	semid=$(calls semget | jq -r .ret)
	msqid=$(calls msgget | jq -r .ret)
	semkey=$(calls semget | jq -r .args.key)
	msqkey=$(calls msgget | jq -r .args.key)
	# The kernel has them, as the trace says.
	assert_equal "$(kernel_line sem "$semid")" "$semkey 3"
	assert_equal "$(kernel_line msg "$msqid")" "$msqkey"
	pid=$(calls semget | jq -r .pid)
	report "$TRACE"
	assert_failure 1
	assert_line "LEAK: semaphore set $semid (key $semkey, 3 semaphore(s)) created by pid $pid (ipcmk), never removed:"
	assert_line "LEAK: message queue $msqid (key $msqkey) created by pid $(calls msgget | jq -r .pid) (ipcmk), never removed:"
	assert_line --regexp '^    #0 0x[0-9a-f]+ in '
	assert_output --partial '1 semaphore set(s) and 1 message queue(s) never removed'
	assert_output --partial '2 unremoved key(s)'

	report --format json "$TRACE"
	assert_failure 1
	run jq -e --argjson semid "$semid" --argjson msqid "$msqid" --arg semkey "$semkey" --arg msqkey "$msqkey" '
		(.leaked_semaphore_sets | length) == 1 and (.leaked_message_queues | length) == 1 and
		(.leaked_semaphore_sets[0] | .semid == $semid and .key == $semkey and .nsems == 3 and
			(.program | endswith("/ipcmk")) and (.stack | length) > 0 and .in_kernel == true and
			.kernel_cuid == '"$(id -u)"' and .removable == true and has("shmid") == false) and
		(.leaked_message_queues[0] | .msqid == $msqid and .key == $msqkey and .qnum == 0 and
			(.stack | length) > 0 and .removable == true and has("semid") == false) and
		(.unremoved_keys | map({key, semids, msqids})) ==
			[{"key": $semkey, "semids": [$semid], "msqids": []}, {"key": $msqkey, "semids": [], "msqids": [$msqid]}] and
		.summary.leaked_semaphore_sets == 1 and .summary.leaked_message_queues == 1 and
		.summary.leaked_segments == 0' <<<"$output"
	assert_success

	report --format sarif "$TRACE"
	assert_failure 1
	run jq -c '[.runs[0].results[] | [.ruleId, .level]]' <<<"$output"
	assert_output '[["leaked-semaphore-set","error"],["leaked-message-queue","error"]]'
}

@test "sarif with sets and queues: the official SARIF validator finds no error" {
	trace perl -e 'use IPC::SysV qw(IPC_PRIVATE IPC_CREAT IPC_RMID S_IRWXU);
		my $id = semget(IPC_PRIVATE, 1, S_IRWXU | IPC_CREAT) // die;
		msgget(IPC_PRIVATE, S_IRWXU | IPC_CREAT) // die; semctl($id, 0, IPC_RMID, 0); semctl($id, 0, IPC_RMID, 0)'
	"$SHMTRACE" report --format sarif "$TRACE" >"$BATS_TEST_TMPDIR/ours.sarif" || true
	run jq -c '[.runs[0].results[].ruleId] | sort' "$BATS_TEST_TMPDIR/ours.sarif"
	assert_output '["double-remove","leaked-message-queue"]'
	sarif_errors "$BATS_TEST_TMPDIR/ours.sarif"
	assert_output '[]'
}

@test "leak: and key: suppressions apply to sets and queues as to segments" {
	trace sh -c 'ipcmk -S 1 && ipcmk -Q'
	assert_success
	semkey=$(calls semget | jq -r .args.key)
	msqkey=$(calls msgget | jq -r .args.key)
	echo "key:$semkey" >"$BATS_TEST_TMPDIR/keys.supp"
	report --format json --suppressions "$BATS_TEST_TMPDIR/keys.supp" "$TRACE"
	assert_failure 1 # the queue is left
	run jq -c '[(.leaked_semaphore_sets | length), (.leaked_message_queues | length), [.unremoved_keys[].key], .summary.suppressed]' <<<"$output"
	assert_output "[0,1,[\"$msqkey\"],1]"
	echo 'leak:/ipcmk$' >"$BATS_TEST_TMPDIR/ipcmk.supp"
	report --suppressions "$BATS_TEST_TMPDIR/ipcmk.supp" "$TRACE"
	assert_success
	assert_output --partial 'suppressed: 2'
}

@test "ipcrm in the same run removes what ipcmk made: clean, exit 0" {
	trace sh -c 'ipcrm -s "$(ipcmk -S 2 | sed "s/.*: //")" && ipcrm -q "$(ipcmk -Q | sed "s/.*: //")"'
	assert_success
	calls semctl | jq -e 'select(.args.cmd == "IPC_RMID" and .errno == null)' >/dev/null
	report --format json "$TRACE"
	assert_success
	run jq -c '[.leaked_semaphore_sets, .leaked_message_queues, .unremoved_keys, .misuse, .summary.calls.semget, .summary.calls.msgget]' <<<"$output"
	assert_output '[[],[],[],[],1,1]'
}

@test "Perl IPC::Semaphore and IPC::Msg used and removed: no finding, and a wait with IPC_NOWAIT that would block is none" {
	trace perl -e 'use IPC::SysV qw(IPC_PRIVATE IPC_CREAT IPC_NOWAIT S_IRWXU); use IPC::Semaphore; use IPC::Msg;
		my $s = IPC::Semaphore->new(IPC_PRIVATE, 2, S_IRWXU | IPC_CREAT) or die "semget: $!";
		$s->setval(0, 1) or die; $s->op(0, -1, 0) or die; $s->op(0, -1, IPC_NOWAIT) and die; $s->op(0, 1, 0) or die;
		my $q = IPC::Msg->new(IPC_PRIVATE, S_IRWXU | IPC_CREAT) or die "msgget: $!";
		$q->snd(1, "hello") or die; my $m; $q->rcv($m, 64) or die; $m eq "hello" or die;
		$q->rcv($m, 64, 0, IPC_NOWAIT) and die;
		$s->remove or die; $q->remove or die; print "ok\n"'
	assert_success
	assert_output ok
	report --format json "$TRACE"
	assert_success
	run jq -c '[.leaked_semaphore_sets, .leaked_message_queues, .misuse, .summary.calls.semop, .summary.calls.msgsnd, .summary.failures]' <<<"$output"
	assert_output '[[],[],[],3,1,{"EAGAIN":1,"ENOMSG":1}]'
}

@test "IPC_RMID twice and semop / msgsnd after removal: misuse, with semid or msqid and where it was removed" {
	# By the ids themselves: IPC::Semaphore and IPC::Msg forget theirs at
	# remove (a second remove is of id 0, another set).
	trace perl -e 'use IPC::SysV qw(IPC_PRIVATE IPC_CREAT IPC_RMID S_IRWXU);
		my $s = semget(IPC_PRIVATE, 1, S_IRWXU | IPC_CREAT) // die;
		my $q = msgget(IPC_PRIVATE, S_IRWXU | IPC_CREAT) // die;
		semctl($s, 0, IPC_RMID, 0) or die; semctl($s, 0, IPC_RMID, 0) and die "removed twice";
		semop($s, pack("s!3", 0, 1, 0)) and die "semop after removal";
		msgctl($q, IPC_RMID, 0) or die; msgsnd($q, pack("l! a*", 1, "x"), 0) and die "msgsnd after removal";
		print "ok\n"'
	assert_success
	semid=$(calls semget | jq -r .ret)
	msqid=$(calls msgget | jq -r .ret)
	pid=$(calls semget | jq -r .pid)
	report --format json "$TRACE"
	assert_success # misuse alone: exit 0 unless --fail-on misuse
	run jq -c '[.misuse[] | {kind, semid, msqid, shmid, removed_by_pid}]' <<<"$output"
	assert_output "[{\"kind\":\"double_remove\",\"semid\":$semid,\"msqid\":null,\"shmid\":null,\"removed_by_pid\":null},{\"kind\":\"use_after_remove\",\"semid\":$semid,\"msqid\":null,\"shmid\":null,\"removed_by_pid\":$pid},{\"kind\":\"use_after_remove\",\"semid\":null,\"msqid\":$msqid,\"shmid\":null,\"removed_by_pid\":$pid}]"
	report --fail-on misuse "$TRACE"
	assert_failure 1
	assert_output --partial "MISUSE (double_remove): IPC_RMID of a semaphore set already removed, pid $pid (perl), semaphore set $semid:"
	assert_output --partial "MISUSE (use_after_remove): call on a message queue id that was already removed, pid $pid (perl), message queue $msqid:"
	run jq -e '[.misuse[] | select(.kind == "use_after_remove") | .removed_at | length > 0] | all' <<<"$("$SHMTRACE" report --format json "$TRACE")"
	assert_success
}

@test "one key used by a segment and a set, neither removed: one unremoved key, with both" {
	key=$(printf '0x5e%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	trace perl -e 'use IPC::SysV qw(IPC_CREAT S_IRWXU); my $k = hex($ARGV[0]);
		defined(shmget($k, 4096, S_IRWXU | IPC_CREAT)) or die "shmget: $!";
		defined(semget($k, 1, S_IRWXU | IPC_CREAT)) or die "semget: $!"' "$key"
	assert_success
	shmid=$(calls shmget | jq -r .ret)
	semid=$(calls semget | jq -r .ret)
	report --format json "$TRACE"
	assert_failure 1
	run jq -c '[(.unremoved_keys | map(.programs |= length)), .summary.unremoved_keys, .summary.leaked_segments, .summary.leaked_semaphore_sets]' <<<"$output"
	assert_output "[[{\"key\":\"$key\",\"segments\":1,\"shmids\":[$shmid],\"semids\":[$semid],\"msqids\":[],\"programs\":1}],1,1,1]"
}

@test "a set and a queue made by an inline system call during the run: named as not attributed (no creator pid), never removable, exit 2 -- not a clean bill" {
	# One there before the run, made the same way, is not named.
	before=$("$TESTBIN/inlinecall" sem | sed 's/.*=//')
	planted="-s $before"
	trace sh -c "'$TESTBIN/inlinecall' sem && '$TESTBIN/inlinecall' msg"
	assert_success
	semid=$(sed -n 's/^semid=//p' <<<"$output")
	msqid=$(sed -n 's/^msgid=//p' <<<"$output")
	planted="-s $before -s $semid -q $msqid"
	report "$TRACE"
	assert_failure 2
	assert_output --partial "not attributed: 2 set(s) or queue(s) made during the run by a uid of the run, without a traced call"
	assert_output --partial "semaphore set $semid (key 0x00000000, uid $(id -u)), message queue $msqid (key 0x00000000, uid $(id -u))"
	[[ "$output" != *"semaphore set $before "* ]]
	[[ "$stderr" == *"2 set(s) or queue(s) made during the run without a traced call cannot be told"*"exit status 2, not a clean bill"* ]]
	report --format json "$TRACE"
	assert_failure 2
	run jq -c '[.summary.unattributed, .summary.leaked_semaphore_sets, (.unattributed_sets_and_queues | map([.kind, .semid // .msqid, .nsems]))]' <<<"$output"
	assert_output "[2,0,[[\"semaphore_set\",$semid,2],[\"message_queue\",$msqid,null]]]"
	# --live never offers to remove them.
	report --live "$TRACE"
	refute_output --partial "ipcrm"
}

@test "a set removed outside the trace, and one left there before the run: neither is this run's leak" {
	before=$(ipcmk -S 1 | sed 's/.*: //')
	planted="-s $before"
	# The run makes a set and waits; ipcrm, outside the run, removes it
	# before the run ends.  The set from before the run is nobody's leak.
	trace sh -c "ipcmk -S 1 && touch '$BATS_TEST_TMPDIR/ready' &&
		while [ ! -e '$BATS_TEST_TMPDIR/removed' ]; do sleep 0.05; done" &
	while [ ! -e "$BATS_TEST_TMPDIR/ready" ]; do sleep 0.05; done
	ipcrm -s "$(calls semget | jq -r .ret)"
	touch "$BATS_TEST_TMPDIR/removed"
	wait
	report --format json "$TRACE"
	assert_success
	run jq -c '[.leaked_semaphore_sets, .summary.removed_outside_trace]' <<<"$output"
	assert_output '[[],1]'
}

@test "report --live: ipcrm -s / -q for the run's set and queue; a set of the same user made outside the run during it is left alone" {
	# The run makes a set and a queue, then waits while another process of
	# the same user, outside the run, makes a set of its own.
	trace sh -c "ipcmk -S 1 && ipcmk -Q && touch '$BATS_TEST_TMPDIR/ready' &&
		while [ ! -e '$BATS_TEST_TMPDIR/planted' ]; do sleep 0.05; done" &
	while [ ! -e "$BATS_TEST_TMPDIR/ready" ]; do sleep 0.05; done
	other=$(env -u LD_PRELOAD ipcmk -S 4 | sed 's/.*: //')
	planted="-s $other"
	touch "$BATS_TEST_TMPDIR/planted"
	wait
	semid=$(calls semget | jq -r .ret)
	msqid=$(calls msgget | jq -r .ret)
	report --live --format json "$TRACE"
	assert_failure 1
	run jq -c '[(.leaked_semaphore_sets | map([.semid, .live.present, .live.confirmed, .live.remove])),
		(.leaked_message_queues | map([.msqid, .live.remove]))]' <<<"$output"
	assert_output "[[[$semid,true,true,\"ipcrm -s $semid\"]],[[$msqid,\"ipcrm -q $msqid\"]]]"
	report --live "$TRACE"
	assert_output --partial "still in the kernel now; remove it with: ipcrm -s $semid"
	# What it says to run removes the run's, and only those.
	ipcrm -s "$semid" -q "$msqid"
	[[ " $(kernel_ids sem) " == *" $other "* ]]
	report --live --format json "$TRACE"
	run jq -c '[.leaked_semaphore_sets[].live.present, .leaked_message_queues[].live.present]' <<<"$output"
	assert_output '[false,false]'
}

@test "report --live confirms no set that another user made during the run, though a forged semget claims it" {
	id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ] || skip "needs root and the user nobody"
	cat >"$BATS_TEST_TMPDIR/claim.sh" <<'EOF'
touch "$1"
while [ ! -e "$2" ]; do sleep 0.05; done
read -r id key <"$2"
printf '{"event":"call","call":"semget","seq":90,"pid":%d,"tid":%d,"ts":1,"dur":1,"args":{"key":"%s","nsems":1,"semflg":896,"flags":["IPC_CREAT"],"mode":"0600"},"ret":%d,"errno":null,"injected":false,"created":true}\n' $$ $$ "$key" "$id" >>"$SHMTRACE_OUT/shmtrace.$$.jsonl"
EOF
	trace sh "$BATS_TEST_TMPDIR/claim.sh" "$BATS_TEST_TMPDIR/ready" "$BATS_TEST_TMPDIR/theirs" &
	while [ ! -e "$BATS_TEST_TMPDIR/ready" ]; do sleep 0.05; done
	theirs=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env -u LD_PRELOAD ipcmk -S 1 | sed 's/.*: //')
	planted="-s $theirs"
	echo "$theirs $(kernel_line sem "$theirs" | cut -d' ' -f1)" >"$BATS_TEST_TMPDIR/theirs.tmp" && mv "$BATS_TEST_TMPDIR/theirs.tmp" "$BATS_TEST_TMPDIR/theirs"
	wait
	report --live --format json "$TRACE"
	run jq -c '.leaked_semaphore_sets | map([.semid, .kernel_cuid, .removable, .live.confirmed, .live.remove])' <<<"$output"
	assert_output "[[$theirs,$(id -u nobody),false,false,null]]"
}

# As r12 for names (docs/security.md): the program drops to nobody and
# keeps its trace open; a second later root, outside the run, makes a set,
# which the program claims.  Root was the run's uid, but not then.
@test "report --live confirms no set root made outside the run after the run dropped to nobody, though a forged semget claims it" {
	[ "$(id -u)" = 0 ] || skip "needs root to drop to nobody"
	ready=$(mktemp -d /tmp/shmtrace-ready.XXXXXX)
	chmod 1777 "$ready"
	cat >"$BATS_TEST_TMPDIR/claim.sh" <<'EOF'
exec 3>>"$SHMTRACE_OUT/shmtrace.$$.jsonl"
exec setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c '
sleep 1.2
touch "$1/ready"
while [ ! -e "$1/theirs" ]; do sleep 0.05; done
read -r id key <"$1/theirs"
printf "{\"event\":\"call\",\"call\":\"semget\",\"seq\":90,\"pid\":%d,\"tid\":%d,\"ts\":1,\"dur\":1,\"args\":{\"key\":\"%s\",\"nsems\":1,\"semflg\":896,\"flags\":[\"IPC_CREAT\"],\"mode\":\"0600\"},\"ret\":%d,\"errno\":null,\"injected\":false,\"created\":true}\n" $$ $$ "$key" "$id" >&3' sh "$1"
EOF
	trace sh "$BATS_TEST_TMPDIR/claim.sh" "$ready" &
	while [ ! -e "$ready/ready" ]; do sleep 0.05; done
	theirs=$(env -u LD_PRELOAD ipcmk -S 1 | sed 's/.*: //')
	planted="-s $theirs"
	echo "$theirs $(kernel_line sem "$theirs" | cut -d' ' -f1)" >"$ready/theirs.tmp" && mv "$ready/theirs.tmp" "$ready/theirs"
	wait
	rm -r "$ready"
	report --live --format json "$TRACE"
	run jq -c '.leaked_semaphore_sets | map([.semid, .kernel_cuid, .removable, .live.confirmed, .live.remove])' <<<"$output"
	assert_output "[[$theirs,0,false,false,null]]"
}

@test "sweep removes the sets and queues its runs leave, and not a set of the same user made outside them meanwhile" {
	sets_before=$(kernel_ids sem)
	queues_before=$(kernel_ids msg)
	# Another process of the same user makes sets while the sweep runs.
	(
		exec 3>&-
		while [ ! -e "$BATS_TEST_TMPDIR/stop" ]; do
			env -u LD_PRELOAD ipcmk -S 5 >>"$BATS_TEST_TMPDIR/others" 2>/dev/null
			sleep 0.05
		done
	) &
	planter=$!
	run --separate-stderr "$SHMTRACE" sweep -t 20 -- sh -c 'ipcmk -S 1 && ipcmk -Q'
	touch "$BATS_TEST_TMPDIR/stop"
	wait "$planter"
	others=$(sed 's/.*: //' "$BATS_TEST_TMPDIR/others")
	planted=$(for id in $others; do printf -- '-s %s ' "$id"; done)
	[ -n "$others" ]
	assert_line --index 0 --partial ' and left 0 segment(s), 1 semaphore set(s), 1 message queue(s)'
	assert_line --regexp '^CLEANUP: removed [1-9][0-9]* leaked object\(s\) the kernel confirms the runs made$'
	# What is left is what was there before and the planter's sets, all of them.
	assert_equal "$(kernel_ids sem)" "$(printf '%s\n' $sets_before $others | sort -n | tr '\n' ' ')"
	assert_equal "$(kernel_ids msg)" "$queues_before"
}

@test "html and chrome: a row and a life per set and queue, the leaked one marked, calls on them named by semid and msqid" {
	command -v chromium >/dev/null || skip "no chromium (make deps installs it)"
	trace perl -e 'use IPC::SysV qw(IPC_PRIVATE IPC_CREAT IPC_RMID S_IRWXU);
		my $s = semget(IPC_PRIVATE, 2, S_IRWXU | IPC_CREAT) // die; semop($s, pack("s!3", 0, 1, 0)) or die;
		my $q = msgget(IPC_PRIVATE, S_IRWXU | IPC_CREAT) // die; semctl($s, 0, IPC_RMID, 0) or die'
	assert_success
	semid=$(calls semget | jq -r .ret)
	msqid=$(calls msgget | jq -r .ret)
	"$SHMTRACE" report --format html "$TRACE" >"$BATS_TEST_TMPDIR/page.html" || [ $? = 1 ]
	run python3 "$ROOT/tests/scripts/pagecheck.py" "$BATS_TEST_TMPDIR/page.html" --eval "[
		[...document.querySelectorAll('#plot .row.sem')].map(e => e.dataset.semid).join(),
		[...document.querySelectorAll('#plot .row.msg.leak')].map(e => e.dataset.msqid).join(),
		document.querySelectorAll('#plot .row.sem.leak').length,
		document.getElementById('findings').innerText]"
	assert_success
	run jq -c '[.console, .exceptions, .requests, .value[0], .value[1], .value[2]]' <<<"$output"
	assert_output "[[],[],[],\"$semid\",\"$msqid\",0]"
	"$SHMTRACE" report --format chrome "$TRACE" >"$BATS_TEST_TMPDIR/trace.json" || [ $? = 1 ]
	run jq -c '[.traceEvents[] | select(.ph == "b") | [.cat, .args.end]],
		[.traceEvents[] | select(.ph == "X") | [.name, .args.semid // .args.msqid]]' "$BATS_TEST_TMPDIR/trace.json"
	assert_line --index 0 '[["semaphore_set","destroyed"],["message_queue","open at the end of the trace"]]'
	assert_line --index 1 "[[\"semget\",$semid],[\"semop\",$semid],[\"msgget\",$msqid],[\"semctl\",$semid]]"
}

# Outside trial of issue 17, problem 5: each run's counts by kind, not every
# kind under leaked_segments.
@test "sweep's JSON counts what each run left by kind: a set left when msgget fails is a set, a queue a queue" {
	run --separate-stderr "$SHMTRACE" sweep -t 20 --format json -- perl -e '
		use IPC::SysV qw(IPC_PRIVATE IPC_CREAT IPC_RMID);
		my $s = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600) // die "semget: $!";
		my $q = msgget(IPC_PRIVATE, IPC_CREAT | 0600) // die "msgget: $!";
		msgctl($q, IPC_RMID, 0) or die "msgctl: $!";
		semctl($s, 0, IPC_RMID, 0) or die "semctl: $!"'
	run jq -c '.runs | map([.call, .leaked, .leaked_segments, .leaked_semaphore_sets, .leaked_message_queues, .posix_names_never_unlinked])' <<<"$output"
	assert_output '[["semget",0,0,0,0,0],["msgget",1,0,1,0,0],["msgctl",2,0,1,1,0],["semctl",1,0,1,0,0]]'
}

# Outside trial of issue 17, problem 7: answers, not misuse.  A get that
# asks whether a key exists (PHP's msg_get_queue does, first), and a wait
# that the removal of its set ends (the way a server tells its workers).
@test "a get of a key not there (ENOENT) and a wait ended by its set's removal (EIDRM) are answers: counted, no finding" {
	trace perl -e '
		use IPC::SysV qw(IPC_PRIVATE IPC_CREAT IPC_RMID);
		defined(msgget(0x5e200001, 0)) and die "there";
		my $s = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600) // die;
		if (my $pid = fork) { sleep 1; semctl($s, 0, IPC_RMID, 0) or die; waitpid $pid, 0; exit $? >> 8 }
		semop($s, pack("s!3", 0, -1, 0)) and die "not woken by the removal";
		exit($!{EIDRM} ? 0 : 3)'
	assert_success
	report --fail-on misuse --format json "$TRACE"
	assert_success
	run jq -c '[.misuse, .summary.failures]' <<<"$output"
	assert_output '[[],{"ENOENT":1,"EIDRM":1}]'
}

#!/usr/bin/env bats
# System V semaphores and message queues: util-linux's ipcmk and ipcrm,
# Perl's IPC::Semaphore and IPC::Msg, calls through syscall(2), calls that
# wait, injection and sweep.  Counts are checked against strace's of the
# same run.

load helpers

# words JQ_FILTER: the trace's records through jq -r.
words() {
	cat "$TRACE"/shmtrace.*.jsonl | jq -r "$1"
}

# Every set and queue a test's trace shows created, if still there.
teardown() {
	local id
	[ -d "${TRACE:-}" ] || return 0
	for id in $(cat "$TRACE"/shmtrace.*.jsonl 2>/dev/null | jq -r 'select(.call == "semget" and .created == true) | .ret'); do
		ipcrm -s "$id" 2>/dev/null || true
	done
	for id in $(cat "$TRACE"/shmtrace.*.jsonl 2>/dev/null | jq -r 'select(.call == "msgget" and .created == true) | .ret'); do
		ipcrm -q "$id" 2>/dev/null || true
	done
}

# strace_traced CMD...: CMD traced, under strace -f; $STRACE its IPC calls.
strace_traced() {
	command -v strace >/dev/null || skip "no strace"
	STRACE="$BATS_TEST_TMPDIR/strace"
	# (LeakSanitizer cannot run under ptrace: off for run, under make test SANITIZE=1.)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		run --separate-stderr strace -f -qq -e trace=%ipc -o "$STRACE" "$SHMTRACE" run -q -o "$TRACE" -- "$@"
}

# The calls strace saw and those traced, in the same words: the call, its
# key (8 hex digits) or id, its return.  glibc's semop(3) is the semtimedop
# system call; the library's creation probe adds IPC_EXCL to a creating
# semget or msgget, which remains one system call when nothing was there.
strace_words() {
	perl -ne 'next unless /^\d+\s+(\w+)\(([^,)]*)[,)].*=\s+(-?\d+)/;
		my ($n, $a, $r) = ($1, $2, $3);
		$a = sprintf("0x%08x", $a eq "IPC_PRIVATE" ? 0 : hex $a) if $n =~ /get$/;
		print "$n $a $r\n"' "$STRACE"
}
trace_words() {
	calls | jq -r '[(if .call == "semop" then "semtimedop" else .call end),
		(.args.key // .args.semid // .args.msqid | tostring), (.ret | tostring)] | join(" ")'
}

@test "ipcmk -S 3, ipcmk -Q, ipcrm -s -q: every call strace sees, traced, with its key, id, command and result" {
	strace_traced ipcmk -S 3 -p 0640
	assert_success
	semid=$(sed -n 's/^Semaphore id: //p' <<<"$output")
	assert_equal "$(trace_words)" "$(strace_words)"
	run calls semget
	assert_output --regexp '"args":\{"key":"0x[0-9a-f]{8}","nsems":3,"semflg":[0-9]+,"flags":\["IPC_CREAT"\],"mode":"0640"\},"ret":'"$semid"',"errno":null,"injected":false,"created":true'

	rm -rf "$TRACE"
	strace_traced ipcmk -Q
	assert_success
	msqid=$(sed -n 's/^Message queue id: //p' <<<"$output")
	assert_equal "$(trace_words)" "$(strace_words)"
	run records 'select(.call == "msgget") | [.args.flags, .args.mode, .ret, .created]'
	assert_output "[[\"IPC_CREAT\"],\"0644\",$msqid,true]"

	rm -rf "$TRACE"
	strace_traced ipcrm -s "$semid" -q "$msqid"
	assert_success
	assert_equal "$(trace_words)" "$(strace_words)"
	run records 'select(.event == "call") | [.call, .args.semid // .args.msqid, .args.cmd, .ret]'
	assert_output "$(printf '%s\n' "[\"semctl\",$semid,\"IPC_RMID\",0]" "[\"msgctl\",$msqid,\"IPC_RMID\",0]")"
	run ipcs -s -q
	refute_line --regexp "^0x[0-9a-f]+ +($semid|$msqid) "
}

@test "Perl IPC::Semaphore: setval, op with SEM_UNDO, getall, remove -- as strace counts them, each decoded" {
	strace_traced perl "$ROOT/tests/scripts/sysv_sem.pl"
	assert_success
	assert_line 'getall=0 3 0'
	semid=$(sed -n 's/^semid=//p' <<<"$output")
	assert_equal "$(trace_words)" "$(strace_words)"
	run records 'select(.event == "call") | [.call, .args.semnum, .args.cmd, .args.val, .args.sops, .ret]'
	assert_output "$(printf '%s\n' '["semget",null,null,null,null,'"$semid"']' \
		'["semctl",1,"SETVAL",5,null,0]' \
		'["semop",null,null,null,[{"num":1,"op":-2,"flags":["SEM_UNDO"]}],0]' \
		'["semctl",0,"IPC_STAT",null,null,0]' \
		'["semctl",0,"GETALL",null,null,0]' \
		'["semctl",0,"IPC_RMID",null,null,0]')"
	# The commands whose union semun is a pointer have it; the others nothing.
	run records 'select(.call == "semctl") | [.args.cmd, (.args.arg | type)]'
	assert_output "$(printf '%s\n' '["SETVAL","null"]' '["IPC_STAT","string"]' '["GETALL","string"]' '["IPC_RMID","null"]')"
	# The report reads them and counts them; the shm model finds nothing in them.
	run --separate-stderr "$SHMTRACE" report "$TRACE"
	assert_success
	assert_equal "$stderr" ''
	assert_line '  1 process(es), calls: semget 1, semop 1, semctl 4; failures: none; injected: 0'
}

@test "Perl IPC::Msg: snd and rcv with their type and size, never the text; an empty queue's ENOMSG; remove" {
	strace_traced perl "$ROOT/tests/scripts/sysv_msg.pl"
	assert_success
	assert_line 'rcv type=7 text=hello'
	msqid=$(sed -n 's/^msqid=//p' <<<"$output")
	assert_equal "$(trace_words)" "$(strace_words)"
	run records 'select(.event == "call") | [.call, .args.msgsz, .args.msgtyp, .args.flags, .mtype, .ret, .errno]'
	assert_output "$(printf '%s\n' '["msgget",null,null,["IPC_CREAT"],null,'"$msqid"',null]' \
		'["msgsnd",5,null,[],7,0,null]' \
		'["msgrcv",64,0,["IPC_NOWAIT"],7,5,null]' \
		'["msgrcv",64,0,["IPC_NOWAIT"],null,-1,"ENOMSG"]' \
		'["msgctl",null,null,null,null,0,null]')"
	run grep -c hello "$TRACE"/shmtrace.*.jsonl
	assert_output 0
	run --separate-stderr "$SHMTRACE" report "$TRACE"
	assert_success
	assert_line '  1 process(es), calls: msgget 1, msgsnd 1, msgrcv 2, msgctl 1; failures: ENOMSG 1; injected: 0'
	assert_line --partial '0 misuse'
}

@test "syscall(SYS_semget, ...) and the rest: traced as the libc calls are, said to come through syscall" {
	trace "$TESTBIN/sysvops"
	assert_success
	fields='[.call, .args.nsems, .args.cmd, .args.val, .args.sops, .args.timeout, .args.msgsz, .args.msgtyp, .mtype,
		(if (.call | endswith("get")) then .ret >= 0 else .ret end)]'
	direct=$(calls | jq -c "$fields")
	[ -n "$direct" ]
	run records 'select(.event == "call") | .via'
	assert_output "$(printf 'null\n%.0s' {1..9})"
	rm -rf "$TRACE"
	trace "$TESTBIN/sysvops" raw
	assert_success
	assert_output 'received type 42, 6 bytes: hello'
	run calls
	assert_equal "${#lines[@]}" 9
	run records 'select(.event == "call") | .via'
	assert_output "$(printf '"syscall"\n%.0s' {1..9})"
	assert_equal "$(calls | jq -c "$fields")" "$direct"
	run calls semtimedop
	assert_output --partial '"sops":[{"num":0,"op":-1,"flags":["IPC_NOWAIT"]},{"num":1,"op":0,"flags":["IPC_NOWAIT"]}],"timeout":{"sec":1,"nsec":500}'
}

@test "a semop that waits for another process: one record when it returns, its dur the wait" {
	trace "$TESTBIN/sysvops" block 300000
	assert_success
	waited=$(sed -n 's/^waited //p' <<<"$output")
	parent=$(records 'select(.event == "start") | .pid')
	run records "select(.call == \"semop\" and .pid == $parent) | .dur"
	assert_equal "${#lines[@]}" 1
	[ "$output" -ge 300000000 ]
	[ "$output" -le "$waited" ]
	# The child's post is its own record.
	run records "select(.call == \"semop\" and .pid != $parent) | .args.sops[0].op"
	assert_output 1
}

@test "a thread waiting in semop holds nothing: the other thread's calls are recorded meanwhile" {
	trace "$TESTBIN/sysvops" threads 50
	assert_success
	assert_output posted
	# In file order: the 50 GETVALs and the post come before the waiting
	# semop's record, which is written when it returns.
	run words 'select(.event == "call") | .call + " " + (.args.cmd // "")'
	assert_equal "$(printf '%s\n' "${lines[@]}" | uniq -c | awk '{ print $1, $2, $3 }')" \
		"$(printf '%s\n' '1 semget ' '50 semctl GETVAL' '2 semop ' '1 semctl IPC_RMID')"
	run records 'select(.call == "semop") | .args.sops[0].op'
	assert_output "$(printf '%s\n' 1 -1)"
}

@test "a thread waiting in msgrcv can be cancelled (a cancellation point), and the program goes on" {
	# ASan reports a cancelled thread's end as a stack-buffer-underflow in
	# its sigaltstack interceptor, bare too (google/sanitizers#1399).
	! ldd "$TESTBIN/sysvops" | grep -q libasan || skip "ASan build: google/sanitizers#1399"
	run --separate-stderr timeout 20 "$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/sysvops" cancel
	assert_success
	assert_output cancelled
	run words 'select(.event == "call") | .call'
	assert_output "$(printf '%s\n' msgget msgctl)"
}

@test "a waiting call's buffer unmapped by another thread (legal: the kernel copied it): the program goes on, the record has what was sent" {
	for call in semop semtimedop msgsnd; do
		run "$TESTBIN/sysvbuffers" unmap "$call"
		assert_success
		bare=$output
		rm -rf "$TRACE"
		trace "$TESTBIN/sysvbuffers" unmap "$call"
		assert_success # (was a SIGSEGV of the library's, reading the buffer after the call)
		assert_equal "$output" "$bare"
		assert_equal "$stderr" ''
		run records "select(.call == \"$call\" and .tid != .pid) | [.args.sops, .args.timeout, .mtype, .ret]"
		case $call in
		semop) assert_output '[[{"num":0,"op":-1,"flags":[]}],null,null,0]' ;;
		semtimedop) assert_output '[[{"num":0,"op":-1,"flags":[]}],{"sec":10,"nsec":0},null,0]' ;;
		msgsnd) assert_output '[null,null,7,0]' ;;
		esac
	done
}

@test "a waiting semop's operations reused by another thread meanwhile: recorded as the kernel read them, as strace shows them" {
	strace_traced "$TESTBIN/sysvbuffers" reuse
	assert_success
	assert_line 'semop 0'
	run grep -c 'semtimedop(.*\[{sem_num=0, sem_op=-1, sem_flg=0}\], 1, NULL' "$STRACE"
	assert_output 1 # (the waiting one: strace shows it "unfinished", the post's is {0, 1, 0})
	# (Not the {2, 5, SEM_UNDO} written over them during the wait.)
	run records 'select(.call == "semop" and .tid != .pid) | .args.sops'
	assert_output '[{"num":0,"op":-1,"flags":[]}]'
}

@test "addresses the kernel cannot read, through syscall(2): its EFAULT or E2BIG, no record of what it did not read, no crash" {
	trace "$TESTBIN/sysvbuffers" bad
	assert_success
	assert_output "$(printf '%s\n' 'semop-at-8 EFAULT' 'semop-second-unmapped EFAULT' 'semop-nsops-100000 E2BIG' \
		'semtimedop-timeout-at-8 EFAULT' 'semtimedop-ok none' 'msgsnd-at-8 EFAULT' 'msgsnd-text-unmapped EFAULT' \
		'msgrcv-into-8 EFAULT')"
	run records 'select(.event == "call" and .call != "semget" and .call != "msgget" and .call != "semctl" and .call != "msgctl")
		| [.call, .args.nsops, .args.sops, .args.timeout, .mtype, .errno]'
	assert_output "$(printf '%s\n' '["semop",1,null,null,null,"EFAULT"]' '["semop",2,null,null,null,"EFAULT"]' \
		'["semop",100000,null,null,null,"E2BIG"]' '["semtimedop",1,null,null,null,"EFAULT"]' \
		'["semtimedop",1,[{"num":0,"op":1,"flags":["IPC_NOWAIT"]}],{"sec":1,"nsec":0},null,null]' \
		'["msgsnd",null,null,null,null,"EFAULT"]' \
		'["msgsnd",null,null,null,9,"EFAULT"]' \
		'["msgsnd",null,null,null,5,null]' '["msgrcv",null,null,null,null,"EFAULT"]')"
	# (The second msgsnd's type was read -- the kernel reads it first -- its text not.)
	run records 'select(.call == "semtimedop" and .errno == "EFAULT") | .args | has("timeout")'
	assert_output false
}

@test "a process killed while it waits in msgrcv: no record of the call, the parent that reaps it says so" {
	trace "$TESTBIN/sysvops" killed 200000
	assert_success
	child=$(sed -n 's/^child \([0-9]*\) .*/\1/p' <<<"$output")
	parent=$(records 'select(.event == "start") | .pid')
	run records 'select(.event == "killed") | [.pid, .signal, .reaped_by]'
	assert_output "[$child,\"SIGKILL\",$parent]"
	run records "select(.event == \"call\" and .pid == $child)"
	assert_output ''
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_success
	run jq -c '[(.killed_processes | length), .summary.calls]' <<<"$output"
	assert_output '[1,{"msgget":1,"msgctl":1}]'
}

@test "injection: semop EAGAIN, msgrcv ENOMSG, semctl IPC_RMID refused: the program sees each failure" {
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i semop:error=EAGAIN -- perl "$ROOT/tests/scripts/sysv_sem.pl"
	assert_failure
	assert_equal "$stderr" 'op: Resource temporarily unavailable'
	run calls semop
	assert_output --partial '"sops":null},"ret":-1,"errno":"EAGAIN","injected":true,"rule":"semop:error=EAGAIN"'

	rm -rf "$TRACE"
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i msgrcv:error=ENOMSG:when=1 -- perl "$ROOT/tests/scripts/sysv_msg.pl"
	assert_failure
	assert_equal "$stderr" 'rcv: No message of desired type'
	run records 'select(.call == "msgrcv") | [.errno, .injected, .mtype]'
	assert_output '["ENOMSG",true,null]'

	rm -rf "$TRACE"
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i semctl:cmd=IPC_RMID -- perl "$ROOT/tests/scripts/sysv_sem.pl"
	assert_failure
	assert_equal "$stderr" 'remove: Operation not permitted'
	semid=$(sed -n 's/^semid=//p' <<<"$output")
	# Only IPC_RMID failed: the set is still there.
	run records 'select(.call == "semctl") | [.args.cmd, .injected]'
	assert_output "$(printf '%s\n' '["SETVAL",false]' '["IPC_STAT",false]' '["GETALL",false]' '["IPC_RMID",true]')"
	run ipcs -s
	assert_line --regexp "^0x00000000 +$semid +"
}

@test "injection: key= finds a set's or a queue's key through its id (IPC_STAT), flags= msgrcv's IPC_NOWAIT" {
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i semop,semtimedop:key=IPC_PRIVATE:error=EIDRM -- "$TESTBIN/sysvops"
	assert_failure 1
	assert_equal "$stderr" 'semop: Identifier removed'
	rm -rf "$TRACE"
	# A key no set has: nothing fails.
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i semop,semctl,msgsnd:key=0x5eed0017 -- "$TESTBIN/sysvops"
	assert_success
	rm -rf "$TRACE"
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i msgsnd:key=IPC_PRIVATE:error=EAGAIN -- "$TESTBIN/sysvops"
	assert_failure 1
	assert_equal "$stderr" 'msgsnd: Resource temporarily unavailable'
	rm -rf "$TRACE"
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i msgrcv:flags=IPC_NOWAIT -- "$TESTBIN/sysvops"
	assert_failure 1
	assert_equal "$stderr" 'msgrcv: Interrupted system call'
}

@test "injection: an errno the man page does not list, or a command the call does not have, refused: 125 and one line" {
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i semop:error=ENOSPC -- true
	assert_failure 125
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$stderr" "shmtrace: run: --inject 'semop:error=ENOSPC': semop cannot fail with ENOSPC (semop(2) lists E2BIG, EACCES, EAGAIN, EFAULT, EFBIG, EIDRM, EINTR, EINVAL, ENOMEM, ERANGE; to inject it anyway: --allow-any-errno, or SHMTRACE_ALLOW_ANY_ERRNO=1)"
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i msgrcv:error=EAGAIN -- true
	assert_failure 125
	assert_equal "${#stderr_lines[@]}" 1
	assert_output ''
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i semctl,msgctl:cmd=GETVAL -- true
	assert_failure 125
	assert_equal "$stderr" "shmtrace: run: --inject 'semctl,msgctl:cmd=GETVAL': cmd=GETVAL: unknown msgctl command (IPC_RMID, IPC_STAT, IPC_SET, ...)"
	# ... while one all of them have is taken, and fires for each.
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i semctl,msgctl:cmd=IPC_RMID:error=EPERM -- "$TESTBIN/sysvops"
	assert_failure 1
	assert_equal "$stderr" 'semctl IPC_RMID: Operation not permitted'
}

@test "sweep over a program of semget, semop, msgsnd...: every call enumerated and failed once, each handled" {
	run --separate-stderr "$SHMTRACE" sweep --format json -- "$TESTBIN/sysvops"
	assert_success
	json=$output
	run jq -c '.clean.calls' <<<"$json"
	assert_output '{"semget":1,"semop":1,"semtimedop":1,"semctl":2,"msgget":1,"msgsnd":1,"msgrcv":1,"msgctl":1}'
	run jq -c '.runs | map([.call, .nth, .errno, .outcome])' <<<"$json"
	assert_output '[["semget",1,"ENOSPC","handled"],["semctl",1,"EACCES","handled"],["semop",1,"EINTR","handled"],["semtimedop",1,"EAGAIN","handled"],["msgget",1,"ENOSPC","handled"],["msgsnd",1,"EINTR","handled"],["msgrcv",1,"EINTR","handled"],["semctl",2,"EPERM","handled"],["msgctl",1,"EPERM","handled"]]'
}

@test "the report beside them: a semaphore set or queue of the same id as a leaked segment hides nothing, their failures are no shm misuse" {
	dir=$(fixture sysv-beside-shm)
	run --separate-stderr "$SHMTRACE" report --format json "$dir"
	assert_failure 1
	assert_equal "$stderr" ''
	# The set's semop after its removal is the set's misuse (semid, not
	# shmid); msgrcv's IPC_NOWAIT ENOMSG is none; the injected semtimedop
	# is a failed call, as an injected shm call's is (sysv_report.bats).
	run jq -c '[.summary.leaked_segments, [.leaked_segments[].shmid], (.misuse | map([.kind, .semid, .shmid, .injected])),
		.summary.calls.semop, .summary.failures]' <<<"$output"
	assert_output '[1,[5],[["use_after_remove",5,null,null],["failed_call",null,null,1]],1,{"EIDRM":1,"ENOMSG":1,"EAGAIN":1}]'
}

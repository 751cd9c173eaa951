#!/usr/bin/env bats
# Programs we did not write, from Debian's packages: util-linux's ipcmk,
# ipcrm and ipcs, and Perl's core IPC::SysV / IPC::SharedMem.  (A server,
# PostgreSQL, is in server.bats.)

load helpers

@test "ipcmk and ipcrm: the segment ipcmk creates and ipcrm removes, by id" {
	trace ipcmk -M 8192 -p 0640
	assert_success
	shmid=$(sed -n 's/^Shared memory id: //p' <<<"$output")
	[ -n "$shmid" ]
	run calls shmget
	assert_output --partial '"size":8192'
	assert_output --partial '"mode":"0640"'
	assert_output --partial "\"ret\":$shmid,\"errno\":null,\"injected\":false,\"created\":true"
	key=$(calls shmget | jq -r .args.key)
	run ipcs -m
	assert_line --regexp "^$key +$shmid +"

	rm -rf "$TRACE"
	trace ipcrm -m "$shmid"
	assert_success
	run records 'select(.event == "call") | [.call, .args.shmid, .args.cmd, .ret]'
	assert_output "[\"shmctl\",$shmid,\"IPC_RMID\",0]"
	run ipcs -m
	refute_line --regexp "^$key +$shmid +"
}

@test "ipcrm of a segment that does not exist: the failure and its errno are traced" {
	trace ipcrm -m 2147483000
	assert_failure
	run records 'select(.event == "call") | [.call, .args.cmd, .ret, .errno]'
	assert_output '["shmctl","IPC_RMID",-1,"EINVAL"]'
}

@test "Perl IPC::SharedMem and the shm built-ins: attach/detach around each access, both segments removed" {
	trace perl "$ROOT/tests/scripts/sharedmem.pl"
	assert_success
	object=$(sed -n 's/^object id=\([0-9]*\).*/\1/p' <<<"$output")
	builtin=$(sed -n 's/^builtin id=\([0-9]*\).*/\1/p' <<<"$output")
	assert_output --partial 'size=4096 data=hello from perl'
	run records 'select(.call == "shmget") | [.ret, .created, .args.size]'
	assert_output "$(printf '%s\n' "[$object,true,4096]" "[$builtin,true,1024]")"
	# Every attachment Perl made is detached again.
	run records 'select(.call == "shmat") | .ret'
	attached=$(printf '%s\n' "${lines[@]}" | sort)
	[ "${#lines[@]}" -ge 4 ]
	run records 'select(.call == "shmdt") | .args.shmaddr'
	assert_equal "$(printf '%s\n' "${lines[@]}" | sort)" "$attached"
	run records 'select(.call == "shmctl") | [.args.shmid, .args.cmd]'
	assert_line "[$object,\"IPC_STAT\"]"
	assert_line "[$builtin,\"IPC_RMID\"]"
	assert_line "[$object,\"IPC_RMID\"]"
	# The calls come from the interpreter itself (Debian links it in).
	run records 'select(.event == "stack") | .frames[0].module'
	assert_output "$(printf '"/usr/bin/perl"\n%.0s' "${lines[@]}")"
}

@test "with and without the shim, the same outcome: every ipcs view, ipcmk's segment, ipcrm, the Perl script" {
	id=$(ipcmk -M 12288 -p 0604 | sed -n 's/^Shared memory id: //p')
	# ipcs reads /proc/sysvipc, except -u, which asks shmctl(SHM_INFO).
	for view in '-m' '-m -u' '-m -l' '-m -c' '-m -p' '-m -t' "-m -i $id" '-a' '-m -b --human'; do
		bare=$(ipcs $view)
		rm -rf "$TRACE"
		trace ipcs $view
		assert_success
		assert_output "$bare"
	done
	rm -rf "$TRACE"
	trace ipcs -m -u
	run records 'select(.event == "call") | [.call, .args.cmd, .errno]'
	assert_output '["shmctl","SHM_INFO",null]'

	# ipcmk, bare and traced: segments alike but for their ids and creators.
	rm -rf "$TRACE"
	trace ipcmk -M 12288 -p 0604
	assert_success
	traced=$(sed -n 's/^Shared memory id: //p' <<<"$output")
	assert_output "Shared memory id: $traced"
	alike() { awk -v id="$1" '$2 == id { print $3, $4, $7, $8, $9, $10, $11 }' /proc/sysvipc/shm; }
	assert_equal "$(alike "$traced")" "$(alike "$id")"
	# ipcrm of each: the same silence and status, and both are gone.
	run ipcrm -m "$id"
	assert_success
	bare=$output
	trace ipcrm -m "$traced"
	assert_success
	assert_output "$bare"
	run awk -v a="$id" -v b="$traced" '$2 == a || $2 == b' /proc/sysvipc/shm
	refute_output

	# The Perl script: the same lines but for the ids the kernel gave.
	ids() { sed 's/id=[0-9]*/id=N/'; }
	bare=$(perl "$ROOT/tests/scripts/sharedmem.pl" | ids)
	rm -rf "$TRACE"
	trace perl "$ROOT/tests/scripts/sharedmem.pl"
	assert_success
	assert_equal "$(ids <<<"$output")" "$bare"
	assert_equal "$stderr" ''
}

@test "Python multiprocessing, fork, spawn and forkserver: each worker's shm_open is its own, as many as strace counts, nothing left" {
	for method in fork spawn forkserver; do
		rm -rf "$TRACE"
		trace python3 "$ROOT/tests/scripts/mp_workers.py" "$method"
		assert_success
		assert_output 'sum 10'
		# strace sees shm_open and shm_unlink as openat and unlink in /dev/shm.
		strace -f -qq -e trace=openat,unlink -o "$BATS_TEST_TMPDIR/strace" python3 "$ROOT/tests/scripts/mp_workers.py" "$method" >/dev/null
		run records 'select(.event == "call") | .call'
		assert_equal "${#lines[@]}" "$(grep -c '"/dev/shm/' "$BATS_TEST_TMPDIR/strace")"
		# The parent creates and unlinks; each of 4 other processes opens once.
		parent=$(records 'select(.call == "shm_open" and .created == true) | .pid')
		run records "select(.call == \"shm_unlink\") | .pid"
		assert_output "$parent"
		run records "select(.call == \"shm_open\" and .created == false) | .pid"
		[ "${#lines[@]}" -eq 4 ]
		[ "$(printf '%s\n' "${lines[@]}" "$parent" | sort -u | wc -l)" -eq 5 ]
		run "$SHMTRACE" report --fail-on all "$TRACE"
		assert_success
	done
}

# Other preloaded libraries that wrap libc's functions: the shim's own
# system calls and clock must never land in their wrappers (outside trial
# 23: fakeroot's fstat took the semaphore its traced semop held, and the
# job hung; faketime's clock_gettime, at exit, waited on a semaphore it
# had just unmapped, and every process died of SIGSEGV).
@test "fakeroot (fakeroot-sysv: SysV messages and a semaphore, its own LD_PRELOAD): the job runs as bare, its calls traced" {
	command -v fakeroot-sysv >/dev/null || skip "no fakeroot-sysv"
	job='cd "$(mktemp -d)" && touch f && chown 123:456 f && ls -ln f | cut -c1-20'
	bare=$(fakeroot-sysv sh -c "$job")
	run --separate-stderr timeout -s KILL 60 "$SHMTRACE" run -q -o "$TRACE" -- fakeroot-sysv sh -c "$job"
	assert_success
	assert_output "$bare"
	[[ "$bare" == *" 123 456"* ]]
	# libfakeroot's semaphore and messages, in the job and in faked
	for call in semop msgsnd msgrcv; do
		run records "select(.event == \"call\" and .call == \"$call\") | .call"
		[ "${#lines[@]}" -gt 0 ] || fail "no $call traced"
	done
}

@test "faketime: the programs end as bare, and the trace keeps the kernel's clock, not the faked one" {
	command -v faketime >/dev/null || skip "no faketime"
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -- faketime '2020-01-01 00:00:00' sh -c 'date +%Y; ipcmk -M 4096 >/dev/null; ipcrm -M "$(ipcs -m | awk "/0x/ {print \$1; exit}")" 2>/dev/null; true'
	assert_success
	assert_output 2020
	assert_equal "$stderr" ''
	# Every call's ts within the run, on the monotonic clock its start records use.
	first=$(records 'select(.event == "start" or .event == "exec") | .ts' | sort -n | head -1)
	run records "select(.event == \"call\" and (.ts < $first or .ts > $first + 60000000000)) | .ts"
	assert_output ''
	run records 'select(.event == "call") | .call'
	[ "${#lines[@]}" -ge 2 ]
}

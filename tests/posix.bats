#!/usr/bin/env bats
# POSIX shared memory (shm_open, shm_unlink) and ftok: traced, injected,
# audited like SysV segments.

load helpers

name() {
	echo "/shmtrace-test-$BATS_TEST_NUMBER-$$"
}

posix_teardown() {
	rm -f "/dev/shm/${1#/}"
}

@test "shm_open and shm_unlink: name, flags, mode, descriptor, created" {
	n=$(name)
	trace "$SAMPLES/posix_shm" "$n"
	assert_success
	fd=$(sed -n 's/^fd=\([0-9]*\).*/\1/p' <<<"$output")
	run records 'select(.event == "call") | [.call, (.args | del(.dev, .ino)), .ret, .errno, .created]'
	assert_line --index 0 "[\"shm_open\",{\"name\":\"$n\",\"oflag\":194,\"flags\":[\"O_RDWR\",\"O_CREAT\",\"O_EXCL\"],\"mode\":\"0600\"},$fd,null,true]"
	assert_line --index 1 "[\"shm_unlink\",{\"name\":\"$n\"},0,null,null]"
	run "$SHMTRACE" report "$TRACE"
	assert_success
}

@test "shm_open's record names the object it opened by device and inode: a name made again is another object" {
	n=$(name)
	made=("/dev/shm/${n#/}")
	trace "$TESTBIN/names" "open:$n" "unlink:$n" "open:$n"
	assert_success
	run records 'select(.call == "shm_open") | [.args.dev, .args.ino]'
	assert_equal "${#lines[@]}" 2
	# The second is the object in /dev/shm now, and not the first.
	assert_equal "${lines[1]}" "[$(stat -c '%d,%i' "/dev/shm/${n#/}")]"
	[ "${lines[0]}" != "${lines[1]}" ]
	# A failed shm_open has neither.
	trace "$TESTBIN/names" "open:$n"
	run records 'select(.call == "shm_open" and .errno != null) | [.errno, .args.dev, .args.ino]'
	assert_output '["EEXIST",null,null]'
}

@test "a name never unlinked is a leak, at the line of its shm_open, still in /dev/shm" {
	n=$(name)
	trace "$SAMPLES/posix_shm" "$n" leak
	line=$(grep -n 'shm_open(name' "$ROOT/samples/posix_shm.c" | cut -d: -f1)
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	assert_failure 1
	run jq -c --argjson line "$line" '.posix_names_never_unlinked | map([.name, .stack[0].function, .stack[0].line == $line, .live.present, .live.remove])' <<<"$output"
	assert_output "[[\"$n\",\"main\",true,true,\"rm -- /dev/shm/${n#/}\"]]"
	posix_teardown "$n"
	printf 'leak:posix_shm.c\n' >"$BATS_TEST_TMPDIR/sup"
	run "$SHMTRACE" report -s "$BATS_TEST_TMPDIR/sup" "$TRACE"
	assert_success
}

@test "a name the program leaves and a script then removes with rm (no call the trace sees): no leak, removed outside the trace" {
	n=$(name)
	# Before: "LEAK: POSIX shared memory ... never unlinked", exit 1,
	# though /dev/shm was empty at the end (outside trial 23).
	trace sh -c "'$SAMPLES/posix_shm' '$n' leak && rm '/dev/shm/${n#/}'"
	assert_success
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_success
	run jq -c '[.posix_names_never_unlinked, .summary.removed_outside_trace]' <<<"$output"
	assert_output '[[],1]'
	# The same leak left in place is one.
	rm -rf "$TRACE"
	trace "$SAMPLES/posix_shm" "$n" leak
	run "$SHMTRACE" report "$TRACE"
	assert_failure 1
	posix_teardown "$n"
}

@test "Python multiprocessing.shared_memory: unlinked, or unlinked by its resource tracker, is no leak; unregistered is" {
	python3 -c 'from multiprocessing import shared_memory' 2>/dev/null || skip "no python3 with multiprocessing.shared_memory"
	trace python3 "$ROOT/tests/scripts/shared_memory.py" clean
	assert_success
	run "$SHMTRACE" report --format json "$TRACE"
	assert_success
	run jq -c '[.summary.calls.shm_open, .summary.calls.shm_unlink, .summary.posix_names_never_unlinked]' <<<"$output"
	assert_output '[1,1,0]'

	rm -rf "$TRACE"
	trace python3 "$ROOT/tests/scripts/shared_memory.py" forget
	assert_success
	n=$(sed -n 's/^name=//p' <<<"$output")
	# The tracker, a process of its own, unlinks what the program forgot.
	run "$SHMTRACE" report --format json "$TRACE"
	assert_success
	unlinker=$(records 'select(.call == "shm_unlink") | .pid')
	opener=$(records 'select(.call == "shm_open") | .pid')
	[ "$unlinker" != "$opener" ]

	rm -rf "$TRACE"
	trace python3 "$ROOT/tests/scripts/shared_memory.py" leak
	assert_success
	n=$(sed -n 's/^name=//p' <<<"$output")
	run "$SHMTRACE" report --format json "$TRACE"
	assert_failure 1
	run jq -c '.posix_names_never_unlinked | map(.name | ltrimstr("/"))' <<<"$output"
	assert_output "[\"${n#/}\"]"
	posix_teardown "$n"
}

@test "shm_open with O_CREAT on an existing name opened it: created false" {
	python3 -c 'from multiprocessing import shared_memory' 2>/dev/null || skip "no python3"
	n=$(name)
	trace python3 -c "
import os, _posixshmem
fd = _posixshmem.shm_open('$n', os.O_CREAT | os.O_RDWR, 0o600); os.close(fd)
fd = _posixshmem.shm_open('$n', os.O_CREAT | os.O_RDWR, 0o600); os.close(fd)
_posixshmem.shm_unlink('$n')"
	assert_success
	run records 'select(.call == "shm_open") | [.args.flags, .created]'
	assert_output "$(printf '%s\n' '[["O_RDWR","O_CREAT"],true]' '[["O_RDWR","O_CREAT"],false]')"
}

@test "ftok: path, id and key traced; a leaked key names the file and id it came from" {
	touch "$BATS_TEST_TMPDIR/keyfile"
	trace "$SAMPLES/ftok_key" "$BATS_TEST_TMPDIR/keyfile" 42 leak
	assert_success
	key=$(sed -n 's/^key=\(0x[0-9a-f]*\).*/\1/p' <<<"$output")
	run records 'select(.call == "ftok") | [.args.path, .args.id, .key]'
	assert_output "[\"$BATS_TEST_TMPDIR/keyfile\",42,\"$key\"]"
	run "$SHMTRACE" report --format json "$TRACE"
	assert_failure 1
	run jq -c '.unremoved_keys | map([.key, .ftok])' <<<"$output"
	assert_output "[[\"$key\",{\"path\":\"$BATS_TEST_TMPDIR/keyfile\",\"id\":42}]]"
}

@test "hand-written: two files giving one ftok key is a collision" {
	dir="$BATS_TEST_TMPDIR/fx"
	mkdir -p "$dir"
	cp "$BATS_TEST_DIRNAME/fixtures/ftok-collision/shmtrace.500.jsonl.in" "$dir/shmtrace.500.jsonl"
	run "$SHMTRACE" report --format json "$dir"
	assert_success
	run jq -c '.misuse | map([.kind, .key, .first_ftok.path, .ftok.path, .count])' <<<"$output"
	assert_output '[["ftok_collision","0x01010001","/var/lib/app/a","/var/lib/other/b",1]]'
	run "$SHMTRACE" report --fail-on misuse "$dir"
	assert_failure 1
	assert_output --partial 'key 0x01010001 from /var/lib/app/a id 1 (last used by pid 500), and from /var/lib/other/b id 1 0.000001 s after, while the first was in use'
}

@test "injection: shm_open, shm_unlink and ftok fail with their realistic errnos, name= picks the name" {
	n=$(name)
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i shm_open -- "$SAMPLES/posix_shm" "$n"
	assert_failure 1
	assert_equal "$stderr" 'shm_open: Too many open files'
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE.2" -i "shm_open:name=/other*:error=EACCES" -- "$SAMPLES/posix_shm" "$n"
	assert_success
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE.3" -i shm_unlink -- "$SAMPLES/posix_shm" "$n"
	assert_failure 1
	posix_teardown "$n"
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE.4" -i ftok -- "$SAMPLES/ftok_key" /etc/passwd 1
	assert_failure 1
	assert_equal "$stderr" 'ftok: No such file or directory'
	run --separate-stderr "$SHMTRACE" run -o "$TRACE.5" -i shm_unlink:error=EMFILE -- true
	assert_equal "$status" 125
	[[ "$stderr" == *"shm_unlink cannot fail with EMFILE (shm_open(3) lists EACCES, ENOENT;"* ]]
}

@test "sweep covers shm_open and shm_unlink, and removes the names its runs left" {
	n=$(name)
	run --separate-stderr "$SHMTRACE" sweep --format json -- "$SAMPLES/posix_shm" "$n"
	assert_failure 1
	run jq -c '.runs | map([.call, .errno, .outcome])' <<<"$output"
	assert_output '[["shm_open","EMFILE","handled"],["shm_unlink","ENOENT","leaked"]]'
	[ ! -e "/dev/shm/${n#/}" ]
}

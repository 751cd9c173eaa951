#!/usr/bin/env bats
# Libraries opened with RTLD_DEEPBIND bind their calls in their own scope,
# past the preloaded shim; shim/got.c points their GOT slots at our
# wrappers.  Our own library (tests/bin/deepshm.c), bound lazily and at
# load, directly and as a dependency; then PHP, which opens every extension
# so (shmop, sysvshm), counted against strace.

load helpers

DEEP_CALLS='shmget shmat shmdt shmctl shm_open shm_unlink'

# deep LIBRARY FUNCTION [HOW [OTHER]]: tests/bin/deepbind.c under shmtrace run,
# with a POSIX name of this test's own.
deep() {
	trace "$TESTBIN/deepbind" "$TESTBIN/$1" "$2" "/shmtrace-deepbind-$BATS_TEST_NUMBER-$$" "${@:3}"
}

# The calls of the trace, their names on one line.
call_names() {
	calls | jq -r .call | tr '\n' ' ' | sed 's/ $//'
}

php_or_skip() {
	command -v php >/dev/null && php -m | grep -qx shmop && php -m | grep -qx sysvshm ||
		skip "no php with shmop and sysvshm (make deps installs php-cli)"
}

@test "a library opened with RTLD_DEEPBIND: each of its calls traced, through PLT or GOT (-fno-plt), bound lazily or at load, itself or through a dependency, by dlopen or dlmopen(LM_ID_BASE)" {
	# LIBRARY FUNCTION HOW, and the library the calls are made from.
	for variant in 'libdeepshm.so deepshm_run lazy libdeepshm.so' 'libdeepshm.so deepshm_run now libdeepshm.so' \
		'libdeepshm-now.so deepshm_run lazy libdeepshm-now.so' 'libdeepshm-noplt.so deepshm_run lazy libdeepshm-noplt.so' \
		'libdeepouter.so deepouter_run lazy libdeepshm.so' 'libdeepouter.so deepouter_run now libdeepshm.so' \
		'libdeepshm.so deepshm_run base libdeepshm.so' 'libdeepshm-now.so deepshm_run base libdeepshm-now.so'; do
		set -- $variant
		rm -rf "$TRACE"
		deep "$1" "$2" "$3"
		assert_success
		assert_output "$(printf '%s ok\n' $DEEP_CALLS)"
		assert_equal "$(call_names)" "$DEEP_CALLS"
		# Each call is seen from inside the library that made it.
		run records '.event as $e | select($e == "stack") | .frames[0].module | sub(".*/"; "")'
		assert_output "$(printf '"%s"\n' "$4"{,,,,,})"
	done
}

@test "a DEEPBIND library's ftok, syscall(2) and _exit go through the shim too" {
	trace "$TESTBIN/deepbind" "$TESTBIN/libdeepshm-now.so" deepshm_exit "$BATS_TEST_TMPDIR"
	assert_failure 3
	assert_output "$(printf '%s ok\n' ftok 'syscall(SYS_shmget)' 'syscall(SYS_shmctl)')"
	run records 'select(.event == "call") | [.call, .via]'
	assert_output "$(printf '%s\n' '["ftok",null]' '["shmget","syscall"]' '["shmctl","syscall"]')"
	run records 'select(.event == "exit") | [.status, .how]'
	assert_output '[3,"_exit"]'
}

@test "a DEEPBIND library's pages keep their protection: its read-only GOT (RELRO) is read-only again after the rewrite" {
	bare=$("$TESTBIN/deepbind" "$TESTBIN/libdeepshm-now.so" deepshm_maps "/shmtrace-deepbind-bare-$$")
	# The RELRO part: a read-only mapping just before the writable data.
	[[ "$bare" == *$'r--p\nrw-p' ]]
	deep libdeepshm-now.so deepshm_maps
	assert_success
	assert_output "$bare"
	assert_equal "$(call_names)" "$DEEP_CALLS"
}

@test "an --inject rule fails the calls of a library opened with RTLD_DEEPBIND" {
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" --inject shmget:error=ENOSPC --inject shm_open:error=EMFILE -- \
		"$TESTBIN/deepbind" "$TESTBIN/libdeepshm-now.so" deepshm_run "/shmtrace-deepbind-$BATS_TEST_NUMBER-$$"
	assert_failure 2 # two calls failed
	assert_output "$(printf '%s\n' 'shmget ENOSPC' 'shm_open EMFILE')"
	run records 'select(.event == "call") | [.call, .ret, .errno, .injected]'
	assert_output "$(printf '%s\n' '["shmget",-1,"ENOSPC",true]' '["shm_open",-1,"EMFILE",true]')"
}

@test "with another preloaded library that wraps shmget, a DEEPBIND library's shmget goes through ours, then through it" {
	for lib in libdeepshm.so libdeepshm-now.so; do
		rm -rf "$TRACE"
		run --separate-stderr env LD_PRELOAD="$TESTBIN/libpremark.so" "$SHMTRACE" run -q -o "$TRACE" -- \
			"$TESTBIN/deepbind" "$TESTBIN/$lib" deepshm_run "/shmtrace-deepbind-$BATS_TEST_NUMBER-$$"
		assert_success
		assert_equal "$stderr" 'premark: shmget seen'
		assert_equal "$(call_names)" "$DEEP_CALLS"
	done
}

@test "GOT slots rewritten while other threads call through them: every call traced, nothing breaks" {
	# 4 threads x 50 rounds x 6 calls through libdeepshm.so, while the main
	# thread opens and closes libdeepouter.so (and its dependency) with
	# RTLD_DEEPBIND until they are done.
	deep libdeepshm.so deepshm_run threads "$TESTBIN/libdeepouter.so"
	assert_success
	assert_equal "$(sort <<<"$output" | uniq -c | awk '{ print $1, $2, $3 }')" \
		"$(printf '200 %s ok\n' $DEEP_CALLS | sort)"
	run records 'select(.event == "call") | .call'
	assert_equal "${#lines[@]}" 1200
	assert_valid_trace
}

@test "DEEPBIND libraries opened, called and closed by 6 threads at once, 30 times each: every call traced" {
	deep libdeepshm-now.so deepshm_run reload "$TESTBIN/libdeepouter.so" deepouter_run
	assert_success
	assert_equal "$(sort <<<"$output" | uniq -c | awk '{ print $1, $2, $3 }')" \
		"$(printf '180 %s ok\n' $DEEP_CALLS | sort)"
	run records 'select(.event == "call") | .call'
	assert_equal "${#lines[@]}" 1080
	assert_valid_trace
}

@test "a new dlmopen namespace is left alone: it has its own libc, runs as it would bare, and no rule reaches it" {
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" --inject shmget:error=ENOSPC -- \
		"$TESTBIN/deepbind" "$TESTBIN/libdeepshm.so" deepshm_run "/shmtrace-deepbind-$BATS_TEST_NUMBER-$$" new
	assert_success
	assert_output "$(printf '%s ok\n' $DEEP_CALLS)"
	run calls
	refute_output
}

@test "a DEEPBIND library named bare, by a caller without RUNPATH (searched as for us): its calls traced" {
	run --separate-stderr env LD_LIBRARY_PATH="$TESTBIN" "$SHMTRACE" run -q -o "$TRACE" -- \
		"$TESTBIN/deepbind" libdeepshm-now.so deepshm_run "/shmtrace-deepbind-$BATS_TEST_NUMBER-$$"
	assert_success
	assert_output "$(printf '%s ok\n' $DEEP_CALLS)"
	assert_equal "$(call_names)" "$DEEP_CALLS"
}

@test "dlopen that is not followed is the loader's own: a bare name is still found along its caller's RUNPATH" {
	# libdeepouter.so (RUNPATH $ORIGIN) opens libdeepshm-now.so by its bare
	# name: found only if the loader sees libdeepouter.so as the caller.
	bare=$("$TESTBIN/deepbind" "$TESTBIN/libdeepouter.so" deepouter_open_bare "/shmtrace-deepbind-bare-$$")
	assert_equal "$bare" 'opened libdeepshm-now.so'
	deep libdeepouter.so deepouter_open_bare
	assert_success
	assert_output "$bare"
	assert_equal "$stderr" ''
}

@test "PHP shmop and sysvshm: every shm call strace sees is in the trace, from the extension that made it" {
	php_or_skip
	key=0x5eed0d01
	strace -f -qq -e trace=shmget,shmat,shmdt,shmctl -o "$BATS_TEST_TMPDIR/strace" \
		php "$ROOT/tests/scripts/shm.php" $key clean >"$BATS_TEST_TMPDIR/bare"
	# Each call's name, and shmctl's command: "shmctl:IPC_STAT".
	seen=$(sed -n -e 's/^\([0-9]* *\)\{0,1\}shmctl([0-9]*, \([A-Z_]*\).*/shmctl:\2/p' \
		-e 's/^\([0-9]* *\)\{0,1\}\(shm[a-z]*\)(.*/\2/p' "$BATS_TEST_TMPDIR/strace" | tr '\n' ' ' | sed 's/ $//')
	# shmop: get, IPC_STAT, at, IPC_RMID; sysvshm: get (ENOENT), get, at,
	# IPC_RMID; the two detaches at exit.
	assert_equal "$seen" 'shmget shmctl:IPC_STAT shmat shmctl:IPC_RMID shmget shmget shmat shmctl:IPC_RMID shmdt shmdt'
	trace php "$ROOT/tests/scripts/shm.php" $key clean
	assert_success
	assert_output "$(cat "$BATS_TEST_TMPDIR/bare")"
	assert_line 'shmop read: hello from php'
	assert_line 'shm var: 42'
	assert_equal "$stderr" ''
	assert_equal "$(calls | jq -r 'if .call == "shmctl" then "shmctl:" + .args.cmd else .call end' | tr '\n' ' ' | sed 's/ $//')" "$seen"
	run records 'select(.call == "shmget") | [.args.key, .ret >= 0, .errno]'
	assert_output "$(printf '%s\n' '["0x5eed0d01",true,null]' '["0x5eed0d02",false,"ENOENT"]' '["0x5eed0d02",true,null]')"
	# The calls before exit come from the extensions' own code.
	run records 'select(.event == "stack") | .frames[0].module | sub(".*/"; "")'
	assert_line '"shmop.so"'
	assert_line '"sysvshm.so"'
}

@test "PHP that becomes nobody (posix_setuid, from an extension too) opens its trace file first: its calls are traced" {
	php_or_skip
	[ "$(id -u)" = 0 ] || skip "changes user: needs root"
	# Not the run's first process, which opens its file at start: PHP
	# opens its own when it calls setuid, or not at all once it is nobody
	# (the trace directory is root's).
	trace sh -c 'php "$1" 0x5eed0d41 drop; exit $?' sh "$ROOT/tests/scripts/shm.php"
	assert_success
	assert_line 'uid 65534'
	assert_equal "$stderr" ''
	# Its file was opened while it was still root.
	run records 'select(.event == "start" and .argv[0] == "php") | [.uid, .euid]'
	assert_output '[0,0]'
	assert_equal "$(call_names)" 'shmget shmctl shmat shmctl shmget shmget shmat shmctl shmdt shmdt'
}

@test "PHP: an --inject rule changes what shmop_open sees" {
	php_or_skip
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" --inject shmget:error=ENOSPC:key=0x5eed0d11 -- \
		php "$ROOT/tests/scripts/shm.php" 0x5eed0d11 clean
	assert_failure 1
	assert_output --partial 'shmop_open failed: '
	assert_output --partial 'No space left on device'
	# Its only shmget, injected; PHP then frees the object (shmdt(NULL)).
	run records 'select(.event == "call") | [.call, .args.key, .injected, .errno]'
	assert_output "$(printf '%s\n' '["shmget","0x5eed0d11",true,"ENOSPC"]' '["shmdt",null,false,"EINVAL"]')"
	run awk '$1 == "1592593681"' /proc/sysvipc/shm # 0x5eed0d11: nothing was made
	refute_output
}

@test "PHP: the report finds the segment shmop leaked from the trace, with its creation site" {
	php_or_skip
	trace php "$ROOT/tests/scripts/shm.php" 0x5eed0d21 leak
	assert_success
	run "$SHMTRACE" report --fail-on leaks "$TRACE"
	assert_failure 1
	assert_line --regexp '^LEAK: segment [0-9]+ \(key 0x5eed0d21, 4096 bytes\) created by pid [0-9]+ \(php[0-9.]*\), never removed:$'
	assert_line --regexp '^    #0 0x[0-9a-f]+ in .* \(shmop\.so\+0x[0-9a-f]+\)$'
	refute_output --partial 'inline system call'
	run "$SHMTRACE" report --format json --fail-on none "$TRACE"
	assert_success
	run jq -c '[.leaked_segments[] | [.key, .size, .seen_by_trace]]' <<<"$output"
	assert_output '[["0x5eed0d21",4096,true]]'
}

@test "PHP: shmtrace sweep plans each shm call of the script and fails it in turn" {
	php_or_skip
	run --separate-stderr "$SHMTRACE" sweep --format json -- php "$ROOT/tests/scripts/shm.php" 0x5eed0d31 clean
	assert_equal "$(jq -c .clean.calls <<<"$output")" '{"shmget":3,"shmat":2,"shmdt":2,"shmctl":3}'
	run jq -r '.runs[] | "\(.call) \(.nth) \(.injected) \(.stack[0].module | sub(".*/"; ""))"' <<<"$output"
	assert_equal "${#lines[@]}" 10
	assert_line 'shmget 1 true shmop.so'
	assert_line 'shmget 3 true sysvshm.so'
	assert_line 'shmat 2 true sysvshm.so'
	assert_line 'shmdt 2 true shmop.so'
}

@test "functions taken from a handle of libc (dlsym, as ctypes and Java's Panama do): each call traced, from 16 threads at once too; with a wrapping library after ours that takes libc's so, lookups keep libc's, and nothing loops" {
	# (Under ASan, which wraps shmctl itself after ours, lookups of shmctl
	# keep libc's: documented.)
	ctl=' shmctl'
	[[ "$BUILD" != *build-san* ]] || ctl=''
	trace "$TESTBIN/ffi"
	assert_success
	assert_output ok
	assert_equal "$(call_names)" "shmget shmat shmdt$ctl"
	# Python's ctypes, the same way.
	rm -rf "$TRACE"
	trace python3 -c 'import ctypes; c = ctypes.CDLL("libc.so.6"); i = c.shmget(0, 4096, 0o1600); print(c.shmctl(i, 0, None))'
	assert_success
	assert_output 0
	assert_equal "$(call_names)" 'shmget shmctl'
	# 16 threads taking theirs at once, the first such lookups of the
	# process: the table of our functions is built by one, waited for by
	# the others (re-check 28: calls lost, 7 runs in 100 crashed).
	for i in $(seq 10); do
		rm -rf "$TRACE"
		trace "$TESTBIN/ffi" 16
		assert_success
		assert_output ok
		assert_equal "$(calls shmget | wc -l)" 16
	done
	# A wrapper preloaded after ours that takes libc's shmget from a handle
	# of libc: it gets libc's (ours would call it, and it ours), and so do
	# the program's lookups (documented: not traced then); nothing loops.
	rm -rf "$TRACE"
	run --separate-stderr env LD_PRELOAD="$TESTBIN/libpremark.so" PREMARK_REAL=libc timeout 20 "$SHMTRACE" run -q -o "$TRACE" -- "$TESTBIN/ffi"
	assert_success
	assert_output ok
	run --separate-stderr env LD_PRELOAD="$TESTBIN/libpremark.so" PREMARK_REAL=libc timeout 20 "$SHMTRACE" run -q -o "$TRACE.2" -- ipcmk -M 4096
	assert_success
	assert_equal "$stderr" 'premark: shmget seen'
}

#!/usr/bin/env bats
# `shmtrace run`: options, the trace directory, and exit statuses as env(1)
# has them: 125 for our failures, 126 cannot execute, 127 not found.

load helpers

@test "--help and --version" {
	run "$SHMTRACE" --help
	assert_success
	assert_output --partial 'Usage: shmtrace COMMAND'
	run "$SHMTRACE" run --help
	assert_success
	for option in --output --backtrace --quiet --help; do
		assert_output --partial -- "$option"
	done
	run "$SHMTRACE" help run
	assert_success
	assert_output --partial 'Usage: shmtrace run'
	run "$SHMTRACE" --version
	assert_success
	assert_output "$(printf 'shmtrace %s\nLicense: MIT' "$(sed -n 's/.*SHMTRACE_VERSION "\(.*\)"/\1/p' "$ROOT/common/version.h")")"
}

@test "a command that does not exist: 127; one that cannot run: 126" {
	run -127 --separate-stderr "$SHMTRACE" run -o "$TRACE" -- no-such-command-here
	assert_equal "$stderr" 'shmtrace: run: no-such-command-here: command not found'
	touch "$BATS_TEST_TMPDIR/not-executable"
	run -126 --separate-stderr "$SHMTRACE" run -o "$TRACE" -- "$BATS_TEST_TMPDIR/not-executable"
	assert_equal "$stderr" "shmtrace: run: $BATS_TEST_TMPDIR/not-executable: Permission denied"
}

@test "bad options: 125 with one line naming the bad part, and the program does not run" {
	run --separate-stderr "$SHMTRACE" run --backtrace 65 -- touch "$BATS_TEST_TMPDIR/ran"
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: run: --backtrace '65': expected a depth from 0 to 64"
	run --separate-stderr "$SHMTRACE" run --frobnicate -- touch "$BATS_TEST_TMPDIR/ran"
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: run: option '--frobnicate' is unknown or needs a value (see 'shmtrace run --help')"
	run --separate-stderr "$SHMTRACE" run -o
	assert_equal "$status" 125
	run --separate-stderr "$SHMTRACE" run
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: run: no command to run (see 'shmtrace run --help')"
	run --separate-stderr "$SHMTRACE" frobnicate
	assert_equal "$status" 125
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "a static program is refused with the reason, rather than leave an empty trace" {
	run --separate-stderr "$SHMTRACE" run -o "$TRACE" -- "$TESTBIN/static_true"
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: run: cannot trace $TESTBIN/static_true: it is statically linked: there is no dynamic loader to preload into it"
}

@test "a script whose #! interpreter is static is refused with the reason too; one of a dynamic interpreter runs" {
	# Before: run ran it, and said it "removed LD_PRELOAD" (outside trial 23).
	printf '#! %s -x\ntrue\n' "$TESTBIN/static_true" >"$BATS_TEST_TMPDIR/script"
	chmod +x "$BATS_TEST_TMPDIR/script"
	run --separate-stderr "$SHMTRACE" run -o "$TRACE" -- "$BATS_TEST_TMPDIR/script"
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: run: cannot trace $BATS_TEST_TMPDIR/script: its interpreter $TESTBIN/static_true: it is statically linked: there is no dynamic loader to preload into it"
	# A script whose interpreter is that script: each level named (the
	# message was garbled, its buffer written into itself: outside re-check).
	printf '#!%s\n' "$BATS_TEST_TMPDIR/script" >"$BATS_TEST_TMPDIR/outer"
	chmod +x "$BATS_TEST_TMPDIR/outer"
	run --separate-stderr "$SHMTRACE" run -o "$TRACE" -- "$BATS_TEST_TMPDIR/outer"
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: run: cannot trace $BATS_TEST_TMPDIR/outer: its interpreter $BATS_TEST_TMPDIR/script: its interpreter $TESTBIN/static_true: it is statically linked: there is no dynamic loader to preload into it"
	printf '#!/bin/sh\nipcs -m >/dev/null\n' >"$BATS_TEST_TMPDIR/script"
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE.sh" -- "$BATS_TEST_TMPDIR/script"
	assert_success
}

@test "a set-user-ID program owned by someone else is refused" {
	[ "$(id -u)" = 0 ] || skip "needs root to make the file"
	cp "$SAMPLES/classic" "$BATS_TEST_TMPDIR/suid"
	chown nobody "$BATS_TEST_TMPDIR/suid"
	chmod u+s "$BATS_TEST_TMPDIR/suid"
	run --separate-stderr "$SHMTRACE" run -o "$TRACE" -- "$BATS_TEST_TMPDIR/suid"
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: run: cannot trace $BATS_TEST_TMPDIR/suid: it is set-user-ID or set-group-ID: the loader ignores LD_PRELOAD for it"
}

@test "a program with file capabilities run by another user than root is refused, as is any program when run's real and effective ids differ" {
	[ "$(id -u)" = 0 ] || skip "needs root to set capabilities and change users"
	command -v setcap >/dev/null || skip "no setcap (libcap2-bin)"
	# (Secure-execution mode, as for set-user-ID: ping, mtr-packet and
	# gst-ptp-helper have capabilities in Debian; outside trial 27.)
	dir=$(mktemp -d /tmp/shmtrace-caps.XXXXXX) # (bats' own directory: root's alone)
	chmod 755 "$dir"
	cp "$SAMPLES/classic" "$dir/cap"
	chmod 755 "$dir/cap"
	setcap cap_ipc_lock+ep "$dir/cap"
	run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups "$SHMTRACE" run -o "$dir/trace" -- "$dir/cap"
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: run: cannot trace $dir/cap: it has file capabilities (setcap) and you are not root: the loader ignores LD_PRELOAD for it"
	[ ! -e "$dir/trace" ]
	# Inheritable capabilities alone raise nothing: traced (re-check 28).
	setcap cap_ipc_lock+i "$dir/cap"
	chown nobody "$dir"
	run --separate-stderr unshare --ipc setpriv --reuid=nobody --regid=nogroup --clear-groups "$SHMTRACE" run -q -o "$dir/trace" -- "$dir/cap"
	assert_success
	assert_equal "$(cat "$dir"/trace/*.jsonl | jq -c 'select(.call == "shmget")' | wc -l)" 1
	rm -rf "$dir/trace"
	chown root "$dir"
	setcap cap_ipc_lock+ep "$dir/cap"
	# Root's caps do not grow: the same program is traced.
	run --separate-stderr unshare --ipc "$SHMTRACE" run -q -o "$TRACE" -- "$dir/cap"
	assert_success
	[ "$(calls shmget | wc -l)" = 1 ]
	# run with an effective id that is not its real one: nothing it starts is
	# traced.  (Not under ASan: a process in secure-execution mode ignores
	# ASAN_OPTIONS, and LeakSanitizer cannot look at it, exit 1.)
	if [[ "$BUILD" == *build-san* ]]; then
		rm -rf "$dir"
		return
	fi
	run --separate-stderr setpriv --euid=nobody "$SHMTRACE" run -o "$dir/trace" -- "$SAMPLES/classic"
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: run: cannot trace $SAMPLES/classic: run's real and effective user or group ids differ, so every program it starts runs in secure-execution mode, where the loader ignores LD_PRELOAD"
	rm -rf "$dir"
}

@test "without -o the trace goes to ./shmtrace.<program>.<pid>, and run says where" {
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr "$SHMTRACE" run "$SAMPLES/classic"
	assert_success
	dir=$(ls -d shmtrace.classic.*)
	assert_equal "$stderr" "shmtrace: 1 trace file(s) in $BATS_TEST_TMPDIR/$dir"
	[ "$(cat "$dir"/*.jsonl | jq -c 'select(.call == "shmget") | .created')" = true ]
}

@test "a relative -o is resolved once, at start: a program that changes directory still writes there" {
	cd "$BATS_TEST_TMPDIR"
	"$SHMTRACE" run -q -o rel/trace -- sh -c "cd / && '$SAMPLES/classic'" >/dev/null
	run sh -c "cat rel/trace/*.jsonl | jq -c 'select(.call == \"shmget\") | .created'"
	assert_output true
	[ ! -e /rel ]
}

@test "a library that writes no trace: run warns that the program was not traced" {
	run --separate-stderr env SHMTRACE_LIB="$TESTBIN/libpremark.so" "$SHMTRACE" run -o "$TRACE" -- true
	assert_success
	[[ "$stderr" == *"shmtrace: warning: no trace from /usr/bin/true (pid "* ]]
}

@test "SHMTRACE_LIB naming no file: 125" {
	run --separate-stderr env SHMTRACE_LIB=/nonexistent/lib.so "$SHMTRACE" run -o "$TRACE" -- true
	assert_equal "$status" 125
	[[ "$stderr" == *"SHMTRACE_LIB names no readable file"* ]]
}

@test "in a rootless user namespace (unshare --user as an ordinary user), -o works: root's directories show as the overflow uid" {
	[ "$(id -u)" = 0 ] || skip "needs root to become another user"
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	runuser -u nobody -- unshare --user --map-root-user true 2>/dev/null || skip "no unprivileged user namespaces here"
	# Copies nobody may run, wherever the checkout is.
	dir=$(mktemp -d /tmp/shmtrace-userns.XXXXXX)
	chmod 1777 "$dir"
	cp "$SHMTRACE" "$LIB" "$dir/"
	# Before: "-o '...': / above it is owned by uid 65534: refusing to
	# write a trace there", 125 (outside re-check).
	run --separate-stderr runuser -u nobody -- env SHMTRACE_LIB="$dir/libshmtrace.so" \
		unshare --user --map-root-user --ipc "$dir/shmtrace" run -q -o "$dir/t" -- ipcmk -M 4096
	status_was=$status
	calls=$(cat "$dir"/t/shmtrace.*.jsonl 2>/dev/null | jq -r 'select(.event == "call") | .call' | sort -u | tr '\n' ' ')
	rm -rf "$dir"
	assert_equal "$status_was" 0
	assert_equal "$calls" "shmget "
}

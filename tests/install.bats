#!/usr/bin/env bats
# make install: a staged tree whose shmtrace finds its library with no
# environment at all, from any directory.

load helpers

@test "make install DESTDIR PREFIX: the installed shmtrace traces with an empty environment" {
	stage="$BATS_TEST_TMPDIR/stage"
	run make -s -C "$ROOT" install DESTDIR="$stage" PREFIX=/usr
	assert_success
	[ -x "$stage/usr/bin/shmtrace" ]
	[ -f "$stage/usr/lib/shmtrace/libshmtrace.so" ]
	[ -f "$stage/usr/share/doc/shmtrace/trace-format.md" ]
	cmp "$ROOT/LICENSE" "$stage/usr/share/doc/shmtrace/LICENSE"
	[ -f "$stage/usr/share/man/man1/shmtrace.1" ]

	cd /
	# (Under make test SANITIZE=1 the sanitizers' settings stay.)
	run env -i ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} "$stage/usr/bin/shmtrace" run -q -o "$TRACE" -- "$SAMPLES/classic"
	assert_success
	run records 'select(.event == "call") | .call'
	assert_line --index 0 '"shmget"'

	run make -s -C "$ROOT" uninstall DESTDIR="$stage" PREFIX=/usr
	assert_success
	run find "$stage" -type f
	assert_output ''
}

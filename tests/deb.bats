#!/usr/bin/env bats
# Debian packaging: dpkg-buildpackage makes a .deb that lintian finds no
# error in, that installs, works from / with an empty environment, and
# removes cleanly.

load helpers

setup() {
	[ "$(id -u)" = 0 ] || skip "installs a package: needs root"
	command -v dpkg-buildpackage >/dev/null && [ -e /usr/share/perl5/Debian/Debhelper/Dh_Lib.pm ] ||
		skip "no dpkg-buildpackage or debhelper (make deps installs them)"
	! dpkg -s shmtrace >/dev/null 2>&1 || skip "a shmtrace package is installed already: not touching it"
	TRACE="$BATS_TEST_TMPDIR/trace"
	SRC="$BATS_TEST_TMPDIR/src/shmtrace"
	mkdir -p "$SRC"
	(cd "$ROOT" && git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$SRC")
}

teardown() {
	dpkg -r shmtrace >/dev/null 2>&1 || true
}

@test "the .deb builds, is lintian-clean of errors, installs, runs, and removes" {
	cd "$SRC"
	run dpkg-buildpackage -us -uc -b
	assert_success
	deb=$(ls "$BATS_TEST_TMPDIR"/src/shmtrace_*_amd64.deb)
	run dpkg-deb -c "$deb"
	assert_output --partial ./usr/bin/shmtrace
	assert_output --partial ./usr/lib/shmtrace/libshmtrace.so
	assert_output --partial ./usr/share/man/man1/shmtrace.1.gz
	assert_output --partial ./usr/share/doc/shmtrace/trace-format.md.gz
	# The license travels with the package, in Debian's machine-readable form.
	assert_output --partial ./usr/share/doc/shmtrace/copyright
	run sh -c "dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./usr/share/doc/shmtrace/copyright"
	assert_line 'License: MIT'
	assert_line --partial 'Permission is hereby granted, free of charge'
	if command -v lintian >/dev/null; then
		run lintian "$deb"
		refute_output --regexp '^E: '
	fi

	run dpkg -i "$deb"
	assert_success
	cd /
	run env -i ${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} /usr/bin/shmtrace run -q -o "$TRACE" -- "$SAMPLES/classic"
	assert_success
	run env -i /usr/bin/shmtrace report --format json "$TRACE"
	assert_success
	run jq -c '.summary.calls.shmget' <<<"$output"
	assert_output 1
	run man -w shmtrace
	assert_output /usr/share/man/man1/shmtrace.1.gz

	run dpkg -r shmtrace
	assert_success
	[ ! -e /usr/bin/shmtrace ] && [ ! -e /usr/lib/shmtrace ]
}

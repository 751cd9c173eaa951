#!/usr/bin/env bats
# Hostile input to what the report reads and prints (issue 13, the third
# trial; docs/security.md): another user's kernel.jsonl, escapes in file
# names, symbol names and POSIX names, a module path that is a FIFO or a
# device.  Each test does what the attacker did; "nobody" plays the other
# user.

load helpers

# The lines of $1 that hold a raw control a terminal would obey: C0 but
# newline, DEL, C1 (UTF-8 \xc2\x80-\x9f), bidi controls.  Bytes, whatever
# the locale.
raw_controls() {
	printf '%s\n' "$1" | LC_ALL=C perl -ne 'print if /[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c/'
}

# The confirmed state of the run's two leaks under --live, as JSON: the
# segment's and the name's [confirmed, remove, removable].
live_verdicts() {
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	jq -c '[(.leaked_segments[] | [.live.confirmed, .live.remove, .removable]),
		(.posix_names_never_unlinked[] | [.live.confirmed, .live.remove]), .run_untrusted]' <<<"$output"
}

@test "r04 report --live DIR whose kernel.jsonl or DIR another user owns, or others may write: a warning naming it, nothing confirmed" {
	n="shmtrace-r04-$$"
	made=("/dev/shm/$n")
	trace sh -c "ipcmk -M 4096 >/dev/null && \"$TESTBIN/names\" open:/$n >/dev/null"
	assert_success
	# run's own directory, as run left it: both confirmed.
	run live_verdicts
	assert_output --regexp '^\[\[true,"ipcrm -m [0-9]+",true\],\[true,"rm -- /dev/shm/'"$n"'"\],null\]$'
	nobody=$(id -u nobody)
	for change in "chown nobody $TRACE/kernel.jsonl" "chown nobody $TRACE" "chmod o+w $TRACE" \
		"chmod g+w $TRACE/kernel.jsonl"; do
		$change
		run live_verdicts
		assert_output "[[false,null,false],[false,null],\"$TRACE/kernel.jsonl\"]"
		run --separate-stderr "$SHMTRACE" report --live "$TRACE"
		refute_output --partial "remove it with"
		assert_line "  not run's record: $TRACE/kernel.jsonl (another user could have written it): nothing it says is confirmed"
		case "$change" in
		"chown nobody $TRACE/kernel.jsonl") why="it is owned by uid $nobody, not by the caller (uid 0) or root" ;;
		"chown nobody $TRACE") why="its directory is owned by uid $nobody, not by the caller (uid 0) or root" ;;
		"chmod o+w $TRACE") why="its directory is writable by others (mode 0757)" ;;
		*) why="it is writable by others (mode 0620)" ;;
		esac
		assert_equal "$stderr" "shmtrace: report: warning: $TRACE/kernel.jsonl: $why: what it says of the run is testimony, not run's record; nothing it claims is confirmed as the run's"
		chown root "$TRACE" "$TRACE/kernel.jsonl"
		chmod 755 "$TRACE"
		chmod 600 "$TRACE/kernel.jsonl"
	done
	run live_verdicts # as it was
	assert_output --regexp '^\[\[true,"ipcrm -m [0-9]+",true\],\[true,"rm -- /dev/shm/'"$n"'"\],null\]$'
}

@test "r04 report without a path passes over a trace directory here that another user made or may write, however new" {
	shared="$BATS_TEST_TMPDIR/shared"
	mkdir -m 1777 "$shared"
	cd "$shared"
	TRACE="$shared/shmtrace.ipcmk.1" # for the teardown
	"$SHMTRACE" run -q -o shmtrace.ipcmk.1 -- ipcmk -M 4096 >/dev/null
	touch -d 2020-01-01 shmtrace.ipcmk.1
	# Theirs: a copy of it (the attacker's would claim a segment of root's), dated 2030.
	cp -a shmtrace.ipcmk.1 shmtrace.app.99999
	chown -R nobody shmtrace.app.99999
	cp -a shmtrace.ipcmk.1 shmtrace.app.99998
	chmod 0777 shmtrace.app.99998
	cp -a shmtrace.ipcmk.1 shmtrace.app.99997
	chown nobody shmtrace.app.99997/kernel.jsonl
	ln -s shmtrace.ipcmk.1 shmtrace.link.1
	touch -h -d 2030-01-01 shmtrace.app.9999[789] shmtrace.link.1
	run --separate-stderr "$SHMTRACE" report --live
	assert_line --partial "remove it with: ipcrm -m"
	[ "${#stderr_lines[@]}" = 5 ] || fail "$stderr"
	nobody=$(id -u nobody)
	for line in "reading shmtrace.ipcmk.1, the newest trace directory here" \
		"passed over shmtrace.app.99999: it is owned by uid $nobody, not by the caller (uid 0) or root: another user could have made or filled it" \
		"passed over shmtrace.app.99998: it is writable by others (mode 0777): another user could have made or filled it" \
		"passed over shmtrace.app.99997: its kernel.jsonl is owned by uid $nobody, not by the caller (uid 0) or root: another user could have made or filled it" \
		"passed over shmtrace.link.1: a symbolic link: another user could have made or filled it"; do
		grep -qxF "shmtrace: report: $line" <<<"$stderr" || fail "no line '$line' in: $stderr"
	done
}

@test "r05 escapes in the names of skipped files, in jansson's 'near' text and in run -o's refusal reach stderr escaped" {
	trace ipcmk -M 4096
	mkfifo "$TRACE/x"$'\e[31mRED\e[0m'".jsonl"
	ln -s /dev/zero "$TRACE/z"$'\e]0;title\a'".jsonl"
	printf '{"event":1, \e[2J}\n' >"$TRACE/g.jsonl"
	run --separate-stderr "$SHMTRACE" report "$TRACE"
	assert_equal "$status" 1
	[ -z "$(raw_controls "$stderr")" ] || fail "raw escapes on stderr: $(cat -v <<<"$stderr")"
	for line in 'shmtrace: report: skipped '"$TRACE"'/x\x1b[31mRED\x1b[0m.jsonl: a FIFO' \
		'shmtrace: report: skipped '"$TRACE"'/z\x1b]0;title\x07.jsonl: a symbolic link' \
		"$TRACE/g.jsonl:1: warning: not a JSON object: string or '}' expected near '\\x1b': line ignored"; do
		grep -qxF "$line" <<<"$stderr" || fail "no line '$line' in: $(cat -v <<<"$stderr")"
	done

	mkdir -m 777 "$BATS_TEST_TMPDIR/o"$'\e[2J'
	run --separate-stderr "$SHMTRACE" run -o "$BATS_TEST_TMPDIR/o"$'\e[2J' -- true
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: run: -o '$BATS_TEST_TMPDIR/o\\x1b[2J': writable by others (mode 0777): refusing to write a trace there"
}

@test "r06 sweep's table shows a function named with escapes (a patched symbol table) escaped, as the report does" {
	cp "$TESTBIN/evilname" "$BATS_TEST_TMPDIR/e"
	perl -0777 -pi -e '$n = "\e]0;pwned\a\e[2J\e[31mHIDE\xc2\x9bm"; $n .= "_" x (33 - length $n);
		s/evilfunc_A{24}/$n/g' "$BATS_TEST_TMPDIR/e"
	run --separate-stderr timeout 120 "$SHMTRACE" sweep -t 20 -- "$BATS_TEST_TMPDIR/e"
	[ -z "$(raw_controls "$output")" ] || fail "raw escapes in the table: $(cat -v <<<"$output")"
	assert_line --regexp '^   1  shmget .* \\x1b\]0;pwned\\x07\\x1b\[2J\\x1b\[31mHIDE\\xc2\\x9bm_______ '
}

# hint_removes NAME SHELL: the --live hint for the leaked name NAME, run by
# SHELL with /dev/shm/ turned into a directory of the test's that holds
# NAME and decoys (what a misread hint would name), removes NAME alone.
hint_removes() {
	local name=$1 shell=$2 d="$BATS_TEST_TMPDIR/shm" hint
	rm -rf "$TRACE" "$d"
	mkdir "$d"
	trace "$TESTBIN/names" "open:/$name"
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	hint=$(jq -r '.posix_names_never_unlinked[0].live.remove' <<<"$output")
	run --separate-stderr "$SHMTRACE" report --live "$TRACE"
	assert_line "  still in /dev/shm now; remove it with: $hint" # text and JSON: one command
	[[ "$hint" != *$'\n'* && -z "$(raw_controls "$hint")" ]] || fail "raw controls in: $(cat -v <<<"$hint")"
	: >"$d/$name"
	: >"$d/$(printf '%s' "$name" | od -An -tx1 | tr -d ' \n')" # a decoy
	: >"$d/x"
	"$shell" -c "${hint//\/dev\/shm\//$d/}" || fail "$shell: '$hint' failed"
	[ ! -e "$d/$name" ] || fail "$shell: '$hint' left the name"
	[ "$(ls -A "$d" | wc -l)" = 2 ] || fail "$shell: '$hint' removed another file"
	rm -f "/dev/shm/$name"
}

@test "r07 the --live hint for a name with a C1 control, a bidi control, ESC, a newline or a byte not UTF-8 removes exactly it, in bash and dash" {
	for name in $'a\xc2\x9bb' $'r\xe2\x80\xaeexe.txt' $'i\xe2\x81\xa6x' $'e\e[2Jx' $'t\n' $'f\xffx' 'b\s'; do
		name="shmtrace-r07-$name"
		made+=("/dev/shm/$name")
		hint_removes "$name" bash
		hint_removes "$name" dash
	done
}

@test "r07 bidi controls (U+202E, U+2066) in a name are escaped in the text report" {
	name=$'shmtrace-r07-\xe2\x80\xaetxt.exe'
	made=("/dev/shm/$name" $'/dev/shm/shmtrace-r07-\xe2\x81\xa6iso')
	trace "$TESTBIN/names" "open:/$name" $'open:/shmtrace-r07-\xe2\x81\xa6iso'
	run --separate-stderr "$SHMTRACE" report "$TRACE"
	[ -z "$(raw_controls "$output")" ] || fail "raw bidi controls in the report: $(cat -v <<<"$output")"
	assert_line --partial 'POSIX shared memory /shmtrace-r07-\xe2\x80\xaetxt.exe'
	assert_line --partial 'POSIX shared memory /shmtrace-r07-\xe2\x81\xa6iso'
}

# A trace whose one frame's module is $1.
module_trace() {
	mkdir -p "$TRACE"
	cat >"$TRACE/shmtrace.7.jsonl" <<JSONL
{"event":"header","format":"shmtrace","version":1,"tool":"shmtrace 0.1.0","pid":7,"proc_start":1,"backtrace":16,"seed":1,"inject":[]}
{"event":"stack","id":1,"frames":[{"ip":"0x7f0000001234","module":"$1","offset":"0x1234"}]}
{"event":"call","call":"shmget","seq":1,"pid":7,"tid":7,"ts":10,"dur":1,"args":{"key":"0x00000000","size":4096,"shmflg":896,"flags":["IPC_CREAT"],"mode":"0600"},"ret":5,"errno":null,"injected":false,"created":true,"stack":1}
JSONL
}

@test "r08 a module path that is another user's FIFO is never opened: their blocked writer stays blocked" {
	shared=$(mktemp -d)
	chmod 1777 "$shared"
	setpriv --reuid=nobody --regid=nogroup --clear-groups mkfifo "$shared/probe"
	setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c "exec 3>$shared/probe; echo released >$shared/released" 3>&- &
	writer=$!
	sleep 0.3
	module_trace "$shared/probe"
	run -1 --separate-stderr timeout 20 "$SHMTRACE" report "$TRACE"
	sleep 0.3
	released=no
	[ ! -e "$shared/released" ] || released=yes
	kill "$writer" 2>/dev/null || true
	wait "$writer" 2>/dev/null || true
	rm -rf "$shared"
	assert_equal "$released" no
	assert_line "    #0 0x7f0000001234 in ? (probe+0x1234)"
}

@test "r08 a module path that is a device (/dev/ptmx), or a link to one, is never opened for reading" {
	command -v strace >/dev/null || skip "no strace"
	ln -s /dev/ptmx "$BATS_TEST_TMPDIR/lib.so"
	for module in /dev/ptmx "$BATS_TEST_TMPDIR/lib.so"; do
		rm -rf "$TRACE"
		module_trace "$module"
		# (LeakSanitizer cannot work under ptrace: off under strace.)
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
			run strace -f -e trace=open,openat -o "$BATS_TEST_TMPDIR/opens" "$SHMTRACE" report "$TRACE"
		assert_equal "$status" 1
		run grep -F "\"$module\"" "$BATS_TEST_TMPDIR/opens"
		assert_output --partial "O_PATH" # looked at,
		run sh -c 'grep -F -e "\"$1\"" -e /proc/self/fd/ "$2" | grep -v O_PATH' - "$module" "$BATS_TEST_TMPDIR/opens"
		assert_output '' # never opened otherwise
	done
}

@test "observation: a stack record deeper than the library writes (64 frames) is ignored, never held; one of 64 is read" {
	mkdir -p "$TRACE"
	deep() { # a stack record of $1 distinct frames, each its own module
		perl -e 'print join(",", map { sprintf q({"ip":"0x%x","module":"/m%d","offset":"0x%x"}), 0x7f0000000000 + $_, $_, $_ } 1 .. $ARGV[0])' "$1"
	}
	cat >"$TRACE/shmtrace.7.jsonl" <<JSONL
{"event":"header","format":"shmtrace","version":1,"tool":"shmtrace 0.1.0","pid":7,"proc_start":1,"backtrace":64,"seed":1,"inject":[]}
{"event":"stack","id":1,"frames":[$(deep 200000)]}
{"event":"stack","id":2,"frames":[$(deep 64)]}
{"event":"call","call":"shmget","seq":1,"pid":7,"tid":7,"ts":10,"dur":1,"args":{"key":"0x00000000","size":4096,"shmflg":896,"flags":["IPC_CREAT"],"mode":"0600"},"ret":5,"errno":null,"injected":false,"created":true,"stack":1}
{"event":"call","call":"shmget","seq":2,"pid":7,"tid":7,"ts":11,"dur":1,"args":{"key":"0x00000000","size":4096,"shmflg":896,"flags":["IPC_CREAT"],"mode":"0600"},"ret":6,"errno":null,"injected":false,"created":true,"stack":2}
JSONL
	run -1 --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	assert_equal "${stderr_lines[0]}" "$TRACE/shmtrace.7.jsonl:2: warning: malformed stack record: ignored"
	run jq -c '[.leaked_segments[] | [.shmid, (.stack | length)]]' <<<"$output"
	assert_output '[[5,0],[6,64]]'
}

@test "observation: a clean run whose trace claims more call sites than --max-runs: sweep refuses (125) before any run, saying so" {
	cat >"$BATS_TEST_TMPDIR/sites.pl" <<'EOF2'
use IPC::SysV qw(IPC_PRIVATE IPC_CREAT IPC_RMID);
my $id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600) // exit 1;
shmctl($id, IPC_RMID, 0);
my ($file) = glob("$ENV{SHMTRACE_OUT}/shmtrace.$$*.jsonl");
open(my $f, '>>', $file) or die "$file: $!";
printf $f qq({"event":"call","call":"shmget","seq":%d,"pid":$$,"tid":$$,"ts":%d,"dur":1,"args":{"key":"0x00000000","size":4096,"shmflg":896,"flags":["IPC_CREAT"],"mode":"0600"},"ret":-1,"errno":"ENOSPC","injected":false}\n), 100 + $_, 100 + $_ for 1 .. 50;
EOF2
	run --separate-stderr timeout 120 "$SHMTRACE" sweep --max-runs 20 -o "$BATS_TEST_TMPDIR/sw" -- perl "$BATS_TEST_TMPDIR/sites.pl"
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: sweep: the clean run's trace plans 52 runs, more than --max-runs 20 (a trace can claim any number of call sites): refusing; see 'shmtrace sweep --help'"
	run ls "$BATS_TEST_TMPDIR/sw"
	refute_output --partial run-0001
	run "$SHMTRACE" sweep --help
	assert_line "      --max-runs N     refuse a plan of more than N runs (default 10000)"
}

#!/usr/bin/env bats
# Hostile input (issue 13, docs/security.md): no traced program, other user
# or crafted trace may turn shmtrace against the person running it.  Each
# test does what an attacker would; "nobody" plays the other user.

load helpers

# assert_nothing_left PATTERN SIZE: no process matching PATTERN still runs
# and no segment of SIZE bytes is in the kernel -- what sweep must have
# ended and removed.  Either is cleaned up here before the verdict.
assert_nothing_left() {
	local left segments id
	left=$(pgrep -f "$1" || true)
	[ -z "$left" ] || kill $left
	segments=$(awk -v size="$2" '$4 == size' /proc/sysvipc/shm | wc -l)
	for id in $(awk -v size="$2" '$4 == size { print $2 }' /proc/sysvipc/shm); do ipcrm -m "$id"; done
	[ -z "$left" ] || fail "sweep left running: $left"
	[ "$segments" -eq 0 ] || fail "sweep left $segments segment(s) of $2 bytes"
}

# forge.pl: a swept program that makes two real calls, then appends forged
# records to its own trace (as a program that dropped privileges still can,
# through its inherited descriptor): a shm_open of a name that climbs out
# of /dev/shm, and the creation of a segment another program made.
write_forger() {
	cat >"$BATS_TEST_TMPDIR/forge.pl" <<'EOF'
use IPC::SysV qw(IPC_PRIVATE IPC_CREAT IPC_RMID);
my ($escape, $victim_id, $victim_pid) = @ARGV;
my $id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600) // exit 1;
shmctl($id, IPC_RMID, 0);
my ($file) = sort glob("$ENV{SHMTRACE_OUT}/shmtrace.$$.*jsonl"), glob("$ENV{SHMTRACE_OUT}/shmtrace.$$.jsonl");
open(my $f, '>>', $file) or die "$file: $!";
print $f qq({"event":"call","call":"shm_open","seq":90,"pid":$$,"tid":$$,"ts":1,"dur":1,"args":{"name":"$escape","oflag":66,"flags":["O_RDWR","O_CREAT"],"mode":"0600"},"ret":3,"errno":null,"injected":false,"created":true}\n);
print $f qq({"event":"call","call":"shmget","seq":91,"pid":$victim_pid,"tid":$victim_pid,"ts":2,"dur":1,"args":{"key":"0x00000000","size":4096,"shmflg":896,"flags":["IPC_CREAT"],"mode":"0600"},"ret":$victim_id,"errno":null,"injected":false,"created":true}\n);
EOF
}

@test "13.1 sweep removes only what the kernel confirms: a forged name climbing out of /dev/shm and another program's segment survive" {
	write_forger
	echo precious >"$BATS_TEST_TMPDIR/victim"
	victim_id=$(ipcmk -M 4096 | sed 's/.*: //')
	victim_pid=$(awk -v id="$victim_id" '$2 == id { print $5 }' /proc/sysvipc/shm)
	run --separate-stderr "$SHMTRACE" sweep -t 20 -- perl "$BATS_TEST_TMPDIR/forge.pl" \
		"/../..$BATS_TEST_TMPDIR/victim" "$victim_id" "$victim_pid"
	[ -e "$BATS_TEST_TMPDIR/victim" ] || fail "sweep deleted $BATS_TEST_TMPDIR/victim through a forged POSIX name"
	run ipcs -m -i "$victim_id"
	ipcrm -m "$victim_id" || true
	assert_success # the segment another program made is still there
}

@test "13.1 report --live prints no removal for a forged leak, and the kernel's creator for a real one" {
	write_forger
	victim_id=$(ipcmk -M 4096 | sed 's/.*: //')
	victim_pid=$(awk -v id="$victim_id" '$2 == id { print $5 }' /proc/sysvipc/shm)
	trace perl "$BATS_TEST_TMPDIR/forge.pl" "/../..$BATS_TEST_TMPDIR/victim" "$victim_id" "$victim_pid"
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	ipcrm -m "$victim_id"
	run jq -c '[(.leaked_segments | length), (.other_segments | map(.shmid == '"$victim_id"')),
		(.posix_names_never_unlinked | map(.live.remove))]' <<<"$output"
	assert_output '[0,[true],[null]]'
}

# claim.sh NAME READY: a program that says it is ready, waits until
# another user has made /dev/shm/NAME, and then claims it in its own trace
# with a forged shm_open.  as_other_user NAME READY: that user ("nobody"),
# outside the run, making the name once the run is under way.
write_claimer() {
	cat >"$BATS_TEST_TMPDIR/claim.sh" <<'EOF'
touch "$2"
while [ ! -e "/dev/shm/$1" ]; do sleep 0.05; done
printf '{"event":"call","call":"shm_open","seq":90,"pid":%d,"tid":%d,"ts":1,"dur":1,"args":{"name":"/%s","oflag":66,"flags":["O_RDWR","O_CREAT"],"mode":"0600"},"ret":3,"errno":null,"injected":false,"created":true}\n' $$ $$ "$1" >>"$SHMTRACE_OUT/shmtrace.$$.jsonl"
EOF
	name="shmtrace-hostile-$$-$BATS_TEST_NUMBER"
	made=("/dev/shm/$name")
}
as_other_user() {
	while [ ! -e "$2" ]; do sleep 0.05; done
	setpriv --reuid=nobody --regid=nogroup --clear-groups touch "/dev/shm/$1"
}

@test "13.1 sweep leaves another user's /dev/shm name made during the run, which a forged trace claims" {
	write_claimer
	as_other_user "$name" "$BATS_TEST_TMPDIR/ready" 3>&- &
	run --separate-stderr timeout 120 "$SHMTRACE" sweep -t 20 -- sh "$BATS_TEST_TMPDIR/claim.sh" "$name" "$BATS_TEST_TMPDIR/ready"
	wait
	[ -e "/dev/shm/$name" ] || fail "sweep removed /dev/shm/$name, which uid $(id -u nobody) made"
	assert_equal "$(stat -c %U "/dev/shm/$name")" nobody
}

@test "13.1 report --live prints no removal for another user's /dev/shm name a forged trace claims; run records the run's user ids" {
	write_claimer
	as_other_user "$name" "$BATS_TEST_TMPDIR/ready" 3>&- &
	trace sh "$BATS_TEST_TMPDIR/claim.sh" "$name" "$BATS_TEST_TMPDIR/ready"
	wait
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	run jq -c '.posix_names_never_unlinked | map([.name, .live.present, .live.confirmed, .live.remove])' <<<"$output"
	assert_output '[["/'"$name"'",true,false,null]]'
	run --separate-stderr "$SHMTRACE" report --live "$TRACE"
	assert_output --partial "not shown how to remove it: the kernel does not confirm this run made it"
	refute_output --partial "rm -- /dev/shm/$name"
	run jq -c 'select(.event == "processes") | .uids' "$TRACE/kernel.jsonl"
	assert_output '[0]'
}

@test "13.1 run records the user ids the run's processes took, from the kernel: a program that drops to nobody adds nobody's" {
	"$SHMTRACE" run -q -o "$TRACE" -- setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null
	run jq -c 'select(.event == "processes") | .uids | sort' "$TRACE/kernel.jsonl"
	assert_output "[0,$(id -u nobody)]"
}

# claim_after_drop.sh NAME DIR: a program started as root that keeps its
# trace open, becomes nobody, says so (DIR/ready), waits until root -- an
# unrelated root process: a parallel job, a service -- has made
# /dev/shm/NAME, and claims it through the descriptor it kept.
# write_drop_claimer [KEEPER]: KEEPER, a command the program starts as
# nobody before it says it is ready, and leaves running.
write_drop_claimer() {
	cat >"$BATS_TEST_TMPDIR/claim_after_drop.sh" <<'EOF'
exec 3>>"$SHMTRACE_OUT/shmtrace.$$.jsonl"
exec setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c '
[ -z "$3" ] || $3
touch "$2/ready"
while [ ! -e "/dev/shm/$1" ]; do sleep 0.05; done
printf "{\"event\":\"call\",\"call\":\"shm_open\",\"seq\":90,\"pid\":%d,\"tid\":%d,\"ts\":1,\"dur\":1,\"args\":{\"name\":\"/%s\",\"oflag\":66,\"flags\":[\"O_RDWR\",\"O_CREAT\"],\"mode\":\"0600\"},\"ret\":3,\"errno\":null,\"injected\":false,\"created\":true}\n" $$ $$ "$1" >&3' sh "$1" "$2" "$KEEPER"
EOF
	export KEEPER="${1:-}"
	name="shmtrace-rootjob-$$-$BATS_TEST_NUMBER"
	made=("/dev/shm/$name")
	# Where nobody can say it is ready (the test's own directory is root's).
	ready=$(mktemp -d /tmp/shmtrace-ready.XXXXXX)
	chmod 1777 "$ready"
	made+=("$ready/ready")
}
as_root_job() {
	while [ ! -e "$2/ready" ]; do sleep 0.05; done
	echo data >"/dev/shm/$1"
}

@test "13.r12 sweep leaves root's /dev/shm name made by another root process after the run dropped to nobody" {
	write_drop_claimer
	as_root_job "$name" "$ready" 3>&- &
	run --separate-stderr timeout 120 "$SHMTRACE" sweep -t 20 -- sh "$BATS_TEST_TMPDIR/claim_after_drop.sh" "$name" "$ready"
	wait
	[ -e "/dev/shm/$name" ] || fail "sweep removed /dev/shm/$name, which a root process outside the run made after the run stopped being root"
	assert_equal "$(cat "/dev/shm/$name")" data
	assert_line --index 0 --partial ' and left 0 segment(s), 1 POSIX name(s)'
	assert_line --partial 'CLEANUP: removed 0 leaked object(s) the kernel confirms the runs made; left 1 it does not confirm'
	rm -r "$ready"
}

@test "13.r12 report --live: the same name is not confirmed; one the run made as root before it dropped to nobody is" {
	write_drop_claimer
	as_root_job "$name" "$ready" 3>&- &
	trace sh "$BATS_TEST_TMPDIR/claim_after_drop.sh" "$name" "$ready"
	wait
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	run jq -c '.posix_names_never_unlinked | map([.name, .live.present, .live.confirmed, .live.remove])' <<<"$output"
	assert_output '[["/'"$name"'",true,false,null]]'
	rm -r "$ready"
	# The run was root, then nobody: two spans, root's ended by the drop
	# before nobody's began (setresuid: one event, both at its time).
	run jq -c 'select(.event == "processes") | .uid_spans | map(.[0]) | sort' "$TRACE/kernel.jsonl"
	assert_output "[0,$(id -u nobody)]"
	run jq -e 'select(.event == "processes") | .uid_spans | (map(select(.[0] == 0))[0]) as $root |
		(map(select(.[0] != 0))[0]) as $nobody | $root[2] <= $nobody[1] and $root[3] == 1' "$TRACE/kernel.jsonl"
	assert_success
	# A name the run made while root, then left when it became nobody.
	ours="shmtrace-ours-$$-$BATS_TEST_NUMBER"
	made+=("/dev/shm/$ours")
	"$SHMTRACE" run -q -o "$TRACE.ours" -- sh -c '"$1" "open:/$2" && sleep 0.1 && exec setpriv --reuid=nobody --regid=nogroup --clear-groups sleep 0.2' sh "$TESTBIN/names" "$ours"
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE.ours"
	run jq -c '.posix_names_never_unlinked | map([.name, .live.confirmed, .live.remove])' <<<"$output"
	assert_output '[["/'"$ours"'",true,"rm -- /dev/shm/'"$ours"'"]]'
}

# Fourth hostile trial, b06: after the drop, the program makes a child
# with clone(CLONE_PARENT), which the kernel reports as run's own child:
# it is nobody, as its maker is, and root is not the run's while it lives.
@test "b06: a child made with clone(CLONE_PARENT) after the drop has its own ids: root's name made meanwhile is left" {
	write_drop_claimer "$TESTBIN/cloneparent sleep 3"
	as_root_job "$name" "$ready" 3>&- &
	run --separate-stderr timeout 120 "$SHMTRACE" sweep -t 20 -- sh "$BATS_TEST_TMPDIR/claim_after_drop.sh" "$name" "$ready"
	wait
	[ -e "/dev/shm/$name" ] || fail "sweep removed /dev/shm/$name: the CLONE_PARENT child was taken for root"
	rm -r "$ready"
}

# b02: a run that lost process events (any local user can make the kernel
# drop them) does not know which uids were the run's, or when: it confirms
# no name, not even by the ids alone.
@test "b02: a run that lost process events confirms no /dev/shm name; the leak is still reported" {
	ours="shmtrace-lost-$$-$BATS_TEST_NUMBER"
	made=("/dev/shm/$ours")
	trace "$TESTBIN/names" "open:/$ours"
	sed -i 's/"complete":true/"complete":false/' "$TRACE/kernel.jsonl"
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	assert_failure 1
	run jq -c '.posix_names_never_unlinked | map([.name, .live.present, .live.confirmed, .live.remove])' <<<"$output"
	assert_output '[["/'"$ours"'",true,false,null]]'
}

# b07: a file's birth time comes from a coarse clock, up to a few ms behind
# the kernel's events; a name born that near the end of a span that a drop
# of privileges ended (a root name made by another process just after the
# drop may look born just before it) is not placed in the span.  A span
# that its last holder's exit ended is taken to its end (a program that
# makes a name and exits).
@test "b07: a name born within 20 ms of a drop that ended its owner's span is not confirmed; 50 ms before it, or before an exit, it is" {
	ours="shmtrace-edge-$$-$BATS_TEST_NUMBER"
	made=("/dev/shm/$ours")
	trace "$TESTBIN/names" "open:/$ours"
	born=$(date -d "$(stat -c %w "/dev/shm/$ours")" +%s%N)
	for edge in "5 1 false" "50 1 true" "5 0 true"; do
		set -- $edge
		# The uid test is the fallback of a run without a watch of /dev/shm (names_watch.bats).
		jq -c --argjson stop $((born + $1 * 1000000)) --argjson dropped "$2" \
			'if .event == "processes" then (.uid_spans |= map(.[2] = $stop | .[3] = $dropped)) | .dev_shm_watch = false | del(.dev_shm_made) else . end' \
			"$TRACE/kernel.jsonl" >"$BATS_TEST_TMPDIR/k" && cat "$BATS_TEST_TMPDIR/k" >"$TRACE/kernel.jsonl"
		run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
		run jq -c '.posix_names_never_unlinked | map(.live.confirmed)' <<<"$output"
		assert_output "[$3]"
	done
}

@test "13.1 a segment there before the run that a forged trace claims is called so, not one made during the run" {
	write_forger
	victim_id=$(ipcmk -M 4096 | sed 's/.*: //')
	victim_pid=$(awk -v id="$victim_id" '$2 == id { print $5 }' /proc/sysvipc/shm)
	trace perl "$BATS_TEST_TMPDIR/forge.pl" "/../..$BATS_TEST_TMPDIR/victim" "$victim_id" "$victim_pid"
	run --separate-stderr "$SHMTRACE" report "$TRACE"
	ipcrm -m "$victim_id"
	assert_output --regexp "not this run's: 1 segment\(s\) made by processes not of the run: $victim_id \(key 0x[0-9a-f]{8}, by pid $victim_pid, uid 0, there before the run\)"
	refute_output --partial "made during"
}

@test "13.1 report --live: a leaked segment's id given to another segment since is not 'still in the kernel'" {
	trace ipcmk -M 4096
	id=$(calls shmget | jq -r .ret)
	ipcrm -m "$id"
	echo "$id" >/proc/sys/kernel/shm_next_id
	run ipcmk -M 8192
	assert_output "Shared memory id: $id"
	run -1 --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	json=$output
	run -1 --separate-stderr "$SHMTRACE" report --live "$TRACE"
	ipcrm -m "$id"
	assert_output --regexp "gone from the kernel now; its id $id is another segment's now \(key 0x[0-9a-f]{8}, 8192 bytes, by pid [0-9]+\)"
	refute_output --partial "still in the kernel now"
	run jq -c '.leaked_segments | map([.live.present, .live.id_reused_by.size, .live.remove])' <<<"$json"
	assert_output '[[false,8192,null]]'
}

@test "13.2 sweep ends the daemon a run leaves, removes its segment, and calls the run what it is" {
	# A sleep of this suite's own (another suite may run at the same time).
	# Only a failed shmget leaves the daemon: the clean run leaves none.
	cmd="setsid -f sh -c 'ipcmk -M 40961 >/dev/null || exec sleep 4321.$$' </dev/null >/dev/null 2>&1; sleep 0.2; ipcrm -M 40961"
	run --separate-stderr timeout 120 "$SHMTRACE" sweep -t 10 --format json -- sh -c "$cmd"
	assert_nothing_left "sleep 4321\\.$$" 40961
	run jq -c '[.clean.daemons // 0, (.runs | map(select(.call == "shmget" and .nth == 1) | .outcome)), .summary.daemon]' <<<"$output"
	assert_output '[0,["daemon"],1]'
}

@test "a start script that leaves its daemon every time: runs are judged against the clean run's daemon, not each called daemon" {
	cmd="setsid -f sh -c 'ipcmk -M 40962 >/dev/null; exec sleep 4322.$$' </dev/null >/dev/null 2>&1"
	run --separate-stderr timeout 120 "$SHMTRACE" sweep -t 10 --format json -- sh -c "$cmd"
	assert_nothing_left "sleep 4322\\.$$" 40962
	# Before: every run "daemon", the sweep's exit 1 whatever the program did.
	run jq -c '[.clean.daemons, (.runs | map(.outcome) | unique), .summary.daemon]' <<<"$output"
	assert_output '[1,["handled"],0]'
}

@test "12.11 a segment another process made during the run is not this run's leak; it is listed apart" {
	"$SHMTRACE" run -q -o "$TRACE" -- sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done' sh "$BATS_TEST_TMPDIR/go" &
	sleep 0.3
	other=$(ipcmk -M 4096 | sed 's/.*: //')
	touch "$BATS_TEST_TMPDIR/go"
	wait
	run --separate-stderr "$SHMTRACE" report --format json "$TRACE"
	ipcrm -m "$other"
	assert_success
	run jq -c '[.summary.leaked_segments, (.other_segments | map(.shmid))]' <<<"$output"
	assert_output "[0,[$other]]"
}

@test "13.4 run -o DIR another user owns, with a planted kernel.jsonl symlink: refused (125), the target untouched" {
	echo secret >"$BATS_TEST_TMPDIR/root-only"
	chmod 600 "$BATS_TEST_TMPDIR/root-only"
	mkdir -m 0777 "$BATS_TEST_TMPDIR/theirs"
	ln -s "$BATS_TEST_TMPDIR/root-only" "$BATS_TEST_TMPDIR/theirs/kernel.jsonl"
	chown -hR nobody "$BATS_TEST_TMPDIR/theirs"
	run -125 --separate-stderr "$SHMTRACE" run -q -o "$BATS_TEST_TMPDIR/theirs" -- touch "$BATS_TEST_TMPDIR/ran"
	assert_equal "$stderr" "shmtrace: run: -o '$BATS_TEST_TMPDIR/theirs': owned by uid $(id -u nobody), not by the caller (uid 0): refusing to write a trace there"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	assert_equal "$(cat "$BATS_TEST_TMPDIR/root-only")" secret
}

@test "13.4 run -o DIR writable by others (a shared sticky directory) with a planted FIFO: refused at once (125)" {
	mkdir -m 1777 "$BATS_TEST_TMPDIR/shared"
	mkfifo "$BATS_TEST_TMPDIR/shared/kernel.jsonl"
	chown nobody "$BATS_TEST_TMPDIR/shared/kernel.jsonl"
	run -125 --separate-stderr timeout 10 "$SHMTRACE" run -q -o "$BATS_TEST_TMPDIR/shared" -- true
	assert_equal "$stderr" "shmtrace: run: -o '$BATS_TEST_TMPDIR/shared': writable by others (mode 1777): refusing to write a trace there"
}

@test "13.4 every file run makes is new and 0600: a second run into its own directory replaces kernel.jsonl" {
	"$SHMTRACE" run -q -o "$TRACE" -i shmget:when=9:scope=run -- "$SAMPLES/classic" >/dev/null
	"$SHMTRACE" run -q -o "$TRACE" -i shmget:when=9:scope=run -- "$SAMPLES/classic" >/dev/null
	run stat -c '%a %U %F' "$TRACE"/kernel.jsonl "$TRACE"/inject.counters "$TRACE"/shmtrace.*.jsonl
	assert_output "$(for f in "$TRACE"/kernel.jsonl "$TRACE"/inject.counters "$TRACE"/shmtrace.*.jsonl; do echo '600 root regular file'; done)"
	run grep -c '"when":"before"' "$TRACE"/kernel.jsonl
	assert_output 1
}

@test "13.4 run -o through another user's symlink (/tmp/evil -> a root-only place): refused (125), naming it; nothing made there" {
	mkdir -m 1777 "$BATS_TEST_TMPDIR/sticky"
	mkdir -m 0700 "$BATS_TEST_TMPDIR/root-only"
	ln -s "$BATS_TEST_TMPDIR/root-only" "$BATS_TEST_TMPDIR/sticky/evil"
	chown -h nobody "$BATS_TEST_TMPDIR/sticky/evil"
	run -125 --separate-stderr "$SHMTRACE" run -q -o "$BATS_TEST_TMPDIR/sticky/evil/trace" -- touch "$BATS_TEST_TMPDIR/ran"
	assert_equal "$stderr" "shmtrace: run: -o '$BATS_TEST_TMPDIR/sticky/evil/trace': $BATS_TEST_TMPDIR/sticky/evil is a symbolic link owned by uid $(id -u nobody): not followed: refusing to write a trace there"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/root-only")" ''
	# The caller's own link (or root's) is followed, as protected_symlinks does.
	chown -h root "$BATS_TEST_TMPDIR/sticky/evil"
	"$SHMTRACE" run -q -o "$BATS_TEST_TMPDIR/sticky/evil/trace" -- true
	[ -f "$BATS_TEST_TMPDIR/root-only/trace/kernel.jsonl" ]
}

@test "13.4 run -o DIR/new/trace under a directory others may write: refused (125) before anything is created" {
	mkdir -m 0777 "$BATS_TEST_TMPDIR/shared"
	run -125 --separate-stderr "$SHMTRACE" run -q -o "$BATS_TEST_TMPDIR/shared/new/trace" -- touch "$BATS_TEST_TMPDIR/ran"
	assert_equal "$stderr" "shmtrace: run: -o '$BATS_TEST_TMPDIR/shared/new/trace': $BATS_TEST_TMPDIR/shared above it is writable by others (mode 0777): refusing to write a trace there"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/shared")" ''
}

# plant.sh: a program that leaks a segment no library call shows (a static
# program), then moves run's kernel.jsonl away and plants its own: run's
# "before" table with that segment added, so that it looks older than the
# run and no leak.
write_planter() {
	cat >"$BATS_TEST_TMPDIR/plant.sh" <<EOF
id=\$("$TESTBIN/static_shmget" | sed 's/shmid=//')
k="\$SHMTRACE_OUT/kernel.jsonl"
mv "\$k" "\$SHMTRACE_OUT/moved"
head -1 "\$SHMTRACE_OUT/moved" | jq -c --argjson id "\$id" \
	'.segments += [{key: "0x00000000", shmid: \$id, size: 12288, mode: "0600", uid: 0, cpid: 1, lpid: 0, nattch: 0}]' >"\$k"
EOF
}

@test "13.4 the traced program replaces kernel.jsonl with a table that hides its leak: run says so (125) and the report still finds the leak" {
	write_planter
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -- sh "$BATS_TEST_TMPDIR/plant.sh"
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: run: warning: $TRACE/kernel.jsonl was replaced or changed while the program ran (by the program?): what was there is now kernel.jsonl.replaced, and kernel.jsonl holds run's own records; exit status 125"
	run -1 --separate-stderr "$SHMTRACE" report "$TRACE"
	assert_output --partial "LEAK: segment"
	assert_output --partial "12288 bytes"
	# (and that the static program ran untraced: untraced.txt names it)
	assert_equal "${stderr_lines[1]}" "$TRACE/kernel.jsonl:2: warning: run found this file replaced or changed during the run (by the traced program?) and made it anew from its own records; what was there is kernel.jsonl.replaced"
	[[ "${stderr_lines[0]}" == *"programs the library cannot be preloaded into"* ]]
	run -0 grep -c '"when":"before"' "$TRACE/kernel.jsonl.replaced"
}

@test "13.4 the traced program edits kernel.jsonl in place (appends a table of its own): found the same way" {
	cmd='"$1" >/dev/null; echo "{\"event\":\"kernel\",\"when\":\"before\",\"ts\":1,\"realtime\":1,\"segments\":[]}" >>"$SHMTRACE_OUT/kernel.jsonl"'
	run -125 --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -- sh -c "$cmd" sh "$TESTBIN/static_shmget"
	assert_output ''
	assert_equal "$(grep -c '"ts":1,' "$TRACE/kernel.jsonl")" 0
	assert_equal "$(grep -c '"ts":1,' "$TRACE/kernel.jsonl.replaced")" 1
	run -1 "$SHMTRACE" report "$TRACE"
	assert_output --partial "12288 bytes"
}

@test "13.4 the traced program moves the trace directory away and puts its own in its place: run says so (125)" {
	cmd='"$1" >/dev/null; mv "$SHMTRACE_OUT" "$SHMTRACE_OUT.real"; mkdir "$SHMTRACE_OUT"; echo "{}" >"$SHMTRACE_OUT/kernel.jsonl"'
	run -125 --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -- sh -c "$cmd" sh "$TESTBIN/static_shmget"
	assert_equal "$stderr" "shmtrace: run: warning: $TRACE is no longer the directory run wrote the trace in (moved or replaced while the program ran, by the program?): what is there now is not this run's trace; exit status 125"
	run -0 grep -c '"when":"after"' "$TRACE.real/kernel.jsonl"
}

@test "13.5 run -o FILE: refused (125), the program not run untraced" {
	touch "$BATS_TEST_TMPDIR/file"
	run -125 --separate-stderr "$SHMTRACE" run -o "$BATS_TEST_TMPDIR/file" -- touch "$BATS_TEST_TMPDIR/ran"
	assert_equal "$stderr" "shmtrace: run: -o '$BATS_TEST_TMPDIR/file': not a directory"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "13.10 --live: a name with shell syntax is quoted in the command it prints, text and JSON" {
	python3 -c 'from multiprocessing import shared_memory' 2>/dev/null || skip "no python3 with multiprocessing.shared_memory"
	name='adv cache;$(echo PWNED)'
	rm -f "/dev/shm/$name"
	trace python3 -c 'import sys
from multiprocessing import shared_memory, resource_tracker
m = shared_memory.SharedMemory(name=sys.argv[1], create=True, size=4096)
resource_tracker.unregister(m._name, "shared_memory")' "$name"
	assert_success
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	remove=$(jq -r '.posix_names_never_unlinked[0].live.remove' <<<"$output")
	assert_equal "$remove" "rm -- '/dev/shm/adv cache;\$(echo PWNED)'"
	run --separate-stderr "$SHMTRACE" report --live "$TRACE"
	assert_line "  still in /dev/shm now; remove it with: $remove"
	run sh -c "$remove" # pasted, it removes the name and runs nothing else
	assert_success
	assert_output ''
	[ ! -e "/dev/shm/$name" ]

	# A quote inside the name: closed, escaped, reopened.
	name="it's \`echo PWNED\`"
	rm -rf "$TRACE" "/dev/shm/$name"
	trace python3 -c 'import sys
from multiprocessing import shared_memory, resource_tracker
m = shared_memory.SharedMemory(name=sys.argv[1], create=True, size=4096)
resource_tracker.unregister(m._name, "shared_memory")' "$name"
	run --separate-stderr "$SHMTRACE" report --live --format json "$TRACE"
	remove=$(jq -r '.posix_names_never_unlinked[0].live.remove' <<<"$output")
	assert_equal "$remove" "rm -- '/dev/shm/it'\\''s \`echo PWNED\`'"
	run sh -c "$remove"
	assert_success
	assert_output ''
	[ ! -e "/dev/shm/$name" ]
}

@test "13.5 report over input that holds no trace (an empty file, garbage, records without a header): 2, never 'nothing found'" {
	mkdir -p "$TRACE"
	: >"$TRACE/shmtrace.1.jsonl"
	echo 'garbage' >"$TRACE/shmtrace.2.jsonl"
	echo '{"event":"exit","pid":3,"ts":5}' >"$TRACE/shmtrace.3.jsonl"
	run -2 --separate-stderr "$SHMTRACE" report "$TRACE"
	assert_equal "${stderr_lines[-1]}" "shmtrace: report: no trace in the input: 3 file(s) read, none with a shmtrace header"
	assert_output ''
}

@test "13.3 scope=run on a full file system: run refuses (125) instead of the program dying of SIGBUS" {
	mkdir "$BATS_TEST_TMPDIR/small"
	mount -t tmpfs -o size=64k tmpfs "$BATS_TEST_TMPDIR/small" || skip "cannot mount a tmpfs here"
	mkdir "$BATS_TEST_TMPDIR/small/trace"
	dd if=/dev/zero of="$BATS_TEST_TMPDIR/small/fill" bs=4k 2>/dev/null || true # until it is full
	run --separate-stderr "$SHMTRACE" run -q -o "$BATS_TEST_TMPDIR/small/trace" -i shmat:when=2:scope=run -- \
		"$TESTBIN/ops" get:private:4096 at at
	umount "$BATS_TEST_TMPDIR/small"
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: run: cannot create inject.counters for scope=run counts: No space left on device"
}

@test "13.3 inject.counters another user made in a shared directory: the library refuses it (125), never maps it" {
	mkdir -m 1777 "$BATS_TEST_TMPDIR/shared"
	# nobody's file (made here as root and given away: nobody cannot reach
	# the test's directory to make it itself)
	touch "$BATS_TEST_TMPDIR/shared/inject.counters"
	chown nobody "$BATS_TEST_TMPDIR/shared/inject.counters"
	run --separate-stderr env LD_PRELOAD="$LIB" SHMTRACE_OUT="$BATS_TEST_TMPDIR/shared" \
		SHMTRACE_INJECT=shmat:when=2:scope=run "$TESTBIN/ops" get:private:4096 at at
	assert_equal "$status" 125
	assert_equal "$stderr" "shmtrace: cannot keep scope=run counts: $BATS_TEST_TMPDIR/shared/inject.counters: owned by another user"
	assert_output ''
}

@test "13.3 inject.counters made by the library itself: new, 0600, fully allocated; counts shared by the run" {
	mkdir -m 700 "$TRACE"
	run --separate-stderr env LD_PRELOAD="$LIB" SHMTRACE_OUT="$TRACE" \
		SHMTRACE_INJECT=shmat:when=3:scope=run "$TESTBIN/ops" get:private:4096 at fork at at
	assert_success
	assert_equal "$(grep -c ' at .* ENOMEM' <<<"$output")" 1 # the third shmat of the run, parent and child together
	run stat -c '%a %s %b' "$TRACE/inject.counters"
	size=${output#* }; size=${size% *}
	assert_equal "${output%% *}" 600
	[ $(( $(stat -c '%b * %B' "$TRACE/inject.counters") )) -ge "$size" ]
}

@test "13.6 report reads only regular files: a FIFO and a symlink to /dev/zero named *.jsonl are skipped, and said so" {
	trace "$SAMPLES/leaky_producer" 0x5eed0d06
	mkfifo "$TRACE/shmtrace.1.jsonl"
	ln -s /dev/zero "$TRACE/shmtrace.2.jsonl"
	run --separate-stderr timeout 20 "$SHMTRACE" report "$TRACE/shmtrace.1.jsonl"
	first=("$status" "$stderr")
	run --separate-stderr timeout 20 "$SHMTRACE" report "$TRACE"
	mv "$TRACE/shmtrace.1.jsonl" "$TRACE/shmtrace.2.jsonl" "$BATS_TEST_TMPDIR" # the teardown reads every trace file
	assert_equal "$status" 1
	assert_line --partial "LEAK: segment"
	assert_equal "${stderr_lines[0]}" "shmtrace: report: skipped $TRACE/shmtrace.1.jsonl: a FIFO"
	assert_equal "${stderr_lines[1]}" "shmtrace: report: skipped $TRACE/shmtrace.2.jsonl: a symbolic link"
	assert_equal "${first[0]}" 2
	assert_equal "${first[1]}" "shmtrace: report: skipped $TRACE/shmtrace.1.jsonl: a FIFO
shmtrace: report: no trace files to read"
}

@test "13.6 a stack frame whose module is a FIFO: libdw is never handed it, the report ends" {
	mkdir -p "$TRACE"
	mkfifo "$BATS_TEST_TMPDIR/module.so"
	cat >"$TRACE/shmtrace.7.jsonl" <<JSONL
{"event":"header","format":"shmtrace","version":1,"tool":"shmtrace 0.1.0","pid":7,"proc_start":1,"backtrace":16,"seed":1,"inject":[]}
{"event":"stack","id":1,"frames":[{"ip":"0x7f0000001234","module":"$BATS_TEST_TMPDIR/module.so","offset":"0x1234"}]}
{"event":"call","call":"shmget","seq":1,"pid":7,"tid":7,"ts":10,"dur":1,"args":{"key":"0x00000000","size":4096,"shmflg":896,"flags":["IPC_CREAT"],"mode":"0600"},"ret":5,"errno":null,"injected":false,"created":true,"stack":1}
JSONL
	run -1 --separate-stderr timeout 20 "$SHMTRACE" report "$TRACE"
	assert_line "    #0 0x7f0000001234 in ? (module.so+0x1234)"
}

@test "13.6 a line longer than any record is skipped without holding it whole; the next line is read" {
	trace "$SAMPLES/leaky_producer" 0x5eed0d07
	f=$(ls "$TRACE"/shmtrace.*.jsonl | head -1)
	head -c $((20 << 20)) /dev/zero | tr '\0' ' ' >>"$f"
	echo >>"$f"
	echo '{"event":"exit","pid":1,"ts":1,"status":0}' >>"$f"
	run -1 --separate-stderr "$SHMTRACE" report "$TRACE"
	assert_line --partial "LEAK: segment"
	assert_equal "${stderr_lines[0]}" "$f:$(($(wc -l <"$f") - 1)): warning: line of $(((20 << 20) + 1)) bytes, longer than any record (16777216 bytes at most): ignored"
}

@test "13.7 a run of 1,100 processes is read under a limit of 1,024 descriptors" {
	trace perl -e 'use IPC::SysV qw(IPC_PRIVATE IPC_CREAT IPC_RMID);
		for (1 .. 1100) { if (!fork) { my $id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600); shmctl($id, IPC_RMID, 0); exit 0 } wait }'
	assert_success
	[ "$(ls "$TRACE"/shmtrace.*.jsonl | wc -l)" -gt 1100 ]
	run --separate-stderr sh -c 'ulimit -n 1024 && exec "$0" report --format json "$1"' "$SHMTRACE" "$TRACE"
	assert_success
	summary=$(jq -c .summary <<<"$output")
	run jq -c '[.summary.processes > 1100, .summary.calls.shmget, .summary.leaked_segments]' <<<"$output"
	assert_output '[true,1100,0]'
	# With 24 files open at most, each read is a close and a reopen: the same.
	run --separate-stderr sh -c 'ulimit -n 32 && exec "$0" report --format json "$1"' "$SHMTRACE" "$TRACE"
	assert_success
	assert_equal "$(jq -c .summary <<<"$output")" "$summary"
}

@test "13.8 report stays offline with DEBUGINFOD_URLS set; it asks a debuginfod server only with --debuginfod" {
	trace ipcmk -M 4096 # Debian's ipcmk is stripped: its debug information is nowhere here
	ipcrm -m "$(awk '$4 == 4096 { print $2 }' /proc/sysvipc/shm | head -1)"
	python3 "$ROOT/tests/scripts/listen.py" "$BATS_TEST_TMPDIR/requests" 120 3>&- &
	listener=$!
	while [ ! -s "$BATS_TEST_TMPDIR/requests.port" ]; do sleep 0.05; done
	# A cache of its own: the client remembers a miss for 10 minutes.
	export DEBUGINFOD_URLS=http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/requests.port")
	export DEBUGINFOD_CACHE_PATH=$BATS_TEST_TMPDIR/cache
	"$SHMTRACE" report "$TRACE" >/dev/null 2>&1 || true
	[ ! -e "$BATS_TEST_TMPDIR/requests" ] || fail "report went online: $(cat "$BATS_TEST_TMPDIR/requests")"
	"$SHMTRACE" report --debuginfod "$TRACE" >/dev/null 2>&1 || true
	kill "$listener"
	wait "$listener" || true
	run grep -c '^GET /buildid/.*/debuginfo' "$BATS_TEST_TMPDIR/requests"
	[ "$output" -ge 1 ]
}

@test "13.11 rules that say nothing, overflow or give a field twice are refused: 125 and one line naming the bad part, the program not run" {
	check() {
		run -125 --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i "$1" -- touch "$BATS_TEST_TMPDIR/ran"
		assert_equal "$stderr" "shmtrace: run: --inject '$1': $2"
		[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	}
	check '' "an empty rule"
	check ';;;' "an empty rule (nothing before a ';')"
	check 'shmat:when=2;' "an empty rule (nothing after a ';')"
	check 'shmget,' "a ',' with no call after it"
	check 'shmget:flags=IPC_CREAT|' "flags=IPC_CREAT|: a '|' with no flag after it"
	check 'shmget:flags=' "flags=: expected flag names or a number, joined by '|'"
	check 'shmat:prob=18446744073709551617' "prob=18446744073709551617: expected a probability from 0 to 1 (or 0% to 100%)"
	check 'shmat:prob=18446744073709551616' "prob=18446744073709551616: expected a probability from 0 to 1 (or 0% to 100%)"
	# A field twice: one of the two would be ignored (the last won).
	check 'shmget:when=1:when=2' "when given twice: each field once in a rule"
	check 'shmget:error=EINVAL:error=ENOMEM' "error given twice: each field once in a rule"
	check 'shmget:scope=run:key=IPC_PRIVATE:scope=process' "scope given twice: each field once in a rule"
	check 'shmget:size>=1:size>=2' "size>= given twice: each field once in a rule"
	# Accepted before, and matching another call than meant, or none
	# (outside trial 24): another family's flag (IPC_CREAT is O_TRUNC's
	# bit), a key for calls that have none, a probability that rounds to 0.
	check 'shm_open:flags=IPC_CREAT' "flags=IPC_CREAT: 'IPC_CREAT' is no flag of shm_open"
	check 'shmget:flags=O_CREAT' "flags=O_CREAT: 'O_CREAT' is no flag of shmget"
	check 'shmget,shmat:flags=SHM_RDONLY' "flags=SHM_RDONLY: 'SHM_RDONLY' is no flag of shmget"
	check 'shm_open:key=1' "key= applies to the System V calls only (shm_open, shm_unlink and ftok have no key to match)"
	check 'ftok:key=0x1' "key= applies to the System V calls only (shm_open, shm_unlink and ftok have no key to match)"
	check 'shmget:prob=0.0000001' "prob=0.0000001: below one in a million, the finest a rule takes"
	# Permission bits and other bits no flag has never matched (outside
	# re-check); 01000 is octal, IPC_CREAT, as the headers write it.
	check 'shmget:flags=IPC_CREAT|0700' "flags=IPC_CREAT|0700: 0700 holds bits that no flag of shmget has"
	check 'shmat:flags=0x10000000' "flags=0x10000000: 0x10000000 holds bits that no flag of shmat has"
	check 'shmget:flags=IPC_FOO' "flags=IPC_FOO: unknown flag 'IPC_FOO'"
	# The library refuses the same for a bare LD_PRELOAD user.
	run -125 --separate-stderr env LD_PRELOAD="$LIB" SHMTRACE_INJECT=';;;' touch "$BATS_TEST_TMPDIR/ran"
	assert_equal "$stderr" "shmtrace: SHMTRACE_INJECT ';;;': an empty rule (nothing before a ';')"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "13.4 sweep -o DIR another user owns, with a planted log symlink: refused (125), the target untouched" {
	echo secret >"$BATS_TEST_TMPDIR/root-only"
	mkdir -m 0777 "$BATS_TEST_TMPDIR/theirs"
	ln -s "$BATS_TEST_TMPDIR/root-only" "$BATS_TEST_TMPDIR/theirs/clean.log"
	chown -hR nobody "$BATS_TEST_TMPDIR/theirs"
	run -125 --separate-stderr "$SHMTRACE" sweep -o "$BATS_TEST_TMPDIR/theirs" -- "$SAMPLES/classic"
	assert_equal "$stderr" "shmtrace: sweep: -o '$BATS_TEST_TMPDIR/theirs': owned by uid $(id -u nobody), not by the caller (uid 0): refusing to write a trace there"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/root-only")" secret
}

@test "13.2 sweep ends a hung run whole, the daemon it started included, and removes what the run made" {
	# Sleeps of this run's own length: another suite running at the same
	# time has its own.
	cmd="setsid -f sleep 4322.$$ </dev/null >/dev/null 2>&1; ipcmk -M 40962 >/dev/null; exec sleep 4323.$$"
	run --separate-stderr timeout 120 "$SHMTRACE" sweep -t 3 --format json -- sh -c "$cmd"
	assert_nothing_left "sleep 432[23]\\.$$" 40962
	run jq -c '[.clean.hung, (.runs | map(.outcome))]' <<<"$output"
	assert_output '[true,["hung"]]'
}

@test "13.r13 numbers out of their range are refused, not wrapped: pid 2^31 is no process, leaked bytes never negative" {
	dir="$BATS_TEST_TMPDIR/odd"
	mkdir "$dir"
	for v in 2147483648 -2147483649 0; do
		{
			printf '{"event":"header","format":"shmtrace","version":1,"tool":"x","pid":%s,"proc_start":1,"backtrace":0,"seed":1,"inject":[]}\n' "$v"
			printf '{"event":"start","pid":%s,"tid":%s,"ts":5,"realtime":1,"ppid":1,"uid":0,"euid":0,"exe":"/x","cwd":"/","argv":["a"]}\n' "$v" "$v"
			printf '{"event":"call","call":"shmget","seq":1,"pid":%s,"tid":%s,"ts":6,"dur":1,"args":{"key":"0xffffffff","size":4096,"shmflg":1920,"flags":["IPC_CREAT"],"mode":"0600"},"ret":7,"errno":null,"injected":false,"created":true,"stack":null}\n' "$v" "$v"
		} >"$dir/shmtrace.odd$RANDOM$v.jsonl"
	done
	# A real pid whose shmget returned an id past INT_MAX, and two leaks
	# whose sizes add up past 2^63.
	{
		printf '{"event":"header","format":"shmtrace","version":1,"tool":"x","pid":41,"proc_start":1,"backtrace":0,"seed":1,"inject":[]}\n'
		printf '{"event":"start","pid":41,"tid":41,"ts":5,"realtime":1,"ppid":1,"uid":0,"euid":0,"exe":"/x","cwd":"/","argv":["a"]}\n'
		printf '{"event":"call","call":"shmget","seq":1,"pid":41,"tid":41,"ts":6,"dur":1,"args":{"key":"0x00000000","size":4096,"shmflg":1920,"flags":["IPC_CREAT"],"mode":"0600"},"ret":2147483648,"errno":null,"injected":false,"created":true,"stack":null}\n'
		for id in 8 9; do
			printf '{"event":"call","call":"shmget","seq":2,"pid":41,"tid":41,"ts":7,"dur":1,"args":{"key":"0x00000000","size":9223372036854775000,"shmflg":1920,"flags":["IPC_CREAT"],"mode":"0600"},"ret":%s,"errno":null,"injected":false,"created":true,"stack":null}\n' "$id"
		done
	} >"$dir/shmtrace.41.jsonl"
	run --separate-stderr "$SHMTRACE" report --format json "$dir"
	assert_failure 1
	[ "$(grep -c '"start" record without a valid pid: ignored' <<<"$stderr")" = 3 ]
	[ "$(grep -c 'call record: "pid" out of its range: ignored' <<<"$stderr")" = 3 ]
	[ "$(grep -c 'call record: "ret" out of its range: ignored' <<<"$stderr")" = 1 ]
	# (jq would read the count as a double: the JSON text itself.)
	assert_output --partial '"leaked_bytes": 9223372036854775807,'
	run jq -c '[[.leaked_segments[] | [.shmid, .pid]], .summary.processes]' <<<"$output"
	assert_output '[[[8,41],[9,41]],1]'
}

@test "a FIFO or a symlink the program puts where untraced.txt was: run neither waits nor follows it, and calls the trace incomplete (125)" {
	for plant in 'mkfifo "$0/untraced.txt"' 'ln -s /dev/zero "$0/untraced.txt"'; do
		rm -rf "$TRACE"
		run --separate-stderr timeout 30 "$SHMTRACE" run -q -o "$TRACE" -- sh -c "rm \"\$0/untraced.txt\"; $plant" "$TRACE"
		assert_failure 125
		[[ "$stderr" == *"run: the trace in "*" is incomplete"* ]]
		run --separate-stderr timeout 30 "$SHMTRACE" report "$TRACE"
		assert_failure 2
	done
}

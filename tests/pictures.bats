#!/usr/bin/env bats
# shmtrace report --format html and chrome: the run on a timeline.  The page
# is opened in Debian's headless Chromium (tests/scripts/pagecheck.py, over
# the DevTools pipe) and what it drew is read from its DOM; the Trace Event
# Format is read by Chrome DevTools' own trace engine (make deps installs
# it from npm) and checked by schema with jq.

load helpers

# page DIR [JS [REPORT_OPTION...]]: the page of trace DIR, opened in
# Chromium; $PAGE is pagecheck's JSON ({console, exceptions, requests,
# value: JS's value}).
page() {
	command -v chromium >/dev/null || skip "no chromium (make deps installs it)"
	"$SHMTRACE" report --format html "${@:3}" "$1" >"$BATS_TEST_TMPDIR/page.html" || [ $? = 1 ]
	run python3 "$ROOT/tests/scripts/pagecheck.py" "$BATS_TEST_TMPDIR/page.html" --eval "${2:-null}"
	assert_success
	PAGE=$output
}

# The page drew without a console message, an exception, or a request.
assert_clean_page() {
	run jq -c '[.console, .exceptions, .requests]' <<<"$PAGE"
	assert_output '[[],[],[]]'
}

ROWS='[...document.querySelectorAll("#plot .row[data-object]")]'

@test "html: the samples' run in Chromium: a row per segment, the leak marked and its findings, nothing fetched, no console error" {
	key=0x5e$(printf '%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	trace sh -c "'$SAMPLES/prodcons' && '$SAMPLES/leaky_producer' $key"
	leak=$(calls shmget | jq -r "select(.args.key == \"$key\") | .ret")
	created=$(calls shmget | jq -r 'select(.created) | .ret' | sort -n | paste -sd,)
	page "$TRACE" "[$ROWS.map(e => e.dataset.shmid).sort((a, b) => a - b).join(),
		[...document.querySelectorAll('#plot .row.leak')].map(e => e.dataset.shmid).join(),
		!!document.querySelector('#plot .row.leak .open-end'), document.querySelectorAll('#plot .span').length,
		document.getElementById('findings').innerText]"
	assert_clean_page
	run jq -r '.value[0], .value[1], .value[2], .value[3] >= 3, .value[4]' <<<"$PAGE"
	assert_line --index 0 "$created"
	assert_line --index 1 "$leak"
	assert_line --index 2 true
	assert_line --index 3 true
	assert_line --regexp "^LEAK: segment $leak \(key $key, 65536 bytes\) created by pid [0-9]+ \(leaky_producer\), never removed$"
	assert_line --regexp '^#0 0x[0-9a-f]+ in main .*samples/leaky_producer\.c:[0-9]+$'
}

@test "html: pointing at the leak shows its creating call: process and symbolized backtrace" {
	key=0x5e$(printf '%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	trace "$SAMPLES/leaky_producer" "$key"
	pid=$(records 'select(.event == "start") | .pid')
	line=$(grep -n 'shmget(key' "$ROOT/samples/leaky_producer.c" | cut -d: -f1)
	page "$TRACE" "document.querySelector('#plot .row.leak .life').dispatchEvent(new MouseEvent('mouseover', {bubbles: true})),
		document.getElementById('details').innerText"
	assert_clean_page
	run jq -r .value <<<"$PAGE"
	assert_line --index 0 --regexp "^LEAK: System V segment [0-9]+, key $key, 65536 bytes$"
	assert_line --index 1 --regexp "^Created by pid $pid \(leaky_producer\) at \+[0-9.]+ ms:$"
	assert_line --index 2 --regexp "^#0 main .*samples/leaky_producer\.c:$line$"
}

@test "html: the findings are the report's own: --gen-suppressions shows the line, --suppressions takes the leak off, status 0" {
	key=0x5e$(printf '%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	trace "$SAMPLES/leaky_producer" "$key"
	FINDINGS="document.getElementById('findings').innerText"
	page "$TRACE" "$FINDINGS" --gen-suppressions
	assert_clean_page
	run jq -r .value <<<"$PAGE"
	assert_line 'suppress with: leak:^main$'
	echo 'leak:^main$' >"$BATS_TEST_TMPDIR/supp"
	run "$SHMTRACE" report --format html --suppressions "$BATS_TEST_TMPDIR/supp" "$TRACE"
	assert_success
	page "$TRACE" "[document.querySelectorAll('#plot .row.leak').length, $FINDINGS]" --suppressions "$BATS_TEST_TMPDIR/supp"
	run jq -r '.value[0], .value[1]' <<<"$PAGE"
	assert_line --index 0 0
	assert_line --index 1 'SUMMARY: 0 leaked segment(s) (0 bytes), 0 unremoved key(s), 0 undetached attachment(s), 0 misuse'
}

@test "html: a failed and an injected call are marked on their segment, with call, errno and backtrace" {
	run --separate-stderr "$SHMTRACE" run -q -o "$TRACE" -i shmat:error=ENOMEM:when=1 -- "$SAMPLES/careless"
	page "$TRACE" "const m = document.querySelector('#plot .mark.inject');
		m.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
		[document.querySelectorAll('#plot .mark.inject').length, document.getElementById('details').innerText]"
	assert_clean_page
	run jq -r '.value[0], .value[1]' <<<"$PAGE"
	assert_line --index 0 1
	assert_line --index 1 'shmat failed with ENOMEM (injected)'
	assert_line --regexp '^By pid [0-9]+ \(careless\), thread [0-9]+, at \+[0-9.]+ ms, in [0-9.]+ µs; on segment [0-9]+\.$'
	assert_line --regexp '^#0 main .*samples/careless\.c:[0-9]+$'
}

@test "html: ipcmk's segment and Perl's, each a row; the one ipcmk leaves is the leak; a process killed by a signal is marked" {
	trace sh -c "ipcmk -M 4096 >/dev/null; perl '$ROOT/tests/scripts/sharedmem.pl' >/dev/null; '$TESTBIN/worker_killed'" || true
	leak=$(calls shmget | jq -r 'select(.created and .args.size == 4096 and .args.mode == "0644") | .ret')
	created=$(calls shmget | jq -r 'select(.created) | .ret' | sort -n | paste -sd,)
	[ "$(tr , '\n' <<<"$created" | wc -l)" -ge 3 ]
	page "$TRACE" "[$ROWS.map(e => e.dataset.shmid).sort((a, b) => a - b).join(),
		[...document.querySelectorAll('#plot .row.leak')].map(e => e.dataset.shmid).join(),
		document.querySelectorAll('#plot .mark.killed').length]"
	assert_clean_page
	run jq -r '.value[]' <<<"$PAGE"
	assert_line --index 0 "$created"
	assert_line --index 1 --regexp "(^|,)$leak(,|$)"
	killed=$(cat "$TRACE"/*.jsonl | jq -r 'select(.event == "killed") | .pid' | sort -u | wc -l)
	[ "$killed" -ge 1 ]
	[ "${lines[2]}" -ge "$killed" ]
}

@test "html: a hostile trace -- names and argv with </script>, <!--, quotes and markup -- is shown as text, never run" {
	evil='<img src=x onerror="window.pwned=1">'\''"&amp;'
	made=("/dev/shm/$evil")
	trace "$TESTBIN/names" "open:/$evil" 'open:/x</script><script>window.pwned=2</script>' \
		'open:/<!--<script>' "unlink:/<!--<script>"
	"$SHMTRACE" report --format html "$TRACE" >"$BATS_TEST_TMPDIR/page.html" || true
	# The page's own three script elements close, and nothing else does.
	[ "$(grep -o -i '</script' "$BATS_TEST_TMPDIR/page.html" | wc -l)" = 3 ]
	run grep -c -i -e '<img' -e '<!--<script' "$BATS_TEST_TMPDIR/page.html"
	assert_output 0
	page "$TRACE" "[window.pwned === undefined, document.querySelectorAll('img').length,
		[...document.querySelectorAll('#plot .row.posix')].map(e => e.dataset.name).sort().join('|'),
		document.title]"
	assert_clean_page
	run jq -r '.value[0], .value[1], .value[2], .value[3]' <<<"$PAGE"
	assert_line --index 0 true
	assert_line --index 1 0
	assert_line --index 2 "/<!--<script>|/$evil"
	assert_line --index 3 "shmtrace: $TESTBIN/names open:/$evil open:/x</script><script>window.pwned=2</script> open:/<!--<script> unlink:/<!--<script>"
}

@test "html: 5,000 segments over 50 processes: every row there, grouped by process, the leak's group open; the page's size" {
	trace "$TESTBIN/manysegs" 50 100
	assert_success
	leak=${output#left=}
	"$SHMTRACE" report --format html "$TRACE" >"$BATS_TEST_TMPDIR/page.html" || true
	size=$(stat -c %s "$BATS_TEST_TMPDIR/page.html")
	echo "# page: $size bytes" >&3
	[ "$size" -lt 2000000 ] # docs/report-format.md gives ~0.7 MB
	page "$TRACE" "[document.querySelectorAll('#labels .group').length,
		[...document.querySelectorAll('#plot .row.leak')].map(e => e.dataset.shmid).join(),
		(document.getElementById('group').value = 'none', document.getElementById('group').dispatchEvent(new Event('change')),
		 $ROWS.length), document.querySelectorAll('#plot .row.loose .mark.fail').length]"
	assert_clean_page
	run jq -c .value <<<"$PAGE"
	assert_output "[50,\"$leak\",5000,50]"
}

@test "html and chrome: the same exit status as text and json, by --fail-on" {
	key=0x5e$(printf '%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	trace "$SAMPLES/leaky_producer" "$key"
	for format in text json sarif html chrome; do
		run "$SHMTRACE" report --format "$format" "$TRACE"
		assert_failure 1
		run "$SHMTRACE" report --format "$format" --fail-on none "$TRACE"
		assert_success
	done
	run --separate-stderr "$SHMTRACE" report --format pdf "$TRACE"
	assert_failure 2
	assert_equal "$stderr" "shmtrace: report: --format 'pdf': expected text, json, sarif, html or chrome"
}

@test "chrome: an X event per call on its pid and tid, lifetimes as async spans, process names; Chrome's trace engine reads it" {
	trace sh -c "'$SAMPLES/prodcons' && '$TESTBIN/threads' && '$SAMPLES/posix_shm'" || true
	"$SHMTRACE" report --format chrome "$TRACE" >"$BATS_TEST_TMPDIR/trace.json" || [ $? = 1 ]
	# Schema: the fields each phase needs, of their types.
	run jq -e '.traceEvents | all(
		(.ph | IN("X", "b", "e", "M", "i")) and (.pid | type) == "number" and (.tid | type) == "number" and (.name | type) == "string" and
		(if .ph == "X" then (.ts | type) == "number" and (.dur | type) == "number" and .dur >= 0 and .cat != null
		 elif .ph == "b" or .ph == "e" then (.ts | type) == "number" and (.id | type) == "string" and .cat != null
		 elif .ph == "M" then (.name | IN("process_name", "thread_name")) and (.args.name | type) == "string"
		 else (.ts | type) == "number" end))' "$BATS_TEST_TMPDIR/trace.json"
	assert_success
	# One X event per call record, on the call's own pid and tid.
	want=$(calls | jq -r '"\(.pid) \(.tid) \(.call)"' | sort)
	[ "$(wc -l <<<"$want")" -ge 20 ] # threads and posix_shm each made theirs
	[ "$(cut -d' ' -f1,2 <<<"$want" | sort -u | awk '$1 != $2' | wc -l)" -ge 2 ] # threads other than the main one
	run jq -r '.traceEvents[] | select(.ph == "X") | "\(.pid) \(.tid) \(.name)"' "$BATS_TEST_TMPDIR/trace.json"
	assert_equal "$(sort <<<"$output")" "$want"
	# Each segment and name: one begin and one end, the end not before it.
	segs=$(calls shmget | jq -r 'select(.created)' | jq -s length)
	names=$(calls shm_open | jq -r 'select(.created)' | jq -s length)
	run jq -r '[.traceEvents[] | select(.ph == "b" and (.cat == "segment" or .cat == "posix_name"))] | length' "$BATS_TEST_TMPDIR/trace.json"
	assert_output $((segs + names))
	run jq -e '[.traceEvents[] | select(.ph == "b" or .ph == "e")] | group_by(.id) |
		all(length == 2 and .[0].ph == "b" and .[1].ph == "e" and .[0].ts <= .[1].ts and .[0].cat == .[1].cat)' "$BATS_TEST_TMPDIR/trace.json"
	assert_success
	# A real consumer: Chrome DevTools' trace engine, the Performance panel's model.
	engine="$ROOT/build/tools/node_modules/@paulirish/trace_engine/analyze-trace.mjs"
	[ -f "$engine" ] || skip "no Chrome trace engine (make deps installs it with npm): checked by schema only"
	run node "$ROOT/tests/scripts/chrome_check.mjs" "$ROOT/build/tools" "$BATS_TEST_TMPDIR/trace.json"
	assert_success
	run jq -r '.threads | to_entries[] | .key as $k | .value[] | "\($k | sub("/"; " ")) \(.)"' <<<"$output"
	assert_equal "$(sort <<<"$output")" "$want"
	run node "$ROOT/tests/scripts/chrome_check.mjs" "$ROOT/build/tools" "$BATS_TEST_TMPDIR/trace.json"
	run jq -r --arg pid "$(calls shmget | jq -r .pid | head -1)" '.names[$pid]' <<<"$output"
	assert_output prodcons
}

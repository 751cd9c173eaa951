#!/usr/bin/env bats
# The samples, traced: each record must agree with what the program itself
# printed about its calls.

load helpers

@test "classic: each call in order, arguments decoded, results as the program saw them" {
	trace "$SAMPLES/classic"
	assert_success
	shmid=$(sed -n 's/^shmid=//p' <<<"$output")
	first=$(sed -n 's/^attach=//p' <<<"$output" | sed -n 1p)
	second=$(sed -n 's/^attach=//p' <<<"$output" | sed -n 2p)
	[ "$first" != "$second" ]
	assert_valid_trace

	run records 'select(.event == "call") | .call'
	assert_output "$(printf '"%s"\n' shmget shmat shmctl shmdt shmat shmdt shmctl)"

	run calls shmget
	assert_output --partial '"args":{"key":"0x00000000","size":4096,"shmflg":896,"flags":["IPC_CREAT"],"mode":"0600"}'
	assert_output --partial "\"ret\":$shmid,\"errno\":null,\"injected\":false,\"created\":true"

	run records "select(.call == \"shmat\") | [.args.shmid, .args.flags, .ret]"
	assert_line --index 0 "[$shmid,[],\"$first\"]"
	assert_line --index 1 "[$shmid,[\"SHM_RDONLY\"],\"$second\"]"

	run records 'select(.call == "shmctl") | [.args.cmd, .args.stat.size, .args.stat.nattch, .ret]'
	assert_line --index 0 '["IPC_STAT",4096,1,0]'
	assert_line --index 1 '["IPC_RMID",null,null,0]'

	run records 'select(.call == "shmdt") | .args.shmaddr'
	assert_output "$(printf '"%s"\n' "$first" "$second")"
}

@test "classic: every call carries pid, tid, sequence, timestamp and duration" {
	trace "$SAMPLES/classic"
	assert_success
	pid=$(records 'select(.event == "start") | .pid')
	run records "select(.event == \"call\") | select(.pid == $pid and .tid == $pid and .ts > 0 and .dur > 0) | .seq"
	assert_output "$(seq 1 7)"
	# Calls are in time order and lie between start and exit.
	run jq -s -e '[.[] | select(.ts)] | (map(.ts) == (map(.ts) | sort)) and (.[0].event == "start") and (.[-1].event == "exit")' "$TRACE"/shmtrace.*.jsonl
	assert_success
}

@test "leaky producer: the segment it created is in the trace, never removed, and still in the kernel" {
	key=$(printf '0x5e%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	trace "$SAMPLES/leaky_producer" "$key"
	assert_success
	shmid=$(sed -n 's/^shmid=\([0-9]*\).*/\1/p' <<<"$output")
	run calls shmget
	assert_output --partial "\"key\":\"$key\",\"size\":65536"
	assert_output --partial "\"ret\":$shmid,\"errno\":null,\"injected\":false,\"created\":true"
	run records 'select(.call == "shmctl")'
	assert_output ''
	run ipcs -m -i "$shmid"
	assert_success
}

@test "shmget with IPC_CREAT says whether it created the segment or opened an existing one" {
	key=$(printf '0x5f%06x' $((RANDOM * 32 + BATS_TEST_NUMBER)))
	"$SHMTRACE" run -q -o "$TRACE" -- "$SAMPLES/leaky_producer" "$key"
	"$SHMTRACE" run -q -o "$TRACE" -- "$SAMPLES/leaky_producer" "$key"
	run records 'select(.call == "shmget") | [.args.flags, .created]'
	assert_line --index 0 '[["IPC_CREAT"],true]'
	assert_line --index 1 '[["IPC_CREAT"],false]'
	# Both runs got the same segment, and the kernel shows one segment.
	run records 'select(.call == "shmget") | .ret'
	[ "${lines[0]}" = "${lines[1]}" ]
}

@test "producer/consumer: the forked child inherits the attachment and detaches it" {
	trace "$SAMPLES/prodcons"
	assert_success
	assert_output --partial 'read: hello from producer'
	parent=$(records 'select(.event == "start") | .pid')
	addr=$(calls shmat | jq -r .ret)
	shmid=$(calls shmget | jq -r .ret)
	run records 'select(.event == "fork") | [.ppid, .attached[0].shmid, .attached[0].addr]'
	assert_output "[$parent,$shmid,\"$addr\"]"
	child=$(records 'select(.event == "fork") | .pid')
	run records "select(.pid == $child and .event == \"call\") | [.call, .args.shmaddr, .seq]"
	assert_output "[\"shmdt\",\"$addr\",1]"
	run records "select(.pid == $child and .event == \"exit\") | [.status, .how]"
	assert_output '[0,"_exit"]'
	# The child writes its own file, named after its pid.
	[ -f "$TRACE/shmtrace.$child.jsonl" ]
	run records "select(.pid == $parent and .call == \"shmctl\") | .args.cmd"
	assert_output '"IPC_RMID"'
}

@test "careless: a clean run creates, uses and removes both segments" {
	trace "$SAMPLES/careless"
	assert_success
	assert_output done
	run records 'select(.event == "call") | [.call, .errno]'
	assert_output "$(printf '%s\n' '["shmget",null]' '["shmat",null]' '["shmget",null]' '["shmat",null]' \
		'["shmdt",null]' '["shmdt",null]' '["shmctl",null]' '["shmctl",null]')"
	run records 'select(.call == "shmget") | .args.size'
	assert_output "$(printf '4096\n1048576')"
}

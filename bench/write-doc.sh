#!/bin/sh
# docs/performance.md from the output of bench/run.sh.
set -eu
cat <<HEAD
# Performance

What shmtrace costs, measured by \`make bench\` (bench/run.sh): each figure
side by side with what it is compared to, in interleaved rounds (A B A B …),
medians quoted, because the machines here are shared and noisy. These are
targets for the benchmark, not timed tests: CI never fails on a timing.

Rerun: \`make bench\` (about five minutes; \`ROUNDS=\`, \`ITER=\`, \`EVENTS=\`
scale it). It rewrites this file.

## Latest figures

\`\`\`
HEAD
cat "$1"
cat <<'TAIL'
```

## How each is measured

1. The loop (bench/loop.c) times itself with CLOCK_MONOTONIC, so start-up is
   excluded: bare, under `shmtrace run` with backtraces of 16 frames (the
   default) and with none, under `strace -f` and `strace -f -k`, each round
   in that order. strace runs fewer iterations (per-iteration times compare).
   Beside the times, the instructions the library adds per call, which the
   load of a shared machine does not move (times move by ±15% from run to
   run here): bench/instructions.sh runs the loop (shmget + shmat + shmdt +
   IPC_RMID) 3,000 times under valgrind's callgrind, bare and preloaded, and
   divides traced minus bare instructions by the 12,000 calls; it also says
   how much of that is the process's start-up (the same runs with no
   iteration). `bench/instructions.sh LIBRARY` counts another build, and
   `KEEP=DIR` keeps callgrind's outputs for `callgrind_annotate`. Callgrind
   counts each byte a `rep stos`/`rep movs` (glibc's memset and memcpy of
   large blocks) stores as one instruction.
   1b. bench/semloop.c: semop +1 then -1 on a private set (two calls an
   iteration, neither waits), timed and counted the same way, bare and
   traced: the cost of a semaphore call, which is an shm call's (the same
   frame, call.c) plus its operations' decoding.
2. The same loop split over 2 and 8 threads.
3. bench/startup.c starts `true` 100 times and takes the median, with and
   without the library preloaded; callgrind counts the instructions of one
   start each way, which the machine's load does not move.
4. Bytes per call event of the traced loop, stack records included.
5. bench/gentrace.c writes a trace of EVENTS call records (16 call sites,
   12-frame stacks, a live set of one segment); `shmtrace report --format
   json` reads it under `/usr/bin/time` (wall time, peak RSS), beside
   `jq -c 'select(.call == "shmget")'` on the same file; then 10x the events.
6. `shmtrace sweep` of samples/careless counts its runs; bench/sweepme (five
   calls, each after 50 ms of sleep, like a program that works between its
   calls) is swept with `-j 1` and `-j 2`.
7. bench/postgres.sh: PostgreSQL (Debian's server) with
   `shared_memory_type = sysv` and `dynamic_shared_memory_type = sysv`, and
   pgbench running a parallel count over 500,000 rows (up to four workers,
   each a new process that attaches the query's segments) from 4 clients for
   `PG_SECONDS` (8), bare and traced with backtraces of 16, in `PG_ROUNDS`
   (3) interleaved rounds; then the same with `-C`, a new connection (a new
   server process) per query. tps is pgbench's. This is where a lookup of
   each frame's module with `dladdr` (a scan of the module's symbol table)
   made the traced server 1.35x slower: every new process writes each of
   its stacks anew. `_dl_find_object` made it even.
8. bench/footprint.c counts its entries in /proc/self/fd and lines of
   /proc/self/maps, after one shm call or none, bare and under `shmtrace
   run`, as a child of `sh` (as most processes of a run are) and as the
   run's first process (whose file is opened at start): what the library
   takes from a program near `RLIMIT_NOFILE` or `vm.max_map_count`.
   tests/footprint.bats holds the counts below as bounds.
9. bench/forks.c forks 200 children one after another, each making one
   `shmget` and `IPC_RMID`, and prints the mean time from fork to reaping:
   a new traced process creates its file, writes its opening records and
   takes its first backtrace.
10. bench/flat.sh: the traced loop with 10,000 and with 1,000,000
   iterations, each in one process (a trace of 9 MB and of 890 MB), in
   interleaved rounds (the short run three times a round, a burst of other
   load moving it most): ns per iteration of wall time, of wall time less
   the time the loop waited for a CPU (its thread's run-queue wait, from
   /proc/thread-self/schedstat: what the load of a shared machine moves
   least), and of the process's CPU time, and the ratio long / short.
   `bench/flat.sh LIB1 LIB2` compares builds side by side.
TAIL

cat <<'NOTES'

## What a traced process holds (section 8)

Traced minus bare, 2026-11-28 (bench/footprint, tests/footprint.bats):

| | descriptors | mappings |
|---|---|---|
| a process that makes no shm call | +0 (was +0) | +7 (was +18) |
| after a shm call, or the run's first process | +2 (was +3) | +21 (was +20) |
| after a shm call, backtraces off (`-b 0`) | +1 (was +3) | +8 (was +20) |

- **No call, no descriptor, seven mappings**: the library's code, its
  constants, its read-only and writable data and its zeroed data, and one
  page that tells a new process it is one (MADV_WIPEONFORK,
  shim/identity.c).  `-z noseparate-code` would save two mappings by making
  the constants executable too: a hardening loss in every traced program
  that we do not take.
- **libunwind is loaded when first needed** (shim/unwinder.c): at a
  process's first trace file, or before its first `fork()`, so that its
  children get it with the rest of its memory; never with backtraces off.
  Until then a process holds neither libunwind nor liblzma, which it pulls
  in (eleven mappings between them, and most of the start-up cost below).
- **After a call**: the trace file; libunwind's pipe, whose two ends are one
  descriptor (the pipe opened again read-write through /proc, as a FIFO can
  be: libunwind writes a byte of memory it checks into one end and reads it
  back from the other); libunwind and liblzma (5 mappings each, and
  libunwind's zeroed data); libunwind's 256 KiB trace cache; the page of
  shared counters of the mapped trace file; a few pages the loader and
  libunwind allocate.
- **What would take more away**: an unwinder without liblzma and without a
  pipe (LLVM's libunwind, packaged as libunwind-14, depends on libc alone;
  frame pointers; or Debian's libunwind built `-fPIC` and linked in), and no
  descriptor held between records (measured 5.2–5.5 µs a record against
  2.2–3.4 µs with the descriptor kept: shim/fd_high.c).

## Start-up (section 3)

/bin/true preloaded minus bare, 2026-11-28: 110,000 instructions added
(callgrind; 214,000 before), of which about 67,000 are the loader's
relocations (ours, and libc's symbols looked up past one more library) and
24,000 the `dlsym` of the 22 functions we wrap;
0.14 ms of CPU (`perf stat -r 300`: 0.45 ms bare, 0.59 traced, 0.68
before), and 24 page faults (34 before). What went: loading libunwind and
liblzma at start (100,000 instructions and about 0.16 ms by themselves).
The wall time of a start moves with the machine's load much more than
these: 9 interleaved rounds gave +180 µs now against +243 µs before with a
load average of 7, +877 µs against +1,552 µs with one of 9, +373 µs
against +403 µs with one of 5.

## Where a new process's time goes (section 9)

bench/forks, 200 children, each forked by a parent that makes no call,
making shmget and IPC_RMID, traced (backtraces of 16) minus bare, per
child, 2026-11-28:

| | before | now |
|---|---|---|
| CPU time (`perf stat` task-clock, all processes) | +845 µs | +525 µs |
| page faults (`perf stat`) | +145 | +59 |
| system calls (`strace -c`) | +206, 148 of them `rt_sigprocmask` | +147, 113 of them `rt_sigprocmask` |
| instructions in user space (callgrind, the child only) | +426,000 | +84,000 |
| wall time, 9 interleaved rounds, load average 9 | +2,850 µs | +2,035 µs |
| the same, backtraces off | +2,797 µs | +1,057 µs |
| wall time, 9 interleaved rounds, load average 5 | +1,667 µs | +1,045 µs |
| the same, backtraces off | +1,637 µs | +588 µs |

Before, a child of a parent that had never unwound set libunwind up
itself: its pipe, and its trace cache, 256 KiB written in full (64 page
faults, 38% of the child's); it cleared the 96 KiB table of interned
stacks (24 page faults, 18%); it read and parsed /proc/self/maps for the
attachments it inherited (92,000 instructions, half of its own, and the
kernel's formatting of 45 mappings); it read /proc/self/exe twice. Now the
parent sets libunwind up before its first fork (the atfork prepare
handler), a child drops the table's pages only if its parent wrote any
(`MADV_DONTNEED`: zeroes come back where touched), reads the maps only when
its parent had attachments, and the program's path once per image.

What remains, from `perf record -g` over the traced run (the bare run's
share subtracted): page faults, a third of the added time (copy-on-write of
the pages a child writes: its records, libunwind's and libc's data, its
stack; and the first touch of code pages); creating the file, a seventh
(ext4 here runs without a journal: each new inode is searched past those
deleted in the last seconds, `recently_deleted()` in the profile, which the
benchmark's own `rm -rf` between rounds multiplies); `fork` itself, an
eighth (the parent has more mappings and pages to copy); the child's first
two backtraces, a tenth (52,000 instructions and 113 `rt_sigprocmask` calls
in libunwind's steps: the per-call unwinding of issue 15); the check before
each write that the descriptor is still ours (`fstat`, 5 a child), the
writes and the /proc reads for the header, the rest. The 0.2 ms target is not met: the next steps are the
unwinder (above) and fewer pages written per process.

## What limits the figures that miss

- **Instructions per call, 3,113 with backtraces of 16, 1,973 off**
  (bench/instructions.sh, 2026-11-28, after the writer generated from the
  call table; 5,640 and 4,560 before it; issue 15 asks for 1,000 and 400).
  Without backtraces `callgrind_annotate` puts about 980 of them in the
  record's writer (460 of those formatting its numbers), 365 in
  `out_write` (about 260 of them filling each new MiB of the file with
  newlines, which callgrind counts byte by byte: a `rep stosb`; the
  processor stores 32 or 64 bytes a cycle), 237 in `call_enter` and 168 in
  the stack field; about 1,100 more go to the backtrace. Of the
  backtrace, libunwind's `unw_backtrace` is the cheapest unwinder here
  (bench/unwinders: 1,135 instructions for 10 frames, against 8,112 for
  its `unw_step` loop and about 20,500 for glibc's `backtrace()` and
  libgcc_s's `_Unwind_Backtrace`; its per-thread caching, which heaptrack
  also sets, changes nothing on this path, which keeps a per-thread cache
  of each return address's unwinding of its own). What it costs is frames:
  in the loop it walks 8, and 5 of them are the shim's own (`bt_capture`,
  `enter_guarded`, `run_with_room`, `call_enter`, the wrapper), about 110
  instructions each.
- **Semaphore and message-queue calls** (issue 17, 2026-11-28): the shm
  loop's figures did not move when they came (bench/instructions.sh side
  by side, the library built before and after, at paths of one length:
  3,087 / 3,088 instructions per call with backtraces of 16, 1,946 / 1,947
  off). gcc stopped inlining the record's writers into `record_write` once
  there were fifteen of them (+8 a call): they are `always_inline` now.
  A semop costs 3,356 instructions (16 frames) or 2,163 (off), an shm
  call's frame and its operations decoded; timed, 417 ns bare, 1,154 traced
  (x2.8), 922 with backtraces off (x2.2), medians of 5 interleaved rounds
  (a semop that never waits is a cheap system call). A call that may wait
  gives its scratch slot back while it waits, two memcpy of its backtrace.
  The eight functions are looked up at the first of them, not at start;
  their exports still add about 5,300 instructions to each traced
  process's start-up (117,300 against 112,000: the loader's lookups).
- **Cost with the length of the trace.** Before 2026-11-28 the library
  mapped the first 256 MiB of its file and appended every later record
  with `write(2)`, and every page written stayed in the program's resident
  memory: with 1,000,000 iterations (890 MB of trace) a call cost 1.35x what
  it costs with 10,000. The mapping is now 64 GiB of address space and the
  pages well behind the end are given back as the file grows:
  bench/flat.sh, wall time less run-queue wait, 10,000 / 1,000,000
  iterations: 21,345 / 29,281 ns (x1.37) before, 21,090 / 20,979 (x0.99)
  after, and a program writing 45 MB of trace peaks at 7 MB resident
  instead of 45. Wall time itself moves with the other loads of a shared
  machine (x0.80 to x1.19 between runs of the same build here): a run of a
  minute and one of half a second do not meet the same load.
- **Analyzer, 1.4 million call records a second** (issue 15 asks for 2
  million). On traces of the traced loop (2026-11-28), `shmtrace report
  --format json` takes 0.70 s of CPU for 1,000,000 records and 7.3 s for
  10,000,000, peak RSS 3.0 and 3.3 MB (flat). Callgrind, on 100,000
  records: 9,090 instructions a record, 7,060 of them scanning the call
  record (`scan_call`: copying strings a byte at a time 2,960, `strcmp` of
  each key against the known ones 825, digits 1,040), 350 a `realloc` per
  line in the reader, 660 the model; `perf` agrees (scan 61%, reading lines
  16%, the model 13%). The hash maps, the stacks and the symbolizer are a
  few percent.

- **The loop, 1.1–1.3x, from run to run.** Four runs of `make bench` on
  2026-11-27 gave 1.21x, 1.27x, 1.26x and 1.14x with backtraces of 16, and
  backtraces off came out above backtraces on in one of them: the bare loop
  itself moves by 10% between rounds on this shared machine. The library
  before and after that day's changes, side by side in one interleaved run
  of 11 rounds: 37,074 and 37,668 ns, within 2%.
- **Backtraces off, 1.13–1.28x.** The shim's own work per call (JSON
  formatting, two clock reads, one atomic add, a copy into the mapped file)
  is about 7% of the traced loop in `perf`; no system call is made per record
  once a process has written 64 KiB. The rest is the kernel keeping up with
  the trace: the loop writes about 30 MB/s of records, which ext4 writes back
  on the same two cores. A trace directory on tmpfs (`-o /dev/shm/...`)
  costs less. Tried: one `write(2)` per record (1.7x: two system calls of
  ~1 µs each here), then the shared mapping.
- **8 threads.** Eight threads on two cores: the loop's shmat/shmdt take the
  address-space lock for writing, and the ratio swings between 1.0 and 1.4
  from one run to the next on this shared machine.
- **sweep -j 2.** Each run is cheap, but symbolizing the runs' backtraces
  makes libdw inflate libc's compressed debug information once per sweep
  (about 0.7 s of one core, with libc6-dbg installed). Side by side, the
  next run now starts before a finished one is analysed, so that work
  overlaps the runs (1.47 s → 1.25 s here, against 2.2 s for `-j 1`); one
  at a time, a run's leaks must be removed before the next starts, so it
  cannot.
NOTES

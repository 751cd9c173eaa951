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
2. The same loop split over 2 and 8 threads.
3. bench/startup.c starts `true` 100 times and takes the median, with and
   without the library preloaded.
4. Bytes per call event of the traced loop, stack records included.
5. bench/gentrace.c writes a trace of EVENTS call records (16 call sites,
   12-frame stacks, a live set of one segment); `shmtrace report --format
   json` reads it under `/usr/bin/time` (wall time, peak RSS), beside
   `jq -c 'select(.call == "shmget")'` on the same file; then 10x the events.
6. `shmtrace sweep` of samples/careless counts its runs; bench/sweepme (five
   calls, each after 50 ms of sleep, like a program that works between its
   calls) is swept with `-j 1` and `-j 2`.
TAIL

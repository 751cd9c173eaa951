# Starts a program twice with an empty environment, as Python programs do
# to run a helper "clean": subprocess (CPython forks it with vfork and
# calls execve) and os.posix_spawn.  (A sanitized build's programs keep
# their ASAN_OPTIONS and UBSAN_OPTIONS.)
#   usage: python3 cleared_env.py PROGRAM ARGS...
import os
import subprocess
import sys

program = sys.argv[1:]
clean = {k: v for k, v in os.environ.items() if k in ("ASAN_OPTIONS", "UBSAN_OPTIONS")}
subprocess.run(program, env=clean, check=True)
pid = os.posix_spawn(program[0], program, clean)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))

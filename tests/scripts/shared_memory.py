#!/usr/bin/env python3
"""A real third-party user of POSIX shared memory: Python's
multiprocessing.shared_memory.  Modes:
  clean    create, write, read back, close, unlink
  forget   never unlink: Python's resource tracker (a process of its own)
           unlinks it at exit and warns; that is no leak
  leak     never unlink, and unregister from the tracker: a real leak
Prints the name it used."""
import sys
from multiprocessing import resource_tracker, shared_memory

mode = sys.argv[1] if len(sys.argv) > 1 else "clean"
shm = shared_memory.SharedMemory(create=True, size=4096)
shm.buf[:5] = b"hello"
assert bytes(shm.buf[:5]) == b"hello"
print("name=" + shm.name, flush=True)
shm.close()
if mode == "clean":
    shm.unlink()
elif mode == "leak":
    resource_tracker.unregister(shm._name, "shared_memory")

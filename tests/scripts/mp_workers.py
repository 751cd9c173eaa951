#!/usr/bin/env python3
"""Python's multiprocessing with each of its start methods (fork, spawn:
a new interpreter through posix_spawn or fork+exec, forkserver: a server
process that forks the workers): 4 workers open one POSIX segment by
name, each writes a byte, the parent sums them, then unlinks it.
  usage: mp_workers.py fork|spawn|forkserver
Prints "sum 10"."""
import multiprocessing as mp
import sys
from multiprocessing import shared_memory


def worker(name, i):
    shm = shared_memory.SharedMemory(name=name)
    shm.buf[i] = i + 1
    shm.close()


if __name__ == "__main__":
    mp.set_start_method(sys.argv[1])
    shm = shared_memory.SharedMemory(create=True, size=4096)
    workers = [mp.Process(target=worker, args=(shm.name, i)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("sum", sum(shm.buf[:4]))
    shm.close()
    shm.unlink()

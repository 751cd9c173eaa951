"""A TCP listener that writes the first line of each request it gets to
LOG, until TIMEOUT seconds pass without one: proof that a program did or
did not go online.  It writes LOG.port first.  usage: listen.py LOG TIMEOUT"""
import socket
import sys

log, timeout = sys.argv[1], float(sys.argv[2])
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(log + ".port", "w") as f:
    f.write(str(s.getsockname()[1]))
s.settimeout(timeout)
try:
    while True:
        c, _ = s.accept()
        with open(log, "a") as f:
            f.write(c.recv(300).decode(errors="replace").split("\r\n")[0] + "\n")
        c.close()
except socket.timeout:
    pass

#!/usr/bin/env python3
"""Opens a page in headless Chromium and says what a person would see.

    pagecheck.py PAGE.html [--eval JS] [--screenshot OUT.png] [--size WxH]

Speaks the DevTools protocol over --remote-debugging-pipe (fds 3 and 4,
messages ended by NUL), so that nothing beyond Python's standard library
and Debian's chromium is needed.  Prints one JSON object: the console's
errors and warnings, uncaught exceptions, every URL the page asked for
other than itself, and the value of JS (evaluated once the page's load
event fired).  Exit 0, or 2 when Chromium cannot be run or does not
answer in time.
"""
import argparse
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--mute-audio", "--hide-scrollbars", "--remote-debugging-pipe",
]


class Browser:
    def __init__(self, binary, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Chromium reads commands on fd 3 and writes on fd 4: the child's
        # ends moved above both first, so that neither dup2 clobbers the
        # other; 3 and 4 are kept through subprocess's closing of fds.
        high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        to_chrome_r, from_chrome_w = high_r, high_w

        def child_fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)
        self.proc = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, "--user-data-dir=" + profile, "about:blank"],
            pass_fds=(3, 4), preexec_fn=child_fds,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def receive(self, deadline):
        while b"\0" not in self.buf:
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self.from_chrome], [], [], 0.5)
            if ready:
                chunk = os.read(self.from_chrome, 1 << 20)
                if not chunk:
                    raise EOFError("chromium closed its pipe")
                self.buf += chunk
        msg, _, self.buf = self.buf.partition(b"\0")
        return json.loads(msg)

    def call(self, method, params=None, session=None, deadline=None):
        want = self.send(method, params, session)
        while True:
            msg = self.receive(deadline)
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(method + ": " + json.dumps(msg["error"]))
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, method, deadline):
        for i, msg in enumerate(self.events):
            if msg.get("method") == method:
                return self.events.pop(i)
        while True:
            msg = self.receive(deadline)
            if msg.get("method") == method:
                return msg
            self.events.append(msg)

    def close(self):
        try:
            self.send("Browser.close")
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("--eval", default="null")
    ap.add_argument("--screenshot")
    ap.add_argument("--size", default="1280x900")
    ap.add_argument("--timeout", type=float, default=90)
    args = ap.parse_args()
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if not binary:
        print("pagecheck: no chromium", file=sys.stderr)
        return 2
    url = "file://" + os.path.abspath(args.page)
    width, height = (int(n) for n in args.size.split("x"))
    deadline = time.monotonic() + args.timeout
    with tempfile.TemporaryDirectory(prefix="pagecheck.") as profile:
        b = Browser(binary, profile)
        try:
            target = b.call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
            s = b.call("Target.attachToTarget", {"targetId": target, "flatten": True}, deadline=deadline)["sessionId"]
            for domain in ("Runtime", "Log", "Network", "Page"):
                b.call(domain + ".enable", session=s, deadline=deadline)
            b.call("Emulation.setDeviceMetricsOverride",
                   {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                   session=s, deadline=deadline)
            b.call("Page.navigate", {"url": url}, session=s, deadline=deadline)
            b.wait_event("Page.loadEventFired", deadline)
            value = b.call("Runtime.evaluate", {"expression": args.eval, "returnByValue": True},
                           session=s, deadline=deadline)
            if args.screenshot:
                shot = b.call("Page.captureScreenshot", {"format": "png"}, session=s, deadline=deadline)
                with open(args.screenshot, "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
        except (TimeoutError, EOFError, RuntimeError, OSError) as e:
            print("pagecheck: " + str(e), file=sys.stderr)
            b.close()
            return 2
        b.close()
    console, exceptions, requests = [], [], []
    for msg in b.events:
        m, p = msg.get("method"), msg.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
            console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
            console.append(p["entry"].get("text", ""))
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            exceptions.append(d.get("exception", {}).get("description") or d.get("text", ""))
        elif m == "Network.requestWillBeSent":
            u = p.get("request", {}).get("url", "")
            if u != url:
                requests.append(u)
    if "exceptionDetails" in value:
        exceptions.append(json.dumps(value["exceptionDetails"]))
    print(json.dumps({"console": console, "exceptions": exceptions, "requests": requests,
                      "value": value.get("result", {}).get("value")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

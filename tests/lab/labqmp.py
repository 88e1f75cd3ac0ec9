# Helpers of the Python lab tests: TAP lines, a small QMP client that keeps events, and waiting
# for text on a guest's console file.
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import os
import select
import socket
import sys
import time

results = []


class _KeepDiagnostics:
    """stdout that also keeps the TAP diagnostics ('# ...' lines): meson prints only a failed
    test's stderr with --print-errorlogs, so tap_plan() repeats them there and CI's log says
    why a test failed, not only which subtest."""

    def __init__(self, out):
        self.out, self.lines, self.partial = out, [], ""

    def write(self, text):
        self.partial += text
        *done, self.partial = self.partial.split("\n")
        self.lines += [ln for ln in done if ln.startswith("#")]
        del self.lines[:-200]
        return self.out.write(text)

    def __getattr__(self, name):
        return getattr(self.out, name)


sys.stdout = _KeepDiagnostics(sys.stdout)


def tap(ok, what):
    results.append(bool(ok))
    print(f"{'ok' if ok else 'not ok'} {len(results)} {what}", flush=True)


def tap_plan():
    print(f"1..{len(results)}")
    if all(results):
        return 0
    for ln in sys.stdout.lines:  # the last 200
        print(ln, file=sys.stderr)
    return 1


def process_state(pid):
    """Each thread of @pid: its state, user CPU ticks and where it waits in the kernel (the top
    of its kernel stack), for a process that does not end or answer."""
    out = []
    try:
        for t in sorted(os.listdir(f"/proc/{pid}/task")):
            stat = open(f"/proc/{pid}/task/{t}/stat").read().rsplit(")", 1)[1].split()
            stack = [ln.split()[-1] for ln in open(f"/proc/{pid}/task/{t}/stack") if ln.strip()]
            out.append(f"{t} {stat[0]} utime {stat[11]} [{' < '.join(stack[:4])}]")
    except OSError as e:
        out.append(str(e))
    return "; ".join(out)


class Qmp:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.time() + 60
        while True:
            try:
                self.s.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b""
        self.events = []
        self.read(None)
        self.cmd("qmp_capabilities")

    def read(self, timeout):
        """The next message, or None after @timeout seconds (None: wait for ever)."""
        deadline = None if timeout is None else time.time() + timeout
        while b"\n" not in self.buf:
            left = None if deadline is None else max(deadline - time.time(), 0)
            if not select.select([self.s], [], [], left)[0]:
                return None
            data = self.s.recv(65536)
            if not data:
                raise EOFError("QMP connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, timeout=120, **args):
        """Run command @name; a hostdev that does not answer within @timeout seconds fails the
        test with TimeoutError rather than hanging it."""
        self.s.sendall((json.dumps({"execute": name, "arguments": args}) + "\n").encode())
        while True:
            msg = self.read(timeout)
            if msg is None:
                raise TimeoutError(f"no QMP reply to {name} within {timeout} s")
            if "event" in msg:
                self.events.append(msg)
            else:
                return msg

    def wait_event(self, name, timeout, match=None):
        """The first event @name (whose data @match accepts), taken off the queue; None."""
        deadline = time.time() + timeout
        while True:
            for e in self.events:
                if e["event"] == name and (match is None or match(e.get("data", {}))):
                    self.events.remove(e)
                    return e
            msg = self.read(max(deadline - time.time(), 0))
            if msg is None:
                return None
            if "event" in msg:
                self.events.append(msg)


def console_size(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


def console_text(path):
    return open(path, errors="replace").read() if os.path.exists(path) else ""


def wait_for_line(path, text, timeout, start=0):
    """Wait until a whole console line holding @text appears after offset @start: the guest
    writes the file a byte at a time, so a line seen without its newline may still be growing.
    Returns (offset just past @text, the line without its newline), or (-1, None)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        data = console_text(path)
        at = data.find(text, start)
        if at >= 0 and data.find("\n", at) >= 0:
            return at + len(text), data[data.rfind("\n", 0, at) + 1:data.find("\n", at)]
        time.sleep(0.1)
    return -1, None


def wait_for_text(path, text, timeout, start=0):
    """Wait until @text appears in @path after offset @start; the offset just past it, or -1."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        at = console_text(path).find(text, start)
        if at >= 0:
            return at + len(text)
        time.sleep(0.1)
    return -1

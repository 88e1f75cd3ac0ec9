#!/usr/bin/env python3
# QMP client storm against the real hostdev binary (issue 14): 8 monitors at once, six issuing
# streams of commands (query-status, qom-list, query-pci, device_add/device_del of
# hostdev-testdev, query-migrate, unknown commands, broken JSON), one disconnecting in the
# middle of commands, one sending a 64 MiB line. hostdev must refuse the line without holding
# it (RSS sampled from /proc), keep answering the others, end with its fd count back at the
# baseline, and exit 0 on quit. qtest accelerator and q35: no KVM, no lab.
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lab"))
from labqmp import Qmp, tap, tap_plan  # noqa: E402

HOSTDEV = os.environ["HOSTDEV_BINARY"]
MONITORS = 8
ROUNDS = int(os.environ.get("STORM_ROUNDS", "25"))
BIG = 64 << 20
RSS_LIMIT_KB = 64 << 10


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def hostdev_env():
    """The environment for hostdev. An ASan build keeps freed memory in its quarantine (256 MiB
    by default, and up to 1 MiB more per thread), so the refused line's buffers would stay
    resident; without either quarantine, RSS measures what hostdev itself holds, as in a build
    without sanitizers."""
    env = dict(os.environ)
    ldd = subprocess.run(["ldd", HOSTDEV], capture_output=True, text=True).stdout
    if "libasan" in ldd:
        env["ASAN_OPTIONS"] = ":".join(o for o in (env.get("ASAN_OPTIONS", ""),
                                                   "quarantine_size_mb=0",
                                                   "thread_local_quarantine_size_kb=0") if o)
    return env


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def wait_fds(pid, want, timeout=10):
    deadline = time.time() + timeout
    while fd_count(pid) != want and time.time() < deadline:
        time.sleep(0.05)
    return fd_count(pid)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


big_done = threading.Event()


class Worker(threading.Thread):
    """A well-behaved client: rounds of commands, every reply checked, at least ROUNDS and
    until the 64 MiB line is through (so they run while hostdev is reading it)."""

    def __init__(self, n, path):
        super().__init__()
        self.n, self.path = n, path
        self.replies = self.wrong = self.rounds = self.during_big = 0
        self.slowest = 0.0
        self.error = None

    def expect(self, q, name, ok, **args):
        t0 = time.time()
        r = q.cmd(name, timeout=60, **args)
        self.slowest = max(self.slowest, time.time() - t0)
        self.replies += 1
        if not ok(r):
            self.wrong += 1
            self.error = self.error or f"{name}: {str(r)[:200]}"
        return r

    def run(self):
        try:
            q = Qmp(self.path)
            ret = lambda r: "return" in r  # noqa: E731
            i = 0
            while i < ROUNDS or not big_done.is_set():
                dev = f"storm{self.n}x{i}"
                self.expect(q, "query-status", lambda r: r.get("return", {}).get("status"))
                self.expect(q, "qom-list", ret, path="/machine")
                self.expect(q, "device_add", ret, driver="hostdev-testdev", id=dev)
                self.expect(q, "query-pci", lambda r: any(
                    d.get("qdev_id") == dev for d in r["return"][0]["devices"]))
                self.expect(q, "device_del", ret, id=dev)
                self.expect(q, "query-migrate", ret)
                self.expect(q, "no-such-command",
                            lambda r: r.get("error", {}).get("class") == "CommandNotFound")
                # Broken JSON, then a complete command: the error and the answer both come.
                q.s.sendall(b'{"execute": "query-status", "arguments": {"a": }}\n')
                t0 = time.time()
                r = q.read(60)
                while r is not None and "event" in r:
                    r = q.read(60)
                self.replies += 1
                if not (r and r.get("error", {}).get("class") == "GenericError"):
                    self.wrong += 1
                    self.error = self.error or f"broken JSON: {r}"
                self.slowest = max(self.slowest, time.time() - t0)
                i += 1
                self.rounds = i
                if not big_done.is_set():
                    self.during_big += 8
            q.s.close()
        except Exception as e:  # noqa: BLE001 (reported as a test failure)
            self.error = f"{type(e).__name__}: {e}"


class Quitter(threading.Thread):
    """Disconnects in the middle of commands: half a request, or a request it never reads."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.cycles = 0
        self.error = None

    def run(self):
        try:
            for i in range(ROUNDS):
                s = connect(self.path)
                s.recv(65536)  # greeting
                s.sendall(b'{"execute": "qmp_capabilities"}\n')
                if i % 2:
                    s.sendall(b'{"execute": "qom-list", "arguments": {"path": "/mach')
                else:
                    s.sendall(b'{"execute": "query-pci"}\n{"execute": "qom-list", '
                              b'"arguments": {"path": "/machine"}}\n')
                s.close()
                self.cycles += 1
        except Exception as e:  # noqa: BLE001
            self.error = f"{type(e).__name__}: {e}"


class BigLine(threading.Thread):
    """Sends one 64 MiB request line, then checks the monitor still answers it."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.reply = self.after = self.error = None

    def run(self):
        try:
            q = Qmp(self.path)
            head = b'{"execute": "query-status", "arguments": {"pad": "'
            tail = b'"}}\n'
            chunk = b"A" * (1 << 20)
            q.s.sendall(head)
            sent = len(head) + len(tail)
            while sent < BIG:
                part = chunk[:min(len(chunk), BIG - sent)]
                q.s.sendall(part)
                sent += len(part)
            q.s.sendall(tail)
            self.reply = q.read(120)
            while self.reply is not None and "event" in self.reply:
                self.reply = q.read(120)
            self.after = q.cmd("query-status", timeout=60)
            q.s.close()
        except Exception as e:  # noqa: BLE001
            self.error = f"{type(e).__name__}: {e}"
        finally:
            big_done.set()


def main():
    tmp = tempfile.mkdtemp(prefix="hostdev-storm-")
    socks = [f"{tmp}/qmp{i}.sock" for i in range(MONITORS)]
    args = [HOSTDEV, "-accel", "qtest", "-M", "q35", "-m", "64M", "-nodefaults",
            "-display", "none"]
    for s in socks:
        args += ["-qmp", f"unix:{s},server=on,wait=off"]
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, env=hostdev_env())
    pid = proc.pid
    # Settle, warm up every monitor once (first-use allocations), then take the baselines.
    for s in socks:
        q = Qmp(s)
        q.cmd("query-status")
        q.cmd("qom-list", path="/machine")
        q.s.close()
    time.sleep(0.2)
    fds0 = fd_count(pid)
    rss0 = rss_kb(pid)
    tap(fds0 > 0 and rss0 > 0, f"baseline: {fds0} fds, VmRSS {rss0} kB")

    peak = [rss0]
    sampling = [True]

    def sample():
        while sampling[0]:
            try:
                peak[0] = max(peak[0], rss_kb(pid))
            except OSError:
                return
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    workers = [Worker(i, socks[i]) for i in range(6)]
    quitter = Quitter(socks[6])
    big = BigLine(socks[7])
    t0 = time.time()
    for t in workers + [quitter, big]:
        t.start()
    for t in workers + [quitter, big]:
        t.join(300)
    took = time.time() - t0
    sampling[0] = False
    sampler.join()

    replies = sum(w.replies for w in workers)
    wrong = sum(w.wrong for w in workers)
    errors = [w.error for w in workers if w.error]
    during = sum(w.during_big for w in workers)
    tap(not errors and wrong == 0 and replies == 8 * sum(w.rounds for w in workers) and
        all(w.rounds >= ROUNDS for w in workers),
        f"6 clients got {replies} replies ({wrong} wrong, {during} while the 64 MiB line was "
        f"sent) in {took:.1f} s, slowest {max(w.slowest for w in workers):.2f} s {errors[:1]}")
    tap(quitter.error is None and quitter.cycles == ROUNDS,
        f"a client disconnecting mid-command {quitter.cycles} times {quitter.error or ''}")
    desc = (big.reply or {}).get("error", {}).get("desc", "")
    tap(big.error is None and "larger than" in desc,
        f"the 64 MiB line is refused: {desc or big.reply} {big.error or ''}")
    tap(big.after is not None and "return" in big.after,
        "the client that sent it is still answered afterwards")
    tap(peak[0] - rss0 < RSS_LIMIT_KB,
        f"VmRSS baseline {rss0} kB, peak {peak[0]} kB (+{peak[0] - rss0} kB, limit "
        f"+{RSS_LIMIT_KB} kB)")

    fds1 = wait_fds(pid, fds0)
    tap(fds1 == fds0, f"fds back to the baseline after the storm: {fds1} (baseline {fds0})")
    q = Qmp(socks[0])
    r = q.cmd("query-status", timeout=30)
    tap(r.get("return", {}).get("status"), f"hostdev still answers: {r}")
    rss1 = rss_kb(pid)
    tap(rss1 - rss0 < RSS_LIMIT_KB, f"VmRSS after the storm {rss1} kB")
    q.s.sendall(json.dumps({"execute": "quit"}).encode() + b"\n")
    try:
        rc = proc.wait(30)
        err = proc.stderr.read()
    except subprocess.TimeoutExpired:
        proc.kill()
        rc, err = "hung", ""
    tap(rc == 0, f"quit ends hostdev with status 0 ({rc}) {err.strip()[-300:]}")
    return tap_plan()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# hostdev under RLIMIT_NOFILE=64 (issue 14): running out of fds at start-up (70 QMP monitors,
# 70 memfd memory backends) and at run time (object-add until it fails) gives an error naming
# "Too many open files", the limit's value and how to raise it; the failed object-add leaves no
# fd behind, a client that connects while fds are out is served once they are back, and
# object-del brings the fd count back to the baseline. qtest accelerator, no lab.
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lab"))
from labqmp import Qmp, tap, tap_plan  # noqa: E402

HOSTDEV = os.environ["HOSTDEV_BINARY"]
LIMIT = 64
BASE = [HOSTDEV, "-accel", "qtest", "-M", "q35", "-m", "16M", "-nodefaults", "-display", "none"]


def limit_fds():
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))


def clear(msg):
    return ("Too many open files" in msg and f"RLIMIT_NOFILE is {LIMIT}" in msg and
            "ulimit -n" in msg)


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def start_up_fails(what, args):
    r = subprocess.run(BASE + args, preexec_fn=limit_fds, capture_output=True, text=True,
                       timeout=60)
    err = r.stderr.strip()
    tap(r.returncode == 1 and clear(err) and len(err.splitlines()) == 1,
        f"{what}: exit {r.returncode}, one clear line: {err[-300:]}")


def run_time(tmp):
    socks = [f"{tmp}/qmp0.sock", f"{tmp}/qmp1.sock"]
    args = BASE.copy()
    for s in socks:
        args += ["-qmp", f"unix:{s},server=on,wait=off"]
    proc = subprocess.Popen(args, preexec_fn=limit_fds, stderr=subprocess.PIPE, text=True)
    q = Qmp(socks[0])
    q.cmd("query-status")
    base = fd_count(proc.pid)
    added, err, before_fail = [], None, base
    for i in range(LIMIT + 8):
        before_fail = fd_count(proc.pid)
        r = q.cmd("object-add", **{"qom-type": "memory-backend-memfd", "id": f"m{i}",
                                   "size": 1 << 20})
        if "error" in r:
            err = r["error"]["desc"]
            break
        added.append(f"m{i}")
    tap(err is not None and clear(err),
        f"object-add no. {len(added) + 1} fails clearly: {err}")
    tap(fd_count(proc.pid) == before_fail,
        f"the failed object-add left no fd behind ({fd_count(proc.pid)}, {before_fail} before)")
    tap(q.cmd("query-status").get("return", {}).get("running") is not None,
        "hostdev still answers with every fd in use")
    # A second client while no fd is free: accepted once object-del gives fds back.
    late = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    late.connect(socks[1])
    late.settimeout(0.5)
    try:
        early = late.recv(4096)
    except socket.timeout:
        early = b""
    for name in added[:4]:
        q.cmd("object-del", id=name)
    late.settimeout(10)
    try:
        greeting = early or late.recv(4096)
    except socket.timeout:
        greeting = b""
    tap(b'"QMP"' in greeting, f"a client that came while fds were out is greeted once they are "
        f"back ({len(greeting)} bytes)")
    late.close()
    for name in added[4:]:
        q.cmd("object-del", id=name)
    deadline = time.time() + 10
    while fd_count(proc.pid) != base and time.time() < deadline:
        time.sleep(0.05)
    tap(fd_count(proc.pid) == base,
        f"object-del of all {len(added)} brings fds back to the baseline "
        f"({fd_count(proc.pid)}, baseline {base})")
    q.s.sendall(b'{"execute": "quit"}\n')
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = "hung"
    tap(rc == 0, f"quit exits 0 ({rc}) {proc.stderr.read().strip()[-200:]}")


def main():
    tmp = tempfile.mkdtemp(prefix="hostdev-fdlimit-")
    args = []
    for i in range(70):
        args += ["-qmp", f"unix:{tmp}/m{i}.sock,server=on,wait=off"]
    start_up_fails("70 QMP monitors", args)
    args = []
    for i in range(70):
        args += ["-object", f"memory-backend-memfd,id=m{i},size=1M"]
    start_up_fails("70 memfd memory backends", args)
    run_time(tmp)
    return tap_plan()


if __name__ == "__main__":
    sys.exit(main())

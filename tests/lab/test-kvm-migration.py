#!/usr/bin/python3
# Lab test: live migration of a KVM guest with an assigned mtty mdev between two hostdev
# processes (issue 12). The L2 guest (l2.migrate) writes a numbered stream through the mtty's
# port, reads each number back through its loopback and prints "L2: tick N" on the console.
# First a destination killed mid-stream and a migrate_cancel: the source keeps running and
# its guest keeps counting. Then the real migration: the source ends "completed", the
# destination's guest goes on, and the source's and destination's consoles together hold every
# number once, in order; the guest's own check of its mtty reports nothing lost. TAP output.
# SPDX-License-Identifier: GPL-2.0-or-later
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

from labqmp import Qmp, console_text, process_state, tap, tap_plan, wait_for_text


def start(args, d, name, mdev, extra=()):
    con, sock = f"{d}/{name}.log", f"{d}/{name}.sock"
    dev = f"vfio-pci,sysfsdev={mdev},id=tty0,addr=5"
    cmd = [os.environ["HOSTDEV_BINARY"], "-accel", "kvm", "-cpu", "host", "-M", "q35",
           "-m", "512M", "-smp", "2", "-nodefaults", "-display", "none",
           "-kernel", os.environ["LAB_KERNEL"], "-initrd", os.environ["L2_INITRAMFS"],
           "-append", "console=ttyS0 panic=-1 quiet l2.expect= l2.migrate",
           "-serial", f"file:{con}",
           "-chardev", f"socket,id=qmp,path={sock},server=on,wait=off",
           "-mon", "chardev=qmp,mode=control"]
    if args.backend == "iommufd":
        cmd += ["-object", "iommufd,id=iofd0"]
        dev += ",iommufd=iofd0"  # auto: mtty logs its own DMA (no IOMMU tracking for an mdev)
    cmd += ["-device", dev, *extra]
    p = subprocess.Popen(cmd, stderr=open(f"{d}/{name}.err", "w"))
    q = Qmp(sock)
    return p, q, con


def ticks(text):
    return [int(n) for n in re.findall(r"L2: tick (\d+)\n", text)]


def last_tick(con):
    t = ticks(console_text(con))
    return t[-1] if t else 0


def wait_ticks(con, above, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if last_tick(con) > above:
            return True
        time.sleep(0.2)
    return False


def wait_status(q, want, timeout):
    deadline = time.time() + timeout
    info = {}
    while time.time() < deadline:
        info = q.cmd("query-migrate").get("return", {})
        if info.get("status") in want:
            return info
        time.sleep(0.1)
    return info


def reap(p, timeout):
    """Wait for @p; True when it ended, else False (say where it is stuck)."""
    try:
        p.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        print(f"# pid {p.pid} did not end in {timeout} s; its threads: {process_state(p.pid)}")
        return False


def stderr_lines(d, name):
    return [ln for ln in open(f"{d}/{name}.err", errors="replace").read().splitlines() if ln]


def aborted(args, d, src, qs, con, n, how):
    """A migration that does not finish (@how: kill the destination, or cancel): the source
    runs on and its guest keeps counting."""
    dst, qd, _ = start(args, d, f"dst{n}", args.mdevs[1], ["-incoming", "defer"])
    uri = f"unix:{d}/mig{n}.sock"
    qd.cmd("migrate-incoming", uri=uri)
    qs.cmd("migrate-set-parameters", **{"max-bandwidth": 2 << 20})
    r = qs.cmd("migrate", uri=uri)
    info = wait_status(qs, ("active",), 30)
    time.sleep(1)
    if how == "kill":
        dst.kill()
        info = wait_status(qs, ("failed", "completed"), 60)
        ok = info.get("status") == "failed"
    else:
        qs.cmd("migrate_cancel")
        info = wait_status(qs, ("cancelled", "completed"), 60)
        ok = info.get("status") == "cancelled"
    ok = reap(dst, 60) and ok
    st = qs.cmd("query-status")["return"]["status"]
    before = last_tick(con)
    going = wait_ticks(con, before + 10, 30)
    tap("error" not in r and ok and st == "running" and going,
        f"{how}: the source's migration ends {info.get('status')} "
        f"({info.get('error-desc', '')}), the source is {st}, its guest counts on past "
        f"{before}: {going}")
    qs.cmd("migrate-set-parameters", **{"max-bandwidth": 128 << 20})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["legacy", "iommufd"], default="legacy")
    args = ap.parse_args()
    mdevs = os.environ.get("LAB_MDEVS", "").split()
    if len(mdevs) < 2 or not os.environ.get("LAB_KERNEL") or not os.path.exists("/dev/kvm"):
        print("Bail out! needs two mtty mdevs in LAB_MDEVS (--mdev mtty-2,mtty-2), LAB_KERNEL "
              "and /dev/kvm (run inside scripts/lab/run)")
        return 1
    args.mdevs = mdevs
    d = tempfile.mkdtemp(prefix="kvm-mig.")
    procs = []
    try:
        src, qs, con = start(args, d, "src", mdevs[0])
        procs.append(src)
        end = wait_for_text(con, "L2: MIGRATE ready", 180)
        tap(end >= 0 and wait_ticks(con, 20, 60),
            f"the source's guest counts through its mtty: {console_text(con)[end:end + 60]!r}")
        blocked = qs.cmd("query-migrate")["return"]
        tap(not blocked.get("blocked"), f"a KVM guest with an mtty is migratable: {blocked}")
        aborted(args, d, src, qs, con, 1, "kill")
        aborted(args, d, src, qs, con, 2, "cancel")

        dst, qd, dcon = start(args, d, "dst", mdevs[1], ["-incoming", "defer"])
        procs.append(dst)
        tap(qd.cmd("query-status")["return"]["status"] == "inmigrate",
            "the destination waits in inmigrate")
        qs.cmd("migrate-set-capabilities", capabilities=[{"capability": "events", "state": True}])
        qd.cmd("migrate-incoming", uri=f"unix:{d}/mig.sock")
        r = qs.cmd("migrate", uri=f"unix:{d}/mig.sock")
        info = wait_status(qs, ("completed", "failed", "cancelled"), 180)
        ram = info.get("ram", {})
        tap("error" not in r and info.get("status") == "completed",
            f"migrate: {info.get('status')} {info.get('error-desc', '')} in "
            f"{info.get('total-time')} ms, downtime {info.get('downtime')} ms, "
            f"{ram.get('dirty-sync-count')} passes, {ram.get('transferred')} bytes")
        passes = [e for e in qs.events if e["event"] == "MIGRATION_PASS"]
        states = [e["data"]["status"] for e in qs.events if e["event"] == "MIGRATION"]
        tap(passes and states[:2] == ["setup", "active"] and states[-1] == "completed",
            f"events: MIGRATION {states}, {len(passes)} MIGRATION_PASS")
        sst = qs.cmd("query-status")["return"]["status"]
        din = wait_status(qd, ("completed", "failed"), 60)
        dst_state = qd.cmd("query-status")["return"]["status"]
        tap(sst == "postmigrate" and din.get("status") == "completed" and dst_state == "running",
            f"the source is {sst}, the destination's migration {din.get('status')} and it is "
            f"{dst_state}")
        src_last = last_tick(con)
        going = wait_ticks(dcon, src_last + 20, 60)
        tap(going, f"the guest counts on at the destination past the source's last number "
                   f"{src_last}: now {last_tick(dcon)}")
        qd.cmd("system_powerdown")
        result = wait_for_text(dcon, "L2: migrate-seq ", 60)
        if not reap(dst, 60):
            try:
                st = qd.cmd("query-status", timeout=10).get("return", {}).get("status")
            except (TimeoutError, OSError) as e:
                st = f"not answering QMP ({e})"
            print(f"# the destination is {st} 60 s after system_powerdown")
        both = console_text(con) + console_text(dcon)
        seq = ticks(both)
        gaps = [(a, b) for a, b in zip(seq, seq[1:]) if b != a + 1]
        tap(seq and seq[0] == 1 and not gaps,
            f"the consoles of source and destination hold 1..{seq[-1] if seq else 0} once each "
            f"(gaps or repeats: {gaps[:5]})")
        text = console_text(dcon)
        line = text[result:text.find("\n", result)] if result >= 0 else "no result"
        tap(result >= 0 and text[result:].startswith("ok"),
            f"the guest's own check of its mtty stream: migrate-seq {line}")
        tap(dst.poll() == 0, f"the destination's guest powered off: exit {dst.returncode}")
        qs.cmd("quit")
        src.wait(30)
        tap(src.returncode == 0, f"the source quits: exit {src.returncode}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for name in ("src", "dst"):
            if os.path.exists(f"{d}/{name}.err"):
                for ln in stderr_lines(d, name)[-20:]:
                    print(f"# {name} stderr: {ln}")
            for ln in console_text(f"{d}/{name}.log").splitlines()[-15:]:
                print(f"# {name} console: {ln}")
    return tap_plan()


if __name__ == "__main__":
    sys.exit(main())

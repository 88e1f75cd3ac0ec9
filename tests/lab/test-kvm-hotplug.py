#!/usr/bin/python3
# Lab test: PCI Express native hot-plug into a running KVM guest (the L2 lab kernel, whose pciehp
# drives hostdev's pcie-root-ports). device_add of edu, nvme, an mtty mdev and the emulated test
# device: the guest reports each found and working with its own driver; device_del: the guest
# takes the attention button, unbinds and powers the slot off, and only then DEVICE_DELETED
# comes; the same device plugs back and works; N plug/unplug cycles leave hostdev's fds and
# mappings as they were. --no-driver: a guest without a hot-plug driver (acpi=off
# pcie_ports=compat) keeps its cold-plugged device on device_del, and hostdev keeps it too.
# The host taking a device back (unbinding it from vfio-pci) asks the guest the same way; a guest
# that does not answer keeps it, hostdev says so, and the host's unbind ends when hostdev quits.
# --nomsi: the guest boots with pci=nomsi, so the ports signal hot-plug events over INTx (and
# pcie_ports=native: without MSI, Linux does not ask ACPI's _OSC for the slots).
# --fault-sweep (issue 14): each KVM call of an nvme plug/unplug cycle fails in turn (QMP
# x-vfio-fail kind kvm); the device is refused with a clear error or works on the slow path.
# usage: test-kvm-hotplug.py [--backend legacy|iommufd] [--cycles N] [--nomsi] [--no-driver]
#        [--fault-sweep].
# SPDX-License-Identifier: GPL-2.0-or-later
import argparse
import errno
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from labqmp import Qmp, console_text, process_state, tap, tap_plan, wait_for_line

PORTS = 4
ENOMEM = errno.ENOMEM


def fds_and_maps(pid):
    return len(os.listdir(f"/proc/{pid}/fd")), len(open(f"/proc/{pid}/maps").readlines())


def start(args, d, append, devices, machine=()):
    con, sock = f"{d}/console.log", f"{d}/qmp.sock"
    cmd = [os.environ["HOSTDEV_BINARY"], "-accel", "kvm", "-cpu", "host", "-M", "q35",
           *machine, "-m", "512M", "-smp", "2", "-nodefaults", "-display", "none",
           "-kernel", os.environ["LAB_KERNEL"], "-initrd", os.environ["L2_INITRAMFS"],
           "-append", f"console=ttyS0 panic=-1 {append}", "-serial", f"file:{con}",
           "-chardev", f"socket,id=qmp,path={sock},server=on,wait=off",
           "-mon", "chardev=qmp,mode=control"]
    for i in range(1, PORTS + 1):
        cmd += ["-device", f"pcie-root-port,id=rp{i},chassis={i},slot={i}"]
    if args.backend == "iommufd":
        cmd += ["-object", "iommufd,id=iommufd0"]
    for dev in devices:
        cmd += ["-device", dev]
    return subprocess.Popen(cmd, stderr=open(f"{d}/stderr.log", "w"))


def vfio(args, what, id, bus):
    dev = {"driver": "vfio-pci", "id": id, "bus": bus, **what}
    if args.backend == "iommufd":
        dev["iommufd"] = "iommufd0"
    return dev


def line_with(text, *parts):
    """The first console line holding every one of @parts, or None."""
    return next((ln for ln in text.splitlines() if all(x in ln for x in parts)), None)


class Guest:
    def __init__(self, q, con):
        self.q, self.con = q, con

    def plug(self, dev, ident, timeout=60):
        """device_add @dev; the guest's hotplug-add report for vendor:device @ident."""
        mark = len(console_text(self.con))
        r = self.q.cmd("device_add", **dev)
        if "error" in r:
            return False, r["error"]["desc"]
        return self.plug_wait(ident, mark, timeout)

    def plug_wait(self, ident, mark, timeout=60):
        """After a device_add: the guest's report for @ident, after console offset @mark."""
        end, line = wait_for_line(self.con, f" {ident} ", timeout, mark)
        line = line or "no report from the guest"
        return end >= 0 and "hotplug-add ok" in line, line

    def unplug(self, id, ident, timeout=60):
        """device_del @id: pending while the guest decides, the guest's removal report, then
        DEVICE_DELETED. Returns (ok, detail)."""
        mark = len(console_text(self.con))
        r = self.q.cmd("device_del", id=id)
        if "error" in r:
            return False, r["error"]["desc"]
        pending = self.q.cmd("qom-get", path=f"/machine/peripheral/{id}",
                             property="unplug-pending").get("return")
        early = self.q.wait_event("DEVICE_DELETED", 2, lambda d: d.get("device") == id)
        if early is not None or pending is not True:
            return False, f"gone without the guest's consent (pending {pending}, event {early})"
        t0 = time.time()
        ev = self.q.wait_event("DEVICE_DELETED", timeout, lambda d: d.get("device") == id)
        took = time.time() - t0 + 2
        text = console_text(self.con)[mark:]
        consent = "Button press: will power off" in text
        removed = line_with(text, "hotplug-remove ok", f" {ident}") is not None
        ok = ev is not None and consent and removed
        return ok, (f"button press seen by the guest {consent}, guest reported the removal "
                    f"before the event {removed}, DEVICE_DELETED after {took:.1f} s")


def host_unbind(bdf):
    """Unbind @bdf from vfio-pci on the host, in the background (the kernel waits for users)."""
    return subprocess.Popen(["sh", "-c", f"echo {bdf} > /sys/bus/pci/devices/{bdf}/driver/unbind"])


def host_rebind(bdf):
    """Give @bdf back to vfio-pci (its driver_override still names it)."""
    with open("/sys/bus/pci/drivers_probe", "w") as f:
        f.write(bdf)
    return os.path.basename(os.readlink(f"/sys/bus/pci/devices/{bdf}/driver"))


def host_takes_nvme(args, g, q, con, nvme):
    """The host takes the nvme back: the guest is asked the same way and lets it go."""
    ok, line = g.plug(nvme, "1b36:0010")
    tap(ok, f"nvme plugged again: {line.strip()}")
    mark = len(console_text(con))
    unbind = host_unbind(os.environ["LAB_NVME"])
    ev = q.wait_event("DEVICE_DELETED", 60, lambda d: d.get("device") == "nvme0")
    text = console_text(con)[mark:]
    try:
        rc = unbind.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
    said = "the host asked for the device back" in open(f"{args.dir}/stderr.log").read()
    tap(ev is not None and "Button press" in text and "hotplug-remove ok" in text and rc == 0,
        f"host unbind of the nvme: hostdev said so {said}, the guest released it "
        f"{'hotplug-remove ok' in text}, DEVICE_DELETED {ev is not None}, unbind exit {rc}")
    tap(host_rebind(os.environ["LAB_NVME"]) == "vfio-pci", "the nvme goes back to vfio-pci")


def native(args, q, con, p):
    g = Guest(q, con)
    line = wait_for_line(con, "L2: HOTPLUG ready", 180)[1] or "no report from the guest"
    irq = "intx" if args.nomsi else "msi"
    tap(f"{PORTS} hot-plug slots, port interrupt {irq}" in line,
        f"the guest's pciehp drives the ports: {line}")
    edu = vfio(args, {"host": os.environ["LAB_EDU"]}, "edu0", "rp1")
    nvme = vfio(args, {"host": os.environ["LAB_NVME"]}, "nvme0", "rp2")
    mtty = vfio(args, {"sysfsdev": os.environ["LAB_MDEVS"].split()[0]}, "mtty0", "rp3")
    test = {"driver": "hostdev-testdev", "id": "t0", "bus": "rp4"}
    plan = [(edu, "1234:11e8"), (nvme, "1b36:0010"), (mtty, "4348:3253"), (test, "1b36:00ee")]
    if args.nomsi:
        # The ports' INTx events are what this run is about. (An nvme behind a port, itself on
        # INTx under pci=nomsi, does not come up yet: its disk never appears. Open.)
        plan = [plan[0], plan[3]]
    r = q.cmd("device_add", **vfio(args, {"host": "0000:00:1f.7"}, "bad0", "rp1"))
    st = q.cmd("query-status")["return"]["status"]
    tap("error" in r and "'bad0'" in r["error"]["desc"] and st == "running",
        f"a failed device_add names the device and the guest runs on ({st}): "
        f"{r.get('error', {}).get('desc')}")
    for dev, ident in plan:
        ok, line = g.plug(dev, ident)
        tap(ok, f"device_add {dev['id']} ({args.backend}): {line.strip()}")
    r = q.cmd("device_add", **{**test, "id": "t1"})
    tap("error" in r and "in use by hostdev-testdev 't0'" in r["error"]["desc"],
        f"an occupied port is refused: {r.get('error', {}).get('desc')}")
    for dev, ident in plan:
        ok, detail = g.unplug(dev["id"], ident)
        tap(ok, f"device_del {dev['id']}: {detail}")
    if not args.nomsi:
        host_takes_nvme(args, g, q, con, nvme)
    base = fds_and_maps(p.pid)
    ok, line = g.plug(edu, "1234:11e8")
    tap(ok, f"edu plugs back and works: {line.strip()}")
    ok, detail = g.unplug("edu0", "1234:11e8")
    tap(ok, f"and leaves again: {detail}")
    failures = []
    for i in range(args.cycles):
        for step in (g.plug(edu, "1234:11e8"), g.unplug("edu0", "1234:11e8")):
            if not step[0]:
                failures.append(f"cycle {i + 1}: {step[1]}")
    after = fds_and_maps(p.pid)
    tap(not failures, f"{args.cycles} plug/unplug cycles of edu: {failures[:2]}")
    tap(after == base, f"fds and mappings (fd count, /proc maps lines) before {base}, "
                       f"after the cycles {after}")
    st = q.cmd("query-status")["return"]
    tap(st["status"] == "running", f"the guest runs on: {st['status']}")
    q.cmd("system_powerdown")
    ev = q.wait_event("SHUTDOWN", 60)
    tap(ev is not None, f"the guest powers off: {ev}")
    rc = p.wait(30)
    tap(rc == 0, f"hostdev exited {rc}")


def no_driver(args, q, con, p):
    line = wait_for_line(con, "L2: HOTPLUG ready", 180)[1] or "no report from the guest"
    tap("L2: edu ok" in console_text(con) and " 0 hot-plug slots" in line,
        f"pcie_ports=compat: no hot-plug driver, the cold-plugged edu works: {line}")
    for attempt in (1, 2):
        r = q.cmd("device_del", id="edu0")
        tap("return" in r, f"device_del edu0 (try {attempt}) is accepted: {r}")
    ev = q.wait_event("DEVICE_DELETED", 8)
    pending = q.cmd("qom-get", path="/machine/peripheral/edu0", property="unplug-pending")
    st = q.cmd("query-status")["return"]
    tap(ev is None and pending.get("return") is True and st["status"] == "running",
        f"the guest keeps it: no DEVICE_DELETED in 8 s, unplug-pending {pending.get('return')}, "
        f"status {st['status']}")
    tap("hotplug-remove" not in console_text(con), "the guest still has the edu")
    # The host wants it back: asked and asked again (the kernel repeats every 10 s), hostdev
    # says the guest has not let go; quitting hostdev lets the unbind finish.
    unbind = host_unbind(os.environ["LAB_EDU"])
    deadline = time.time() + 40
    err = ""
    while time.time() < deadline and "has not released the device" not in err:
        time.sleep(0.5)
        err = open(f"{args.dir}/stderr.log").read()
    line = next((ln for ln in err.splitlines() if "has not released" in ln), "nothing said")
    tap(unbind.poll() is None and "has not released" in line,
        f"host unbind of the edu waits while hostdev says: {line}")
    q.cmd("quit")
    rc = p.wait(30)
    tap(rc == 0, f"quit: hostdev exited {rc}")
    try:
        urc = unbind.wait(30)
    except subprocess.TimeoutExpired:
        urc = None
    tap(urc == 0, f"then the host's unbind finishes: exit {urc}")
    tap(host_rebind(os.environ["LAB_EDU"]) == "vfio-pci", "the edu goes back to vfio-pci")


def fault_point(g, q, p, dev, ident, n, base, stderr_path):
    """One point of the KVM fault sweep: the @n-th KVM call of a plug/unplug cycle of @dev fails
    with ENOMEM. Returns (passed, row)."""
    mark = len(open(stderr_path, errors="replace").read())
    q.cmd("x-vfio-fail", kind="kvm", n=n, errno=ENOMEM)
    cmark = len(console_text(g.con))
    r = q.cmd("device_add", **dev)
    refused = "error" in r
    if refused:
        said = r["error"]["desc"]
        outcome, ok = f"refused: {said}", True
    else:
        ok, line = g.plug_wait(ident, cmark)
        outcome = "works" if ok else f"broken: {line.strip()}"
        uok, detail = g.unplug(dev["id"], ident)
        if not uok:
            ok, outcome = False, f"{outcome}; unplug: {detail}"
        said = open(stderr_path, errors="replace").read()[mark:]
    fired = q.cmd("x-query-vfio-fail", kind="kvm")["return"]["fired"]
    calls = sorted(set(re.findall(r"KVM_[A-Z0-9_]+", said)))
    named = "Cannot allocate memory" in said and calls
    st = q.cmd("query-status")["return"]["status"]
    after = fds_and_maps(p.pid)
    if not fired:
        outcome = "not reached"
    # A refusal must come from the fault: anything else is a cycle that broke the next one.
    passed = ok and st == "running" and after == base and (named if fired else not refused)
    why = "" if passed else f" (status {st}, fds/maps {after} vs {base}, said: {said.strip()[:300]})"
    return passed, f"{n:5}  {'/'.join(calls) or '-':40}  {outcome}{why}"


def fault_sweep(args, q, con, p):
    """The KVM paths' fault sweep (issue 14): every KVM call a plug/unplug cycle of the nvme
    causes (KVM VFIO device, memory slots for its BAR, INTx irqfd with resample, MSI-X routes
    and irqfds as the guest's driver sets its vectors up) fails in turn. Each time the device
    is refused with a clear error or works on the slow path, hostdev says which call failed and
    why, the guest and hostdev run on, and fds and mappings are as before; a clean cycle after
    the sweep says nothing a cycle without faults does not, so the kernel kept no stale slot."""
    g = Guest(q, con)
    stderr_path = f"{args.dir}/stderr.log"
    line = wait_for_line(con, "L2: HOTPLUG ready", 180)[1] or "no report from the guest"
    tap("hot-plug slots" in line, f"the guest's pciehp drives the ports: {line}")
    dev = vfio(args, {"host": os.environ["LAB_NVME"]}, "nvme0", "rp2")
    ident = "1b36:0010"
    cycle = [g.plug(dev, ident), g.unplug("nvme0", ident)]
    tap(all(c[0] for c in cycle), f"a first cycle of the nvme ({args.backend}): {cycle}")
    q.cmd("x-vfio-fail", kind="kvm", n=0, errno=ENOMEM)
    mark = len(open(stderr_path, errors="replace").read())
    cycle = [g.plug(dev, ident), g.unplug("nvme0", ident)]
    calls = q.cmd("x-query-vfio-fail", kind="kvm")["return"]["count"]
    # What a cycle says without a fault (iommufd: it cannot map the BAR for peer-to-peer DMA).
    usual = set(open(stderr_path, errors="replace").read()[mark:].splitlines())
    tap(all(c[0] for c in cycle) and calls > 0,
        f"a counted cycle: {calls} KVM calls (memory slots, routes, irqfds, KVM VFIO device)")
    base = fds_and_maps(p.pid)
    rows, failed = [], 0
    for n in range(1, calls + 1):
        passed, row = fault_point(g, q, p, dev, ident, n, base, stderr_path)
        rows.append(row)
        failed += not passed
    print(f"# KVM fault sweep, nvme, {args.backend} backend, ENOMEM at each point:")
    print(f"#     n  {'failed call':40}  outcome")
    for row in rows:
        print(f"# {row}")
    refused = sum(" refused: " in r for r in rows)
    reached = sum(" not reached" not in r for r in rows)
    print("# path           backend  fault points  refused  recovered  passes")
    print(f"# kvm-hotplug    {args.backend:7}  {calls:12}  {refused:7}  {reached - refused:9}  "
          f"{calls - failed:6}")
    tap(failed == 0, f"{calls} fault points: {calls - failed} passed")
    q.cmd("x-vfio-fail", kind="kvm", n=0, errno=ENOMEM)
    mark = len(open(stderr_path, errors="replace").read())
    cycle = [g.plug(dev, ident), g.unplug("nvme0", ident)]
    said = set(open(stderr_path, errors="replace").read()[mark:].splitlines()) - usual
    tap(all(c[0] for c in cycle) and not said,
        f"then a clean cycle works and hostdev says nothing new: {cycle} {sorted(said)[:3]}")
    tap(fds_and_maps(p.pid) == base, f"fds and mappings as before the sweep: {base}")
    q.cmd("quit")
    rc = p.wait(30)
    tap(rc == 0, f"quit: hostdev exited {rc}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="legacy", choices=["legacy", "iommufd"])
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--no-driver", action="store_true")
    ap.add_argument("--nomsi", action="store_true")
    ap.add_argument("--fault-sweep", action="store_true")
    ap.add_argument("--limit", type=int, default=420, help="give up after this many seconds")
    args = ap.parse_args()
    need = ["LAB_KERNEL", "LAB_EDU", "LAB_NVME", "LAB_MDEVS"]
    if not all(os.environ.get(v) for v in need) or not os.path.exists("/dev/kvm"):
        print(f"Bail out! needs {', '.join(need)} and /dev/kvm (run inside scripts/lab/run)")
        return 1
    d = args.dir = tempfile.mkdtemp(prefix="kvm-hotplug.")
    con, sock = f"{d}/console.log", f"{d}/qmp.sock"
    if args.no_driver:
        edu = "vfio-pci,host=%s,id=edu0,bus=rp1%s" % (
            os.environ["LAB_EDU"], ",iommufd=iommufd0" if args.backend == "iommufd" else "")
        p = start(args, d, "quiet acpi=off pcie_ports=compat l2.expect=edu l2.hotplug "
                  "l2.end=halt", [edu], machine=("-machine", "acpi=off"))
    else:
        p = start(args, d, "quiet l2.expect= l2.hotplug" + (" pci=nomsi pcie_ports=native" if args.nomsi else ""),
                  [])
    # A bound of its own, under meson's: a run that hangs (once in CI, 900 s, with no output
    # kept) still ends with what hostdev and the guest said, and hostdev's state.
    def give_up(signum, frame):
        raise TimeoutError(f"the test ran {args.limit} s (a normal run takes 20-190 s)")
    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(args.limit)
    try:
        q = Qmp(sock)
        (no_driver if args.no_driver else fault_sweep if args.fault_sweep else native)(
            args, q, con, p)
    except (TimeoutError, OSError, subprocess.TimeoutExpired) as e:
        tap(False, f"the test stopped: {e}")
        print(f"# hostdev (pid {p.pid}): {process_state(p.pid)}")
    finally:
        signal.alarm(0)
        if p.poll() is None:
            p.kill()
        for line in open(f"{d}/stderr.log", errors="replace").read().splitlines():
            if line.strip():
                print(f"# stderr: {line}")
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            tap(False, f"hostdev (pid {p.pid}) outlives SIGKILL by 30 s: {process_state(p.pid)}")
        text = console_text(con)
        for line in text.splitlines():
            if line.startswith("L2"):
                print(f"# console: {line}")
        # The guest's kernel messages say why a guest stopped answering or started again
        # (seen in this session: an L2 guest that rebooted mid-test, one that never answered).
        for line in text.splitlines():
            if re.search(r"panic|Oops|BUG|RIP:|Call Trace|segfault|Attempted to kill|"
                         r"triple|reboot|watchdog|stall|blocked for", line):
                print(f"# console (kernel): {line}")
    return tap_plan()


sys.exit(main())

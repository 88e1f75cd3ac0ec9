#!/usr/bin/env python3
# hostdev as a management stack runs it, checked from outside the process: libvirt's probe
# command line (-daemonize returns once QMP listens, -pidfile, SIGTERM ends it and removes the
# pid file) and the answers libvirt requires of the probe; -sandbox seen in /proc as a seccomp
# filter; -msg timestamp on stderr; dump-guest-core=off as MADV_DONTDUMP on guest RAM;
# -overcommit mem-lock=on as locked memory; -uuid through query-uuid.
# qtest accelerator: this runs without KVM (the lab test with real libvirt covers KVM).
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lab"))
from labqmp import Qmp, tap, tap_plan  # noqa: E402

HOSTDEV = os.environ["HOSTDEV_BINARY"]
tmp = tempfile.mkdtemp(prefix="hostdev-mgmt-")


def wait_gone(pid, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def probe():
    sock, pidfile = f"{tmp}/qmp.monitor", f"{tmp}/qmp.pid"
    t0 = time.time()
    r = subprocess.run([HOSTDEV, "-S", "-no-user-config", "-nodefaults", "-nographic",
                        "-machine", "none,accel=qtest",
                        "-qmp", f"unix:{sock},server=on,wait=off", "-pidfile", pidfile,
                        "-daemonize"], capture_output=True, text=True, timeout=30)
    tap(r.returncode == 0, f"-daemonize returns 0 ({r.returncode}, {time.time() - t0:.2f} s) "
        f"{r.stderr.strip()}")
    pid = int(open(pidfile).read())
    tap(os.path.exists(sock), "the QMP socket listens when -daemonize returns")
    q = Qmp(sock)
    v = q.cmd("query-version")["return"]
    tap((v["qemu"]["major"], v["qemu"]["minor"]) >= (6, 2) and "package" in v,
        f"query-version {v}")
    tap(q.cmd("query-target")["return"] == {"arch": "x86_64"}, "query-target x86_64")
    kvm = q.cmd("query-kvm")["return"]
    tap(isinstance(kvm.get("enabled"), bool) and isinstance(kvm.get("present"), bool),
        f"query-kvm {kvm}")
    schema = q.cmd("query-qmp-schema")["return"]
    names = [e["name"] for e in schema]
    dev_add = [e for e in schema if e["name"] == "device_add"]
    tap(len(names) == len(set(names)) and dev_add and
        "json-cli-hotplug" in dev_add[0].get("features", []),
        f"query-qmp-schema: {len(schema)} unique entries, device_add has json-cli-hotplug")
    types = {t["name"] for t in q.cmd("qom-list-types")["return"]}
    want = {"vfio-pci", "pcie-root-port", "pcie-pci-bridge", "memory-backend-ram", "secret",
            "qemu64-x86_64-cpu", "kvm-accel"}
    tap(want <= types, f"qom-list-types has {sorted(want)}")
    props = q.cmd("device-list-properties", typename="vfio-pci")["return"]
    tap({"host", "sysfsdev", "addr"} <= {p["name"] for p in props},
        "device-list-properties vfio-pci")
    err = q.cmd("device-list-properties", typename="virtio-net-ccw").get("error", {})
    tap(err.get("class") == "DeviceNotFound", f"an unknown device is DeviceNotFound: {err}")
    # libvirt 11.3 dies on DeviceNotFound here: every type it asks about must answer.
    for t in ["memory-backend-file", "memory-backend-memfd", "max-x86_64-cpu", "none-machine",
              "generic-pc-machine"]:
        r = q.cmd("qom-list-properties", typename=t)
        tap(isinstance(r.get("return"), list), f"qom-list-properties {t}: {str(r)[:100]}")
    names = {p["name"] for p in q.cmd("qom-list-properties", typename="none-machine")["return"]}
    tap({"acpi", "memory-backend"} <= names, f"a machine type's properties: {sorted(names)}")
    names = {p["name"] for p in
             q.cmd("qom-list-properties", typename="memory-backend-file")["return"]}
    tap({"mem-path", "share", "size"} <= names, "memory-backend-file has mem-path")
    err = q.cmd("qom-list-properties", typename="no-such-type").get("error", {})
    tap(err.get("class") == "DeviceNotFound", "an unknown type: DeviceNotFound")
    machines = q.cmd("query-machines")["return"]
    q35 = [m for m in machines if m.get("alias") == "q35"]
    tap(q35 and q35[0]["name"] == "pc-q35-10.0" and q35[0]["default-ram-id"] == "pc.ram" and
        q35[0]["acpi"] is True and all(isinstance(m["cpu-max"], int) and
                                       isinstance(m["hotpluggable-cpus"], bool) and
                                       isinstance(m["numa-mem-supported"], bool) and
                                       isinstance(m["deprecated"], bool) for m in machines),
        f"query-machines {q35}")
    opts = {o["option"]: o for o in q.cmd("query-command-line-options")["return"]}
    tap("sandbox" in opts and
        "elevateprivileges" in {p["name"] for p in opts["sandbox"]["parameters"]},
        "query-command-line-options lists -sandbox and its parameters")
    caps = q.cmd("query-migrate-capabilities")["return"]
    r = q.cmd("migrate-set-capabilities", capabilities=[{"capability": "events", "state": True}])
    tap("return" in r and isinstance(caps, list), "migration capabilities: events")
    err = q.cmd("migrate-set-capabilities",
                capabilities=[{"capability": "postcopy-ram", "state": True}]).get("error", {})
    tap("'postcopy-ram' is not supported by hostdev" in err.get("desc", ""),
        f"another migration capability is refused: {err}")
    tap(q.cmd("query-tpm-models").get("error", {}).get("class") == "CommandNotFound",
        "query-tpm-models: CommandNotFound (libvirt tolerates it)")
    # libvirt never sends quit to the probe: SIGTERM, then it removes the pid file itself.
    os.kill(pid, signal.SIGTERM)
    tap(wait_gone(pid) and not os.path.exists(pidfile), "SIGTERM ends it; the pid file is gone")


def start(*args):
    sock = f"{tmp}/mon.sock"
    if os.path.exists(sock):
        os.unlink(sock)
    p = subprocess.Popen([HOSTDEV, "-M", "q35", "-m", "64M", "-chardev",
                          f"socket,id=mon,path={sock},server=on,wait=off", "-mon",
                          "chardev=mon,mode=control", *args],
                         stderr=subprocess.PIPE, text=True)
    return p, Qmp(sock)


def ram_vmflags(pid):
    """Size and VmFlags of guest RAM: the mapping of the memfd "pc.ram" (not, under ASan,
    the larger shadow memory, which is never dumped)."""
    ram, size, flags = False, 0, []
    for line in open(f"/proc/{pid}/smaps"):
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            ram = "/memfd:pc.ram" in line
        elif ram and line.startswith("Size:"):
            size = int(line.split()[1])
        elif ram and line.startswith("VmFlags:"):
            flags = line.split(":", 1)[1].split()
    return size, flags


def sanitized():
    """Whether hostdev is an ASan build (its shadow memory cannot be locked)."""
    r = subprocess.run(["ldd", HOSTDEV], capture_output=True, text=True)
    return "libasan" in r.stdout


def running_options():
    lock = [] if sanitized() else ["-overcommit", "mem-lock=on"]
    p, q = start("-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
                 "resourcecontrol=deny", "-msg", "timestamp=on", "-machine",
                 "dump-guest-core=off", "-uuid", "5A1B2C3D-0000-4000-8000-123456789ABC",
                 "-global", "isa-serial.index=1", *lock)
    status = open(f"/proc/{p.pid}/status").read()
    tap(re.search(r"^Seccomp:\s+2$", status, re.M), "-sandbox on: a seccomp filter (mode 2)")
    locked = int(re.search(r"^VmLck:\s+(\d+) kB", status, re.M).group(1))
    if lock:
        tap(locked >= 64 * 1024, f"-overcommit mem-lock=on: {locked} kB locked (RAM 64 MiB)")
    else:
        tap(True, "-overcommit mem-lock=on # SKIP an ASan build cannot lock its shadow memory")
    size, flags = ram_vmflags(p.pid)
    tap(size >= 64 * 1024 and "dd" in flags, f"dump-guest-core=off: RAM ({size} kB) has dd")
    r = q.cmd("query-uuid")["return"]
    tap(r == {"UUID": "5a1b2c3d-0000-4000-8000-123456789abc"}, f"query-uuid {r}")
    q.cmd("quit")
    p.wait(timeout=10)

    # memory-backend-file in a directory: a new, unlinked file there holds guest RAM.
    d = tempfile.mkdtemp(prefix="mem-", dir=tmp)
    p, q = start("-object", f"memory-backend-file,id=m0,size=64M,mem-path={d},share=on",
                 "-machine", "memory-backend=m0")
    maps = open(f"/proc/{p.pid}/maps").read()
    tap(f"{d}/hostdev-ram." in maps and not os.listdir(d),
        "memory-backend-file: guest RAM maps an unlinked file in mem-path")
    q.cmd("quit")
    p.wait(timeout=10)

    p, q = start("-machine", "dump-guest-core=on", "-device", "pcie-root-port,id=rp1,chassis=1")
    size, flags = ram_vmflags(p.pid)
    tap("dd" not in flags, "dump-guest-core=on (the default): RAM is in core dumps")
    # What libvirt asks after start: no iothreads, no block layer, the devices it named.
    for cmd in ("query-iothreads", "query-named-block-nodes", "query-block"):
        r = q.cmd(cmd)
        tap(r.get("return") == [], f"{cmd}: an empty list ({r})")
    r = q.cmd("qom-list", path="/machine/peripheral").get("return", [])
    tap({"name": "rp1", "type": "child<pcie-root-port>"} in r,
        f"qom-list /machine/peripheral lists the root port by its id: {r}")
    q.cmd("quit")
    p.wait(timeout=10)


def refusals():
    for args, needle in [
        (["-global", "no-such-device.x=1"], "'no-such-device' is not a device type of hostdev"),
        (["-global", "isa-serial.nosuch=1"], "nosuch"),
        (["-machine", "none", "-device", "pcie-root-port,id=rp"],
         "machine none has no buses"),
        (["-device", '{"driver":"virtio-blk-pci","id":"virtio-disk0"}'],
         "'virtio-blk-pci' is not a known device or object type; hostdev has no block layer: "
         "leave <disk> out"),
        (["-device", "usb-tablet,id=input0"], "hostdev has no USB"),
        (["-global", "kvm-pit.lost_tick_policy=delay"],
         "the PIT is KVM's in-kernel one, with KVM's tick policy: leave <timer name='pit'> out"),
        (["-netdev", "tap,id=n0"], "leave <interface> out, assign a NIC with <hostdev>"),
        (["-object", "memory-backend-file,id=m,size=8M,mem-path=/tmp"],
         "share=off (a private copy of the file) is not supported by hostdev"),
        (["-object", "memory-backend-file,id=m,size=8M,share=on"], "mem-path= is required"),
        (["-device", '{"driver":"vfio-pci","host":"0000:00:04.0","id":"hostdev0",'
                     '"bootindex":1}'],
         "no property 'bootindex': hostdev has no firmware to boot from a device"),
        (["-object", "secret,id=s,data=x,keyid=nokey,iv=AAAAAAAAAAAAAAAAAAAAAA=="],
         "no secret 'nokey'"),
        (["-device", '{"driver":"vfio-pci","host":"0000:00:04.0","id":"hostdev0",'
                     '"acpi-index":1}'],
         "no property 'acpi-index': hostdev's ACPI tables do not name slots yet: "
         "leave <acpi index> out"),
        (["-device", '{"driver":"vfio-pci","host":"0000:00:04.0","id":"hostdev0",'
                     '"failover_pair_id":"net0"}'],
         "no property 'failover_pair_id': hostdev has no virtio-net failover: "
         "leave <teaming> out"),
        (["-device", "ide-hd,drive=d0"], "hostdev has no IDE: leave <disk> (and cdrom) out"),
        (["-blockdev", '{"driver":"file","filename":"x.img","node-name":"n0"}'],
         "-blockdev: option not supported by hostdev (hostdev has no block layer: "
         "leave <disk> out"),
        (["-spice", "port=5900"], "hostdev has no SPICE server: use <graphics type='vnc'>"),
        (["-device", "intel-iommu"], "hostdev has no vIOMMU: leave <iommu> out"),
    ]:
        r = subprocess.run([HOSTDEV, *args], capture_output=True, text=True, timeout=30)
        tap(r.returncode == 1 and needle in r.stderr, f"{' '.join(args)}: {r.stderr.strip()}")
    r = subprocess.run([HOSTDEV, "-msg", "timestamp=on", "-global", "no-such.x=1"],
                       capture_output=True, text=True, timeout=30)
    stamp = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z hostdev: -global no-such.x"
    tap(re.match(stamp, r.stderr), f"-msg timestamp=on: {r.stderr.strip()}")


probe()
running_options()
refusals()
sys.exit(tap_plan())

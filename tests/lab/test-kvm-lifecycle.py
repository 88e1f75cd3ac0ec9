#!/usr/bin/python3
# Lab test: the life of a KVM guest under hostdev, seen from QMP. Started with -S and
# -no-shutdown, its RAM a memory-backend-memfd: no vCPU runs before cont; query-kvm,
# query-cpus-fast (real vCPU threads); stop really pauses the guest (its console stays still)
# and cont resumes it; system_powerdown presses the ACPI power button and the guest powers
# off; that leaves hostdev up with status "shutdown" after SHUTDOWN; quit ends it. TAP output.
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import subprocess
import sys
import tempfile
import time

from labqmp import Qmp, console_size, console_text, tap, tap_plan, wait_for_text

def main():
    hostdev, initramfs = os.environ["HOSTDEV_BINARY"], os.environ["L2_INITRAMFS"]
    kernel, nvme = os.environ.get("LAB_KERNEL"), os.environ.get("LAB_NVME")
    if not (kernel and nvme and os.path.exists("/dev/kvm")):
        print("Bail out! needs LAB_KERNEL, LAB_NVME and /dev/kvm (run inside scripts/lab/run)")
        return 1
    d = tempfile.mkdtemp(prefix="kvm-life.")
    con, sock = f"{d}/console.log", f"{d}/qmp.sock"
    p = subprocess.Popen([hostdev, "-accel", "kvm", "-cpu", "host", "-M", "q35", "-m", "512M",
                          "-smp", "sockets=1,cores=2,threads=1", "-nodefaults", "-display",
                          "none", "-S", "-no-shutdown", "-name", "guest=life,debug-threads=on",
                          "-kernel", kernel, "-initrd", initramfs,
                          "-append", "console=ttyS0 panic=-1 l2.expect=nvme l2.powerbutton",
                          "-object", "memory-backend-memfd,id=ram0,size=512M",
                          "-machine", "memory-backend=ram0",
                          "-serial", f"file:{con}", "-device", f"vfio-pci,host={nvme}",
                          "-chardev", f"socket,id=qmp,path={sock},server=on,wait=off",
                          "-mon", "chardev=qmp,mode=control"], stderr=subprocess.PIPE)
    try:
        q = Qmp(sock)
        st = q.cmd("query-status")["return"]
        tap(st["status"] == "prelaunch" and not st["running"], f"-S: status {st}")
        kvm = q.cmd("query-kvm")["return"]
        tap(kvm == {"enabled": True, "present": True}, f"query-kvm: {kvm}")
        cpus = q.cmd("query-cpus-fast")["return"]
        tids = sorted(c["thread-id"] for c in cpus)
        tasks = sorted(int(t) for t in os.listdir(f"/proc/{p.pid}/task"))
        tap(len(cpus) == 2 and all(t in tasks and t != p.pid for t in tids),
            f"query-cpus-fast: 2 vCPUs on their own threads {tids} (process {p.pid})")
        names = [open(f"/proc/{p.pid}/task/{t}/comm").read().strip() for t in tids]
        tap(names == ["CPU 0/KVM", "CPU 1/KVM"], f"-name debug-threads=on: vCPU threads {names}")
        # The vCPU objects behind the qom-paths, as libvirt reads them after start.
        path = cpus[1]["qom-path"]
        props = {e["name"]: e["type"] for e in q.cmd("qom-list", path=path)["return"]}
        typ = q.cmd("qom-get", path=path, property="type").get("return")
        un = q.cmd("qom-get", path=path, property="unavailable-features").get("return")
        core = q.cmd("qom-get", path=path, property="core-id").get("return")
        tap(props.get("unavailable-features") == "strList" and typ == "host-x86_64-cpu" and
            un == [] and core == 1,
            f"qom-list/qom-get {path}: {typ}, unavailable-features {un}, core-id {core}")
        hp = q.cmd("query-hotpluggable-cpus")["return"]
        tap([(c["qom-path"], c["type"], c["props"]["core-id"]) for c in hp] ==
            [(c["qom-path"], "host-x86_64-cpu", i) for i, c in enumerate(cpus)],
            f"query-hotpluggable-cpus matches the vCPU objects: {hp}")
        time.sleep(2)
        tap(console_size(con) == 0, f"no vCPU runs before cont: console {console_size(con)} bytes")
        q.cmd("cont")
        tap(q.wait_event("RESUME", 10) is not None, "cont: RESUME")
        tap(wait_for_text(con, "Linux version", 60) >= 0, "the guest starts after cont")
        q.cmd("stop")
        tap(q.wait_event("STOP", 10) is not None, "stop: STOP")
        time.sleep(1)
        before = console_size(con)
        time.sleep(3)
        after = console_size(con)
        st = q.cmd("query-status")["return"]
        tap(before == after and st["status"] == "paused",
            f"stopped guest is still: console {before} -> {after} bytes in 3 s, status {st['status']}")
        q.cmd("cont")
        tap(wait_for_text(con, "L2: waiting for the power button", 180) >= 0 and
            "L2-RESULT: boot 1 failures 0" in console_text(con),
            "cont: the guest goes on and its nvme checks pass (RAM from -machine memory-backend)")
        q.cmd("system_powerdown")
        tap(q.wait_event("POWERDOWN", 10) is not None, "system_powerdown: POWERDOWN")
        tap(wait_for_text(con, "L2: power-button ok", 30) >= 0,
            "the guest sees the ACPI power button (SCI, fixed event) and powers off")
        ev = q.wait_event("SHUTDOWN", 60)
        tap(ev is not None and ev["data"] == {"guest": True, "reason": "guest-shutdown"},
            f"guest power-off: {ev}")
        time.sleep(0.5)
        st = q.cmd("query-status")["return"]
        tap(p.poll() is None and st["status"] == "shutdown",
            f"-no-shutdown: hostdev stays up, status {st['status']}")
        q.cmd("quit")
        rc = p.wait(30)
        tap(rc == 0, f"quit: hostdev exited {rc}")
    finally:
        if p.poll() is None:
            p.kill()
        err = p.stderr.read().decode(errors="replace")
        for line in err.splitlines():
            print(f"# stderr: {line}")
        p.wait()
    return tap_plan()


sys.exit(main())

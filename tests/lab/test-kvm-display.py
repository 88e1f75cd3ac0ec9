#!/usr/bin/python3
# Lab test: a KVM guest's display through an assigned display mdev. hostdev boots the L2 kernel
# with an mdpy (its mdpy-fb driver, a region plane) or an mbochs (bochs-drm's fbdev, a dma-buf
# plane) as vfio-pci display=on; the guest's /init draws the test pattern into /dev/fb0 and
# reports its mode; QMP screendump format=png, decoded here, must show that pattern pixel for
# pixel. The guest then powers off on the ACPI power button.
# usage: test-kvm-display.py --mdev mdpy|mbochs [--backend legacy|iommufd]. TAP output.
# SPDX-License-Identifier: GPL-2.0-or-later
import argparse
import os
import re
import subprocess
import sys
import tempfile

import labpng
from labqmp import Qmp, console_text, tap, tap_plan, wait_for_line, wait_for_text

TYPES = {"mdpy": "mdpy-vga", "mbochs": "mbochs-small"}


def pattern(x, y, w, h):
    """The L2 init's pattern (tests/lab/l2-init.c fb_pattern) as an (r, g, b) tuple."""
    if 100 <= x < 116 and 50 <= y < 66:
        return (0x12, 0x34, 0x56)
    return ((255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255))[(y >= h // 2) * 2 +
                                                                   (x >= w // 2)]


def mdev_of_type(t):
    for path in os.environ.get("LAB_MDEVS", "").split():
        if os.path.basename(os.readlink(f"{path}/mdev_type")) == t:
            return path
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mdev", choices=TYPES, required=True)
    ap.add_argument("--backend", choices=["legacy", "iommufd"], default="legacy")
    args = ap.parse_args()
    kernel, mdev = os.environ.get("LAB_KERNEL"), mdev_of_type(TYPES[args.mdev])
    if not (kernel and mdev and os.path.exists("/dev/kvm")):
        print(f"Bail out! needs LAB_KERNEL, /dev/kvm and a {TYPES[args.mdev]} mdev in LAB_MDEVS "
              "(run inside scripts/lab/run --mdev ...; scripts/check does)")
        return 1
    d = tempfile.mkdtemp(prefix=f"kvm-display-{args.mdev}.")
    con, sock, png = f"{d}/console.log", f"{d}/qmp.sock", f"{d}/screen.png"
    dev = f"vfio-pci,sysfsdev={mdev},id=gpu0,display=on"
    cmd = [os.environ["HOSTDEV_BINARY"], "-accel", "kvm", "-cpu", "host", "-M", "q35",
           "-m", "512M", "-smp", "2", "-nodefaults", "-display", "none",
           "-kernel", kernel, "-initrd", os.environ["L2_INITRAMFS"],
           "-append", "console=ttyS0 panic=-1 l2.expect=fb l2.powerbutton",
           "-serial", f"file:{con}", "-chardev", f"socket,id=qmp,path={sock},server=on,wait=off",
           "-mon", "chardev=qmp,mode=control"]
    if args.backend == "iommufd":
        cmd += ["-object", "iommufd,id=iommufd0"]
        dev += ",iommufd=iommufd0"
    p = subprocess.Popen(cmd + ["-device", dev], stderr=open(f"{d}/stderr.log", "w"))
    try:
        q = Qmp(sock)
        end, line = wait_for_line(con, "L2: fb ", 240)
        m = re.search(r" (\d+)x(\d+) (\d+) bpp", line or "")
        tap(line and " ok " in line and m, f"the guest draws into /dev/fb0: {line}")
        if m and wait_for_text(con, "L2: waiting for the power button", 60) >= 0:
            w, h = int(m.group(1)), int(m.group(2))
            r = q.cmd("screendump", filename=png, device="gpu0", format="png")
            tap("error" not in r, f"screendump format=png: {r}")
            pw, ph, rows = labpng.read(png) if "error" not in r else (0, 0, [])
            tap((pw, ph) == (w, h), f"the PNG is {pw}x{ph}, the guest's mode {w}x{h}")
            bad = [(x, y, rows[y][x], pattern(x, y, w, h)) for y in range(min(h, ph))
                   for x in range(min(w, pw)) if rows[y][x] != pattern(x, y, w, h)]
            tap(not bad and pw, f"every pixel is the guest's pattern ({len(bad)} differ; "
                f"first: {bad[:3]})")
        q.cmd("system_powerdown")
        tap(wait_for_text(con, "L2-RESULT: boot 1 failures 0", 60) >= 0,
            "the guest's checks pass and it powers off on the power button")
        rc = p.wait(60)
        tap(rc == 0, f"hostdev exits {rc} with the guest")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        for ln in open(f"{d}/stderr.log", errors="replace").read().splitlines()[-20:]:
            print(f"# stderr: {ln}")
        for ln in console_text(con).splitlines():
            if ln.startswith("L2") or "bochs" in ln or "mdpy" in ln or "fb" in ln:
                print(f"# console: {ln}")
    return tap_plan()


sys.exit(main())

#!/usr/bin/env bash
# Install what hostdev needs on Debian 12: build tools and libraries, Debian's QEMU 10 from
# bookworm-backports and linux-source-6.12 from bookworm-security (for the lab and the uapi
# headers). Installs only what is missing; needs root (or sudo).
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

log() { echo "install-deps: $*" >&2; }
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

build_pkgs=(gcc make meson ninja-build pkg-config python3 libglib2.0-dev libjson-glib-dev
            libfdt-dev libpixman-1-dev libpng-dev libseccomp-dev libgnutls28-dev zlib1g-dev clang
            libvncserver-dev)
# What tests run besides hostdev: a real VNC viewer that saves a snapshot (tests/qtest/test-display).
test_pkgs=(vncsnapshot)
lab_pkgs=(linux-source-6.12 bc flex bison libelf-dev libssl-dev cpio xz-utils strace)
qemu_pkgs=(qemu-system-x86 qemu-utils)
# libvirt 11.3 for the lab's libvirt test (issue 10), each pinned to bookworm-backports by name:
# `-t bookworm-backports` would also upgrade systemd. libvirt-daemon-system is left out (it pulls
# the node-device driver, which blocks libvirtd in the lab without udevd, and systemd units);
# the test starts virtlogd and libvirtd itself.
libvirt_pkgs=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients libvirt-daemon-log
              libvirt-daemon-common libvirt-common libvirt0 libvirt-daemon-driver-secret)
# The aarch64 lab (issue 16): the cross compiler with its libc headers (only a Recommends of
# the compiler, so named here), dtc/fdtget, and qemu-system-arm (QEMU 10) from
# bookworm-backports by name. The arm64 libraries hostdev links against are not installed at
# all: scripts/cross/arm64-sysroot unpacks them into a private sysroot (dpkg multiarch would
# remove or replace amd64 packages here).
arm64_pkgs=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross device-tree-compiler)

missing() {
    for p in "$@"; do
        dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || echo "$p"
    done
}

if ! grep -q 'bookworm' /etc/os-release 2>/dev/null; then
    log "this is not Debian 12 (bookworm); install the equivalents of: ${build_pkgs[*]} ${lab_pkgs[*]} QEMU >= 10"
    exit 1
fi

# QEMU 10 comes from bookworm-backports; add that suite (and only that one) if absent.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    log "adding the bookworm-backports suite (for QEMU 10 and libvirt 11.3)"
    printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' \
        'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
        $sudo tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
    rm -f /var/lib/apt/periodic/hostdev-updated
fi

# The lab boots this machine's root read-only; its libvirt test mounts a modules.alias for the
# lab kernel on /lib/modules (managed='yes'), which a host without kernel packages lacks.
[ -d /usr/lib/modules ] || $sudo install -d -m 0755 /usr/lib/modules

want=($(missing "${build_pkgs[@]}" "${lab_pkgs[@]}" "${test_pkgs[@]}" "${arm64_pkgs[@]}"))
qemu_ok=0
qemu-system-x86_64 --version 2>/dev/null | grep -q 'version \(1[0-9]\|[2-9][0-9]\)\.' && qemu_ok=1
libvirt_ok=0
[ -z "$(missing "${libvirt_pkgs[@]}")" ] &&
    libvirtd --version 2>/dev/null | grep -q ' 11\.\([3-9]\|[1-9][0-9]\)\.' && libvirt_ok=1
qemu_arm_ok=0
qemu-system-aarch64 --version 2>/dev/null | grep -q 'version \(1[0-9]\|[2-9][0-9]\)\.' && qemu_arm_ok=1
# The arm64 sysroot: cached under ~/.cache/hostdev by its pinned package list, so fast on reruns.
# Without it only the aarch64 lab's suite cannot run (scripts/check counts it as failed), so
# the rest goes on.
arm64_sysroot() {
    "$(dirname "$0")/cross/arm64-sysroot" >/dev/null ||
        log "the arm64 sysroot could not be made (see the message above); the aarch64 lab's suite will fail"
}
if [ ${#want[@]} -eq 0 ] && [ $qemu_ok -eq 1 ] && [ $libvirt_ok -eq 1 ] && [ $qemu_arm_ok -eq 1 ]; then
    arm64_sysroot
    log "all packages present"
    exit 0
fi

log "apt-get update"
if ! $sudo apt-get update -q >/tmp/hostdev-apt-update.log 2>&1 ||
   grep -q '^\(Err\|W: Failed\)' /tmp/hostdev-apt-update.log; then
    log "apt-get update failed: is the Debian package registry reachable? (log: /tmp/hostdev-apt-update.log)"
    tail -n 5 /tmp/hostdev-apt-update.log >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ ${#want[@]} -gt 0 ]; then
    log "installing ${want[*]}"
    $sudo apt-get install -y -q "${want[@]}" >/tmp/hostdev-apt-install.log 2>&1 || {
        log "apt-get install failed (log: /tmp/hostdev-apt-install.log):"
        tail -n 5 /tmp/hostdev-apt-install.log >&2
        exit 1
    }
fi
if [ $qemu_ok -eq 0 ]; then
    log "installing QEMU 10 from bookworm-backports"
    $sudo apt-get install -y -q -t bookworm-backports "${qemu_pkgs[@]}" >/tmp/hostdev-apt-qemu.log 2>&1 || {
        log "installing qemu-system-x86 from bookworm-backports failed (log: /tmp/hostdev-apt-qemu.log):"
        tail -n 5 /tmp/hostdev-apt-qemu.log >&2
        exit 1
    }
fi
if [ $libvirt_ok -eq 0 ]; then
    log "installing libvirt 11.3 from bookworm-backports (${libvirt_pkgs[*]})"
    $sudo apt-get install -y -q --no-install-recommends "${libvirt_pkgs[@]/%//bookworm-backports}" \
        >/tmp/hostdev-apt-libvirt.log 2>&1 || {
        log "installing libvirt from bookworm-backports failed (log: /tmp/hostdev-apt-libvirt.log):"
        tail -n 5 /tmp/hostdev-apt-libvirt.log >&2
        exit 1
    }
fi
if [ $qemu_arm_ok -eq 0 ]; then
    log "installing qemu-system-arm (QEMU 10) from bookworm-backports"
    $sudo apt-get install -y -q --no-install-recommends qemu-system-arm/bookworm-backports \
        >/tmp/hostdev-apt-qemu-arm.log 2>&1 || {
        log "installing qemu-system-arm from bookworm-backports failed (log: /tmp/hostdev-apt-qemu-arm.log):"
        tail -n 5 /tmp/hostdev-apt-qemu-arm.log >&2
        exit 1
    }
fi
arm64_sysroot
log "done: $(qemu-system-x86_64 --version | head -n1), $(libvirtd --version)"

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
            libfdt-dev libpixman-1-dev libpng-dev libseccomp-dev libgnutls28-dev clang)
lab_pkgs=(linux-source-6.12 bc flex bison libelf-dev libssl-dev cpio xz-utils strace)
qemu_pkgs=(qemu-system-x86 qemu-utils)

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
    log "adding the bookworm-backports suite (for QEMU 10)"
    printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' \
        'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
        $sudo tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
    rm -f /var/lib/apt/periodic/hostdev-updated
fi

want=($(missing "${build_pkgs[@]}" "${lab_pkgs[@]}"))
qemu_ok=0
qemu-system-x86_64 --version 2>/dev/null | grep -q 'version \(1[0-9]\|[2-9][0-9]\)\.' && qemu_ok=1
if [ ${#want[@]} -eq 0 ] && [ $qemu_ok -eq 1 ]; then
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
log "done: $(qemu-system-x86_64 --version | head -n1)"

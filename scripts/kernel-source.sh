#!/usr/bin/env bash
# Kernel source locator shared by the header generator and the lab kernel build.
# Prints the path of an unpacked Linux 6.12 tree on stdout, unpacking Debian's
# linux-source-6.12 tarball into the cache the first time.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

cache=${HOSTDEV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hostdev}

if [ -n "${HOSTDEV_KERNEL_SRC:-}" ]; then
    if [ ! -f "$HOSTDEV_KERNEL_SRC/Makefile" ]; then
        echo "kernel-source: HOSTDEV_KERNEL_SRC=$HOSTDEV_KERNEL_SRC is not a kernel tree (no Makefile); unset it to use Debian's linux-source-6.12" >&2
        exit 1
    fi
    echo "$HOSTDEV_KERNEL_SRC"
    exit 0
fi

tarball=/usr/src/linux-source-6.12.tar.xz
if [ ! -f "$tarball" ]; then
    echo "kernel-source: $tarball is missing; install it with: apt-get install linux-source-6.12 (suite bookworm-security), or point HOSTDEV_KERNEL_SRC at a 6.12 kernel tree" >&2
    exit 1
fi

# Key the unpacked tree by the package version so an upgrade unpacks afresh.
version=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null || stat -c %Y "$tarball")
dir=$cache/src/linux-source-6.12-$version
if [ ! -f "$dir/.unpacked" ]; then
    echo "kernel-source: unpacking $tarball ($version) into $dir (about 15 s)" >&2
    rm -rf "$dir" "$dir.tmp"
    mkdir -p "$dir.tmp"
    tar -xJf "$tarball" -C "$dir.tmp" --strip-components=1
    touch "$dir.tmp/.unpacked"
    mv "$dir.tmp" "$dir"
fi
echo "$dir"

#!/usr/bin/env bash
# Generate linux-headers/ (the kernel uapi headers hostdev builds against).
# Runs `make headers_install` on a kernel tree (default: Debian's linux-source-6.12) and
# copies linux/vfio.h, linux/iommufd.h, linux/kvm.h and everything they include.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# usage: update-linux-headers.sh [-s KERNEL_TREE] [-a KERNEL_ARCH] OUTPUT_DIR
# KERNEL_ARCH is the kernel's name for the target (x86, the default, or arm64).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src= karch=x86
while getopts s:a: opt; do
    case $opt in
    s) src=$OPTARG ;;
    a) karch=$OPTARG ;;
    *) echo "usage: $0 [-s KERNEL_TREE] [-a KERNEL_ARCH] OUTPUT_DIR" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: $0 [-s KERNEL_TREE] [-a KERNEL_ARCH] OUTPUT_DIR" >&2; exit 2; }
out=$1

if [ -z "$src" ]; then
    src=$("$here/kernel-source.sh")
fi
kver=$(make -s -C "$src" kernelversion 2>/dev/null) || {
    echo "update-linux-headers: $src is not a usable kernel tree" >&2
    exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "update-linux-headers: installing $karch uapi headers of Linux $kver from $src" >&2
make -s -C "$src" O="$work/obj" ARCH="$karch" INSTALL_HDR_PATH="$work/usr" headers_install >&2

# Copy the wanted headers and, transitively, what they include.
inst=$work/usr/include
todo=(linux/vfio.h linux/iommufd.h linux/kvm.h)
declare -A seen=()
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
while [ ${#todo[@]} -gt 0 ]; do
    h=${todo[0]}
    todo=("${todo[@]:1}")
    [ -n "${seen[$h]:-}" ] && continue
    seen[$h]=1
    if [ ! -f "$inst/$h" ]; then
        continue    # a libc header such as <stddef.h>: not the kernel's to provide
    fi
    mkdir -p "$out.tmp/$(dirname "$h")"
    cp "$inst/$h" "$out.tmp/$h"
    while read -r inc; do
        todo+=("$inc")
    done < <(sed -n 's/^#[[:space:]]*include[[:space:]]*<\([^>]*\)>.*/\1/p' "$inst/$h")
done

if ! grep -q VFIO_DEVICE_BIND_IOMMUFD "$out.tmp/linux/vfio.h"; then
    echo "update-linux-headers: linux/vfio.h of Linux $kver lacks VFIO_DEVICE_BIND_IOMMUFD; hostdev needs 6.6 or newer (Debian: linux-source-6.12)" >&2
    rm -rf "$out.tmp"
    exit 1
fi
echo "$kver" > "$out.tmp/VERSION"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "update-linux-headers: wrote $(find "$out" -name '*.h' | wc -l) headers to $out" >&2

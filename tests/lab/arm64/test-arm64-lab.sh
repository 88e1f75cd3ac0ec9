#!/usr/bin/env bash
# lab-arm64 smoke test (TAP): boots the aarch64 lab and, inside it, runs the arm64 hostdev
# (--version, and the qtest accelerator on machine none driven by QTEST, a libqtest client) and
# checks that the lab's pl031/pl061 sit on vfio-amba and a virtio-mmio transport on
# vfio-platform, in noiommu groups.
# usage: test-arm64-lab.sh SRCROOT HOSTDEV QTEST   (host side; it reruns itself in the guest)
# SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail

src=$1 hostdev=$2 qtest=$3
if [ "${LAB_ARCH:-}" != aarch64 ]; then
    out=$(mktemp -d "${TMPDIR:-/tmp}/hostdev-lab-arm64.XXXXXX")
    "$src/scripts/lab/run" --arch aarch64 --out "$out" --timeout 900 -- \
        bash "$src/tests/lab/arm64/test-arm64-lab.sh" "$src" "$hostdev" "$qtest"
    rc=$?
    [ $rc -eq 0 ] && rm -rf "$out"
    exit $rc
fi

n=0 failed=0
check() { # description command...
    local what=$1
    shift
    n=$((n + 1))
    if "$@"; then
        echo "ok $n - $what"
    else
        echo "not ok $n - $what"
        failed=1
    fi
}
driver_is() { # sysfs-path driver
    [ "$(basename "$(readlink "$1/driver")")" = "$2" ] ||
        { echo "# $1 is bound to '$(basename "$(readlink "$1/driver")")', not $2"; return 1; }
}
noiommu_group() { # sysfs-path group-file
    [ -c "$2" ] || { echo "# $2 is not a character device"; return 1; }
    [ "$2" = "/dev/vfio/noiommu-$(basename "$(readlink "$1/iommu_group")")" ] ||
        { echo "# $2 is not the group of $1"; return 1; }
    [ "$(cat "$1/iommu_group/name" 2>/dev/null)" = vfio-noiommu ] ||
        { echo "# $1's group is not a vfio-noiommu group"; return 1; }
}
version() {
    local v
    v=$("$hostdev" --version) || { echo "# hostdev --version failed"; return 1; }
    echo "# $v"
    [[ $v == "hostdev version "* ]]
}
qtest_smoke() {
    local log rc
    log=$(HOSTDEV_BINARY=$hostdev timeout 300 "$qtest" 2>&1)
    rc=$?
    sed "s/^/# /" <<< "$log"
    return $rc
}

echo "1..9"
echo "# $(uname -srm); hostdev: $hostdev"
check "this is an aarch64 guest" [ "$(uname -m)" = aarch64 ]
check "noiommu mode is on" grep -qx Y /sys/module/vfio/parameters/enable_unsafe_noiommu_mode
check "pl031 $LAB_PL031 is bound to vfio-amba" driver_is "$LAB_PL031_SYSFS" vfio-amba
check "pl061 $LAB_PL061 is bound to vfio-amba" driver_is "$LAB_PL061_SYSFS" vfio-amba
check "virtio-mmio $LAB_VIRTIO_MMIO is bound to vfio-platform" \
    driver_is "$LAB_VIRTIO_MMIO_SYSFS" vfio-platform
check "the three devices are in noiommu groups" eval \
    'noiommu_group "$LAB_PL031_SYSFS" "$LAB_PL031_GROUP" &&
     noiommu_group "$LAB_PL061_SYSFS" "$LAB_PL061_GROUP" &&
     noiommu_group "$LAB_VIRTIO_MMIO_SYSFS" "$LAB_VIRTIO_MMIO_GROUP"'
check "the arm64 hostdev runs: --version" version
check "hostdev -machine none -accel qtest answers qtest and QMP (libqtest)" qtest_smoke
check "/dev/vfio/vfio is there for the legacy container" [ -c /dev/vfio/vfio ]
exit $failed

#!/usr/bin/env bash
# lab-arm64 platform test (TAP): boots the aarch64 lab and runs lab-platform (the arm64 hostdev
# assigning the pl031 through vfio-amba and a virtio-mmio transport through vfio-platform) in
# it; then, on the build machine, checks the device tree it dumped with Debian's fdtget (the
# arm64 sysroot has no device-tree-compiler) against what the lab's sysfs said.
# usage: test-platform.sh SRCROOT HOSTDEV TEST   (host side; it reruns itself in the guest)
# SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail

src=$1 hostdev=$2 test=$3
if [ "${LAB_ARCH:-}" = aarch64 ]; then
    # In the guest: the share for the dtb is the 4th argument.
    export LAB_ARM64_OUT=$4 HOSTDEV_BINARY=$hostdev
    exec "$test" --tap
fi

command -v fdtget >/dev/null || {
    echo "Bail out! fdtget not found: apt-get install device-tree-compiler (scripts/install-deps.sh)"
    exit 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hostdev-lab-platform.XXXXXX")
mkdir -p "$tmp/share" "$tmp/lab"
"$src/scripts/lab/run" --arch aarch64 --out "$tmp/lab" --rw "$tmp/share" --timeout 600 -- \
    bash "$src/tests/lab/arm64/test-platform.sh" "$src" "$hostdev" "$test" "$tmp/share" \
    > "$tmp/guest.tap"
rc=$?

# The guest's TAP, renumbered so the fdtget checks can follow; its plan is ours to give.
n=0 failed=0
while IFS= read -r line; do
    if [[ $line =~ ^(not\ )?ok\ [0-9]+(.*)$ ]]; then
        n=$((n + 1))
        echo "${BASH_REMATCH[1]}ok $n${BASH_REMATCH[2]}"
        [ -z "${BASH_REMATCH[1]}" ] || failed=1
    elif [[ $line =~ ^1\.\.[0-9]+ ]]; then
        continue
    elif [[ $line == \#* ]]; then
        echo "$line"
    else
        echo "# $line"
    fi
done < "$tmp/guest.tap"
n=$((n + 1))
if [ $rc -eq 0 ]; then
    echo "ok $n - the aarch64 lab run of lab-platform exited 0"
else
    echo "not ok $n - the aarch64 lab run of lab-platform exited $rc (kept: $tmp)"
    failed=1
fi

# fdtget on the dumped tree: each line of 'expect' is PATH PROPERTY TYPE VALUE...
dtb=$tmp/share/virt.dtb
if [ -s "$tmp/share/expect" ] && [ -s "$dtb" ]; then
    while read -r path prop type value; do
        n=$((n + 1))
        got=$(fdtget -t "$type" "$dtb" "$path" "$prop" 2>&1)
        if [ "$got" = "$value" ]; then
            echo "ok $n - fdtget $path $prop: $got"
        else
            echo "not ok $n - fdtget $path $prop: '$got', expected '$value'"
            failed=1
        fi
    done < "$tmp/share/expect"
    n=$((n + 1))
    if dts=$(dtc -q -I dtb -O dts "$dtb" 2>&1 >/dev/null) && [ -z "$dts" ]; then
        echo "ok $n - dtc reads the dumped tree without a warning"
    else
        echo "not ok $n - dtc on the dumped tree: $dts"
        failed=1
    fi
else
    n=$((n + 1))
    echo "not ok $n - the lab left no dumped tree and expectations in $tmp/share"
    failed=1
fi
echo "1..$n"
[ $failed -eq 0 ] && rm -rf "$tmp"
exit $failed

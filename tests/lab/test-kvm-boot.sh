#!/usr/bin/env bash
# Lab test: hostdev boots the lab kernel as an L2 guest under nested KVM with lab devices
# assigned (nvme, igb, edu, an mtty mdev) on one backend; the guest's /init (l2-init.c) checks
# them with their Linux drivers on the serial console, reboots N times, then powers off.
# TAP: one line per guest check and per host-side expectation (exit status, QMP events).
# usage: test-kvm-boot.sh [--backend legacy|iommufd] [--expect nvme,igb,edu,mtty,rp] [--reboots N]
#                         [--acpi-off] (MP tables; hostdev gets SIGTERM once the checks are done)
# (rp: edu sits behind a pcie-root-port, whose extended config space the guest reads via ECAM)
# SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail

backend=legacy expect=nvme,igb,edu,mtty,rp reboots=0 smp=2 acpi=on
while [ $# -gt 0 ]; do
    case $1 in
    --backend) backend=$2; shift 2 ;;
    --expect) expect=$2; shift 2 ;;
    --reboots) reboots=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --acpi-off) acpi=off; shift ;;
    *) echo "Bail out! unknown option $1"; exit 1 ;;
    esac
done
hostdev=${HOSTDEV_BINARY:?} initramfs=${L2_INITRAMFS:?}
here=$(cd "$(dirname "$0")" && pwd)
n=0 failed=0
tap() { # ok|not-ok description
    n=$((n + 1))
    if [ "$1" = ok ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=$((failed + 1)); fi
}
[ -e /dev/kvm ] || { echo "Bail out! no /dev/kvm in the lab (nested KVM is missing)"; exit 1; }
[ -n "${LAB_KERNEL:-}" ] || { echo "Bail out! LAB_KERNEL is not set (run inside scripts/lab/run)"; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/kvm-boot.XXXXXX")
args=(-accel kvm -cpu host -M q35 -m 512M -smp "$smp" -nodefaults -display none
      -kernel "$LAB_KERNEL" -initrd "$initramfs"
      -append "console=ttyS0 panic=-1 quiet l2.expect=$expect l2.reboots=$reboots l2.cpus=$smp$([ $acpi = off ] && echo ' l2.end=halt')"
      -serial "file:$dir/console.log"
      -chardev "socket,id=qmp,path=$dir/qmp.sock,server=on,wait=off" -mon chardev=qmp,mode=control)
if [ "$acpi" = off ]; then
    args+=(-machine acpi=off)
fi
iommufd=
if [ "$backend" = iommufd ]; then
    args+=(-object iommufd,id=iommufd0)
    iommufd=,iommufd=iommufd0
fi
for dev in ${expect//,/ }; do
    case $dev in
    nvme) args+=(-device "vfio-pci,host=$LAB_NVME,id=nvme0$iommufd") ;;
    igb) args+=(-device "vfio-pci,host=$LAB_IGB,id=igb0$iommufd") ;;
    edu) if [[ ,$expect, == *,rp,* ]]; then
             args+=(-device pcie-root-port,id=rp1,chassis=1
                    -device "vfio-pci,host=$LAB_EDU,id=edu0,bus=rp1$iommufd")
         else
             args+=(-device "vfio-pci,host=$LAB_EDU,id=edu0$iommufd")
         fi ;;
    mtty) args+=(-device "vfio-pci,sysfsdev=${LAB_MDEVS%% *},id=mtty0$iommufd") ;;
    esac
done

echo "# $backend: $hostdev ${args[*]}"
start=$(date +%s.%N)
limit=$((240 + 120 * reboots))
timeout -s KILL "$limit" "$hostdev" "${args[@]}" > "$dir/stdout" 2> "$dir/stderr" &
pid=$!
/usr/bin/python3 "$here/qmp-events.py" "$dir/qmp.sock" "$dir/events" &
wpid=$!
if [ "$acpi" = off ]; then
    # Without ACPI the guest cannot power off, and its reset hangs with two CPUs (see
    # l2-init.c's l2.end): once its checks are done, hostdev is stopped like a host would.
    while kill -0 $pid 2>/dev/null; do
        grep -q '^L2-RESULT' "$dir/console.log" 2>/dev/null && kill -TERM $pid && break
        sleep 0.5
    done
fi
wait $pid
rc=$?
wait $wpid 2>/dev/null
secs=$(echo "$(date +%s.%N) - $start" | bc)
sed 's/^/# console: /' "$dir/console.log" | grep -v '^# console: $' | tail -n 60
sed 's/^/# stderr: /' "$dir/stderr"
tap "$([ $rc -eq 0 ] && echo ok || echo not-ok)" "$backend: hostdev exited $rc after ${secs%.*} s (limit $limit s)"

grep '^L2: ' "$dir/console.log" | grep -v ' boot ' | while read -r _ check status detail; do
    echo "$check $status $detail"
done > "$dir/checks"
boots=$(grep -c '^L2-RESULT: boot' "$dir/console.log")
tap "$([ "$boots" -eq $((reboots + 1)) ] && echo ok || echo not-ok)" \
    "$backend: the guest ran its checks in $boots of $((reboots + 1)) boots"
while read -r check status detail; do
    tap "$([ "$status" = ok ] && echo ok || echo not-ok)" "$backend: L2 $check: $detail"
done < "$dir/checks"
for dev in ${expect//,/ }; do
    pat=$dev; [ "$dev" = rp ] && pat=root-port
    grep -q "^$pat" "$dir/checks" || tap not-ok "$backend: L2 reported nothing about $dev"
done
resets=$(grep -c '"event": "RESET"' "$dir/events" 2>/dev/null)
tap "$([ "${resets:-0}" -eq "$reboots" ] && echo ok || echo not-ok)" \
    "$backend: $resets RESET events for $reboots guest reboots"
reason=guest-shutdown guest=true
[ "$acpi" = off ] && reason=host-signal guest=false
if grep -q "\"event\": \"SHUTDOWN\".*\"guest\": $guest.*\"reason\": \"$reason\"" "$dir/events" 2>/dev/null; then
    tap ok "$backend: SHUTDOWN (guest: $guest, reason $reason) when the guest ended"
else
    tap not-ok "$backend: no SHUTDOWN event ($reason) from the guest; events: $(tr '\n' ' ' < "$dir/events" 2>/dev/null)"
fi
echo "1..$n"
[ $failed -eq 0 ] && rm -rf "$dir"
exit $((failed > 0))

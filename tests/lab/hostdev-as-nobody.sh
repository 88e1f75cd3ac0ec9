#!/usr/bin/env bash
# Start hostdev as user nobody with no capabilities, the way libvirt runs an unprivileged QEMU:
# the caller (root) opened /dev/iommu and the device cdev and passes them as inherited fds.
# Used as HOSTDEV_BINARY by the iommufd fd-passing lab test; HOSTDEV_REAL_BINARY is hostdev.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

real=${HOSTDEV_REAL_BINARY:?set HOSTDEV_REAL_BINARY to the hostdev binary}
# libqtest's socket directory (from -qtest unix:PATH) is root's: hand it to nobody so that
# hostdev can connect to its sockets and write its qtest log there.
args=("$@")
for ((i = 0; i < ${#args[@]} - 1; i++)); do
    if [ "${args[$i]}" = -qtest ]; then
        sock=${args[$((i + 1))]#unix:}
        chown -R 65534:65534 "$(dirname "$sock")"
    fi
done
# Guest RAM is pinned for DMA and counted against nobody's locked-memory limit.
ulimit -l unlimited
exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
    "$real" "$@"

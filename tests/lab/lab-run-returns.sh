#!/usr/bin/env bash
# scripts/lab/run returns as soon as the guest is done, also to a caller that captures its
# output: nothing it started (its watchdog's sleep) may keep that output open until the timeout.
# Boots the lab once (about 15-30 s); run on the host: tests/lab/lab-run-returns.sh [LIMIT_S].
# TAP output; the exit status is 1 when a check failed.
# SPDX-License-Identifier: GPL-2.0-or-later
set -uo pipefail
cd "$(dirname "$0")/../.."
limit=${1:-120}  # seconds a boot of the lab may take
timeout=$((limit * 5)) # the runner's own timeout: a leaked watchdog would hold stdout this long

echo 1..2
start=$(date +%s)
rc=0
out=$(scripts/lab/run --vfio-pci '' --timeout "$timeout" -- echo lab-run-returns 2>/dev/null) ||
    rc=$?
secs=$(( $(date +%s) - start ))
if [ $rc -eq 0 ] && [ "$out" = lab-run-returns ]; then
    echo "ok 1 - \$(scripts/lab/run -- echo ...) captured the command's output"
else
    echo "not ok 1 - scripts/lab/run exited $rc, captured '$out'"
fi
if [ $secs -lt "$limit" ]; then
    echo "ok 2 - the capturing caller got it back after $secs s (limit $limit s)"
else
    echo "not ok 2 - the capturing caller waited $secs s (limit $limit s, timeout $timeout s)"
    exit 1
fi
[ $rc -eq 0 ] && [ "$out" = lab-run-returns ]

#!/usr/bin/env bash
# Check that every tracked file is covered by an F: pattern in MAINTAINERS (TAP output).
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t patterns < <(sed -n 's/^F:[[:space:]]*//p' MAINTAINERS)
mapfile -t files < <(git ls-files 2>/dev/null)
if [ ${#files[@]} -eq 0 ]; then
    echo "1..1"
    echo "not ok 1 - no tracked files (is this a git checkout?)"
    exit 1
fi
orphans=0
for f in "${files[@]}"; do
    covered=0
    for p in "${patterns[@]}"; do
        # shellcheck disable=SC2053
        if [[ $p == */ && $f == "$p"* ]] || [[ $f == $p ]]; then
            covered=1
            break
        fi
    done
    if [ $covered -eq 0 ]; then
        echo "# $f matches no F: pattern in MAINTAINERS"
        orphans=$((orphans + 1))
    fi
done
echo "1..1"
if [ $orphans -eq 0 ]; then
    echo "ok 1 - all ${#files[@]} tracked files have a MAINTAINERS section"
else
    echo "not ok 1 - $orphans tracked files have no MAINTAINERS section"
    exit 1
fi

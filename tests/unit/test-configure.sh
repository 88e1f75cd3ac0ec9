#!/bin/sh
# ./configure --enable-sanitizers on an existing build directory: the sanitizers must be in
# afterwards (meson 1.0's "setup --reconfigure -Db_sanitize=..." left them out, silently).
# Usage: test-configure.sh SRCDIR. TAP output.
# SPDX-License-Identifier: GPL-2.0-or-later
set -u
src=${1:?usage: test-configure.sh SRCDIR}
dir=$(mktemp -d "${TMPDIR:-/tmp}/hostdev-configure-XXXXXX")
trap 'rm -rf "$dir"' EXIT

option() { # NAME: its value in $dir/b
    meson introspect --buildoptions "$dir/b" | python3 -c '
import json, sys
print(next((str(o["value"]) for o in json.load(sys.stdin) if o["name"] == sys.argv[1]), ""))' "$1"
}

echo 1..3
if meson setup "$dir/b" "$src" >"$dir/setup.log" 2>&1 && [ "$(option b_sanitize)" = none ]; then
    echo "ok 1 - an ordinary build directory has no sanitizers"
else
    echo "not ok 1 - meson setup of an ordinary build directory"; sed 's/^/# /' "$dir/setup.log"
    exit 0
fi
if "$src/configure" --builddir="$dir/b" --enable-sanitizers >"$dir/configure.log" 2>&1; then
    echo "ok 2 - configure --enable-sanitizers on it succeeds"
else
    echo "not ok 2 - configure --enable-sanitizers on it failed"; sed 's/^/# /' "$dir/configure.log"
fi
value=$(option b_sanitize)
if [ "$value" = address,undefined ] && grep -q -- '-fsanitize=address' "$dir/b/build.ninja"; then
    echo "ok 3 - b_sanitize is address,undefined and the compile commands have -fsanitize"
else
    echo "not ok 3 - b_sanitize is '$value' after configure --enable-sanitizers"
fi

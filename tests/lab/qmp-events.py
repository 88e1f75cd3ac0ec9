#!/usr/bin/python3
# Record a QMP server's events: connect to SOCKET (retrying while it appears), negotiate
# capabilities, write each event as one JSON line to OUTPUT until the server goes away.
# SPDX-License-Identifier: GPL-2.0-or-later
import json
import socket
import sys
import time


def main():
    path, output = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deadline = time.time() + 30
    while True:
        try:
            s.connect(path)
            break
        except OSError:
            if time.time() > deadline:
                sys.exit(f"qmp-events: cannot connect to {path}")
            time.sleep(0.05)
    f = s.makefile("rw")
    f.readline()  # greeting
    f.write('{"execute":"qmp_capabilities"}\n')
    f.flush()
    with open(output, "w") as out:
        for line in f:
            msg = json.loads(line)
            if "event" in msg:
                out.write(json.dumps(msg) + "\n")
                out.flush()


main()

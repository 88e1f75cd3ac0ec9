#!/usr/bin/env python3
# scripts/tracetool.py on good and bad trace-events files: the generated header and table,
# and one-line errors with file:line for what it refuses. TAP output for meson.
# SPDX-License-Identifier: GPL-2.0-or-later
import os
import subprocess
import sys
import tempfile

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'scripts',
                    'tracetool.py')

GOOD = '''# comment

# file.c
t_plain(void) "nothing"
t_args(int fd, uint64_t iova, const char *name) "fd=%d iova=0x%" PRIx64 " name=%s"
disable t_off(unsigned x) "x=%u"
'''

BAD = [
    ('t_x(int a "no paren', 'not a trace event'),
    ('t_x(int) "fmt"', 'needs a type and a name'),
    ('t_x(int a)', 'has no format string'),
    ('frob t_x(int a) "a=%d"', 'unknown trace event property "frob"'),
    ('t_x(int a) "a=%d\\n"', 'must not contain'),
]


def run(files, tmp):
    h = os.path.join(tmp, 'trace.h')
    c = os.path.join(tmp, 'trace.c')
    p = subprocess.run([sys.executable, TOOL, '--header', h, '--source', c] + files,
                       capture_output=True, text=True)
    return p, h, c


def main():
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, 'good-events')
        with open(good, 'w') as f:
            f.write(GOOD)
        p, h, c = run([good], tmp)
        header = open(h).read() if p.returncode == 0 else ''
        table = open(c).read() if p.returncode == 0 else ''
        results.append(('good file accepted', p.returncode == 0))
        results.append(('inline with one branch',
                        'static inline void trace_t_args(int fd, uint64_t iova, '
                        'const char *name)' in header and
                        '__builtin_expect(hd_trace_on_t_args, 0)' in header))
        results.append(('void event', 'static inline void trace_t_plain(void)' in header))
        results.append(('table', '{ "t_off", &hd_trace_on_t_off }' in table and
                        'hd_trace_events_count = 3;' in table))
        for i, (line, needle) in enumerate(BAD):
            bad = os.path.join(tmp, f'bad{i}')
            with open(bad, 'w') as f:
                f.write('# x\n' + line + '\n')
            p, _, _ = run([bad], tmp)
            ok = p.returncode != 0 and needle in p.stderr and f'bad{i}:2:' in p.stderr
            results.append((f'refuses {line!r}', ok))
        dup = os.path.join(tmp, 'dup')
        with open(dup, 'w') as f:
            f.write('t_plain(void) "again"\n')
        p, _, _ = run([good, dup], tmp)
        results.append(('duplicate names across files',
                        p.returncode != 0 and 'already defined at' in p.stderr))
    print(f'1..{len(results)}')
    for n, (name, ok) in enumerate(results, 1):
        print(f'{"ok" if ok else "not ok"} {n} - {name}')
    return 0 if all(ok for _, ok in results) else 1


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# QMP schema generator: reads the declarations in qapi/*.json (format in qapi/README.md) and
# writes the C tables the dispatcher checks arguments with, the query-qmp-schema reply
# (QEMU's SchemaInfo list) and docs/qmp-reference.md. Python 3 standard library only.
# SPDX-License-Identifier: GPL-2.0-or-later
"""Usage:
  qapi-gen.py [--c OUT.c] [--introspect OUT.json] [--doc OUT.md] [--check-doc DOC.md] FILE.json...
"""

import argparse
import json
import os
import re
import sys

# Built-in types: schema name -> (JSON type in the introspection, C kind).
BUILTINS = {
    'str': ('string', 'QMP_TYPE_STR'),
    'int': ('int', 'QMP_TYPE_INT'),
    'number': ('number', 'QMP_TYPE_NUMBER'),
    'bool': ('boolean', 'QMP_TYPE_BOOL'),
    'null': ('null', 'QMP_TYPE_NULL'),
    'any': ('value', 'QMP_TYPE_ANY'),
}
KINDS = ('command', 'event', 'struct', 'enum', 'union')
KEYS = {
    'command': {'command', 'doc', 'data', 'returns', 'extra-properties', 'features'},
    'event': {'event', 'doc', 'data'},
    'struct': {'struct', 'doc', 'data'},
    'enum': {'enum', 'doc', 'values'},
    'union': {'union', 'doc', 'base', 'discriminator', 'data'},
}
EMPTY = 'q_empty'
DOC_CMD = 'python3 scripts/qapi-gen.py --doc docs/qmp-reference.md qapi/*.json'


class SchemaError(Exception):
    pass


class Member:
    def __init__(self, name, typ, optional, doc):
        self.name = name
        self.type = typ  # a type name, or a one-element list for an array
        self.optional = optional
        self.doc = doc


class Definition:
    def __init__(self, kind, name, raw, source):
        self.kind = kind
        self.name = name
        self.raw = raw
        self.source = source
        self.doc = raw.get('doc')
        self.members = []       # struct, command (implicit arguments), event, union base
        self.arg_struct = None  # command: a named struct as its arguments
        self.values = []        # enum
        self.variants = []      # union: (case, struct name)

    def where(self):
        return '%s: %s %s' % (self.source, self.kind, self.name)


def type_name(t):
    return '[%s]' % t[0] if isinstance(t, list) else t


def parse_type(t, where):
    if isinstance(t, str) and t:
        return t
    if isinstance(t, list) and len(t) == 1 and isinstance(t[0], str) and t[0]:
        return [t[0]]
    raise SchemaError('%s: a type is a name or a one-element list, not %r' % (where, t))


def parse_members(data, where):
    if not isinstance(data, dict):
        raise SchemaError('%s: "data" must be an object of members' % where)
    members = []
    seen = set()
    for key, spec in data.items():
        optional = key.startswith('*')
        name = key[1:] if optional else key
        if not re.fullmatch(r'[A-Za-z][A-Za-z0-9_-]*', name):
            raise SchemaError('%s: bad member name %r' % (where, key))
        if name in seen:
            raise SchemaError('%s: member %r given twice' % (where, name))
        seen.add(name)
        doc = None
        if isinstance(spec, dict):
            unknown = set(spec) - {'type', 'doc'}
            if unknown or 'type' not in spec:
                raise SchemaError('%s: member %r takes "type" and "doc" only' % (where, name))
            doc = spec.get('doc')
            spec = spec['type']
        members.append(Member(name, parse_type(spec, '%s member %r' % (where, name)),
                              optional, doc))
    return members


def load(paths):
    """The files' docs and their definitions, in file then declaration order."""
    files = []
    defs = []
    names = {}
    for path in sorted(paths, key=os.path.basename):
        source = 'qapi/' + os.path.basename(path)
        try:
            with open(path, encoding='utf-8') as f:
                top = json.load(f)
        except (OSError, ValueError) as e:
            raise SchemaError('%s: %s' % (source, e))
        if not isinstance(top, dict) or set(top) != {'doc', 'definitions'}:
            raise SchemaError('%s: the top level is {"doc": ..., "definitions": [...]}' % source)
        files.append((source, top['doc'], []))
        for raw in top['definitions']:
            kinds = [k for k in KINDS if k in raw]
            if len(kinds) != 1:
                raise SchemaError('%s: each definition has exactly one of %s: %r'
                                  % (source, ', '.join(KINDS), raw))
            kind = kinds[0]
            d = Definition(kind, raw[kind], raw, source)
            unknown = set(raw) - KEYS[kind]
            if unknown:
                raise SchemaError('%s: unknown keys %s' % (d.where(), ', '.join(sorted(unknown))))
            if not isinstance(d.doc, str) or not d.doc.strip():
                raise SchemaError('%s: a one-paragraph "doc" is required' % d.where())
            if d.name in names or d.name in BUILTINS or d.name == EMPTY:
                raise SchemaError('%s: the name is already taken (%s)'
                                  % (d.where(), names.get(d.name, 'built-in')))
            names[d.name] = d.source
            if kind == 'enum':
                d.values = raw.get('values')
                if (not isinstance(d.values, list) or not d.values or
                        not all(isinstance(v, str) and v for v in d.values) or
                        len(set(d.values)) != len(d.values)):
                    raise SchemaError('%s: "values" is a list of distinct strings' % d.where())
            elif kind == 'command' and isinstance(raw.get('data'), str):
                d.arg_struct = raw['data']
            elif kind == 'union':
                d.members = parse_members(raw.get('base'), d.where())
                if not isinstance(raw.get('data'), dict):
                    raise SchemaError('%s: "data" maps tag values to structs' % d.where())
                d.variants = list(raw['data'].items())
            elif 'data' in raw:
                d.members = parse_members(raw['data'], d.where())
            if kind == 'command':
                features = raw.get('features', [])
                if (not isinstance(features, list) or
                        not all(isinstance(x, str) and x for x in features)):
                    raise SchemaError('%s: "features" is a list of names' % d.where())
                if not isinstance(raw.get('extra-properties', False), bool):
                    raise SchemaError('%s: "extra-properties" is true or false' % d.where())
                if 'returns' in raw:
                    parse_type(raw['returns'], d.where() + ' returns')
            files[-1][2].append(d)
            defs.append(d)
    return files, defs


class Schema:
    def __init__(self, files, defs):
        self.files = files
        self.defs = defs
        self.by_name = {d.name: d for d in defs}
        self.check()

    def type_def(self, name):
        d = self.by_name.get(name)
        return d if d and d.kind in ('struct', 'enum', 'union') else None

    def check_type(self, t, where):
        t = parse_type(t, where)
        base = t[0] if isinstance(t, list) else t
        if base not in BUILTINS and not self.type_def(base):
            raise SchemaError('%s: type %r is not declared' % (where, base))

    def check(self):
        for d in self.defs:
            for m in d.members:
                self.check_type(m.type, '%s member %r' % (d.where(), m.name))
            if d.kind == 'command':
                if d.arg_struct and not (self.type_def(d.arg_struct) and
                                         self.type_def(d.arg_struct).kind == 'struct'):
                    raise SchemaError('%s: "data" names %r, which is no struct'
                                      % (d.where(), d.arg_struct))
                if 'returns' in d.raw:
                    self.check_type(d.raw['returns'], d.where() + ' returns')
            if d.kind == 'union':
                tag = [m for m in d.members if m.name == d.raw.get('discriminator')]
                if not tag or tag[0].optional or not isinstance(tag[0].type, str) or \
                        not self.type_def(tag[0].type) or \
                        self.type_def(tag[0].type).kind != 'enum':
                    raise SchemaError('%s: "discriminator" names a required enum member of '
                                      '"base"' % d.where())
                values = self.type_def(tag[0].type).values
                for case, typ in d.variants:
                    v = self.type_def(typ) if isinstance(typ, str) else None
                    if case not in values or not v or v.kind != 'struct':
                        raise SchemaError('%s: variant %r: the case must be a value of %s and '
                                          'the type a struct' % (d.where(), case, tag[0].type))

    def arg_members(self, cmd):
        if cmd.arg_struct:
            return self.by_name[cmd.arg_struct].members
        return cmd.members

    def arg_type_name(self, d):
        if d.kind == 'command' and d.arg_struct:
            return d.arg_struct
        if not d.members and not (d.kind == 'command' and d.raw.get('extra-properties')):
            return EMPTY
        return 'q_obj_%s-arg' % d.name

    # ---- query-qmp-schema ----

    def introspection(self):
        entries = []
        seen = set()

        def add_object(name, members, extra=None):
            entry = {'name': name, 'meta-type': 'object', 'members': []}
            entries.append(entry)
            seen.add(name)
            for m in members:
                member = {'name': m.name, 'type': ref(m.type)}
                if m.optional:
                    member['default'] = None
                entry['members'].append(member)
            if extra:
                entry.update(extra)
            return entry

        def ref(t):
            name = type_name(t)
            if name in seen:
                return name
            if isinstance(t, list):
                entry = {'name': name, 'meta-type': 'array'}
                entries.append(entry)
                seen.add(name)
                entry['element-type'] = ref(t[0])
            elif t in BUILTINS:  # t is a name here
                entries.append({'name': t, 'meta-type': 'builtin', 'json-type': BUILTINS[t][0]})
                seen.add(t)
            elif t == EMPTY:
                add_object(EMPTY, [])
            else:
                d = self.type_def(t)
                if d.kind == 'enum':
                    entries.append({'name': t, 'meta-type': 'enum', 'values': list(d.values)})
                    seen.add(t)
                elif d.kind == 'struct':
                    add_object(t, d.members)
                else:
                    entry = add_object(t, d.members)
                    entry['tag'] = d.raw['discriminator']
                    entry['variants'] = [{'case': c, 'type': ref(v)} for c, v in d.variants]
            return name

        def arg_type(d):
            name = self.arg_type_name(d)
            if name == d.arg_struct or name == EMPTY:
                return ref(name)
            add_object(name, d.members)
            return name

        for d in self.defs:
            if d.kind == 'command':
                entry = {'name': d.name, 'meta-type': 'command'}
                entries.append(entry)
                seen.add(d.name)
                entry['arg-type'] = arg_type(d)
                entry['ret-type'] = ref(parse_type(d.raw['returns'], d.name)
                                        if 'returns' in d.raw else EMPTY)
                if d.raw.get('features'):
                    entry['features'] = list(d.raw['features'])
            elif d.kind == 'event':
                entry = {'name': d.name, 'meta-type': 'event'}
                entries.append(entry)
                seen.add(d.name)
                entry['arg-type'] = arg_type(d)
        names = [e['name'] for e in entries]
        assert len(names) == len(set(names)), 'duplicate introspection names'
        return entries

    # ---- C tables ----

    def c_source(self):
        out = []
        decls = []
        bodies = []
        cnames = {}

        def cname(t):
            name = type_name(t)
            if name in cnames:
                return cnames[name]
            if isinstance(t, list):
                c = 'qt_list_' + cname(t[0]).replace('qmp_type_', '').replace('qt_', '')
            elif t in BUILTINS:
                c = 'qmp_type_' + t
            else:
                c = 'qt_' + re.sub(r'[^A-Za-z0-9]', '_', t)
            if c in cnames.values():
                raise SchemaError('C name %s is used twice (%s)' % (c, name))
            cnames[name] = c
            if isinstance(t, str) and t in BUILTINS:
                return c
            decls.append('static const QmpType %s;' % c)
            if isinstance(t, list):
                elem = cname(t[0])
                bodies.append('static const QmpType %s = {\n    .name = %s,\n'
                              '    .kind = QMP_TYPE_ARRAY,\n    .element = &%s,\n};'
                              % (c, cstr(name), elem))
                return c
            d = self.type_def(t)
            if d.kind == 'enum':
                bodies.append('static const char *const %s_values[] = {\n%s    NULL,\n};'
                              % (c, ''.join('    %s,\n' % cstr(v) for v in d.values)))
                bodies.append('static const QmpType %s = {\n    .name = %s,\n'
                              '    .kind = QMP_TYPE_ENUM,\n    .values = %s_values,\n};'
                              % (c, cstr(t), c))
            elif d.kind == 'struct':
                object_body(c, t, d.members, False)
            else:
                raise SchemaError('%s: a union cannot be used in command arguments' % d.where())
            return c

        def object_body(c, name, members, extra):
            lines = ['static const QmpMember %s_members[] = {' % c]
            for m in members:
                lines.append('    { .name = %s, .type = &%s, .optional = %s },'
                             % (cstr(m.name), cname(m.type), 'true' if m.optional else 'false'))
            lines.append('    { .name = NULL },')
            lines.append('};')
            bodies.append('\n'.join(lines))
            bodies.append('static const QmpType %s = {\n    .name = %s,\n'
                          '    .kind = QMP_TYPE_OBJECT,\n    .members = %s_members,\n'
                          '    .extra_members = %s,\n};'
                          % (c, cstr(name), c, 'true' if extra else 'false'))

        cmds = []
        for d in self.defs:
            if d.kind != 'command':
                continue
            extra = bool(d.raw.get('extra-properties'))
            argname = self.arg_type_name(d)
            if d.arg_struct and not extra:
                args = cname(d.arg_struct)
            else:
                args = 'qt_args_' + re.sub(r'[^A-Za-z0-9]', '_', d.name)
                decls.append('static const QmpType %s;' % args)
                object_body(args, argname, self.arg_members(d), extra)
            features = 'NULL'
            if d.raw.get('features'):
                features = args.replace('qt_args_', 'features_')
                if features == args:
                    features = 'features_' + re.sub(r'[^A-Za-z0-9]', '_', d.name)
                bodies.append('static const char *const %s[] = {\n%s    NULL,\n};'
                              % (features, ''.join('    %s,\n' % cstr(x)
                                                   for x in d.raw['features'])))
            ret = type_name(parse_type(d.raw['returns'], d.name)) if 'returns' in d.raw else EMPTY
            cmds.append('    {\n        .name = %s,\n        .args = &%s,\n'
                        '        .ret_type = %s,\n        .features = %s,\n    },'
                        % (cstr(d.name), args, cstr(ret), features))

        out.append('/*\n'
                   ' * Generated by scripts/qapi-gen.py from the schema in qapi/: do not edit.\n'
                   ' * SPDX-License-Identifier: GPL-2.0-or-later\n */')
        out.append('#include "monitor/qmp-schema.h"')
        for t, (_, kind) in BUILTINS.items():
            out.append('const QmpType qmp_type_%s = {\n    .name = %s,\n    .kind = %s,\n};'
                       % (t, cstr(t), kind))
        out.append('\n'.join(decls))
        out.extend(bodies)
        out.append('const QmpCommandDecl qmp_schema_commands[] = {\n%s\n    { .name = NULL },\n};'
                   % '\n'.join(cmds))
        text = json.dumps(self.introspection(), separators=(',', ':'))
        chunks = [text[i:i + 90] for i in range(0, len(text), 90)]
        out.append('const char qmp_schema_introspection[] =\n%s;'
                   % '\n'.join('    ' + cstr(c) for c in chunks))
        return '\n\n'.join(out) + '\n'

    # ---- docs/qmp-reference.md ----

    def doc(self):
        out = ['# QMP reference', '',
               '<!-- Generated by scripts/qapi-gen.py from qapi/*.json: do not edit. '
               'Regenerate with: ' + DOC_CMD + ' -->', '',
               'Every command and event hostdev declares, from the schema in `qapi/` (format: '
               '`qapi/README.md`). The dispatcher checks each request\'s arguments against these '
               'declarations before the command runs, and `query-qmp-schema` returns them in '
               'QEMU\'s introspection format. A member marked *optional* may be left out.', '']
        for source, doc, defs in self.files:
            out += ['## %s' % source, '', doc.strip(), '']
            for kind, title in (('command', 'Commands'), ('event', 'Events')):
                items = [d for d in defs if d.kind == kind]
                if items:
                    out += ['### %s' % title, '']
                for d in items:
                    out += self.doc_entry(d)
            types = [d for d in defs if d.kind in ('struct', 'enum', 'union')]
            if types:
                out += ['### Types', '']
            for d in types:
                out += self.doc_entry(d)
        while out[-1] == '':
            out.pop()
        return '\n'.join(out) + '\n'

    def doc_members(self, members, title):
        if not members:
            return []
        out = ['%s:' % title, '', '| name | type | | description |', '|---|---|---|---|']
        for m in members:
            out.append('| `%s` | `%s` | %s | %s |'
                       % (m.name, type_name(m.type), 'optional' if m.optional else '',
                          (m.doc or '').replace('|', '\\|')))
        return out + ['']

    def doc_entry(self, d):
        out = ['#### `%s`' % d.name, '', d.doc.strip(), '']
        if d.kind == 'command':
            if d.arg_struct:
                out += ['Arguments: the members of `%s`.' % d.arg_struct, '']
            else:
                out += self.doc_members(d.members, 'Arguments')
            if d.raw.get('extra-properties'):
                out += ['Extra members: any property of the type named above; they are passed '
                        'to it unchecked by the dispatcher.', '']
            if not d.members and not d.arg_struct and not d.raw.get('extra-properties'):
                out += ['Arguments: none.', '']
            ret = type_name(parse_type(d.raw['returns'], d.name)) if 'returns' in d.raw else None
            out += ['Returns: %s.' % ('`%s`' % ret if ret else 'an empty object'), '']
            if d.raw.get('features'):
                out += ['Features: %s.' % ', '.join('`%s`' % x for x in d.raw['features']), '']
        elif d.kind == 'event':
            out += self.doc_members(d.members, 'Data') or ['Data: none.', '']
        elif d.kind == 'enum':
            out += ['Values: %s.' % ', '.join('`%s`' % v for v in d.values), '']
        elif d.kind == 'struct':
            out += self.doc_members(d.members, 'Members')
        else:
            out += self.doc_members(d.members, 'Members')
            out += ['Tag: `%s`; variants: %s.'
                    % (d.raw['discriminator'],
                       ', '.join('`%s` adds `%s`' % (c, v) for c, v in d.variants)), '']
        return out


def cstr(s):
    return '"%s"' % s.replace('\\', '\\\\').replace('"', '\\"')


def write(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def main():
    p = argparse.ArgumentParser(description='Generate the QMP schema tables and docs.')
    p.add_argument('--c', help='write the C tables here')
    p.add_argument('--introspect', help='write the query-qmp-schema reply (JSON) here')
    p.add_argument('--doc', help='write the Markdown reference here')
    p.add_argument('--check-doc', help='fail unless this file equals the generated reference')
    p.add_argument('files', nargs='+')
    args = p.parse_args()
    try:
        schema = Schema(*load(args.files))
        if args.c:
            write(args.c, schema.c_source())
        if args.introspect:
            write(args.introspect, json.dumps(schema.introspection(), indent=1) + '\n')
        if args.doc:
            write(args.doc, schema.doc())
        if args.check_doc:
            try:
                with open(args.check_doc, encoding='utf-8') as f:
                    current = f.read()
            except OSError as e:
                current = None
                print('%s: %s' % (args.check_doc, e), file=sys.stderr)
            if current != schema.doc():
                print('%s is stale: the schema in qapi/ changed. Regenerate it from the source '
                      'root with:\n    %s\nand commit it.' % (args.check_doc, DOC_CMD),
                      file=sys.stderr)
                return 1
            print('%s matches qapi/*.json' % args.check_doc)
    except SchemaError as e:
        print('qapi-gen: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

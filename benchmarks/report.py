#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Turns the raw lines of benchmarks/run into one Markdown report.

usage: report.py RAW.txt
"""

import math
import os
import re
import sys
from collections import defaultdict

KINDS = ['value', 'key', 'set']
KIND_NAMES = {
    'value': 'value table (string keys)',
    'key': 'key table',
    'set': 'set',
}
OPS = ['insert', 'reinsert', 'lookup', 'miss', 'finalize', 'die10', 'destroy', 'orphans']
OP_NAMES = {
    'insert': 'insert',
    'reinsert': 'insert, already held elsewhere',
    'lookup': 'lookup hit',
    'miss': 'lookup miss',
    'finalize': 'finalize a member (extra)',
    'die10': 'a tenth of the members die (extra, per dying member)',
    'destroy': 'destroy, members live',
    'orphans': 'members die after destroy (extra)',
}
# Ops whose `none` run is subtracted in the timed tables too (plain
# finalization), and the share of N that an op's loop covers.
FINALIZE_OPS = ('finalize', 'die10', 'orphans')
OP_SHARE = {'die10': 10}
IMPLS = ['wobj', 'hand', 'strong']

# Targets on instruction counts: wobj / hand-written at most this
# (`reinsert` has none: it shows what a holding costs once an object is
# held).
# Issue 12's targets (insert, lookup, miss, finalize; bytes) and the
# earlier target for destroy, per (kind, op).
IR_TARGETS = {
    ('value', 'insert'): 0.90,
    ('key', 'insert'): 1.6,
    ('set', 'insert'): 2.0,
    ('value', 'finalize'): 1.0,
    ('key', 'finalize'): 1.0,
    ('set', 'finalize'): 1.0,
    ('value', 'destroy'): 0.35,
    ('set', 'destroy'): 0.35,
}
for _kind in ('value', 'key', 'set'):
    IR_TARGETS[(_kind, 'lookup')] = 1.1
    IR_TARGETS[(_kind, 'miss')] = 1.1
# Bytes per entry of first holdings, judged at N = BYTES_TARGET_N.
BYTES_TARGETS = {'value': 200, 'key': 180, 'set': 180}
BYTES_TARGET_N = 100000
K_OPS = [('kdestroy', 'destroy all containers, oldest first, object lives'),
         ('kdestroyrev', 'destroy all containers, newest first, object lives'),
         ('kfinalize', 'finalize the object, containers live')]
K_DESTROY_TARGET_K = 50000
K_DESTROY_TARGET = 1 / 50
THREADS_TARGET = 1.5
PY_TARGET = 1.3
# A log-log slope of total time against K below this is "linear".
LINEAR_SLOPE = 1.3
# The two-threads targets are the value table's and the set's.
JUDGED_KINDS = ('value', 'set')


def parse(path):
    meta = {}
    timed = {}      # (op, impl, n, k) -> dict
    cg = {}         # (op, impl) -> (n, ir)
    cgk = {}        # (op, impl) -> (k, ir): one object in K containers
    py = {}         # (op, impl) -> ns
    py_n = None
    for line in open(path):
        words = line.split()
        if not words:
            continue
        tag = None
        if words[0] in ('meta', 'cg', 'py'):
            tag = words.pop(0)
        if tag == 'meta':
            key, _, value = words[0].partition('=')
            meta[key] = value.replace('_', ' ') if key == 'cpu' else value
            continue
        fields = dict(w.split('=', 1) for w in words)
        if tag == 'cg' and int(fields.get('k', 0)) > 0:
            cgk[(fields['op'], fields['impl'])] = (int(fields['k']), int(fields['ir']))
        elif tag == 'cg':
            cg[(fields['op'], fields['impl'])] = (int(fields['n']), int(fields['ir']))
        elif tag == 'py':
            py[(fields['op'], fields['impl'])] = float(fields['ns'])
            py_n = int(fields['n'])
        else:
            key = (fields['op'], fields['impl'], int(fields['n']), int(fields['k']))
            timed[key] = fields
    return meta, timed, cg, cgk, py, py_n


def fmt(x, digits=0):
    if x is None:
        return '-'
    if isinstance(x, str):
        return x
    return '{:,.{}f}'.format(x, digits)


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def fmt_ratio(r):
    return '-' if r is None else '%.2f' % r


def table(header, rows, text_columns=1):
    out = ['| ' + ' | '.join(header) + ' |',
           '|' + '|'.join('---' if i < text_columns else '---:' for i in range(len(header))) + '|']
    for row in rows:
        out.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(out)


def profile(path, n, top=14):
    """The top functions by inclusive instructions, per operation, from a
    callgrind_annotate --inclusive=yes listing; inlined copies (listed once
    per source file) are merged."""
    entries, libs = [], {}
    for line in open(path):
        m = re.match(r'\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+?)(?: \[(.*)\])?$', line.rstrip())
        if not m:
            continue
        func = m.group(2).rsplit(':', 1)[-1]
        entries.append((int(m.group(1).replace(',', '')), func))
        if m.group(3):
            libs.setdefault(func, os.path.basename(m.group(3)))
    rows, seen = [], set()
    for ir, func in entries:
        if func in seen or func == 'main':
            continue
        seen.add(func)
        rows.append([func, libs.get(func, ''), fmt(ir / n)])
        if len(rows) >= top:
            break
    return rows


def main():
    raw = sys.argv[1]
    meta, timed, cg, cgk, py, py_n = parse(raw)
    out = []
    targets = []   # (target, measured, met)

    out.append('## Run')
    out.append('')
    out.append('- date: %s; %s s in all; %s' % (
        meta.get('date', '?'), meta.get('seconds', '?'),
        'SMOKE RUN (tiny sizes, numbers meaningless)' if meta.get('smoke') == '1' else 'full run'))
    out.append('- machine: %s CPUs, %s; GLib %s; wobj %s' % (
        meta.get('nproc', '?'), meta.get('cpu', '?'), meta.get('glib', '?'), meta.get('wobj', '?')))
    out.append('- load average (1 min) at start / highest seen / end: %s / %s / %s (2 CPUs: above '
               'about 1 the times are distorted by other processes; the instruction counts are '
               'not)' % (meta.get('load_start', '?'), meta.get('load_max', '?'), meta.get('load_end', '?')))
    out.append('')

    # Instruction counts.
    if cg:
        cg_n = next(iter(cg.values()))[0]
        out.append('## Instructions per operation (callgrind, N = %s, minus the `none` loop)' % fmt(cg_n))
        out.append('')
        rows = []
        for kind in KINDS:
            per_op = {}
            for op in OPS + ['destroy+orphans']:
                if op == 'destroy+orphans':
                    a, b = per_op.get('destroy'), per_op.get('orphans')
                    if not a or not b:
                        continue
                    vals = {impl: None if a[impl] is None or b[impl] is None else a[impl] + b[impl]
                            for impl in IMPLS}
                    name = 'destroy, then the members die (total of the two rows above)'
                else:
                    base = cg.get((kind + '-' + op, 'none'))
                    vals = {}
                    for impl in IMPLS:
                        v = cg.get((kind + '-' + op, impl))
                        n_op = None if v is None else max(v[0] // OP_SHARE.get(op, 1), 1)
                        vals[impl] = None if v is None or base is None else (v[1] - base[1]) / n_op
                    per_op[op] = vals
                    name = OP_NAMES[op]
                if all(v is None for v in vals.values()):
                    continue
                r_hand = ratio(vals['wobj'], vals['hand'])
                r_strong = ratio(vals['wobj'], vals['strong'])
                target = IR_TARGETS.get((kind, op))
                judged = target is not None
                met = None if r_hand is None or not judged else r_hand <= target
                rows.append([KIND_NAMES[kind], name, fmt(vals['wobj']), fmt(vals['hand']),
                             fmt(vals['strong']), fmt_ratio(r_hand), fmt_ratio(r_strong),
                             ('<= %.2f' % target) if judged else '(info)',
                             '-' if met is None else ('met' if met else '**not met**')])
                if met is not None:
                    targets.append(('%s, %s: Ir wobj/hand <= %.2f' % (KIND_NAMES[kind], name, target),
                                    '%.2f (%s vs %s)' % (r_hand, fmt(vals['wobj']), fmt(vals['hand'])), met))
        out.append(table(['container', 'operation', 'wobj', 'hand', 'strong', 'wobj/hand',
                          'wobj/strong', 'target', ''], rows, 2))
        out.append('')
        prof_rows = []
        for op in ['value-lookup', 'value-insert', 'value-finalize', 'value-orphans', 'key-insert',
                   'key-lookup', 'set-insert', 'set-lookup', 'set-finalize']:
            path = os.path.join(os.path.dirname(raw), 'callgrind', op + '-wobj.inclusive.txt')
            if os.path.exists(path):
                prof_rows.append((op, profile(path, cg_n)))
        out.append('`finalize` is the extra cost: the run minus the plain finalization of objects that '
                   'nothing holds (the `none` run); for `strong` it is the caller\'s unref plus the '
                   'removal that finalizes. `strong` lookup hit of the value table takes and drops a '
                   'reference like the others. `die10`: a tenth of the members die, per dying member, '
                   'same subtraction. `orphans`: the container was destroyed with its members alive, '
                   'then they die, per member, same subtraction.')
        out.append('')
        if cgk:
            k_cg = next(iter(cgk.values()))[0]
            out.append('### One object in K = %s containers (callgrind, instructions per container, '
                       'minus the `none` loop)' % fmt(k_cg))
            out.append('')
            rows = []
            for kind in ['value', 'set']:
                for op, name in K_OPS:
                    base = cgk.get((kind + '-' + op, 'none'))
                    vals = {}
                    for impl in IMPLS:
                        v = cgk.get((kind + '-' + op, impl))
                        vals[impl] = None if v is None or base is None else (v[1] - base[1]) / v[0]
                    if all(v is None for v in vals.values()):
                        continue
                    rows.append([KIND_NAMES[kind], name, fmt(vals['wobj']), fmt(vals['hand']),
                                 fmt(vals['strong']), fmt_ratio(ratio(vals['wobj'], vals['hand'])),
                                 fmt_ratio(ratio(vals['wobj'], vals['strong']))])
            out.append(table(['container', 'case', 'wobj', 'hand', 'strong', 'wobj/hand',
                              'wobj/strong'], rows, 2))
            out.append('')
        for op, rows in prof_rows:
            out.append('### Where wobj\'s %s goes (inclusive instructions per operation, '
                       'callgrind_annotate)' % op)
            out.append('')
            out.append(table(['function', 'object', 'Ir per op'], rows, 2))
            out.append('')

    # Times.
    sizes = sorted({key[2] for key in timed if key[2] > 0})
    for n in sizes:
        out.append('## Time per operation, N = %s (ns, median)' % fmt(n))
        out.append('')
        rows = []
        for kind in KINDS:
            per_op = {}
            for op in OPS + ['destroy+orphans']:
                if op == 'destroy+orphans':
                    a, b = per_op.get('destroy'), per_op.get('orphans')
                    if not a or not b:
                        continue
                    vals = {impl: None if a[impl] is None or b[impl] is None else a[impl] + b[impl]
                            for impl in IMPLS}
                    name = 'destroy, then the members die (total of the two rows above)'
                else:
                    base = timed.get((kind + '-' + op, 'none', n, 0))
                    vals = {}
                    for impl in IMPLS:
                        v = timed.get((kind + '-' + op, impl, n, 0))
                        if v is None:
                            vals[impl] = None
                            continue
                        ns = float(v['ns'])
                        if op in FINALIZE_OPS:
                            ns = ns - float(base['ns']) if base else None
                        vals[impl] = ns
                    per_op[op] = vals
                    name = OP_NAMES[op]
                if all(v is None for v in vals.values()):
                    continue
                rows.append([KIND_NAMES[kind], name, fmt(vals['wobj']), fmt(vals['hand']),
                             fmt(vals['strong']), fmt_ratio(ratio(vals['wobj'], vals['hand'])),
                             fmt_ratio(ratio(vals['wobj'], vals['strong']))])
        out.append(table(['container', 'operation', 'wobj', 'hand', 'strong', 'wobj/hand',
                          'wobj/strong'], rows, 2))
        base_fin = [timed.get((k + '-finalize', 'none', n, 0)) for k in KINDS]
        base_fin = [float(b['ns']) for b in base_fin if b]
        if base_fin:
            out.append('')
            out.append('Plain finalization of a GObject that nothing holds: %s ns.' % fmt(min(base_fin)))
        out.append('')

    # Bytes.
    if sizes:
        out.append('## Bytes per entry (mallinfo2, G_SLICE=always-malloc)')
        out.append('')
        rows = []
        for kind in KINDS:
            for n in sizes:
                vals = {}
                for impl in IMPLS:
                    v = timed.get((kind + '-insert', impl, n, 0))
                    vals[impl] = float(v['bytes']) if v and 'bytes' in v else None
                if vals['wobj'] is None:
                    continue
                target = BYTES_TARGETS[kind]
                if n != BYTES_TARGET_N:
                    rows.append([KIND_NAMES[kind], 'first holding', fmt(n), fmt(vals['wobj']),
                                 fmt(vals['hand']), fmt(vals['strong']), '(info)', '-'])
                else:
                    met = vals['wobj'] <= target
                    rows.append([KIND_NAMES[kind], 'first holding', fmt(n), fmt(vals['wobj']),
                                 fmt(vals['hand']), fmt(vals['strong']), '<= %d' % target,
                                 'met' if met else '**not met**'])
                    targets.append(('%s: bytes per entry <= %d (N = %s)' % (KIND_NAMES[kind], target, fmt(n)),
                                    '%s (hand %s, strong %s)' % (fmt(vals['wobj']), fmt(vals['hand']),
                                                                 fmt(vals['strong'])), met))
                again = {}
                for impl in IMPLS:
                    v = timed.get((kind + '-reinsert', impl, n, 0))
                    again[impl] = float(v['bytes']) if v and 'bytes' in v else None
                if again['wobj'] is not None:
                    rows.append([KIND_NAMES[kind], 'already held elsewhere', fmt(n), fmt(again['wobj']),
                                 fmt(again['hand']), fmt(again['strong']), '(info)', '-'])
        out.append(table(['container', 'member', 'N', 'wobj', 'hand', 'strong', 'target', ''], rows, 2))
        out.append('')
        out.append('Everything allocated by the inserts, the first holder\'s per-object records (the '
                   'anchor, GLib\'s weak-ref records) and the hash tables\' growth included. The value '
                   'tables copy each key ("key%u", a 32-byte malloc chunk), so 32 of their bytes are the '
                   'key, for every implementation.')
        out.append('')

    # Threads.
    if sizes:
        out.append('## Two threads doing lookup hits on one container')
        out.append('')
        rows = []
        for kind in KINDS:
            for n in sizes:
                for impl in IMPLS:
                    v = timed.get((kind + '-threads', impl, n, 0))
                    if not v:
                        continue
                    speedup = float(v['speedup'])
                    rows.append([KIND_NAMES[kind], fmt(n), impl, fmt(float(v['ns_1t'])),
                                 fmt(float(v['ns_2t'])), '%.2f' % speedup])
                    if impl == 'wobj' and kind in JUDGED_KINDS:
                        targets.append(('%s, N = %s: two threads >= %.1fx one thread' % (
                            KIND_NAMES[kind], fmt(n), THREADS_TARGET),
                            '%.2fx' % speedup, speedup >= THREADS_TARGET))
        out.append(table(['container', 'N', 'impl', 'ns/lookup, 1 thread',
                          'ns/lookup, 2 threads combined', 'throughput 2 / 1'], rows, 3))
        out.append('')

    # One object in K containers.
    ks = sorted({key[3] for key in timed if key[3] > 0})
    if ks:
        out.append('## One object in K containers (ns per container)')
        out.append('')
        rows = []
        for kind in ['value', 'set']:
            for op, name in K_OPS:
                per = {impl: {} for impl in IMPLS}
                for k in ks:
                    cells = []
                    for impl in IMPLS:
                        v = timed.get((kind + '-' + op, impl, 0, k))
                        if v is None:
                            cells.append('-')
                        elif 'timeout' in v:
                            lower = float(v['timeout']) * 1e9 / k
                            per[impl][k] = None
                            cells.append('> %s (stopped at %s s)' % (fmt(lower), v['timeout']))
                        else:
                            per[impl][k] = float(v['ns'])
                            cells.append(fmt(float(v['ns'])))
                    w, h = per['wobj'].get(k), per['hand'].get(k)
                    rows.append([KIND_NAMES[kind], name, fmt(k)] + cells +
                                [fmt_ratio(ratio(w, h))])
                    if op == 'kdestroy' and k == K_DESTROY_TARGET_K and w is not None:
                        hv = timed.get((kind + '-' + op, 'hand', 0, k))
                        if h is not None:
                            r = w / h
                            targets.append(('%s: destroy %s containers of a live object <= 1/50 of hand' % (
                                KIND_NAMES[kind], fmt(k)),
                                '1/%.0f (%s vs %s ns per container)' % (1 / r, fmt(w), fmt(h)),
                                r <= K_DESTROY_TARGET))
                        elif hv is not None and 'timeout' in hv:
                            targets.append(('%s: destroy %s containers <= 1/50 of hand' % (KIND_NAMES[kind], fmt(k)),
                                            'hand stopped at %s s' % hv['timeout'], True))
                # Linearity: the slope of log(total time) against log(K).
                pts = [(math.log(k), math.log(ns * k)) for k, ns in per['wobj'].items() if ns]
                if len(pts) >= 2:
                    mx = sum(p[0] for p in pts) / len(pts)
                    my = sum(p[1] for p in pts) / len(pts)
                    slope = (sum((p[0] - mx) * (p[1] - my) for p in pts) /
                             sum((p[0] - mx) ** 2 for p in pts))
                    targets.append(('%s, %s: linear in K (log-log slope < %.1f)' % (
                        KIND_NAMES[kind], name, LINEAR_SLOPE),
                        'slope %.2f over K = %s..%s' % (slope, fmt(min(per['wobj'])), fmt(max(per['wobj']))),
                        slope < LINEAR_SLOPE))
        out.append(table(['container', 'case', 'K', 'wobj', 'hand', 'strong', 'wobj/hand'], rows, 2))
        out.append('')

    # Python.
    if py:
        out.append('## From Python (ns per call, N = %s, loop included)' % fmt(py_n))
        out.append('')
        get_item = py.get(('liststore-get', 'gio'))
        rows = []
        for op, name in [('value-insert', 'ValueTable.insert, `t[k] = o` / WeakValueDictionary[k] = o'),
                         ('value-lookup', 'ValueTable.lookup, `t[k]` / WeakValueDictionary[k]'),
                         ('key-insert', 'KeyTable.insert_value, `t[o] = v` / WeakKeyDictionary[o] = v'),
                         ('key-lookup', 'KeyTable.lookup_value, `t[o]` / WeakKeyDictionary[o]'),
                         ('set-insert', 'Set.add (C, then overrides) / WeakSet.add'),
                         ('set-lookup', 'Set.contains, `o in s` / o in WeakSet')]:
            w, c, o = py.get((op, 'wobj')), py.get((op, 'cpython')), py.get((op, 'overrides'))
            rows.append([name, fmt(w), fmt(o), fmt(c), fmt_ratio(ratio(w, c)), fmt_ratio(ratio(o, c)),
                         fmt_ratio(ratio(w, get_item))])
        rows.append(['Gio.ListStore.get_item', fmt(get_item), '-', '-', '-', '-', '1.00'])
        rows.append(['the loop alone (`id(x)`)', fmt(py.get(('loop', 'baseline'))), '-', '-', '-', '-', '-'])
        out.append(table(['operation (wobj / CPython)', 'wobj, introspected', 'wobj, overrides',
                          'CPython', 'introspected/CPython', 'overrides/CPython',
                          'introspected/get_item'], rows, 1))
        out.append('')
        out.append('"introspected" calls the C API through PyGObject (`Wk.ValueTable.new()`, '
                   '`t.lookup(k)`); "overrides" is the same container through wobj\'s Python '
                   'overrides as a Python program writes it (`Wk.ValueTable()`, `t[k]`): the '
                   'mapping and set protocols add a Python-level call and the argument checks.')
        out.append('')
        # Issue 13: the overrides against weakref, 64-member working set.
        ws_rows = []
        for op, name, target in [('ws64-value-lookup', '`t[k]` / WeakValueDictionary[k]', 2.0),
                                 ('ws64-key-lookup', '`t[o]` / WeakKeyDictionary[o]', 2.0),
                                 ('ws64-set-lookup', '`o in s` / o in WeakSet', 2.0),
                                 ('ws64-ref-call', '`r()` / weakref.ref()', 3.0)]:
            c = py.get((op, 'cpython'))
            o = py.get((op, 'overrides'))
            f = py.get((op, 'overrides-fallback'))
            if c is None or (o is None and f is None):
                continue
            cf = py.get((op, 'cpython-fallback'))
            ws_rows.append([name, fmt(o), fmt(f), fmt(c), fmt_ratio(ratio(o, c)),
                            fmt_ratio(ratio(f, cf)), '<= %.1fx' % target])
            r = ratio(o, c)
            if r is not None:
                targets.append(('Python overrides (helper): %s <= %.1fx weakref' % (name, target),
                                '%.2fx' % r, r <= target))
        if ws_rows:
            out.append('### The overrides against weakref, 64-member working set')
            out.append('')
            out.append(table(['operation (overrides / weakref)', 'overrides, helper',
                              'overrides, fallback', 'weakref', 'helper/weakref',
                              'fallback/weakref', 'target'], ws_rows, 1))
            out.append('')
            out.append('The same N lookups in random order over 64 members; "helper" is the '
                       'compiled `gi/overrides/_wk`, "fallback" the pure-Python overrides '
                       '(`WOBJ_PYTHON_HELPER=0`); each ratio is against weakref measured in the same '
                       'process (the weakref column is the helper\'s run).')
            out.append('')
        r = ratio(py.get(('value-lookup', 'wobj')), get_item)
        if r is not None:
            targets.append(('Python: ValueTable.lookup <= %.1fx Gio.ListStore.get_item' % PY_TARGET,
                            '%.2fx' % r, r <= PY_TARGET))

    if targets:
        out.append('## Targets')
        out.append('')
        out.append(table(['target', 'measured', ''],
                         [[t, m, 'met' if ok else '**not met**'] for t, m, ok in targets], 3))
        out.append('')
        out.append('%d of %d met.' % (sum(1 for t in targets if t[2]), len(targets)))
    print('\n'.join(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())

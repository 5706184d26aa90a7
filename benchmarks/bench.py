#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""wobj's containers from Python, through their introspected API, against
CPython's weakref containers on plain Python objects, and against the
cheapest introspected call that returns an object (Gio.ListStore.get_item),
which bounds what any GObject library can do from Python.

Prints one line per figure: `py op=OP impl=IMPL n=N ns=NS` (ns per call,
median of the repeats, loop overhead included: every row runs the same
`for x in xs: f(x)` loop over a list in random order).

Needs GI_TYPELIB_PATH and LD_LIBRARY_PATH to the build's wobj directory
(benchmarks/run sets them). With --overrides (and the build's
overrides/pythonpath on PYTHONPATH) it measures instead the same
operations through wobj's Python overrides, as a Python program writes
them (`t[k]`, `t[k] = o`, `o in s`, `s.add(o)`), as impl=overrides, and
the overrides against weakref on a 64-member working set (op=ws64-*;
impl=overrides-fallback when WOBJ_PYTHON_HELPER=0 forces the pure-Python
fallback).
"""

import argparse
import gc
import random
import statistics
import sys
import timeit
import weakref

import gi

gi.require_version('Wk', '1')
gi.require_version('Gio', '2.0')
from gi.repository import GObject, Gio, Wk  # noqa: E402


class Plain:
    """A plain Python object: what CPython's weakref containers hold."""


def per_call_ns(setup, stmt, n, repeat):
    """Median over `repeat` runs of stmt's time per element, in ns.

    setup() runs before each timed run (timeit does not time it) and returns
    the state stmt(state) works on."""
    state = {}

    def do_setup():
        state['s'] = setup()

    def do_stmt():
        stmt(state['s'])

    gc.collect()
    times = timeit.repeat(do_stmt, do_setup, repeat=repeat, number=1)
    return statistics.median(times) / n * 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--n', type=int, default=100000)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--smoke', action='store_true')
    parser.add_argument('--overrides', action='store_true',
                        help="measure wobj's Python overrides")
    args = parser.parse_args()
    if args.overrides:
        return overrides_main(args)
    n = args.n
    repeat = 1 if args.smoke else args.repeat

    rng = random.Random(42)
    keys = ['key%u' % i for i in range(n)]
    gobjs = [GObject.Object() for _ in range(n)]
    plains = [Plain() for _ in range(n)]
    order = list(range(n))
    rng.shuffle(order)
    keys_r = [keys[i] for i in order]
    gobjs_r = [gobjs[i] for i in order]
    plains_r = [plains[i] for i in order]
    pairs_g = list(zip(keys, gobjs))
    pairs_p = list(zip(keys, plains))

    results = []

    def report(op, impl, ns):
        results.append((op, impl, ns))
        print('py op=%s impl=%s n=%d ns=%.1f' % (op, impl, n, ns), flush=True)

    # The loop alone: the same loop calling a trivial builtin.
    def loop_id(_):
        for k in keys_r:
            id(k)
    report('loop', 'baseline', per_call_ns(lambda: None, loop_id, n, repeat))

    # The bound: Gio.ListStore.get_item, in random order.
    store = Gio.ListStore.new(GObject.Object)
    store.splice(0, 0, gobjs)

    def store_get(_):
        get = store.get_item
        for i in order:
            get(i)
    report('liststore-get', 'gio', per_call_ns(lambda: None, store_get, n, repeat))

    # Value tables.
    def wobj_vt_fresh():
        return Wk.ValueTable.new()

    def wobj_vt_insert(t):
        insert = t.insert
        for k, o in pairs_g:
            insert(k, o)
    report('value-insert', 'wobj', per_call_ns(wobj_vt_fresh, wobj_vt_insert, n, repeat))

    vt = Wk.ValueTable.new()
    wobj_vt_insert(vt)

    def wobj_vt_lookup(_):
        lookup = vt.lookup
        for k in keys_r:
            lookup(k)
    report('value-lookup', 'wobj', per_call_ns(lambda: None, wobj_vt_lookup, n, repeat))

    def py_vt_insert(d):
        for k, o in pairs_p:
            d[k] = o
    report('value-insert', 'cpython',
           per_call_ns(weakref.WeakValueDictionary, py_vt_insert, n, repeat))

    wvd = weakref.WeakValueDictionary()
    py_vt_insert(wvd)

    def py_vt_lookup(_):
        for k in keys_r:
            wvd[k]
    report('value-lookup', 'cpython', per_call_ns(lambda: None, py_vt_lookup, n, repeat))

    # Key tables.
    def wobj_kt_insert(t):
        insert = t.insert_value
        for i, o in enumerate(gobjs):
            insert(o, i)
    report('key-insert', 'wobj', per_call_ns(Wk.KeyTable.new, wobj_kt_insert, n, repeat))

    kt = Wk.KeyTable.new()
    wobj_kt_insert(kt)

    def wobj_kt_lookup(_):
        lookup = kt.lookup_value
        for o in gobjs_r:
            lookup(o)
    report('key-lookup', 'wobj', per_call_ns(lambda: None, wobj_kt_lookup, n, repeat))

    def py_kt_insert(d):
        for i, o in enumerate(plains):
            d[o] = i
    report('key-insert', 'cpython',
           per_call_ns(weakref.WeakKeyDictionary, py_kt_insert, n, repeat))

    wkd = weakref.WeakKeyDictionary()
    py_kt_insert(wkd)

    def py_kt_lookup(_):
        for o in plains_r:
            wkd[o]
    report('key-lookup', 'cpython', per_call_ns(lambda: None, py_kt_lookup, n, repeat))

    # Sets.
    def wobj_set_add(s):
        add = s.add
        for o in gobjs:
            add(o)
    report('set-insert', 'wobj',
           per_call_ns(lambda: Wk.Set.new(GObject.Object), wobj_set_add, n, repeat))

    ws = Wk.Set.new(GObject.Object)
    wobj_set_add(ws)

    def wobj_set_contains(_):
        contains = ws.contains
        for o in gobjs_r:
            contains(o)
    report('set-lookup', 'wobj', per_call_ns(lambda: None, wobj_set_contains, n, repeat))

    def py_set_add(s):
        add = s.add
        for o in plains:
            add(o)
    report('set-insert', 'cpython', per_call_ns(weakref.WeakSet, py_set_add, n, repeat))

    pws = weakref.WeakSet()
    py_set_add(pws)

    def py_set_contains(_):
        for o in plains_r:
            o in pws  # noqa: B015
    report('set-lookup', 'cpython', per_call_ns(lambda: None, py_set_contains, n, repeat))

    # Every lookup found what it should: check once, outside the timing.
    assert vt.lookup(keys[0]) is gobjs[0]
    assert kt.lookup_value(gobjs[0])[1] == 0
    assert ws.contains(gobjs[0])
    return 0


def overrides_main(args):
    """The containers through gi/overrides/Wk.py, as a Python program
    uses them: the same loops as above, the same objects."""
    import gi.overrides.Wk as overrides

    if not isinstance(Wk.ValueTable(), overrides.ValueTable):
        print('bench.py: the overrides are not loaded (PYTHONPATH?)', file=sys.stderr)
        return 1

    n = args.n
    repeat = 1 if args.smoke else args.repeat
    rng = random.Random(42)
    keys = ['key%u' % i for i in range(n)]
    gobjs = [GObject.Object() for _ in range(n)]
    order = list(range(n))
    rng.shuffle(order)
    keys_r = [keys[i] for i in order]
    gobjs_r = [gobjs[i] for i in order]
    pairs_g = list(zip(keys, gobjs))

    impl = 'overrides' if overrides._helper is not None else 'overrides-fallback'

    def report(op, ns):
        print('py op=%s impl=%s n=%d ns=%.1f' % (op, impl, n, ns), flush=True)

    def vt_insert(t):
        for k, o in pairs_g:
            t[k] = o
    report('value-insert', per_call_ns(Wk.ValueTable, vt_insert, n, repeat))
    vt = Wk.ValueTable()
    vt_insert(vt)

    def vt_lookup(_):
        for k in keys_r:
            vt[k]
    report('value-lookup', per_call_ns(lambda: None, vt_lookup, n, repeat))

    def kt_insert(t):
        for i, o in enumerate(gobjs):
            t[o] = i
    report('key-insert', per_call_ns(Wk.KeyTable, kt_insert, n, repeat))
    kt = Wk.KeyTable()
    kt_insert(kt)

    def kt_lookup(_):
        for o in gobjs_r:
            kt[o]
    report('key-lookup', per_call_ns(lambda: None, kt_lookup, n, repeat))

    def set_add(s):
        add = s.add
        for o in gobjs:
            add(o)
    report('set-insert', per_call_ns(Wk.Set, set_add, n, repeat))
    ws = Wk.Set()
    set_add(ws)

    def set_contains(_):
        for o in gobjs_r:
            o in ws  # noqa: B015
    report('set-lookup', per_call_ns(lambda: None, set_contains, n, repeat))

    assert vt[keys[0]] is gobjs[0] and kt[gobjs[0]] == 0 and gobjs[0] in ws
    working_set_64(n, repeat, rng, overrides)
    return 0


WS = 64


def working_set_64(n, repeat, rng, overrides):
    """The overrides against CPython's weakref on plain Python objects, in
    this one run, on the same 64-member working set: n lookups in random
    order over 64 members (issue 13's targets). impl=overrides with the
    compiled helper, impl=overrides-fallback with WOBJ_PYTHON_HELPER=0."""
    impl = 'overrides' if overrides._helper is not None else 'overrides-fallback'
    keys = ['key%u' % i for i in range(WS)]
    gobjs = [GObject.Object() for _ in range(WS)]
    plains = [Plain() for _ in range(WS)]
    idx = [rng.randrange(WS) for _ in range(n)]

    def report(op, which, ns):
        print('py op=%s impl=%s n=%d ns=%.1f' % (op, which, n, ns), flush=True)

    def run(op, container_w, container_p, seq_w, seq_p, stmt):
        report(op, impl, per_call_ns(lambda: None, lambda _: stmt(container_w, seq_w), n, repeat))
        # weakref measured in the same process, as impl=cpython beside the
        # helper and impl=cpython-fallback beside the fallback.
        peer = 'cpython' if impl == 'overrides' else 'cpython-fallback'
        report(op, peer, per_call_ns(lambda: None, lambda _: stmt(container_p, seq_p), n, repeat))

    def getitem(t, seq):
        for k in seq:
            t[k]

    def contains(s, seq):
        for o in seq:
            o in s  # noqa: B015

    def call(_, seq):
        for r in seq:
            r()

    vt = Wk.ValueTable(zip(keys, gobjs))
    wvd = weakref.WeakValueDictionary(zip(keys, plains))
    key_seq = [keys[i] for i in idx]
    run('ws64-value-lookup', vt, wvd, key_seq, key_seq, getitem)

    kt = Wk.KeyTable({o: i for i, o in enumerate(gobjs)})
    wkd = weakref.WeakKeyDictionary({o: i for i, o in enumerate(plains)})
    gobj_seq = [gobjs[i] for i in idx]
    plain_seq = [plains[i] for i in idx]
    run('ws64-key-lookup', kt, wkd, gobj_seq, plain_seq, getitem)

    ws = Wk.Set(gobjs)
    pws = weakref.WeakSet(plains)
    run('ws64-set-lookup', ws, pws, gobj_seq, plain_seq, contains)

    refs_w = [Wk.Ref(o) for o in gobjs]
    refs_p = [weakref.ref(o) for o in plains]
    run('ws64-ref-call', None, None, [refs_w[i] for i in idx], [refs_p[i] for i in idx], call)

    assert vt[keys[1]] is gobjs[1] and kt[gobjs[1]] == 1 and gobjs[1] in ws
    assert refs_w[1]() is gobjs[1]


if __name__ == '__main__':
    sys.exit(main())

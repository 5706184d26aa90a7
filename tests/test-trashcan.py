#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# PyGObject 3.42 hands out the wrapper of a GObject while CPython is
# deallocating it (docs/python.md, "A PyGObject bug wobj guards against"):
# past a nesting depth of 50 the trashcan defers the deallocation, the
# object's qdata still points at the refcount-0 wrapper, and the next
# pygobject_new() or toggle notify resurrects it; it is freed twice. The
# overrides, with their compiled helper, must never hand out such a wrapper
# nor let wobj resurrect one.
#
# Each case runs in a child interpreter (a crash fails the case, not the
# runner) under PYTHONMALLOC=debug, which turns the double free into a
# certain crash instead of a likely one. Needs the compiled helper: the
# pure-Python fallback can't see PyGObject's wrappers (WOBJ_TEST_HELPER=1
# says it is built; tests/meson.build sets it).

import os
import subprocess
import sys
import unittest

CHILD_TIMEOUT_S = 120

PROLOGUE = """
import gc, sys, weakref
import gi
gi.require_version('Wk', '1')
gi.require_version('Gio', '2.0')
from gi.repository import GObject, Gio, Wk
import gi.overrides.Wk as overrides
assert overrides._helper is not None, 'the compiled helper is not loaded'

class C(GObject.Object):
    pass

N = int(sys.argv[1])

def check_all_finalized(refs):
    gc.collect()
    alive = sum(1 for r in refs if r.is_alive())
    assert alive == 0, '%d objects outlived the test' % alive
"""


def run_child(body, depth):
    env = dict(os.environ, PYTHONMALLOC='debug')
    proc = subprocess.run(
        [sys.executable, '-X', 'faulthandler', '-c', PROLOGUE + body, str(depth)],
        capture_output=True, text=True, env=env, timeout=CHILD_TIMEOUT_S)
    return proc.returncode, proc.stdout, proc.stderr


class TrashcanTest(unittest.TestCase):

    def check(self, body, depths=(10, 100, 1000)):
        for depth in depths:
            with self.subTest(depth=depth):
                rc, out, err = run_child(body, depth)
                self.assertEqual(rc, 0, 'depth %d: exit status %d\n%s' % (depth, rc, err[-3000:]))
                self.assertEqual(out.splitlines()[-1:], ['ok'], err[-3000:])

    def test_helper_is_built(self):
        if os.environ.get('WOBJ_TEST_HELPER') != '1':
            self.skipTest('the compiled helper is not built (WOBJ_TEST_HELPER)')
        rc, out, err = run_child("print('ok')\n", 1)
        self.assertEqual(rc, 0, err)

    def test_issue_reproducer(self):
        # The reproducer of issue 13: each child holds its parent through a
        # Wk.Ref whose callback calls another Wk.Ref, torn down at once.
        self.check("""
d = Wk.KeyTable()
objs = [C() for _ in range(N)]
tracked = [Wk.Ref.new(o) for o in objs]
answers = []
for parent, child in zip(objs, objs[1:]):
    w = Wk.Ref(child)
    child.wparent = Wk.Ref(parent, lambda r, w=w: answers.append(w()))
    d[parent] = child
del parent, child, w
objs[1:] = []
del objs
# Each answer is a live child or None (its wrapper was being deallocated).
assert all(a is None or isinstance(a, C) for a in answers), answers
del answers
check_all_finalized(tracked)
print('ok')
""")

    def test_shared_refs_in_the_chain(self):
        # A shared Wk.Ref (no callback) held by the child, and one held by
        # nobody but the overrides' table.
        self.check("""
d = Wk.KeyTable()
objs = [C() for _ in range(N)]
tracked = [Wk.Ref.new(o) for o in objs]
for parent, child in zip(objs, objs[1:]):
    child.wparent = Wk.Ref(parent)
    Wk.Ref(child)
    d[parent] = child
del parent, child
objs[1:] = []
del objs
check_all_finalized(tracked)
print('ok')
""")

    def test_lookups_from_callbacks(self):
        # Callbacks that look the chain up in every container while it is
        # torn down.
        self.check("""
vt = Wk.ValueTable()
kt = Wk.KeyTable()
s = Wk.Set()
objs = [C() for _ in range(N)]
tracked = [Wk.Ref.new(o) for o in objs]
answers = []
def look(r, key, child):
    answers.append((vt.get(key), key in vt, child() in s if child() else None))
    try:
        answers.append(vt[key])
    except KeyError:
        pass
    obj = child()
    if obj is not None:
        answers.append(kt.get(obj))
refs = []    # outliving the chain, so that every callback runs
for i, (parent, child) in enumerate(zip(objs, objs[1:])):
    key = 'k%d' % (i + 1)
    vt[key] = child
    s.add(child)
    child.attribute = i      # a toggle reference
    refs.append(Wk.Ref(parent, lambda r, key=key, child=Wk.Ref(child): look(r, key, child)))
    kt[parent] = child
del parent, child
objs[1:] = []
del objs
gc.collect()
assert len([a for a in answers if isinstance(a, tuple)]) == N - 1, len(answers)
del answers
check_all_finalized(tracked)
print('ok')
""")

    def test_iteration_from_callbacks(self):
        # Callbacks that walk every container while the chain is torn down:
        # the walks meet members whose wrappers are being deallocated.
        self.check("""
vt = Wk.ValueTable()
kt = Wk.KeyTable()
s = Wk.Set()
objs = [C() for _ in range(N)]
tracked = [Wk.Ref.new(o) for o in objs]
walked = [0]
calls = []
def walk(r, w):
    calls.append(w())
    for container in (s, kt, vt, vt.values(), vt.items(), kt.items(), kt.values()):
        for item in container:
            walked[0] += 1
# The references outlive the chain (held here, not by the children), so
# that every callback runs, while the chain is torn down.
refs = []
for i, (parent, child) in enumerate(zip(objs, objs[1:])):
    vt['k%d' % i] = child
    s.add(child)
    child.attribute = i      # a toggle reference
    refs.append(Wk.Ref(parent, lambda r, w=Wk.Ref(child): walk(r, w)))
    kt[parent] = child
del parent, child
objs[1:] = []
del objs
gc.collect()
assert len(calls) == N - 1, (len(calls), N)
assert all(c is None or isinstance(c, C) for c in calls)
del calls
check_all_finalized(tracked)
print('ok')
""")

    def test_pops_from_callbacks(self):
        self.check("""
vt = Wk.ValueTable()
s = Wk.Set()
objs = [C() for _ in range(N)]
tracked = [Wk.Ref.new(o) for o in objs]
popped = []
def pop(r, key):
    popped.append(vt.pop(key, None))
    for take in (s.pop, vt.popitem):
        try:
            popped.append(take())
        except KeyError:
            pass
refs = []
d = Wk.KeyTable()
for i, (parent, child) in enumerate(zip(objs, objs[1:])):
    key = 'k%d' % (i + 1)
    vt[key] = child
    vt['other%d' % i] = child
    s.add(child)
    child.attribute = i
    refs.append(Wk.Ref(parent, lambda r, key=key: pop(r, key)))
    d[parent] = child
del parent, child
objs[1:] = []
del objs
gc.collect()
del popped
check_all_finalized(tracked)
print('ok')
""")

    # The chain of test_iteration_from_callbacks, with a callback that runs
    # @ops (a function body of `r`) while the chain is torn down: the
    # containers hold children whose wrappers are being deallocated.
    CHAIN = """
vt = Wk.ValueTable()
kt = Wk.KeyTable()
s = Wk.Set()
s2 = Wk.Set()
objs = [C() for _ in range(N)]
tracked = [Wk.Ref.new(o) for o in objs]
calls = []
errors = []
def is_live_object(o):
    return isinstance(o, C) and o.attribute >= 0
class Out:
    # Checks what the operations hand out, without keeping it alive (the
    # chain must go on being torn down).
    def extend(self, objs):
        for o in objs:
            assert is_live_object(o), o
out = Out()
def ops(r):
%s
def run(r):
    calls.append(r)
    try:
        ops(r)
    except Exception as e:
        errors.append(repr(e))
refs = []
for i, (parent, child) in enumerate(zip(objs, objs[1:])):
    vt['k%%d' %% i] = child
    kt[child] = i
    s.add(child)
    if i %% 2:
        s2.add(child)
    child.attribute = i      # a toggle reference
    refs.append(Wk.Ref(parent, run))
    kt[parent] = child
del parent, child
objs[1:] = []
del objs
gc.collect()
assert len(calls) == N - 1, (len(calls), N)
assert not errors, errors[:3]
del calls
check_all_finalized(tracked)
print('ok')
"""

    def check_ops(self, ops):
        body = '\n'.join('    ' + line for line in ops.strip().splitlines())
        self.check(self.CHAIN % body)

    def test_set_copy_from_callbacks(self):
        self.check_ops("""
import copy
for t in (s.copy(), copy.copy(s), copy.deepcopy(s), Wk.Set(s)):
    out.extend(t)
""")

    def test_set_algebra_from_callbacks(self):
        self.check_ops("""
for t in (s | s2, s & s2, s - s2, s ^ s2, s2 | s, s2 & s, s2 - s, s2 ^ s,
          s.union(s2), s.intersection(s2), s.difference(s2),
          s.symmetric_difference(s2)):
    out.extend(t)
""")

    def test_set_updates_from_callbacks(self):
        self.check_ops("""
extra = C()      # live, not in the chain
extra.attribute = 0
for op in ('update', 'intersection_update', 'difference_update',
           'symmetric_difference_update'):
    for a, b in ((Wk.Set(), s), (Wk.Set(), s2)):
        a.add(extra)
        getattr(a, op)(b)
        out.extend(a)
t = Wk.Set()
t |= s
t &= s2
t ^= s
t -= s2
out.extend(t)
""")

    def test_set_comparisons_from_callbacks(self):
        self.check_ops("""
out.extend(o for o in s if not isinstance(o, C))   # nothing
answers = (s.isdisjoint(s2), s2.isdisjoint(s), s <= s2, s >= s2, s < s2,
           s > s2, s == s2, s != s2, s.issubset(s2), s.issuperset(s2),
           s2 <= s, s == s, s.is_subset(s2), s.is_superset(s2),
           s.is_disjoint(s2), s.equal(s2))
assert all(isinstance(a, bool) for a in answers), answers
""")

    def test_snapshots_from_callbacks(self):
        self.check_ops("""
out.extend(s.dup_members())
out.extend(vt.dup_values())
keys = vt.dup_keys()
assert all(isinstance(k, str) for k in keys), keys
keys, values = vt.dup_entries()
assert len(keys) == len(values)
out.extend(values)
out.extend(kt.dup_keys())
keys, values = kt.dup_entries()
assert len(keys) == len(values)
out.extend(keys)
""")

    def test_table_copies_from_callbacks(self):
        self.check_ops("""
import copy
for t in (vt.copy(), copy.copy(vt), copy.deepcopy(vt), Wk.ValueTable(vt),
          vt | vt, kt.copy(), copy.copy(kt), Wk.KeyTable(kt), kt | kt):
    out.extend(k for k in t.keys() if isinstance(k, C))
    out.extend(v for v in t.values() if isinstance(v, C))
u = Wk.ValueTable()
u |= vt
u.update(vt)
out.extend(u.values())
w = Wk.KeyTable()
w |= kt
w.update(kt)
out.extend(w)
""")

    def test_setdefault_from_callbacks(self):
        self.check_ops("""
spare = C()
for i in range(N):
    o = vt.setdefault('k%d' % i, spare)
    assert o is spare or is_live_object(o), o
    try:
        o = vt.setdefault('k%d' % i)
    except TypeError:
        pass     # no live object: None can't be one
    else:
        assert o is spare or is_live_object(o), o
for o in list(s):
    kt.setdefault(o, 0)
""")

    def test_key_table_from_callbacks(self):
        # Lookups, setdefault() and pop() of a Wk.KeyTable with keys that
        # live, whose values are wrappers of the chain.
        self.check_ops("""
for o in list(s):
    v = kt.setdefault(o, 0)
    assert v is None or isinstance(v, (int, C)), v
    v = kt.get(o)
    assert o in kt and (v is None or isinstance(v, (int, C))), v
    v = kt.pop(o, None)
    assert v is None or isinstance(v, (int, C)), v
    kt[o] = v
for i in range(3):
    try:
        k, v = kt.popitem()
    except KeyError:
        break
    kt[k] = v
""")

    def test_finalize_and_connect_weak_in_the_chain(self):
        self.check("""
class Emitter(GObject.Object):
    __gsignals__ = {'ping': (GObject.SignalFlags.RUN_LAST, None, ())}
class R(GObject.Object):
    def on_ping(self, emitter):
        pass
d = Wk.KeyTable()
emitter = Emitter()
objs = [R() for _ in range(N)]
tracked = [Wk.Ref.new(o) for o in objs]
for parent, child in zip(objs, objs[1:]):
    w = Wk.Ref(child)
    child.fin = Wk.finalize(parent, lambda w=w: w())
    Wk.connect_weak(emitter, 'ping', child.on_ping)
    d[parent] = child
del parent, child, w
objs[1:] = []
del objs
emitter.emit('ping')
del emitter
check_all_finalized(tracked)
print('ok')
""")

    def test_weakref_callback_during_deallocation(self):
        # A Python weakref callback on the wrapper runs inside its
        # deallocation, at any depth: the Wk.Ref must answer None there.
        self.check("""
seen = []
for keep_alive in (False, True):
    store = Gio.ListStore(item_type=GObject.Object)
    o = C()
    if keep_alive:
        store.append(o)      # the GObject outlives its wrapper
    else:
        o.attribute = 1      # a toggle reference
    r = Wk.Ref(o)
    ref_of_wrapper = weakref.ref(o, lambda _: seen.append(r()))
    del o
    assert seen == [None], seen
    seen.clear()
    if keep_alive:
        again = r()          # a new wrapper, now that the old one is gone
        assert isinstance(again, C) and again is store.get_item(0)
        del again
    store.remove_all()
    assert r() is None
    del r, ref_of_wrapper, store
print('ok')
""", depths=(1,))


if __name__ == '__main__':
    import faulthandler
    faulthandler.dump_traceback_later(600, exit=True)
    unittest.main(verbosity=2)

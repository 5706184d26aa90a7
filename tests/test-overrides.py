#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Python overrides (gi/overrides/Wk.py): Wk.Ref, Wk.proxy,
# Wk.ValueTable, Wk.KeyTable and Wk.Set against the weakref module's
# protocols, side by side with weakref.ref, weakref.proxy,
# WeakValueDictionary, WeakKeyDictionary and WeakSet where the two should
# agree. Run with /usr/bin/python3 and the build tree's overrides on
# PYTHONPATH (tests/meson.build does; WOBJ_OVERRIDES_DIR names the
# directory the override must come from), under G_DEBUG=fatal-warnings: a
# g_critical anywhere aborts the run.
#
# PyGObject 3.42 keeps a GObject alive while its Python wrapper lives: the
# tests drop wrappers (del) before expecting a death, and most deaths here
# need no gc.collect() at all (a wrapper without cycles dies at once).

import collections.abc
import copy
import os
import sys
import threading
import unittest
import weakref

import gi

gi.require_version('Wk', '1')
gi.require_version('Gio', '2.0')
from gi.repository import GLib, GObject, Gio, Wk  # noqa: E402

from wk_test_util import TIMEOUT_S, collect, drain, iterate_until  # noqa: E402

BAD = [10, 'str', 1.5, object(), None, [1], b'bytes']


def weakref_message(call, *args):
    """The message weakref's own function gives for the same mistake."""
    try:
        call(*args)
    except TypeError as e:
        return str(e)
    raise AssertionError('weakref accepted %r' % (args,))


def ids(objs):
    return sorted(id(o) for o in objs)


class Callable(GObject.Object):
    """A GObject that can be called, for Wk.proxy."""

    def __call__(self, x, y=1):
        return ('called', x, y)


class TestCase(unittest.TestCase):
    """Tracks every GObject a test makes and checks at the end that each one
    was finalized (a plain C Wk.Ref.new per object, dead or not)."""

    def setUp(self):
        drain()
        self._tracked = []
        # An exception in a callback or a signal handler is printed by
        # PyGObject, not raised: record it, and fail.
        self._hook_errors = []
        self._old_excepthook = sys.excepthook
        self._old_threading_excepthook = threading.excepthook
        sys.excepthook = lambda *exc: self._hook_errors.append(exc)
        threading.excepthook = lambda args: self._hook_errors.append(args)

    def tearDown(self):
        collect()
        drain()
        collect()
        sys.excepthook = self._old_excepthook
        threading.excepthook = self._old_threading_excepthook
        alive = [r for r in self._tracked if r.is_alive()]
        self._tracked = []
        self.assertEqual(self._hook_errors, [], 'a callback raised')
        self.assertEqual(alive, [], 'objects outlived the test')

    def new(self, cls=GObject.Object, **props):
        obj = cls(**props)
        self.track(obj)
        return obj

    def objs(self, n, cls=GObject.Object):
        return [self.new(cls) for _ in range(n)]

    def track(self, obj):
        self._tracked.append(Wk.Ref.new(obj))
        return obj


class LoadingTest(TestCase):

    def test_override_from_build_tree(self):
        module = sys.modules['gi.overrides.Wk']
        expected = os.environ.get('WOBJ_OVERRIDES_DIR')
        if expected:
            self.assertEqual(os.path.realpath(os.path.dirname(module.__file__)),
                             os.path.realpath(expected))
        self.assertEqual(Wk.Ref.__module__, 'gi.overrides.Wk')
        # The compiled helper is loaded when built (WOBJ_TEST_HELPER=1),
        # not when the fallback is forced (WOBJ_PYTHON_HELPER=0).
        helper = module._helper
        if os.environ.get('WOBJ_TEST_HELPER') == '1':
            self.assertIsNotNone(helper)
            self.assertIs(Wk.Ref.__call__, vars(Wk.Ref)['__call__'])
            self.assertEqual(type(vars(Wk.Ref)['__call__']).__name__, 'method_descriptor')
        if os.environ.get('WOBJ_PYTHON_HELPER') == '0':
            self.assertIsNone(helper)
        for name in ('Ref', 'ValueTable', 'KeyTable', 'Set', 'proxy',
                     'ProxyType', 'CallableProxyType', 'ProxyTypes',
                     'finalize', 'connect_weak'):
            self.assertTrue(hasattr(Wk, name), name)

    def test_abcs(self):
        vt, kt, s = Wk.ValueTable(), Wk.KeyTable(), Wk.Set()
        self.assertIsInstance(vt, collections.abc.MutableMapping)
        self.assertIsInstance(kt, collections.abc.MutableMapping)
        self.assertIsInstance(s, collections.abc.MutableSet)
        self.assertIsInstance(s, Gio.ListModel)
        # The C constructors give the same Python classes.
        self.assertIs(type(Wk.ValueTable.new()), Wk.ValueTable)
        self.assertIs(type(Wk.KeyTable.new()), Wk.KeyTable)
        self.assertIs(type(Wk.Set.new(GObject.Object)), Wk.Set)
        self.assertIs(type(Wk.Ref.new(s)), Wk.Ref)


class RefTest(TestCase):

    def test_call(self):
        obj = self.new()
        ref = Wk.Ref(obj)
        self.assertIsInstance(ref, Wk.Ref)
        self.assertIs(ref(), obj)
        self.assertEqual(obj.__grefcount__, 1)
        del obj
        self.assertIsNone(ref())          # no gc.collect() needed
        self.assertFalse(ref.is_alive())

    def test_callback(self):
        calls = []
        obj = self.new()
        ref = Wk.Ref(obj, calls.append)
        ref.connect('object-finalized', lambda r: calls.append('signal'))
        self.assertEqual(calls, [])
        del obj
        self.assertEqual(calls, [ref, 'signal'])
        self.assertIs(calls[0], ref)
        self.assertIsNone(calls[0]())
        drain()
        collect()
        self.assertEqual(len(calls), 2)

    def test_callback_keyword(self):
        calls = []
        obj = self.new()
        ref = Wk.Ref(obj, callback=calls.append)
        del obj
        self.assertEqual(calls, [ref])

    def test_callback_not_called_when_ref_dies_first(self):
        calls = []
        obj = self.new()
        ref = Wk.Ref(obj, calls.append)
        del ref
        collect()
        del obj
        drain()
        self.assertEqual(calls, [])

    def test_callback_released_after_firing(self):
        class Callback:
            def __call__(self, ref):
                pass
        cb = Callback()
        cb_ref = weakref.ref(cb)
        obj = self.new()
        ref = Wk.Ref(obj, cb)
        del cb
        self.assertIsNotNone(cb_ref())
        del obj
        collect()
        self.assertIsNone(cb_ref())
        del ref

    def test_gobject_construction_still_works(self):
        obj = self.new()
        for ref in (Wk.Ref(object=obj), Wk.Ref.new(obj), Wk.Ref.new_full(obj, None)):
            self.assertIs(ref(), obj)
            self.assertTrue(ref.props.alive)
        for dead in (Wk.Ref(), Wk.Ref(object=None)):
            self.assertIsNone(dead())
            self.assertEqual(dead, dead)
            self.assertNotEqual(dead, Wk.Ref())
            hash(dead)
            self.assertIn('dead', repr(dead))

    def test_bad_arguments(self):
        obj = self.new()
        for bad in BAD:
            with self.subTest(bad=bad):
                with self.assertRaises(TypeError) as cm:
                    Wk.Ref(bad)
                self.assertEqual(str(cm.exception), weakref_message(weakref.ref, bad))
                self.assertIn(type(bad).__name__, str(cm.exception))
                with self.assertRaises(TypeError):
                    Wk.Ref(bad, lambda r: None)
        with self.assertRaises(TypeError):
            Wk.Ref(obj, 10)        # not callable
        with self.assertRaises(TypeError):
            Wk.Ref(obj, None, 3)
        with self.assertRaises(TypeError):
            Wk.Ref(obj, object=obj)
        with self.assertRaises(TypeError):
            Wk.Ref(obj, bogus=1)

    def test_equality_like_weakref(self):
        # The same story told to weakref.ref (about Python objects) and to
        # Wk.Ref (about GObjects) gives the same answers.
        class Plain:
            pass

        def noop(ref):
            pass

        def story(make, ref_type):
            # With a callback, weakref.ref makes a new reference each time
            # (without one it hands out the same one), as Wk.Ref does.
            def ref(obj):
                return ref_type(obj, noop)
            a, b = make(), make()
            ra1, ra2, rb = ref(a), ref(a), ref(b)
            answers = [ra1 == ra2, ra1 != ra2, ra1 == rb, ra1 != rb,
                       hash(ra1) == hash(a), hash(ra1) == hash(ra2),
                       ra1 == a, ra1 == 5, ra1 == ra1]
            h = hash(ra1)
            del a
            collect()
            answers += [ra1 == ra2, ra1 != ra2, ra1 == ra1, hash(ra1) == h,
                        ra1() is None, {ra1: 1}[ra1]]
            del b
            collect()
            answers += [rb == rb, rb == ra1]
            return answers

        self.assertEqual(story(lambda: self.new(), Wk.Ref), story(Plain, weakref.ref))

    def test_hash(self):
        obj = self.new()
        ref = Wk.Ref(obj)
        self.assertEqual(hash(ref), hash(obj))
        table = {ref: 'x'}
        self.assertEqual(table[Wk.Ref(obj)], 'x')
        del obj
        self.assertEqual(table[ref], 'x')
        # A dead reference whose hash was never taken: weakref.ref raises
        # TypeError here, Wk.Ref doesn't (it is equal only to itself).
        obj = self.new()
        s = Wk.Set([obj])
        row = s.get_item(0)
        del row
        del obj
        dead_row = s.get_item(0) if s.get_n_items() else Wk.Ref()
        self.assertIsInstance(hash(dead_row), int)
        self.assertEqual(hash(dead_row), hash(dead_row))

    def test_repr(self):
        obj = self.new()
        ref = Wk.Ref(obj)
        text = repr(ref)
        self.assertTrue(text.startswith('<Wk.Ref at 0x'), text)
        self.assertIn("to 'GObject.Object' at %#x" % hash(obj), text)
        store = self.new(Gio.ListStore, item_type=GObject.Object)
        self.assertIn("'Gio.ListStore'", repr(Wk.Ref(store)))
        del obj, store
        self.assertTrue(repr(ref).endswith('; dead>'), repr(ref))

    def test_cross_thread(self):
        calls = []
        store = Gio.ListStore(item_type=GObject.Object)
        obj = self.new()
        store.append(obj)
        ref = Wk.Ref(obj, lambda r: calls.append((r, threading.get_ident())))
        del obj
        self.assertIsNotNone(ref())
        worker = threading.Thread(target=store.remove_all)
        worker.start()
        worker.join()
        # Dead at once, delivered from the owner's main context.
        self.assertIsNone(ref())
        self.assertEqual(calls, [])
        iterate_until(lambda: calls)
        self.assertEqual(calls, [(ref, threading.get_ident())])

    def test_set_rows_are_refs(self):
        a = self.new()
        s = Wk.Set([a])
        row = s.get_item(0)
        self.assertIsInstance(row, Wk.Ref)
        self.assertIs(row(), a)
        self.assertIs(s[0](), a)
        self.assertEqual(row, Wk.Ref(a))


    def test_copy(self):
        obj = self.new()
        ref = Wk.Ref(obj)
        self.assertIs(copy.copy(ref), ref)
        self.assertIs(copy.deepcopy(ref), ref)
        self.assertIs(copy.copy(weakref.ref(obj)), weakref.ref(obj))


class Number(GObject.Object):
    """A GObject with operators, for Wk.proxy."""

    def __init__(self, n=0):
        super().__init__()
        self.n = n

    def __add__(self, other):
        return self.n + (other.n if isinstance(other, Number) else other)

    def __radd__(self, other):
        return other + self.n

    def __lt__(self, other):
        return self.n < (other.n if isinstance(other, Number) else other)


class ProxyTest(TestCase):

    def test_operators(self):
        two, three = self.new(Number), self.new(Number)
        two.n, three.n = 2, 3
        p2, p3 = Wk.proxy(two), Wk.proxy(three)
        self.assertEqual(p2 + 1, 3)
        self.assertEqual(1 + p2, 3)
        self.assertEqual(p2 + p3, 5)          # both sides unwrapped
        self.assertTrue(p2 < p3)
        self.assertTrue(p2 < 3)
        # The same with weakref.proxy.
        w2, w3 = weakref.proxy(two), weakref.proxy(three)
        self.assertEqual((w2 + 1, 1 + w2, w2 + w3, w2 < w3), (p2 + 1, 1 + p2, p2 + p3, p2 < p3))
        del two, three, w2, w3
        collect()
        with self.assertRaises(ReferenceError):
            p2 + 1

    def test_attributes(self):
        obj = self.new()
        p = Wk.proxy(obj)
        self.assertIsInstance(p, Wk.ProxyType)
        self.assertNotIsInstance(p, Wk.CallableProxyType)
        p.note = 'hello'
        self.assertEqual(obj.note, 'hello')
        self.assertEqual(p.note, 'hello')
        del p.note
        self.assertFalse(hasattr(obj, 'note'))
        self.assertEqual(p.__grefcount__, obj.__grefcount__)
        self.assertIsInstance(p, GObject.Object)   # as weakref.proxy: __class__ forwarded
        self.assertIn('notify', dir(p))
        self.assertEqual(obj.__grefcount__, 1)
        self.assertTrue(p == obj)
        self.assertTrue(p == Wk.proxy(obj))
        self.assertFalse(p != obj)
        with self.assertRaises(TypeError):
            hash(p)
        self.assertIn("to 'GObject.Object'", repr(p))

    def test_methods_and_protocols(self):
        store = self.new(Gio.ListStore, item_type=GObject.Object)
        item = self.new()
        p = Wk.proxy(store)
        p.append(item)
        self.assertEqual(len(p), 1)
        self.assertIs(p[0], item)
        self.assertEqual(list(p), [item])
        self.assertTrue(bool(p))
        self.assertEqual(str(p), str(store))
        del store, item
        collect()
        with self.assertRaises(ReferenceError):
            len(p)

    def test_dead(self):
        obj = self.new()
        p = Wk.proxy(obj)
        del obj
        for action in (lambda: p.notify, lambda: setattr(p, 'x', 1),
                       lambda: delattr(p, 'x'), lambda: str(p), lambda: bool(p),
                       lambda: p == 1, lambda: dir(p)):
            with self.assertRaises(ReferenceError) as cm:
                action()
            self.assertEqual(str(cm.exception), 'weakly-referenced object no longer exists')
        self.assertTrue(repr(p).endswith('; dead>'), repr(p))

    def test_callable(self):
        obj = self.new(Callable)
        p = Wk.proxy(obj)
        self.assertIsInstance(p, Wk.CallableProxyType)
        self.assertEqual(p(3, y=4), ('called', 3, 4))
        del obj
        collect()
        with self.assertRaises(ReferenceError):
            p(1)

    def test_callback(self):
        calls = []
        obj = self.new()
        p = Wk.proxy(obj, calls.append)
        del obj
        self.assertEqual(len(calls), 1)
        self.assertIs(calls[0], p)
        # Not called when the proxy goes first.
        calls = []
        obj = self.new()
        p = Wk.proxy(obj, calls.append)
        del p
        collect()
        del obj
        drain()
        self.assertEqual(calls, [])

    def test_bad(self):
        for bad in BAD:
            with self.subTest(bad=bad):
                with self.assertRaises(TypeError) as cm:
                    Wk.proxy(bad)
                self.assertEqual(str(cm.exception), weakref_message(weakref.ref, bad))
        with self.assertRaises(TypeError):
            Wk.proxy(self.new(), 'not callable')


def same_names(message):
    """Messages name the container's class: one name for both sides."""
    for name in ('WeakValueDictionary', 'WeakKeyDictionary', 'WeakSet',
                 'Wk.Set', 'ValueTable', 'KeyTable'):
        message = message.replace(name, 'CONTAINER')
    return message


class Mirror:
    """Runs the same operations on a wobj container and on its weakref
    counterpart, and compares results and exceptions."""

    def __init__(self, testcase, ours, theirs, normalize=None):
        self.t = testcase
        self.ours = ours
        self.theirs = theirs
        self.normalize = normalize or (lambda x: x)

    def run(self, what, op):
        results = []
        for container in (self.ours, self.theirs):
            try:
                results.append(('ok', self.normalize(op(container))))
            except Exception as e:   # noqa: B902
                # WeakKeyDictionary and WeakSet raise KeyError(weakref):
                # ours raise KeyError(the object).
                args = tuple(a() if isinstance(a, weakref.ref) else
                             same_names(a) if isinstance(a, str) else a
                             for a in e.args)
                results.append(('raise', type(e), args))
        self.t.assertEqual(results[0], results[1], what)
        return results[0]

    def same(self, what='contents'):
        self.t.assertEqual(self.normalize(self.ours), self.normalize(self.theirs), what)


def norm_mapping(x):
    """Mappings become sorted item lists; GObjects stay (== is identity)."""
    if isinstance(x, (collections.abc.Mapping,)):
        return sorted(((k if isinstance(k, str) else id(k)), id(v) if isinstance(v, GObject.Object) else v)
                      for k, v in x.items())
    if isinstance(x, (collections.abc.KeysView, collections.abc.ValuesView,
                      collections.abc.ItemsView, list, tuple)) or hasattr(x, '__next__'):
        return sorted(repr(norm_mapping(e)) for e in x)
    if isinstance(x, GObject.Object):
        return ('gobject', id(x))
    return x


class ValueTableTest(TestCase):

    def test_construction(self):
        # The overrides' Wk.ValueTable() and a bare g_object_new() (what
        # the plain introspected API does) make the same table: string
        # keys, which key-type says.
        a = self.new()
        for vt in (Wk.ValueTable(), GObject.new(Wk.ValueTable)):
            self.assertEqual(vt.props.key_type, GObject.TYPE_STRING)
            self.assertTrue(vt.insert('a', a))
            self.assertIs(vt.lookup('a'), a)
        # key-type is read-only: only C, with a hash function, makes
        # pointer keys, which would keep Python's strings uncopied.
        pspec = Wk.ValueTable.find_property('key-type')
        self.assertFalse(pspec.flags & GObject.ParamFlags.WRITABLE)

    def test_basics(self):
        a, b = self.objs(2)
        vt = Wk.ValueTable()
        self.assertEqual(len(vt), 0)
        self.assertFalse(vt)
        vt['a'] = a
        vt['b'] = b
        self.assertTrue(vt)
        self.assertEqual(len(vt), 2)
        self.assertIs(vt['a'], a)
        self.assertIn('a', vt)
        self.assertNotIn('c', vt)
        self.assertEqual(sorted(vt), ['a', 'b'])
        self.assertEqual(sorted(vt.keys()), ['a', 'b'])
        self.assertEqual(ids(vt.values()), ids([a, b]))
        self.assertEqual(dict(vt.items()), {'a': a, 'b': b})
        self.assertEqual(vt, {'a': a, 'b': b})
        self.assertNotEqual(vt, {'a': a})
        self.assertIn(('a', a), vt.items())
        self.assertNotIn(('a', b), vt.items())
        self.assertIn(b, vt.values())
        self.assertEqual(a.__grefcount__, 1)
        del a
        self.assertEqual(len(vt), 1)          # exact, no gc.collect()
        self.assertNotIn('a', vt)
        with self.assertRaises(KeyError) as cm:
            vt['a']
        self.assertEqual(cm.exception.args, ('a',))
        self.assertIn('1 entry', repr(vt))
        with self.assertRaises(TypeError):
            hash(vt)

    def test_constructor(self):
        a, b = self.objs(2)
        self.assertEqual(Wk.ValueTable({'a': a}), {'a': a})
        self.assertEqual(Wk.ValueTable([('a', a), ('b', b)]), {'a': a, 'b': b})
        self.assertEqual(Wk.ValueTable(a=a, b=b), {'a': a, 'b': b})
        self.assertEqual(Wk.ValueTable({'a': a}, b=b), {'a': a, 'b': b})
        with self.assertRaises(TypeError):
            Wk.ValueTable({'a': 1})

    def test_side_by_side(self):
        objs = self.objs(4)
        m = Mirror(self, Wk.ValueTable(), weakref.WeakValueDictionary(), norm_mapping)
        m.run('setitem', lambda d: d.__setitem__('a', objs[0]))
        m.run('setitem', lambda d: d.__setitem__('b', objs[1]))
        m.run('replace', lambda d: d.__setitem__('b', objs[2]))
        m.run('getitem', lambda d: d['b'])
        m.run('getitem missing', lambda d: d['zz'])
        m.run('delitem missing', lambda d: d.__delitem__('zz'))
        m.run('get', lambda d: d.get('a'))
        m.run('get missing', lambda d: d.get('zz'))
        m.run('get default', lambda d: d.get('zz', 5))
        m.run('in', lambda d: 'a' in d)
        m.run('in int', lambda d: 10 in d)
        m.run('in None', lambda d: None in d)
        m.run('len', len)
        m.run('bool', bool)
        m.run('keys', lambda d: list(d.keys()))
        m.run('values', lambda d: list(d.values()))
        m.run('items', lambda d: list(d.items()))
        m.run('iter', lambda d: list(d))
        m.run('setdefault existing', lambda d: d.setdefault('a', objs[3]))
        m.run('setdefault new', lambda d: d.setdefault('c', objs[3]))
        m.run('setdefault None', lambda d: d.setdefault('n'))
        m.run('setdefault int', lambda d: d.setdefault('n', 10))
        m.run('setdefault None existing', lambda d: d.setdefault('a'))
        m.run('pop', lambda d: d.pop('c'))
        m.run('pop missing', lambda d: d.pop('c'))
        m.run('pop default', lambda d: d.pop('c', 'dflt'))
        # WeakValueDictionary.pop() ignores extra arguments; dict's and ours
        # raise TypeError.
        with self.assertRaises(TypeError):
            m.ours.pop('c', 1, 2)
        m.run('value int', lambda d: d.__setitem__('x', 10))
        m.run('value str', lambda d: d.__setitem__('x', 'str'))
        m.run('value None', lambda d: d.__setitem__('x', None))
        m.run('value object', lambda d: d.__setitem__('x', object()))
        m.run('update dict', lambda d: d.update({'d': objs[3]}))
        m.run('update pairs', lambda d: d.update([('e', objs[0])]))
        m.run('update kw', lambda d: d.update(f=objs[1]))
        m.run('update bad', lambda d: d.update({'g': 5}))
        m.run('copy', lambda d: d.copy())
        m.run('copy type', lambda d: type(d.copy()) is type(d))
        m.run('copy.copy', lambda d: copy.copy(d))
        m.run('deepcopy', lambda d: copy.deepcopy(d))
        m.run('or', lambda d: d | {'h': objs[2]})
        m.run('ror', lambda d: {'h': objs[2]} | d)
        m.run('or type', lambda d: type(d | {}) is type(d))
        m.run('or int', lambda d: d | 5)
        m.run('ior', lambda d: d.__ior__({'i': objs[3]}) is d)
        m.run('eq dict', lambda d: d == {'a': objs[0]})
        m.run('valuerefs', lambda d: sorted(id(r()) for r in d.valuerefs()))
        m.run('itervaluerefs', lambda d: sorted(id(r()) for r in d.itervaluerefs()))
        m.same()
        # Deaths: the entries go on both sides.
        del objs[:2]
        collect()
        m.same('after deaths')
        m.run('len after deaths', len)
        # popitem()'s order is arbitrary (dict's is LIFO): pop them all.
        m.run('popitem all', lambda d: sorted(kv[0] for kv in iter(lambda: d.popitem() if d else None, None)
                                              if kv[1] in objs))
        m.run('clear', lambda d: d.clear())
        m.run('popitem empty', lambda d: d.popitem())
        m.run('len', len)

    def test_bad_keys(self):
        a = self.new()
        vt = Wk.ValueTable(a=a)
        for bad in (10, 1.5, object(), None, b'a', ('a',)):
            with self.subTest(bad=bad):
                self.assertNotIn(bad, vt)
                for action in (lambda: vt[bad], lambda: vt.__setitem__(bad, a),
                               lambda: vt.__delitem__(bad), lambda: vt.pop(bad),
                               lambda: vt.pop(bad, None), lambda: vt.get(bad),
                               lambda: vt.setdefault(bad, a)):
                    with self.assertRaises(TypeError) as cm:
                        action()
                    self.assertIn(type(bad).__name__, str(cm.exception))
                self.assertEqual(dict(vt), {'a': a})
        for bad in ('a\0b', '\udc80'):
            self.assertNotIn(bad, vt)
            with self.assertRaises(ValueError):
                vt[bad] = a
        self.assertEqual(dict(vt), {'a': a})

    def test_death_while_iterating(self):
        for view in (iter, lambda d: iter(d.keys()), lambda d: iter(d.values()),
                     lambda d: iter(d.items())):
            objs = self.objs(10)
            vt = Wk.ValueTable(('k%d' % i, o) for i, o in enumerate(objs))
            it = view(vt)
            first = next(it)
            # Kill every object except the one already seen.
            seen = first if isinstance(first, GObject.Object) else (
                vt[first] if isinstance(first, str) else first[1])
            keep = [seen]
            del objs[:], first, seen
            rest = list(it)
            self.assertEqual(rest, [])
            self.assertEqual(len(vt), 1)
            del keep
            self.assertEqual(len(vt), 0)

    def test_mutation_while_iterating(self):
        objs = self.objs(10)
        vt = Wk.ValueTable(('k%d' % i, o) for i, o in enumerate(objs))
        got = []
        for key in vt:
            got.append(key)
            vt['new' + key] = objs[0]          # no RuntimeError: a snapshot
            vt.pop('k9', None)
        self.assertNotIn('k9', got)
        self.assertFalse(any(k.startswith('new') for k in got))
        self.assertEqual(len(got), 9)
        for key, value in vt.items():
            vt.clear()
        self.assertEqual(len(vt), 0)

    def test_signal_handler_mutates(self):
        a, b, c = self.objs(3)
        vt = Wk.ValueTable(a=a, b=b, c=c)
        seen = []
        survivor = [c]

        def on_finalized(table, key):
            seen.append(key)
            if survivor:
                table['again'] = survivor.pop()
            table.pop('b', None)
            list(table.items())

        vt.connect('object-finalized', on_finalized)
        del a
        self.assertEqual(seen, ['a'])
        self.assertEqual(dict(vt), {'c': c, 'again': c})
        del b, c
        self.assertEqual(len(vt), 0)
        self.assertEqual(sorted(seen), ['a', 'again', 'c'])

    def test_setdefault_atomic(self):
        a, b = self.objs(2)
        vt = Wk.ValueTable()
        self.assertIs(vt.setdefault('k', a), a)
        self.assertIs(vt.setdefault('k', b), a)
        self.assertEqual(a.__grefcount__, 1)
        self.assertEqual(b.__grefcount__, 1)


class KeyTableTest(TestCase):

    def test_construction(self):
        # As for Wk.ValueTable: GValues, which value-type says.
        a = self.new()
        for kt in (Wk.KeyTable(), GObject.new(Wk.KeyTable)):
            self.assertEqual(kt.props.value_type, GObject.TYPE_VALUE)
            self.assertTrue(kt.insert_value(a, GObject.Value(GObject.TYPE_INT, 7)))
            self.assertEqual(kt.lookup_value(a)[1], 7)
        kt = GObject.new(Wk.KeyTable, value_type=GObject.TYPE_VALUE)
        self.assertEqual(kt.props.value_type, GObject.TYPE_VALUE)

    def test_basics(self):
        a, b = self.objs(2)
        kt = Wk.KeyTable()
        self.assertFalse(kt)
        kt[a] = 'note a'
        kt[b] = [1, 2]
        self.assertEqual(len(kt), 2)
        self.assertEqual(kt[a], 'note a')
        self.assertIs(kt[b], kt[b])            # the very object, not a copy
        self.assertIn(a, kt)
        self.assertNotIn(self.new(), kt)
        self.assertEqual(ids(kt), ids([a, b]))
        self.assertEqual(ids(kt.keys()), ids([a, b]))
        self.assertEqual(sorted(map(repr, kt.values())), sorted(map(repr, ['note a', [1, 2]])))
        self.assertEqual(kt, {a: 'note a', b: [1, 2]})
        self.assertIn((a, 'note a'), kt.items())
        self.assertEqual(a.__grefcount__, 1)
        del a
        self.assertEqual(len(kt), 1)            # exact, no gc.collect()
        self.assertIn('1 entry', repr(kt))
        with self.assertRaises(TypeError):
            hash(kt)

    def test_values_held_and_released(self):
        class Value:
            pass

        def check(release):
            key = self.new()
            kt = Wk.KeyTable()
            value = Value()
            value_ref = weakref.ref(value)
            kt[key] = value
            del value
            collect()
            self.assertIsNotNone(value_ref(), 'the table holds its values')
            self.assertIs(kt[key], value_ref())
            key, kt = release(key, kt)
            self.assertIsNone(value_ref(), 'the value was released')
            del key, kt

        def by_death(key, kt):
            del key
            return None, kt

        def by_del(key, kt):
            del kt[key]
            return key, kt

        def by_pop(key, kt):
            self.assertIsInstance(kt.pop(key), Value)
            return key, kt

        def by_replace(key, kt):
            kt[key] = 'other'
            return key, kt

        def by_clear(key, kt):
            kt.clear()
            return key, kt

        def by_table_death(key, kt):
            del kt
            return key, None

        def by_popitem(key, kt):
            kt.popitem()
            return key, kt

        for release in (by_death, by_del, by_pop, by_replace, by_clear,
                        by_table_death, by_popitem):
            with self.subTest(release=release.__name__):
                check(release)

    def test_signal_gets_value(self):
        key = self.new()
        kt = Wk.KeyTable()
        kt[key] = ['the value']
        got = []
        kt.connect('object-finalized', lambda t, v: got.append(v))
        del key
        self.assertEqual(got, [['the value']])

    def test_side_by_side(self):
        objs = self.objs(5)
        m = Mirror(self, Wk.KeyTable(), weakref.WeakKeyDictionary(), norm_mapping)
        a, b, c, d, e = objs
        m.run('setitem', lambda t: t.__setitem__(a, 1))
        m.run('setitem', lambda t: t.__setitem__(b, 'two'))
        m.run('replace', lambda t: t.__setitem__(b, 2))
        m.run('getitem', lambda t: t[b])
        m.run('getitem missing', lambda t: t[c])
        m.run('delitem missing', lambda t: t.__delitem__(c))
        m.run('get', lambda t: t.get(a))
        m.run('get missing', lambda t: t.get(c, 'dflt'))
        m.run('in', lambda t: a in t)
        m.run('in missing', lambda t: c in t)
        for bad in BAD:
            m.run('in %r' % (bad,), lambda t: bad in t)
            m.run('getitem %r' % (bad,), lambda t: t[bad])
            m.run('setitem %r' % (bad,), lambda t: t.__setitem__(bad, 1))
            m.run('delitem %r' % (bad,), lambda t: t.__delitem__(bad))
            m.run('get %r' % (bad,), lambda t: t.get(bad))
            m.run('pop %r' % (bad,), lambda t: t.pop(bad))
            m.run('pop default %r' % (bad,), lambda t: t.pop(bad, 1))
            m.run('setdefault %r' % (bad,), lambda t: t.setdefault(bad, 1))
        m.run('len', len)
        m.run('keys', lambda t: list(t.keys()))
        m.run('values', lambda t: list(t.values()))
        m.run('items', lambda t: list(t.items()))
        m.run('setdefault existing', lambda t: t.setdefault(a, 9))
        m.run('setdefault new', lambda t: t.setdefault(c, 3))
        m.run('setdefault None', lambda t: t.setdefault(d))
        m.run('pop', lambda t: t.pop(d))
        m.run('pop missing', lambda t: t.pop(d))
        m.run('pop default', lambda t: t.pop(d, 'dflt'))
        m.run('update dict', lambda t: t.update({d: 4}))
        m.run('update pairs', lambda t: t.update([(e, 5)]))
        m.run('update kw', lambda t: t.update(x=1))
        m.run('copy', lambda t: t.copy())
        m.run('copy type', lambda t: type(t.copy()) is type(t))
        m.run('copy.copy', lambda t: copy.copy(t))
        m.run('deepcopy', lambda t: copy.deepcopy(t))
        m.run('or', lambda t: t | {a: 'or'})
        m.run('ror', lambda t: {a: 'ror'} | t)
        m.run('or int', lambda t: t | 5)
        m.run('ior', lambda t: t.__ior__({e: 'ior'}) is t)
        m.run('eq dict', lambda t: t == {a: 1})
        m.run('keyrefs', lambda t: sorted(id(r()) for r in t.keyrefs()))
        m.same()
        del objs
        a = b = None
        collect()
        m.same('after deaths')
        m.run('len after deaths', len)
        m.run('popitem', lambda t: t.popitem()[0] in (c, d, e))
        m.run('clear', lambda t: t.clear())
        m.run('popitem empty', lambda t: t.popitem())

    def test_death_while_iterating(self):
        for view in (iter, lambda t: iter(t.keys()), lambda t: iter(t.values()),
                     lambda t: iter(t.items())):
            objs = self.objs(10)
            kt = Wk.KeyTable((o, i) for i, o in enumerate(objs))
            it = view(kt)
            next(it)
            del objs[:]
            # Only the key the suspended generator still holds can remain.
            rest = list(it)
            self.assertEqual(rest, [])
            del it
            self.assertEqual(len(kt), 0)

    def test_mutation_while_iterating(self):
        objs = self.objs(10)
        kt = Wk.KeyTable((o, i) for i, o in enumerate(objs))
        extra = self.new()
        n = 0
        for key, value in kt.items():
            n += 1
            kt[extra] = n
            kt.pop(objs[9], None)
            kt[key] = value * 10
        self.assertEqual(n, 9)
        self.assertEqual(sorted(kt.values()), sorted([i * 10 for i in range(9)] + [9]))

    def test_signal_handler_mutates(self):
        a, b, c = self.objs(3)
        kt = Wk.KeyTable({a: 'a', b: 'b', c: 'c'})
        seen = []
        others = [b, c]

        def on_finalized(table, value):
            seen.append(value)
            if others:
                table.pop(others[0], None)
                table[others[1]] = 'changed'
                others.clear()
            dict(table.items())

        kt.connect('object-finalized', on_finalized)
        del a
        self.assertEqual(seen, ['a'])
        self.assertEqual(kt, {c: 'changed'})
        del b, c
        self.assertEqual(len(kt), 0)

    def test_handler_drops_table(self):
        a, b = self.objs(2)
        holder = [Wk.KeyTable({a: 1, b: 2})]
        table_ref = Wk.Ref(holder[0])
        got = []

        def on_finalized(table, value):
            got.append(value)
            table.clear()
            holder.clear()          # the last Python reference to the table

        holder[0].connect('object-finalized', on_finalized)
        del a
        collect()
        self.assertEqual(got, [1])
        self.assertIsNone(table_ref())
        del b

    def test_setdefault_atomic(self):
        a = self.new()
        kt = Wk.KeyTable()
        v1, v2 = [1], [2]
        self.assertIs(kt.setdefault(a, v1), v1)
        self.assertIs(kt.setdefault(a, v2), v1)

    def test_value_holding_its_key(self):
        # As WeakKeyDictionary: a value that refers to its key keeps it
        # alive, until the table goes.
        for make in (Wk.KeyTable, weakref.WeakKeyDictionary):
            with self.subTest(table=make.__name__):
                key = self.new()
                key_ref = Wk.Ref(key)
                table = make()
                table[key] = [key]
                del key
                collect()
                self.assertIsNotNone(key_ref())
                self.assertEqual(len(table), 1)
                del table
                collect()
                self.assertIsNone(key_ref())

    def test_generic_alias(self):
        self.assertEqual(Wk.KeyTable[GObject.Object, int].__origin__, Wk.KeyTable)
        self.assertEqual(Wk.ValueTable[str, GObject.Object].__origin__, Wk.ValueTable)
        self.assertEqual(Wk.Set[GObject.Object].__origin__, Wk.Set)

    def test_plain_gvalues(self):
        # Values stored through the C API as typed GValues read back too.
        a = self.new()
        kt = Wk.KeyTable()
        kt.insert_value(a, GObject.Value(GObject.TYPE_INT, 7))
        self.assertEqual(kt[a], 7)
        kt[a] = 'py'
        self.assertEqual(kt.lookup_value(a), (True, 'py'))


def norm_set(x):
    if isinstance(x, (Wk.Set, weakref.WeakSet, set, frozenset, list)):
        return ('members', ids(x))
    return x


class SetTest(TestCase):

    def test_basics(self):
        a, b, c = self.objs(3)
        s = Wk.Set([a, b])
        self.assertEqual(len(s), 2)
        self.assertTrue(s)
        self.assertIn(a, s)
        self.assertNotIn(c, s)
        self.assertEqual(list(s), [a, b])     # insertion order
        s.add(a)
        self.assertEqual(len(s), 2)
        self.assertIsNone(s.add(c))
        self.assertIn('3 members', repr(s))
        del a
        self.assertEqual(len(s), 2)           # exact, no gc.collect()
        self.assertEqual(list(s), [b, c])
        self.assertEqual(s.get_n_items(), 2)
        with self.assertRaises(TypeError):
            hash(s)
        self.assertEqual(s.get_member_type(), GObject.Object.__gtype__)

    def test_equality(self):
        a, b = self.objs(2)
        s1, s2 = Wk.Set([a, b]), Wk.Set([b, a])
        self.assertTrue(s1 == s2)
        self.assertFalse(s1 != s2)
        self.assertFalse(s1 == {a, b})
        self.assertTrue(s1 != {a, b})
        self.assertFalse(s1 == weakref.WeakSet([a, b]))
        self.assertFalse(s1 == [a, b])
        s2.discard(a)
        self.assertFalse(s1 == s2)
        self.assertTrue(s1 != s2)

    def test_side_by_side(self):
        objs = self.objs(8)
        a, b, c, d, e, f, g, h = objs

        def both(members):
            return Wk.Set(members), weakref.WeakSet(members)

        operand_kinds = {
            'list': lambda ms: (list(ms), list(ms)),
            'set': lambda ms: (set(ms), set(ms)),
            'same kind': both,
            'generator': lambda ms: ((m for m in ms), (m for m in ms)),
        }
        binary = ['union', 'intersection', 'difference', 'symmetric_difference',
                  'issubset', 'issuperset', 'isdisjoint',
                  '__or__', '__and__', '__sub__', '__xor__',
                  '__le__', '__lt__', '__ge__', '__gt__',
                  'update', 'intersection_update', 'difference_update',
                  'symmetric_difference_update',
                  '__ior__', '__iand__', '__isub__', '__ixor__']
        cases = [([a, b, c], [b, c, d]), ([a, b], [a, b]), ([a], [a, b]),
                 ([a, b], [a]), ([], [e]), ([f, g], []), ([a, b, c, d], [e, f, g, h])]
        for method in binary:
            for kind, make in operand_kinds.items():
                for mine, other in cases:
                    with self.subTest(method=method, kind=kind, mine=ids(mine), other=ids(other)):
                        ours, theirs = Wk.Set(mine), weakref.WeakSet(mine)
                        o_ours, o_theirs = make(other)
                        m = Mirror(self, ours, theirs, norm_set)
                        results = []
                        for target, operand in ((ours, o_ours), (theirs, o_theirs)):
                            try:
                                r = getattr(target, method)(operand)
                                results.append(('ok', norm_set(r) if r is not target else 'self'))
                            except Exception as ex:   # noqa: B902
                                results.append(('raise', type(ex)))
                        self.assertEqual(results[0], results[1])
                        m.same()
        # Bad operands: the same exception type (or answer) on both sides.
        for method in binary:
            for bad in ([a, 10], ['str'], 10, None, [None]):
                with self.subTest(method=method, bad=bad):
                    results = []
                    for target in (Wk.Set([a, b]), weakref.WeakSet([a, b])):
                        try:
                            r = getattr(target, method)(bad)
                            results.append(('ok', norm_set(r) if r is not target else 'self'))
                        except Exception as ex:   # noqa: B902
                            results.append(('raise', type(ex)))
                    if method in ('intersection', '__and__', 'isdisjoint'):
                        # Stricter than WeakSet, which skips what it can't
                        # hold weakly: only `in` is lenient here.
                        self.assertEqual(results[0], ('raise', TypeError))
                        continue
                    if bad == [a, 10] and method in ('update', '__ior__', 'union', '__or__',
                                                     'symmetric_difference_update', '__ixor__',
                                                     'symmetric_difference', '__xor__'):
                        # Ours checks before changing anything in the
                        # symmetric difference: only the exception matters.
                        self.assertEqual(results[0][0], 'raise')
                    self.assertEqual(results[0], results[1])

    def test_single_methods_side_by_side(self):
        a, b, c = self.objs(3)
        m = Mirror(self, Wk.Set([a, b]), weakref.WeakSet([a, b]), norm_set)
        m.run('len', len)
        m.run('in', lambda s: a in s)
        m.run('in missing', lambda s: c in s)
        for bad in BAD:
            m.run('in %r' % (bad,), lambda s: bad in s)
            m.run('add %r' % (bad,), lambda s: s.add(bad))
            m.run('discard %r' % (bad,), lambda s: s.discard(bad))
            m.run('remove %r' % (bad,), lambda s: s.remove(bad))
        m.run('add', lambda s: s.add(c))
        m.run('remove', lambda s: s.remove(c))
        m.run('remove missing', lambda s: s.remove(c))
        m.run('discard missing', lambda s: s.discard(c))
        m.run('discard', lambda s: s.discard(b))
        m.run('copy', lambda s: s.copy())
        m.run('copy type', lambda s: type(s.copy()) is type(s))
        m.run('copy.copy', lambda s: copy.copy(s))
        m.run('isub self', lambda s: s.__isub__(s) is s)
        m.run('len', len)
        m.run('update', lambda s: s.update([a, b, c]))
        m.run('ixor self', lambda s: s.__ixor__(s) is s)
        m.run('update', lambda s: s.update([a, b, c]))
        m.run('pop', lambda s: s.pop() in (a, b, c))
        m.run('pop', lambda s: s.pop() in (a, b, c))
        m.run('pop', lambda s: s.pop() in (a, b, c))
        m.run('pop empty', lambda s: s.pop())
        m.run('len', len)
        m.run('update', lambda s: s.update([a, b]))
        m.run('clear', lambda s: s.clear())
        m.run('len', len)
        m.run('bool', bool)
        # KeyError carries the item, as WeakSet's does (its message differs:
        # WeakSet names its weakref).
        s = Wk.Set()
        with self.assertRaises(KeyError) as cm:
            s.remove(a)
        self.assertIs(cm.exception.args[0], a)
        with self.assertRaises(KeyError) as cm:
            s.pop()
        self.assertEqual(cm.exception.args, ('pop from empty Wk.Set',))

    def test_typed(self):
        store = self.new(Gio.ListStore, item_type=GObject.Object)
        plain = self.new()
        s = Wk.Set(member_type=Gio.ListStore)
        self.assertEqual(s.get_member_type(), Gio.ListStore.__gtype__)
        s.add(store)
        with self.assertRaises(TypeError) as cm:
            s.add(plain)
        self.assertIn('GObject.Object', str(cm.exception))
        self.assertIn('GListStore', str(cm.exception))
        self.assertNotIn(plain, s)
        s.discard(plain)
        with self.assertRaises(KeyError):
            s.remove(plain)
        mixed = Wk.Set([store, plain])
        for op in (s.update, s.__ior__, s.symmetric_difference_update, s.__ixor__,
                   s.union, s.__or__, s.symmetric_difference, s.__xor__):
            with self.subTest(op=op.__name__):
                with self.assertRaises(TypeError):
                    op(mixed)
                with self.assertRaises(TypeError):
                    op([plain])
                self.assertEqual(list(s), [store])
        # Operations that can't add a member accept anything.
        self.assertEqual(list(s & mixed), [store])
        self.assertEqual(list(s - mixed), [])
        self.assertTrue(s <= mixed)
        self.assertTrue(s < mixed)
        self.assertFalse(s.isdisjoint(mixed))
        self.assertEqual((s | Wk.Set(member_type=Gio.ListStore)).get_member_type(),
                         Gio.ListStore.__gtype__)
        self.assertEqual(s.copy().get_member_type(), Gio.ListStore.__gtype__)
        for result in (s & mixed, s & [store], s - mixed, s - [plain], s ^ Wk.Set(member_type=Gio.ListStore),
                       s | [store], s.union(Wk.Set([store]))):
            self.assertIs(type(result), Wk.Set)
            self.assertEqual(result.get_member_type(), Gio.ListStore.__gtype__)
        # A subtype's set joins a supertype's set through C.
        sub = Wk.Set([store], member_type=Gio.ListStore)
        sup = Wk.Set([plain])
        sup |= sub
        self.assertEqual(ids(sup), ids([plain, store]))
        self.assertEqual(Wk.Set.new(Gio.ListStore).get_member_type(), Gio.ListStore.__gtype__)
        # An interface whose prerequisite is GObject is a member type too.
        models = Wk.Set([store], member_type=Gio.ListModel)
        with self.assertRaises(TypeError):
            models.add(plain)
        self.assertEqual(list(models), [store])
        del models
        for bad in (int, GObject.TYPE_INT, GLib.Variant, 'GObject', None):
            with self.subTest(member_type=bad):
                with self.assertRaises(TypeError):
                    Wk.Set(member_type=bad)
                with self.assertRaises(TypeError):
                    Wk.Set.new(bad)
        self.assertEqual(Wk.Set(member_type=GObject.TYPE_OBJECT).get_member_type(), GObject.TYPE_OBJECT)

    def test_list_model(self):
        a, b, c = self.objs(3)
        s = Wk.Set([a, b])
        changes = []
        s.connect('items-changed', lambda m, pos, rem, add: changes.append((pos, rem, add)))
        s.add(c)
        self.assertEqual(changes, [(2, 0, 1)])
        self.assertEqual(s.get_n_items(), 3)
        self.assertEqual(s.get_item_type(), Wk.Ref.__gtype__)
        rows = [s.get_item(i)() for i in range(s.get_n_items())]
        self.assertEqual(rows, [a, b, c])
        self.assertEqual([r() for r in s[0:3]], [a, b, c])
        del rows
        self.assertIs(s[-1](), c)
        with self.assertRaises(IndexError):
            s[3]
        del a
        self.assertEqual(changes[-1], (0, 1, 0))
        s.discard(b)
        self.assertEqual(changes[-1], (0, 1, 0))
        self.assertEqual(s.get_n_items(), 1)
        # Showing in a model does not keep members alive.
        row = s.get_item(0)
        del c
        self.assertIsNone(row())
        self.assertEqual(len(s), 0)

    def test_death_while_iterating(self):
        objs = self.objs(10)
        s = Wk.Set(objs)
        it = iter(s)
        first = next(it)
        self.assertIs(first, objs[0])
        del objs[:], first
        self.assertEqual(list(it), [])
        del it
        self.assertEqual(len(s), 0)

    def test_mutation_while_iterating(self):
        objs = self.objs(10)
        extra = self.objs(10)
        s = Wk.Set(objs)
        seen = []
        for obj in s:
            seen.append(obj)
            s.discard(objs[9])
            s.add(extra[len(seen)])           # no RuntimeError: a snapshot
        self.assertEqual(seen, objs[:9])
        s.clear()
        for obj in Wk.Set(objs):
            s.clear()

    def test_callbacks_mutate(self):
        a, b, c = self.objs(3)
        s = Wk.Set([a, b, c])

        def on_death(ref):
            s.discard(b)
            s.add(c)
            list(s)

        ref = Wk.Ref(a, on_death)
        s.connect('object-finalized', lambda m: s.discard(c))
        del a
        self.assertEqual(len(s), 0)
        self.assertIsNone(ref())

    def test_bad_input_unchanged(self):
        a, b = self.objs(2)
        s = Wk.Set([a, b])
        for bad in BAD:
            with self.subTest(bad=bad):
                for action in (lambda: s.add(bad), lambda: s.remove(bad),
                               lambda: s.discard(bad)):
                    with self.assertRaises(TypeError) as cm:
                        action()
                    self.assertEqual(str(cm.exception), weakref_message(weakref.ref, bad))
                self.assertFalse(bad in s)
                self.assertEqual(list(s), [a, b])
                self.assertEqual(s.get_n_items(), 2)


class RandomizedTest(TestCase):
    """Seeded random operations on each container and on its weakref
    counterpart, with objects dying along the way: same answers, same
    exceptions, same contents after every step."""

    SEED = int(os.environ.get('WOBJ_RANDOM_SEED', '1234'))
    STEPS = 3000

    def run_random(self, ours, theirs, ops, normalize):
        import random
        rng = random.Random(self.SEED)
        pool = [self.new() for _ in range(12)]
        m = Mirror(self, ours, theirs, normalize)
        for step in range(self.STEPS):
            name, op = rng.choice(ops)
            if name == 'kill':
                if pool:
                    del pool[rng.randrange(len(pool))]    # may be the last reference
                continue
            if name == 'spawn':
                pool.append(self.new())
                continue
            if not pool:
                pool.append(self.new())
            obj = rng.choice(pool)
            other = rng.sample(pool, rng.randrange(min(4, len(pool)) + 1))
            key = 'k%d' % rng.randrange(8)
            value = rng.randrange(5)
            m.run('step %d: %s' % (step, name), lambda c: op(c, obj, other, key, value))
            m.same('step %d: after %s' % (step, name))
        del pool
        obj = other = None
        m.same('the end')
        self.assertEqual(len(ours), 0)

    def test_value_table(self):
        ops = [
            ('kill', None), ('kill', None), ('spawn', None),
            ('set', lambda c, o, os_, k, v: c.__setitem__(k, o)),
            ('get', lambda c, o, os_, k, v: c[k]),
            ('get default', lambda c, o, os_, k, v: c.get(k, 'none')),
            ('del', lambda c, o, os_, k, v: c.__delitem__(k)),
            ('in', lambda c, o, os_, k, v: k in c),
            ('pop', lambda c, o, os_, k, v: c.pop(k)),
            ('pop default', lambda c, o, os_, k, v: c.pop(k, None)),
            ('setdefault', lambda c, o, os_, k, v: c.setdefault(k, o)),
            ('update', lambda c, o, os_, k, v: c.update({k: o, k + 'x': o})),
            ('len', lambda c, o, os_, k, v: len(c)),
            ('items', lambda c, o, os_, k, v: list(c.items())),
            ('values', lambda c, o, os_, k, v: list(c.values())),
            ('ior', lambda c, o, os_, k, v: c.__ior__({k: o}) is c),
            ('or', lambda c, o, os_, k, v: c | {k: o}),
            ('eq', lambda c, o, os_, k, v: c == {k: o}),
            ('clear', lambda c, o, os_, k, v: c.clear() if v == 0 else None),
        ]
        self.run_random(Wk.ValueTable(), weakref.WeakValueDictionary(), ops, norm_mapping)

    def test_key_table(self):
        ops = [
            ('kill', None), ('kill', None), ('spawn', None),
            ('set', lambda c, o, os_, k, v: c.__setitem__(o, v)),
            ('get', lambda c, o, os_, k, v: c[o]),
            ('get default', lambda c, o, os_, k, v: c.get(o, 'none')),
            ('del', lambda c, o, os_, k, v: c.__delitem__(o)),
            ('in', lambda c, o, os_, k, v: o in c),
            ('in bad', lambda c, o, os_, k, v: k in c),
            ('get bad', lambda c, o, os_, k, v: c[k]),
            ('pop', lambda c, o, os_, k, v: c.pop(o)),
            ('pop default', lambda c, o, os_, k, v: c.pop(o, None)),
            ('setdefault', lambda c, o, os_, k, v: c.setdefault(o, v)),
            ('update', lambda c, o, os_, k, v: c.update({x: v for x in os_})),
            ('len', lambda c, o, os_, k, v: len(c)),
            ('keys', lambda c, o, os_, k, v: list(c.keys())),
            ('items', lambda c, o, os_, k, v: list(c.items())),
            ('ior', lambda c, o, os_, k, v: c.__ior__({o: v}) is c),
            ('eq', lambda c, o, os_, k, v: c == {o: v}),
            ('clear', lambda c, o, os_, k, v: c.clear() if v == 0 else None),
        ]
        self.run_random(Wk.KeyTable(), weakref.WeakKeyDictionary(), ops, norm_mapping)

    def test_set(self):
        def counterpart(c, objs):
            return Wk.Set(objs) if isinstance(c, Wk.Set) else weakref.WeakSet(objs)

        ops = [
            ('kill', None), ('kill', None), ('spawn', None),
            ('add', lambda c, o, os_, k, v: c.add(o)),
            ('discard', lambda c, o, os_, k, v: c.discard(o)),
            ('remove', lambda c, o, os_, k, v: c.remove(o)),
            ('in', lambda c, o, os_, k, v: o in c),
            ('in bad', lambda c, o, os_, k, v: k in c),
            ('add bad', lambda c, o, os_, k, v: c.add(k)),
            ('len', lambda c, o, os_, k, v: len(c)),
            ('iter', lambda c, o, os_, k, v: list(c)),
            ('update', lambda c, o, os_, k, v: c.update(os_)),
            ('ior set', lambda c, o, os_, k, v: c.__ior__(counterpart(c, os_)) is c),
            # No &= here: CPython's WeakSet.__iand__ (set.intersection_update
            # with the operand's weakrefs) keeps references without its
            # removal callback, so a member that dies afterwards stays in
            # its data: len() and < then count a dead member. &= is
            # compared in test_side_by_side, where nothing dies.
            ('isub', lambda c, o, os_, k, v: c.__isub__(os_) is c),
            ('isub set', lambda c, o, os_, k, v: c.__isub__(counterpart(c, os_)) is c),
            ('ixor', lambda c, o, os_, k, v: c.__ixor__(os_) is c),
            ('ixor set', lambda c, o, os_, k, v: c.__ixor__(counterpart(c, os_)) is c),
            ('or', lambda c, o, os_, k, v: c | os_),
            ('and', lambda c, o, os_, k, v: c & os_),
            ('sub', lambda c, o, os_, k, v: c - counterpart(c, os_)),
            ('xor', lambda c, o, os_, k, v: c ^ os_),
            ('le', lambda c, o, os_, k, v: c <= os_),
            ('lt set', lambda c, o, os_, k, v: c < counterpart(c, os_)),
            ('ge', lambda c, o, os_, k, v: c >= os_),
            ('gt', lambda c, o, os_, k, v: c > os_),
            ('disjoint', lambda c, o, os_, k, v: c.isdisjoint(os_)),
            ('eq set', lambda c, o, os_, k, v: c == counterpart(c, os_)),
            # pop() takes an arbitrary member: not comparable step by step.
            ('clear', lambda c, o, os_, k, v: c.clear() if v == 0 else None),
        ]
        self.run_random(Wk.Set(), weakref.WeakSet(), ops, norm_set)


class ThreadTest(TestCase):
    """Objects finalized on another thread: gone from every container at
    once, signalled and called back from the owner's main context."""

    def test_death_on_another_thread(self):
        store = Gio.ListStore(item_type=GObject.Object)
        objs = self.objs(3)
        store.splice(0, 0, objs)
        vt = Wk.ValueTable(('k%d' % i, o) for i, o in enumerate(objs))
        kt = Wk.KeyTable((o, [i]) for i, o in enumerate(objs))
        s = Wk.Set(objs)
        refs_fired = []
        refs = [Wk.Ref(o, refs_fired.append) for o in objs]
        proxies = [Wk.proxy(o) for o in objs]
        events = []
        main = threading.get_ident()
        vt.connect('object-finalized', lambda t, k: events.append(('vt', k, threading.get_ident())))
        kt.connect('object-finalized', lambda t, v: events.append(('kt', v[0], threading.get_ident())))
        s.connect('object-finalized', lambda t: events.append(('set', None, threading.get_ident())))
        del objs
        collect()
        self.assertEqual((len(vt), len(kt), len(s)), (3, 3, 3))

        worker = threading.Thread(target=store.remove_all)
        worker.start()
        worker.join()

        # Gone at once ...
        self.assertEqual((len(vt), len(kt), len(s)), (0, 0, 0))
        self.assertEqual(list(vt.items()), [])
        self.assertEqual(list(kt.items()), [])
        self.assertEqual(list(s), [])
        self.assertNotIn('k0', vt)
        self.assertTrue(all(r() is None for r in refs))
        with self.assertRaises(ReferenceError):
            proxies[0].notify
        # ... told later, on this thread.
        self.assertEqual(refs_fired, [])
        iterate_until(lambda: len(events) == 9 and len(refs_fired) == 3)
        drain()
        self.assertEqual(sorted(e[0] for e in events), ['kt'] * 3 + ['set'] * 3 + ['vt'] * 3)
        self.assertTrue(all(e[2] == main for e in events))
        self.assertEqual(sorted(e[1] for e in events if e[0] == 'vt'), ['k0', 'k1', 'k2'])
        self.assertEqual(sorted(e[1] for e in events if e[0] == 'kt'), [0, 1, 2])
        self.assertEqual(s.get_n_items(), 0)

    def test_owner_is_a_worker_thread(self):
        # A container made on a worker thread, with its own thread-default
        # context: a member that dies on the main thread is gone at once and
        # signalled on the worker, when the worker iterates its context.
        box = {}
        made = threading.Event()
        died = threading.Event()
        events = []

        def worker():
            context = GLib.MainContext()
            context.push_thread_default()
            try:
                kt = Wk.KeyTable()
                s = Wk.Set()
                kt.connect('object-finalized', lambda t, v: events.append(('kt', v, threading.get_ident())))
                s.connect('object-finalized', lambda t: events.append(('set', None, threading.get_ident())))
                obj = box.pop('obj')
                kt[obj] = 'value'
                s.add(obj)
                ref = Wk.Ref(obj, lambda r: events.append(('ref', None, threading.get_ident())))
                del obj
                box['sizes'] = (len(kt), len(s))
                made.set()
                died.wait(TIMEOUT_S)
                box['after'] = (len(kt), len(s), ref(), list(events))
                iterate_until(lambda: len(events) == 3, context)
                box['me'] = threading.get_ident()
            finally:
                context.pop_thread_default()

        obj = GObject.Object()
        self.track(obj)
        box['obj'] = obj
        thread = threading.Thread(target=worker)
        thread.start()
        made.wait(TIMEOUT_S)
        self.assertEqual(box['sizes'], (1, 1))
        del obj                    # the last reference, on the main thread
        died.set()
        thread.join()
        self.assertEqual(box['after'], (0, 0, None, []))
        self.assertEqual(sorted(e[0] for e in events), ['kt', 'ref', 'set'])
        self.assertTrue(all(e[2] == box['me'] for e in events))
        self.assertEqual([e[1] for e in events if e[0] == 'kt'], ['value'])
        drain()

    def test_threads_share_containers(self):
        vt, kt, s = Wk.ValueTable(), Wk.KeyTable(), Wk.Set()
        keep = []
        lock = threading.Lock()
        errors = []

        def work(n):
            try:
                mine = [GObject.Object() for _ in range(200)]
                for i, o in enumerate(mine):
                    vt['%d-%d' % (n, i)] = o
                    kt[o] = (n, i)
                    s.add(o)
                for i, o in enumerate(mine):
                    assert vt['%d-%d' % (n, i)] is o
                    assert kt[o] == (n, i)
                    assert o in s
                    if i % 20 == 0:      # walks while the others change them
                        list(s)
                        list(vt.items())
                        list(kt.items())
                with lock:
                    keep.extend(mine[:50])
                del mine        # 150 die here, on this thread
            except Exception as e:   # noqa: B902
                errors.append(e)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        collect()
        self.assertEqual((len(vt), len(kt), len(s)), (200, 200, 200))
        iterate_until(lambda: s.get_n_items() == 200)
        del keep[:]
        self.assertEqual((len(vt), len(kt), len(s)), (0, 0, 0))
        drain()


class TeardownTest(TestCase):

    def test_containers_die_first(self):
        class Value:
            pass
        objs = self.objs(3)
        value = Value()
        value_ref = weakref.ref(value)
        vt = self.track(Wk.ValueTable(a=objs[0]))
        kt = self.track(Wk.KeyTable({objs[1]: value}))
        s = self.track(Wk.Set(objs))
        r = self.track(Wk.Ref(objs[2], lambda ref: None))
        p = Wk.proxy(objs[0])
        del value, vt, kt, s, r, p
        collect()
        self.assertIsNone(value_ref())
        del objs


def run_child(script, timeout=120):
    """Runs @script in a child /usr/bin/python3 with this environment:
    returns (returncode, stdout, stderr). A crash or a hang fails the
    calling test, not the runner."""
    import subprocess
    proc = subprocess.run([sys.executable, '-X', 'faulthandler', '-c', script],
                          capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


CHILD_PROLOGUE = """
import gi, sys
gi.require_version('Wk', '1')
from gi.repository import GObject, Wk
assert Wk.finalize.__module__ == 'gi.overrides.Wk', Wk.finalize.__module__
"""


class FinalizeTest(TestCase):

    def test_runs_when_the_object_dies(self):
        calls = []
        obj = self.new()
        f = Wk.finalize(obj, lambda *a, **kw: calls.append((a, kw)), 1, 2, k=3)
        self.assertTrue(f.alive)
        self.assertEqual(calls, [])
        del obj
        self.assertEqual(calls, [((1, 2), {'k': 3})])
        self.assertFalse(f.alive)
        self.assertIsNone(f())
        self.assertIsNone(f.peek())
        self.assertIsNone(f.detach())
        self.assertEqual(len(calls), 1)

    def test_called(self):
        calls = []
        obj = self.new()

        def func(x):
            calls.append(x)
            return x * 2
        f = Wk.finalize(obj, func, 21)
        self.assertEqual(f(), 42)
        self.assertFalse(f.alive)
        self.assertIsNone(f())
        self.assertIsNone(f.peek())
        self.assertIsNone(f.detach())
        del obj
        self.assertEqual(calls, [21])

    def test_detached(self):
        calls = []
        obj = self.new()
        func = calls.append
        f = Wk.finalize(obj, func, 'x', key='v')
        detached = f.detach()
        self.assertEqual(detached, (obj, func, ('x',), {'key': 'v'}))
        self.assertIs(detached[0], obj)
        self.assertFalse(f.alive)
        self.assertIsNone(f.detach())
        self.assertIsNone(f())
        del obj, detached
        self.assertEqual(calls, [])

    def test_peeked(self):
        calls = []
        obj = self.new()
        f = Wk.finalize(obj, calls.append, 'x')
        peeked = f.peek()
        self.assertEqual(peeked, (obj, calls.append, ('x',), {}))
        self.assertTrue(f.alive)
        self.assertEqual(f.peek(), peeked)
        del obj, peeked
        self.assertEqual(calls, ['x'])
        self.assertFalse(f.alive)

    def test_does_not_keep_the_object_alive(self):
        obj = self.new()
        f = Wk.finalize(obj, lambda: None)
        ref = Wk.Ref.new(obj)
        del obj
        self.assertFalse(ref.is_alive())
        self.assertFalse(f.alive)

    def test_func_released_after_running(self):
        class Func:
            def __call__(self):
                pass
        func = Func()
        func_ref = weakref.ref(func)
        obj = self.new()
        f = Wk.finalize(obj, func)
        del func
        self.assertIsNotNone(func_ref())
        del obj
        collect()
        self.assertIsNone(func_ref())
        del f

    def test_finalizer_dropped_still_runs(self):
        # As weakref.finalize: the finalizer lives as long as it is alive,
        # whether or not its caller keeps it.
        calls = []
        obj = self.new()
        Wk.finalize(obj, calls.append, 'ran')
        collect()
        del obj
        self.assertEqual(calls, ['ran'])

    def test_atexit_attribute(self):
        obj = self.new()
        f = Wk.finalize(obj, lambda: None)
        self.assertIs(f.atexit, True)
        f.atexit = False
        self.assertIs(f.atexit, False)
        f()
        self.assertIs(f.atexit, False)
        with self.assertRaises(AttributeError):
            f.other = 1
        del obj

    def test_not_a_gobject(self):
        for bad in (10, 'str', object()):
            with self.assertRaises(TypeError) as cm:
                Wk.finalize(bad, print)
            self.assertEqual(str(cm.exception),
                             weakref_message(weakref.ref, bad))
        obj = self.new()
        with self.assertRaisesRegex(TypeError, 'callable'):
            Wk.finalize(obj, 10)
        del obj

    def test_dies_on_another_thread(self):
        calls = []
        store = Gio.ListStore(item_type=GObject.Object)
        obj = self.new()
        store.append(obj)
        f = Wk.finalize(obj, lambda: calls.append(threading.get_ident()))
        del obj
        worker = threading.Thread(target=store.remove_all)
        worker.start()
        worker.join()
        iterate_until(lambda: calls)
        self.assertEqual(calls, [threading.get_ident()])
        self.assertFalse(f.alive)

    def test_repr(self):
        obj = self.new()
        f = Wk.finalize(obj, lambda: None)
        self.assertIn('GObject.Object', repr(f))
        del obj
        self.assertIn('dead', repr(f))

    def test_atexit_in_a_child_interpreter(self):
        rc, out, err = run_child(CHILD_PROLOGUE + """
def say(what):
    print(what, flush=True)
def fail():
    raise RuntimeError('finalizer error')
keep = [GObject.Object() for _ in range(5)]
Wk.finalize(keep[0], say, 'first')
Wk.finalize(keep[1], fail)
quiet = Wk.finalize(keep[2], say, 'not at exit')
quiet.atexit = False
called = Wk.finalize(keep[3], say, 'called')
called()
Wk.finalize(keep[4], say, 'last', )
dead = GObject.Object()
Wk.finalize(dead, say, 'died')
del dead
print('end of main', flush=True)
""")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.splitlines(),
                         ['called', 'died', 'end of main', 'last', 'first'])
        self.assertIn('RuntimeError: finalizer error', err)
        self.assertNotIn('not at exit', out)


class RefProtocolTest(TestCase):

    def test_callback_attribute(self):
        def callback(ref):
            pass
        obj = self.new()
        with_cb = Wk.Ref(obj, callback)
        plain = Wk.Ref(obj)
        self.assertIs(with_cb.__callback__, callback)
        self.assertIsNone(plain.__callback__)
        self.assertIsNone(weakref.ref(obj).__callback__)
        with self.assertRaises(AttributeError):
            with_cb.__callback__ = print
        with self.assertRaises(AttributeError):
            del with_cb.__callback__
        self.assertIs(with_cb.__callback__, callback)
        del obj
        self.assertIsNone(with_cb.__callback__)
        self.assertIsNone(plain.__callback__)

    def test_callback_attribute_after_death_elsewhere(self):
        calls = []
        store = Gio.ListStore(item_type=GObject.Object)
        obj = self.new()
        store.append(obj)
        ref = Wk.Ref(obj, calls.append)
        del obj
        worker = threading.Thread(target=store.remove_all)
        worker.start()
        worker.join()
        self.assertIsNone(ref.__callback__)     # dead, not yet delivered
        iterate_until(lambda: calls)
        self.assertIsNone(ref.__callback__)

    def test_shared(self):
        obj = self.new()
        ref = Wk.Ref(obj)
        self.assertIs(Wk.Ref(obj), ref)
        self.assertIs(Wk.Ref(obj, callback=None), ref)
        self.assertIsNot(Wk.Ref(obj, lambda r: None), ref)
        self.assertIsNot(Wk.Ref.new(obj), ref)
        self.assertIsNot(Wk.Ref(object=obj), ref)
        self.assertIs(Wk.proxy(obj), Wk.proxy(obj))
        self.assertIsNot(Wk.proxy(obj, lambda p: None), Wk.proxy(obj))
        # As weakref: the shared reference does not keep the object alive.
        ref_id = id(ref)
        del ref
        collect()
        self.assertEqual(id(Wk.Ref(obj)), ref_id)
        ref = Wk.Ref(obj)
        del obj
        self.assertIsNone(ref())

    def test_shared_dies_with_its_object(self):
        first = self.new()
        old = Wk.Ref(first)
        del first
        self.assertIsNone(old())
        for _ in range(20):
            # A new object, maybe at the same address, gets a new reference.
            obj = self.new()
            new = Wk.Ref(obj)
            self.assertIsNot(new, old)
            self.assertIs(new(), obj)
            del obj, new

    def test_shared_across_threads(self):
        obj = self.new()
        results = []
        barrier = threading.Barrier(8)

        def work():
            barrier.wait()
            results.append(Wk.Ref(obj))
            results.append(Wk.proxy(obj))
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        refs = [r for r in results if isinstance(r, Wk.Ref)]
        proxies = [p for p in results if not isinstance(p, Wk.Ref)]
        self.assertEqual(len(refs), 8)
        self.assertEqual(len({id(r) for r in refs}), 1)
        self.assertEqual(len({id(p) for p in proxies}), 1)
        self.assertIs(refs[0], Wk.Ref(obj))
        del results, refs, proxies, obj

    def test_no_ordering(self):
        a, b = self.objs(2)
        ra, rb = Wk.Ref(a), Wk.Ref(b)
        for op in ('__lt__', '__le__', '__gt__', '__ge__'):
            import operator
            compare = getattr(operator, op.strip('_'))
            with self.assertRaises(TypeError):
                compare(weakref.ref(a), weakref.ref(b))
            with self.assertRaises(TypeError):
                compare(ra, rb)
            with self.assertRaises(TypeError):
                compare(ra, ra)
        self.assertEqual(ra, Wk.Ref(a))
        self.assertNotEqual(ra, rb)
        del a, b

    def test_call_takes_no_arguments(self):
        obj = self.new()
        for ref in (Wk.Ref(obj), Wk.Ref.new(obj), Wk.Ref(obj, lambda r: None)):
            with self.assertRaises(TypeError):
                ref(1)
            with self.assertRaises(TypeError):
                ref(x=1)
            self.assertIs(ref(), obj)
            self.assertIs(Wk.Ref.__call__(ref), obj)
        with self.assertRaises(TypeError):
            weakref.ref(obj)(1)
        with self.assertRaises(TypeError):
            Wk.Ref.__call__(Wk.Set())
        del obj, ref
        self.assertIsNone(Wk.Ref.__call__(self._tracked[-1]))

    def test_no_attributes(self):
        obj = self.new()
        for ref in (Wk.Ref(obj), Wk.Ref(obj, lambda r: None)):
            with self.assertRaises(AttributeError):
                ref.anything = 1
            with self.assertRaises(AttributeError):
                weakref.ref(obj).anything = 1
            with self.assertRaises(AttributeError):
                del ref.anything
            self.assertFalse(hasattr(ref, 'anything'))
        del obj, ref


class SetCopyTest(TestCase):

    def test_copy_keeps_the_instance_dict(self):
        a, b = self.objs(2)
        s = Wk.Set([a, b])
        s.note = ['shared']
        c = copy.copy(s)
        self.assertIsNot(c, s)
        self.assertEqual(c, s)
        self.assertIs(c.note, s.note)
        # As WeakSet.
        class P:
            pass
        ps = [P(), P()]
        ws = weakref.WeakSet(ps)
        ws.note = ['shared']
        self.assertIs(copy.copy(ws).note, ws.note)
        # Independent sets.
        c.discard(a)
        self.assertIn(a, s)
        del a, b

    def test_deepcopy_shares_members(self):
        a, b = self.objs(2)
        s = Wk.Set([a, b], member_type=GObject.Object)
        s.note = ['deep']
        d = copy.deepcopy(s)
        self.assertIsNot(d, s)
        self.assertEqual(d, s)
        self.assertEqual(ids(d), ids([a, b]))
        self.assertEqual(d.note, s.note)
        self.assertIsNot(d.note, s.note)
        self.assertEqual(d.get_member_type(), s.get_member_type())
        # As WeakSet: the members are the same objects, the dict is copied.
        class P:
            pass
        ps = [P(), P()]
        ws = weakref.WeakSet(ps)
        ws.note = ['deep']
        wd = copy.deepcopy(ws)
        self.assertEqual(ids(wd), ids(ps))
        self.assertIsNot(wd.note, ws.note)
        # A set inside a structure copied deeply is copied once.
        pair = copy.deepcopy([s, s])
        self.assertIs(pair[0], pair[1])
        del a, b
        self.assertEqual(len(d), 0)

    def test_copies_make_no_instance_dict(self):
        # A wrapper with an instance dict is held through a toggle
        # reference: copying a set must not give it one (with the helper,
        # which can tell without making one).
        helper = sys.modules['gi.overrides.Wk']._helper
        if helper is None:
            self.skipTest('needs the compiled helper')
        a = self.new()
        s = Wk.Set([a])
        c, d = copy.copy(s), copy.deepcopy(s)
        for each in (s, c, d):
            self.assertIsNone(helper.instance_dict(each))
        self.assertEqual(ids(c), ids(d))
        del a

    def test_init_again_replaces(self):
        a, b, c = self.objs(3)
        s = Wk.Set([a, b])
        s.__init__([c])
        self.assertEqual(ids(s), ids([c]))
        s.__init__()
        self.assertEqual(len(s), 0)
        s.__init__(s)
        self.assertEqual(len(s), 0)
        s.update([a, b])
        s.__init__(s)
        self.assertEqual(ids(s), ids([a, b]))
        with self.assertRaises(TypeError):
            s.__init__([10])
        self.assertEqual(ids(s), ids([a, b]))   # unchanged on bad input
        # As set and WeakSet.
        class P:
            pass
        ps = [P(), P()]
        ws = weakref.WeakSet(ps)
        ws.__init__(ps[:1])
        self.assertEqual(len(ws), 1)
        typed = Wk.Set(member_type=Gio.ListStore)
        with self.assertRaises(TypeError):
            typed.__init__(member_type=GObject.Object)
        typed.__init__(member_type=Gio.ListStore)
        del a, b, c


class Emitter(GObject.Object):
    __gsignals__ = {
        'ping': (GObject.SignalFlags.RUN_LAST, None, (int,)),
        'ask': (GObject.SignalFlags.RUN_LAST, int, (int,)),
    }


class GReceiver(GObject.Object):
    """A GObject receiver of Emitter's signals."""

    def __init__(self, calls):
        super().__init__()
        self.calls = calls

    def on_ping(self, emitter, n, *extra):
        self.calls.append((self, emitter, n) + extra)

    def on_ask(self, emitter, n):
        return n * 2


class PyReceiver:
    """A plain Python receiver of Emitter's signals."""

    def __init__(self, calls):
        self.calls = calls

    def on_ping(self, emitter, n, *extra):
        self.calls.append((self, emitter, n) + extra)


class ConnectWeakTest(TestCase):

    def check_receiver(self, receiver, calls, emitter):
        handler_id = Wk.connect_weak(emitter, 'ping', receiver.on_ping, 'x', 2)
        self.assertIsInstance(handler_id, int)
        self.assertGreater(handler_id, 0)
        emitter.emit('ping', 7)
        self.assertEqual(calls, [(receiver, emitter, 7, 'x', 2)])
        self.assertTrue(GObject.signal_handler_is_connected(emitter, handler_id))
        calls.clear()
        return handler_id

    def test_gobject_receiver(self):
        calls = []
        emitter = self.new(Emitter)
        receiver = self.track(GReceiver(calls))
        handler_id = self.check_receiver(receiver, calls, emitter)
        ref = Wk.Ref.new(receiver)
        del receiver                      # not kept alive by the handler
        self.assertFalse(ref.is_alive())
        self.assertFalse(GObject.signal_handler_is_connected(emitter, handler_id))
        emitter.emit('ping', 8)
        self.assertEqual(calls, [])
        del emitter

    def test_python_receiver(self):
        calls = []
        emitter = self.new(Emitter)
        receiver = PyReceiver(calls)
        handler_id = self.check_receiver(receiver, calls, emitter)
        ref = weakref.ref(receiver)
        del receiver
        self.assertIsNone(ref())
        self.assertFalse(GObject.signal_handler_is_connected(emitter, handler_id))
        emitter.emit('ping', 8)
        self.assertEqual(calls, [])
        del emitter

    def test_receiver_owning_its_emitter(self):
        # The leak connect() makes: self.button.connect(..., self.on_x).
        for cls in (GReceiver, PyReceiver):
            calls = []
            receiver = cls(calls)
            if isinstance(receiver, GObject.Object):
                self.track(receiver)
            receiver.emitter = self.new(Emitter)
            Wk.connect_weak(receiver.emitter, 'ping', receiver.on_ping)
            receiver.emitter.emit('ping', 1)
            self.assertEqual(len(calls), 1)
            emitter_ref = Wk.Ref.new(receiver.emitter)
            del receiver
            calls.clear()
            self.assertFalse(emitter_ref.is_alive(), cls)   # no gc.collect()

    def test_emitter_dies_first(self):
        for cls in (GReceiver, PyReceiver):
            calls = []
            emitter = self.new(Emitter)
            receiver = cls(calls)
            if isinstance(receiver, GObject.Object):
                self.track(receiver)
            Wk.connect_weak(emitter, 'ping', receiver.on_ping)
            emitter_ref = Wk.Ref.new(emitter)
            del emitter
            self.assertFalse(emitter_ref.is_alive())
            del receiver                  # harmless: nothing to disconnect
            collect()
            self.assertEqual(calls, [])

    def test_return_value(self):
        emitter = self.new(Emitter)
        receiver = self.track(GReceiver([]))
        Wk.connect_weak(emitter, 'ask', receiver.on_ask)
        self.assertEqual(emitter.emit('ask', 21), 42)
        del receiver, emitter

    def test_detailed_signal(self):
        calls = []
        emitter = self.new(Number)
        receiver = PyReceiver(calls)

        class Notified(PyReceiver):
            def on_notify(self, obj, pspec):
                self.calls.append(pspec.name)
        receiver = Notified(calls)
        handler_id = Wk.connect_weak(emitter, 'notify::g-type-instance', receiver.on_notify)
        self.assertGreater(handler_id, 0)
        del receiver
        self.assertFalse(GObject.signal_handler_is_connected(emitter, handler_id))
        del emitter

    def test_receiver_dies_on_another_thread(self):
        calls = []
        emitter = self.new(Emitter)
        store = Gio.ListStore(item_type=GObject.Object)
        receiver = self.track(GReceiver(calls))
        store.append(receiver)
        handler_id = Wk.connect_weak(emitter, 'ping', receiver.on_ping)
        emitter.emit('ping', 1)
        self.assertEqual(len(calls), 1)
        calls.clear()
        del receiver
        # The store holds the last reference: drop it on another thread.
        worker = threading.Thread(target=store.remove_all)
        worker.start()
        worker.join()
        # Dead at once: never called, though still connected until the
        # connecting thread's main context runs.
        emitter.emit('ping', 2)
        self.assertEqual(calls, [])
        iterate_until(lambda: not GObject.signal_handler_is_connected(emitter, handler_id))
        emitter.emit('ping', 3)
        self.assertEqual(calls, [])
        del emitter

    def test_receiver_dies_on_another_thread_python(self):
        calls = []
        emitter = self.new(Emitter)
        receiver = PyReceiver(calls)
        holder = [receiver]
        handler_id = Wk.connect_weak(emitter, 'ping', receiver.on_ping)
        del receiver
        worker = threading.Thread(target=holder.clear)
        worker.start()
        worker.join()
        self.assertFalse(GObject.signal_handler_is_connected(emitter, handler_id))
        emitter.emit('ping', 2)
        self.assertEqual(calls, [])
        del emitter

    def test_emitter_dies_on_another_thread(self):
        for cls in (GReceiver, PyReceiver):
            calls = []
            store = Gio.ListStore(item_type=GObject.Object)
            emitter = self.new(Emitter)
            store.append(emitter)
            receiver = cls(calls)
            if isinstance(receiver, GObject.Object):
                self.track(receiver)
            Wk.connect_weak(emitter, 'ping', receiver.on_ping)
            emitter_ref = Wk.Ref.new(emitter)
            del emitter
            worker = threading.Thread(target=store.remove_all)
            worker.start()
            worker.join()
            self.assertFalse(emitter_ref.is_alive())
            drain()
            del receiver              # nothing left to disconnect
            collect()
            drain()
            self.assertEqual(calls, [])

    def test_emission_on_another_thread(self):
        calls = []
        emitter = self.new(Emitter)
        receiver = self.track(GReceiver(calls))
        Wk.connect_weak(emitter, 'ping', receiver.on_ping)
        worker = threading.Thread(target=emitter.emit, args=('ping', 5))
        worker.start()
        worker.join()
        self.assertEqual(len(calls), 1)
        calls.clear()
        del receiver, worker
        worker = threading.Thread(target=emitter.emit, args=('ping', 6))
        worker.start()
        worker.join()
        self.assertEqual(calls, [])
        del emitter

    def test_bad_input(self):
        emitter = self.new(Emitter)
        receiver = PyReceiver([])
        with self.assertRaisesRegex(TypeError, "'int'"):
            Wk.connect_weak(10, 'ping', receiver.on_ping)
        with self.assertRaisesRegex(TypeError, 'bound method'):
            Wk.connect_weak(emitter, 'ping', print)
        with self.assertRaisesRegex(TypeError, 'bound method'):
            Wk.connect_weak(emitter, 'ping', lambda *a: None)
        with self.assertRaisesRegex(TypeError, 'str'):
            Wk.connect_weak(emitter, 1, receiver.on_ping)

        class Slotted:
            __slots__ = ()

            def on_ping(self, *args):
                pass
        with self.assertRaisesRegex(TypeError, 'Slotted'):
            Wk.connect_weak(emitter, 'ping', Slotted().on_ping)
        with self.assertRaises(TypeError):
            Wk.connect_weak(emitter, 'no-such-signal', receiver.on_ping)
        del emitter


if __name__ == '__main__':
    import faulthandler
    # A hang fails the run, with every thread's traceback.
    faulthandler.dump_traceback_later(280, exit=True)
    unittest.main(verbosity=2)

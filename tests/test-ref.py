#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# WkRef through the plain introspected API (no overrides), with PyGObject.
# Run with /usr/bin/python3; the build tree's typelib and library come from
# GI_TYPELIB_PATH and LD_LIBRARY_PATH.

import threading
import unittest
import weakref

import gi

gi.require_version('Wk', '1')
gi.require_version('Gio', '2.0')
from gi.repository import Wk, GObject, GLib, Gio  # noqa: E402

from wk_test_util import collect, drain, iterate_until  # noqa: E402


class Recorder:
    """Records, in order, what a Wk.Ref reports."""

    def __init__(self, testcase):
        self.testcase = testcase
        self.events = []

    def _check_dead(self, ref):
        self.testcase.assertIsInstance(ref, Wk.Ref)
        self.testcase.assertFalse(ref.is_alive())
        self.testcase.assertIsNone(ref.dup_object())

    def callback(self, ref, *data):
        self._check_dead(ref)
        self.events.append(('callback', ref, data, threading.get_ident()))

    def on_alive(self, ref, pspec):
        self.testcase.assertEqual(pspec.name, 'alive')
        self.testcase.assertFalse(ref.props.alive)
        self.events.append(('alive', ref, (), threading.get_ident()))

    def on_finalized(self, ref):
        self._check_dead(ref)
        self.events.append(('finalized', ref, (), threading.get_ident()))

    def connect(self, ref):
        ref.connect('notify::alive', self.on_alive)
        ref.connect('object-finalized', self.on_finalized)

    def kinds(self):
        return [event[0] for event in self.events]


class RefTest(unittest.TestCase):

    def setUp(self):
        drain()

    def tearDown(self):
        collect()
        drain()

    def test_alive_then_dead(self):
        obj = GObject.Object()
        ref = Wk.Ref.new(obj)

        self.assertIsInstance(ref, Wk.Ref)
        self.assertTrue(ref.is_alive())
        self.assertTrue(ref.props.alive)
        self.assertIs(ref.dup_object(), obj)
        self.assertIs(ref.props.object, obj)
        # No reference taken: the wrapper's own is the only one.
        self.assertEqual(obj.__grefcount__, 1)

        del obj
        collect()

        self.assertFalse(ref.is_alive())
        self.assertFalse(ref.props.alive)
        self.assertIsNone(ref.dup_object())
        self.assertIsNone(ref.props.object)

    def test_callback_once(self):
        rec = Recorder(self)
        obj = GObject.Object()
        ref = Wk.Ref.new_full(obj, rec.callback)
        rec.connect(ref)

        self.assertEqual(rec.events, [])
        del obj
        collect()

        # Synchronous on the owner's thread, once each, in order.
        self.assertEqual(rec.kinds(), ['callback', 'alive', 'finalized'])
        for kind, got_ref, data, thread in rec.events:
            self.assertIs(got_ref, ref)
            self.assertEqual(thread, threading.get_ident())
        self.assertEqual(rec.events[0][2], ())

        drain()
        del ref
        collect()
        self.assertEqual(rec.kinds(), ['callback', 'alive', 'finalized'])

    def test_callback_user_data(self):
        rec = Recorder(self)
        obj = GObject.Object()
        ref = Wk.Ref.new_full(obj, rec.callback, 'payload')

        del obj
        collect()

        self.assertEqual(rec.kinds(), ['callback'])
        self.assertIs(rec.events[0][1], ref)
        self.assertEqual(rec.events[0][2], ('payload',))

    def test_callback_released(self):
        # The callback and its data are released once it ran ...
        class Data:
            pass

        calls = []
        data = Data()
        data_ref = weakref.ref(data)
        obj = GObject.Object()
        ref = Wk.Ref.new_full(obj, lambda r, d: calls.append(d is not None), data)
        del data
        collect()
        self.assertIsNotNone(data_ref())

        del obj
        collect()
        self.assertEqual(calls, [True])
        self.assertIsNone(data_ref())
        del ref

        # ... or when the Wk.Ref is destroyed first, without running it.
        calls = []
        data = Data()
        data_ref = weakref.ref(data)
        obj = GObject.Object()
        ref = Wk.Ref.new_full(obj, lambda r, d: calls.append(d), data)
        del data
        del ref
        collect()
        self.assertIsNone(data_ref())

        del obj
        collect()
        drain()
        self.assertEqual(calls, [])

    def test_signals_without_callback(self):
        rec = Recorder(self)
        obj = GObject.Object()
        ref = Wk.Ref.new(obj)
        rec.connect(ref)

        del obj
        collect()
        self.assertEqual(rec.kinds(), ['alive', 'finalized'])
        drain()
        self.assertEqual(rec.kinds(), ['alive', 'finalized'])
        self.assertFalse(ref.is_alive())

    def test_properties(self):
        obj = GObject.Object()

        ref = Wk.Ref(object=obj)
        self.assertTrue(ref.is_alive())
        self.assertTrue(ref.props.alive)
        self.assertIs(ref.props.object, obj)
        self.assertIs(ref.dup_object(), obj)

        with self.assertRaises(TypeError):
            ref.props.alive = False

        # Dead from the start: no object, or None.
        for dead in (Wk.Ref(), Wk.Ref(object=None)):
            rec = Recorder(self)
            rec.connect(dead)
            self.assertFalse(dead.is_alive())
            self.assertFalse(dead.props.alive)
            self.assertIsNone(dead.props.object)
            self.assertIsNone(dead.dup_object())
            del dead
            collect()
            self.assertEqual(rec.events, [])

        rec = Recorder(self)
        rec.connect(ref)
        del obj
        collect()
        self.assertEqual(rec.kinds(), ['alive', 'finalized'])
        self.assertFalse(ref.props.alive)
        self.assertIsNone(ref.props.object)

    def test_list_store_lifetime(self):
        # The point of wobj: the ref follows the GObject, not the wrapper.
        rec = Recorder(self)
        store = Gio.ListStore.new(GObject.Object)
        obj = GObject.Object()
        store.append(obj)
        ref = Wk.Ref.new(obj)
        rec.connect(ref)
        py_ref = weakref.ref(obj)
        address = hash(obj)

        del obj
        collect()

        # Python's weakref follows the wrapper, which is gone ...
        self.assertIsNone(py_ref())
        # ... the GObject is not, and the Wk.Ref still reaches it.
        self.assertTrue(ref.is_alive())
        again = ref.dup_object()
        self.assertIsInstance(again, GObject.Object)
        self.assertEqual(hash(again), address)
        self.assertIs(store.get_item(0), again)
        del again
        collect()
        self.assertTrue(ref.is_alive())
        self.assertEqual(rec.events, [])

        store.remove(0)
        collect()

        self.assertFalse(ref.is_alive())
        self.assertIsNone(ref.dup_object())
        self.assertEqual(rec.kinds(), ['alive', 'finalized'])

    def test_cross_thread(self):
        rec = Recorder(self)
        store = Gio.ListStore.new(GObject.Object)
        obj = GObject.Object()
        store.append(obj)
        ref = Wk.Ref.new_full(obj, rec.callback)
        rec.connect(ref)
        del obj
        collect()
        self.assertTrue(ref.is_alive())

        # A worker drops the last reference.
        worker = threading.Thread(target=store.remove_all)
        worker.start()
        worker.join()

        # Dead at once; delivered only from the owner's main context.
        self.assertFalse(ref.is_alive())
        self.assertIsNone(ref.dup_object())
        self.assertEqual(rec.events, [])

        iterate_until(lambda: len(rec.events) >= 3)
        drain()
        self.assertEqual(rec.kinds(), ['callback', 'alive', 'finalized'])
        for event in rec.events:
            self.assertEqual(event[3], threading.get_ident())

    def test_several_refs(self):
        fired = []
        obj = GObject.Object()
        refs = [Wk.Ref.new_full(obj, fired.append) for i in range(10000)]
        self.assertEqual(obj.__grefcount__, 1)
        self.assertTrue(all(r.is_alive() for r in refs))

        del obj
        collect()

        self.assertEqual(len(fired), len(refs))
        self.assertEqual({id(r) for r in fired}, {id(r) for r in refs})
        self.assertFalse(any(r.is_alive() for r in refs))
        drain()
        self.assertEqual(len(fired), len(refs))

    def test_dropped_in_handler(self):
        fired = []
        holder = []
        obj = GObject.Object()
        ref = Wk.Ref.new(obj)
        ref_ref = weakref.ref(ref)

        def on_finalized(r):
            fired.append(True)
            holder.clear()

        ref.connect('object-finalized', on_finalized)
        holder.append(ref)
        del ref

        del obj
        collect()
        self.assertEqual(fired, [True])
        self.assertIsNone(ref_ref())

    def test_run_dispose(self):
        rec = Recorder(self)
        obj = GObject.Object()
        ref = Wk.Ref.new_full(obj, rec.callback)
        rec.connect(ref)

        obj.run_dispose()
        self.assertEqual(rec.kinds(), ['callback', 'alive', 'finalized'])
        self.assertFalse(ref.is_alive())
        self.assertIsNone(ref.dup_object())

        # The object lives on; a new ref works normally.
        after = Recorder(self)
        ref_after = Wk.Ref.new(obj)
        after.connect(ref_after)
        self.assertTrue(ref_after.is_alive())
        self.assertIs(ref_after.dup_object(), obj)

        del obj
        collect()
        self.assertEqual(after.kinds(), ['alive', 'finalized'])
        self.assertEqual(rec.kinds(), ['callback', 'alive', 'finalized'])

    def test_default_delivery_at_once(self):
        # Python keeps synchronous delivery (only gjs defaults to IDLE): a
        # death on the owner's thread is signalled before the last unref
        # returns, with no collection and no main context iteration.
        self.assertEqual(Wk.Delivery.get_default(), Wk.Delivery.AT_ONCE)

        rec = Recorder(self)
        obj = GObject.Object()
        ref = Wk.Ref.new_full(obj, rec.callback)
        rec.connect(ref)
        del obj      # the wrapper's reference was the last
        self.assertEqual(rec.kinds(), ['callback', 'alive', 'finalized'])

        # The last reference dropped by C code (a Gio.ListStore).
        store = Gio.ListStore(item_type=GObject.Object)
        store.append(GObject.Object())
        stored = Recorder(self)
        stored_ref = Wk.Ref.new(store.get_item(0))
        stored.connect(stored_ref)
        collect()
        self.assertTrue(stored_ref.is_alive())
        self.assertEqual(stored.kinds(), [])
        store.remove_all()
        self.assertEqual(stored.kinds(), ['alive', 'finalized'])

        drain()
        self.assertEqual(rec.kinds(), ['callback', 'alive', 'finalized'])
        self.assertEqual(stored.kinds(), ['alive', 'finalized'])

    def test_bad_input(self):
        for bad in (10, 'string', 1.5, object(), [GObject.Object()], GLib.Variant('i', 1)):
            with self.subTest(bad=bad):
                with self.assertRaises(TypeError):
                    Wk.Ref.new(bad)
                with self.assertRaises(TypeError):
                    Wk.Ref.new_full(bad, lambda r: None)


if __name__ == '__main__':
    unittest.main(verbosity=2)

#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Weak signal connections from Python, through the plain introspected API:
# Wk.signal_connect_closure_weak() with a Python callable as the closure.
# The receiver never kept alive, the handler disconnected and never called
# once either side is gone (also when the receiver dies on another thread),
# the callable released with the connection, and TypeError for bad input.

import gc
import threading
import unittest
import weakref

import gi

gi.require_version('Wk', '1')
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GObject, Wk  # noqa: E402

from wk_test_util import TIMEOUT_S, drain, iterate_until  # noqa: E402


class Emitter(GObject.Object):
    log = None

    @GObject.Signal(arg_types=(int,), flags=GObject.SignalFlags.RUN_LAST)
    def ping(self, n):
        if self.log is not None:
            self.log.append('class')


class Receiver(GObject.Object):
    pass


PING = GObject.signal_lookup('ping', Emitter)


def has_handler(emitter):
    return GObject.signal_has_handler_pending(emitter, PING, 0, True)


class Handler:
    """A callable that records its calls; a weakref to it tells when the
    connection released it."""

    def __init__(self):
        self.calls = []

    def __call__(self, emitter, n, receiver):
        # The receiver comes last, alive for the call.
        assert isinstance(receiver, Receiver)
        self.receiver_ref = weakref.ref(receiver)
        self.calls.append((emitter, n))


class TestSignal(unittest.TestCase):
    def test_connect_emit_receiver_dies(self):
        emitter = Emitter()
        receiver = Receiver()
        handler = Handler()
        handler_id = Wk.signal_connect_closure_weak(emitter, 'ping', handler, receiver, False)
        self.assertGreater(handler_id, 0)

        emitter.emit('ping', 3)
        self.assertEqual(handler.calls, [(emitter, 3)])
        self.assertIs(handler.receiver_ref(), receiver)

        # The connection holds the receiver weakly: dropping the Python
        # reference finalizes it, and that disconnects the handler.
        ref = Wk.Ref.new(receiver)
        del receiver
        gc.collect()
        self.assertFalse(ref.is_alive())
        self.assertFalse(has_handler(emitter))
        self.assertFalse(GObject.signal_handler_is_connected(emitter, handler_id))
        emitter.emit('ping', 4)
        self.assertEqual(len(handler.calls), 1)

    def test_emitter_dies_first(self):
        emitter = Emitter()
        receiver = Receiver()
        handler = Handler()
        handler_ref = weakref.ref(handler)
        emitter_ref = Wk.Ref.new(emitter)
        Wk.signal_connect_closure_weak(emitter, 'ping', handler, receiver, False)
        del handler
        self.assertIsNotNone(handler_ref())

        del emitter
        gc.collect()
        self.assertFalse(emitter_ref.is_alive())
        # The closure, and the callable with it, went with the handler.
        self.assertIsNone(handler_ref())
        self.assertTrue(Wk.Ref.new(receiver).is_alive())

    def test_disconnect_releases_callable(self):
        emitter = Emitter()
        receiver = Receiver()
        handler = Handler()
        handler_ref = weakref.ref(handler)
        handler_id = Wk.signal_connect_closure_weak(emitter, 'ping', handler, receiver, False)
        del handler
        emitter.disconnect(handler_id)
        gc.collect()
        self.assertIsNone(handler_ref())
        self.assertFalse(has_handler(emitter))

    def test_after(self):
        emitter = Emitter()
        receiver = Receiver()
        emitter.log = []
        Wk.signal_connect_closure_weak(emitter, 'ping', lambda e, n, r: e.log.append('after'),
                                       receiver, True)
        Wk.signal_connect_closure_weak(emitter, 'ping', lambda e, n, r: e.log.append('before'),
                                       receiver, False)
        emitter.emit('ping', 1)
        self.assertEqual(emitter.log, ['before', 'class', 'after'])

    def test_receiver_dies_on_another_thread(self):
        emitter = Emitter()
        store = Gio.ListStore(item_type=GObject.Object)
        handler = Handler()

        def connect():
            receiver = Receiver()
            store.append(receiver)
            return Wk.signal_connect_closure_weak(emitter, 'ping', handler, receiver, False), \
                Wk.Ref.new(receiver)

        handler_id, ref = connect()
        gc.collect()
        emitter.emit('ping', 1)
        self.assertEqual(len(handler.calls), 1)

        # The store's reference is the last one: drop it on another thread.
        thread = threading.Thread(target=store.remove_all)
        thread.start()
        thread.join(TIMEOUT_S)
        self.assertFalse(thread.is_alive())
        self.assertFalse(ref.is_alive())

        # Never called from now on, and the next emission on this (the
        # connecting) thread disconnects it, before the main context has
        # delivered the death.
        emitter.emit('ping', 2)
        self.assertEqual(len(handler.calls), 1)
        self.assertFalse(GObject.signal_handler_is_connected(emitter, handler_id))
        drain()

    def test_receiver_dies_on_another_thread_delivered(self):
        emitter = Emitter()
        store = Gio.ListStore(item_type=GObject.Object)

        def connect():
            receiver = Receiver()
            store.append(receiver)
            Wk.signal_connect_closure_weak(emitter, 'ping', Handler(), receiver, False)

        connect()
        gc.collect()
        thread = threading.Thread(target=store.remove_all)
        thread.start()
        thread.join(TIMEOUT_S)
        self.assertFalse(thread.is_alive())

        iterate_until(lambda: not has_handler(emitter))

    def test_bad_input(self):
        emitter = Emitter()
        receiver = Receiver()
        for bad in (10, 'str', object(), None):
            with self.assertRaises(TypeError):
                Wk.signal_connect_closure_weak(bad, 'ping', Handler(), receiver, False)
            with self.assertRaises(TypeError):
                Wk.signal_connect_closure_weak(emitter, 'ping', Handler(), bad, False)
        with self.assertRaises(TypeError):
            Wk.signal_connect_closure_weak(emitter, 'ping', 10, receiver, False)
        self.assertFalse(has_handler(emitter))


if __name__ == '__main__':
    unittest.main(verbosity=2)

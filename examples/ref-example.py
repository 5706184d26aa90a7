#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A WkRef at work, from Python through GObject-introspection.

Part one: an object dies on the thread that owns the reference, and the
callback and the signal run before the last reference is dropped.
Part two: the object dies on another thread; the reference forgets it at
once, and the callback and the signal are delivered on the main loop.

Run it against an installed wobj (GI_TYPELIB_PATH and LD_LIBRARY_PATH
pointing at the prefix if it is not a system one). Exits 0 only if
everything happened as described.
"""

import sys
import threading

import gi

gi.require_version("Wk", "1")
from gi.repository import GLib, GObject, Wk  # noqa: E402

failures = 0


def check(ok, what):
    global failures
    print("  %s %s" % ("[ok]  " if ok else "[FAIL]", what))
    if not ok:
        failures += 1


class Witness:
    def __init__(self, loop=None):
        self.owner = threading.get_ident()
        self.loop = loop
        self.notified = 0
        self.signalled = 0
        self.wrong_thread = False

    def _maybe_quit(self):
        if self.loop is not None and self.notified and self.signalled:
            self.loop.quit()

    def notify(self, ref, *user_data):
        print("  -> callback: the object was finalized", *user_data)
        self.notified += 1
        self.wrong_thread |= threading.get_ident() != self.owner
        self._maybe_quit()

    def object_finalized(self, ref):
        print("  -> signal: object-finalized")
        self.signalled += 1
        self.wrong_thread |= threading.get_ident() != self.owner
        self._maybe_quit()


def same_thread():
    print("Part one: the object dies on the owner's thread")
    w = Witness()
    obj = GObject.Object()
    ref = Wk.Ref.new_full(obj, w.notify, "(user data: part one)")
    ref.connect("object-finalized", w.object_finalized)
    print("  created %r and a Wk.Ref to it" % obj)

    check(ref.dup_object() is obj, "dup_object() returns the object while it lives")
    check(ref.is_alive(), "is_alive() is True")

    plain = Wk.Ref.new(obj)
    check(plain.dup_object() is obj, "a Wk.Ref without a callback works too")

    print("  dropping the last strong reference (del obj)...")
    del obj

    check(w.notified == 1, "the callback ran once, before del returned")
    check(w.signalled == 1, "object-finalized was emitted once")
    check(not w.wrong_thread, "both ran on the owner's thread")
    check(ref.dup_object() is None, "dup_object() now returns None")
    check(plain.dup_object() is None, "and so does the other Wk.Ref")
    check(not ref.is_alive(), "is_alive() is False")
    print()


def other_thread():
    print("Part two: the object dies on another thread")
    loop = GLib.MainLoop()
    w = Witness(loop)
    box = [GObject.Object()]
    ref = Wk.Ref.new_full(box[0], w.notify, "(user data: part two)")
    ref.connect("object-finalized", w.object_finalized)
    print("  created a GObject and a Wk.Ref to it on the main thread")

    def drop():
        print("  (worker thread drops the last reference)")
        box.clear()

    worker = threading.Thread(target=drop, name="dropper")
    worker.start()
    worker.join()

    check(ref.dup_object() is None,
          "once the thread is done, dup_object() returns None")
    check(w.notified == 0 and w.signalled == 0,
          "the callback and the signal wait for the owner's main loop")

    print("  running the main loop...")

    timeout = None

    def give_up():
        nonlocal timeout
        print("  (gave up waiting for the main loop)")
        timeout = None
        loop.quit()
        return GLib.SOURCE_REMOVE

    timeout = GLib.timeout_add_seconds(10, give_up)
    if not (w.notified and w.signalled):
        loop.run()
    if timeout is not None:
        GLib.source_remove(timeout)

    check(w.notified == 1, "the callback ran once, from the main loop")
    check(w.signalled == 1, "object-finalized was emitted once, from the main loop")
    check(not w.wrong_thread, "both ran on the main thread, not the worker")
    print()


def main():
    print("wobj through GObject-introspection: a Wk.Ref holds an object "
          "without keeping it alive.\n")
    same_thread()
    other_thread()
    if failures:
        print("%d check(s) failed" % failures)
        return 1
    print("Everything happened as expected.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

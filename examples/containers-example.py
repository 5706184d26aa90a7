#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""wobj's weak containers from Python, through the overrides (gi/overrides/Wk.py).

Wk.ValueTable, Wk.KeyTable and Wk.Set speak the protocols of Python's
WeakValueDictionary, WeakKeyDictionary and WeakSet, but follow the GObject's
real lifetime, not the Python wrapper's: an object that a Gio.ListStore keeps
alive stays in them after the Python variable is gone, and leaves them the
moment the store drops it.

Run it against an installed wobj (GI_TYPELIB_PATH, LD_LIBRARY_PATH and
PYTHONPATH pointing at the prefix if it is not a system one). Exits 0 only
if everything happened as described.
"""

import sys
import weakref

import gi

gi.require_version("Gio", "2.0")
gi.require_version("Wk", "1")
from gi.repository import Gio, GObject, Wk  # noqa: E402

failures = 0


def check(ok, what):
    global failures
    print("  %s %s" % ("[ok]  " if ok else "[FAIL]", what))
    if not ok:
        failures += 1


def main():
    store = Gio.ListStore(item_type=GObject.Object)   # keeps the objects alive
    a, b = GObject.Object(), GObject.Object()
    store.splice(0, 0, [a, b])

    pages = Wk.ValueTable(settings=a, about=b)        # str -> weakly held object
    notes = Wk.KeyTable({a: "a note about a"})        # weakly held object -> any value
    members = Wk.Set([a, b])                          # also a Gio.ListModel of Wk.Ref
    ref = Wk.Ref(a, lambda r: print("  -> Wk.Ref callback: a is gone"))
    pages.connect("object-finalized", lambda table, key: print("  -> gone from pages:", key))
    py_set = weakref.WeakSet([a, b])                  # Python's, for comparison

    print("Two objects in a Gio.ListStore, held weakly by wobj and by a WeakSet")
    check(pages["settings"] is a and notes[a] == "a note about a" and a in members,
          "the mappings and the set answer like weakref's")
    check(sorted(pages) == ["about", "settings"] and len(members) == 2,
          "keys and sizes")
    check(members[0]() is a, "row 0 of the list model is a Wk.Ref to a")

    print("Dropping the Python variables (the store still holds the objects)")
    del a, b
    check(len(py_set) == 0, "weakref.WeakSet lost them: it followed the Python wrappers")
    check(len(members) == 2 and len(pages) == 2 and len(notes) == 1,
          "the wobj containers still hold them: the GObjects live")
    check(ref() is store.get_item(0), "Wk.Ref still reaches the first object")

    print("Removing the first object from the store (its last reference)")
    store.remove(0)
    check(ref() is None, "the Wk.Ref is dead, its callback ran")
    check(list(pages) == ["about"] and len(notes) == 0 and len(members) == 1,
          "it left every container at once, without gc.collect()")

    try:
        members.add(10)
    except TypeError as e:
        check("int" in str(e), "a non-GObject is refused: %s" % e)
    check(10 not in members, "and a membership test with one answers False")

    store.remove_all()
    check(len(pages) == 0 and len(members) == 0, "the store emptied: all gone")

    if failures:
        print("%d check(s) failed" % failures)
        return 1
    print("Everything happened as expected.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

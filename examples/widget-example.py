#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A child widget that holds its parent weakly, with Wk.Ref, in GTK 4.

Real widgets often keep a pointer to the widget they belong to: a row
talks back to its list, a popover to its view. If that pointer is a strong
reference, a child that outlives its parent (moved elsewhere, kept by a
model or an async call) keeps the parent alive too: a leak. With Wk.Ref the
parent is finalized as soon as GTK lets go of it, and the child is told.

Part one: the child holds its parent with Wk.Ref(parent, callback). The
child is moved to an "orphans" box, the parent is removed from the tree
and finalized at once; the callback tells the child, which lives on.
Part two: the same with a plain (strong) Python reference: the parent
outlives its removal, and only lets go when the child forgets it.

Needs a display: run it under `xvfb-run -a` without one. Run it against
an installed wobj (GI_TYPELIB_PATH, LD_LIBRARY_PATH and PYTHONPATH
pointing at the prefix if it is not a system one: Wk.Ref(obj, callback)
comes from wobj's Python overrides). Exits 0 only if everything happened
as described.
"""

import gc
import sys

import gi

gi.require_version("Gdk", "4.0")
gi.require_version("Gtk", "4.0")
gi.require_version("Wk", "1")
from gi.repository import Gdk, Gtk, Wk  # noqa: E402

failures = 0


def check(ok, what):
    global failures
    print("  %s %s" % ("[ok]  " if ok else "[FAIL]", what))
    if not ok:
        failures += 1


class ChildLabel(Gtk.Label):
    """A label that remembers the box it was made for, weakly or strongly,
    and says whether that box is still there."""

    __gtype_name__ = "WkExampleChildLabel"

    def __init__(self, parent_box, weak=True):
        super().__init__(label="My parent is here")
        self.parent_gone_calls = 0
        if weak:
            # The callback must not hold the child strongly: the Wk.Ref
            # keeps its callback until the parent dies, so a bound method
            # would keep a dropped child alive for as long as its parent
            # lives (a cycle through C that Python's collector cannot see).
            # The callback reaches the child through a Wk.Ref of its own.
            me = Wk.Ref(self)

            def parent_finalized(ref):
                child = me()
                if child is not None:
                    child.parent_gone()

            self._parent_ref = Wk.Ref(parent_box, parent_finalized)
            self._parent = None
        else:
            self._parent_ref = None
            self._parent = parent_box     # a strong reference

    def get_parent_box(self):
        """The box, or None once it is gone."""
        if self._parent_ref is not None:
            return self._parent_ref()     # a new strong reference, or None
        return self._parent

    def forget_parent(self):
        self._parent = None

    def parent_gone(self):
        # Runs on this thread, before the parent's last unref returns.
        self.parent_gone_calls += 1
        self.set_label("My parent is gone")


def build_tree(weak):
    """root (a vertical box) holds "orphans" and "parent"; parent holds the
    child. Returns root, orphans, parent and child."""
    root = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
    orphans = Gtk.Box(name="orphans")
    parent = Gtk.Box(name="parent")
    child = ChildLabel(parent, weak=weak)
    parent.append(child)
    root.append(orphans)
    root.append(parent)
    return root, orphans, parent, child


def weak_child():
    print("Part one: the child holds its parent with Wk.Ref")
    root, orphans, parent, child = build_tree(weak=True)
    witness = Wk.Ref(parent)          # to see whether the parent is finalized

    check(child.get_parent() is parent, "the child sits in its parent")
    check(child.get_parent_box() is parent, "and its Wk.Ref returns the parent")

    # A child dropped while its parent lives goes at once: neither its
    # Wk.Ref nor the callback keeps it.
    brother = ChildLabel(parent)
    parent.append(brother)
    brother_witness = Wk.Ref(brother)
    parent.remove(brother)
    del brother
    check(brother_witness() is None,
          "a second child, removed and dropped, is finalized at once")

    print("  moving the child to the orphans box...")
    parent.remove(child)
    orphans.append(child)

    print("  removing the parent from the tree and dropping it (del parent)...")
    root.remove(parent)
    del parent
    # No gc.collect(): the parent is finalized before `del` returns, because
    # nothing but its Python wrapper held it and wobj holds nothing.

    check(witness() is None, "the parent was finalized at once")
    check(child.parent_gone_calls == 1, "the child's callback ran once")
    check(child.get_parent_box() is None, "the child sees its parent gone")
    check(child.get_label() == "My parent is gone",
          "and says so: \"%s\"" % child.get_label())
    check(orphans.get_first_child() is child, "the child lives on, in the orphans box")

    # The child does not leak either: once GTK drops it, it is finalized.
    child_witness = Wk.Ref(child)
    del child, orphans, root
    check(child_witness() is None, "dropping the tree finalizes the child too")


def strong_child():
    print("Part two: the child holds its parent with a plain reference")
    root, orphans, parent, child = build_tree(weak=False)
    witness = Wk.Ref(parent)

    parent.remove(child)
    orphans.append(child)
    root.remove(parent)
    del parent
    gc.collect()                      # does not help: the child holds it

    check(witness() is not None,
          "the removed parent is still alive: the child keeps it (a leak)")
    check(child.get_label() == "My parent is here",
          "and the child cannot tell it was removed")

    print("  the child forgets its parent...")
    child.forget_parent()
    check(witness() is None, "only now is the parent finalized")


def main():
    # Importing Gtk initializes it; without a display GTK 4 cannot make
    # widgets (and PyGObject's Gtk.init_check() answers True regardless).
    if Gdk.Display.get_default() is None:
        print("widget-example: no display: run it under xvfb-run -a",
              file=sys.stderr)
        return 1
    weak_child()
    strong_child()
    if failures:
        print("widget-example: %d check(s) failed" % failures)
        return 1
    print("widget-example: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

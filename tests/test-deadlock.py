#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The deadlock of GLib 2.74's GWeakRef with PyGObject's toggle references,
# as a Python user meets it: one thread reads weak references (Wk.Ref,
# Wk.ValueTable.copy(), Wk.ValueTable.pop()) while another drops
# Python-owned members. With a lookup built on g_weak_ref_get() it hangs
# every time (docs/threads.md says why); faulthandler turns a hang into a
# failure with every thread's stack instead of a stalled run.
#
# Run with /usr/bin/python3 and the overrides on PYTHONPATH.

import faulthandler
import gc
import sys
import threading
import unittest

import gi

gi.require_version('Wk', '1')
from gi.repository import GObject, Wk  # noqa: E402

HANG_TIMEOUT_S = 120
N_OBJECTS = 50000


class Member(GObject.Object):
    pass


def python_owned(n):
    objs = [Member() for _ in range(n)]
    for o in objs:
        # An instance dict: PyGObject 3.42 then holds the GObject through a
        # toggle reference, its only reference.
        o.x = 1
    return objs


def run_threads(*funcs):
    threads = [threading.Thread(target=f) for f in funcs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


class DeadlockTest(unittest.TestCase):
    def setUp(self):
        faulthandler.dump_traceback_later(HANG_TIMEOUT_S, exit=True)

    def tearDown(self):
        faulthandler.cancel_dump_traceback_later()
        gc.collect()

    def test_ref_reader_and_dropper(self):
        objs = python_owned(N_OBJECTS)
        refs = [Wk.Ref(o) for o in objs]
        keep = objs[::2]
        n_read = [0]

        def reader():
            while objs:
                for r in refs[:2000:2]:
                    if r() is not None:
                        n_read[0] += 1

        def dropper():
            while objs:
                objs.pop()

        run_threads(reader, dropper)

        # The kept half lives; the others died with their wrappers.
        self.assertGreater(n_read[0], 0)
        self.assertTrue(all(refs[i]() is keep[i // 2] for i in range(0, 2000, 2)))
        self.assertTrue(all(refs[i]() is None for i in range(1, N_OBJECTS, 2)))
        del keep
        self.assertTrue(all(r() is None for r in refs))

    def test_value_table_copy_and_pop(self):
        objs = python_owned(N_OBJECTS)
        table = Wk.ValueTable()
        for i, o in enumerate(objs[:4000]):
            table[str(i)] = o
        keep = objs[:4000:2]
        n_copied = [0]
        n_popped = [0]

        def copier():
            while objs:
                n_copied[0] += len(table.copy())

        def popper():
            while objs:
                for i in range(1, 4000, 2):
                    if table.pop(str(i), None) is not None:
                        n_popped[0] += 1

        def dropper():
            while objs:
                objs.pop()

        run_threads(copier, popper, dropper)

        self.assertGreater(n_copied[0], 0)
        # Only the kept members (even indices) can be left.
        self.assertTrue(all(int(k) % 2 == 0 for k in table.keys()))
        del keep
        self.assertEqual(len(table), 0)


if __name__ == '__main__':
    unittest.main(argv=sys.argv, verbosity=2)

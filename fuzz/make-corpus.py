#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the seed corpus of fuzz-containers into fuzz/corpus/.

    python3 fuzz/make-corpus.py [OUTPUT-DIRECTORY]

An input is two bytes (bit i of the first makes object slot i at the start,
of type FuzzB when bit i of the second is set, FuzzA otherwise) followed by
operations: an opcode byte and its argument bytes. The opcode numbers are
the OP_* enum of fuzz-containers.c, in the same order; keep both in step.
Each seed below covers one operation or one behaviour, so that the fuzzer
starts from inputs that reach every code path.
"""
import os
import sys

(NEW_OBJECT, KILL, RUN_DISPOSE, KILL_THREAD,
 VT_INSERT, VT_REMOVE, VT_POP, VT_LOOKUP_OR_INSERT, VT_REMOVE_ALL,
 KT_INSERT, KT_REMOVE, KT_POP, KT_LOOKUP_OR_INSERT, KT_REMOVE_ALL,
 SET_ADD, SET_REMOVE, SET_POP, SET_REMOVE_ALL, SET_BINARY,
 DROP_CONTAINER, REF_NEW, REF_DROP, HANDLER, ITER_KILL, FULL_TABLES, SET_THREAD) = range(26)

VT, KT, SET0, SET1 = range(4)
# handler modes
H_NONE, H_INSERT, H_REMOVE, H_CLEAR, H_DROP, H_KILL = range(6)
# WkRef callback modes
CB_NONE, CB_DROP_SELF, CB_KILL, CB_NO_CALLBACK = range(4)

ALL_A = (0xFF, 0x00)          # eight FuzzA objects
MIXED = (0xFF, 0xAA)          # odd slots are FuzzB

SEEDS = {
    'value-table-basic': (ALL_A, [
        (VT_INSERT, 0, 0), (VT_INSERT, 1, 1), (VT_INSERT, 0, 2),
        (VT_REMOVE, 1), (VT_POP, 0), (VT_POP, 3),
        (VT_INSERT, 2, 3), (VT_INSERT, 3, 3), (VT_REMOVE_ALL,),
    ]),
    'value-table-death': (ALL_A, [
        (VT_INSERT, 0, 0), (VT_INSERT, 1, 0), (VT_INSERT, 2, 1),
        (KILL, 0), (KILL, 1), (NEW_OBJECT, 0, 0), (VT_INSERT, 0, 0),
    ]),
    'value-table-lookup-or-insert': ((0x01, 0x00), [
        (VT_LOOKUP_OR_INSERT, 0, 0), (VT_LOOKUP_OR_INSERT, 0, 1),
        (VT_LOOKUP_OR_INSERT, 1, 5), (VT_LOOKUP_OR_INSERT, 2, 255),
        (KILL, 5), (VT_LOOKUP_OR_INSERT, 1, 6),
    ]),
    'key-table-basic': (ALL_A, [
        (KT_INSERT, 0, 10), (KT_INSERT, 1, 20), (KT_INSERT, 0, 30),
        (KT_LOOKUP_OR_INSERT, 2, 40), (KT_LOOKUP_OR_INSERT, 2, 50),
        (KT_REMOVE, 1), (KT_POP, 0), (KT_POP, 3), (KT_REMOVE_ALL,),
    ]),
    'key-table-death': (ALL_A, [
        (KT_INSERT, 0, 7), (KT_INSERT, 1, 9), (KILL, 0),
        (NEW_OBJECT, 0, 1), (KT_INSERT, 0, 11), (KILL, 1),
    ]),
    'set-basic': (MIXED, [
        (SET_ADD, 0, 0), (SET_ADD, 0, 1), (SET_ADD, 0, 0), (SET_ADD, 1, 2),
        (SET_ADD, 1, 4), (SET_REMOVE, 0, 1), (SET_POP, 0), (SET_POP, 1),
        (SET_ADD, 0, 3), (SET_REMOVE_ALL, 0),
    ]),
    'set-binary': (MIXED, [
        (SET_ADD, 0, 0), (SET_ADD, 0, 1), (SET_ADD, 0, 2),
        (SET_ADD, 1, 2), (SET_ADD, 1, 4), (SET_ADD, 1, 6),
    ] + [(SET_BINARY, w) for w in (4, 5, 6, 7, 0, 1, 3, 2)]),
    'set-death': (MIXED, [
        (SET_ADD, 0, 0), (SET_ADD, 1, 0), (SET_ADD, 0, 1), (KILL, 0),
        (SET_POP, 0), (KILL, 1),
    ]),
    'refs': (ALL_A, [
        (REF_NEW, 0, 0, CB_NONE, 0), (REF_NEW, 1, 0, CB_NO_CALLBACK, 0),
        (REF_NEW, 2, 1, CB_DROP_SELF, 0), (REF_NEW, 3, 2, CB_KILL, 3),
        (KILL, 0), (KILL, 1), (KILL, 2), (REF_DROP, 1), (REF_DROP, 0),
    ]),
    'run-dispose': (ALL_A, [
        (VT_INSERT, 0, 0), (KT_INSERT, 0, 1), (SET_ADD, 0, 0), (SET_ADD, 1, 0),
        (REF_NEW, 0, 0, CB_NONE, 0), (RUN_DISPOSE, 0),
        (VT_INSERT, 0, 0), (SET_ADD, 0, 0), (KILL, 0),
    ]),
    'thread-death': (ALL_A, [
        (VT_INSERT, 0, 0), (VT_INSERT, 1, 1), (KT_INSERT, 0, 5),
        (SET_ADD, 0, 0), (SET_ADD, 1, 0), (SET_ADD, 0, 1),
        (REF_NEW, 0, 0, CB_NONE, 0), (KILL_THREAD, 0), (KILL_THREAD, 1),
    ]),
    'drop-containers': (ALL_A, [
        (VT_INSERT, 0, 0), (KT_INSERT, 0, 1), (SET_ADD, 0, 0), (SET_ADD, 1, 0),
        (DROP_CONTAINER, VT), (DROP_CONTAINER, KT), (DROP_CONTAINER, SET0),
        (DROP_CONTAINER, SET1), (KILL, 0), (VT_INSERT, 0, 1),
    ]),
    'handlers-reentrant': (ALL_A, [
        (HANDLER, VT, H_INSERT, 7), (HANDLER, KT, H_REMOVE, 2),
        (HANDLER, SET0, H_CLEAR, 0), (HANDLER, SET1, H_KILL, 3),
        (VT_INSERT, 0, 0), (VT_INSERT, 1, 0), (KT_INSERT, 0, 1), (KT_INSERT, 2, 2),
        (SET_ADD, 0, 0), (SET_ADD, 0, 1), (SET_ADD, 1, 0), (SET_ADD, 1, 3),
        (KILL, 0), (KILL_THREAD, 1),
    ]),
    'handlers-drop': (ALL_A, [
        (HANDLER, VT, H_DROP, 0), (HANDLER, SET0, H_DROP, 0),
        (VT_INSERT, 0, 0), (VT_INSERT, 1, 0), (SET_ADD, 0, 0), (SET_ADD, 0, 1),
        (KILL, 0), (VT_INSERT, 0, 1), (KILL_THREAD, 1),
    ]),
    'iterate-with-death': (ALL_A, [
        (VT_INSERT, 0, 0), (VT_INSERT, 1, 1), (VT_INSERT, 2, 2),
        (KT_INSERT, 0, 1), (KT_INSERT, 1, 2), (KT_INSERT, 2, 3),
        (SET_ADD, 0, 0), (SET_ADD, 0, 1), (SET_ADD, 0, 2),
        (ITER_KILL, 0, 0, 2), (ITER_KILL, 1, 0, 1), (ITER_KILL, 2, 0, 0),
    ]),
    # steps bit 2: the walk stops after the death (iter_clear)
    'iterate-stop-early': (ALL_A, [
        (VT_INSERT, 0, 0), (VT_INSERT, 1, 1), (VT_INSERT, 2, 2),
        (KT_INSERT, 0, 1), (KT_INSERT, 1, 2),
        (SET_ADD, 0, 0), (SET_ADD, 0, 1), (SET_ADD, 0, 2),
        (ITER_KILL, 0, 4, 2), (ITER_KILL, 1, 4, 1), (ITER_KILL, 2, 4, 0),
    ]),
    # which: bit 0 lookup_or_insert, 0x10 pop, 0x20 a member dies,
    # 0x40 the value table goes first; (which / 2) % 8 is the victim
    # a set changed from a worker thread: third byte even adds, odd removes
    'set-thread': (MIXED, [
        (SET_ADD, 0, 0), (SET_THREAD, 0, 1, 0), (SET_THREAD, 1, 2, 0),
        (SET_THREAD, 0, 0, 1), (SET_THREAD, 0, 3, 0), (KILL_THREAD, 3),
        (SET_THREAD, 1, 2, 1), (SET_ADD, 0, 0),
    ]),
    'full-tables': (ALL_A, [
        (FULL_TABLES, 0x0F, 0x01), (FULL_TABLES, 0xFF, 0x13),
        (FULL_TABLES, 0x3C, 0x25), (FULL_TABLES, 0xFF, 0x67),
    ]),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus')
    os.makedirs(out, exist_ok=True)
    for name, (head, ops) in SEEDS.items():
        data = bytes(head) + b''.join(bytes(op) for op in ops)
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)
    print('wrote %d seeds to %s' % (len(SEEDS), out))


if __name__ == '__main__':
    main()

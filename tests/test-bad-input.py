#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Promise 7 from Python, through the plain introspected API: a non-GObject
# argument (10, 'str', object(), and None where the argument is not
# nullable) to every method that takes an object (or a WkSet, or a string
# key) raises TypeError, and the container is unchanged afterwards: its
# size, its contents and (for a set) its list model.
#
# The matrix is table-driven: CASES lists every (type, method, argument);
# each row becomes one test method per bad value.

import gc
import sys
import unittest

import gi

gi.require_version('Wk', '1')
gi.require_version('Gio', '2.0')
from gi.repository import GObject, Wk  # noqa: E402

from wk_test_util import drain  # noqa: E402

BAD_VALUES = {
    'int': 10,
    'str': 'str',
    'object': object(),
    'None': None,
}


class Fixture:
    def __init__(self):
        self.o1 = GObject.Object()
        self.o2 = GObject.Object()
        self.o3 = GObject.Object()
        self.ref = Wk.Ref.new(self.o1)
        self.vt = Wk.ValueTable.new()
        self.vt.insert('a', self.o1)
        self.vt.insert('b', self.o2)
        self.kt = Wk.KeyTable.new()
        for key, number in ((self.o1, 1), (self.o2, 2)):
            value = GObject.Value(GObject.TYPE_INT, number)
            self.kt.insert_value(key, value)
        self.set = Wk.Set.new(GObject.Object)
        self.set.add(self.o1)
        self.set.add(self.o2)
        self.other = Wk.Set.new(GObject.Object)
        self.other.add(self.o2)
        self.other.add(self.o3)

    def describe(self):
        keys, values = self.vt.dup_entries()
        kt_keys = self.kt.dup_keys()
        return {
            'ref': self.ref.dup_object(),
            'vt_size': self.vt.get_size(),
            'vt': list(zip(keys, [id(v) for v in values])),
            'kt_size': self.kt.get_size(),
            'kt': [(id(k), self.kt.lookup_value(k)[1]) for k in kt_keys],
            'set_size': self.set.get_size(),
            'set': [id(m) for m in self.set.dup_members()],
            'set_n_items': self.set.get_n_items(),
            'other': [id(m) for m in self.other.dup_members()],
        }


def typed_value(n=7):
    return GObject.Value(GObject.TYPE_INT, n)


def noop(*args):
    return None


# (name, callable(fixture, bad), which bad values): every method whose
# argument is a GObject (or a WkSet, or a non-nullable string key).
OBJECT_BAD = ('int', 'str', 'object', 'None')
KEY_BAD = ('int', 'object', 'None')  # 'str' is a valid key
CASES = [
    # WkRef
    ('Ref.new/object', lambda f, b: Wk.Ref.new(b), OBJECT_BAD),
    ('Ref.new_full/object', lambda f, b: Wk.Ref.new_full(b, None), OBJECT_BAD),
    # WkValueTable
    ('ValueTable.insert/object', lambda f, b: f.vt.insert('a', b), OBJECT_BAD),
    ('ValueTable.insert/key', lambda f, b: f.vt.insert(b, f.o3), KEY_BAD),
    ('ValueTable.lookup/key', lambda f, b: f.vt.lookup(b), KEY_BAD),
    ('ValueTable.contains/key', lambda f, b: f.vt.contains(b), KEY_BAD),
    ('ValueTable.remove/key', lambda f, b: f.vt.remove(b), KEY_BAD),
    ('ValueTable.pop/key', lambda f, b: f.vt.pop(b), KEY_BAD),
    ('ValueTable.lookup_or_insert/key',
     lambda f, b: f.vt.lookup_or_insert(b, lambda k: GObject.Object()), KEY_BAD),
    # WkKeyTable
    ('KeyTable.insert_value/key', lambda f, b: f.kt.insert_value(b, typed_value()), OBJECT_BAD),
    ('KeyTable.lookup_value/key', lambda f, b: f.kt.lookup_value(b), OBJECT_BAD),
    ('KeyTable.lookup_or_insert_value/key',
     lambda f, b: f.kt.lookup_or_insert_value(b, typed_value()), OBJECT_BAD),
    ('KeyTable.pop_value/key', lambda f, b: f.kt.pop_value(b), OBJECT_BAD),
    ('KeyTable.contains/key', lambda f, b: f.kt.contains(b), OBJECT_BAD),
    ('KeyTable.remove/key', lambda f, b: f.kt.remove(b), OBJECT_BAD),
    ('KeyTable.insert/key', lambda f, b: f.kt.insert(b, None), OBJECT_BAD),
    ('KeyTable.lookup/key', lambda f, b: f.kt.lookup(b), OBJECT_BAD),
    ('KeyTable.pop/key', lambda f, b: f.kt.pop(b), OBJECT_BAD),
    ('KeyTable.lookup_or_insert/key',
     lambda f, b: f.kt.lookup_or_insert(b, noop), OBJECT_BAD),
    # WkSet
    ('Set.add/object', lambda f, b: f.set.add(b), OBJECT_BAD),
    ('Set.remove/object', lambda f, b: f.set.remove(b), OBJECT_BAD),
    ('Set.contains/object', lambda f, b: f.set.contains(b), OBJECT_BAD),
]
for _method in ('update', 'intersection_update', 'difference_update',
                'symmetric_difference_update', 'union', 'intersection',
                'difference', 'symmetric_difference', 'is_subset',
                'is_superset', 'is_disjoint', 'equal'):
    CASES.append(('Set.%s/other' % _method,
                  (lambda m: lambda f, b: getattr(f.set, m)(b))(_method),
                  OBJECT_BAD))


class BadInputTestCase(unittest.TestCase):
    def setUp(self):
        self.f = Fixture()

    def tearDown(self):
        self.f = None
        gc.collect()

    def check(self, call, bad):
        before = self.f.describe()
        with self.assertRaises(TypeError) as cm:
            call(self.f, bad)
        after = self.f.describe()
        self.assertEqual(before, after)
        # the message says what was wrong (a type or "None")
        self.assertTrue(str(cm.exception))


def _make_test(call, bad_name):
    def test(self):
        self.check(call, BAD_VALUES[bad_name])
    return test


for _name, _call, _bads in CASES:
    for _bad in _bads:
        _test_name = 'test_%s_%s' % (_name.replace('.', '_').replace('/', '__'), _bad)
        setattr(BadInputTestCase, _test_name, _make_test(_call, _bad))


class CompletenessTestCase(unittest.TestCase):
    """Every introspected method with a GObject/WkSet argument is in CASES."""

    def test_all_object_methods_listed(self):
        gi.require_version('GIRepository', '2.0')
        from gi.repository import GIRepository as G
        repo = G.Repository.get_default()
        listed = {name.split('/')[0] + '/' + name.split('/')[1] for name, _, _ in CASES}
        missing = []
        for type_name in ('Ref', 'ValueTable', 'KeyTable', 'Set'):
            info = repo.find_by_name('Wk', type_name)
            for i in range(G.object_info_get_n_methods(info)):
                m = G.object_info_get_method(info, i)
                for j in range(G.callable_info_get_n_args(m)):
                    a = G.callable_info_get_arg(m, j)
                    if G.arg_info_get_direction(a) != G.Direction.IN:
                        continue
                    t = G.arg_info_get_type(a)
                    if G.type_info_get_tag(t) != G.TypeTag.INTERFACE:
                        continue
                    iface = G.type_info_get_interface(t)
                    if iface.get_type() != G.InfoType.OBJECT:
                        continue
                    key = '%s.%s/%s' % (type_name, m.get_name(), a.get_name())
                    if key not in listed:
                        missing.append(key)
        self.assertEqual(missing, [])


class UnchangedAfterAllTestCase(unittest.TestCase):
    """All the bad calls in a row on one fixture: still unchanged, and the
    members still die normally afterwards."""

    def test_all_then_finalize(self):
        f = Fixture()
        before = f.describe()
        for _name, call, bads in CASES:
            for bad in bads:
                with self.assertRaises(TypeError):
                    call(f, BAD_VALUES[bad])
        self.assertEqual(before, f.describe())
        vt, kt, s = f.vt, f.kt, f.set
        f.o1 = f.o2 = f.o3 = None
        f.other = None
        ref = f.ref
        del f, before
        gc.collect()
        drain()
        self.assertEqual(vt.get_size(), 0)
        self.assertEqual(kt.get_size(), 0)
        self.assertEqual(s.get_size(), 0)
        self.assertEqual(s.get_n_items(), 0)
        self.assertFalse(ref.is_alive())


if __name__ == '__main__':
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)

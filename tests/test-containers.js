// SPDX-License-Identifier: LGPL-2.1-or-later
//
// WkValueTable, WkKeyTable and WkSet from gjs, through the plain
// introspected API. Run as `gjs -m test-containers.js`; an uncaught
// exception exits non-zero.
//
// gjs keeps a toggle reference on every GObject that has a JS wrapper, so
// such an object is only finalized once nothing else holds it and the
// wrapper was garbage-collected. So every member here is held by a
// Gio.ListStore, its wrappers are made inside inner functions and left
// unreachable, quiesce() collects them, and then removing the object from
// the store finalizes it at once, on this thread: the containers' lookups
// and sizes are checked right after the removal. Their signals
// (object-finalized, and a set's items-changed for a dead member) are not
// emitted then: gjs's default delivery is Wk.Delivery.IDLE, so they come
// from the main context. Each death is checked twice: nothing signalled
// before drain() iterates the context, everything once after it.
// (tests/test-gc-deaths.js covers objects that die inside a collection.)
//
// Every object a test makes is tracked with a handler-less Wk.Ref (whose
// is_alive() works whatever thread or collection finalizes the object),
// and each test ends by emptying its stores and checking that every
// tracked object was finalized.
//
// What is not here, and why:
// - A member finalized on another thread: gjs has no threads that can run
//   JavaScript or make GObjects die elsewhere (tests/test-threads.c does).
// - A member of the wrong type for a typed set (Wk.Set.new(Gio.ListStore)
//   given a plain GObject.Object): that passes gjs's type check (the
//   parameter is a GObject.Object) and gets wobj's g_critical, which the
//   test environment's G_DEBUG=fatal-warnings turns into an abort
//   (tests/test-bad-input.c covers it).
// - WkKeyTable.dup_values() and the values of dup_entries(): gjs 1.74.2
//   crashes (SIGSEGV in g_value_type_transformable, reached from gjs's
//   array marshalling) converting the returned GPtrArray of GValue *,
//   although the array wobj returns is right (checked from C). Its keys
//   (dup_keys) work and are tested.
// - GObject values read back through a caller-allocated out GValue
//   (KeyTable.lookup_value, lookup_or_insert_value, pop_value): gjs 1.74.2
//   never unsets such a GValue, so a GObject read that way keeps one
//   reference forever (Gtk.TreeModel.get_value, the same kind of out
//   GValue, leaks the same way; from C, wobj's copy is released by
//   g_value_unset). Strings, numbers and booleans are read that way here;
//   the GObject values read back are left out of the "every object
//   finalized" checks, and GObject values are otherwise checked through
//   object-finalized, whose GValue gjs does not leak.
// - The raw pointer APIs of a key table (insert, lookup, pop,
//   lookup_or_insert, and the value argument of foreach and of
//   KeyTableIter.next): they carry untyped gpointers, meant for tables made
//   with wk_key_table_new_full() in C, which is not introspectable. gjs
//   gives such a pointer to JavaScript as undefined or null; from JS, use
//   insert_value, lookup_value, pop_value and lookup_or_insert_value.

import Wk from 'gi://Wk?version=1';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';

import {check, checkCount, drain, newStore, quiesce, setDefaultDelivery, settle} from './wkTestUtil.js';

let nPassed = 0;

// Every object the tests make, as a Wk.Ref with no callback and no handler.
let tracked = [];
// Objects that gjs 1.74 leaks a reference to (read back through a
// caller-allocated GValue): reported at the end, not checked.
const gjsLeaks = [];

function track(object) {
    tracked.push(Wk.Ref.new(object));
    return object;
}

// Appends @n new objects to @store; their JS wrappers are unreachable when
// this returns.
function fill(store, n) {
    for (let i = 0; i < n; i++)
        store.append(track(new GObject.Object()));
}

// Closures made inside a test's inner functions capture those functions'
// variables, which hold wrappers: gjs 1.74 was seen keeping such a closure
// (a callback given to foreach(), or even a plain nested arrow function
// called on the spot) reachable after the test, with everything it
// captured, in a way that depends on what ran before, so that objects the
// captured wrappers stood for were never finalized (each then had a
// reference count of 1: its wrapper's toggle reference, nothing of wobj's).
// So the callbacks and helpers that see objects are made out here, and
// keep positions rather than objects.

// A callback for foreach() that appends to @out what it is given, with
// objects replaced by their position in @store.
function recorder(store, out) {
    return (...args) => {
        const entry = args.slice(0, 2).map(a => a instanceof GObject.Object ? indexIn(store, a) : a);
        out.push(entry.length === 1 || entry[1] === undefined || entry[1] === null ? entry[0] : entry);
    };
}

// Stores a new GObject as the value of @key and reads it back. Reading it
// with lookup_value leaks a reference (see the top of the file), so it is
// not one of the tracked objects.
function addObjectValue(table, key) {
    const value = new GObject.Object();
    gjsLeaks.push(Wk.Ref.new(value));
    table.insert_value(key, value);
    check(table.lookup_value(key)[1] === value, 'a GObject value');
}

// Position of @object in @store, -1 if it is not there.
function indexIn(store, object) {
    for (let i = 0; i < store.get_n_items(); i++) {
        if (store.get_item(i) === object)
            return i;
    }
    return -1;
}

function throws(func) {
    try {
        func();
    } catch (e) {
        return e instanceof Error;
    }
    return false;
}

// Values a JS program may store in a key table: string, numbers, boolean.
// (GObject values are tested on their own: they are objects to track.)
const PLAIN_VALUES = ['a string', 42, 1.5, -7, true, false, ''];

function sameValue(a, b) {
    return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

// The list model's rows, with for...of where gjs makes a Gio.ListModel
// iterable. gjs 1.74 does not: Gio.ListModel has no Symbol.iterator there,
// and `for (const item of set)` throws "set is not iterable", so there the
// rows are read by index (a gjs that adds it gets the for...of path).
function rows(model) {
    const items = [];
    if (typeof model[Symbol.iterator] === 'function') {
        for (const item of model)
            items.push(item);
    } else {
        for (let i = 0; i < model.get_n_items(); i++)
            items.push(model.get_item(i));
    }
    return items;
}

function test(name, func) {
    tracked = [];
    func();
    quiesce();
    // Whatever the test left in its stores is gone with them by now; every
    // object it made must have been finalized.
    settle(() => tracked.every(r => !r.is_alive()), `every object of "${name}" finalized`);
    check(tracked.every(r => !r.is_alive()), `every object of "${name}" finalized`);
    nPassed++;
    print(`ok ${nPassed} - ${name}`);
}

// Empties @stores, checks that every tracked object died at once, then
// runs the main context, which delivers their deaths to the containers
// (their signals, and the removal of a set's dead rows).
function finish(...stores) {
    quiesce();
    for (const store of stores)
        store.remove_all();
    const alive = tracked.map((r, i) => r.is_alive() ? i : -1).filter(i => i >= 0);
    check(alive.length === 0,
        `every object finalized when its store is emptied (alive: ${alive} of ${tracked.length})`);
    drain();
}

/* ----------------------------------------------------------------------- */
/* Construction                                                            */
/* ----------------------------------------------------------------------- */

test('construction with new and with the constructors', () => {
    // key-type and value-type say what a table holds: strings and
    // GValues. key-type can't be set: only C, with a hash function, makes
    // pointer keys, which would keep JavaScript's strings uncopied.
    const tables = [new Wk.ValueTable(), Wk.ValueTable.new()];
    let threw = false;
    try {
        new Wk.ValueTable({key_type: GObject.TYPE_POINTER});
    } catch (e) {
        threw = true;
    }
    check(threw, 'key-type is not writable');
    for (const t of tables) {
        check(t instanceof Wk.ValueTable, 'a Wk.ValueTable');
        check(t.key_type === GObject.TYPE_STRING, 'key-type property string');
        check(t.get_size() === 0, 'value table empty');
        check(t.lookup('x') === null, 'lookup in an empty value table is null');
        check(!t.contains('x'), 'empty value table contains nothing');
    }
    // (gjs 1.74 crashes when a property is given the GType of GValue
    // itself: the GValue type is only read here.)
    const gvalueType = GObject.type_from_name('GValue');
    const keyTables = [new Wk.KeyTable(), Wk.KeyTable.new()];
    for (const t of keyTables) {
        check(t instanceof Wk.KeyTable, 'a Wk.KeyTable');
        check(t.value_type === gvalueType, 'value-type property GValue');
        check(t.get_size() === 0, 'key table empty');
    }
    const sets = [new Wk.Set(), Wk.Set.new(GObject.Object), new Wk.Set({member_type: GObject.Object})];
    for (const s of sets) {
        check(s instanceof Wk.Set, 'a Wk.Set');
        check(s instanceof Gio.ListModel, 'a Wk.Set is a Gio.ListModel');
        check(s.get_size() === 0, 'set empty');
        check(s.get_n_items() === 0, 'model empty');
        check(s.get_member_type() === GObject.Object.$gtype, 'member type GObject');
        check(s.member_type === GObject.Object.$gtype, 'member-type property GObject');
        check(s.get_item_type() === Wk.Ref.$gtype, 'item type Wk.Ref');
        check(s.get_item(0) === null, 'get_item(0) of an empty set is null');
    }
    const typed = [Wk.Set.new(Gio.ListStore), new Wk.Set({member_type: Gio.ListStore})];
    for (const s of typed)
        check(s.get_member_type() === Gio.ListStore.$gtype, 'typed set member type');

    // Tables made with new work like the others (a plain g_object_new()).
    const store = newStore();
    fill(store, 1);
    (() => {
        const object = store.get_item(0);
        for (const t of tables) {
            check(t.insert('k', object), 'insert into a new table');
            check(t.lookup('k') === object, 'lookup after insert');
        }
        for (const t of keyTables) {
            check(t.insert_value(object, 'v'), 'insert_value into a new key table');
            check(t.lookup_value(object)[1] === 'v', 'lookup_value after insert_value');
        }
        for (const s of sets)
            check(s.add(object) && s.contains(object), 'add to a new set');
    })();
    quiesce();
    finish(store);
    for (const c of [...tables, ...keyTables, ...sets])
        check(c.get_size() === 0, 'containers empty once the member died');
});

/* ----------------------------------------------------------------------- */
/* WkValueTable                                                            */
/* ----------------------------------------------------------------------- */

for (const [how, make] of [['new', () => new Wk.ValueTable()], ['.new()', () => Wk.ValueTable.new()]]) {
    test(`value table basics (${how})`, () => {
        const store = newStore();
        fill(store, 3);
        const table = make();

        (() => {
            const [a, b, c] = [0, 1, 2].map(i => store.get_item(i));
            check(table.insert('a', a) === true, 'insert a: no live value before');
            check(table.insert('b', b) === true, 'insert b');
            check(table.insert('c', c) === true, 'insert c');
            check(table.get_size() === 3, 'size 3');
            check(table.lookup('a') === a, 'lookup a');
            check(table.lookup('b') === b, 'lookup b');
            check(table.lookup('nope') === null, 'lookup of a missing key is null');
            check(table.contains('c'), 'contains c');
            check(!table.contains('nope'), 'does not contain a missing key');
            check(!table.contains(''), 'does not contain the empty key');

            // Replacing a value.
            check(table.insert('c', a) === false, 'insert over a live value returns false');
            check(table.lookup('c') === a, 'replaced value');
            check(table.get_size() === 3, 'size unchanged by a replacement');
            check(table.insert('c', c) === false, 'replace back');

            const keys = table.dup_keys();
            check(Array.isArray(keys), 'dup_keys gives an array');
            check(keys.join() === 'a,b,c', `dup_keys in insertion order, got ${keys}`);
            const values = table.dup_values();
            check(values.length === 3 && values[0] === a && values[1] === b && values[2] === c,
                'dup_values in insertion order');
            const [eKeys, eValues] = table.dup_entries();
            check(eKeys.join() === 'a,b,c', 'dup_entries keys');
            check(eValues[0] === a && eValues[1] === b && eValues[2] === c, 'dup_entries values');

            const seen = [];
            table.foreach(recorder(store, seen));
            check(seen.length === 3, 'foreach visits 3 entries');
            check(seen.map(e => e[0]).join() === 'a,b,c', 'foreach in insertion order');
            check(seen.map(e => e[1]).join() === '0,1,2', 'foreach gives the values');

            // foreach may change the table.
            table.foreach(key => {
                if (key === 'b')
                    table.remove('a');
            });
            check(!table.contains('a') && table.get_size() === 2, 'foreach handler removed a');
            check(table.insert('a', a), 'a back (at the end)');
            check(table.dup_keys().join() === 'b,c,a', 'a re-inserted at the end');

            check(table.remove('b') === true, 'remove b');
            check(table.remove('b') === false, 'remove b again');
            check(table.remove('nope') === false, 'remove a missing key');
            check(!table.contains('b') && table.lookup('b') === null, 'b gone');
            check(table.get_size() === 2, 'size 2 after remove');

            check(table.pop('c') === c, 'pop gives the value');
            check(table.pop('c') === null, 'pop of a missing key is null');
            check(!table.contains('c') && table.get_size() === 1, 'c gone after pop');

            table.remove_all();
            check(table.get_size() === 0, 'remove_all empties');
            check(table.dup_keys().length === 0 && table.dup_values().length === 0, 'no snapshot after remove_all');
            check(table.lookup('a') === null, 'nothing left after remove_all');
            table.remove_all();
            check(table.get_size() === 0, 'remove_all twice');
        })();

        quiesce();
        check(store.get_n_items() === 3, 'the store still holds the objects');
        check(tracked.every(r => r.is_alive()), 'nothing removed from the table died');
        finish(store);
    });
}

test('value table lookup_or_insert', () => {
    const store = newStore();
    const table = new Wk.ValueTable();
    let calls = [];
    const factory = key => {
        calls.push(key);
        const object = track(new GObject.Object());
        store.append(object);
        return object;
    };

    (() => {
        const made = table.lookup_or_insert('k', factory);
        check(calls.join() === 'k', 'factory called with the key');
        check(made instanceof GObject.Object, 'lookup_or_insert returns the made object');
        check(made === store.get_item(0), 'the object the factory made');
        check(table.lookup('k') === made, 'and it is inserted');
        check(table.get_size() === 1, 'size 1');

        const again = table.lookup_or_insert('k', factory);
        check(again === made, 'a second lookup_or_insert gives the same object');
        check(calls.length === 1, 'factory not called for a live key');
    })();

    check(table.lookup_or_insert('none', () => null) === null, 'a factory returning null gives null');
    check(!table.contains('none') && table.get_size() === 1, 'and inserts nothing');

    // The entry follows the object's lifetime.
    quiesce();
    store.remove_all();
    check(!table.contains('k') && table.get_size() === 0, 'entry gone when the made object died');
    calls = [];
    (() => {
        const remade = table.lookup_or_insert('k', factory);
        check(calls.join() === 'k', 'factory called again once the value died');
        check(remade === store.get_item(0), 'the new object');
    })();
    finish(store);
    check(table.get_size() === 0, 'empty at the end');
});

test('value table iterator', () => {
    const store = newStore();
    fill(store, 4);
    const table = new Wk.ValueTable();
    (() => {
        for (let i = 0; i < 4; i++)
            table.insert(`k${i}`, store.get_item(i));
    })();
    quiesce();

    // gjs can allocate the iterator: it is a plain struct of known size,
    // and `new` gives a zeroed one, which init() fills.
    (() => {
        const iter = new Wk.ValueTableIter();
        check(iter instanceof Wk.ValueTableIter, 'new Wk.ValueTableIter()');
        iter.init(table);
        const keys = [];
        for (;;) {
            const [more, key, object] = iter.next();
            if (!more) {
                check(key === null && object === null, 'nothing at the end');
                break;
            }
            check(object === store.get_item(Number(key.slice(1))), `iterated value of ${key}`);
            keys.push(key);
        }
        check(keys.join() === 'k0,k1,k2,k3', `iterator in insertion order, got ${keys}`);
        check(iter.next()[0] === false, 'next after the end is still false');
    })();

    // A value that dies during the walk is skipped.
    quiesce();
    (() => {
        const iter = new Wk.ValueTableIter();
        iter.init(table);
        const [more, key] = iter.next();
        check(more && key === 'k0', 'first entry');
        store.remove(2);     // the object of k2 dies now
        check(!tracked[2].is_alive(), 'the object of k2 died at once');
        const keys = [];
        for (let r = iter.next(); r[0]; r = iter.next())
            keys.push(r[1]);
        check(keys.join() === 'k1,k3', `dead value skipped, got ${keys}`);
    })();
    check(!table.contains('k2') && table.get_size() === 3, 'k2 gone');

    // A walk that stops early is ended with clear().
    (() => {
        const iter = new Wk.ValueTableIter();
        iter.init(table);
        check(iter.next()[0], 'one step');
        iter.clear();
    })();
    finish(store);
    check(table.get_size() === 0, 'empty at the end');
});

test('value table object-finalized with the string key, from the main context', () => {
    const store = newStore();
    fill(store, 3);
    const table = new Wk.ValueTable();
    const events = [];
    table.connect('object-finalized', (t, key) => {
        check(t === table, 'the table');
        check(typeof key === 'string', `the key is a string, got ${typeof key}`);
        check(!t.contains(key) && t.lookup(key) === null, 'the entry is gone in the handler');
        events.push([key, t.get_size()]);
    });
    (() => {
        table.insert('first', store.get_item(0));
        table.insert('second', store.get_item(1));
        table.insert('third', store.get_item(2));
        // 'gone' held the second object, then was removed: not reported.
        table.insert('gone', store.get_item(1));
        table.remove('gone');
    })();
    quiesce();
    check(events.length === 0, 'nothing reported while alive');

    store.remove(1);     // the object of 'second' is finalized now
    check(table.get_size() === 2 && !table.contains('second') && table.lookup('second') === null,
        'entry gone before remove() returned');
    check(table.dup_keys().join() === 'first,third', 'other keys kept');
    check(events.length === 0, `not reported before the main context ran, got ${events.length}`);
    drain();
    check(events.length === 1, `reported once the main context ran, got ${events.length}`);
    check(events[0][0] === 'second', `key "second", got ${events[0][0]}`);
    check(events[0][1] === 2, 'size already 2 in the handler');
    check(table.get_size() === 2 && !table.contains('second'), 'entry gone');
    check(table.dup_keys().join() === 'first,third', 'other keys kept');

    // A handler may change the table.
    const handler = table.connect('object-finalized', t => t.remove('third'));
    store.remove(0);     // 'first'
    check(table.get_size() === 1 && !table.contains('first'), "'first' gone at once");
    check(events.length === 1, "'first' not reported before the main context ran");
    drain();
    check(events.map(e => e[0]).join() === 'second,first', 'first reported');
    check(table.get_size() === 0, 'handler removed third');
    table.disconnect(handler);

    // A replaced value's death is not reported for its old key.
    (() => {
        table.insert('x', store.get_item(0));
    })();
    quiesce();
    store.remove(0);
    check(table.get_size() === 0 && !table.contains('x'), "'x' gone at once");
    check(events.length === 2, "'x' not reported before the main context ran");
    drain();
    check(events.map(e => e[0]).join() === 'second,first,x', 'x reported');
    check(events.length === 3, 'each death reported once');
    finish(store);
    quiesce();
    check(events.length === 3, 'nothing more reported');
});

/* ----------------------------------------------------------------------- */
/* WkKeyTable                                                              */
/* ----------------------------------------------------------------------- */

for (const [how, make] of [['new', () => new Wk.KeyTable()], ['.new()', () => Wk.KeyTable.new()]]) {
    test(`key table values of several kinds (${how})`, () => {
        const store = newStore();
        fill(store, 3);
        const table = make();

        (() => {
            const [a, b, c] = [0, 1, 2].map(i => store.get_item(i));
            for (const value of PLAIN_VALUES) {
                table.insert_value(a, value);
                const [found, got] = table.lookup_value(a);
                check(found, `lookup_value finds ${JSON.stringify(value)}`);
                check(sameValue(got, value), `round trip of ${JSON.stringify(value)}, got ${JSON.stringify(got)}`);
                check(typeof got === typeof value, `type of ${JSON.stringify(value)} kept`);
            }
            check(table.get_size() === 1, 'replacing values keeps one entry');

            // A GObject value: held strongly by the table.
            addObjectValue(table, b);
            check(table.lookup_value(b)[1] !== c, 'a GObject value is compared by identity');

            check(table.insert_value(c, 'first') === true, 'insert_value: no value before');
            check(table.insert_value(c, 'second') === false, 'insert_value: replaced');
            check(table.lookup_value(c)[1] === 'second', 'replaced value');

            check(table.contains(a) && table.contains(b) && table.contains(c), 'contains the keys');
            check(table.get_size() === 3, 'size 3');
            const keys = table.dup_keys();
            check(keys.length === 3 && keys[0] === a && keys[1] === b && keys[2] === c,
                'dup_keys in insertion order');

            const seen = [];
            table.foreach(recorder(store, seen));
            check(seen.join() === '0,1,2', `foreach gives the keys in insertion order, got ${seen}`);

            const iter = new Wk.KeyTableIter();
            iter.init(table);
            const iterated = [];
            for (let r = iter.next(); r[0]; r = iter.next())
                iterated.push(r[1]);
            check(iterated.length === 3 && iterated[1] === b, 'KeyTableIter gives the keys');

            // lookup_or_insert_value: Python's setdefault.
            const [inserted, now] = table.lookup_or_insert_value(c, 'other');
            check(!inserted && now === 'second', 'lookup_or_insert_value of a present key');

            check(table.remove(c) === true, 'remove c');
            check(table.remove(c) === false, 'remove c again');
            check(!table.contains(c), 'c gone');
            const [missing, none] = table.lookup_value(c);
            check(!missing && none === null, 'lookup_value of a missing key: false, null');

            const [inserted2, now2] = table.lookup_or_insert_value(c, 3);
            check(inserted2 && now2 === 3, 'lookup_or_insert_value of a missing key inserts');
            check(table.lookup_value(c)[1] === 3, 'and stores it');

            const [popped, value] = table.pop_value(c);
            check(popped && value === 3, 'pop_value gives the value');
            const [popped2, value2] = table.pop_value(c);
            check(!popped2 && value2 === null, 'pop_value of a missing key');
            check(!table.contains(c) && table.get_size() === 2, 'c gone after pop_value');

            table.remove_all();
            check(table.get_size() === 0 && !table.contains(a), 'remove_all empties');
        })();
        quiesce();
        check(tracked.every(r => r.is_alive()), 'nothing removed from the table died');
        finish(store);
    });
}

test('key table object-finalized carries the value', () => {
    const store = newStore();
    const kinds = [...PLAIN_VALUES, 'object'];
    fill(store, kinds.length);
    const table = new Wk.KeyTable();
    const got = [];
    table.connect('object-finalized', (t, value) => {
        check(t === table, 'the table');
        got.push([value, t.get_size()]);
    });
    let valueObject = null;
    (() => {
        kinds.forEach((kind, i) => {
            if (kind === 'object') {
                // A value held only by the table: released after the signal.
                const value = track(new GObject.Object());
                valueObject = tracked[tracked.length - 1];
                table.insert_value(store.get_item(i), value);
            } else {
                table.insert_value(store.get_item(i), kind);
            }
        });
    })();
    quiesce();
    check(table.get_size() === kinds.length, `size ${kinds.length}`);
    check(valueObject.is_alive(), 'the table holds its GObject value');

    for (let i = 0; i < kinds.length; i++) {
        store.remove(0);       // the key for kinds[i] dies now
        check(table.get_size() === kinds.length - i - 1, `entry gone at once for ${JSON.stringify(kinds[i])}`);
        check(got.length === i, `not reported before the main context ran for ${JSON.stringify(kinds[i])}`);
        drain();
        check(got.length === i + 1, `reported once the main context ran for ${JSON.stringify(kinds[i])}`);
        check(got[i][1] === kinds.length - i - 1, 'entry already gone in the handler');
        if (kinds[i] === 'object') {
            check(got[i][0] instanceof GObject.Object, 'the GObject value');
        } else {
            check(sameValue(got[i][0], kinds[i]),
                `value ${JSON.stringify(kinds[i])}, got ${JSON.stringify(got[i][0])}`);
        }
    }
    check(table.get_size() === 0, 'empty');
    // The GObject value, released by the table, now lives only in got[].
    got.length = 0;
    settle(() => !valueObject.is_alive(), 'the GObject value released');
    finish(store);
});

/* ----------------------------------------------------------------------- */
/* WkSet                                                                   */
/* ----------------------------------------------------------------------- */

// Records items-changed, checking each emission against the rows.
function recordModel(set) {
    const changes = [];
    set.connect('items-changed', (model, position, removed, added) => {
        check(model === set, 'items-changed from the set');
        changes.push([position, removed, added]);
        check(model.get_n_items() === model.n_items, 'n-items property matches get_n_items');
        check(model.get_item(model.get_n_items()) === null, 'get_item past the end is null');
        for (let i = 0; i < model.get_n_items(); i++)
            check(model.get_item(i) instanceof Wk.Ref, 'every row below n_items is a Wk.Ref');
    });
    return changes;
}

for (const [how, make] of [['new', () => new Wk.Set()], ['.new()', () => Wk.Set.new(GObject.Object)]]) {
    test(`set basics and its list model (${how})`, () => {
        const store = newStore();
        fill(store, 3);
        const set = make();
        const changes = recordModel(set);

        (() => {
            const [a, b, c] = [0, 1, 2].map(i => store.get_item(i));
            check(set.add(a) === true, 'add a');
            check(changes.length === 1 && changes[0].join() === '0,0,1', 'items-changed(0, 0, 1) on add');
            check(set.add(a) === false, 'add a again');
            check(changes.length === 1, 'no items-changed for a member added again');
            check(set.add(b) && set.add(c), 'add b, c');
            check(changes.map(ch => ch.join()).join(' ') === '0,0,1 1,0,1 2,0,1', 'items-changed at the end');
            check(set.get_size() === 3 && set.get_n_items() === 3, 'size and n_items 3');
            check(set.contains(a) && set.contains(b) && set.contains(c), 'contains the members');

            const members = set.dup_members();
            check(members.length === 3 && members[0] === a && members[1] === b && members[2] === c,
                'dup_members in insertion order');

            // The rows are Wk.Refs to the members, in insertion order.
            const items = rows(set);
            check(items.length === 3, '3 rows');
            items.forEach((item, i) => {
                check(item instanceof Wk.Ref, `row ${i} is a Wk.Ref`);
                check(item.dup_object() === [a, b, c][i], `row ${i} is the member`);
                check(item.is_alive(), `row ${i} alive`);
            });
            check(set.get_item(0) === set.get_item(0), 'one Wk.Ref per member');
            check(set.get_item(3) === null, 'get_item past the end is null');

            const seen = [];
            set.foreach(recorder(store, seen));
            check(seen.join() === '0,1,2', `foreach in insertion order, got ${seen}`);

            const iter = new Wk.SetIter();
            iter.init(set);
            const iterated = [];
            for (let r = iter.next(); r[0]; r = iter.next())
                iterated.push(r[1]);
            check(iterated.length === 3 && iterated[1] === b, 'SetIter in insertion order');

            check(set.remove(b) === true, 'remove b');
            check(changes[changes.length - 1].join() === '1,1,0', 'items-changed(1, 1, 0) on remove');
            check(set.remove(b) === false, 'remove b again');
            check(!set.contains(b) && set.get_size() === 2 && set.get_n_items() === 2, 'b gone');
            check(set.get_item(1).dup_object() === c, 'c moved up');

            const popped = set.pop();
            check(popped === a, 'pop gives the oldest member');
            check(!set.contains(a) && set.get_size() === 1, 'a gone after pop');
            check(changes[changes.length - 1].join() === '0,1,0', 'items-changed on pop');

            const n = changes.length;
            set.remove_all();
            check(set.get_size() === 0 && set.get_n_items() === 0, 'remove_all empties');
            check(changes.length === n + 1 && changes[n].join() === '0,1,0', 'items-changed on remove_all');
            check(set.pop() === null, 'pop of an empty set is null');
        })();
        quiesce();
        check(tracked.every(r => r.is_alive()), 'nothing removed from the set died');
        finish(store);
    });
}

test('set members dying: items-changed, object-finalized, dead rows', () => {
    const store = newStore();
    fill(store, 4);
    const set = new Wk.Set();
    const changes = recordModel(set);
    const finalized = [];
    set.connect('object-finalized', s => {
        check(s === set, 'the set');
        finalized.push([s.get_size(), s.get_n_items(), changes.length]);
    });
    (() => {
        for (let i = 0; i < 4; i++)
            set.add(store.get_item(i));
    })();
    const itemRefs = rows(set);      // Wk.Refs: holding them keeps no member alive
    changes.length = 0;
    quiesce();
    check(tracked.every(r => r.is_alive()), 'members alive while stored, rows held');

    store.remove(2);      // the third member dies now
    // Out of the set at once; its row stays, as a dead Wk.Ref (never null
    // below n_items), until the death is delivered.
    check(set.get_size() === 3, 'out of the set at once');
    check(!itemRefs[2].is_alive() && itemRefs[2].dup_object() === null, 'its row Wk.Ref is dead at once');
    check(set.get_n_items() === 4 && set.get_item(2) === itemRefs[2], 'its row stays until the main context runs');
    check(finalized.length === 0, 'no object-finalized before the main context ran');
    check(changes.length === 0, `no items-changed before the main context ran, got ${changes}`);
    drain();
    check(finalized.length === 1, 'object-finalized once the main context ran');
    check(changes.length === 1 && changes[0].join() === '2,1,0', `items-changed(2, 1, 0), got ${changes}`);
    check(finalized[0].join() === '3,3,1', 'out of the set and its row out of the model before the signal');
    check(!itemRefs[2].is_alive() && itemRefs[2].dup_object() === null, 'its row Wk.Ref is dead');
    check(itemRefs[0].is_alive() && itemRefs[3].is_alive(), 'other rows alive');
    check(rows(set).every(item => item.is_alive()), 'no dead row left');

    store.remove(0);      // the first member
    check(set.get_size() === 2 && set.get_n_items() === 3, 'out of the set at once, its row not yet');
    check(changes.length === 1 && finalized.length === 1, 'nothing signalled before the main context ran');
    drain();
    check(changes.length === 2 && changes[1].join() === '0,1,0', 'items-changed(0, 1, 0)');
    check(finalized.length === 2 && finalized[1].join() === '2,2,2', 'object-finalized after its items-changed');
    check(set.get_size() === 2 && set.get_n_items() === 2, 'two left');
    (() => {
        const items = rows(set);
        check(items[0] === itemRefs[1] && items[1] === itemRefs[3], 'the remaining rows, in order');
        check(items[0].dup_object() === store.get_item(0), 'row 0 is the second object');
    })();
    finish(store);
    check(finalized.length === 4, 'object-finalized once per member');
    check(set.get_size() === 0 && set.get_n_items() === 0, 'empty');
    check(itemRefs.every(r => !r.is_alive()), 'every row dead');
});

test('set algebra', () => {
    const store = newStore();
    fill(store, 4);
    // x, y in a; y, z in b; w in neither.
    const a = new Wk.Set();
    const b = Wk.Set.new(GObject.Object);
    const made = [];
    const membersOf = s => s.dup_members().map(m => indexIn(store, m)).join();

    (() => {
        const [x, y, z] = [0, 1, 2].map(i => store.get_item(i));
        a.add(x);
        a.add(y);
        b.add(y);
        b.add(z);

        const union = a.union(b);
        const inter = a.intersection(b);
        const diff = a.difference(b);
        const sym = a.symmetric_difference(b);
        made.push(union, inter, diff, sym);
        check(union instanceof Wk.Set, 'union is a Wk.Set');
        check(membersOf(union) === '0,1,2', `union, a's members first, got ${membersOf(union)}`);
        check(union.get_n_items() === 3 && union.get_item(2).dup_object() === z, 'union model');
        check(membersOf(inter) === '1', `intersection, got ${membersOf(inter)}`);
        check(membersOf(diff) === '0', `difference, got ${membersOf(diff)}`);
        check(membersOf(sym) === '0,2' || membersOf(sym) === '2,0', `symmetric difference, got ${membersOf(sym)}`);
        check(membersOf(a) === '0,1' && membersOf(b) === '1,2', 'operands unchanged');

        check(inter.is_subset(a) && inter.is_subset(b), 'intersection is a subset of both');
        check(union.is_superset(a) && union.is_superset(b), 'union is a superset of both');
        check(!a.is_subset(b) && !a.is_superset(b), 'a and b are not nested');
        check(a.is_subset(a) && a.is_superset(a), 'a set is a subset and superset of itself');
        check(diff.is_disjoint(b) && !a.is_disjoint(b), 'is_disjoint');
        check(a.equal(a.union(a)) && !a.equal(b), 'equal');
        check(new Wk.Set().is_subset(a) && new Wk.Set().is_disjoint(a), 'the empty set');
        check(new Wk.Set().equal(Wk.Set.new(GObject.Object)), 'two empty sets are equal');

        // The in-place versions.
        const u = a.union(new Wk.Set());
        u.update(b);
        check(u.equal(union), 'update');
        const i = a.union(new Wk.Set());
        i.intersection_update(b);
        check(i.equal(inter), 'intersection_update');
        const d = a.union(new Wk.Set());
        d.difference_update(b);
        check(d.equal(diff), 'difference_update');
        const s = a.union(new Wk.Set());
        s.symmetric_difference_update(b);
        check(s.equal(sym), 'symmetric_difference_update');
        check(s.get_n_items() === 2, 'the model of an updated set');
        made.push(u, i, d, s);
    })();

    // The results hold their members weakly too.
    quiesce();
    check(tracked.every(r => r.is_alive()), 'results keep members alive only through the store');
    store.remove(2);      // z dies
    check(membersOf(made[0]) === '0,1', 'z gone from the union at once');
    check(made[3].get_size() === 1, 'and from the symmetric difference');
    check(made[3].get_n_items() === 2, 'whose model drops its row when the main context runs');
    check(b.get_size() === 1, 'and from b');
    drain();
    check(made[3].get_n_items() === 1 && made[0].get_n_items() === 2 && b.get_n_items() === 1, 'rows dropped');
    finish(store);
    check([a, b, ...made].every(s => s.get_size() === 0 && s.get_n_items() === 0), 'all empty in the end');
});

test('typed set', () => {
    const store = newStore();
    const set = Wk.Set.new(Gio.ListStore);
    (() => {
        const member = track(new Gio.ListStore({item_type: GObject.Object}));
        store.append(member);
        check(set.add(member), 'a member of the member type');
        check(set.get_item(0).dup_object() === member, 'its row');
    })();
    finish(store);
    check(set.get_size() === 0, 'empty once it died');
});

/* ----------------------------------------------------------------------- */
/* Delivery                                                                */
/* ----------------------------------------------------------------------- */

// Makes a value table, a key table and a set holding the object at @index
// of @store, and records their signals in @events.
function watchers(store, index, events) {
    const table = new Wk.ValueTable();
    const keyTable = new Wk.KeyTable();
    const set = new Wk.Set();
    table.connect('object-finalized', (t, key) => events.push(`value:${key}`));
    keyTable.connect('object-finalized', (t, value) => events.push(`key:${value}`));
    set.connect('object-finalized', () => events.push('set'));
    set.connect('items-changed', (m, position, removed, added) => events.push(`rows:${position},${removed},${added}`));
    (() => {
        const object = store.get_item(index);
        table.insert('k', object);
        keyTable.insert_value(object, 'v');
        set.add(object);
    })();
    events.length = 0;
    return [table, keyTable, set];
}

test('containers made after Wk.Delivery.set_default(AT_ONCE) signal at once', () => {
    const store = newStore();
    fill(store, 2);
    check(Wk.Delivery.get_default() === Wk.Delivery.IDLE, 'the default is IDLE in gjs');
    const SIGNALLED = 'key:v rows:0,1,0 set value:k';
    const idleEvents = [];
    const idle = watchers(store, 0, idleEvents);
    const atOnceEvents = [];
    let atOnce;
    setDefaultDelivery(Wk.Delivery.AT_ONCE);
    try {
        atOnce = watchers(store, 1, atOnceEvents);
    } finally {
        setDefaultDelivery(Wk.Delivery.IDLE);
    }
    check(Wk.Delivery.get_default() === Wk.Delivery.IDLE, 'default restored');
    quiesce();

    store.remove(1);     // watched by the AT_ONCE containers
    // Which container hears first is not specified: sorted.
    check([...atOnceEvents].sort().join(' ') === SIGNALLED,
        `AT_ONCE containers signalled before remove() returned, got ${atOnceEvents}`);
    check(atOnce.every(c => c.get_size() === 0) && atOnce[2].get_n_items() === 0, 'and are empty');
    store.remove(0);     // watched by the IDLE containers
    check(idle.every(c => c.get_size() === 0), 'IDLE containers empty at once');
    check(idle[2].get_n_items() === 1, "the IDLE set's row waits for the main context");
    check(idleEvents.length === 0, `IDLE containers not signalled before the main context ran, got ${idleEvents}`);
    drain();
    check([...idleEvents].sort().join(' ') === SIGNALLED,
        `IDLE containers signalled once the main context ran, got ${idleEvents}`);
    check(idle[2].get_n_items() === 0, 'and the row is gone');
    quiesce();
    check(atOnceEvents.length === 4 && idleEvents.length === 4, 'each signalled once');
    finish(store);
});

/* ----------------------------------------------------------------------- */
/* Bad input                                                               */
/* ----------------------------------------------------------------------- */

test('bad input throws and changes nothing', () => {
    const store = newStore();
    fill(store, 1);
    const table = new Wk.ValueTable();
    const keyTable = new Wk.KeyTable();
    const set = new Wk.Set();
    let modelChanges = 0;
    set.connect('items-changed', () => modelChanges++);
    (() => {
        const object = store.get_item(0);
        table.insert('k', object);
        keyTable.insert_value(object, 'v');
        set.add(object);
    })();
    modelChanges = 0;

    const unchanged = what => {
        (() => {
            const object = store.get_item(0);
            check(table.get_size() === 1 && table.lookup('k') === object, `value table unchanged after ${what}`);
            check(table.dup_keys().join() === 'k', `value table keys unchanged after ${what}`);
            check(keyTable.get_size() === 1 && keyTable.lookup_value(object)[1] === 'v',
                `key table unchanged after ${what}`);
            check(set.get_size() === 1 && set.get_n_items() === 1 && set.contains(object),
                `set unchanged after ${what}`);
            check(modelChanges === 0, `no items-changed after ${what}`);
        })();
    };

    const notObjects = [10, 'a string', 1.5, {}, [], true, null, undefined, () => {}];
    for (const bad of notObjects) {
        const what = bad === undefined ? 'undefined' : typeof bad === 'function' ? 'a function'
            : JSON.stringify(bad);
        check(throws(() => table.insert('k', bad)), `ValueTable.insert('k', ${what}) throws`);
        check(throws(() => table.insert('new', bad)), `ValueTable.insert('new', ${what}) throws`);
        check(throws(() => keyTable.insert_value(bad, 'w')), `KeyTable.insert_value(${what}) throws`);
        check(throws(() => keyTable.contains(bad)), `KeyTable.contains(${what}) throws`);
        check(throws(() => keyTable.lookup_value(bad)), `KeyTable.lookup_value(${what}) throws`);
        check(throws(() => keyTable.remove(bad)), `KeyTable.remove(${what}) throws`);
        check(throws(() => keyTable.pop_value(bad)), `KeyTable.pop_value(${what}) throws`);
        check(throws(() => set.add(bad)), `Set.add(${what}) throws`);
        check(throws(() => set.contains(bad)), `Set.contains(${what}) throws`);
        check(throws(() => set.remove(bad)), `Set.remove(${what}) throws`);
        check(throws(() => set.union(bad)), `Set.union(${what}) throws`);
        check(throws(() => set.update(bad)), `Set.update(${what}) throws`);
        unchanged(what);
    }
    // Keys that are not strings.
    for (const bad of [5, null, {}, true]) {
        check(throws(() => table.insert(bad, store.get_item(0))),
            `ValueTable.insert(${JSON.stringify(bad)}, obj) throws`);
        check(throws(() => table.remove(bad)), `ValueTable.remove(${JSON.stringify(bad)}) throws`);
        check(throws(() => table.pop(bad)), `ValueTable.pop(${JSON.stringify(bad)}) throws`);
    }
    unchanged('non-string keys');
    // A GObject that is not a Wk.Set where one is expected.
    check(throws(() => set.union(table)), 'Set.union(a ValueTable) throws');
    check(throws(() => set.intersection_update(store)), 'Set.intersection_update(a ListStore) throws');
    check(throws(() => set.is_subset(keyTable)), 'Set.is_subset(a KeyTable) throws');
    unchanged('a non-set operand');
    // A callback that is not a function.
    check(throws(() => table.foreach(10)), 'ValueTable.foreach(10) throws');
    check(throws(() => table.lookup_or_insert('z', 'not a function')), 'lookup_or_insert(non-function) throws');
    check(!table.contains('z'), 'nothing inserted by the failed lookup_or_insert');
    unchanged('bad callbacks');
    finish(store);
    check(table.get_size() === 0 && keyTable.get_size() === 0 && set.get_size() === 0, 'all empty in the end');
});

// A member finalized on another thread: gjs cannot run JavaScript on
// another thread nor make an object die there, so it is not tested here
// (see tests/test-threads.c).

quiesce();
const leaked = gjsLeaks.filter(r => r.is_alive()).length;
print(`# ${leaked} of ${gjsLeaks.length} GObject values read through an out GValue still alive (a gjs leak)`);
print(`# ${nPassed} tests passed, ${checkCount()} checks`);

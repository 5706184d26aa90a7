// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Deaths inside gjs's garbage collection. Run as
// `gjs -m test-gc-deaths.js`; an uncaught exception exits non-zero.
//
// An object made in JavaScript and held by nothing else is kept alive by
// its JS wrapper alone (gjs's toggle reference): it is finalized inside a
// garbage collection, where gjs blocks every call into JavaScript (and logs
// a critical saying so). The holders here are made with the default
// construction (Wk.Ref.new(), new Wk.ValueTable(), ...), whose delivery in
// gjs is Wk.Delivery.IDLE: the member leaves lookups and sizes during the
// collection, and the callbacks and signals arrive from the main context
// afterwards, as FinalizationRegistry callbacks do. Each test checks both:
// after System.gc() the member is gone and nothing was called; once the
// main context ran, every callback and signal arrived exactly once, with
// the right key or value.
//
// A call that gjs blocks is lost: the test would then wait in vain (and
// fail after TIMEOUT_S), but first gjs's critical aborts it, because
// criticals are made fatal below whatever G_DEBUG says. (Forcing
// Wk.Delivery.AT_ONCE before the tests makes this file abort with
// "Attempting to run a JS callback during garbage collection".)

import Wk from 'gi://Wk?version=1';
import GObject from 'gi://GObject';
import GLib from 'gi://GLib';
import System from 'system';

import {TIMEOUT_S, check, checkCount, drain} from './wkTestUtil.js';

// gjs reports a blocked call with g_critical(): make it fatal.
GLib.log_set_always_fatal(GLib.log_set_always_fatal(GLib.LogLevelFlags.LEVEL_ERROR) |
    GLib.LogLevelFlags.LEVEL_CRITICAL | GLib.LogLevelFlags.LEVEL_WARNING);

let nPassed = 0;

function test(name, func) {
    func();
    nPassed++;
    print(`ok ${nPassed} - ${name}`);
}

// Collects garbage, without running the main context, until every ref in
// @trackers is dead: the objects they watch died inside a collection.
function collectUntilDead(trackers, what) {
    for (let i = 0; i < 10 && trackers.some(r => r.is_alive()); i++)
        System.gc();
    check(trackers.every(r => !r.is_alive()), `${what} finalized by System.gc()`);
}

// Iterates the main context, without collecting garbage, until predicate()
// holds; fails after TIMEOUT_S.
function iterateUntil(predicate, what) {
    const deadline = GLib.get_monotonic_time() + TIMEOUT_S * 1000000;
    const context = GLib.MainContext.default();
    while (!predicate()) {
        check(GLib.get_monotonic_time() < deadline, `${what} within ${TIMEOUT_S} s`);
        if (!context.iteration(false))
            GLib.usleep(1000);
    }
}

// After the deliveries: more collections and iterations deliver nothing
// more.
function settleDown() {
    for (let i = 0; i < 3; i++) {
        System.gc();
        drain();
    }
}

// Makes @n objects held only by their JS wrappers, hands each to add(object,
// i), and returns a handler-less Wk.Ref to each; the wrappers are
// unreachable when this returns.
function makeGarbage(n, add) {
    const trackers = [];
    for (let i = 0; i < n; i++) {
        const object = new GObject.Object();
        add(object, i);
        trackers.push(Wk.Ref.new(object));
    }
    return trackers;
}

test('the default delivery in gjs is IDLE', () => {
    check(Wk.Delivery.get_default() === Wk.Delivery.IDLE,
        `Wk.Delivery.get_default() is IDLE, got ${Wk.Delivery.get_default()}`);
});

test('Wk.Ref: the callback, notify::alive and object-finalized arrive', () => {
    const calls = [];
    const events = [];
    let refs = [];
    const trackers = makeGarbage(3, (object, i) => {
        const full = Wk.Ref.new_full(object, r => {
            check(!r.is_alive() && r.dup_object() === null, 'dead in the callback');
            calls.push([i, r]);
            events.push(`callback:${i}`);
        });
        const plain = Wk.Ref.new(object);
        const constructed = new Wk.Ref({object});
        for (const [name, ref] of [['full', full], ['plain', plain], ['constructed', constructed]]) {
            ref.connect('notify::alive', r => {
                check(r.alive === false, 'alive is false in notify::alive');
                events.push(`alive:${name}:${i}`);
            });
            ref.connect('object-finalized', r => {
                check(!r.is_alive() && r.object === null, 'dead in object-finalized');
                events.push(`finalized:${name}:${i}`);
            });
        }
        refs.push(full, plain, constructed);
    });
    check(refs.every(r => r.is_alive()), 'alive while their wrappers are reachable');

    collectUntilDead(trackers, 'the objects');
    check(refs.every(r => !r.is_alive() && r.dup_object() === null && r.alive === false),
        'every ref dead once collected');
    check(events.length === 0 && calls.length === 0, `nothing called during the collection, got ${events}`);

    const expected = 3 * (1 + 3 * 2);
    iterateUntil(() => events.length >= expected, 'every callback and signal');
    settleDown();
    check(events.length === expected, `each exactly once: ${expected} events, got ${events.length}`);
    check(calls.map(c => c[0]).sort().join() === '0,1,2', 'the callback ran once for each object');
    check(calls.every(([i, r]) => r === refs[3 * i]), 'the callback got its own ref');
    for (let i = 0; i < 3; i++) {
        const mine = events.filter(e => e.endsWith(`:${i}`));
        for (const name of ['full', 'plain', 'constructed']) {
            const own = mine.filter(e => e.includes(`:${name}:`) || (name === 'full' && e.startsWith('callback')));
            const want = name === 'full' ? ['callback', 'alive', 'finalized'] : ['alive', 'finalized'];
            check(own.map(e => e.split(':')[0]).join() === want.join(),
                `${name} ref of object ${i}: ${want}, got ${own}`);
        }
    }
    refs = [];
});

test('Wk.ValueTable: object-finalized with the key of each dead value', () => {
    const table = new Wk.ValueTable();
    const keys = [];
    table.connect('object-finalized', (t, key) => {
        check(t === table, 'the table');
        check(!t.contains(key) && t.lookup(key) === null, 'the entry is gone in the handler');
        keys.push(key);
    });
    const kept = new GObject.Object();
    table.insert('kept', kept);
    const trackers = makeGarbage(3, (object, i) => table.insert(`key${i}`, object));
    check(table.get_size() === 4, 'four entries');

    collectUntilDead(trackers, 'the values');
    check(table.get_size() === 1, `the dead entries gone during the collection, size ${table.get_size()}`);
    check([0, 1, 2].every(i => !table.contains(`key${i}`) && table.lookup(`key${i}`) === null),
        'no dead key found');
    check(table.dup_keys().join() === 'kept', 'the live entry kept');
    check(keys.length === 0, `nothing signalled during the collection, got ${keys}`);

    iterateUntil(() => keys.length >= 3, 'object-finalized for each dead value');
    settleDown();
    check(keys.length === 3, `once each, got ${keys}`);
    check([...keys].sort().join() === 'key0,key1,key2', `the keys of the dead values, got ${keys}`);
    check(table.lookup('kept') === kept && table.get_size() === 1, 'the live entry still there');
});

test('Wk.KeyTable: object-finalized with the value of each dead key', () => {
    const table = new Wk.KeyTable();
    const values = [];
    table.connect('object-finalized', (t, value) => {
        check(t === table, 'the table');
        values.push(value);
    });
    const kept = new GObject.Object();
    table.insert_value(kept, 'kept');
    // A GObject value, held by the table until its key's death is delivered.
    const objectValue = new GObject.Object();
    const stored = ['one', 42, true, objectValue];
    const trackers = makeGarbage(stored.length, (object, i) => table.insert_value(object, stored[i]));
    check(table.get_size() === stored.length + 1, 'every entry in');

    collectUntilDead(trackers, 'the keys');
    check(table.get_size() === 1, `the dead entries gone during the collection, size ${table.get_size()}`);
    check(table.contains(kept) && table.lookup_value(kept)[1] === 'kept', 'the live entry kept');
    check(values.length === 0, 'nothing signalled during the collection');

    iterateUntil(() => values.length >= stored.length, 'object-finalized for each dead key');
    settleDown();
    check(values.length === stored.length, `once each, got ${values.length}`);
    for (const value of stored) {
        check(values.filter(v => v === value).length === 1,
            `the value ${value instanceof GObject.Object ? 'object' : JSON.stringify(value)} reported once`);
    }
    check(table.get_size() === 1, 'the live entry still there');
});

test('Wk.Set: object-finalized and the dead rows leave the model', () => {
    const set = new Wk.Set();
    let finalized = 0;
    const changes = [];
    set.connect('object-finalized', s => {
        check(s === set, 'the set');
        finalized++;
    });
    set.connect('items-changed', (model, position, removed, added) => {
        changes.push([position, removed, added]);
        for (let i = 0; i < model.get_n_items(); i++)
            check(model.get_item(i) instanceof Wk.Ref, 'every row below n_items is a Wk.Ref');
    });
    const kept = new GObject.Object();
    set.add(kept);
    const trackers = makeGarbage(3, object => set.add(object));
    changes.length = 0;
    check(set.get_size() === 4 && set.get_n_items() === 4, 'four members');

    collectUntilDead(trackers, 'the members');
    check(set.get_size() === 1 && set.contains(kept), 'the dead members gone during the collection');
    check(set.dup_members().length === 1, 'one member left');
    check(set.get_n_items() === 4, 'their rows stay until the main context runs');
    check([1, 2, 3].every(i => set.get_item(i) instanceof Wk.Ref && !set.get_item(i).is_alive()),
        'as dead Wk.Refs');
    check(finalized === 0 && changes.length === 0, 'nothing signalled during the collection');

    iterateUntil(() => finalized >= 3, 'object-finalized for each dead member');
    settleDown();
    check(finalized === 3, `once each, got ${finalized}`);
    check(changes.length === 3 && changes.every(c => c[1] === 1 && c[2] === 0),
        `one removal per dead row, got ${changes.map(c => c.join()).join(' ')}`);
    check(set.get_n_items() === 1 && set.get_item(0).dup_object() === kept, 'only the live row left');
});

test('one object in all four: each hears once', () => {
    const events = [];
    const ref = (() => {
        const object = new GObject.Object();
        return Wk.Ref.new_full(object, () => events.push('callback'));
    })();
    ref.connect('object-finalized', () => events.push('ref'));
    const table = new Wk.ValueTable();
    table.connect('object-finalized', (t, key) => events.push(`value:${key}`));
    const keyTable = new Wk.KeyTable();
    keyTable.connect('object-finalized', (t, value) => events.push(`key:${value}`));
    const set = new Wk.Set();
    set.connect('object-finalized', () => events.push('set'));
    (() => {
        // The object again, through the ref: its wrapper was kept by gjs,
        // and is dropped again when this returns.
        const object = ref.dup_object();
        table.insert('k', object);
        keyTable.insert_value(object, 'v');
        set.add(object);
    })();
    check(ref.is_alive(), 'alive');

    collectUntilDead([ref], 'the object');
    check(table.get_size() === 0 && keyTable.get_size() === 0 && set.get_size() === 0,
        'out of every container during the collection');
    check(events.length === 0, `nothing called during the collection, got ${events}`);

    iterateUntil(() => events.length >= 5, 'every holder');
    settleDown();
    check([...events].sort().join(' ') === 'callback key:v ref set value:k',
        `each holder once, got ${events}`);
    check(events.indexOf('callback') < events.indexOf('ref'), "the ref's callback before its signal");
});

print(`# ${nPassed} tests passed, ${checkCount()} checks`);

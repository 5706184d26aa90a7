// SPDX-License-Identifier: LGPL-2.1-or-later
//
// WkRef from gjs, through the plain introspected API. Run as
// `gjs -m test-ref.js`; an uncaught exception exits non-zero.
//
// gjs keeps a toggle reference on every GObject that has a JS wrapper, so
// such an object is only finalized once nothing else holds it and the
// wrapper was garbage-collected. The objects here are held by a
// Gio.ListStore; their wrappers are made inside helper functions and left
// unreachable, so that dropping them from the store, a GC and a main
// context iteration finalize them.

import Wk from 'gi://Wk?version=1';
import GObject from 'gi://GObject';

import {check, drain, newStore, quiesce, setDefaultDelivery, settle} from './wkTestUtil.js';

let nPassed = 0;

// Makes an object held only by @store and calls make(object) once; the
// object's JS wrapper is unreachable when this returns.
function withStoredObject(store, make) {
    const object = new GObject.Object();
    store.append(object);
    return make(object);
}

// Counts what a ref reports, in order.
function record(ref) {
    const rec = {events: []};
    ref.connect('notify::alive', r => {
        check(r.alive === false, 'alive is false in notify::alive');
        rec.events.push('alive');
    });
    ref.connect('object-finalized', r => {
        check(!r.is_alive(), 'dead in object-finalized');
        check(r.dup_object() === null, 'dup_object() null in object-finalized');
        rec.events.push('finalized');
    });
    return rec;
}

function test(name, func) {
    func();
    quiesce();
    nPassed++;
    print(`ok ${nPassed} - ${name}`);
}

test('alive while the store holds it, dead once removed', () => {
    const store = newStore();
    const ref = withStoredObject(store, object => Wk.Ref.new(object));
    const rec = record(ref);

    check(ref instanceof Wk.Ref, 'Wk.Ref.new returns a Wk.Ref');
    quiesce();
    check(ref.is_alive(), 'alive while stored');
    check(ref.alive === true, 'alive property true while stored');
    (() => {
        const object = ref.dup_object();
        check(object instanceof GObject.Object, 'dup_object returns the object');
        check(object === store.get_item(0), 'dup_object returns the stored object');
        check(ref.object === object, 'object property is the object');
    })();
    quiesce();
    check(ref.is_alive(), 'still alive after dup and GC');
    check(rec.events.length === 0, 'nothing reported while alive');

    store.remove_all();
    // Dead at once; reported only from the main context (gjs's default
    // delivery is Wk.Delivery.IDLE).
    check(!ref.is_alive() && ref.dup_object() === null, 'dead as soon as the store let it go');
    check(rec.events.length === 0, `nothing reported before the main context ran, got ${rec.events}`);
    drain();
    check(rec.events.join() === 'alive,finalized', `reported alive,finalized, got ${rec.events}`);
    check(!ref.is_alive(), 'dead after removal');
    check(ref.dup_object() === null, 'dup_object() null after removal');
    check(ref.alive === false, 'alive property false after removal');
    check(ref.object === null, 'object property null after removal');

    quiesce();
    check(rec.events.length === 2, 'reported once');
});

test('new_full callback runs once, before the signals', () => {
    const store = newStore();
    const calls = [];
    const order = [];
    const ref = withStoredObject(store, object => Wk.Ref.new_full(object, r => {
        check(!r.is_alive(), 'dead in the callback');
        check(r.dup_object() === null, 'dup_object() null in the callback');
        calls.push(r);
        order.push('callback');
    }));
    ref.connect('notify::alive', () => order.push('alive'));
    ref.connect('object-finalized', () => order.push('finalized'));

    quiesce();
    check(calls.length === 0, 'callback not run while alive');

    store.remove_all();
    check(!ref.is_alive(), 'dead as soon as the store let it go');
    check(calls.length === 0 && order.length === 0, `nothing run before the main context ran, got ${order}`);
    drain();

    check(calls.length === 1, `callback ran once, ran ${calls.length} times`);
    check(calls[0] === ref, 'callback got the ref');
    check(order.join() === 'callback,alive,finalized', `order callback,alive,finalized, got ${order}`);

    quiesce();
    check(calls.length === 1, 'callback ran once in the end');
});

test('a ref destroyed first never calls back', () => {
    const store = newStore();
    let calls = 0;
    (() => {
        const ref = withStoredObject(store, object => Wk.Ref.new_full(object, () => calls++));
        check(ref.is_alive(), 'alive');
        ref.run_dispose();
    })();
    quiesce();
    store.remove_all();
    quiesce();
    check(calls === 0, 'callback of a disposed ref not run');
});

test('several refs on one object all fire once', () => {
    const store = newStore();
    const n = 1000;
    const counts = new Array(n).fill(0);
    const refs = withStoredObject(store, object => {
        const made = [];
        for (let i = 0; i < n; i++) {
            const ref = Wk.Ref.new(object);
            ref.connect('object-finalized', () => counts[i]++);
            made.push(ref);
        }
        return made;
    });

    quiesce();
    check(refs.every(r => r.is_alive()), 'all alive while stored');

    store.remove_all();
    check(refs.every(r => !r.is_alive()), 'all dead as soon as the store let it go');
    check(counts.every(c => c === 0), 'none reported before the main context ran');
    drain();
    check(counts.every(c => c === 1), 'each reported once the main context ran');

    quiesce();
    check(counts.every(c => c === 1), 'each fired exactly once');
    check(refs.every(r => !r.is_alive()), 'all dead');
});

test('construct properties', () => {
    const store = newStore();
    const ref = withStoredObject(store, object => new Wk.Ref({object}));
    const rec = record(ref);

    quiesce();
    check(ref.is_alive(), 'constructed ref alive');
    check(ref.alive === true, 'constructed ref alive property');
    check(ref.object === store.get_item(0), 'constructed ref object property');

    for (const dead of [new Wk.Ref(), new Wk.Ref({object: null})]) {
        const deadRec = record(dead);
        check(!dead.is_alive(), 'dead from the start');
        check(dead.alive === false, 'alive false from the start');
        check(dead.object === null, 'object null from the start');
        check(dead.dup_object() === null, 'dup_object null from the start');
        quiesce();
        check(deadRec.events.length === 0, 'a ref dead from the start never signals');
    }

    store.remove_all();
    check(ref.object === null && rec.events.length === 0, 'dead at once, not reported yet');
    settle(() => rec.events.length >= 2, 'object-finalized');
    check(rec.events.join() === 'alive,finalized', `reported alive,finalized, got ${rec.events}`);
    check(ref.object === null, 'object property null after death');
});

test('run_dispose counts as death', () => {
    const store = newStore();
    const ref = withStoredObject(store, object => Wk.Ref.new(object));
    const rec = record(ref);

    // Dispose the object without giving it a JS wrapper we would keep.
    (() => {
        const object = store.get_item(0);
        object.run_dispose();
    })();
    check(!ref.is_alive(), 'dead after run_dispose');
    check(ref.dup_object() === null, 'dup_object null after run_dispose');
    check(ref.alive === false, 'alive property false after run_dispose');
    check(rec.events.length === 0, `run_dispose not reported before the main context ran, got ${rec.events}`);
    drain();
    check(rec.events.join() === 'alive,finalized', `run_dispose reported from the main context, got ${rec.events}`);

    store.remove_all();
    quiesce();
    check(rec.events.length === 2, 'reported once, not again at finalize');
});

test('the default delivery is IDLE in gjs; AT_ONCE makes later refs synchronous', () => {
    check(Wk.Delivery.AT_ONCE !== Wk.Delivery.IDLE, 'two delivery values');
    check(Wk.Delivery.get_default() === Wk.Delivery.IDLE,
        `default delivery in gjs is IDLE, got ${Wk.Delivery.get_default()}`);

    const store = newStore();
    // Made before the switch: keeps IDLE.
    const idleRef = withStoredObject(store, object => Wk.Ref.new(object));
    const idleRec = record(idleRef);
    let refs, recs, calls = 0;
    setDefaultDelivery(Wk.Delivery.AT_ONCE);
    try {
        check(Wk.Delivery.get_default() === Wk.Delivery.AT_ONCE, 'set_default_delivery(AT_ONCE) is read back');
        (() => {
            const object = store.get_item(0);
            refs = [Wk.Ref.new(object), Wk.Ref.new_full(object, () => calls++), new Wk.Ref({object})];
        })();
        recs = refs.map(record);
    } finally {
        setDefaultDelivery(Wk.Delivery.IDLE);
    }
    check(Wk.Delivery.get_default() === Wk.Delivery.IDLE, 'default restored to IDLE');
    // Made after the restore: IDLE again.
    const laterRef = (() => Wk.Ref.new(store.get_item(0)))();
    const laterRec = record(laterRef);

    quiesce();
    check(refs.every(r => r.is_alive()) && idleRef.is_alive(), 'all alive while stored');
    store.remove_all();
    check(calls === 1, `the AT_ONCE ref's callback ran before remove_all() returned, ran ${calls} times`);
    check(recs.every(r => r.events.join() === 'alive,finalized'),
        `AT_ONCE refs reported before remove_all() returned, got ${recs.map(r => r.events.join('+'))}`);
    check(idleRec.events.length === 0 && laterRec.events.length === 0,
        'refs made with IDLE not reported before the main context ran');
    check(!idleRef.is_alive() && !laterRef.is_alive(), 'but already dead');
    drain();
    check(idleRec.events.join() === 'alive,finalized' && laterRec.events.join() === 'alive,finalized',
        'refs made with IDLE reported from the main context');
    quiesce();
    check(calls === 1 && recs.every(r => r.events.length === 2), 'AT_ONCE refs reported once');
    check(idleRec.events.length === 2 && laterRec.events.length === 2, 'IDLE refs reported once');
});

test('bad input throws', () => {
    for (const bad of [10, 'string', 1.5, {}, [], true]) {
        let threw = false;
        try {
            Wk.Ref.new(bad);
        } catch (e) {
            threw = true;
        }
        check(threw, `Wk.Ref.new(${JSON.stringify(bad)}) throws`);

        threw = false;
        try {
            Wk.Ref.new_full(bad, () => {});
        } catch (e) {
            threw = true;
        }
        check(threw, `Wk.Ref.new_full(${JSON.stringify(bad)}) throws`);
    }
});

print(`# ${nPassed} tests passed`);

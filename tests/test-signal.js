// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Weak signal connections from gjs, through the plain introspected API:
// Wk.signal_connect_closure_weak() with a JS function as the closure. Run
// as `gjs -m test-signal.js`; an uncaught exception exits non-zero.
//
// gjs holds a toggle reference on every GObject with a JS wrapper: the
// receivers here are held by a Gio.ListStore and their wrappers made
// inside helper functions, so that removing them from the store, a GC and
// a main context iteration finalize them.

import Wk from 'gi://Wk?version=1';
import GObject from 'gi://GObject';
import System from 'system';

import {check, newStore, settle} from './wkTestUtil.js';

let nPassed = 0;

const Emitter = GObject.registerClass({
    Signals: {'ping': {param_types: [GObject.TYPE_INT]}},
}, class Emitter extends GObject.Object {});

const PING = GObject.signal_lookup('ping', Emitter);

function hasHandler(emitter) {
    return GObject.signal_has_handler_pending(emitter, PING, 0, true);
}

// Connects handler on behalf of a new receiver held only by @store; the
// receiver's JS wrapper is unreachable when this returns.
function connectForStored(emitter, store, handler, after = false) {
    const receiver = new GObject.Object();
    store.append(receiver);
    return [Wk.signal_connect_closure_weak(emitter, 'ping', handler, receiver, after),
        Wk.Ref.new(receiver)];
}

function test(name, func) {
    func();
    nPassed++;
    print(`ok ${nPassed} - ${name}`);
}

test('a JS function as the closure, disconnected when the receiver dies', () => {
    const emitter = new Emitter();
    const store = newStore();
    const calls = [];
    const receivers = [];
    const [id, ref] = connectForStored(emitter, store, (e, n, receiver) => {
        check(e === emitter, 'the emitter comes first');
        receivers.push(receiver);
        calls.push(n);
    });
    check(id > 0, 'a handler id');

    emitter.emit('ping', 1);
    System.gc();
    emitter.emit('ping', 2);
    check(calls.join() === '1,2', `called while the receiver lives, got ${calls}`);
    check(receivers.every(r => r === store.get_item(0)), 'the receiver comes last');
    receivers.length = 0;

    store.remove_all();
    settle(() => !ref.is_alive() && !hasHandler(emitter), 'receiver finalized, handler disconnected');
    check(!GObject.signal_handler_is_connected(emitter, id), 'the id is no longer connected');
    emitter.emit('ping', 3);
    check(calls.join() === '1,2', `not called after the receiver died, got ${calls}`);
});

test('the receiver is not kept alive, after is honoured', () => {
    const emitter = new Emitter();
    const store = newStore();
    const order = [];
    const [, refAfter] = connectForStored(emitter, store, () => order.push('after'), true);
    const [, refBefore] = connectForStored(emitter, store, () => order.push('before'));
    emitter.connect('ping', () => order.push('plain'));

    emitter.emit('ping', 1);
    check(order.join() === 'before,plain,after', `order, got ${order}`);

    store.remove(0);
    settle(() => !refAfter.is_alive(), 'receiver finalized');
    order.length = 0;
    emitter.emit('ping', 2);
    check(order.join() === 'before,plain', `the dead receiver's handler skipped, got ${order}`);
    store.remove_all();
    settle(() => !refBefore.is_alive(), 'the other receiver finalized');
    order.length = 0;
    emitter.emit('ping', 3);
    check(order.join() === 'plain', `only the plain handler left, got ${order}`);
});

test('the emitter dies first', () => {
    const store = newStore();
    const receiver = new GObject.Object();
    const calls = [];
    const emitterRef = (() => {
        const emitter = new Emitter();
        store.append(emitter);
        Wk.signal_connect_closure_weak(emitter, 'ping', () => calls.push(1), receiver, false);
        emitter.emit('ping', 1);
        return Wk.Ref.new(emitter);
    })();

    store.remove_all();
    settle(() => !emitterRef.is_alive(), 'emitter finalized');
    check(calls.length === 1, 'called once');
    check(Wk.Ref.new(receiver).is_alive(), 'the receiver lives on');
});

test('bad input throws', () => {
    const emitter = new Emitter();
    const receiver = new GObject.Object();
    for (const bad of [10, 'string', {}, null]) {
        let threw = false;
        try {
            Wk.signal_connect_closure_weak(bad, 'ping', () => {}, receiver, false);
        } catch (e) {
            threw = true;
        }
        check(threw, `emitter ${JSON.stringify(bad)} throws`);

        threw = false;
        try {
            Wk.signal_connect_closure_weak(emitter, 'ping', () => {}, bad, false);
        } catch (e) {
            threw = true;
        }
        check(threw, `receiver ${JSON.stringify(bad)} throws`);
    }
    check(!hasHandler(emitter), 'nothing connected');
});

print(`# ${nPassed} tests passed`);

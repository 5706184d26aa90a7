// SPDX-License-Identifier: LGPL-2.1-or-later
//
// What the gjs tests share: checks, running the main context, collecting
// garbage until something has happened. The test scripts import it
// relative to themselves: `import {check} from './wkTestUtil.js';`.

import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import System from 'system';
import Wk from 'gi://Wk?version=1';

// How long a test waits for something before it fails. Generous: it
// bounds a hang, it measures nothing.
export const TIMEOUT_S = 60;

let nChecks = 0;

// Throws (the script then exits non-zero) unless @condition holds.
export function check(condition, what) {
    nChecks++;
    if (!condition)
        throw new Error(`assertion failed: ${what}`);
}

// How many checks ran so far.
export function checkCount() {
    return nChecks;
}

export function drain() {
    const context = GLib.MainContext.default();
    while (context.iteration(false)) {
        // Nothing: iterate until no source is ready.
    }
}

// Collects garbage and iterates the main context until predicate() holds.
export function settle(predicate, what) {
    const deadline = GLib.get_monotonic_time() + TIMEOUT_S * 1000000;
    for (;;) {
        System.gc();
        drain();
        if (predicate())
            return;
        check(GLib.get_monotonic_time() < deadline, `${what} within ${TIMEOUT_S} s`);
        GLib.usleep(1000);
    }
}

// Collects garbage and iterates a few times: whatever was going to happen
// has happened.
export function quiesce() {
    for (let i = 0; i < 3; i++) {
        System.gc();
        drain();
    }
}

export function newStore() {
    return new Gio.ListStore({item_type: GObject.Object});
}

// wk_delivery_set_default() from JavaScript.
export function setDefaultDelivery(delivery) {
    Wk.Delivery.set_default(delivery);
}

// SPDX-License-Identifier: LGPL-2.1-or-later
//
// A child widget that holds its parent weakly, with Wk.Ref, in GTK 4 from
// gjs. The same idea as widget-example.py:
//
// Part one: the child holds its parent with Wk.Ref. The child moves to an
// "orphans" box; when GTK drops the parent, the parent is finalized at once,
// the Wk.Ref's callback tells the child, and the child lives on.
// Part two: the same with a plain JavaScript reference: the parent outlives
// its removal, and only goes when the child forgets it.
//
// One gjs rule shapes it: gjs runs no JavaScript while its garbage collector
// runs, and an object whose last reference was its own JavaScript wrapper
// dies inside a collection. So in gjs wobj tells of every death from the
// main context, a little later, as FinalizationRegistry does
// (Wk.Delivery.IDLE): the parent is gone at once (is_alive(), dup_object()),
// and the child's callback runs when the main context is next iterated.
//
// Run it with `gjs -m widget-example.js` under a display (`xvfb-run -a`
// without one), against an installed wobj (GI_TYPELIB_PATH and
// LD_LIBRARY_PATH pointing at the prefix if it is not a system one). Exits 0
// only if everything happened as described.

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gtk from 'gi://Gtk?version=4.0';
import System from 'system';
import Wk from 'gi://Wk?version=1';

let failures = 0;

function check(ok, what) {
    print(`  ${ok ? '[ok]  ' : '[FAIL]'} ${what}`);
    if (!ok)
        failures++;
}

// A label that remembers the box it was made for, weakly or strongly, and
// says whether that box is still there.
const ChildLabel = GObject.registerClass({
    GTypeName: 'WkExampleJsChildLabel',
}, class ChildLabel extends Gtk.Label {
    constructor(parentBox, weak) {
        super({label: 'My parent is here'});
        this.parentGoneCalls = 0;
        if (weak) {
            // The Wk.Ref keeps its callback until the parent dies, so the
            // callback reaches the child through a Wk.Ref of its own rather
            // than capturing `this`: a dropped child is not kept alive by
            // its parent's reference.
            const me = Wk.Ref.new(this);
            this._parentRef = Wk.Ref.new_full(parentBox, () => {
                me.dup_object()?.parentGone();
            });
            this._parent = null;
        } else {
            this._parentRef = null;
            this._parent = parentBox;     // a strong reference
        }
    }

    // The box, or null once it is gone.
    getParentBox() {
        if (this._parentRef)
            return this._parentRef.dup_object();
        return this._parent;
    }

    forgetParent() {
        this._parent = null;
    }

    // Runs on this thread, before GTK's last unref of the parent returns.
    parentGone() {
        this.parentGoneCalls++;
        this.label = 'My parent is gone';
    }
});

// root (a vertical box) holds "orphans" and a frame; the frame holds the
// parent, the parent holds the child. The caller drops its own reference
// to the parent, so that GTK alone keeps it.
function buildTree(weak) {
    const root = new Gtk.Box({orientation: Gtk.Orientation.VERTICAL});
    const orphans = new Gtk.Box({name: 'orphans'});
    const frame = new Gtk.Frame();
    const parent = new Gtk.Box({name: 'parent'});
    const child = new ChildLabel(parent, weak);
    parent.append(child);
    frame.set_child(parent);
    root.append(orphans);
    root.append(frame);
    return {root, orphans, frame, parent, child};
}

function weakChild() {
    print('Part one: the child holds its parent with Wk.Ref');
    const tree = buildTree(true);
    const {orphans, frame, child} = tree;
    const witness = Wk.Ref.new(tree.parent); // sees whether the parent dies

    check(child.get_parent() === tree.parent, 'the child sits in its parent');
    check(child.getParentBox() === tree.parent, 'and its Wk.Ref returns the parent');

    print('  moving the child to the orphans box...');
    tree.parent.remove(child);
    orphans.append(child);

    // Let the parent's JavaScript wrapper go: from now on only the frame
    // holds the parent, so it dies when GTK drops it.
    tree.parent = null;
    System.gc();
    check(witness.is_alive(), 'the parent lives, held by the frame alone');

    print('  removing the parent from the frame...');
    frame.set_child(null);

    check(!witness.is_alive(), 'the parent was finalized at once');
    check(child.parentGoneCalls === 0, "the child hears of it from the main context, not yet");
    while (GLib.MainContext.default().iteration(false))
        ;
    check(child.parentGoneCalls === 1, "the child's callback ran once");
    check(child.getParentBox() === null, 'the child sees its parent gone');
    check(child.label === 'My parent is gone', `and says so: "${child.label}"`);
    check(orphans.get_first_child() === child, 'the child lives on, in the orphans box');
}

function strongChild() {
    print('Part two: the child holds its parent with a plain reference');
    const tree = buildTree(false);
    const {orphans, frame, child} = tree;
    const witness = Wk.Ref.new(tree.parent);

    tree.parent.remove(child);
    orphans.append(child);
    tree.parent = null;
    frame.set_child(null);
    System.gc();                          // does not help: the child holds it

    check(witness.is_alive(),
        'the removed parent is still alive: the child keeps it (a leak)');
    check(child.label === 'My parent is here', 'and the child cannot tell it was removed');

    print('  the child forgets its parent...');
    child.forgetParent();
    // The parent's last reference is now its JavaScript wrapper: it dies in
    // the next collection, where no callback could run; is_alive() tells.
    System.gc();
    check(!witness.is_alive(), 'only now, after a collection, is the parent finalized');
}

if (!Gtk.init_check()) {
    printerr('widget-example: no display: run it under xvfb-run -a');
    System.exit(1);
}
weakChild();
strongChild();
if (failures > 0) {
    print(`widget-example: ${failures} check(s) failed`);
    System.exit(1);
}
print('widget-example: every check passed');

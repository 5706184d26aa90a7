/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Built by run-installed-test with valac against the installed wobj-1.vapi. */

int main () {
    var object = new GLib.Object ();
    var ref = new Wk.Ref (object);
    var got = ref.dup_object ();
    if (got != object) {
        printerr ("FAIL dup_object() did not return the live object\n");
        return 1;
    }
    got = null;
    object = null;
    if (ref.dup_object () != null) {
        printerr ("FAIL dup_object() did not return null once it was finalized\n");
        return 1;
    }
    print ("ok   the Vala binding works\n");
    return 0;
}

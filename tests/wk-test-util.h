/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What the C tests share: the objects they hold weakly, main-context
 * helpers, a watchdog, and one rule for sizes under valgrind. */

/* WkTestObject: a plain object that remembers whether it was disposed, so
 * that a test can tell a dying object from a live one, and counts its
 * finalizations. Derivable, for tests that need more fields. */
#define WK_TEST_TYPE_OBJECT (wk_test_object_get_type ())
G_DECLARE_DERIVABLE_TYPE (WkTestObject, wk_test_object, WK_TEST, OBJECT, GObject)

struct _WkTestObjectClass
{
  GObjectClass parent_class;
};

gboolean wk_test_object_is_disposed (WkTestObject *self);
guint    wk_test_object_n_finalized (void);

/* WkTestResurrect: its first dispose takes a new reference on itself and
 * hands it to wk_test_resurrect_take(). */
#define WK_TEST_TYPE_RESURRECT (wk_test_resurrect_get_type ())
G_DECLARE_FINAL_TYPE (WkTestResurrect, wk_test_resurrect, WK_TEST, RESURRECT, GObject)

WkTestResurrect *wk_test_resurrect_take (void) G_GNUC_WARN_UNUSED_RESULT;

/* WkTestFloating: a GInitiallyUnowned, born floating. */
#define WK_TEST_TYPE_FLOATING (wk_test_floating_get_type ())
G_DECLARE_FINAL_TYPE (WkTestFloating, wk_test_floating, WK_TEST, FLOATING, GInitiallyUnowned)

/* Sizes: under valgrind (the `valgrind` setup sets WOBJ_UNDER_VALGRIND) the
 * large loops run a hundredth of their count: the same code paths, checked
 * for memory errors, in a time CI can afford. */
guint    wk_test_scaled          (guint         n);
gboolean wk_test_under_valgrind  (void);

/* Main contexts. */
void     wk_test_drain_context   (GMainContext *context);
void     wk_test_iterate_until   (GMainContext *context,
                                  gint         *counter,
                                  gint          target);

/* Threads. */
void     wk_test_unref_in_thread (gpointer      object);

/* A watchdog: if the test is still running @seconds from now, print the
 * stacks of every thread and abort, so that a hang fails with stacks
 * instead of stalling CI. wk_test_watchdog_stop() disarms it. */
void     wk_test_watchdog_start  (guint         seconds);
void     wk_test_watchdog_stop   (void);

/* How long a test waits for something that should happen soon (a
 * delivery, a thread's step) before it fails. Generous: it bounds a hang,
 * it measures nothing. */
#define WK_TEST_TIMEOUT_S 60

G_END_DECLS

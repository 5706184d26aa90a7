/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What the C tests share: the objects they hold weakly, main-context
 * helpers, a watchdog, and one rule for sizes under valgrind. */

/* WkTestObject: a plain object that remembers whether it was disposed, so
 * that a test can tell a dying object from a live one, and how many times,
 * and counts its finalizations. Derivable, for tests that need more
 * fields. */
#define WK_TEST_TYPE_OBJECT (wk_test_object_get_type ())
G_DECLARE_DERIVABLE_TYPE (WkTestObject, wk_test_object, WK_TEST, OBJECT, GObject)

struct _WkTestObjectClass
{
  GObjectClass parent_class;
};

gboolean wk_test_object_is_disposed (WkTestObject *self);
guint    wk_test_object_n_dispose   (WkTestObject *self);
guint    wk_test_object_n_finalized (void);

/* WkTestResurrect: its first dispose takes a new reference on itself and
 * hands it to wk_test_resurrect_take(). */
#define WK_TEST_TYPE_RESURRECT (wk_test_resurrect_get_type ())
G_DECLARE_FINAL_TYPE (WkTestResurrect, wk_test_resurrect, WK_TEST, RESURRECT, GObject)

WkTestResurrect *wk_test_resurrect_take      (void) G_GNUC_WARN_UNUSED_RESULT;
guint            wk_test_resurrect_n_dispose (WkTestResurrect *self);

/* WkTestFloating: a GInitiallyUnowned, born floating. */
#define WK_TEST_TYPE_FLOATING (wk_test_floating_get_type ())
G_DECLARE_FINAL_TYPE (WkTestFloating, wk_test_floating, WK_TEST, FLOATING, GInitiallyUnowned)

/* Sizes: under valgrind (the `valgrind` setup sets WOBJ_UNDER_VALGRIND=1;
 * unset, empty or "0" means not) the large loops run a hundredth of their
 * count: the same code paths, checked for memory errors, in a time CI can
 * afford. */
guint    wk_test_scaled          (guint         n);
gboolean wk_test_under_valgrind  (void);

/* Main contexts. wk_test_drain_context() dispatches what is ready without
 * blocking, until nothing is (at most 100,000 iterations: a GTK frame
 * clock or a source that re-arms itself never runs dry). The iterate_until
 * functions iterate @context without blocking, sleeping a millisecond when
 * nothing was ready (so that a condition changed by another thread is seen
 * without a wake-up), and fail the test if it does not come true in time:
 * wk_test_iterate_until() waits for *@counter (read atomically) to reach
 * @target, for WK_TEST_TIMEOUT_S; wk_test_iterate_until_cond() for
 * @condition to return TRUE, for @timeout_s. */
typedef gboolean (*WkTestCondition) (gpointer user_data);

void     wk_test_drain_context      (GMainContext    *context);
void     wk_test_iterate_until      (GMainContext    *context,
                                     gint            *counter,
                                     gint             target);
void     wk_test_iterate_until_cond (GMainContext    *context,
                                     guint            timeout_s,
                                     WkTestCondition  condition,
                                     gpointer         user_data);

/* Threads: drop a reference to @object on a new thread, and wait for it,
 * or return the thread for the caller to join (to race it). */
void     wk_test_unref_in_thread     (gpointer object);
GThread *wk_test_unref_in_new_thread (gpointer object) G_GNUC_WARN_UNUSED_RESULT;

/* Timings, for g_test_message(): the seconds since @start, a
 * g_get_monotonic_time(). */
double   wk_test_seconds_since (gint64 start);

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

/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Tests of the gate (wobj/wk-gate-private.h), the one way wobj turns a weak
 * pointer into a strong reference, through the WkRefs that use it: its
 * states (open, closing, closed), the lookups that race an object's last
 * unref, its g_object_run_dispose() and a resurrection, lookups from
 * inside weak notifies, and the deadlock with toggle references that
 * GLib 2.74's g_weak_ref_get() has and the gate must not. */

#include <wobj.h>

#include "wobj/wk-anchor-private.h"
#include "wk-test-util.h"

/* A thread that takes strong references through a WkRef until told to stop,
 * and checks each one. */
typedef struct
{
  WkRef    *ref;
  gint      stop;         /* atomic */
  gint      n_live;       /* atomic: references that were handed out */
  gboolean  disposing;    /* the object dies by g_object_run_dispose() */
} Dupper;

/* stop: 0 go on, 1 stop once the ref is dead, 2 stop now. */
static gpointer
dupper_thread_func (gpointer data)
{
  Dupper *d = data;

  for (;;)
    {
      gint stop = g_atomic_int_get (&d->stop);
      WkTestObject *object = wk_ref_dup_object (d->ref);

      if (object != NULL)
        {
          /* Never an object whose last unref has begun. (Inside a
           * g_object_run_dispose(), up to wobj's weak notify, the object
           * is alive and may be handed out, as GWeakRef does.) */
          if (!d->disposing)
            g_assert_false (wk_test_object_is_disposed (object));
          g_atomic_int_inc (&d->n_live);
          g_object_unref (object);
        }
      else if (stop == 1)
        break;

      if (stop == 2)
        break;
    }

  return NULL;
}

/* /Wobj/Gate/open-closed: a live object comes out of the gate, a dead one
 * does not, and neither does one disposed by g_object_run_dispose(), which
 * lives on. */
static void
test_open_closed (void)
{
  WkTestObject *object = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
  WkRef *ref = wk_ref_new (object);
  WkRef *later;
  gpointer strong;

  strong = wk_ref_dup_object (ref);
  g_assert_true (strong == (gpointer) object);
  g_object_unref (strong);

  g_object_run_dispose (G_OBJECT (object));
  g_assert_null (wk_ref_dup_object (ref));
  g_assert_false (wk_ref_is_alive (ref));

  /* The object lives on: a new reference gets a new gate. */
  later = wk_ref_new (object);
  strong = wk_ref_dup_object (later);
  g_assert_true (strong == (gpointer) object);
  g_object_unref (strong);

  g_assert_finalize_object (object);
  g_assert_null (wk_ref_dup_object (later));
  g_assert_finalize_object (later);
  g_assert_finalize_object (ref);
}

/* /Wobj/Gate/last-unref-race: threads take references while the object's
 * last one is dropped: none is ever handed a disposed object, and the
 * object is finalized once all are gone. */
#define N_DUPPERS 3

static void
test_last_unref_race (void)
{
  guint n_rounds = wk_test_scaled (2000);
  guint n_before = wk_test_object_n_finalized ();

  wk_test_watchdog_start (240);

  for (guint round = 0; round < n_rounds; round++)
    {
      WkTestObject *object = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
      Dupper d = { wk_ref_new (object), 0, 0, FALSE };
      GThread *threads[N_DUPPERS];

      for (guint i = 0; i < N_DUPPERS; i++)
        threads[i] = g_thread_new ("wk-test-dup", dupper_thread_func, &d);

      /* Let the threads get going, now and then. */
      if (round % 4 == 0)
        g_thread_yield ();
      g_atomic_int_set (&d.stop, 1);
      g_object_unref (object);

      for (guint i = 0; i < N_DUPPERS; i++)
        g_thread_join (threads[i]);

      g_assert_false (wk_ref_is_alive (d.ref));
      g_assert_null (wk_ref_dup_object (d.ref));
      g_assert_cmpuint (wk_test_object_n_finalized (), ==, n_before + round + 1);
      wk_test_drain_context (NULL);
      g_assert_finalize_object (d.ref);
    }

  wk_test_watchdog_stop ();
}

/* /Wobj/Gate/run-dispose-race: threads take references while another
 * thread runs g_object_run_dispose(): from the moment it returns none gets
 * the object, and the object lives on for its other holders. */
static void
test_run_dispose_race (void)
{
  guint n_rounds = wk_test_scaled (2000);

  wk_test_watchdog_start (240);

  for (guint round = 0; round < n_rounds; round++)
    {
      GObject *object = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
      WkRef *ref = wk_ref_new (object);
      GThread *threads[N_DUPPERS];
      Dupper d = { ref, 0, 0, TRUE };

      for (guint i = 0; i < N_DUPPERS; i++)
        threads[i] = g_thread_new ("wk-test-dup", dupper_thread_func, &d);

      if (round % 4 == 0)
        g_thread_yield ();
      g_object_run_dispose (object);

      /* Closed: whatever starts now finds nothing. */
      g_assert_null (wk_ref_dup_object (ref));
      g_atomic_int_set (&d.stop, 1);

      for (guint i = 0; i < N_DUPPERS; i++)
        g_thread_join (threads[i]);

      g_assert_false (wk_ref_is_alive (ref));
      wk_test_drain_context (NULL);
      g_assert_finalize_object (ref);
      g_assert_finalize_object (object);
    }

  wk_test_watchdog_stop ();
}

/* /Wobj/Gate/resurrection: an object that takes a reference on itself in
 * its dispose is reported dead once, for good, and can be held anew. */
static void
count_cb (WkRef    *ref,
          gpointer  user_data)
{
  g_atomic_int_inc ((gint *) user_data);
}

static void
test_resurrection (void)
{
  WkTestResurrect *object = g_object_new (WK_TEST_TYPE_RESURRECT, NULL);
  gint n_fired = 0, n_fired_later = 0;
  WkRef *ref = wk_ref_new_full (object, count_cb, &n_fired, NULL);
  WkRef *later;
  gpointer strong;

  g_object_unref (object);          /* dispose resurrects it */
  g_assert_cmpint (n_fired, ==, 1);
  g_assert_null (wk_ref_dup_object (ref));

  object = wk_test_resurrect_take ();
  later = wk_ref_new_full (object, count_cb, &n_fired_later, NULL);
  strong = wk_ref_dup_object (later);
  g_assert_true (strong == (gpointer) object);
  g_object_unref (strong);
  g_assert_null (wk_ref_dup_object (ref));

  g_assert_finalize_object (object);
  g_assert_cmpint (n_fired, ==, 1);
  g_assert_cmpint (n_fired_later, ==, 1);
  g_assert_null (wk_ref_dup_object (later));
  g_assert_finalize_object (later);
  g_assert_finalize_object (ref);
}

/* /Wobj/Gate/dup-in-weak-notify: a lookup from another weak notify of the
 * object finds nothing once the object's last unref has begun, whether
 * that notify runs before wobj's or after it; in g_object_run_dispose(),
 * nothing once wobj's has run. */
typedef struct
{
  WkRef    *ref;
  gboolean  found;
  gboolean  ran;
} NotifyLookup;

static void
lookup_weak_notify (gpointer  data,
                    GObject  *where_the_object_was)
{
  NotifyLookup *lookup = data;
  gpointer strong = wk_ref_dup_object (lookup->ref);

  lookup->ran = TRUE;
  lookup->found = strong != NULL;
  g_clear_object (&strong);
}

static void
test_dup_in_weak_notify (void)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  NotifyLookup before = { NULL, FALSE, FALSE };
  NotifyLookup after = { NULL, FALSE, FALSE };
  WkRef *ref;

  /* The last unref. */
  g_object_weak_ref (object, lookup_weak_notify, &before);
  ref = wk_ref_new (object);          /* wobj's weak notify: second */
  g_object_weak_ref (object, lookup_weak_notify, &after);
  before.ref = after.ref = ref;

  g_object_unref (object);
  g_assert_true (before.ran && after.ran);
  g_assert_false (before.found);
  g_assert_false (after.found);
  g_assert_finalize_object (ref);

  /* g_object_run_dispose(): the weak notifies after wobj's find nothing. */
  object = g_object_new (G_TYPE_OBJECT, NULL);
  ref = wk_ref_new (object);
  after = (NotifyLookup) { ref, FALSE, FALSE };
  g_object_weak_ref (object, lookup_weak_notify, &after);

  g_object_run_dispose (object);
  g_assert_true (after.ran);
  g_assert_false (after.found);
  g_assert_null (wk_ref_dup_object (ref));

  g_assert_finalize_object (object);
  g_assert_finalize_object (ref);
}

/* /Wobj/Gate/toggle-no-deadlock: the deadlock of GLib 2.74's
 * g_weak_ref_get(), without Python.
 *
 * Toggled is held only by a toggle reference whose notify takes a mutex
 * (as PyGObject's takes the GIL). The dropper holds that mutex while it
 * drops the last reference to another held object, which takes GLib's
 * weak-reference lock for writing. The looker takes a reference to Toggled
 * through a WkRef: the count goes from 1 to 2, so the toggle notify runs
 * and waits for the mutex. If the looker were inside GLib's weak-reference
 * lock at that moment (as g_weak_ref_get() is), the dropper would wait for
 * the looker and the looker for the dropper. The watchdog fails the test
 * with the stacks of both if they hang. */
typedef struct
{
  GMutex   toggle_lock;       /* the "GIL" */
  gint     in_toggle_notify;  /* atomic */
  GObject *toggled;
  WkRef   *toggled_ref;
  GObject *other;             /* held by other_ref, dropped by the dropper */
  WkRef   *other_ref;
  GThread *looker;
} ToggleDeadlock;

static void
toggle_notify_cb (gpointer  data,
                  GObject  *object,
                  gboolean  is_last_ref)
{
  ToggleDeadlock *td = data;

  if (is_last_ref || g_thread_self () != td->looker)
    return;

  g_atomic_int_set (&td->in_toggle_notify, 1);
  g_mutex_lock (&td->toggle_lock);
  g_mutex_unlock (&td->toggle_lock);
}

static gpointer
looker_thread_func (gpointer data)
{
  ToggleDeadlock *td = data;

  return wk_ref_dup_object (td->toggled_ref);
}

static void
test_toggle_no_deadlock (void)
{
  guint n_rounds = wk_test_scaled (200);

  wk_test_watchdog_start (120);

  for (guint round = 0; round < n_rounds; round++)
    {
      ToggleDeadlock td = { 0, };
      gint64 deadline = g_get_monotonic_time () + WK_TEST_TIMEOUT_S * G_USEC_PER_SEC;
      gpointer found;

      g_mutex_init (&td.toggle_lock);
      td.toggled = g_object_new (G_TYPE_OBJECT, NULL);
      td.toggled_ref = wk_ref_new (td.toggled);
      g_object_add_toggle_ref (td.toggled, toggle_notify_cb, &td);
      g_object_unref (td.toggled);      /* only the toggle reference is left */
      td.other = g_object_new (G_TYPE_OBJECT, NULL);
      td.other_ref = wk_ref_new (td.other);

      /* The dropper is this thread. */
      g_mutex_lock (&td.toggle_lock);
      td.looker = g_thread_new ("wk-test-looker", looker_thread_func, &td);
      while (!g_atomic_int_get (&td.in_toggle_notify))
        {
          g_thread_yield ();
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        }
      g_object_unref (g_steal_pointer (&td.other));  /* its last reference */
      g_mutex_unlock (&td.toggle_lock);

      found = g_thread_join (td.looker);
      g_assert_true (found == (gpointer) td.toggled);
      g_object_unref (found);

      g_assert_false (wk_ref_is_alive (td.other_ref));
      g_object_remove_toggle_ref (td.toggled, toggle_notify_cb, &td);
      g_assert_false (wk_ref_is_alive (td.toggled_ref));
      wk_test_drain_context (NULL);
      g_assert_finalize_object (td.toggled_ref);
      g_assert_finalize_object (td.other_ref);
      g_mutex_clear (&td.toggle_lock);
    }

  wk_test_watchdog_stop ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Wobj/Gate/open-closed", test_open_closed);
  g_test_add_func ("/Wobj/Gate/last-unref-race", test_last_unref_race);
  g_test_add_func ("/Wobj/Gate/run-dispose-race", test_run_dispose_race);
  g_test_add_func ("/Wobj/Gate/resurrection", test_resurrection);
  g_test_add_func ("/Wobj/Gate/dup-in-weak-notify", test_dup_in_weak_notify);
  g_test_add_func ("/Wobj/Gate/toggle-no-deadlock", test_toggle_no_deadlock);

  return g_test_run ();
}

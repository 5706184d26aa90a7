/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* wk-ref-example: a WkRef at work.
 *
 * Part one: an object dies on the thread that owns the reference, and the
 * callback and the signal run before g_object_unref() returns.
 * Part two: the object dies on another thread; the reference forgets it at
 * once, and the callback and the signal are delivered on the main loop.
 *
 * Exits 0 only if everything happened as described.
 */

#include <stdio.h>
#include <stdlib.h>

#include <wobj.h>

typedef struct
{
  GThread   *owner;
  GMainLoop *loop;
  guint      notified;
  guint      signalled;
  guint      destroyed;
  gboolean   wrong_thread;
  guint      timeout_id;
} Witness;

static guint failures;

static void
check (gboolean    ok,
       const char *what)
{
  printf ("  %s %s\n", ok ? "[ok]  " : "[FAIL]", what);
  if (!ok)
    failures++;
}

static void
ref_notify_cb (WkRef    *ref,
               gpointer  user_data)
{
  Witness *w = user_data;

  printf ("  -> callback: the object held by WkRef %p was finalized\n", (void *) ref);
  w->notified++;
  if (g_thread_self () != w->owner)
    w->wrong_thread = TRUE;
  if (w->loop != NULL && w->signalled > 0)
    g_main_loop_quit (w->loop);
}

static void
object_finalized_cb (WkRef    *ref,
                     gpointer  user_data)
{
  Witness *w = user_data;

  printf ("  -> signal: WkRef::object-finalized\n");
  w->signalled++;
  if (g_thread_self () != w->owner)
    w->wrong_thread = TRUE;
  if (w->loop != NULL && w->notified > 0)
    g_main_loop_quit (w->loop);
}

static void
witness_destroy_cb (gpointer user_data)
{
  Witness *w = user_data;

  w->destroyed++;
}

static gpointer
drop_in_thread (gpointer data)
{
  GObject *object = data;

  printf ("  (worker thread drops the last reference)\n");
  g_object_unref (object);
  return NULL;
}

static gboolean
timeout_cb (gpointer user_data)
{
  Witness *w = user_data;

  printf ("  (gave up waiting for the main loop)\n");
  w->timeout_id = 0;
  g_main_loop_quit (w->loop);
  return G_SOURCE_REMOVE;
}

static void
same_thread (void)
{
  Witness w = { g_thread_self (), NULL, 0, 0, 0, FALSE, 0 };
  GObject *object;
  GObject *again;
  WkRef *ref;

  printf ("Part one: the object dies on the owner's thread\n");

  object = g_object_new (G_TYPE_OBJECT, NULL);
  ref = wk_ref_new_full (object, ref_notify_cb, &w, witness_destroy_cb);
  g_signal_connect (ref, "object-finalized", G_CALLBACK (object_finalized_cb), &w);
  printf ("  created a GObject at %p and a WkRef to it\n", (void *) object);

  again = wk_ref_dup_object (ref);
  check (again == object, "wk_ref_dup_object() returns the object while it lives");
  g_clear_object (&again);
  check (wk_ref_is_alive (ref), "wk_ref_is_alive() is TRUE");

  printf ("  dropping the last strong reference...\n");
  g_object_unref (object);

  check (w.notified == 1, "the callback ran once, before g_object_unref() returned");
  check (w.signalled == 1, "object-finalized was emitted once");
  check (!w.wrong_thread, "both ran on the owner's thread");
  again = wk_ref_dup_object (ref);
  check (again == NULL, "wk_ref_dup_object() now returns NULL");
  g_clear_object (&again);
  check (!wk_ref_is_alive (ref), "wk_ref_is_alive() is FALSE");

  g_object_unref (ref);
  check (w.destroyed == 1, "the user data was destroyed with the WkRef");
  printf ("\n");
}

static void
other_thread (void)
{
  Witness w = { g_thread_self (), NULL, 0, 0, 0, FALSE, 0 };
  GObject *object;
  GObject *again;
  GThread *thread;
  WkRef *ref;

  printf ("Part two: the object dies on another thread\n");

  w.loop = g_main_loop_new (NULL, FALSE);
  object = g_object_new (G_TYPE_OBJECT, NULL);
  ref = wk_ref_new_full (object, ref_notify_cb, &w, witness_destroy_cb);
  g_signal_connect (ref, "object-finalized", G_CALLBACK (object_finalized_cb), &w);
  printf ("  created a GObject at %p and a WkRef to it on the main thread\n", (void *) object);

  /* The thread takes over our only reference. */
  thread = g_thread_new ("dropper", drop_in_thread, object);
  object = NULL;
  g_thread_join (thread);

  again = wk_ref_dup_object (ref);
  check (again == NULL, "once the thread is done, wk_ref_dup_object() returns NULL");
  g_clear_object (&again);
  check (w.notified == 0 && w.signalled == 0,
         "the callback and the signal wait for the owner's main loop");

  printf ("  running the main loop...\n");
  w.timeout_id = g_timeout_add_seconds (10, timeout_cb, &w);
  if (w.notified == 0 || w.signalled == 0)
    g_main_loop_run (w.loop);
  g_clear_handle_id (&w.timeout_id, g_source_remove);

  check (w.notified == 1, "the callback ran once, from the main loop");
  check (w.signalled == 1, "object-finalized was emitted once, from the main loop");
  check (!w.wrong_thread, "both ran on the main thread, not the worker");

  g_object_unref (ref);
  check (w.destroyed == 1, "the user data was destroyed with the WkRef");
  g_main_loop_unref (w.loop);
  printf ("\n");
}

int
main (void)
{
  printf ("wobj %s: a WkRef holds an object without keeping it alive.\n\n", WK_VERSION_S);

  same_thread ();
  other_thread ();

  if (failures > 0)
    {
      printf ("%u check(s) failed\n", failures);
      return EXIT_FAILURE;
    }

  printf ("Everything happened as expected.\n");
  return EXIT_SUCCESS;
}

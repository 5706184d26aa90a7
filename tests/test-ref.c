/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include <wobj.h>

/* Private: to check that the WkRefs of one object share one anchor. */
#include "wk-anchor-private.h"

#include "wk-test-util.h"

#define LOG_DOMAIN "Wobj"

static GThread *main_thread;
static GQuark   finalize_counter_quark;

/* Record: counts and orders everything a WkRef reports. */

typedef struct
{
  WkRef   *ref;          /* if set, the ref every report must be about */
  gint     seq;
  gint     n_notify;     /* WkRefNotify calls */
  gint     n_alive;      /* notify::alive emissions */
  gint     n_signal;     /* object-finalized emissions */
  gint     n_destroy;    /* destroy (user_data) calls */
  gint     notify_at;
  gint     alive_at;
  gint     signal_at;
  gint     destroy_at;
  GThread *notify_thread;
  GThread *alive_thread;
  GThread *signal_thread;
} Record;

static void
record_notify_cb (WkRef    *ref,
                  gpointer  user_data)
{
  Record *rec = user_data;

  g_assert_true (WK_IS_REF (ref));
  if (rec->ref != NULL)
    g_assert_true (ref == rec->ref);

  /* The reference is already dead when its callback runs. */
  g_assert_false (wk_ref_is_alive (ref));
  g_assert_null (wk_ref_dup_object (ref));

  rec->n_notify++;
  rec->notify_at = ++rec->seq;
  rec->notify_thread = g_thread_self ();
}

static void
record_alive_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  Record *rec = user_data;
  gboolean alive = TRUE;

  g_assert_true (WK_IS_REF (object));
  if (rec->ref != NULL)
    g_assert_true ((gpointer) object == (gpointer) rec->ref);

  g_object_get (object, "alive", &alive, NULL);
  g_assert_false (alive);
  g_assert_false (wk_ref_is_alive (WK_REF (object)));

  rec->n_alive++;
  rec->alive_at = ++rec->seq;
  rec->alive_thread = g_thread_self ();
}

static void
record_signal_cb (WkRef    *ref,
                  gpointer  user_data)
{
  Record *rec = user_data;

  g_assert_true (WK_IS_REF (ref));
  if (rec->ref != NULL)
    g_assert_true (ref == rec->ref);

  /* object-finalized is emitted after the reference is dead. */
  g_assert_false (wk_ref_is_alive (ref));
  g_assert_null (wk_ref_dup_object (ref));

  rec->n_signal++;
  rec->signal_at = ++rec->seq;
  rec->signal_thread = g_thread_self ();
}

static void
record_destroy_cb (gpointer user_data)
{
  Record *rec = user_data;

  rec->n_destroy++;
  rec->destroy_at = ++rec->seq;
}

static void
record_connect (WkRef  *ref,
                Record *rec)
{
  g_signal_connect (ref, "notify::alive", G_CALLBACK (record_alive_cb), rec);
  g_signal_connect (ref, "object-finalized", G_CALLBACK (record_signal_cb), rec);
}

static void
assert_record_counts (const Record *rec,
                      gint          n_notify,
                      gint          n_alive,
                      gint          n_signal,
                      gint          n_destroy)
{
  g_assert_cmpint (rec->n_notify, ==, n_notify);
  g_assert_cmpint (rec->n_alive, ==, n_alive);
  g_assert_cmpint (rec->n_signal, ==, n_signal);
  g_assert_cmpint (rec->n_destroy, ==, n_destroy);
}

/* Asserts one full delivery, in order, on @thread. */
static void
assert_record_fired_once (const Record *rec,
                          GThread      *thread)
{
  assert_record_counts (rec, 1, 1, 1, 1);
  g_assert_cmpint (rec->notify_at, <, rec->alive_at);
  g_assert_cmpint (rec->alive_at, <, rec->signal_at);
  g_assert_cmpint (rec->notify_at, <, rec->destroy_at);
  g_assert_true (rec->notify_thread == thread);
  g_assert_true (rec->alive_thread == thread);
  g_assert_true (rec->signal_thread == thread);
}

/* A counter in the qdata of an object, bumped when it is finalized: cheaper
 * than a weak pointer for a million objects, and safe on any thread. */
static void
finalize_counter_bump (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static void
count_finalize (gpointer  object,
                gint     *counter)
{
  g_object_set_qdata_full (object, finalize_counter_quark, counter, finalize_counter_bump);
}

static void
fired_cb (WkRef    *ref,
          gpointer  user_data)
{
  guint8 *fired = user_data;

  g_assert_false (wk_ref_is_alive (ref));
  (*fired)++;
}

static void
count_cb (WkRef    *ref,
          gpointer  user_data)
{
  g_atomic_int_inc ((gint *) user_data);
}

static void
count_destroy_cb (gpointer user_data)
{
  g_atomic_int_inc ((gint *) user_data);
}

static guint
count_anchor_members (gpointer object)
{
  WkAnchor *anchor = wk_anchor_lookup (object);
  guint n;

  if (anchor == NULL)
    return 0;

  n = wk_anchor_count_members (anchor);
  wk_anchor_unref (anchor);

  return n;
}

/* /Wobj/Ref/alive-then-dead */
static void
test_alive_then_dead (void)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  WkRef *ref = wk_ref_new (object);
  GObject *dup;

  g_assert_true (WK_IS_REF (ref));
  /* A weak reference takes no reference. */
  g_assert_cmpuint (object->ref_count, ==, 1);
  g_assert_true (wk_ref_is_alive (ref));

  dup = wk_ref_dup_object (ref);
  g_assert_true (dup == object);
  g_assert_cmpuint (object->ref_count, ==, 2);
  g_object_unref (dup);
  g_assert_cmpuint (object->ref_count, ==, 1);
  g_assert_true (wk_ref_is_alive (ref));

  g_assert_finalize_object (object);

  g_assert_false (wk_ref_is_alive (ref));
  g_assert_null (wk_ref_dup_object (ref));
  /* Asking again changes nothing. */
  g_assert_false (wk_ref_is_alive (ref));
  g_assert_null (wk_ref_dup_object (ref));

  g_assert_finalize_object (ref);
}

/* /Wobj/Ref/callback-and-signal-once */
static void
test_callback_and_signal_once (void)
{
  Record rec = { 0 };
  Record rec_no_notify = { 0 };
  Record rec_no_destroy = { 0 };
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  WkRef *ref;
  WkRef *ref_no_notify;
  WkRef *ref_no_destroy;

  ref = wk_ref_new_full (object, record_notify_cb, &rec, record_destroy_cb);
  rec.ref = ref;
  record_connect (ref, &rec);

  /* notify may be NULL; destroy is still called once. */
  ref_no_notify = wk_ref_new_full (object, NULL, &rec_no_notify, record_destroy_cb);
  rec_no_notify.ref = ref_no_notify;
  record_connect (ref_no_notify, &rec_no_notify);

  ref_no_destroy = wk_ref_new_full (object, record_notify_cb, &rec_no_destroy, NULL);
  rec_no_destroy.ref = ref_no_destroy;
  record_connect (ref_no_destroy, &rec_no_destroy);

  assert_record_counts (&rec, 0, 0, 0, 0);
  assert_record_counts (&rec_no_notify, 0, 0, 0, 0);
  assert_record_counts (&rec_no_destroy, 0, 0, 0, 0);

  g_assert_finalize_object (object);

  /* The object died on the owner's thread: everything ran before
   * g_object_unref() returned, once, in order. */
  assert_record_fired_once (&rec, main_thread);

  g_assert_cmpint (rec_no_notify.n_notify, ==, 0);
  g_assert_cmpint (rec_no_notify.n_alive, ==, 1);
  g_assert_cmpint (rec_no_notify.n_signal, ==, 1);
  g_assert_cmpint (rec_no_notify.n_destroy, <=, 1);
  g_assert_cmpint (rec_no_notify.alive_at, <, rec_no_notify.signal_at);

  assert_record_counts (&rec_no_destroy, 1, 1, 1, 0);
  g_assert_cmpint (rec_no_destroy.notify_at, <, rec_no_destroy.alive_at);
  g_assert_cmpint (rec_no_destroy.alive_at, <, rec_no_destroy.signal_at);

  /* Nothing else is pending anywhere. */
  wk_test_drain_context (NULL);
  assert_record_fired_once (&rec, main_thread);
  g_assert_cmpint (rec_no_notify.n_signal, ==, 1);
  g_assert_cmpint (rec_no_destroy.n_signal, ==, 1);

  g_assert_finalize_object (ref);
  g_assert_finalize_object (ref_no_notify);
  g_assert_finalize_object (ref_no_destroy);

  /* Destroying the refs runs nothing again. */
  assert_record_fired_once (&rec, main_thread);
  assert_record_counts (&rec_no_notify, 0, 1, 1, 1);
  assert_record_counts (&rec_no_destroy, 1, 1, 1, 0);
}

/* /Wobj/Ref/default-delivery */
static void
test_default_delivery (void)
{
  Record rec_before = { 0 };
  Record rec_idle = { 0 };
  Record rec_after = { 0 };
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  WkRef *before;
  WkRef *idle;
  WkRef *after;

  /* C keeps synchronous delivery: only gjs defaults to IDLE. */
  g_assert_cmpint (wk_delivery_get_default (), ==, WK_DELIVERY_AT_ONCE);

  before = wk_ref_new_full (object, record_notify_cb, &rec_before, record_destroy_cb);
  rec_before.ref = before;
  record_connect (before, &rec_before);

  /* A ref made while the default is IDLE keeps IDLE. */
  wk_delivery_set_default (WK_DELIVERY_IDLE);
  g_assert_cmpint (wk_delivery_get_default (), ==, WK_DELIVERY_IDLE);
  idle = wk_ref_new_full (object, record_notify_cb, &rec_idle, record_destroy_cb);
  rec_idle.ref = idle;
  record_connect (idle, &rec_idle);
  wk_delivery_set_default (WK_DELIVERY_AT_ONCE);
  g_assert_cmpint (wk_delivery_get_default (), ==, WK_DELIVERY_AT_ONCE);

  after = wk_ref_new_full (object, record_notify_cb, &rec_after, record_destroy_cb);
  rec_after.ref = after;
  record_connect (after, &rec_after);

  wk_test_drain_context (NULL);
  g_assert_finalize_object (object);

  /* Every ref is dead before g_object_unref() returned... */
  g_assert_false (wk_ref_is_alive (idle));
  g_assert_null (wk_ref_dup_object (idle));
  g_assert_false (wk_ref_is_alive (before));
  g_assert_false (wk_ref_is_alive (after));
  /* ...the AT_ONCE ones have reported it, the IDLE one not yet. */
  assert_record_fired_once (&rec_before, main_thread);
  assert_record_fired_once (&rec_after, main_thread);
  assert_record_counts (&rec_idle, 0, 0, 0, 0);

  /* It does when the context runs, once, in order, on this thread. */
  wk_test_drain_context (NULL);
  assert_record_fired_once (&rec_idle, main_thread);
  wk_test_drain_context (NULL);
  assert_record_fired_once (&rec_idle, main_thread);
  assert_record_fired_once (&rec_before, main_thread);
  assert_record_fired_once (&rec_after, main_thread);

  g_assert_finalize_object (before);
  g_assert_finalize_object (idle);
  g_assert_finalize_object (after);
  assert_record_fired_once (&rec_idle, main_thread);
}

/* /Wobj/Ref/several-refs-one-object */
#define N_SEVERAL 16

static void
test_several_refs_one_object (void)
{
  Record recs[N_SEVERAL] = { { 0 } };
  WkRef *refs[N_SEVERAL];
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  WkRef *dropped;
  guint i;

  g_assert_cmpuint (count_anchor_members (object), ==, 0);

  for (i = 0; i < N_SEVERAL; i++)
    {
      refs[i] = wk_ref_new_full (object, record_notify_cb, &recs[i], record_destroy_cb);
      recs[i].ref = refs[i];
      record_connect (refs[i], &recs[i]);
    }

  /* One anchor holds every membership. */
  g_assert_cmpuint (count_anchor_members (object), ==, N_SEVERAL);
  g_assert_cmpuint (object->ref_count, ==, 1);

  /* One more, dropped at once, leaves the others as they were. */
  dropped = wk_ref_new (object);
  g_assert_cmpuint (count_anchor_members (object), ==, N_SEVERAL + 1);
  g_assert_finalize_object (dropped);
  g_assert_cmpuint (count_anchor_members (object), ==, N_SEVERAL);

  for (i = 0; i < N_SEVERAL; i++)
    {
      GObject *dup = wk_ref_dup_object (refs[i]);

      g_assert_true (dup == object);
      g_object_unref (dup);
    }

  g_assert_finalize_object (object);

  for (i = 0; i < N_SEVERAL; i++)
    {
      assert_record_fired_once (&recs[i], main_thread);
      g_assert_null (wk_ref_dup_object (refs[i]));
    }

  wk_test_drain_context (NULL);

  for (i = 0; i < N_SEVERAL; i++)
    {
      g_assert_finalize_object (refs[i]);
      assert_record_fired_once (&recs[i], main_thread);
    }
}

/* /Wobj/Ref/cross-thread */
static void
test_cross_thread (void)
{
  Record rec = { 0 };
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  gpointer object_ptr = object;
  WkRef *ref;

  ref = wk_ref_new_full (object, record_notify_cb, &rec, record_destroy_cb);
  rec.ref = ref;
  record_connect (ref, &rec);
  g_object_add_weak_pointer (object, &object_ptr);

  /* The worker drops the only reference. */
  wk_test_unref_in_thread (g_steal_pointer (&object));
  g_assert_null (object_ptr);

  /* Dead at once, but nothing was delivered on the worker. */
  g_assert_false (wk_ref_is_alive (ref));
  g_assert_null (wk_ref_dup_object (ref));
  assert_record_counts (&rec, 0, 0, 0, 0);

  /* Delivered when the owner's context is iterated, on the owner. */
  wk_test_iterate_until (NULL, &rec.n_signal, 1);
  wk_test_drain_context (NULL);
  assert_record_fired_once (&rec, main_thread);

  g_assert_finalize_object (ref);
  assert_record_fired_once (&rec, main_thread);
}

/* /Wobj/Ref/cross-thread-ref-dropped-first: the object died on a worker,
 * and the WkRef is dropped before its delivery ran. */
static void
test_cross_thread_ref_dropped_first (void)
{
  Record rec = { 0 };
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  WkRef *ref;
  gpointer ref_ptr;

  ref = wk_ref_new_full (object, record_notify_cb, &rec, record_destroy_cb);
  rec.ref = ref;
  record_connect (ref, &rec);
  ref_ptr = ref;
  g_object_add_weak_pointer (G_OBJECT (ref), &ref_ptr);

  wk_test_unref_in_thread (g_steal_pointer (&object));
  g_assert_false (wk_ref_is_alive (ref));
  assert_record_counts (&rec, 0, 0, 0, 0);

  g_object_unref (ref);
  wk_test_drain_context (NULL);

  /* The ref is gone, with its user data destroyed once; whatever the
   * delivery did, it did not run anything twice. */
  g_assert_null (ref_ptr);
  g_assert_cmpint (rec.n_destroy, ==, 1);
  g_assert_cmpint (rec.n_notify, <=, 1);
  g_assert_cmpint (rec.n_signal, <=, 1);
}

/* /Wobj/Ref/worker-owner */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  GObject *object;          /* borrowed by the worker until ref_made */
  gboolean ref_made;
  gboolean object_dropped;
  Record   rec;
} WorkerOwner;

static gpointer
worker_owner_thread_func (gpointer data)
{
  WorkerOwner *wo = data;
  GMainContext *context = g_main_context_new ();
  WkRef *ref;

  g_main_context_push_thread_default (context);

  ref = wk_ref_new_full (wo->object, record_notify_cb, &wo->rec, record_destroy_cb);
  wo->rec.ref = ref;
  record_connect (ref, &wo->rec);
  g_assert_true (wk_ref_is_alive (ref));

  g_mutex_lock (&wo->lock);
  wo->ref_made = TRUE;
  g_cond_broadcast (&wo->cond);
  while (!wo->object_dropped)
    g_cond_wait (&wo->cond, &wo->lock);
  g_mutex_unlock (&wo->lock);

  /* The object died on the main thread: dead here at once, but only this
   * thread's context may deliver. */
  g_assert_false (wk_ref_is_alive (ref));
  g_assert_null (wk_ref_dup_object (ref));
  assert_record_counts (&wo->rec, 0, 0, 0, 0);

  wk_test_iterate_until (context, &wo->rec.n_signal, 1);
  wk_test_drain_context (context);
  assert_record_fired_once (&wo->rec, g_thread_self ());

  g_main_context_pop_thread_default (context);

  g_assert_finalize_object (ref);
  assert_record_fired_once (&wo->rec, g_thread_self ());

  wk_test_drain_context (context);
  g_main_context_unref (context);

  return NULL;
}

static void
test_worker_owner (void)
{
  WorkerOwner wo = { 0 };
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  GThread *worker;

  g_mutex_init (&wo.lock);
  g_cond_init (&wo.cond);
  wo.object = object;

  worker = g_thread_new ("wk-test-owner", worker_owner_thread_func, &wo);

  g_mutex_lock (&wo.lock);
  while (!wo.ref_made)
    g_cond_wait (&wo.cond, &wo.lock);
  g_mutex_unlock (&wo.lock);

  /* The worker is blocked: nothing may be delivered on this thread, and
   * nothing may be pending in this thread's context either. */
  g_assert_finalize_object (object);
  wk_test_drain_context (NULL);
  assert_record_counts (&wo.rec, 0, 0, 0, 0);

  g_mutex_lock (&wo.lock);
  wo.object_dropped = TRUE;
  g_cond_broadcast (&wo.cond);
  g_mutex_unlock (&wo.lock);

  g_thread_join (worker);

  g_assert_true (wo.rec.notify_thread == worker);
  g_assert_true (wo.rec.signal_thread == worker);

  g_cond_clear (&wo.cond);
  g_mutex_clear (&wo.lock);
}

/* /Wobj/Ref/owner-context: the owner's context is the thread-default
 * context when the WkRef was made, not the one current at death. */
static void
test_owner_context (void)
{
  Record rec = { 0 };
  Record rec_sync = { 0 };
  GMainContext *context = g_main_context_new ();
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  GObject *object_sync = g_object_new (G_TYPE_OBJECT, NULL);
  WkRef *ref;
  WkRef *ref_sync;

  g_main_context_push_thread_default (context);
  ref = wk_ref_new_full (object, record_notify_cb, &rec, record_destroy_cb);
  rec.ref = ref;
  record_connect (ref, &rec);
  ref_sync = wk_ref_new_full (object_sync, record_notify_cb, &rec_sync, record_destroy_cb);
  rec_sync.ref = ref_sync;
  record_connect (ref_sync, &rec_sync);
  g_main_context_pop_thread_default (context);

  /* Dies elsewhere: the global default context does not deliver it. */
  wk_test_unref_in_thread (g_steal_pointer (&object));
  g_assert_false (wk_ref_is_alive (ref));
  wk_test_drain_context (NULL);
  assert_record_counts (&rec, 0, 0, 0, 0);

  wk_test_iterate_until (context, &rec.n_signal, 1);
  wk_test_drain_context (context);
  assert_record_fired_once (&rec, main_thread);

  /* Dies on the owner's thread: synchronous, whatever context is the
   * thread-default one now. */
  g_assert_finalize_object (object_sync);
  assert_record_fired_once (&rec_sync, main_thread);

  g_assert_finalize_object (ref);
  g_assert_finalize_object (ref_sync);
  wk_test_drain_context (context);
  g_main_context_unref (context);

  assert_record_fired_once (&rec, main_thread);
  assert_record_fired_once (&rec_sync, main_thread);
}

/* /Wobj/Ref/ref-destroyed-first */
static gpointer
unref_ref_thread_func (gpointer data)
{
  g_object_unref (data);
  return NULL;
}

static void
test_ref_destroyed_first (void)
{
  Record rec = { 0 };
  Record rec_disposed = { 0 };
  Record rec_worker = { 0 };
  Record rec_kept = { 0 };
  WkTestObject *object = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
  WkRef *ref;
  WkRef *ref_disposed;
  WkRef *ref_worker;
  WkRef *ref_kept;
  gpointer ref_worker_ptr;

  ref = wk_ref_new_full (object, record_notify_cb, &rec, record_destroy_cb);
  record_connect (ref, &rec);
  ref_disposed = wk_ref_new_full (object, record_notify_cb, &rec_disposed, record_destroy_cb);
  record_connect (ref_disposed, &rec_disposed);
  ref_worker = wk_ref_new_full (object, record_notify_cb, &rec_worker, record_destroy_cb);
  record_connect (ref_worker, &rec_worker);
  ref_kept = wk_ref_new_full (object, record_notify_cb, &rec_kept, record_destroy_cb);
  rec_kept.ref = ref_kept;
  record_connect (ref_kept, &rec_kept);
  g_assert_cmpuint (count_anchor_members (object), ==, 4);

  /* Dropped on the owner's thread: user data destroyed once, at once. */
  g_assert_finalize_object (ref);
  assert_record_counts (&rec, 0, 0, 0, 1);
  g_assert_cmpuint (count_anchor_members (object), ==, 3);

  /* Disposed explicitly, twice: dispose is idempotent and detaches. */
  g_object_run_dispose (G_OBJECT (ref_disposed));
  g_object_run_dispose (G_OBJECT (ref_disposed));
  g_assert_cmpint (rec_disposed.n_destroy, ==, 1);
  g_assert_cmpint (rec_disposed.n_notify, ==, 0);

  /* Dropped on another thread. */
  ref_worker_ptr = ref_worker;
  g_object_add_weak_pointer (G_OBJECT (ref_worker), &ref_worker_ptr);
  g_thread_join (g_thread_new ("wk-test-unref-ref", unref_ref_thread_func,
                               g_steal_pointer (&ref_worker)));
  g_assert_null (ref_worker_ptr);
  assert_record_counts (&rec_worker, 0, 0, 0, 1);

  g_assert_cmpuint (count_anchor_members (object), ==, 1);
  g_assert_true (wk_ref_is_alive (ref_kept));

  /* The object dies afterwards: only the kept ref hears of it. */
  g_assert_finalize_object (object);
  wk_test_drain_context (NULL);

  assert_record_counts (&rec, 0, 0, 0, 1);
  g_assert_cmpint (rec_disposed.n_notify, ==, 0);
  g_assert_cmpint (rec_disposed.n_signal, ==, 0);
  g_assert_cmpint (rec_disposed.n_destroy, ==, 1);
  assert_record_counts (&rec_worker, 0, 0, 0, 1);
  assert_record_fired_once (&rec_kept, main_thread);

  g_assert_finalize_object (ref_disposed);
  g_assert_finalize_object (ref_kept);
  g_assert_cmpint (rec_disposed.n_destroy, ==, 1);
  assert_record_fired_once (&rec_kept, main_thread);
}

/* /Wobj/Ref/dropped-in-handler */
static void
unref_ref_signal_cb (WkRef    *ref,
                     gpointer  user_data)
{
  record_signal_cb (ref, user_data);
  g_object_unref (ref);
}

static void
test_dropped_in_handler (void)
{
  guint round;

  /* Round 0: the object dies on the owner's thread; round 1: on a worker,
   * delivered through the main context. */
  for (round = 0; round < 2; round++)
    {
      Record rec = { 0 };
      GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
      WkRef *ref = wk_ref_new_full (object, record_notify_cb, &rec, record_destroy_cb);
      gpointer ref_ptr = ref;

      rec.ref = ref;
      g_object_add_weak_pointer (G_OBJECT (ref), &ref_ptr);
      g_signal_connect (ref, "notify::alive", G_CALLBACK (record_alive_cb), &rec);
      g_signal_connect (ref, "object-finalized", G_CALLBACK (unref_ref_signal_cb), &rec);
      /* The handler owns the only reference to the ref from now on. */
      ref = NULL;

      if (round == 0)
        {
          g_assert_finalize_object (object);
        }
      else
        {
          wk_test_unref_in_thread (g_steal_pointer (&object));
          wk_test_iterate_until (NULL, &rec.n_signal, 1);
        }

      wk_test_drain_context (NULL);
      g_assert_null (ref_ptr);
      assert_record_fired_once (&rec, main_thread);
    }
}

/* /Wobj/Ref/dropped-in-callback */
static void
unref_ref_notify_cb (WkRef    *ref,
                     gpointer  user_data)
{
  record_notify_cb (ref, user_data);
  g_object_unref (ref);
}

static void
test_dropped_in_callback (void)
{
  guint round;

  for (round = 0; round < 2; round++)
    {
      Record rec = { 0 };
      GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
      WkRef *ref = wk_ref_new_full (object, unref_ref_notify_cb, &rec, record_destroy_cb);
      gpointer ref_ptr = ref;

      rec.ref = ref;
      g_object_add_weak_pointer (G_OBJECT (ref), &ref_ptr);
      record_connect (ref, &rec);
      /* The callback owns the only reference to the ref from now on. */
      ref = NULL;

      if (round == 0)
        {
          g_assert_finalize_object (object);
        }
      else
        {
          wk_test_unref_in_thread (g_steal_pointer (&object));
          wk_test_iterate_until (NULL, &rec.n_notify, 1);
        }

      wk_test_drain_context (NULL);
      g_assert_null (ref_ptr);
      g_assert_cmpint (rec.n_notify, ==, 1);
      g_assert_cmpint (rec.n_destroy, ==, 1);
      /* Whether the signals still go out after the callback dropped the
       * ref is not specified; they never go out twice. */
      g_assert_cmpint (rec.n_alive, <=, 1);
      g_assert_cmpint (rec.n_signal, <=, 1);
      g_assert_true (rec.notify_thread == main_thread);
    }
}

/* /Wobj/Ref/run-dispose */
static void
test_run_dispose (void)
{
  Record rec = { 0 };
  Record rec_after = { 0 };
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  WkRef *ref = wk_ref_new_full (object, record_notify_cb, &rec, record_destroy_cb);
  WkRef *ref_after;
  GObject *dup;

  rec.ref = ref;
  record_connect (ref, &rec);

  /* GTK's destroy path: on GLib 2.74 it clears every GWeakRef, so wobj
   * treats it as the death of the object, which lives on. */
  g_object_run_dispose (object);
  assert_record_fired_once (&rec, main_thread);
  g_assert_false (wk_ref_is_alive (ref));
  g_assert_null (wk_ref_dup_object (ref));
  g_assert_true (G_IS_OBJECT (object));
  g_assert_cmpuint (object->ref_count, ==, 1);

  /* A new ref on the living object works normally. */
  ref_after = wk_ref_new_full (object, record_notify_cb, &rec_after, record_destroy_cb);
  rec_after.ref = ref_after;
  record_connect (ref_after, &rec_after);
  g_assert_true (wk_ref_is_alive (ref_after));
  dup = wk_ref_dup_object (ref_after);
  g_assert_true (dup == object);
  g_object_unref (dup);
  g_assert_cmpuint (object->ref_count, ==, 1);
  assert_record_counts (&rec_after, 0, 0, 0, 0);

  /* The real death reaches the new ref, and only it. */
  g_assert_finalize_object (object);
  wk_test_drain_context (NULL);
  assert_record_fired_once (&rec, main_thread);
  assert_record_fired_once (&rec_after, main_thread);
  g_assert_false (wk_ref_is_alive (ref_after));
  g_assert_null (wk_ref_dup_object (ref_after));

  g_assert_finalize_object (ref);
  g_assert_finalize_object (ref_after);
  assert_record_fired_once (&rec, main_thread);
  assert_record_fired_once (&rec_after, main_thread);
}

/* /Wobj/Ref/resurrection */
static void
test_resurrection (void)
{
  Record rec = { 0 };
  Record rec_after = { 0 };
  WkTestResurrect *object = g_object_new (WK_TEST_TYPE_RESURRECT, NULL);
  WkRef *ref = wk_ref_new_full (object, record_notify_cb, &rec, record_destroy_cb);
  WkRef *ref_after;
  WkTestResurrect *dup;
  WkTestResurrect *resurrected;

  rec.ref = ref;
  record_connect (ref, &rec);

  /* The last unref: dispose resurrects the object. The ref treats the
   * dispose as the death. */
  g_object_unref (object);
  resurrected = wk_test_resurrect_take ();
  g_assert_true (resurrected == object);
  g_assert_cmpuint (wk_test_resurrect_n_dispose (object), ==, 1);
  g_assert_cmpuint (G_OBJECT (object)->ref_count, ==, 1);

  wk_test_drain_context (NULL);
  assert_record_fired_once (&rec, main_thread);
  g_assert_false (wk_ref_is_alive (ref));
  g_assert_null (wk_ref_dup_object (ref));

  /* A new ref on the resurrected object hears of its final release. */
  ref_after = wk_ref_new_full (object, record_notify_cb, &rec_after, record_destroy_cb);
  rec_after.ref = ref_after;
  record_connect (ref_after, &rec_after);
  g_assert_true (wk_ref_is_alive (ref_after));
  dup = wk_ref_dup_object (ref_after);
  g_assert_true (dup == object);
  g_object_unref (dup);

  /* The final release: nothing fires twice, nothing crashes. */
  object = NULL;
  g_assert_finalize_object (g_steal_pointer (&resurrected));
  wk_test_drain_context (NULL);

  assert_record_fired_once (&rec, main_thread);
  assert_record_fired_once (&rec_after, main_thread);
  g_assert_null (wk_ref_dup_object (ref_after));

  g_assert_finalize_object (ref);
  g_assert_finalize_object (ref_after);
  assert_record_fired_once (&rec, main_thread);
  assert_record_fired_once (&rec_after, main_thread);
}

/* /Wobj/Ref/floating */
static void
test_floating (void)
{
  Record rec = { 0 };
  WkTestFloating *object = g_object_new (WK_TEST_TYPE_FLOATING, NULL);
  WkRef *ref;
  WkRef *ref_props;
  GObject *dup;

  g_assert_true (g_object_is_floating (object));

  ref = wk_ref_new_full (object, record_notify_cb, &rec, record_destroy_cb);
  rec.ref = ref;
  record_connect (ref, &rec);
  g_assert_true (g_object_is_floating (object));
  g_assert_cmpuint (G_OBJECT (object)->ref_count, ==, 1);

  /* Through the construct property too. */
  ref_props = g_object_new (WK_TYPE_REF, "object", object, NULL);
  g_assert_true (g_object_is_floating (object));
  g_assert_cmpuint (G_OBJECT (object)->ref_count, ==, 1);
  g_assert_true (wk_ref_is_alive (ref_props));

  /* A dup is a plain reference: it does not sink. */
  dup = wk_ref_dup_object (ref);
  g_assert_true (dup == (gpointer) object);
  g_assert_true (g_object_is_floating (object));
  g_object_unref (dup);
  g_assert_true (g_object_is_floating (object));
  g_assert_cmpuint (G_OBJECT (object)->ref_count, ==, 1);

  g_object_ref_sink (object);
  g_assert_false (g_object_is_floating (object));
  g_assert_cmpuint (G_OBJECT (object)->ref_count, ==, 1);
  g_assert_true (wk_ref_is_alive (ref));

  g_assert_finalize_object (object);
  assert_record_fired_once (&rec, main_thread);
  g_assert_false (wk_ref_is_alive (ref_props));

  g_assert_finalize_object (ref);
  g_assert_finalize_object (ref_props);
}

/* /Wobj/Ref/properties */
static void
test_properties (void)
{
  Record rec = { 0 };
  Record rec_dead = { 0 };
  Record rec_null = { 0 };
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  WkRef *ref = wk_ref_new (object);
  WkRef *ref_props;
  WkRef *ref_dead;
  WkRef *ref_null;
  GParamSpec *pspec;
  GObject *got = NULL;
  gboolean alive = FALSE;

  /* The property specs. */
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (ref), "alive");
  g_assert_nonnull (pspec);
  g_assert_true (pspec->value_type == G_TYPE_BOOLEAN);
  g_assert_true (pspec->flags & G_PARAM_READABLE);
  g_assert_false (pspec->flags & G_PARAM_WRITABLE);

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (ref), "object");
  g_assert_nonnull (pspec);
  g_assert_true (pspec->value_type == G_TYPE_OBJECT);
  g_assert_true (pspec->flags & G_PARAM_READABLE);
  g_assert_true (pspec->flags & G_PARAM_CONSTRUCT_ONLY);

  /* Read through g_object_get. */
  g_object_get (ref, "alive", &alive, "object", &got, NULL);
  g_assert_true (alive);
  g_assert_true (got == object);
  g_clear_object (&got);
  g_assert_cmpuint (object->ref_count, ==, 1);

  /* Constructed with g_object_new: works like wk_ref_new. */
  ref_props = g_object_new (WK_TYPE_REF, "object", object, NULL);
  rec.ref = ref_props;
  record_connect (ref_props, &rec);
  g_assert_true (wk_ref_is_alive (ref_props));
  g_object_get (ref_props, "alive", &alive, "object", &got, NULL);
  g_assert_true (alive);
  g_assert_true (got == object);
  g_clear_object (&got);
  g_assert_cmpuint (count_anchor_members (object), ==, 2);
  g_assert_cmpuint (object->ref_count, ==, 1);

  /* Without an object, or with a NULL one: dead from the start. */
  ref_dead = g_object_new (WK_TYPE_REF, NULL);
  ref_null = g_object_new (WK_TYPE_REF, "object", NULL, NULL);
  record_connect (ref_dead, &rec_dead);
  record_connect (ref_null, &rec_null);

  g_assert_false (wk_ref_is_alive (ref_dead));
  g_assert_null (wk_ref_dup_object (ref_dead));
  alive = TRUE;
  got = (GObject *) ref_dead;
  g_object_get (ref_dead, "alive", &alive, "object", &got, NULL);
  g_assert_false (alive);
  g_assert_null (got);

  g_assert_false (wk_ref_is_alive (ref_null));
  g_assert_null (wk_ref_dup_object (ref_null));
  alive = TRUE;
  got = (GObject *) ref_null;
  g_object_get (ref_null, "alive", &alive, "object", &got, NULL);
  g_assert_false (alive);
  g_assert_null (got);

  g_assert_finalize_object (object);
  wk_test_drain_context (NULL);

  /* After the death. */
  alive = TRUE;
  got = (GObject *) ref;
  g_object_get (ref, "alive", &alive, "object", &got, NULL);
  g_assert_false (alive);
  g_assert_null (got);

  g_assert_cmpint (rec.n_alive, ==, 1);
  g_assert_cmpint (rec.n_signal, ==, 1);
  g_assert_cmpint (rec.alive_at, <, rec.signal_at);
  alive = TRUE;
  g_object_get (ref_props, "alive", &alive, NULL);
  g_assert_false (alive);

  /* The dead-from-start refs never signal, not even when destroyed. */
  g_assert_finalize_object (ref_dead);
  g_assert_finalize_object (ref_null);
  assert_record_counts (&rec_dead, 0, 0, 0, 0);
  assert_record_counts (&rec_null, 0, 0, 0, 0);

  g_assert_finalize_object (ref);
  g_assert_finalize_object (ref_props);
  g_assert_cmpint (rec.n_signal, ==, 1);
}

/* /Wobj/Ref/bad-input */
static void
test_bad_input (void)
{
  GParamSpec *pspec = g_param_spec_ref_sink (g_param_spec_int ("x", NULL, NULL, 0, 1, 0,
                                                              G_PARAM_READWRITE));
  gpointer zeroed = g_malloc0 (256);
  GObject *not_a_ref = g_object_new (G_TYPE_OBJECT, NULL);
  gpointer bad_inputs[] = { NULL, pspec, zeroed };
  Record rec = { 0 };
  guint i;

  /* A critical in the Wobj domain that starts with the function's name:
   * both g_return_val_if_fail()'s "assertion ... failed" and a clearer
   * message that names what was passed fit. */
  for (i = 0; i < G_N_ELEMENTS (bad_inputs); i++)
    {
      WkRef *ref;

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "wk_ref_new: *");
      ref = wk_ref_new (bad_inputs[i]);
      g_test_assert_expected_messages ();
      g_assert_null (ref);

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "wk_ref_new_full: *");
      ref = wk_ref_new_full (bad_inputs[i], record_notify_cb, &rec, record_destroy_cb);
      g_test_assert_expected_messages ();
      g_assert_null (ref);
    }

  /* A precondition failure changes nothing: the user data is untouched. */
  assert_record_counts (&rec, 0, 0, 0, 0);

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "wk_ref_dup_object: *");
  g_assert_null (wk_ref_dup_object (NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "wk_ref_is_alive: *");
  g_assert_false (wk_ref_is_alive (NULL));
  g_test_assert_expected_messages ();

  /* A GObject that is not a WkRef. */
  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "wk_ref_dup_object: *");
  g_assert_null (wk_ref_dup_object ((WkRef *) not_a_ref));
  g_test_assert_expected_messages ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "wk_ref_is_alive: *");
  g_assert_false (wk_ref_is_alive ((WkRef *) not_a_ref));
  g_test_assert_expected_messages ();

  /* Nothing was attached to the objects given. */
  g_assert_cmpuint (not_a_ref->ref_count, ==, 1);
  g_assert_finalize_object (not_a_ref);
  g_param_spec_unref (pspec);
  g_free (zeroed);
}

/* /Wobj/Ref/many-refs */
#define MANY_TOTAL (wk_test_scaled (1000000))
#define MANY_BATCH 10000

static void
test_many_refs (void)
{
  WkTestObject **objects = g_new0 (WkTestObject *, MANY_BATCH);
  WkRef **refs = g_new0 (WkRef *, MANY_BATCH);
  guint8 *fired = g_new0 (guint8, MANY_BATCH);
  guint n_objects_before = wk_test_object_n_finalized ();
  gint n_refs_finalized = 0;
  WkTestObject *shared;
  gint64 start;
  guint batch;
  guint i;

  /* 1,000,000 refs, each on its own short-lived object, in batches:
   * half the objects die before their ref, half after. */
  start = g_get_monotonic_time ();
  for (batch = 0; batch < MANY_TOTAL / MANY_BATCH; batch++)
    {
      memset (fired, 0, MANY_BATCH);

      for (i = 0; i < MANY_BATCH; i++)
        {
          objects[i] = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
          refs[i] = wk_ref_new_full (objects[i], fired_cb, &fired[i], NULL);
          count_finalize (refs[i], &n_refs_finalized);
        }

      for (i = 0; i < MANY_BATCH; i++)
        g_assert_true (wk_ref_is_alive (refs[i]));

      for (i = 0; i < MANY_BATCH; i++)
        {
          if (i % 2 == 0)
            {
              g_object_unref (objects[i]);
              g_assert_cmpuint (fired[i], ==, 1);
              g_assert_false (wk_ref_is_alive (refs[i]));
              g_object_unref (refs[i]);
            }
          else
            {
              g_object_unref (refs[i]);
              g_object_unref (objects[i]);
              g_assert_cmpuint (fired[i], ==, 0);
            }
        }
    }
  g_test_message ("%u refs on distinct objects created and dropped: %.3f s",
                  MANY_TOTAL, wk_test_seconds_since (start));

  wk_test_drain_context (NULL);
  g_assert_cmpint (wk_test_object_n_finalized () - n_objects_before, ==, MANY_TOTAL);
  g_assert_cmpint (g_atomic_int_get (&n_refs_finalized), ==, MANY_TOTAL);

  /* 1,000,000 refs on one object, in batches: all but the last batch are
   * dropped while the object lives (alternately oldest and newest first),
   * the last batch is alive when it dies. */
  shared = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
  n_refs_finalized = 0;
  start = g_get_monotonic_time ();
  for (batch = 0; batch < MANY_TOTAL / MANY_BATCH; batch++)
    {
      memset (fired, 0, MANY_BATCH);

      for (i = 0; i < MANY_BATCH; i++)
        {
          refs[i] = wk_ref_new_full (shared, fired_cb, &fired[i], NULL);
          count_finalize (refs[i], &n_refs_finalized);
        }

      if (batch + 1 == MANY_TOTAL / MANY_BATCH)
        break;

      for (i = 0; i < MANY_BATCH; i++)
        g_object_unref (refs[batch % 2 == 0 ? i : MANY_BATCH - 1 - i]);
    }
  g_assert_cmpuint (count_anchor_members (shared), ==, MANY_BATCH);
  g_assert_cmpuint (G_OBJECT (shared)->ref_count, ==, 1);
  g_assert_finalize_object (shared);
  for (i = 0; i < MANY_BATCH; i++)
    {
      g_assert_cmpuint (fired[i], ==, 1);
      g_assert_false (wk_ref_is_alive (refs[i]));
      g_object_unref (refs[i]);
    }
  g_test_message ("%u refs on one object created and dropped: %.3f s",
                  MANY_TOTAL, wk_test_seconds_since (start));

  wk_test_drain_context (NULL);
  g_assert_cmpint (g_atomic_int_get (&n_refs_finalized), ==, MANY_TOTAL);

  g_free (fired);
  g_free (refs);
  g_free (objects);
}

/* /Wobj/Ref/hundred-thousand-on-one */
#define HUNDRED_K (wk_test_scaled (100000))

static void
test_hundred_thousand_on_one (void)
{
  WkTestObject *object = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
  WkRef **refs = g_new0 (WkRef *, HUNDRED_K);
  guint8 *fired = g_new0 (guint8, HUNDRED_K);
  gint n_refs_finalized = 0;
  gint64 start;
  guint i;

  /* Dropped in creation order. */
  start = g_get_monotonic_time ();
  for (i = 0; i < HUNDRED_K; i++)
    {
      refs[i] = wk_ref_new_full (object, fired_cb, &fired[i], NULL);
      count_finalize (refs[i], &n_refs_finalized);
    }
  g_test_message ("%u refs on one object created: %.3f s", HUNDRED_K, wk_test_seconds_since (start));
  g_assert_cmpuint (count_anchor_members (object), ==, HUNDRED_K);

  start = g_get_monotonic_time ();
  for (i = 0; i < HUNDRED_K; i++)
    g_object_unref (refs[i]);
  g_test_message ("%u refs on one object dropped oldest first: %.3f s",
                  HUNDRED_K, wk_test_seconds_since (start));
  g_assert_cmpint (n_refs_finalized, ==, HUNDRED_K);
  g_assert_cmpuint (count_anchor_members (object), ==, 0);

  /* Dropped in reverse order. */
  start = g_get_monotonic_time ();
  for (i = 0; i < HUNDRED_K; i++)
    {
      refs[i] = wk_ref_new_full (object, fired_cb, &fired[i], NULL);
      count_finalize (refs[i], &n_refs_finalized);
    }
  g_test_message ("%u refs on one object created: %.3f s", HUNDRED_K, wk_test_seconds_since (start));

  start = g_get_monotonic_time ();
  for (i = HUNDRED_K; i > 0; i--)
    g_object_unref (refs[i - 1]);
  g_test_message ("%u refs on one object dropped newest first: %.3f s",
                  HUNDRED_K, wk_test_seconds_since (start));
  g_assert_cmpint (n_refs_finalized, ==, 2 * HUNDRED_K);
  g_assert_cmpuint (count_anchor_members (object), ==, 0);

  for (i = 0; i < HUNDRED_K; i++)
    g_assert_cmpuint (fired[i], ==, 0);

  /* Alive when the object dies: each fires once. */
  for (i = 0; i < HUNDRED_K; i++)
    {
      refs[i] = wk_ref_new_full (object, fired_cb, &fired[i], NULL);
      count_finalize (refs[i], &n_refs_finalized);
    }
  g_assert_cmpuint (G_OBJECT (object)->ref_count, ==, 1);

  start = g_get_monotonic_time ();
  g_assert_finalize_object (object);
  g_test_message ("object with %u refs finalized: %.3f s", HUNDRED_K, wk_test_seconds_since (start));

  wk_test_drain_context (NULL);
  for (i = 0; i < HUNDRED_K; i++)
    {
      g_assert_cmpuint (fired[i], ==, 1);
      g_assert_false (wk_ref_is_alive (refs[i]));
    }

  start = g_get_monotonic_time ();
  for (i = 0; i < HUNDRED_K; i++)
    g_object_unref (refs[i]);
  g_test_message ("%u dead refs dropped: %.3f s", HUNDRED_K, wk_test_seconds_since (start));
  g_assert_cmpint (n_refs_finalized, ==, 3 * HUNDRED_K);

  for (i = 0; i < HUNDRED_K; i++)
    g_assert_cmpuint (fired[i], ==, 1);

  g_free (fired);
  g_free (refs);
}

/* /Wobj/Ref/concurrent-dup: threads turn the ref into a strong reference
 * again and again while the object dies; they never get a dying one.
 *
 * Once the test dropped its own reference, each thread stops after a few
 * more rounds: with threads that never stop, one of them could always hold
 * a reference (under valgrind, which runs one thread at a time, it does),
 * and the object would never die. */
#define N_DUP_THREADS 4
#define N_DUP_ROUNDS 200
#define N_DUP_AFTER_DROP 100

typedef struct
{
  WkRef *ref;
  gint   dropped;  /* atomic: the test dropped its reference */
} DupRound;

static gpointer
dup_until_dead_thread_func (gpointer data)
{
  DupRound *dr = data;
  guint n_after_drop = 0;

  for (;;)
    {
      WkTestObject *object = wk_ref_dup_object (dr->ref);

      if (object == NULL)
        {
          g_assert_false (wk_ref_is_alive (dr->ref));
          break;
        }

      g_assert_true (WK_TEST_IS_OBJECT (object));
      g_assert_cmpint (wk_test_object_is_disposed (object), ==, 0);
      g_object_unref (object);

      if (g_atomic_int_get (&dr->dropped) && ++n_after_drop > N_DUP_AFTER_DROP)
        break;
    }

  return NULL;
}

static void
test_concurrent_dup (void)
{
  guint n_objects_before = wk_test_object_n_finalized ();
  gint n_fired = 0;
  gint n_refs_finalized = 0;
  guint round;

  for (round = 0; round < N_DUP_ROUNDS; round++)
    {
      WkTestObject *object = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
      WkRef *ref = wk_ref_new_full (object, count_cb, &n_fired, NULL);
      DupRound dr = { ref, 0 };
      GThread *threads[N_DUP_THREADS];
      guint i;

      count_finalize (ref, &n_refs_finalized);

      for (i = 0; i < N_DUP_THREADS; i++)
        threads[i] = g_thread_new ("wk-test-dup", dup_until_dead_thread_func, &dr);

      g_object_unref (object);
      g_atomic_int_set (&dr.dropped, 1);

      for (i = 0; i < N_DUP_THREADS; i++)
        g_thread_join (threads[i]);

      /* Every strong reference is gone: the object died on one of the
       * threads, or here. */
      g_assert_false (wk_ref_is_alive (ref));
      g_assert_null (wk_ref_dup_object (ref));
      wk_test_iterate_until (NULL, &n_fired, (gint) round + 1);
      g_assert_finalize_object (ref);
    }

  wk_test_drain_context (NULL);
  g_assert_cmpint (g_atomic_int_get (&n_fired), ==, N_DUP_ROUNDS);
  g_assert_cmpint (g_atomic_int_get (&n_refs_finalized), ==, N_DUP_ROUNDS);
  g_assert_cmpint (wk_test_object_n_finalized () - n_objects_before, ==, N_DUP_ROUNDS);
}

/* /Wobj/Ref/concurrent-new-drop: threads make and drop refs on one object
 * at the same time. */
#define N_NEW_THREADS 4
#define N_NEW_PER_THREAD (wk_test_scaled (20000))

typedef struct
{
  GObject *object;          /* kept alive by the test */
  gint     n_finalized;     /* atomic: refs finalized */
} NewDrop;

static gpointer
new_drop_thread_func (gpointer data)
{
  NewDrop *nd = data;
  WkRef *keep[16] = { NULL };
  guint i;

  for (i = 0; i < N_NEW_PER_THREAD; i++)
    {
      WkRef *ref = wk_ref_new (nd->object);
      GObject *dup;

      count_finalize (ref, &nd->n_finalized);
      dup = wk_ref_dup_object (ref);
      g_assert_true (dup == nd->object);
      g_object_unref (dup);

      /* Keep a few for a while, so that drops interleave. */
      if (keep[i % G_N_ELEMENTS (keep)] != NULL)
        g_object_unref (keep[i % G_N_ELEMENTS (keep)]);
      keep[i % G_N_ELEMENTS (keep)] = ref;
    }

  for (i = 0; i < G_N_ELEMENTS (keep); i++)
    g_clear_object (&keep[i]);

  return NULL;
}

static void
test_concurrent_new_drop (void)
{
  NewDrop nd = { 0 };
  GThread *threads[N_NEW_THREADS];
  Record rec = { 0 };
  WkRef *ref;
  guint i;

  nd.object = g_object_new (G_TYPE_OBJECT, NULL);
  ref = wk_ref_new_full (nd.object, record_notify_cb, &rec, record_destroy_cb);
  rec.ref = ref;
  record_connect (ref, &rec);

  for (i = 0; i < N_NEW_THREADS; i++)
    threads[i] = g_thread_new ("wk-test-new-drop", new_drop_thread_func, &nd);
  for (i = 0; i < N_NEW_THREADS; i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (g_atomic_int_get (&nd.n_finalized), ==, N_NEW_THREADS * N_NEW_PER_THREAD);
  g_assert_cmpuint (count_anchor_members (nd.object), ==, 1);
  g_assert_cmpuint (nd.object->ref_count, ==, 1);
  assert_record_counts (&rec, 0, 0, 0, 0);

  g_assert_finalize_object (nd.object);
  wk_test_drain_context (NULL);
  assert_record_fired_once (&rec, main_thread);
  g_assert_finalize_object (ref);
}

/* /Wobj/Ref/concurrent-teardown: the ref is dropped on the owner's thread
 * while its object dies on another. */
#define N_TEARDOWN_ROUNDS (wk_test_scaled (1000))

static void
test_concurrent_teardown (void)
{
  guint n_objects_before = wk_test_object_n_finalized ();
  gint n_refs_finalized = 0;
  guint round;

  for (round = 0; round < N_TEARDOWN_ROUNDS; round++)
    {
      WkTestObject *object = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
      guint8 fired = 0;
      gint n_destroyed = 0;
      WkRef *ref = wk_ref_new_full (object, fired_cb, &fired, NULL);
      WkRef *ref_destroy = wk_ref_new_full (object, NULL, &n_destroyed, count_destroy_cb);
      GThread *thread;

      count_finalize (ref, &n_refs_finalized);
      count_finalize (ref_destroy, &n_refs_finalized);

      thread = wk_test_unref_in_new_thread (object);
      g_object_unref (ref);
      g_object_unref (ref_destroy);
      g_thread_join (thread);
      wk_test_drain_context (NULL);

      g_assert_cmpuint (fired, <=, 1);
      g_assert_cmpint (g_atomic_int_get (&n_destroyed), ==, 1);
    }

  wk_test_drain_context (NULL);
  g_assert_cmpint (g_atomic_int_get (&n_refs_finalized), ==, 2 * N_TEARDOWN_ROUNDS);
  g_assert_cmpint (wk_test_object_n_finalized () - n_objects_before, ==, N_TEARDOWN_ROUNDS);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  main_thread = g_thread_self ();
  finalize_counter_quark = g_quark_from_static_string ("wk-test-finalize-counter");

  g_test_add_func ("/Wobj/Ref/alive-then-dead", test_alive_then_dead);
  g_test_add_func ("/Wobj/Ref/callback-and-signal-once", test_callback_and_signal_once);
  g_test_add_func ("/Wobj/Ref/default-delivery", test_default_delivery);
  g_test_add_func ("/Wobj/Ref/several-refs-one-object", test_several_refs_one_object);
  g_test_add_func ("/Wobj/Ref/cross-thread", test_cross_thread);
  g_test_add_func ("/Wobj/Ref/cross-thread-ref-dropped-first", test_cross_thread_ref_dropped_first);
  g_test_add_func ("/Wobj/Ref/worker-owner", test_worker_owner);
  g_test_add_func ("/Wobj/Ref/owner-context", test_owner_context);
  g_test_add_func ("/Wobj/Ref/ref-destroyed-first", test_ref_destroyed_first);
  g_test_add_func ("/Wobj/Ref/dropped-in-handler", test_dropped_in_handler);
  g_test_add_func ("/Wobj/Ref/dropped-in-callback", test_dropped_in_callback);
  g_test_add_func ("/Wobj/Ref/run-dispose", test_run_dispose);
  g_test_add_func ("/Wobj/Ref/resurrection", test_resurrection);
  g_test_add_func ("/Wobj/Ref/floating", test_floating);
  g_test_add_func ("/Wobj/Ref/properties", test_properties);
  g_test_add_func ("/Wobj/Ref/bad-input", test_bad_input);
  g_test_add_func ("/Wobj/Ref/many-refs", test_many_refs);
  g_test_add_func ("/Wobj/Ref/hundred-thousand-on-one", test_hundred_thousand_on_one);
  g_test_add_func ("/Wobj/Ref/concurrent-dup", test_concurrent_dup);
  g_test_add_func ("/Wobj/Ref/concurrent-new-drop", test_concurrent_new_drop);
  g_test_add_func ("/Wobj/Ref/concurrent-teardown", test_concurrent_teardown);

  return g_test_run ();
}

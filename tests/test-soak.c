/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Soak (suite slow): a million objects pass through all four types on four
 * worker threads with random lifetimes. Each worker creates objects,
 * inserts them into the shared containers (owned by the main thread, which
 * iterates its context throughout) and into its own (owned by the worker,
 * with its own context that it iterates), keeps some in a pool, drops them
 * at random moments, removes some explicitly, and hands some to another
 * worker to die there. Every object has a record (which containers it was
 * removed from); the signals are recorded per object id. At the end of the
 * first phase the containers must hold exactly the survivors; then the
 * survivors die and every container must be empty, every membership that
 * was not removed signalled exactly once, every object finalized.
 *
 * Under valgrind the count is a hundredth (wk_test_scaled()).
 * WOBJ_SOAK_OBJECTS overrides it. Timings are printed, not asserted. */

#include <wobj.h>

#include "wk-test-util.h"

#define N_WORKERS 4
#define POOL_MAX 64

/* How long the main thread and a worker wait for their deliveries: a
 * million objects under a sanitizer take a while. */
#define SOAK_TIMEOUT_S 600

/* Per-object record, written by the creating thread only (before the
 * object can die). */
enum
{
  REMOVED_SHARED_VT = 1 << 0,
  REMOVED_OWN_SET   = 1 << 1,
  HAS_REF           = 1 << 2,
};

static guint n_objects;
static guint8 *records;            /* [n_objects] */
static guint8 *shared_vt_signals;  /* [n_objects], main thread only */
static guint8 *shared_kt_signals;  /* [n_objects], main thread only */
static gint n_shared_set_signals;  /* main thread only */
static guint n_finalized_before;   /* wk_test_object_n_finalized () */
static gint n_bad_thread;          /* atomic */
static GThread *main_thread;

static WkValueTable *shared_vt;
static WkKeyTable *shared_kt;
static WkSet *shared_set;

/* SoakObj: a WkTestObject (which counts the finalizations) with the id of
 * its record, a field of its own, hence the subclass. */

#define SOAK_TYPE_OBJ (soak_obj_get_type ())
G_DECLARE_FINAL_TYPE (SoakObj, soak_obj, SOAK, OBJ, WkTestObject)

struct _SoakObj
{
  WkTestObject parent_instance;
  guint        id;
};

G_DEFINE_FINAL_TYPE (SoakObj, soak_obj, WK_TEST_TYPE_OBJECT)

static void
soak_obj_class_init (SoakObjClass *klass)
{
}

static void
soak_obj_init (SoakObj *self)
{
}

/* Workers */

typedef struct
{
  guint         index;
  guint         first_id;
  guint         n_ids;
  GThread      *thread;
  GThread      *self;         /* set by the worker itself */
  GAsyncQueue  *inbox;        /* objects handed over to die here */
  GMainContext *context;
  GRand        *rand;

  WkValueTable *own_vt;
  WkKeyTable   *own_kt;
  WkSet        *own_set;
  GPtrArray    *refs;         /* WkRef, owned by this worker */

  GPtrArray    *pool;         /* objects this worker still holds */
  GPtrArray    *foreign;      /* objects handed to it */

  /* records */
  guint         n_own_vt_expected;
  guint         n_own_kt_expected;
  guint         n_own_set_expected;
  guint         n_refs;
  guint         n_own_vt_signals;
  guint         n_own_kt_signals;
  guint         n_own_set_signals;
  guint         n_ref_signals;
  guint         n_handed;
  gint64        phase1_us;
} Worker;

static Worker workers[N_WORKERS];
static gint phase;            /* atomic: 0 run, 1 drain inbox, 2 checked: kill survivors */
static gint n_at_barrier1;    /* atomic: workers only */
static gint n_at_barrier2;    /* atomic: workers and the main thread */

static void
check_owner_thread (GThread *owner)
{
  if (g_thread_self () != owner && g_atomic_int_add (&n_bad_thread, 1) == 0)
    g_printerr ("signal on thread %p, owner %p (main %p)\n", (void *) g_thread_self (), (void *) owner, (void *) main_thread);
}

static void
on_shared_vt (WkValueTable *t, const GValue *key, gpointer data)
{
  guint id = GPOINTER_TO_UINT (g_value_get_pointer (key)) - 1;

  check_owner_thread (main_thread);
  g_assert_cmpuint (id, <, n_objects);
  g_assert_cmpuint (shared_vt_signals[id], ==, 0);
  shared_vt_signals[id] = 1;
}

static void
on_shared_kt (WkKeyTable *t, const GValue *value, gpointer data)
{
  guint id = GPOINTER_TO_UINT (g_value_get_pointer (value)) - 1;

  check_owner_thread (main_thread);
  g_assert_cmpuint (id, <, n_objects);
  g_assert_cmpuint (shared_kt_signals[id], ==, 0);
  shared_kt_signals[id] = 1;
}

static void
on_shared_set (WkSet *s, gpointer data)
{
  check_owner_thread (main_thread);
  n_shared_set_signals++;
}

static void
on_own_vt (WkValueTable *t, const GValue *key, Worker *w)
{
  check_owner_thread (w->self);
  w->n_own_vt_signals++;
}

static void
on_own_kt (WkKeyTable *t, const GValue *value, Worker *w)
{
  check_owner_thread (w->self);
  w->n_own_kt_signals++;
}

static void
on_own_set (WkSet *s, Worker *w)
{
  check_owner_thread (w->self);
  w->n_own_set_signals++;
}

static void
on_ref (WkRef *ref, Worker *w)
{
  check_owner_thread (w->self);
  w->n_ref_signals++;
}

static void
drop_object (Worker *w, SoakObj *obj)
{
  guint id = obj->id;

  if (g_rand_int_range (w->rand, 0, 16) == 0 && obj->id >= w->first_id && obj->id < w->first_id + w->n_ids)
    {
      /* explicit removal, by the creator only (it owns the record) */
      if (wk_value_table_remove (shared_vt, GUINT_TO_POINTER (id + 1)))
        records[id] |= REMOVED_SHARED_VT;
      if (wk_set_remove (w->own_set, obj))
        {
          records[id] |= REMOVED_OWN_SET;
          w->n_own_set_expected--;
        }
    }
  g_object_unref (obj);
}

static void
drop_some (Worker *w)
{
  guint target = g_rand_int_range (w->rand, 0, POOL_MAX);

  while (w->pool->len > target)
    {
      guint i = g_rand_int_range (w->rand, 0, w->pool->len);
      SoakObj *obj = g_ptr_array_steal_index_fast (w->pool, i);

      if (g_rand_int_range (w->rand, 0, 4) == 0)
        {
          /* its removal record is final now: hand it over to die elsewhere */
          Worker *other = &workers[(w->index + 1 + g_rand_int_range (w->rand, 0, N_WORKERS - 1)) % N_WORKERS];
          g_async_queue_push (other->inbox, obj);
          w->n_handed++;
        }
      else
        drop_object (w, obj);
    }

  /* take in what others handed over; let some of it die */
  for (gpointer obj; (obj = g_async_queue_try_pop (w->inbox)) != NULL; )
    g_ptr_array_add (w->foreign, obj);
  while (w->foreign->len > 0 && g_rand_boolean (w->rand))
    g_object_unref (g_ptr_array_steal_index_fast (w->foreign,
                                                  g_rand_int_range (w->rand, 0, w->foreign->len)));
}

static void
barrier (gint *counter, guint n)
{
  g_atomic_int_inc (counter);
  while ((guint) g_atomic_int_get (counter) < n)
    {
      /* this thread's own context (NULL would be the global default) */
      g_main_context_iteration (g_main_context_get_thread_default (), FALSE);
      g_usleep (200);
    }
}

/* Every death in the worker's own containers and refs was signalled. */
static gboolean
worker_signalled (gpointer data)
{
  Worker *w = data;

  return w->n_own_vt_signals >= w->n_own_vt_expected &&
         w->n_own_kt_signals >= w->n_own_kt_expected &&
         w->n_own_set_signals >= w->n_own_set_expected &&
         w->n_ref_signals >= w->refs->len;
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  gint64 start = g_get_monotonic_time ();

  w->self = g_thread_self ();
  g_main_context_push_thread_default (w->context);
  w->own_vt = wk_value_table_new_full (NULL, NULL, NULL, NULL);
  w->own_kt = wk_key_table_new_full (NULL, NULL);
  w->own_set = wk_set_new (SOAK_TYPE_OBJ);
  g_signal_connect (w->own_vt, "object-finalized", G_CALLBACK (on_own_vt), w);
  g_signal_connect (w->own_kt, "object-finalized", G_CALLBACK (on_own_kt), w);
  g_signal_connect (w->own_set, "object-finalized", G_CALLBACK (on_own_set), w);

  for (guint i = 0; i < w->n_ids; i++)
    {
      SoakObj *obj = g_object_new (SOAK_TYPE_OBJ, NULL);
      guint id = w->first_id + i;
      gpointer key = GUINT_TO_POINTER (id + 1);

      obj->id = id;
      g_assert_true (wk_value_table_insert (shared_vt, key, obj));
      g_assert_true (wk_key_table_insert (shared_kt, obj, key));
      g_assert_true (wk_set_add (shared_set, obj));
      if (g_rand_boolean (w->rand))
        {
          g_assert_true (wk_value_table_insert (w->own_vt, key, obj));
          w->n_own_vt_expected++;
        }
      if (g_rand_boolean (w->rand))
        {
          g_assert_true (wk_key_table_insert (w->own_kt, obj, key));
          w->n_own_kt_expected++;
        }
      g_assert_true (wk_set_add (w->own_set, obj));
      w->n_own_set_expected++;
      if (g_rand_int_range (w->rand, 0, 8) == 0)
        {
          WkRef *ref = wk_ref_new (obj);

          g_signal_connect (ref, "object-finalized", G_CALLBACK (on_ref), w);
          g_ptr_array_add (w->refs, ref);
          records[id] |= HAS_REF;
        }
      g_ptr_array_add (w->pool, obj);

      if (g_rand_int_range (w->rand, 0, 8) == 0)
        drop_some (w);
      if (i % 256 == 0)
        wk_test_drain_context (w->context);
    }

  /* Phase 1b: nobody hands anything over any more; let the foreign ones die */
  barrier (&n_at_barrier1, N_WORKERS);
  for (gpointer obj; (obj = g_async_queue_try_pop (w->inbox)) != NULL; )
    g_ptr_array_add (w->foreign, obj);
  while (w->foreign->len > 0)
    g_object_unref (g_ptr_array_steal_index_fast (w->foreign, w->foreign->len - 1));
  w->phase1_us = g_get_monotonic_time () - start;
  /* the main thread is the fifth */
  barrier (&n_at_barrier2, N_WORKERS + 1);

  while (g_atomic_int_get (&phase) < 2)
    {
      g_main_context_iteration (w->context, FALSE);
      g_usleep (500);
    }

  /* Phase 2: the survivors die */
  while (w->pool->len > 0)
    drop_object (w, g_ptr_array_steal_index_fast (w->pool, w->pool->len - 1));

  /* every death in its own containers, here or elsewhere, is signalled
   * here, once */
  wk_test_iterate_until_cond (w->context, SOAK_TIMEOUT_S, worker_signalled, w);
  wk_test_drain_context (w->context);

  g_assert_cmpuint (w->n_own_vt_signals, ==, w->n_own_vt_expected);
  g_assert_cmpuint (w->n_own_kt_signals, ==, w->n_own_kt_expected);
  g_assert_cmpuint (w->n_own_set_signals, ==, w->n_own_set_expected);
  g_assert_cmpuint (w->n_ref_signals, ==, w->refs->len);
  g_assert_cmpuint (wk_value_table_get_size (w->own_vt), ==, 0);
  g_assert_cmpuint (wk_key_table_get_size (w->own_kt), ==, 0);
  g_assert_cmpuint (wk_set_get_size (w->own_set), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (w->own_set)), ==, 0);
  for (guint i = 0; i < w->refs->len; i++)
    g_assert_false (wk_ref_is_alive (w->refs->pdata[i]));

  w->n_refs = w->refs->len;
  g_ptr_array_unref (w->refs);
  w->refs = NULL;
  g_assert_finalize_object (w->own_vt);
  g_assert_finalize_object (w->own_kt);
  g_assert_finalize_object (w->own_set);
  g_main_context_pop_thread_default (w->context);
  return NULL;
}

typedef struct
{
  guint vt;
  guint kt;
  guint set;
} SharedSignals;

static void
count_shared_signals (SharedSignals *n)
{
  n->vt = n->kt = 0;
  for (guint id = 0; id < n_objects; id++)
    {
      n->vt += shared_vt_signals[id];
      n->kt += shared_kt_signals[id];
    }
  n->set = (guint) n_shared_set_signals;
}

static gboolean
shared_signals_reached (gpointer data)
{
  const SharedSignals *expected = data;
  SharedSignals n;

  count_shared_signals (&n);

  return n.vt == expected->vt && n.kt == expected->kt && n.set == expected->set;
}

static void
wait_for_shared_signals (guint expected_vt, guint expected_kt, guint expected_set)
{
  SharedSignals expected = { expected_vt, expected_kt, expected_set };
  SharedSignals n;

  wk_test_iterate_until_cond (NULL, SOAK_TIMEOUT_S, shared_signals_reached, &expected);
  wk_test_drain_context (NULL);

  count_shared_signals (&n);
  g_assert_cmpuint (n.vt, ==, expected_vt);
  g_assert_cmpuint (n.kt, ==, expected_kt);
  g_assert_cmpuint (n_shared_set_signals, ==, expected_set);
}

static void
test_soak (void)
{
  const char *env = g_getenv ("WOBJ_SOAK_OBJECTS");
  guint32 seed = g_test_rand_int ();
  guint n_survivors = 0, n_removed_vt = 0;
  gint64 start, t_phase1, t_checked, t_end;
  GHashTable *survivors = g_hash_table_new (NULL, NULL);

  n_objects = env ? (guint) g_ascii_strtoull (env, NULL, 10) : 1000000;
  n_objects = wk_test_scaled (n_objects);
  g_test_message ("%u objects, %d workers, seed %u", n_objects, N_WORKERS, seed);

  /* A hang fails with every thread's stack, before meson's timeout. */
  wk_test_watchdog_start (1500);

  main_thread = g_thread_self ();
  n_finalized_before = wk_test_object_n_finalized ();
  records = g_new0 (guint8, n_objects);
  shared_vt_signals = g_new0 (guint8, n_objects);
  shared_kt_signals = g_new0 (guint8, n_objects);
  shared_vt = wk_value_table_new_full (NULL, NULL, NULL, NULL);
  shared_kt = wk_key_table_new_full (NULL, NULL);
  shared_set = wk_set_new (SOAK_TYPE_OBJ);
  g_signal_connect (shared_vt, "object-finalized", G_CALLBACK (on_shared_vt), NULL);
  g_signal_connect (shared_kt, "object-finalized", G_CALLBACK (on_shared_kt), NULL);
  g_signal_connect (shared_set, "object-finalized", G_CALLBACK (on_shared_set), NULL);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_WORKERS; i++)
    {
      Worker *w = &workers[i];

      w->index = i;
      w->n_ids = n_objects / N_WORKERS + (i < n_objects % N_WORKERS ? 1 : 0);
      w->first_id = i == 0 ? 0 : workers[i - 1].first_id + workers[i - 1].n_ids;
      w->inbox = g_async_queue_new ();
      w->context = g_main_context_new ();
      w->rand = g_rand_new_with_seed (seed + i);
      w->refs = g_ptr_array_new_with_free_func (g_object_unref);
      w->pool = g_ptr_array_new ();
      w->foreign = g_ptr_array_new ();
    }
  for (guint i = 0; i < N_WORKERS; i++)
    workers[i].thread = g_thread_new ("soak-worker", worker_main, &workers[i]);

  /* the owner of the shared containers iterates its context meanwhile */
  barrier (&n_at_barrier2, N_WORKERS + 1);
  t_phase1 = g_get_monotonic_time ();

  /* Phase 1 checked: the shared containers hold exactly the survivors */
  for (guint i = 0; i < N_WORKERS; i++)
    {
      Worker *w = &workers[i];
      guint n_own_set = 0, n_own_vt = 0, n_own_kt = 0;

      g_assert_cmpuint (w->foreign->len, ==, 0);
      for (guint j = 0; j < w->pool->len; j++)
        {
          SoakObj *obj = w->pool->pdata[j];
          gpointer key = GUINT_TO_POINTER (obj->id + 1);
          gpointer got, value = NULL;

          g_hash_table_add (survivors, obj);
          got = wk_value_table_lookup (shared_vt, key);
          g_assert_true (got == (gpointer) obj);
          g_object_unref (got);
          g_assert_true (wk_key_table_lookup (shared_kt, obj, &value));
          g_assert_true (value == key);
          g_assert_true (wk_set_contains (shared_set, obj));
          g_assert_true (wk_set_contains (w->own_set, obj));
          n_own_set++;
          n_own_vt += wk_value_table_contains (w->own_vt, key);
          n_own_kt += wk_key_table_contains (w->own_kt, obj);
        }
      n_survivors += w->pool->len;
      g_assert_cmpuint (wk_set_get_size (w->own_set), ==, n_own_set);
      g_assert_cmpuint (wk_value_table_get_size (w->own_vt), ==, n_own_vt);
      g_assert_cmpuint (wk_key_table_get_size (w->own_kt), ==, n_own_kt);
    }
  g_assert_cmpuint (wk_value_table_get_size (shared_vt), ==, n_survivors);
  g_assert_cmpuint (wk_key_table_get_size (shared_kt), ==, n_survivors);
  g_assert_cmpuint (wk_set_get_size (shared_set), ==, n_survivors);
  g_assert_cmpuint (wk_test_object_n_finalized () - n_finalized_before, ==, n_objects - n_survivors);

  for (guint id = 0; id < n_objects; id++)
    n_removed_vt += (records[id] & REMOVED_SHARED_VT) ? 1 : 0;
  wait_for_shared_signals (n_objects - n_survivors - n_removed_vt,
                           n_objects - n_survivors,
                           n_objects - n_survivors);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (shared_set)), ==, n_survivors);
  for (guint id = 0; id < n_objects; id++)
    {
      /* a removed survivor's record may be set, but it hasn't signalled */
      if (records[id] & REMOVED_SHARED_VT)
        g_assert_cmpuint (shared_vt_signals[id], ==, 0);
    }
  t_checked = g_get_monotonic_time ();

  /* Phase 2: the survivors die on their workers */
  g_atomic_int_set (&phase, 2);
  for (guint i = 0; i < N_WORKERS; i++)
    g_thread_join (workers[i].thread);
  n_removed_vt = 0;
  for (guint id = 0; id < n_objects; id++)
    n_removed_vt += (records[id] & REMOVED_SHARED_VT) ? 1 : 0;
  wait_for_shared_signals (n_objects - n_removed_vt, n_objects, n_objects);
  for (guint id = 0; id < n_objects; id++)
    {
      g_assert_cmpuint (shared_vt_signals[id], ==, (records[id] & REMOVED_SHARED_VT) ? 0 : 1);
      g_assert_cmpuint (shared_kt_signals[id], ==, 1);
    }
  g_assert_cmpuint (wk_value_table_get_size (shared_vt), ==, 0);
  g_assert_cmpuint (wk_key_table_get_size (shared_kt), ==, 0);
  g_assert_cmpuint (wk_set_get_size (shared_set), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (shared_set)), ==, 0);
  g_assert_cmpuint (wk_test_object_n_finalized () - n_finalized_before, ==, n_objects);
  g_assert_cmpint (n_bad_thread, ==, 0);
  t_end = g_get_monotonic_time ();

  for (guint i = 0; i < N_WORKERS; i++)
    {
      Worker *w = &workers[i];

      g_test_message ("worker %u: %u objects in %.2f s, %u handed over, %u refs, own set %u / vt %u / kt %u signals",
                      i, w->n_ids, w->phase1_us / 1e6, w->n_handed, w->n_refs,
                      w->n_own_set_signals, w->n_own_vt_signals, w->n_own_kt_signals);
      g_async_queue_unref (w->inbox);
      g_main_context_unref (w->context);
      g_rand_free (w->rand);
      g_ptr_array_unref (w->pool);
      g_ptr_array_unref (w->foreign);
    }
  g_test_message ("phase 1 %.2f s, check %.2f s, phase 2 %.2f s, total %.2f s; %u survivors, %u removed explicitly",
                  (t_phase1 - start) / 1e6, (t_checked - t_phase1) / 1e6,
                  (t_end - t_checked) / 1e6, (t_end - start) / 1e6, n_survivors, n_removed_vt);

  g_hash_table_unref (survivors);
  g_assert_finalize_object (shared_vt);
  g_assert_finalize_object (shared_kt);
  g_assert_finalize_object (shared_set);
  g_free (records);
  g_free (shared_vt_signals);
  g_free (shared_kt_signals);

  wk_test_watchdog_stop ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Wobj/Soak/million", test_soak);
  return g_test_run ();
}

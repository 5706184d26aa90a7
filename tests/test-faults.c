/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Faults: objects and owners that misbehave in the ways real programs and
 * bindings do, for each of the four types (WkRef, WkValueTable, WkKeyTable,
 * WkSet):
 * - an object that resurrects itself in dispose;
 * - g_object_run_dispose() on a member (GTK's destroy path);
 * - a member with a toggle reference, looked up from another thread while
 *   the toggle notify (which itself calls into the container) runs;
 * - floating GInitiallyUnowned members;
 * - a container dropped from its own handler while a member dies on
 *   another thread;
 * - a container whose owner context is never iterated again;
 * - members finalized on a worker while the owner walks the container.
 *
 * The four types are driven through one small "Holder" interface so that
 * every case runs on each of them. */

#include <wobj.h>

#include "wk-test-util.h"

/* Holder: one of the four types, holding objects weakly. */

typedef enum
{
  KIND_REF,
  KIND_VALUE_TABLE,
  KIND_KEY_TABLE,
  KIND_SET,
  N_KINDS
} Kind;

static const char *kind_names[N_KINDS] = { "ref", "value-table", "key-table", "set" };

typedef struct
{
  Kind      kind;
  GObject  *container;   /* the WkValueTable, WkKeyTable or WkSet; NULL for refs */
  GPtrArray *refs;       /* KIND_REF: one WkRef per insert */
  gint      n_signals;   /* atomic */
  GThread  *owner_thread;
  gint      n_wrong_thread; /* atomic: signals seen on another thread */
} Holder;

static void
count_signal (Holder *h)
{
  if (g_thread_self () != h->owner_thread)
    g_atomic_int_inc (&h->n_wrong_thread);
  g_atomic_int_inc (&h->n_signals);
}

static void
on_ref_finalized (WkRef *ref, Holder *h)
{
  count_signal (h);
}

static void
on_value_table_finalized (WkValueTable *table, const GValue *key, Holder *h)
{
  g_assert_true (G_VALUE_HOLDS_STRING (key));
  count_signal (h);
}

static void
on_key_table_finalized (WkKeyTable *table, const GValue *value, Holder *h)
{
  g_assert_true (G_VALUE_HOLDS_INT (value));
  count_signal (h);
}

static void
on_set_finalized (WkSet *set, Holder *h)
{
  count_signal (h);
}

static Holder *
holder_new (Kind kind)
{
  Holder *h = g_new0 (Holder, 1);

  h->kind = kind;
  h->owner_thread = g_thread_self ();
  switch (kind)
    {
    case KIND_REF:
      h->refs = g_ptr_array_new_with_free_func (g_object_unref);
      break;
    case KIND_VALUE_TABLE:
      h->container = G_OBJECT (wk_value_table_new ());
      g_signal_connect (h->container, "object-finalized", G_CALLBACK (on_value_table_finalized), h);
      break;
    case KIND_KEY_TABLE:
      h->container = G_OBJECT (wk_key_table_new ());
      g_signal_connect (h->container, "object-finalized", G_CALLBACK (on_key_table_finalized), h);
      break;
    case KIND_SET:
      h->container = G_OBJECT (wk_set_new (G_TYPE_OBJECT));
      g_signal_connect (h->container, "object-finalized", G_CALLBACK (on_set_finalized), h);
      break;
    case N_KINDS:
    default:
      g_assert_not_reached ();
    }
  return h;
}

static char *
key_for (gpointer object)
{
  return g_strdup_printf ("%p", object);
}

static void
holder_insert (Holder *h, gpointer object)
{
  g_autofree char *key = key_for (object);
  GValue value = G_VALUE_INIT;
  WkRef *ref;

  switch (h->kind)
    {
    case KIND_REF:
      ref = wk_ref_new (object);
      g_signal_connect (ref, "object-finalized", G_CALLBACK (on_ref_finalized), h);
      g_ptr_array_add (h->refs, ref);
      break;
    case KIND_VALUE_TABLE:
      g_assert_true (wk_value_table_insert (WK_VALUE_TABLE (h->container), key, object));
      break;
    case KIND_KEY_TABLE:
      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, 42);
      g_assert_true (wk_key_table_insert_value (WK_KEY_TABLE (h->container), object, &value));
      g_value_unset (&value);
      break;
    case KIND_SET:
      g_assert_true (wk_set_add (WK_SET (h->container), object));
      break;
    case N_KINDS:
    default:
      g_assert_not_reached ();
    }
}

/* Whether @object is a live member, by lookup (which may take and drop a
 * strong reference) and by membership test. */
static gboolean
holder_contains (Holder *h, gpointer object)
{
  g_autofree char *key = key_for (object);
  gboolean found = FALSE;
  gpointer got;

  switch (h->kind)
    {
    case KIND_REF:
      for (guint i = 0; i < h->refs->len && !found; i++)
        {
          got = wk_ref_dup_object (h->refs->pdata[i]);
          found = (got == object);
          g_clear_object (&got);
        }
      return found;
    case KIND_VALUE_TABLE:
      got = wk_value_table_lookup (WK_VALUE_TABLE (h->container), key);
      found = (got == object);
      g_clear_object (&got);
      g_assert_cmpint (found, ==, wk_value_table_contains (WK_VALUE_TABLE (h->container), key));
      return found;
    case KIND_KEY_TABLE:
      {
        GValue value = G_VALUE_INIT;

        found = wk_key_table_lookup_value (WK_KEY_TABLE (h->container), object, &value);
        if (found)
          {
            g_assert_cmpint (g_value_get_int (&value), ==, 42);
            g_value_unset (&value);
          }
        g_assert_cmpint (found, ==, wk_key_table_contains (WK_KEY_TABLE (h->container), object));
        return found;
      }
    case KIND_SET:
      return wk_set_contains (WK_SET (h->container), object);
    case N_KINDS:
    default:
      g_assert_not_reached ();
    }
}

static guint
holder_size (Holder *h)
{
  guint n = 0;

  switch (h->kind)
    {
    case KIND_REF:
      for (guint i = 0; i < h->refs->len; i++)
        n += wk_ref_is_alive (h->refs->pdata[i]) ? 1 : 0;
      return n;
    case KIND_VALUE_TABLE:
      return wk_value_table_get_size (WK_VALUE_TABLE (h->container));
    case KIND_KEY_TABLE:
      return wk_key_table_get_size (WK_KEY_TABLE (h->container));
    case KIND_SET:
      n = wk_set_get_size (WK_SET (h->container));
      return n;
    case N_KINDS:
    default:
      g_assert_not_reached ();
    }
}

static void
holder_free (Holder *h)
{
  if (h->refs != NULL)
    {
      while (h->refs->len > 0)
        {
          WkRef *ref = g_ptr_array_steal_index (h->refs, h->refs->len - 1);
          g_assert_finalize_object (ref);
        }
      g_ptr_array_unref (h->refs);
    }
  if (h->container != NULL)
    g_assert_finalize_object (h->container);
  g_assert_cmpint (h->n_wrong_thread, ==, 0);
  g_free (h);
}

/* 1. Resurrection in dispose: dead at the first dispose, one signal,
 *    then really finalized on the second. */
static void
test_resurrect (gconstpointer data)
{
  Kind kind = GPOINTER_TO_INT (data);
  Holder *h = holder_new (kind);
  WkTestResurrect *obj = g_object_new (WK_TEST_TYPE_RESURRECT, NULL);
  WkTestResurrect *again;

  holder_insert (h, obj);
  g_assert_true (holder_contains (h, obj));

  g_object_unref (obj);   /* first dispose: resurrected */
  g_assert_cmpuint (wk_test_resurrect_n_dispose (obj), ==, 1);
  again = wk_test_resurrect_take ();
  g_assert_true (again == obj);
  g_assert_cmpint (h->n_signals, ==, 1);
  g_assert_cmpuint (holder_size (h), ==, 0);
  g_assert_false (holder_contains (h, obj));
  if (kind == KIND_SET)
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (h->container)), ==, 0);

  g_assert_finalize_object (again);
  g_assert_cmpint (h->n_signals, ==, 1);
  wk_test_drain_context (NULL);
  g_assert_cmpint (h->n_signals, ==, 1);
  holder_free (h);
}

/* 1b. The same, with the first (resurrecting) dispose on a worker: absent
 *     at once, signalled once from the owner's context, and the final
 *     release on the owner's thread signals nothing more. */
static void
test_resurrect_on_worker (gconstpointer data)
{
  Kind kind = GPOINTER_TO_INT (data);
  Holder *h = holder_new (kind);
  WkTestResurrect *obj = g_object_new (WK_TEST_TYPE_RESURRECT, NULL);
  WkTestResurrect *again;

  holder_insert (h, obj);
  wk_test_unref_in_thread (obj);
  g_assert_cmpuint (wk_test_resurrect_n_dispose (obj), ==, 1);
  again = wk_test_resurrect_take ();
  g_assert_true (again == obj);
  g_assert_cmpuint (holder_size (h), ==, 0);
  g_assert_false (holder_contains (h, obj));
  while (g_atomic_int_get (&h->n_signals) < 1)
    g_main_context_iteration (NULL, TRUE);
  wk_test_drain_context (NULL);
  g_assert_cmpint (h->n_signals, ==, 1);
  if (kind == KIND_SET)
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (h->container)), ==, 0);

  g_assert_finalize_object (again);
  wk_test_drain_context (NULL);
  g_assert_cmpint (h->n_signals, ==, 1);
  holder_free (h);
}

/* 2. g_object_run_dispose: the entries go and signal once; the object
 *    lives on and can be inserted again as a new member. */
static void
test_run_dispose (gconstpointer data)
{
  Kind kind = GPOINTER_TO_INT (data);
  Holder *h = holder_new (kind);
  WkTestObject *obj = g_object_new (WK_TEST_TYPE_OBJECT, NULL);

  holder_insert (h, obj);
  g_object_run_dispose (G_OBJECT (obj));
  g_assert_cmpuint (wk_test_object_n_dispose (obj), ==, 1);
  g_assert_cmpint (h->n_signals, ==, 1);
  g_assert_cmpuint (holder_size (h), ==, 0);
  g_assert_false (holder_contains (h, obj));

  /* a second run_dispose has nothing left to signal */
  g_object_run_dispose (G_OBJECT (obj));
  g_assert_cmpint (h->n_signals, ==, 1);

  holder_insert (h, obj);
  g_assert_true (holder_contains (h, obj));
  g_assert_cmpuint (holder_size (h), ==, 1);
  if (kind == KIND_SET)
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (h->container)), ==, 1);

  g_assert_finalize_object (obj);
  g_assert_cmpint (h->n_signals, ==, 2);
  g_assert_cmpuint (holder_size (h), ==, 0);
  wk_test_drain_context (NULL);
  g_assert_cmpint (h->n_signals, ==, 2);
  holder_free (h);
}

/* 3. Toggle references. */

typedef struct
{
  Holder       *h;
  WkTestObject *obj;
  gint          n_toggles;       /* atomic */
  gint          n_in_toggle_ok;  /* atomic: calls from the notify that saw the member */
  GWeakRef      weak;
} ToggleData;

static void
toggle_notify (gpointer data, GObject *object, gboolean is_last_ref)
{
  static GPrivate depth;
  ToggleData *td = data;

  g_atomic_int_inc (&td->n_toggles);
  /* a lookup from inside the notify toggles again: don't recurse */
  if (g_private_get (&depth) != NULL)
    return;
  g_private_set (&depth, GINT_TO_POINTER (1));
  /* Call into the container from inside the notify (on 2.74 this may run
   * inside GLib's weak-ref lock): must not deadlock. */
  if (holder_size (td->h) == 1 && holder_contains (td->h, object))
    g_atomic_int_inc (&td->n_in_toggle_ok);
  g_private_set (&depth, NULL);
}

static gpointer
toggle_lookup_thread (gpointer data)
{
  ToggleData *td = data;

  /* lookups (some of which take a strong reference, and so toggle) and
   * a plain g_weak_ref_get(), which always toggles: both threads run
   * these at once, so lookups run while the other thread's notify runs */
  for (guint i = 0; i < 200; i++)
    {
      GObject *strong;

      g_assert_true (holder_contains (td->h, td->obj));
      strong = g_weak_ref_get (&td->weak);
      g_assert_true (strong == (GObject *) td->obj);
      g_object_unref (strong);
    }
  return NULL;
}

static void
test_toggle_ref (gconstpointer data)
{
  Kind kind = GPOINTER_TO_INT (data);
  ToggleData td = { 0 };
  GThread *thread, *thread2;
  GWeakRef weak;

  td.h = holder_new (kind);
  td.obj = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
  g_object_add_toggle_ref (G_OBJECT (td.obj), toggle_notify, &td);
  g_object_unref (td.obj);   /* only the toggle reference left */
  g_atomic_int_set (&td.n_toggles, 0);
  g_atomic_int_set (&td.n_in_toggle_ok, 0);

  holder_insert (td.h, td.obj);
  g_assert_true (holder_contains (td.h, td.obj));

  g_weak_ref_init (&td.weak, td.obj);
  thread = g_thread_new ("toggle-lookup", toggle_lookup_thread, &td);
  thread2 = g_thread_new ("toggle-lookup-2", toggle_lookup_thread, &td);
  g_thread_join (thread);
  g_thread_join (thread2);
  g_weak_ref_clear (&td.weak);
  /* every strong lookup toggled up and down again */
  g_assert_cmpint (g_atomic_int_get (&td.n_toggles), >=, 2);
  g_assert_cmpint (g_atomic_int_get (&td.n_in_toggle_ok), >=, 1);
  g_assert_cmpuint (holder_size (td.h), ==, 1);
  g_assert_cmpint (td.h->n_signals, ==, 0);

  g_weak_ref_init (&weak, td.obj);
  g_object_remove_toggle_ref (G_OBJECT (td.obj), toggle_notify, &td);
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);
  g_assert_cmpint (td.h->n_signals, ==, 1);
  g_assert_cmpuint (holder_size (td.h), ==, 0);
  wk_test_drain_context (NULL);
  g_assert_cmpint (td.h->n_signals, ==, 1);
  holder_free (td.h);
}

/* 4. Floating members stay floating through insert, lookup and iteration. */
static void
walk_set (gpointer object, gpointer user_data)
{
  g_assert_true (g_object_is_floating (object));
  (*(guint *) user_data)++;
}

static void
walk_value_table (gconstpointer key, gpointer object, gpointer user_data)
{
  walk_set (object, user_data);
}

static void
walk_key_table (gpointer key, gpointer value, gpointer user_data)
{
  walk_set (key, user_data);
}

static void
holder_walk (Holder *h, gpointer expected)
{
  guint n = 0;
  g_autoptr(GPtrArray) snapshot = NULL;

  switch (h->kind)
    {
    case KIND_REF:
      return;
    case KIND_VALUE_TABLE:
      {
        WkValueTableIter it;
        gpointer object;

        wk_value_table_foreach (WK_VALUE_TABLE (h->container), walk_value_table, &n);
        wk_value_table_iter_init (&it, WK_VALUE_TABLE (h->container));
        while (wk_value_table_iter_next (&it, NULL, &object))
          walk_set (object, &n);
        snapshot = wk_value_table_dup_values (WK_VALUE_TABLE (h->container));
      }
      break;
    case KIND_KEY_TABLE:
      {
        WkKeyTableIter it;
        gpointer key;

        wk_key_table_foreach (WK_KEY_TABLE (h->container), walk_key_table, &n);
        wk_key_table_iter_init (&it, WK_KEY_TABLE (h->container));
        while (wk_key_table_iter_next (&it, &key, NULL))
          walk_set (key, &n);
        snapshot = wk_key_table_dup_keys (WK_KEY_TABLE (h->container));
      }
      break;
    case KIND_SET:
      {
        WkSetIter it;
        gpointer object;
        WkRef *item;

        wk_set_foreach (WK_SET (h->container), walk_set, &n);
        wk_set_iter_init (&it, WK_SET (h->container));
        while (wk_set_iter_next (&it, &object))
          walk_set (object, &n);
        snapshot = wk_set_dup_members (WK_SET (h->container));
        item = g_list_model_get_item (G_LIST_MODEL (h->container), 0);
        g_assert_nonnull (item);
        g_object_unref (item);
      }
      break;
    case N_KINDS:
    default:
      g_assert_not_reached ();
    }
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (snapshot->len, ==, 1);
  g_assert_true (snapshot->pdata[0] == expected);
  g_clear_pointer (&snapshot, g_ptr_array_unref);
  g_assert_true (g_object_is_floating (expected));
}

static void
test_floating (gconstpointer data)
{
  Kind kind = GPOINTER_TO_INT (data);
  Holder *h = holder_new (kind);
  GObject *obj = g_object_new (WK_TEST_TYPE_FLOATING, NULL);

  g_assert_true (g_object_is_floating (obj));
  holder_insert (h, obj);
  g_assert_true (g_object_is_floating (obj));
  g_assert_true (holder_contains (h, obj));
  g_assert_true (g_object_is_floating (obj));
  holder_walk (h, obj);
  g_assert_true (g_object_is_floating (obj));
  if (kind == KIND_VALUE_TABLE)
    {
      gpointer popped = wk_value_table_pop (WK_VALUE_TABLE (h->container), "none");
      g_assert_null (popped);
    }

  g_object_ref_sink (obj);
  g_assert_false (g_object_is_floating (obj));
  g_assert_finalize_object (obj);
  g_assert_cmpint (h->n_signals, ==, 1);
  g_assert_cmpuint (holder_size (h), ==, 0);
  holder_free (h);
}

/* 5. A container dropped from its own handler while a member dies on
 *    another thread at the same moment. */

typedef struct
{
  GObject      *container;   /* the reference dropped by the handler */
  GWeakRef      weak;
  gint          n_signals;
  gint          go;          /* atomic */
  WkTestObject *remote;      /* dies on the worker */
  guint         seen;        /* bit 0: local, bit 1: remote (tables) */
} DropData;

static void
drop_seen (DropData *d, guint bit)
{
  g_assert_false (d->seen & bit);   /* never twice for one member */
  d->seen |= bit;
}

static void
drop_from_handler (DropData *d)
{
  d->n_signals++;
  g_clear_object (&d->container);
}

static void
on_drop_ref (WkRef *ref, DropData *d)
{
  drop_from_handler (d);
}

static void
on_drop_vt (WkValueTable *t, const GValue *key, DropData *d)
{
  drop_seen (d, g_str_equal (g_value_get_string (key), "local") ? 1 : 2);
  drop_from_handler (d);
}

static void
on_drop_kt (WkKeyTable *t, const GValue *value, DropData *d)
{
  drop_seen (d, (guint) g_value_get_int (value));
  drop_from_handler (d);
}

static void
on_drop_set (WkSet *s, DropData *d)
{
  drop_from_handler (d);
}

static gpointer
drop_worker (gpointer data)
{
  DropData *d = data;

  while (!g_atomic_int_get (&d->go))
    ;
  g_object_unref (d->remote);
  return NULL;
}

static void
test_drop_in_handler_race (gconstpointer data)
{
  Kind kind = GPOINTER_TO_INT (data);
  guint n_rounds = 200;
  guint n_both = 0;

  for (guint round = 0; round < n_rounds; round++)
    {
      DropData d = { 0 };
      WkTestObject *local = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
      GThread *thread;
      gpointer alive;
      GValue v = G_VALUE_INIT;
      GObject *local_ref = NULL;   /* KIND_REF: the ref that watches `local` */

      d.remote = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
      g_value_init (&v, G_TYPE_INT);
      switch (kind)
        {
        case KIND_REF:
          /* the WkRef on `local` is the container; `remote` in a second
           * WkRef that is dropped from the first one's handler */
          local_ref = G_OBJECT (wk_ref_new (local));
          d.container = G_OBJECT (wk_ref_new (d.remote));
          g_signal_connect (local_ref, "object-finalized", G_CALLBACK (on_drop_ref), &d);
          g_signal_connect (d.container, "object-finalized", G_CALLBACK (on_drop_ref), &d);
          break;
        case KIND_VALUE_TABLE:
          d.container = G_OBJECT (wk_value_table_new ());
          wk_value_table_insert (WK_VALUE_TABLE (d.container), "local", local);
          wk_value_table_insert (WK_VALUE_TABLE (d.container), "remote", d.remote);
          g_signal_connect (d.container, "object-finalized", G_CALLBACK (on_drop_vt), &d);
          break;
        case KIND_KEY_TABLE:
          d.container = G_OBJECT (wk_key_table_new ());
          g_value_set_int (&v, 1);
          wk_key_table_insert_value (WK_KEY_TABLE (d.container), local, &v);
          g_value_set_int (&v, 2);
          wk_key_table_insert_value (WK_KEY_TABLE (d.container), d.remote, &v);
          g_signal_connect (d.container, "object-finalized", G_CALLBACK (on_drop_kt), &d);
          break;
        case KIND_SET:
          d.container = G_OBJECT (wk_set_new (WK_TEST_TYPE_OBJECT));
          wk_set_add (WK_SET (d.container), local);
          wk_set_add (WK_SET (d.container), d.remote);
          g_signal_connect (d.container, "object-finalized", G_CALLBACK (on_drop_set), &d);
          break;
        case N_KINDS:
        default:
          g_assert_not_reached ();
        }
      g_value_unset (&v);
      g_weak_ref_init (&d.weak, d.container);

      thread = g_thread_new ("drop-worker", drop_worker, &d);
      g_atomic_int_set (&d.go, 1);
      /* local dies here: the handler drops the container (for refs: the
       * WkRef to remote, from the handler of the WkRef to local) */
      g_object_unref (local);
      g_thread_join (thread);
      wk_test_drain_context (NULL);

      /* local died on this thread: its handler dropped the container.
       * Remote's death, if already queued, is handed over in the same
       * delivery (the emission holds the container until it ends), so it
       * may signal too, once; otherwise its later delivery from the
       * context finds the container gone. */
      alive = g_weak_ref_get (&d.weak);
      g_assert_null (alive);
      g_weak_ref_clear (&d.weak);
      g_assert_null (d.container);
      g_assert_cmpint (d.n_signals, >=, 1);
      g_assert_cmpint (d.n_signals, <=, 2);
      if (d.n_signals == 2)
        n_both++;
      if (local_ref != NULL)
        g_assert_finalize_object (local_ref);
    }
  g_test_message ("%s: %u of %u rounds signalled the remote member too, in the same delivery",
                  kind_names[kind], n_both, n_rounds);
}

/* 6. An owner context that is never iterated again. */

typedef struct
{
  GObject      *containers[N_KINDS];   /* [KIND_REF] is a WkRef */
  WkTestObject *members[N_KINDS];
  gint          n_signals;             /* atomic */
  gint          context_freed;         /* atomic: the canary source was destroyed */
} DeadContextData;

static gboolean
canary_cb (gpointer data)
{
  g_assert_not_reached ();
  return G_SOURCE_CONTINUE;
}

static void
canary_destroyed (gpointer data)
{
  DeadContextData *d = data;

  g_atomic_int_set (&d->context_freed, 1);
}

static void
on_dead_any (gpointer instance, DeadContextData *d)
{
  g_atomic_int_inc (&d->n_signals);
}

static gpointer
dead_context_owner (gpointer data)
{
  DeadContextData *d = data;
  GMainContext *context = g_main_context_new ();
  GValue v = G_VALUE_INIT;

  GSource *canary = g_timeout_source_new_seconds (3600);

  /* destroyed (and canary_destroyed called) when the context is freed */
  g_source_set_callback (canary, canary_cb, d, canary_destroyed);
  g_source_attach (canary, context);
  g_source_unref (canary);

  g_main_context_push_thread_default (context);
  g_value_init (&v, G_TYPE_INT);

  d->containers[KIND_REF] = G_OBJECT (wk_ref_new (d->members[KIND_REF]));
  d->containers[KIND_VALUE_TABLE] = G_OBJECT (wk_value_table_new ());
  wk_value_table_insert (WK_VALUE_TABLE (d->containers[KIND_VALUE_TABLE]), "m", d->members[KIND_VALUE_TABLE]);
  d->containers[KIND_KEY_TABLE] = G_OBJECT (wk_key_table_new ());
  wk_key_table_insert_value (WK_KEY_TABLE (d->containers[KIND_KEY_TABLE]), d->members[KIND_KEY_TABLE], &v);
  d->containers[KIND_SET] = G_OBJECT (wk_set_new (G_TYPE_OBJECT));
  wk_set_add (WK_SET (d->containers[KIND_SET]), d->members[KIND_SET]);
  for (guint k = 0; k < N_KINDS; k++)
    g_signal_connect (d->containers[k], "object-finalized", G_CALLBACK (on_dead_any), d);

  g_value_unset (&v);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;   /* exits without ever iterating the context */
}

static void
test_dead_context (gconstpointer data)
{
  gboolean members_die = GPOINTER_TO_INT (data);
  DeadContextData d = { 0 };
  GThread *threads[N_KINDS];

  for (guint k = 0; k < N_KINDS; k++)
    d.members[k] = g_object_new (WK_TEST_TYPE_OBJECT, NULL);

  g_thread_join (g_thread_new ("dead-owner", dead_context_owner, &d));
  g_assert_false (g_atomic_int_get (&d.context_freed));   /* the containers hold it */

  if (!members_die)
    {
      /* control: nothing was ever delivered; dropping the containers
       * frees the context, then the members die normally */
      for (guint k = 0; k < N_KINDS; k++)
        g_assert_finalize_object (d.containers[k]);
      g_assert_true (g_atomic_int_get (&d.context_freed));
      for (guint k = 0; k < N_KINDS; k++)
        g_assert_finalize_object (d.members[k]);
      g_assert_cmpint (g_atomic_int_get (&d.n_signals), ==, 0);
      return;
    }

  /* members die on other threads: the deliveries go to the dead context */
  for (guint k = 0; k < N_KINDS; k++)
    threads[k] = wk_test_unref_in_new_thread (d.members[k]);
  for (guint k = 0; k < N_KINDS; k++)
    g_thread_join (threads[k]);

  /* absent at once, though never signalled */
  g_assert_false (wk_ref_is_alive (WK_REF (d.containers[KIND_REF])));
  g_assert_cmpuint (wk_value_table_get_size (WK_VALUE_TABLE (d.containers[KIND_VALUE_TABLE])), ==, 0);
  g_assert_false (wk_value_table_contains (WK_VALUE_TABLE (d.containers[KIND_VALUE_TABLE]), "m"));
  g_assert_cmpuint (wk_key_table_get_size (WK_KEY_TABLE (d.containers[KIND_KEY_TABLE])), ==, 0);
  g_assert_cmpuint (wk_set_get_size (WK_SET (d.containers[KIND_SET])), ==, 0);

  /* iterating this thread's (default) context delivers nothing: the
   * deliveries belong to the dead context */
  wk_test_drain_context (NULL);
  g_assert_cmpint (g_atomic_int_get (&d.n_signals), ==, 0);

  /* What stays allocated until the containers are dropped: the dead
   * context (each container's owner holds a reference to it), one idle
   * source per container attached to that context and holding a reference
   * to the container's owner, the owners, and the dead memberships waiting
   * in the owners' inboxes (freed by each container's dispose, which
   * detaches its owner). Dropping the containers must free all of it:
   * checked below with a canary source attached to the dead context, which
   * is destroyed only when the context is freed, and by valgrind. */
  for (guint k = 0; k < N_KINDS; k++)
    g_assert_finalize_object (d.containers[k]);
  g_assert_cmpint (g_atomic_int_get (&d.n_signals), ==, 0);

  /* ...and once they are gone, nothing may keep the dead context alive.
   * Not fatal, so that the other cases still run. */
  if (!g_atomic_int_get (&d.context_freed))
    g_test_fail_printf ("the dead owner context (with its pending wobj idle sources and owners) "
                        "outlived every container: leaked");
}

/* 7. Members finalized on a worker while the owner walks the container:
 *    a walk never returns a dead or disposed object. */

typedef struct
{
  GPtrArray *objects;   /* the only strong references */
  gint       done;      /* atomic */
} KillData;

static gpointer
kill_worker (gpointer data)
{
  KillData *kd = data;

  for (guint i = 0; i < kd->objects->len; i++)
    {
      g_object_unref (kd->objects->pdata[i]);
      kd->objects->pdata[i] = NULL;
      if (i % 16 == 0)
        g_thread_yield ();
    }
  g_atomic_int_set (&kd->done, 1);
  return NULL;
}

static void
check_not_disposed (gpointer object)
{
  g_assert_true (WK_TEST_IS_OBJECT (object));
  g_assert_cmpuint (wk_test_object_n_dispose (object), ==, 0);
}

static void
check_set_member (gpointer object, gpointer user_data)
{
  check_not_disposed (object);
}

static void
check_vt_member (gconstpointer key, gpointer object, gpointer user_data)
{
  check_not_disposed (object);
}

static void
check_kt_member (gpointer key, gpointer value, gpointer user_data)
{
  check_not_disposed (key);
}

static void
walk_once (Holder *h, guint round)
{
  g_autoptr(GPtrArray) snapshot = NULL;
  gpointer object;

  switch (h->kind)
    {
    case KIND_REF:
      for (guint i = 0; i < h->refs->len; i++)
        {
          object = wk_ref_dup_object (h->refs->pdata[i]);
          if (object != NULL)
            check_not_disposed (object);
          g_clear_object (&object);
        }
      return;
    case KIND_VALUE_TABLE:
      if (round % 3 == 0)
        wk_value_table_foreach (WK_VALUE_TABLE (h->container), check_vt_member, NULL);
      else if (round % 3 == 1)
        {
          WkValueTableIter it;

          wk_value_table_iter_init (&it, WK_VALUE_TABLE (h->container));
          while (wk_value_table_iter_next (&it, NULL, &object))
            check_not_disposed (object);
        }
      else
        snapshot = wk_value_table_dup_values (WK_VALUE_TABLE (h->container));
      break;
    case KIND_KEY_TABLE:
      if (round % 3 == 0)
        wk_key_table_foreach (WK_KEY_TABLE (h->container), check_kt_member, NULL);
      else if (round % 3 == 1)
        {
          WkKeyTableIter it;

          wk_key_table_iter_init (&it, WK_KEY_TABLE (h->container));
          while (wk_key_table_iter_next (&it, &object, NULL))
            check_not_disposed (object);
        }
      else
        snapshot = wk_key_table_dup_keys (WK_KEY_TABLE (h->container));
      break;
    case KIND_SET:
      if (round % 3 == 0)
        wk_set_foreach (WK_SET (h->container), check_set_member, NULL);
      else if (round % 3 == 1)
        {
          WkSetIter it;

          wk_set_iter_init (&it, WK_SET (h->container));
          while (wk_set_iter_next (&it, &object))
            check_not_disposed (object);
        }
      else
        snapshot = wk_set_dup_members (WK_SET (h->container));
      break;
    case N_KINDS:
    default:
      g_assert_not_reached ();
    }
  if (snapshot != NULL)
    for (guint i = 0; i < snapshot->len; i++)
      check_not_disposed (snapshot->pdata[i]);
}

static void
test_walk_while_dying (gconstpointer data)
{
  Kind kind = GPOINTER_TO_INT (data);
  guint n_objects = wk_test_under_valgrind () ? 200 : 5000;
  Holder *h = holder_new (kind);
  KillData kd = { 0 };
  GThread *thread;
  guint round = 0;
  gint64 start = g_get_monotonic_time ();

  kd.objects = g_ptr_array_new ();
  for (guint i = 0; i < n_objects; i++)
    {
      WkTestObject *obj = g_object_new (WK_TEST_TYPE_OBJECT, NULL);

      holder_insert (h, obj);
      g_ptr_array_add (kd.objects, obj);
    }
  g_assert_cmpuint (holder_size (h), ==, n_objects);

  thread = g_thread_new ("kill-worker", kill_worker, &kd);
  while (!g_atomic_int_get (&kd.done))
    {
      walk_once (h, round++);
      g_main_context_iteration (NULL, FALSE);
    }
  g_thread_join (thread);
  walk_once (h, round++);
  g_assert_cmpuint (holder_size (h), ==, 0);

  while (g_atomic_int_get (&h->n_signals) < (gint) n_objects)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (h->n_signals, ==, n_objects);
  wk_test_drain_context (NULL);
  g_assert_cmpint (h->n_signals, ==, n_objects);
  if (kind == KIND_SET)
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (h->container)), ==, 0);
  g_test_message ("%s: %u walks while %u members died on a worker, %.3f s",
                  kind_names[kind], round, n_objects,
                  (g_get_monotonic_time () - start) / 1e6);
  g_ptr_array_unref (kd.objects);
  holder_free (h);
}

/* /Wobj/Faults/run-dispose-release/<path>: a member dies by
 * g_object_run_dispose() on this thread while a walker thread lets go of
 * wobj's last hold on it, in the instant between the weak notifies and
 * GLib's clearing of the object's weak references. On GLib 2.74 an anchor
 * that kept its GWeakRef until it was freed corrupted the heap there: GLib
 * wrote into the freed anchor or freed the list of weak references twice.
 *
 * A weak notify of the test's, registered after wobj's, lines the two
 * threads up: it tells the walker to let go and returns, so the walker's
 * release runs while run_dispose goes on. Each path is a different way for
 * the walker to hold the last reference. */
typedef enum
{
  RELEASE_SET_ITER,            /* the end of a WkSet iteration */
  RELEASE_VALUE_TABLE_ITER,    /* the end of a value table's snapshot */
  RELEASE_KEY_TABLE_ITER,      /* the end of a key table's snapshot */
  RELEASE_DELIVERY,            /* the walker owns the set: its delivery */
  RELEASE_REMOVE_ALL,          /* the walker owns a key table: remove_all,
                                  then the delivery */
  RELEASE_DISPOSE,             /* the walker owns the value table and drops it */
  N_RELEASES
} ReleasePath;

static const char *release_names[N_RELEASES] = {
  "set-iter", "value-table-iter", "key-table-iter", "delivery",
  "remove-all", "container-dispose",
};

typedef struct
{
  ReleasePath   path;
  GObject      *container;   /* atomic: made by the walker for its own paths */
  GMainContext *context;     /* the walker's */
  gint          step;        /* atomic: the handshake, as in issue 14 */
  gint          done;        /* atomic */
  gint          n_signals;   /* atomic: object-finalized on the walker */
  gint          releasing;   /* atomic: the walker is letting go */
} Release;

/* Spins: the instant the test aims at lasts a few hundred instructions,
 * and a yield would let it pass. Under valgrind, which runs one thread at
 * a time, the spinning thread must give way. */
static inline void
spin (void)
{
  if (G_UNLIKELY (wk_test_under_valgrind ()))
    g_thread_yield ();
}

/* The delivery lets go of the entry right after its signal. */
static void
release_signal_cb (GObject  *container,
                   gpointer  arg,
                   Release  *r)
{
  g_atomic_int_inc (&r->n_signals);
  g_atomic_int_set (&r->releasing, 1);
}

static void
release_hook (gpointer  data,
              GObject  *where_the_object_was)
{
  Release *r = data;

  g_atomic_int_set (&r->step, 2);
}

/* Registered after the hook: holds run_dispose back until the walker is
 * letting go, so that GLib clears the object's weak references while the
 * walker frees what it held. */
static void
release_hold_back (gpointer  data,
                   GObject  *where_the_object_was)
{
  Release *r = data;

  while (!g_atomic_int_get (&r->releasing))
    spin ();
}

static void
wait_step (Release *r,
           gint     step)
{
  while (g_atomic_int_get (&r->step) != step)
    spin ();
}

static GObject *
release_container_new (ReleasePath path)
{
  switch (path)
    {
    case RELEASE_SET_ITER:
    case RELEASE_DELIVERY:
      return G_OBJECT (wk_set_new (G_TYPE_OBJECT));
    case RELEASE_VALUE_TABLE_ITER:
    case RELEASE_DISPOSE:
      return G_OBJECT (wk_value_table_new ());
    case RELEASE_KEY_TABLE_ITER:
    case RELEASE_REMOVE_ALL:
      return G_OBJECT (wk_key_table_new ());
    case N_RELEASES:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
walker_owns (ReleasePath path)
{
  return path == RELEASE_DELIVERY || path == RELEASE_REMOVE_ALL || path == RELEASE_DISPOSE;
}

/* Made on the walker, which owns it: deaths reach it through its context. */
static void
walker_new_container (Release *r)
{
  GObject *container = release_container_new (r->path);

  g_signal_connect (container, "object-finalized", G_CALLBACK (release_signal_cb), r);
  g_atomic_pointer_set (&r->container, container);
}

static gpointer
release_walker_func (gpointer data)
{
  Release *r = data;

  g_main_context_push_thread_default (r->context);
  if (walker_owns (r->path))
    walker_new_container (r);

  for (;;)
    {
      WkSetIter set_iter;
      WkValueTableIter value_iter;
      WkKeyTableIter key_iter;
      gint n_signals = g_atomic_int_get (&r->n_signals);

      while (g_atomic_int_get (&r->step) != 1)
        {
          if (g_atomic_int_get (&r->done))
            goto out;
          spin ();
        }

      /* Take the hold that the release lets go of. */
      switch (r->path)
        {
        case RELEASE_SET_ITER:
          wk_set_iter_init (&set_iter, WK_SET (r->container));
          break;
        case RELEASE_VALUE_TABLE_ITER:
          wk_value_table_iter_init (&value_iter, WK_VALUE_TABLE (r->container));
          break;
        case RELEASE_KEY_TABLE_ITER:
          wk_key_table_iter_init (&key_iter, WK_KEY_TABLE (r->container));
          break;
        case RELEASE_DELIVERY:
        case RELEASE_REMOVE_ALL:
        case RELEASE_DISPOSE:
          break;   /* the death waits in the walker's inbox */
        case N_RELEASES:
        default:
          g_assert_not_reached ();
        }
      g_atomic_int_set (&r->step, 0);

      wait_step (r, 2);

      /* Let go: the last reference to the member's anchor goes here. */
      if (r->path != RELEASE_DELIVERY)
        g_atomic_int_set (&r->releasing, 1);
      switch (r->path)
        {
        case RELEASE_SET_ITER:
          wk_set_iter_clear (&set_iter);
          break;
        case RELEASE_VALUE_TABLE_ITER:
          wk_value_table_iter_clear (&value_iter);
          break;
        case RELEASE_KEY_TABLE_ITER:
          wk_key_table_iter_clear (&key_iter);
          break;
        case RELEASE_REMOVE_ALL:
          wk_key_table_remove_all (WK_KEY_TABLE (r->container));
          wk_test_drain_context (r->context);
          break;
        case RELEASE_DELIVERY:
          wk_test_iterate_until (r->context, &r->n_signals, n_signals + 1);
          break;
        case RELEASE_DISPOSE:
          g_assert_finalize_object (g_atomic_pointer_exchange (&r->container, NULL));
          walker_new_container (r);
          break;
        case N_RELEASES:
        default:
          g_assert_not_reached ();
        }
      g_atomic_int_set (&r->step, 3);
    }

out:
  if (walker_owns (r->path))
    {
      wk_test_drain_context (r->context);
      g_assert_finalize_object (g_atomic_pointer_exchange (&r->container, NULL));
    }
  g_main_context_pop_thread_default (r->context);

  return NULL;
}

static void
release_hold (Release *r,
              GObject *x)
{
  GObject *container;
  GValue value = G_VALUE_INIT;

  while ((container = g_atomic_pointer_get (&r->container)) == NULL)
    g_thread_yield ();

  if (WK_IS_SET (container))
    g_assert_true (wk_set_add (WK_SET (container), x));
  else if (WK_IS_VALUE_TABLE (container))
    g_assert_true (wk_value_table_insert (WK_VALUE_TABLE (container), "x", x));
  else
    {
      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, 7);
      g_assert_true (wk_key_table_insert_value (WK_KEY_TABLE (container), x, &value));
      g_value_unset (&value);
    }
}

static void
test_run_dispose_release (gconstpointer data)
{
  Release r = { GPOINTER_TO_INT (data), NULL, g_main_context_new (), 0, 0, 0 };
  guint n_rounds = wk_test_scaled (20000);
  GThread *walker;

  wk_test_watchdog_start (300);

  if (!walker_owns (r.path))
    r.container = release_container_new (r.path);
  walker = g_thread_new ("wk-test-walker", release_walker_func, &r);

  for (guint i = 0; i < n_rounds; i++)
    {
      GObject *x = g_object_new (WK_TEST_TYPE_OBJECT, NULL);

      release_hold (&r, x);
      g_object_weak_ref (x, release_hook, &r);   /* after wobj's */
      g_object_weak_ref (x, release_hold_back, &r);
      g_atomic_int_set (&r.releasing, 0);
      g_atomic_int_set (&r.step, 1);
      wait_step (&r, 0);
      g_object_run_dispose (x);
      wait_step (&r, 3);
      g_assert_finalize_object (x);
    }

  g_atomic_int_set (&r.done, 1);
  g_thread_join (walker);
  if (walker_owns (r.path))
    g_assert_cmpint (g_atomic_int_get (&r.n_signals), ==,
                     r.path == RELEASE_DELIVERY ? (gint) n_rounds : 0);
  else
    g_assert_finalize_object (r.container);
  g_main_context_unref (r.context);

  wk_test_watchdog_stop ();
}

static void
add_for_kinds (const char *name, GTestDataFunc func)
{
  for (Kind k = 0; k < N_KINDS; k++)
    {
      g_autofree char *path = g_strdup_printf ("/Wobj/Faults/%s/%s", name, kind_names[k]);
      g_test_add_data_func (path, GINT_TO_POINTER (k), func);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add_for_kinds ("resurrect-in-dispose", test_resurrect);
  add_for_kinds ("resurrect-in-dispose-on-worker", test_resurrect_on_worker);
  add_for_kinds ("run-dispose", test_run_dispose);
  add_for_kinds ("toggle-ref", test_toggle_ref);
  add_for_kinds ("floating", test_floating);
  add_for_kinds ("drop-in-handler-race", test_drop_in_handler_race);
  add_for_kinds ("walk-while-dying", test_walk_while_dying);
  for (ReleasePath p = 0; p < N_RELEASES; p++)
    {
      g_autofree char *path = g_strdup_printf ("/Wobj/Faults/run-dispose-release/%s", release_names[p]);
      g_test_add_data_func (path, GINT_TO_POINTER (p), test_run_dispose_release);
    }
  /* last: the members-die case reports a known leak without aborting */
  g_test_add_data_func ("/Wobj/Faults/dead-owner-context/no-deaths", GINT_TO_POINTER (FALSE), test_dead_context);
  g_test_add_data_func ("/Wobj/Faults/dead-owner-context/members-die", GINT_TO_POINTER (TRUE), test_dead_context);

  return g_test_run ();
}

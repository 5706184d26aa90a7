/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* bench: wobj's containers against two peers that this file implements.
 *
 *   strong  the floor: a GHashTable holding strong references, no weak
 *           machinery at all;
 *   hand    what a C developer writes today: for the value table a
 *           GHashTable of heap-allocated GWeakRefs plus one
 *           g_object_weak_ref() per entry that removes it; for the key
 *           table a GHashTable keyed by object pointer plus one
 *           g_object_weak_ref() per key; for the set a GHashTable set plus
 *           one g_object_weak_ref() per member;
 *   wobj    WkValueTable (string keys), WkKeyTable (pointer values),
 *           WkSet (G_TYPE_OBJECT);
 *   none    the baseline for instruction counts: the same loop, the same
 *           indirect call, and nothing held.
 *
 * One measurement per run:
 *
 *   bench --op OP --impl IMPL [--n N] [--k K] [--reps R]
 *
 * OP is KIND-WHAT with KIND one of value, key, set and WHAT one of
 *
 *   insert    N inserts into an empty container (also reports bytes per
 *             entry, from mallinfo2() around the loop)
 *   reinsert  the same, of objects that another container of the same
 *             kind already holds: for wobj, holdings after an object's
 *             first, which find its anchor made
 *   lookup    N lookups that hit, in random order; a returned reference is
 *             dropped
 *   miss      N lookups that miss, in random order
 *   finalize  the caller drops the last reference of each of N members, in
 *             random order (for `strong`, which holds a reference itself:
 *             the caller's unref then the removal that finalizes; for
 *             `none`: objects held by nothing, the plain cost of
 *             finalization to subtract)
 *   destroy   drop a container of N entries whose members all live
 *   orphans   what `destroy` leaves for later: drop a container of N live
 *             members (not measured), then the caller drops the last
 *             reference of each member, in random order (measured; minus
 *             the `none` run, as for `finalize`): for wobj the anchor's
 *             weak notify still runs; the hand-written tables unhooked
 *             every entry when they were destroyed
 *   die10     a tenth of the N members die (the caller drops their last
 *             references, in random order; the table does not shrink);
 *             reports ns per dying member (minus the `none` run)
 *   threads   N lookups (hit, random order) by one thread, then N by each
 *             of two threads at once on the same container
 *   kdestroy  one object in K containers: destroy every container, oldest
 *             first, while the object lives (reports ns per container)
 *   kdestroyrev  the same, newest container first
 *   kfinalize one object in K containers: drop its last reference while
 *             every container lives (reports ns per container)
 *
 * Each run prints one line of key=value pairs. The measured loop, and only
 * it, runs between CALLGRIND_START_INSTRUMENTATION and
 * CALLGRIND_STOP_INSTRUMENTATION (with a collection toggle inside), so
 *
 *   valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
 *     bench --op value-insert --impl wobj --n 100000
 *
 * counts the instructions of the loop alone; subtract the same run with
 * --impl none for the loop's own overhead. benchmarks/run does all of it.
 */

#include <glib-object.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef HAVE_CALLGRIND_H
# include <valgrind/callgrind.h>
#else
# define RUNNING_ON_VALGRIND 0
# define CALLGRIND_START_INSTRUMENTATION
# define CALLGRIND_STOP_INSTRUMENTATION
# define CALLGRIND_TOGGLE_COLLECT
#endif

#include <wobj.h>

/* ------------------------------------------------------------------ */
/* Data shared by every implementation                                */

static guint      n_items;
static gchar    **keys;        /* "key%u", the table's keys */
static gchar    **miss_keys;   /* "miss%u", never inserted */
static GObject  **objects;     /* the members */
static GObject  **strangers;   /* objects held by nothing: set and key misses */
static guint     *order;       /* a random permutation of 0..n-1 */

static void
fail (const char *what)
{
  fprintf (stderr, "bench: %s\n", what);
  exit (2);
}

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static void __attribute__ ((noinline))
sink (gconstpointer p)
{
  __asm__ volatile ("" : : "r" (p) : "memory");
}

static void
shuffle (guint *array,
         guint  n,
         guint32 seed)
{
  GRand *rng = g_rand_new_with_seed (seed);

  for (guint i = 0; i < n; i++)
    array[i] = i;
  for (guint i = n; i > 1; i--)
    {
      guint j = (guint) g_rand_int_range (rng, 0, (gint32) i);
      guint tmp = array[i - 1];

      array[i - 1] = array[j];
      array[j] = tmp;
    }
  g_rand_free (rng);
}

static void
make_keys (guint n)
{
  n_items = n;
  keys = g_new (gchar *, n);
  miss_keys = g_new (gchar *, n);
  for (guint i = 0; i < n; i++)
    {
      keys[i] = g_strdup_printf ("key%u", i);
      miss_keys[i] = g_strdup_printf ("miss%u", i);
    }
  order = g_new (guint, n);
  shuffle (order, n, 42);
}

static void
make_objects (gboolean with_strangers)
{
  objects = g_new (GObject *, n_items);
  for (guint i = 0; i < n_items; i++)
    objects[i] = g_object_new (G_TYPE_OBJECT, NULL);
  if (with_strangers)
    {
      strangers = g_new (GObject *, n_items);
      for (guint i = 0; i < n_items; i++)
        strangers[i] = g_object_new (G_TYPE_OBJECT, NULL);
    }
}

/* Drops the caller's references that are left (NULL: already dropped). */
static void
free_objects (void)
{
  for (guint i = 0; i < n_items; i++)
    if (objects[i] != NULL)
      g_object_unref (objects[i]);
  g_clear_pointer (&objects, g_free);
  if (strangers != NULL)
    {
      for (guint i = 0; i < n_items; i++)
        g_object_unref (strangers[i]);
      g_clear_pointer (&strangers, g_free);
    }
}

/* ------------------------------------------------------------------ */
/* The implementations: one table of functions per kind and impl.     */

typedef struct
{
  gpointer (*create)  (void);
  void     (*insert)  (gpointer c, const char *key, GObject *obj, guint i);
  void     (*lookup)  (gpointer c, const char *key, GObject *obj);
  void     (*miss)    (gpointer c, const char *key, GObject *obj);
  /* strong only: after the caller's unref, the removal that finalizes */
  void     (*release) (gpointer c, const char *key, GObject *obj);
  void     (*destroy) (gpointer c);
} Impl;

/* none: the loop alone */

static gpointer none_create (void) { return GUINT_TO_POINTER (1); }
static void none_insert (gpointer c, const char *key, GObject *obj, guint i) { sink (key); sink (obj); }
static void none_lookup (gpointer c, const char *key, GObject *obj) { sink (key); sink (obj); }
static void none_destroy (gpointer c) { sink (c); }

static const Impl none_impl = {
  none_create, none_insert, none_lookup, none_lookup, NULL, none_destroy,
};

/* value / wobj */

static gpointer
wobj_value_create (void)
{
  return wk_value_table_new ();
}

static void
wobj_value_insert (gpointer c, const char *key, GObject *obj, guint i)
{
  wk_value_table_insert (c, key, obj);
}

static void
wobj_value_lookup (gpointer c, const char *key, GObject *obj)
{
  GObject *found = wk_value_table_lookup (c, key);

  if (G_UNLIKELY (found != obj))
    fail ("wobj value lookup: wrong object");
  g_object_unref (found);
}

static void
wobj_value_miss (gpointer c, const char *key, GObject *obj)
{
  if (G_UNLIKELY (wk_value_table_lookup (c, key) != NULL))
    fail ("wobj value miss: found something");
}

static const Impl wobj_value_impl = {
  wobj_value_create, wobj_value_insert, wobj_value_lookup, wobj_value_miss,
  NULL, g_object_unref,
};

/* value / strong */

static gpointer
strong_value_create (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

static void
strong_value_insert (gpointer c, const char *key, GObject *obj, guint i)
{
  g_hash_table_replace (c, g_strdup (key), g_object_ref (obj));
}

/* The same contract as the others: the caller gets a reference. */
static void
strong_value_lookup (gpointer c, const char *key, GObject *obj)
{
  GObject *found = g_hash_table_lookup (c, key);

  if (G_UNLIKELY (found != obj))
    fail ("strong value lookup: wrong object");
  g_object_ref (found);
  g_object_unref (found);
}

static void
strong_value_miss (gpointer c, const char *key, GObject *obj)
{
  if (G_UNLIKELY (g_hash_table_lookup (c, key) != NULL))
    fail ("strong value miss: found something");
}

static void
strong_value_release (gpointer c, const char *key, GObject *obj)
{
  g_hash_table_remove (c, key);
}

static const Impl strong_value_impl = {
  strong_value_create, strong_value_insert, strong_value_lookup,
  strong_value_miss, strong_value_release, (void (*) (gpointer)) g_hash_table_destroy,
};

/* value / hand: the weak-value table a C developer writes today */

typedef struct
{
  GWeakRef    ref;      /* what lookups read, from any thread */
  GObject    *object;   /* for g_object_weak_unref(); NULL once it died */
  gchar      *key;      /* owned by the hash table */
  GHashTable *table;
} HandValueEntry;

static void hand_value_notify (gpointer data, GObject *where_the_object_was);

static void
hand_value_entry_free (gpointer data)
{
  HandValueEntry *entry = data;

  if (entry->object != NULL)
    g_object_weak_unref (entry->object, hand_value_notify, entry);
  g_weak_ref_clear (&entry->ref);
  g_free (entry);
}

static void
hand_value_notify (gpointer  data,
                   GObject  *where_the_object_was)
{
  HandValueEntry *entry = data;

  entry->object = NULL;
  g_hash_table_remove (entry->table, entry->key);
}

static gpointer
hand_value_create (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, hand_value_entry_free);
}

static void
hand_value_insert (gpointer c, const char *key, GObject *obj, guint i)
{
  HandValueEntry *entry = g_new (HandValueEntry, 1);

  g_weak_ref_init (&entry->ref, obj);
  entry->object = obj;
  entry->key = g_strdup (key);
  entry->table = c;
  g_object_weak_ref (obj, hand_value_notify, entry);
  g_hash_table_replace (c, entry->key, entry);
}

static void
hand_value_lookup (gpointer c, const char *key, GObject *obj)
{
  HandValueEntry *entry = g_hash_table_lookup (c, key);
  GObject *found = entry != NULL ? g_weak_ref_get (&entry->ref) : NULL;

  if (G_UNLIKELY (found != obj))
    fail ("hand value lookup: wrong object");
  g_object_unref (found);
}

static void
hand_value_miss (gpointer c, const char *key, GObject *obj)
{
  HandValueEntry *entry = g_hash_table_lookup (c, key);
  GObject *found = entry != NULL ? g_weak_ref_get (&entry->ref) : NULL;

  if (G_UNLIKELY (found != NULL))
    fail ("hand value miss: found something");
}

static const Impl hand_value_impl = {
  hand_value_create, hand_value_insert, hand_value_lookup, hand_value_miss,
  NULL, (void (*) (gpointer)) g_hash_table_destroy,
};

/* key / wobj: values are plain pointers */

static gpointer
wobj_key_create (void)
{
  return wk_key_table_new_full (NULL, NULL);
}

static void
wobj_key_insert (gpointer c, const char *key, GObject *obj, guint i)
{
  wk_key_table_insert (c, obj, GUINT_TO_POINTER (i + 1));
}

static void
wobj_key_lookup (gpointer c, const char *key, GObject *obj)
{
  gpointer value = NULL;

  if (G_UNLIKELY (!wk_key_table_lookup (c, obj, &value) || value == NULL))
    fail ("wobj key lookup: not found");
}

static void
wobj_key_miss (gpointer c, const char *key, GObject *obj)
{
  gpointer value = NULL;

  if (G_UNLIKELY (wk_key_table_lookup (c, obj, &value)))
    fail ("wobj key miss: found something");
}

static const Impl wobj_key_impl = {
  wobj_key_create, wobj_key_insert, wobj_key_lookup, wobj_key_miss,
  NULL, g_object_unref,
};

/* key / strong */

static gpointer
strong_key_create (void)
{
  return g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
}

static void
strong_key_insert (gpointer c, const char *key, GObject *obj, guint i)
{
  if (!g_hash_table_contains (c, obj))
    g_object_ref (obj);
  g_hash_table_insert (c, obj, GUINT_TO_POINTER (i + 1));
}

static void
strong_key_lookup (gpointer c, const char *key, GObject *obj)
{
  gpointer value = NULL;

  if (G_UNLIKELY (!g_hash_table_lookup_extended (c, obj, NULL, &value) || value == NULL))
    fail ("strong key lookup: not found");
}

static void
strong_key_miss (gpointer c, const char *key, GObject *obj)
{
  if (G_UNLIKELY (g_hash_table_lookup_extended (c, obj, NULL, NULL)))
    fail ("strong key miss: found something");
}

static void
strong_obj_release (gpointer c, const char *key, GObject *obj)
{
  g_hash_table_remove (c, obj);
}

static const Impl strong_key_impl = {
  strong_key_create, strong_key_insert, strong_key_lookup, strong_key_miss,
  strong_obj_release, (void (*) (gpointer)) g_hash_table_destroy,
};

/* key and set / hand: a GHashTable keyed by the object's address, one
 * g_object_weak_ref() per key that removes it. */

static void
hand_obj_notify (gpointer  data,
                 GObject  *where_the_object_was)
{
  g_hash_table_remove (data, where_the_object_was);
}

static gpointer
hand_obj_create (void)
{
  return g_hash_table_new (g_direct_hash, g_direct_equal);
}

static void
hand_key_insert (gpointer c, const char *key, GObject *obj, guint i)
{
  if (!g_hash_table_contains (c, obj))
    g_object_weak_ref (obj, hand_obj_notify, c);
  g_hash_table_insert (c, obj, GUINT_TO_POINTER (i + 1));
}

static void
hand_obj_destroy (gpointer c)
{
  GHashTableIter iter;
  gpointer obj;

  g_hash_table_iter_init (&iter, c);
  while (g_hash_table_iter_next (&iter, &obj, NULL))
    g_object_weak_unref (obj, hand_obj_notify, c);
  g_hash_table_destroy (c);
}

static const Impl hand_key_impl = {
  hand_obj_create, hand_key_insert, strong_key_lookup, strong_key_miss,
  NULL, hand_obj_destroy,
};

/* set / wobj */

static gpointer
wobj_set_create (void)
{
  return wk_set_new (G_TYPE_OBJECT);
}

static void
wobj_set_insert (gpointer c, const char *key, GObject *obj, guint i)
{
  wk_set_add (c, obj);
}

static void
wobj_set_lookup (gpointer c, const char *key, GObject *obj)
{
  if (G_UNLIKELY (!wk_set_contains (c, obj)))
    fail ("wobj set contains: not found");
}

static void
wobj_set_miss (gpointer c, const char *key, GObject *obj)
{
  if (G_UNLIKELY (wk_set_contains (c, obj)))
    fail ("wobj set miss: found something");
}

static const Impl wobj_set_impl = {
  wobj_set_create, wobj_set_insert, wobj_set_lookup, wobj_set_miss,
  NULL, g_object_unref,
};

/* set / strong */

static gpointer
strong_set_create (void)
{
  return g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
}

static void
strong_set_insert (gpointer c, const char *key, GObject *obj, guint i)
{
  if (!g_hash_table_contains (c, obj))
    g_hash_table_add (c, g_object_ref (obj));
}

static void
strong_set_lookup (gpointer c, const char *key, GObject *obj)
{
  if (G_UNLIKELY (!g_hash_table_contains (c, obj)))
    fail ("set contains: not found");
}

static void
strong_set_miss (gpointer c, const char *key, GObject *obj)
{
  if (G_UNLIKELY (g_hash_table_contains (c, obj)))
    fail ("set miss: found something");
}

static const Impl strong_set_impl = {
  strong_set_create, strong_set_insert, strong_set_lookup, strong_set_miss,
  strong_obj_release, (void (*) (gpointer)) g_hash_table_destroy,
};

/* set / hand */

static void
hand_set_insert (gpointer c, const char *key, GObject *obj, guint i)
{
  if (g_hash_table_add (c, obj))
    g_object_weak_ref (obj, hand_obj_notify, c);
}

static const Impl hand_set_impl = {
  hand_obj_create, hand_set_insert, strong_set_lookup, strong_set_miss,
  NULL, hand_obj_destroy,
};

static const Impl *
find_impl (const char *kind,
           const char *impl)
{
  static const struct { const char *kind, *impl; const Impl *table; } impls[] = {
    { "value", "wobj", &wobj_value_impl },
    { "value", "strong", &strong_value_impl },
    { "value", "hand", &hand_value_impl },
    { "value", "none", &none_impl },
    { "key", "wobj", &wobj_key_impl },
    { "key", "strong", &strong_key_impl },
    { "key", "hand", &hand_key_impl },
    { "key", "none", &none_impl },
    { "set", "wobj", &wobj_set_impl },
    { "set", "strong", &strong_set_impl },
    { "set", "hand", &hand_set_impl },
    { "set", "none", &none_impl },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (impls); i++)
    if (strcmp (impls[i].kind, kind) == 0 && strcmp (impls[i].impl, impl) == 0)
      return impls[i].table;

  return NULL;
}

/* ------------------------------------------------------------------ */
/* The measured loops                                                 */

/* Around the measured loop only. Outside valgrind these cost nothing. */
#define MEASURE_BEGIN(t0)                   \
  G_STMT_START {                            \
    CALLGRIND_START_INSTRUMENTATION;        \
    CALLGRIND_TOGGLE_COLLECT;               \
    (t0) = now_ns ();                       \
  } G_STMT_END
#define MEASURE_END(t1)                     \
  G_STMT_START {                            \
    (t1) = now_ns ();                       \
    CALLGRIND_TOGGLE_COLLECT;               \
    CALLGRIND_STOP_INSTRUMENTATION;         \
  } G_STMT_END

typedef struct
{
  double ns;        /* per operation */
  double bytes;     /* per entry, insert only */
} Result;

/* Both lookup kinds use the object for sets and key tables, the string
 * for value tables; a miss uses strangers (or the miss keys). */
static gboolean kind_is_value;

static gpointer
fill (const Impl *impl)
{
  gpointer c = impl->create ();

  for (guint i = 0; i < n_items; i++)
    impl->insert (c, keys[i], objects[i], i);

  return c;
}

static Result
run_insert (const Impl *impl,
            gboolean    held)
{
  Result r = { 0 };
  struct mallinfo2 before, after;
  gint64 t0, t1;
  gpointer other = NULL;
  gpointer c;

  make_objects (FALSE);
  if (held)
    other = fill (impl);
  c = impl->create ();
  before = mallinfo2 ();
  MEASURE_BEGIN (t0);
  for (guint i = 0; i < n_items; i++)
    impl->insert (c, keys[i], objects[i], i);
  MEASURE_END (t1);
  after = mallinfo2 ();

  r.ns = (double) (t1 - t0) / n_items;
  /* Blocks above the mmap threshold (a big hash table's arrays) are in
   * hblkhd, not in uordblks. */
  r.bytes = ((double) (after.uordblks + after.hblkhd)
             - (double) (before.uordblks + before.hblkhd)) / n_items;

  impl->destroy (c);
  if (other != NULL)
    impl->destroy (other);
  free_objects ();
  return r;
}

/* Lookups change nothing: one container serves every repetition. */
static void
run_lookup (const Impl *impl,
            gboolean    hit,
            gint        reps,
            double     *ns)
{
  GObject **miss_objects;
  gint64 t0, t1;
  gpointer c;

  make_objects (!hit && !kind_is_value);
  miss_objects = kind_is_value ? objects : strangers;
  c = fill (impl);

  for (gint rep = 0; rep < reps; rep++)
    {
      if (hit)
        {
          MEASURE_BEGIN (t0);
          for (guint i = 0; i < n_items; i++)
            {
              guint j = order[i];

              impl->lookup (c, keys[j], objects[j]);
            }
          MEASURE_END (t1);
        }
      else
        {
          MEASURE_BEGIN (t0);
          for (guint i = 0; i < n_items; i++)
            {
              guint j = order[i];

              impl->miss (c, miss_keys[j], miss_objects[j]);
            }
          MEASURE_END (t1);
        }
      ns[rep] = (double) (t1 - t0) / n_items;
    }

  impl->destroy (c);
  free_objects ();
}

static Result
run_finalize (const Impl *impl)
{
  Result r = { 0 };
  gint64 t0, t1;
  gpointer c;
  guint *fin_order = g_new (guint, n_items);

  shuffle (fin_order, n_items, 7);
  make_objects (FALSE);
  c = fill (impl);

  MEASURE_BEGIN (t0);
  if (impl->release != NULL)
    {
      for (guint i = 0; i < n_items; i++)
        {
          guint j = fin_order[i];
          GObject *obj = objects[j];

          g_object_unref (obj);
          impl->release (c, keys[j], obj);
        }
    }
  else
    {
      for (guint i = 0; i < n_items; i++)
        g_object_unref (objects[fin_order[i]]);
    }
  MEASURE_END (t1);

  r.ns = (double) (t1 - t0) / n_items;

  memset (objects, 0, n_items * sizeof *objects);
  impl->destroy (c);
  free_objects ();
  g_free (fin_order);
  return r;
}

/* The members of a destroyed container die: what `destroy` left for
 * them to pay. */
static Result
run_orphans (const Impl *impl)
{
  Result r = { 0 };
  gint64 t0, t1;
  gpointer c;
  guint *fin_order = g_new (guint, n_items);

  shuffle (fin_order, n_items, 7);
  make_objects (FALSE);
  c = fill (impl);
  impl->destroy (c);

  MEASURE_BEGIN (t0);
  for (guint i = 0; i < n_items; i++)
    g_object_unref (objects[fin_order[i]]);
  MEASURE_END (t1);

  r.ns = (double) (t1 - t0) / n_items;

  memset (objects, 0, n_items * sizeof *objects);
  free_objects ();
  g_free (fin_order);
  return r;
}

/* A tenth of the members die, the container keeps the rest (no shrink).
 * Per dying member. */
static guint
n_die10 (void)
{
  return MAX (n_items / 10, 1);
}

static Result
run_die10 (const Impl *impl)
{
  Result r = { 0 };
  gint64 t0, t1;
  gpointer c;
  guint *fin_order = g_new (guint, n_items);
  guint n_die = n_die10 ();

  shuffle (fin_order, n_items, 7);
  make_objects (FALSE);
  c = fill (impl);

  MEASURE_BEGIN (t0);
  if (impl->release != NULL)
    {
      for (guint i = 0; i < n_die; i++)
        {
          guint j = fin_order[i];
          GObject *obj = objects[j];

          g_object_unref (obj);
          impl->release (c, keys[j], obj);
        }
    }
  else
    {
      for (guint i = 0; i < n_die; i++)
        g_object_unref (objects[fin_order[i]]);
    }
  MEASURE_END (t1);

  r.ns = (double) (t1 - t0) / n_die;

  for (guint i = 0; i < n_die; i++)
    objects[fin_order[i]] = NULL;
  impl->destroy (c);
  free_objects ();
  g_free (fin_order);
  return r;
}

static Result
run_destroy (const Impl *impl)
{
  Result r = { 0 };
  gint64 t0, t1;
  gpointer c;

  make_objects (FALSE);
  c = fill (impl);

  MEASURE_BEGIN (t0);
  impl->destroy (c);
  MEASURE_END (t1);

  r.ns = (double) (t1 - t0) / n_items;

  free_objects ();
  return r;
}

/* Two threads */

typedef struct
{
  const Impl *impl;
  gpointer    container;
  guint      *order;
  gint       *go;
} Worker;

/* Each thread does at least this many lookups, so that a run lasts long
 * enough to time: whole passes over its random order. */
#define THREAD_MIN_LOOKUPS 1000000
static guint thread_passes = 1;

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;

  while (!g_atomic_int_get (w->go))
    ;
  for (guint pass = 0; pass < thread_passes; pass++)
    for (guint i = 0; i < n_items; i++)
      {
        guint j = w->order[i];

        w->impl->lookup (w->container, keys[j], objects[j]);
      }

  return NULL;
}

static gint64
run_workers (const Impl *impl,
             gpointer    c,
             guint     **orders,
             guint       n_threads)
{
  GThread *threads[2];
  Worker workers[2];
  gint go = 0;
  gint64 t0, t1;

  for (guint t = 0; t < n_threads; t++)
    {
      workers[t] = (Worker) { impl, c, orders[t], &go };
      threads[t] = g_thread_new ("bench-worker", worker_main, &workers[t]);
    }
  g_usleep (10000);
  t0 = now_ns ();
  g_atomic_int_set (&go, 1);
  for (guint t = 0; t < n_threads; t++)
    g_thread_join (threads[t]);
  t1 = now_ns ();

  return t1 - t0;
}

static void
run_threads (const Impl *impl,
             gint        reps,
             double     *ns_1t,
             double     *ns_2t)
{
  guint *orders[2] = { order, g_new (guint, n_items) };
  gpointer c;

  shuffle (orders[1], n_items, 4242);
  make_objects (FALSE);
  c = fill (impl);

  /* Warm up (the caches and the allocator) with one pass, then measure. */
  thread_passes = 1;
  run_workers (impl, c, orders, 1);
  thread_passes = (THREAD_MIN_LOOKUPS + n_items - 1) / n_items;

  for (gint rep = 0; rep < reps; rep++)
    {
      gint64 t_one = run_workers (impl, c, orders, 1);
      gint64 t_two = run_workers (impl, c, orders, 2);

      ns_1t[rep] = (double) t_one / ((double) n_items * thread_passes);
      ns_2t[rep] = (double) t_two / (2.0 * n_items * thread_passes);
    }

  impl->destroy (c);
  free_objects ();
  g_free (orders[1]);
}

/* One object in K containers */

static Result
run_k (const Impl *impl,
       guint       k,
       gboolean    finalize,
       gboolean    newest_first)
{
  Result r = { 0 };
  GObject *obj = g_object_new (G_TYPE_OBJECT, NULL);
  gpointer *containers = g_new (gpointer, k);
  gint64 t0, t1;

  for (guint i = 0; i < k; i++)
    {
      containers[i] = impl->create ();
      impl->insert (containers[i], "key0", obj, 0);
    }

  if (finalize)
    {
      MEASURE_BEGIN (t0);
      if (impl->release != NULL)
        {
          g_object_unref (obj);
          for (guint i = 0; i < k; i++)
            impl->release (containers[i], "key0", obj);
        }
      else
        g_object_unref (obj);
      MEASURE_END (t1);
      obj = NULL;
    }
  else
    {
      MEASURE_BEGIN (t0);
      if (newest_first)
        for (guint i = k; i-- > 0;)
          impl->destroy (containers[i]);
      else
        for (guint i = 0; i < k; i++)
          impl->destroy (containers[i]);
      MEASURE_END (t1);
    }

  r.ns = (double) (t1 - t0) / k;

  if (finalize)
    {
      for (guint i = 0; i < k; i++)
        impl->destroy (containers[i]);
    }
  else
    g_object_unref (obj);
  g_free (containers);
  return r;
}

/* ------------------------------------------------------------------ */

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof (double), compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int
main (int    argc,
      char **argv)
{
  g_autofree gchar *op = NULL;
  g_autofree gchar *impl_name = NULL;
  gint n = 100000;
  gint k = 1000;
  gint reps = 3;
  GOptionEntry entries[] = {
    { "op", 0, 0, G_OPTION_ARG_STRING, &op, "KIND-WHAT, e.g. value-insert", "OP" },
    { "impl", 0, 0, G_OPTION_ARG_STRING, &impl_name, "wobj, strong, hand or none", "IMPL" },
    { "n", 0, 0, G_OPTION_ARG_INT, &n, "Number of members (default 100000)", "N" },
    { "k", 0, 0, G_OPTION_ARG_INT, &k, "Number of containers for kdestroy, kfinalize (default 1000)", "K" },
    { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions, the median is reported (default 3; 1 under valgrind)", "R" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- measure one operation of one container");
  g_autoptr(GError) error = NULL;
  const char *dash, *what;
  g_autofree gchar *kind = NULL;
  const Impl *impl;
  double ns[64], bytes[64], ns_1t[64], ns_2t[64];
  gboolean is_k;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench: %s\n", error->message);
      return 1;
    }
  if (op == NULL || impl_name == NULL || (dash = strchr (op, '-')) == NULL)
    {
      fprintf (stderr, "bench: --op KIND-WHAT and --impl IMPL are required (see --help)\n");
      return 1;
    }
  kind = g_strndup (op, dash - op);
  what = dash + 1;
  impl = find_impl (kind, impl_name);
  if (impl == NULL)
    {
      fprintf (stderr, "bench: unknown kind or impl: %s %s\n", kind, impl_name);
      return 1;
    }
  if (n < 1 || k < 1 || reps < 1)
    {
      fprintf (stderr, "bench: --n, --k and --reps must be positive\n");
      return 1;
    }
  if (RUNNING_ON_VALGRIND)
    reps = 1;
  reps = MIN (reps, (gint) G_N_ELEMENTS (ns));
  kind_is_value = strcmp (kind, "value") == 0;
  is_k = g_str_has_prefix (what, "k");

  if (!is_k)
    make_keys ((guint) n);

  /* Register the types and resolve their first-call paths before any
   * measured loop. */
  {
    gpointer c = impl->create ();
    GObject *obj = g_object_new (G_TYPE_OBJECT, NULL);

    impl->insert (c, "warm", obj, 0);
    impl->destroy (c);
    g_object_unref (obj);
  }

  if (strcmp (what, "lookup") == 0 || strcmp (what, "miss") == 0)
    run_lookup (impl, strcmp (what, "lookup") == 0, reps, ns);
  else if (strcmp (what, "threads") == 0)
    {
      if (strcmp (impl_name, "none") == 0)
        {
          fprintf (stderr, "bench: threads needs a container\n");
          return 1;
        }
      run_threads (impl, reps, ns_1t, ns_2t);
      memcpy (ns, ns_2t, reps * sizeof (double));
    }
  else
    for (gint rep = 0; rep < reps; rep++)
      {
        Result r;

        if (strcmp (what, "insert") == 0)
          r = run_insert (impl, FALSE);
        else if (strcmp (what, "reinsert") == 0)
          r = run_insert (impl, TRUE);
        else if (strcmp (what, "finalize") == 0)
          r = run_finalize (impl);
        else if (strcmp (what, "destroy") == 0)
          r = run_destroy (impl);
        else if (strcmp (what, "orphans") == 0)
          r = run_orphans (impl);
        else if (strcmp (what, "die10") == 0)
          r = run_die10 (impl);
        else if (strcmp (what, "kdestroy") == 0)
          r = run_k (impl, (guint) k, FALSE, FALSE);
        else if (strcmp (what, "kdestroyrev") == 0)
          r = run_k (impl, (guint) k, FALSE, TRUE);
        else if (strcmp (what, "kfinalize") == 0)
          r = run_k (impl, (guint) k, TRUE, FALSE);
        else
          {
            fprintf (stderr, "bench: unknown operation: %s\n", what);
            return 1;
          }
        ns[rep] = r.ns;
        bytes[rep] = r.bytes;
      }

  printf ("op=%s impl=%s n=%d k=%d reps=%d ns=%.2f",
          op, impl_name, is_k ? 0 : n, is_k ? k : 0, reps, median (ns, reps));
  if (strcmp (what, "insert") == 0 || strcmp (what, "reinsert") == 0)
    printf (" bytes=%.1f", median (bytes, reps));
  if (strcmp (what, "threads") == 0)
    {
      double one = median (ns_1t, reps), two = median (ns_2t, reps);

      printf (" ns_1t=%.2f ns_2t=%.2f speedup=%.3f", one, two, one / two);
    }
  printf ("\n");

  return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Tests of WkValueTable: one case per public function and per promise of
 * DESIGN.md ("What every type promises"). */

#include <stdlib.h>
#include <string.h>

#include <wobj.h>

#include "wk-test-util.h"

#define LOG_DOMAIN "Wobj"

static GThread *main_thread;

/* The values: a plain object that counts its finalizations. */
static GObject *
test_object_new (void)
{
  return g_object_new (WK_TEST_TYPE_OBJECT, NULL);
}

/* Factory: a WkValueTableFactory that counts its calls. */

typedef struct
{
  gint      n_calls;      /* atomic */
  gboolean  return_null;
  gpointer  made;         /* the last object made, not owned */
  char     *last_key;     /* a copy of the last key it was given */
} Factory;

static gpointer
factory_cb (gconstpointer key,
            gpointer      user_data)
{
  Factory *factory = user_data;

  g_atomic_int_inc (&factory->n_calls);
  g_free (factory->last_key);
  factory->last_key = g_strdup (key);

  if (factory->return_null)
    return NULL;

  factory->made = test_object_new ();
  return factory->made;
}

static void
factory_clear (Factory *factory)
{
  g_clear_pointer (&factory->last_key, g_free);
}

/* TestSelfLookup: an object that, in its dispose, asks the table for the
 * value of its own key, before and after chaining up, or replaces itself
 * there with wk_value_table_lookup_or_insert(). */

typedef struct
{
  WkValueTable *table;          /* not owned */
  const char   *key;
  gboolean      lookup_or_insert;
  Factory      *factory;
  gboolean      ran;
  gpointer      found_before;   /* what lookup gave before chaining up */
  gboolean      contains_before;
  gpointer      found_after;    /* and after */
  gboolean      contains_after;
  gpointer      inserted;       /* lookup_or_insert's result */
} SelfLookup;

#define TEST_TYPE_SELF_LOOKUP (test_self_lookup_get_type ())
G_DECLARE_FINAL_TYPE (TestSelfLookup, test_self_lookup, TEST, SELF_LOOKUP, GObject)

struct _TestSelfLookup
{
  GObject     parent_instance;
  SelfLookup *result;  /* not owned: outlives the object */
};

G_DEFINE_FINAL_TYPE (TestSelfLookup, test_self_lookup, G_TYPE_OBJECT)

static void
test_self_lookup_dispose (GObject *object)
{
  TestSelfLookup *self = TEST_SELF_LOOKUP (object);
  SelfLookup *result = self->result;

  if (result != NULL && !result->ran)
    {
      result->ran = TRUE;
      if (result->lookup_or_insert)
        {
          result->inserted = wk_value_table_lookup_or_insert (result->table, result->key,
                                                              factory_cb, result->factory);
        }
      else
        {
          result->found_before = wk_value_table_lookup (result->table, result->key);
          result->contains_before = wk_value_table_contains (result->table, result->key);
        }
    }

  G_OBJECT_CLASS (test_self_lookup_parent_class)->dispose (object);

  if (result != NULL && !result->lookup_or_insert)
    {
      result->found_after = wk_value_table_lookup (result->table, result->key);
      result->contains_after = wk_value_table_contains (result->table, result->key);
    }
}

static void
test_self_lookup_class_init (TestSelfLookupClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = test_self_lookup_dispose;
}

static void
test_self_lookup_init (TestSelfLookup *self)
{
}

/* Signals: records every object-finalized emission of one table. */

typedef enum
{
  KEYS_STRING,          /* wk_value_table_new(): a G_TYPE_STRING value */
  KEYS_POINTER,         /* new_full() with plain pointer keys */
  KEYS_POINTER_STRING,  /* new_full() whose keys are strings the table owns */
} KeyKind;

typedef struct
{
  WkValueTable *table;
  KeyKind       kind;
  GThread      *expected_thread;  /* the table's owner */
  gint          n;
  GPtrArray    *strings;          /* copies of string keys */
  GPtrArray    *pointers;         /* pointer keys */
  GThread      *thread;           /* where the last emission ran */
} Signals;

static void
signals_cb (WkValueTable *table,
            const GValue *key,
            gpointer      user_data)
{
  Signals *s = user_data;
  gconstpointer raw = NULL;

  g_assert_true (table == s->table);
  g_assert_nonnull (key);
  /* On the owner's thread, always. */
  g_assert_true (g_thread_self () == s->expected_thread);

  switch (s->kind)
    {
    case KEYS_STRING:
      g_assert_true (G_VALUE_HOLDS_STRING (key));
      raw = g_value_get_string (key);
      g_assert_nonnull (raw);
      g_ptr_array_add (s->strings, g_strdup (raw));
      break;
    case KEYS_POINTER:
      g_assert_true (G_VALUE_HOLDS_POINTER (key));
      raw = g_value_get_pointer (key);
      g_ptr_array_add (s->pointers, (gpointer) raw);
      break;
    case KEYS_POINTER_STRING:
      g_assert_true (G_VALUE_HOLDS_POINTER (key));
      raw = g_value_get_pointer (key);
      g_assert_nonnull (raw);
      g_ptr_array_add (s->strings, g_strdup (raw));
      break;
    default:
      g_assert_not_reached ();
    }

  /* The entry is gone before the signal. */
  g_assert_false (wk_value_table_contains (table, raw));

  s->n++;
  s->thread = g_thread_self ();
}

/* Call on the thread that created @table. */
static void
signals_init (Signals      *s,
              WkValueTable *table,
              KeyKind       kind)
{
  memset (s, 0, sizeof *s);
  s->table = table;
  s->kind = kind;
  s->expected_thread = g_thread_self ();
  s->strings = g_ptr_array_new_with_free_func (g_free);
  s->pointers = g_ptr_array_new ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (signals_cb), s);
}

static void
signals_clear (Signals *s)
{
  g_clear_pointer (&s->strings, g_ptr_array_unref);
  g_clear_pointer (&s->pointers, g_ptr_array_unref);
}

static guint
signals_count_string (Signals    *s,
                      const char *key)
{
  guint n = 0;

  for (guint i = 0; i < s->strings->len; i++)
    if (g_str_equal (g_ptr_array_index (s->strings, i), key))
      n++;

  return n;
}

static guint
signals_count_pointer (Signals       *s,
                       gconstpointer  key)
{
  guint n = 0;

  for (guint i = 0; i < s->pointers->len; i++)
    if (g_ptr_array_index (s->pointers, i) == key)
      n++;

  return n;
}

/* Main contexts and threads */

/* Iterates @context (the caller's thread-default one) until the emissions
 * @s records reach @n, or fails after WK_TEST_TIMEOUT_S; no more than @n. */
static void
wait_for_signals (GMainContext *context,
                  Signals      *s,
                  gint          n)
{
  wk_test_iterate_until (context, &s->n, n);
  g_assert_cmpint (s->n, ==, n);
}

/* Keys of a snapshot, joined by commas. */
static char *
join_string_keys (GPtrArray *keys)
{
  GString *str = g_string_new (NULL);

  for (guint i = 0; i < keys->len; i++)
    {
      if (i > 0)
        g_string_append_c (str, ',');
      g_string_append (str, g_ptr_array_index (keys, i));
    }

  return g_string_free (str, FALSE);
}

static char *
dup_keys_joined (WkValueTable *table)
{
  GPtrArray *keys = wk_value_table_dup_keys (table);
  char *joined = join_string_keys (keys);

  g_ptr_array_unref (keys);
  return joined;
}

static void
assert_keys (WkValueTable *table,
             const char   *expected)
{
  char *joined = dup_keys_joined (table);

  g_assert_cmpstr (joined, ==, expected);
  g_free (joined);
}

/* Asserts that @key's value is @expected (or absent if %NULL), and that
 * the lookup handed out a reference of its own. */
static void
assert_lookup (WkValueTable *table,
               gconstpointer key,
               gpointer      expected)
{
  GObject *found = wk_value_table_lookup (table, key);

  g_assert_true ((gpointer) found == expected);
  if (found != NULL)
    g_object_unref (found);
  g_assert_true (wk_value_table_contains (table, key) == (expected != NULL));
}

/* /Wobj/ValueTable/new */
static void
test_new (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  char *buffer = g_strdup ("alpha");
  char other[] = "beta";
  Signals s;

  g_assert_true (WK_IS_VALUE_TABLE (table));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  assert_keys (table, "");
  signals_init (&s, table, KEYS_STRING);

  /* The table copies string keys: the caller's buffer may go at once. */
  g_assert_true (wk_value_table_insert (table, buffer, a));
  memset (buffer, 'x', strlen (buffer));
  g_free (buffer);

  g_assert_true (wk_value_table_insert (table, other, b));
  other[0] = 'z';

  assert_lookup (table, "alpha", a);
  assert_lookup (table, "beta", b);
  assert_lookup (table, "xxxxx", NULL);
  assert_lookup (table, "zeta", NULL);
  assert_keys (table, "alpha,beta");

  /* The signal carries the table's copy, as a string. */
  g_assert_finalize_object (a);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (s.strings, 0), ==, "alpha");
  assert_keys (table, "beta");

  g_assert_finalize_object (b);
  g_assert_cmpuint (s.n, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (s.strings, 1), ==, "beta");
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/new-full-direct */
static void
test_new_full_direct (void)
{
  WkValueTable *table = wk_value_table_new_full (g_direct_hash, g_direct_equal, NULL, NULL);
  WkValueTable *defaults = wk_value_table_new_full (NULL, NULL, NULL, NULL);
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  GObject *c = test_object_new ();
  GPtrArray *keys;
  Signals s;
  Signals s_defaults;

  g_assert_nonnull (table);
  g_assert_nonnull (defaults);
  signals_init (&s, table, KEYS_POINTER);
  signals_init (&s_defaults, defaults, KEYS_POINTER);

  g_assert_true (wk_value_table_insert (table, GINT_TO_POINTER (1), a));
  g_assert_true (wk_value_table_insert (table, GINT_TO_POINTER (2), b));
  /* In a table of pointer keys NULL is a key like any other. */
  g_assert_true (wk_value_table_insert (table, GINT_TO_POINTER (0), c));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 3);

  assert_lookup (table, GINT_TO_POINTER (1), a);
  assert_lookup (table, GINT_TO_POINTER (2), b);
  assert_lookup (table, NULL, c);
  assert_lookup (table, GINT_TO_POINTER (3), NULL);

  keys = wk_value_table_dup_keys (table);
  g_assert_cmpuint (keys->len, ==, 3);
  g_assert_true (g_ptr_array_index (keys, 0) == GINT_TO_POINTER (1));
  g_assert_true (g_ptr_array_index (keys, 1) == GINT_TO_POINTER (2));
  g_assert_true (g_ptr_array_index (keys, 2) == NULL);
  g_ptr_array_unref (keys);

  /* NULL hash and equality functions mean direct ones. */
  g_assert_true (wk_value_table_insert (defaults, GINT_TO_POINTER (7), a));
  assert_lookup (defaults, GINT_TO_POINTER (7), a);
  assert_lookup (defaults, GINT_TO_POINTER (8), NULL);

  /* The signal carries the key as a G_TYPE_POINTER value. */
  g_assert_finalize_object (b);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_true (g_ptr_array_index (s.pointers, 0) == GINT_TO_POINTER (2));

  g_assert_finalize_object (c);
  g_assert_cmpuint (s.n, ==, 2);
  g_assert_true (g_ptr_array_index (s.pointers, 1) == NULL);

  g_assert_finalize_object (a);
  g_assert_cmpuint (s.n, ==, 3);
  g_assert_true (g_ptr_array_index (s.pointers, 2) == GINT_TO_POINTER (1));
  g_assert_cmpuint (signals_count_pointer (&s, GINT_TO_POINTER (1)), ==, 1);
  g_assert_cmpuint (signals_count_pointer (&s, GINT_TO_POINTER (2)), ==, 1);
  g_assert_cmpuint (signals_count_pointer (&s, NULL), ==, 1);
  g_assert_cmpuint (s_defaults.n, ==, 1);
  g_assert_true (g_ptr_array_index (s_defaults.pointers, 0) == GINT_TO_POINTER (7));

  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  g_assert_cmpuint (wk_value_table_get_size (defaults), ==, 0);

  g_assert_finalize_object (table);
  g_assert_finalize_object (defaults);
  signals_clear (&s);
  signals_clear (&s_defaults);
}

/* /Wobj/ValueTable/new-full-copy-free */
static void
test_new_full_copy_free (void)
{
  WkValueTable *table = wk_value_table_new_full (g_str_hash, g_str_equal,
                                                 (GBoxedCopyFunc) g_strdup, g_free);
  GObject *a = test_object_new ();
  char *buffer = g_strdup ("alpha");
  GPtrArray *keys;
  Signals s;

  signals_init (&s, table, KEYS_POINTER_STRING);

  /* The table keeps its own copy: the caller's buffer may go at once. */
  g_assert_true (wk_value_table_insert (table, buffer, a));
  memset (buffer, 'x', strlen (buffer));
  g_free (buffer);

  assert_lookup (table, "alpha", a);
  assert_lookup (table, "xxxxx", NULL);

  /* The snapshot holds copies made with the copy function. */
  keys = wk_value_table_dup_keys (table);
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (keys, 0), ==, "alpha");
  g_ptr_array_unref (keys);

  /* The signal's pointer is the table's copy, valid during the emission. */
  g_assert_finalize_object (a);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (s.strings, 0), ==, "alpha");
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/new-full-one-func */
static void
test_new_full_one_func (void)
{
  WkValueTable *table;

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_new_full: assertion*failed");
  table = wk_value_table_new_full (g_str_hash, g_str_equal, (GBoxedCopyFunc) g_strdup, NULL);
  g_test_assert_expected_messages ();
  g_assert_null (table);

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_new_full: assertion*failed");
  table = wk_value_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_test_assert_expected_messages ();
  g_assert_null (table);
}

/* /Wobj/ValueTable/insert */
static void
test_insert (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  GObject *c = test_object_new ();
  Signals s;

  signals_init (&s, table, KEYS_STRING);

  /* TRUE: the key had no live value. */
  g_assert_true (wk_value_table_insert (table, "k", a));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);

  /* FALSE: it replaced a live value, silently. */
  g_assert_false (wk_value_table_insert (table, "k", b));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
  assert_lookup (table, "k", b);
  g_assert_false (wk_value_table_insert (table, "k", b));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
  assert_lookup (table, "k", b);

  /* The same object under another key is another entry. */
  g_assert_true (wk_value_table_insert (table, "other", b));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 2);
  g_assert_true (wk_value_table_remove (table, "other"));

  /* The replaced value is no member any more. */
  g_assert_finalize_object (a);
  g_assert_cmpuint (s.n, ==, 0);
  assert_lookup (table, "k", b);

  /* After its value died, the key has none: TRUE again. */
  g_assert_finalize_object (b);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_true (wk_value_table_insert (table, "k", c));
  assert_lookup (table, "k", c);

  /* After a removal too. */
  g_assert_true (wk_value_table_remove (table, "k"));
  g_assert_true (wk_value_table_insert (table, "k", c));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);

  g_assert_finalize_object (c);
  g_assert_cmpuint (s.n, ==, 2);
  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/lookup */
static void
test_lookup (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *found;

  g_assert_null (wk_value_table_lookup (table, "a"));

  wk_value_table_insert (table, "a", a);
  g_assert_cmpuint (a->ref_count, ==, 1);

  /* A new strong reference. */
  found = wk_value_table_lookup (table, "a");
  g_assert_true (found == a);
  g_assert_cmpuint (a->ref_count, ==, 2);
  g_object_unref (found);
  g_assert_cmpuint (a->ref_count, ==, 1);

  g_assert_null (wk_value_table_lookup (table, "b"));

  /* Nothing once the value died. */
  g_assert_finalize_object (a);
  g_assert_null (wk_value_table_lookup (table, "a"));

  g_assert_finalize_object (table);
}

/* /Wobj/ValueTable/lookup-or-insert-missing */
static void
test_lookup_or_insert_missing (void)
{
  WkValueTable *table = wk_value_table_new ();
  Factory factory = { 0 };
  GObject *made;
  Signals s;

  signals_init (&s, table, KEYS_STRING);

  made = wk_value_table_lookup_or_insert (table, "k", factory_cb, &factory);
  g_assert_cmpint (factory.n_calls, ==, 1);
  g_assert_cmpstr (factory.last_key, ==, "k");
  g_assert_nonnull (made);
  /* The returned object is the one stored, and the caller's only
   * reference: the table holds none. */
  g_assert_true ((gpointer) made == factory.made);
  g_assert_cmpuint (made->ref_count, ==, 1);
  assert_lookup (table, "k", made);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);

  g_assert_finalize_object (made);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (s.strings, 0), ==, "k");
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
  signals_clear (&s);
  factory_clear (&factory);
}

/* /Wobj/ValueTable/lookup-or-insert-present */
static void
test_lookup_or_insert_present (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  Factory factory = { 0 };
  GObject *found;

  wk_value_table_insert (table, "k", a);

  found = wk_value_table_lookup_or_insert (table, "k", factory_cb, &factory);
  g_assert_cmpint (factory.n_calls, ==, 0);
  g_assert_true (found == a);
  g_assert_cmpuint (a->ref_count, ==, 2);
  g_object_unref (found);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);

  g_assert_finalize_object (a);
  g_assert_finalize_object (table);
  factory_clear (&factory);
}

/* /Wobj/ValueTable/lookup-or-insert-null */
static void
test_lookup_or_insert_null (void)
{
  WkValueTable *table = wk_value_table_new ();
  Factory factory = { 0 };
  GObject *a = test_object_new ();
  gpointer found;

  factory.return_null = TRUE;

  found = wk_value_table_lookup_or_insert (table, "k", factory_cb, &factory);
  g_assert_null (found);
  g_assert_cmpint (factory.n_calls, ==, 1);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  assert_lookup (table, "k", NULL);
  assert_keys (table, "");

  /* Nothing else was touched either. */
  wk_value_table_insert (table, "other", a);
  found = wk_value_table_lookup_or_insert (table, "k", factory_cb, &factory);
  g_assert_null (found);
  g_assert_cmpint (factory.n_calls, ==, 2);
  assert_keys (table, "other");
  assert_lookup (table, "other", a);

  g_assert_finalize_object (a);
  g_assert_finalize_object (table);
  factory_clear (&factory);
}

/* /Wobj/ValueTable/lookup-or-insert-dead */
static void
test_lookup_or_insert_dead (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *a_weak = a;
  Factory factory = { 0 };
  SelfLookup result = { 0 };
  TestSelfLookup *dying;
  GObject *made;
  Signals s;

  signals_init (&s, table, KEYS_STRING);

  /* A value that died on another thread, its signal still pending. */
  wk_value_table_insert (table, "k", a);
  g_object_add_weak_pointer (a, (gpointer *) &a_weak);
  wk_test_unref_in_thread (g_steal_pointer (&a));
  g_assert_null (a_weak);

  made = wk_value_table_lookup_or_insert (table, "k", factory_cb, &factory);
  g_assert_cmpint (factory.n_calls, ==, 1);
  g_assert_true ((gpointer) made == factory.made);
  assert_lookup (table, "k", made);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);

  /* Replacing the key cancelled the dead value's signal. */
  wk_test_drain_context (NULL);
  g_assert_cmpuint (s.n, ==, 0);
  assert_lookup (table, "k", made);

  g_assert_finalize_object (made);
  g_assert_cmpuint (s.n, ==, 1);

  /* A value that is dying right now: it calls lookup_or_insert on its own
   * key from its dispose and gets a new value, not itself. */
  dying = g_object_new (TEST_TYPE_SELF_LOOKUP, NULL);
  dying->result = &result;
  result.table = table;
  result.key = "k";
  result.lookup_or_insert = TRUE;
  result.factory = &factory;
  wk_value_table_insert (table, "k", dying);

  g_assert_finalize_object (dying);
  g_assert_true (result.ran);
  g_assert_cmpint (factory.n_calls, ==, 2);
  g_assert_nonnull (result.inserted);
  g_assert_true (result.inserted == factory.made);
  assert_lookup (table, "k", result.inserted);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
  /* The dying value was replaced before it died: no signal for it. */
  wk_test_drain_context (NULL);
  g_assert_cmpuint (s.n, ==, 1);

  g_assert_finalize_object (result.inserted);
  g_assert_cmpuint (s.n, ==, 2);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
  signals_clear (&s);
  factory_clear (&factory);
}

/* /Wobj/ValueTable/lookup-or-insert-concurrent */
#define N_RACERS 4
#define N_RACE_ROUNDS 10

typedef struct
{
  WkValueTable *table;
  const char   *key;
  gint         *n_ready;   /* atomic */
  gint         *n_calls;   /* atomic */
  gpointer      result;
} Racer;

static gpointer
race_factory_cb (gconstpointer key,
                 gpointer      user_data)
{
  gint *n_calls = user_data;

  g_atomic_int_inc (n_calls);
  /* Widen the window in which the other racers miss too. */
  g_usleep (20 * 1000);
  return test_object_new ();
}

static gpointer
racer_func (gpointer data)
{
  Racer *racer = data;

  g_atomic_int_inc (racer->n_ready);
  while (g_atomic_int_get (racer->n_ready) < N_RACERS)
    g_thread_yield ();

  racer->result = wk_value_table_lookup_or_insert (racer->table, racer->key,
                                                   race_factory_cb, racer->n_calls);
  return NULL;
}

static void
test_lookup_or_insert_concurrent (void)
{
  WkValueTable *table = wk_value_table_new ();
  gint total_calls = 0;
  Signals s;

  signals_init (&s, table, KEYS_STRING);

  for (guint round = 0; round < N_RACE_ROUNDS; round++)
    {
      Racer racers[N_RACERS];
      GThread *threads[N_RACERS];
      char *key = g_strdup_printf ("key-%u", round);
      gint n_ready = 0;
      gint n_calls = 0;
      guint n_finalized_before = wk_test_object_n_finalized ();
      GObject *stored;

      for (guint i = 0; i < N_RACERS; i++)
        {
          racers[i] = (Racer) { table, key, &n_ready, &n_calls, NULL };
          threads[i] = g_thread_new ("wk-racer", racer_func, &racers[i]);
        }
      for (guint i = 0; i < N_RACERS; i++)
        g_thread_join (threads[i]);

      /* Every racer got the one stored object. */
      stored = wk_value_table_lookup (table, key);
      g_assert_nonnull (stored);
      for (guint i = 0; i < N_RACERS; i++)
        g_assert_true (racers[i].result == (gpointer) stored);
      g_assert_cmpuint (stored->ref_count, ==, N_RACERS + 1);

      /* The losers' objects were dropped, and nothing was signalled. */
      g_assert_cmpint (n_calls, >=, 1);
      g_assert_cmpint (n_calls, <=, N_RACERS);
      g_assert_cmpint (wk_test_object_n_finalized () - n_finalized_before,
                       ==, n_calls - 1);
      g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
      total_calls += n_calls;

      for (guint i = 0; i < N_RACERS; i++)
        g_object_unref (racers[i].result);
      g_assert_cmpuint (s.n, ==, round);
      g_assert_finalize_object (stored);
      g_assert_cmpuint (s.n, ==, round + 1);
      g_assert_cmpuint (signals_count_string (&s, key), ==, 1);
      g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

      g_free (key);
    }

  g_test_message ("%d factory calls for %d rounds of %d racers",
                  total_calls, N_RACE_ROUNDS, N_RACERS);

  wk_test_drain_context (NULL);
  g_assert_cmpuint (s.n, ==, N_RACE_ROUNDS);
  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/lookup-or-insert-factory-inserts */
#define FACTORY_MAX_CALLS 3

typedef struct
{
  WkValueTable *table;
  guint         n_calls;
  GObject      *made;   /* the first object made, not owned */
} SelfInserting;

/* Registers its object under the key itself, then returns it, as a
 * constructor that adds itself to a cache would. Bounded, so that a table
 * that keeps calling it fails the test instead of hanging it. */
static gpointer
self_inserting_factory_cb (gconstpointer key,
                           gpointer      user_data)
{
  SelfInserting *si = user_data;
  GObject *object;

  if (si->n_calls++ >= FACTORY_MAX_CALLS)
    return NULL;

  object = test_object_new ();
  if (si->made == NULL)
    si->made = object;
  wk_value_table_insert (si->table, key, object);
  return object;
}

static void
test_lookup_or_insert_factory_inserts (void)
{
  WkValueTable *table = wk_value_table_new ();
  SelfInserting si = { table, 0, NULL };
  GObject *result;
  Signals s;

  signals_init (&s, table, KEYS_STRING);

  result = wk_value_table_lookup_or_insert (table, "k", self_inserting_factory_cb, &si);
  g_test_message ("factory calls: %u, result %s the factory's first object",
                  si.n_calls, result != NULL && result == si.made ? "is" : "is not");
  g_assert_cmpuint (si.n_calls, ==, 1);
  g_assert_nonnull (result);
  g_assert_true (result == si.made);
  g_assert_cmpuint (result->ref_count, ==, 1);
  assert_lookup (table, "k", result);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
  g_assert_cmpuint (s.n, ==, 0);

  g_assert_finalize_object (result);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/lookup-or-insert-factory-drops-table */
typedef struct
{
  WkValueTable *table;   /* the test's reference, dropped by the factory */
  GObject      *made;
} DroppingFactory;

static gpointer
dropping_factory_cb (gconstpointer key,
                     gpointer      user_data)
{
  DroppingFactory *df = user_data;

  g_object_unref (g_steal_pointer (&df->table));
  df->made = test_object_new ();
  return df->made;
}

static void
test_lookup_or_insert_factory_drops_table (void)
{
  WkValueTable *table = wk_value_table_new ();
  WkValueTable *table_weak = table;
  DroppingFactory df = { table, NULL };
  GObject *result;

  /* The class documentation lets callbacks drop the table: the call must
   * not touch it once it is gone (valgrind checks). */
  g_object_add_weak_pointer (G_OBJECT (table), (gpointer *) &table_weak);
  result = wk_value_table_lookup_or_insert (table, "k", dropping_factory_cb, &df);
  g_assert_null (df.table);
  g_assert_null (table_weak);
  g_assert_nonnull (df.made);
  g_assert_true (result == NULL || result == df.made);
  if (result != NULL)
    g_assert_finalize_object (result);
  else
    g_assert_finalize_object (df.made);
}

/* /Wobj/ValueTable/contains */
static void
test_contains (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();

  g_assert_false (wk_value_table_contains (table, "a"));
  wk_value_table_insert (table, "a", a);
  g_assert_true (wk_value_table_contains (table, "a"));
  g_assert_false (wk_value_table_contains (table, "b"));
  /* No reference is left behind. */
  g_assert_cmpuint (a->ref_count, ==, 1);

  g_assert_finalize_object (a);
  g_assert_false (wk_value_table_contains (table, "a"));

  g_assert_finalize_object (table);
}

/* /Wobj/ValueTable/remove */
static void
test_remove (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  Signals s;

  signals_init (&s, table, KEYS_STRING);
  wk_value_table_insert (table, "a", a);
  wk_value_table_insert (table, "b", b);

  g_assert_true (wk_value_table_remove (table, "a"));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
  assert_lookup (table, "a", NULL);
  assert_lookup (table, "b", b);
  assert_keys (table, "b");
  /* The value itself is untouched. */
  g_assert_cmpuint (a->ref_count, ==, 1);

  g_assert_false (wk_value_table_remove (table, "a"));
  g_assert_false (wk_value_table_remove (table, "missing"));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);

  /* A removed value's death says nothing. */
  g_assert_finalize_object (a);
  g_assert_cmpuint (s.n, ==, 0);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);

  g_assert_finalize_object (b);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_false (wk_value_table_remove (table, "b"));

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/pop */
static void
test_pop (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *popped;
  Signals s;

  signals_init (&s, table, KEYS_STRING);
  wk_value_table_insert (table, "a", a);

  popped = wk_value_table_pop (table, "a");
  g_assert_true (popped == a);
  g_assert_cmpuint (a->ref_count, ==, 2);
  g_object_unref (popped);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  assert_lookup (table, "a", NULL);

  g_assert_null (wk_value_table_pop (table, "a"));
  g_assert_null (wk_value_table_pop (table, "missing"));

  g_assert_finalize_object (a);
  g_assert_cmpuint (s.n, ==, 0);

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/remove-all */
static void
test_remove_all (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  GObject *c = test_object_new ();
  Signals s;

  signals_init (&s, table, KEYS_STRING);

  /* On an empty table. */
  wk_value_table_remove_all (table);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  wk_value_table_insert (table, "a", a);
  wk_value_table_insert (table, "b", b);
  wk_value_table_insert (table, "b2", b);

  wk_value_table_remove_all (table);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  assert_keys (table, "");
  assert_lookup (table, "a", NULL);
  assert_lookup (table, "b", NULL);
  g_assert_cmpuint (a->ref_count, ==, 1);
  g_assert_cmpuint (b->ref_count, ==, 1);
  g_assert_cmpuint (s.n, ==, 0);

  /* The table works on afterwards. */
  g_assert_true (wk_value_table_insert (table, "c", c));
  assert_keys (table, "c");

  /* The values that were cleared die silently. */
  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
  g_assert_cmpuint (s.n, ==, 0);

  g_assert_finalize_object (c);
  g_assert_cmpuint (s.n, ==, 1);

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/get-size */
static void
test_get_size (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  GObject *c = test_object_new ();
  GObject *popped;

  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  wk_value_table_insert (table, "a", a);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
  wk_value_table_insert (table, "b", b);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 2);
  wk_value_table_insert (table, "c", c);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 3);
  wk_value_table_insert (table, "c", a);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 3);
  wk_value_table_remove (table, "b");
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 2);
  popped = wk_value_table_pop (table, "c");
  g_object_unref (popped);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
  wk_value_table_insert (table, "b", b);
  wk_value_table_insert (table, "c", c);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 3);
  g_assert_finalize_object (b);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 2);
  g_assert_finalize_object (a);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
  g_assert_finalize_object (c);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
}

/* /Wobj/ValueTable/dup-snapshots */
static void
test_dup_snapshots (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *objects[4];
  const char *names[] = { "a", "b", "c", "d" };
  GObject *b2 = test_object_new ();
  GPtrArray *keys = NULL;
  GPtrArray *values = NULL;
  GObject *expected[4];
  const char *expected_keys[] = { "a", "c", "d", "b" };

  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    {
      objects[i] = test_object_new ();
      wk_value_table_insert (table, names[i], objects[i]);
    }

  /* Empty snapshots of an empty table are not NULL. */
  {
    WkValueTable *empty = wk_value_table_new ();
    GPtrArray *empty_keys = wk_value_table_dup_keys (empty);
    GPtrArray *empty_values = wk_value_table_dup_values (empty);

    g_assert_nonnull (empty_keys);
    g_assert_nonnull (empty_values);
    g_assert_cmpuint (empty_keys->len, ==, 0);
    g_assert_cmpuint (empty_values->len, ==, 0);
    g_ptr_array_unref (empty_keys);
    g_ptr_array_unref (empty_values);
    g_assert_finalize_object (empty);
  }

  /* "b" dies and comes back with a new value: a new insertion, at the
   * end. Only live entries appear. */
  g_assert_finalize_object (objects[1]);
  objects[1] = NULL;
  assert_keys (table, "a,c,d");
  wk_value_table_insert (table, "b", b2);

  expected[0] = objects[0];
  expected[1] = objects[2];
  expected[2] = objects[3];
  expected[3] = b2;

  keys = wk_value_table_dup_keys (table);
  g_assert_cmpuint (keys->len, ==, 4);
  for (guint i = 0; i < keys->len; i++)
    g_assert_cmpstr (g_ptr_array_index (keys, i), ==, expected_keys[i]);
  g_ptr_array_unref (keys);

  values = wk_value_table_dup_values (table);
  g_assert_cmpuint (values->len, ==, 4);
  for (guint i = 0; i < values->len; i++)
    {
      g_assert_true (g_ptr_array_index (values, i) == (gpointer) expected[i]);
      /* The array holds its own reference. */
      g_assert_cmpuint (expected[i]->ref_count, ==, 2);
    }
  g_ptr_array_unref (values);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (expected[i]->ref_count, ==, 1);

  /* Keys and values aligned. */
  keys = values = NULL;
  wk_value_table_dup_entries (table, &keys, &values);
  g_assert_cmpuint (keys->len, ==, 4);
  g_assert_cmpuint (values->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      GObject *found = wk_value_table_lookup (table, g_ptr_array_index (keys, i));

      g_assert_cmpstr (g_ptr_array_index (keys, i), ==, expected_keys[i]);
      g_assert_true (g_ptr_array_index (values, i) == (gpointer) expected[i]);
      g_assert_true ((gpointer) found == g_ptr_array_index (values, i));
      g_object_unref (found);
    }
  g_ptr_array_unref (keys);
  g_ptr_array_unref (values);

  /* Either output may be left out. */
  keys = NULL;
  wk_value_table_dup_entries (table, &keys, NULL);
  g_assert_cmpuint (keys->len, ==, 4);
  g_ptr_array_unref (keys);
  values = NULL;
  wk_value_table_dup_entries (table, NULL, &values);
  g_assert_cmpuint (values->len, ==, 4);
  g_ptr_array_unref (values);
  wk_value_table_dup_entries (table, NULL, NULL);

  /* Removed ones are gone from the snapshots too. */
  wk_value_table_remove (table, "c");
  assert_keys (table, "a,d,b");

  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (expected[i]->ref_count, ==, 1);
  g_assert_finalize_object (objects[0]);
  g_assert_finalize_object (objects[2]);
  g_assert_finalize_object (objects[3]);
  g_assert_finalize_object (b2);
  g_assert_finalize_object (table);
}

/* /Wobj/ValueTable/dup-snapshot-keeps-values */
static void
test_dup_snapshot_keeps_values (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *objects[3];
  GObject *weak[3];
  const char *names[] = { "a", "b", "c" };
  GPtrArray *values;
  GPtrArray *entry_values = NULL;
  GPtrArray *entry_keys = NULL;
  Signals s;

  signals_init (&s, table, KEYS_STRING);
  for (guint i = 0; i < 3; i++)
    {
      objects[i] = test_object_new ();
      weak[i] = objects[i];
      g_object_add_weak_pointer (objects[i], (gpointer *) &weak[i]);
      wk_value_table_insert (table, names[i], objects[i]);
    }

  values = wk_value_table_dup_values (table);
  wk_value_table_dup_entries (table, &entry_keys, &entry_values);

  /* The test's references go: the snapshots keep the values alive, and so
   * the table still has them. */
  for (guint i = 0; i < 3; i++)
    g_object_unref (objects[i]);
  for (guint i = 0; i < 3; i++)
    g_assert_nonnull (weak[i]);
  g_assert_cmpuint (s.n, ==, 0);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 3);
  assert_keys (table, "a,b,c");

  g_ptr_array_unref (values);
  for (guint i = 0; i < 3; i++)
    g_assert_nonnull (weak[i]);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 3);

  /* The keys snapshot outlives the table's entries. */
  g_ptr_array_unref (entry_values);
  for (guint i = 0; i < 3; i++)
    g_assert_null (weak[i]);
  g_assert_cmpuint (s.n, ==, 3);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  g_assert_cmpuint (entry_keys->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (g_ptr_array_index (entry_keys, i), ==, names[i]);
  g_ptr_array_unref (entry_keys);

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/foreach */
typedef struct
{
  WkValueTable *table;
  GString      *seen;
  GPtrArray    *objects;    /* what the callback got, not owned */
  guint         step;
  /* What the callback does at step `at`. */
  guint         at;
  gpointer      drop;       /* (transfer full) an object to unref */
  gboolean      clear;      /* remove_all */
  WkValueTable *unref_table;
} Walk;

static void
walk_init (Walk         *walk,
           WkValueTable *table)
{
  memset (walk, 0, sizeof *walk);
  walk->table = table;
  walk->seen = g_string_new (NULL);
  walk->objects = g_ptr_array_new ();
  walk->at = G_MAXUINT;
}

static void
walk_clear (Walk *walk)
{
  g_string_free (walk->seen, TRUE);
  g_ptr_array_unref (walk->objects);
}

/* One step of a walk: checks the entry, records it, then does what the
 * walk asks at this step. */
static void
walk_step (Walk          *walk,
           gconstpointer  key,
           gpointer       object)
{
  g_assert_nonnull (key);
  g_assert_true (G_IS_OBJECT (object));
  /* Alive and not dying: held for the step. */
  g_assert_cmpint (wk_test_object_is_disposed (WK_TEST_OBJECT (object)), ==, 0);
  g_assert_cmpuint (G_OBJECT (object)->ref_count, >=, 2);

  if (walk->seen->len > 0)
    g_string_append_c (walk->seen, ',');
  g_string_append (walk->seen, key);
  g_ptr_array_add (walk->objects, object);

  if (walk->step++ == walk->at)
    {
      if (walk->drop != NULL)
        g_object_unref (g_steal_pointer (&walk->drop));
      if (walk->clear)
        wk_value_table_remove_all (walk->table);
      if (walk->unref_table != NULL)
        g_object_unref (g_steal_pointer (&walk->unref_table));
    }
}

static void
walk_foreach_cb (gconstpointer key,
                 gpointer      object,
                 gpointer      user_data)
{
  Walk *walk = user_data;

  walk_step (walk, key, object);
}

/* Makes a table with keys a, b, c, d (values in @objects). */
static WkValueTable *
make_abcd (GObject **objects)
{
  WkValueTable *table = wk_value_table_new ();
  const char *names[] = { "a", "b", "c", "d" };

  for (guint i = 0; i < 4; i++)
    {
      objects[i] = test_object_new ();
      wk_value_table_insert (table, names[i], objects[i]);
    }

  return table;
}

static void
test_foreach (void)
{
  GObject *objects[4];
  WkValueTable *table = make_abcd (objects);
  WkValueTable *empty = wk_value_table_new ();
  Walk walk;

  walk_init (&walk, table);
  wk_value_table_foreach (table, walk_foreach_cb, &walk);
  g_assert_cmpstr (walk.seen->str, ==, "a,b,c,d");
  for (guint i = 0; i < 4; i++)
    {
      g_assert_true (g_ptr_array_index (walk.objects, i) == (gpointer) objects[i]);
      g_assert_cmpuint (objects[i]->ref_count, ==, 1);
    }
  walk_clear (&walk);

  walk_init (&walk, empty);
  wk_value_table_foreach (empty, walk_foreach_cb, &walk);
  g_assert_cmpuint (walk.step, ==, 0);
  walk_clear (&walk);

  for (guint i = 0; i < 4; i++)
    g_assert_finalize_object (objects[i]);
  g_assert_finalize_object (table);
  g_assert_finalize_object (empty);
}

/* /Wobj/ValueTable/foreach-member-dies */
static void
test_foreach_member_dies (void)
{
  GObject *objects[4];
  WkValueTable *table = make_abcd (objects);
  GObject *c_weak = objects[2];
  Signals s;
  Walk walk;

  signals_init (&s, table, KEYS_STRING);
  g_object_add_weak_pointer (objects[2], (gpointer *) &c_weak);

  /* At "a", the last reference to "c"'s value goes: "c" is skipped. */
  walk_init (&walk, table);
  walk.at = 0;
  walk.drop = g_steal_pointer (&objects[2]);
  wk_value_table_foreach (table, walk_foreach_cb, &walk);
  g_assert_null (c_weak);
  g_assert_cmpstr (walk.seen->str, ==, "a,b,d");
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (s.strings, 0), ==, "c");
  assert_keys (table, "a,b,d");
  walk_clear (&walk);

  g_assert_finalize_object (objects[0]);
  g_assert_finalize_object (objects[1]);
  g_assert_finalize_object (objects[3]);
  g_assert_cmpuint (s.n, ==, 4);
  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/foreach-modifies */
static void
test_foreach_modifies (void)
{
  GObject *objects[4];
  WkValueTable *table = make_abcd (objects);
  Walk walk;

  /* The callback clears the table at "a": no crash, nothing dead is
   * handed out, and the table ends empty. */
  walk_init (&walk, table);
  walk.at = 0;
  walk.clear = TRUE;
  wk_value_table_foreach (table, walk_foreach_cb, &walk);
  g_assert_cmpuint (walk.step, >=, 1);
  g_assert_true (g_str_has_prefix (walk.seen->str, "a"));
  g_test_message ("walk after remove_all at the first step: %s", walk.seen->str);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  walk_clear (&walk);

  /* The callback drops the table's last reference at "b". */
  {
    const char *names[] = { "a", "b", "c", "d" };
    WkValueTable *table_weak = table;

    for (guint i = 0; i < 4; i++)
      wk_value_table_insert (table, names[i], objects[i]);

    g_object_add_weak_pointer (G_OBJECT (table), (gpointer *) &table_weak);
    walk_init (&walk, table);
    walk.at = 1;
    walk.unref_table = g_steal_pointer (&table);
    wk_value_table_foreach (walk.table, walk_foreach_cb, &walk);
    g_assert_null (table_weak);
    g_assert_true (g_str_has_prefix (walk.seen->str, "a,b"));
    g_test_message ("walk after the table was dropped at the second step: %s", walk.seen->str);
    walk_clear (&walk);
  }

  for (guint i = 0; i < 4; i++)
    g_assert_finalize_object (objects[i]);
}

/* /Wobj/ValueTable/iter */
static void
test_iter (void)
{
  GObject *objects[4];
  WkValueTable *table = make_abcd (objects);
  WkValueTable *empty = wk_value_table_new ();
  WkValueTableIter iter;
  gconstpointer key;
  gpointer object;
  Walk walk;
  guint n = 0;

  walk_init (&walk, table);
  wk_value_table_iter_init (&iter, table);
  while (wk_value_table_iter_next (&iter, &key, &object))
    walk_step (&walk, key, object);
  g_assert_cmpstr (walk.seen->str, ==, "a,b,c,d");
  for (guint i = 0; i < 4; i++)
    g_assert_true (g_ptr_array_index (walk.objects, i) == (gpointer) objects[i]);
  walk_clear (&walk);

  /* At the end it stays at the end, and clearing it is harmless. */
  g_assert_false (wk_value_table_iter_next (&iter, &key, &object));
  wk_value_table_iter_clear (&iter);
  wk_value_table_iter_clear (&iter);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (objects[i]->ref_count, ==, 1);

  /* Both outputs are optional. */
  wk_value_table_iter_init (&iter, table);
  while (wk_value_table_iter_next (&iter, NULL, NULL))
    n++;
  g_assert_cmpuint (n, ==, 4);

  wk_value_table_iter_init (&iter, empty);
  g_assert_false (wk_value_table_iter_next (&iter, &key, &object));

  for (guint i = 0; i < 4; i++)
    g_assert_finalize_object (objects[i]);
  g_assert_finalize_object (table);
  g_assert_finalize_object (empty);
}

/* /Wobj/ValueTable/iter-early-clear */
static void
test_iter_early_clear (void)
{
  GObject *objects[4];
  WkValueTable *table = make_abcd (objects);
  GObject *a_weak = objects[0];
  WkValueTableIter iter;
  gconstpointer key;
  gpointer object;
  Signals s;

  signals_init (&s, table, KEYS_STRING);
  g_object_add_weak_pointer (objects[0], (gpointer *) &a_weak);

  wk_value_table_iter_init (&iter, table);
  g_assert_true (wk_value_table_iter_next (&iter, &key, &object));
  g_assert_cmpstr (key, ==, "a");
  g_assert_true (object == (gpointer) objects[0]);

  /* The iterator holds the current value until the next step. */
  g_object_unref (g_steal_pointer (&objects[0]));
  g_assert_nonnull (a_weak);
  g_assert_cmpuint (s.n, ==, 0);
  g_assert_cmpstr (key, ==, "a");

  wk_value_table_iter_clear (&iter);
  g_assert_null (a_weak);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (s.strings, 0), ==, "a");
  wk_value_table_iter_clear (&iter);

  for (guint i = 1; i < 4; i++)
    g_assert_cmpuint (objects[i]->ref_count, ==, 1);
  for (guint i = 1; i < 4; i++)
    g_assert_finalize_object (objects[i]);
  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/iter-auto */
static void
test_iter_auto (void)
{
  GObject *objects[4];
  WkValueTable *table = make_abcd (objects);
  GObject *b_weak = objects[1];
  Signals s;

  signals_init (&s, table, KEYS_STRING);
  g_object_add_weak_pointer (objects[1], (gpointer *) &b_weak);

  {
    g_auto(WkValueTableIter) iter = { 0 };
    gconstpointer key;
    gpointer object;

    wk_value_table_iter_init (&iter, table);
    g_assert_true (wk_value_table_iter_next (&iter, &key, &object));
    g_assert_true (wk_value_table_iter_next (&iter, &key, &object));
    g_assert_cmpstr (key, ==, "b");
    g_object_unref (g_steal_pointer (&objects[1]));
    g_assert_nonnull (b_weak);
  }
  /* Leaving the scope cleared it. */
  g_assert_null (b_weak);
  g_assert_cmpuint (s.n, ==, 1);

  /* A g_auto iterator that never started is fine too. */
  {
    g_auto(WkValueTableIter) unused = { 0 };

    (void) unused;
  }

  g_assert_finalize_object (objects[0]);
  g_assert_finalize_object (objects[2]);
  g_assert_finalize_object (objects[3]);
  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/iter-member-dies */
static void
test_iter_member_dies (void)
{
  GObject *objects[4];
  WkValueTable *table = make_abcd (objects);
  GObject *c_weak = objects[2];
  GObject *d_weak = objects[3];
  WkValueTableIter iter;
  gconstpointer key;
  gpointer object;
  Walk walk;
  Signals s;

  signals_init (&s, table, KEYS_STRING);
  g_object_add_weak_pointer (objects[2], (gpointer *) &c_weak);
  g_object_add_weak_pointer (objects[3], (gpointer *) &d_weak);

  walk_init (&walk, table);
  wk_value_table_iter_init (&iter, table);
  while (wk_value_table_iter_next (&iter, &key, &object))
    {
      walk_step (&walk, key, object);
      /* At "a": "c" dies here, "d" dies on another thread. */
      if (walk.step == 1)
        {
          g_object_unref (g_steal_pointer (&objects[2]));
          wk_test_unref_in_thread (g_steal_pointer (&objects[3]));
        }
    }
  g_assert_null (c_weak);
  g_assert_null (d_weak);
  g_assert_cmpstr (walk.seen->str, ==, "a,b");
  g_assert_cmpuint (s.n, ==, 1);
  walk_clear (&walk);

  wait_for_signals (NULL, &s, 2);
  g_assert_cmpuint (signals_count_string (&s, "c"), ==, 1);
  g_assert_cmpuint (signals_count_string (&s, "d"), ==, 1);

  g_assert_finalize_object (objects[0]);
  g_assert_finalize_object (objects[1]);
  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/iter-table-cleared */
static void
test_iter_table_cleared (void)
{
  GObject *objects[4];
  WkValueTable *table = make_abcd (objects);
  WkValueTable *table_weak = table;
  WkValueTableIter iter;
  gconstpointer key;
  gpointer object;
  Walk walk;

  /* Cleared at "a". */
  walk_init (&walk, table);
  wk_value_table_iter_init (&iter, table);
  while (wk_value_table_iter_next (&iter, &key, &object))
    {
      walk_step (&walk, key, object);
      if (walk.step == 1)
        wk_value_table_remove_all (table);
    }
  g_assert_true (g_str_has_prefix (walk.seen->str, "a"));
  g_test_message ("iteration after remove_all at the first step: %s", walk.seen->str);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  walk_clear (&walk);

  /* Destroyed at "b": the iterator outlives the table. */
  {
    const char *names[] = { "a", "b", "c", "d" };

    for (guint i = 0; i < 4; i++)
      wk_value_table_insert (table, names[i], objects[i]);
  }
  g_object_add_weak_pointer (G_OBJECT (table), (gpointer *) &table_weak);
  walk_init (&walk, table);
  wk_value_table_iter_init (&iter, table);
  while (wk_value_table_iter_next (&iter, &key, &object))
    {
      walk_step (&walk, key, object);
      if (walk.step == 2)
        g_object_unref (g_steal_pointer (&table));
    }
  g_assert_null (table_weak);
  g_assert_true (g_str_has_prefix (walk.seen->str, "a,b"));
  g_test_message ("iteration after the table was destroyed at the second step: %s",
                  walk.seen->str);
  walk_clear (&walk);

  for (guint i = 0; i < 4; i++)
    g_assert_finalize_object (objects[i]);
}

/* /Wobj/ValueTable/exact-removal */
typedef struct
{
  WkValueTable *table;
  guint         n;
  guint         size_seen;
  gboolean      contains_seen;
  gpointer      lookup_seen;
  char         *keys_seen;
} Exact;

static void
exact_cb (WkValueTable *table,
          const GValue *key,
          gpointer      user_data)
{
  Exact *exact = user_data;

  g_assert_cmpstr (g_value_get_string (key), ==, "b");
  exact->n++;
  exact->size_seen = wk_value_table_get_size (table);
  exact->contains_seen = wk_value_table_contains (table, "b");
  exact->lookup_seen = wk_value_table_lookup (table, "b");
  exact->keys_seen = dup_keys_joined (table);
}

static void
test_exact_removal (void)
{
  GObject *objects[4];
  WkValueTable *table = make_abcd (objects);
  Exact exact = { table, 0, 0, FALSE, NULL, NULL };

  g_signal_connect (table, "object-finalized", G_CALLBACK (exact_cb), &exact);

  /* The entry is gone when the signal runs, synchronously, inside the
   * last unref. */
  g_object_unref (g_steal_pointer (&objects[1]));
  g_assert_cmpuint (exact.n, ==, 1);
  g_assert_cmpuint (exact.size_seen, ==, 3);
  g_assert_false (exact.contains_seen);
  g_assert_null (exact.lookup_seen);
  g_assert_cmpstr (exact.keys_seen, ==, "a,c,d");
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 3);
  assert_keys (table, "a,c,d");

  g_clear_pointer (&exact.keys_seen, g_free);
  g_signal_handlers_disconnect_by_func (table, exact_cb, &exact);

  g_assert_finalize_object (objects[0]);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 2);
  g_assert_finalize_object (objects[2]);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
  g_assert_finalize_object (objects[3]);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  g_assert_finalize_object (table);
}

/* /Wobj/ValueTable/no-strong-reference */
static void
test_no_strong_reference (void)
{
  WkValueTable *table = wk_value_table_new ();
  WkValueTable *other = wk_value_table_new_full (NULL, NULL, NULL, NULL);
  GObject *a = test_object_new ();
  Factory factory = { 0 };
  GObject *found;
  GPtrArray *values;
  WkValueTableIter iter;
  Signals s;

  signals_init (&s, table, KEYS_STRING);

  g_assert_cmpuint (a->ref_count, ==, 1);
  wk_value_table_insert (table, "a", a);
  wk_value_table_insert (table, "a2", a);
  wk_value_table_insert (other, GINT_TO_POINTER (1), a);
  g_assert_cmpuint (a->ref_count, ==, 1);

  found = wk_value_table_lookup (table, "a");
  g_object_unref (found);
  g_assert_cmpuint (a->ref_count, ==, 1);

  found = wk_value_table_lookup_or_insert (table, "a", factory_cb, &factory);
  g_object_unref (found);
  g_assert_cmpuint (a->ref_count, ==, 1);

  g_assert_true (wk_value_table_contains (table, "a"));
  g_assert_cmpuint (a->ref_count, ==, 1);

  values = wk_value_table_dup_values (table);
  g_ptr_array_unref (values);
  g_assert_cmpuint (a->ref_count, ==, 1);

  wk_value_table_iter_init (&iter, table);
  while (wk_value_table_iter_next (&iter, NULL, NULL))
    {
    }
  g_assert_cmpuint (a->ref_count, ==, 1);

  /* So the object finalizes normally while it is in two tables. */
  g_assert_finalize_object (a);
  g_assert_cmpuint (s.n, ==, 2);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  g_assert_cmpuint (wk_value_table_get_size (other), ==, 0);
  g_assert_cmpint (factory.n_calls, ==, 0);

  g_assert_finalize_object (table);
  g_assert_finalize_object (other);
  signals_clear (&s);
  factory_clear (&factory);
}

/* /Wobj/ValueTable/lookup-in-dispose */
static void
test_lookup_in_dispose (void)
{
  WkValueTable *table = wk_value_table_new ();
  TestSelfLookup *dying = g_object_new (TEST_TYPE_SELF_LOOKUP, NULL);
  TestSelfLookup *dying_in_thread = g_object_new (TEST_TYPE_SELF_LOOKUP, NULL);
  SelfLookup result = { 0 };
  SelfLookup result_in_thread = { 0 };
  Signals s;

  signals_init (&s, table, KEYS_STRING);

  result.table = table;
  result.key = "self";
  dying->result = &result;
  wk_value_table_insert (table, "self", dying);

  /* The dying object asks for its own key: never itself. */
  g_assert_finalize_object (dying);
  g_assert_true (result.ran);
  g_assert_null (result.found_before);
  g_assert_false (result.contains_before);
  g_assert_null (result.found_after);
  g_assert_false (result.contains_after);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  /* The same when it dies on another thread. */
  result_in_thread.table = table;
  result_in_thread.key = "self";
  dying_in_thread->result = &result_in_thread;
  wk_value_table_insert (table, "self", dying_in_thread);
  wk_test_unref_in_thread (g_steal_pointer (&dying_in_thread));
  g_assert_true (result_in_thread.ran);
  g_assert_null (result_in_thread.found_before);
  g_assert_false (result_in_thread.contains_before);
  g_assert_null (result_in_thread.found_after);
  g_assert_false (result_in_thread.contains_after);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  wait_for_signals (NULL, &s, 2);

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/replaced-value-dies */
static void
test_replaced_value_dies (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  GObject *c = test_object_new ();
  GObject *d = test_object_new ();
  GObject *c_weak = c;
  Signals s;

  signals_init (&s, table, KEYS_STRING);

  /* On the owner's thread. */
  wk_value_table_insert (table, "k", a);
  wk_value_table_insert (table, "k", b);
  g_assert_finalize_object (a);
  g_assert_cmpuint (s.n, ==, 0);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
  assert_lookup (table, "k", b);

  /* On another thread. */
  wk_value_table_insert (table, "j", c);
  wk_value_table_insert (table, "j", d);
  g_object_add_weak_pointer (c, (gpointer *) &c_weak);
  wk_test_unref_in_thread (g_steal_pointer (&c));
  g_assert_null (c_weak);
  wk_test_drain_context (NULL);
  g_assert_cmpuint (s.n, ==, 0);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 2);
  assert_lookup (table, "j", d);

  g_assert_finalize_object (b);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_finalize_object (d);
  g_assert_cmpuint (s.n, ==, 2);
  g_assert_cmpuint (signals_count_string (&s, "k"), ==, 1);
  g_assert_cmpuint (signals_count_string (&s, "j"), ==, 1);

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/same-object-several-keys */
static void
test_same_object_several_keys (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  GObject *b_weak = b;
  const char *names[] = { "k1", "k2", "k3" };
  Signals s;

  signals_init (&s, table, KEYS_STRING);

  for (guint i = 0; i < 3; i++)
    g_assert_true (wk_value_table_insert (table, names[i], a));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 3);

  g_assert_finalize_object (a);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  g_assert_cmpuint (s.n, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (signals_count_string (&s, names[i]), ==, 1);

  /* The same, dying on another thread. */
  for (guint i = 0; i < 3; i++)
    wk_value_table_insert (table, names[i], b);
  g_object_add_weak_pointer (b, (gpointer *) &b_weak);
  wk_test_unref_in_thread (g_steal_pointer (&b));
  g_assert_null (b_weak);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  wait_for_signals (NULL, &s, 6);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (signals_count_string (&s, names[i]), ==, 2);

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* Re-entrant handlers */

typedef enum
{
  ACTION_INSERT,
  ACTION_REMOVE,
  ACTION_REMOVE_ALL,
  ACTION_UNREF_TABLE,
  ACTION_DISPOSE_TABLE,
} Action;

typedef struct
{
  Action        action;
  WkValueTable *table;      /* ACTION_UNREF_TABLE: the test's reference */
  gint          n;
  gpointer      inserted;   /* ACTION_INSERT: owned */
  gboolean      removed;
  char         *keys_after; /* the keys right after the action */
} Reentrant;

static void
reentrant_cb (WkValueTable *table,
              const GValue *key,
              gpointer      user_data)
{
  Reentrant *r = user_data;

  if (r->n++ > 0)
    return;

  switch (r->action)
    {
    case ACTION_INSERT:
      r->inserted = test_object_new ();
      g_assert_true (wk_value_table_insert (table, g_value_get_string (key), r->inserted));
      g_assert_true (wk_value_table_insert (table, "new", r->inserted));
      break;
    case ACTION_REMOVE:
      r->removed = wk_value_table_remove (table, "b");
      break;
    case ACTION_REMOVE_ALL:
      wk_value_table_remove_all (table);
      break;
    case ACTION_UNREF_TABLE:
      g_object_unref (g_steal_pointer (&r->table));
      return;
    case ACTION_DISPOSE_TABLE:
      g_object_run_dispose (G_OBJECT (table));
      break;
    default:
      g_assert_not_reached ();
    }

  r->keys_after = dup_keys_joined (table);
}

/* /Wobj/ValueTable/reentrant-insert */
static void
test_reentrant_insert (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  Reentrant r = { ACTION_INSERT, NULL, 0, NULL, FALSE, NULL };

  wk_value_table_insert (table, "a", a);
  g_signal_connect (table, "object-finalized", G_CALLBACK (reentrant_cb), &r);

  g_assert_finalize_object (a);
  g_assert_cmpuint (r.n, ==, 1);
  g_assert_nonnull (r.inserted);
  g_assert_cmpstr (r.keys_after, ==, "a,new");
  assert_keys (table, "a,new");
  assert_lookup (table, "a", r.inserted);
  assert_lookup (table, "new", r.inserted);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 2);

  /* The new value is a member like any other. */
  g_assert_finalize_object (r.inserted);
  g_assert_cmpuint (r.n, ==, 3);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  g_free (r.keys_after);
  g_assert_finalize_object (table);
}

/* /Wobj/ValueTable/reentrant-remove */
static void
test_reentrant_remove (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  Reentrant r = { ACTION_REMOVE, NULL, 0, NULL, FALSE, NULL };

  wk_value_table_insert (table, "a", a);
  wk_value_table_insert (table, "b", b);
  g_signal_connect (table, "object-finalized", G_CALLBACK (reentrant_cb), &r);

  g_assert_finalize_object (a);
  g_assert_cmpuint (r.n, ==, 1);
  g_assert_true (r.removed);
  g_assert_cmpstr (r.keys_after, ==, "");
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  g_assert_cmpuint (b->ref_count, ==, 1);

  /* The removed value dies silently. */
  g_assert_finalize_object (b);
  g_assert_cmpuint (r.n, ==, 1);

  g_free (r.keys_after);
  g_assert_finalize_object (table);
}

/* /Wobj/ValueTable/reentrant-remove-all */
static void
test_reentrant_remove_all (void)
{
  for (guint cross_thread = 2; cross_thread-- > 0;)
    {
      WkValueTable *table = wk_value_table_new ();
      GObject *a = test_object_new ();
      GObject *a_weak = a;
      GObject *d = test_object_new ();
      Reentrant r = { ACTION_REMOVE_ALL, NULL, 0, NULL, FALSE, NULL };
      Signals s;

      wk_value_table_insert (table, "a1", a);
      wk_value_table_insert (table, "d", d);
      wk_value_table_insert (table, "a2", a);
      wk_value_table_insert (table, "a3", a);
      g_signal_connect (table, "object-finalized", G_CALLBACK (reentrant_cb), &r);
      signals_init (&s, table, KEYS_STRING);

      /* The first of a's three signals clears the table: the other two
       * still come, once each, as they do for any value held under several
       * keys, and d's entry goes silently. First for a value finalized on
       * another thread, then on the table's own thread. */
      g_object_add_weak_pointer (a, (gpointer *) &a_weak);
      if (cross_thread)
        {
          wk_test_unref_in_thread (g_steal_pointer (&a));
          wait_for_signals (NULL, &s, 3);
        }
      else
        {
          g_object_unref (g_steal_pointer (&a));
        }
      g_assert_null (a_weak);
      g_assert_cmpstr (r.keys_after, ==, "");
      g_test_message ("%s: %u signals for the three keys of the value",
                      cross_thread ? "finalized on another thread" : "finalized on the owner's thread",
                      s.n);
      g_assert_cmpuint (s.n, ==, 3);
      g_assert_cmpuint (r.n, ==, 3);
      g_assert_cmpuint (signals_count_string (&s, "a1"), ==, 1);
      g_assert_cmpuint (signals_count_string (&s, "a2"), ==, 1);
      g_assert_cmpuint (signals_count_string (&s, "a3"), ==, 1);
      g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

      g_assert_finalize_object (d);
      wk_test_drain_context (NULL);
      g_assert_cmpuint (s.n, ==, 3);

      g_free (r.keys_after);
      g_assert_finalize_object (table);
      signals_clear (&s);
    }
}

/* /Wobj/ValueTable/reentrant-unref-table */
static void
test_reentrant_unref_table (void)
{
  WkValueTable *table = wk_value_table_new ();
  WkValueTable *table_weak = table;
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  GObject *c = test_object_new ();
  GObject *c_weak = c;
  Reentrant r = { ACTION_UNREF_TABLE, table, 0, NULL, FALSE, NULL };

  /* The handler drops the table's last reference at the first of a's
   * three signals. */
  wk_value_table_insert (table, "a1", a);
  wk_value_table_insert (table, "b", b);
  wk_value_table_insert (table, "a2", a);
  wk_value_table_insert (table, "a3", a);
  g_signal_connect (table, "object-finalized", G_CALLBACK (reentrant_cb), &r);
  g_object_add_weak_pointer (G_OBJECT (table), (gpointer *) &table_weak);

  g_assert_finalize_object (a);
  g_assert_null (r.table);
  g_assert_null (table_weak);
  g_assert_cmpuint (r.n, >=, 1);
  g_assert_cmpuint (r.n, <=, 3);
  g_test_message ("signals emitted after the handler dropped the table: %d of 3", r.n);

  /* Nothing is left to reach the table. */
  g_assert_finalize_object (b);

  /* The same for a pending death from another thread. */
  table = table_weak = wk_value_table_new ();
  r = (Reentrant) { ACTION_UNREF_TABLE, table, 0, NULL, FALSE, NULL };
  wk_value_table_insert (table, "c", c);
  g_signal_connect (table, "object-finalized", G_CALLBACK (reentrant_cb), &r);
  g_object_add_weak_pointer (G_OBJECT (table), (gpointer *) &table_weak);
  g_object_add_weak_pointer (c, (gpointer *) &c_weak);
  wk_test_unref_in_thread (g_steal_pointer (&c));
  g_assert_null (c_weak);
  wk_test_iterate_until (NULL, &r.n, 1);
  g_assert_cmpint (r.n, ==, 1);
  g_assert_null (table_weak);
  wk_test_drain_context (NULL);
  g_assert_cmpuint (r.n, ==, 1);
}

/* /Wobj/ValueTable/reentrant-dispose-table */
static void
test_reentrant_dispose_table (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  Reentrant r = { ACTION_DISPOSE_TABLE, NULL, 0, NULL, FALSE, NULL };

  wk_value_table_insert (table, "a1", a);
  wk_value_table_insert (table, "b", b);
  wk_value_table_insert (table, "a2", a);
  g_signal_connect (table, "object-finalized", G_CALLBACK (reentrant_cb), &r);

  /* A handler that disposes the table: it says nothing more. */
  g_assert_finalize_object (a);
  g_assert_cmpuint (r.n, ==, 1);
  g_assert_cmpstr (r.keys_after, ==, "");
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  g_assert_finalize_object (b);
  g_assert_cmpuint (r.n, ==, 1);

  g_free (r.keys_after);
  g_assert_finalize_object (table);
}

/* /Wobj/ValueTable/table-destroyed-first */
static void
test_table_destroyed_first (void)
{
  WkValueTable *table = wk_value_table_new ();
  WkValueTable *full = wk_value_table_new_full (g_str_hash, g_str_equal,
                                                (GBoxedCopyFunc) g_strdup, g_free);
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  GObject *c = test_object_new ();
  GObject *pending = test_object_new ();
  GObject *pending_weak = pending;
  Signals s;
  Signals s_full;

  signals_init (&s, table, KEYS_STRING);
  signals_init (&s_full, full, KEYS_POINTER_STRING);

  for (guint i = 0; i < 2; i++)
    {
      WkValueTable *t = i == 0 ? table : full;

      wk_value_table_insert (t, "a", a);
      wk_value_table_insert (t, "b", b);
      wk_value_table_insert (t, "c", c);
      wk_value_table_insert (t, "pending", pending);
    }

  /* One value's death is still on its way from another thread when the
   * tables go. */
  g_object_add_weak_pointer (pending, (gpointer *) &pending_weak);
  wk_test_unref_in_thread (g_steal_pointer (&pending));
  g_assert_null (pending_weak);

  g_assert_finalize_object (table);
  g_assert_finalize_object (full);
  g_assert_cmpuint (s.n, ==, 0);
  g_assert_cmpuint (s_full.n, ==, 0);

  /* The values die afterwards, here and elsewhere: nothing freed is
   * touched (valgrind checks), nothing is emitted. */
  g_assert_finalize_object (a);
  wk_test_unref_in_thread (g_steal_pointer (&b));
  wk_test_drain_context (NULL);
  g_object_run_dispose (c);
  g_assert_finalize_object (c);
  wk_test_drain_context (NULL);
  g_assert_cmpuint (s.n, ==, 0);
  g_assert_cmpuint (s_full.n, ==, 0);

  signals_clear (&s);
  signals_clear (&s_full);
}

/* /Wobj/ValueTable/dispose-table */
static void
test_dispose_table (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();

  wk_value_table_insert (table, "a", a);

  /* Idempotent: twice is fine, and the disposed table stays empty. */
  g_object_run_dispose (G_OBJECT (table));
  g_object_run_dispose (G_OBJECT (table));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  assert_lookup (table, "a", NULL);
  wk_value_table_insert (table, "b", b);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  assert_keys (table, "");
  g_assert_cmpuint (a->ref_count, ==, 1);
  g_assert_cmpuint (b->ref_count, ==, 1);

  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
  g_assert_finalize_object (table);
}

/* /Wobj/ValueTable/run-dispose-value */
static void
test_run_dispose_value (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  Signals s;

  signals_init (&s, table, KEYS_STRING);
  wk_value_table_insert (table, "a", a);
  wk_value_table_insert (table, "a2", a);

  /* g_object_run_dispose() counts as its death. */
  g_object_run_dispose (a);
  g_assert_cmpuint (s.n, ==, 2);
  g_assert_cmpuint (signals_count_string (&s, "a"), ==, 1);
  g_assert_cmpuint (signals_count_string (&s, "a2"), ==, 1);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  assert_lookup (table, "a", NULL);
  g_assert_cmpuint (a->ref_count, ==, 1);

  /* The object lives on and can be a value again. */
  g_assert_true (wk_value_table_insert (table, "a", a));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
  assert_lookup (table, "a", a);

  g_assert_finalize_object (a);
  g_assert_cmpuint (s.n, ==, 3);
  g_assert_cmpuint (signals_count_string (&s, "a"), ==, 2);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/floating */
static gpointer
floating_factory_cb (gconstpointer key,
                     gpointer      user_data)
{
  g_assert_not_reached ();
  return NULL;
}

static void
floating_foreach_cb (gconstpointer key,
                     gpointer      object,
                     gpointer      user_data)
{
  g_assert_true (g_object_is_floating (object));
}

static void
test_floating (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *floating = g_object_new (WK_TEST_TYPE_FLOATING, NULL);
  GObject *found;
  GPtrArray *values;
  Signals s;

  signals_init (&s, table, KEYS_STRING);
  g_assert_true (g_object_is_floating (floating));

  g_assert_true (wk_value_table_insert (table, "f", floating));
  g_assert_true (g_object_is_floating (floating));
  g_assert_cmpuint (floating->ref_count, ==, 1);

  found = wk_value_table_lookup (table, "f");
  g_assert_true (found == floating);
  g_object_unref (found);
  g_assert_true (g_object_is_floating (floating));

  found = wk_value_table_lookup_or_insert (table, "f", floating_factory_cb, NULL);
  g_assert_true (found == floating);
  g_object_unref (found);
  g_assert_true (g_object_is_floating (floating));

  g_assert_true (wk_value_table_contains (table, "f"));
  values = wk_value_table_dup_values (table);
  g_ptr_array_unref (values);
  wk_value_table_foreach (table, floating_foreach_cb, NULL);
  g_assert_true (g_object_is_floating (floating));
  g_assert_cmpuint (floating->ref_count, ==, 1);
  g_assert_cmpuint (s.n, ==, 0);

  g_object_ref_sink (floating);
  g_assert_false (g_object_is_floating (floating));
  g_assert_finalize_object (floating);
  g_assert_cmpuint (s.n, ==, 1);

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/cross-thread-death */
static void
test_cross_thread_death (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  GObject *a_weak = a;
  Signals s;

  signals_init (&s, table, KEYS_STRING);
  wk_value_table_insert (table, "a", a);
  wk_value_table_insert (table, "b", b);
  g_object_add_weak_pointer (a, (gpointer *) &a_weak);

  wk_test_unref_in_thread (g_steal_pointer (&a));
  g_assert_null (a_weak);

  /* Gone at once for every query... */
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
  assert_lookup (table, "a", NULL);
  assert_keys (table, "b");
  {
    Walk walk;

    walk_init (&walk, table);
    wk_value_table_foreach (table, walk_foreach_cb, &walk);
    g_assert_cmpstr (walk.seen->str, ==, "b");
    walk_clear (&walk);
  }

  /* ...but signalled only from the owner's main context, on its thread. */
  g_assert_cmpuint (s.n, ==, 0);
  wait_for_signals (NULL, &s, 1);
  g_assert_true (s.thread == main_thread);
  g_assert_cmpstr (g_ptr_array_index (s.strings, 0), ==, "a");
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);

  wk_test_drain_context (NULL);
  g_assert_cmpuint (s.n, ==, 1);

  g_assert_finalize_object (b);
  g_assert_cmpuint (s.n, ==, 2);
  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/cross-thread-death-then-remove */
static void
test_cross_thread_death_then_remove (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  GObject *a_weak = a;
  GObject *b_weak = b;
  Signals s;

  signals_init (&s, table, KEYS_STRING);
  wk_value_table_insert (table, "a", a);
  wk_value_table_insert (table, "b", b);
  g_object_add_weak_pointer (a, (gpointer *) &a_weak);
  g_object_add_weak_pointer (b, (gpointer *) &b_weak);

  wk_test_unref_in_thread (g_steal_pointer (&a));
  wk_test_unref_in_thread (g_steal_pointer (&b));
  g_assert_null (a_weak);
  g_assert_null (b_weak);

  /* The dead entries are invisible to remove and pop... */
  g_assert_false (wk_value_table_remove (table, "a"));
  g_assert_null (wk_value_table_pop (table, "b"));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  g_assert_cmpuint (s.n, ==, 0);

  /* ...and still signal. */
  wait_for_signals (NULL, &s, 2);
  g_assert_cmpuint (signals_count_string (&s, "a"), ==, 1);
  g_assert_cmpuint (signals_count_string (&s, "b"), ==, 1);
  g_assert_true (s.thread == main_thread);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/cross-thread-death-then-insert */
static void
test_cross_thread_death_then_insert (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  GObject *a_weak = a;
  Signals s;

  signals_init (&s, table, KEYS_STRING);
  wk_value_table_insert (table, "k", a);
  g_object_add_weak_pointer (a, (gpointer *) &a_weak);

  wk_test_unref_in_thread (g_steal_pointer (&a));
  g_assert_null (a_weak);

  /* The key has no live value: TRUE. */
  g_assert_true (wk_value_table_insert (table, "k", b));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);

  /* The old value's signal is cancelled; the new one stays. */
  wk_test_drain_context (NULL);
  g_assert_cmpuint (s.n, ==, 0);
  assert_lookup (table, "k", b);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);

  g_assert_finalize_object (b);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/cross-thread-death-then-remove-all */
static void
test_cross_thread_death_then_remove_all (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *a = test_object_new ();
  GObject *a_weak = a;
  Signals s;

  signals_init (&s, table, KEYS_STRING);
  wk_value_table_insert (table, "k", a);
  g_object_add_weak_pointer (a, (gpointer *) &a_weak);

  wk_test_unref_in_thread (g_steal_pointer (&a));
  g_assert_null (a_weak);

  /* remove_all cancels the pending signal. */
  wk_value_table_remove_all (table);
  wk_test_drain_context (NULL);
  g_assert_cmpuint (s.n, ==, 0);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
  signals_clear (&s);
}

/* /Wobj/ValueTable/worker-owner */
typedef struct
{
  GMutex        mutex;
  GCond         cond;
  gint          stage;
  GObject      *from_main;   /* not owned */
  WkValueTable *table;       /* owned by the worker */
  Signals       s;
  GThread      *worker;
} WorkerOwner;

static void
stage_set (WorkerOwner *w,
           gint         stage)
{
  g_mutex_lock (&w->mutex);
  w->stage = stage;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->mutex);
}

static void
stage_wait (WorkerOwner *w,
            gint         stage)
{
  g_mutex_lock (&w->mutex);
  while (w->stage < stage)
    g_cond_wait (&w->cond, &w->mutex);
  g_mutex_unlock (&w->mutex);
}

static gpointer
worker_owner_func (gpointer data)
{
  WorkerOwner *w = data;
  GMainContext *context = g_main_context_new ();
  GObject *local = test_object_new ();

  g_main_context_push_thread_default (context);
  w->worker = g_thread_self ();
  w->table = wk_value_table_new ();
  signals_init (&w->s, w->table, KEYS_STRING);
  g_assert_true (w->s.expected_thread == g_thread_self ());

  wk_value_table_insert (w->table, "main", w->from_main);
  wk_value_table_insert (w->table, "local", local);

  /* A value that dies on the table's own thread: signalled at once. */
  g_assert_finalize_object (local);
  g_assert_cmpuint (w->s.n, ==, 1);
  g_assert_true (w->s.thread == g_thread_self ());

  stage_set (w, 1);
  stage_wait (w, 2);

  /* The main thread dropped its value: the signal waits for this
   * thread's context. */
  g_assert_cmpuint (w->s.n, ==, 1);
  wait_for_signals (context, &w->s, 2);
  g_assert_true (w->s.thread == g_thread_self ());
  g_assert_cmpstr (g_ptr_array_index (w->s.strings, 1), ==, "main");

  g_assert_finalize_object (w->table);
  signals_clear (&w->s);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static void
test_worker_owner (void)
{
  WorkerOwner w = { 0 };
  GThread *thread;
  GObject *from_main = test_object_new ();

  g_mutex_init (&w.mutex);
  g_cond_init (&w.cond);
  w.from_main = from_main;

  thread = g_thread_new ("wk-owner", worker_owner_func, &w);
  stage_wait (&w, 1);

  /* The last reference goes on this thread: the entry is gone at once
   * for everyone, the signal is the worker's. */
  g_assert_cmpuint (wk_value_table_get_size (w.table), ==, 1);
  g_assert_finalize_object (from_main);
  g_assert_cmpuint (wk_value_table_get_size (w.table), ==, 0);
  g_assert_false (wk_value_table_contains (w.table, "main"));
  wk_test_drain_context (NULL);
  g_assert_cmpuint (w.s.n, ==, 1);

  stage_set (&w, 2);
  g_thread_join (thread);
  g_assert_cmpuint (w.s.n, ==, 2);
  g_assert_true (w.s.thread == w.worker);
  g_assert_true (w.worker != main_thread);

  g_mutex_clear (&w.mutex);
  g_cond_clear (&w.cond);
}

/* /Wobj/ValueTable/bad-input */
static gpointer
pspec_factory_cb (gconstpointer key,
                  gpointer      user_data)
{
  /* Transfer full, as the factory's contract says: the table can't know
   * how to release a non-object, so the test keeps its own reference. */
  return g_param_spec_ref (user_data);
}

static void
test_bad_input (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *not_a_table = g_object_new (G_TYPE_OBJECT, NULL);
  GObject *a = test_object_new ();
  GParamSpec *pspec = g_param_spec_ref_sink (g_param_spec_int ("x", NULL, NULL, 0, 1, 0,
                                                              G_PARAM_READWRITE));
  gpointer zeroed = g_malloc0 (256);
  Factory factory = { 0 };
  WkValueTableIter iter;
  gpointer out;
  GPtrArray *keys = NULL;
  GPtrArray *values = NULL;
  WkValueTable *bad_tables[2];
  Signals s;

  bad_tables[0] = NULL;
  bad_tables[1] = (WkValueTable *) not_a_table;

  signals_init (&s, table, KEYS_STRING);
  wk_value_table_insert (table, "a", a);

  /* Bad values. */
  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_insert: object must be a GObject, not NULL");
  g_assert_false (wk_value_table_insert (table, "a", NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_insert: object must be a GObject, not a GParamInt");
  g_assert_false (wk_value_table_insert (table, "a", pspec));
  g_test_assert_expected_messages ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_insert: object must be a GObject, not a pointer*");
  g_assert_false (wk_value_table_insert (table, "a", zeroed));
  g_test_assert_expected_messages ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_lookup_or_insert: factory() must be a GObject, not a GParamInt");
  out = wk_value_table_lookup_or_insert (table, "b", pspec_factory_cb, pspec);
  g_test_assert_expected_messages ();
  g_assert_null (out);
  g_param_spec_unref (pspec);   /* the reference the factory handed over */

  /* NULL key in a string table. */
  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_insert: assertion*failed");
  g_assert_false (wk_value_table_insert (table, NULL, a));
  g_test_assert_expected_messages ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_lookup: assertion*failed");
  g_assert_null (wk_value_table_lookup (table, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_lookup_or_insert: assertion*failed");
  g_assert_null (wk_value_table_lookup_or_insert (table, NULL, factory_cb, &factory));
  g_test_assert_expected_messages ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_contains: assertion*failed");
  g_assert_false (wk_value_table_contains (table, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_remove: assertion*failed");
  g_assert_false (wk_value_table_remove (table, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_pop: assertion*failed");
  g_assert_null (wk_value_table_pop (table, NULL));
  g_test_assert_expected_messages ();

  /* NULL factory and callback. */
  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_lookup_or_insert: assertion 'factory != NULL' failed");
  g_assert_null (wk_value_table_lookup_or_insert (table, "b", NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_foreach: assertion*failed");
  wk_value_table_foreach (table, NULL, NULL);
  g_test_assert_expected_messages ();

  /* A NULL iterator. */
  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_iter_init: assertion*failed");
  wk_value_table_iter_init (NULL, table);
  g_test_assert_expected_messages ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_iter_next: assertion*failed");
  g_assert_false (wk_value_table_iter_next (NULL, NULL, NULL));
  g_test_assert_expected_messages ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_value_table_iter_clear: assertion*failed");
  wk_value_table_iter_clear (NULL);
  g_test_assert_expected_messages ();

  /* NULL, or an object that is not a table. */
  for (guint i = 0; i < G_N_ELEMENTS (bad_tables); i++)
    {
      WkValueTable *bad = bad_tables[i];

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_value_table_insert: assertion*failed");
      g_assert_false (wk_value_table_insert (bad, "a", a));
      g_test_assert_expected_messages ();

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_value_table_lookup: assertion*failed");
      g_assert_null (wk_value_table_lookup (bad, "a"));
      g_test_assert_expected_messages ();

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_value_table_lookup_or_insert: assertion*failed");
      g_assert_null (wk_value_table_lookup_or_insert (bad, "a", factory_cb, &factory));
      g_test_assert_expected_messages ();

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_value_table_contains: assertion*failed");
      g_assert_false (wk_value_table_contains (bad, "a"));
      g_test_assert_expected_messages ();

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_value_table_remove: assertion*failed");
      g_assert_false (wk_value_table_remove (bad, "a"));
      g_test_assert_expected_messages ();

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_value_table_pop: assertion*failed");
      g_assert_null (wk_value_table_pop (bad, "a"));
      g_test_assert_expected_messages ();

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_value_table_remove_all: assertion*failed");
      wk_value_table_remove_all (bad);
      g_test_assert_expected_messages ();

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_value_table_get_size: assertion*failed");
      g_assert_cmpuint (wk_value_table_get_size (bad), ==, 0);
      g_test_assert_expected_messages ();

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_value_table_dup_keys: assertion*failed");
      g_assert_null (wk_value_table_dup_keys (bad));
      g_test_assert_expected_messages ();

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_value_table_dup_values: assertion*failed");
      g_assert_null (wk_value_table_dup_values (bad));
      g_test_assert_expected_messages ();

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_value_table_dup_entries: assertion*failed");
      wk_value_table_dup_entries (bad, &keys, &values);
      g_test_assert_expected_messages ();
      g_assert_null (keys);
      g_assert_null (values);

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_value_table_foreach: assertion*failed");
      wk_value_table_foreach (bad, walk_foreach_cb, NULL);
      g_test_assert_expected_messages ();

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_value_table_iter_init: assertion*failed");
      wk_value_table_iter_init (&iter, bad);
      g_test_assert_expected_messages ();
    }

  /* None of it changed anything. */
  g_assert_cmpint (factory.n_calls, ==, 0);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);
  assert_keys (table, "a");
  assert_lookup (table, "a", a);
  g_assert_cmpuint (a->ref_count, ==, 1);
  g_assert_cmpuint (not_a_table->ref_count, ==, 1);
  g_assert_cmpuint (G_PARAM_SPEC (pspec)->ref_count, ==, 1);
  g_assert_cmpuint (s.n, ==, 0);

  g_assert_finalize_object (a);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_finalize_object (table);
  g_assert_finalize_object (not_a_table);
  g_param_spec_unref (pspec);
  g_free (zeroed);
  signals_clear (&s);
  factory_clear (&factory);
}

/* /Wobj/ValueTable/million */
#define MILLION 1000000

typedef struct
{
  guint8 *fired;
  guint   n;
  guint   n_bad;
} Million;

static void
million_cb (WkValueTable *table,
            const GValue *key,
            gpointer      user_data)
{
  Million *m = user_data;
  const char *str = g_value_get_string (key);
  guint64 index = g_ascii_strtoull (str + 1, NULL, 10);

  if (str[0] != 'k' || index >= m->n || m->fired[index] != 0)
    m->n_bad++;
  else
    m->fired[index] = 1;
}

static void
test_million (void)
{
  guint n = wk_test_scaled (MILLION);
  WkValueTable *table = wk_value_table_new ();
  GObject **objects = g_new0 (GObject *, n);
  Million m = { g_new0 (guint8, n), n, 0 };
  char key[32];
  guint n_finalized_before = wk_test_object_n_finalized ();
  gint64 start;

  g_signal_connect (table, "object-finalized", G_CALLBACK (million_cb), &m);

  for (guint i = 0; i < n; i++)
    objects[i] = test_object_new ();

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_snprintf (key, sizeof key, "k%u", i);
      if (!wk_value_table_insert (table, key, objects[i]))
        g_assert_not_reached ();
    }
  g_test_message ("%u entries inserted: %.3f s", n, wk_test_seconds_since (start));
  g_assert_cmpuint (wk_value_table_get_size (table), ==, n);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      GObject *found;

      g_snprintf (key, sizeof key, "k%u", i);
      found = wk_value_table_lookup (table, key);
      if (found != objects[i])
        g_assert_not_reached ();
      g_object_unref (found);
    }
  g_test_message ("%u lookups: %.3f s", n, wk_test_seconds_since (start));

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    g_object_unref (objects[i]);
  g_test_message ("%u values dropped (each entry removed and signalled): %.3f s",
                  n, wk_test_seconds_since (start));

  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);
  g_assert_cmpint (wk_test_object_n_finalized () - n_finalized_before, ==, n);
  g_assert_cmpuint (m.n_bad, ==, 0);
  for (guint i = 0; i < n; i++)
    if (m.fired[i] != 1)
      g_assert_not_reached ();

  start = g_get_monotonic_time ();
  g_assert_finalize_object (table);
  g_test_message ("empty table finalized: %.3f s", wk_test_seconds_since (start));

  g_free (objects);
  g_free (m.fired);
}

/* /Wobj/ValueTable/one-object-many-tables */
#define MANY_TABLES 100000

static void
count_fired_cb (WkValueTable *table,
                const GValue *key,
                gpointer      user_data)
{
  guint8 *fired = user_data;

  g_assert_cmpstr (g_value_get_string (key), ==, "k");
  (*fired)++;
}

static void
test_one_object_many_tables (void)
{
  guint n = wk_test_scaled (MANY_TABLES);
  WkValueTable **tables = g_new0 (WkValueTable *, n);
  guint8 *fired = g_new0 (guint8, n);
  GObject *object;
  gint64 start;

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      tables[i] = wk_value_table_new ();
      g_signal_connect (tables[i], "object-finalized", G_CALLBACK (count_fired_cb), &fired[i]);
    }
  g_test_message ("%u tables created: %.3f s", n, wk_test_seconds_since (start));

  /* Finalized while in every table. */
  object = test_object_new ();
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    wk_value_table_insert (tables[i], "k", object);
  g_test_message ("one object inserted into %u tables: %.3f s", n, wk_test_seconds_since (start));
  g_assert_cmpuint (object->ref_count, ==, 1);

  start = g_get_monotonic_time ();
  g_object_unref (object);
  g_test_message ("it was finalized, %u signals: %.3f s", n, wk_test_seconds_since (start));
  for (guint i = 0; i < n; i++)
    {
      if (fired[i] != 1)
        g_assert_not_reached ();
      if (wk_value_table_get_size (tables[i]) != 0)
        g_assert_not_reached ();
    }

  /* Removed from every table while alive, in insertion order and then in
   * reverse order. */
  for (guint round = 0; round < 2; round++)
    {
      object = test_object_new ();
      for (guint i = 0; i < n; i++)
        wk_value_table_insert (tables[i], "k", object);

      start = g_get_monotonic_time ();
      for (guint i = 0; i < n; i++)
        {
          guint t = round == 0 ? i : n - 1 - i;

          if (!wk_value_table_remove (tables[t], "k"))
            g_assert_not_reached ();
        }
      g_test_message ("it was removed from %u tables (%s order) while alive: %.3f s",
                      n, round == 0 ? "insertion" : "reverse", wk_test_seconds_since (start));
      for (guint i = 0; i < n; i++)
        if (wk_value_table_get_size (tables[i]) != 0)
          g_assert_not_reached ();

      g_assert_finalize_object (object);
      for (guint i = 0; i < n; i++)
        if (fired[i] != 1)
          g_assert_not_reached ();
    }

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    g_assert_finalize_object (tables[i]);
  g_test_message ("%u tables finalized: %.3f s", n, wk_test_seconds_since (start));

  g_free (tables);
  g_free (fired);
}

/* /Wobj/ValueTable/g-object-new: g_object_new() alone, as bindings
 * construct (`new Wk.ValueTable()` in gjs), makes the table of
 * wk_value_table_new(): string keys, copied. */
static void
test_g_object_new (void)
{
  WkValueTable *table = g_object_new (WK_TYPE_VALUE_TABLE, NULL);
  GObject *object = test_object_new ();
  char key[] = "alpha";
  Signals s;

  signals_init (&s, table, KEYS_STRING);
  g_assert_true (wk_value_table_insert (table, key, object));
  key[0] = 'x';
  assert_lookup (table, "alpha", object);
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 1);

  g_assert_finalize_object (object);
  g_assert_cmpuint (s.n, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (s.strings, 0), ==, "alpha");
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  signals_clear (&s);
  g_assert_finalize_object (table);
}

/* Counting key functions: strings, each call counted, so that a test can
 * tell which functions a table calls. */

static gint n_key_hashed;  /* atomic */
static gint n_key_copied;  /* atomic */
static gint n_key_freed;   /* atomic */

static void
key_counts_reset (void)
{
  g_atomic_int_set (&n_key_hashed, 0);
  g_atomic_int_set (&n_key_copied, 0);
  g_atomic_int_set (&n_key_freed, 0);
}

static guint
counting_hash (gconstpointer key)
{
  g_atomic_int_inc (&n_key_hashed);
  return g_str_hash (key);
}

static gpointer
counting_copy (gpointer key)
{
  g_atomic_int_inc (&n_key_copied);
  return g_strdup (key);
}

static void
counting_free (gpointer key)
{
  g_atomic_int_inc (&n_key_freed);
  g_free (key);
}

static GType
get_key_type (WkValueTable *table)
{
  GType key_type = G_TYPE_INVALID;

  g_object_get (table, "key-type", &key_type, NULL);

  return key_type;
}

/* Runs the same steps on @table, a table of strings that it copies with
 * counting_copy(), and returns what they showed, as text: two tables built
 * the same way give the same text. */
static char *
describe_counting_table (WkValueTable *table)
{
  GString *out = g_string_new (NULL);
  GObject *a = test_object_new ();
  GObject *b = test_object_new ();
  char *buffer = g_strdup ("alpha");
  GPtrArray *keys;
  Signals s;

  key_counts_reset ();
  signals_init (&s, table, KEYS_POINTER_STRING);

  g_string_append_printf (out, "key-type=%s;", g_type_name (get_key_type (table)));

  /* The table keeps its own copy: the caller's buffer may go at once. */
  g_assert_true (wk_value_table_insert (table, buffer, a));
  memset (buffer, 'x', strlen (buffer));
  g_free (buffer);
  g_assert_true (wk_value_table_insert (table, "beta", b));
  g_string_append_printf (out, "copied=%d;", g_atomic_int_get (&n_key_copied));

  assert_lookup (table, "alpha", a);
  assert_lookup (table, "beta", b);
  assert_lookup (table, "xxxxx", NULL);
  g_string_append_printf (out, "hashed=%s;", g_atomic_int_get (&n_key_hashed) > 0 ? "yes" : "no");

  /* The snapshot holds copies made with the copy function. */
  keys = wk_value_table_dup_keys (table);
  g_string_append_printf (out, "keys=%s,%s;",
                          (char *) g_ptr_array_index (keys, 0),
                          (char *) g_ptr_array_index (keys, 1));
  g_ptr_array_unref (keys);
  g_string_append_printf (out, "copied=%d,freed=%d;",
                          g_atomic_int_get (&n_key_copied), g_atomic_int_get (&n_key_freed));

  /* The signal carries the table's copy, as a pointer value. */
  g_assert_finalize_object (a);
  g_string_append_printf (out, "signals=%d:%s;", s.n, (char *) g_ptr_array_index (s.strings, 0));
  g_string_append_printf (out, "size=%u;", wk_value_table_get_size (table));

  g_assert_finalize_object (table);
  g_string_append_printf (out, "freed=%d", g_atomic_int_get (&n_key_freed));
  g_assert_finalize_object (b);
  signals_clear (&s);

  return g_string_free (out, FALSE);
}

/* /Wobj/ValueTable/properties: g_object_new() with the construct-only
 * properties makes the table that wk_value_table_new_full() makes with
 * the same functions, and wk_value_table_new() is g_object_new() with
 * none. */
static void
test_properties (void)
{
  WkValueTable *table;
  char *from_full;
  char *from_properties;

  table = wk_value_table_new_full (counting_hash, g_str_equal, counting_copy, counting_free);
  from_full = describe_counting_table (table);

  table = g_object_new (WK_TYPE_VALUE_TABLE,
                        "hash-func", counting_hash,
                        "key-equal-func", g_str_equal,
                        "key-copy-func", counting_copy,
                        "key-free-func", counting_free,
                        NULL);
  from_properties = describe_counting_table (table);

  g_assert_cmpstr (from_properties, ==, from_full);
  /* Each key copied into the table, then once more per snapshot; every
   * copy freed. */
  g_assert_cmpstr (from_full, ==,
                   "key-type=gpointer;copied=2;hashed=yes;keys=alpha,beta;"
                   "copied=4,freed=2;signals=1:alpha;size=1;freed=4");
  g_free (from_full);
  g_free (from_properties);

  /* No hash function, string keys: key-type says so, and can't be set
   * (a binding could otherwise make a table that keeps its temporary
   * strings uncopied). */
  table = wk_value_table_new ();
  g_assert_true (get_key_type (table) == G_TYPE_STRING);
  g_assert_finalize_object (table);

  table = g_object_new (WK_TYPE_VALUE_TABLE, NULL);
  g_assert_true (get_key_type (table) == G_TYPE_STRING);
  g_assert_false (g_object_class_find_property (G_OBJECT_GET_CLASS (table), "key-type")->flags & G_PARAM_WRITABLE);
  g_assert_finalize_object (table);

  /* Pointer keys compared by address: g_direct_hash() given, as
   * new_full() with NULLs gives it. */
  table = g_object_new (WK_TYPE_VALUE_TABLE, "hash-func", g_direct_hash, NULL);
  {
    GObject *a = test_object_new ();
    Signals s;

    signals_init (&s, table, KEYS_POINTER);
    g_assert_true (get_key_type (table) == G_TYPE_POINTER);
    g_assert_true (wk_value_table_insert (table, GINT_TO_POINTER (7), a));
    g_assert_true (wk_value_table_insert (table, NULL, a));
    assert_lookup (table, GINT_TO_POINTER (7), a);
    assert_lookup (table, NULL, a);
    assert_lookup (table, GINT_TO_POINTER (8), NULL);
    g_assert_finalize_object (a);
    g_assert_cmpint (s.n, ==, 2);
    g_assert_cmpuint (signals_count_pointer (&s, GINT_TO_POINTER (7)), ==, 1);
    g_assert_cmpuint (signals_count_pointer (&s, NULL), ==, 1);
    signals_clear (&s);
  }
  g_assert_finalize_object (table);
}

/* Makes a table from properties that are refused: the message must name
 * what is wrong, and the table must be one of pointer keys compared by
 * address that calls none of the given functions. */
static void
check_refused (const char *message,
               const char *first_property,
               ...)
{
  WkValueTable *table;
  GObject *a = test_object_new ();
  char key[] = "alpha";
  GPtrArray *keys;
  va_list args;

  key_counts_reset ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, message);
  va_start (args, first_property);
  table = (WkValueTable *) g_object_new_valist (WK_TYPE_VALUE_TABLE, first_property, args);
  va_end (args);
  g_test_assert_expected_messages ();

  g_assert_true (WK_IS_VALUE_TABLE (table));
  g_assert_true (get_key_type (table) == G_TYPE_POINTER);

  g_assert_true (wk_value_table_insert (table, key, a));
  assert_lookup (table, key, a);
  /* By address: another string with the same content is another key. */
  assert_lookup (table, "alpha", NULL);
  keys = wk_value_table_dup_keys (table);
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_true (g_ptr_array_index (keys, 0) == (gpointer) key);
  g_ptr_array_unref (keys);

  g_assert_finalize_object (table);
  g_assert_finalize_object (a);
  g_assert_cmpint (g_atomic_int_get (&n_key_hashed), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&n_key_copied), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&n_key_freed), ==, 0);
}

/* /Wobj/ValueTable/properties-refused: the combinations that
 * wk_value_table_new_full() refuses, and those only properties can
 * express, get a critical that names the properties, and a table that
 * touches no key. */
static void
test_properties_refused (void)
{
  /* A copy function without a free function, or the reverse. */
  check_refused ("*key-copy-func*key-free-func*go together*",
                 "hash-func", counting_hash,
                 "key-equal-func", g_str_equal,
                 "key-copy-func", counting_copy,
                 NULL);
  check_refused ("*key-copy-func*key-free-func*go together*",
                 "hash-func", counting_hash,
                 "key-equal-func", g_str_equal,
                 "key-free-func", counting_free,
                 NULL);

  /* Functions for string keys, which bring their own: no hash function
   * was given. */
  check_refused ("*key-equal-func*need*hash-func*",
                 "key-equal-func", g_str_equal,
                 NULL);
  check_refused ("*key-copy-func*need*hash-func*",
                 "key-copy-func", counting_copy,
                 "key-free-func", counting_free,
                 NULL);
}

/* /Wobj/ValueTable/string-keys: keys of every length up to 40, each
 * also with one byte changed at every position, are told apart: the
 * string keys' hash reads them a word at a time, the tail overlapping. */
static void
test_string_keys (void)
{
  WkValueTable *table = wk_value_table_new ();
  GObject *object = test_object_new ();
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint len = 0; len <= 40; len++)
    {
      char *key = g_malloc (len + 1);

      for (guint i = 0; i < len; i++)
        key[i] = 'a' + (i % 26);
      key[len] = '\0';
      g_ptr_array_add (keys, key);

      for (guint i = 0; i < len; i++)
        {
          char *changed = g_strdup (key);

          changed[i] = 'Z';
          g_ptr_array_add (keys, changed);
        }
    }

  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);

      /* The same key comes twice only for length 0. */
      if (!g_hash_table_add (seen, (gpointer) key))
        continue;
      g_assert_true (wk_value_table_insert (table, key, object));
    }
  g_assert_cmpuint (wk_value_table_get_size (table), ==, g_hash_table_size (seen));

  /* Each lookup finds its own entry: removing one by one empties it. */
  for (guint i = 0; i < keys->len; i++)
    {
      const char *key = g_ptr_array_index (keys, i);

      if (g_hash_table_lookup (seen, key) != key)
        continue;
      assert_lookup (table, key, object);
      g_assert_true (wk_value_table_remove (table, key));
      g_assert_false (wk_value_table_contains (table, key));
    }
  g_assert_cmpuint (wk_value_table_get_size (table), ==, 0);

  g_hash_table_unref (seen);
  g_ptr_array_unref (keys);
  g_assert_finalize_object (table);
  g_assert_finalize_object (object);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  main_thread = g_thread_self ();

  g_test_add_func ("/Wobj/ValueTable/new", test_new);
  g_test_add_func ("/Wobj/ValueTable/new-full-direct", test_new_full_direct);
  g_test_add_func ("/Wobj/ValueTable/new-full-copy-free", test_new_full_copy_free);
  g_test_add_func ("/Wobj/ValueTable/new-full-one-func", test_new_full_one_func);
  g_test_add_func ("/Wobj/ValueTable/g-object-new", test_g_object_new);
  g_test_add_func ("/Wobj/ValueTable/properties", test_properties);
  g_test_add_func ("/Wobj/ValueTable/properties-refused", test_properties_refused);
  g_test_add_func ("/Wobj/ValueTable/string-keys", test_string_keys);
  g_test_add_func ("/Wobj/ValueTable/insert", test_insert);
  g_test_add_func ("/Wobj/ValueTable/lookup", test_lookup);
  g_test_add_func ("/Wobj/ValueTable/lookup-or-insert-missing", test_lookup_or_insert_missing);
  g_test_add_func ("/Wobj/ValueTable/lookup-or-insert-present", test_lookup_or_insert_present);
  g_test_add_func ("/Wobj/ValueTable/lookup-or-insert-null", test_lookup_or_insert_null);
  g_test_add_func ("/Wobj/ValueTable/lookup-or-insert-dead", test_lookup_or_insert_dead);
  g_test_add_func ("/Wobj/ValueTable/lookup-or-insert-concurrent", test_lookup_or_insert_concurrent);
  g_test_add_func ("/Wobj/ValueTable/lookup-or-insert-factory-inserts",
                   test_lookup_or_insert_factory_inserts);
  g_test_add_func ("/Wobj/ValueTable/lookup-or-insert-factory-drops-table",
                   test_lookup_or_insert_factory_drops_table);
  g_test_add_func ("/Wobj/ValueTable/contains", test_contains);
  g_test_add_func ("/Wobj/ValueTable/remove", test_remove);
  g_test_add_func ("/Wobj/ValueTable/pop", test_pop);
  g_test_add_func ("/Wobj/ValueTable/remove-all", test_remove_all);
  g_test_add_func ("/Wobj/ValueTable/get-size", test_get_size);
  g_test_add_func ("/Wobj/ValueTable/dup-snapshots", test_dup_snapshots);
  g_test_add_func ("/Wobj/ValueTable/dup-snapshot-keeps-values", test_dup_snapshot_keeps_values);
  g_test_add_func ("/Wobj/ValueTable/foreach", test_foreach);
  g_test_add_func ("/Wobj/ValueTable/foreach-member-dies", test_foreach_member_dies);
  g_test_add_func ("/Wobj/ValueTable/foreach-modifies", test_foreach_modifies);
  g_test_add_func ("/Wobj/ValueTable/iter", test_iter);
  g_test_add_func ("/Wobj/ValueTable/iter-early-clear", test_iter_early_clear);
  g_test_add_func ("/Wobj/ValueTable/iter-auto", test_iter_auto);
  g_test_add_func ("/Wobj/ValueTable/iter-member-dies", test_iter_member_dies);
  g_test_add_func ("/Wobj/ValueTable/iter-table-cleared", test_iter_table_cleared);
  g_test_add_func ("/Wobj/ValueTable/exact-removal", test_exact_removal);
  g_test_add_func ("/Wobj/ValueTable/no-strong-reference", test_no_strong_reference);
  g_test_add_func ("/Wobj/ValueTable/lookup-in-dispose", test_lookup_in_dispose);
  g_test_add_func ("/Wobj/ValueTable/replaced-value-dies", test_replaced_value_dies);
  g_test_add_func ("/Wobj/ValueTable/same-object-several-keys", test_same_object_several_keys);
  g_test_add_func ("/Wobj/ValueTable/reentrant-insert", test_reentrant_insert);
  g_test_add_func ("/Wobj/ValueTable/reentrant-remove", test_reentrant_remove);
  g_test_add_func ("/Wobj/ValueTable/reentrant-remove-all", test_reentrant_remove_all);
  g_test_add_func ("/Wobj/ValueTable/reentrant-unref-table", test_reentrant_unref_table);
  g_test_add_func ("/Wobj/ValueTable/reentrant-dispose-table", test_reentrant_dispose_table);
  g_test_add_func ("/Wobj/ValueTable/table-destroyed-first", test_table_destroyed_first);
  g_test_add_func ("/Wobj/ValueTable/dispose-table", test_dispose_table);
  g_test_add_func ("/Wobj/ValueTable/run-dispose-value", test_run_dispose_value);
  g_test_add_func ("/Wobj/ValueTable/floating", test_floating);
  g_test_add_func ("/Wobj/ValueTable/cross-thread-death", test_cross_thread_death);
  g_test_add_func ("/Wobj/ValueTable/cross-thread-death-then-remove",
                   test_cross_thread_death_then_remove);
  g_test_add_func ("/Wobj/ValueTable/cross-thread-death-then-insert",
                   test_cross_thread_death_then_insert);
  g_test_add_func ("/Wobj/ValueTable/cross-thread-death-then-remove-all",
                   test_cross_thread_death_then_remove_all);
  g_test_add_func ("/Wobj/ValueTable/worker-owner", test_worker_owner);
  g_test_add_func ("/Wobj/ValueTable/bad-input", test_bad_input);
  g_test_add_func ("/Wobj/ValueTable/million", test_million);
  g_test_add_func ("/Wobj/ValueTable/one-object-many-tables", test_one_object_many_tables);

  return g_test_run ();
}

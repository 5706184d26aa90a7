/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include <wobj.h>

/* Private: to check that a table leaves its keys' anchors. */
#include "wk-anchor-private.h"

#include "wk-test-util.h"

#define LOG_DOMAIN "Wobj"

static GThread *main_thread;

/* Events: what happened, in order, as short strings ("S1" for a signal
 * about value 1, "F1" for the table freeing value 1, ...), recorded only
 * while a test asks for them. Any thread may add one. */

static GMutex     events_lock;
static GPtrArray *events;

static void
events_start (void)
{
  g_mutex_lock (&events_lock);
  g_clear_pointer (&events, g_ptr_array_unref);
  events = g_ptr_array_new_with_free_func (g_free);
  g_mutex_unlock (&events_lock);
}

static void
events_stop (void)
{
  g_mutex_lock (&events_lock);
  g_clear_pointer (&events, g_ptr_array_unref);
  g_mutex_unlock (&events_lock);
}

static void event_add (const char *format,
                       ...) G_GNUC_PRINTF (1, 2);

static void
event_add (const char *format,
           ...)
{
  va_list args;

  g_mutex_lock (&events_lock);
  if (events != NULL)
    {
      va_start (args, format);
      g_ptr_array_add (events, g_strdup_vprintf (format, args));
      va_end (args);
    }
  g_mutex_unlock (&events_lock);
}

/* The events so far, separated by spaces. */
static char *
events_to_string (void)
{
  GString *string = g_string_new (NULL);

  g_mutex_lock (&events_lock);
  g_assert_nonnull (events);
  for (guint i = 0; i < events->len; i++)
    {
      if (i > 0)
        g_string_append_c (string, ' ');
      g_string_append (string, g_ptr_array_index (events, i));
    }
  g_mutex_unlock (&events_lock);

  return g_string_free (string, FALSE);
}

static void
assert_events (const char *expected)
{
  char *actual = events_to_string ();

  g_assert_cmpstr (actual, ==, expected);
  g_free (actual);
}

static gint
event_position (const char *event)
{
  gint position = -1;

  g_mutex_lock (&events_lock);
  for (guint i = 0; i < events->len; i++)
    {
      if (g_str_equal (g_ptr_array_index (events, i), event))
        {
          /* Each event is expected once. */
          g_assert_cmpint (position, ==, -1);
          position = (gint) i;
        }
    }
  g_mutex_unlock (&events_lock);

  return position;
}

static void
assert_event_before (const char *first,
                     const char *second)
{
  gint first_at = event_position (first);
  gint second_at = event_position (second);

  g_assert_cmpint (first_at, >=, 0);
  g_assert_cmpint (second_at, >=, 0);
  g_assert_cmpint (first_at, <, second_at);
}

/* TestKey: the keys. A WkTestObject (which counts its finalizations and
 * remembers whether it was disposed) with two fields of its own, which is
 * why the file keeps a subclass: an index that tests store in its value so
 * that a key and its value can be matched in a snapshot, and whether its
 * finalization is one of the events. */

#define TEST_TYPE_KEY (test_key_get_type ())
G_DECLARE_FINAL_TYPE (TestKey, test_key, TEST, KEY, WkTestObject)

struct _TestKey
{
  WkTestObject parent_instance;
  gint         index;
  gboolean     log_finalize;  /* add "X<index>" to the events when finalized */
};

G_DEFINE_FINAL_TYPE (TestKey, test_key, WK_TEST_TYPE_OBJECT)

static void
test_key_finalize (GObject *object)
{
  TestKey *self = TEST_KEY (object);

  if (self->log_finalize)
    event_add ("X%d", self->index);

  G_OBJECT_CLASS (test_key_parent_class)->finalize (object);
}

static void
test_key_class_init (TestKeyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_key_finalize;
}

static void
test_key_init (TestKey *self)
{
}

static gboolean
test_key_is_disposed (TestKey *self)
{
  return wk_test_object_is_disposed (WK_TEST_OBJECT (self));
}

static TestKey *
test_key_new (gint index)
{
  TestKey *key = g_object_new (TEST_TYPE_KEY, NULL);

  key->index = index;

  return key;
}

/* Box: a value for wk_key_table_new_full (box_copy, box_free) tables.
 * Every box made, copied and freed is counted, so a test can check that
 * each is freed exactly once. Freeing an original (one made by box_new(),
 * which is what tables own) adds "F<id>" to the events; copies handed to
 * callers are freed silently. */

#define BOX_MAGIC 0x0b0c5

typedef struct
{
  gint     id;
  gint     magic;
  gboolean is_copy;
} Box;

static gint n_box_made;    /* atomic */
static gint n_box_copied;  /* atomic */
static gint n_box_freed;   /* atomic */

static Box *
box_new (gint id)
{
  Box *box = g_new0 (Box, 1);

  box->id = id;
  box->magic = BOX_MAGIC;
  g_atomic_int_inc (&n_box_made);

  return box;
}

static gpointer
box_copy (gpointer data)
{
  Box *box = data;
  Box *copy;

  g_assert_nonnull (box);
  g_assert_cmpint (box->magic, ==, BOX_MAGIC);

  copy = g_new0 (Box, 1);
  copy->id = box->id;
  copy->magic = BOX_MAGIC;
  copy->is_copy = TRUE;
  g_atomic_int_inc (&n_box_copied);

  return copy;
}

static void
box_free (gpointer data)
{
  Box *box = data;

  g_assert_nonnull (box);
  g_assert_cmpint (box->magic, ==, BOX_MAGIC);

  if (!box->is_copy)
    event_add ("F%d", box->id);
  box->magic = 0;
  g_atomic_int_inc (&n_box_freed);
  g_free (box);
}

static gint
boxes_live (void)
{
  return g_atomic_int_get (&n_box_made) + g_atomic_int_get (&n_box_copied) -
         g_atomic_int_get (&n_box_freed);
}

static void
assert_boxes_all_freed (void)
{
  g_assert_cmpint (g_atomic_int_get (&n_box_made) + g_atomic_int_get (&n_box_copied), ==,
                   g_atomic_int_get (&n_box_freed));
}

/* Shared: a reference-counted value, for
 * wk_key_table_new_full (shared_ref_cb, shared_unref_cb). Its destruction
 * adds "D<id>" to the events. */

typedef struct
{
  gint ref_count;  /* atomic */
  gint id;
} Shared;

static gint n_shared_destroyed;  /* atomic */

static Shared *
shared_new (gint id)
{
  Shared *shared = g_new0 (Shared, 1);

  shared->ref_count = 1;
  shared->id = id;

  return shared;
}

static gpointer
shared_ref_cb (gpointer data)
{
  Shared *shared = data;

  g_assert_cmpint (g_atomic_int_get (&shared->ref_count), >, 0);
  g_atomic_int_inc (&shared->ref_count);

  return shared;
}

static void
shared_unref_cb (gpointer data)
{
  Shared *shared = data;

  g_assert_cmpint (g_atomic_int_get (&shared->ref_count), >, 0);
  if (g_atomic_int_dec_and_test (&shared->ref_count))
    {
      event_add ("D%d", shared->id);
      g_atomic_int_inc (&n_shared_destroyed);
      g_free (shared);
    }
}

/* Every test starts from zero counts and no event recording. */
static void
test_reset (void)
{
  g_atomic_int_set (&n_box_made, 0);
  g_atomic_int_set (&n_box_copied, 0);
  g_atomic_int_set (&n_box_freed, 0);
  g_atomic_int_set (&n_shared_destroyed, 0);
  events_stop ();
}

/* SignalRecord: what object-finalized reported. */

typedef struct
{
  gint     n;                /* atomic */
  GThread *expect_thread;    /* if set, every emission must come on it */
  GThread *thread;
  gint     last_id;
  guint    size_in_handler;
  gint     freed_in_handler;
  gboolean check_snapshot;   /* compare a snapshot with the size */
} SignalRecord;

/* For box tables: the value is a G_TYPE_POINTER holding the stored box,
 * which must not have been released yet. */
static void
box_signal_cb (WkKeyTable   *table,
               const GValue *value,
               gpointer      user_data)
{
  SignalRecord *rec = user_data;
  Box *box;

  g_assert_true (WK_IS_KEY_TABLE (table));
  g_assert_true (G_VALUE_HOLDS_POINTER (value));
  box = g_value_get_pointer (value);
  g_assert_nonnull (box);
  g_assert_cmpint (box->magic, ==, BOX_MAGIC);
  g_assert_false (box->is_copy);
  if (rec->expect_thread != NULL)
    g_assert_true (g_thread_self () == rec->expect_thread);

  rec->thread = g_thread_self ();
  rec->last_id = box->id;
  rec->size_in_handler = wk_key_table_get_size (table);
  rec->freed_in_handler = g_atomic_int_get (&n_box_freed);

  if (rec->check_snapshot)
    {
      GPtrArray *keys = wk_key_table_dup_keys (table);

      /* The dying key is in no snapshot. */
      g_assert_cmpuint (keys->len, ==, rec->size_in_handler);
      for (guint i = 0; i < keys->len; i++)
        g_assert_cmpint (test_key_is_disposed (TEST_KEY (g_ptr_array_index (keys, i))), ==, 0);
      g_ptr_array_unref (keys);
    }

  event_add ("S%d", box->id);
  g_atomic_int_inc (&rec->n);
}

/* For plain tables (no copy, no free): the value is a G_TYPE_POINTER
 * holding GINT_TO_POINTER (id). */
static void
plain_signal_cb (WkKeyTable   *table,
                 const GValue *value,
                 gpointer      user_data)
{
  SignalRecord *rec = user_data;

  g_assert_true (WK_IS_KEY_TABLE (table));
  g_assert_true (G_VALUE_HOLDS_POINTER (value));
  if (rec->expect_thread != NULL)
    g_assert_true (g_thread_self () == rec->expect_thread);

  rec->thread = g_thread_self ();
  rec->last_id = GPOINTER_TO_INT (g_value_get_pointer (value));
  event_add ("S%d", rec->last_id);
  g_atomic_int_inc (&rec->n);
}

/* For shared-value tables. */
static void
shared_signal_cb (WkKeyTable   *table,
                  const GValue *value,
                  gpointer      user_data)
{
  SignalRecord *rec = user_data;
  Shared *shared;

  g_assert_true (G_VALUE_HOLDS_POINTER (value));
  shared = g_value_get_pointer (value);
  g_assert_nonnull (shared);
  g_assert_cmpint (g_atomic_int_get (&shared->ref_count), >, 0);

  rec->last_id = shared->id;
  event_add ("S%d", shared->id);
  g_atomic_int_inc (&rec->n);
}

/* For GValue tables: the stored GValue itself, described in the events
 * as "S:s<string>", "S:i<int>" or "S:o<index of a TestKey>". */
static void
gvalue_signal_cb (WkKeyTable   *table,
                  const GValue *value,
                  gpointer      user_data)
{
  SignalRecord *rec = user_data;

  g_assert_true (WK_IS_KEY_TABLE (table));
  g_assert_nonnull (value);
  g_assert_true (G_IS_VALUE (value));

  if (G_VALUE_HOLDS_STRING (value))
    {
      event_add ("S:s%s", g_value_get_string (value));
    }
  else if (G_VALUE_HOLDS_INT (value))
    {
      event_add ("S:i%d", g_value_get_int (value));
    }
  else if (G_VALUE_HOLDS_OBJECT (value))
    {
      TestKey *object = g_value_get_object (value);

      /* Still held by the stored value. */
      g_assert_true (TEST_IS_KEY (object));
      g_assert_cmpint (test_key_is_disposed (object), ==, 0);
      event_add ("S:o%d", object->index);
    }
  else
    {
      g_assert_not_reached ();
    }

  g_atomic_int_inc (&rec->n);
}

static gpointer
run_dispose_thread_func (gpointer data)
{
  g_object_run_dispose (data);
  return NULL;
}

/* Drops a reference to each of two objects, on one thread. */
static gpointer
unref_pair_thread_func (gpointer data)
{
  GObject **pair = data;

  g_object_unref (pair[0]);
  g_object_unref (pair[1]);
  return NULL;
}

static void
run_dispose_in_thread (gpointer object)
{
  g_thread_join (g_thread_new ("wk-test-dispose", run_dispose_thread_func, object));
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

/* g_clear_pointer (object_ptr, g_assert_finalize_object), for any
 * object type. */
static void
finalize_and_clear (gpointer object_ptr)
{
  gpointer *pointer = object_ptr;
  gpointer object = *pointer;

  *pointer = NULL;
  if (object != NULL)
    g_assert_finalize_object (object);
}

static guint
ref_count (gpointer object)
{
  return g_atomic_int_get (&G_OBJECT (object)->ref_count);
}

static WkKeyTable *
box_table_new (void)
{
  WkKeyTable *table = wk_key_table_new_full (box_copy, box_free);

  g_assert_true (WK_IS_KEY_TABLE (table));

  return table;
}

/* The id of the box that @key has in @table, or -1. */
static gint
lookup_id (WkKeyTable *table,
           gpointer    key)
{
  gpointer value = NULL;
  gint id;

  if (!wk_key_table_lookup (table, key, &value))
    return -1;

  g_assert_nonnull (value);
  id = ((Box *) value)->id;
  box_free (value);

  return id;
}

/* A factory for box tables. */
typedef struct
{
  gint     n_calls;  /* atomic */
  gint     id;
  gpointer expected_key;
  Box     *made;
} BoxFactory;

static gpointer
box_factory (gpointer key,
             gpointer user_data)
{
  BoxFactory *factory = user_data;

  if (factory->expected_key != NULL)
    g_assert_true (key == factory->expected_key);
  g_atomic_int_inc (&factory->n_calls);
  factory->made = box_new (factory->id);

  return factory->made;
}

/* /Wobj/KeyTable/g-object-new: g_object_new() alone, as bindings
 * construct (`new Wk.KeyTable()` in gjs), makes the table of
 * wk_key_table_new(): GValues, copied. */
static void
test_g_object_new (void)
{
  WkKeyTable *table = g_object_new (WK_TYPE_KEY_TABLE, NULL);
  TestKey *key = test_key_new (1);
  SignalRecord rec = { 0 };
  GValue value = G_VALUE_INIT;
  GValue out = G_VALUE_INIT;

  test_reset ();
  events_start ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (gvalue_signal_cb), &rec);

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "first");
  g_assert_true (wk_key_table_insert_value (table, key, &value));
  g_value_unset (&value);
  g_assert_true (wk_key_table_lookup_value (table, key, &out));
  g_assert_cmpstr (g_value_get_string (&out), ==, "first");
  g_value_unset (&out);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);

  g_assert_finalize_object (key);
  assert_events ("S:sfirst");
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
}

static GType
get_value_type (WkKeyTable *table)
{
  GType value_type = G_TYPE_INVALID;

  g_object_get (table, "value-type", &value_type, NULL);

  return value_type;
}

/* Runs the steps of /Wobj/KeyTable/new-full-copy-free on @table, a table
 * of boxes, and returns what they showed, as text: two tables built the
 * same way give the same text. */
static char *
describe_box_table (WkKeyTable *table)
{
  TestKey *key1 = test_key_new (1);
  TestKey *key2 = test_key_new (2);
  TestKey *key3 = test_key_new (3);
  SignalRecord rec = { 0 };
  gpointer out = NULL;
  char *events_text;
  char *text;

  test_reset ();
  events_start ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);

  g_assert_true (wk_key_table_insert (table, key1, box_new (1)));
  g_assert_true (wk_key_table_insert (table, key2, box_new (2)));
  g_assert_true (wk_key_table_insert (table, key3, box_new (3)));

  g_assert_true (wk_key_table_lookup (table, key1, &out));
  g_assert_true (((Box *) out)->is_copy);
  g_assert_cmpint (((Box *) out)->id, ==, 1);
  box_free (out);

  g_assert_true (wk_key_table_remove (table, key2));
  g_assert_finalize_object (key3);
  g_assert_finalize_object (table);
  g_assert_finalize_object (key1);
  g_assert_finalize_object (key2);

  events_text = events_to_string ();
  text = g_strdup_printf ("events=%s;signals=%d;copied=%d;live=%d",
                          events_text, g_atomic_int_get (&rec.n),
                          g_atomic_int_get (&n_box_copied), boxes_live ());
  g_free (events_text);
  events_stop ();

  return text;
}

/* /Wobj/KeyTable/properties: g_object_new() with the construct-only
 * properties makes the table that wk_key_table_new_full() makes with the
 * same functions, and wk_key_table_new() is g_object_new() with none. */
static void
test_properties (void)
{
  WkKeyTable *table;
  char *from_full;
  char *from_properties;

  table = wk_key_table_new_full (box_copy, box_free);
  g_assert_true (get_value_type (table) == G_TYPE_POINTER);
  from_full = describe_box_table (table);

  table = g_object_new (WK_TYPE_KEY_TABLE,
                        "value-type", G_TYPE_POINTER,
                        "value-copy-func", box_copy,
                        "value-free-func", box_free,
                        NULL);
  g_assert_true (get_value_type (table) == G_TYPE_POINTER);
  from_properties = describe_box_table (table);

  g_assert_cmpstr (from_properties, ==, from_full);
  g_assert_cmpstr (from_full, ==, "events=F2 S3 F3 F1;signals=1;copied=1;live=0");
  g_free (from_full);
  g_free (from_properties);

  /* The default value type, set or not, is G_TYPE_VALUE; G_TYPE_NONE is
   * the param spec's default and means the same. */
  table = wk_key_table_new ();
  g_assert_true (get_value_type (table) == G_TYPE_VALUE);
  g_assert_finalize_object (table);

  table = g_object_new (WK_TYPE_KEY_TABLE, "value-type", G_TYPE_VALUE, NULL);
  g_assert_true (get_value_type (table) == G_TYPE_VALUE);
  g_assert_finalize_object (table);

  table = g_object_new (WK_TYPE_KEY_TABLE, "value-type", G_TYPE_NONE, NULL);
  g_assert_true (get_value_type (table) == G_TYPE_VALUE);
  g_assert_finalize_object (table);

  /* Pointer values with no function, as new_full (NULL, NULL): what no
   * combination of functions alone could ask for. */
  table = g_object_new (WK_TYPE_KEY_TABLE, "value-type", G_TYPE_POINTER, NULL);
  {
    TestKey *key = test_key_new (1);
    SignalRecord rec = { 0 };
    gpointer out = NULL;

    g_signal_connect (table, "object-finalized", G_CALLBACK (plain_signal_cb), &rec);
    g_assert_true (wk_key_table_insert (table, key, GINT_TO_POINTER (5)));
    g_assert_true (wk_key_table_lookup (table, key, &out));
    g_assert_true (out == GINT_TO_POINTER (5));
    g_assert_finalize_object (key);
    g_assert_cmpint (rec.n, ==, 1);
    g_assert_cmpint (rec.last_id, ==, 5);
  }
  g_assert_finalize_object (table);
}

/* Makes a table from properties that are refused: the message must name
 * what is wrong, and the table must be one of pointer values that calls
 * none of the given functions and frees no value. */
static void
check_refused (const char *message,
               const char *first_property,
               ...)
{
  WkKeyTable *table;
  TestKey *key = test_key_new (1);
  Box *box = box_new (1);
  gpointer out = NULL;
  va_list args;

  test_reset ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, message);
  va_start (args, first_property);
  table = (WkKeyTable *) g_object_new_valist (WK_TYPE_KEY_TABLE, first_property, args);
  va_end (args);
  g_test_assert_expected_messages ();

  g_assert_true (WK_IS_KEY_TABLE (table));
  g_assert_true (get_value_type (table) == G_TYPE_POINTER);

  g_assert_true (wk_key_table_insert (table, key, box));
  g_assert_true (wk_key_table_lookup (table, key, &out));
  g_assert_true (out == (gpointer) box);
  g_assert_true (wk_key_table_remove (table, key));

  g_assert_true (wk_key_table_insert (table, key, box));
  g_assert_finalize_object (table);
  g_assert_finalize_object (key);

  g_assert_cmpint (g_atomic_int_get (&n_box_copied), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&n_box_freed), ==, 0);
  box_free (box);
}

/* /Wobj/KeyTable/properties-refused: the combinations that
 * wk_key_table_new_full() refuses, and those only properties can
 * express, get a critical that names the properties, and a table that
 * touches no value. */
static void
test_properties_refused (void)
{
  /* A copy function without a free function, or the reverse. */
  check_refused ("*value-copy-func*value-free-func*go together*",
                 "value-type", G_TYPE_POINTER,
                 "value-copy-func", box_copy,
                 NULL);
  check_refused ("*value-copy-func*value-free-func*go together*",
                 "value-type", G_TYPE_POINTER,
                 "value-free-func", box_free,
                 NULL);

  /* Functions for GValues, which bring their own. */
  check_refused ("*value-copy-func*need*value-type G_TYPE_POINTER*",
                 "value-copy-func", box_copy,
                 "value-free-func", box_free,
                 NULL);

  /* A value type that is neither. */
  check_refused ("*value-type must be G_TYPE_VALUE or G_TYPE_POINTER, not 'gchararray'*",
                 "value-type", G_TYPE_STRING,
                 NULL);
}

/* /Wobj/KeyTable/new-gvalues */
static void
test_new_gvalues (void)
{
  WkKeyTable *table;
  TestKey *key_string = test_key_new (1);
  TestKey *key_int = test_key_new (2);
  TestKey *key_object = test_key_new (3);
  TestKey *key_default = test_key_new (4);
  TestKey *key_boxed = test_key_new (5);
  TestKey *payload = test_key_new (100);
  gpointer payload_ptr = payload;
  SignalRecord rec = { 0 };
  GValue value = G_VALUE_INIT;
  GValue out = G_VALUE_INIT;
  GValue *boxed;
  gpointer stored = NULL;

  test_reset ();
  events_start ();
  payload->log_finalize = TRUE;
  g_object_add_weak_pointer (G_OBJECT (payload), &payload_ptr);

  table = wk_key_table_new ();
  g_assert_true (WK_IS_KEY_TABLE (table));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  g_signal_connect (table, "object-finalized", G_CALLBACK (gvalue_signal_cb), &rec);

  /* A string: the table stores its own copy. */
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "first");
  g_assert_true (wk_key_table_insert_value (table, key_string, &value));
  g_value_set_string (&value, "changed by the caller");
  g_assert_true (wk_key_table_lookup_value (table, key_string, &out));
  g_assert_true (G_VALUE_HOLDS_STRING (&out));
  g_assert_cmpstr (g_value_get_string (&out), ==, "first");
  /* What a lookup gives is a copy too. */
  g_value_set_string (&out, "changed by the caller");
  g_value_unset (&out);
  g_assert_true (wk_key_table_lookup_value (table, key_string, &out));
  g_assert_cmpstr (g_value_get_string (&out), ==, "first");
  g_value_unset (&out);
  g_value_unset (&value);

  /* An int. */
  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 42);
  g_assert_true (wk_key_table_insert_value (table, key_int, &value));
  g_value_unset (&value);
  g_assert_true (wk_key_table_lookup_value (table, key_int, &out));
  g_assert_true (G_VALUE_HOLDS_INT (&out));
  g_assert_cmpint (g_value_get_int (&out), ==, 42);
  g_value_unset (&out);

  /* Replacing: FALSE, and the new value is the one seen. */
  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 7);
  g_assert_false (wk_key_table_insert_value (table, key_int, &value));
  g_value_unset (&value);
  g_assert_true (wk_key_table_lookup_value (table, key_int, &out));
  g_assert_cmpint (g_value_get_int (&out), ==, 7);
  g_value_unset (&out);

  /* An object: the stored copy holds a reference to it. */
  g_value_init (&value, G_TYPE_OBJECT);
  g_value_set_object (&value, payload);
  g_assert_cmpuint (ref_count (payload), ==, 2);
  g_assert_true (wk_key_table_insert_value (table, key_object, &value));
  g_assert_cmpuint (ref_count (payload), ==, 3);
  g_value_unset (&value);
  g_assert_cmpuint (ref_count (payload), ==, 2);
  g_assert_true (wk_key_table_lookup_value (table, key_object, &out));
  g_assert_true (G_VALUE_HOLDS_OBJECT (&out));
  g_assert_true (g_value_get_object (&out) == (gpointer) payload);
  g_assert_cmpuint (ref_count (payload), ==, 3);
  g_value_unset (&out);
  g_assert_cmpuint (ref_count (payload), ==, 2);
  /* The key is not held. */
  g_assert_cmpuint (ref_count (key_object), ==, 1);

  /* lookup_or_insert_value: Python's setdefault. */
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, "default");
  g_assert_true (wk_key_table_lookup_or_insert_value (table, key_default, &value, &out));
  g_assert_true (G_VALUE_HOLDS_STRING (&out));
  g_assert_cmpstr (g_value_get_string (&out), ==, "default");
  g_value_unset (&out);
  g_value_set_string (&value, "ignored");
  g_assert_false (wk_key_table_lookup_or_insert_value (table, key_default, &value, &out));
  g_assert_cmpstr (g_value_get_string (&out), ==, "default");
  g_value_unset (&out);
  g_value_unset (&value);

  /* A GValue pointer through the plain functions: the table owns it, a
   * lookup returns a copy to free with g_boxed_free(). */
  boxed = g_new0 (GValue, 1);
  g_value_init (boxed, G_TYPE_STRING);
  g_value_set_string (boxed, "boxed");
  g_assert_true (wk_key_table_insert (table, key_boxed, boxed));
  g_assert_true (wk_key_table_lookup (table, key_boxed, &stored));
  g_assert_nonnull (stored);
  g_assert_true (stored != (gpointer) boxed);
  g_assert_true (G_VALUE_HOLDS_STRING (stored));
  g_assert_cmpstr (g_value_get_string (stored), ==, "boxed");
  g_boxed_free (G_TYPE_VALUE, stored);

  g_assert_cmpuint (wk_key_table_get_size (table), ==, 5);

  /* pop_value: the value, and the entry is gone. */
  g_assert_true (wk_key_table_pop_value (table, key_string, &out));
  g_assert_cmpstr (g_value_get_string (&out), ==, "first");
  g_value_unset (&out);
  g_assert_false (wk_key_table_contains (table, key_string));
  /* A missing key gives a NULL pointer value, which bindings see as none. */
  g_assert_false (wk_key_table_pop_value (table, key_string, &out));
  g_assert_true (G_VALUE_HOLDS_POINTER (&out));
  g_assert_null (g_value_get_pointer (&out));
  g_value_unset (&out);
  g_assert_false (wk_key_table_lookup_value (table, key_string, &out));
  g_assert_true (G_VALUE_HOLDS_POINTER (&out));
  g_assert_null (g_value_get_pointer (&out));
  g_value_unset (&out);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 4);

  /* The signal carries the stored GValue. */
  g_assert_finalize_object (key_int);
  assert_events ("S:i7");

  /* The table's value holds the payload's last reference: the payload is
   * released only after the handler saw it. */
  g_object_unref (payload);
  g_assert_nonnull (payload_ptr);
  g_assert_finalize_object (key_object);
  g_assert_null (payload_ptr);
  assert_events ("S:i7 S:o100 X100");

  g_assert_finalize_object (key_default);
  g_assert_finalize_object (key_boxed);
  assert_events ("S:i7 S:o100 X100 S:sdefault S:sboxed");
  g_assert_cmpint (rec.n, ==, 4);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);

  /* Popped before: no signal. */
  g_assert_finalize_object (key_string);
  g_assert_cmpint (rec.n, ==, 4);

  g_assert_finalize_object (table);
  events_stop ();
}

/* /Wobj/KeyTable/new-full-copy-free */
static void
test_new_full_copy_free (void)
{
  WkKeyTable *table;
  TestKey *key1 = test_key_new (1);
  TestKey *key2 = test_key_new (2);
  TestKey *key3 = test_key_new (3);
  SignalRecord rec = { 0 };
  Box *stored1;
  gpointer out = NULL;

  test_reset ();
  events_start ();

  table = box_table_new ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);

  stored1 = box_new (1);
  g_assert_true (wk_key_table_insert (table, key1, stored1));
  g_assert_true (wk_key_table_insert (table, key2, box_new (2)));
  g_assert_true (wk_key_table_insert (table, key3, box_new (3)));
  g_assert_cmpint (n_box_copied, ==, 0);

  /* A lookup returns a copy, which the caller frees. */
  g_assert_true (wk_key_table_lookup (table, key1, &out));
  g_assert_nonnull (out);
  g_assert_true (out != (gpointer) stored1);
  g_assert_true (((Box *) out)->is_copy);
  g_assert_cmpint (((Box *) out)->id, ==, 1);
  g_assert_cmpint (n_box_copied, ==, 1);
  box_free (out);

  /* Without an out argument, nothing is copied. */
  g_assert_true (wk_key_table_lookup (table, key1, NULL));
  g_assert_cmpint (n_box_copied, ==, 1);
  g_assert_cmpint (boxes_live (), ==, 3);
  assert_events ("");

  /* Each way out frees the table's value once: remove... */
  g_assert_true (wk_key_table_remove (table, key2));
  assert_events ("F2");

  /* ...the key's death, after the signal... */
  g_assert_finalize_object (key3);
  assert_events ("F2 S3 F3");

  /* ...and the table's own end. */
  g_assert_finalize_object (table);
  assert_events ("F2 S3 F3 F1");
  g_assert_cmpint (boxes_live (), ==, 0);
  assert_boxes_all_freed ();
  g_assert_cmpint (rec.n, ==, 1);

  /* The table left the keys. */
  g_assert_cmpuint (count_anchor_members (key1), ==, 0);
  g_assert_finalize_object (key1);
  g_assert_finalize_object (key2);
  assert_events ("F2 S3 F3 F1");
  events_stop ();
}

/* /Wobj/KeyTable/new-full-refcounted */
static void
test_new_full_refcounted (void)
{
  WkKeyTable *table;
  TestKey *key1 = test_key_new (1);
  TestKey *key2 = test_key_new (2);
  Shared *shared1 = shared_new (1);
  SignalRecord rec = { 0 };
  gpointer out = NULL;

  test_reset ();
  events_start ();

  table = wk_key_table_new_full (shared_ref_cb, shared_unref_cb);
  g_assert_true (WK_IS_KEY_TABLE (table));
  g_signal_connect (table, "object-finalized", G_CALLBACK (shared_signal_cb), &rec);

  /* The table owns the reference it is given. */
  g_assert_true (wk_key_table_insert (table, key1, shared_ref_cb (shared1)));
  g_assert_cmpint (shared1->ref_count, ==, 2);

  /* A lookup's copy is a new reference. */
  g_assert_true (wk_key_table_lookup (table, key1, &out));
  g_assert_true (out == (gpointer) shared1);
  g_assert_cmpint (shared1->ref_count, ==, 3);
  shared_unref_cb (out);
  g_assert_cmpint (shared1->ref_count, ==, 2);

  /* Replacing drops the table's reference to the old value, once. */
  g_assert_false (wk_key_table_insert (table, key1, shared_new (3)));
  g_assert_cmpint (shared1->ref_count, ==, 1);

  /* A value only the table holds: destroyed after its key's signal. */
  g_assert_true (wk_key_table_insert (table, key2, shared_new (2)));
  g_assert_finalize_object (key2);
  assert_events ("S2 D2");
  g_assert_cmpint (rec.n, ==, 1);

  g_assert_finalize_object (table);
  assert_events ("S2 D2 D3");
  g_assert_cmpint (shared1->ref_count, ==, 1);
  shared_unref_cb (shared1);
  g_assert_cmpint (n_shared_destroyed, ==, 3);

  g_assert_finalize_object (key1);
  events_stop ();
}

/* /Wobj/KeyTable/new-full-plain */
static gpointer
plain_factory (gpointer key,
               gpointer user_data)
{
  g_atomic_int_inc ((gint *) user_data);
  return GINT_TO_POINTER (9);
}

static void
test_new_full_plain (void)
{
  WkKeyTable *table;
  TestKey *key1 = test_key_new (1);
  TestKey *key2 = test_key_new (2);
  TestKey *key3 = test_key_new (3);
  SignalRecord rec = { 0 };
  GPtrArray *keys = NULL;
  GPtrArray *values = NULL;
  gpointer out = NULL;
  gint n_factory = 0;

  test_reset ();

  table = wk_key_table_new_full (NULL, NULL);
  g_assert_true (WK_IS_KEY_TABLE (table));
  g_signal_connect (table, "object-finalized", G_CALLBACK (plain_signal_cb), &rec);

  g_assert_true (wk_key_table_insert (table, key1, GINT_TO_POINTER (5)));
  /* NULL is a value like any other. */
  g_assert_true (wk_key_table_insert (table, key2, NULL));

  g_assert_true (wk_key_table_lookup (table, key1, &out));
  g_assert_true (out == GINT_TO_POINTER (5));
  out = GINT_TO_POINTER (1);
  g_assert_true (wk_key_table_lookup (table, key2, &out));
  g_assert_null (out);

  out = wk_key_table_lookup_or_insert (table, key3, plain_factory, &n_factory);
  g_assert_true (out == GINT_TO_POINTER (9));
  g_assert_cmpint (n_factory, ==, 1);

  g_assert_true (wk_key_table_pop (table, key1, &out));
  g_assert_true (out == GINT_TO_POINTER (5));
  g_assert_false (wk_key_table_contains (table, key1));

  wk_key_table_dup_entries (table, &keys, &values);
  g_assert_cmpuint (keys->len, ==, 2);
  g_assert_cmpuint (values->len, ==, 2);
  g_assert_true (g_ptr_array_index (keys, 0) == (gpointer) key2);
  g_assert_null (g_ptr_array_index (values, 0));
  g_assert_true (g_ptr_array_index (keys, 1) == (gpointer) key3);
  g_assert_true (g_ptr_array_index (values, 1) == GINT_TO_POINTER (9));
  g_ptr_array_unref (keys);
  g_ptr_array_unref (values);

  /* The signal carries the stored pointer. */
  g_assert_finalize_object (key3);
  g_assert_cmpint (rec.n, ==, 1);
  g_assert_cmpint (rec.last_id, ==, 9);
  g_assert_finalize_object (key2);
  g_assert_cmpint (rec.n, ==, 2);
  g_assert_cmpint (rec.last_id, ==, 0);

  g_assert_finalize_object (key1);
  g_assert_cmpint (rec.n, ==, 2);
  g_assert_finalize_object (table);
}

/* /Wobj/KeyTable/new-full-half */
static void
test_new_full_half (void)
{
  WkKeyTable *table;

  test_reset ();

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_key_table_new_full: assertion '*' failed");
  table = wk_key_table_new_full (box_copy, NULL);
  g_test_assert_expected_messages ();
  g_assert_null (table);

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_key_table_new_full: assertion '*' failed");
  table = wk_key_table_new_full (NULL, box_free);
  g_test_assert_expected_messages ();
  g_assert_null (table);
}

/* /Wobj/KeyTable/value-functions-on-full-table */
static void
test_value_functions_on_full_table (void)
{
  WkKeyTable *tables[2];
  TestKey *key = test_key_new (1);
  TestKey *other = test_key_new (2);
  GValue value = G_VALUE_INIT;
  GValue out = G_VALUE_INIT;

  test_reset ();

  tables[0] = box_table_new ();
  tables[1] = wk_key_table_new_full (NULL, NULL);
  g_assert_true (wk_key_table_insert (tables[0], key, box_new (1)));
  g_assert_true (wk_key_table_insert (tables[1], key, GINT_TO_POINTER (1)));

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 5);

  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      WkKeyTable *table = tables[i];

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_key_table_insert_value: assertion '*' failed");
      g_assert_false (wk_key_table_insert_value (table, other, &value));
      g_test_assert_expected_messages ();

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_key_table_insert_value: assertion '*' failed");
      g_assert_false (wk_key_table_insert_value (table, key, &value));
      g_test_assert_expected_messages ();

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_key_table_lookup_value: assertion '*' failed");
      g_assert_false (wk_key_table_lookup_value (table, key, &out));
      g_test_assert_expected_messages ();
      g_assert_false (G_IS_VALUE (&out));

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_key_table_lookup_or_insert_value: assertion '*' failed");
      g_assert_false (wk_key_table_lookup_or_insert_value (table, other, &value, &out));
      g_test_assert_expected_messages ();
      g_assert_false (G_IS_VALUE (&out));

      g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                             "wk_key_table_pop_value: assertion '*' failed");
      g_assert_false (wk_key_table_pop_value (table, key, &out));
      g_test_assert_expected_messages ();
      g_assert_false (G_IS_VALUE (&out));

      /* Nothing changed. */
      g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
      g_assert_true (wk_key_table_contains (table, key));
      g_assert_false (wk_key_table_contains (table, other));
    }

  g_assert_cmpint (lookup_id (tables[0], key), ==, 1);
  g_assert_cmpint (boxes_live (), ==, 1);
  g_value_unset (&value);

  g_assert_finalize_object (tables[0]);
  g_assert_finalize_object (tables[1]);
  assert_boxes_all_freed ();
  g_assert_finalize_object (key);
  g_assert_finalize_object (other);
}

/* /Wobj/KeyTable/insert */
static void
test_insert (void)
{
  WkKeyTable *table;
  TestKey *key = test_key_new (1);
  TestKey *key_null = test_key_new (2);
  SignalRecord rec = { 0 };
  gpointer out = NULL;

  test_reset ();
  events_start ();

  table = box_table_new ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);

  /* TRUE for a new key. */
  g_assert_true (wk_key_table_insert (table, key, box_new (1)));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
  g_assert_cmpint (lookup_id (table, key), ==, 1);

  /* FALSE for a replacement, which frees the old value at once, once. */
  g_assert_false (wk_key_table_insert (table, key, box_new (2)));
  assert_events ("F1");
  g_assert_cmpint (lookup_id (table, key), ==, 2);
  g_assert_false (wk_key_table_insert (table, key, box_new (3)));
  assert_events ("F1 F2");
  g_assert_cmpint (lookup_id (table, key), ==, 3);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
  g_assert_cmpint (boxes_live (), ==, 1);

  /* No signal for a replacement, no reference to the key, and one
   * membership however often the value changed. */
  g_assert_cmpint (rec.n, ==, 0);
  g_assert_cmpuint (ref_count (key), ==, 1);
  g_assert_cmpuint (count_anchor_members (key), ==, 1);

  /* A NULL value. */
  g_assert_true (wk_key_table_insert (table, key_null, NULL));
  out = GINT_TO_POINTER (1);
  g_assert_true (wk_key_table_lookup (table, key_null, &out));
  g_assert_null (out);
  g_assert_false (wk_key_table_insert (table, key_null, box_new (4)));
  g_assert_cmpint (lookup_id (table, key_null), ==, 4);
  g_assert_false (wk_key_table_insert (table, key_null, NULL));
  assert_events ("F1 F2 F4");
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 2);

  /* The current value is the one the death reports. */
  g_assert_finalize_object (key);
  assert_events ("F1 F2 F4 S3 F3");
  g_assert_cmpint (rec.n, ==, 1);

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  g_assert_finalize_object (key_null);
  events_stop ();
}

/* /Wobj/KeyTable/lookup */
static void
test_lookup (void)
{
  WkKeyTable *table;
  WkKeyTable *other_table;
  TestKey *key = test_key_new (1);
  TestKey *absent = test_key_new (2);
  TestKey *elsewhere = test_key_new (3);
  TestKey *removed = test_key_new (4);
  gpointer sentinel = GINT_TO_POINTER (0x5a5a);
  gpointer out = sentinel;

  test_reset ();

  table = box_table_new ();
  other_table = box_table_new ();
  g_assert_true (wk_key_table_insert (table, key, box_new (1)));
  g_assert_true (wk_key_table_insert (other_table, elsewhere, box_new (3)));
  g_assert_true (wk_key_table_insert (table, removed, box_new (4)));

  /* A missing key: FALSE, and the out argument untouched. */
  g_assert_false (wk_key_table_lookup (table, absent, &out));
  g_assert_true (out == sentinel);
  g_assert_false (wk_key_table_lookup (table, absent, NULL));
  /* A key held by another table only. */
  g_assert_false (wk_key_table_lookup (table, elsewhere, &out));
  g_assert_true (out == sentinel);

  /* A present key: a copy, each time a new one. */
  g_assert_true (wk_key_table_lookup (table, key, &out));
  g_assert_true (out != sentinel);
  g_assert_cmpint (((Box *) out)->id, ==, 1);
  g_assert_true (((Box *) out)->is_copy);
  box_free (out);
  g_assert_cmpint (n_box_copied, ==, 1);
  g_assert_cmpint (lookup_id (table, key), ==, 1);
  g_assert_cmpint (n_box_copied, ==, 2);

  /* After remove: FALSE. */
  g_assert_true (wk_key_table_remove (table, removed));
  out = sentinel;
  g_assert_false (wk_key_table_lookup (table, removed, &out));
  g_assert_true (out == sentinel);

  /* After the key's death (g_object_run_dispose() is one, and leaves the
   * object alive to ask about): FALSE. */
  g_object_run_dispose (G_OBJECT (key));
  g_assert_false (wk_key_table_lookup (table, key, &out));
  g_assert_true (out == sentinel);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
  g_assert_finalize_object (other_table);
  assert_boxes_all_freed ();
  g_assert_finalize_object (key);
  g_assert_finalize_object (absent);
  g_assert_finalize_object (elsewhere);
  g_assert_finalize_object (removed);
}

/* /Wobj/KeyTable/lookup-or-insert */
static void
test_lookup_or_insert (void)
{
  WkKeyTable *table;
  TestKey *key = test_key_new (1);
  BoxFactory factory = { 0 };
  Box *out;

  test_reset ();
  events_start ();

  table = box_table_new ();
  factory.expected_key = key;
  factory.id = 1;

  /* Missing: the factory runs once, the table keeps its value, the caller
   * gets a copy. */
  out = wk_key_table_lookup_or_insert (table, key, box_factory, &factory);
  g_assert_cmpint (factory.n_calls, ==, 1);
  g_assert_nonnull (out);
  g_assert_true (out != factory.made);
  g_assert_true (out->is_copy);
  g_assert_cmpint (out->id, ==, 1);
  box_free (out);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
  g_assert_cmpint (boxes_live (), ==, 1);

  /* Present: the factory does not run. */
  factory.id = 2;
  out = wk_key_table_lookup_or_insert (table, key, box_factory, &factory);
  g_assert_cmpint (factory.n_calls, ==, 1);
  g_assert_cmpint (out->id, ==, 1);
  box_free (out);
  g_assert_cmpint (boxes_live (), ==, 1);

  /* Missing again after a remove. */
  g_assert_true (wk_key_table_remove (table, key));
  out = wk_key_table_lookup_or_insert (table, key, box_factory, &factory);
  g_assert_cmpint (factory.n_calls, ==, 2);
  g_assert_cmpint (out->id, ==, 2);
  box_free (out);
  g_assert_cmpint (lookup_id (table, key), ==, 2);
  assert_events ("F1");

  g_assert_finalize_object (table);
  assert_events ("F1 F2");
  assert_boxes_all_freed ();
  g_assert_finalize_object (key);
  events_stop ();
}

/* /Wobj/KeyTable/lookup-or-insert-concurrent: threads miss the same key
 * at once; one value wins, every thread gets it, the others are freed. */
#define N_RACE_THREADS 4
#define N_RACE_ROUNDS 200

typedef struct
{
  WkKeyTable *table;
  TestKey    *key;
  GMutex      lock;
  GCond       cond;
  gboolean    go;
  gboolean    barrier;       /* factories wait until all threads are in one */
  guint       n_in_factory;
  gint        n_factory;     /* atomic */
  gint        next_id;       /* atomic */
  gint        results[N_RACE_THREADS];
} Race;

typedef struct
{
  Race *race;
  guint index;
} RaceThread;

static gpointer
race_factory (gpointer key,
              gpointer user_data)
{
  Race *race = user_data;

  g_assert_true (key == (gpointer) race->key);
  g_atomic_int_inc (&race->n_factory);

  if (race->barrier)
    {
      /* The factory runs with no lock held: every thread can be in it at
       * once. A lock held here would make this wait time out. */
      gint64 deadline = g_get_monotonic_time () + WK_TEST_TIMEOUT_S * G_TIME_SPAN_SECOND;

      g_mutex_lock (&race->lock);
      race->n_in_factory++;
      g_cond_broadcast (&race->cond);
      while (race->n_in_factory < N_RACE_THREADS)
        g_assert_true (g_cond_wait_until (&race->cond, &race->lock, deadline));
      g_mutex_unlock (&race->lock);
    }
  else
    {
      g_thread_yield ();
    }

  return box_new (g_atomic_int_add (&race->next_id, 1) + 1);
}

static gpointer
race_thread_func (gpointer data)
{
  RaceThread *rt = data;
  Race *race = rt->race;
  Box *value;

  g_mutex_lock (&race->lock);
  while (!race->go)
    g_cond_wait (&race->cond, &race->lock);
  g_mutex_unlock (&race->lock);

  value = wk_key_table_lookup_or_insert (race->table, race->key, race_factory, race);
  g_assert_nonnull (value);
  g_assert_true (value->is_copy);
  race->results[rt->index] = value->id;
  box_free (value);

  return NULL;
}

/* Runs one race on a fresh key and returns how many factories ran. */
static gint
run_race (WkKeyTable *table,
          gboolean    barrier)
{
  Race race = { 0 };
  RaceThread rts[N_RACE_THREADS];
  GThread *threads[N_RACE_THREADS];
  gint n_factory;

  g_mutex_init (&race.lock);
  g_cond_init (&race.cond);
  race.table = table;
  race.key = test_key_new (0);
  race.barrier = barrier;

  for (guint i = 0; i < N_RACE_THREADS; i++)
    {
      rts[i].race = &race;
      rts[i].index = i;
      threads[i] = g_thread_new ("wk-test-race", race_thread_func, &rts[i]);
    }

  g_mutex_lock (&race.lock);
  race.go = TRUE;
  g_cond_broadcast (&race.cond);
  g_mutex_unlock (&race.lock);

  for (guint i = 0; i < N_RACE_THREADS; i++)
    g_thread_join (threads[i]);

  /* Everyone got the value that won, and it is the table's. */
  for (guint i = 1; i < N_RACE_THREADS; i++)
    g_assert_cmpint (race.results[i], ==, race.results[0]);
  g_assert_cmpint (lookup_id (table, race.key), ==, race.results[0]);
  g_assert_cmpint (race.results[0], >=, 1);
  g_assert_cmpint (race.results[0], <=, race.n_factory);

  /* The losers' values are freed: only the winner's is left. */
  g_assert_cmpint (boxes_live (), ==, 1);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);

  n_factory = race.n_factory;
  g_assert_cmpint (n_factory, >=, 1);
  g_assert_cmpint (n_factory, <=, N_RACE_THREADS);

  g_assert_finalize_object (race.key);
  g_assert_cmpint (boxes_live (), ==, 0);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);

  g_cond_clear (&race.cond);
  g_mutex_clear (&race.lock);

  return n_factory;
}

static void
test_lookup_or_insert_concurrent (void)
{
  WkKeyTable *table;
  gint n_lost = 0;

  test_reset ();

  table = box_table_new ();

  /* Every thread misses and makes a value: one wins, three are freed. */
  g_assert_cmpint (run_race (table, TRUE), ==, N_RACE_THREADS);

  /* Free races. */
  for (guint round = 0; round < N_RACE_ROUNDS; round++)
    n_lost += run_race (table, FALSE) - 1;
  g_test_message ("%d free races on one key: %d values made and freed by losers",
                  N_RACE_ROUNDS, n_lost);

  wk_test_drain_context (NULL);
  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
}

/* /Wobj/KeyTable/contains */
static void
test_contains (void)
{
  WkKeyTable *table;
  WkKeyTable *other_table;
  TestKey *key = test_key_new (1);
  TestKey *elsewhere = test_key_new (2);

  test_reset ();

  table = box_table_new ();
  other_table = box_table_new ();
  g_assert_true (wk_key_table_insert (other_table, elsewhere, box_new (2)));

  g_assert_false (wk_key_table_contains (table, key));
  g_assert_true (wk_key_table_insert (table, key, box_new (1)));
  g_assert_true (wk_key_table_contains (table, key));
  g_assert_false (wk_key_table_contains (table, elsewhere));
  g_assert_true (wk_key_table_contains (other_table, elsewhere));
  g_assert_false (wk_key_table_contains (other_table, key));
  /* No copy is made, no reference kept. */
  g_assert_cmpint (n_box_copied, ==, 0);
  g_assert_cmpuint (ref_count (key), ==, 1);

  g_assert_true (wk_key_table_remove (table, key));
  g_assert_false (wk_key_table_contains (table, key));
  g_assert_true (wk_key_table_insert (table, key, box_new (3)));
  g_assert_true (wk_key_table_pop (table, key, NULL));
  g_assert_false (wk_key_table_contains (table, key));
  g_assert_true (wk_key_table_insert (table, key, box_new (4)));
  g_assert_true (wk_key_table_contains (table, key));
  g_object_run_dispose (G_OBJECT (key));
  g_assert_false (wk_key_table_contains (table, key));

  g_assert_finalize_object (table);
  g_assert_finalize_object (other_table);
  assert_boxes_all_freed ();
  g_assert_finalize_object (key);
  g_assert_finalize_object (elsewhere);
}

/* /Wobj/KeyTable/remove */
static void
test_remove (void)
{
  WkKeyTable *table;
  TestKey *key1 = test_key_new (1);
  TestKey *key2 = test_key_new (2);
  SignalRecord rec = { 0 };

  test_reset ();
  events_start ();

  table = box_table_new ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);
  g_assert_true (wk_key_table_insert (table, key1, box_new (1)));
  g_assert_true (wk_key_table_insert (table, key2, box_new (2)));

  /* TRUE, the value freed at once, once, and no signal. */
  g_assert_true (wk_key_table_remove (table, key1));
  assert_events ("F1");
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
  g_assert_false (wk_key_table_contains (table, key1));
  g_assert_cmpint (rec.n, ==, 0);
  /* The table left the key. */
  g_assert_cmpuint (count_anchor_members (key1), ==, 0);
  g_assert_cmpuint (ref_count (key1), ==, 1);

  /* FALSE the second time. */
  g_assert_false (wk_key_table_remove (table, key1));
  assert_events ("F1");

  /* The removed key's death reaches nothing. */
  g_assert_finalize_object (key1);
  g_assert_cmpint (rec.n, ==, 0);
  assert_events ("F1");

  g_assert_cmpint (lookup_id (table, key2), ==, 2);
  g_assert_finalize_object (key2);
  assert_events ("F1 S2 F2");

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/pop */
static void
test_pop (void)
{
  WkKeyTable *table;
  TestKey *key1 = test_key_new (1);
  TestKey *key2 = test_key_new (2);
  SignalRecord rec = { 0 };
  gpointer sentinel = GINT_TO_POINTER (0x5a5a);
  gpointer out = NULL;

  test_reset ();
  events_start ();

  table = box_table_new ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);
  g_assert_true (wk_key_table_insert (table, key1, box_new (1)));
  g_assert_true (wk_key_table_insert (table, key2, box_new (2)));

  /* A copy for the caller; the table's value is freed and the entry gone. */
  g_assert_true (wk_key_table_pop (table, key1, &out));
  g_assert_nonnull (out);
  g_assert_true (((Box *) out)->is_copy);
  g_assert_cmpint (((Box *) out)->id, ==, 1);
  assert_events ("F1");
  box_free (out);
  g_assert_false (wk_key_table_contains (table, key1));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
  g_assert_cmpuint (count_anchor_members (key1), ==, 0);

  /* Missing: FALSE, the out argument untouched. */
  out = sentinel;
  g_assert_false (wk_key_table_pop (table, key1, &out));
  g_assert_true (out == sentinel);

  /* Without an out argument. */
  g_assert_true (wk_key_table_pop (table, key2, NULL));
  assert_events ("F1 F2");
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);

  g_assert_finalize_object (key1);
  g_assert_finalize_object (key2);
  g_assert_cmpint (rec.n, ==, 0);

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/remove-all */
static void
test_remove_all (void)
{
  WkKeyTable *table;
  TestKey *keys[3];
  SignalRecord rec = { 0 };

  test_reset ();
  events_start ();

  table = box_table_new ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      keys[i] = test_key_new ((gint) i + 1);
      g_assert_true (wk_key_table_insert (table, keys[i], box_new ((gint) i + 1)));
    }

  /* Every value freed at once, once; nothing emitted; the keys left. */
  wk_key_table_remove_all (table);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  g_assert_cmpint (n_box_freed, ==, 3);
  g_assert_cmpint (boxes_live (), ==, 0);
  g_assert_cmpint (rec.n, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_assert_false (wk_key_table_contains (table, keys[i]));
      g_assert_cmpuint (count_anchor_members (keys[i]), ==, 0);
      g_assert_cmpuint (ref_count (keys[i]), ==, 1);
    }

  /* On an empty table: nothing. */
  wk_key_table_remove_all (table);
  g_assert_cmpint (n_box_freed, ==, 3);

  /* The table is still usable. */
  g_assert_true (wk_key_table_insert (table, keys[0], box_new (4)));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);

  /* Removed keys die unnoticed; the one inserted again is signalled. */
  g_assert_finalize_object (keys[1]);
  g_assert_finalize_object (keys[2]);
  g_assert_cmpint (rec.n, ==, 0);
  g_assert_finalize_object (keys[0]);
  g_assert_cmpint (rec.n, ==, 1);
  g_assert_cmpint (rec.last_id, ==, 4);

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/get-size */
static void
test_get_size (void)
{
  WkKeyTable *table;
  TestKey *key1 = test_key_new (1);
  TestKey *key2 = test_key_new (2);
  TestKey *key3 = test_key_new (3);
  TestKey *key4 = test_key_new (4);

  test_reset ();

  table = box_table_new ();
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  g_assert_true (wk_key_table_insert (table, key1, box_new (1)));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
  g_assert_true (wk_key_table_insert (table, key2, box_new (2)));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 2);
  g_assert_false (wk_key_table_insert (table, key2, box_new (3)));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 2);
  g_assert_true (wk_key_table_remove (table, key1));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
  g_assert_true (wk_key_table_pop (table, key2, NULL));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);

  g_assert_true (wk_key_table_insert (table, key3, box_new (4)));
  g_assert_true (wk_key_table_insert (table, key4, box_new (5)));
  g_assert_true (wk_key_table_insert (table, key1, box_new (6)));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 3);
  /* Exact after a death on the owner's thread. */
  g_assert_finalize_object (key3);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 2);
  g_object_run_dispose (G_OBJECT (key4));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
  g_assert_true (wk_key_table_insert (table, key4, box_new (7)));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 2);
  wk_key_table_remove_all (table);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  g_assert_finalize_object (key1);
  g_assert_finalize_object (key2);
  g_assert_finalize_object (key4);
}

/* /Wobj/KeyTable/dup-keys */
static void
assert_keys (GPtrArray  *keys,
             TestKey   **expected,
             guint       n_expected)
{
  g_assert_nonnull (keys);
  g_assert_cmpuint (keys->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_true (g_ptr_array_index (keys, i) == (gpointer) expected[i]);
}

static void
test_dup_keys (void)
{
  WkKeyTable *table;
  TestKey *keys[5];
  GPtrArray *snapshot;

  test_reset ();

  table = box_table_new ();

  snapshot = wk_key_table_dup_keys (table);
  g_assert_nonnull (snapshot);
  g_assert_cmpuint (snapshot->len, ==, 0);
  g_ptr_array_unref (snapshot);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      keys[i] = test_key_new ((gint) i);
      g_assert_true (wk_key_table_insert (table, keys[i], box_new ((gint) i)));
    }

  /* Insertion order; the array holds references and drops them. */
  snapshot = wk_key_table_dup_keys (table);
  assert_keys (snapshot, keys, 5);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_cmpuint (ref_count (keys[i]), ==, 2);
  g_ptr_array_unref (snapshot);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_cmpuint (ref_count (keys[i]), ==, 1);
  g_assert_cmpint (n_box_copied, ==, 0);

  /* A key removed and inserted again comes last. */
  g_assert_true (wk_key_table_remove (table, keys[2]));
  g_assert_true (wk_key_table_insert (table, keys[2], box_new (2)));
  snapshot = wk_key_table_dup_keys (table);
  assert_keys (snapshot, (TestKey *[]) { keys[0], keys[1], keys[3], keys[4], keys[2] }, 5);
  g_ptr_array_unref (snapshot);

  /* Only live keys: one finalized, one disposed but alive. */
  finalize_and_clear (&keys[4]);
  g_object_run_dispose (G_OBJECT (keys[1]));
  snapshot = wk_key_table_dup_keys (table);
  assert_keys (snapshot, (TestKey *[]) { keys[0], keys[3], keys[2] }, 3);
  g_ptr_array_unref (snapshot);

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  for (guint i = 0; i < 4; i++)
    g_assert_finalize_object (keys[i]);
}

/* /Wobj/KeyTable/dup-entries */
static void
assert_entries_aligned (GPtrArray *keys,
                        GPtrArray *values,
                        gint       id_offset)
{
  g_assert_cmpuint (keys->len, ==, values->len);
  for (guint i = 0; i < keys->len; i++)
    {
      TestKey *key = g_ptr_array_index (keys, i);
      Box *box = g_ptr_array_index (values, i);

      g_assert_true (TEST_IS_KEY (key));
      g_assert_cmpint (box->magic, ==, BOX_MAGIC);
      g_assert_true (box->is_copy);
      g_assert_cmpint (box->id, ==, key->index + id_offset);
    }
}

/* /Wobj/KeyTable/dup-values: the values of the live keys, in insertion
 * order, copies that the array frees. */
static void
test_dup_values (void)
{
  WkKeyTable *table = wk_key_table_new ();
  GObject *keys[3];
  GObject *gone;
  GPtrArray *values;

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GValue value = G_VALUE_INIT;

      keys[i] = g_object_new (G_TYPE_OBJECT, NULL);
      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, (gint) i);
      g_assert_true (wk_key_table_insert_value (table, keys[i], &value));
      g_value_unset (&value);
    }
  gone = g_steal_pointer (&keys[1]);
  g_assert_finalize_object (gone);

  values = wk_key_table_dup_values (table);
  g_assert_cmpuint (values->len, ==, 2);
  g_assert_cmpint (g_value_get_int (g_ptr_array_index (values, 0)), ==, 0);
  g_assert_cmpint (g_value_get_int (g_ptr_array_index (values, 1)), ==, 2);
  g_ptr_array_unref (values);

  g_assert_finalize_object (keys[0]);
  g_assert_finalize_object (keys[2]);
  values = wk_key_table_dup_values (table);
  g_assert_cmpuint (values->len, ==, 0);
  g_ptr_array_unref (values);
  g_assert_finalize_object (table);
}

static void
test_dup_entries (void)
{
  WkKeyTable *table;
  WkKeyTable *gtable;
  TestKey *keys[4];
  GPtrArray *snapshot_keys = NULL;
  GPtrArray *snapshot_values = NULL;
  gint copied;

  test_reset ();

  table = box_table_new ();
  gtable = wk_key_table_new ();

  /* Empty: two empty arrays. */
  wk_key_table_dup_entries (table, &snapshot_keys, &snapshot_values);
  g_assert_nonnull (snapshot_keys);
  g_assert_nonnull (snapshot_values);
  g_assert_cmpuint (snapshot_keys->len, ==, 0);
  g_assert_cmpuint (snapshot_values->len, ==, 0);
  g_clear_pointer (&snapshot_keys, g_ptr_array_unref);
  g_clear_pointer (&snapshot_values, g_ptr_array_unref);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GValue value = G_VALUE_INIT;

      keys[i] = test_key_new ((gint) i);
      g_assert_true (wk_key_table_insert (table, keys[i], box_new ((gint) i + 10)));
      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, (gint) i + 20);
      g_assert_true (wk_key_table_insert_value (gtable, keys[i], &value));
      g_value_unset (&value);
    }

  /* In insertion order, aligned; the values are copies that the array
   * frees, the keys references that it drops. */
  wk_key_table_dup_entries (table, &snapshot_keys, &snapshot_values);
  assert_keys (snapshot_keys, keys, 4);
  assert_entries_aligned (snapshot_keys, snapshot_values, 10);
  g_assert_cmpint (n_box_copied, ==, 4);
  g_assert_cmpuint (ref_count (keys[0]), ==, 2);
  g_clear_pointer (&snapshot_keys, g_ptr_array_unref);
  g_clear_pointer (&snapshot_values, g_ptr_array_unref);
  g_assert_cmpint (boxes_live (), ==, 4);
  g_assert_cmpuint (ref_count (keys[0]), ==, 1);

  /* Either array alone. */
  copied = n_box_copied;
  wk_key_table_dup_entries (table, &snapshot_keys, NULL);
  assert_keys (snapshot_keys, keys, 4);
  g_assert_cmpint (n_box_copied, ==, copied);
  g_clear_pointer (&snapshot_keys, g_ptr_array_unref);
  wk_key_table_dup_entries (table, NULL, &snapshot_values);
  g_assert_cmpuint (snapshot_values->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (((Box *) g_ptr_array_index (snapshot_values, i))->id, ==, (gint) i + 10);
  g_clear_pointer (&snapshot_values, g_ptr_array_unref);
  g_assert_cmpint (boxes_live (), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (ref_count (keys[i]), ==, 1);

  /* Only live keys, still aligned. */
  finalize_and_clear (&keys[1]);
  g_assert_true (wk_key_table_remove (table, keys[3]));
  g_object_run_dispose (G_OBJECT (keys[2]));
  g_assert_true (wk_key_table_insert (table, keys[2], box_new (12)));
  wk_key_table_dup_entries (table, &snapshot_keys, &snapshot_values);
  assert_keys (snapshot_keys, (TestKey *[]) { keys[0], keys[2] }, 2);
  assert_entries_aligned (snapshot_keys, snapshot_values, 10);
  g_clear_pointer (&snapshot_keys, g_ptr_array_unref);
  g_clear_pointer (&snapshot_values, g_ptr_array_unref);

  /* A GValue table gives GValues. */
  wk_key_table_dup_entries (gtable, &snapshot_keys, &snapshot_values);
  assert_keys (snapshot_keys, (TestKey *[]) { keys[0], keys[3] }, 2);
  g_assert_cmpuint (snapshot_values->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      GValue *value = g_ptr_array_index (snapshot_values, i);
      TestKey *key = g_ptr_array_index (snapshot_keys, i);

      g_assert_true (G_VALUE_HOLDS_INT (value));
      g_assert_cmpint (g_value_get_int (value), ==, key->index + 20);
    }
  g_clear_pointer (&snapshot_keys, g_ptr_array_unref);
  g_clear_pointer (&snapshot_values, g_ptr_array_unref);

  g_assert_finalize_object (table);
  g_assert_finalize_object (gtable);
  assert_boxes_all_freed ();
  g_assert_finalize_object (keys[0]);
  g_assert_finalize_object (keys[2]);
  g_assert_finalize_object (keys[3]);
}

/* /Wobj/KeyTable/foreach */
typedef enum
{
  FOREACH_RECORD,
  FOREACH_REMOVE_AND_INSERT,
  FOREACH_KILL_LATER_KEY,
  FOREACH_REMOVE_ALL,
  FOREACH_DROP_TABLE,
} ForeachAction;

typedef struct
{
  WkKeyTable    *table;
  ForeachAction  action;
  GPtrArray     *seen_keys;    /* borrowed pointers, for comparison only */
  GPtrArray     *seen_values;
  TestKey       *inserted;     /* FOREACH_REMOVE_AND_INSERT */
  TestKey       *victim;       /* FOREACH_KILL_LATER_KEY: owned until killed */
} Foreach;

static void
foreach_cb (gpointer key,
            gpointer value,
            gpointer user_data)
{
  Foreach *fe = user_data;
  Box *box = value;
  gboolean first = fe->seen_keys->len == 0;

  g_assert_true (TEST_IS_KEY (key));
  g_assert_cmpint (test_key_is_disposed (TEST_KEY (key)), ==, 0);
  /* The key lives for the call. */
  g_assert_cmpuint (ref_count (key), >=, 2);
  g_assert_cmpint (box->magic, ==, BOX_MAGIC);
  g_assert_false (box->is_copy);

  g_ptr_array_add (fe->seen_keys, key);
  g_ptr_array_add (fe->seen_values, value);

  if (!first)
    return;

  switch (fe->action)
    {
    case FOREACH_RECORD:
      break;
    case FOREACH_REMOVE_AND_INSERT:
      g_assert_true (wk_key_table_remove (fe->table, key));
      g_assert_true (wk_key_table_insert (fe->table, fe->inserted, box_new (99)));
      /* The value given stays valid for the call. */
      g_assert_cmpint (box->magic, ==, BOX_MAGIC);
      break;
    case FOREACH_KILL_LATER_KEY:
      finalize_and_clear (&fe->victim);
      break;
    case FOREACH_REMOVE_ALL:
      wk_key_table_remove_all (fe->table);
      g_assert_cmpint (box->magic, ==, BOX_MAGIC);
      break;
    case FOREACH_DROP_TABLE:
      finalize_and_clear (&fe->table);
      g_assert_cmpint (box->magic, ==, BOX_MAGIC);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
foreach_setup (Foreach        *fe,
               ForeachAction   action,
               TestKey       **keys,
               Box           **stored,
               guint           n_keys)
{
  memset (fe, 0, sizeof *fe);
  fe->table = box_table_new ();
  fe->action = action;
  fe->seen_keys = g_ptr_array_new ();
  fe->seen_values = g_ptr_array_new ();

  for (guint i = 0; i < n_keys; i++)
    {
      keys[i] = test_key_new ((gint) i);
      stored[i] = box_new ((gint) i);
      g_assert_true (wk_key_table_insert (fe->table, keys[i], stored[i]));
    }
}

static void
foreach_teardown (Foreach  *fe,
                  TestKey **keys,
                  guint     n_keys)
{
  if (fe->table != NULL)
    g_assert_finalize_object (fe->table);
  for (guint i = 0; i < n_keys; i++)
    if (keys[i] != NULL)
      g_assert_finalize_object (keys[i]);
  finalize_and_clear (&fe->inserted);
  g_ptr_array_unref (fe->seen_keys);
  g_ptr_array_unref (fe->seen_values);
  assert_boxes_all_freed ();
}

static void
test_foreach (void)
{
  Foreach fe;
  TestKey *keys[4];
  Box *stored[4];
  gpointer table_ptr;

  test_reset ();

  /* Every entry, in insertion order, the values as stored (no copies). */
  foreach_setup (&fe, FOREACH_RECORD, keys, stored, 4);
  wk_key_table_foreach (fe.table, foreach_cb, &fe);
  g_assert_cmpuint (fe.seen_keys->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_assert_true (g_ptr_array_index (fe.seen_keys, i) == (gpointer) keys[i]);
      g_assert_true (g_ptr_array_index (fe.seen_values, i) == (gpointer) stored[i]);
      g_assert_cmpuint (ref_count (keys[i]), ==, 1);
    }
  g_assert_cmpint (n_box_copied, ==, 0);
  foreach_teardown (&fe, keys, 4);

  /* The callback removes the current key and inserts another: the walk
   * goes on over its snapshot, without the new key. */
  foreach_setup (&fe, FOREACH_REMOVE_AND_INSERT, keys, stored, 4);
  fe.inserted = test_key_new (99);
  wk_key_table_foreach (fe.table, foreach_cb, &fe);
  g_assert_cmpuint (fe.seen_keys->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_true (g_ptr_array_index (fe.seen_keys, i) == (gpointer) keys[i]);
  g_assert_false (wk_key_table_contains (fe.table, keys[0]));
  g_assert_true (wk_key_table_contains (fe.table, fe.inserted));
  g_assert_cmpuint (wk_key_table_get_size (fe.table), ==, 4);
  foreach_teardown (&fe, keys, 4);

  /* The callback drops the last reference to a later key: skipped. */
  foreach_setup (&fe, FOREACH_KILL_LATER_KEY, keys, stored, 4);
  fe.victim = g_steal_pointer (&keys[2]);
  wk_key_table_foreach (fe.table, foreach_cb, &fe);
  g_assert_null (fe.victim);
  g_assert_cmpuint (fe.seen_keys->len, ==, 3);
  g_assert_true (g_ptr_array_index (fe.seen_keys, 0) == (gpointer) keys[0]);
  g_assert_true (g_ptr_array_index (fe.seen_keys, 1) == (gpointer) keys[1]);
  g_assert_true (g_ptr_array_index (fe.seen_keys, 2) == (gpointer) keys[3]);
  g_assert_cmpuint (wk_key_table_get_size (fe.table), ==, 3);
  foreach_teardown (&fe, keys, 4);

  /* The callback clears the table: the walk is over the snapshot taken
   * when it started, whose keys all live; their values stay valid. */
  foreach_setup (&fe, FOREACH_REMOVE_ALL, keys, stored, 4);
  wk_key_table_foreach (fe.table, foreach_cb, &fe);
  g_assert_cmpuint (fe.seen_keys->len, ==, 4);
  g_assert_cmpuint (wk_key_table_get_size (fe.table), ==, 0);
  g_assert_cmpint (boxes_live (), ==, 0);
  foreach_teardown (&fe, keys, 4);

  /* The callback drops the table itself. */
  foreach_setup (&fe, FOREACH_DROP_TABLE, keys, stored, 4);
  table_ptr = fe.table;
  g_object_add_weak_pointer (G_OBJECT (fe.table), &table_ptr);
  wk_key_table_foreach (fe.table, foreach_cb, &fe);
  g_assert_null (table_ptr);
  g_assert_null (fe.table);
  g_assert_cmpuint (fe.seen_keys->len, ==, 4);
  g_assert_cmpint (boxes_live (), ==, 0);
  foreach_teardown (&fe, keys, 4);
}

/* /Wobj/KeyTable/iter */
static void
test_iter (void)
{
  WkKeyTable *table;
  WkKeyTable *gtable;
  TestKey *keys[4];
  gpointer key2_ptr;
  Box *stored[4];
  WkKeyTableIter iter;
  SignalRecord rec = { 0 };
  gpointer key = NULL;
  gpointer value = NULL;
  GValue gvalue = G_VALUE_INIT;
  guint n;

  test_reset ();
  events_start ();

  table = box_table_new ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      keys[i] = test_key_new ((gint) i);
      stored[i] = box_new ((gint) i);
      g_assert_true (wk_key_table_insert (table, keys[i], stored[i]));
    }

  /* A full walk: insertion order, values as stored, each key held by the
   * iterator for its step only. */
  n = 0;
  wk_key_table_iter_init (&iter, table);
  while (wk_key_table_iter_next (&iter, &key, &value))
    {
      g_assert_cmpuint (n, <, 4);
      g_assert_true (key == (gpointer) keys[n]);
      g_assert_true (value == (gpointer) stored[n]);
      g_assert_cmpuint (ref_count (keys[n]), ==, 2);
      if (n > 0)
        g_assert_cmpuint (ref_count (keys[n - 1]), ==, 1);
      n++;
    }
  g_assert_cmpuint (n, ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_cmpuint (ref_count (keys[i]), ==, 1);
  /* At the end it is cleared: next again is FALSE, clear is fine. */
  g_assert_false (wk_key_table_iter_next (&iter, &key, &value));
  wk_key_table_iter_clear (&iter);
  g_assert_cmpint (n_box_copied, ==, 0);

  /* Optional out arguments. */
  n = 0;
  wk_key_table_iter_init (&iter, table);
  while (wk_key_table_iter_next (&iter, NULL, NULL))
    n++;
  g_assert_cmpuint (n, ==, 4);

  /* Ended early with clear, twice. */
  wk_key_table_iter_init (&iter, table);
  g_assert_true (wk_key_table_iter_next (&iter, &key, &value));
  g_assert_true (key == (gpointer) keys[0]);
  g_assert_cmpuint (ref_count (keys[0]), ==, 2);
  wk_key_table_iter_clear (&iter);
  g_assert_cmpuint (ref_count (keys[0]), ==, 1);
  wk_key_table_iter_clear (&iter);

  /* Ended early by g_auto. */
    {
      g_auto(WkKeyTableIter) auto_iter = { 0 };

      wk_key_table_iter_init (&auto_iter, table);
      g_assert_true (wk_key_table_iter_next (&auto_iter, &key, NULL));
      g_assert_true (wk_key_table_iter_next (&auto_iter, &key, NULL));
      g_assert_true (key == (gpointer) keys[1]);
      g_assert_cmpuint (ref_count (keys[1]), ==, 2);
    }
  g_assert_cmpuint (ref_count (keys[1]), ==, 1);

  /* A key dying mid-walk is skipped. */
  wk_key_table_iter_init (&iter, table);
  g_assert_true (wk_key_table_iter_next (&iter, &key, &value));
  g_assert_true (key == (gpointer) keys[0]);
  finalize_and_clear (&keys[1]);
  g_assert_cmpint (rec.n, ==, 1);
  g_assert_true (wk_key_table_iter_next (&iter, &key, &value));
  g_assert_true (key == (gpointer) keys[2]);
  g_assert_true (value == (gpointer) stored[2]);

  /* The current key removed from the table: its value stays valid until
   * the next step. Its last outside reference dropped: the iterator keeps
   * it alive until the next step. */
  g_assert_true (wk_key_table_remove (table, keys[2]));
  g_assert_cmpint (((Box *) value)->magic, ==, BOX_MAGIC);
  g_assert_cmpint (((Box *) value)->id, ==, 2);
  key2_ptr = keys[2];
  g_object_add_weak_pointer (G_OBJECT (keys[2]), &key2_ptr);
  g_object_unref (g_steal_pointer (&keys[2]));
  g_assert_nonnull (key2_ptr);
  g_assert_true (wk_key_table_iter_next (&iter, &key, &value));
  g_assert_null (key2_ptr);
  g_assert_true (key == (gpointer) keys[3]);
  g_assert_false (wk_key_table_iter_next (&iter, &key, &value));
  /* keys[2] was removed before it died: no signal. */
  g_assert_cmpint (rec.n, ==, 1);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 2);
  /* Every value the walk still held is freed now. */
  g_assert_cmpint (boxes_live (), ==, 2);
  assert_event_before ("S1", "F1");

  /* A GValue table gives the stored GValues. */
  gtable = wk_key_table_new ();
  g_value_init (&gvalue, G_TYPE_STRING);
  g_value_set_string (&gvalue, "zero");
  g_assert_true (wk_key_table_insert_value (gtable, keys[0], &gvalue));
  g_value_unset (&gvalue);
  wk_key_table_iter_init (&iter, gtable);
  g_assert_true (wk_key_table_iter_next (&iter, &key, &value));
  g_assert_true (key == (gpointer) keys[0]);
  g_assert_true (G_VALUE_HOLDS_STRING (value));
  g_assert_cmpstr (g_value_get_string (value), ==, "zero");
  g_assert_false (wk_key_table_iter_next (&iter, &key, &value));
  g_assert_finalize_object (gtable);

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  g_assert_finalize_object (keys[0]);
  g_assert_finalize_object (keys[3]);
  events_stop ();
}

/* /Wobj/KeyTable/exact-removal: the last unref on the owner's thread
 * removes the entry and emits the signal before it returns; the value is
 * valid in the handler and freed after it. */
static void
test_exact_removal (void)
{
  WkKeyTable *table;
  TestKey *key = test_key_new (1);
  TestKey *other = test_key_new (2);
  gpointer key_ptr = key;
  SignalRecord rec = { 0 };

  test_reset ();
  events_start ();

  table = box_table_new ();
  rec.expect_thread = main_thread;
  rec.check_snapshot = TRUE;
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);
  g_assert_true (wk_key_table_insert (table, key, box_new (1)));
  g_assert_true (wk_key_table_insert (table, other, box_new (2)));
  key->log_finalize = TRUE;
  g_object_add_weak_pointer (G_OBJECT (key), &key_ptr);

  g_object_unref (key);

  /* All of it happened inside g_object_unref(). */
  g_assert_null (key_ptr);
  g_assert_cmpint (rec.n, ==, 1);
  g_assert_true (rec.thread == main_thread);
  g_assert_cmpint (rec.last_id, ==, 1);
  /* In the handler the entry was already gone, the value not yet freed. */
  g_assert_cmpuint (rec.size_in_handler, ==, 1);
  g_assert_cmpint (rec.freed_in_handler, ==, 0);
  /* The handler ran during dispose, the value was freed after it, before
   * the key's finalize. */
  assert_events ("S1 F1 X1");
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
  g_assert_cmpint (boxes_live (), ==, 1);

  g_assert_finalize_object (other);
  assert_events ("S1 F1 X1 S2 F2");
  g_assert_cmpuint (rec.size_in_handler, ==, 0);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/identity: keys are compared by identity, not equality. */
static void
test_identity (void)
{
  WkKeyTable *table;
  GFile *file1 = g_file_new_for_path ("/wobj/identity");
  GFile *file2 = g_file_new_for_path ("/wobj/identity");

  test_reset ();

  g_assert_true (file1 != file2);
  g_assert_true (g_file_equal (file1, file2));
  g_assert_cmpuint (g_file_hash (file1), ==, g_file_hash (file2));

  table = box_table_new ();
  g_assert_true (wk_key_table_insert (table, file1, box_new (1)));
  g_assert_true (wk_key_table_insert (table, file2, box_new (2)));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 2);
  g_assert_cmpint (lookup_id (table, file1), ==, 1);
  g_assert_cmpint (lookup_id (table, file2), ==, 2);

  g_assert_true (wk_key_table_remove (table, file1));
  g_assert_false (wk_key_table_contains (table, file1));
  g_assert_true (wk_key_table_contains (table, file2));

  g_assert_finalize_object (file2);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  g_assert_finalize_object (file1);
  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
}

/* /Wobj/KeyTable/address-reuse: an object allocated where a dead key was
 * is a different key, even while the dead key's signal is pending. */
#define REUSE_TRIES 100000

/* Makes TestKeys until one lands at @address (the others are dropped
 * at the end, so that each try gets a new block). */
static TestKey *
find_reused_address (gconstpointer address)
{
  GPtrArray *misses = g_ptr_array_new_with_free_func (g_object_unref);
  TestKey *found = NULL;
  guint tries = wk_test_scaled (REUSE_TRIES);

  for (guint i = 0; i < tries && found == NULL; i++)
    {
      TestKey *object = test_key_new (0);

      if ((gconstpointer) object == address)
        found = object;
      else
        g_ptr_array_add (misses, object);
    }

  g_ptr_array_unref (misses);

  return found;
}

typedef struct
{
  TestKey  *key;
  gpointer  address;
} ReuseInThread;

static gpointer
die_and_reuse_thread_func (gpointer data)
{
  ReuseInThread *rit = data;

  g_object_unref (g_steal_pointer (&rit->key));
  return find_reused_address (rit->address);
}

static void
test_address_reuse (void)
{
  WkKeyTable *table;
  TestKey *key = test_key_new (1);
  TestKey *reused;
  ReuseInThread rit;
  SignalRecord rec = { 0 };
  gpointer address;

  test_reset ();
  events_start ();

  table = box_table_new ();
  rec.expect_thread = main_thread;
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);

  /* Died on the owner's thread. */
  g_assert_true (wk_key_table_insert (table, key, box_new (1)));
  address = key;
  g_assert_finalize_object (key);
  assert_events ("S1 F1");
  reused = find_reused_address (address);
  if (reused != NULL)
    {
      g_assert_false (wk_key_table_contains (table, reused));
      g_assert_false (wk_key_table_lookup (table, reused, NULL));
      g_assert_false (wk_key_table_remove (table, reused));
      g_assert_false (wk_key_table_pop (table, reused, NULL));
      g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
      g_test_message ("an object was allocated at a dead key's address");
      g_assert_true (wk_key_table_insert (table, reused, box_new (2)));
      g_assert_finalize_object (reused);
      assert_events ("S1 F1 S2 F2");
    }
  else
    {
      g_test_message ("the allocator did not reuse the address in %u tries: "
                      "the owner-thread reuse check did not run", wk_test_scaled (REUSE_TRIES));
    }

  /* Died on another thread, its signal pending: the new object at its
   * address is still not it. */
  events_start ();
  rit.key = test_key_new (3);
  rit.address = rit.key;
  g_assert_true (wk_key_table_insert (table, rit.key, box_new (3)));
  reused = g_thread_join (g_thread_new ("wk-test-reuse", die_and_reuse_thread_func, &rit));
  g_assert_null (rit.key);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  if (reused != NULL)
    {
      g_assert_false (wk_key_table_contains (table, reused));
      g_assert_false (wk_key_table_lookup (table, reused, NULL));
      g_assert_false (wk_key_table_remove (table, reused));
      g_assert_false (wk_key_table_pop (table, reused, NULL));
      g_test_message ("an object was allocated at the address of a dead key "
                      "whose signal is pending");
      g_assert_true (wk_key_table_insert (table, reused, box_new (4)));
      g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
    }
  else
    {
      g_test_message ("the allocator did not reuse the address in %u tries: "
                      "the pending reuse check did not run", wk_test_scaled (REUSE_TRIES));
    }
  assert_events ("");

  /* The pending death is delivered for the old key's value only. */
  wk_test_iterate_until (NULL, &rec.n, reused != NULL ? 2 : 1);
  wk_test_drain_context (NULL);
  g_assert_cmpint (rec.last_id, ==, 3);
  assert_events ("S3 F3");
  if (reused != NULL)
    {
      g_assert_true (wk_key_table_contains (table, reused));
      g_assert_cmpint (lookup_id (table, reused), ==, 4);
      g_assert_finalize_object (reused);
      assert_events ("S3 F3 S4 F4");
    }

  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/no-strong-reference */
static void
test_no_strong_reference (void)
{
  WkKeyTable *table;
  WkKeyTable *gtable;
  TestKey *key = test_key_new (1);
  BoxFactory factory = { 0 };
  GValue value = G_VALUE_INIT;
  GValue out = G_VALUE_INIT;
  GPtrArray *keys;
  GPtrArray *values;
  gpointer copy = NULL;

  test_reset ();

  table = box_table_new ();
  gtable = wk_key_table_new ();

  g_assert_true (wk_key_table_insert (table, key, box_new (1)));
  g_assert_cmpuint (ref_count (key), ==, 1);
  g_assert_true (wk_key_table_lookup (table, key, &copy));
  box_free (copy);
  g_assert_true (wk_key_table_contains (table, key));
  copy = wk_key_table_lookup_or_insert (table, key, box_factory, &factory);
  box_free (copy);
  g_assert_cmpuint (ref_count (key), ==, 1);
  g_assert_true (wk_key_table_pop (table, key, &copy));
  box_free (copy);
  copy = wk_key_table_lookup_or_insert (table, key, box_factory, &factory);
  box_free (copy);
  g_assert_cmpuint (ref_count (key), ==, 1);

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 1);
  g_assert_true (wk_key_table_insert_value (gtable, key, &value));
  g_assert_false (wk_key_table_lookup_or_insert_value (gtable, key, &value, &out));
  g_value_unset (&out);
  g_assert_true (wk_key_table_lookup_value (gtable, key, &out));
  g_value_unset (&out);
  g_value_unset (&value);
  g_assert_cmpuint (ref_count (key), ==, 1);

  wk_key_table_dup_entries (table, &keys, &values);
  g_ptr_array_unref (keys);
  g_ptr_array_unref (values);
  keys = wk_key_table_dup_keys (gtable);
  g_ptr_array_unref (keys);
  g_assert_cmpuint (ref_count (key), ==, 1);

  /* Held by two tables, it still dies with its one reference. */
  g_assert_cmpuint (count_anchor_members (key), ==, 2);
  g_assert_finalize_object (key);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  g_assert_cmpuint (wk_key_table_get_size (gtable), ==, 0);

  g_assert_finalize_object (table);
  g_assert_finalize_object (gtable);
  assert_boxes_all_freed ();
}

/* /Wobj/KeyTable/floating */
static void
count_foreach_cb (gpointer key,
                  gpointer value,
                  gpointer user_data)
{
  (*(guint *) user_data)++;
}

static void
test_floating (void)
{
  WkKeyTable *table;
  WkKeyTable *gtable;
  WkTestFloating *key = g_object_new (WK_TEST_TYPE_FLOATING, NULL);
  SignalRecord rec = { 0 };
  BoxFactory factory = { 0 };
  WkKeyTableIter iter;
  GValue value = G_VALUE_INIT;
  GPtrArray *keys;
  gpointer copy = NULL;
  guint n = 0;

  test_reset ();

  table = box_table_new ();
  gtable = wk_key_table_new ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);

  g_assert_true (g_object_is_floating (key));
  g_assert_true (wk_key_table_insert (table, key, box_new (1)));
  g_assert_true (g_object_is_floating (key));
  g_assert_cmpuint (ref_count (key), ==, 1);

  g_assert_true (wk_key_table_lookup (table, key, &copy));
  box_free (copy);
  g_assert_true (wk_key_table_contains (table, key));
  copy = wk_key_table_lookup_or_insert (table, key, box_factory, &factory);
  box_free (copy);
  keys = wk_key_table_dup_keys (table);
  g_assert_cmpuint (keys->len, ==, 1);
  g_ptr_array_unref (keys);
  wk_key_table_iter_init (&iter, table);
  while (wk_key_table_iter_next (&iter, NULL, NULL))
    n++;
  wk_key_table_foreach (table, count_foreach_cb, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_true (wk_key_table_remove (table, key));
  g_assert_true (wk_key_table_insert (table, key, box_new (2)));

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 1);
  g_assert_true (wk_key_table_insert_value (gtable, key, &value));
  g_value_unset (&value);

  g_assert_true (g_object_is_floating (key));
  g_assert_cmpuint (ref_count (key), ==, 1);

  /* Sunk by its owner and dropped: signalled like any key. */
  g_object_ref_sink (key);
  g_assert_cmpuint (ref_count (key), ==, 1);
  g_assert_finalize_object (key);
  g_assert_cmpint (rec.n, ==, 1);
  g_assert_cmpint (rec.last_id, ==, 2);
  g_assert_cmpuint (wk_key_table_get_size (gtable), ==, 0);

  g_assert_finalize_object (table);
  g_assert_finalize_object (gtable);
  assert_boxes_all_freed ();
}

/* Re-entrant handlers. */
typedef enum
{
  REENTER_INSERT,
  REENTER_REMOVE,
  REENTER_REMOVE_ALL,
  REENTER_UNREF_TABLE,
} ReenterAction;

typedef struct
{
  SignalRecord   rec;
  ReenterAction  action;
  WkKeyTable    *table;      /* REENTER_UNREF_TABLE: owned until dropped */
  TestKey       *other;      /* inserted or removed */
  TestKey       *chain;      /* REENTER_REMOVE: owned, dropped in the handler */
  gboolean       done;
} Reenter;

static void
reenter_cb (WkKeyTable   *table,
            const GValue *value,
            gpointer      user_data)
{
  Reenter *re = user_data;
  GPtrArray *keys;

  box_signal_cb (table, value, &re->rec);

  if (re->done)
    return;
  re->done = TRUE;

  switch (re->action)
    {
    case REENTER_INSERT:
      g_assert_true (wk_key_table_insert (table, re->other, box_new (100)));
      g_assert_true (wk_key_table_contains (table, re->other));
      /* Iterating from the handler: the dying key is not there. */
      keys = wk_key_table_dup_keys (table);
      g_assert_cmpuint (keys->len, ==, wk_key_table_get_size (table));
      for (guint i = 0; i < keys->len; i++)
        g_assert_cmpint (test_key_is_disposed (TEST_KEY (g_ptr_array_index (keys, i))), ==, 0);
      g_ptr_array_unref (keys);
      break;
    case REENTER_REMOVE:
      g_assert_true (wk_key_table_remove (table, re->other));
      /* Another key dies inside the handler: a nested emission. */
      finalize_and_clear (&re->chain);
      break;
    case REENTER_REMOVE_ALL:
      wk_key_table_remove_all (table);
      g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
      break;
    case REENTER_UNREF_TABLE:
      g_assert_true (table == re->table);
      g_clear_object (&re->table);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* /Wobj/KeyTable/reentrant-insert */
static void
test_reentrant_insert (void)
{
  Reenter re = { 0 };
  WkKeyTable *table;
  TestKey *key1 = test_key_new (1);
  TestKey *key2 = test_key_new (2);

  test_reset ();
  events_start ();

  table = box_table_new ();
  re.action = REENTER_INSERT;
  re.other = test_key_new (100);
  g_signal_connect (table, "object-finalized", G_CALLBACK (reenter_cb), &re);
  g_assert_true (wk_key_table_insert (table, key1, box_new (1)));
  g_assert_true (wk_key_table_insert (table, key2, box_new (2)));

  g_assert_finalize_object (key1);
  assert_events ("S1 F1");
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 2);
  g_assert_cmpint (lookup_id (table, re.other), ==, 100);
  g_assert_cmpint (lookup_id (table, key2), ==, 2);

  g_assert_finalize_object (re.other);
  g_assert_finalize_object (key2);
  assert_events ("S1 F1 S100 F100 S2 F2");
  g_assert_cmpint (re.rec.n, ==, 3);

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/reentrant-remove */
static void
test_reentrant_remove (void)
{
  Reenter re = { 0 };
  WkKeyTable *table;
  TestKey *key1 = test_key_new (1);

  test_reset ();
  events_start ();

  table = box_table_new ();
  re.action = REENTER_REMOVE;
  re.other = test_key_new (2);
  re.chain = test_key_new (3);
  g_signal_connect (table, "object-finalized", G_CALLBACK (reenter_cb), &re);
  g_assert_true (wk_key_table_insert (table, key1, box_new (1)));
  g_assert_true (wk_key_table_insert (table, re.other, box_new (2)));
  g_assert_true (wk_key_table_insert (table, re.chain, box_new (3)));

  g_assert_finalize_object (key1);
  /* The removed value is freed without a signal; the nested death is
   * signalled and freed inside the outer handler; the outer value is
   * freed last. */
  assert_events ("S1 F2 S3 F3 F1");
  g_assert_null (re.chain);
  g_assert_cmpint (re.rec.n, ==, 2);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);

  g_assert_finalize_object (re.other);
  g_assert_cmpint (re.rec.n, ==, 2);

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/reentrant-remove-all */
static void
test_reentrant_remove_all (void)
{
  Reenter re = { 0 };
  WkKeyTable *table;
  TestKey *keys[3];

  test_reset ();
  events_start ();

  table = box_table_new ();
  re.action = REENTER_REMOVE_ALL;
  g_signal_connect (table, "object-finalized", G_CALLBACK (reenter_cb), &re);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      keys[i] = test_key_new ((gint) i + 1);
      g_assert_true (wk_key_table_insert (table, keys[i], box_new ((gint) i + 1)));
    }

  g_assert_finalize_object (keys[0]);
  g_assert_cmpint (re.rec.n, ==, 1);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  g_assert_cmpint (boxes_live (), ==, 0);
  /* The dying key's value outlives the handler. */
  g_assert_cmpint (event_position ("S1"), ==, 0);
  g_assert_cmpint (event_position ("F1"), ==, 3);

  /* The cleared keys die unnoticed. */
  g_assert_finalize_object (keys[1]);
  g_assert_finalize_object (keys[2]);
  g_assert_cmpint (re.rec.n, ==, 1);

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/reentrant-unref-table */
static void
test_reentrant_unref_table (void)
{
  Reenter re = { 0 };
  TestKey *keys[3];
  TestKey *far_key1 = test_key_new (4);
  TestKey *far_key2 = test_key_new (5);
  gpointer table_ptr;
  GObject *pair[2];

  test_reset ();
  events_start ();

  /* On the owner's thread: the handler drops the last reference. */
  re.action = REENTER_UNREF_TABLE;
  re.table = box_table_new ();
  table_ptr = re.table;
  g_object_add_weak_pointer (G_OBJECT (re.table), &table_ptr);
  g_signal_connect (re.table, "object-finalized", G_CALLBACK (reenter_cb), &re);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      keys[i] = test_key_new ((gint) i + 1);
      g_assert_true (wk_key_table_insert (re.table, keys[i], box_new ((gint) i + 1)));
    }

  g_assert_finalize_object (keys[0]);
  g_assert_null (table_ptr);
  g_assert_null (re.table);
  g_assert_cmpint (re.rec.n, ==, 1);
  g_assert_cmpint (boxes_live (), ==, 0);
  g_assert_cmpint (event_position ("S1"), ==, 0);
  assert_event_before ("S1", "F1");
  for (guint i = 1; i < G_N_ELEMENTS (keys); i++)
    g_assert_cmpuint (count_anchor_members (keys[i]), ==, 0);

  /* The other keys die later and touch nothing. */
  g_assert_finalize_object (keys[1]);
  g_assert_finalize_object (keys[2]);
  wk_test_drain_context (NULL);
  g_assert_cmpint (re.rec.n, ==, 1);

  /* Through the owner's context: two keys died on a worker, the handler
   * drops the table on the first delivery. */
  events_start ();
  memset (&re, 0, sizeof re);
  re.action = REENTER_UNREF_TABLE;
  re.rec.expect_thread = main_thread;
  re.table = box_table_new ();
  table_ptr = re.table;
  g_object_add_weak_pointer (G_OBJECT (re.table), &table_ptr);
  g_signal_connect (re.table, "object-finalized", G_CALLBACK (reenter_cb), &re);
  g_assert_true (wk_key_table_insert (re.table, far_key1, box_new (4)));
  g_assert_true (wk_key_table_insert (re.table, far_key2, box_new (5)));
  pair[0] = G_OBJECT (far_key1);
  pair[1] = G_OBJECT (far_key2);
  g_thread_join (g_thread_new ("wk-test-unref-pair", unref_pair_thread_func, pair));
  g_assert_cmpuint (wk_key_table_get_size (re.table), ==, 0);
  g_assert_cmpint (re.rec.n, ==, 0);

  wk_test_iterate_until (NULL, &re.rec.n, 1);
  wk_test_drain_context (NULL);
  g_assert_null (table_ptr);
  g_assert_cmpint (boxes_live (), ==, 0);
  g_assert_cmpint (re.rec.n, >=, 1);
  g_assert_cmpint (re.rec.n, <=, 2);
  g_test_message ("two deaths delivered together, the table dropped by the first "
                  "handler: %d signals", re.rec.n);
  assert_event_before ("S4", "F4");
  if (re.rec.n == 2)
    assert_event_before ("S5", "F5");

  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/destroyed-while-keys-live */
static void
test_destroyed_while_keys_live (void)
{
  WkKeyTable *table;
  TestKey *keys[3];
  TestKey *far_key = test_key_new (4);
  SignalRecord rec = { 0 };

  test_reset ();
  events_start ();

  table = box_table_new ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      keys[i] = test_key_new ((gint) i + 1);
      g_assert_true (wk_key_table_insert (table, keys[i], box_new ((gint) i + 1)));
    }
  /* One key died on a worker: its signal is pending when the table goes. */
  g_assert_true (wk_key_table_insert (table, far_key, box_new (4)));
  wk_test_unref_in_thread (g_steal_pointer (&far_key));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 3);

  /* Every value is freed at once, the pending one too; nothing emitted. */
  g_assert_finalize_object (table);
  g_assert_cmpint (boxes_live (), ==, 0);
  g_assert_cmpint (n_box_freed, ==, 4);
  g_assert_cmpint (rec.n, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_assert_cmpuint (count_anchor_members (keys[i]), ==, 0);
      g_assert_cmpuint (ref_count (keys[i]), ==, 1);
    }

  /* The pending delivery and the later deaths touch nothing. */
  wk_test_drain_context (NULL);
  g_assert_finalize_object (keys[0]);
  wk_test_unref_in_thread (g_steal_pointer (&keys[1]));
  g_object_run_dispose (G_OBJECT (keys[2]));
  g_assert_finalize_object (keys[2]);
  wk_test_drain_context (NULL);
  g_assert_cmpint (rec.n, ==, 0);
  g_assert_cmpint (n_box_freed, ==, 4);

  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/disposed-table: g_object_run_dispose() on a table, twice,
 * while it lives: it frees its values once and stays empty; every call
 * still returns. */

/* TestCounted: a boxed type that counts its copies and fails the test
 * past a bound, so that a function looping on a GValue holding one ends
 * the test instead of hanging it. */
typedef struct
{
  gint dummy;
} TestCounted;

static GType test_counted_get_type (void);

static gint n_counted_copies;
static gint max_counted_copies;

static TestCounted *
test_counted_copy (TestCounted *counted)
{
  g_atomic_int_inc (&n_counted_copies);
  g_assert_cmpint (g_atomic_int_get (&n_counted_copies), <=, max_counted_copies);

  return counted;
}

static void
test_counted_free (TestCounted *counted)
{
}

G_DEFINE_BOXED_TYPE (TestCounted, test_counted, test_counted_copy, test_counted_free)

static gpointer
once_factory (gpointer key,
              gpointer user_data)
{
  BoxFactory *factory = user_data;

  /* A second run means the call loops: end the test instead of hanging. */
  g_assert_cmpint (g_atomic_int_get (&factory->n_calls), ==, 0);

  return box_factory (key, user_data);
}

static void
test_disposed_table (void)
{
  static TestCounted counted;
  WkKeyTable *table;
  WkKeyTable *gtable;
  TestKey *key = test_key_new (1);
  TestKey *other = test_key_new (2);
  SignalRecord rec = { 0 };
  BoxFactory factory = { 0 };
  WkKeyTableIter iter;
  GValue value = G_VALUE_INIT;
  GValue result = G_VALUE_INIT;
  GPtrArray *keys;
  gpointer out;

  test_reset ();
  events_start ();

  table = box_table_new ();
  gtable = wk_key_table_new ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);
  g_assert_true (wk_key_table_insert (table, key, box_new (1)));
  g_assert_true (wk_key_table_insert (table, other, box_new (2)));

  /* Values freed once, the keys left; idempotent. */
  g_object_run_dispose (G_OBJECT (table));
  g_assert_cmpint (boxes_live (), ==, 0);
  g_assert_cmpuint (count_anchor_members (key), ==, 0);
  g_object_run_dispose (G_OBJECT (table));
  g_assert_cmpint (boxes_live (), ==, 0);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  g_assert_false (wk_key_table_contains (table, key));

  /* It stays empty, and what it is given is freed. */
  wk_key_table_insert (table, key, box_new (3));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  g_assert_cmpint (boxes_live (), ==, 0);
  g_assert_cmpuint (count_anchor_members (key), ==, 0);

  factory.id = 4;
  out = wk_key_table_lookup_or_insert (table, key, once_factory, &factory);
  g_assert_cmpint (factory.n_calls, ==, 1);
  if (out != NULL)
    box_free (out);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  g_assert_cmpint (boxes_live (), ==, 0);

  g_object_run_dispose (G_OBJECT (gtable));
  g_value_init (&value, test_counted_get_type ());
  g_value_set_static_boxed (&value, &counted);
  /* At most one copy for the table and one for the result, and one to
   * spare. */
  n_counted_copies = 0;
  max_counted_copies = 3;
  wk_key_table_lookup_or_insert_value (gtable, key, &value, &result);
  if (G_IS_VALUE (&result))
    g_value_unset (&result);
  g_assert_cmpuint (wk_key_table_get_size (gtable), ==, 0);
  g_value_unset (&value);

  g_assert_false (wk_key_table_lookup (table, key, NULL));
  g_assert_false (wk_key_table_remove (table, key));
  wk_key_table_remove_all (table);
  keys = wk_key_table_dup_keys (table);
  g_assert_cmpuint (keys->len, ==, 0);
  g_ptr_array_unref (keys);
  wk_key_table_iter_init (&iter, table);
  g_assert_false (wk_key_table_iter_next (&iter, NULL, NULL));

  /* The keys die unnoticed. */
  g_assert_finalize_object (key);
  g_assert_finalize_object (other);
  g_assert_cmpint (rec.n, ==, 0);

  g_assert_finalize_object (table);
  g_assert_finalize_object (gtable);
  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/run-dispose-key */
static void
test_run_dispose_key (void)
{
  WkKeyTable *table;
  TestKey *key = test_key_new (1);
  TestKey *bystander = test_key_new (9);
  SignalRecord rec = { 0 };

  test_reset ();
  events_start ();

  table = box_table_new ();
  rec.expect_thread = main_thread;
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);
  g_assert_true (wk_key_table_insert (table, key, box_new (1)));
  g_assert_true (wk_key_table_insert (table, bystander, box_new (9)));

  /* A death: gone, signalled at once, value freed after the signal. */
  g_object_run_dispose (G_OBJECT (key));
  assert_events ("S1 F1");
  g_assert_cmpint (rec.n, ==, 1);
  g_assert_cmpint (rec.freed_in_handler, ==, 0);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
  g_assert_false (wk_key_table_contains (table, key));
  g_assert_false (wk_key_table_lookup (table, key, NULL));
  g_assert_false (wk_key_table_remove (table, key));
  g_assert_cmpuint (count_anchor_members (key), ==, 0);
  g_assert_cmpuint (ref_count (key), ==, 1);

  /* The object lives on and is a new key when inserted again. */
  g_assert_true (wk_key_table_insert (table, key, box_new (2)));
  g_assert_cmpint (lookup_id (table, key), ==, 2);
  g_object_run_dispose (G_OBJECT (key));
  assert_events ("S1 F1 S2 F2");
  g_assert_false (wk_key_table_contains (table, key));

  /* Disposed while in no table: nothing. */
  g_object_run_dispose (G_OBJECT (key));
  g_assert_cmpint (rec.n, ==, 2);

  /* Its finalization is not a second death. */
  g_assert_finalize_object (key);
  g_assert_cmpint (rec.n, ==, 2);
  g_assert_cmpint (lookup_id (table, bystander), ==, 9);

  g_assert_finalize_object (table);
  g_assert_finalize_object (bystander);
  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/resurrected-key: a key whose dispose resurrects it died
 * all the same; the object that lives on is a new key. */
static void
count_finalized_cb (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static void
test_resurrected_key (void)
{
  WkKeyTable *table;
  WkTestResurrect *key = g_object_new (WK_TEST_TYPE_RESURRECT, NULL);
  WkTestResurrect *resurrected;
  gpointer address = key;
  gint n_finalized = 0;
  SignalRecord rec = { 0 };

  test_reset ();
  events_start ();

  table = box_table_new ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);
  g_assert_true (wk_key_table_insert (table, key, box_new (1)));
  /* Qdata is destroyed at finalize, not at dispose. */
  g_object_set_data_full (G_OBJECT (key), "wk-test-finalized", &n_finalized, count_finalized_cb);

  g_object_unref (g_steal_pointer (&key));
  assert_events ("S1 F1");
  resurrected = wk_test_resurrect_take ();
  g_assert_true (resurrected == address);
  g_assert_cmpint (n_finalized, ==, 0);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  g_assert_false (wk_key_table_contains (table, resurrected));
  g_assert_false (wk_key_table_lookup (table, resurrected, NULL));

  g_assert_true (wk_key_table_insert (table, resurrected, box_new (2)));
  g_assert_cmpint (lookup_id (table, resurrected), ==, 2);
  g_object_unref (g_steal_pointer (&resurrected));
  g_assert_cmpint (n_finalized, ==, 1);
  assert_events ("S1 F1 S2 F2");
  g_assert_cmpint (rec.n, ==, 2);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/cross-thread-death */
static void
count_visit_cb (gpointer key,
                gpointer value,
                gpointer user_data)
{
  GPtrArray *seen = user_data;

  g_ptr_array_add (seen, key);
}

static void
test_cross_thread_death (void)
{
  WkKeyTable *table;
  TestKey *gone = test_key_new (1);
  TestKey *disposed = test_key_new (2);
  TestKey *kept = test_key_new (3);
  gpointer gone_ptr = gone;
  SignalRecord rec = { 0 };
  GPtrArray *keys = NULL;
  GPtrArray *values = NULL;
  GPtrArray *seen;
  WkKeyTableIter iter;
  gpointer key = NULL;
  gpointer value = NULL;

  test_reset ();
  events_start ();

  table = box_table_new ();
  rec.expect_thread = main_thread;
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);
  g_assert_true (wk_key_table_insert (table, gone, box_new (1)));
  g_assert_true (wk_key_table_insert (table, disposed, box_new (2)));
  g_assert_true (wk_key_table_insert (table, kept, box_new (3)));
  g_object_add_weak_pointer (G_OBJECT (gone), &gone_ptr);

  /* One key finalized on a worker, one disposed there (and so alive to
   * ask about). */
  wk_test_unref_in_thread (g_steal_pointer (&gone));
  g_assert_null (gone_ptr);
  run_dispose_in_thread (disposed);

  /* Absent at once, everywhere. */
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
  g_assert_false (wk_key_table_lookup (table, disposed, NULL));
  g_assert_false (wk_key_table_contains (table, disposed));
  g_assert_false (wk_key_table_remove (table, disposed));
  g_assert_false (wk_key_table_pop (table, disposed, NULL));
  wk_key_table_dup_entries (table, &keys, &values);
  assert_keys (keys, &kept, 1);
  g_assert_cmpint (((Box *) g_ptr_array_index (values, 0))->id, ==, 3);
  g_clear_pointer (&keys, g_ptr_array_unref);
  g_clear_pointer (&values, g_ptr_array_unref);
  keys = wk_key_table_dup_keys (table);
  assert_keys (keys, &kept, 1);
  g_clear_pointer (&keys, g_ptr_array_unref);
  wk_key_table_iter_init (&iter, table);
  g_assert_true (wk_key_table_iter_next (&iter, &key, &value));
  g_assert_true (key == (gpointer) kept);
  g_assert_false (wk_key_table_iter_next (&iter, &key, &value));
  seen = g_ptr_array_new ();
  wk_key_table_foreach (table, count_visit_cb, seen);
  assert_keys (seen, &kept, 1);
  g_ptr_array_unref (seen);

  /* Not signalled yet, and the values wait for their signals. */
  g_assert_cmpint (rec.n, ==, 0);
  assert_events ("");

  /* The disposed object can be a key again at once; its pending death
   * still belongs to its old value. */
  g_assert_true (wk_key_table_insert (table, disposed, box_new (4)));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 2);

  /* Signalled on the owner's thread when its context runs, in the order
   * of the deaths, each value freed after its signal. */
  wk_test_iterate_until (NULL, &rec.n, 2);
  wk_test_drain_context (NULL);
  g_assert_cmpint (rec.n, ==, 2);
  g_assert_true (rec.thread == main_thread);
  assert_event_before ("S1", "F1");
  assert_event_before ("S2", "F2");
  assert_event_before ("S1", "S2");
  g_assert_cmpint (boxes_live (), ==, 2);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 2);
  g_assert_cmpint (lookup_id (table, disposed), ==, 4);
  g_assert_cmpint (lookup_id (table, kept), ==, 3);

  g_assert_finalize_object (disposed);
  g_assert_cmpint (rec.n, ==, 3);
  g_assert_cmpint (rec.last_id, ==, 4);
  g_assert_finalize_object (kept);
  g_assert_cmpint (rec.n, ==, 4);

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/cross-thread-remove-all: remove_all cancels a pending
 * signal. */
static void
test_cross_thread_remove_all (void)
{
  WkKeyTable *table;
  TestKey *gone = test_key_new (1);
  TestKey *kept = test_key_new (2);
  SignalRecord rec = { 0 };

  test_reset ();
  events_start ();

  table = box_table_new ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &rec);
  g_assert_true (wk_key_table_insert (table, gone, box_new (1)));
  g_assert_true (wk_key_table_insert (table, kept, box_new (2)));

  wk_test_unref_in_thread (g_steal_pointer (&gone));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);

  wk_key_table_remove_all (table);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  /* The live key's value is freed at once; the dead key's value when its
   * (cancelled) delivery runs, as documented for remove_all. */
  g_assert_cmpint (boxes_live (), ==, 1);

  wk_test_drain_context (NULL);
  g_assert_cmpint (boxes_live (), ==, 0);
  g_assert_cmpint (rec.n, ==, 0);
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);

  g_assert_finalize_object (kept);
  g_assert_cmpint (rec.n, ==, 0);
  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  events_stop ();
}

/* /Wobj/KeyTable/worker-owner: a table made on a worker with its own
 * thread-default context is signalled there. */
typedef struct
{
  GMutex        lock;
  GCond         cond;
  TestKey      *main_key;   /* borrowed by the worker; the main thread drops it */
  gboolean      ready;
  gboolean      dropped;
  SignalRecord  rec;
} WorkerOwner;

static gpointer
worker_owner_thread_func (gpointer data)
{
  WorkerOwner *wo = data;
  GMainContext *context = g_main_context_new ();
  TestKey *own_key = test_key_new (2);
  WkKeyTable *table;

  g_main_context_push_thread_default (context);

  table = box_table_new ();
  wo->rec.expect_thread = g_thread_self ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (box_signal_cb), &wo->rec);
  g_assert_true (wk_key_table_insert (table, wo->main_key, box_new (1)));
  g_assert_true (wk_key_table_insert (table, own_key, box_new (2)));

  g_mutex_lock (&wo->lock);
  wo->ready = TRUE;
  g_cond_broadcast (&wo->cond);
  while (!wo->dropped)
    g_cond_wait (&wo->cond, &wo->lock);
  g_mutex_unlock (&wo->lock);

  /* Died on the main thread: gone here at once, signalled only from this
   * thread's context, the value freed after the signal. */
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&wo->rec.n), ==, 0);
  g_assert_cmpint (boxes_live (), ==, 2);
  wk_test_iterate_until (context, &wo->rec.n, 1);
  wk_test_drain_context (context);
  g_assert_cmpint (wo->rec.last_id, ==, 1);
  g_assert_true (wo->rec.thread == g_thread_self ());
  g_assert_cmpint (boxes_live (), ==, 1);

  /* Its own key dies here: at once. */
  g_assert_finalize_object (own_key);
  g_assert_cmpint (g_atomic_int_get (&wo->rec.n), ==, 2);
  g_assert_cmpint (wo->rec.last_id, ==, 2);

  g_main_context_pop_thread_default (context);
  g_assert_finalize_object (table);
  wk_test_drain_context (context);
  g_main_context_unref (context);

  return NULL;
}

static void
test_worker_owner (void)
{
  WorkerOwner wo;
  GThread *worker;

  test_reset ();
  events_start ();

  memset (&wo, 0, sizeof wo);
  g_mutex_init (&wo.lock);
  g_cond_init (&wo.cond);
  wo.main_key = test_key_new (1);

  worker = g_thread_new ("wk-test-owner", worker_owner_thread_func, &wo);

  g_mutex_lock (&wo.lock);
  while (!wo.ready)
    g_cond_wait (&wo.cond, &wo.lock);
  g_mutex_unlock (&wo.lock);

  /* The worker is blocked: nothing may be signalled, here or there. */
  g_assert_finalize_object (wo.main_key);
  wk_test_drain_context (NULL);
  g_assert_cmpint (g_atomic_int_get (&wo.rec.n), ==, 0);
  assert_events ("");

  g_mutex_lock (&wo.lock);
  wo.dropped = TRUE;
  g_cond_broadcast (&wo.cond);
  g_mutex_unlock (&wo.lock);

  g_thread_join (worker);

  g_assert_cmpint (g_atomic_int_get (&wo.rec.n), ==, 2);
  g_assert_true (wo.rec.thread == worker);
  assert_events ("S1 F1 S2 F2");
  assert_boxes_all_freed ();

  g_cond_clear (&wo.cond);
  g_mutex_clear (&wo.lock);
  events_stop ();
}

/* /Wobj/KeyTable/bad-input */
static void
expect_critical (const char *function,
                 const char *what)
{
  char *pattern;

  if (what == NULL)
    pattern = g_strdup_printf ("%s: assertion '*' failed", function);
  else
    pattern = g_strdup_printf ("%s: key must be a GObject, not %s", function, what);

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, pattern);
  g_free (pattern);
}

static void
test_bad_input (void)
{
  WkKeyTable *table;
  WkKeyTable *gtable;
  TestKey *key = test_key_new (1);
  TestKey *fresh = test_key_new (2);
  GObject *not_a_table = g_object_new (G_TYPE_OBJECT, NULL);
  GParamSpec *pspec = g_param_spec_ref_sink (g_param_spec_int ("x", NULL, NULL, 0, 1, 0,
                                                              G_PARAM_READWRITE));
  gpointer zeroed = g_malloc0 (256);
  struct
  {
    gpointer    key;
    const char *what;
  } bad_keys[] = {
    { NULL, "NULL" },
    { pspec, "a GParamInt" },
    { zeroed, "a pointer to something else" },
  };
  WkKeyTable *bad_tables[2];
  BoxFactory factory = { 0 };
  gpointer sentinel = GINT_TO_POINTER (0x5a5a);
  GValue value = G_VALUE_INIT;
  GValue uninitialized = G_VALUE_INIT;
  GValue out = G_VALUE_INIT;
  GPtrArray *keys;
  GPtrArray *values;
  WkKeyTableIter iter;
  gpointer result;
  Box *box;

  test_reset ();

  table = box_table_new ();
  gtable = wk_key_table_new ();
  g_assert_true (wk_key_table_insert (table, key, box_new (1)));
  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, 5);
  g_assert_true (wk_key_table_insert_value (gtable, key, &value));
  box = box_new (2);

  /* Keys that are not objects: a message that says what was passed. */
  for (guint i = 0; i < G_N_ELEMENTS (bad_keys); i++)
    {
      gpointer bad = bad_keys[i].key;
      const char *what = bad_keys[i].what;

      expect_critical ("wk_key_table_insert", what);
      g_assert_false (wk_key_table_insert (table, bad, box));
      g_test_assert_expected_messages ();

      result = sentinel;
      expect_critical ("wk_key_table_lookup", what);
      g_assert_false (wk_key_table_lookup (table, bad, &result));
      g_test_assert_expected_messages ();
      g_assert_true (result == sentinel);

      expect_critical ("wk_key_table_lookup_or_insert", what);
      g_assert_null (wk_key_table_lookup_or_insert (table, bad, box_factory, &factory));
      g_test_assert_expected_messages ();
      g_assert_cmpint (factory.n_calls, ==, 0);

      expect_critical ("wk_key_table_pop", what);
      g_assert_false (wk_key_table_pop (table, bad, &result));
      g_test_assert_expected_messages ();
      g_assert_true (result == sentinel);

      expect_critical ("wk_key_table_contains", what);
      g_assert_false (wk_key_table_contains (table, bad));
      g_test_assert_expected_messages ();

      expect_critical ("wk_key_table_remove", what);
      g_assert_false (wk_key_table_remove (table, bad));
      g_test_assert_expected_messages ();

      expect_critical ("wk_key_table_insert_value", what);
      g_assert_false (wk_key_table_insert_value (gtable, bad, &value));
      g_test_assert_expected_messages ();

      expect_critical ("wk_key_table_lookup_value", what);
      g_assert_false (wk_key_table_lookup_value (gtable, bad, &out));
      g_test_assert_expected_messages ();
      g_assert_false (G_IS_VALUE (&out));

      expect_critical ("wk_key_table_lookup_or_insert_value", what);
      g_assert_false (wk_key_table_lookup_or_insert_value (gtable, bad, &value, &out));
      g_test_assert_expected_messages ();
      g_assert_false (G_IS_VALUE (&out));

      expect_critical ("wk_key_table_pop_value", what);
      g_assert_false (wk_key_table_pop_value (gtable, bad, &out));
      g_test_assert_expected_messages ();
      g_assert_false (G_IS_VALUE (&out));
    }

  /* A NULL table, or an object that is not a table. */
  bad_tables[0] = NULL;
  bad_tables[1] = (WkKeyTable *) not_a_table;
  for (guint i = 0; i < G_N_ELEMENTS (bad_tables); i++)
    {
      WkKeyTable *bad = bad_tables[i];

      expect_critical ("wk_key_table_insert", NULL);
      g_assert_false (wk_key_table_insert (bad, key, box));
      g_test_assert_expected_messages ();

      result = sentinel;
      expect_critical ("wk_key_table_lookup", NULL);
      g_assert_false (wk_key_table_lookup (bad, key, &result));
      g_test_assert_expected_messages ();
      g_assert_true (result == sentinel);

      expect_critical ("wk_key_table_lookup_or_insert", NULL);
      g_assert_null (wk_key_table_lookup_or_insert (bad, key, box_factory, &factory));
      g_test_assert_expected_messages ();

      expect_critical ("wk_key_table_pop", NULL);
      g_assert_false (wk_key_table_pop (bad, key, &result));
      g_test_assert_expected_messages ();

      expect_critical ("wk_key_table_insert_value", NULL);
      g_assert_false (wk_key_table_insert_value (bad, key, &value));
      g_test_assert_expected_messages ();

      expect_critical ("wk_key_table_lookup_value", NULL);
      g_assert_false (wk_key_table_lookup_value (bad, key, &out));
      g_test_assert_expected_messages ();

      expect_critical ("wk_key_table_lookup_or_insert_value", NULL);
      g_assert_false (wk_key_table_lookup_or_insert_value (bad, key, &value, &out));
      g_test_assert_expected_messages ();

      expect_critical ("wk_key_table_pop_value", NULL);
      g_assert_false (wk_key_table_pop_value (bad, key, &out));
      g_test_assert_expected_messages ();
      g_assert_false (G_IS_VALUE (&out));

      expect_critical ("wk_key_table_contains", NULL);
      g_assert_false (wk_key_table_contains (bad, key));
      g_test_assert_expected_messages ();

      expect_critical ("wk_key_table_remove", NULL);
      g_assert_false (wk_key_table_remove (bad, key));
      g_test_assert_expected_messages ();

      expect_critical ("wk_key_table_remove_all", NULL);
      wk_key_table_remove_all (bad);
      g_test_assert_expected_messages ();

      expect_critical ("wk_key_table_get_size", NULL);
      g_assert_cmpuint (wk_key_table_get_size (bad), ==, 0);
      g_test_assert_expected_messages ();

      expect_critical ("wk_key_table_dup_keys", NULL);
      g_assert_null (wk_key_table_dup_keys (bad));
      g_test_assert_expected_messages ();

      keys = sentinel;
      values = sentinel;
      expect_critical ("wk_key_table_dup_entries", NULL);
      wk_key_table_dup_entries (bad, &keys, &values);
      g_test_assert_expected_messages ();
      g_assert_true (keys == sentinel);
      g_assert_true (values == sentinel);

      expect_critical ("wk_key_table_foreach", NULL);
      wk_key_table_foreach (bad, count_foreach_cb, &factory.n_calls);
      g_test_assert_expected_messages ();

      expect_critical ("wk_key_table_iter_init", NULL);
      wk_key_table_iter_init (&iter, bad);
      g_test_assert_expected_messages ();
    }
  g_assert_cmpint (factory.n_calls, ==, 0);

  /* A NULL factory. */
  expect_critical ("wk_key_table_lookup_or_insert", NULL);
  g_assert_null (wk_key_table_lookup_or_insert (table, fresh, NULL, NULL));
  g_test_assert_expected_messages ();
  g_assert_false (wk_key_table_contains (table, fresh));

  /* NULL and uninitialized GValues. */
  expect_critical ("wk_key_table_insert_value", NULL);
  g_assert_false (wk_key_table_insert_value (gtable, fresh, NULL));
  g_test_assert_expected_messages ();
  expect_critical ("wk_key_table_insert_value", NULL);
  g_assert_false (wk_key_table_insert_value (gtable, fresh, &uninitialized));
  g_test_assert_expected_messages ();
  expect_critical ("wk_key_table_lookup_or_insert_value", NULL);
  g_assert_false (wk_key_table_lookup_or_insert_value (gtable, fresh, NULL, &out));
  g_test_assert_expected_messages ();
  expect_critical ("wk_key_table_lookup_or_insert_value", NULL);
  g_assert_false (wk_key_table_lookup_or_insert_value (gtable, fresh, &uninitialized, &out));
  g_test_assert_expected_messages ();
  g_assert_false (G_IS_VALUE (&out));
  expect_critical ("wk_key_table_lookup_or_insert_value", NULL);
  g_assert_false (wk_key_table_lookup_or_insert_value (gtable, fresh, &value, NULL));
  g_test_assert_expected_messages ();
  g_assert_false (wk_key_table_contains (gtable, fresh));

  /* Out GValues must be given, and uninitialized: an initialized one is
   * left as it was. */
  expect_critical ("wk_key_table_lookup_value", NULL);
  g_assert_false (wk_key_table_lookup_value (gtable, key, NULL));
  g_test_assert_expected_messages ();
  expect_critical ("wk_key_table_pop_value", NULL);
  g_assert_false (wk_key_table_pop_value (gtable, key, NULL));
  g_test_assert_expected_messages ();
  g_value_init (&out, G_TYPE_STRING);
  g_value_set_string (&out, "mine");
  expect_critical ("wk_key_table_lookup_value", NULL);
  g_assert_false (wk_key_table_lookup_value (gtable, key, &out));
  g_test_assert_expected_messages ();
  expect_critical ("wk_key_table_pop_value", NULL);
  g_assert_false (wk_key_table_pop_value (gtable, key, &out));
  g_test_assert_expected_messages ();
  expect_critical ("wk_key_table_lookup_or_insert_value", NULL);
  g_assert_false (wk_key_table_lookup_or_insert_value (gtable, fresh, &value, &out));
  g_test_assert_expected_messages ();
  g_assert_cmpstr (g_value_get_string (&out), ==, "mine");
  g_value_unset (&out);

  /* A NULL function or iterator. */
  expect_critical ("wk_key_table_foreach", NULL);
  wk_key_table_foreach (table, NULL, NULL);
  g_test_assert_expected_messages ();
  expect_critical ("wk_key_table_iter_init", NULL);
  wk_key_table_iter_init (NULL, table);
  g_test_assert_expected_messages ();
  expect_critical ("wk_key_table_iter_next", NULL);
  g_assert_false (wk_key_table_iter_next (NULL, NULL, NULL));
  g_test_assert_expected_messages ();
  expect_critical ("wk_key_table_iter_clear", NULL);
  wk_key_table_iter_clear (NULL);
  g_test_assert_expected_messages ();

  /* Nothing changed: the tables, the given value, the objects. */
  g_assert_cmpuint (wk_key_table_get_size (table), ==, 1);
  g_assert_cmpint (lookup_id (table, key), ==, 1);
  g_assert_cmpuint (wk_key_table_get_size (gtable), ==, 1);
  g_assert_true (wk_key_table_lookup_value (gtable, key, &out));
  g_assert_cmpint (g_value_get_int (&out), ==, 5);
  g_value_unset (&out);
  g_assert_cmpint (boxes_live (), ==, 2);
  g_assert_cmpint (box->magic, ==, BOX_MAGIC);
  box_free (box);
  g_assert_cmpuint (ref_count (not_a_table), ==, 1);
  g_assert_cmpuint (count_anchor_members (fresh), ==, 0);

  g_value_unset (&value);
  g_assert_finalize_object (table);
  g_assert_finalize_object (gtable);
  assert_boxes_all_freed ();
  g_assert_finalize_object (key);
  g_assert_finalize_object (fresh);
  g_assert_finalize_object (not_a_table);
  g_param_spec_unref (pspec);
  g_free (zeroed);
}

/* /Wobj/KeyTable/concurrent: threads use one table at once while keys
 * die on other threads; snapshots never hand out a dying key, values
 * always belong to their keys, every value is freed once, and the owner
 * gets one signal per key that died in the table. */
#define N_MIXED_KEYS 64
#define N_MIXED_THREADS 4
#define MIXED_OPS 100000
#define N_TRANSIENT 2000
#define TRANSIENT_BASE 1000000

typedef struct
{
  WkKeyTable *table;
  TestKey    *keys[N_MIXED_KEYS];
  guint       ops_per_thread;
  guint32     seed;
  gint        n_running;  /* atomic */
} Mixed;

typedef struct
{
  Mixed *mixed;
  guint  index;
} MixedThread;

static void
check_entry (gpointer key,
             gpointer value)
{
  TestKey *object = key;
  Box *box = value;

  g_assert_true (TEST_IS_KEY (object));
  g_assert_cmpint (test_key_is_disposed (object), ==, 0);
  g_assert_nonnull (box);
  g_assert_cmpint (box->magic, ==, BOX_MAGIC);
  g_assert_cmpint (box->id, ==, object->index);
}

static gpointer
mixed_factory (gpointer key,
               gpointer user_data)
{
  return box_new (TEST_KEY (key)->index);
}

static gpointer
mixed_thread_func (gpointer data)
{
  MixedThread *mt = data;
  Mixed *mixed = mt->mixed;
  GRand *rand = g_rand_new_with_seed (mixed->seed + mt->index);

  for (guint op = 0; op < mixed->ops_per_thread; op++)
    {
      TestKey *key = mixed->keys[g_rand_int_range (rand, 0, N_MIXED_KEYS)];
      gpointer value = NULL;
      GPtrArray *keys = NULL;
      GPtrArray *values = NULL;
      WkKeyTableIter iter;
      gpointer iter_key;

      switch (g_rand_int_range (rand, 0, 10))
        {
        case 0:
        case 1:
          wk_key_table_insert (mixed->table, key, box_new (key->index));
          break;
        case 2:
          if (wk_key_table_lookup (mixed->table, key, &value))
            {
              check_entry (key, value);
              box_free (value);
            }
          break;
        case 3:
          value = wk_key_table_lookup_or_insert (mixed->table, key, mixed_factory, NULL);
          check_entry (key, value);
          box_free (value);
          break;
        case 4:
          wk_key_table_contains (mixed->table, key);
          break;
        case 5:
          wk_key_table_remove (mixed->table, key);
          break;
        case 6:
          if (wk_key_table_pop (mixed->table, key, &value))
            {
              check_entry (key, value);
              box_free (value);
            }
          break;
        case 7:
          g_assert_cmpuint (wk_key_table_get_size (mixed->table), <=, N_MIXED_KEYS + N_TRANSIENT);
          break;
        case 8:
          wk_key_table_dup_entries (mixed->table, &keys, &values);
          g_assert_cmpuint (keys->len, ==, values->len);
          for (guint i = 0; i < keys->len; i++)
            check_entry (g_ptr_array_index (keys, i), g_ptr_array_index (values, i));
          g_ptr_array_unref (keys);
          g_ptr_array_unref (values);
          break;
        default:
          wk_key_table_iter_init (&iter, mixed->table);
          while (wk_key_table_iter_next (&iter, &iter_key, &value))
            check_entry (iter_key, value);
          break;
        }
    }

  g_rand_free (rand);
  g_atomic_int_add (&mixed->n_running, -1);

  return NULL;
}

/* Inserts keys and drops them at once, on this thread. */
static gpointer
mixed_transient_thread_func (gpointer data)
{
  Mixed *mixed = data;

  for (gint t = 0; t < N_TRANSIENT; t++)
    {
      TestKey *key = test_key_new (TRANSIENT_BASE + t);

      g_assert_true (wk_key_table_insert (mixed->table, key, box_new (key->index)));
      g_object_unref (key);
    }

  g_atomic_int_add (&mixed->n_running, -1);

  return NULL;
}

static void
mixed_signal_cb (WkKeyTable   *table,
                 const GValue *value,
                 gpointer      user_data)
{
  gint *n = user_data;
  Box *box = g_value_get_pointer (value);

  g_assert_true (g_thread_self () == main_thread);
  g_assert_cmpint (box->magic, ==, BOX_MAGIC);
  /* Only the transient keys die in the table. */
  g_assert_cmpint (box->id, >=, TRANSIENT_BASE);
  g_atomic_int_inc (n);
}

static gboolean
mixed_finished (gpointer user_data)
{
  Mixed *mixed = user_data;

  return g_atomic_int_get (&mixed->n_running) <= 0;
}

static void
test_concurrent (void)
{
  Mixed mixed;
  MixedThread mts[N_MIXED_THREADS];
  GThread *threads[N_MIXED_THREADS + 1];
  GPtrArray *keys;
  gint n_signals = 0;
  gint64 start;

  test_reset ();

  memset (&mixed, 0, sizeof mixed);
  mixed.table = box_table_new ();
  mixed.ops_per_thread = wk_test_scaled (MIXED_OPS) / N_MIXED_THREADS;
  mixed.seed = g_test_rand_int ();
  g_test_message ("seed %u", mixed.seed);
  g_signal_connect (mixed.table, "object-finalized", G_CALLBACK (mixed_signal_cb), &n_signals);
  for (guint i = 0; i < N_MIXED_KEYS; i++)
    mixed.keys[i] = test_key_new ((gint) i);

  start = g_get_monotonic_time ();
  g_atomic_int_set (&mixed.n_running, N_MIXED_THREADS + 1);
  for (guint i = 0; i < N_MIXED_THREADS; i++)
    {
      mts[i].mixed = &mixed;
      mts[i].index = i;
      threads[i] = g_thread_new ("wk-test-mixed", mixed_thread_func, &mts[i]);
    }
  threads[N_MIXED_THREADS] = g_thread_new ("wk-test-transient", mixed_transient_thread_func, &mixed);

  /* Deliveries race with the workers. */
  wk_test_iterate_until_cond (NULL, 10 * WK_TEST_TIMEOUT_S, mixed_finished, &mixed);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  wk_test_iterate_until (NULL, &n_signals, N_TRANSIENT);
  wk_test_drain_context (NULL);
  g_test_message ("%u operations on %d threads, %d keys dying on another: %.3f s",
                  mixed.ops_per_thread * N_MIXED_THREADS, N_MIXED_THREADS, N_TRANSIENT,
                  wk_test_seconds_since (start));
  g_assert_cmpint (n_signals, ==, N_TRANSIENT);

  /* Consistent at rest. */
  keys = wk_key_table_dup_keys (mixed.table);
  g_assert_cmpuint (keys->len, ==, wk_key_table_get_size (mixed.table));
  g_assert_cmpuint (keys->len, <=, N_MIXED_KEYS);
  g_ptr_array_unref (keys);
  g_assert_cmpint (boxes_live (), ==, (gint) wk_key_table_get_size (mixed.table));
  for (guint i = 0; i < N_MIXED_KEYS; i++)
    {
      g_assert_cmpuint (ref_count (mixed.keys[i]), ==, 1);
      if (wk_key_table_contains (mixed.table, mixed.keys[i]))
        g_assert_cmpint (lookup_id (mixed.table, mixed.keys[i]), ==, (gint) i);
    }

  wk_key_table_remove_all (mixed.table);
  g_assert_cmpint (boxes_live (), ==, 0);
  for (guint i = 0; i < N_MIXED_KEYS; i++)
    g_assert_finalize_object (mixed.keys[i]);
  g_assert_finalize_object (mixed.table);
  g_assert_cmpint (n_signals, ==, N_TRANSIENT);
  assert_boxes_all_freed ();
}

/* /Wobj/KeyTable/scale-million-keys */
#define MILLION 1000000

static void
count_signal_cb (WkKeyTable   *table,
                 const GValue *value,
                 gpointer      user_data)
{
  (*(gint *) user_data)++;
}

static void
test_scale_million_keys (void)
{
  guint n = wk_test_scaled (MILLION);
  WkKeyTable *table;
  TestKey **keys = g_new (TestKey *, n);
  GPtrArray *snapshot;
  gint n_finalized_before = wk_test_object_n_finalized ();
  gint n_signals = 0;
  gint64 start;

  test_reset ();

  table = box_table_new ();
  g_signal_connect (table, "object-finalized", G_CALLBACK (count_signal_cb), &n_signals);

  for (guint i = 0; i < n; i++)
    keys[i] = test_key_new ((gint) i);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    if (!wk_key_table_insert (table, keys[i], box_new ((gint) i)))
      g_assert_not_reached ();
  g_test_message ("%u keys inserted: %.3f s", n, wk_test_seconds_since (start));
  g_assert_cmpuint (wk_key_table_get_size (table), ==, n);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    if (!wk_key_table_lookup (table, keys[i], NULL))
      g_assert_not_reached ();
  g_test_message ("%u lookups: %.3f s", n, wk_test_seconds_since (start));

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    if (!wk_key_table_contains (table, keys[i]))
      g_assert_not_reached ();
  g_test_message ("%u membership tests: %.3f s", n, wk_test_seconds_since (start));

  start = g_get_monotonic_time ();
  snapshot = wk_key_table_dup_keys (table);
  g_assert_cmpuint (snapshot->len, ==, n);
  g_assert_true (g_ptr_array_index (snapshot, 0) == (gpointer) keys[0]);
  g_assert_true (g_ptr_array_index (snapshot, n - 1) == (gpointer) keys[n - 1]);
  g_ptr_array_unref (snapshot);
  g_test_message ("snapshot of %u keys taken and dropped: %.3f s", n, wk_test_seconds_since (start));

  /* Every key dropped: each entry goes as its key dies. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    g_object_unref (keys[i]);
  g_test_message ("%u keys dropped: %.3f s", n, wk_test_seconds_since (start));

  g_assert_cmpuint (wk_key_table_get_size (table), ==, 0);
  g_assert_cmpint (n_signals, ==, (gint) n);
  g_assert_cmpint (wk_test_object_n_finalized () - n_finalized_before, ==, (gint) n);
  g_assert_cmpint (boxes_live (), ==, 0);

  g_assert_finalize_object (table);
  assert_boxes_all_freed ();
  g_free (keys);
}

/* One key in 100,000 tables. */
#define HUNDRED_K 100000

typedef struct
{
  WkKeyTable **tables;
  gint        *n_signals;
  guint        n;
} ManyTables;

static void
many_tables_signal_cb (WkKeyTable   *table,
                       const GValue *value,
                       gpointer      user_data)
{
  ManyTables *mt = user_data;
  gint i = GPOINTER_TO_INT (g_value_get_pointer (value)) - 1;

  g_assert_cmpint (i, >=, 0);
  g_assert_cmpint (i, <, (gint) mt->n);
  g_assert_true (mt->tables[i] == table);
  mt->n_signals[i]++;
}

static void
many_tables_setup (ManyTables *mt)
{
  gint64 start = g_get_monotonic_time ();

  mt->n = wk_test_scaled (HUNDRED_K);
  mt->tables = g_new (WkKeyTable *, mt->n);
  mt->n_signals = g_new0 (gint, mt->n);
  for (guint i = 0; i < mt->n; i++)
    {
      mt->tables[i] = wk_key_table_new_full (NULL, NULL);
      g_signal_connect (mt->tables[i], "object-finalized", G_CALLBACK (many_tables_signal_cb), mt);
    }
  g_test_message ("%u tables made: %.3f s", mt->n, wk_test_seconds_since (start));
}

static void
many_tables_insert (ManyTables *mt,
                    TestKey    *key)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < mt->n; i++)
    if (!wk_key_table_insert (mt->tables[i], key, GINT_TO_POINTER (i + 1)))
      g_assert_not_reached ();
  g_test_message ("one key inserted in %u tables: %.3f s", mt->n, wk_test_seconds_since (start));
  g_assert_cmpuint (count_anchor_members (key), ==, mt->n);
  g_assert_cmpuint (ref_count (key), ==, 1);
}

static void
many_tables_teardown (ManyTables *mt)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < mt->n; i++)
    g_assert_finalize_object (mt->tables[i]);
  g_test_message ("%u tables finalized: %.3f s", mt->n, wk_test_seconds_since (start));
  g_free (mt->tables);
  g_free (mt->n_signals);
}

/* /Wobj/KeyTable/scale-one-key-many-tables-finalized */
static void
test_scale_one_key_many_tables_finalized (void)
{
  ManyTables mt = { 0 };
  TestKey *key = test_key_new (1);
  gint64 start;

  test_reset ();

  many_tables_setup (&mt);
  many_tables_insert (&mt, key);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < mt.n; i++)
    if (!wk_key_table_contains (mt.tables[i], key))
      g_assert_not_reached ();
  g_test_message ("one key looked up in %u tables: %.3f s", mt.n, wk_test_seconds_since (start));

  /* Finalized: every table signals once, with its own value. */
  start = g_get_monotonic_time ();
  g_assert_finalize_object (key);
  g_test_message ("key in %u tables finalized: %.3f s", mt.n, wk_test_seconds_since (start));

  for (guint i = 0; i < mt.n; i++)
    {
      g_assert_cmpint (mt.n_signals[i], ==, 1);
      g_assert_cmpuint (wk_key_table_get_size (mt.tables[i]), ==, 0);
    }

  many_tables_teardown (&mt);
}

/* /Wobj/KeyTable/scale-one-key-many-tables-removed */
static void
test_scale_one_key_many_tables_removed (void)
{
  ManyTables mt = { 0 };
  TestKey *key = test_key_new (1);
  gint64 start;

  test_reset ();

  many_tables_setup (&mt);

  /* Removed from every table while alive, oldest membership first... */
  many_tables_insert (&mt, key);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < mt.n; i++)
    if (!wk_key_table_remove (mt.tables[i], key))
      g_assert_not_reached ();
  g_test_message ("key removed from %u tables, oldest first: %.3f s", mt.n, wk_test_seconds_since (start));
  g_assert_cmpuint (count_anchor_members (key), ==, 0);

  /* ...and newest first. */
  many_tables_insert (&mt, key);
  start = g_get_monotonic_time ();
  for (guint i = mt.n; i > 0; i--)
    if (!wk_key_table_remove (mt.tables[i - 1], key))
      g_assert_not_reached ();
  g_test_message ("key removed from %u tables, newest first: %.3f s", mt.n, wk_test_seconds_since (start));
  g_assert_cmpuint (count_anchor_members (key), ==, 0);

  for (guint i = 0; i < mt.n; i++)
    g_assert_cmpuint (wk_key_table_get_size (mt.tables[i]), ==, 0);

  /* It dies unnoticed. */
  start = g_get_monotonic_time ();
  g_assert_finalize_object (key);
  g_test_message ("key removed from %u tables finalized: %.3f s", mt.n, wk_test_seconds_since (start));
  for (guint i = 0; i < mt.n; i++)
    g_assert_cmpint (mt.n_signals[i], ==, 0);

  many_tables_teardown (&mt);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  main_thread = g_thread_self ();

  g_test_add_func ("/Wobj/KeyTable/g-object-new", test_g_object_new);
  g_test_add_func ("/Wobj/KeyTable/properties", test_properties);
  g_test_add_func ("/Wobj/KeyTable/properties-refused", test_properties_refused);
  g_test_add_func ("/Wobj/KeyTable/new-gvalues", test_new_gvalues);
  g_test_add_func ("/Wobj/KeyTable/new-full-copy-free", test_new_full_copy_free);
  g_test_add_func ("/Wobj/KeyTable/new-full-refcounted", test_new_full_refcounted);
  g_test_add_func ("/Wobj/KeyTable/new-full-plain", test_new_full_plain);
  g_test_add_func ("/Wobj/KeyTable/new-full-half", test_new_full_half);
  g_test_add_func ("/Wobj/KeyTable/value-functions-on-full-table", test_value_functions_on_full_table);
  g_test_add_func ("/Wobj/KeyTable/insert", test_insert);
  g_test_add_func ("/Wobj/KeyTable/lookup", test_lookup);
  g_test_add_func ("/Wobj/KeyTable/lookup-or-insert", test_lookup_or_insert);
  g_test_add_func ("/Wobj/KeyTable/lookup-or-insert-concurrent", test_lookup_or_insert_concurrent);
  g_test_add_func ("/Wobj/KeyTable/contains", test_contains);
  g_test_add_func ("/Wobj/KeyTable/remove", test_remove);
  g_test_add_func ("/Wobj/KeyTable/pop", test_pop);
  g_test_add_func ("/Wobj/KeyTable/remove-all", test_remove_all);
  g_test_add_func ("/Wobj/KeyTable/get-size", test_get_size);
  g_test_add_func ("/Wobj/KeyTable/dup-keys", test_dup_keys);
  g_test_add_func ("/Wobj/KeyTable/dup-values", test_dup_values);
  g_test_add_func ("/Wobj/KeyTable/dup-entries", test_dup_entries);
  g_test_add_func ("/Wobj/KeyTable/foreach", test_foreach);
  g_test_add_func ("/Wobj/KeyTable/iter", test_iter);
  g_test_add_func ("/Wobj/KeyTable/exact-removal", test_exact_removal);
  g_test_add_func ("/Wobj/KeyTable/identity", test_identity);
  g_test_add_func ("/Wobj/KeyTable/address-reuse", test_address_reuse);
  g_test_add_func ("/Wobj/KeyTable/no-strong-reference", test_no_strong_reference);
  g_test_add_func ("/Wobj/KeyTable/floating", test_floating);
  g_test_add_func ("/Wobj/KeyTable/reentrant-insert", test_reentrant_insert);
  g_test_add_func ("/Wobj/KeyTable/reentrant-remove", test_reentrant_remove);
  g_test_add_func ("/Wobj/KeyTable/reentrant-remove-all", test_reentrant_remove_all);
  g_test_add_func ("/Wobj/KeyTable/reentrant-unref-table", test_reentrant_unref_table);
  g_test_add_func ("/Wobj/KeyTable/destroyed-while-keys-live", test_destroyed_while_keys_live);
  g_test_add_func ("/Wobj/KeyTable/disposed-table", test_disposed_table);
  g_test_add_func ("/Wobj/KeyTable/run-dispose-key", test_run_dispose_key);
  g_test_add_func ("/Wobj/KeyTable/resurrected-key", test_resurrected_key);
  g_test_add_func ("/Wobj/KeyTable/cross-thread-death", test_cross_thread_death);
  g_test_add_func ("/Wobj/KeyTable/cross-thread-remove-all", test_cross_thread_remove_all);
  g_test_add_func ("/Wobj/KeyTable/worker-owner", test_worker_owner);
  g_test_add_func ("/Wobj/KeyTable/bad-input", test_bad_input);
  g_test_add_func ("/Wobj/KeyTable/concurrent", test_concurrent);
  g_test_add_func ("/Wobj/KeyTable/scale-million-keys", test_scale_million_keys);
  g_test_add_func ("/Wobj/KeyTable/scale-one-key-many-tables-finalized",
                   test_scale_one_key_many_tables_finalized);
  g_test_add_func ("/Wobj/KeyTable/scale-one-key-many-tables-removed",
                   test_scale_one_key_many_tables_removed);

  return g_test_run ();
}

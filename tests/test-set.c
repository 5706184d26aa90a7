/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include <wobj.h>

#include "wk-test-util.h"

#define LOG_DOMAIN "Wobj"

static GThread *main_thread;

static gpointer
new_object (void)
{
  return g_object_new (G_TYPE_OBJECT, NULL);
}

static gpointer
new_test_object (void)
{
  return g_object_new (WK_TEST_TYPE_OBJECT, NULL);
}

static guint
ref_count (gpointer object)
{
  return g_atomic_int_get (&G_OBJECT (object)->ref_count);
}

static guint
n_items (WkSet *set)
{
  return g_list_model_get_n_items (G_LIST_MODEL (set));
}

/* Monitor: a list model consumer, as strict as a GtkListView.
 *
 * It mirrors the model from the items-changed signals alone and checks the
 * model against the mirror after every signal: n_items, get_item non-NULL
 * below n_items and NULL at n_items, and (in full mode) the same WkRef for
 * every row that the change did not touch. In full mode it holds the item
 * of every row, as a view does, and logs every signal of the set in order:
 * "cP,R,A" for items-changed (position, removed, added), "n" for
 * notify::n-items, "f" for object-finalized. Every signal must come on the
 * thread that made the monitor. Light mode (for the scale tests) counts
 * and checks the counts only.
 *
 * A set's last unref empties the model in its dispose: that shows as a
 * "cP,R,A" with no "n", because GLib 2.74 freezes property notifications
 * during the dispose of a last unref and drops them when it finalizes. */

typedef struct
{
  WkSet     *set;          /* weak pointer: NULL once the set is disposed */
  GThread   *thread;
  gboolean   full;
  GPtrArray *rows;         /* full: the item of each row, held */
  guint      n_rows;
  gint       n_changes;
  guint      n_notify;
  gint       n_finalized;
  guint      last_position;
  guint      last_removed;
  guint      last_added;
  GString   *log;
  gulong     changed_id;
  gulong     notify_id;
  gulong     finalized_id;
} Monitor;

static void
monitor_log (Monitor    *mon,
             const char *token)
{
  if (!mon->full)
    return;

  if (mon->log->len > 0)
    g_string_append_c (mon->log, ' ');
  g_string_append (mon->log, token);
}

static void
monitor_changed_cb (GListModel *model,
                    guint       position,
                    guint       removed,
                    guint       added,
                    gpointer    user_data)
{
  Monitor *mon = user_data;
  char token[64];

  g_assert_true (g_thread_self () == mon->thread);
  g_assert_true (model == (GListModel *) mon->set);
  g_assert_true (removed > 0 || added > 0);
  g_assert_cmpuint (position, <=, mon->n_rows);
  g_assert_cmpuint (removed, <=, mon->n_rows - position);

  mon->n_rows = mon->n_rows - removed + added;
  mon->n_changes++;
  mon->last_position = position;
  mon->last_removed = removed;
  mon->last_added = added;

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, mon->n_rows);
  g_assert_null (g_list_model_get_item (model, mon->n_rows));

  if (!mon->full)
    return;

  if (removed > 0)
    g_ptr_array_remove_range (mon->rows, position, removed);
  for (guint i = 0; i < added; i++)
    {
      gpointer item = g_list_model_get_item (model, position + i);

      g_assert_nonnull (item);
      g_assert_true (WK_IS_REF (item));
      g_ptr_array_insert (mon->rows, position + i, item);
    }
  g_assert_cmpuint (mon->rows->len, ==, mon->n_rows);

  /* Every row has an item, and a row the change did not touch keeps its
   * item: the same WkRef object. */
  for (guint i = 0; i < mon->n_rows; i++)
    {
      gpointer item = g_list_model_get_item (model, i);

      g_assert_nonnull (item);
      g_assert_true (WK_IS_REF (item));
      g_assert_true (item == g_ptr_array_index (mon->rows, i));
      g_object_unref (item);
    }

  g_snprintf (token, sizeof token, "c%u,%u,%u", position, removed, added);
  monitor_log (mon, token);
}

static void
monitor_notify_cb (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
  Monitor *mon = user_data;
  guint value = G_MAXUINT;

  g_assert_true (g_thread_self () == mon->thread);
  g_object_get (object, "n-items", &value, NULL);
  g_assert_cmpuint (value, ==, mon->n_rows);

  mon->n_notify++;
  monitor_log (mon, "n");
}

static void
monitor_finalized_cb (WkSet    *set,
                      gpointer  user_data)
{
  Monitor *mon = user_data;

  g_assert_true (g_thread_self () == mon->thread);
  g_assert_true (set == mon->set);
  g_assert_cmpuint (n_items (set), ==, mon->n_rows);

  mon->n_finalized++;
  monitor_log (mon, "f");
}

static void
monitor_init (Monitor  *mon,
              WkSet    *set,
              gboolean  full)
{
  memset (mon, 0, sizeof *mon);
  mon->set = set;
  g_object_add_weak_pointer (G_OBJECT (set), (gpointer *) &mon->set);
  mon->thread = g_thread_self ();
  mon->full = full;
  mon->rows = g_ptr_array_new_with_free_func (g_object_unref);
  mon->log = g_string_new (NULL);
  mon->n_rows = n_items (set);

  if (full)
    {
      for (guint i = 0; i < mon->n_rows; i++)
        {
          gpointer item = g_list_model_get_item (G_LIST_MODEL (set), i);

          g_assert_nonnull (item);
          g_ptr_array_add (mon->rows, item);
        }
    }

  mon->changed_id = g_signal_connect (set, "items-changed", G_CALLBACK (monitor_changed_cb), mon);
  mon->notify_id = g_signal_connect (set, "notify::n-items", G_CALLBACK (monitor_notify_cb), mon);
  mon->finalized_id = g_signal_connect (set, "object-finalized", G_CALLBACK (monitor_finalized_cb), mon);
}

/* Every event must have been checked by the test with assert_log(). */
static void
monitor_clear (Monitor *mon)
{
  if (mon->set != NULL)
    {
      g_signal_handler_disconnect (mon->set, mon->changed_id);
      g_signal_handler_disconnect (mon->set, mon->notify_id);
      g_signal_handler_disconnect (mon->set, mon->finalized_id);
      g_object_remove_weak_pointer (G_OBJECT (mon->set), (gpointer *) &mon->set);
      mon->set = NULL;
    }

  g_assert_cmpstr (mon->log->str, ==, "");
  g_clear_pointer (&mon->rows, g_ptr_array_unref);
  g_string_free (g_steal_pointer (&mon->log), TRUE);
}

static void
assert_log (Monitor    *mon,
            const char *expected)
{
  g_assert_cmpstr (mon->log->str, ==, expected);
  g_string_truncate (mon->log, 0);
}

/* The rows of the model: row i is a WkRef to expected[i], or a dead one
 * where expected[i] is NULL; the same WkRef on repeated calls. */
static void
assert_rows (WkSet          *set,
             gpointer const *expected,
             guint           n)
{
  GListModel *model = G_LIST_MODEL (set);

  g_assert_true (g_list_model_get_item_type (model) == WK_TYPE_REF);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);

  for (guint i = 0; i < n; i++)
    {
      gpointer item = g_list_model_get_item (model, i);
      gpointer again = g_list_model_get_item (model, i);
      gpointer object;

      g_assert_nonnull (item);
      g_assert_true (WK_IS_REF (item));
      g_assert_true (item == again);
      object = wk_ref_dup_object (item);
      g_assert_true (object == expected[i]);
      g_assert_true (wk_ref_is_alive (item) == (expected[i] != NULL));
      g_clear_object (&object);
      g_object_unref (again);
      g_object_unref (item);
    }

  g_assert_null (g_list_model_get_item (model, n));
  g_assert_null (g_list_model_get_item (model, n + 1));
  g_assert_null (g_list_model_get_item (model, G_MAXUINT));
}

static void
collect_cb (gpointer object,
            gpointer user_data)
{
  g_assert_true (G_IS_OBJECT (object));
  /* Alive during the call: the walk holds it. */
  g_assert_cmpuint (ref_count (object), >=, 2);
  g_ptr_array_add (user_data, object);
}

/* The members, in insertion order, through every way to read them. */
static void
assert_members (WkSet          *set,
                gpointer const *expected,
                guint           n)
{
  g_autoptr(GPtrArray) members = wk_set_dup_members (set);
  g_autoptr(GPtrArray) walked = g_ptr_array_new ();
  g_autoptr(GPtrArray) visited = g_ptr_array_new ();
  WkSetIter iter;
  gpointer object;

  g_assert_cmpuint (wk_set_get_size (set), ==, n);

  g_assert_nonnull (members);
  g_assert_cmpuint (members->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (g_ptr_array_index (members, i) == expected[i]);
      g_assert_true (wk_set_contains (set, expected[i]));
    }

  wk_set_iter_init (&iter, set);
  while (wk_set_iter_next (&iter, &object))
    g_ptr_array_add (walked, object);
  g_assert_cmpuint (walked->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_true (g_ptr_array_index (walked, i) == expected[i]);

  wk_set_foreach (set, collect_cb, visited);
  g_assert_cmpuint (visited->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_true (g_ptr_array_index (visited, i) == expected[i]);
}

static void
assert_set (WkSet          *set,
            gpointer const *expected,
            guint           n)
{
  assert_members (set, expected, n);
  assert_rows (set, expected, n);
}

#define ASSERT_SET(set, ...) \
  G_STMT_START { \
    gpointer const expected_[] = { __VA_ARGS__ }; \
    assert_set ((set), expected_, G_N_ELEMENTS (expected_)); \
  } G_STMT_END

#define ASSERT_ROWS(set, ...) \
  G_STMT_START { \
    gpointer const expected_[] = { __VA_ARGS__ }; \
    assert_rows ((set), expected_, G_N_ELEMENTS (expected_)); \
  } G_STMT_END

#define ASSERT_MEMBERS(set, ...) \
  G_STMT_START { \
    gpointer const expected_[] = { __VA_ARGS__ }; \
    assert_members ((set), expected_, G_N_ELEMENTS (expected_)); \
  } G_STMT_END

#define ASSERT_EMPTY(set) assert_set ((set), NULL, 0)

#define EXPECT_CRITICAL(pattern, statement) \
  G_STMT_START { \
    g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, (pattern)); \
    statement; \
    g_test_assert_expected_messages (); \
  } G_STMT_END

static WkSet *
make_set (GType          member_type,
          gpointer const *members,
          guint          n)
{
  WkSet *set = wk_set_new (member_type);

  for (guint i = 0; i < n; i++)
    g_assert_true (wk_set_add (set, members[i]));

  return set;
}

typedef struct
{
  WkSet    *set;
  gpointer *objects;
  guint     n;
} Batch;

static gpointer
add_thread_func (gpointer data)
{
  Batch *batch = data;

  for (guint i = 0; i < batch->n; i++)
    {
      g_assert_true (wk_set_add (batch->set, batch->objects[i]));
      /* A change of the set at once, on this thread too. */
      g_assert_true (wk_set_contains (batch->set, batch->objects[i]));
      g_assert_false (wk_set_add (batch->set, batch->objects[i]));
    }

  return NULL;
}

static gpointer
remove_thread_func (gpointer data)
{
  Batch *batch = data;

  for (guint i = 0; i < batch->n; i++)
    {
      g_assert_true (wk_set_remove (batch->set, batch->objects[i]));
      g_assert_false (wk_set_contains (batch->set, batch->objects[i]));
      g_assert_false (wk_set_remove (batch->set, batch->objects[i]));
    }

  return NULL;
}

static void
run_in_thread (GThreadFunc  func,
               WkSet       *set,
               gpointer    *objects,
               guint        n)
{
  Batch batch = { set, objects, n };

  g_thread_join (g_thread_new ("wk-test-worker", func, &batch));
}

/* /Wobj/Set/g-object-new: g_object_new() alone, as bindings construct,
 * makes a set of any objects, a working list model. */
static void
test_g_object_new (void)
{
  WkSet *set = g_object_new (WK_TYPE_SET, NULL);
  GObject *object = new_object ();

  g_assert_true (wk_set_get_member_type (set) == G_TYPE_OBJECT);
  g_assert_true (wk_set_add (set, object));
  g_assert_true (wk_set_contains (set, object));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (set)), ==, 1);

  g_assert_finalize_object (object);
  g_assert_cmpuint (wk_set_get_size (set), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (set)), ==, 0);

  g_assert_finalize_object (set);
}

/* /Wobj/Set/new */
static void
test_new (void)
{
  const GType not_objects[] = {
    G_TYPE_INVALID, G_TYPE_NONE, G_TYPE_INT, G_TYPE_STRING, G_TYPE_POINTER,
    G_TYPE_PARAM, G_TYPE_PARAM_INT, G_TYPE_VARIANT, G_TYPE_BYTES,
  };
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  WkSet *typed = wk_set_new (WK_TEST_TYPE_OBJECT);
  WkSet *plain;
  GParamSpec *pspec;
  GType member_type = G_TYPE_INVALID;
  GType item_type = G_TYPE_INVALID;
  guint n = G_MAXUINT;

  g_assert_true (WK_IS_SET (set));
  g_assert_true (G_IS_LIST_MODEL (set));
  g_assert_true (wk_set_get_member_type (set) == G_TYPE_OBJECT);
  g_assert_true (wk_set_get_member_type (typed) == WK_TEST_TYPE_OBJECT);
  g_assert_cmpuint (wk_set_get_size (set), ==, 0);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (set)) == WK_TYPE_REF);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (typed)) == WK_TYPE_REF);
  ASSERT_EMPTY (set);
  ASSERT_EMPTY (typed);

  /* The properties. */
  g_object_get (typed, "member-type", &member_type, "item-type", &item_type, "n-items", &n, NULL);
  g_assert_true (member_type == WK_TEST_TYPE_OBJECT);
  g_assert_true (item_type == WK_TYPE_REF);
  g_assert_cmpuint (n, ==, 0);

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (set), "member-type");
  g_assert_nonnull (pspec);
  g_assert_true (pspec->flags & G_PARAM_CONSTRUCT_ONLY);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (set), "n-items");
  g_assert_nonnull (pspec);
  g_assert_true (pspec->value_type == G_TYPE_UINT);
  g_assert_false (pspec->flags & G_PARAM_WRITABLE);
  g_assert_true (pspec->flags & G_PARAM_EXPLICIT_NOTIFY);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (set), "item-type");
  g_assert_nonnull (pspec);
  g_assert_false (pspec->flags & G_PARAM_WRITABLE);

  /* g_object_new() without a member type: any object. */
  plain = g_object_new (WK_TYPE_SET, NULL);
  g_assert_true (wk_set_get_member_type (plain) == G_TYPE_OBJECT);
  g_assert_finalize_object (plain);

  /* Types that are not object types are refused. */
  for (guint i = 0; i < G_N_ELEMENTS (not_objects); i++)
    {
      WkSet *bad = NULL;

      EXPECT_CRITICAL ("wk_set_new: assertion 'g_type_is_a (member_type, G_TYPE_OBJECT)' failed",
                       bad = wk_set_new (not_objects[i]));
      g_assert_null (bad);
    }

  /* GObject itself refuses one through the property: the default stays. */
  g_test_expect_message ("GLib-GObject", G_LOG_LEVEL_WARNING, "*member-type*");
  plain = g_object_new (WK_TYPE_SET, "member-type", G_TYPE_INT, NULL);
  g_test_assert_expected_messages ();
  g_assert_true (wk_set_get_member_type (plain) == G_TYPE_OBJECT);
  g_assert_finalize_object (plain);

  g_assert_finalize_object (set);
  g_assert_finalize_object (typed);
}

/* /Wobj/Set/new-interface-type */
static void
test_new_interface_type (void)
{
  WkSet *set = wk_set_new (G_TYPE_LIST_MODEL);
  GListStore *store = g_list_store_new (G_TYPE_OBJECT);
  GObject *object = new_object ();
  Monitor mon;

  /* An interface with GObject as prerequisite is an object type. */
  g_assert_nonnull (set);
  g_assert_true (wk_set_get_member_type (set) == G_TYPE_LIST_MODEL);
  monitor_init (&mon, set, TRUE);

  g_assert_true (wk_set_add (set, store));
  g_assert_true (wk_set_add (set, set));
  assert_log (&mon, "c0,0,1 n c1,0,1 n");
  EXPECT_CRITICAL ("wk_set_add: object must be a GListModel, not a GObject",
                   g_assert_false (wk_set_add (set, object)));
  assert_log (&mon, "");
  ASSERT_SET (set, store, set);

  g_assert_finalize_object (store);
  assert_log (&mon, "c0,1,0 n f");
  g_assert_finalize_object (object);
  g_assert_finalize_object (set);
  assert_log (&mon, "c0,1,0");
  monitor_clear (&mon);
}

/* /Wobj/Set/add */
static void
test_add (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  WkSet *typed = wk_set_new (WK_TEST_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();
  WkTestObject *t = new_test_object ();
  Monitor mon;
  Monitor tmon;

  monitor_init (&mon, set, TRUE);
  monitor_init (&tmon, typed, TRUE);

  /* TRUE when new, FALSE when already there; no reference is kept. */
  g_assert_true (wk_set_add (set, a));
  assert_log (&mon, "c0,0,1 n");
  g_assert_cmpuint (ref_count (a), ==, 1);
  g_assert_false (wk_set_add (set, a));
  assert_log (&mon, "");
  g_assert_true (wk_set_add (set, b));
  assert_log (&mon, "c1,0,1 n");
  g_assert_true (wk_set_add (set, t));
  assert_log (&mon, "c2,0,1 n");
  g_assert_false (wk_set_add (set, b));
  assert_log (&mon, "");
  ASSERT_SET (set, a, b, t);
  g_assert_cmpuint (ref_count (a), ==, 1);
  g_assert_cmpuint (ref_count (b), ==, 1);

  /* A typed set takes its type and refuses others, changing nothing. */
  g_assert_true (wk_set_add (typed, t));
  assert_log (&tmon, "c0,0,1 n");
  EXPECT_CRITICAL ("wk_set_add: object must be a WkTestObject, not a GObject",
                   g_assert_false (wk_set_add (typed, a)));
  EXPECT_CRITICAL ("wk_set_add: object must be a WkTestObject, not a WkSet",
                   g_assert_false (wk_set_add (typed, set)));
  assert_log (&tmon, "");
  ASSERT_SET (typed, t);
  g_assert_false (wk_set_contains (typed, a));
  g_assert_cmpuint (ref_count (a), ==, 1);

  /* A member of one set is independent of the other. */
  g_assert_true (wk_set_remove (typed, t));
  assert_log (&tmon, "c0,1,0 n");
  ASSERT_SET (set, a, b, t);

  g_assert_finalize_object (b);
  assert_log (&mon, "c1,1,0 n f");
  g_assert_finalize_object (set);
  assert_log (&mon, "c0,2,0");
  g_assert_finalize_object (typed);
  g_assert_finalize_object (a);
  g_assert_finalize_object (t);
  assert_log (&tmon, "");
  monitor_clear (&mon);
  monitor_clear (&tmon);
}

/* /Wobj/Set/remove */
static void
test_remove (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  WkSet *typed = wk_set_new (WK_TEST_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  GObject *d = new_object ();
  GObject *stranger = new_object ();
  Monitor mon;

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  g_assert_true (wk_set_add (set, c));
  g_assert_true (wk_set_add (set, d));
  monitor_init (&mon, set, TRUE);

  g_assert_true (wk_set_remove (set, b));
  assert_log (&mon, "c1,1,0 n");
  ASSERT_SET (set, a, c, d);
  g_assert_false (wk_set_remove (set, b));
  g_assert_false (wk_set_remove (set, stranger));
  assert_log (&mon, "");

  g_assert_true (wk_set_remove (set, d));
  assert_log (&mon, "c2,1,0 n");
  g_assert_true (wk_set_remove (set, a));
  assert_log (&mon, "c0,1,0 n");
  ASSERT_SET (set, c);

  /* Added again: a new row at the end. */
  g_assert_true (wk_set_add (set, b));
  assert_log (&mon, "c1,0,1 n");
  ASSERT_SET (set, c, b);

  /* The removed members were never held; their deaths are not the set's
   * business any more. */
  g_assert_cmpuint (ref_count (a), ==, 1);
  g_assert_finalize_object (a);
  g_assert_finalize_object (d);
  assert_log (&mon, "");

  /* Removing an object of another type from a typed set: not a member. */
  g_assert_false (wk_set_remove (typed, c));
  ASSERT_EMPTY (typed);

  g_assert_true (wk_set_remove (set, c));
  g_assert_true (wk_set_remove (set, b));
  assert_log (&mon, "c0,1,0 n c0,1,0 n");
  ASSERT_EMPTY (set);

  g_assert_finalize_object (b);
  g_assert_finalize_object (c);
  g_assert_finalize_object (stranger);
  assert_log (&mon, "");
  g_assert_finalize_object (set);
  g_assert_finalize_object (typed);
  assert_log (&mon, "");
  monitor_clear (&mon);
}

/* /Wobj/Set/contains */
static void
test_contains (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  WkSet *typed = wk_set_new (WK_TEST_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();
  Monitor mon;

  monitor_init (&mon, set, TRUE);
  g_assert_false (wk_set_contains (set, a));
  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_contains (set, a));
  g_assert_false (wk_set_contains (set, b));
  g_assert_false (wk_set_contains (set, set));
  g_assert_cmpuint (ref_count (a), ==, 1);
  assert_log (&mon, "c0,0,1 n");

  g_assert_true (wk_set_remove (set, a));
  g_assert_false (wk_set_contains (set, a));
  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_contains (set, a));
  assert_log (&mon, "c0,1,0 n c0,0,1 n");

  /* An object disposed while it lives is no member any more. */
  g_object_run_dispose (a);
  assert_log (&mon, "c0,1,0 n f");
  g_assert_false (wk_set_contains (set, a));

  /* Asking a typed set about another type: simply not a member. */
  g_assert_false (wk_set_contains (typed, a));

  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
  g_assert_finalize_object (set);
  g_assert_finalize_object (typed);
  assert_log (&mon, "");
  monitor_clear (&mon);
}

/* /Wobj/Set/pop */
static void
test_pop (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  GObject *d = new_object ();
  GObject *e = new_object ();
  GObject *d_watch = d;
  gpointer popped;
  Monitor mon;

  monitor_init (&mon, set, TRUE);
  g_assert_null (wk_set_pop (set));

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  g_assert_true (wk_set_add (set, c));
  assert_log (&mon, "c0,0,1 n c1,0,1 n c2,0,1 n");

  /* The oldest, with a new reference; not a death. */
  popped = wk_set_pop (set);
  g_assert_true (popped == a);
  g_assert_cmpuint (ref_count (a), ==, 2);
  g_object_unref (popped);
  assert_log (&mon, "c0,1,0 n");
  g_assert_false (wk_set_contains (set, a));
  ASSERT_SET (set, b, c);

  /* Readding makes it the newest. */
  g_assert_true (wk_set_add (set, a));
  popped = wk_set_pop (set);
  g_assert_true (popped == b);
  g_object_unref (popped);
  assert_log (&mon, "c2,0,1 n c0,1,0 n");
  ASSERT_SET (set, c, a);

  /* A member that died on another thread is skipped at once, and still
   * signalled later. */
  g_assert_true (wk_set_add (set, d));
  g_assert_true (wk_set_add (set, e));
  assert_log (&mon, "c2,0,1 n c3,0,1 n");
  popped = wk_set_pop (set);
  g_assert_true (popped == c);
  g_object_unref (popped);
  popped = wk_set_pop (set);
  g_assert_true (popped == a);
  g_object_unref (popped);
  assert_log (&mon, "c0,1,0 n c0,1,0 n");

  g_object_add_weak_pointer (d, (gpointer *) &d_watch);
  wk_test_unref_in_thread (g_steal_pointer (&d));
  g_assert_null (d_watch);
  ASSERT_ROWS (set, NULL, e);
  popped = wk_set_pop (set);
  g_assert_true (popped == e);
  g_object_unref (popped);
  assert_log (&mon, "c1,1,0 n");
  g_assert_null (wk_set_pop (set));
  assert_log (&mon, "");
  g_assert_cmpuint (wk_set_get_size (set), ==, 0);
  ASSERT_ROWS (set, NULL);

  wk_test_iterate_until (NULL, &mon.n_finalized, 1);
  wk_test_drain_context (NULL);
  assert_log (&mon, "c0,1,0 n f");
  ASSERT_EMPTY (set);
  g_assert_null (wk_set_pop (set));

  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
  g_assert_finalize_object (c);
  g_assert_finalize_object (e);
  g_assert_finalize_object (set);
  assert_log (&mon, "");
  monitor_clear (&mon);
}

/* /Wobj/Set/remove-all */
static void
test_remove_all (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  GObject *x = new_object ();
  Monitor mon;

  monitor_init (&mon, set, TRUE);

  /* Empty: nothing to say. */
  wk_set_remove_all (set);
  assert_log (&mon, "");

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  g_assert_true (wk_set_add (set, c));
  assert_log (&mon, "c0,0,1 n c1,0,1 n c2,0,1 n");

  /* One signal for all the rows; no object-finalized. */
  wk_set_remove_all (set);
  assert_log (&mon, "c0,3,0 n");
  ASSERT_EMPTY (set);
  g_assert_cmpuint (ref_count (a), ==, 1);
  g_assert_cmpuint (ref_count (b), ==, 1);
  wk_set_remove_all (set);
  assert_log (&mon, "");

  /* A removed member's death is not signalled. */
  g_assert_finalize_object (c);
  assert_log (&mon, "");

  /* It works again afterwards. */
  g_assert_true (wk_set_add (set, b));
  g_assert_true (wk_set_add (set, a));
  assert_log (&mon, "c0,0,1 n c1,0,1 n");
  ASSERT_SET (set, b, a);

  /* A pending cross-thread death is cancelled by remove_all: its row
   * goes with the others, and no object-finalized comes. */
  wk_test_unref_in_thread (g_steal_pointer (&b));
  ASSERT_ROWS (set, NULL, a);
  wk_set_remove_all (set);
  assert_log (&mon, "c0,2,0 n");
  ASSERT_EMPTY (set);
  wk_test_drain_context (NULL);
  assert_log (&mon, "");

  /* So is a pending cross-thread addition. */
  g_assert_true (wk_set_add (set, a));
  assert_log (&mon, "c0,0,1 n");
  run_in_thread (add_thread_func, set, (gpointer *) &x, 1);
  ASSERT_MEMBERS (set, a, x);
  wk_set_remove_all (set);
  assert_log (&mon, "c0,1,0 n");
  wk_test_drain_context (NULL);
  assert_log (&mon, "");
  ASSERT_EMPTY (set);

  g_assert_finalize_object (a);
  g_assert_finalize_object (x);
  g_assert_finalize_object (set);
  assert_log (&mon, "");
  monitor_clear (&mon);
}

/* /Wobj/Set/get-size */
static void
test_get_size (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *objects[5];

  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    {
      objects[i] = new_object ();
      g_assert_cmpuint (wk_set_get_size (set), ==, i);
      g_assert_true (wk_set_add (set, objects[i]));
      g_assert_cmpuint (wk_set_get_size (set), ==, i + 1);
    }
  g_assert_false (wk_set_add (set, objects[0]));
  g_assert_cmpuint (wk_set_get_size (set), ==, 5);

  g_assert_true (wk_set_remove (set, objects[4]));
  g_assert_cmpuint (wk_set_get_size (set), ==, 4);

  /* A death on the owner's thread: exact before unref returns. */
  g_object_unref (g_steal_pointer (&objects[0]));
  g_assert_cmpuint (wk_set_get_size (set), ==, 3);

  /* Disposal counts as a death. */
  g_object_run_dispose (objects[1]);
  g_assert_cmpuint (wk_set_get_size (set), ==, 2);

  /* A death elsewhere: at once, before the model follows. */
  wk_test_unref_in_thread (g_steal_pointer (&objects[2]));
  g_assert_cmpuint (wk_set_get_size (set), ==, 1);
  g_assert_cmpuint (n_items (set), ==, 2);
  wk_test_drain_context (NULL);
  g_assert_cmpuint (wk_set_get_size (set), ==, 1);
  g_assert_cmpuint (n_items (set), ==, 1);

  wk_set_remove_all (set);
  g_assert_cmpuint (wk_set_get_size (set), ==, 0);

  g_assert_finalize_object (objects[1]);
  g_assert_finalize_object (objects[3]);
  g_assert_finalize_object (objects[4]);
  g_assert_finalize_object (set);
}

/* /Wobj/Set/dup-members */
static void
test_dup_members (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  GPtrArray *members;
  Monitor mon;

  members = wk_set_dup_members (set);
  g_assert_nonnull (members);
  g_assert_cmpuint (members->len, ==, 0);
  g_ptr_array_unref (members);

  g_assert_true (wk_set_add (set, c));
  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  monitor_init (&mon, set, TRUE);

  /* Insertion order, each with a new reference the array owns. */
  members = wk_set_dup_members (set);
  g_assert_cmpuint (members->len, ==, 3);
  g_assert_true (g_ptr_array_index (members, 0) == c);
  g_assert_true (g_ptr_array_index (members, 1) == a);
  g_assert_true (g_ptr_array_index (members, 2) == b);
  g_assert_cmpuint (ref_count (a), ==, 2);

  /* The snapshot is a snapshot: the set changes under it. */
  g_assert_true (wk_set_remove (set, c));
  assert_log (&mon, "c0,1,0 n");
  g_assert_true (g_ptr_array_index (members, 0) == c);

  /* The array keeps its members alive; freeing it finalizes what only it
   * held, and the set hears of that. */
  g_object_unref (g_steal_pointer (&a));
  ASSERT_SET (set, g_ptr_array_index (members, 1), b);
  g_ptr_array_unref (members);
  assert_log (&mon, "c0,1,0 n f");
  g_assert_cmpuint (ref_count (b), ==, 1);
  g_assert_cmpuint (ref_count (c), ==, 1);

  /* Re-added: last. */
  g_assert_true (wk_set_add (set, c));
  assert_log (&mon, "c1,0,1 n");
  ASSERT_SET (set, b, c);

  g_assert_finalize_object (b);
  assert_log (&mon, "c0,1,0 n f");
  g_assert_finalize_object (c);
  assert_log (&mon, "c0,1,0 n f");
  g_assert_finalize_object (set);
  assert_log (&mon, "");
  monitor_clear (&mon);
}

typedef struct
{
  WkSet     *set;
  GPtrArray *visited;
  gpointer   trigger;      /* act when this member is visited */
  gpointer   victim;       /* to drop when acting */
  gpointer   newcomer;     /* to add when acting */
  gboolean   clear;        /* remove_all when acting */
  gboolean   drop_set;     /* drop the last reference to the set when acting */
} ForeachData;

static void
foreach_cb (gpointer object,
            gpointer user_data)
{
  ForeachData *data = user_data;

  g_assert_true (G_IS_OBJECT (object));
  g_assert_cmpuint (ref_count (object), >=, 2);
  g_ptr_array_add (data->visited, object);

  if (object != data->trigger)
    return;

  if (data->victim != NULL)
    g_object_unref (g_steal_pointer (&data->victim));
  if (data->newcomer != NULL)
    g_assert_true (wk_set_add (data->set, data->newcomer));
  if (data->clear)
    wk_set_remove_all (data->set);
  if (data->drop_set)
    g_object_unref (g_steal_pointer (&data->set));
}

/* /Wobj/Set/foreach */
static void
test_foreach (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  WkSet *set_watch = set;
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  GObject *d = new_object ();
  GObject *x = new_object ();
  GObject *c_watch = c;
  ForeachData data = { 0 };
  Monitor mon;

  data.visited = g_ptr_array_new ();

  /* Nothing to visit. */
  data.set = set;
  wk_set_foreach (set, foreach_cb, &data);
  g_assert_cmpuint (data.visited->len, ==, 0);

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  g_assert_true (wk_set_add (set, c));
  g_assert_true (wk_set_add (set, d));
  monitor_init (&mon, set, TRUE);

  /* In insertion order. */
  wk_set_foreach (set, foreach_cb, &data);
  g_assert_cmpuint (data.visited->len, ==, 4);
  g_assert_true (g_ptr_array_index (data.visited, 0) == a);
  g_assert_true (g_ptr_array_index (data.visited, 1) == b);
  g_assert_true (g_ptr_array_index (data.visited, 2) == c);
  g_assert_true (g_ptr_array_index (data.visited, 3) == d);
  g_assert_cmpuint (ref_count (a), ==, 1);

  /* A member that dies during the walk is skipped; one added during it is
   * not in the snapshot. */
  g_ptr_array_set_size (data.visited, 0);
  g_object_add_weak_pointer (c, (gpointer *) &c_watch);
  data.trigger = a;
  data.victim = g_steal_pointer (&c);
  data.newcomer = x;
  wk_set_foreach (set, foreach_cb, &data);
  g_assert_null (c_watch);
  assert_log (&mon, "c2,1,0 n f c3,0,1 n");
  g_assert_cmpuint (data.visited->len, ==, 3);
  g_assert_true (g_ptr_array_index (data.visited, 0) == a);
  g_assert_true (g_ptr_array_index (data.visited, 1) == b);
  g_assert_true (g_ptr_array_index (data.visited, 2) == d);
  ASSERT_SET (set, a, b, d, x);

  /* The callback may clear the set: no crash, nothing dead visited. */
  g_ptr_array_set_size (data.visited, 0);
  data.newcomer = NULL;
  data.trigger = b;
  data.clear = TRUE;
  wk_set_foreach (set, foreach_cb, &data);
  assert_log (&mon, "c0,4,0 n");
  g_assert_cmpuint (data.visited->len, >=, 2);
  g_assert_true (g_ptr_array_index (data.visited, 0) == a);
  g_assert_true (g_ptr_array_index (data.visited, 1) == b);
  for (guint i = 2; i < data.visited->len; i++)
    g_assert_true (g_ptr_array_index (data.visited, i) == d ||
                   g_ptr_array_index (data.visited, i) == x);
  ASSERT_EMPTY (set);

  /* The callback may drop the last reference to the set. */
  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  g_assert_true (wk_set_add (set, d));
  assert_log (&mon, "c0,0,1 n c1,0,1 n c2,0,1 n");
  g_object_add_weak_pointer (G_OBJECT (set), (gpointer *) &set_watch);
  g_ptr_array_set_size (data.visited, 0);
  data.trigger = a;
  data.clear = FALSE;
  data.drop_set = TRUE;
  wk_set_foreach (g_steal_pointer (&set), foreach_cb, &data);
  g_assert_null (set_watch);
  g_assert_null (data.set);
  assert_log (&mon, "c0,3,0");
  g_assert_cmpuint (data.visited->len, >=, 1);
  g_assert_true (g_ptr_array_index (data.visited, 0) == a);

  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
  g_assert_finalize_object (d);
  g_assert_finalize_object (x);
  g_ptr_array_unref (data.visited);
  monitor_clear (&mon);
}

/* /Wobj/Set/iter */
static void
test_iter (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  WkSetIter iter;
  gpointer object = NULL;

  /* An empty set: the walk ends at once. */
  wk_set_iter_init (&iter, set);
  g_assert_false (wk_set_iter_next (&iter, &object));
  g_assert_false (wk_set_iter_next (&iter, &object));
  wk_set_iter_clear (&iter);

  g_assert_true (wk_set_add (set, b));
  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, c));

  /* Insertion order; each member borrowed and held until the next step. */
  wk_set_iter_init (&iter, set);
  g_assert_true (wk_set_iter_next (&iter, &object));
  g_assert_true (object == b);
  g_assert_cmpuint (ref_count (b), ==, 2);
  g_assert_true (wk_set_iter_next (&iter, &object));
  g_assert_true (object == a);
  g_assert_cmpuint (ref_count (b), ==, 1);
  g_assert_cmpuint (ref_count (a), ==, 2);
  g_assert_true (wk_set_iter_next (&iter, &object));
  g_assert_true (object == c);
  g_assert_false (wk_set_iter_next (&iter, &object));
  g_assert_cmpuint (ref_count (c), ==, 1);
  /* At the end it is cleared: next again and clear are harmless. */
  g_assert_false (wk_set_iter_next (&iter, &object));
  wk_set_iter_clear (&iter);
  wk_set_iter_clear (&iter);

  /* The member is optional. */
  wk_set_iter_init (&iter, set);
  for (guint i = 0; i < 3; i++)
    g_assert_true (wk_set_iter_next (&iter, NULL));
  g_assert_false (wk_set_iter_next (&iter, NULL));

  /* The walk is over a snapshot: changes made during it do not disturb
   * it, and the iterator keeps no member alive beyond the current one. */
  wk_set_iter_init (&iter, set);
  g_assert_true (wk_set_iter_next (&iter, &object));
  g_assert_true (object == b);
  g_assert_cmpuint (ref_count (a), ==, 1);
  g_assert_cmpuint (ref_count (c), ==, 1);
  wk_set_remove_all (set);
  g_assert_true (wk_set_add (set, c));
  while (wk_set_iter_next (&iter, &object))
    g_assert_true (object == a || object == c);
  ASSERT_SET (set, c);

  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
  g_assert_finalize_object (c);
  g_assert_finalize_object (set);
}

/* /Wobj/Set/iter-clear */
static void
test_iter_clear (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();
  WkSetIter iter;
  gpointer object = NULL;

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));

  /* Stopped early: the clear releases the member held. */
  wk_set_iter_init (&iter, set);
  g_assert_true (wk_set_iter_next (&iter, &object));
  g_assert_true (object == a);
  g_assert_cmpuint (ref_count (a), ==, 2);
  wk_set_iter_clear (&iter);
  g_assert_cmpuint (ref_count (a), ==, 1);
  wk_set_iter_clear (&iter);

  /* Cleared right after init. */
  wk_set_iter_init (&iter, set);
  wk_set_iter_clear (&iter);

  /* The member held by a cleared walk dies when the walk lets go. */
  wk_set_iter_init (&iter, set);
  g_assert_true (wk_set_iter_next (&iter, &object));
  g_object_unref (g_steal_pointer (&a));
  g_assert_true (G_IS_OBJECT (object));
  g_assert_true (wk_set_contains (set, object));
  wk_set_iter_clear (&iter);
  ASSERT_SET (set, b);

  g_assert_finalize_object (b);
  g_assert_finalize_object (set);
}

/* /Wobj/Set/iter-auto */
static void
test_iter_auto (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));

  {
    g_auto(WkSetIter) iter = { 0, };
    gpointer object = NULL;

    wk_set_iter_init (&iter, set);
    g_assert_true (wk_set_iter_next (&iter, &object));
    g_assert_true (object == a);
    g_assert_cmpuint (ref_count (a), ==, 2);
  }
  g_assert_cmpuint (ref_count (a), ==, 1);

  /* Never initialized, or walked to the end: leaving the scope is fine. */
  {
    g_auto(WkSetIter) unused = { 0, };

    (void) unused;
  }
  {
    g_auto(WkSetIter) iter = { 0, };
    guint n = 0;

    wk_set_iter_init (&iter, set);
    while (wk_set_iter_next (&iter, NULL))
      n++;
    g_assert_cmpuint (n, ==, 2);
  }
  g_assert_cmpuint (ref_count (a), ==, 1);
  g_assert_cmpuint (ref_count (b), ==, 1);

  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
  g_assert_finalize_object (set);
}

/* /Wobj/Set/iter-member-dies */
static void
test_iter_member_dies (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  GObject *d = new_object ();
  GObject *a_watch = a;
  WkSetIter iter;
  gpointer object = NULL;
  Monitor mon;

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  g_assert_true (wk_set_add (set, c));
  g_assert_true (wk_set_add (set, d));
  monitor_init (&mon, set, TRUE);

  wk_set_iter_init (&iter, set);
  g_assert_true (wk_set_iter_next (&iter, &object));
  g_assert_true (object == a);

  /* The current member: the walk holds it until the next step, where it
   * dies and the set signals at once. A later member dies on the owner's
   * thread, another on a worker: both are skipped. */
  g_object_add_weak_pointer (a, (gpointer *) &a_watch);
  g_object_unref (g_steal_pointer (&a));
  g_assert_nonnull (a_watch);
  assert_log (&mon, "");
  g_object_unref (g_steal_pointer (&b));
  assert_log (&mon, "c1,1,0 n f");
  wk_test_unref_in_thread (g_steal_pointer (&c));
  assert_log (&mon, "");

  g_assert_true (wk_set_iter_next (&iter, &object));
  g_assert_null (a_watch);
  g_assert_true (object == d);
  g_assert_false (wk_set_iter_next (&iter, &object));

  /* The worker's death may be delivered with a's (in order of death) or
   * later from the main context: both keep the contract. */
  wk_test_iterate_until (NULL, &mon.n_finalized, 3);
  wk_test_drain_context (NULL);
  if (g_str_has_prefix (mon.log->str, "c1"))
    assert_log (&mon, "c1,1,0 n f c0,1,0 n f");
  else
    assert_log (&mon, "c0,1,0 n f c0,1,0 n f");
  ASSERT_SET (set, d);

  g_assert_finalize_object (d);
  assert_log (&mon, "c0,1,0 n f");
  g_assert_finalize_object (set);
  monitor_clear (&mon);
}

/* Set algebra: A = {o0, o1, o2, o3} and B = {o2, o3, o4, o5}, in that
 * order; T is typed (WkTestObject) = {t0, t1}, M is mixed = {t1, g, t2} with g
 * a plain GObject, and N = {t1, t2} untyped but of WkTestObjects only. */
typedef struct
{
  GObject      *o[6];
  WkTestObject *t[3];
  GObject      *g;
  WkSet        *a;
  WkSet        *b;
  WkSet        *empty;
  WkSet        *typed;
  WkSet        *mixed;
  WkSet        *tests_only;
  Monitor       mon_a;
  Monitor       mon_b;
  Monitor       mon_typed;
  Monitor       mon_mixed;
} Algebra;

static void
algebra_setup (Algebra *al)
{
  memset (al, 0, sizeof *al);

  for (guint i = 0; i < G_N_ELEMENTS (al->o); i++)
    al->o[i] = new_object ();
  for (guint i = 0; i < G_N_ELEMENTS (al->t); i++)
    al->t[i] = new_test_object ();
  al->g = new_object ();

  al->a = make_set (G_TYPE_OBJECT, (gpointer *) al->o, 4);
  al->b = make_set (G_TYPE_OBJECT, (gpointer *) al->o + 2, 4);
  al->empty = wk_set_new (G_TYPE_OBJECT);
  al->typed = make_set (WK_TEST_TYPE_OBJECT, (gpointer *) al->t, 2);
  al->mixed = wk_set_new (G_TYPE_OBJECT);
  g_assert_true (wk_set_add (al->mixed, al->t[1]));
  g_assert_true (wk_set_add (al->mixed, al->g));
  g_assert_true (wk_set_add (al->mixed, al->t[2]));
  al->tests_only = make_set (G_TYPE_OBJECT, (gpointer *) al->t + 1, 2);

  monitor_init (&al->mon_a, al->a, TRUE);
  monitor_init (&al->mon_b, al->b, TRUE);
  monitor_init (&al->mon_typed, al->typed, TRUE);
  monitor_init (&al->mon_mixed, al->mixed, TRUE);
}

/* Every object and set is finalized; nothing kept a member alive. */
static void
algebra_teardown (Algebra *al)
{
  assert_log (&al->mon_b, "");
  assert_log (&al->mon_mixed, "");
  monitor_clear (&al->mon_a);
  monitor_clear (&al->mon_b);
  monitor_clear (&al->mon_typed);
  monitor_clear (&al->mon_mixed);

  g_assert_finalize_object (al->a);
  g_assert_finalize_object (al->b);
  g_assert_finalize_object (al->empty);
  g_assert_finalize_object (al->typed);
  g_assert_finalize_object (al->mixed);
  g_assert_finalize_object (al->tests_only);

  for (guint i = 0; i < G_N_ELEMENTS (al->o); i++)
    g_assert_finalize_object (al->o[i]);
  for (guint i = 0; i < G_N_ELEMENTS (al->t); i++)
    g_assert_finalize_object (al->t[i]);
  g_assert_finalize_object (al->g);
}

/* A result set: new, owned here, with the expected member type and no
 * reference to its members. */
static void
assert_result (WkSet *result,
               WkSet *self,
               WkSet *other)
{
  g_assert_nonnull (result);
  g_assert_true (WK_IS_SET (result));
  g_assert_true (result != self);
  g_assert_true (result != other);
  g_assert_true (wk_set_get_member_type (result) == wk_set_get_member_type (self));
}

/* /Wobj/Set/update */
static void
test_update (void)
{
  Algebra al;

  algebra_setup (&al);

  wk_set_update (al.a, al.b);
  assert_log (&al.mon_a, "c4,0,1 n c5,0,1 n");
  ASSERT_SET (al.a, al.o[0], al.o[1], al.o[2], al.o[3], al.o[4], al.o[5]);
  ASSERT_SET (al.b, al.o[2], al.o[3], al.o[4], al.o[5]);

  /* With itself, or nothing new: no change. */
  wk_set_update (al.a, al.a);
  wk_set_update (al.a, al.b);
  wk_set_update (al.a, al.empty);
  assert_log (&al.mon_a, "");

  /* Into an empty set: the other's order. */
  wk_set_update (al.empty, al.b);
  ASSERT_SET (al.empty, al.o[2], al.o[3], al.o[4], al.o[5]);
  wk_set_remove_all (al.empty);

  /* A typed set refuses a wrong-type member of other: nothing is added. */
  EXPECT_CRITICAL ("wk_set_update: other must be a WkTestObject, not a GObject",
                   wk_set_update (al.typed, al.mixed));
  assert_log (&al.mon_typed, "");
  ASSERT_SET (al.typed, al.t[0], al.t[1]);

  /* An untyped other whose members all fit is fine. */
  wk_set_update (al.typed, al.tests_only);
  assert_log (&al.mon_typed, "c2,0,1 n");
  ASSERT_SET (al.typed, al.t[0], al.t[1], al.t[2]);

  /* The other way round needs no check. */
  wk_set_update (al.mixed, al.typed);
  assert_log (&al.mon_mixed, "c3,0,1 n");
  ASSERT_SET (al.mixed, al.t[1], al.g, al.t[2], al.t[0]);
  g_assert_true (wk_set_remove (al.mixed, al.t[0]));
  assert_log (&al.mon_mixed, "c3,1,0 n");

  algebra_teardown (&al);
}

/* /Wobj/Set/intersection-update */
static void
test_intersection_update (void)
{
  Algebra al;

  algebra_setup (&al);

  wk_set_intersection_update (al.a, al.a);
  assert_log (&al.mon_a, "");
  ASSERT_SET (al.a, al.o[0], al.o[1], al.o[2], al.o[3]);

  wk_set_intersection_update (al.a, al.b);
  assert_log (&al.mon_a, "c0,1,0 n c0,1,0 n");
  ASSERT_SET (al.a, al.o[2], al.o[3]);
  ASSERT_SET (al.b, al.o[2], al.o[3], al.o[4], al.o[5]);

  /* Only removes: a typed set takes any other without complaint. */
  wk_set_intersection_update (al.typed, al.mixed);
  assert_log (&al.mon_typed, "c0,1,0 n");
  ASSERT_SET (al.typed, al.t[1]);

  wk_set_intersection_update (al.a, al.empty);
  assert_log (&al.mon_a, "c0,1,0 n c0,1,0 n");
  ASSERT_EMPTY (al.a);

  algebra_teardown (&al);
}

/* /Wobj/Set/difference-update */
static void
test_difference_update (void)
{
  Algebra al;

  algebra_setup (&al);

  wk_set_difference_update (al.a, al.empty);
  assert_log (&al.mon_a, "");

  wk_set_difference_update (al.a, al.b);
  assert_log (&al.mon_a, "c2,1,0 n c2,1,0 n");
  ASSERT_SET (al.a, al.o[0], al.o[1]);
  ASSERT_SET (al.b, al.o[2], al.o[3], al.o[4], al.o[5]);

  /* Only removes: a typed set takes any other. */
  wk_set_difference_update (al.typed, al.mixed);
  assert_log (&al.mon_typed, "c1,1,0 n");
  ASSERT_SET (al.typed, al.t[0]);

  /* With itself: empty. */
  wk_set_difference_update (al.b, al.b);
  assert_log (&al.mon_b, "c0,1,0 n c0,1,0 n c0,1,0 n c0,1,0 n");
  ASSERT_EMPTY (al.b);

  algebra_teardown (&al);
}

/* /Wobj/Set/symmetric-difference-update */
static void
test_symmetric_difference_update (void)
{
  Algebra al;

  algebra_setup (&al);

  wk_set_symmetric_difference_update (al.a, al.b);
  assert_log (&al.mon_a, "c2,1,0 n c2,1,0 n c2,0,1 n c3,0,1 n");
  ASSERT_SET (al.a, al.o[0], al.o[1], al.o[4], al.o[5]);
  ASSERT_SET (al.b, al.o[2], al.o[3], al.o[4], al.o[5]);

  wk_set_symmetric_difference_update (al.a, al.empty);
  assert_log (&al.mon_a, "");

  /* A wrong-type member in other: nothing changes at all, not even the
   * removal of the common member. */
  EXPECT_CRITICAL ("wk_set_symmetric_difference_update: other must be a WkTestObject, not a GObject",
                   wk_set_symmetric_difference_update (al.typed, al.mixed));
  assert_log (&al.mon_typed, "");
  ASSERT_SET (al.typed, al.t[0], al.t[1]);

  wk_set_symmetric_difference_update (al.typed, al.tests_only);
  assert_log (&al.mon_typed, "c1,1,0 n c1,0,1 n");
  ASSERT_SET (al.typed, al.t[0], al.t[2]);

  /* With itself: empty. */
  wk_set_symmetric_difference_update (al.b, al.b);
  assert_log (&al.mon_b, "c0,1,0 n c0,1,0 n c0,1,0 n c0,1,0 n");
  ASSERT_EMPTY (al.b);

  algebra_teardown (&al);
}

/* /Wobj/Set/union */
static void
test_union (void)
{
  Algebra al;
  WkSet *result;

  algebra_setup (&al);

  /* The members of self first, then the new ones of other. */
  result = wk_set_union (al.a, al.b);
  assert_result (result, al.a, al.b);
  ASSERT_SET (result, al.o[0], al.o[1], al.o[2], al.o[3], al.o[4], al.o[5]);
  g_assert_finalize_object (result);

  result = wk_set_union (al.b, al.a);
  ASSERT_SET (result, al.o[2], al.o[3], al.o[4], al.o[5], al.o[0], al.o[1]);
  g_assert_finalize_object (result);

  result = wk_set_union (al.a, al.a);
  assert_result (result, al.a, al.a);
  ASSERT_SET (result, al.o[0], al.o[1], al.o[2], al.o[3]);
  g_assert_true (wk_set_equal (result, al.a));
  g_assert_finalize_object (result);

  result = wk_set_union (al.empty, al.empty);
  assert_result (result, al.empty, al.empty);
  ASSERT_EMPTY (result);
  g_assert_finalize_object (result);

  /* The operands are untouched. */
  assert_log (&al.mon_a, "");
  ASSERT_SET (al.a, al.o[0], al.o[1], al.o[2], al.o[3]);
  ASSERT_SET (al.b, al.o[2], al.o[3], al.o[4], al.o[5]);

  /* Typed self: the result is typed; a wrong-type member in other gives
   * NULL. */
  result = wk_set_union (al.typed, al.tests_only);
  assert_result (result, al.typed, al.tests_only);
  ASSERT_SET (result, al.t[0], al.t[1], al.t[2]);
  g_assert_finalize_object (result);

  EXPECT_CRITICAL ("wk_set_union: other must be a WkTestObject, not a GObject",
                   result = wk_set_union (al.typed, al.mixed));
  g_assert_null (result);
  assert_log (&al.mon_typed, "");
  ASSERT_SET (al.typed, al.t[0], al.t[1]);

  result = wk_set_union (al.mixed, al.typed);
  assert_result (result, al.mixed, al.typed);
  ASSERT_SET (result, al.t[1], al.g, al.t[2], al.t[0]);
  g_assert_finalize_object (result);

  algebra_teardown (&al);
}

/* /Wobj/Set/intersection */
static void
test_intersection (void)
{
  Algebra al;
  WkSet *result;

  algebra_setup (&al);

  result = wk_set_intersection (al.a, al.b);
  assert_result (result, al.a, al.b);
  ASSERT_SET (result, al.o[2], al.o[3]);
  g_assert_finalize_object (result);

  result = wk_set_intersection (al.a, al.a);
  assert_result (result, al.a, al.a);
  ASSERT_SET (result, al.o[0], al.o[1], al.o[2], al.o[3]);
  g_assert_finalize_object (result);

  result = wk_set_intersection (al.a, al.empty);
  ASSERT_EMPTY (result);
  g_assert_finalize_object (result);

  /* Typed self with a mixed other: no critical, a typed result. */
  result = wk_set_intersection (al.typed, al.mixed);
  assert_result (result, al.typed, al.mixed);
  ASSERT_SET (result, al.t[1]);
  g_assert_finalize_object (result);

  assert_log (&al.mon_a, "");
  assert_log (&al.mon_typed, "");
  ASSERT_SET (al.a, al.o[0], al.o[1], al.o[2], al.o[3]);
  ASSERT_SET (al.typed, al.t[0], al.t[1]);

  algebra_teardown (&al);
}

/* /Wobj/Set/difference */
static void
test_difference (void)
{
  Algebra al;
  WkSet *result;

  algebra_setup (&al);

  result = wk_set_difference (al.a, al.b);
  assert_result (result, al.a, al.b);
  ASSERT_SET (result, al.o[0], al.o[1]);
  g_assert_finalize_object (result);

  result = wk_set_difference (al.b, al.a);
  ASSERT_SET (result, al.o[4], al.o[5]);
  g_assert_finalize_object (result);

  result = wk_set_difference (al.a, al.a);
  assert_result (result, al.a, al.a);
  ASSERT_EMPTY (result);
  g_assert_finalize_object (result);

  result = wk_set_difference (al.a, al.empty);
  ASSERT_SET (result, al.o[0], al.o[1], al.o[2], al.o[3]);
  g_assert_finalize_object (result);

  result = wk_set_difference (al.typed, al.mixed);
  assert_result (result, al.typed, al.mixed);
  ASSERT_SET (result, al.t[0]);
  g_assert_finalize_object (result);

  assert_log (&al.mon_a, "");
  assert_log (&al.mon_typed, "");
  ASSERT_SET (al.a, al.o[0], al.o[1], al.o[2], al.o[3]);

  algebra_teardown (&al);
}

/* /Wobj/Set/symmetric-difference */
static void
test_symmetric_difference (void)
{
  Algebra al;
  WkSet *result;

  algebra_setup (&al);

  result = wk_set_symmetric_difference (al.a, al.b);
  assert_result (result, al.a, al.b);
  ASSERT_SET (result, al.o[0], al.o[1], al.o[4], al.o[5]);
  g_assert_finalize_object (result);

  result = wk_set_symmetric_difference (al.a, al.a);
  assert_result (result, al.a, al.a);
  ASSERT_EMPTY (result);
  g_assert_finalize_object (result);

  result = wk_set_symmetric_difference (al.empty, al.b);
  ASSERT_SET (result, al.o[2], al.o[3], al.o[4], al.o[5]);
  g_assert_finalize_object (result);

  result = wk_set_symmetric_difference (al.typed, al.tests_only);
  assert_result (result, al.typed, al.tests_only);
  ASSERT_SET (result, al.t[0], al.t[2]);
  g_assert_finalize_object (result);

  EXPECT_CRITICAL ("wk_set_symmetric_difference: other must be a WkTestObject, not a GObject",
                   result = wk_set_symmetric_difference (al.typed, al.mixed));
  g_assert_null (result);

  assert_log (&al.mon_a, "");
  assert_log (&al.mon_typed, "");
  ASSERT_SET (al.a, al.o[0], al.o[1], al.o[2], al.o[3]);
  ASSERT_SET (al.typed, al.t[0], al.t[1]);

  algebra_teardown (&al);
}

/* /Wobj/Set/is-subset */
static void
test_is_subset (void)
{
  Algebra al;
  WkSet *inner;

  algebra_setup (&al);
  inner = make_set (G_TYPE_OBJECT, (gpointer *) al.o + 2, 2);

  g_assert_true (wk_set_is_subset (inner, al.a));
  g_assert_true (wk_set_is_subset (inner, al.b));
  g_assert_false (wk_set_is_subset (al.a, inner));
  g_assert_false (wk_set_is_subset (al.a, al.b));
  g_assert_true (wk_set_is_subset (al.a, al.a));
  g_assert_true (wk_set_is_subset (al.empty, al.a));
  g_assert_true (wk_set_is_subset (al.empty, al.empty));
  g_assert_false (wk_set_is_subset (al.a, al.empty));
  g_assert_false (wk_set_is_subset (al.typed, al.mixed));
  g_assert_true (wk_set_is_subset (al.tests_only, al.mixed));

  /* A member that dies is no longer required. */
  g_assert_true (wk_set_add (inner, al.t[0]));
  g_assert_false (wk_set_is_subset (inner, al.a));
  g_object_run_dispose (G_OBJECT (al.t[0]));
  assert_log (&al.mon_typed, "c0,1,0 n f");
  g_assert_true (wk_set_is_subset (inner, al.a));

  g_assert_finalize_object (inner);
  algebra_teardown (&al);
}

/* /Wobj/Set/is-superset */
static void
test_is_superset (void)
{
  Algebra al;
  WkSet *inner;

  algebra_setup (&al);
  inner = make_set (G_TYPE_OBJECT, (gpointer *) al.o + 2, 2);

  g_assert_true (wk_set_is_superset (al.a, inner));
  g_assert_true (wk_set_is_superset (al.b, inner));
  g_assert_false (wk_set_is_superset (inner, al.a));
  g_assert_false (wk_set_is_superset (al.a, al.b));
  g_assert_true (wk_set_is_superset (al.a, al.a));
  g_assert_true (wk_set_is_superset (al.a, al.empty));
  g_assert_true (wk_set_is_superset (al.empty, al.empty));
  g_assert_false (wk_set_is_superset (al.empty, al.a));
  g_assert_true (wk_set_is_superset (al.mixed, al.tests_only));
  g_assert_false (wk_set_is_superset (al.typed, al.mixed));

  g_assert_finalize_object (inner);
  algebra_teardown (&al);
}

/* /Wobj/Set/is-disjoint */
static void
test_is_disjoint (void)
{
  Algebra al;
  WkSet *low;
  WkSet *high;

  algebra_setup (&al);
  low = make_set (G_TYPE_OBJECT, (gpointer *) al.o, 2);
  high = make_set (G_TYPE_OBJECT, (gpointer *) al.o + 4, 2);

  g_assert_false (wk_set_is_disjoint (al.a, al.b));
  g_assert_false (wk_set_is_disjoint (al.b, al.a));
  g_assert_true (wk_set_is_disjoint (low, high));
  g_assert_true (wk_set_is_disjoint (high, low));
  g_assert_true (wk_set_is_disjoint (low, al.b));
  /* With itself: disjoint only when empty, as in Python. */
  g_assert_false (wk_set_is_disjoint (al.a, al.a));
  g_assert_true (wk_set_is_disjoint (al.empty, al.empty));
  g_assert_true (wk_set_is_disjoint (al.a, al.empty));
  g_assert_false (wk_set_is_disjoint (al.typed, al.mixed));
  g_assert_true (wk_set_is_disjoint (al.typed, al.a));

  g_assert_finalize_object (low);
  g_assert_finalize_object (high);
  algebra_teardown (&al);
}

/* /Wobj/Set/equal */
static void
test_equal (void)
{
  Algebra al;
  WkSet *reversed;
  WkSet *fewer;
  gpointer rev[4];

  algebra_setup (&al);
  for (guint i = 0; i < 4; i++)
    rev[i] = al.o[3 - i];
  reversed = make_set (G_TYPE_OBJECT, rev, 4);
  fewer = make_set (G_TYPE_OBJECT, (gpointer *) al.o, 3);

  /* In any order. */
  g_assert_true (wk_set_equal (al.a, reversed));
  g_assert_true (wk_set_equal (reversed, al.a));
  g_assert_true (wk_set_equal (al.a, al.a));
  g_assert_true (wk_set_equal (al.empty, al.empty));
  g_assert_false (wk_set_equal (al.a, al.b));
  g_assert_false (wk_set_equal (al.a, fewer));
  g_assert_false (wk_set_equal (fewer, al.a));
  g_assert_false (wk_set_equal (al.a, al.empty));
  g_assert_false (wk_set_equal (al.empty, al.a));
  g_assert_false (wk_set_equal (al.typed, al.mixed));

  /* Live members only. */
  g_assert_true (wk_set_remove (reversed, al.o[3]));
  g_assert_true (wk_set_equal (reversed, fewer));
  g_assert_true (wk_set_add (reversed, al.t[2]));
  g_assert_false (wk_set_equal (reversed, fewer));
  g_object_run_dispose (G_OBJECT (al.t[2]));
  assert_log (&al.mon_mixed, "c2,1,0 n f");
  g_assert_true (wk_set_equal (reversed, fewer));

  g_assert_finalize_object (reversed);
  g_assert_finalize_object (fewer);
  algebra_teardown (&al);
}

/* /Wobj/Set/model-contract */
static void
test_model_contract (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GListModel *model = G_LIST_MODEL (set);
  GObject *objects[5];
  gpointer item_b;
  gpointer item;
  gpointer object;
  Monitor mon;

  monitor_init (&mon, set, TRUE);
  g_assert_true (g_list_model_get_item_type (model) == WK_TYPE_REF);
  g_assert_null (g_list_model_get_item (model, 0));
  g_assert_null (g_list_model_get_object (model, 0));

  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    {
      objects[i] = new_object ();
      g_assert_true (wk_set_add (set, objects[i]));
    }
  assert_log (&mon, "c0,0,1 n c1,0,1 n c2,0,1 n c3,0,1 n c4,0,1 n");
  ASSERT_SET (set, objects[0], objects[1], objects[2], objects[3], objects[4]);

  /* Row i is a WkRef to the i-th member; the item is no member: it holds
   * no reference to it. */
  item_b = g_list_model_get_item (model, 1);
  g_assert_true (WK_IS_REF (item_b));
  g_assert_true ((gpointer) item_b != (gpointer) objects[1]);
  g_assert_cmpuint (ref_count (objects[1]), ==, 1);
  object = wk_ref_dup_object (item_b);
  g_assert_true (object == objects[1]);
  g_object_unref (object);
  item = g_list_model_get_object (model, 1);
  g_assert_true (item == item_b);
  g_object_unref (item);

  /* The same WkRef for the same row, across changes of other rows. */
  g_assert_true (wk_set_remove (set, objects[0]));
  assert_log (&mon, "c0,1,0 n");
  item = g_list_model_get_item (model, 0);
  g_assert_true (item == item_b);
  g_object_unref (item);

  /* Removed rows shift the following ones; added rows go last. */
  g_assert_true (wk_set_remove (set, objects[2]));
  g_assert_true (wk_set_add (set, objects[0]));
  assert_log (&mon, "c1,1,0 n c3,0,1 n");
  ASSERT_SET (set, objects[1], objects[3], objects[4], objects[0]);

  /* A held item of a removed row still refers to its object. */
  g_assert_true (wk_set_remove (set, objects[1]));
  assert_log (&mon, "c0,1,0 n");
  g_assert_true (wk_ref_is_alive (item_b));
  object = wk_ref_dup_object (item_b);
  g_assert_true (object == objects[1]);
  g_object_unref (object);
  ASSERT_SET (set, objects[3], objects[4], objects[0]);

  g_assert_finalize_object (objects[1]);
  assert_log (&mon, "");
  g_assert_false (wk_ref_is_alive (item_b));
  g_assert_finalize_object (item_b);

  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    if (i != 1)
      g_assert_finalize_object (objects[i]);
  assert_log (&mon, "c2,1,0 n f c0,1,0 n f c0,1,0 n f");
  ASSERT_EMPTY (set);
  g_assert_finalize_object (set);
  monitor_clear (&mon);
}

/* /Wobj/Set/model-n-items */
static void
test_model_n_items (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();
  guint value = G_MAXUINT;
  Monitor mon;

  monitor_init (&mon, set, TRUE);

  /* One notify per change, none without a change. */
  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  g_assert_false (wk_set_add (set, b));
  g_assert_false (wk_set_remove (set, set));
  g_object_get (set, "n-items", &value, NULL);
  g_assert_cmpuint (value, ==, 2);
  g_assert_cmpuint (mon.n_notify, ==, 2);
  g_assert_cmpuint (mon.n_changes, ==, 2);
  assert_log (&mon, "c0,0,1 n c1,0,1 n");

  wk_set_remove_all (set);
  wk_set_remove_all (set);
  g_object_get (set, "n-items", &value, NULL);
  g_assert_cmpuint (value, ==, 0);
  assert_log (&mon, "c0,2,0 n");

  /* n-items counts rows, get_size members: they differ while a change
   * made elsewhere waits for the owner. */
  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  assert_log (&mon, "c0,0,1 n c1,0,1 n");
  wk_test_unref_in_thread (g_steal_pointer (&b));
  g_object_get (set, "n-items", &value, NULL);
  g_assert_cmpuint (value, ==, 2);
  g_assert_cmpuint (wk_set_get_size (set), ==, 1);
  assert_log (&mon, "");
  wk_test_iterate_until (NULL, &mon.n_finalized, 1);
  assert_log (&mon, "c1,1,0 n f");
  g_object_get (set, "n-items", &value, NULL);
  g_assert_cmpuint (value, ==, 1);

  g_assert_cmpuint (mon.n_notify, ==, mon.n_changes);

  g_assert_finalize_object (a);
  assert_log (&mon, "c0,1,0 n f");
  g_assert_finalize_object (set);
  monitor_clear (&mon);
}

/* /Wobj/Set/model-synchronous */
static void
test_model_synchronous (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  GObject *d = new_object ();
  gpointer popped;
  Monitor mon;

  wk_test_drain_context (NULL);
  monitor_init (&mon, set, TRUE);

  /* Every change on the owner's thread is signalled before the call
   * returns, with nothing left for the main context. */
  g_assert_true (wk_set_add (set, a));
  assert_log (&mon, "c0,0,1 n");
  g_assert_true (wk_set_add (set, b));
  assert_log (&mon, "c1,0,1 n");
  g_assert_true (wk_set_add (set, c));
  assert_log (&mon, "c2,0,1 n");
  g_assert_true (wk_set_add (set, d));
  assert_log (&mon, "c3,0,1 n");
  g_assert_true (wk_set_remove (set, b));
  assert_log (&mon, "c1,1,0 n");
  popped = wk_set_pop (set);
  g_assert_true (popped == a);
  g_object_unref (popped);
  assert_log (&mon, "c0,1,0 n");
  g_object_unref (g_steal_pointer (&d));
  assert_log (&mon, "c1,1,0 n f");
  g_object_run_dispose (c);
  assert_log (&mon, "c0,1,0 n f");
  g_assert_true (wk_set_add (set, c));
  g_assert_true (wk_set_add (set, a));
  assert_log (&mon, "c0,0,1 n c1,0,1 n");
  wk_set_remove_all (set);
  assert_log (&mon, "c0,2,0 n");
  g_assert_false (g_main_context_pending (NULL));

  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
  g_assert_finalize_object (c);
  g_assert_finalize_object (set);
  assert_log (&mon, "");
  monitor_clear (&mon);
}

/* /Wobj/Set/model-items-do-not-keep-members */
#define HELD_N 100

static void
test_model_items_do_not_keep_members (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *objects[HELD_N];
  GObject *watch[HELD_N];
  WkRef *items[HELD_N];
  Monitor mon;

  for (guint i = 0; i < HELD_N; i++)
    {
      objects[i] = watch[i] = new_object ();
      g_object_add_weak_pointer (objects[i], (gpointer *) &watch[i]);
      g_assert_true (wk_set_add (set, objects[i]));
    }
  monitor_init (&mon, set, TRUE);

  /* Hold every item, as a view showing every row would. */
  for (guint i = 0; i < HELD_N; i++)
    {
      items[i] = g_list_model_get_item (G_LIST_MODEL (set), i);
      g_assert_true (wk_ref_is_alive (items[i]));
      g_assert_cmpuint (ref_count (objects[i]), ==, 1);
    }

  /* Drop the members, from the last: every one is finalized, its row goes,
   * its held item is dead. */
  for (guint i = HELD_N; i-- > 0;)
    {
      char expected[64];

      g_object_unref (g_steal_pointer (&objects[i]));
      g_assert_null (watch[i]);
      g_snprintf (expected, sizeof expected, "c%u,1,0 n f", i);
      assert_log (&mon, expected);
      g_assert_false (wk_ref_is_alive (items[i]));
      g_assert_null (wk_ref_dup_object (items[i]));
    }
  ASSERT_EMPTY (set);

  /* The items are ours alone now. */
  for (guint i = 0; i < HELD_N; i++)
    {
      g_assert_null (wk_ref_dup_object (items[i]));
      g_assert_finalize_object (items[i]);
    }

  g_assert_finalize_object (set);
  monitor_clear (&mon);
}

/* /Wobj/Set/model-random-ops: a few thousand random operations against a
 * plain model, checked in full after each. */
static void
test_model_random_ops (void)
{
  guint n_ops = 3000;
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GPtrArray *pool = g_ptr_array_new ();        /* every live object, held */
  GPtrArray *expected = g_ptr_array_new ();    /* the members, in order */
  Monitor mon;

  monitor_init (&mon, set, TRUE);

  for (guint op = 0; op < n_ops; op++)
    {
      gint32 choice = g_test_rand_int_range (0, 100);

      if (choice < 35 || pool->len == 0)
        {
          GObject *object = new_object ();

          g_ptr_array_add (pool, object);
          g_assert_true (wk_set_add (set, object));
          g_ptr_array_add (expected, object);
        }
      else if (choice < 45)
        {
          gpointer object = g_ptr_array_index (pool, g_test_rand_int_range (0, pool->len));
          gboolean member = g_ptr_array_find (expected, object, NULL);

          g_assert_true (wk_set_add (set, object) == !member);
          if (!member)
            g_ptr_array_add (expected, object);
        }
      else if (choice < 65)
        {
          gpointer object = g_ptr_array_index (pool, g_test_rand_int_range (0, pool->len));
          gboolean member = g_ptr_array_remove (expected, object);

          g_assert_true (wk_set_remove (set, object) == member);
        }
      else if (choice < 75)
        {
          gpointer popped = wk_set_pop (set);

          if (expected->len == 0)
            {
              g_assert_null (popped);
            }
          else
            {
              g_assert_true (popped == g_ptr_array_index (expected, 0));
              g_ptr_array_remove_index (expected, 0);
              g_object_unref (popped);
            }
        }
      else if (choice < 93)
        {
          guint index = g_test_rand_int_range (0, pool->len);
          gpointer object = g_ptr_array_steal_index_fast (pool, index);
          guint finalized = mon.n_finalized;
          gboolean member = g_ptr_array_remove (expected, object);

          g_object_unref (object);
          g_assert_cmpuint (mon.n_finalized, ==, finalized + (member ? 1 : 0));
        }
      else if (choice < 98)
        {
          gpointer object = g_ptr_array_index (pool, g_test_rand_int_range (0, pool->len));

          g_ptr_array_remove (expected, object);
          g_object_run_dispose (object);
        }
      else
        {
          wk_set_remove_all (set);
          g_ptr_array_set_size (expected, 0);
        }

      assert_set (set, (gpointer const *) expected->pdata, expected->len);
      g_string_truncate (mon.log, 0);
    }

  g_test_message ("%u random operations: %d changes, %d finalized members, %u members at the end",
                  n_ops, mon.n_changes, mon.n_finalized, expected->len);

  for (guint i = 0; i < pool->len; i++)
    g_assert_finalize_object (g_ptr_array_index (pool, i));
  ASSERT_EMPTY (set);
  g_string_truncate (mon.log, 0);
  g_assert_finalize_object (set);
  monitor_clear (&mon);
  g_ptr_array_unref (pool);
  g_ptr_array_unref (expected);
}

/* /Wobj/Set/thread-add */
static void
test_thread_add (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *objects[3];
  Monitor mon;

  g_assert_true (wk_set_add (set, a));
  monitor_init (&mon, set, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    objects[i] = new_object ();

  run_in_thread (add_thread_func, set, (gpointer *) objects, G_N_ELEMENTS (objects));

  /* A member at once; a row only when the owner's context runs. */
  ASSERT_MEMBERS (set, a, objects[0], objects[1], objects[2]);
  g_assert_false (wk_set_add (set, objects[1]));
  ASSERT_ROWS (set, a);
  assert_log (&mon, "");

  /* The model catches up in one change. */
  wk_test_iterate_until (NULL, &mon.n_changes, 1);
  wk_test_drain_context (NULL);
  assert_log (&mon, "c1,0,3 n");
  ASSERT_SET (set, a, objects[0], objects[1], objects[2]);
  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    g_assert_cmpuint (ref_count (objects[i]), ==, 1);

  /* Added elsewhere, dead on the owner's thread before the owner synced:
   * the death is signalled; the row never appears. */
  g_assert_true (wk_set_remove (set, a));
  assert_log (&mon, "c0,1,0 n");
  run_in_thread (add_thread_func, set, (gpointer *) &a, 1);
  ASSERT_ROWS (set, objects[0], objects[1], objects[2]);
  g_assert_finalize_object (a);
  assert_log (&mon, "f");
  wk_test_drain_context (NULL);
  assert_log (&mon, "");
  ASSERT_SET (set, objects[0], objects[1], objects[2]);

  /* Added elsewhere and removed here before the owner synced: nothing. */
  a = new_object ();
  run_in_thread (add_thread_func, set, (gpointer *) &a, 1);
  g_assert_true (wk_set_remove (set, a));
  wk_test_drain_context (NULL);
  assert_log (&mon, "");
  ASSERT_SET (set, objects[0], objects[1], objects[2]);

  /* Added and removed elsewhere before the owner synced: nothing. */
  run_in_thread (add_thread_func, set, (gpointer *) &a, 1);
  run_in_thread (remove_thread_func, set, (gpointer *) &a, 1);
  wk_test_drain_context (NULL);
  assert_log (&mon, "");
  ASSERT_SET (set, objects[0], objects[1], objects[2]);

  g_assert_finalize_object (a);
  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    g_assert_finalize_object (objects[i]);
  assert_log (&mon, "c0,1,0 n f c0,1,0 n f c0,1,0 n f");
  g_assert_finalize_object (set);
  monitor_clear (&mon);
}

static gpointer
remove_all_thread_func (gpointer data)
{
  wk_set_remove_all (data);
  g_assert_cmpuint (wk_set_get_size (data), ==, 0);

  return NULL;
}

/* /Wobj/Set/thread-remove */
static void
test_thread_remove (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *objects[5];
  gpointer removed[2];
  Monitor mon;

  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    {
      objects[i] = new_object ();
      g_assert_true (wk_set_add (set, objects[i]));
    }
  monitor_init (&mon, set, TRUE);

  removed[0] = objects[3];
  removed[1] = objects[1];
  run_in_thread (remove_thread_func, set, removed, 2);

  /* Out of the set at once; the rows, with live items, stay until the
   * owner's context runs. */
  ASSERT_MEMBERS (set, objects[0], objects[2], objects[4]);
  g_assert_false (wk_set_contains (set, objects[1]));
  g_assert_false (wk_set_remove (set, objects[3]));
  ASSERT_ROWS (set, objects[0], objects[1], objects[2], objects[3], objects[4]);
  assert_log (&mon, "");

  /* One change covers the rows between the unchanged head and tail. */
  wk_test_iterate_until (NULL, &mon.n_changes, 1);
  wk_test_drain_context (NULL);
  assert_log (&mon, "c1,3,1 n");
  ASSERT_SET (set, objects[0], objects[2], objects[4]);

  /* Removed elsewhere, re-added here before the owner synced: a new row
   * at the end. */
  run_in_thread (remove_thread_func, set, (gpointer *) &objects[0], 1);
  g_assert_true (wk_set_add (set, objects[0]));
  g_assert_cmpuint (wk_set_get_size (set), ==, 3);
  assert_log (&mon, "c3,0,1 n");
  ASSERT_ROWS (set, objects[0], objects[2], objects[4], objects[0]);
  wk_test_drain_context (NULL);
  assert_log (&mon, "c0,1,0 n");
  ASSERT_SET (set, objects[2], objects[4], objects[0]);

  /* remove_all from a worker: empty at once, the rows go when the owner's
   * context runs. */
  g_thread_join (g_thread_new ("wk-test-worker", remove_all_thread_func, set));
  assert_members (set, NULL, 0);
  ASSERT_ROWS (set, objects[2], objects[4], objects[0]);
  assert_log (&mon, "");
  wk_test_iterate_until (NULL, &mon.n_changes, mon.n_changes + 1);
  wk_test_drain_context (NULL);
  assert_log (&mon, "c0,3,0 n");
  ASSERT_EMPTY (set);

  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    g_assert_finalize_object (objects[i]);
  assert_log (&mon, "");
  g_assert_finalize_object (set);
  monitor_clear (&mon);
}

/* /Wobj/Set/thread-death */
static void
test_thread_death (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  WkSet *plain = wk_set_new (G_TYPE_OBJECT);   /* no item ever asked for */
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  GObject *b_watch = b;
  gpointer held;
  gpointer item;
  guint plain_finalized = 0;
  Monitor mon;
  Monitor plain_mon;

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  g_assert_true (wk_set_add (set, c));
  g_assert_true (wk_set_add (plain, a));
  g_assert_true (wk_set_add (plain, b));
  g_assert_true (wk_set_add (plain, c));
  monitor_init (&mon, set, TRUE);
  monitor_init (&plain_mon, plain, FALSE);
  held = g_list_model_get_item (G_LIST_MODEL (set), 1);

  g_object_add_weak_pointer (b, (gpointer *) &b_watch);
  wk_test_unref_in_thread (g_steal_pointer (&b));
  g_assert_null (b_watch);

  /* Gone from the set at once; its row stays, with a dead item, never
   * NULL, until the owner's context runs. */
  ASSERT_MEMBERS (set, a, c);
  ASSERT_ROWS (set, a, NULL, c);
  item = g_list_model_get_item (G_LIST_MODEL (set), 1);
  g_assert_true (item == held);
  g_object_unref (item);
  g_assert_false (wk_ref_is_alive (held));
  assert_log (&mon, "");

  /* In a set whose item was never made, the row gets a dead one. */
  ASSERT_MEMBERS (plain, a, c);
  ASSERT_ROWS (plain, a, NULL, c);
  g_assert_cmpuint (plain_mon.n_changes, ==, 0);

  wk_test_iterate_until (NULL, &mon.n_finalized, 1);
  wk_test_iterate_until (NULL, &plain_mon.n_finalized, 1);
  wk_test_drain_context (NULL);
  assert_log (&mon, "c1,1,0 n f");
  g_assert_cmpuint (plain_mon.n_changes, ==, 1);
  g_assert_cmpuint (plain_mon.last_position, ==, 1);
  g_assert_cmpuint (plain_mon.last_removed, ==, 1);
  plain_finalized = plain_mon.n_finalized;
  g_assert_cmpuint (plain_finalized, ==, 1);
  ASSERT_SET (set, a, c);
  ASSERT_SET (plain, a, c);
  g_assert_finalize_object (held);

  /* Two deaths elsewhere: one row removed and signalled at a time. */
  wk_test_unref_in_thread (g_steal_pointer (&c));
  wk_test_unref_in_thread (g_steal_pointer (&a));
  ASSERT_ROWS (set, NULL, NULL);
  g_assert_cmpuint (wk_set_get_size (set), ==, 0);
  wk_test_iterate_until (NULL, &mon.n_finalized, 3);
  wk_test_drain_context (NULL);
  assert_log (&mon, "c1,1,0 n f c0,1,0 n f");
  ASSERT_EMPTY (set);
  ASSERT_EMPTY (plain);
  g_assert_cmpuint (plain_mon.n_finalized, ==, 3);

  g_assert_finalize_object (set);
  g_assert_finalize_object (plain);
  monitor_clear (&mon);
  monitor_clear (&plain_mon);
}

/* /Wobj/Set/order/thread-add-interleaved: the model and the set agree on insertion
 * order once the model has caught up, even when additions from the owner
 * and from a worker interleave. */
static void
test_thread_add_order (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *x = new_object ();
  GObject *y = new_object ();
  Monitor mon;

  g_assert_true (wk_set_add (set, a));
  monitor_init (&mon, set, TRUE);

  /* x is added on a worker first, then y here. */
  run_in_thread (add_thread_func, set, (gpointer *) &x, 1);
  g_assert_true (wk_set_add (set, y));
  ASSERT_MEMBERS (set, a, x, y);

  wk_test_iterate_until (NULL, &mon.n_changes, 2);
  wk_test_drain_context (NULL);
  g_string_truncate (mon.log, 0);

  /* Iteration, snapshots and pop say a, x, y: so must the rows. */
  ASSERT_MEMBERS (set, a, x, y);
  ASSERT_ROWS (set, a, x, y);

  g_assert_finalize_object (set);
  g_string_truncate (mon.log, 0);
  g_assert_finalize_object (a);
  g_assert_finalize_object (x);
  g_assert_finalize_object (y);
  monitor_clear (&mon);
}

/* /Wobj/Set/worker-owner: a set made on a worker, with its own context,
 * hears of a death on the main thread in that context, on that thread. */
typedef struct
{
  GObject     *objects[3];
  GAsyncQueue *to_main;
  GAsyncQueue *to_worker;
} WorkerOwner;

static gpointer
worker_owner_thread_func (gpointer data)
{
  WorkerOwner *wo = data;
  GMainContext *context = g_main_context_new ();
  WkSet *set;
  Monitor mon;

  g_main_context_push_thread_default (context);
  set = wk_set_new (G_TYPE_OBJECT);
  monitor_init (&mon, set, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (wo->objects); i++)
    g_assert_true (wk_set_add (set, wo->objects[i]));
  assert_log (&mon, "c0,0,1 n c1,0,1 n c2,0,1 n");

  g_async_queue_push (wo->to_main, GUINT_TO_POINTER (1));
  g_assert_true (g_async_queue_pop (wo->to_worker) == GUINT_TO_POINTER (2));

  /* objects[0] died on the main thread: gone from the set, its row waits
   * for this thread's context. */
  assert_log (&mon, "");
  ASSERT_MEMBERS (set, wo->objects[1], wo->objects[2]);
  ASSERT_ROWS (set, NULL, wo->objects[1], wo->objects[2]);
  wk_test_iterate_until (context, &mon.n_finalized, 1);
  wk_test_drain_context (context);
  assert_log (&mon, "c0,1,0 n f");
  ASSERT_SET (set, wo->objects[1], wo->objects[2]);

  g_assert_finalize_object (set);
  assert_log (&mon, "c0,2,0");
  monitor_clear (&mon);
  g_main_context_pop_thread_default (context);
  wk_test_drain_context (context);
  g_main_context_unref (context);

  return NULL;
}

static void
test_worker_owner (void)
{
  WorkerOwner wo = { 0 };
  GObject *watch;
  GThread *thread;

  for (guint i = 0; i < G_N_ELEMENTS (wo.objects); i++)
    wo.objects[i] = new_object ();
  wo.to_main = g_async_queue_new ();
  wo.to_worker = g_async_queue_new ();
  watch = wo.objects[0];
  g_object_add_weak_pointer (watch, (gpointer *) &watch);

  thread = g_thread_new ("wk-test-owner", worker_owner_thread_func, &wo);
  g_assert_true (g_async_queue_pop (wo.to_main) == GUINT_TO_POINTER (1));

  g_object_unref (wo.objects[0]);
  g_assert_null (watch);
  /* Nothing for this thread's context: the monitor would abort on a
   * signal here. */
  wk_test_drain_context (NULL);
  g_async_queue_push (wo.to_worker, GUINT_TO_POINTER (2));
  g_thread_join (thread);

  g_assert_finalize_object (wo.objects[1]);
  g_assert_finalize_object (wo.objects[2]);
  g_async_queue_unref (wo.to_main);
  g_async_queue_unref (wo.to_worker);
}

/* /Wobj/Set/thread-stress: workers add, remove, pop, clear and kill while
 * the owner's context runs; the monitor checks the model at every
 * items-changed, and at the end the model agrees with the set. */
typedef struct
{
  WkSet   *set;
  guint    n_ops;
  guint32  seed;
  gint    *n_running;
} Stress;

static gpointer
stress_thread_func (gpointer data)
{
  Stress *st = data;
  GRand *rand = g_rand_new_with_seed (st->seed);
  GPtrArray *mine = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint op = 0; op < st->n_ops; op++)
    {
      gint32 choice = g_rand_int_range (rand, 0, 100);

      if (choice < 30 || mine->len == 0)
        {
          GObject *object = new_object ();

          g_ptr_array_add (mine, object);
          g_assert_true (wk_set_add (st->set, object));
        }
      else if (choice < 40)
        {
          wk_set_add (st->set, g_ptr_array_index (mine, g_rand_int_range (rand, 0, mine->len)));
        }
      else if (choice < 60)
        {
          gpointer object = g_ptr_array_index (mine, g_rand_int_range (rand, 0, mine->len));

          wk_set_remove (st->set, object);
          /* Only this thread adds its objects. */
          g_assert_false (wk_set_contains (st->set, object));
        }
      else if (choice < 80)
        {
          g_ptr_array_remove_index_fast (mine, g_rand_int_range (rand, 0, mine->len));
        }
      else if (choice < 90)
        {
          gpointer popped = wk_set_pop (st->set);

          if (popped != NULL)
            {
              g_assert_true (G_IS_OBJECT (popped));
              g_object_unref (popped);
            }
        }
      else if (choice < 91)
        {
          wk_set_remove_all (st->set);
        }
      else
        {
          g_autoptr(GPtrArray) members = wk_set_dup_members (st->set);

          for (guint i = 0; i < members->len; i++)
            g_assert_cmpuint (ref_count (g_ptr_array_index (members, i)), >=, 1);
        }
    }

  g_ptr_array_unref (mine);
  g_rand_free (rand);
  g_atomic_int_add (st->n_running, -1);

  return NULL;
}

static void
test_thread_stress (void)
{
  guint n_threads = 4;
  guint n_ops = wk_test_under_valgrind () ? 500 : 5000;
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  Stress stress[4];
  GThread *threads[4];
  GPtrArray *mine = g_ptr_array_new_with_free_func (g_object_unref);
  gint n_running = n_threads;
  guint n_iterations = 0;
  Monitor mon;

  monitor_init (&mon, set, TRUE);

  for (guint i = 0; i < n_threads; i++)
    {
      stress[i].set = set;
      stress[i].n_ops = n_ops;
      stress[i].seed = g_test_rand_int ();
      stress[i].n_running = &n_running;
      threads[i] = g_thread_new ("wk-test-stress", stress_thread_func, &stress[i]);
    }

  /* The owner changes the set too, between iterations. */
  while (g_atomic_int_get (&n_running) > 0)
    {
      gint32 choice = g_test_rand_int_range (0, 100);

      if (choice < 20)
        {
          GObject *object = new_object ();

          g_ptr_array_add (mine, object);
          g_assert_true (wk_set_add (set, object));
        }
      else if (choice < 30 && mine->len > 0)
        {
          g_ptr_array_remove_index_fast (mine, g_test_rand_int_range (0, mine->len));
        }
      else if (choice < 40 && mine->len > 0)
        {
          wk_set_remove (set, g_ptr_array_index (mine, g_test_rand_int_range (0, mine->len)));
        }

      g_main_context_iteration (NULL, FALSE);
      n_iterations++;
      g_string_truncate (mon.log, 0);
    }

  for (guint i = 0; i < n_threads; i++)
    g_thread_join (threads[i]);
  wk_test_drain_context (NULL);
  g_string_truncate (mon.log, 0);

  /* Settled: the rows are the live members. */
  {
    g_autoptr(GPtrArray) members = wk_set_dup_members (set);
    GHashTable *in_rows = g_hash_table_new (NULL, NULL);

    g_assert_cmpuint (n_items (set), ==, wk_set_get_size (set));
    g_assert_cmpuint (n_items (set), ==, members->len);
    for (guint i = 0; i < n_items (set); i++)
      {
        gpointer item = g_list_model_get_item (G_LIST_MODEL (set), i);
        gpointer object = wk_ref_dup_object (item);

        g_assert_nonnull (object);
        g_assert_true (wk_set_contains (set, object));
        g_assert_true (g_hash_table_add (in_rows, object));
        g_object_unref (object);
        g_object_unref (item);
      }
    for (guint i = 0; i < members->len; i++)
      g_assert_true (g_hash_table_contains (in_rows, g_ptr_array_index (members, i)));
    g_hash_table_unref (in_rows);
  }

  g_test_message ("%u threads x %u operations, %u owner iterations: %d items-changed, %d object-finalized",
                  n_threads, n_ops, n_iterations, mon.n_changes, mon.n_finalized);

  g_ptr_array_unref (mine);
  g_string_truncate (mon.log, 0);
  g_assert_finalize_object (set);
  g_string_truncate (mon.log, 0);
  monitor_clear (&mon);
}

/* Drops @data, then makes objects until one takes its address (or gives
 * up after a few) and returns that one. */
static gpointer
unref_then_new_thread_func (gpointer data)
{
  gpointer address = data;
  gpointer candidates[16];
  gpointer chosen = NULL;

  g_object_unref (data);

  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    candidates[i] = new_object ();
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (candidates[i] == address)
      chosen = candidates[i];
  if (chosen == NULL)
    chosen = candidates[0];
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (candidates[i] != chosen)
      g_object_unref (candidates[i]);

  return chosen;
}

/* /Wobj/Set/address-reuse: a member that died elsewhere and waits for
 * the owner never matches a new object made at its address. */
static void
test_address_reuse (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  guint n = 50;
  guint n_reused = 0;
  Monitor mon;

  monitor_init (&mon, set, TRUE);

  for (guint i = 0; i < n; i++)
    {
      GObject *old = new_object ();
      gpointer old_address = old;
      GObject *fresh;

      g_assert_true (wk_set_add (set, old));
      assert_log (&mon, "c0,0,1 n");
      /* Made on the thread that freed the old one, where its memory is
       * most likely to come back. */
      fresh = g_thread_join (g_thread_new ("wk-test-reuse", unref_then_new_thread_func,
                                           g_steal_pointer (&old)));
      if ((gpointer) fresh == old_address)
        n_reused++;
      g_assert_false (wk_set_contains (set, fresh));
      g_assert_false (wk_set_remove (set, fresh));
      g_assert_cmpuint (wk_set_get_size (set), ==, 0);
      g_assert_true (wk_set_add (set, fresh));
      assert_log (&mon, "c1,0,1 n");
      ASSERT_MEMBERS (set, fresh);
      ASSERT_ROWS (set, NULL, fresh);

      /* The old death is signalled once; the new member stays. */
      wk_test_iterate_until (NULL, &mon.n_finalized, (gint) i + 1);
      wk_test_drain_context (NULL);
      assert_log (&mon, "c0,1,0 n f");
      ASSERT_SET (set, fresh);

      g_assert_finalize_object (fresh);
      assert_log (&mon, "c0,1,0 n f");
    }

  g_test_message ("%u of %u new objects reused a dead member's address", n_reused, n);
  g_assert_finalize_object (set);
  monitor_clear (&mon);
}

/* /Wobj/Set/owner-context */
static void
test_owner_context (void)
{
  GMainContext *context = g_main_context_new ();
  WkSet *set;
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  Monitor mon;

  /* The owner is this thread with the context that was its thread
   * default when the set was made. */
  g_main_context_push_thread_default (context);
  set = wk_set_new (G_TYPE_OBJECT);
  g_main_context_pop_thread_default (context);

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  monitor_init (&mon, set, TRUE);

  run_in_thread (add_thread_func, set, (gpointer *) &c, 1);
  wk_test_drain_context (NULL);
  assert_log (&mon, "");
  wk_test_iterate_until (context, &mon.n_changes, 1);
  assert_log (&mon, "c2,0,1 n");

  wk_test_unref_in_thread (g_steal_pointer (&a));
  wk_test_drain_context (NULL);
  assert_log (&mon, "");
  ASSERT_ROWS (set, NULL, b, c);
  wk_test_iterate_until (context, &mon.n_finalized, 1);
  assert_log (&mon, "c0,1,0 n f");

  /* On the owner's thread: at once, whether or not the context runs. */
  g_assert_finalize_object (b);
  assert_log (&mon, "c0,1,0 n f");
  ASSERT_SET (set, c);

  g_assert_finalize_object (c);
  assert_log (&mon, "c0,1,0 n f");
  g_assert_finalize_object (set);
  wk_test_drain_context (context);
  g_main_context_unref (context);
  monitor_clear (&mon);
}

/* Re-entrancy: a handler of items-changed or object-finalized acts on the
 * set while a member's death is being signalled. Members a, b, c; b dies;
 * the handler adds x, removes c, clears, drops the set or walks it. */
typedef enum
{
  ACTION_ADD,
  ACTION_REMOVE,
  ACTION_REMOVE_ALL,
  ACTION_DROP,
  ACTION_ITERATE,
  ACTION_RUN_DISPOSE,
} ReentrantAction;

typedef struct
{
  const char      *path;
  gboolean         on_changed;   /* else on object-finalized */
  ReentrantAction  action;
  gboolean         worker;       /* b dies on another thread */
} ReentrantCase;

typedef struct
{
  const ReentrantCase *tc;
  WkSet               *set;
  GObject             *a;
  GObject             *c;
  GObject             *x;
  gboolean             fired;
} Reentrant;

static const ReentrantCase reentrant_cases[] = {
  { "/Wobj/Set/reentrant/finalized-add", FALSE, ACTION_ADD, FALSE },
  { "/Wobj/Set/reentrant/finalized-remove", FALSE, ACTION_REMOVE, FALSE },
  { "/Wobj/Set/reentrant/finalized-remove-all", FALSE, ACTION_REMOVE_ALL, FALSE },
  { "/Wobj/Set/reentrant/finalized-drop-set", FALSE, ACTION_DROP, FALSE },
  { "/Wobj/Set/reentrant/finalized-iterate", FALSE, ACTION_ITERATE, FALSE },
  { "/Wobj/Set/reentrant/items-changed-add", TRUE, ACTION_ADD, FALSE },
  { "/Wobj/Set/reentrant/items-changed-remove", TRUE, ACTION_REMOVE, FALSE },
  { "/Wobj/Set/reentrant/items-changed-remove-all", TRUE, ACTION_REMOVE_ALL, FALSE },
  { "/Wobj/Set/reentrant/items-changed-drop-set", TRUE, ACTION_DROP, FALSE },
  { "/Wobj/Set/reentrant/items-changed-iterate", TRUE, ACTION_ITERATE, FALSE },
  { "/Wobj/Set/reentrant/finalized-add-worker-death", FALSE, ACTION_ADD, TRUE },
  { "/Wobj/Set/reentrant/finalized-remove-worker-death", FALSE, ACTION_REMOVE, TRUE },
  { "/Wobj/Set/reentrant/finalized-remove-all-worker-death", FALSE, ACTION_REMOVE_ALL, TRUE },
  { "/Wobj/Set/reentrant/finalized-drop-set-worker-death", FALSE, ACTION_DROP, TRUE },
  { "/Wobj/Set/reentrant/finalized-iterate-worker-death", FALSE, ACTION_ITERATE, TRUE },
  { "/Wobj/Set/reentrant/items-changed-add-worker-death", TRUE, ACTION_ADD, TRUE },
  { "/Wobj/Set/reentrant/items-changed-remove-worker-death", TRUE, ACTION_REMOVE, TRUE },
  { "/Wobj/Set/reentrant/items-changed-remove-all-worker-death", TRUE, ACTION_REMOVE_ALL, TRUE },
  { "/Wobj/Set/reentrant/items-changed-drop-set-worker-death", TRUE, ACTION_DROP, TRUE },
  { "/Wobj/Set/reentrant/items-changed-iterate-worker-death", TRUE, ACTION_ITERATE, TRUE },
  { "/Wobj/Set/reentrant/finalized-run-dispose-set", FALSE, ACTION_RUN_DISPOSE, FALSE },
  { "/Wobj/Set/reentrant/items-changed-run-dispose-set", TRUE, ACTION_RUN_DISPOSE, FALSE },
  { "/Wobj/Set/reentrant/finalized-run-dispose-set-worker-death", FALSE, ACTION_RUN_DISPOSE, TRUE },
  { "/Wobj/Set/reentrant/items-changed-run-dispose-set-worker-death", TRUE, ACTION_RUN_DISPOSE, TRUE },
};

static void
reentrant_act (Reentrant *re)
{
  if (re->fired)
    return;
  re->fired = TRUE;

  switch (re->tc->action)
    {
    case ACTION_ADD:
      g_assert_true (wk_set_add (re->set, re->x));
      break;

    case ACTION_REMOVE:
      g_assert_true (wk_set_remove (re->set, re->c));
      break;

    case ACTION_REMOVE_ALL:
      wk_set_remove_all (re->set);
      break;

    case ACTION_DROP:
      g_object_unref (g_steal_pointer (&re->set));
      break;

    case ACTION_ITERATE:
      ASSERT_MEMBERS (re->set, re->a, re->c);
      break;

    case ACTION_RUN_DISPOSE:
      g_object_run_dispose (G_OBJECT (re->set));
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
reentrant_changed_cb (GListModel *model,
                      guint       position,
                      guint       removed,
                      guint       added,
                      gpointer    user_data)
{
  reentrant_act (user_data);
}

static void
reentrant_finalized_cb (WkSet    *set,
                        gpointer  user_data)
{
  reentrant_act (user_data);
}

static const char *
reentrant_expected_log (const ReentrantCase *tc)
{
  switch (tc->action)
    {
    case ACTION_ADD:
      return tc->on_changed ? "c1,1,0 c2,0,1 n n f" : "c1,1,0 n f c2,0,1 n";
    case ACTION_REMOVE:
      return tc->on_changed ? "c1,1,0 c1,1,0 n n f" : "c1,1,0 n f c1,1,0 n";
    case ACTION_REMOVE_ALL:
      return tc->on_changed ? "c1,1,0 c0,2,0 n n f" : "c1,1,0 n f c0,2,0 n";
    case ACTION_DROP:
      /* The set lives until the delivery ends, then its disposal empties
       * the model (no notify: see Monitor). */
      return "c1,1,0 n f c0,2,0";
    case ACTION_ITERATE:
      return "c1,1,0 n f";
    case ACTION_RUN_DISPOSE:
      /* Disposal empties the model and destroys the handlers: from
       * items-changed, neither the outer notify nor object-finalized
       * reaches anyone. */
      return tc->on_changed ? "c1,1,0 c0,2,0 n" : "c1,1,0 n f c0,2,0 n";
    default:
      g_assert_not_reached ();
    }

  return NULL;
}

static void
test_reentrant (gconstpointer data)
{
  const ReentrantCase *tc = data;
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  WkSet *set_watch = set;
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  GObject *x = new_object ();
  GObject *b_watch = b;
  Reentrant re = { 0 };
  Monitor mon;

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  g_assert_true (wk_set_add (set, c));
  /* The monitor first: it sees each change before the handler acts. */
  monitor_init (&mon, set, TRUE);
  g_object_add_weak_pointer (G_OBJECT (set), (gpointer *) &set_watch);
  g_object_add_weak_pointer (b, (gpointer *) &b_watch);

  re.tc = tc;
  re.set = set;
  re.a = a;
  re.c = c;
  re.x = x;
  if (tc->on_changed)
    g_signal_connect (set, "items-changed", G_CALLBACK (reentrant_changed_cb), &re);
  else
    g_signal_connect (set, "object-finalized", G_CALLBACK (reentrant_finalized_cb), &re);

  if (tc->worker)
    {
      wk_test_unref_in_thread (g_steal_pointer (&b));
      g_assert_null (b_watch);
      g_assert_false (re.fired);
      assert_log (&mon, "");
      ASSERT_MEMBERS (set, a, c);
      ASSERT_ROWS (set, a, NULL, c);
      /* The death's items-changed, then everything the delivery does. */
      wk_test_iterate_until (NULL, &mon.n_changes, 1);
      wk_test_drain_context (NULL);
    }
  else
    {
      g_object_unref (g_steal_pointer (&b));
    }

  g_assert_null (b_watch);
  g_assert_true (re.fired);
  assert_log (&mon, reentrant_expected_log (tc));

  switch (tc->action)
    {
    case ACTION_ADD:
      ASSERT_SET (set, a, c, x);
      break;
    case ACTION_REMOVE:
      ASSERT_SET (set, a);
      break;
    case ACTION_REMOVE_ALL:
      ASSERT_EMPTY (set);
      break;
    case ACTION_DROP:
      g_assert_null (set_watch);
      g_assert_null (re.set);
      set = NULL;
      break;
    case ACTION_ITERATE:
      ASSERT_SET (set, a, c);
      break;
    case ACTION_RUN_DISPOSE:
      /* Disposed, alive, empty for good (its weak pointers are cleared). */
      g_assert_null (set_watch);
      ASSERT_EMPTY (set);
      g_assert_false (wk_set_add (set, a));
      break;
    default:
      g_assert_not_reached ();
    }

  /* Members that die later: signalled normally, or, with the set gone,
   * touching nothing. */
  g_assert_finalize_object (x);
  g_assert_finalize_object (a);
  g_assert_finalize_object (c);
  switch (tc->action)
    {
    case ACTION_ADD:
      assert_log (&mon, "c2,1,0 n f c0,1,0 n f c0,1,0 n f");
      break;
    case ACTION_REMOVE:
      assert_log (&mon, "c0,1,0 n f");
      break;
    case ACTION_ITERATE:
      assert_log (&mon, "c0,1,0 n f c0,1,0 n f");
      break;
    case ACTION_REMOVE_ALL:
    case ACTION_DROP:
    case ACTION_RUN_DISPOSE:
    default:
      assert_log (&mon, "");
      break;
    }
  wk_test_drain_context (NULL);

  if (set != NULL)
    {
      if (set_watch != NULL)
        g_object_remove_weak_pointer (G_OBJECT (set), (gpointer *) &set_watch);
      g_assert_finalize_object (set);
    }
  assert_log (&mon, "");
  monitor_clear (&mon);
}

/* /Wobj/Set/reentrant/sync: a handler changes the set while changes made
 * elsewhere are being caught up with. */
typedef struct
{
  WkSet   *set;
  gpointer remove_me;
  gboolean fired;
} SyncReentrant;

static void
sync_changed_cb (GListModel *model,
                 guint       position,
                 guint       removed,
                 guint       added,
                 gpointer    user_data)
{
  SyncReentrant *sr = user_data;

  if (sr->fired)
    return;
  sr->fired = TRUE;
  g_assert_true (wk_set_remove (sr->set, sr->remove_me));
}

static void
test_reentrant_sync (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *objects[4];
  SyncReentrant sr = { 0 };
  Monitor mon;

  g_assert_true (wk_set_add (set, objects[0] = new_object ()));
  monitor_init (&mon, set, TRUE);
  for (guint i = 1; i < G_N_ELEMENTS (objects); i++)
    objects[i] = new_object ();

  /* Three additions wait for the owner and arrive in one change; its
   * handler removes the last, at once, inside that emission. */
  run_in_thread (add_thread_func, set, (gpointer *) objects + 1, 3);
  sr.set = set;
  sr.remove_me = objects[3];
  g_signal_connect (set, "items-changed", G_CALLBACK (sync_changed_cb), &sr);
  wk_test_iterate_until (NULL, &mon.n_changes, 2);
  wk_test_drain_context (NULL);
  assert_log (&mon, "c1,0,3 c3,1,0 n n");
  ASSERT_SET (set, objects[0], objects[1], objects[2]);

  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    g_assert_finalize_object (objects[i]);
  assert_log (&mon, "c0,1,0 n f c0,1,0 n f c0,1,0 n f");
  g_assert_finalize_object (set);
  monitor_clear (&mon);
}

/* /Wobj/Set/destroyed-first */
static void
test_destroyed_first (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  WkSet *other = wk_set_new (G_TYPE_OBJECT);
  GObject *objects[5];
  GObject *pending_watch;
  Monitor mon;
  Monitor other_mon;

  for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
    {
      objects[i] = new_object ();
      g_assert_true (wk_set_add (set, objects[i]));
      g_assert_true (wk_set_add (other, objects[i]));
    }
  monitor_init (&mon, set, TRUE);
  monitor_init (&other_mon, other, TRUE);

  /* One death waits for the owner's context when the set goes. */
  pending_watch = objects[4];
  g_object_add_weak_pointer (pending_watch, (gpointer *) &pending_watch);
  wk_test_unref_in_thread (g_steal_pointer (&objects[4]));
  g_assert_null (pending_watch);

  g_assert_finalize_object (set);
  assert_log (&mon, "c0,5,0");

  /* The pending delivery, then deaths on this thread, on a worker, and a
   * disposal: the dead set hears of none of them. */
  wk_test_iterate_until (NULL, &other_mon.n_finalized, 1);
  wk_test_drain_context (NULL);
  assert_log (&other_mon, "c4,1,0 n f");
  g_object_unref (g_steal_pointer (&objects[0]));
  assert_log (&other_mon, "c0,1,0 n f");
  wk_test_unref_in_thread (g_steal_pointer (&objects[1]));
  wk_test_iterate_until (NULL, &other_mon.n_finalized, 3);
  wk_test_drain_context (NULL);
  assert_log (&other_mon, "c0,1,0 n f");
  g_object_run_dispose (objects[2]);
  assert_log (&other_mon, "c0,1,0 n f");
  g_assert_finalize_object (objects[2]);
  assert_log (&mon, "");

  /* A set that contains itself, and two that contain each other. */
  set = wk_set_new (G_TYPE_OBJECT);
  monitor_clear (&mon);
  monitor_init (&mon, set, TRUE);
  g_assert_true (wk_set_add (set, set));
  g_assert_true (wk_set_add (set, other));
  g_assert_true (wk_set_add (other, set));
  assert_log (&mon, "c0,0,1 n c1,0,1 n");
  assert_log (&other_mon, "c1,0,1 n");
  ASSERT_SET (set, set, other);
  g_assert_cmpuint (ref_count (set), ==, 1);
  g_assert_finalize_object (set);
  assert_log (&mon, "c0,2,0");
  assert_log (&other_mon, "c1,1,0 n f");
  ASSERT_SET (other, objects[3]);

  g_assert_finalize_object (other);
  assert_log (&other_mon, "c0,1,0");
  g_assert_finalize_object (objects[3]);
  wk_test_drain_context (NULL);
  monitor_clear (&mon);
  monitor_clear (&other_mon);
}

/* /Wobj/Set/destroyed-on-worker: the last reference to a set dropped on
 * another thread, with a death still waiting for the owner's context. */
static void
test_destroyed_on_worker (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  WkSet *set_watch = set;
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  Monitor mon;

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  g_assert_true (wk_set_add (set, c));
  monitor_init (&mon, set, TRUE);
  g_object_add_weak_pointer (G_OBJECT (set), (gpointer *) &set_watch);

  wk_test_unref_in_thread (g_steal_pointer (&c));
  g_object_ref (set);
  wk_test_unref_in_thread (set);
  /* Not the last one yet: the owner still gets the death. */
  wk_test_iterate_until (NULL, &mon.n_finalized, 1);
  assert_log (&mon, "c2,1,0 n f");

  wk_test_unref_in_thread (g_steal_pointer (&b));
  /* The last one, on a worker: no signal there. */
  wk_test_unref_in_thread (g_steal_pointer (&set));
  g_assert_null (set_watch);
  wk_test_drain_context (NULL);
  assert_log (&mon, "");

  /* A member dying later touches nothing. */
  g_assert_finalize_object (a);
  wk_test_drain_context (NULL);
  assert_log (&mon, "");
  monitor_clear (&mon);
}

/* /Wobj/Set/run-dispose-member */
static void
test_run_dispose_member (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  Monitor mon;

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  g_assert_true (wk_set_add (set, c));
  monitor_init (&mon, set, TRUE);

  /* A death: the row goes, then the signal; the object lives on. */
  g_object_run_dispose (b);
  assert_log (&mon, "c1,1,0 n f");
  g_assert_cmpuint (ref_count (b), ==, 1);
  g_assert_false (wk_set_contains (set, b));
  g_assert_false (wk_set_remove (set, b));
  ASSERT_SET (set, a, c);

  /* Again while not a member: nothing. */
  g_object_run_dispose (b);
  assert_log (&mon, "");

  /* It can be a member again, and its real death is signalled too. */
  g_assert_true (wk_set_add (set, b));
  assert_log (&mon, "c2,0,1 n");
  ASSERT_SET (set, a, c, b);
  g_assert_finalize_object (b);
  assert_log (&mon, "c2,1,0 n f");

  g_assert_finalize_object (a);
  g_assert_finalize_object (c);
  assert_log (&mon, "c0,1,0 n f c0,1,0 n f");
  g_assert_finalize_object (set);
  monitor_clear (&mon);
}

/* /Wobj/Set/resurrection */
static void
test_resurrection (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  WkTestResurrect *object = g_object_new (WK_TEST_TYPE_RESURRECT, NULL);
  WkTestResurrect *resurrected;
  Monitor mon;

  g_assert_true (wk_set_add (set, object));
  monitor_init (&mon, set, TRUE);

  /* Dispose resurrects it: still a death for the set. */
  g_object_unref (object);
  resurrected = wk_test_resurrect_take ();
  g_assert_true (resurrected == object);
  assert_log (&mon, "c0,1,0 n f");
  g_assert_false (wk_set_contains (set, object));
  ASSERT_EMPTY (set);

  g_assert_true (wk_set_add (set, object));
  assert_log (&mon, "c0,0,1 n");
  object = NULL;
  g_assert_finalize_object (g_steal_pointer (&resurrected));
  assert_log (&mon, "c0,1,0 n f");
  ASSERT_EMPTY (set);

  g_assert_finalize_object (set);
  monitor_clear (&mon);
}

static gpointer add_refused_object;

static gpointer
add_refused_thread_func (gpointer data)
{
  add_refused_object = new_object ();
  g_assert_false (wk_set_add (data, add_refused_object));
  g_assert_false (wk_set_contains (data, add_refused_object));
  g_object_unref (g_steal_pointer (&add_refused_object));

  return NULL;
}

/* /Wobj/Set/run-dispose-set */
static void
test_run_dispose_set (void)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject *a = new_object ();
  GObject *b = new_object ();
  GObject *c = new_object ();
  GObject *d = new_object ();
  Monitor mon;
  Monitor after;

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (set, b));
  g_assert_true (wk_set_add (set, c));
  monitor_init (&mon, set, TRUE);

  /* The views hear that it is empty. */
  g_object_run_dispose (G_OBJECT (set));
  assert_log (&mon, "c0,3,0 n");
  g_assert_null (mon.set);
  ASSERT_EMPTY (set);
  g_assert_cmpuint (ref_count (a), ==, 1);

  /* It stays empty, and says nothing more. */
  monitor_init (&after, set, TRUE);
  g_assert_false (wk_set_add (set, d));
  g_assert_false (wk_set_contains (set, d));
  g_assert_false (wk_set_remove (set, a));
  wk_set_remove_all (set);
  g_assert_null (wk_set_pop (set));
  g_thread_join (g_thread_new ("wk-test-worker", add_refused_thread_func, set));
  g_object_run_dispose (G_OBJECT (set));
  g_assert_finalize_object (a);
  wk_test_unref_in_thread (g_steal_pointer (&b));
  wk_test_drain_context (NULL);
  ASSERT_EMPTY (set);
  assert_log (&after, "");

  g_assert_finalize_object (set);
  g_assert_finalize_object (c);
  g_assert_finalize_object (d);
  monitor_clear (&mon);
  monitor_clear (&after);
  g_assert_null (add_refused_object);
}

/* /Wobj/Set/floating */
static void
test_floating (void)
{
  WkSet *set = wk_set_new (G_TYPE_INITIALLY_UNOWNED);
  WkTestFloating *object = g_object_new (WK_TEST_TYPE_FLOATING, NULL);
  GPtrArray *members;
  gpointer item;
  gpointer dup;
  gpointer popped;
  WkSetIter iter;
  Monitor mon;

  monitor_init (&mon, set, TRUE);
  g_assert_true (g_object_is_floating (object));

  g_assert_true (wk_set_add (set, object));
  assert_log (&mon, "c0,0,1 n");
  g_assert_true (g_object_is_floating (object));
  g_assert_cmpuint (ref_count (object), ==, 1);
  g_assert_true (wk_set_contains (set, object));

  item = g_list_model_get_item (G_LIST_MODEL (set), 0);
  dup = wk_ref_dup_object (item);
  g_assert_true (dup == (gpointer) object);
  g_object_unref (dup);
  g_object_unref (item);
  g_assert_true (g_object_is_floating (object));

  members = wk_set_dup_members (set);
  g_assert_true (g_ptr_array_index (members, 0) == (gpointer) object);
  g_ptr_array_unref (members);
  wk_set_iter_init (&iter, set);
  while (wk_set_iter_next (&iter, NULL))
    ;
  g_assert_true (g_object_is_floating (object));
  g_assert_cmpuint (ref_count (object), ==, 1);

  /* pop hands out a plain reference: no sinking. */
  popped = wk_set_pop (set);
  assert_log (&mon, "c0,1,0 n");
  g_assert_true (popped == (gpointer) object);
  g_assert_true (g_object_is_floating (object));
  g_object_unref (popped);
  g_assert_cmpuint (ref_count (object), ==, 1);

  g_assert_true (wk_set_add (set, object));
  assert_log (&mon, "c0,0,1 n");
  g_assert_true (g_object_is_floating (object));
  g_object_ref_sink (object);
  g_assert_false (g_object_is_floating (object));
  g_assert_cmpuint (ref_count (object), ==, 1);
  g_assert_finalize_object (object);
  assert_log (&mon, "c0,1,0 n f");

  g_assert_finalize_object (set);
  monitor_clear (&mon);
}

/* /Wobj/Set/bad-input */
static void
test_bad_input (void)
{
  GParamSpec *pspec = g_param_spec_ref_sink (g_param_spec_int ("x", NULL, NULL, 0, 1, 0,
                                                              G_PARAM_READWRITE));
  gpointer zeroed = g_malloc0 (256);
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  WkSet *typed = wk_set_new (WK_TEST_TYPE_OBJECT);
  GObject *a = new_object ();
  WkTestObject *t = new_test_object ();
  GObject *not_a_set = new_object ();
  WkSetIter iter;
  gpointer object = NULL;
  Monitor mon;
  Monitor tmon;

  g_assert_true (wk_set_add (set, a));
  g_assert_true (wk_set_add (typed, t));
  monitor_init (&mon, set, TRUE);
  monitor_init (&tmon, typed, TRUE);

  /* The object: NULL, not a GObject, not even a type instance. */
  EXPECT_CRITICAL ("wk_set_add: object must be a GObject, not NULL",
                   g_assert_false (wk_set_add (set, NULL)));
  EXPECT_CRITICAL ("wk_set_add: object must be a GObject, not a GParamInt",
                   g_assert_false (wk_set_add (set, pspec)));
  EXPECT_CRITICAL ("wk_set_add: object must be a GObject, not a pointer to something else",
                   g_assert_false (wk_set_add (set, zeroed)));
  EXPECT_CRITICAL ("wk_set_remove: object must be a GObject, not NULL",
                   g_assert_false (wk_set_remove (set, NULL)));
  EXPECT_CRITICAL ("wk_set_remove: object must be a GObject, not a GParamInt",
                   g_assert_false (wk_set_remove (set, pspec)));
  EXPECT_CRITICAL ("wk_set_contains: object must be a GObject, not NULL",
                   g_assert_false (wk_set_contains (set, NULL)));
  EXPECT_CRITICAL ("wk_set_contains: object must be a GObject, not a GParamInt",
                   g_assert_false (wk_set_contains (set, pspec)));

  /* The wrong type for a typed set. */
  EXPECT_CRITICAL ("wk_set_add: object must be a WkTestObject, not a GObject",
                   g_assert_false (wk_set_add (typed, a)));
  EXPECT_CRITICAL ("wk_set_add: object must be a GObject, not NULL",
                   g_assert_false (wk_set_add (typed, NULL)));
  EXPECT_CRITICAL ("wk_set_add: object must be a GObject, not a GParamInt",
                   g_assert_false (wk_set_add (typed, pspec)));

  /* The set: NULL, or an object that is not a set. */
  EXPECT_CRITICAL ("wk_set_add: assertion 'WK_IS_SET (self)' failed",
                   g_assert_false (wk_set_add (NULL, a)));
  EXPECT_CRITICAL ("wk_set_add: assertion 'WK_IS_SET (self)' failed",
                   g_assert_false (wk_set_add ((WkSet *) not_a_set, a)));
  EXPECT_CRITICAL ("wk_set_remove: assertion 'WK_IS_SET (self)' failed",
                   g_assert_false (wk_set_remove (NULL, a)));
  EXPECT_CRITICAL ("wk_set_contains: assertion 'WK_IS_SET (self)' failed",
                   g_assert_false (wk_set_contains (NULL, a)));
  EXPECT_CRITICAL ("wk_set_pop: assertion 'WK_IS_SET (self)' failed",
                   g_assert_null (wk_set_pop (NULL)));
  EXPECT_CRITICAL ("wk_set_remove_all: assertion 'WK_IS_SET (self)' failed",
                   wk_set_remove_all (NULL));
  EXPECT_CRITICAL ("wk_set_get_size: assertion 'WK_IS_SET (self)' failed",
                   g_assert_cmpuint (wk_set_get_size (NULL), ==, 0));
  EXPECT_CRITICAL ("wk_set_get_member_type: assertion 'WK_IS_SET (self)' failed",
                   g_assert_true (wk_set_get_member_type (NULL) == G_TYPE_INVALID));
  EXPECT_CRITICAL ("wk_set_dup_members: assertion 'WK_IS_SET (self)' failed",
                   g_assert_null (wk_set_dup_members (NULL)));
  EXPECT_CRITICAL ("wk_set_foreach: assertion 'WK_IS_SET (self)' failed",
                   wk_set_foreach (NULL, collect_cb, NULL));
  EXPECT_CRITICAL ("wk_set_foreach: assertion 'func != NULL' failed",
                   wk_set_foreach (set, NULL, NULL));
  EXPECT_CRITICAL ("wk_set_iter_init: assertion 'WK_IS_SET (set)' failed",
                   wk_set_iter_init (&iter, NULL));
  EXPECT_CRITICAL ("wk_set_iter_init: assertion 'iter != NULL' failed",
                   wk_set_iter_init (NULL, set));
  EXPECT_CRITICAL ("wk_set_iter_next: assertion 'iter != NULL' failed",
                   g_assert_false (wk_set_iter_next (NULL, &object)));
  EXPECT_CRITICAL ("wk_set_iter_clear: assertion 'iter != NULL' failed",
                   wk_set_iter_clear (NULL));

  /* The set algebra, with either operand missing. */
  EXPECT_CRITICAL ("wk_set_update: assertion 'WK_IS_SET (self)' failed", wk_set_update (NULL, set));
  EXPECT_CRITICAL ("wk_set_update: assertion 'WK_IS_SET (other)' failed", wk_set_update (set, NULL));
  EXPECT_CRITICAL ("wk_set_intersection_update: assertion 'WK_IS_SET (self)' failed",
                   wk_set_intersection_update (NULL, set));
  EXPECT_CRITICAL ("wk_set_intersection_update: assertion 'WK_IS_SET (other)' failed",
                   wk_set_intersection_update (set, NULL));
  EXPECT_CRITICAL ("wk_set_difference_update: assertion 'WK_IS_SET (self)' failed",
                   wk_set_difference_update (NULL, set));
  EXPECT_CRITICAL ("wk_set_difference_update: assertion 'WK_IS_SET (other)' failed",
                   wk_set_difference_update (set, NULL));
  EXPECT_CRITICAL ("wk_set_symmetric_difference_update: assertion 'WK_IS_SET (self)' failed",
                   wk_set_symmetric_difference_update (NULL, set));
  EXPECT_CRITICAL ("wk_set_symmetric_difference_update: assertion 'WK_IS_SET (other)' failed",
                   wk_set_symmetric_difference_update (set, (WkSet *) not_a_set));
  EXPECT_CRITICAL ("wk_set_union: assertion 'WK_IS_SET (self)' failed",
                   g_assert_null (wk_set_union (NULL, set)));
  EXPECT_CRITICAL ("wk_set_union: assertion 'WK_IS_SET (other)' failed",
                   g_assert_null (wk_set_union (set, NULL)));
  EXPECT_CRITICAL ("wk_set_intersection: assertion 'WK_IS_SET (self)' failed",
                   g_assert_null (wk_set_intersection (NULL, set)));
  EXPECT_CRITICAL ("wk_set_intersection: assertion 'WK_IS_SET (other)' failed",
                   g_assert_null (wk_set_intersection (set, NULL)));
  EXPECT_CRITICAL ("wk_set_difference: assertion 'WK_IS_SET (self)' failed",
                   g_assert_null (wk_set_difference (NULL, set)));
  EXPECT_CRITICAL ("wk_set_difference: assertion 'WK_IS_SET (other)' failed",
                   g_assert_null (wk_set_difference (set, NULL)));
  EXPECT_CRITICAL ("wk_set_symmetric_difference: assertion 'WK_IS_SET (self)' failed",
                   g_assert_null (wk_set_symmetric_difference (NULL, set)));
  EXPECT_CRITICAL ("wk_set_symmetric_difference: assertion 'WK_IS_SET (other)' failed",
                   g_assert_null (wk_set_symmetric_difference (set, NULL)));
  EXPECT_CRITICAL ("wk_set_is_subset: assertion 'WK_IS_SET (self)' failed",
                   g_assert_false (wk_set_is_subset (NULL, set)));
  EXPECT_CRITICAL ("wk_set_is_subset: assertion 'WK_IS_SET (other)' failed",
                   g_assert_false (wk_set_is_subset (set, NULL)));
  EXPECT_CRITICAL ("wk_set_is_superset: assertion 'WK_IS_SET (self)' failed",
                   g_assert_false (wk_set_is_superset (NULL, set)));
  EXPECT_CRITICAL ("wk_set_is_superset: assertion 'WK_IS_SET (other)' failed",
                   g_assert_false (wk_set_is_superset (set, NULL)));
  EXPECT_CRITICAL ("wk_set_is_disjoint: assertion 'WK_IS_SET (self)' failed",
                   g_assert_false (wk_set_is_disjoint (NULL, set)));
  EXPECT_CRITICAL ("wk_set_is_disjoint: assertion 'WK_IS_SET (other)' failed",
                   g_assert_false (wk_set_is_disjoint (set, NULL)));
  EXPECT_CRITICAL ("wk_set_equal: assertion 'WK_IS_SET (self)' failed",
                   g_assert_false (wk_set_equal (NULL, set)));
  EXPECT_CRITICAL ("wk_set_equal: assertion 'WK_IS_SET (other)' failed",
                   g_assert_false (wk_set_equal (set, NULL)));

  /* Past the end of the model: NULL, quietly. */
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (set), 1));
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (set), G_MAXUINT));

  /* Nothing changed, nothing was kept. */
  assert_log (&mon, "");
  assert_log (&tmon, "");
  ASSERT_SET (set, a);
  ASSERT_SET (typed, t);
  g_assert_cmpuint (ref_count (a), ==, 1);
  g_assert_cmpuint (ref_count (not_a_set), ==, 1);

  g_assert_finalize_object (a);
  assert_log (&mon, "c0,1,0 n f");
  g_assert_finalize_object (t);
  assert_log (&tmon, "c0,1,0 n f");
  g_assert_finalize_object (set);
  g_assert_finalize_object (typed);
  g_assert_finalize_object (not_a_set);
  g_param_spec_unref (pspec);
  g_free (zeroed);
  monitor_clear (&mon);
  monitor_clear (&tmon);
}

/* /Wobj/Set/scale-million */
static void
test_scale_million (void)
{
  guint n = wk_test_scaled (1000000);
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  WkTestObject **objects = g_new (WkTestObject *, n);
  guint finalized_before = wk_test_object_n_finalized ();
  guint half = n / 2;
  double add_s, drop_s;
  gint64 start;
  Monitor mon;

  for (guint i = 0; i < n; i++)
    objects[i] = new_test_object ();
  monitor_init (&mon, set, FALSE);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    if (G_UNLIKELY (!wk_set_add (set, objects[i])))
      g_assert_not_reached ();
  add_s = wk_test_seconds_since (start);

  g_assert_cmpuint (wk_set_get_size (set), ==, n);
  g_assert_cmpuint (n_items (set), ==, n);
  g_assert_cmpuint (mon.n_changes, ==, n);
  g_assert_cmpuint (mon.n_notify, ==, n);
  {
    const guint rows[] = { 0, 1, half, n - 2, n - 1 };

    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      {
        gpointer item = g_list_model_get_item (G_LIST_MODEL (set), rows[i]);
        gpointer object = wk_ref_dup_object (item);

        g_assert_true (object == (gpointer) objects[rows[i]]);
        g_object_unref (object);
        g_object_unref (item);
      }
  }

  /* Dropped oldest first: each time the first row goes. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < half; i++)
    g_object_unref (objects[i]);
  drop_s = wk_test_seconds_since (start);

  g_assert_cmpuint (wk_set_get_size (set), ==, n - half);
  g_assert_cmpuint (n_items (set), ==, n - half);
  {
    gpointer item = g_list_model_get_item (G_LIST_MODEL (set), 0);
    gpointer object = wk_ref_dup_object (item);

    g_assert_true (object == (gpointer) objects[half]);
    g_object_unref (object);
    g_object_unref (item);
    item = g_list_model_get_item (G_LIST_MODEL (set), n - half - 1);
    object = wk_ref_dup_object (item);
    g_assert_true (object == (gpointer) objects[n - 1]);
    g_object_unref (object);
    g_object_unref (item);
    g_assert_null (g_list_model_get_item (G_LIST_MODEL (set), n - half));
  }

  /* The other half newest first: each time the last row goes. */
  start = g_get_monotonic_time ();
  for (guint i = n; i-- > half;)
    g_object_unref (objects[i]);
  drop_s += wk_test_seconds_since (start);

  g_assert_cmpint (wk_test_object_n_finalized () - finalized_before, ==, n);
  g_assert_cmpuint (wk_set_get_size (set), ==, 0);
  g_assert_cmpuint (n_items (set), ==, 0);
  g_assert_cmpuint (mon.n_changes, ==, 2 * n);
  g_assert_cmpuint (mon.n_notify, ==, 2 * n);
  g_assert_cmpuint (mon.n_finalized, ==, n);
  ASSERT_EMPTY (set);

  g_test_message ("%u members added: %.3f s (%.0f ns each)", n, add_s, add_s * 1e9 / n);
  g_test_message ("%u members dropped: %.3f s (%.0f ns each, with items-changed, notify and object-finalized)",
                  n, drop_s, drop_s * 1e9 / n);
  g_test_message ("%d items-changed emitted", mon.n_changes);

  g_assert_finalize_object (set);
  monitor_clear (&mon);
  g_free (objects);
}

/* A Fenwick tree over insertion indices, kept by the test to know which
 * row each remaining member must be in. */
static void
bit_add (gint *bit,
         guint n,
         guint index,
         gint  delta)
{
  for (guint i = index + 1; i <= n; i += i & -i)
    bit[i] += delta;
}

static guint
bit_prefix (const gint *bit,
            guint       index)
{
  gint sum = 0;

  for (guint i = index; i > 0; i -= i & -i)
    sum += bit[i];

  return sum;
}

static void
check_sample (WkSet           *set,
              GObject * const *objects,
              const gboolean  *gone,
              guint            n)
{
  g_autoptr(GPtrArray) remaining = g_ptr_array_new ();
  g_autoptr(GPtrArray) members = wk_set_dup_members (set);

  for (guint i = 0; i < n; i++)
    if (!gone[i])
      g_ptr_array_add (remaining, objects[i]);

  g_assert_cmpuint (n_items (set), ==, remaining->len);
  g_assert_cmpuint (wk_set_get_size (set), ==, remaining->len);
  g_assert_cmpuint (members->len, ==, remaining->len);
  for (guint i = 0; i < remaining->len; i++)
    g_assert_true (g_ptr_array_index (members, i) == g_ptr_array_index (remaining, i));

  for (guint k = 0; k < 100 && remaining->len > 0; k++)
    {
      guint row = k == 0 ? 0 : k == 1 ? remaining->len - 1 : (guint) g_test_rand_int_range (0, remaining->len);
      gpointer item = g_list_model_get_item (G_LIST_MODEL (set), row);
      gpointer object;

      g_assert_nonnull (item);
      object = wk_ref_dup_object (item);
      g_assert_true (object == g_ptr_array_index (remaining, row));
      g_object_unref (object);
      g_object_unref (item);
    }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (set), remaining->len));
}

/* /Wobj/Set/scale-random-remove */
static void
test_scale_random_remove (void)
{
  guint n = wk_test_scaled (100000);
  WkSet *set = wk_set_new (G_TYPE_OBJECT);
  GObject **objects = g_new (GObject *, n);
  guint *order = g_new (guint, n);
  gint *bit = g_new0 (gint, n + 1);
  gboolean *gone = g_new0 (gboolean, n);
  double remove_s = 0;
  gint64 start;
  Monitor mon;

  for (guint i = 0; i < n; i++)
    {
      objects[i] = new_object ();
      g_assert_true (wk_set_add (set, objects[i]));
      bit_add (bit, n, i, 1);
      order[i] = i;
    }
  for (guint i = n - 1; i > 0; i--)
    {
      guint j = g_test_rand_int_range (0, i + 1);
      guint tmp = order[i];

      order[i] = order[j];
      order[j] = tmp;
    }
  monitor_init (&mon, set, FALSE);

  for (guint k = 0; k < n; k++)
    {
      guint index = order[k];
      guint row = bit_prefix (bit, index);

      start = g_get_monotonic_time ();
      if (G_UNLIKELY (!wk_set_remove (set, objects[index])))
        g_assert_not_reached ();
      remove_s += wk_test_seconds_since (start);

      /* The signal names the row the member had. */
      g_assert_cmpuint (mon.n_changes, ==, k + 1);
      g_assert_cmpuint (mon.last_position, ==, row);
      g_assert_cmpuint (mon.last_removed, ==, 1);
      g_assert_cmpuint (mon.last_added, ==, 0);
      bit_add (bit, n, index, -1);
      gone[index] = TRUE;

      if ((k + 1) % (n / 10) == 0 || k < 10 || k == n / 2 + 1)
        check_sample (set, objects, gone, n);
    }

  g_assert_cmpuint (wk_set_get_size (set), ==, 0);
  g_assert_cmpuint (n_items (set), ==, 0);
  g_test_message ("%u members removed in random order: %.3f s (%.0f ns each)",
                  n, remove_s, remove_s * 1e9 / n);

  for (guint i = 0; i < n; i++)
    g_object_unref (objects[i]);
  g_assert_cmpuint (mon.n_finalized, ==, 0);

  g_assert_finalize_object (set);
  monitor_clear (&mon);
  g_free (objects);
  g_free (order);
  g_free (bit);
  g_free (gone);
}

static void
count_finalized_cb (WkSet    *set,
                    gpointer  user_data)
{
  g_assert_true (g_thread_self () == main_thread);
  ((guint *) user_data)[0]++;
}

static void
count_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  g_assert_true (g_thread_self () == main_thread);
  ((guint *) user_data)[1]++;
}

/* /Wobj/Set/scale-one-in-many-sets */
static void
test_scale_one_in_many_sets (void)
{
  guint n = wk_test_scaled (100000);
  WkSet **sets = g_new (WkSet *, n);
  guint *counts = g_new0 (guint, 2 * n);   /* object-finalized, items-changed */
  WkTestObject *object = new_test_object ();
  WkTestObject *watch = object;
  double create_s, add_s, finalize_s, add2_s, remove_s, free_s;
  gint64 start;

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      sets[i] = wk_set_new (G_TYPE_OBJECT);
      g_signal_connect (sets[i], "object-finalized", G_CALLBACK (count_finalized_cb), counts + 2 * i);
      g_signal_connect (sets[i], "items-changed", G_CALLBACK (count_changed_cb), counts + 2 * i);
    }
  create_s = wk_test_seconds_since (start);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    if (G_UNLIKELY (!wk_set_add (sets[i], object)))
      g_assert_not_reached ();
  add_s = wk_test_seconds_since (start);
  g_assert_cmpuint (ref_count (object), ==, 1);

  /* Finalized: every set signals once, before unref returns. */
  g_object_add_weak_pointer (G_OBJECT (object), (gpointer *) &watch);
  start = g_get_monotonic_time ();
  g_object_unref (g_steal_pointer (&object));
  finalize_s = wk_test_seconds_since (start);
  g_assert_null (watch);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (counts[2 * i], ==, 1);
      g_assert_cmpuint (counts[2 * i + 1], ==, 2);
      g_assert_cmpuint (wk_set_get_size (sets[i]), ==, 0);
      g_assert_cmpuint (n_items (sets[i]), ==, 0);
    }

  /* Another one, removed from every set while it lives. */
  object = new_test_object ();
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    if (G_UNLIKELY (!wk_set_add (sets[i], object)))
      g_assert_not_reached ();
  add2_s = wk_test_seconds_since (start);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    if (G_UNLIKELY (!wk_set_remove (sets[i], object)))
      g_assert_not_reached ();
  remove_s = wk_test_seconds_since (start);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (counts[2 * i], ==, 1);
      g_assert_cmpuint (counts[2 * i + 1], ==, 4);
      g_assert_cmpuint (wk_set_get_size (sets[i]), ==, 0);
      g_assert_cmpuint (n_items (sets[i]), ==, 0);
    }
  g_assert_cmpuint (ref_count (object), ==, 1);
  g_assert_finalize_object (object);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (counts[2 * i], ==, 1);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    g_object_unref (sets[i]);
  free_s = wk_test_seconds_since (start);

  g_test_message ("%u sets created: %.3f s", n, create_s);
  g_test_message ("one object added to %u sets: %.3f s (%.0f ns per set)", n, add_s, add_s * 1e9 / n);
  g_test_message ("one object in %u sets finalized: %.3f s (%.0f ns per set)",
                  n, finalize_s, finalize_s * 1e9 / n);
  g_test_message ("one object added to %u sets again: %.3f s; removed from all while alive: %.3f s (%.0f ns per set)",
                  n, add2_s, remove_s, remove_s * 1e9 / n);
  g_test_message ("%u sets freed: %.3f s", n, free_s);

  g_free (sets);
  g_free (counts);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  main_thread = g_thread_self ();

  g_test_add_func ("/Wobj/Set/g-object-new", test_g_object_new);
  g_test_add_func ("/Wobj/Set/new", test_new);
  g_test_add_func ("/Wobj/Set/new-interface-type", test_new_interface_type);
  g_test_add_func ("/Wobj/Set/add", test_add);
  g_test_add_func ("/Wobj/Set/remove", test_remove);
  g_test_add_func ("/Wobj/Set/contains", test_contains);
  g_test_add_func ("/Wobj/Set/pop", test_pop);
  g_test_add_func ("/Wobj/Set/remove-all", test_remove_all);
  g_test_add_func ("/Wobj/Set/get-size", test_get_size);
  g_test_add_func ("/Wobj/Set/dup-members", test_dup_members);
  g_test_add_func ("/Wobj/Set/foreach", test_foreach);
  g_test_add_func ("/Wobj/Set/iter", test_iter);
  g_test_add_func ("/Wobj/Set/iter-clear", test_iter_clear);
  g_test_add_func ("/Wobj/Set/iter-auto", test_iter_auto);
  g_test_add_func ("/Wobj/Set/iter-member-dies", test_iter_member_dies);
  g_test_add_func ("/Wobj/Set/update", test_update);
  g_test_add_func ("/Wobj/Set/intersection-update", test_intersection_update);
  g_test_add_func ("/Wobj/Set/difference-update", test_difference_update);
  g_test_add_func ("/Wobj/Set/symmetric-difference-update", test_symmetric_difference_update);
  g_test_add_func ("/Wobj/Set/union", test_union);
  g_test_add_func ("/Wobj/Set/intersection", test_intersection);
  g_test_add_func ("/Wobj/Set/difference", test_difference);
  g_test_add_func ("/Wobj/Set/symmetric-difference", test_symmetric_difference);
  g_test_add_func ("/Wobj/Set/is-subset", test_is_subset);
  g_test_add_func ("/Wobj/Set/is-superset", test_is_superset);
  g_test_add_func ("/Wobj/Set/is-disjoint", test_is_disjoint);
  g_test_add_func ("/Wobj/Set/equal", test_equal);
  g_test_add_func ("/Wobj/Set/model-contract", test_model_contract);
  g_test_add_func ("/Wobj/Set/model-n-items", test_model_n_items);
  g_test_add_func ("/Wobj/Set/model-synchronous", test_model_synchronous);
  g_test_add_func ("/Wobj/Set/model-items-do-not-keep-members", test_model_items_do_not_keep_members);
  g_test_add_func ("/Wobj/Set/model-random-ops", test_model_random_ops);
  g_test_add_func ("/Wobj/Set/thread-add", test_thread_add);
  g_test_add_func ("/Wobj/Set/thread-remove", test_thread_remove);
  g_test_add_func ("/Wobj/Set/thread-death", test_thread_death);
  g_test_add_func ("/Wobj/Set/thread-stress", test_thread_stress);
  g_test_add_func ("/Wobj/Set/worker-owner", test_worker_owner);
  g_test_add_func ("/Wobj/Set/owner-context", test_owner_context);
  g_test_add_func ("/Wobj/Set/address-reuse", test_address_reuse);
  for (guint i = 0; i < G_N_ELEMENTS (reentrant_cases); i++)
    g_test_add_data_func (reentrant_cases[i].path, &reentrant_cases[i], test_reentrant);
  g_test_add_func ("/Wobj/Set/reentrant/sync", test_reentrant_sync);
  g_test_add_func ("/Wobj/Set/destroyed-first", test_destroyed_first);
  g_test_add_func ("/Wobj/Set/destroyed-on-worker", test_destroyed_on_worker);
  g_test_add_func ("/Wobj/Set/run-dispose-member", test_run_dispose_member);
  g_test_add_func ("/Wobj/Set/resurrection", test_resurrection);
  g_test_add_func ("/Wobj/Set/run-dispose-set", test_run_dispose_set);
  g_test_add_func ("/Wobj/Set/floating", test_floating);
  g_test_add_func ("/Wobj/Set/bad-input", test_bad_input);
  g_test_add_func ("/Wobj/Set/scale-million", test_scale_million);
  g_test_add_func ("/Wobj/Set/scale-random-remove", test_scale_random_remove);
  g_test_add_func ("/Wobj/Set/scale-one-in-many-sets", test_scale_one_in_many_sets);
  /* Last (a child suite made after the others runs after them): on
   * failure it aborts the program, and everything else has run. */
  g_test_add_func ("/Wobj/Set/order/thread-add-interleaved", test_thread_add_order);

  return g_test_run ();
}

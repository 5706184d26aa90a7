/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* GTK widgets destroyed the GTK way while wobj holds them: a GtkLabel in a
 * GtkBox in a window is in a WkSet, a WkKeyTable (as key), a WkValueTable
 * (as value) and a WkRef. gtk_box_remove() and gtk_window_destroy() (which
 * runs g_object_run_dispose() on the window, while we still hold it) must
 * be noticed once by all four, with no critical or warning, and every
 * widget and container finalized at the end. Pinned to the GTK 4.8 API. */

#include <gtk/gtk.h>

#include <wobj.h>

#include "wk-test-util.h"

static gint n_bad_messages;  /* atomic */

static GLogWriterOutput
count_bad_messages_writer (GLogLevelFlags   log_level,
                           const GLogField *fields,
                           gsize            n_fields,
                           gpointer         user_data)
{
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    g_atomic_int_inc (&n_bad_messages);

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* The four holders, with what each signalled. */
typedef struct
{
  WkSet        *set;
  WkKeyTable   *kt;
  WkValueTable *vt;
  GPtrArray    *refs;         /* WkRef */
  guint         n_set;
  guint         n_refs;
  GHashTable   *kt_signals;   /* value (a widget name) -> count */
  GHashTable   *vt_signals;   /* key -> count */
} Holders;

static void
bump (GHashTable *table, const char *name)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (table, name));

  g_hash_table_insert (table, g_strdup (name), GUINT_TO_POINTER (n + 1));
}

static guint
count_of (GHashTable *table, const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (table, name));
}

static void
on_set (WkSet *set, Holders *h)
{
  h->n_set++;
}

static void
on_kt (WkKeyTable *kt, const GValue *value, Holders *h)
{
  bump (h->kt_signals, g_value_get_string (value));
}

static void
on_vt (WkValueTable *vt, const GValue *key, Holders *h)
{
  bump (h->vt_signals, g_value_get_string (key));
}

static void
on_ref (WkRef *ref, Holders *h)
{
  h->n_refs++;
}

static Holders *
holders_new (void)
{
  Holders *h = g_new0 (Holders, 1);

  h->set = wk_set_new (GTK_TYPE_WIDGET);
  h->kt = wk_key_table_new ();
  h->vt = wk_value_table_new ();
  h->refs = g_ptr_array_new_with_free_func (g_object_unref);
  h->kt_signals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  h->vt_signals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (h->set, "object-finalized", G_CALLBACK (on_set), h);
  g_signal_connect (h->kt, "object-finalized", G_CALLBACK (on_kt), h);
  g_signal_connect (h->vt, "object-finalized", G_CALLBACK (on_vt), h);
  return h;
}

static void
holders_add (Holders *h, GtkWidget *widget, const char *name)
{
  GValue value = G_VALUE_INIT;
  WkRef *ref;

  g_assert_true (wk_set_add (h->set, widget));
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, name);
  g_assert_true (wk_key_table_insert_value (h->kt, widget, &value));
  g_value_unset (&value);
  g_assert_true (wk_value_table_insert (h->vt, name, widget));
  ref = wk_ref_new (widget);
  g_signal_connect (ref, "object-finalized", G_CALLBACK (on_ref), h);
  g_ptr_array_add (h->refs, ref);
}

/* None of the four holds @widget (%NULL once finalized) under @name any
 * more, and the tables signalled it once. */
static void
assert_gone (Holders *h, GtkWidget *widget, const char *name)
{
  if (widget != NULL)
    {
      g_assert_false (wk_set_contains (h->set, widget));
      g_assert_false (wk_key_table_contains (h->kt, widget));
    }
  g_assert_false (wk_value_table_contains (h->vt, name));
  g_assert_cmpuint (count_of (h->kt_signals, name), ==, 1);
  g_assert_cmpuint (count_of (h->vt_signals, name), ==, 1);
}

static void
holders_free (Holders *h)
{
  g_assert_cmpuint (wk_set_get_size (h->set), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (h->set)), ==, 0);
  g_assert_cmpuint (wk_key_table_get_size (h->kt), ==, 0);
  g_assert_cmpuint (wk_value_table_get_size (h->vt), ==, 0);
  for (guint i = 0; i < h->refs->len; i++)
    g_assert_false (wk_ref_is_alive (h->refs->pdata[i]));
  while (h->refs->len > 0)
    g_assert_finalize_object (g_ptr_array_steal_index (h->refs, h->refs->len - 1));
  g_ptr_array_unref (h->refs);
  g_assert_finalize_object (h->set);
  g_assert_finalize_object (h->kt);
  g_assert_finalize_object (h->vt);
  g_hash_table_unref (h->kt_signals);
  g_hash_table_unref (h->vt_signals);
  g_free (h);
}

static gboolean
widget_mapped (gpointer user_data)
{
  return gtk_widget_get_mapped (user_data);
}

static GtkWindow *
show_window (GtkWidget *child)
{
  GtkWindow *window = g_object_ref (GTK_WINDOW (gtk_window_new ()));

  gtk_window_set_title (window, "wobj widget faults");
  gtk_window_set_default_size (window, 300, 200);
  gtk_window_set_child (window, child);
  gtk_window_present (window);
  wk_test_iterate_until_cond (NULL, WK_TEST_TIMEOUT_S, widget_mapped, child);
  g_assert_true (gtk_widget_get_mapped (child));
  wk_test_drain_context (NULL);
  return window;
}

/* gtk_box_remove: the box held the only reference to the label. */
static void
test_box_remove (void)
{
  Holders *h = holders_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *label = gtk_label_new ("removed");
  GtkWidget *other = gtk_label_new ("stays");
  GtkWindow *window;

  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), other);
  window = show_window (box);
  holders_add (h, label, "label");
  holders_add (h, other, "other");
  g_object_add_weak_pointer (G_OBJECT (label), (gpointer *) &label);

  gtk_box_remove (GTK_BOX (box), label);
  wk_test_drain_context (NULL);
  g_assert_null (label);
  g_assert_cmpuint (h->n_set, ==, 1);
  g_assert_cmpuint (h->n_refs, ==, 1);
  assert_gone (h, label, "label");
  g_assert_true (wk_set_contains (h->set, other));
  g_assert_cmpuint (wk_set_get_size (h->set), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (h->set)), ==, 1);

  g_object_add_weak_pointer (G_OBJECT (other), (gpointer *) &other);
  gtk_window_destroy (window);
  wk_test_drain_context (NULL);
  g_assert_finalize_object (window);
  g_assert_null (other);
  g_assert_cmpuint (h->n_set, ==, 2);
  g_assert_cmpuint (h->n_refs, ==, 2);
  assert_gone (h, NULL, "other");
  g_assert_cmpint (g_atomic_int_get (&n_bad_messages), ==, 0);
  holders_free (h);
}

/* The window holding a box holding a label, all three members, destroyed
 * three ways:
 * - DESTROY: gtk_window_destroy() drops GTK's reference, the last one:
 *   window, box and label are finalized then;
 * - DESTROY_HELD: we hold the window too. On GTK 4.8 gtk_window_destroy()
 *   then neither disposes nor finalizes anything (it unrealizes the window
 *   and drops GTK's reference): all three stay members until we drop the
 *   window;
 * - RUN_DISPOSE: we hold the window and run its dispose (the old "destroy"
 *   path): the window dies for wobj at once, the box and label are
 *   finalized; dropping the window later signals nothing more. */
typedef enum
{
  DESTROY,
  DESTROY_HELD,
  RUN_DISPOSE,
} DestroyMode;

static void
test_window_destroy (gconstpointer data)
{
  DestroyMode mode = GPOINTER_TO_INT (data);
  Holders *h = holders_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *label = gtk_label_new ("in the box");
  GtkWindow *window;
  GtkWidget *window_widget;

  gtk_box_append (GTK_BOX (box), label);
  window = show_window (box);
  window_widget = GTK_WIDGET (window);
  holders_add (h, label, "label");
  holders_add (h, box, "box");
  holders_add (h, window_widget, "window");
  g_object_add_weak_pointer (G_OBJECT (label), (gpointer *) &label);
  g_object_add_weak_pointer (G_OBJECT (box), (gpointer *) &box);
  g_assert_cmpuint (wk_set_get_size (h->set), ==, 3);

  switch (mode)
    {
    case DESTROY:
      g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
      g_object_unref (window);   /* only GTK's reference left */
      gtk_window_destroy (window);
      wk_test_drain_context (NULL);
      g_assert_null (window);
      break;
    case DESTROY_HELD:
      gtk_window_destroy (window);
      wk_test_drain_context (NULL);
      g_assert_nonnull (label);
      g_assert_nonnull (box);
      g_assert_cmpuint (h->n_set, ==, 0);
      g_assert_cmpuint (wk_set_get_size (h->set), ==, 3);
      g_assert_true (wk_key_table_contains (h->kt, window_widget));
      g_assert_finalize_object (window);
      break;
    case RUN_DISPOSE:
      g_object_run_dispose (G_OBJECT (window));
      wk_test_drain_context (NULL);
      g_assert_cmpuint (count_of (h->vt_signals, "window"), ==, 1);
      g_assert_false (wk_key_table_contains (h->kt, window_widget));
      g_assert_false (wk_set_contains (h->set, window_widget));
      gtk_window_destroy (window);
      wk_test_drain_context (NULL);
      g_assert_finalize_object (window);
      break;
    default:
      g_assert_not_reached ();
    }

  wk_test_drain_context (NULL);
  g_assert_null (label);
  g_assert_null (box);
  g_assert_cmpuint (h->n_set, ==, 3);
  g_assert_cmpuint (h->n_refs, ==, 3);
  assert_gone (h, NULL, "label");
  assert_gone (h, NULL, "box");
  assert_gone (h, NULL, "window");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (h->set)), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&n_bad_messages), ==, 0);
  holders_free (h);
}

/* A label held by us too: gtk_box_remove only unparents it; it stays a
 * member until we drop it. */
static void
test_box_remove_held (void)
{
  Holders *h = holders_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *label = gtk_label_new ("held");
  GtkWindow *window;

  gtk_box_append (GTK_BOX (box), label);
  window = show_window (box);
  g_object_ref (label);
  holders_add (h, label, "label");

  gtk_box_remove (GTK_BOX (box), label);
  wk_test_drain_context (NULL);
  g_assert_cmpuint (h->n_set, ==, 0);
  g_assert_true (wk_set_contains (h->set, label));
  g_assert_true (wk_key_table_contains (h->kt, label));
  g_assert_true (wk_value_table_contains (h->vt, "label"));

  gtk_window_destroy (window);
  wk_test_drain_context (NULL);
  g_assert_finalize_object (window);
  g_assert_cmpuint (h->n_set, ==, 0);

  g_assert_finalize_object (label);
  g_assert_cmpuint (h->n_set, ==, 1);
  g_assert_cmpuint (h->n_refs, ==, 1);
  assert_gone (h, NULL, "label");
  g_assert_cmpint (g_atomic_int_get (&n_bad_messages), ==, 0);
  holders_free (h);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (count_bad_messages_writer, NULL, NULL);
  gtk_init ();

  g_test_add_func ("/Wobj/UIWidgetFaults/box-remove", test_box_remove);
  g_test_add_data_func ("/Wobj/UIWidgetFaults/window-destroy", GINT_TO_POINTER (DESTROY), test_window_destroy);
  g_test_add_data_func ("/Wobj/UIWidgetFaults/window-destroy-held", GINT_TO_POINTER (DESTROY_HELD), test_window_destroy);
  g_test_add_data_func ("/Wobj/UIWidgetFaults/window-run-dispose", GINT_TO_POINTER (RUN_DISPOSE), test_window_destroy);
  g_test_add_func ("/Wobj/UIWidgetFaults/box-remove-held", test_box_remove_held);

  return g_test_run ();
}

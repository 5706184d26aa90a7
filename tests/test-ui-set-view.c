/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A WkSet shown by a GtkListView, under Xvfb: the view must not keep the
 * members alive, members dying on the main thread or on a worker leave
 * the view, and the rows that are bound show live members only. */

#include <gtk/gtk.h>

#include <wobj.h>

#include "wk-test-util.h"

#define N_OBJECTS 1000

/* Warnings and criticals logged by anyone, from any thread. */
static gint n_bad_messages;  /* atomic */

/* Every WkRef item a row was bound to, and how many of them were
 * finalized: the items must not leak either. */
static GHashTable *seen_items;
static gint n_items_finalized;  /* atomic */

/* TestItem: a member with a name for its row, a field of its own, hence
 * a subclass of WkTestObject. */

#define TEST_TYPE_ITEM (test_item_get_type ())
G_DECLARE_FINAL_TYPE (TestItem, test_item, TEST, ITEM, WkTestObject)

struct _TestItem
{
  WkTestObject  parent_instance;
  char         *name;
};

G_DEFINE_FINAL_TYPE (TestItem, test_item, WK_TEST_TYPE_OBJECT)

static void
test_item_finalize (GObject *object)
{
  TestItem *self = TEST_ITEM (object);

  g_free (self->name);

  G_OBJECT_CLASS (test_item_parent_class)->finalize (object);
}

static void
test_item_class_init (TestItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_item_finalize;
}

static void
test_item_init (TestItem *self)
{
}

static TestItem *
test_item_new (guint index)
{
  TestItem *self = g_object_new (TEST_TYPE_ITEM, NULL);

  self->name = g_strdup_printf ("object %u", index);

  return self;
}

/* The log writer: counts what must not happen, then logs as usual. */

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

/* The view: a window with a scrolled list view over a GtkNoSelection of
 * the set, and what its factory saw. */

typedef struct
{
  WkSet       *set;
  GListModel  *selection;   /* borrowed from the list view */
  GtkWindow   *window;      /* our own reference */
  GtkWidget   *list_view;
  GtkWidget   *scrolled;

  guint        n_binds;
  guint        n_dead_binds;     /* bound to a WkRef whose member is gone */
  guint        n_foreign_binds;  /* bound to a member not in the set */
  gint         max_position;     /* the last row bound, -1 for none */
} View;

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          gpointer                  user_data)
{
  gtk_list_item_set_child (list_item, gtk_label_new (NULL));
}

static void
item_finalized_cb (gpointer  data,
                   GObject  *where_the_object_was)
{
  g_atomic_int_inc (&n_items_finalized);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         gpointer                  user_data)
{
  View *view = user_data;
  WkRef *ref = gtk_list_item_get_item (list_item);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (list_item));
  TestItem *member;
  gint position = (gint) gtk_list_item_get_position (list_item);

  g_assert_true (WK_IS_REF (ref));

  if (g_hash_table_add (seen_items, ref))
    g_object_weak_ref (G_OBJECT (ref), item_finalized_cb, NULL);

  view->n_binds++;
  view->max_position = MAX (view->max_position, position);

  member = wk_ref_dup_object (ref);
  if (member == NULL)
    {
      view->n_dead_binds++;
      gtk_label_set_label (label, "");
      return;
    }

  g_assert_true (TEST_IS_ITEM (member));
  if (!wk_set_contains (view->set, member))
    view->n_foreign_binds++;
  gtk_label_set_label (label, member->name);
  g_assert_cmpstr (gtk_label_get_label (label), ==, member->name);

  /* The row must not hold the member: drop it before returning. */
  g_object_unref (member);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (list_item)), "");
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *frame_clock,
         gpointer       user_data)
{
  guint *n_frames = user_data;

  (*n_frames)++;

  return G_SOURCE_CONTINUE;
}

typedef struct
{
  guint n;
  guint n_frames;
} Frames;

static gboolean
frames_seen (gpointer user_data)
{
  Frames *frames = user_data;

  return frames->n >= frames->n_frames;
}

/* Iterates the default main context until @widget has seen @n_frames
 * frames, then until it is idle. */
static void
iterate_frames (GtkWidget *widget,
                guint      n_frames)
{
  Frames frames = { 0, n_frames };
  guint tick_id = gtk_widget_add_tick_callback (widget, tick_cb, &frames.n, NULL);

  wk_test_iterate_until_cond (NULL, WK_TEST_TIMEOUT_S, frames_seen, &frames);

  gtk_widget_remove_tick_callback (widget, tick_id);
  g_assert_cmpuint (frames.n, >=, n_frames);

  wk_test_drain_context (NULL);
}

static gboolean
view_shown (gpointer user_data)
{
  View *view = user_data;

  return gtk_widget_get_mapped (view->list_view) && view->n_binds > 0;
}

static View *
view_new (WkSet *set)
{
  View *view = g_new0 (View, 1);
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkNoSelection *selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (set)));

  view->set = set;
  view->selection = G_LIST_MODEL (selection);
  view->max_position = -1;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), view);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), view);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), view);

  view->list_view = gtk_list_view_new (GTK_SELECTION_MODEL (selection), factory);
  view->scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (view->scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (view->scrolled), view->list_view);

  view->window = g_object_ref (GTK_WINDOW (gtk_window_new ()));
  gtk_window_set_title (view->window, "WkSet in a GtkListView");
  gtk_window_set_default_size (view->window, 400, 600);
  gtk_window_set_child (view->window, view->scrolled);
  gtk_window_present (view->window);

  /* Until the list view is mapped and has bound rows. */
  wk_test_iterate_until_cond (NULL, WK_TEST_TIMEOUT_S, view_shown, view);

  g_assert_true (gtk_widget_get_mapped (view->list_view));
  g_assert_cmpuint (view->n_binds, >, 0);
  iterate_frames (GTK_WIDGET (view->window), 5);

  return view;
}

/* Weak pointers to a view's selection and list view. */
typedef struct
{
  GObject *selection;
  GObject *list_view;
} ViewChildren;

static gboolean
view_children_gone (gpointer user_data)
{
  ViewChildren *children = user_data;

  return children->selection == NULL && children->list_view == NULL;
}

/* Destroys the window and checks that it, and everything it held, is
 * finalized. The set itself stays with the caller. */
static void
view_free (View *view)
{
  ViewChildren children = { G_OBJECT (view->selection), G_OBJECT (view->list_view) };

  g_object_add_weak_pointer (children.selection, (gpointer *) &children.selection);
  g_object_add_weak_pointer (children.list_view, (gpointer *) &children.list_view);

  gtk_window_destroy (view->window);
  wk_test_drain_context (NULL);
  g_assert_finalize_object (view->window);

  /* Its children go with the window; give GTK's idles a chance first. */
  wk_test_iterate_until_cond (NULL, WK_TEST_TIMEOUT_S, view_children_gone, &children);
  g_assert_null (children.list_view);
  g_assert_null (children.selection);

  g_free (view);
}

static void
save_screenshot (GtkWidget  *widget,
                 const char *basename)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  const char *dir = g_getenv ("G_TEST_BUILDDIR");
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  graphene_rect_t bounds;

  g_assert_nonnull (renderer);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot),
                          gdk_paintable_get_intrinsic_width (paintable),
                          gdk_paintable_get_intrinsic_height (paintable));
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  gsk_render_node_get_bounds (node, &bounds);

  texture = gsk_renderer_render_texture (renderer, node, &bounds);
  g_assert_nonnull (texture);

  path = g_build_filename (dir != NULL ? dir : ".", basename, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot (%d x %d) saved to %s",
                  gdk_texture_get_width (texture), gdk_texture_get_height (texture), path);
}

/* Objects, their weak pointers, and the worker that drops some. */

static gpointer
drop_all_thread (gpointer data)
{
  GPtrArray *objects = data;

  for (guint i = 0; i < objects->len; i++)
    g_object_unref (g_ptr_array_index (objects, i));
  g_ptr_array_unref (objects);

  return NULL;
}

/* Hands @objects, one strong reference each, to a worker that drops them,
 * and waits for it. */
static void
drop_on_worker (GPtrArray *objects)
{
  GThread *worker = g_thread_new ("ui-set-view-dropper", drop_all_thread, objects);

  g_thread_join (worker);
}

/* A model and the number of items it must come down to. */
typedef struct
{
  GListModel *model;
  guint       n_items;
} ModelSize;

static gboolean
model_shrunk (gpointer user_data)
{
  ModelSize *size = user_data;

  return g_list_model_get_n_items (size->model) <= size->n_items;
}

static WkSet *
make_set (TestItem **objects,
          gpointer  *weak)
{
  WkSet *set = wk_set_new (G_TYPE_OBJECT);

  for (guint i = 0; i < N_OBJECTS; i++)
    {
      objects[i] = test_item_new (i);
      weak[i] = objects[i];
      g_object_add_weak_pointer (G_OBJECT (objects[i]), &weak[i]);
      g_assert_true (wk_set_add (set, objects[i]));
    }
  g_assert_cmpuint (wk_set_get_size (set), ==, N_OBJECTS);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (set)), ==, N_OBJECTS);

  return set;
}

static void
start_case (void)
{
  g_atomic_int_set (&n_bad_messages, 0);
  g_atomic_int_set (&n_items_finalized, 0);
  seen_items = g_hash_table_new (NULL, NULL);
}

/* After the set is finalized: every item a row saw is gone, nothing bad
 * was logged. */
static void
end_case (void)
{
  g_assert_cmpuint (g_hash_table_size (seen_items), >, 0);
  g_test_message ("%u distinct WkRef items were bound, all finalized",
                  g_hash_table_size (seen_items));
  g_assert_cmpint (g_atomic_int_get (&n_items_finalized), ==, (gint) g_hash_table_size (seen_items));
  g_clear_pointer (&seen_items, g_hash_table_unref);
  g_assert_cmpint (g_atomic_int_get (&n_bad_messages), ==, 0);
}

/* Every member dies, half on the main thread (the visible rows among
 * them), half on a worker: none is kept alive by the view, and the view
 * ends empty. */
static void
test_set_view_all_die (void)
{
  TestItem *objects[N_OBJECTS];
  gpointer weak[N_OBJECTS];
  g_autoptr(GPtrArray) for_worker = g_ptr_array_new ();
  WkSet *set;
  View *view;
  guint n_binds_before;
  ModelSize emptied;

  start_case ();
  set = make_set (objects, weak);
  view = view_new (set);
  g_assert_cmpuint (g_list_model_get_n_items (view->selection), ==, N_OBJECTS);
  /* The first rows are the ones shown. */
  g_assert_cmpint (view->max_position, >=, 0);
  g_assert_cmpint (view->max_position, <, N_OBJECTS / 2);
  g_assert_cmpuint (view->n_dead_binds, ==, 0);
  g_assert_cmpuint (view->n_foreign_binds, ==, 0);
  g_test_message ("%u rows bound, the last at position %d", view->n_binds, view->max_position);

  /* The first half, visible rows included, on the main thread: each is
   * finalized at once, its row gone before g_object_unref() returns. */
  n_binds_before = view->n_binds;
  for (guint i = 0; i < N_OBJECTS / 2; i++)
    {
      g_object_unref (objects[i]);
      g_assert_null (weak[i]);
      g_assert_cmpuint (wk_set_get_size (set), ==, N_OBJECTS - i - 1);
      g_assert_cmpuint (g_list_model_get_n_items (view->selection), ==, N_OBJECTS - i - 1);
    }

  g_test_message ("%u binds while the first half died", view->n_binds - n_binds_before);

  /* The second half on a worker. */
  for (guint i = N_OBJECTS / 2; i < N_OBJECTS; i++)
    g_ptr_array_add (for_worker, objects[i]);
  drop_on_worker (g_steal_pointer (&for_worker));

  for (guint i = 0; i < N_OBJECTS; i++)
    g_assert_null (weak[i]);
  g_assert_cmpuint (wk_set_get_size (set), ==, 0);

  /* The rows follow when the set's context runs, not before. */
  g_assert_cmpuint (g_list_model_get_n_items (view->selection), ==, N_OBJECTS / 2);
  n_binds_before = view->n_binds;
  emptied = (ModelSize) { view->selection, 0 };
  wk_test_iterate_until_cond (NULL, WK_TEST_TIMEOUT_S, model_shrunk, &emptied);
  wk_test_drain_context (NULL);
  iterate_frames (GTK_WIDGET (view->window), 5);

  g_assert_cmpuint (g_list_model_get_n_items (view->selection), ==, wk_set_get_size (set));
  g_assert_cmpuint (g_list_model_get_n_items (view->selection), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (set)), ==, 0);
  g_assert_cmpuint (view->n_foreign_binds, ==, 0);
  g_test_message ("%u binds after the deaths, %u of them to dead members (allowed "
                  "before the set's context ran)",
                  view->n_binds - n_binds_before, view->n_dead_binds);

  view_free (view);
  g_assert_finalize_object (set);
  end_case ();
}

/* Half the members die (half of those on a worker): the view shows
 * exactly the others, in order, and scrolling to the bottom binds rows to
 * live members only. */
static void
test_set_view_half_live (void)
{
  TestItem *objects[N_OBJECTS];
  gpointer weak[N_OBJECTS];
  g_autoptr(GPtrArray) for_worker = g_ptr_array_new ();
  GtkAdjustment *vadjustment;
  WkSet *set;
  View *view;
  guint n_live = N_OBJECTS / 2;
  ModelSize live;

  start_case ();
  set = make_set (objects, weak);
  view = view_new (set);
  g_assert_cmpuint (view->n_dead_binds, ==, 0);

  /* The even ones die: those of the first half (shown) here, the others
   * on a worker. The odd ones live. */
  for (guint i = 0; i < N_OBJECTS / 2; i += 2)
    {
      g_object_unref (objects[i]);
      g_assert_null (weak[i]);
    }
  for (guint i = N_OBJECTS / 2; i < N_OBJECTS; i += 2)
    g_ptr_array_add (for_worker, objects[i]);
  drop_on_worker (g_steal_pointer (&for_worker));

  for (guint i = 0; i < N_OBJECTS; i++)
    {
      if (i % 2 == 0)
        g_assert_null (weak[i]);
      else
        g_assert_true (weak[i] == objects[i]);
    }
  g_assert_cmpuint (wk_set_get_size (set), ==, n_live);
  /* The worker's deaths reach the rows when the set's context runs. */
  g_assert_cmpuint (g_list_model_get_n_items (view->selection), ==, N_OBJECTS - N_OBJECTS / 4);

  live = (ModelSize) { view->selection, n_live };
  wk_test_iterate_until_cond (NULL, WK_TEST_TIMEOUT_S, model_shrunk, &live);
  wk_test_drain_context (NULL);
  iterate_frames (GTK_WIDGET (view->window), 5);

  g_assert_cmpuint (g_list_model_get_n_items (view->selection), ==, wk_set_get_size (set));
  g_assert_cmpuint (g_list_model_get_n_items (view->selection), ==, n_live);

  /* Exactly the live ones, in insertion order. */
  for (guint row = 0; row < n_live; row++)
    {
      g_autoptr(WkRef) ref = g_list_model_get_item (view->selection, row);
      g_autoptr(TestItem) member = NULL;

      g_assert_true (WK_IS_REF (ref));
      member = wk_ref_dup_object (ref);
      g_assert_true (member == objects[2 * row + 1]);
    }
  g_assert_null (g_list_model_get_item (view->selection, n_live));

  /* Scroll to the bottom: the last row gets bound, to a live member, as
   * every row bound from now on. GtkListView estimates the heights of the
   * rows it has not seen, so the end may move as it scrolls; and GTK 4.8's
   * list view ignores the first change of its adjustment after it is
   * mapped (a GListStore behaves the same), so the value alternates
   * between the bottom and one pixel above it until the last row shows. */
  view->n_binds = 0;
  view->n_dead_binds = 0;
  view->n_foreign_binds = 0;
  view->max_position = -1;
  vadjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (view->scrolled));
  for (guint attempt = 0; attempt < 20 && view->max_position != (gint) n_live - 1; attempt++)
    {
      gtk_adjustment_set_value (vadjustment,
                                gtk_adjustment_get_upper (vadjustment) -
                                gtk_adjustment_get_page_size (vadjustment) -
                                attempt % 2);
      iterate_frames (GTK_WIDGET (view->window), 3);
    }
  gtk_adjustment_set_value (vadjustment,
                            gtk_adjustment_get_upper (vadjustment) -
                            gtk_adjustment_get_page_size (vadjustment));
  iterate_frames (GTK_WIDGET (view->window), 3);
  g_test_message ("after scrolling: %u binds, the last at position %d, value %g of %g",
                  view->n_binds, view->max_position,
                  gtk_adjustment_get_value (vadjustment), gtk_adjustment_get_upper (vadjustment));
  g_assert_cmpuint (view->n_binds, >, 0);
  g_assert_cmpint (view->max_position, ==, (gint) n_live - 1);
  g_assert_cmpuint (view->n_dead_binds, ==, 0);
  g_assert_cmpuint (view->n_foreign_binds, ==, 0);

  save_screenshot (GTK_WIDGET (view->window), "ui-set-view.png");

  /* The view kept no member alive: the live ones hold the test's
   * reference only. */
  view_free (view);
  for (guint i = 1; i < N_OBJECTS; i += 2)
    g_assert_finalize_object (objects[i]);
  for (guint i = 0; i < N_OBJECTS; i++)
    g_assert_null (weak[i]);
  g_assert_cmpuint (wk_set_get_size (set), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (set)), ==, 0);
  g_assert_finalize_object (set);
  end_case ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (count_bad_messages_writer, NULL, NULL);
  gtk_init ();

  g_test_add_func ("/Wobj/Set/view-all-die", test_set_view_all_die);
  g_test_add_func ("/Wobj/Set/view-half-live", test_set_view_half_live);

  return g_test_run ();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The GTK demo, under Xvfb: its window, driven through the same actions as
 * its buttons, checked through its pages' properties (the model, not the
 * pixels). With weak references every destroyed parent is finalized; with
 * strong ones none is until the test breaks the cycles. Every case ends
 * with the window, the registry and every object they made finalized, and
 * saves a screenshot with the test's output. */

#include <unistd.h>

#include <adwaita.h>
#include <wobj.h>

#include "wk-demo-child.h"
#include "wk-demo-event.h"
#include "wk-demo-page-browser.h"
#include "wk-demo-page-log.h"
#include "wk-demo-page-playground.h"
#include "wk-demo-page-stress.h"
#include "wk-demo-screenshot.h"
#include "wk-demo-tour.h"
#include "wk-demo-window.h"

/* Bounds every wait: a hang fails the test instead of stalling it. */
#define WAIT_TIMEOUT_US (60 * G_USEC_PER_SEC)

typedef gboolean (*Condition) (gpointer data);

static gboolean
wake_up_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @condition holds; fails after the timeout. */
static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_US;
  guint wake_up = g_timeout_add (20, wake_up_cb, NULL);

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }

  g_source_remove (wake_up);
}

static gboolean
is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

static gboolean
ref_is_dead (gpointer data)
{
  return !wk_ref_is_alive (data);
}

static gboolean
count_tick_cb (GtkWidget     *widget,
               GdkFrameClock *frame_clock,
               gpointer       user_data)
{
  guint *n_ticks = user_data;

  return ++(*n_ticks) < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
ticked_thrice (gpointer data)
{
  return *(guint *) data >= 3;
}

/* Two frames painted after now (a tick callback keeps frames coming; the
 * third tick follows two paints), so that a screenshot shows the last
 * change however slow the machine (valgrind) is. */
static void
let_gtk_draw (GtkWidget *widget)
{
  guint n_ticks = 0;

  gtk_widget_add_tick_callback (widget, count_tick_cb, &n_ticks, NULL);
  wait_until (ticked_thrice, &n_ticks, "two frames to be painted");
}

static guint
get_uint (gpointer    object,
          const char *property)
{
  guint value;

  g_object_get (object, property, &value, NULL);

  return value;
}

static char *
dup_string (gpointer    object,
            const char *property)
{
  char *value;

  g_object_get (object, property, &value, NULL);

  return value;
}

static WkDemoWindow *
open_window (void)
{
  WkDemoWindow *window = wk_demo_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 820);
  gtk_window_present (GTK_WINDOW (window));
  wait_until (is_mapped, window, "the window to be shown");

  return window;
}

static void
save_screenshot (WkDemoWindow *window,
                 const char   *name)
{
  g_autofree char *directory = g_test_build_filename (G_TEST_BUILT, "ui-demo-screenshots", NULL);
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  g_autofree char *path = g_build_filename (directory, file, NULL);
  g_autoptr(GError) error = NULL;

  let_gtk_draw (GTK_WIDGET (window));
  g_assert_cmpint (g_mkdir_with_parents (directory, 0755), ==, 0);
  wk_demo_screenshot_save (GTK_WIDGET (window), path, &error);
  g_assert_no_error (error);
  g_test_message ("screenshot: %s", path);
}

/* Destroys the window and waits until it, its registry and every object
 * the registry saw are finalized. */
static void
close_window (WkDemoWindow *window)
{
  WkDemoRegistry *registry = wk_demo_window_get_registry (window);
  g_autoptr(WkRef) window_ref = wk_ref_new (window);
  g_autoptr(WkRef) registry_ref = wk_ref_new (registry);
  g_autoptr(WkSet) objects = wk_set_new (G_TYPE_OBJECT);
  g_autoptr(GPtrArray) members = wk_set_dup_members (WK_SET (wk_demo_registry_get_objects (registry)));

  for (guint i = 0; i < members->len; i++)
    wk_set_add (objects, members->pdata[i]);
  g_clear_pointer (&members, g_ptr_array_unref);

  gtk_window_destroy (GTK_WINDOW (window));
  wait_until (ref_is_dead, window_ref, "the window to be finalized");
  wait_until (ref_is_dead, registry_ref, "the registry to be finalized");
  g_assert_cmpuint (wk_set_get_size (objects), ==, 0);
}

static GtkWidget *
get_page (WkDemoWindow *window,
          GType         type)
{
  GtkWidget *page = wk_demo_window_get_page (window, type);

  g_assert_nonnull (page);

  return page;
}

static gpointer
lookup (WkDemoWindow *window,
        const char   *name)
{
  return wk_demo_registry_lookup (wk_demo_window_get_registry (window), name);
}

/* The playground's script: a parent with two children, a second parent
 * with two, the first child moved to the orphans, the first parent
 * destroyed. Returns weak references to both parents and the orphan's
 * name. */
static void
destroy_a_parent (WkDemoWindow  *window,
                  WkRef        **first_ref,
                  WkRef        **second_ref,
                  char         **orphan)
{
  GtkWidget *page = get_page (window, WK_TYPE_DEMO_PAGE_PLAYGROUND);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(GObject) parent = NULL;

  gtk_widget_activate_action (page, "playground.new-parent", NULL);
  first = dup_string (page, "last-parent");
  parent = lookup (window, first);
  *first_ref = wk_ref_new (parent);
  g_clear_object (&parent);
  gtk_widget_activate_action (page, "playground.add-child", "s", first);
  *orphan = dup_string (page, "last-child");
  gtk_widget_activate_action (page, "playground.add-child", "s", first);

  gtk_widget_activate_action (page, "playground.new-parent", NULL);
  second = dup_string (page, "last-parent");
  parent = lookup (window, second);
  *second_ref = wk_ref_new (parent);
  g_clear_object (&parent);
  gtk_widget_activate_action (page, "playground.add-child", "s", second);
  gtk_widget_activate_action (page, "playground.add-child", "s", second);

  g_assert_cmpuint (get_uint (page, "n-live-parents"), ==, 2);
  g_assert_cmpuint (get_uint (page, "n-live-objects"), ==, 6);

  gtk_widget_activate_action (page, "playground.orphan-child", "s", *orphan);
  g_assert_cmpuint (get_uint (page, "n-orphans"), ==, 1);
  gtk_widget_activate_action (page, "playground.destroy-parent", "s", first);
}

static WkDemoParentState
orphan_state (WkDemoWindow *window,
              const char   *name)
{
  g_autoptr(WkDemoChild) child = lookup (window, name);

  g_assert_nonnull (child);
  g_assert_true (wk_demo_child_get_orphaned (child));

  return wk_demo_child_get_parent_state (child);
}

/* How many live children say @state of their parent. */
static guint
count_children (WkDemoWindow      *window,
                WkDemoParentState  state)
{
  WkSet *objects = WK_SET (wk_demo_registry_get_objects (wk_demo_window_get_registry (window)));
  g_autoptr(GPtrArray) members = wk_set_dup_members (objects);
  guint n = 0;

  for (guint i = 0; i < members->len; i++)
    if (WK_IS_DEMO_CHILD (members->pdata[i]) &&
        wk_demo_child_get_parent_state (members->pdata[i]) == state)
      n++;

  return n;
}

static guint
count_events (WkDemoWindow *window,
              const char   *container,
              gboolean      died_on_main_thread)
{
  GListModel *log = wk_demo_registry_get_log (wk_demo_window_get_registry (window));
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (log); i++)
    {
      g_autoptr(WkDemoEvent) event = g_list_model_get_item (log, i);

      /* Whatever thread it died on, wobj delivers on the owner's. */
      g_assert_true (wk_demo_event_get_delivered_on_main_thread (event));
      if (g_str_equal (wk_demo_event_get_container (event), container) &&
          wk_demo_event_get_died_on_main_thread (event) == died_on_main_thread)
        n++;
    }

  return n;
}

static void
test_playground_weak (void)
{
  WkDemoWindow *window = open_window ();
  GtkWidget *page = get_page (window, WK_TYPE_DEMO_PAGE_PLAYGROUND);
  GtkWidget *browser = get_page (window, WK_TYPE_DEMO_PAGE_BROWSER);
  g_autoptr(WkRef) first = NULL;
  g_autoptr(WkRef) second = NULL;
  g_autofree char *orphan = NULL;

  g_object_set (page, "weak-mode", TRUE, NULL);
  destroy_a_parent (window, &first, &second, &orphan);

  /* Finalized before the action returned: weak references are exact. */
  g_assert_false (wk_ref_is_alive (first));
  g_assert_true (wk_ref_is_alive (second));
  g_assert_cmpuint (get_uint (page, "n-finalized-parents"), ==, 1);
  g_assert_cmpuint (get_uint (page, "n-leaked-parents"), ==, 0);
  g_assert_cmpuint (get_uint (page, "n-live-parents"), ==, 1);
  /* The second parent, its two children, the orphan. */
  g_assert_cmpuint (get_uint (page, "n-live-objects"), ==, 4);
  g_assert_cmpint (orphan_state (window, orphan), ==, WK_DEMO_PARENT_STATE_FINALIZED);
  /* The first parent's other child died with it; the second's live on. */
  g_assert_cmpuint (count_children (window, WK_DEMO_PARENT_STATE_FINALIZED), ==, 1);
  g_assert_cmpuint (count_children (window, WK_DEMO_PARENT_STATE_ALIVE), ==, 2);
  g_assert_cmpuint (count_children (window, WK_DEMO_PARENT_STATE_LEAKED), ==, 0);

  /* The browser's rows left by themselves; the log saw the WkRef fire. */
  g_assert_cmpuint (get_uint (browser, "n-items"), ==, 4);
  g_assert_cmpuint (get_uint (browser, "n-names"), ==, 4);
  g_assert_cmpuint (get_uint (browser, "n-notes"), ==, 4);
  g_assert_cmpuint (count_events (window, "WkRef", TRUE), ==, 1);
  /* The first parent and its remaining child, once per container. */
  g_assert_cmpuint (count_events (window, "WkSet", FALSE), ==, 2);
  g_assert_cmpuint (count_events (window, "WkValueTable", TRUE), ==, 2);
  g_assert_cmpuint (count_events (window, "WkKeyTable", TRUE), ==, 2);

  save_screenshot (window, "playground-weak");

  gtk_widget_activate_action (page, "playground.clear", NULL);
  g_assert_false (wk_ref_is_alive (second));
  g_assert_cmpuint (get_uint (page, "n-finalized-parents"), ==, 2);
  g_assert_cmpuint (get_uint (page, "n-live-objects"), ==, 0);
  g_assert_cmpuint (get_uint (browser, "n-items"), ==, 0);

  close_window (window);
}

static void
test_playground_strong (void)
{
  WkDemoWindow *window = open_window ();
  GtkWidget *page = get_page (window, WK_TYPE_DEMO_PAGE_PLAYGROUND);
  GtkWidget *browser = get_page (window, WK_TYPE_DEMO_PAGE_BROWSER);
  g_autoptr(WkRef) first = NULL;
  g_autoptr(WkRef) second = NULL;
  g_autofree char *orphan = NULL;

  g_object_set (page, "weak-mode", FALSE, NULL);
  destroy_a_parent (window, &first, &second, &orphan);

  /* Destroyed, yet alive: its child keeps it, it keeps its child. */
  g_assert_true (wk_ref_is_alive (first));
  g_assert_cmpuint (get_uint (page, "n-finalized-parents"), ==, 0);
  g_assert_cmpuint (get_uint (page, "n-leaked-parents"), ==, 1);
  g_assert_cmpuint (get_uint (page, "n-live-parents"), ==, 2);
  g_assert_cmpuint (get_uint (page, "n-live-objects"), ==, 6);
  g_assert_cmpint (orphan_state (window, orphan), ==, WK_DEMO_PARENT_STATE_LEAKED);
  /* The orphan and the first parent's other child, out of sight. */
  g_assert_cmpuint (count_children (window, WK_DEMO_PARENT_STATE_LEAKED), ==, 2);
  g_assert_cmpuint (count_children (window, WK_DEMO_PARENT_STATE_ALIVE), ==, 2);
  g_assert_cmpuint (get_uint (browser, "n-items"), ==, 6);
  g_assert_cmpuint (count_events (window, "WkSet", FALSE), ==, 0);

  save_screenshot (window, "playground-strong");

  /* Clearing everything shows the leak: the orphan died and let go, but
   * both parents still have a child holding them. */
  gtk_widget_activate_action (page, "playground.clear", NULL);
  g_assert_true (wk_ref_is_alive (first));
  g_assert_true (wk_ref_is_alive (second));
  g_assert_cmpuint (get_uint (page, "n-finalized-parents"), ==, 0);
  g_assert_cmpuint (get_uint (page, "n-leaked-parents"), ==, 2);
  g_assert_cmpuint (get_uint (page, "n-live-objects"), ==, 5);
  g_assert_cmpuint (get_uint (browser, "n-items"), ==, 5);
  g_assert_cmpuint (count_children (window, WK_DEMO_PARENT_STATE_LEAKED), ==, 3);
  g_assert_cmpuint (count_children (window, WK_DEMO_PARENT_STATE_ALIVE), ==, 0);

  save_screenshot (window, "playground-strong-leak");

  /* The test breaks the cycles, and everything goes. */
  gtk_widget_activate_action (page, "playground.break-cycles", NULL);
  g_assert_false (wk_ref_is_alive (first));
  g_assert_false (wk_ref_is_alive (second));
  g_assert_cmpuint (get_uint (page, "n-finalized-parents"), ==, 2);
  g_assert_cmpuint (get_uint (page, "n-leaked-parents"), ==, 0);
  g_assert_cmpuint (get_uint (page, "n-live-objects"), ==, 0);
  g_assert_cmpuint (get_uint (browser, "n-items"), ==, 0);

  close_window (window);
}

static void
test_browser (void)
{
  WkDemoWindow *window = open_window ();
  GtkWidget *page = get_page (window, WK_TYPE_DEMO_PAGE_PLAYGROUND);
  GtkWidget *browser = get_page (window, WK_TYPE_DEMO_PAGE_BROWSER);
  g_autofree char *parent = NULL;
  g_autofree char *child = NULL;
  g_autofree char *selected = NULL;
  g_autoptr(WkRef) child_ref = NULL;
  g_autoptr(GObject) object = NULL;

  gtk_widget_activate_action (page, "playground.new-parent", NULL);
  parent = dup_string (page, "last-parent");
  gtk_widget_activate_action (page, "playground.add-child", "s", parent);
  child = dup_string (page, "last-child");
  gtk_widget_activate_action (page, "playground.new-parent", NULL);

  wk_demo_window_set_visible_page (window, "browser");
  g_assert_cmpuint (get_uint (browser, "n-items"), ==, 3);

  gtk_widget_activate_action (browser, "browser.find", "s", child);
  selected = dup_string (browser, "selected-name");
  g_assert_cmpstr (selected, ==, child);
  save_screenshot (window, "browser");

  /* Showing and selecting the child keeps it no more alive than before:
   * destroying its parent finalizes both, and their rows leave. */
  object = lookup (window, child);
  child_ref = wk_ref_new (object);
  g_clear_object (&object);
  gtk_widget_activate_action (page, "playground.destroy-parent", "s", parent);
  g_assert_false (wk_ref_is_alive (child_ref));
  g_assert_cmpuint (get_uint (browser, "n-items"), ==, 1);
  g_assert_cmpuint (get_uint (browser, "n-names"), ==, 1);
  g_assert_cmpuint (get_uint (browser, "n-notes"), ==, 1);
  g_clear_pointer (&selected, g_free);
  selected = dup_string (browser, "selected-name");
  g_assert_null (selected);

  /* The name table emptied itself: the search finds nothing. */
  g_assert_false (wk_demo_page_browser_find (WK_DEMO_PAGE_BROWSER (browser), child));

  gtk_widget_activate_action (page, "playground.clear", NULL);
  close_window (window);
}

static gboolean
worker_done (gpointer data)
{
  WkDemoWindow *window = data;

  return !wk_demo_page_log_get_worker_busy (WK_DEMO_PAGE_LOG (get_page (window, WK_TYPE_DEMO_PAGE_LOG))) &&
         count_events (window, "WkKeyTable", FALSE) == WK_DEMO_PAGE_LOG_N_DOCUMENTS &&
         count_events (window, "WkValueTable", FALSE) == WK_DEMO_PAGE_LOG_N_DOCUMENTS;
}

static void
test_log (void)
{
  WkDemoWindow *window = open_window ();
  GtkWidget *log = get_page (window, WK_TYPE_DEMO_PAGE_LOG);
  WkDemoRegistry *registry = wk_demo_window_get_registry (window);

  wk_demo_window_set_visible_page (window, "log");
  g_assert_cmpuint (get_uint (log, "n-entries"), ==, 0);

  gtk_widget_activate_action (log, "log.drop-on-worker", NULL);
  g_assert_true (wk_demo_page_log_get_worker_busy (WK_DEMO_PAGE_LOG (log)));
  g_assert_cmpuint (wk_demo_registry_get_n_objects (registry), <=, WK_DEMO_PAGE_LOG_N_DOCUMENTS);

  /* Died on the worker, delivered here (count_events checks that). */
  wait_until (worker_done, window, "the worker's documents to be logged");
  g_assert_cmpuint (wk_demo_registry_get_n_objects (registry), ==, 0);
  g_assert_cmpuint (count_events (window, "WkKeyTable", TRUE), ==, 0);
  g_assert_cmpuint (count_events (window, "WkSet", FALSE), ==, WK_DEMO_PAGE_LOG_N_DOCUMENTS);
  g_assert_cmpuint (get_uint (log, "n-entries"), ==, 3 * WK_DEMO_PAGE_LOG_N_DOCUMENTS);
  save_screenshot (window, "log");

  gtk_widget_activate_action (log, "log.clear", NULL);
  g_assert_cmpuint (get_uint (log, "n-entries"), ==, 0);

  close_window (window);
}

typedef struct
{
  GtkWidget *page;
  gboolean   saw_progress;  /* the loop ran between two chunks */
} StressRun;

static gboolean
stress_done (gpointer data)
{
  StressRun *run = data;
  double fraction;

  g_object_get (run->page, "fraction", &fraction, NULL);
  if (fraction > 0 && fraction < 1)
    run->saw_progress = TRUE;

  return !wk_demo_page_stress_get_running (WK_DEMO_PAGE_STRESS (run->page));
}

static void
test_stress (void)
{
  WkDemoWindow *window = open_window ();
  StressRun run = { get_page (window, WK_TYPE_DEMO_PAGE_STRESS), FALSE };
  gint64 destruction;

  wk_demo_window_set_visible_page (window, "stress");
  wk_demo_page_stress_set_n_widgets (WK_DEMO_PAGE_STRESS (run.page), 5000);
  gtk_widget_activate_action (run.page, "stress.run", NULL);
  g_assert_true (wk_demo_page_stress_get_running (WK_DEMO_PAGE_STRESS (run.page)));

  wait_until (stress_done, &run, "the stress test to finish");
  g_assert_true (run.saw_progress);
  g_assert_cmpuint (get_uint (run.page, "n-signals"), ==, 3 * 5000);
  g_assert_cmpuint (get_uint (run.page, "n-left"), ==, 0);
  g_object_get (run.page, "destruction-us", &destruction, NULL);
  g_assert_cmpint (destruction, >, 0);
  save_screenshot (window, "stress");

  close_window (window);
}

static gboolean
tour_finished (gpointer data)
{
  return wk_demo_tour_get_finished (data);
}

/* The whole tour, as `wobj-demo --tour` plays it (in English). */
static void
test_tour (void)
{
  WkDemoWindow *window = open_window ();
  g_autofree char *directory = g_test_build_filename (G_TEST_BUILT, "ui-demo-screenshots", "tour", NULL);
  g_autoptr(WkDemoTour) tour = NULL;

  g_assert_cmpint (g_mkdir_with_parents (directory, 0755), ==, 0);
  tour = wk_demo_tour_new (window, directory, NULL);
  wk_demo_tour_start (tour);
  wait_until (tour_finished, tour, "the tour to finish");
  g_assert_cmpuint (wk_demo_tour_get_n_failed (tour), ==, 0);
  g_clear_object (&tour);

  close_window (window);
}

/* The shortcuts window that GtkApplication loads from the resource
 * builds, and lists the application's actions. */
static void
test_shortcuts_window (void)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource ("/io/github/wobj/Demo/gtk/help-overlay.ui");
  GObject *window = gtk_builder_get_object (builder, "help_overlay");
  g_autoptr(WkRef) ref = NULL;

  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (window));
  ref = wk_ref_new (window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&builder);
  wait_until (ref_is_dead, ref, "the shortcuts window to be finalized");
}

int
main (int   argc,
      char *argv[])
{
  /* A last resort against a hang outside the waits. */
  alarm (500);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/Demo/playground/weak", test_playground_weak);
  g_test_add_func ("/Demo/playground/strong", test_playground_strong);
  g_test_add_func ("/Demo/browser", test_browser);
  g_test_add_func ("/Demo/log", test_log);
  g_test_add_func ("/Demo/stress", test_stress);
  g_test_add_func ("/Demo/tour", test_tour);
  g_test_add_func ("/Demo/shortcuts-window", test_shortcuts_window);

  return g_test_run ();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "wk-demo-child.h"
#include "wk-demo-event.h"
#include "wk-demo-page-browser.h"
#include "wk-demo-page-log.h"
#include "wk-demo-page-playground.h"
#include "wk-demo-page-stress.h"
#include "wk-demo-screenshot.h"
#include "wk-demo-tour.h"

/**
 * WkDemoTour:
 *
 * A scripted walk through the demo, for `wobj-demo --tour DIR` and for
 * the UI test: each step does what the buttons do (it activates the very
 * same actions), waits until the pages' properties say what the step
 * expects, or a timeout passes, and writes a PNG of the window into the
 * directory. [property@DemoTour:n-failed] counts the steps that did not
 * see what they expected.
 */

/* The whole tour takes well under a minute; the stress test, the
 * slowest step, is bounded by its own timeout. */
#define WATCHDOG_MINUTES 15

typedef struct _Step Step;

struct _WkDemoTour
{
  GObject       parent_instance;

  WkDemoWindow *window;
  char         *directory;
  char         *prefix;
  gboolean      expect_translated;

  guint         step;
  guint         n_failed;
  gboolean      finished;
  guint         source_id;
  gint64        deadline;
  guint         tick_id;
  guint         n_ticks;
  guint         watchdog_id;

  /* What the steps remember between acting and checking. */
  guint         base_finalized;
  guint         n_worker_events;
  char         *orphan;
  char         *found;
};

struct _Step
{
  const char *name;    /* the screenshot's, NULL for none */
  void      (*act)   (WkDemoTour *self);
  gboolean  (*check) (WkDemoTour *self,
                      GString    *why);
  guint       timeout_s;
};

enum {
  PROP_0,
  PROP_FINISHED,
  PROP_N_FAILED,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (WkDemoTour, wk_demo_tour, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void run_step (WkDemoTour *self);

/* Reading and driving the pages. */

static GtkWidget *
page (WkDemoTour *self,
      GType       type)
{
  return wk_demo_window_get_page (self->window, type);
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

static void
playground (WkDemoTour *self,
            const char *action,
            const char *target)
{
  GtkWidget *widget = page (self, WK_TYPE_DEMO_PAGE_PLAYGROUND);

  if (target != NULL)
    gtk_widget_activate_action (widget, action, "s", target);
  else
    gtk_widget_activate_action (widget, action, NULL);
}

/* Parent with two children, another parent with two, the first child of
 * the first parent moved to the orphans, the first parent destroyed. */
static void
destroy_a_parent (WkDemoTour *self)
{
  GtkWidget *widget = page (self, WK_TYPE_DEMO_PAGE_PLAYGROUND);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  playground (self, "playground.new-parent", NULL);
  first = dup_string (widget, "last-parent");
  playground (self, "playground.add-child", first);
  g_free (self->orphan);
  self->orphan = dup_string (widget, "last-child");
  playground (self, "playground.add-child", first);

  playground (self, "playground.new-parent", NULL);
  second = dup_string (widget, "last-parent");
  playground (self, "playground.add-child", second);
  playground (self, "playground.add-child", second);

  playground (self, "playground.orphan-child", self->orphan);
  playground (self, "playground.destroy-parent", first);
}

static gboolean
orphan_state_is (WkDemoTour        *self,
                 WkDemoParentState  state,
                 GString           *why)
{
  WkDemoRegistry *registry = wk_demo_window_get_registry (self->window);
  g_autoptr(WkDemoChild) child = wk_demo_registry_lookup (registry, self->orphan);

  if (child == NULL)
    {
      g_string_append_printf (why, "the orphan %s is gone; ", self->orphan);
      return FALSE;
    }
  if (wk_demo_child_get_parent_state (child) != state)
    {
      g_string_append_printf (why, "the orphan %s says %d, not %d; ", self->orphan,
                              wk_demo_child_get_parent_state (child), state);
      return FALSE;
    }

  return TRUE;
}

#define EXPECT_UINT(object, property, expected)                                   \
  G_STMT_START {                                                                  \
    guint actual_ = get_uint ((object), (property));                              \
    if (actual_ != (guint) (expected))                                            \
      {                                                                           \
        g_string_append_printf (why, "%s is %u, not %u; ", (property), actual_,   \
                                (guint) (expected));                              \
        ok = FALSE;                                                               \
      }                                                                           \
  } G_STMT_END

/* The steps. */

static void
start_act (WkDemoTour *self)
{
  wk_demo_window_set_visible_page (self->window, "playground");
}

static gboolean
start_check (WkDemoTour *self,
             GString    *why)
{
  /* The first msgid of the window: in German it must not be English. */
  const char *text = g_dgettext (GETTEXT_PACKAGE, "Playground");

  if (self->expect_translated && g_str_equal (text, "Playground"))
    {
      g_string_append (why, "the interface is not translated (is the catalogue installed?); ");
      return FALSE;
    }

  return TRUE;
}

static void
weak_act (WkDemoTour *self)
{
  GtkWidget *widget = page (self, WK_TYPE_DEMO_PAGE_PLAYGROUND);

  wk_demo_window_set_visible_page (self->window, "playground");
  g_object_set (widget, "weak-mode", TRUE, NULL);
  playground (self, "playground.clear", NULL);
  self->base_finalized = get_uint (widget, "n-finalized-parents");
  destroy_a_parent (self);
}

static gboolean
weak_check (WkDemoTour *self,
            GString    *why)
{
  GtkWidget *widget = page (self, WK_TYPE_DEMO_PAGE_PLAYGROUND);
  gboolean ok = TRUE;

  EXPECT_UINT (widget, "n-finalized-parents", self->base_finalized + 1);
  EXPECT_UINT (widget, "n-leaked-parents", 0);
  EXPECT_UINT (widget, "n-live-parents", 1);
  EXPECT_UINT (widget, "n-orphans", 1);
  EXPECT_UINT (widget, "n-live-objects", 4);

  return orphan_state_is (self, WK_DEMO_PARENT_STATE_FINALIZED, why) && ok;
}

static void
strong_act (WkDemoTour *self)
{
  GtkWidget *widget = page (self, WK_TYPE_DEMO_PAGE_PLAYGROUND);

  playground (self, "playground.clear", NULL);
  self->base_finalized = get_uint (widget, "n-finalized-parents");
  g_object_set (widget, "weak-mode", FALSE, NULL);
  destroy_a_parent (self);
}

static gboolean
strong_check (WkDemoTour *self,
              GString    *why)
{
  GtkWidget *widget = page (self, WK_TYPE_DEMO_PAGE_PLAYGROUND);
  gboolean ok = TRUE;

  EXPECT_UINT (widget, "n-finalized-parents", self->base_finalized);
  EXPECT_UINT (widget, "n-leaked-parents", 1);
  EXPECT_UINT (widget, "n-live-parents", 2);
  EXPECT_UINT (widget, "n-orphans", 1);
  EXPECT_UINT (widget, "n-live-objects", 6);

  return orphan_state_is (self, WK_DEMO_PARENT_STATE_LEAKED, why) && ok;
}

static void
clear_act (WkDemoTour *self)
{
  playground (self, "playground.clear", NULL);
}

static gboolean
leak_check (WkDemoTour *self,
            GString    *why)
{
  GtkWidget *widget = page (self, WK_TYPE_DEMO_PAGE_PLAYGROUND);
  gboolean ok = TRUE;

  /* Both parents still hold a child (the orphan let go when it died):
   * two cycles of a parent and its children, five objects. */
  EXPECT_UINT (widget, "n-finalized-parents", self->base_finalized);
  EXPECT_UINT (widget, "n-leaked-parents", 2);
  EXPECT_UINT (widget, "n-live-objects", 5);
  EXPECT_UINT (widget, "n-orphans", 0);

  return ok;
}

static void
break_act (WkDemoTour *self)
{
  playground (self, "playground.break-cycles", NULL);
}

static gboolean
break_check (WkDemoTour *self,
             GString    *why)
{
  GtkWidget *widget = page (self, WK_TYPE_DEMO_PAGE_PLAYGROUND);
  gboolean ok = TRUE;

  EXPECT_UINT (widget, "n-finalized-parents", self->base_finalized + 2);
  EXPECT_UINT (widget, "n-leaked-parents", 0);
  EXPECT_UINT (widget, "n-live-objects", 0);

  return ok;
}

static void
browser_act (WkDemoTour *self)
{
  GtkWidget *widget = page (self, WK_TYPE_DEMO_PAGE_PLAYGROUND);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  g_object_set (widget, "weak-mode", TRUE, NULL);
  playground (self, "playground.new-parent", NULL);
  first = dup_string (widget, "last-parent");
  playground (self, "playground.add-child", first);
  g_free (self->found);
  self->found = dup_string (widget, "last-child");
  playground (self, "playground.add-child", first);
  playground (self, "playground.orphan-child", self->found);

  g_object_set (widget, "weak-mode", FALSE, NULL);
  playground (self, "playground.new-parent", NULL);
  second = dup_string (widget, "last-parent");
  playground (self, "playground.add-child", second);

  wk_demo_window_set_visible_page (self->window, "browser");
  gtk_widget_activate_action (page (self, WK_TYPE_DEMO_PAGE_BROWSER), "browser.find", "s", self->found);
}

static gboolean
browser_check (WkDemoTour *self,
               GString    *why)
{
  GtkWidget *widget = page (self, WK_TYPE_DEMO_PAGE_BROWSER);
  g_autofree char *selected = dup_string (widget, "selected-name");
  gboolean ok = TRUE;

  EXPECT_UINT (wk_demo_window_get_registry (self->window), "n-objects", 5);
  EXPECT_UINT (widget, "n-items", 5);
  EXPECT_UINT (widget, "n-names", 5);
  EXPECT_UINT (widget, "n-notes", 5);
  if (g_strcmp0 (selected, self->found) != 0)
    {
      g_string_append_printf (why, "the selection is %s, not %s; ", selected, self->found);
      ok = FALSE;
    }

  return ok;
}

/* Log lines for objects that died off the main thread, delivered on it. */
static guint
count_worker_events (WkDemoTour *self)
{
  GListModel *log = wk_demo_registry_get_log (wk_demo_window_get_registry (self->window));
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (log); i++)
    {
      g_autoptr(WkDemoEvent) event = g_list_model_get_item (log, i);

      if (g_str_equal (wk_demo_event_get_container (event), "WkKeyTable") &&
          !wk_demo_event_get_died_on_main_thread (event) &&
          wk_demo_event_get_delivered_on_main_thread (event))
        n++;
    }

  return n;
}

static void
log_act (WkDemoTour *self)
{
  wk_demo_window_set_visible_page (self->window, "log");
  self->n_worker_events = count_worker_events (self);
  gtk_widget_activate_action (page (self, WK_TYPE_DEMO_PAGE_LOG), "log.drop-on-worker", NULL);
}

static gboolean
log_check (WkDemoTour *self,
           GString    *why)
{
  GtkWidget *widget = page (self, WK_TYPE_DEMO_PAGE_LOG);
  guint n = count_worker_events (self);
  gboolean ok = TRUE;

  if (wk_demo_page_log_get_worker_busy (WK_DEMO_PAGE_LOG (widget)))
    {
      g_string_append (why, "the worker is still busy; ");
      ok = FALSE;
    }
  if (n != self->n_worker_events + WK_DEMO_PAGE_LOG_N_DOCUMENTS)
    {
      g_string_append_printf (why, "%u documents were logged dying on the worker, not %u; ",
                              n - self->n_worker_events, WK_DEMO_PAGE_LOG_N_DOCUMENTS);
      ok = FALSE;
    }
  EXPECT_UINT (wk_demo_window_get_registry (self->window), "n-objects", 5);

  return ok;
}

static void
stress_act (WkDemoTour *self)
{
  wk_demo_window_set_visible_page (self->window, "stress");
  gtk_widget_activate_action (page (self, WK_TYPE_DEMO_PAGE_STRESS), "stress.run", NULL);
}

static gboolean
stress_check (WkDemoTour *self,
              GString    *why)
{
  GtkWidget *widget = page (self, WK_TYPE_DEMO_PAGE_STRESS);
  guint n_widgets = get_uint (widget, "n-widgets");
  gint64 creation, registration, destruction, span;
  gboolean ok = TRUE;

  if (wk_demo_page_stress_get_running (WK_DEMO_PAGE_STRESS (widget)))
    {
      g_string_append (why, "still running; ");
      return FALSE;
    }

  EXPECT_UINT (widget, "n-signals", 3 * n_widgets);
  EXPECT_UINT (widget, "n-left", 0);

  g_object_get (widget,
                "creation-us", &creation,
                "registration-us", &registration,
                "destruction-us", &destruction,
                "signals-span-us", &span,
                NULL);
  g_printerr ("tour: stress: %u widgets: creation %.1f ms, registration %.1f ms, "
           "destruction %.1f ms, %u signals in %.1f ms\n",
           n_widgets, creation / 1000.0, registration / 1000.0, destruction / 1000.0,
           get_uint (widget, "n-signals"), span / 1000.0);

  return ok;
}

static void
end_act (WkDemoTour *self)
{
  GtkWidget *widget = page (self, WK_TYPE_DEMO_PAGE_PLAYGROUND);

  wk_demo_window_set_visible_page (self->window, "playground");
  playground (self, "playground.clear", NULL);
  /* The last parent held its child strongly: break that cycle too. */
  if (get_uint (widget, "n-leaked-parents") > 0)
    playground (self, "playground.break-cycles", NULL);
}

static gboolean
end_check (WkDemoTour *self,
           GString    *why)
{
  gboolean ok = TRUE;

  EXPECT_UINT (page (self, WK_TYPE_DEMO_PAGE_PLAYGROUND), "n-live-objects", 0);
  EXPECT_UINT (wk_demo_window_get_registry (self->window), "n-objects", 0);
  EXPECT_UINT (page (self, WK_TYPE_DEMO_PAGE_BROWSER), "n-items", 0);

  return ok;
}

static const Step steps[] = {
  { "00-start", start_act, start_check, 10 },
  { "01-playground-weak", weak_act, weak_check, 10 },
  { "02-playground-strong", strong_act, strong_check, 10 },
  { "03-playground-leak", clear_act, leak_check, 10 },
  { "04-playground-cycles-broken", break_act, break_check, 10 },
  { "05-browser", browser_act, browser_check, 10 },
  { "06-log", log_act, log_check, 30 },
  { "07-stress", stress_act, stress_check, 600 },
  { NULL, end_act, end_check, 10 },
};

/* Running them. */

static void
finish (WkDemoTour *self)
{
  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  self->finished = TRUE;
  g_printerr ("tour: %s: %u of %u steps as expected; screenshots in %s\n",
           *self->prefix != '\0' ? self->prefix : "all", (guint) G_N_ELEMENTS (steps) - self->n_failed,
           (guint) G_N_ELEMENTS (steps), self->directory);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED]);
}

static gboolean
shoot_cb (gpointer user_data)
{
  WkDemoTour *self = user_data;
  const Step *step = &steps[self->step];
  g_autoptr(GError) error = NULL;

  self->source_id = 0;

  if (step->name != NULL)
    {
      g_autofree char *file = g_strdup_printf ("%s%s.png", self->prefix, step->name);
      g_autofree char *path = g_build_filename (self->directory, file, NULL);

      if (!wk_demo_screenshot_save (GTK_WIDGET (self->window), path, &error))
        {
          g_printerr ("tour: %s%s: no screenshot: %s\n", self->prefix, step->name, error->message);
          self->n_failed++;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);
        }
    }

  self->step++;
  run_step (self);

  return G_SOURCE_REMOVE;
}

/* A tick callback keeps the frame clock running, so frames come even when
 * nothing changed; the third tick comes after two painted frames. */
static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *frame_clock,
         gpointer       user_data)
{
  WkDemoTour *self = user_data;

  if (++self->n_ticks < 3)
    return G_SOURCE_CONTINUE;

  self->tick_id = 0;
  /* From the main loop, not from inside the frame. */
  self->source_id = g_idle_add (shoot_cb, self);

  return G_SOURCE_REMOVE;
}

static gboolean
poll_cb (gpointer user_data)
{
  WkDemoTour *self = user_data;
  const Step *step = &steps[self->step];
  g_autoptr(GString) why = g_string_new (NULL);
  const char *name = step->name != NULL ? step->name : "end";

  if (!step->check (self, why))
    {
      if (g_get_monotonic_time () < self->deadline)
        return G_SOURCE_CONTINUE;

      g_printerr ("tour: %s%s: NOT as expected: %s\n", self->prefix, name, why->str);
      self->n_failed++;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);
    }
  else
    g_printerr ("tour: %s%s: as expected\n", self->prefix, name);

  /* Shoot once two frames were painted after the step: however slow the
   * machine, GTK has laid out and drawn what the step changed. */
  self->source_id = 0;
  self->n_ticks = 0;
  self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->window), tick_cb, self, NULL);

  return G_SOURCE_REMOVE;
}

static void
run_step (WkDemoTour *self)
{
  const Step *step;

  if (self->step == G_N_ELEMENTS (steps))
    {
      finish (self);
      return;
    }

  step = &steps[self->step];
  step->act (self);
  self->deadline = g_get_monotonic_time () + step->timeout_s * G_USEC_PER_SEC;
  self->source_id = g_timeout_add (50, poll_cb, self);
}

/* A tour that hangs must fail, not stall whoever runs it. */
static gboolean
watchdog_cb (gpointer user_data)
{
  WkDemoTour *self = user_data;

  self->watchdog_id = 0;
  g_clear_handle_id (&self->source_id, g_source_remove);
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->window), self->tick_id);
  self->tick_id = 0;

  g_printerr ("tour: %sgave up at step %u of %u after %u minutes\n", self->prefix,
              self->step + 1, (guint) G_N_ELEMENTS (steps), WATCHDOG_MINUTES);
  self->n_failed++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FAILED]);
  finish (self);

  return G_SOURCE_REMOVE;
}

static gboolean
wait_for_window_cb (gpointer user_data)
{
  WkDemoTour *self = user_data;

  if (!gtk_widget_get_mapped (GTK_WIDGET (self->window)) ||
      gtk_widget_get_width (GTK_WIDGET (self->window)) == 0)
    return G_SOURCE_CONTINUE;

  self->source_id = 0;
  run_step (self);

  return G_SOURCE_REMOVE;
}

static void
wk_demo_tour_dispose (GObject *object)
{
  WkDemoTour *self = WK_DEMO_TOUR (object);

  g_clear_handle_id (&self->source_id, g_source_remove);
  g_clear_handle_id (&self->watchdog_id, g_source_remove);
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->window), self->tick_id);
  self->tick_id = 0;
  g_clear_object (&self->window);

  G_OBJECT_CLASS (wk_demo_tour_parent_class)->dispose (object);
}

static void
wk_demo_tour_finalize (GObject *object)
{
  WkDemoTour *self = WK_DEMO_TOUR (object);

  g_free (self->directory);
  g_free (self->prefix);
  g_free (self->orphan);
  g_free (self->found);

  G_OBJECT_CLASS (wk_demo_tour_parent_class)->finalize (object);
}

static void
wk_demo_tour_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  WkDemoTour *self = WK_DEMO_TOUR (object);

  switch (prop_id)
    {
    case PROP_FINISHED:
      g_value_set_boolean (value, self->finished);
      break;
    case PROP_N_FAILED:
      g_value_set_uint (value, self->n_failed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_tour_class_init (WkDemoTourClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wk_demo_tour_dispose;
  object_class->finalize = wk_demo_tour_finalize;
  object_class->get_property = wk_demo_tour_get_property;

  /**
   * WkDemoTour:finished:
   *
   * Whether every step ran.
   */
  properties[PROP_FINISHED] =
    g_param_spec_boolean ("finished", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoTour:n-failed:
   *
   * How many steps did not see what they expected, or wrote no
   * screenshot.
   */
  properties[PROP_N_FAILED] =
    g_param_spec_uint ("n-failed", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wk_demo_tour_init (WkDemoTour *self)
{
}

/**
 * wk_demo_tour_new:
 * @window: the window to walk through
 * @directory: where to write the screenshots; it must exist
 * @prefix: what to put before each file name, such as "de-"
 */
WkDemoTour *
wk_demo_tour_new (WkDemoWindow *window,
                  const char   *directory,
                  const char   *prefix)
{
  WkDemoTour *self;

  g_return_val_if_fail (WK_IS_DEMO_WINDOW (window), NULL);
  g_return_val_if_fail (directory != NULL, NULL);

  self = g_object_new (WK_TYPE_DEMO_TOUR, NULL);
  self->window = g_object_ref (window);
  self->directory = g_strdup (directory);
  self->prefix = g_strdup (prefix != NULL ? prefix : "");

  return self;
}

/**
 * wk_demo_tour_set_expect_translated:
 *
 * Makes the first step check that the interface is translated.
 */
void
wk_demo_tour_set_expect_translated (WkDemoTour *self,
                                    gboolean    expect_translated)
{
  g_return_if_fail (WK_IS_DEMO_TOUR (self));

  self->expect_translated = expect_translated;
}

/**
 * wk_demo_tour_start:
 *
 * Starts the tour once the window is shown. It runs from the main loop;
 * [property@DemoTour:finished] turns %TRUE at its end.
 */
void
wk_demo_tour_start (WkDemoTour *self)
{
  g_return_if_fail (WK_IS_DEMO_TOUR (self));
  g_return_if_fail (self->source_id == 0 && !self->finished);

  self->source_id = g_timeout_add (50, wait_for_window_cb, self);
  self->watchdog_id = g_timeout_add_seconds (WATCHDOG_MINUTES * 60, watchdog_cb, self);
}

gboolean
wk_demo_tour_get_finished (WkDemoTour *self)
{
  g_return_val_if_fail (WK_IS_DEMO_TOUR (self), FALSE);

  return self->finished;
}

guint
wk_demo_tour_get_n_steps (WkDemoTour *self)
{
  g_return_val_if_fail (WK_IS_DEMO_TOUR (self), 0);

  return G_N_ELEMENTS (steps);
}

guint
wk_demo_tour_get_n_failed (WkDemoTour *self)
{
  g_return_val_if_fail (WK_IS_DEMO_TOUR (self), 0);

  return self->n_failed;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <wobj.h>

#include "wk-demo-page-stress.h"

/**
 * WkDemoPageStress:
 *
 * Creates N labels, holds each in a `WkSet`, a `WkValueTable` and a
 * `WkKeyTable` of the page's own, drops them all and times each phase:
 * creation, registration, destruction (the last unrefs, which include
 * wobj's bookkeeping and its signals: a death on the containers' thread
 * is signalled before the unref returns) and the span from the first to
 * the last of the 3 N signals, within the destruction.
 *
 * The work runs in chunks from an idle on the main loop, so the window
 * keeps drawing and answering; the times add up the chunks only.
 */

#define CHUNK 500

typedef enum {
  PHASE_IDLE,
  PHASE_CREATE,
  PHASE_DESTROY,
} Phase;

struct _WkDemoPageStress
{
  AdwBin        parent_instance;

  GtkWidget    *n_widgets_spin;
  GtkWidget    *progress_bar;
  GtkWidget    *results_group;
  GtkWidget    *creation_label;
  GtkWidget    *registration_label;
  GtkWidget    *destruction_label;
  GtkWidget    *signals_row;
  GtkWidget    *signals_label;

  Phase         phase;
  guint         n_widgets;      /* of the run under way */
  guint         done;           /* in this phase */
  guint         idle_id;
  GPtrArray    *widgets;        /* the only references */
  WkSet        *set;
  WkValueTable *names;
  WkKeyTable   *numbers;

  gint64        creation_us;
  gint64        registration_us;
  gint64        destruction_us;
  gint64        first_signal_us;  /* in the chunk under way, 0 for none yet */
  gint64        last_signal_us;
  gint64        signals_us;       /* first to last signal, chunk by chunk */
  guint         n_signals;
  guint         n_left;
};

enum {
  PROP_0,
  PROP_N_WIDGETS,
  PROP_RUNNING,
  PROP_FRACTION,
  PROP_CREATION_US,
  PROP_REGISTRATION_US,
  PROP_DESTRUCTION_US,
  PROP_SIGNALS_SPAN_US,
  PROP_N_SIGNALS,
  PROP_N_LEFT,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (WkDemoPageStress, wk_demo_page_stress, ADW_TYPE_BIN)

static GParamSpec *properties[N_PROPS];

/* The destruction phase clears the array's slots as it goes. */
static void
unref_widget (gpointer widget)
{
  if (widget != NULL)
    g_object_unref (widget);
}

static void
signal_cb (WkDemoPageStress *self)
{
  gint64 now = g_get_monotonic_time ();

  self->n_signals++;
  if (self->first_signal_us == 0)
    self->first_signal_us = now;
  self->last_signal_us = now;
}

static char *
format_duration (gint64 us,
                 guint  n)
{
  /* Translators: a duration in milliseconds, then the time per widget in
   * microseconds. */
  return g_strdup_printf (_("%.1f ms · %.2f µs each"), us / 1000.0, n > 0 ? (double) us / n : 0.0);
}

static void
show_progress (WkDemoPageStress *self)
{
  double fraction = 0;
  g_autofree char *text = NULL;

  if (self->phase == PHASE_CREATE)
    {
      fraction = 0.5 * self->done / self->n_widgets;
      /* Translators: progress of the stress test. */
      text = g_strdup_printf (_("Creating: %u of %u"), self->done, self->n_widgets);
    }
  else if (self->phase == PHASE_DESTROY)
    {
      fraction = 0.5 + 0.5 * self->done / self->n_widgets;
      text = g_strdup_printf (_("Dropping: %u of %u"), self->done, self->n_widgets);
    }
  else if (self->n_widgets > 0)
    {
      fraction = 1;
      text = g_strdup_printf (_("Done: %u widgets created and finalized"), self->n_widgets);
    }
  else
    text = g_strdup (_("Not run yet"));

  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), fraction);
  gtk_progress_bar_set_text (GTK_PROGRESS_BAR (self->progress_bar), text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
}

static void
show_results (WkDemoPageStress *self)
{
  g_autofree char *creation = format_duration (self->creation_us, self->n_widgets);
  g_autofree char *registration = format_duration (self->registration_us, self->n_widgets);
  g_autofree char *destruction = format_duration (self->destruction_us, self->n_widgets);
  g_autofree char *signals = NULL;
  g_autofree char *subtitle = NULL;

  gtk_label_set_label (GTK_LABEL (self->creation_label), creation);
  gtk_label_set_label (GTK_LABEL (self->registration_label), registration);
  gtk_label_set_label (GTK_LABEL (self->destruction_label), destruction);

  /* Translators: how many object-finalized signals arrived. */
  signals = g_strdup_printf (_("%u in %.1f ms"), self->n_signals,
                             self->signals_us / 1000.0);
  gtk_label_set_label (GTK_LABEL (self->signals_label), signals);

  if (self->n_signals == 3 * self->n_widgets && self->n_left == 0)
    subtitle = g_strdup (_("Three object-finalized signals per widget, one from each container, from the first to the last; every container is empty again"));
  else
    subtitle = g_strdup_printf (_("Expected %u signals and empty containers, but %u entries are left"),
                                3 * self->n_widgets, self->n_left);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->signals_row), subtitle);

  gtk_widget_set_visible (self->results_group, TRUE);
}

static void
finish (WkDemoPageStress *self)
{
  g_autofree char *text = NULL;

  self->phase = PHASE_IDLE;
  self->idle_id = 0;
  self->n_left = wk_set_get_size (self->set) + wk_value_table_get_size (self->names) +
                 wk_key_table_get_size (self->numbers);

  g_signal_handlers_disconnect_by_data (self->set, self);
  g_signal_handlers_disconnect_by_data (self->names, self);
  g_signal_handlers_disconnect_by_data (self->numbers, self);
  g_clear_object (&self->set);
  g_clear_object (&self->names);
  g_clear_object (&self->numbers);
  g_clear_pointer (&self->widgets, g_ptr_array_unref);

  show_progress (self);
  show_results (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "stress.run", TRUE);

  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = PROP_RUNNING; i < N_PROPS; i++)
    g_object_notify_by_pspec (G_OBJECT (self), properties[i]);
  g_object_thaw_notify (G_OBJECT (self));

  text = g_strdup_printf (_("Stress test: %u widgets created and finalized"), self->n_widgets);
  gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", text);
}

static gboolean
step_cb (gpointer user_data)
{
  WkDemoPageStress *self = user_data;
  guint end = MIN (self->done + CHUNK, self->n_widgets);
  gint64 start;

  if (self->phase == PHASE_CREATE)
    {
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      gint64 created;

      start = g_get_monotonic_time ();
      for (guint i = self->done; i < end; i++)
        {
          g_ptr_array_add (self->widgets, g_object_ref_sink (gtk_label_new (NULL)));
          g_ptr_array_add (names, g_strdup_printf ("label-%u", i));
        }
      created = g_get_monotonic_time ();
      for (guint i = self->done; i < end; i++)
        {
          gpointer widget = self->widgets->pdata[i];

          wk_set_add (self->set, widget);
          wk_value_table_insert (self->names, names->pdata[i - self->done], widget);
          wk_key_table_insert (self->numbers, widget, GUINT_TO_POINTER (i + 1));
        }
      self->creation_us += created - start;
      self->registration_us += g_get_monotonic_time () - created;
    }
  else
    {
      self->first_signal_us = 0;
      start = g_get_monotonic_time ();
      for (guint i = self->done; i < end; i++)
        g_clear_object (&self->widgets->pdata[i]);
      self->destruction_us += g_get_monotonic_time () - start;
      /* Chunk by chunk: the pauses between chunks are not the signals'. */
      if (self->first_signal_us != 0)
        self->signals_us += self->last_signal_us - self->first_signal_us;
    }

  self->done = end;
  if (self->done == self->n_widgets)
    {
      if (self->phase == PHASE_DESTROY)
        {
          finish (self);
          return G_SOURCE_REMOVE;
        }

      self->phase = PHASE_DESTROY;
      self->done = 0;
    }

  show_progress (self);

  return G_SOURCE_CONTINUE;
}

static void
run_action_cb (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WkDemoPageStress *self = WK_DEMO_PAGE_STRESS (widget);

  if (self->phase != PHASE_IDLE)
    return;

  self->n_widgets = wk_demo_page_stress_get_n_widgets (self);
  self->done = 0;
  self->creation_us = self->registration_us = self->destruction_us = 0;
  self->first_signal_us = self->last_signal_us = self->signals_us = 0;
  self->n_signals = 0;
  self->n_left = 0;
  self->widgets = g_ptr_array_new_full (self->n_widgets, unref_widget);
  self->set = wk_set_new (GTK_TYPE_WIDGET);
  self->names = wk_value_table_new ();
  self->numbers = wk_key_table_new_full (NULL, NULL);
  g_signal_connect_swapped (self->set, "object-finalized", G_CALLBACK (signal_cb), self);
  g_signal_connect_swapped (self->names, "object-finalized", G_CALLBACK (signal_cb), self);
  g_signal_connect_swapped (self->numbers, "object-finalized", G_CALLBACK (signal_cb), self);

  self->phase = PHASE_CREATE;
  gtk_widget_action_set_enabled (widget, "stress.run", FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  show_progress (self);

  /* Below GTK's drawing priority: the window redraws between chunks. */
  self->idle_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, step_cb, self, NULL);
}

static void
wk_demo_page_stress_dispose (GObject *object)
{
  WkDemoPageStress *self = WK_DEMO_PAGE_STRESS (object);

  g_clear_handle_id (&self->idle_id, g_source_remove);
  if (self->set != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->set, self);
      g_signal_handlers_disconnect_by_data (self->names, self);
      g_signal_handlers_disconnect_by_data (self->numbers, self);
    }
  g_clear_pointer (&self->widgets, g_ptr_array_unref);
  g_clear_object (&self->set);
  g_clear_object (&self->names);
  g_clear_object (&self->numbers);

  gtk_widget_dispose_template (GTK_WIDGET (self), WK_TYPE_DEMO_PAGE_STRESS);

  G_OBJECT_CLASS (wk_demo_page_stress_parent_class)->dispose (object);
}

static void
wk_demo_page_stress_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  WkDemoPageStress *self = WK_DEMO_PAGE_STRESS (object);

  switch (prop_id)
    {
    case PROP_N_WIDGETS:
      g_value_set_uint (value, wk_demo_page_stress_get_n_widgets (self));
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->phase != PHASE_IDLE);
      break;
    case PROP_FRACTION:
      g_value_set_double (value, gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (self->progress_bar)));
      break;
    case PROP_CREATION_US:
      g_value_set_int64 (value, self->creation_us);
      break;
    case PROP_REGISTRATION_US:
      g_value_set_int64 (value, self->registration_us);
      break;
    case PROP_DESTRUCTION_US:
      g_value_set_int64 (value, self->destruction_us);
      break;
    case PROP_SIGNALS_SPAN_US:
      g_value_set_int64 (value, self->signals_us);
      break;
    case PROP_N_SIGNALS:
      g_value_set_uint (value, self->n_signals);
      break;
    case PROP_N_LEFT:
      g_value_set_uint (value, self->n_left);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_page_stress_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  WkDemoPageStress *self = WK_DEMO_PAGE_STRESS (object);

  switch (prop_id)
    {
    case PROP_N_WIDGETS:
      wk_demo_page_stress_set_n_widgets (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
n_widgets_changed_cb (WkDemoPageStress *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_WIDGETS]);
}

static void
wk_demo_page_stress_class_init (WkDemoPageStressClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wk_demo_page_stress_dispose;
  object_class->get_property = wk_demo_page_stress_get_property;
  object_class->set_property = wk_demo_page_stress_set_property;

  /**
   * WkDemoPageStress:n-widgets:
   *
   * How many widgets the next run creates and drops.
   */
  properties[PROP_N_WIDGETS] =
    g_param_spec_uint ("n-widgets", NULL, NULL, 100, 1000000, 10000,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageStress:running:
   *
   * Whether a run is under way.
   */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageStress:fraction:
   *
   * How much of the run is done, from 0 to 1.
   */
  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageStress:creation-us:
   *
   * The last run's time making the widgets, in microseconds.
   */
  properties[PROP_CREATION_US] =
    g_param_spec_int64 ("creation-us", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageStress:registration-us:
   *
   * The last run's time adding them to the three containers.
   */
  properties[PROP_REGISTRATION_US] =
    g_param_spec_int64 ("registration-us", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageStress:destruction-us:
   *
   * The last run's time in the last unrefs, signals included.
   */
  properties[PROP_DESTRUCTION_US] =
    g_param_spec_int64 ("destruction-us", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageStress:signals-span-us:
   *
   * The time from the last run's first `object-finalized` to its last,
   * without the pauses between chunks: a part of the destruction.
   */
  properties[PROP_SIGNALS_SPAN_US] =
    g_param_spec_int64 ("signals-span-us", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageStress:n-signals:
   *
   * How many `object-finalized` signals the last run received: three per
   * widget.
   */
  properties[PROP_N_SIGNALS] =
    g_param_spec_uint ("n-signals", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageStress:n-left:
   *
   * How many entries the last run's containers still had at its end:
   * zero.
   */
  properties[PROP_N_LEFT] =
    g_param_spec_uint ("n-left", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wobj/Demo/pages/stress/wk-demo-page-stress.ui");
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageStress, n_widgets_spin);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageStress, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageStress, results_group);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageStress, creation_label);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageStress, registration_label);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageStress, destruction_label);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageStress, signals_row);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageStress, signals_label);

  gtk_widget_class_install_action (widget_class, "stress.run", NULL, run_action_cb);
}

static void
wk_demo_page_stress_init (WkDemoPageStress *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_swapped (self->n_widgets_spin, "value-changed", G_CALLBACK (n_widgets_changed_cb), self);
  gtk_widget_set_visible (self->results_group, FALSE);
  show_progress (self);
}

guint
wk_demo_page_stress_get_n_widgets (WkDemoPageStress *self)
{
  g_return_val_if_fail (WK_IS_DEMO_PAGE_STRESS (self), 0);

  return (guint) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->n_widgets_spin));
}

void
wk_demo_page_stress_set_n_widgets (WkDemoPageStress *self,
                                   guint             n_widgets)
{
  g_return_if_fail (WK_IS_DEMO_PAGE_STRESS (self));

  /* The spin button notifies through value-changed. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->n_widgets_spin), n_widgets);
}

gboolean
wk_demo_page_stress_get_running (WkDemoPageStress *self)
{
  g_return_val_if_fail (WK_IS_DEMO_PAGE_STRESS (self), FALSE);

  return self->phase != PHASE_IDLE;
}

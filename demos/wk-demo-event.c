/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "wk-demo-event.h"

/**
 * WkDemoEvent:
 *
 * One line of the event log: an `object-finalized` signal as it arrived,
 * from which container, about which key or value, the thread the object
 * died on and the thread the signal was delivered on. Its properties are
 * what the log's columns show.
 */

struct _WkDemoEvent
{
  GObject   parent_instance;

  char     *time;
  char     *container;
  char     *detail;
  char     *died_on;
  gboolean  died_on_main_thread;
  char     *delivered_on;
  gboolean  delivered_on_main_thread;
};

enum {
  PROP_0,
  PROP_TIME,
  PROP_CONTAINER,
  PROP_DETAIL,
  PROP_DIED_ON,
  PROP_DELIVERED_ON,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (WkDemoEvent, wk_demo_event, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static GThread *main_thread;

static void
wk_demo_event_finalize (GObject *object)
{
  WkDemoEvent *self = WK_DEMO_EVENT (object);

  g_free (self->time);
  g_free (self->container);
  g_free (self->detail);
  g_free (self->died_on);
  g_free (self->delivered_on);

  G_OBJECT_CLASS (wk_demo_event_parent_class)->finalize (object);
}

static void
wk_demo_event_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  WkDemoEvent *self = WK_DEMO_EVENT (object);

  switch (prop_id)
    {
    case PROP_TIME:
      g_value_set_string (value, self->time);
      break;
    case PROP_CONTAINER:
      g_value_set_string (value, self->container);
      break;
    case PROP_DETAIL:
      g_value_set_string (value, self->detail);
      break;
    case PROP_DIED_ON:
      g_value_set_string (value, self->died_on);
      break;
    case PROP_DELIVERED_ON:
      g_value_set_string (value, self->delivered_on);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_event_class_init (WkDemoEventClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  /* The first event is made on the main thread, where the signals are
   * delivered. */
  main_thread = g_thread_self ();

  object_class->finalize = wk_demo_event_finalize;
  object_class->get_property = wk_demo_event_get_property;

  /** WkDemoEvent:time: when the signal arrived, as hours to milliseconds */
  properties[PROP_TIME] =
    g_param_spec_string ("time", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /** WkDemoEvent:container: the type of the container that emitted it */
  properties[PROP_CONTAINER] =
    g_param_spec_string ("container", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /** WkDemoEvent:detail: the key or value the signal carried */
  properties[PROP_DETAIL] =
    g_param_spec_string ("detail", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /** WkDemoEvent:died-on: the thread the object was finalized on */
  properties[PROP_DIED_ON] =
    g_param_spec_string ("died-on", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /** WkDemoEvent:delivered-on: the thread the signal was emitted on */
  properties[PROP_DELIVERED_ON] =
    g_param_spec_string ("delivered-on", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wk_demo_event_init (WkDemoEvent *self)
{
}

/**
 * wk_demo_event_new:
 * @container: the container's type name
 * @detail: the key or value the signal carried, for people to read
 * @died_on: (nullable): the thread the object died on, %NULL if unknown
 * @died_on_main_thread: whether that was the main thread
 *
 * Makes a log line for a signal being delivered now, on the calling
 * thread.
 */
WkDemoEvent *
wk_demo_event_new (const char *container,
                   const char *detail,
                   const char *died_on,
                   gboolean    died_on_main_thread)
{
  WkDemoEvent *self = g_object_new (WK_TYPE_DEMO_EVENT, NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *seconds = g_date_time_format (now, "%H:%M:%S");

  self->time = g_strdup_printf ("%s.%03d", seconds, g_date_time_get_microsecond (now) / 1000);
  self->container = g_strdup (container);
  self->detail = g_strdup (detail);
  /* Translators: the thread an object died on is not known: a WkSet's
   * signal does not say which member it was. */
  self->died_on = g_strdup (died_on != NULL ? died_on : _("not said"));
  self->died_on_main_thread = died_on != NULL && died_on_main_thread;
  self->delivered_on_main_thread = g_thread_self () == main_thread;
  self->delivered_on = g_strdup (self->delivered_on_main_thread ? _("main thread") : _("another thread"));

  return self;
}

const char *
wk_demo_event_get_time (WkDemoEvent *self)
{
  g_return_val_if_fail (WK_IS_DEMO_EVENT (self), NULL);

  return self->time;
}

const char *
wk_demo_event_get_container (WkDemoEvent *self)
{
  g_return_val_if_fail (WK_IS_DEMO_EVENT (self), NULL);

  return self->container;
}

const char *
wk_demo_event_get_detail (WkDemoEvent *self)
{
  g_return_val_if_fail (WK_IS_DEMO_EVENT (self), NULL);

  return self->detail;
}

const char *
wk_demo_event_get_died_on (WkDemoEvent *self)
{
  g_return_val_if_fail (WK_IS_DEMO_EVENT (self), NULL);

  return self->died_on;
}

gboolean
wk_demo_event_get_died_on_main_thread (WkDemoEvent *self)
{
  g_return_val_if_fail (WK_IS_DEMO_EVENT (self), FALSE);

  return self->died_on_main_thread;
}

const char *
wk_demo_event_get_delivered_on (WkDemoEvent *self)
{
  g_return_val_if_fail (WK_IS_DEMO_EVENT (self), NULL);

  return self->delivered_on;
}

gboolean
wk_demo_event_get_delivered_on_main_thread (WkDemoEvent *self)
{
  g_return_val_if_fail (WK_IS_DEMO_EVENT (self), FALSE);

  return self->delivered_on_main_thread;
}

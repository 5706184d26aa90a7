/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "wk-demo-document.h"
#include "wk-demo-event.h"
#include "wk-demo-page-log.h"

/**
 * WkDemoPageLog:
 *
 * The event log: every `object-finalized` signal the registry's
 * containers and the children's `WkRef`s emit, as it arrives, newest
 * first.
 *
 * Its button shows cross-thread delivery. GTK widgets must be finalized
 * on the main thread, so it drops plain GObjects instead:
 * [class@DemoDocument]s, registered like the widgets, whose last
 * reference a worker thread drops. The log then says they died on the
 * worker and that wobj delivered the signals on the main thread.
 */

struct _WkDemoPageLog
{
  AdwBin          parent_instance;

  GtkWidget      *stack;
  GtkWidget      *column_view;

  WkDemoRegistry *registry;
  guint           next_document;
  gboolean        worker_busy;
  GdkFrameClock  *frame_clock;
  gulong          after_paint_id;
};

enum {
  PROP_0,
  PROP_REGISTRY,
  PROP_N_ENTRIES,
  PROP_WORKER_BUSY,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (WkDemoPageLog, wk_demo_page_log, ADW_TYPE_BIN)

static GParamSpec *properties[N_PROPS];

typedef struct
{
  WkDemoPageLog *self;       /* a reference, released on the main thread */
  GPtrArray     *documents;  /* the only references to them */
  GThread       *thread;
} Worker;

/* Joins the worker on the main thread once it is done, so that no thread
 * outlives the page unnoticed. */
static gboolean
join_worker_cb (gpointer data)
{
  Worker *worker = data;

  g_thread_join (worker->thread);
  worker->self->worker_busy = FALSE;
  gtk_widget_action_set_enabled (GTK_WIDGET (worker->self), "log.drop-on-worker", TRUE);
  g_object_notify_by_pspec (G_OBJECT (worker->self), properties[PROP_WORKER_BUSY]);

  g_object_unref (worker->self);
  g_free (worker);

  return G_SOURCE_REMOVE;
}

/* Drops each document with a pause in between, so that the log shows the
 * signals arriving one by one. */
static gpointer
drop_documents_thread (gpointer data)
{
  Worker *worker = data;

  for (guint i = 0; i < worker->documents->len; i++)
    {
      g_usleep (150 * 1000);
      g_clear_object (&worker->documents->pdata[i]);
    }
  g_clear_pointer (&worker->documents, g_ptr_array_unref);

  g_idle_add (join_worker_cb, worker);

  return NULL;
}

static void
drop_on_worker_action_cb (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  WkDemoPageLog *self = WK_DEMO_PAGE_LOG (widget);
  Worker *worker;

  if (self->worker_busy || self->registry == NULL)
    return;

  worker = g_new0 (Worker, 1);
  worker->self = g_object_ref (self);
  worker->documents = g_ptr_array_new ();

  for (guint i = 0; i < WK_DEMO_PAGE_LOG_N_DOCUMENTS; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *title = NULL;
      WkDemoDocument *document;

      self->next_document++;
      name = g_strdup_printf ("document-%u", self->next_document);
      /* Translators: the title of the n-th document. */
      title = g_strdup_printf (_("Document %u"), self->next_document);
      document = wk_demo_document_new (title);
      wk_demo_registry_add (self->registry, document, name);
      g_ptr_array_add (worker->documents, document);
    }

  self->worker_busy = TRUE;
  gtk_widget_action_set_enabled (widget, "log.drop-on-worker", FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKER_BUSY]);

  /* From here the worker holds the only references to the documents. */
  worker->thread = g_thread_new ("wk-demo-worker", drop_documents_thread, worker);
}

static void
clear_action_cb (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  WkDemoPageLog *self = WK_DEMO_PAGE_LOG (widget);

  if (self->registry != NULL)
    wk_demo_registry_clear_log (self->registry);
}

/* Newest first, and the newest in sight: a list view keeps its first
 * row where it was when rows come in above it, so once the frame that
 * laid out the new rows is painted, scroll back to the top. */
static void
after_paint_cb (GdkFrameClock *frame_clock,
                WkDemoPageLog *self)
{
  GtkScrollable *scrollable = GTK_SCROLLABLE (self->column_view);

  g_clear_signal_handler (&self->after_paint_id, frame_clock);
  g_clear_object (&self->frame_clock);
  gtk_adjustment_set_value (gtk_scrollable_get_vadjustment (scrollable), 0);
}

static void
scroll_to_top_after_paint (WkDemoPageLog *self)
{
  GdkFrameClock *frame_clock = gtk_widget_get_frame_clock (self->column_view);

  if (frame_clock == NULL)
    return;
  if (frame_clock == self->frame_clock && g_signal_handler_is_connected (frame_clock, self->after_paint_id))
    return;

  self->after_paint_id = 0;
  g_clear_object (&self->frame_clock);

  self->frame_clock = g_object_ref (frame_clock);
  self->after_paint_id = g_signal_connect (frame_clock, "after-paint", G_CALLBACK (after_paint_cb), self);
}

static void
n_events_changed_cb (WkDemoPageLog *self)
{
  guint n = g_list_model_get_n_items (wk_demo_registry_get_log (self->registry));

  scroll_to_top_after_paint (self);

  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), n > 0 ? "log" : "empty");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ENTRIES]);
}

static void
wk_demo_page_log_dispose (GObject *object)
{
  WkDemoPageLog *self = WK_DEMO_PAGE_LOG (object);

  /* An unrealized window disposes its frame clock, handlers and all. */
  if (self->frame_clock != NULL && g_signal_handler_is_connected (self->frame_clock, self->after_paint_id))
    g_signal_handler_disconnect (self->frame_clock, self->after_paint_id);
  self->after_paint_id = 0;
  g_clear_object (&self->frame_clock);
  if (self->registry != NULL)
    g_signal_handlers_disconnect_by_data (self->registry, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), WK_TYPE_DEMO_PAGE_LOG);

  G_OBJECT_CLASS (wk_demo_page_log_parent_class)->dispose (object);
}

static void
wk_demo_page_log_finalize (GObject *object)
{
  WkDemoPageLog *self = WK_DEMO_PAGE_LOG (object);

  g_clear_object (&self->registry);

  G_OBJECT_CLASS (wk_demo_page_log_parent_class)->finalize (object);
}

static void
wk_demo_page_log_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  WkDemoPageLog *self = WK_DEMO_PAGE_LOG (object);

  switch (prop_id)
    {
    case PROP_REGISTRY:
      g_value_set_object (value, self->registry);
      break;
    case PROP_N_ENTRIES:
      g_value_set_uint (value, self->registry != NULL
                               ? g_list_model_get_n_items (wk_demo_registry_get_log (self->registry))
                               : 0);
      break;
    case PROP_WORKER_BUSY:
      g_value_set_boolean (value, self->worker_busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_page_log_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  WkDemoPageLog *self = WK_DEMO_PAGE_LOG (object);

  switch (prop_id)
    {
    case PROP_REGISTRY:
      wk_demo_page_log_set_registry (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_page_log_class_init (WkDemoPageLogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wk_demo_page_log_dispose;
  object_class->finalize = wk_demo_page_log_finalize;
  object_class->get_property = wk_demo_page_log_get_property;
  object_class->set_property = wk_demo_page_log_set_property;

  /**
   * WkDemoPageLog:registry:
   *
   * The registry whose log the page shows, and where it registers its
   * documents.
   */
  properties[PROP_REGISTRY] =
    g_param_spec_object ("registry", NULL, NULL, WK_TYPE_DEMO_REGISTRY,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageLog:n-entries:
   *
   * How many lines the log has.
   */
  properties[PROP_N_ENTRIES] =
    g_param_spec_uint ("n-entries", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageLog:worker-busy:
   *
   * Whether a worker thread is dropping documents.
   */
  properties[PROP_WORKER_BUSY] =
    g_param_spec_boolean ("worker-busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The column factories' expressions name the type. */
  g_type_ensure (WK_TYPE_DEMO_EVENT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wobj/Demo/pages/log/wk-demo-page-log.ui");
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageLog, stack);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageLog, column_view);

  gtk_widget_class_install_action (widget_class, "log.drop-on-worker", NULL, drop_on_worker_action_cb);
  gtk_widget_class_install_action (widget_class, "log.clear", NULL, clear_action_cb);
}

static void
wk_demo_page_log_init (WkDemoPageLog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

WkDemoRegistry *
wk_demo_page_log_get_registry (WkDemoPageLog *self)
{
  g_return_val_if_fail (WK_IS_DEMO_PAGE_LOG (self), NULL);

  return self->registry;
}

void
wk_demo_page_log_set_registry (WkDemoPageLog  *self,
                               WkDemoRegistry *registry)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_return_if_fail (WK_IS_DEMO_PAGE_LOG (self));
  g_return_if_fail (registry == NULL || WK_IS_DEMO_REGISTRY (registry));

  if (self->registry == registry)
    return;

  if (self->registry != NULL)
    g_signal_handlers_disconnect_by_data (self->registry, self);
  g_set_object (&self->registry, registry);

  if (registry != NULL)
    {
      selection = gtk_no_selection_new (g_object_ref (wk_demo_registry_get_log (registry)));
      g_signal_connect_swapped (registry, "notify::n-events", G_CALLBACK (n_events_changed_cb), self);
      n_events_changed_cb (self);
    }
  gtk_column_view_set_model (GTK_COLUMN_VIEW (self->column_view), GTK_SELECTION_MODEL (selection));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGISTRY]);
}

gboolean
wk_demo_page_log_get_worker_busy (WkDemoPageLog *self)
{
  g_return_val_if_fail (WK_IS_DEMO_PAGE_LOG (self), FALSE);

  return self->worker_busy;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "wk-demo-page-browser.h"
#include "wk-demo-page-log.h"
#include "wk-demo-page-playground.h"
#include "wk-demo-page-stress.h"
#include "wk-demo-window.h"

/**
 * WkDemoWindow:
 *
 * The demo's window: a header bar with a view switcher over the pages, and
 * toasts. It owns the [class@DemoRegistry] of every object the demo makes
 * and hands it to the pages; it knows its pages only by their type.
 *
 * The pages reach the window through two actions: `win.toast` (a string
 * to show) and `win.show-page` (a page name).
 */

struct _WkDemoWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  AdwViewStack         *stack;

  WkDemoRegistry       *registry;
  AdwToast             *toast;     /* weak: the one shown last */
};

enum {
  PROP_0,
  PROP_REGISTRY,
  PROP_VISIBLE_PAGE,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (WkDemoWindow, wk_demo_window, ADW_TYPE_APPLICATION_WINDOW)

static GParamSpec *properties[N_PROPS];

/* The demo's style sheet, once per display. It is not called style.css so
 * that AdwApplication does not load it a second time; the tests make the
 * window without an application and need it too. */
static void
load_css (GdkDisplay *display)
{
  g_autoptr(GtkCssProvider) provider = NULL;

  if (g_object_get_data (G_OBJECT (display), "wk-demo-css") != NULL)
    return;

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/wobj/Demo/wobj-demo.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "wk-demo-css", g_steal_pointer (&provider), g_object_unref);
}

static void
visible_page_changed_cb (WkDemoWindow *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE_PAGE]);
}

static void
toast_dismissed_cb (WkDemoWindow *self,
                    AdwToast     *toast)
{
  if (self->toast == toast)
    g_clear_weak_pointer (&self->toast);
}

static void
toast_action_cb (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  wk_demo_window_add_toast (WK_DEMO_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
show_page_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  wk_demo_window_set_visible_page (WK_DEMO_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
wk_demo_window_dispose (GObject *object)
{
  WkDemoWindow *self = WK_DEMO_WINDOW (object);

  g_clear_weak_pointer (&self->toast);
  gtk_widget_dispose_template (GTK_WIDGET (self), WK_TYPE_DEMO_WINDOW);

  G_OBJECT_CLASS (wk_demo_window_parent_class)->dispose (object);
}

static void
wk_demo_window_finalize (GObject *object)
{
  WkDemoWindow *self = WK_DEMO_WINDOW (object);

  g_clear_object (&self->registry);

  G_OBJECT_CLASS (wk_demo_window_parent_class)->finalize (object);
}

static void
wk_demo_window_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  WkDemoWindow *self = WK_DEMO_WINDOW (object);

  switch (prop_id)
    {
    case PROP_REGISTRY:
      g_value_set_object (value, self->registry);
      break;
    case PROP_VISIBLE_PAGE:
      g_value_set_string (value, wk_demo_window_get_visible_page (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_window_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  WkDemoWindow *self = WK_DEMO_WINDOW (object);

  switch (prop_id)
    {
    case PROP_VISIBLE_PAGE:
      wk_demo_window_set_visible_page (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_window_class_init (WkDemoWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wk_demo_window_dispose;
  object_class->finalize = wk_demo_window_finalize;
  object_class->get_property = wk_demo_window_get_property;
  object_class->set_property = wk_demo_window_set_property;

  /**
   * WkDemoWindow:registry:
   *
   * Every object the demo made, held weakly.
   */
  properties[PROP_REGISTRY] =
    g_param_spec_object ("registry", NULL, NULL, WK_TYPE_DEMO_REGISTRY,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoWindow:visible-page:
   *
   * The name of the page shown: "playground", "browser", "log" or
   * "stress".
   */
  properties[PROP_VISIBLE_PAGE] =
    g_param_spec_string ("visible-page", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (WK_TYPE_DEMO_PAGE_BROWSER);
  g_type_ensure (WK_TYPE_DEMO_PAGE_LOG);
  g_type_ensure (WK_TYPE_DEMO_PAGE_PLAYGROUND);
  g_type_ensure (WK_TYPE_DEMO_PAGE_STRESS);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/wobj/Demo/wk-demo-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WkDemoWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WkDemoWindow, stack);
  gtk_widget_class_bind_template_callback (widget_class, visible_page_changed_cb);

  gtk_widget_class_install_action (widget_class, "win.toast", "s", toast_action_cb);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action_cb);
}

static void
wk_demo_window_init (WkDemoWindow *self)
{
  g_autoptr(GtkSelectionModel) pages = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  load_css (gtk_widget_get_display (GTK_WIDGET (self)));

  /* Every page that makes objects gets the one registry. */
  self->registry = wk_demo_registry_new ();
  pages = adw_view_stack_get_pages (self->stack);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (pages)); i++)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (pages), i);
      GtkWidget *child = adw_view_stack_page_get_child (page);

      if (g_object_class_find_property (G_OBJECT_GET_CLASS (child), "registry") != NULL)
        g_object_set (child, "registry", self->registry, NULL);
    }
}

WkDemoWindow *
wk_demo_window_new (GtkApplication *application)
{
  return g_object_new (WK_TYPE_DEMO_WINDOW, "application", application, NULL);
}

/**
 * wk_demo_window_get_registry:
 *
 * Returns: (transfer none): the registry of every object the demo made
 */
WkDemoRegistry *
wk_demo_window_get_registry (WkDemoWindow *self)
{
  g_return_val_if_fail (WK_IS_DEMO_WINDOW (self), NULL);

  return self->registry;
}

/**
 * wk_demo_window_get_page:
 * @page_type: the type of a page, such as `WK_TYPE_DEMO_PAGE_PLAYGROUND`
 *
 * Returns: (transfer none) (nullable): the page of that type
 */
GtkWidget *
wk_demo_window_get_page (WkDemoWindow *self,
                         GType         page_type)
{
  g_autoptr(GtkSelectionModel) pages = NULL;

  g_return_val_if_fail (WK_IS_DEMO_WINDOW (self), NULL);

  pages = adw_view_stack_get_pages (self->stack);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (pages)); i++)
    {
      g_autoptr(AdwViewStackPage) page = g_list_model_get_item (G_LIST_MODEL (pages), i);
      GtkWidget *child = adw_view_stack_page_get_child (page);

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, page_type))
        return child;
    }

  return NULL;
}

const char *
wk_demo_window_get_visible_page (WkDemoWindow *self)
{
  g_return_val_if_fail (WK_IS_DEMO_WINDOW (self), NULL);

  return adw_view_stack_get_visible_child_name (self->stack);
}

void
wk_demo_window_set_visible_page (WkDemoWindow *self,
                                 const char   *name)
{
  g_return_if_fail (WK_IS_DEMO_WINDOW (self));
  g_return_if_fail (name != NULL);

  /* The stack's notify::visible-child-name notifies our property. */
  adw_view_stack_set_visible_child_name (self->stack, name);
}

/**
 * wk_demo_window_add_toast:
 *
 * Shows @text in a toast for a few seconds.
 */
void
wk_demo_window_add_toast (WkDemoWindow *self,
                          const char   *text)
{
  AdwToast *toast;

  g_return_if_fail (WK_IS_DEMO_WINDOW (self));

  /* A toast answers the last action: an older one would now mislead, so
   * the one still up says the new thing. (Dismissing it while it animates
   * in crashes libadwaita 1.2.) */
  if (self->toast != NULL)
    {
      adw_toast_set_title (self->toast, text);
      return;
    }

  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 3);
  g_set_weak_pointer (&self->toast, toast);
  /* Once dismissed it may linger while it animates out: not for reuse. */
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (toast_dismissed_cb), self, G_CONNECT_SWAPPED);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

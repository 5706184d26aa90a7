/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <wobj.h>

#include "wk-demo-child.h"
#include "wk-demo-enums.h"
#include "wk-demo-parent.h"

/**
 * WkDemoChild:
 *
 * A widget in the playground that refers back to its parent, as real
 * widgets do (a row talks to its list, a popover to its view), and shows
 * live what became of it.
 *
 * A weak child holds its parent through a `WkRef`, whose callback tells
 * it the parent was finalized. A strong child holds a plain reference:
 * with the parent owning the child, that is a reference cycle, and a
 * destroyed parent is never finalized.
 */

struct _WkDemoChild
{
  GtkWidget          parent_instance;

  WkDemoRegistry    *registry;
  char              *title;
  gboolean           weak;
  gboolean           orphaned;

  /* One of the two, by mode. */
  WkRef             *parent_ref;
  GObject           *parent_strong;

  char              *parent_title;
  WkDemoNotes       *parent_notes;   /* to say where the parent died */
  WkDemoParentState  parent_state;

  GtkWidget         *badge;
  GtkWidget         *title_label;
  GtkWidget         *status_label;
  GtkWidget         *orphan_button;
};

enum {
  PROP_0,
  PROP_TITLE,
  PROP_WEAK,
  PROP_ORPHANED,
  PROP_PARENT_STATE,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (WkDemoChild, wk_demo_child, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];

static void
update_status (WkDemoChild *self)
{
  g_autofree char *text = NULL;
  /* By state: a leak is bad news, a finalized parent is what we want. */
  const char *css_classes[] = { "accent", "error", "success", "dim-label" };

  switch (self->parent_state)
    {
    case WK_DEMO_PARENT_STATE_ALIVE:
      /* Translators: %s is a parent's title, such as "Parent 3". */
      text = g_strdup_printf (_("%s is alive"), self->parent_title);
      break;
    case WK_DEMO_PARENT_STATE_LEAKED:
      text = g_strdup_printf (_("%s was destroyed but lives on: leaked"), self->parent_title);
      break;
    case WK_DEMO_PARENT_STATE_FINALIZED:
      text = g_strdup_printf (_("%s was finalized"), self->parent_title);
      break;
    case WK_DEMO_PARENT_STATE_RELEASED:
      text = g_strdup_printf (_("Let go of %s to break the cycle"), self->parent_title);
      break;
    default:
      g_assert_not_reached ();
    }

  gtk_label_set_label (GTK_LABEL (self->status_label), text);
  for (guint i = 0; i < G_N_ELEMENTS (css_classes); i++)
    gtk_widget_remove_css_class (self->status_label, css_classes[i]);
  gtk_widget_add_css_class (self->status_label, css_classes[self->parent_state]);
}

static void
set_parent_state (WkDemoChild       *self,
                  WkDemoParentState  state)
{
  if (self->parent_state == state)
    return;

  self->parent_state = state;
  update_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PARENT_STATE]);
}

static void
parent_destroyed_cb (WkDemoParent *parent,
                     GParamSpec   *pspec,
                     WkDemoChild  *self)
{
  if (wk_demo_parent_get_destroyed (parent) && self->parent_state == WK_DEMO_PARENT_STATE_ALIVE)
    set_parent_state (self, WK_DEMO_PARENT_STATE_LEAKED);
}

/* The WkRef's callback: the parent was finalized. It runs synchronously
 * inside the parent's last unref, so the label changes before the
 * "destroy" button's action has returned. */
static void
parent_finalized_cb (WkRef    *ref,
                     gpointer  user_data)
{
  WkDemoChild *self = user_data;
  g_autofree char *detail = NULL;

  set_parent_state (self, WK_DEMO_PARENT_STATE_FINALIZED);

  /* Translators: the object a child's WkRef pointed to; %s is the
   * child's title. */
  detail = g_strdup_printf (_("the parent of “%s”"), self->title);
  wk_demo_registry_log (self->registry, "WkRef", detail, self->parent_notes);
}

static void
wk_demo_child_dispose (GObject *object)
{
  WkDemoChild *self = WK_DEMO_CHILD (object);
  GtkWidget *child;

  /* Dropping the WkRef detaches it: its callback will not run. */
  g_clear_object (&self->parent_ref);
  g_clear_object (&self->parent_strong);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (wk_demo_child_parent_class)->dispose (object);
}

static void
wk_demo_child_finalize (GObject *object)
{
  WkDemoChild *self = WK_DEMO_CHILD (object);

  g_clear_object (&self->registry);
  g_clear_pointer (&self->parent_notes, wk_demo_notes_unref);
  g_free (self->title);
  g_free (self->parent_title);

  G_OBJECT_CLASS (wk_demo_child_parent_class)->finalize (object);
}

static void
wk_demo_child_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  WkDemoChild *self = WK_DEMO_CHILD (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_WEAK:
      g_value_set_boolean (value, self->weak);
      break;
    case PROP_ORPHANED:
      g_value_set_boolean (value, self->orphaned);
      break;
    case PROP_PARENT_STATE:
      g_value_set_enum (value, self->parent_state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_child_class_init (WkDemoChildClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wk_demo_child_dispose;
  object_class->finalize = wk_demo_child_finalize;
  object_class->get_property = wk_demo_child_get_property;

  /**
   * WkDemoChild:title:
   *
   * The title shown, such as "Child 3.1".
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoChild:weak:
   *
   * Whether the child holds its parent through a `WkRef` rather than a
   * strong reference.
   */
  properties[PROP_WEAK] =
    g_param_spec_boolean ("weak", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoChild:orphaned:
   *
   * Whether the child was moved out of its parent, to the orphans.
   */
  properties[PROP_ORPHANED] =
    g_param_spec_boolean ("orphaned", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoChild:parent-state:
   *
   * What became of the parent, as far as this child can tell.
   */
  properties[PROP_PARENT_STATE] =
    g_param_spec_enum ("parent-state", NULL, NULL,
                       WK_TYPE_DEMO_PARENT_STATE, WK_DEMO_PARENT_STATE_ALIVE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "wk-demo-child");
}

static void
wk_demo_child_init (WkDemoChild *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));
  GtkWidget *labels;

  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 12);

  self->badge = gtk_label_new (NULL);
  gtk_widget_set_valign (self->badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->badge, "badge");
  gtk_widget_add_css_class (self->badge, "caption-heading");
  gtk_widget_set_parent (self->badge, GTK_WIDGET (self));

  labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_widget_set_parent (labels, GTK_WIDGET (self));

  self->title_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->title_label), 0);
  gtk_box_append (GTK_BOX (labels), self->title_label);

  self->status_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->status_label), 0);
  gtk_label_set_wrap (GTK_LABEL (self->status_label), TRUE);
  gtk_widget_add_css_class (self->status_label, "caption");
  gtk_box_append (GTK_BOX (labels), self->status_label);

  self->orphan_button = gtk_button_new_with_label (_("Orphan"));
  gtk_widget_set_valign (self->orphan_button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (self->orphan_button, _("Move this child out of its parent, to the orphans"));
  gtk_widget_set_parent (self->orphan_button, GTK_WIDGET (self));
}

/**
 * wk_demo_child_new:
 * @registry: where to log the `WkRef`'s signal
 * @name: the widget name, unique
 * @title: the title shown
 * @parent: (type WkDemoParent): the parent it will be added to
 * @weak: whether to hold @parent through a `WkRef`
 */
WkDemoChild *
wk_demo_child_new (WkDemoRegistry *registry,
                   const char     *name,
                   const char     *title,
                   gpointer        parent,
                   gboolean        weak)
{
  WkDemoChild *self;

  g_return_val_if_fail (WK_IS_DEMO_REGISTRY (registry), NULL);
  g_return_val_if_fail (WK_IS_DEMO_PARENT (parent), NULL);

  self = g_object_new (WK_TYPE_DEMO_CHILD, "name", name, NULL);
  self->registry = g_object_ref (registry);
  self->title = g_strdup (title);
  self->weak = weak;
  self->parent_title = g_strdup (wk_demo_parent_get_title (parent));
  self->parent_notes = wk_demo_registry_dup_notes (registry, parent);

  if (weak)
    self->parent_ref = wk_ref_new_full (parent, parent_finalized_cb, self, NULL);
  else
    self->parent_strong = g_object_ref (parent);

  /* Connected to the child's lifetime: the handler goes when either
   * object goes. */
  g_signal_connect_object (parent, "notify::destroyed", G_CALLBACK (parent_destroyed_cb), self, 0);

  gtk_label_set_label (GTK_LABEL (self->title_label), title);
  /* Translators: a badge on a child that holds its parent weakly
   * (through a WkRef) or strongly (a plain reference). */
  gtk_label_set_label (GTK_LABEL (self->badge), weak ? _("weak") : _("strong"));
  gtk_widget_add_css_class (self->badge, weak ? "weak" : "strong");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->orphan_button), "playground.orphan-child");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->orphan_button), "s", name);
  update_status (self);

  return self;
}

const char *
wk_demo_child_get_title (WkDemoChild *self)
{
  g_return_val_if_fail (WK_IS_DEMO_CHILD (self), NULL);

  return self->title;
}

gboolean
wk_demo_child_get_weak (WkDemoChild *self)
{
  g_return_val_if_fail (WK_IS_DEMO_CHILD (self), FALSE);

  return self->weak;
}

gboolean
wk_demo_child_get_orphaned (WkDemoChild *self)
{
  g_return_val_if_fail (WK_IS_DEMO_CHILD (self), FALSE);

  return self->orphaned;
}

/**
 * wk_demo_child_set_orphaned:
 *
 * Marks the child as moved out of its parent. It keeps its reference.
 */
void
wk_demo_child_set_orphaned (WkDemoChild *self)
{
  g_return_if_fail (WK_IS_DEMO_CHILD (self));

  if (self->orphaned)
    return;

  self->orphaned = TRUE;
  gtk_widget_set_visible (self->orphan_button, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ORPHANED]);
}

WkDemoParentState
wk_demo_child_get_parent_state (WkDemoChild *self)
{
  g_return_val_if_fail (WK_IS_DEMO_CHILD (self), WK_DEMO_PARENT_STATE_ALIVE);

  return self->parent_state;
}

/**
 * wk_demo_child_dup_parent:
 *
 * Reads the parent the way the child holds it: through its `WkRef` for a
 * weak child.
 *
 * Returns: (transfer full) (nullable) (type WkDemoParent): the parent, or
 *   %NULL once it is finalized or let go of
 */
gpointer
wk_demo_child_dup_parent (WkDemoChild *self)
{
  g_return_val_if_fail (WK_IS_DEMO_CHILD (self), NULL);

  if (self->parent_ref != NULL)
    return wk_ref_dup_object (self->parent_ref);
  if (self->parent_strong != NULL)
    return g_object_ref (self->parent_strong);

  return NULL;
}

const char *
wk_demo_child_get_parent_title (WkDemoChild *self)
{
  g_return_val_if_fail (WK_IS_DEMO_CHILD (self), NULL);

  return self->parent_title;
}

/**
 * wk_demo_child_release_parent:
 *
 * Drops a strong child's reference to its parent, breaking the cycle. The
 * caller must hold the parent if it iterates over the parent's children.
 */
void
wk_demo_child_release_parent (WkDemoChild *self)
{
  g_return_if_fail (WK_IS_DEMO_CHILD (self));

  if (self->parent_strong == NULL)
    return;

  g_clear_object (&self->parent_strong);
  set_parent_state (self, WK_DEMO_PARENT_STATE_RELEASED);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <glib/gi18n.h>

#include "wk-demo-child.h"
#include "wk-demo-parent.h"

/**
 * WkDemoParent:
 *
 * A container in the playground: a card with a title, buttons to add a
 * child and to destroy it, and its [class@DemoChild]ren. Like any GTK
 * container it owns its children; each child refers back to it, weakly or
 * strongly.
 *
 * The playground "destroys" a parent by taking it out of the window, as
 * GTK 4 code does: whether it is then finalized depends on who else holds
 * it.
 */

struct _WkDemoParent
{
  GtkWidget  parent_instance;

  char      *title;
  GtkWidget *header;
  GtkWidget *children_box;
  GtkWidget *empty_label;
  GtkWidget *add_button;
  GtkWidget *destroy_button;
  guint      n_children;
  guint      next_child;
  gboolean   destroyed;
};

enum {
  PROP_0,
  PROP_TITLE,
  PROP_DESTROYED,
  PROP_N_CHILDREN,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (WkDemoParent, wk_demo_parent, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];

static void
update_empty (WkDemoParent *self)
{
  gtk_widget_set_visible (self->empty_label, self->n_children == 0);
}

static void
wk_demo_parent_constructed (GObject *object)
{
  WkDemoParent *self = WK_DEMO_PARENT (object);
  const char *name = gtk_widget_get_name (GTK_WIDGET (self));
  GtkWidget *title;

  G_OBJECT_CLASS (wk_demo_parent_parent_class)->constructed (object);

  title = gtk_label_new (self->title);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_widget_add_css_class (title, "heading");
  gtk_box_append (GTK_BOX (self->header), title);

  /* The buttons go through the page's actions, with this parent's name as
   * the target: the tour and the tests use the very same actions. */
  self->add_button = gtk_button_new_from_icon_name ("list-add-symbolic");
  gtk_widget_set_tooltip_text (self->add_button, _("Add a Child"));
  gtk_widget_add_css_class (self->add_button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->add_button), "playground.add-child");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->add_button), "s", name);
  gtk_box_append (GTK_BOX (self->header), self->add_button);

  self->destroy_button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_tooltip_text (self->destroy_button, _("Destroy Parent"));
  gtk_widget_add_css_class (self->destroy_button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->destroy_button), "playground.destroy-parent");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->destroy_button), "s", name);
  gtk_box_append (GTK_BOX (self->header), self->destroy_button);
}

static void
wk_demo_parent_dispose (GObject *object)
{
  WkDemoParent *self = WK_DEMO_PARENT (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (wk_demo_parent_parent_class)->dispose (object);
}

static void
wk_demo_parent_finalize (GObject *object)
{
  WkDemoParent *self = WK_DEMO_PARENT (object);

  g_free (self->title);

  G_OBJECT_CLASS (wk_demo_parent_parent_class)->finalize (object);
}

static void
wk_demo_parent_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  WkDemoParent *self = WK_DEMO_PARENT (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_DESTROYED:
      g_value_set_boolean (value, self->destroyed);
      break;
    case PROP_N_CHILDREN:
      g_value_set_uint (value, self->n_children);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_parent_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  WkDemoParent *self = WK_DEMO_PARENT (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      self->title = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_parent_class_init (WkDemoParentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wk_demo_parent_constructed;
  object_class->dispose = wk_demo_parent_dispose;
  object_class->finalize = wk_demo_parent_finalize;
  object_class->get_property = wk_demo_parent_get_property;
  object_class->set_property = wk_demo_parent_set_property;

  /**
   * WkDemoParent:title:
   *
   * The title shown on the card, such as "Parent 3".
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoParent:destroyed:
   *
   * Whether the user destroyed this parent. A destroyed parent that is
   * still alive has leaked.
   */
  properties[PROP_DESTROYED] =
    g_param_spec_boolean ("destroyed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoParent:n-children:
   *
   * How many children are inside this parent.
   */
  properties[PROP_N_CHILDREN] =
    g_param_spec_uint ("n-children", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "wk-demo-parent");
}

static void
wk_demo_parent_init (WkDemoParent *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 6);
  gtk_widget_add_css_class (GTK_WIDGET (self), "card");

  self->header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_add_css_class (self->header, "parent-header");
  gtk_widget_set_parent (self->header, GTK_WIDGET (self));

  self->children_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_parent (self->children_box, GTK_WIDGET (self));

  self->empty_label = gtk_label_new (_("No children: add one with +"));
  gtk_widget_add_css_class (self->empty_label, "dim-label");
  gtk_widget_add_css_class (self->empty_label, "caption");
  gtk_box_append (GTK_BOX (self->children_box), self->empty_label);
}

/**
 * wk_demo_parent_new:
 * @name: the widget name, unique: the actions and the browser use it
 * @title: the title shown to the user
 */
WkDemoParent *
wk_demo_parent_new (const char *name,
                    const char *title)
{
  return g_object_new (WK_TYPE_DEMO_PARENT, "name", name, "title", title, NULL);
}

const char *
wk_demo_parent_get_title (WkDemoParent *self)
{
  g_return_val_if_fail (WK_IS_DEMO_PARENT (self), NULL);

  return self->title;
}

gboolean
wk_demo_parent_get_destroyed (WkDemoParent *self)
{
  g_return_val_if_fail (WK_IS_DEMO_PARENT (self), FALSE);

  return self->destroyed;
}

/**
 * wk_demo_parent_set_destroyed:
 *
 * Marks the parent as destroyed by the user, just before the playground
 * lets it go. Its buttons stop working.
 */
void
wk_demo_parent_set_destroyed (WkDemoParent *self)
{
  g_return_if_fail (WK_IS_DEMO_PARENT (self));

  if (self->destroyed)
    return;

  self->destroyed = TRUE;
  gtk_widget_set_sensitive (self->add_button, FALSE);
  gtk_widget_set_sensitive (self->destroy_button, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESTROYED]);
}

guint
wk_demo_parent_get_n_children (WkDemoParent *self)
{
  g_return_val_if_fail (WK_IS_DEMO_PARENT (self), 0);

  return self->n_children;
}

/**
 * wk_demo_parent_next_child_number:
 *
 * Returns: the number for the next child made for this parent, from 1
 */
guint
wk_demo_parent_next_child_number (WkDemoParent *self)
{
  g_return_val_if_fail (WK_IS_DEMO_PARENT (self), 0);

  return ++self->next_child;
}

void
wk_demo_parent_add_child (WkDemoParent *self,
                          GtkWidget    *child)
{
  g_return_if_fail (WK_IS_DEMO_PARENT (self));
  g_return_if_fail (GTK_IS_WIDGET (child));

  gtk_box_append (GTK_BOX (self->children_box), child);
  self->n_children++;
  update_empty (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CHILDREN]);
}

/**
 * wk_demo_parent_remove_child:
 *
 * Takes @child out. The caller must hold a reference to it if it is to
 * live on.
 */
void
wk_demo_parent_remove_child (WkDemoParent *self,
                             GtkWidget    *child)
{
  g_return_if_fail (WK_IS_DEMO_PARENT (self));
  g_return_if_fail (gtk_widget_get_parent (child) == self->children_box);

  gtk_box_remove (GTK_BOX (self->children_box), child);
  self->n_children--;
  update_empty (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CHILDREN]);
}

/**
 * wk_demo_parent_break_cycles:
 *
 * Makes every child inside let go of this parent: what a program must do
 * by hand to free a destroyed parent that strong back-references keep
 * alive.
 */
void
wk_demo_parent_break_cycles (WkDemoParent *self)
{
  GtkWidget *child;

  g_return_if_fail (WK_IS_DEMO_PARENT (self));

  for (child = gtk_widget_get_first_child (self->children_box);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (WK_IS_DEMO_CHILD (child))
        wk_demo_child_release_parent (WK_DEMO_CHILD (child));
    }
}

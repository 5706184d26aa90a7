/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <wobj.h>

#include "wk-demo-child.h"
#include "wk-demo-page-playground.h"
#include "wk-demo-parent.h"

/**
 * WkDemoPagePlayground:
 *
 * The point of the demo: parents hold their children, as GTK containers
 * do, and each child refers back to its parent weakly (a `WkRef`) or
 * strongly (a reference cycle). Destroy a parent and the counters say
 * whether it was finalized or leaked.
 *
 * The page keeps its own books with wobj too: a `WkSet` of live parents,
 * one of live children and one of destroyed parents. A destroyed parent
 * that is still in that last set has leaked: the set's size is the leak
 * counter, and it falls by itself when a leaked parent is finally freed.
 *
 * Everything the buttons do goes through the page's actions
 * (`playground.*`), which the tour and the tests use too; the state is in
 * read-only properties.
 */

struct _WkDemoPagePlayground
{
  AdwBin          parent_instance;

  GtkWidget      *mode_row;
  GtkWidget      *live_parents_label;
  GtkWidget      *finalized_parents_label;
  GtkWidget      *leaked_parents_label;
  GtkWidget      *live_objects_label;
  GtkWidget      *leaked_card;
  GtkWidget      *finalized_card;
  GtkWidget      *verdict_label;
  GtkWidget      *break_button;
  GtkWidget      *content_stack;
  GtkWidget      *empty_page;
  GtkWidget      *parents_box;
  GtkWidget      *orphans_box;
  GtkWidget      *orphans_empty_label;

  WkDemoRegistry *registry;
  WkSet          *parents;
  WkSet          *children;
  WkSet          *destroyed;
  gboolean        weak_mode;
  guint           next_parent;
  char           *last_parent;
  char           *last_child;

  /* What the properties last said, to notify only on change. */
  guint           n_live_parents;
  guint           n_finalized_parents;
  guint           n_leaked_parents;
  guint           n_live_objects;
  guint           n_orphans;
};

enum {
  PROP_0,
  PROP_REGISTRY,
  PROP_WEAK_MODE,
  PROP_N_LIVE_PARENTS,
  PROP_N_FINALIZED_PARENTS,
  PROP_N_LEAKED_PARENTS,
  PROP_N_LIVE_OBJECTS,
  PROP_N_ORPHANS,
  PROP_LAST_PARENT,
  PROP_LAST_CHILD,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (WkDemoPagePlayground, wk_demo_page_playground, ADW_TYPE_BIN)

static GParamSpec *properties[N_PROPS];

static void
toast (WkDemoPagePlayground *self,
       const char           *text)
{
  /* The page knows nothing of the window: the window offers "win.toast". */
  gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s", text);
}

static void
set_count (WkDemoPagePlayground *self,
           guint                *field,
           guint                 value,
           GtkWidget            *label,
           guint                 prop_id)
{
  g_autofree char *text = g_strdup_printf ("%u", value);

  gtk_label_set_label (GTK_LABEL (label), text);

  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
update (WkDemoPagePlayground *self)
{
  guint n_leaked = wk_set_get_size (self->destroyed);
  guint n_orphans = 0;
  gboolean has_parents = gtk_widget_get_first_child (self->parents_box) != NULL;
  g_autofree char *verdict = NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (self->orphans_box);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n_orphans++;

  set_count (self, &self->n_live_parents, wk_set_get_size (self->parents),
             self->live_parents_label, PROP_N_LIVE_PARENTS);
  set_count (self, &self->n_finalized_parents, self->n_finalized_parents,
             self->finalized_parents_label, PROP_N_FINALIZED_PARENTS);
  set_count (self, &self->n_leaked_parents, n_leaked,
             self->leaked_parents_label, PROP_N_LEAKED_PARENTS);
  set_count (self, &self->n_live_objects,
             wk_set_get_size (self->parents) + wk_set_get_size (self->children),
             self->live_objects_label, PROP_N_LIVE_OBJECTS);

  if (self->n_orphans != n_orphans)
    {
      self->n_orphans = n_orphans;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ORPHANS]);
    }

  if (n_leaked > 0)
    gtk_widget_add_css_class (self->leaked_card, "leaking");
  else
    gtk_widget_remove_css_class (self->leaked_card, "leaking");
  if (self->n_finalized_parents > 0)
    gtk_widget_add_css_class (self->finalized_card, "finalizing");
  else
    gtk_widget_remove_css_class (self->finalized_card, "finalizing");

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->mode_row),
                               self->weak_mode
                               ? _("On: new children hold their parent through a WkRef")
                               : _("Off: new children hold a strong reference to their parent, a reference cycle"));
  gtk_widget_set_visible (self->break_button, n_leaked > 0);
  gtk_widget_set_visible (self->orphans_empty_label, n_orphans == 0);
  gtk_stack_set_visible_child_name (GTK_STACK (self->content_stack),
                                    has_parents || n_orphans > 0 ? "content" : "empty");
  /* An empty window with leaked parents is the leak itself: say so. */
  if (n_leaked > 0)
    {
      adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->empty_page), "dialog-warning-symbolic");
      adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), _("Nothing to See, Yet Not Freed"));
      adw_status_page_set_description (ADW_STATUS_PAGE (self->empty_page),
                                       _("The window shows no parent, but the leaked ones are still in memory: see them in the browser"));
    }
  else
    {
      adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->empty_page), "list-add-symbolic");
      adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), _("No Parents"));
      adw_status_page_set_description (ADW_STATUS_PAGE (self->empty_page), _("Add a parent, then children inside it"));
    }

  if (n_leaked > 0)
    verdict = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%u destroyed parent is still alive: its children’s strong references keep it, and it keeps them. Only breaking the cycle by hand frees it.",
                                            "%u destroyed parents are still alive: their children’s strong references keep them, and they keep their children. Only breaking the cycles by hand frees them.",
                                            n_leaked),
                               n_leaked);
  else if (self->weak_mode)
    verdict = g_strdup (_("New children hold their parent through a WkRef: a destroyed parent is finalized at once, and orphans see it go."));
  else
    verdict = g_strdup (_("New children hold a strong reference to their parent: a destroyed parent that still has children will never be finalized."));
  gtk_label_set_label (GTK_LABEL (self->verdict_label), verdict);
  if (n_leaked > 0)
    gtk_widget_add_css_class (self->verdict_label, "error");
  else
    gtk_widget_remove_css_class (self->verdict_label, "error");
}

static void
parent_finalized_cb (WkSet                *set,
                     WkDemoPagePlayground *self)
{
  self->n_finalized_parents++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_FINALIZED_PARENTS]);
  update (self);
}

static void
member_finalized_cb (WkSet                *set,
                     WkDemoPagePlayground *self)
{
  update (self);
}

static gpointer
lookup (WkDemoPagePlayground *self,
        const char           *name,
        GType                 type)
{
  g_autoptr(GObject) object = NULL;

  if (self->registry == NULL)
    return NULL;

  object = wk_demo_registry_lookup (self->registry, name);
  if (object == NULL || !g_type_is_a (G_OBJECT_TYPE (object), type))
    return NULL;

  return g_steal_pointer (&object);
}

static void
new_parent (WkDemoPagePlayground *self)
{
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;
  WkDemoParent *parent;

  g_return_if_fail (self->registry != NULL);

  self->next_parent++;
  name = g_strdup_printf ("parent-%u", self->next_parent);
  /* Translators: the title of the n-th parent container. */
  title = g_strdup_printf (_("Parent %u"), self->next_parent);

  parent = wk_demo_parent_new (name, title);
  wk_demo_registry_add (self->registry, parent, name);
  wk_set_add (self->parents, parent);
  gtk_flow_box_append (GTK_FLOW_BOX (self->parents_box), GTK_WIDGET (parent));

  g_free (self->last_parent);
  self->last_parent = g_steal_pointer (&name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_PARENT]);

  update (self);
}

static void
add_child (WkDemoPagePlayground *self,
           const char           *parent_name)
{
  g_autoptr(WkDemoParent) parent = lookup (self, parent_name, WK_TYPE_DEMO_PARENT);
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;
  WkDemoChild *child;
  guint number;

  if (parent == NULL || wk_demo_parent_get_destroyed (parent))
    return;

  number = wk_demo_parent_next_child_number (parent);
  name = g_strdup_printf ("%s-child-%u", parent_name, number);
  /* Translators: a child's title: "Child", the parent's number, a dot, the
   * child's number. */
  title = g_strdup_printf (_("Child %u.%u"),
                           (guint) g_ascii_strtoull (parent_name + strlen ("parent-"), NULL, 10),
                           number);

  child = wk_demo_child_new (self->registry, name, title, parent, self->weak_mode);
  wk_demo_registry_add (self->registry, child, name);
  wk_set_add (self->children, child);
  wk_demo_parent_add_child (parent, GTK_WIDGET (child));

  g_free (self->last_child);
  self->last_child = g_steal_pointer (&name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_CHILD]);

  update (self);
}

/* Takes @parent out of the window and forgets it. Whoever else holds it
 * decides whether it lives on. */
static void
let_go_of_parent (WkDemoPagePlayground *self,
                  WkDemoParent         *parent)
{
  wk_demo_parent_set_destroyed (parent);
  wk_set_add (self->destroyed, parent);
  gtk_flow_box_remove (GTK_FLOW_BOX (self->parents_box), GTK_WIDGET (parent));
}

static void
destroy_parent (WkDemoPagePlayground *self,
                const char           *parent_name)
{
  WkDemoParent *parent = lookup (self, parent_name, WK_TYPE_DEMO_PARENT);
  g_autoptr(WkRef) ref = NULL;
  g_autofree char *title = NULL;
  g_autofree char *text = NULL;

  if (parent == NULL)
    return;
  if (wk_demo_parent_get_destroyed (parent))
    {
      g_object_unref (parent);
      return;
    }

  /* A WkRef to see, after our own reference is gone, whether anything
   * else kept the parent alive. */
  ref = wk_ref_new (parent);
  title = g_strdup (wk_demo_parent_get_title (parent));
  let_go_of_parent (self, parent);
  g_object_unref (parent);

  if (wk_ref_is_alive (ref))
    /* Translators: %s is a parent's title. */
    text = g_strdup_printf (_("%s was destroyed but is still alive: leaked"), title);
  else
    text = g_strdup_printf (_("%s was destroyed and finalized"), title);
  toast (self, text);

  update (self);
}

static void
orphan_child (WkDemoPagePlayground *self,
              const char           *child_name)
{
  g_autoptr(WkDemoChild) child = lookup (self, child_name, WK_TYPE_DEMO_CHILD);
  GtkWidget *parent;

  if (child == NULL || wk_demo_child_get_orphaned (child))
    return;

  parent = gtk_widget_get_ancestor (GTK_WIDGET (child), WK_TYPE_DEMO_PARENT);
  g_return_if_fail (parent != NULL);

  wk_demo_parent_remove_child (WK_DEMO_PARENT (parent), GTK_WIDGET (child));
  wk_demo_child_set_orphaned (child);
  gtk_box_append (GTK_BOX (self->orphans_box), GTK_WIDGET (child));

  update (self);
}

static void
clear (WkDemoPagePlayground *self)
{
  g_autoptr(GPtrArray) parents = g_ptr_array_new_with_free_func (g_object_unref);
  GtkWidget *child;
  g_autofree char *text = NULL;

  for (child = gtk_widget_get_first_child (self->parents_box);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    g_ptr_array_add (parents, g_object_ref (gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child))));

  for (guint i = 0; i < parents->len; i++)
    let_go_of_parent (self, parents->pdata[i]);
  while ((child = gtk_widget_get_first_child (self->orphans_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->orphans_box), child);

  /* Our own references go last: what dies now dies because nobody else
   * holds it. */
  g_clear_pointer (&parents, g_ptr_array_unref);

  update (self);

  if (self->n_leaked_parents > 0)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Cleared, but %u parent leaked",
                                         "Cleared, but %u parents leaked",
                                         self->n_leaked_parents),
                            self->n_leaked_parents);
  else
    text = g_strdup (_("Cleared: every parent was finalized"));
  toast (self, text);
}

static void
break_cycles (WkDemoPagePlayground *self)
{
  /* Strong references to the leaked parents, for the walk: each is
   * finalized when the array lets go of it. */
  g_autoptr(GPtrArray) leaked = wk_set_dup_members (self->destroyed);
  guint n = leaked->len;
  g_autofree char *text = NULL;

  for (guint i = 0; i < leaked->len; i++)
    wk_demo_parent_break_cycles (leaked->pdata[i]);
  g_clear_pointer (&leaked, g_ptr_array_unref);

  update (self);

  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Broke the cycle of %u parent",
                                       "Broke the cycles of %u parents", n),
                          n);
  toast (self, text);
}

static void
new_parent_action_cb (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  new_parent (WK_DEMO_PAGE_PLAYGROUND (widget));
}

static void
add_child_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  add_child (WK_DEMO_PAGE_PLAYGROUND (widget), g_variant_get_string (parameter, NULL));
}

static void
destroy_parent_action_cb (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  destroy_parent (WK_DEMO_PAGE_PLAYGROUND (widget), g_variant_get_string (parameter, NULL));
}

static void
orphan_child_action_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  orphan_child (WK_DEMO_PAGE_PLAYGROUND (widget), g_variant_get_string (parameter, NULL));
}

static void
clear_action_cb (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  clear (WK_DEMO_PAGE_PLAYGROUND (widget));
}

static void
break_cycles_action_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  break_cycles (WK_DEMO_PAGE_PLAYGROUND (widget));
}

static void
wk_demo_page_playground_dispose (GObject *object)
{
  WkDemoPagePlayground *self = WK_DEMO_PAGE_PLAYGROUND (object);

  /* Stop counting first: the children die with the page. */
  g_signal_handlers_disconnect_by_data (self->parents, self);
  g_signal_handlers_disconnect_by_data (self->children, self);
  g_signal_handlers_disconnect_by_data (self->destroyed, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), WK_TYPE_DEMO_PAGE_PLAYGROUND);

  G_OBJECT_CLASS (wk_demo_page_playground_parent_class)->dispose (object);
}

static void
wk_demo_page_playground_finalize (GObject *object)
{
  WkDemoPagePlayground *self = WK_DEMO_PAGE_PLAYGROUND (object);

  g_clear_object (&self->registry);
  g_clear_object (&self->parents);
  g_clear_object (&self->children);
  g_clear_object (&self->destroyed);
  g_free (self->last_parent);
  g_free (self->last_child);

  G_OBJECT_CLASS (wk_demo_page_playground_parent_class)->finalize (object);
}

static void
wk_demo_page_playground_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  WkDemoPagePlayground *self = WK_DEMO_PAGE_PLAYGROUND (object);

  switch (prop_id)
    {
    case PROP_REGISTRY:
      g_value_set_object (value, self->registry);
      break;
    case PROP_WEAK_MODE:
      g_value_set_boolean (value, self->weak_mode);
      break;
    case PROP_N_LIVE_PARENTS:
      g_value_set_uint (value, self->n_live_parents);
      break;
    case PROP_N_FINALIZED_PARENTS:
      g_value_set_uint (value, self->n_finalized_parents);
      break;
    case PROP_N_LEAKED_PARENTS:
      g_value_set_uint (value, self->n_leaked_parents);
      break;
    case PROP_N_LIVE_OBJECTS:
      g_value_set_uint (value, self->n_live_objects);
      break;
    case PROP_N_ORPHANS:
      g_value_set_uint (value, self->n_orphans);
      break;
    case PROP_LAST_PARENT:
      g_value_set_string (value, self->last_parent);
      break;
    case PROP_LAST_CHILD:
      g_value_set_string (value, self->last_child);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_page_playground_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  WkDemoPagePlayground *self = WK_DEMO_PAGE_PLAYGROUND (object);

  switch (prop_id)
    {
    case PROP_REGISTRY:
      wk_demo_page_playground_set_registry (self, g_value_get_object (value));
      break;
    case PROP_WEAK_MODE:
      wk_demo_page_playground_set_weak_mode (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_page_playground_class_init (WkDemoPagePlaygroundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wk_demo_page_playground_dispose;
  object_class->finalize = wk_demo_page_playground_finalize;
  object_class->get_property = wk_demo_page_playground_get_property;
  object_class->set_property = wk_demo_page_playground_set_property;

  /**
   * WkDemoPagePlayground:registry:
   *
   * Where the page registers the parents and children it makes.
   */
  properties[PROP_REGISTRY] =
    g_param_spec_object ("registry", NULL, NULL, WK_TYPE_DEMO_REGISTRY,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPagePlayground:weak-mode:
   *
   * Whether new children hold their parent through a `WkRef` (%TRUE) or
   * a strong reference (%FALSE). Existing children keep their way.
   */
  properties[PROP_WEAK_MODE] =
    g_param_spec_boolean ("weak-mode", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPagePlayground:n-live-parents:
   *
   * How many parents are alive, destroyed or not.
   */
  properties[PROP_N_LIVE_PARENTS] =
    g_param_spec_uint ("n-live-parents", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPagePlayground:n-finalized-parents:
   *
   * How many parents were finalized since the page was made.
   */
  properties[PROP_N_FINALIZED_PARENTS] =
    g_param_spec_uint ("n-finalized-parents", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPagePlayground:n-leaked-parents:
   *
   * How many destroyed parents are still alive.
   */
  properties[PROP_N_LEAKED_PARENTS] =
    g_param_spec_uint ("n-leaked-parents", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPagePlayground:n-live-objects:
   *
   * How many parents and children are alive, shown or leaked.
   */
  properties[PROP_N_LIVE_OBJECTS] =
    g_param_spec_uint ("n-live-objects", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPagePlayground:n-orphans:
   *
   * How many children are in the orphans area.
   */
  properties[PROP_N_ORPHANS] =
    g_param_spec_uint ("n-orphans", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPagePlayground:last-parent:
   *
   * The name of the parent made last, the target for the actions that
   * follow (the tour and the tests use it).
   */
  properties[PROP_LAST_PARENT] =
    g_param_spec_string ("last-parent", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPagePlayground:last-child:
   *
   * The name of the child made last.
   */
  properties[PROP_LAST_CHILD] =
    g_param_spec_string ("last-child", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wobj/Demo/pages/playground/wk-demo-page-playground.ui");
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, mode_row);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, live_parents_label);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, finalized_parents_label);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, leaked_parents_label);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, live_objects_label);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, leaked_card);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, finalized_card);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, verdict_label);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, break_button);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, content_stack);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, empty_page);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, parents_box);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, orphans_box);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPagePlayground, orphans_empty_label);

  gtk_widget_class_install_action (widget_class, "playground.new-parent", NULL, new_parent_action_cb);
  gtk_widget_class_install_action (widget_class, "playground.add-child", "s", add_child_action_cb);
  gtk_widget_class_install_action (widget_class, "playground.destroy-parent", "s", destroy_parent_action_cb);
  gtk_widget_class_install_action (widget_class, "playground.orphan-child", "s", orphan_child_action_cb);
  gtk_widget_class_install_action (widget_class, "playground.clear", NULL, clear_action_cb);
  gtk_widget_class_install_action (widget_class, "playground.break-cycles", NULL, break_cycles_action_cb);
  gtk_widget_class_install_property_action (widget_class, "playground.weak-mode", "weak-mode");
}

static void
wk_demo_page_playground_init (WkDemoPagePlayground *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->weak_mode = TRUE;
  self->parents = wk_set_new (WK_TYPE_DEMO_PARENT);
  self->children = wk_set_new (WK_TYPE_DEMO_CHILD);
  self->destroyed = wk_set_new (WK_TYPE_DEMO_PARENT);

  g_signal_connect (self->parents, "object-finalized", G_CALLBACK (parent_finalized_cb), self);
  g_signal_connect (self->children, "object-finalized", G_CALLBACK (member_finalized_cb), self);
  g_signal_connect (self->destroyed, "object-finalized", G_CALLBACK (member_finalized_cb), self);

  update (self);
}

WkDemoRegistry *
wk_demo_page_playground_get_registry (WkDemoPagePlayground *self)
{
  g_return_val_if_fail (WK_IS_DEMO_PAGE_PLAYGROUND (self), NULL);

  return self->registry;
}

void
wk_demo_page_playground_set_registry (WkDemoPagePlayground *self,
                                      WkDemoRegistry       *registry)
{
  g_return_if_fail (WK_IS_DEMO_PAGE_PLAYGROUND (self));
  g_return_if_fail (registry == NULL || WK_IS_DEMO_REGISTRY (registry));

  if (g_set_object (&self->registry, registry))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGISTRY]);
}

gboolean
wk_demo_page_playground_get_weak_mode (WkDemoPagePlayground *self)
{
  g_return_val_if_fail (WK_IS_DEMO_PAGE_PLAYGROUND (self), FALSE);

  return self->weak_mode;
}

void
wk_demo_page_playground_set_weak_mode (WkDemoPagePlayground *self,
                                       gboolean              weak_mode)
{
  g_return_if_fail (WK_IS_DEMO_PAGE_PLAYGROUND (self));

  weak_mode = !!weak_mode;
  if (self->weak_mode == weak_mode)
    return;

  self->weak_mode = weak_mode;
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WEAK_MODE]);
}

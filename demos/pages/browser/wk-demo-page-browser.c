/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <wobj.h>

#include "wk-demo-child.h"
#include "wk-demo-page-browser.h"
#include "wk-demo-parent.h"

/**
 * WkDemoPageBrowser:
 *
 * The widget browser: a `GtkColumnView` bound directly to the registry's
 * `WkSet`. The set's items are `WkRef`s, so a row never keeps its widget
 * alive: each cell takes the widget with wk_ref_dup_object() and drops it
 * before its bind handler returns, and the selection holds the `WkRef`
 * too. Rows leave by themselves when widgets are finalized.
 *
 * The search field finds a widget through the registry's `WkValueTable`
 * (name to widget), and the details show the notes the registry keeps on
 * it in a `WkKeyTable`: all three containers empty themselves as widgets
 * die.
 */

typedef enum {
  COLUMN_TAG,
  COLUMN_NAME,
  COLUMN_TYPE,
  COLUMN_PARENT,
  COLUMN_STATE,
  COLUMN_AGE,
} Column;

struct _WkDemoPageBrowser
{
  AdwBin              parent_instance;

  GtkWidget          *search_entry;
  GtkWidget          *search_label;
  GtkWidget          *sizes_label;
  GtkWidget          *list_stack;
  GtkWidget          *column_view;
  GtkColumnViewColumn *tag_column;
  GtkColumnViewColumn *name_column;
  GtkColumnViewColumn *type_column;
  GtkColumnViewColumn *parent_column;
  GtkColumnViewColumn *state_column;
  GtkColumnViewColumn *age_column;
  GtkWidget          *details_stack;
  GtkWidget          *notes_group;
  GtkWidget          *created_row;
  GtkWidget          *tag_row;
  GtkWidget          *comment_row;
  GtkWidget          *properties_list;

  WkDemoRegistry     *registry;
  GtkSingleSelection *selection;
  WkDemoNotes        *selected_notes;
  gboolean            showing_details;

  /* The age labels of the rows bound now, ticked once a second. */
  GHashTable         *age_labels;
  guint               age_timeout_id;
};

enum {
  PROP_0,
  PROP_REGISTRY,
  PROP_N_ITEMS,
  PROP_N_NAMES,
  PROP_N_NOTES,
  PROP_SELECTED_NAME,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (WkDemoPageBrowser, wk_demo_page_browser, ADW_TYPE_BIN)

static GParamSpec *properties[N_PROPS];

static const char *tag_classes[] = { "blue", "green", "yellow", "red" };

static char *
format_age (GDateTime *created)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  gint64 seconds = g_date_time_difference (now, created) / G_TIME_SPAN_SECOND;

  if (seconds < 60)
    /* Translators: an age in seconds. */
    return g_strdup_printf (_("%u s"), (guint) seconds);

  /* Translators: an age in minutes and seconds. */
  return g_strdup_printf (_("%u min %u s"), (guint) (seconds / 60), (guint) (seconds % 60));
}

static void
update_age_label (GtkLabel *label)
{
  GDateTime *created = g_object_get_data (G_OBJECT (label), "created");
  g_autofree char *text = NULL;

  if (created == NULL)
    return;

  text = format_age (created);
  gtk_label_set_label (label, text);
}

static gboolean
tick_ages_cb (gpointer user_data)
{
  WkDemoPageBrowser *self = user_data;
  GHashTableIter iter;
  gpointer label;

  g_hash_table_iter_init (&iter, self->age_labels);
  while (g_hash_table_iter_next (&iter, &label, NULL))
    update_age_label (label);

  return G_SOURCE_CONTINUE;
}

static void
update_sizes (WkDemoPageBrowser *self)
{
  g_autofree char *text = NULL;

  if (self->registry == NULL)
    return;

  /* Translators: the sizes of the registry's three containers. */
  text = g_strdup_printf (_("WkSet %u · WkValueTable %u · WkKeyTable %u"),
                          wk_demo_registry_get_n_objects (self->registry),
                          wk_demo_registry_get_n_names (self->registry),
                          wk_demo_registry_get_n_notes (self->registry));
  gtk_label_set_label (GTK_LABEL (self->sizes_label), text);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_NAMES]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_NOTES]);
}

static void
clear_properties (WkDemoPageBrowser *self)
{
  GtkWidget *row;

  while ((row = gtk_widget_get_first_child (self->properties_list)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->properties_list), row);
}

static void
add_property_row (WkDemoPageBrowser *self,
                  const char        *name,
                  const char        *value)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *name_label = gtk_label_new (name);
  GtkWidget *value_label = gtk_label_new (value);

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  gtk_label_set_xalign (GTK_LABEL (name_label), 0);
  gtk_label_set_width_chars (GTK_LABEL (name_label), 16);
  gtk_label_set_ellipsize (GTK_LABEL (name_label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (name_label, "dim-label");
  gtk_box_append (GTK_BOX (box), name_label);

  gtk_label_set_xalign (GTK_LABEL (value_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (value_label), PANGO_ELLIPSIZE_END);
  gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
  gtk_widget_set_hexpand (value_label, TRUE);
  gtk_box_append (GTK_BOX (box), value_label);

  gtk_list_box_append (GTK_LIST_BOX (self->properties_list), box);
}

/* Fills the details from the selected row. The widget is held only for
 * the duration of this function; the notes are kept, for the comment. */
/* A property's value as a person reads it: an enum or flags value by its
 * nicks ("alive", not "((WkDemoParentState) WK_DEMO_PARENT_STATE_ALIVE)",
 * which the details pane cuts off), anything else as GLib writes it. */
static char *
describe_value (const GValue *value)
{
  if (G_VALUE_HOLDS_ENUM (value))
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (G_VALUE_TYPE (value));
      GEnumValue *enum_value = g_enum_get_value (klass, g_value_get_enum (value));

      if (enum_value != NULL)
        return g_strdup (enum_value->value_nick);
    }
  else if (G_VALUE_HOLDS_FLAGS (value))
    {
      g_autoptr(GFlagsClass) klass = g_type_class_ref (G_VALUE_TYPE (value));
      guint flags = g_value_get_flags (value);
      GString *nicks = g_string_new (NULL);

      for (guint i = 0; i < klass->n_values; i++)
        {
          GFlagsValue *flags_value = &klass->values[i];

          if (flags_value->value != 0 && (flags & flags_value->value) == flags_value->value)
            {
              g_string_append_printf (nicks, "%s%s", nicks->len > 0 ? " | " : "", flags_value->value_nick);
              flags &= ~flags_value->value;
            }
        }
      if (flags == 0 && nicks->len > 0)
        return g_string_free (nicks, FALSE);
      g_string_free (nicks, TRUE);
    }

  return g_strdup_value_contents (value);
}

static void
show_details (WkDemoPageBrowser *self)
{
  WkRef *ref = self->selection != NULL ? gtk_single_selection_get_selected_item (self->selection) : NULL;
  g_autoptr(GObject) object = ref != NULL ? wk_ref_dup_object (ref) : NULL;
  g_autofree GParamSpec **pspecs = NULL;
  g_autofree char *created = NULL;
  guint n_pspecs;

  g_clear_pointer (&self->selected_notes, wk_demo_notes_unref);
  clear_properties (self);

  if (object != NULL)
    self->selected_notes = wk_demo_registry_dup_notes (self->registry, object);

  if (self->selected_notes == NULL)
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->details_stack), "none");
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_NAME]);
      return;
    }

  self->showing_details = TRUE;
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->notes_group),
                                   wk_demo_notes_get_name (self->selected_notes));
  created = g_date_time_format (wk_demo_notes_get_created (self->selected_notes), "%X");
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->created_row), created);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->tag_row),
                               wk_demo_notes_get_tag_name (wk_demo_notes_get_tag (self->selected_notes)));
  gtk_editable_set_text (GTK_EDITABLE (self->comment_row), wk_demo_notes_get_comment (self->selected_notes));
  self->showing_details = FALSE;

  /* The object's own properties first, then its ancestors'. */
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (object), &n_pspecs);
  for (guint i = 0; i < 2 * n_pspecs; i++)
    {
      GParamSpec *pspec = pspecs[i % n_pspecs];
      gboolean own = pspec->owner_type == G_OBJECT_TYPE (object);
      g_auto(GValue) value = G_VALUE_INIT;
      g_autofree char *contents = NULL;

      if (own != (i < n_pspecs))
        continue;
      if (!(pspec->flags & G_PARAM_READABLE) || (pspec->flags & G_PARAM_DEPRECATED))
        continue;

      g_value_init (&value, pspec->value_type);
      g_object_get_property (object, pspec->name, &value);
      contents = describe_value (&value);
      add_property_row (self, pspec->name, contents);
    }

  gtk_stack_set_visible_child_name (GTK_STACK (self->details_stack), "details");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_NAME]);
}

static void
comment_changed_cb (WkDemoPageBrowser *self)
{
  if (self->showing_details || self->selected_notes == NULL)
    return;

  wk_demo_notes_set_comment (self->selected_notes, gtk_editable_get_text (GTK_EDITABLE (self->comment_row)));
}

static void
search_activate_cb (WkDemoPageBrowser *self)
{
  wk_demo_page_browser_find (self, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static void
selection_changed_cb (WkDemoPageBrowser *self)
{
  show_details (self);
}

static void
items_changed_cb (WkDemoPageBrowser *self)
{
  gtk_stack_set_visible_child_name (GTK_STACK (self->list_stack),
                                    wk_demo_page_browser_get_n_items (self) > 0 ? "list" : "empty");
  update_sizes (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          WkDemoPageBrowser        *self)
{
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "column"));
  GtkWidget *widget;

  if (column == COLUMN_TAG)
    {
      widget = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
      gtk_widget_set_halign (widget, GTK_ALIGN_CENTER);
      gtk_widget_set_valign (widget, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (widget, "tag");
    }
  else
    {
      widget = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (widget), 0);
      gtk_label_set_ellipsize (GTK_LABEL (widget), PANGO_ELLIPSIZE_END);
      if (column == COLUMN_AGE)
        gtk_widget_add_css_class (widget, "numeric");
    }

  gtk_list_item_set_child (list_item, widget);
}

static char *
describe_parent (GObject *object)
{
  g_autoptr(WkDemoParent) parent = NULL;
  WkDemoChild *child;

  if (!WK_IS_DEMO_CHILD (object))
    return g_strdup ("—");

  child = WK_DEMO_CHILD (object);
  parent = wk_demo_child_dup_parent (child);

  if (parent == NULL)
    /* Translators: %s is a parent's title; the child's WkRef is empty. */
    return g_strdup_printf (_("%s, finalized"), wk_demo_child_get_parent_title (child));
  if (wk_demo_parent_get_destroyed (parent))
    return g_strdup_printf (_("%s, destroyed but alive"), gtk_widget_get_name (GTK_WIDGET (parent)));

  return g_strdup (gtk_widget_get_name (GTK_WIDGET (parent)));
}

static const char *
describe_state (GObject *object)
{
  if (object == NULL)
    return _("Finalized");
  if (WK_IS_DEMO_PARENT (object) && wk_demo_parent_get_destroyed (WK_DEMO_PARENT (object)))
    return _("Leaked");

  return _("Alive");
}

/* Binds one cell. The widget is taken from the row's WkRef and dropped
 * before returning: a row must never keep its widget alive. */
static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         WkDemoPageBrowser        *self)
{
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "column"));
  WkRef *ref = gtk_list_item_get_item (list_item);
  GtkWidget *widget = gtk_list_item_get_child (list_item);
  g_autoptr(GObject) object = wk_ref_dup_object (ref);
  g_autoptr(WkDemoNotes) notes = NULL;
  g_autofree char *text = NULL;

  if (object != NULL && self->registry != NULL)
    notes = wk_demo_registry_dup_notes (self->registry, object);

  switch (column)
    {
    case COLUMN_TAG:
      for (guint i = 0; i < G_N_ELEMENTS (tag_classes); i++)
        gtk_widget_remove_css_class (widget, tag_classes[i]);
      if (notes != NULL)
        {
          gtk_widget_add_css_class (widget, tag_classes[wk_demo_notes_get_tag (notes)]);
          gtk_widget_set_tooltip_text (widget, wk_demo_notes_get_tag_name (wk_demo_notes_get_tag (notes)));
        }
      return;
    case COLUMN_NAME:
      text = g_strdup (notes != NULL ? wk_demo_notes_get_name (notes) : "—");
      break;
    case COLUMN_TYPE:
      text = g_strdup (object != NULL ? G_OBJECT_TYPE_NAME (object) : "—");
      break;
    case COLUMN_PARENT:
      text = object != NULL ? describe_parent (object) : g_strdup ("—");
      break;
    case COLUMN_STATE:
      text = g_strdup (describe_state (object));
      break;
    case COLUMN_AGE:
      if (notes != NULL)
        {
          g_object_set_data_full (G_OBJECT (widget), "created",
                                  g_date_time_ref (wk_demo_notes_get_created (notes)),
                                  (GDestroyNotify) g_date_time_unref);
          g_hash_table_add (self->age_labels, widget);
          update_age_label (GTK_LABEL (widget));
          return;
        }
      text = g_strdup ("—");
      break;
    default:
      g_assert_not_reached ();
    }

  gtk_label_set_label (GTK_LABEL (widget), text);
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           WkDemoPageBrowser        *self)
{
  GtkWidget *widget = gtk_list_item_get_child (list_item);

  if (g_hash_table_remove (self->age_labels, widget))
    g_object_set_data (G_OBJECT (widget), "created", NULL);
}

static void
set_up_column (WkDemoPageBrowser   *self,
               GtkColumnViewColumn *column,
               Column               id)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  g_object_set_data (G_OBJECT (factory), "column", GINT_TO_POINTER (id));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cb), self);
  gtk_column_view_column_set_factory (column, factory);
}

static void
find_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  wk_demo_page_browser_find (WK_DEMO_PAGE_BROWSER (widget), g_variant_get_string (parameter, NULL));
}

static void
wk_demo_page_browser_dispose (GObject *object)
{
  WkDemoPageBrowser *self = WK_DEMO_PAGE_BROWSER (object);

  g_clear_handle_id (&self->age_timeout_id, g_source_remove);
  if (self->registry != NULL)
    g_signal_handlers_disconnect_by_data (self->registry, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), WK_TYPE_DEMO_PAGE_BROWSER);

  g_clear_object (&self->selection);
  g_clear_pointer (&self->selected_notes, wk_demo_notes_unref);

  G_OBJECT_CLASS (wk_demo_page_browser_parent_class)->dispose (object);
}

static void
wk_demo_page_browser_finalize (GObject *object)
{
  WkDemoPageBrowser *self = WK_DEMO_PAGE_BROWSER (object);

  g_clear_object (&self->registry);
  g_clear_pointer (&self->age_labels, g_hash_table_unref);

  G_OBJECT_CLASS (wk_demo_page_browser_parent_class)->finalize (object);
}

static void
wk_demo_page_browser_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  WkDemoPageBrowser *self = WK_DEMO_PAGE_BROWSER (object);

  switch (prop_id)
    {
    case PROP_REGISTRY:
      g_value_set_object (value, self->registry);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, wk_demo_page_browser_get_n_items (self));
      break;
    case PROP_N_NAMES:
      g_value_set_uint (value, self->registry != NULL ? wk_demo_registry_get_n_names (self->registry) : 0);
      break;
    case PROP_N_NOTES:
      g_value_set_uint (value, self->registry != NULL ? wk_demo_registry_get_n_notes (self->registry) : 0);
      break;
    case PROP_SELECTED_NAME:
      g_value_take_string (value, wk_demo_page_browser_dup_selected_name (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_page_browser_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  WkDemoPageBrowser *self = WK_DEMO_PAGE_BROWSER (object);

  switch (prop_id)
    {
    case PROP_REGISTRY:
      wk_demo_page_browser_set_registry (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_page_browser_class_init (WkDemoPageBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wk_demo_page_browser_dispose;
  object_class->finalize = wk_demo_page_browser_finalize;
  object_class->get_property = wk_demo_page_browser_get_property;
  object_class->set_property = wk_demo_page_browser_set_property;

  /**
   * WkDemoPageBrowser:registry:
   *
   * The registry whose `WkSet` the browser shows.
   */
  properties[PROP_REGISTRY] =
    g_param_spec_object ("registry", NULL, NULL, WK_TYPE_DEMO_REGISTRY,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageBrowser:n-items:
   *
   * How many rows the browser's model has.
   */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageBrowser:n-names:
   *
   * How many names the search's `WkValueTable` holds.
   */
  properties[PROP_N_NAMES] =
    g_param_spec_uint ("n-names", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageBrowser:n-notes:
   *
   * How many notes the `WkKeyTable` holds.
   */
  properties[PROP_N_NOTES] =
    g_param_spec_uint ("n-notes", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoPageBrowser:selected-name:
   *
   * The name of the selected widget, %NULL for none.
   */
  properties[PROP_SELECTED_NAME] =
    g_param_spec_string ("selected-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/wobj/Demo/pages/browser/wk-demo-page-browser.ui");
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, search_label);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, sizes_label);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, list_stack);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, column_view);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, tag_column);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, name_column);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, type_column);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, parent_column);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, state_column);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, age_column);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, details_stack);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, notes_group);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, created_row);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, tag_row);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, comment_row);
  gtk_widget_class_bind_template_child (widget_class, WkDemoPageBrowser, properties_list);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, comment_changed_cb);

  gtk_widget_class_install_action (widget_class, "browser.find", "s", find_action_cb);
}

static void
wk_demo_page_browser_init (WkDemoPageBrowser *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->age_labels = g_hash_table_new (NULL, NULL);

  set_up_column (self, self->tag_column, COLUMN_TAG);
  set_up_column (self, self->name_column, COLUMN_NAME);
  set_up_column (self, self->type_column, COLUMN_TYPE);
  set_up_column (self, self->parent_column, COLUMN_PARENT);
  set_up_column (self, self->state_column, COLUMN_STATE);
  set_up_column (self, self->age_column, COLUMN_AGE);

  self->age_timeout_id = g_timeout_add_seconds (1, tick_ages_cb, self);
}

WkDemoRegistry *
wk_demo_page_browser_get_registry (WkDemoPageBrowser *self)
{
  g_return_val_if_fail (WK_IS_DEMO_PAGE_BROWSER (self), NULL);

  return self->registry;
}

/**
 * wk_demo_page_browser_set_registry:
 *
 * Shows @registry's `WkSet`, directly: the selection model wraps the set
 * itself, with no copy in between.
 */
void
wk_demo_page_browser_set_registry (WkDemoPageBrowser *self,
                                   WkDemoRegistry    *registry)
{
  g_return_if_fail (WK_IS_DEMO_PAGE_BROWSER (self));
  g_return_if_fail (registry == NULL || WK_IS_DEMO_REGISTRY (registry));

  if (self->registry == registry)
    return;

  if (self->registry != NULL)
    g_signal_handlers_disconnect_by_data (self->registry, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_set_object (&self->registry, registry);

  if (registry != NULL)
    {
      self->selection = gtk_single_selection_new (g_object_ref (wk_demo_registry_get_objects (registry)));
      gtk_single_selection_set_autoselect (self->selection, FALSE);
      gtk_single_selection_set_can_unselect (self->selection, TRUE);
      g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb), self);
      g_signal_connect_swapped (self->selection, "items-changed", G_CALLBACK (items_changed_cb), self);
      g_signal_connect_swapped (registry, "notify::n-objects", G_CALLBACK (update_sizes), self);
      g_signal_connect_swapped (registry, "notify::n-events", G_CALLBACK (update_sizes), self);
    }

  gtk_column_view_set_model (GTK_COLUMN_VIEW (self->column_view), GTK_SELECTION_MODEL (self->selection));
  items_changed_cb (self);
  show_details (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGISTRY]);
}

/**
 * wk_demo_page_browser_get_n_items:
 *
 * Returns: how many rows the browser has
 */
guint
wk_demo_page_browser_get_n_items (WkDemoPageBrowser *self)
{
  g_return_val_if_fail (WK_IS_DEMO_PAGE_BROWSER (self), 0);

  return self->selection != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->selection)) : 0;
}

/**
 * wk_demo_page_browser_dup_selected_name:
 *
 * Returns: (transfer full) (nullable): the name of the selected widget
 */
char *
wk_demo_page_browser_dup_selected_name (WkDemoPageBrowser *self)
{
  g_return_val_if_fail (WK_IS_DEMO_PAGE_BROWSER (self), NULL);

  return self->selected_notes != NULL ? g_strdup (wk_demo_notes_get_name (self->selected_notes)) : NULL;
}

/**
 * wk_demo_page_browser_find:
 * @name: a widget's name
 *
 * Looks @name up in the registry's `WkValueTable` and selects its row.
 *
 * Returns: whether a live widget has that name
 */
gboolean
wk_demo_page_browser_find (WkDemoPageBrowser *self,
                           const char        *name)
{
  g_autoptr(GObject) object = NULL;
  g_autofree char *text = NULL;
  GListModel *model;
  guint n_items;

  g_return_val_if_fail (WK_IS_DEMO_PAGE_BROWSER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (self->registry == NULL)
    return FALSE;

  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), name) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), name);

  object = wk_demo_registry_lookup (self->registry, name);
  if (object == NULL)
    {
      /* Translators: %s is the name searched for. */
      text = g_strdup_printf (_("No live widget is called “%s”"), name);
      gtk_label_set_label (GTK_LABEL (self->search_label), text);
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      return FALSE;
    }

  model = G_LIST_MODEL (self->selection);
  n_items = g_list_model_get_n_items (model);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(WkRef) ref = g_list_model_get_item (model, i);
      g_autoptr(GObject) member = wk_ref_dup_object (ref);

      if (member == object)
        {
          gtk_single_selection_set_selected (self->selection, i);
          break;
        }
    }

  /* Translators: the first %s is a widget's name, the second its type. */
  text = g_strdup_printf (_("Found “%s”, a %s"), name, G_OBJECT_TYPE_NAME (object));
  gtk_label_set_label (GTK_LABEL (self->search_label), text);

  return TRUE;
}

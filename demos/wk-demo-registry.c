/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <glib/gi18n.h>
#include <wobj.h>

#include "wk-demo-event.h"
#include "wk-demo-registry.h"

/**
 * WkDemoRegistry:
 *
 * Every object the demo makes (parents, children, documents), held
 * weakly three times over, each container doing its own job:
 *
 * - a `WkSet` of all of them, which is the widget browser's list model;
 * - a `WkValueTable` from name to object, for the browser's search;
 * - a `WkKeyTable` from object to [struct@DemoNotes], the browser's notes.
 *
 * None keeps anything alive, and each empties itself as objects die. The
 * registry logs each `object-finalized` they emit, in a list model of
 * [class@DemoEvent]s that the event log shows.
 */

struct _WkDemoRegistry
{
  GObject       parent_instance;

  WkSet        *objects;
  WkValueTable *names;
  WkKeyTable   *notes;
  GListStore   *log;

  /* Name to notes, strong: the value table's signal says only the name,
   * and the log wants to say which thread the object died on. Entries go
   * when that signal has been logged. */
  GHashTable   *pending_names;

  guint         next_tag;
};

enum {
  PROP_0,
  PROP_N_OBJECTS,
  PROP_N_EVENTS,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (WkDemoRegistry, wk_demo_registry, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

/* Runs when the object dies, on whichever thread that is, before wobj
 * learns of it: this weak notify was registered before the object joined
 * any wobj container, and GObject runs weak notifies in order. */
static void
object_died_cb (gpointer  data,
                GObject  *where_the_object_was)
{
  WkDemoNotes *notes = data;

  wk_demo_notes_mark_finalized (notes);
  wk_demo_notes_unref (notes);
}

static void
set_object_finalized_cb (WkSet          *set,
                         WkDemoRegistry *self)
{
  g_autofree char *detail = NULL;

  /* Translators: a WkSet's signal carries no key or value; %u is how many
   * members the set still has. */
  detail = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "a member, %u left", "a member, %u left",
                                         wk_set_get_size (set)),
                            wk_set_get_size (set));
  wk_demo_registry_log (self, "WkSet", detail, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_OBJECTS]);
}

static void
names_object_finalized_cb (WkValueTable   *names,
                           const GValue   *key,
                           WkDemoRegistry *self)
{
  const char *name = g_value_get_string (key);
  g_autofree char *detail = NULL;
  WkDemoNotes *notes;

  /* Translators: the key of a WkValueTable entry, an object's name. */
  detail = g_strdup_printf (_("key “%s”"), name);
  notes = g_hash_table_lookup (self->pending_names, name);
  wk_demo_registry_log (self, "WkValueTable", detail, notes);
  g_hash_table_remove (self->pending_names, name);
}

static void
notes_object_finalized_cb (WkKeyTable     *table,
                           const GValue   *value,
                           WkDemoRegistry *self)
{
  WkDemoNotes *notes = g_value_get_pointer (value);
  g_autofree char *detail = NULL;

  /* Translators: the value of a WkKeyTable entry: the browser's notes
   * about the object called %s. */
  detail = g_strdup_printf (_("notes on “%s”"), wk_demo_notes_get_name (notes));
  wk_demo_registry_log (self, "WkKeyTable", detail, notes);
}

static void
wk_demo_registry_dispose (GObject *object)
{
  WkDemoRegistry *self = WK_DEMO_REGISTRY (object);

  if (self->objects != NULL)
    g_signal_handlers_disconnect_by_data (self->objects, self);
  if (self->names != NULL)
    g_signal_handlers_disconnect_by_data (self->names, self);
  if (self->notes != NULL)
    g_signal_handlers_disconnect_by_data (self->notes, self);

  g_clear_object (&self->objects);
  g_clear_object (&self->names);
  g_clear_object (&self->notes);
  g_clear_object (&self->log);
  g_clear_pointer (&self->pending_names, g_hash_table_unref);

  G_OBJECT_CLASS (wk_demo_registry_parent_class)->dispose (object);
}

static void
wk_demo_registry_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  WkDemoRegistry *self = WK_DEMO_REGISTRY (object);

  switch (prop_id)
    {
    case PROP_N_OBJECTS:
      g_value_set_uint (value, wk_demo_registry_get_n_objects (self));
      break;
    case PROP_N_EVENTS:
      g_value_set_uint (value, self->log != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->log)) : 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_registry_class_init (WkDemoRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wk_demo_registry_dispose;
  object_class->get_property = wk_demo_registry_get_property;

  /**
   * WkDemoRegistry:n-objects:
   *
   * How many registered objects are alive: the size of the `WkSet`.
   */
  properties[PROP_N_OBJECTS] =
    g_param_spec_uint ("n-objects", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * WkDemoRegistry:n-events:
   *
   * How many lines the event log has.
   */
  properties[PROP_N_EVENTS] =
    g_param_spec_uint ("n-events", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wk_demo_registry_init (WkDemoRegistry *self)
{
  self->objects = wk_set_new (G_TYPE_OBJECT);
  self->names = wk_value_table_new ();
  self->notes = wk_key_table_new_full ((GBoxedCopyFunc) wk_demo_notes_ref,
                                       (GDestroyNotify) wk_demo_notes_unref);
  self->log = g_list_store_new (WK_TYPE_DEMO_EVENT);
  self->pending_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) wk_demo_notes_unref);

  g_signal_connect (self->objects, "object-finalized", G_CALLBACK (set_object_finalized_cb), self);
  g_signal_connect (self->names, "object-finalized", G_CALLBACK (names_object_finalized_cb), self);
  g_signal_connect (self->notes, "object-finalized", G_CALLBACK (notes_object_finalized_cb), self);
}

WkDemoRegistry *
wk_demo_registry_new (void)
{
  return g_object_new (WK_TYPE_DEMO_REGISTRY, NULL);
}

/**
 * wk_demo_registry_add:
 * @object: (type GObject): a new object
 * @name: its unique name
 *
 * Registers @object in the three containers, with fresh notes. Call it on
 * the main thread.
 */
void
wk_demo_registry_add (WkDemoRegistry *self,
                      gpointer        object,
                      const char     *name)
{
  g_autoptr(WkDemoNotes) notes = NULL;

  g_return_if_fail (WK_IS_DEMO_REGISTRY (self));
  g_return_if_fail (G_IS_OBJECT (object));
  g_return_if_fail (name != NULL);

  notes = wk_demo_notes_new (name, G_OBJECT_TYPE_NAME (object), self->next_tag++ % WK_DEMO_N_TAGS);

  /* Registered once and never removed: g_object_weak_unref is not safe
   * against another thread finalizing the object. */
  g_object_weak_ref (object, object_died_cb, wk_demo_notes_ref (notes));
  g_hash_table_replace (self->pending_names, g_strdup (name), wk_demo_notes_ref (notes));

  wk_value_table_insert (self->names, name, object);
  /* The table takes over the reference it is given. */
  wk_key_table_insert (self->notes, object, wk_demo_notes_ref (notes));
  wk_set_add (self->objects, object);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_OBJECTS]);
}

/**
 * wk_demo_registry_get_objects:
 *
 * Returns: (transfer none): the `WkSet` of every registered object, a
 *   list model of `WkRef`s
 */
GListModel *
wk_demo_registry_get_objects (WkDemoRegistry *self)
{
  g_return_val_if_fail (WK_IS_DEMO_REGISTRY (self), NULL);

  return G_LIST_MODEL (self->objects);
}

guint
wk_demo_registry_get_n_objects (WkDemoRegistry *self)
{
  g_return_val_if_fail (WK_IS_DEMO_REGISTRY (self), 0);

  return self->objects != NULL ? wk_set_get_size (self->objects) : 0;
}

/**
 * wk_demo_registry_get_n_names:
 *
 * Returns: the size of the `WkValueTable` of names
 */
guint
wk_demo_registry_get_n_names (WkDemoRegistry *self)
{
  g_return_val_if_fail (WK_IS_DEMO_REGISTRY (self), 0);

  return self->names != NULL ? wk_value_table_get_size (self->names) : 0;
}

/**
 * wk_demo_registry_get_n_notes:
 *
 * Returns: the size of the `WkKeyTable` of notes
 */
guint
wk_demo_registry_get_n_notes (WkDemoRegistry *self)
{
  g_return_val_if_fail (WK_IS_DEMO_REGISTRY (self), 0);

  return self->notes != NULL ? wk_key_table_get_size (self->notes) : 0;
}

/**
 * wk_demo_registry_lookup:
 *
 * Finds an object by name, through the `WkValueTable`.
 *
 * Returns: (transfer full) (nullable): the object, or %NULL if there is
 *   none by that name or it was finalized
 */
gpointer
wk_demo_registry_lookup (WkDemoRegistry *self,
                         const char     *name)
{
  g_return_val_if_fail (WK_IS_DEMO_REGISTRY (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return wk_value_table_lookup (self->names, name);
}

/**
 * wk_demo_registry_dup_notes:
 *
 * Returns: (transfer full) (nullable): the notes on @object, from the
 *   `WkKeyTable`
 */
WkDemoNotes *
wk_demo_registry_dup_notes (WkDemoRegistry *self,
                            gpointer        object)
{
  gpointer notes = NULL;

  g_return_val_if_fail (WK_IS_DEMO_REGISTRY (self), NULL);
  g_return_val_if_fail (G_IS_OBJECT (object), NULL);

  if (!wk_key_table_lookup (self->notes, object, &notes))
    return NULL;

  return notes;
}

/**
 * wk_demo_registry_get_log:
 *
 * Returns: (transfer none): the event log, a list model of
 *   [class@DemoEvent]s, newest first
 */
GListModel *
wk_demo_registry_get_log (WkDemoRegistry *self)
{
  g_return_val_if_fail (WK_IS_DEMO_REGISTRY (self), NULL);

  return G_LIST_MODEL (self->log);
}

/**
 * wk_demo_registry_log:
 * @container: the type name of the container that emitted the signal
 * @detail: the key or value it carried, for people to read
 * @notes: (nullable): the notes on the object that died, if known
 *
 * Appends a line to the event log. Containers other than the registry's
 * own (the children's `WkRef`s) log through this too.
 */
void
wk_demo_registry_log (WkDemoRegistry *self,
                      const char     *container,
                      const char     *detail,
                      WkDemoNotes    *notes)
{
  g_autoptr(WkDemoEvent) event = NULL;
  g_autofree char *died_on = NULL;

  g_return_if_fail (WK_IS_DEMO_REGISTRY (self));

  if (self->log == NULL)
    return;

  if (notes != NULL)
    died_on = wk_demo_notes_dup_died_on (notes);

  event = wk_demo_event_new (container, detail, died_on,
                             notes != NULL && wk_demo_notes_get_died_on_main_thread (notes));
  /* Newest first: the log is read from the top. */
  g_list_store_insert (self->log, 0, event);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_EVENTS]);
}

void
wk_demo_registry_clear_log (WkDemoRegistry *self)
{
  g_return_if_fail (WK_IS_DEMO_REGISTRY (self));

  g_list_store_remove_all (self->log);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_EVENTS]);
}

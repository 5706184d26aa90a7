/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "wk-set.h"

#include "wk-common-private.h"
#include "wk-ref-private.h"
#include "wk-set-rows-private.h"
#include "wk-table-private.h"

/**
 * WkSet:
 *
 * A set of weakly held objects: the counterpart of Python's
 * `weakref.WeakSet`, and a [iface@Gio.ListModel] of its members in
 * insertion order that a `GtkListView` can show directly.
 *
 * Members are compared by identity and go away when they are finalized:
 * [signal@Wk.Set::object-finalized] is emitted then. A set made with a
 * member type other than `G_TYPE_OBJECT` takes only objects of that type.
 * Every function may be called from any thread.
 *
 * ## The list model
 *
 * The items of the model are not the members but [class@Wk.Ref]s to them,
 * one per member, made when first asked for. A list view holds the item of
 * each row it shows with a strong reference; were the items the members,
 * every visible member would be kept alive by the view. A factory binds a
 * row with [method@Wk.Ref.dup_object], and should hold the member no longer
 * than the row does:
 *
 * ```c
 * static void
 * bind_cb (GtkSignalListItemFactory *factory,
 *          GtkListItem              *list_item)
 * {
 *   WkRef *ref = gtk_list_item_get_item (list_item);
 *   g_autoptr(GObject) member = wk_ref_dup_object (ref);
 *
 *   gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (list_item)),
 *                        member != NULL ? G_OBJECT_TYPE_NAME (member) : "");
 * }
 * ```
 *
 * A list model is single-threaded: it changes, and emits
 * [signal@Gio.ListModel::items-changed], only on the set's thread (the one
 * that created it, with its thread-default main context then), and only
 * to connected handlers (an emission hook alone does not see it). A change
 * made on that thread shows in the model at once. A change made on another
 * thread is a change of the set at once ([method@Wk.Set.contains],
 * [method@Wk.Set.get_size], iteration) and of the model when the set's
 * context next runs. Likewise a member that dies on another thread stays
 * in the model, as a dead [class@Wk.Ref] (never %NULL), until the set's
 * context runs, or until another member dies on the set's thread: deaths
 * are always delivered in the order they happened. [method@Wk.Set.get_size] counts live members at every
 * moment; [method@Gio.ListModel.get_n_items] counts rows.
 */

/* A member's entry: the table's, and the member's place in the list
 * model, changed under the table's lock on the owner's thread. */
typedef struct
{
  WkEntry  entry;
  WkSetRow row;
} WkSetEntry;

struct _WkSet
{
  GObject    parent_instance;
  WkTable    table;
  GType      member_type;

  /* The list model, changed only on the owner's thread, under the table's
   * lock. */
  WkSetRows  rows;         /* WkSetEntry, one reference each */

  /* Other threads changed the set since the model last caught up. */
  gboolean   model_stale;
};

enum {
  PROP_0,
  PROP_ITEM_TYPE,
  PROP_MEMBER_TYPE,
  PROP_N_ITEMS,
  N_PROPS
};

enum {
  OBJECT_FINALIZED,
  N_SIGNALS
};

static void wk_set_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WkSet, wk_set, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, wk_set_list_model_init))

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_STATIC_ASSERT (sizeof (WkSetIter) == sizeof (WkTableIter));

/* Empties the model; returns the entries it held, each with the model's
 * reference, for the caller to drop with no lock held. */
static GPtrArray *
model_clear_locked (WkSet *self)
{
  GPtrArray *entries = wk_set_rows_take_all (&self->rows);

  g_ptr_array_set_free_func (entries, (GDestroyNotify) wk_entry_unref);

  return entries;
}

/* GListModel's signal, looked up once. */
static guint items_changed_signal;

static void
emit_items_changed (WkSet *self,
                    guint  position,
                    guint  removed,
                    guint  added)
{
  if (removed == 0 && added == 0)
    return;

  /* GLib 2.74 collects and marshals the three arguments even when nothing
   * is connected: about 1,200 instructions, a quarter of an insert. Only
   * a handler can tell the difference (an emission hook on items-changed
   * is not called then). */
  if (g_signal_has_handler_pending (self, items_changed_signal, 0, FALSE))
    g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* After a change of membership under the lock: on the owner's thread the
 * model follows at once and the caller emits; elsewhere the model is
 * marked stale, for the owner's thread to catch up. Returns whether to
 * emit. */
static gboolean
model_follow_locked (WkSet   *self,
                     WkEntry *entry,
                     guint   *row)
{
  if (wk_table_is_owner_thread (&self->table))
    {
      gboolean in_model = wk_set_rows_contains (&self->rows, entry);

      if (entry->in_table && !in_model)
        {
          *row = wk_set_rows_append (&self->rows, wk_entry_ref (entry));
          return TRUE;
        }
      if (!entry->in_table && in_model)
        {
          /* The caller drops the model's reference with no lock held. */
          *row = wk_set_rows_remove (&self->rows, entry);
          return TRUE;
        }
      return FALSE;
    }

  self->model_stale = TRUE;

  return FALSE;
}

/* On the owner's thread: the model catches up with the changes made on
 * other threads. It becomes the set's insertion order again, entries whose
 * death is still to be delivered included, and one items-changed covers
 * the rows between the unchanged head and tail. O(n), once per iteration
 * of the owner's context that follows such changes. */
static void
wk_set_sync (GObject *holder)
{
  WkSet *self = WK_SET (holder);
  g_autoptr(GPtrArray) old_rows = NULL;
  GPtrArray *rows;
  guint head = 0;
  guint tail = 0;
  guint n_rows;

  wk_table_lock (&self->table);

  if (!self->model_stale || self->table.disposed)
    {
      wk_table_unlock (&self->table);
      return;
    }
  self->model_stale = FALSE;

  /* The old rows keep their references until after unlocking; the new
   * rows take their own. */
  old_rows = model_clear_locked (self);
  rows = g_ptr_array_new_full (g_hash_table_size (self->table.index), NULL);
  for (WkEntry *entry = self->table.first; entry != NULL; entry = entry->next)
    g_ptr_array_add (rows, wk_entry_ref (entry));

  while (head < old_rows->len && head < rows->len &&
         old_rows->pdata[head] == rows->pdata[head])
    head++;
  while (tail < old_rows->len - head && tail < rows->len - head &&
         old_rows->pdata[old_rows->len - 1 - tail] == rows->pdata[rows->len - 1 - tail])
    tail++;
  n_rows = rows->len;

  wk_set_rows_fill (&self->rows, rows);

  wk_table_unlock (&self->table);

  emit_items_changed (self, head, old_rows->len - head - tail, n_rows - head - tail);
}

/* On the set's thread, with a strong reference to it. Each row leaves the
 * model just before its signals, so that a handler sees the model as the
 * signals so far describe it. */
static void
wk_set_signal_dead (GObject *holder,
                    WkEntry *dead)
{
  WkSet *self = WK_SET (holder);

  for (WkEntry *entry = dead; entry != NULL; entry = entry->next)
    {
      gboolean in_model;
      gboolean disposed;
      guint row = 0;

      wk_table_lock (&self->table);
      disposed = self->table.disposed;
      in_model = wk_set_rows_contains (&self->rows, entry);
      if (in_model)
        row = wk_set_rows_remove (&self->rows, entry);
      wk_table_unlock (&self->table);

      if (in_model)
        {
          wk_entry_unref (entry);   /* the model's */
          emit_items_changed (self, row, 1, 0);
        }
      if (!disposed)
        g_signal_emit (self, signals[OBJECT_FINALIZED], 0);
    }
}

static const WkTableClass set_class = {
  .signal_dead = wk_set_signal_dead,
  .sync = wk_set_sync,
};

static void
free_item (gpointer item)
{
  g_object_unref (item);
}

static void
wk_set_dispose (GObject *object)
{
  WkSet *self = WK_SET (object);
  g_autoptr(GPtrArray) model = NULL;

  wk_table_dispose (&self->table);

  /* The set's sync and its signal_dead() leave a disposed table's model
   * alone: it goes here. */
  wk_table_lock (&self->table);
  model = model_clear_locked (self);
  self->model_stale = FALSE;
  wk_table_unlock (&self->table);

  /* A set disposed while it lives (g_object_run_dispose()) is empty: say
   * so to its views. */
  if (model->len > 0 && wk_table_is_owner_thread (&self->table))
    emit_items_changed (self, 0, model->len, 0);

  G_OBJECT_CLASS (wk_set_parent_class)->dispose (object);
}

static void
wk_set_finalize (GObject *object)
{
  WkSet *self = WK_SET (object);

  wk_set_rows_clear (&self->rows);
  wk_table_finalize (&self->table);

  G_OBJECT_CLASS (wk_set_parent_class)->finalize (object);
}

static void
wk_set_get_property (GObject    *object,
                     guint       prop_id,
                     GValue     *value,
                     GParamSpec *pspec)
{
  WkSet *self = WK_SET (object);

  switch (prop_id)
    {
    case PROP_ITEM_TYPE:
      g_value_set_gtype (value, WK_TYPE_REF);
      break;

    case PROP_MEMBER_TYPE:
      g_value_set_gtype (value, self->member_type);
      break;

    case PROP_N_ITEMS:
      g_value_set_uint (value, g_list_model_get_n_items (G_LIST_MODEL (self)));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_set_set_property (GObject      *object,
                     guint         prop_id,
                     const GValue *value,
                     GParamSpec   *pspec)
{
  WkSet *self = WK_SET (object);

  switch (prop_id)
    {
    case PROP_MEMBER_TYPE:
      self->member_type = g_value_get_gtype (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_set_class_init (WkSetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  gpointer list_model_iface;

  /* The interface makes its signal in its default vtable, which does not
   * exist yet if this is the first class to implement it. */
  list_model_iface = g_type_default_interface_ref (G_TYPE_LIST_MODEL);
  items_changed_signal = g_signal_lookup ("items-changed", G_TYPE_LIST_MODEL);
  g_type_default_interface_unref (list_model_iface);
  g_assert (items_changed_signal != 0);

  wk_init ();

  object_class->dispose = wk_set_dispose;
  object_class->finalize = wk_set_finalize;
  object_class->get_property = wk_set_get_property;
  object_class->set_property = wk_set_set_property;

  /**
   * WkSet:item-type:
   *
   * The type of the list model's items: always [class@Wk.Ref].
   */
  properties[PROP_ITEM_TYPE] =
    g_param_spec_gtype ("item-type", NULL, NULL,
                        G_TYPE_OBJECT,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * WkSet:member-type: (getter get_member_type)
   *
   * The type every member must have.
   */
  properties[PROP_MEMBER_TYPE] =
    g_param_spec_gtype ("member-type", NULL, NULL,
                        G_TYPE_OBJECT,
                        (G_PARAM_READWRITE |
                         G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS));

  /**
   * WkSet:n-items:
   *
   * The number of rows of the list model; see [class@Wk.Set] for how it
   * can differ from [method@Wk.Set.get_size].
   */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WkSet::object-finalized:
   * @self: the set
   *
   * Emitted once for each member finalized while it was in the set, on
   * the set's thread, after it is out of the set and its row out of the
   * list model.
   *
   * A member finalized on another thread leaves lookups and the size at
   * once and is signalled from the set's main context. If the set is
   * emptied or the member removed before then, it is not signalled: the
   * set let go of it first.
   *
   * A handler may change the set or drop it.
   *
   * It is emitted only when a handler is connected: an emission hook
   * alone does not see it.
   */
  signals[OBJECT_FINALIZED] =
    g_signal_new ("object-finalized",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 0);
}

static void
wk_set_init (WkSet *self)
{
  WkTableConfig *config = g_new0 (WkTableConfig, 1);

  self->member_type = G_TYPE_OBJECT;

  /* Keyed by anchor: identity that survives address reuse. The value of
   * an entry is its model item, made on demand. */
  config->entry_size = sizeof (WkSetEntry);
  config->keyed_by_member = TRUE;
  config->hash_func = g_direct_hash;
  config->key_equal_func = g_direct_equal;
  config->value_free_func = free_item;
  wk_table_init (&self->table, G_OBJECT (self), &set_class, config);

  wk_set_rows_init (&self->rows, G_STRUCT_OFFSET (WkSetEntry, row));
}

static GType
wk_set_get_item_type (GListModel *model)
{
  return WK_TYPE_REF;
}

static guint
wk_set_get_n_items (GListModel *model)
{
  WkSet *self = WK_SET (model);
  guint n_items;

  wk_table_lock_read (&self->table);
  n_items = wk_set_rows_get_n_items (&self->rows);
  wk_table_unlock_read (&self->table);

  return n_items;
}

static gpointer
wk_set_get_item (GListModel *model,
                 guint       position)
{
  WkSet *self = WK_SET (model);
  WkEntry *entry;
  WkRef *item;
  WkRef *made = NULL;

  wk_table_lock_read (&self->table);
  entry = wk_set_rows_get (&self->rows, position);
  if (entry == NULL)
    {
      wk_table_unlock_read (&self->table);
      return NULL;
    }
  wk_entry_ref (entry);
  item = entry->value;
  wk_table_unlock_read (&self->table);

  /* The item lives as long as the entry, which we hold. No reference is
   * taken under the lock: a binding's toggle notify may run in it. */
  if (item == NULL)
    {
      /* Made without the lock. A dead member gets a dead reference. */
      made = wk_ref_new_for_anchor (entry->membership.anchor);

      wk_table_lock (&self->table);
      if (entry->value == NULL)
        entry->value = g_steal_pointer (&made);
      item = entry->value;
      wk_table_unlock (&self->table);

      g_clear_object (&made);
    }

  g_object_ref (item);
  wk_entry_unref (entry);

  return item;
}

static void
wk_set_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = wk_set_get_item_type;
  iface->get_n_items = wk_set_get_n_items;
  iface->get_item = wk_set_get_item;
}

/**
 * wk_set_new:
 * @member_type: the type of the members, `G_TYPE_OBJECT` for any
 *
 * Creates an empty set, owned by the calling thread.
 *
 * Returns: (transfer full): a new `WkSet`
 */
WkSet *
wk_set_new (GType member_type)
{
  g_return_val_if_fail (g_type_is_a (member_type, G_TYPE_OBJECT), NULL);

  return g_object_new (WK_TYPE_SET, "member-type", member_type, NULL);
}

/**
 * wk_set_get_member_type: (get-property member-type)
 * @self: a `WkSet`
 *
 * Gets the type every member must have.
 *
 * Returns: the member type
 */
GType
wk_set_get_member_type (WkSet *self)
{
  g_return_val_if_fail (WK_IS_SET (self), G_TYPE_INVALID);

  return self->member_type;
}

static gboolean
add_member (WkSet    *self,
            gpointer  object)
{
  WkEntry *entry = wk_table_make_entry (&self->table, object, NULL, NULL);
  gboolean added = FALSE;
  gboolean emit = FALSE;
  guint row = 0;

  /* A handler of the object's own death can't add it. */
  if (entry == NULL)
    return FALSE;

  wk_table_lock (&self->table);
  if (wk_table_lookup_locked (&self->table, entry->key) == NULL)
    {
      added = wk_table_add_locked (&self->table, entry);
      if (added)
        emit = model_follow_locked (self, entry, &row);
    }
  wk_table_unlock (&self->table);

  /* Already a member, or it died meanwhile. */
  if (!added)
    wk_entry_discard (&self->table, entry);

  if (emit)
    emit_items_changed (self, row, 0, 1);
  else if (added && !wk_table_is_owner_thread (&self->table))
    wk_table_request_sync (&self->table);

  return added;
}

/**
 * wk_set_add:
 * @self: a `WkSet`
 * @object: (type GObject.Object): an object of the set's member type
 *
 * Adds @object to the set, at the end of the list model.
 *
 * No reference to @object is taken: a floating object stays floating.
 *
 * Returns: %TRUE if it was not a member yet
 */
gboolean
wk_set_add (WkSet    *self,
            gpointer  object)
{
  g_return_val_if_fail (WK_IS_SET (self), FALSE);
  wk_return_val_if_not_member (object, self->member_type, FALSE);

  return add_member (self, object);
}

/* Takes @entry, if it is still in the set, out of it. */
static gboolean
remove_entry (WkSet   *self,
              WkEntry *entry)
{
  gboolean removed = FALSE;
  gboolean emit = FALSE;
  guint row = 0;

  wk_table_lock (&self->table);
  if (entry->in_table)
    {
      wk_table_remove_locked (&self->table, entry);
      removed = TRUE;
      emit = model_follow_locked (self, entry, &row);
    }
  wk_table_unlock (&self->table);

  if (!removed)
    return FALSE;

  if (emit)
    wk_entry_unref (entry);   /* the model's */
  wk_entry_unref (entry);     /* the table's */

  if (emit)
    emit_items_changed (self, row, 1, 0);
  else if (!wk_table_is_owner_thread (&self->table))
    wk_table_request_sync (&self->table);

  return TRUE;
}

/**
 * wk_set_remove:
 * @self: a `WkSet`
 * @object: (type GObject.Object): an object
 *
 * Removes @object from the set.
 *
 * Returns: %TRUE if it was a member
 */
gboolean
wk_set_remove (WkSet    *self,
               gpointer  object)
{
  WkEntry *entry;
  gboolean removed;

  g_return_val_if_fail (WK_IS_SET (self), FALSE);
  wk_return_val_if_not_object (object, FALSE);

  entry = wk_table_dup_entry_of (&self->table, object);
  if (entry == NULL)
    return FALSE;

  removed = remove_entry (self, entry);
  wk_entry_unref (entry);

  return removed;
}

/**
 * wk_set_contains:
 * @self: a `WkSet`
 * @object: (type GObject.Object): an object
 *
 * Checks whether @object is a member.
 *
 * Returns: %TRUE if it is
 */
gboolean
wk_set_contains (WkSet    *self,
                 gpointer  object)
{
  g_return_val_if_fail (WK_IS_SET (self), FALSE);
  wk_return_val_if_not_object (object, FALSE);

  return wk_table_holds_object (&self->table, object);
}

/**
 * wk_set_pop:
 * @self: a `WkSet`
 *
 * Removes the oldest live member and returns it, like Python's `pop`.
 *
 * Returns: (transfer full) (nullable) (type GObject.Object): the member,
 *   or %NULL if the set has none
 */
gpointer
wk_set_pop (WkSet *self)
{
  g_autoptr(GPtrArray) snapshot = NULL;

  g_return_val_if_fail (WK_IS_SET (self), NULL);

  snapshot = wk_table_snapshot (&self->table);
  for (guint i = 0; i < snapshot->len; i++)
    {
      WkEntry *entry = g_ptr_array_index (snapshot, i);
      gpointer object = wk_entry_dup_member (entry);

      if (object == NULL)
        continue;
      if (remove_entry (self, entry))
        return object;
      g_object_unref (object);
    }

  return NULL;
}

/**
 * wk_set_remove_all:
 * @self: a `WkSet`
 *
 * Removes every member. [signal@Wk.Set::object-finalized] is not emitted.
 */
void
wk_set_remove_all (WkSet *self)
{
  g_autoptr(GPtrArray) model = NULL;
  WkEntry *removed;
  gboolean here;
  gboolean stale = FALSE;

  g_return_if_fail (WK_IS_SET (self));

  here = wk_table_is_owner_thread (&self->table);

  wk_table_lock (&self->table);
  removed = wk_table_remove_all_locked (&self->table);
  if (here)
    model = model_clear_locked (self);
  else
    stale = self->model_stale = (wk_set_rows_get_n_items (&self->rows) > 0);
  wk_table_unlock (&self->table);

  if (stale)
    wk_table_request_sync (&self->table);

  wk_entry_list_unref (removed);

  if (model != NULL)
    emit_items_changed (self, 0, model->len, 0);
}

/**
 * wk_set_get_size:
 * @self: a `WkSet`
 *
 * Counts the live members.
 *
 * Returns: the number of members
 */
guint
wk_set_get_size (WkSet *self)
{
  guint size;

  g_return_val_if_fail (WK_IS_SET (self), 0);

  wk_table_lock_read (&self->table);
  size = wk_table_get_size_locked (&self->table);
  wk_table_unlock_read (&self->table);

  return size;
}

/**
 * wk_set_dup_members:
 * @self: a `WkSet`
 *
 * Takes a snapshot of the live members, in insertion order.
 *
 * Returns: (transfer container) (element-type GObject.Object): new references
 *   to the members
 */
GPtrArray *
wk_set_dup_members (WkSet *self)
{
  g_autoptr(GPtrArray) snapshot = NULL;
  GPtrArray *members;

  g_return_val_if_fail (WK_IS_SET (self), NULL);

  snapshot = wk_table_snapshot (&self->table);
  members = g_ptr_array_new_full (snapshot->len, g_object_unref);
  for (guint i = 0; i < snapshot->len; i++)
    {
      gpointer object = wk_entry_dup_member (g_ptr_array_index (snapshot, i));

      if (object != NULL)
        g_ptr_array_add (members, object);
    }

  return members;
}

/**
 * wk_set_foreach:
 * @self: a `WkSet`
 * @func: (scope call) (closure user_data): called for each live member
 * @user_data: data for @func
 *
 * Calls @func for each live member, in insertion order, over a snapshot:
 * @func may change the set. A member that dies during the walk is skipped.
 */
void
wk_set_foreach (WkSet            *self,
                WkSetForeachFunc  func,
                gpointer          user_data)
{
  WkSetIter iter;
  gpointer object;

  g_return_if_fail (WK_IS_SET (self));
  g_return_if_fail (func != NULL);

  wk_set_iter_init (&iter, self);
  while (wk_set_iter_next (&iter, &object))
    func (object, user_data);
}

/* The members of @other, checked against the member type of @self. */
static GPtrArray *
dup_members_for (WkSet       *self,
                 WkSet       *other,
                 const char  *function)
{
  GPtrArray *members = wk_set_dup_members (other);

  for (guint i = 0; i < members->len; i++)
    {
      if (!wk_check_member (function, "other", g_ptr_array_index (members, i), self->member_type))
        {
          g_ptr_array_unref (members);
          return NULL;
        }
    }

  return members;
}

/**
 * wk_set_update:
 * @self: a `WkSet`
 * @other: a `WkSet`
 *
 * Adds every member of @other: Python's `|=`. If a member of @other is not
 * of the member type of @self, nothing is added.
 */
void
wk_set_update (WkSet *self,
               WkSet *other)
{
  g_autoptr(GPtrArray) members = NULL;

  g_return_if_fail (WK_IS_SET (self));
  g_return_if_fail (WK_IS_SET (other));

  members = dup_members_for (self, other, G_STRFUNC);
  if (members == NULL)
    return;

  for (guint i = 0; i < members->len; i++)
    add_member (self, g_ptr_array_index (members, i));
}

/**
 * wk_set_intersection_update:
 * @self: a `WkSet`
 * @other: a `WkSet`
 *
 * Removes the members that are not in @other: Python's `&=`.
 */
void
wk_set_intersection_update (WkSet *self,
                            WkSet *other)
{
  g_autoptr(GPtrArray) members = NULL;

  g_return_if_fail (WK_IS_SET (self));
  g_return_if_fail (WK_IS_SET (other));

  members = wk_set_dup_members (self);
  for (guint i = 0; i < members->len; i++)
    {
      gpointer object = g_ptr_array_index (members, i);

      if (!wk_set_contains (other, object))
        wk_set_remove (self, object);
    }
}

/**
 * wk_set_difference_update:
 * @self: a `WkSet`
 * @other: a `WkSet`
 *
 * Removes the members that are in @other: Python's `-=`.
 */
void
wk_set_difference_update (WkSet *self,
                          WkSet *other)
{
  g_autoptr(GPtrArray) members = NULL;

  g_return_if_fail (WK_IS_SET (self));
  g_return_if_fail (WK_IS_SET (other));

  members = wk_set_dup_members (other);
  for (guint i = 0; i < members->len; i++)
    wk_set_remove (self, g_ptr_array_index (members, i));
}

/**
 * wk_set_symmetric_difference_update:
 * @self: a `WkSet`
 * @other: a `WkSet`
 *
 * Keeps the members that are in exactly one of the two sets: Python's
 * `^=`. If a member of @other is not of the member type of @self, nothing
 * changes.
 */
void
wk_set_symmetric_difference_update (WkSet *self,
                                    WkSet *other)
{
  g_autoptr(GPtrArray) members = NULL;

  g_return_if_fail (WK_IS_SET (self));
  g_return_if_fail (WK_IS_SET (other));

  members = dup_members_for (self, other, G_STRFUNC);
  if (members == NULL)
    return;

  for (guint i = 0; i < members->len; i++)
    {
      gpointer object = g_ptr_array_index (members, i);

      if (!wk_set_remove (self, object))
        add_member (self, object);
    }
}

static WkSet *
copy_set (WkSet *self)
{
  WkSet *copy = wk_set_new (self->member_type);
  g_autoptr(GPtrArray) members = wk_set_dup_members (self);

  for (guint i = 0; i < members->len; i++)
    add_member (copy, g_ptr_array_index (members, i));

  return copy;
}

/**
 * wk_set_union:
 * @self: a `WkSet`
 * @other: a `WkSet`
 *
 * Makes a set of the members of either set: Python's `|`. It has the
 * member type of @self, and its list model lists the members of @self
 * first.
 *
 * Returns: (transfer full) (nullable): a new `WkSet` owned by the calling
 *   thread, or %NULL if a member of @other is not of the member type of
 *   @self
 */
WkSet *
wk_set_union (WkSet *self,
              WkSet *other)
{
  g_autoptr(GPtrArray) members = NULL;
  WkSet *result;

  g_return_val_if_fail (WK_IS_SET (self), NULL);
  g_return_val_if_fail (WK_IS_SET (other), NULL);

  members = dup_members_for (self, other, G_STRFUNC);
  if (members == NULL)
    return NULL;

  result = copy_set (self);
  for (guint i = 0; i < members->len; i++)
    add_member (result, g_ptr_array_index (members, i));

  return result;
}

/**
 * wk_set_intersection:
 * @self: a `WkSet`
 * @other: a `WkSet`
 *
 * Makes a set of the members of both sets: Python's `&`.
 *
 * Returns: (transfer full): a new `WkSet` owned by the calling thread
 */
WkSet *
wk_set_intersection (WkSet *self,
                     WkSet *other)
{
  WkSet *result;

  g_return_val_if_fail (WK_IS_SET (self), NULL);
  g_return_val_if_fail (WK_IS_SET (other), NULL);

  result = copy_set (self);
  wk_set_intersection_update (result, other);

  return result;
}

/**
 * wk_set_difference:
 * @self: a `WkSet`
 * @other: a `WkSet`
 *
 * Makes a set of the members of @self that are not in @other: Python's
 * `-`.
 *
 * Returns: (transfer full): a new `WkSet` owned by the calling thread
 */
WkSet *
wk_set_difference (WkSet *self,
                   WkSet *other)
{
  WkSet *result;

  g_return_val_if_fail (WK_IS_SET (self), NULL);
  g_return_val_if_fail (WK_IS_SET (other), NULL);

  result = copy_set (self);
  wk_set_difference_update (result, other);

  return result;
}

/**
 * wk_set_symmetric_difference:
 * @self: a `WkSet`
 * @other: a `WkSet`
 *
 * Makes a set of the members in exactly one of the two sets: Python's
 * `^`.
 *
 * Returns: (transfer full) (nullable): a new `WkSet` owned by the calling
 *   thread, or %NULL if a member of @other is not of the member type of
 *   @self
 */
WkSet *
wk_set_symmetric_difference (WkSet *self,
                             WkSet *other)
{
  g_autoptr(GPtrArray) members = NULL;
  WkSet *result;

  g_return_val_if_fail (WK_IS_SET (self), NULL);
  g_return_val_if_fail (WK_IS_SET (other), NULL);

  members = dup_members_for (self, other, G_STRFUNC);
  if (members == NULL)
    return NULL;

  result = copy_set (self);
  for (guint i = 0; i < members->len; i++)
    {
      gpointer object = g_ptr_array_index (members, i);

      if (!wk_set_remove (result, object))
        add_member (result, object);
    }

  return result;
}

/* Whether every live member of @self is in @other. */
static gboolean
all_in (WkSet *self,
        WkSet *other)
{
  g_autoptr(GPtrArray) members = wk_set_dup_members (self);

  for (guint i = 0; i < members->len; i++)
    if (!wk_set_contains (other, g_ptr_array_index (members, i)))
      return FALSE;

  return TRUE;
}

/**
 * wk_set_is_subset:
 * @self: a `WkSet`
 * @other: a `WkSet`
 *
 * Checks whether every member of @self is in @other: Python's `<=`.
 *
 * Returns: %TRUE if it is
 */
gboolean
wk_set_is_subset (WkSet *self,
                  WkSet *other)
{
  g_return_val_if_fail (WK_IS_SET (self), FALSE);
  g_return_val_if_fail (WK_IS_SET (other), FALSE);

  return all_in (self, other);
}

/**
 * wk_set_is_superset:
 * @self: a `WkSet`
 * @other: a `WkSet`
 *
 * Checks whether every member of @other is in @self: Python's `>=`.
 *
 * Returns: %TRUE if it is
 */
gboolean
wk_set_is_superset (WkSet *self,
                    WkSet *other)
{
  g_return_val_if_fail (WK_IS_SET (self), FALSE);
  g_return_val_if_fail (WK_IS_SET (other), FALSE);

  return all_in (other, self);
}

/**
 * wk_set_is_disjoint:
 * @self: a `WkSet`
 * @other: a `WkSet`
 *
 * Checks whether the two sets have no member in common.
 *
 * Returns: %TRUE if they have none
 */
gboolean
wk_set_is_disjoint (WkSet *self,
                    WkSet *other)
{
  g_autoptr(GPtrArray) members = NULL;

  g_return_val_if_fail (WK_IS_SET (self), FALSE);
  g_return_val_if_fail (WK_IS_SET (other), FALSE);

  members = wk_set_dup_members (self);
  for (guint i = 0; i < members->len; i++)
    if (wk_set_contains (other, g_ptr_array_index (members, i)))
      return FALSE;

  return TRUE;
}

/**
 * wk_set_equal:
 * @self: a `WkSet`
 * @other: a `WkSet`
 *
 * Checks whether the two sets have the same live members, in any order.
 *
 * Returns: %TRUE if they have
 */
gboolean
wk_set_equal (WkSet *self,
              WkSet *other)
{
  g_return_val_if_fail (WK_IS_SET (self), FALSE);
  g_return_val_if_fail (WK_IS_SET (other), FALSE);

  return all_in (self, other) && all_in (other, self);
}

/**
 * wk_set_iter_init:
 * @iter: an uninitialized `WkSetIter`
 * @set: a `WkSet`
 *
 * Starts a walk over the live members of @set, in insertion order:
 *
 * ```c
 * g_auto(WkSetIter) iter = { 0, };
 * GtkWidget *widget;
 *
 * wk_set_iter_init (&iter, set);
 * while (wk_set_iter_next (&iter, (gpointer *) &widget))
 *   gtk_widget_queue_draw (widget);
 * ```
 *
 * It works on a snapshot that keeps no member alive: the set may change
 * during the walk, and a member that dies is skipped. Members are those of
 * the moment the walk began: one removed since, still alive, still comes,
 * and one added since does not. A walk that stops before the end must be
 * ended with [method@Wk.SetIter.clear], or declared with
 * `g_auto(WkSetIter)`.
 */
void
wk_set_iter_init (WkSetIter *iter,
                  WkSet     *set)
{
  g_return_if_fail (iter != NULL);
  g_return_if_fail (WK_IS_SET (set));

  wk_table_iter_init ((WkTableIter *) iter, &set->table);
}

/**
 * wk_set_iter_next:
 * @iter: a `WkSetIter`
 * @object: (out) (optional) (transfer none) (type GObject.Object): the
 *   member, alive until the next step
 *
 * Moves to the next live member.
 *
 * Returns: %TRUE, or %FALSE at the end, where the iterator is cleared
 */
gboolean
wk_set_iter_next (WkSetIter *iter,
                  gpointer  *object)
{
  gpointer member;

  g_return_val_if_fail (iter != NULL, FALSE);

  if (wk_table_iter_next ((WkTableIter *) iter, &member) == NULL)
    return FALSE;

  if (object != NULL)
    *object = member;

  return TRUE;
}

/**
 * wk_set_iter_clear:
 * @iter: a `WkSetIter`
 *
 * Ends a walk early, releasing what the iterator holds. Calling it on an
 * iterator that reached its end, or twice, is fine.
 */
void
wk_set_iter_clear (WkSetIter *iter)
{
  g_return_if_fail (iter != NULL);

  wk_table_iter_clear ((WkTableIter *) iter);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "wk-key-table.h"

#include "wk-common-private.h"
#include "wk-table-private.h"

/**
 * WkKeyTable:
 *
 * A table from weakly held objects to values: the counterpart of Python's
 * `weakref.WeakKeyDictionary`.
 *
 * Keys are objects, compared by identity and held weakly: an entry goes
 * away when its key is finalized, and
 * [signal@Wk.KeyTable::object-finalized] is emitted with the value it had,
 * before the value is released. An object allocated later at the same
 * address is a different key.
 *
 * A table made with [ctor@Wk.KeyTable.new] stores [struct@GObject.Value]s,
 * so that any language binding can store anything in it: use
 * [method@Wk.KeyTable.insert_value] and [method@Wk.KeyTable.lookup_value].
 * From C, [ctor@Wk.KeyTable.new_full] stores pointers with their copy and
 * free functions: use [method@Wk.KeyTable.insert] and
 * [method@Wk.KeyTable.lookup], which returns a copy of the value, made with
 * no lock held, so that it stays valid whatever another thread does.
 *
 * Both are g_object_new() with construct-only properties:
 * [property@Wk.KeyTable:value-type] says what the values are,
 * [property@Wk.KeyTable:value-copy-func] and
 * [property@Wk.KeyTable:value-free-func] handle pointer values. With no
 * property set, as a binding's `new Wk.KeyTable()`, the values are
 * `GValue`s.
 *
 * ```c
 * // Per-widget state that goes away with the widget.
 * g_autoptr(WkKeyTable) states = wk_key_table_new_full ((GBoxedCopyFunc) state_ref, state_unref);
 *
 * wk_key_table_insert (states, widget, state_new ());
 * ```
 *
 * Every function may be called from any thread; the signal is emitted on
 * the table's thread, as for [class@Wk.ValueTable]. Handlers and callbacks
 * may change the table or drop it.
 */

struct _WkKeyTable
{
  GObject         parent_instance;
  WkTable         table;
  gboolean        gvalues;

  /* The construct-only properties, read once by constructed(). */
  GType           value_type;
  GBoxedCopyFunc  value_copy_func;
  GDestroyNotify  value_free_func;
};

enum {
  PROP_0,
  PROP_VALUE_TYPE,
  PROP_VALUE_COPY_FUNC,
  PROP_VALUE_FREE_FUNC,
  N_PROPS
};

enum {
  OBJECT_FINALIZED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (WkKeyTable, wk_key_table, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_STATIC_ASSERT (sizeof (WkKeyTableIter) == sizeof (WkTableIter));

/* On the table's thread, with a strong reference to it. */
static void
wk_key_table_signal_dead (GObject *holder,
                          WkEntry *dead)
{
  WkKeyTable *self = WK_KEY_TABLE (holder);

  for (WkEntry *entry = dead; entry != NULL; entry = entry->next)
    {
      GValue pointer = G_VALUE_INIT;
      const GValue *value = entry->value;

      if (wk_table_is_disposed (&self->table))
        break;

      /* As the value table's: nothing connected, no GValue. */
      if (!g_signal_has_handler_pending (self, signals[OBJECT_FINALIZED], 0, FALSE))
        continue;

      if (!self->gvalues)
        {
          g_value_init (&pointer, G_TYPE_POINTER);
          g_value_set_pointer (&pointer, entry->value);
          value = &pointer;
        }

      g_signal_emit (self, signals[OBJECT_FINALIZED], 0, value);
    }
}

static const WkTableClass key_table_class = {
  .signal_dead = wk_key_table_signal_dead,
};

static gpointer
gvalue_copy (gpointer value)
{
  return g_boxed_copy (G_TYPE_VALUE, value);
}

static void
gvalue_free (gpointer value)
{
  g_boxed_free (G_TYPE_VALUE, value);
}

/* Checks the construct-only properties together, as wk_key_table_new_full()
 * checks its arguments, and says what is wrong in the terms of the
 * properties: a g_object_new() caller never sees the C constructor. */
static gboolean
check_properties (WkKeyTable *self)
{
  if (self->value_type != G_TYPE_VALUE && self->value_type != G_TYPE_POINTER)
    {
      /* G_TYPE_INVALID has no name. */
      g_critical ("WkKeyTable:value-type must be G_TYPE_VALUE or G_TYPE_POINTER, not '%s'",
                  self->value_type != G_TYPE_INVALID ? g_type_name (self->value_type) : "G_TYPE_INVALID");
      return FALSE;
    }

  if (self->value_type == G_TYPE_VALUE &&
      (self->value_copy_func != NULL || self->value_free_func != NULL))
    {
      g_critical ("WkKeyTable:value-copy-func and :value-free-func need "
                  "WkKeyTable:value-type G_TYPE_POINTER: GValues come with their own");
      return FALSE;
    }

  if ((self->value_copy_func == NULL) != (self->value_free_func == NULL))
    {
      g_critical ("WkKeyTable:value-copy-func and WkKeyTable:value-free-func "
                  "go together: give both, or neither");
      return FALSE;
    }

  return TRUE;
}

static void
wk_key_table_constructed (GObject *object)
{
  WkKeyTable *self = WK_KEY_TABLE (object);
  WkTableConfig *config = g_new0 (WkTableConfig, 1);

  G_OBJECT_CLASS (wk_key_table_parent_class)->constructed (object);

  /* Refused: a table of pointer values, which calls none of the functions
   * it was given and never reads or frees a value, whatever the caller
   * meant its values to be. */
  if (!check_properties (self))
    {
      self->value_type = G_TYPE_POINTER;
      self->value_copy_func = NULL;
      self->value_free_func = NULL;
    }

  if (self->value_type == G_TYPE_VALUE)
    {
      config->value_copy_func = gvalue_copy;
      config->value_free_func = gvalue_free;
      self->gvalues = TRUE;
    }
  else
    {
      config->value_copy_func = self->value_copy_func;
      config->value_free_func = self->value_free_func;
    }

  /* Keyed by anchor: identity that survives address reuse. */
  config->keyed_by_member = TRUE;
  config->hash_func = g_direct_hash;
  config->key_equal_func = g_direct_equal;
  wk_table_init (&self->table, object, &key_table_class, config);
}

static void
wk_key_table_dispose (GObject *object)
{
  WkKeyTable *self = WK_KEY_TABLE (object);

  wk_table_dispose (&self->table);

  G_OBJECT_CLASS (wk_key_table_parent_class)->dispose (object);
}

static void
wk_key_table_finalize (GObject *object)
{
  WkKeyTable *self = WK_KEY_TABLE (object);

  wk_table_finalize (&self->table);

  G_OBJECT_CLASS (wk_key_table_parent_class)->finalize (object);
}

static void
wk_key_table_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  WkKeyTable *self = WK_KEY_TABLE (object);

  switch (prop_id)
    {
    case PROP_VALUE_TYPE:
      g_value_set_gtype (value, self->value_type);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_key_table_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  WkKeyTable *self = WK_KEY_TABLE (object);

  switch (prop_id)
    {
    case PROP_VALUE_TYPE:
      /* GObject sets every construct-only property, unset ones to their
       * param spec's default: G_TYPE_NONE here, as no single is-a type
       * admits both allowed types. */
      self->value_type = g_value_get_gtype (value);
      if (self->value_type == G_TYPE_NONE)
        self->value_type = G_TYPE_VALUE;
      break;

    case PROP_VALUE_COPY_FUNC:
      self->value_copy_func = g_value_get_pointer (value);
      break;

    case PROP_VALUE_FREE_FUNC:
      self->value_free_func = g_value_get_pointer (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_key_table_class_init (WkKeyTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  wk_init ();

  object_class->constructed = wk_key_table_constructed;
  object_class->dispose = wk_key_table_dispose;
  object_class->finalize = wk_key_table_finalize;
  object_class->get_property = wk_key_table_get_property;
  object_class->set_property = wk_key_table_set_property;

  /**
   * WkKeyTable:value-type:
   *
   * What the values are: `G_TYPE_VALUE` (the default, also what
   * `G_TYPE_NONE` gives) for
   * [struct@GObject.Value]s, which the table copies and frees itself and
   * hands to [signal@Wk.KeyTable::object-finalized] as they are;
   * `G_TYPE_POINTER` for pointers that
   * [property@Wk.KeyTable:value-copy-func] and
   * [property@Wk.KeyTable:value-free-func] handle (or nothing does),
   * handed to the signal as pointer values. Other types are refused with
   * a critical.
   *
   * [ctor@Wk.KeyTable.new] and a bare g_object_new() make `G_TYPE_VALUE`
   * tables, which every language binding can use;
   * [ctor@Wk.KeyTable.new_full] sets `G_TYPE_POINTER`.
   */
  properties[PROP_VALUE_TYPE] =
    g_param_spec_gtype ("value-type", NULL, NULL,
                        G_TYPE_NONE,
                        (G_PARAM_READWRITE |
                         G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS));

  /**
   * WkKeyTable:value-copy-func:
   *
   * The `GBoxedCopyFunc` that makes the copies of values that lookups
   * return, for [property@Wk.KeyTable:value-type] `G_TYPE_POINTER`. Give
   * it with [property@Wk.KeyTable:value-free-func], or neither: %NULL (the
   * default) for values that need no memory management.
   *
   * Like [property@Wk.KeyTable:value-free-func], it is a C function
   * pointer that only C can give, and it is write-only: the caller that
   * gave it knows it already, and a binding could not call it.
   * A function given with `G_TYPE_VALUE`, or one without the other, is
   * refused with a critical, and the table then calls neither function
   * and never frees a value.
   */
  properties[PROP_VALUE_COPY_FUNC] =
    g_param_spec_pointer ("value-copy-func", NULL, NULL,
                          (G_PARAM_WRITABLE |
                           G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * WkKeyTable:value-free-func:
   *
   * The `GDestroyNotify` that frees the values the table owns; it goes
   * with [property@Wk.KeyTable:value-copy-func]. %NULL by default.
   * Write-only, as [property@Wk.KeyTable:value-copy-func] explains.
   */
  properties[PROP_VALUE_FREE_FUNC] =
    g_param_spec_pointer ("value-free-func", NULL, NULL,
                          (G_PARAM_WRITABLE |
                           G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WkKeyTable::object-finalized:
   * @self: the table
   * @value: the value whose key was finalized: the stored value in a
   *   table whose [property@Wk.KeyTable:value-type] is `G_TYPE_VALUE`
   *   (made with [ctor@Wk.KeyTable.new] or a bare g_object_new()), a
   *   pointer value (`G_TYPE_POINTER`) holding it otherwise
   *
   * Emitted once for each key finalized while it was in the table, on the
   * table's thread, after its entry is gone and before its value is
   * released.
   *
   * A key finalized on another thread leaves lookups and the size at once
   * and is signalled from the table's main context. If the table is
   * emptied or the key removed before then, it is not signalled: the
   * table let go of it first (and released its value).
   *
   * A handler may change the table or drop it.
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
                  G_TYPE_NONE, 1, G_TYPE_VALUE | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
wk_key_table_init (WkKeyTable *self)
{
}

/**
 * wk_key_table_new:
 *
 * Creates a table from weakly held objects to [struct@GObject.Value]s,
 * owned by the calling thread: g_object_new() with no property set.
 *
 * Returns: (transfer full): a new `WkKeyTable`
 */
WkKeyTable *
wk_key_table_new (void)
{
  return g_object_new (WK_TYPE_KEY_TABLE, NULL);
}

/**
 * wk_key_table_new_full: (skip)
 * @value_copy_func: (nullable): copies a value for a caller
 * @value_free_func: (nullable): frees a value the table owns
 *
 * Creates a table from weakly held objects to pointers, owned by the
 * calling thread.
 *
 * The table owns the values given to it and frees them with
 * @value_free_func. Lookups return copies made with @value_copy_func, so
 * that another thread can't free a value that a caller still uses. Give
 * both, or neither for values that need no memory management.
 *
 * This is g_object_new() with [property@Wk.KeyTable:value-type]
 * `G_TYPE_POINTER` and the two functions as the properties of the same
 * names.
 *
 * Returns: (transfer full) (nullable): a new `WkKeyTable`, or %NULL if
 *   only one of the functions is given
 */
WkKeyTable *
wk_key_table_new_full (GBoxedCopyFunc value_copy_func,
                       GDestroyNotify value_free_func)
{
  g_return_val_if_fail ((value_copy_func == NULL) == (value_free_func == NULL), NULL);

  return g_object_new (WK_TYPE_KEY_TABLE,
                       "value-type", G_TYPE_POINTER,
                       "value-copy-func", (gpointer) value_copy_func,
                       "value-free-func", (gpointer) value_free_func,
                       NULL);
}

static gpointer
copy_value (WkKeyTable *self,
            gpointer    value)
{
  if (self->table.config->value_copy_func != NULL && value != NULL)
    return self->table.config->value_copy_func (value);

  return value;
}

/* A handler of the key's own death can't hold it: %NULL, and @value
 * stays the caller's. */
static WkEntry *
make_entry (WkKeyTable *self,
            gpointer    key,
            gpointer    value)
{
  return wk_table_make_entry (&self->table, key, NULL, value);
}

/**
 * wk_key_table_insert:
 * @self: a `WkKeyTable`
 * @key: (type GObject.Object): the key, held weakly
 * @value: (transfer full) (nullable): the value, owned by the table from
 *   now on
 *
 * Sets the value of @key, replacing (and freeing) any value it had.
 *
 * No reference to @key is taken: a floating object stays floating.
 *
 * Returns: %TRUE if @key had no value before
 */
gboolean
wk_key_table_insert (WkKeyTable *self,
                     gpointer    key,
                     gpointer    value)
{
  gboolean had_live = FALSE;
  WkEntry *entry;

  g_return_val_if_fail (WK_IS_KEY_TABLE (self), FALSE);
  wk_return_val_if_not_object (key, FALSE);

  entry = make_entry (self, key, value);
  if (entry == NULL)
    {
      if (self->table.config->value_free_func != NULL && value != NULL)
        self->table.config->value_free_func (value);
      return FALSE;
    }

  wk_table_replace (&self->table, NULL, entry, FALSE, &had_live);

  return !had_live;
}

/**
 * wk_key_table_insert_value:
 * @self: a `WkKeyTable` made with [ctor@Wk.KeyTable.new]
 * @key: (type GObject.Object): the key, held weakly
 * @value: the value, copied
 *
 * Sets the value of @key, replacing any value it had.
 *
 * Returns: %TRUE if @key had no value before
 */
gboolean
wk_key_table_insert_value (WkKeyTable   *self,
                           gpointer      key,
                           const GValue *value)
{
  g_return_val_if_fail (WK_IS_KEY_TABLE (self), FALSE);
  g_return_val_if_fail (self->gvalues, FALSE);
  wk_return_val_if_not_object (key, FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);

  return wk_key_table_insert (self, key, gvalue_copy ((gpointer) value));
}

/**
 * wk_key_table_lookup:
 * @self: a `WkKeyTable`
 * @key: (type GObject.Object): the key
 * @value: (out) (optional) (transfer full) (nullable): a copy of the value
 *   of @key, to free with the table's free function
 *
 * Gets a copy of the value of @key.
 *
 * Returns: %TRUE if @key has a value
 */
gboolean
wk_key_table_lookup (WkKeyTable *self,
                     gpointer    key,
                     gpointer   *value)
{
  WkEntry *entry;

  g_return_val_if_fail (WK_IS_KEY_TABLE (self), FALSE);
  wk_return_val_if_not_object (key, FALSE);

  entry = wk_table_dup_entry_of (&self->table, key);
  if (entry == NULL)
    return FALSE;

  if (value != NULL)
    *value = copy_value (self, entry->value);
  wk_entry_unref (entry);

  return TRUE;
}

/**
 * wk_key_table_lookup_value:
 * @self: a `WkKeyTable` made with [ctor@Wk.KeyTable.new]
 * @key: (type GObject.Object): the key
 * @value: (out caller-allocates): an uninitialized value, set to a copy of
 *   the value of @key if it has one, to a %NULL pointer value
 *   (`G_TYPE_POINTER`) otherwise, which bindings see as none; unset it in
 *   both cases
 *
 * Gets a copy of the value of @key.
 *
 * Returns: %TRUE if @key has a value
 */
gboolean
wk_key_table_lookup_value (WkKeyTable *self,
                           gpointer    key,
                           GValue     *value)
{
  WkEntry *entry;

  g_return_val_if_fail (WK_IS_KEY_TABLE (self), FALSE);
  g_return_val_if_fail (self->gvalues, FALSE);
  wk_return_val_if_not_object (key, FALSE);
  g_return_val_if_fail (value != NULL && !G_IS_VALUE (value), FALSE);

  entry = wk_table_dup_entry_of (&self->table, key);
  if (entry == NULL)
    {
      /* Never left uninitialized: a binding converts it all the same. */
      g_value_init (value, G_TYPE_POINTER);
      return FALSE;
    }

  g_value_init (value, G_VALUE_TYPE (entry->value));
  g_value_copy (entry->value, value);
  wk_entry_unref (entry);

  return TRUE;
}

/**
 * wk_key_table_lookup_or_insert:
 * @self: a `WkKeyTable`
 * @key: (type GObject.Object): the key
 * @factory: (scope call) (closure user_data): makes the value if @key has
 *   none
 * @user_data: data for @factory
 *
 * Gets a copy of the value of @key, or makes the value with @factory and
 * inserts it: the race-free cache idiom. @factory runs with no lock held;
 * if several threads miss the same key at once one value wins and the
 * others are freed.
 *
 * Returns: (transfer full) (nullable): a copy of the value @key has now
 */
gpointer
wk_key_table_lookup_or_insert (WkKeyTable        *self,
                               gpointer           key,
                               WkKeyTableFactory  factory,
                               gpointer           user_data)
{
  g_autoptr(WkKeyTable) hold = NULL;

  g_return_val_if_fail (WK_IS_KEY_TABLE (self), NULL);
  wk_return_val_if_not_object (key, NULL);
  g_return_val_if_fail (factory != NULL, NULL);

  /* The factory may drop the table's last reference. */
  hold = g_object_ref (self);

  for (;;)
    {
      WkEntry *seen = wk_table_dup_entry_of (&self->table, key);
      WkEntry *entry;
      gpointer value;

      if (seen != NULL)
        {
          value = copy_value (self, seen->value);
          wk_entry_unref (seen);
          return value;
        }

      value = factory (key, user_data);
      entry = make_entry (self, key, value);
      if (entry == NULL)
        return value;   /* the key is in its death: not stored */
      wk_entry_ref (entry);
      if (wk_table_replace (&self->table, NULL, entry, TRUE, NULL) != WK_TABLE_CHANGED)
        {
          /* Added, or refused by a disposed table: the caller gets the
           * value either way. */
          value = copy_value (self, entry->value);
          wk_entry_unref (entry);
          return value;
        }
      wk_entry_unref (entry);
    }
}

/**
 * wk_key_table_lookup_or_insert_value:
 * @self: a `WkKeyTable` made with [ctor@Wk.KeyTable.new]
 * @key: (type GObject.Object): the key
 * @value: the value to insert if @key has none
 * @result: (out caller-allocates): an uninitialized value, set to a copy
 *   of the value @key has now
 *
 * Gets the value of @key, or inserts a copy of @value: Python's
 * `setdefault`, atomic.
 *
 * Returns: %TRUE if @value was inserted
 */
gboolean
wk_key_table_lookup_or_insert_value (WkKeyTable   *self,
                                     gpointer      key,
                                     const GValue *value,
                                     GValue       *result)
{
  g_return_val_if_fail (WK_IS_KEY_TABLE (self), FALSE);
  g_return_val_if_fail (self->gvalues, FALSE);
  wk_return_val_if_not_object (key, FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (result != NULL && !G_IS_VALUE (result), FALSE);

  for (;;)
    {
      WkEntry *seen = wk_table_dup_entry_of (&self->table, key);
      WkEntry *entry;
      WkTableReplace outcome;
      gpointer copy;

      if (seen != NULL)
        {
          g_value_init (result, G_VALUE_TYPE (seen->value));
          g_value_copy (seen->value, result);
          wk_entry_unref (seen);
          return FALSE;
        }

      copy = gvalue_copy ((gpointer) value);
      entry = make_entry (self, key, copy);
      if (entry == NULL)
        {
          /* The key is in its death: nothing is stored. */
          gvalue_free (copy);
          g_value_init (result, G_VALUE_TYPE (value));
          g_value_copy (value, result);
          return FALSE;
        }
      wk_entry_ref (entry);
      outcome = wk_table_replace (&self->table, NULL, entry, TRUE, NULL);
      wk_entry_unref (entry);
      if (outcome != WK_TABLE_CHANGED)
        {
          /* Refused by a disposed table: nothing is stored. */
          g_value_init (result, G_VALUE_TYPE (value));
          g_value_copy (value, result);
          return outcome == WK_TABLE_ADDED;
        }
    }
}

/**
 * wk_key_table_pop:
 * @self: a `WkKeyTable`
 * @key: (type GObject.Object): the key
 * @value: (out) (optional) (transfer full) (nullable): a copy of the value
 *   @key had
 *
 * Removes @key and gives its value, like Python's `pop`.
 *
 * Returns: %TRUE if @key had a value
 */
gboolean
wk_key_table_pop (WkKeyTable *self,
                  gpointer    key,
                  gpointer   *value)
{
  WkEntry *entry;

  g_return_val_if_fail (WK_IS_KEY_TABLE (self), FALSE);
  wk_return_val_if_not_object (key, FALSE);

  entry = wk_table_steal_entry_of (&self->table, key);
  if (entry == NULL)
    return FALSE;

  if (value != NULL)
    *value = copy_value (self, entry->value);
  wk_entry_unref (entry);

  return TRUE;
}

/**
 * wk_key_table_pop_value:
 * @self: a `WkKeyTable` made with [ctor@Wk.KeyTable.new]
 * @key: (type GObject.Object): the key
 * @value: (out caller-allocates): an uninitialized value, set to the value
 *   @key had, if any, to a %NULL pointer value (`G_TYPE_POINTER`)
 *   otherwise; unset it in both cases
 *
 * Removes @key and gives its value, like Python's `pop`.
 *
 * Returns: %TRUE if @key had a value
 */
gboolean
wk_key_table_pop_value (WkKeyTable *self,
                        gpointer    key,
                        GValue     *value)
{
  WkEntry *entry;

  g_return_val_if_fail (WK_IS_KEY_TABLE (self), FALSE);
  g_return_val_if_fail (self->gvalues, FALSE);
  wk_return_val_if_not_object (key, FALSE);
  g_return_val_if_fail (value != NULL && !G_IS_VALUE (value), FALSE);

  entry = wk_table_steal_entry_of (&self->table, key);
  if (entry == NULL)
    {
      /* Never left uninitialized: a binding converts it all the same. */
      g_value_init (value, G_TYPE_POINTER);
      return FALSE;
    }

  g_value_init (value, G_VALUE_TYPE (entry->value));
  g_value_copy (entry->value, value);
  wk_entry_unref (entry);

  return TRUE;
}

/**
 * wk_key_table_contains:
 * @self: a `WkKeyTable`
 * @key: (type GObject.Object): the key
 *
 * Checks whether @key has a value.
 *
 * Returns: %TRUE if it has
 */
gboolean
wk_key_table_contains (WkKeyTable *self,
                       gpointer    key)
{
  g_return_val_if_fail (WK_IS_KEY_TABLE (self), FALSE);
  wk_return_val_if_not_object (key, FALSE);

  return wk_table_holds_object (&self->table, key);
}

/**
 * wk_key_table_remove:
 * @self: a `WkKeyTable`
 * @key: (type GObject.Object): the key
 *
 * Removes @key and frees its value.
 *
 * Returns: %TRUE if @key had a value
 */
gboolean
wk_key_table_remove (WkKeyTable *self,
                     gpointer    key)
{
  WkEntry *entry;

  g_return_val_if_fail (WK_IS_KEY_TABLE (self), FALSE);
  wk_return_val_if_not_object (key, FALSE);

  entry = wk_table_steal_entry_of (&self->table, key);
  if (entry == NULL)
    return FALSE;

  wk_entry_unref (entry);

  return TRUE;
}

/**
 * wk_key_table_remove_all:
 * @self: a `WkKeyTable`
 *
 * Removes every entry and frees the values. Nothing is emitted.
 *
 * The value of a key that died on another thread and whose
 * [signal@Wk.KeyTable::object-finalized] is still due is freed when the
 * table's main context delivers that death (the signal itself is
 * cancelled): the delivery holds the entry until then.
 */
void
wk_key_table_remove_all (WkKeyTable *self)
{
  WkEntry *removed;

  g_return_if_fail (WK_IS_KEY_TABLE (self));

  wk_table_lock (&self->table);
  removed = wk_table_remove_all_locked (&self->table);
  wk_table_unlock (&self->table);

  wk_entry_list_unref (removed);
}

/**
 * wk_key_table_get_size:
 * @self: a `WkKeyTable`
 *
 * Counts the live keys.
 *
 * Returns: the number of entries
 */
guint
wk_key_table_get_size (WkKeyTable *self)
{
  guint size;

  g_return_val_if_fail (WK_IS_KEY_TABLE (self), 0);

  wk_table_lock_read (&self->table);
  size = wk_table_get_size_locked (&self->table);
  wk_table_unlock_read (&self->table);

  return size;
}

/**
 * wk_key_table_dup_entries:
 * @self: a `WkKeyTable`
 * @keys: (out) (optional) (transfer container) (element-type GObject.Object):
 *   new references to the live keys
 * @values: (out) (optional) (transfer container) (element-type GObject.Value):
 *   copies of their values (`GValue *` in a table made with
 *   [ctor@Wk.KeyTable.new])
 *
 * Takes a snapshot of the live entries, in insertion order: the keys and
 * the values at the same indexes. The arrays free what they hold.
 */
void
wk_key_table_dup_entries (WkKeyTable  *self,
                          GPtrArray  **keys,
                          GPtrArray  **values)
{
  g_autoptr(GPtrArray) snapshot = NULL;

  g_return_if_fail (WK_IS_KEY_TABLE (self));

  snapshot = wk_table_snapshot (&self->table);
  if (keys != NULL)
    *keys = g_ptr_array_new_full (snapshot->len, g_object_unref);
  if (values != NULL)
    *values = g_ptr_array_new_full (snapshot->len,
                                    self->gvalues ? gvalue_free
                                                  : self->table.config->value_free_func);

  for (guint i = 0; i < snapshot->len; i++)
    {
      WkEntry *entry = g_ptr_array_index (snapshot, i);
      gpointer key = wk_entry_dup_member (entry);

      if (key == NULL)
        continue;

      if (values != NULL)
        g_ptr_array_add (*values, copy_value (self, entry->value));
      if (keys != NULL)
        g_ptr_array_add (*keys, g_steal_pointer (&key));
      g_clear_object (&key);
    }
}

/**
 * wk_key_table_dup_keys:
 * @self: a `WkKeyTable`
 *
 * Takes a snapshot of the live keys, in insertion order.
 *
 * Returns: (transfer container) (element-type GObject.Object): new references
 *   to the keys
 */
GPtrArray *
wk_key_table_dup_keys (WkKeyTable *self)
{
  GPtrArray *keys = NULL;

  g_return_val_if_fail (WK_IS_KEY_TABLE (self), NULL);

  wk_key_table_dup_entries (self, &keys, NULL);

  return keys;
}

/**
 * wk_key_table_dup_values:
 * @self: a `WkKeyTable`
 *
 * Takes a snapshot of the values of the live keys, in insertion order.
 *
 * Returns: (transfer container) (element-type GObject.Value): copies of
 *   the values (`GValue *` in a table made with [ctor@Wk.KeyTable.new]),
 *   freed with the array
 */
GPtrArray *
wk_key_table_dup_values (WkKeyTable *self)
{
  GPtrArray *values = NULL;

  g_return_val_if_fail (WK_IS_KEY_TABLE (self), NULL);

  wk_key_table_dup_entries (self, NULL, &values);

  return values;
}

/**
 * wk_key_table_foreach:
 * @self: a `WkKeyTable`
 * @func: (scope call) (closure user_data): called for each live entry
 * @user_data: data for @func
 *
 * Calls @func for each live entry, in insertion order, over a snapshot:
 * @func may change the table. A key that dies during the walk is skipped.
 */
void
wk_key_table_foreach (WkKeyTable            *self,
                      WkKeyTableForeachFunc  func,
                      gpointer               user_data)
{
  WkKeyTableIter iter;
  gpointer key;
  gpointer value;

  g_return_if_fail (WK_IS_KEY_TABLE (self));
  g_return_if_fail (func != NULL);

  wk_key_table_iter_init (&iter, self);
  while (wk_key_table_iter_next (&iter, &key, &value))
    func (key, value, user_data);
}

/**
 * wk_key_table_iter_init:
 * @iter: an uninitialized `WkKeyTableIter`
 * @table: a `WkKeyTable`
 *
 * Starts a walk over the live entries of @table, in insertion order. It
 * works on a snapshot that keeps no key alive: the table may change during
 * the walk, and a key that dies is skipped. Entries are those of the
 * moment the walk began: one removed since, whose key lives, still comes
 * (with the value it had), and one added since does not. A walk that
 * stops before the end must be ended with [method@Wk.KeyTableIter.clear],
 * or declared with `g_auto(WkKeyTableIter)`.
 */
void
wk_key_table_iter_init (WkKeyTableIter *iter,
                        WkKeyTable     *table)
{
  g_return_if_fail (iter != NULL);
  g_return_if_fail (WK_IS_KEY_TABLE (table));

  wk_table_iter_init ((WkTableIter *) iter, &table->table);
}

/**
 * wk_key_table_iter_next:
 * @iter: a `WkKeyTableIter`
 * @key: (out) (optional) (transfer none) (type GObject.Object): the key,
 *   alive until the next step
 * @value: (out) (optional) (transfer none): its value, as stored, valid
 *   until the next step
 *
 * Moves to the next live entry.
 *
 * Returns: %TRUE, or %FALSE at the end, where the iterator is cleared
 */
gboolean
wk_key_table_iter_next (WkKeyTableIter *iter,
                        gpointer       *key,
                        gpointer       *value)
{
  WkEntry *entry;
  gpointer member;

  g_return_val_if_fail (iter != NULL, FALSE);

  entry = wk_table_iter_next ((WkTableIter *) iter, &member);
  if (entry == NULL)
    return FALSE;

  if (key != NULL)
    *key = member;
  if (value != NULL)
    *value = entry->value;

  return TRUE;
}

/**
 * wk_key_table_iter_clear:
 * @iter: a `WkKeyTableIter`
 *
 * Ends a walk early, releasing what the iterator holds. Calling it on an
 * iterator that reached its end, or twice, is fine.
 */
void
wk_key_table_iter_clear (WkKeyTableIter *iter)
{
  g_return_if_fail (iter != NULL);

  wk_table_iter_clear ((WkTableIter *) iter);
}

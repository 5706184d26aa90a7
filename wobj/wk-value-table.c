/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <string.h>

#include "wk-value-table.h"

#include "wk-common-private.h"
#include "wk-table-private.h"

/**
 * WkValueTable:
 *
 * A table from keys to weakly held objects: the counterpart of Python's
 * `weakref.WeakValueDictionary`.
 *
 * Keys are held strongly; values are held weakly and an entry goes away
 * when its value is finalized. A table made with [ctor@Wk.ValueTable.new]
 * has string keys, which it copies; [ctor@Wk.ValueTable.new_full] takes
 * any keys, with their hash, equality, copy and free functions.
 *
 * Both are g_object_new() with construct-only properties:
 * [property@Wk.ValueTable:hash-func],
 * [property@Wk.ValueTable:key-equal-func],
 * [property@Wk.ValueTable:key-copy-func] and
 * [property@Wk.ValueTable:key-free-func] handle pointer keys, which a
 * hash function selects; [property@Wk.ValueTable:key-type] says which
 * keys a table has. With no property set, as for a binding's
 * `new Wk.ValueTable()`, the keys are copied strings. A table of static
 * strings, compared by content and never copied, is
 *
 * ```c
 * // wk_value_table_new_full (g_str_hash, g_str_equal, NULL, NULL)
 * WkValueTable *table = g_object_new (WK_TYPE_VALUE_TABLE,
 *                                     "hash-func", g_str_hash,
 *                                     "key-equal-func", g_str_equal,
 *                                     NULL);
 * ```
 *
 * Every function may be called from any thread. A lookup returns a new
 * strong reference or %NULL, never an object that is being finalized:
 *
 * ```c
 * g_autoptr(GtkWidget) page = wk_value_table_lookup (pages, "settings");
 *
 * if (page == NULL)
 *   page = wk_value_table_lookup_or_insert (pages, "settings", make_page, self);
 * ```
 *
 * When a value is finalized on the thread that created the table, its entry
 * is gone before the last g_object_unref() returns and
 * [signal@Wk.ValueTable::object-finalized] is emitted with its key. When it
 * is finalized on another thread the entry is at once absent from lookups,
 * [method@Wk.ValueTable.contains], iteration and
 * [method@Wk.ValueTable.get_size], and the signal is emitted from the
 * table's main context (the thread-default one of the creating thread).
 *
 * Handlers and callbacks may change the table, or drop it; iteration works
 * on a snapshot that holds no value alive, and skips values that die
 * during the walk. Replacing a key's value, removing it or clearing the
 * table emits nothing.
 */

struct _WkValueTable
{
  GObject         parent_instance;
  WkTable         table;
  gboolean        string_keys;   /* no hash function was given */

  /* The construct-only properties, read once by constructed(). */
  GHashFunc       hash_func;
  GEqualFunc      key_equal_func;
  GBoxedCopyFunc  key_copy_func;
  GDestroyNotify  key_free_func;
};

enum {
  PROP_0,
  PROP_KEY_TYPE,
  PROP_HASH_FUNC,
  PROP_KEY_EQUAL_FUNC,
  PROP_KEY_COPY_FUNC,
  PROP_KEY_FREE_FUNC,
  N_PROPS
};

enum {
  OBJECT_FINALIZED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (WkValueTable, wk_value_table, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_STATIC_ASSERT (sizeof (WkValueTableIter) == sizeof (WkTableIter));

/* On the table's thread, with a strong reference to it. */
static void
wk_value_table_signal_dead (GObject *holder,
                            WkEntry *dead)
{
  WkValueTable *self = WK_VALUE_TABLE (holder);

  for (WkEntry *entry = dead; entry != NULL; entry = entry->next)
    {
      GValue key = G_VALUE_INIT;

      /* A handler may have disposed the table: it says nothing more. */
      if (wk_table_is_disposed (&self->table))
        break;

      /* Nothing connected (asked for each entry: a handler may connect
       * another): the key's GValue is not worth making. */
      if (!g_signal_has_handler_pending (self, signals[OBJECT_FINALIZED], 0, FALSE))
        continue;

      if (self->string_keys)
        {
          g_value_init (&key, G_TYPE_STRING);
          g_value_set_static_string (&key, entry->key);
        }
      else
        {
          g_value_init (&key, G_TYPE_POINTER);
          g_value_set_pointer (&key, entry->key);
        }
      g_signal_emit (self, signals[OBJECT_FINALIZED], 0, &key);
      g_value_unset (&key);
    }
}

static const WkTableClass value_table_class = {
  .signal_dead = wk_value_table_signal_dead,
};

/* The string keys' hash. g_str_hash() multiplies and adds once per byte,
 * about as much as the rest of a lookup's hash probe; this one mixes
 * eight bytes at a time after strlen() (which glibc runs a vector at a
 * time). The last eight bytes are read at once, overlapping the ones
 * before them: the length, mixed in first, keeps that unambiguous.
 * GHashTable needs nothing more than a good spread. */
static guint
string_key_hash (gconstpointer key)
{
  const char *s = key;
  gsize len = strlen (s);
  guint64 h = G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) ^ len;
  guint64 word = 0;

  if (len >= 8)
    {
      const char *last = s + len - 8;

      for (; s < last; s += 8)
        {
          memcpy (&word, s, 8);
          h = (h ^ word) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
          h ^= h >> 31;
        }
      memcpy (&word, last, 8);
    }
  else if (len >= 4)
    {
      guint32 first, last;

      memcpy (&first, s, 4);
      memcpy (&last, s + len - 4, 4);
      word = (guint64) last << 32 | first;
    }
  else
    {
      for (gsize i = 0; i < len; i++)
        word |= (guint64) (guchar) s[i] << (8 * i);
    }

  h = (h ^ word) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  h ^= h >> 29;

  return (guint) (h ^ (h >> 32));
}

/* Checks the construct-only properties together, as wk_value_table_new_full()
 * checks its arguments, and says what is wrong in the terms of the
 * properties: a g_object_new() caller never sees the C constructor. */
static gboolean
check_properties (WkValueTable *self)
{
  if (self->hash_func == NULL &&
      (self->key_equal_func != NULL || self->key_copy_func != NULL || self->key_free_func != NULL))
    {
      g_critical ("WkValueTable:key-equal-func, :key-copy-func and :key-free-func "
                  "need WkValueTable:hash-func: without it the keys are strings, "
                  "which come with their own");
      return FALSE;
    }

  if ((self->key_copy_func == NULL) != (self->key_free_func == NULL))
    {
      g_critical ("WkValueTable:key-copy-func and WkValueTable:key-free-func "
                  "go together: give both, or neither");
      return FALSE;
    }

  return TRUE;
}

static void
wk_value_table_constructed (GObject *object)
{
  WkValueTable *self = WK_VALUE_TABLE (object);
  WkTableConfig *config = g_new0 (WkTableConfig, 1);

  G_OBJECT_CLASS (wk_value_table_parent_class)->constructed (object);

  /* Pointer keys exactly when a hash function was given: only C can give
   * one, and only C can pass keys that are not strings (a binding passes
   * a string it frees after the call, which a table of uncopied pointers
   * would keep). Refused: a table of pointer keys compared by address,
   * which calls none of the functions it was given and never reads a
   * key, whatever the caller meant its keys to be. */
  if (!check_properties (self))
    {
      self->hash_func = g_direct_hash;
      self->key_equal_func = NULL;
      self->key_copy_func = NULL;
      self->key_free_func = NULL;
    }
  self->string_keys = self->hash_func == NULL;

  if (self->string_keys)
    {
      config->hash_func = string_key_hash;
      config->key_equal_func = g_str_equal;
      config->key_copy_func = (GBoxedCopyFunc) g_strdup;
      config->key_free_func = g_free;
      config->keys_inline = TRUE;
    }
  else
    {
      config->hash_func = self->hash_func;
      config->key_equal_func = self->key_equal_func != NULL ? self->key_equal_func : g_direct_equal;
      config->key_copy_func = self->key_copy_func;
      config->key_free_func = self->key_free_func;
    }

  wk_table_init (&self->table, object, &value_table_class, config);
}

static void
wk_value_table_dispose (GObject *object)
{
  WkValueTable *self = WK_VALUE_TABLE (object);

  wk_table_dispose (&self->table);

  G_OBJECT_CLASS (wk_value_table_parent_class)->dispose (object);
}

static void
wk_value_table_finalize (GObject *object)
{
  WkValueTable *self = WK_VALUE_TABLE (object);

  wk_table_finalize (&self->table);

  G_OBJECT_CLASS (wk_value_table_parent_class)->finalize (object);
}

static void
wk_value_table_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  WkValueTable *self = WK_VALUE_TABLE (object);

  switch (prop_id)
    {
    case PROP_KEY_TYPE:
      g_value_set_gtype (value, self->string_keys ? G_TYPE_STRING : G_TYPE_POINTER);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_value_table_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  WkValueTable *self = WK_VALUE_TABLE (object);

  switch (prop_id)
    {
    case PROP_HASH_FUNC:
      self->hash_func = g_value_get_pointer (value);
      break;

    case PROP_KEY_EQUAL_FUNC:
      self->key_equal_func = g_value_get_pointer (value);
      break;

    case PROP_KEY_COPY_FUNC:
      self->key_copy_func = g_value_get_pointer (value);
      break;

    case PROP_KEY_FREE_FUNC:
      self->key_free_func = g_value_get_pointer (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_value_table_class_init (WkValueTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  wk_init ();

  object_class->constructed = wk_value_table_constructed;
  object_class->dispose = wk_value_table_dispose;
  object_class->finalize = wk_value_table_finalize;
  object_class->get_property = wk_value_table_get_property;
  object_class->set_property = wk_value_table_set_property;

  /**
   * WkValueTable:key-type:
   *
   * What the keys are: `G_TYPE_STRING` for strings, which the table
   * copies, compares by content and hands to
   * [signal@Wk.ValueTable::object-finalized] as strings: what
   * [ctor@Wk.ValueTable.new], a bare g_object_new() and every binding
   * make; `G_TYPE_POINTER` for keys that
   * [property@Wk.ValueTable:hash-func] and the other function properties
   * handle, handed to the signal as pointer values: a table made with a
   * hash function, as [ctor@Wk.ValueTable.new_full] does.
   *
   * Read-only: the keys are pointers exactly when C gave a hash function.
   * A binding, which passes a string it frees after the call, can't make
   * a table that keeps such strings uncopied.
   */
  properties[PROP_KEY_TYPE] =
    g_param_spec_gtype ("key-type", NULL, NULL,
                        G_TYPE_NONE,
                        (G_PARAM_READABLE |
                         G_PARAM_STATIC_STRINGS));

  /**
   * WkValueTable:hash-func:
   *
   * The `GHashFunc` of pointer keys: given, it makes the table's
   * [property@Wk.ValueTable:key-type] `G_TYPE_POINTER` (g_direct_hash()
   * for keys compared by address); %NULL, the default, leaves it string
   * keys.
   *
   * Like the other function properties, it is a C function pointer that
   * only C can give, and it is write-only: the caller that gave it knows
   * it already, and a binding could not call it. Another function given
   * without a hash function, or a copy function without a free function
   * (or the reverse), is refused with a critical, and the table then
   * compares keys by address and calls none of the functions.
   */
  properties[PROP_HASH_FUNC] =
    g_param_spec_pointer ("hash-func", NULL, NULL,
                          (G_PARAM_WRITABLE |
                           G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * WkValueTable:key-equal-func:
   *
   * The `GEqualFunc` of pointer keys; %NULL (the default) means
   * g_direct_equal().
   * Write-only, as [property@Wk.ValueTable:hash-func] explains.
   */
  properties[PROP_KEY_EQUAL_FUNC] =
    g_param_spec_pointer ("key-equal-func", NULL, NULL,
                          (G_PARAM_WRITABLE |
                           G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * WkValueTable:key-copy-func:
   *
   * The `GBoxedCopyFunc` that copies each key the table keeps and each
   * key it hands out in a snapshot, for pointer keys. Give it with [property@Wk.ValueTable:key-free-func],
   * or neither: %NULL (the default) keeps keys as given, for integers
   * stored with GINT_TO_POINTER() or static strings. Write-only, as
   * [property@Wk.ValueTable:hash-func] explains.
   */
  properties[PROP_KEY_COPY_FUNC] =
    g_param_spec_pointer ("key-copy-func", NULL, NULL,
                          (G_PARAM_WRITABLE |
                           G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * WkValueTable:key-free-func:
   *
   * The `GDestroyNotify` that frees the table's copies of keys, and the
   * free function of its snapshots' key arrays; it goes with
   * [property@Wk.ValueTable:key-copy-func]. %NULL by default. Write-only,
   * as [property@Wk.ValueTable:hash-func] explains.
   */
  properties[PROP_KEY_FREE_FUNC] =
    g_param_spec_pointer ("key-free-func", NULL, NULL,
                          (G_PARAM_WRITABLE |
                           G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WkValueTable::object-finalized:
   * @self: the table
   * @key: the key whose value was finalized, a value of the table's
   *   [property@Wk.ValueTable:key-type]: a string in a table made with
   *   [ctor@Wk.ValueTable.new] (or a bare g_object_new()), a pointer value
   *   (`G_TYPE_POINTER`) otherwise
   *
   * Emitted once for each value finalized while it was in the table, on
   * the table's thread, after its entry is gone. @key is valid during the
   * emission only.
   *
   * A value finalized on another thread leaves lookups and the size at
   * once and is signalled from the table's main context. If the table is
   * emptied, the key removed or given a new value before then, it is not
   * signalled: the table let go of it first, and a handler that removes
   * @key would remove the new value.
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
wk_value_table_init (WkValueTable *self)
{
}

/**
 * wk_value_table_new:
 *
 * Creates a table from strings, which it copies, to weakly held objects,
 * owned by the calling thread: g_object_new() with no property set.
 *
 * Returns: (transfer full): a new `WkValueTable`
 */
WkValueTable *
wk_value_table_new (void)
{
  return g_object_new (WK_TYPE_VALUE_TABLE, NULL);
}

/**
 * wk_value_table_new_full: (skip)
 * @hash_func: (nullable): hashes a key; %NULL for g_direct_hash()
 * @key_equal_func: (nullable): compares two keys; %NULL for
 *   g_direct_equal()
 * @key_copy_func: (nullable): copies a key given to the table
 * @key_free_func: (nullable): frees a key the table copied
 *
 * Creates a table from any keys to weakly held objects, owned by the
 * calling thread.
 *
 * The table copies each key it keeps with @key_copy_func and frees its
 * copies with @key_free_func, so the keys in snapshots stay valid however
 * the table changes. Give both, or neither for keys that need no memory
 * management, such as integers stored with GINT_TO_POINTER() or static
 * strings.
 *
 * This is g_object_new() with the four functions as the properties of
 * the same names, g_direct_hash() for a %NULL @hash_func.
 *
 * Returns: (transfer full) (nullable): a new `WkValueTable`, or %NULL if
 *   only one of @key_copy_func and @key_free_func is given
 */
WkValueTable *
wk_value_table_new_full (GHashFunc      hash_func,
                         GEqualFunc     key_equal_func,
                         GBoxedCopyFunc key_copy_func,
                         GDestroyNotify key_free_func)
{
  g_return_val_if_fail ((key_copy_func == NULL) == (key_free_func == NULL), NULL);

  return g_object_new (WK_TYPE_VALUE_TABLE,
                       "hash-func", hash_func != NULL ? (gpointer) hash_func : (gpointer) g_direct_hash,
                       "key-equal-func", (gpointer) key_equal_func,
                       "key-copy-func", (gpointer) key_copy_func,
                       "key-free-func", (gpointer) key_free_func,
                       NULL);
}

static gpointer
copy_key (WkValueTable  *self,
          gconstpointer  key)
{
  if (self->table.config->key_copy_func != NULL)
    return self->table.config->key_copy_func ((gpointer) key);

  return (gpointer) key;
}

/* The entry for @key with a reference, or %NULL. Inline: it is most of a
 * lookup. */
G_ALWAYS_INLINE static inline WkEntry *
dup_entry (WkValueTable  *self,
           gconstpointer  key)
{
  WkEntry *entry;

  wk_table_lock_read (&self->table);
  entry = wk_table_lookup_locked (&self->table, key);
  if (entry != NULL)
    wk_entry_ref (entry);
  wk_table_unlock_read (&self->table);

  return entry;
}

/* Makes an entry for @object under a copy of @key, or %NULL while this
 * thread delivers the death of @object. */
static WkEntry *
make_entry (WkValueTable  *self,
            gconstpointer  key,
            gpointer       object)
{
  const WkTableConfig *config = self->table.config;
  /* Inline keys are copied by the entry itself. */
  gpointer copy = config->keys_inline ? (gpointer) key : copy_key (self, key);

  WkEntry *entry = wk_table_make_entry (&self->table, object, copy, NULL);

  /* A handler of the object's own death can't hold it. */
  if (entry == NULL && config->key_free_func != NULL && !config->keys_inline)
    config->key_free_func (copy);

  return entry;
}

/**
 * wk_value_table_insert:
 * @self: a `WkValueTable`
 * @key: (type utf8): the key
 * @object: (type GObject.Object): the value, held weakly
 *
 * Sets the value of @key to @object, replacing any value it had.
 *
 * No reference to @object is taken: a floating object stays floating. An
 * object can't be inserted by a handler of its own death: nothing changes
 * then and %FALSE is returned.
 *
 * Returns: %TRUE if @key had no live value before (a value dying on
 *   another thread at that moment may count as live)
 */
gboolean
wk_value_table_insert (WkValueTable  *self,
                       gconstpointer  key,
                       gpointer       object)
{
  gboolean had_live = FALSE;
  WkEntry *entry;

  g_return_val_if_fail (WK_IS_VALUE_TABLE (self), FALSE);
  g_return_val_if_fail (key != NULL || !self->string_keys, FALSE);
  wk_return_val_if_not_object (object, FALSE);

  entry = make_entry (self, key, object);
  if (entry == NULL)
    return FALSE;

  wk_table_replace (&self->table, NULL, entry, FALSE, &had_live);

  return !had_live;
}

/**
 * wk_value_table_lookup:
 * @self: a `WkValueTable`
 * @key: (type utf8): the key
 *
 * Gets the value of @key, if it is alive.
 *
 * Returns: (transfer full) (nullable) (type GObject.Object): a new
 *   reference to the value, or %NULL
 */
gpointer
wk_value_table_lookup (WkValueTable  *self,
                       gconstpointer  key)
{
  WkEntry *entry;
  gpointer object;

  g_return_val_if_fail (WK_IS_VALUE_TABLE (self), NULL);
  g_return_val_if_fail (key != NULL || !self->string_keys, NULL);

  entry = dup_entry (self, key);
  if (entry == NULL)
    return NULL;

  object = wk_entry_dup_member (entry);
  wk_entry_unref (entry);

  return object;
}

/**
 * wk_value_table_lookup_or_insert:
 * @self: a `WkValueTable`
 * @key: (type utf8): the key
 * @factory: (scope call) (closure user_data): makes the value if @key has
 *   none
 * @user_data: data for @factory
 *
 * Gets the value of @key, or makes it with @factory and inserts it: the
 * race-free cache idiom, like Python's `setdefault`.
 *
 * @factory runs with no lock held. If several threads miss the same key at
 * once, each may call its factory, but one value wins: every caller gets
 * it, and the others' objects are dropped.
 *
 * Returns: (transfer full) (nullable) (type GObject.Object): a new
 *   reference to the value of @key, or %NULL if @factory returned %NULL
 */
gpointer
wk_value_table_lookup_or_insert (WkValueTable        *self,
                                 gconstpointer        key,
                                 WkValueTableFactory  factory,
                                 gpointer             user_data)
{
  g_autoptr(WkValueTable) hold = NULL;
  WkEntry *dying = NULL;
  gpointer made = NULL;
  gpointer object = NULL;

  g_return_val_if_fail (WK_IS_VALUE_TABLE (self), NULL);
  g_return_val_if_fail (key != NULL || !self->string_keys, NULL);
  g_return_val_if_fail (factory != NULL, NULL);

  /* The factory may drop the table's last reference. */
  hold = g_object_ref (self);

  for (;;)
    {
      WkEntry *seen = dup_entry (self, key);

      if (seen != NULL && seen != dying)
        {
          object = wk_entry_dup_member (seen);
          /* A value the factory made but could not insert is held until
           * this lookup: the key may have gone to that very value (a
           * factory that inserts what it makes). */
          g_clear_object (&made);
          if (object != NULL)
            {
              wk_entry_unref (seen);
              break;
            }
          /* Dead or dying: look once more, then replace it. */
          g_clear_pointer (&dying, wk_entry_unref);
          dying = seen;
          continue;
        }

      g_clear_object (&made);
      object = factory (key, user_data);
      if (object == NULL || !wk_check_object (G_STRFUNC, "factory()", object))
        {
          object = NULL;
          g_clear_pointer (&seen, wk_entry_unref);
          break;
        }

      /* Refused: the table is disposed, or another thread disposed the
       * new object already. The caller gets it, the table stays as it is. */
      if (wk_table_replace (&self->table, seen, make_entry (self, key, object), TRUE, NULL) != WK_TABLE_CHANGED)
        {
          g_clear_pointer (&seen, wk_entry_unref);
          break;
        }

      /* Someone else set the key first: take its value. */
      made = g_steal_pointer (&object);
      g_clear_pointer (&seen, wk_entry_unref);
    }

  g_clear_pointer (&dying, wk_entry_unref);

  return object;
}

/**
 * wk_value_table_contains:
 * @self: a `WkValueTable`
 * @key: (type utf8): the key
 *
 * Checks whether @key has a live value.
 *
 * Returns: %TRUE if it has
 */
gboolean
wk_value_table_contains (WkValueTable  *self,
                         gconstpointer  key)
{
  g_autoptr(GObject) object = NULL;

  g_return_val_if_fail (WK_IS_VALUE_TABLE (self), FALSE);
  g_return_val_if_fail (key != NULL || !self->string_keys, FALSE);

  object = wk_value_table_lookup (self, key);

  return object != NULL;
}

/**
 * wk_value_table_pop:
 * @self: a `WkValueTable`
 * @key: (type utf8): the key
 *
 * Removes @key and returns its value, like Python's `pop`. A key whose
 * value is dead is not removed: it goes with its
 * [signal@Wk.ValueTable::object-finalized].
 *
 * Returns: (transfer full) (nullable) (type GObject.Object): the value
 *   @key had, or %NULL if it had no live value
 */
gpointer
wk_value_table_pop (WkValueTable  *self,
                    gconstpointer  key)
{
  WkEntry *entry;
  WkEntry *current;
  gpointer object;

  g_return_val_if_fail (WK_IS_VALUE_TABLE (self), NULL);
  g_return_val_if_fail (key != NULL || !self->string_keys, NULL);

  entry = dup_entry (self, key);
  if (entry == NULL)
    return NULL;

  object = wk_entry_dup_member (entry);
  if (object == NULL)
    {
      wk_entry_unref (entry);
      return NULL;
    }

  wk_table_lock (&self->table);
  current = wk_table_lookup_locked (&self->table, key);
  if (current == entry)
    wk_table_remove_locked (&self->table, entry);
  wk_table_unlock (&self->table);

  if (current == entry)
    wk_entry_unref (entry);   /* the table's */
  wk_entry_unref (entry);

  /* Replaced meanwhile: that value was not ours to take. */
  if (current != entry)
    g_clear_object (&object);

  return object;
}

/**
 * wk_value_table_remove:
 * @self: a `WkValueTable`
 * @key: (type utf8): the key
 *
 * Removes @key if it has a live value.
 *
 * Returns: %TRUE if it was removed
 */
gboolean
wk_value_table_remove (WkValueTable  *self,
                       gconstpointer  key)
{
  g_autoptr(GObject) object = NULL;

  g_return_val_if_fail (WK_IS_VALUE_TABLE (self), FALSE);
  g_return_val_if_fail (key != NULL || !self->string_keys, FALSE);

  object = wk_value_table_pop (self, key);

  return object != NULL;
}

/**
 * wk_value_table_remove_all:
 * @self: a `WkValueTable`
 *
 * Removes every entry. Nothing is emitted.
 */
void
wk_value_table_remove_all (WkValueTable *self)
{
  WkEntry *removed;

  g_return_if_fail (WK_IS_VALUE_TABLE (self));

  wk_table_lock (&self->table);
  removed = wk_table_remove_all_locked (&self->table);
  wk_table_unlock (&self->table);

  wk_entry_list_unref (removed);
}

/**
 * wk_value_table_get_size:
 * @self: a `WkValueTable`
 *
 * Counts the keys with a live value.
 *
 * Returns: the number of entries
 */
guint
wk_value_table_get_size (WkValueTable *self)
{
  guint size;

  g_return_val_if_fail (WK_IS_VALUE_TABLE (self), 0);

  wk_table_lock_read (&self->table);
  size = wk_table_get_size_locked (&self->table);
  wk_table_unlock_read (&self->table);

  return size;
}

/**
 * wk_value_table_dup_entries:
 * @self: a `WkValueTable`
 * @keys: (out) (optional) (transfer container) (element-type utf8): copies of
 *   the keys
 * @values: (out) (optional) (transfer container) (element-type GObject.Object):
 *   their values
 *
 * Takes a snapshot of the live entries, in insertion order: the keys and
 * the values at the same indexes. The arrays free what they hold.
 */
void
wk_value_table_dup_entries (WkValueTable  *self,
                            GPtrArray    **keys,
                            GPtrArray    **values)
{
  g_autoptr(GPtrArray) snapshot = NULL;

  g_return_if_fail (WK_IS_VALUE_TABLE (self));

  snapshot = wk_table_snapshot (&self->table);
  if (keys != NULL)
    *keys = g_ptr_array_new_full (snapshot->len, self->table.config->key_free_func);
  if (values != NULL)
    *values = g_ptr_array_new_full (snapshot->len, g_object_unref);

  for (guint i = 0; i < snapshot->len; i++)
    {
      WkEntry *entry = g_ptr_array_index (snapshot, i);
      gpointer object = wk_entry_dup_member (entry);

      if (object == NULL)
        continue;

      if (keys != NULL)
        g_ptr_array_add (*keys, copy_key (self, entry->key));
      if (values != NULL)
        g_ptr_array_add (*values, g_steal_pointer (&object));
      g_clear_object (&object);
    }
}

/**
 * wk_value_table_dup_keys:
 * @self: a `WkValueTable`
 *
 * Takes a snapshot of the keys that have a live value, in insertion order.
 *
 * Returns: (transfer container) (element-type utf8): copies of the keys
 */
GPtrArray *
wk_value_table_dup_keys (WkValueTable *self)
{
  GPtrArray *keys = NULL;

  g_return_val_if_fail (WK_IS_VALUE_TABLE (self), NULL);

  wk_value_table_dup_entries (self, &keys, NULL);

  return keys;
}

/**
 * wk_value_table_dup_values:
 * @self: a `WkValueTable`
 *
 * Takes a snapshot of the live values, in insertion order.
 *
 * Returns: (transfer container) (element-type GObject.Object): new references
 *   to the values
 */
GPtrArray *
wk_value_table_dup_values (WkValueTable *self)
{
  GPtrArray *values = NULL;

  g_return_val_if_fail (WK_IS_VALUE_TABLE (self), NULL);

  wk_value_table_dup_entries (self, NULL, &values);

  return values;
}

/**
 * wk_value_table_foreach:
 * @self: a `WkValueTable`
 * @func: (scope call) (closure user_data): called for each live entry
 * @user_data: data for @func
 *
 * Calls @func for each live entry, in insertion order, over a snapshot:
 * @func may change the table. A value that dies during the walk is skipped.
 */
void
wk_value_table_foreach (WkValueTable            *self,
                        WkValueTableForeachFunc  func,
                        gpointer                 user_data)
{
  WkValueTableIter iter;
  gconstpointer key;
  gpointer object;

  g_return_if_fail (WK_IS_VALUE_TABLE (self));
  g_return_if_fail (func != NULL);

  wk_value_table_iter_init (&iter, self);
  while (wk_value_table_iter_next (&iter, &key, &object))
    func (key, object, user_data);
}

/**
 * wk_value_table_iter_init:
 * @iter: an uninitialized `WkValueTableIter`
 * @table: a `WkValueTable`
 *
 * Starts a walk over the live entries of @table, in insertion order:
 *
 * ```c
 * WkValueTableIter iter;
 * const char *key;
 * GObject *object;
 *
 * wk_value_table_iter_init (&iter, table);
 * while (wk_value_table_iter_next (&iter, (gconstpointer *) &key, (gpointer *) &object))
 *   g_print ("%s: %s\n", key, G_OBJECT_TYPE_NAME (object));
 * ```
 *
 * The iterator walks a snapshot that keeps no value alive: the table may
 * change during the walk, and a value that dies is skipped. Entries are
 * those of the moment the walk began: one removed since, whose value
 * lives, still comes, and one added since does not. A walk that
 * stops before the end must be ended with
 * [method@Wk.ValueTableIter.clear], or declared with
 * `g_auto(WkValueTableIter)`.
 */
void
wk_value_table_iter_init (WkValueTableIter *iter,
                          WkValueTable     *table)
{
  g_return_if_fail (iter != NULL);
  g_return_if_fail (WK_IS_VALUE_TABLE (table));

  wk_table_iter_init ((WkTableIter *) iter, &table->table);
}

/**
 * wk_value_table_iter_next:
 * @iter: a `WkValueTableIter`
 * @key: (out) (optional) (transfer none) (type utf8): the key: a string
 *   in a table made with [ctor@Wk.ValueTable.new] (or by
 *   g_object_new()), what was given otherwise
 * @object: (out) (optional) (transfer none) (type GObject.Object): its
 *   value, alive until the next step
 *
 * Moves to the next live entry. The iterator holds the value and the key
 * until the next call.
 *
 * Returns: %TRUE, or %FALSE at the end, where the iterator is cleared
 */
gboolean
wk_value_table_iter_next (WkValueTableIter *iter,
                          gconstpointer    *key,
                          gpointer         *object)
{
  WkEntry *entry;
  gpointer member;

  g_return_val_if_fail (iter != NULL, FALSE);

  entry = wk_table_iter_next ((WkTableIter *) iter, &member);
  if (entry == NULL)
    return FALSE;

  if (key != NULL)
    *key = entry->key;
  if (object != NULL)
    *object = member;

  return TRUE;
}

/**
 * wk_value_table_iter_clear:
 * @iter: a `WkValueTableIter`
 *
 * Ends a walk early, releasing what the iterator holds. Calling it on an
 * iterator that reached its end, or twice, is fine.
 */
void
wk_value_table_iter_clear (WkValueTableIter *iter)
{
  g_return_if_fail (iter != NULL);

  wk_table_iter_clear ((WkTableIter *) iter);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(_WOBJ_INSIDE) && !defined(WOBJ_COMPILATION)
#error "Only <wobj.h> can be included directly."
#endif

#include <glib-object.h>

#include "wk-version.h"

G_BEGIN_DECLS

#define WK_TYPE_KEY_TABLE (wk_key_table_get_type ())

WK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (WkKeyTable, wk_key_table, WK, KEY_TABLE, GObject)

/**
 * WkKeyTableForeachFunc:
 * @key: (type GObject.Object): a key, alive during the call
 * @value: its value, as stored (a `GValue *` in a table made with
 *   [ctor@Wk.KeyTable.new])
 * @user_data: the data given to [method@Wk.KeyTable.foreach]
 *
 * Called for each live entry of a [class@Wk.KeyTable].
 */
typedef void (*WkKeyTableForeachFunc) (gpointer key,
                                       gpointer value,
                                       gpointer user_data);

/**
 * WkKeyTableFactory:
 * @key: (type GObject.Object): the key that has no value
 * @user_data: the data given to [method@Wk.KeyTable.lookup_or_insert]
 *
 * Makes the value for a key that has none.
 *
 * Returns: (transfer full): the value to store for @key, owned by the table
 */
typedef gpointer (*WkKeyTableFactory) (gpointer key,
                                       gpointer user_data);

WK_AVAILABLE_IN_ALL
WkKeyTable *wk_key_table_new                     (void) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
WkKeyTable *wk_key_table_new_full                (GBoxedCopyFunc          value_copy_func,
                                                  GDestroyNotify          value_free_func) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
gboolean    wk_key_table_insert                  (WkKeyTable             *self,
                                                  gpointer                key,
                                                  gpointer                value);
WK_AVAILABLE_IN_ALL
gboolean    wk_key_table_lookup                  (WkKeyTable             *self,
                                                  gpointer                key,
                                                  gpointer               *value);
WK_AVAILABLE_IN_ALL
gpointer    wk_key_table_lookup_or_insert        (WkKeyTable             *self,
                                                  gpointer                key,
                                                  WkKeyTableFactory       factory,
                                                  gpointer                user_data) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
gboolean    wk_key_table_pop                     (WkKeyTable             *self,
                                                  gpointer                key,
                                                  gpointer               *value);
WK_AVAILABLE_IN_ALL
gboolean    wk_key_table_insert_value            (WkKeyTable             *self,
                                                  gpointer                key,
                                                  const GValue           *value);
WK_AVAILABLE_IN_ALL
gboolean    wk_key_table_lookup_value            (WkKeyTable             *self,
                                                  gpointer                key,
                                                  GValue                 *value);
WK_AVAILABLE_IN_ALL
gboolean    wk_key_table_lookup_or_insert_value  (WkKeyTable             *self,
                                                  gpointer                key,
                                                  const GValue           *value,
                                                  GValue                 *result);
WK_AVAILABLE_IN_ALL
gboolean    wk_key_table_pop_value               (WkKeyTable             *self,
                                                  gpointer                key,
                                                  GValue                 *value);
WK_AVAILABLE_IN_ALL
gboolean    wk_key_table_contains                (WkKeyTable             *self,
                                                  gpointer                key);
WK_AVAILABLE_IN_ALL
gboolean    wk_key_table_remove                  (WkKeyTable             *self,
                                                  gpointer                key);
WK_AVAILABLE_IN_ALL
void        wk_key_table_remove_all              (WkKeyTable             *self);
WK_AVAILABLE_IN_ALL
guint       wk_key_table_get_size                (WkKeyTable             *self);
WK_AVAILABLE_IN_ALL
GPtrArray  *wk_key_table_dup_keys                (WkKeyTable             *self) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
GPtrArray  *wk_key_table_dup_values              (WkKeyTable             *self) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
void        wk_key_table_dup_entries             (WkKeyTable             *self,
                                                  GPtrArray             **keys,
                                                  GPtrArray             **values);
WK_AVAILABLE_IN_ALL
void        wk_key_table_foreach                 (WkKeyTable             *self,
                                                  WkKeyTableForeachFunc   func,
                                                  gpointer                user_data);

/**
 * WkKeyTableIter:
 *
 * A stack-allocated iterator over the live entries of a
 * [class@Wk.KeyTable]. See [method@Wk.KeyTableIter.init].
 */
typedef struct _WkKeyTableIter WkKeyTableIter;

struct _WkKeyTableIter
{
  /*< private >*/
  gpointer dummy1;
  gpointer dummy2;
  gpointer dummy3;
  guint    dummy4;
  guint    dummy5;
  gpointer dummy6[4];
};

WK_AVAILABLE_IN_ALL
void        wk_key_table_iter_init               (WkKeyTableIter         *iter,
                                                  WkKeyTable             *table);
WK_AVAILABLE_IN_ALL
gboolean    wk_key_table_iter_next               (WkKeyTableIter         *iter,
                                                  gpointer               *key,
                                                  gpointer               *value);
WK_AVAILABLE_IN_ALL
void        wk_key_table_iter_clear              (WkKeyTableIter         *iter);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WkKeyTableIter, wk_key_table_iter_clear)

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(_WOBJ_INSIDE) && !defined(WOBJ_COMPILATION)
#error "Only <wobj.h> can be included directly."
#endif

#include <glib-object.h>

#include "wk-version.h"

G_BEGIN_DECLS

#define WK_TYPE_VALUE_TABLE (wk_value_table_get_type ())

WK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (WkValueTable, wk_value_table, WK, VALUE_TABLE, GObject)

/**
 * WkValueTableForeachFunc:
 * @key: (type utf8): a key of the table
 * @object: (type GObject.Object): its value, alive during the call
 * @user_data: the data given to [method@Wk.ValueTable.foreach]
 *
 * Called for each live entry of a [class@Wk.ValueTable].
 */
typedef void (*WkValueTableForeachFunc) (gconstpointer key,
                                         gpointer      object,
                                         gpointer      user_data);

/**
 * WkValueTableFactory:
 * @key: (type utf8): the key that has no live value
 * @user_data: the data given to [method@Wk.ValueTable.lookup_or_insert]
 *
 * Makes the value for a key that has none.
 *
 * Returns: (transfer full) (type GObject.Object) (nullable): a new object
 *   for @key, or %NULL to insert nothing
 */
typedef gpointer (*WkValueTableFactory) (gconstpointer key,
                                         gpointer      user_data);

WK_AVAILABLE_IN_ALL
WkValueTable *wk_value_table_new              (void) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
WkValueTable *wk_value_table_new_full         (GHashFunc                hash_func,
                                               GEqualFunc               key_equal_func,
                                               GBoxedCopyFunc           key_copy_func,
                                               GDestroyNotify           key_free_func) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
gboolean      wk_value_table_insert           (WkValueTable            *self,
                                               gconstpointer            key,
                                               gpointer                 object);
WK_AVAILABLE_IN_ALL
gpointer      wk_value_table_lookup           (WkValueTable            *self,
                                               gconstpointer            key) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
gpointer      wk_value_table_lookup_or_insert (WkValueTable            *self,
                                               gconstpointer            key,
                                               WkValueTableFactory      factory,
                                               gpointer                 user_data) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
gboolean      wk_value_table_contains         (WkValueTable            *self,
                                               gconstpointer            key);
WK_AVAILABLE_IN_ALL
gboolean      wk_value_table_remove           (WkValueTable            *self,
                                               gconstpointer            key);
WK_AVAILABLE_IN_ALL
gpointer      wk_value_table_pop              (WkValueTable            *self,
                                               gconstpointer            key) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
void          wk_value_table_remove_all       (WkValueTable            *self);
WK_AVAILABLE_IN_ALL
guint         wk_value_table_get_size         (WkValueTable            *self);
WK_AVAILABLE_IN_ALL
GPtrArray    *wk_value_table_dup_keys         (WkValueTable            *self) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
GPtrArray    *wk_value_table_dup_values       (WkValueTable            *self) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
void          wk_value_table_dup_entries      (WkValueTable            *self,
                                               GPtrArray              **keys,
                                               GPtrArray              **values);
WK_AVAILABLE_IN_ALL
void          wk_value_table_foreach          (WkValueTable            *self,
                                               WkValueTableForeachFunc  func,
                                               gpointer                 user_data);

/**
 * WkValueTableIter:
 *
 * A stack-allocated iterator over the live entries of a
 * [class@Wk.ValueTable], like `GHashTableIter`. See
 * [method@Wk.ValueTableIter.init].
 */
typedef struct _WkValueTableIter WkValueTableIter;

struct _WkValueTableIter
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
void          wk_value_table_iter_init        (WkValueTableIter        *iter,
                                               WkValueTable            *table);
WK_AVAILABLE_IN_ALL
gboolean      wk_value_table_iter_next        (WkValueTableIter        *iter,
                                               gconstpointer           *key,
                                               gpointer                *object);
WK_AVAILABLE_IN_ALL
void          wk_value_table_iter_clear       (WkValueTableIter        *iter);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WkValueTableIter, wk_value_table_iter_clear)

G_END_DECLS

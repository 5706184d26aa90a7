/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(_WOBJ_INSIDE) && !defined(WOBJ_COMPILATION)
#error "Only <wobj.h> can be included directly."
#endif

#include <gio/gio.h>

#include "wk-version.h"

G_BEGIN_DECLS

#define WK_TYPE_SET (wk_set_get_type ())

WK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (WkSet, wk_set, WK, SET, GObject)

/**
 * WkSetForeachFunc:
 * @object: (type GObject.Object): a member, alive during the call
 * @user_data: the data given to [method@Wk.Set.foreach]
 *
 * Called for each live member of a [class@Wk.Set].
 */
typedef void (*WkSetForeachFunc) (gpointer object,
                                  gpointer user_data);

WK_AVAILABLE_IN_ALL
WkSet    *wk_set_new                          (GType             member_type) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
GType     wk_set_get_member_type              (WkSet            *self);
WK_AVAILABLE_IN_ALL
gboolean  wk_set_add                          (WkSet            *self,
                                               gpointer          object);
WK_AVAILABLE_IN_ALL
gboolean  wk_set_remove                       (WkSet            *self,
                                               gpointer          object);
WK_AVAILABLE_IN_ALL
gboolean  wk_set_contains                     (WkSet            *self,
                                               gpointer          object);
WK_AVAILABLE_IN_ALL
gpointer  wk_set_pop                          (WkSet            *self) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
void      wk_set_remove_all                   (WkSet            *self);
WK_AVAILABLE_IN_ALL
guint     wk_set_get_size                     (WkSet            *self);
WK_AVAILABLE_IN_ALL
GPtrArray *wk_set_dup_members                 (WkSet            *self) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
void      wk_set_foreach                      (WkSet            *self,
                                               WkSetForeachFunc  func,
                                               gpointer          user_data);

WK_AVAILABLE_IN_ALL
void      wk_set_update                       (WkSet            *self,
                                               WkSet            *other);
WK_AVAILABLE_IN_ALL
void      wk_set_intersection_update          (WkSet            *self,
                                               WkSet            *other);
WK_AVAILABLE_IN_ALL
void      wk_set_difference_update            (WkSet            *self,
                                               WkSet            *other);
WK_AVAILABLE_IN_ALL
void      wk_set_symmetric_difference_update  (WkSet            *self,
                                               WkSet            *other);
WK_AVAILABLE_IN_ALL
WkSet    *wk_set_union                        (WkSet            *self,
                                               WkSet            *other) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
WkSet    *wk_set_intersection                 (WkSet            *self,
                                               WkSet            *other) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
WkSet    *wk_set_difference                   (WkSet            *self,
                                               WkSet            *other) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
WkSet    *wk_set_symmetric_difference         (WkSet            *self,
                                               WkSet            *other) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
gboolean  wk_set_is_subset                    (WkSet            *self,
                                               WkSet            *other);
WK_AVAILABLE_IN_ALL
gboolean  wk_set_is_superset                  (WkSet            *self,
                                               WkSet            *other);
WK_AVAILABLE_IN_ALL
gboolean  wk_set_is_disjoint                  (WkSet            *self,
                                               WkSet            *other);
WK_AVAILABLE_IN_ALL
gboolean  wk_set_equal                        (WkSet            *self,
                                               WkSet            *other);

/**
 * WkSetIter:
 *
 * A stack-allocated iterator over the live members of a [class@Wk.Set].
 * See [method@Wk.SetIter.init].
 */
typedef struct _WkSetIter WkSetIter;

struct _WkSetIter
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
void      wk_set_iter_init                    (WkSetIter        *iter,
                                               WkSet            *set);
WK_AVAILABLE_IN_ALL
gboolean  wk_set_iter_next                    (WkSetIter        *iter,
                                               gpointer         *object);
WK_AVAILABLE_IN_ALL
void      wk_set_iter_clear                   (WkSetIter        *iter);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WkSetIter, wk_set_iter_clear)

G_END_DECLS

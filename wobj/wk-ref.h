/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(_WOBJ_INSIDE) && !defined(WOBJ_COMPILATION)
#error "Only <wobj.h> can be included directly."
#endif

#include <glib-object.h>

#include "wk-version.h"

G_BEGIN_DECLS

#define WK_TYPE_REF (wk_ref_get_type ())

WK_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (WkRef, wk_ref, WK, REF, GObject)

/**
 * WkRefNotify:
 * @ref: the reference whose object was finalized
 * @user_data: the data given to [ctor@Wk.Ref.new_full]
 *
 * Called once, on the thread that created @ref, when the object it refers
 * to is finalized. [method@Wk.Ref.dup_object] already returns %NULL.
 */
typedef void (*WkRefNotify) (WkRef    *ref,
                             gpointer  user_data);

WK_AVAILABLE_IN_ALL
WkRef    *wk_ref_new        (gpointer        object) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
WkRef    *wk_ref_new_full   (gpointer        object,
                             WkRefNotify     notify,
                             gpointer        user_data,
                             GDestroyNotify  destroy) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
gpointer  wk_ref_dup_object (WkRef          *self) G_GNUC_WARN_UNUSED_RESULT;
WK_AVAILABLE_IN_ALL
gboolean  wk_ref_is_alive   (WkRef          *self);

G_END_DECLS

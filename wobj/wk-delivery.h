/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(_WOBJ_INSIDE) && !defined(WOBJ_COMPILATION)
#error "Only <wobj.h> can be included directly."
#endif

#include <glib-object.h>

#include "wk-version.h"

G_BEGIN_DECLS

/**
 * WkDelivery:
 * @WK_DELIVERY_AT_ONCE: a member that dies on its holder's thread is
 *   signalled before its last g_object_unref() returns; one that dies on
 *   another thread, from the holder's main context
 * @WK_DELIVERY_IDLE: every death is signalled from the holder's main
 *   context, also one on the holder's own thread
 *
 * When a [class@Wk.Ref] or a container tells its owner that a member was
 * finalized: its callback and its `object-finalized` signal.
 *
 * Either way the member is gone at once: lookups return %NULL and sizes
 * leave it out from the moment it starts dying. Only the callback and the
 * signals wait with %WK_DELIVERY_IDLE.
 *
 * %WK_DELIVERY_IDLE is for JavaScript: gjs runs no JavaScript during its
 * garbage collection, and an object whose last reference is its
 * JavaScript wrapper dies inside one. Signals emitted then would be lost;
 * from the main context they arrive once the collection is over, as
 * `FinalizationRegistry` callbacks do.
 */
typedef enum
{
  WK_DELIVERY_AT_ONCE,
  WK_DELIVERY_IDLE,
} WkDelivery;

#define WK_TYPE_DELIVERY (wk_delivery_get_type ())

WK_AVAILABLE_IN_ALL
GType      wk_delivery_get_type     (void) G_GNUC_CONST;

WK_AVAILABLE_IN_ALL
WkDelivery wk_delivery_get_default  (void);
WK_AVAILABLE_IN_ALL
void       wk_delivery_set_default  (WkDelivery delivery);

G_END_DECLS

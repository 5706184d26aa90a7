/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "wk-delivery.h"

#include "wk-common-private.h"

G_DEFINE_ENUM_TYPE (WkDelivery, wk_delivery,
  G_DEFINE_ENUM_VALUE (WK_DELIVERY_AT_ONCE, "at-once"),
  G_DEFINE_ENUM_VALUE (WK_DELIVERY_IDLE, "idle"))

/* -1 until first read or set; then a WkDelivery. */
static gint default_delivery = -1;

/**
 * wk_delivery_get_default:
 *
 * Returns how the holders made from now on tell their owner of a death
 * (see [enum@Wk.Delivery]).
 *
 * Unless [func@Wk.Delivery.set_default] chose, it is
 * %WK_DELIVERY_IDLE in a process that runs gjs (one where the `GjsContext`
 * type exists when the first holder is made) and %WK_DELIVERY_AT_ONCE
 * otherwise: from C and Python, deaths on the holder's thread are
 * signalled before the last unref returns; from JavaScript, from the main
 * context.
 *
 * Returns: the default delivery
 */
WkDelivery
wk_delivery_get_default (void)
{
  gint delivery = g_atomic_int_get (&default_delivery);

  if (G_UNLIKELY (delivery < 0))
    {
      delivery = g_type_from_name ("GjsContext") != 0 ? WK_DELIVERY_IDLE : WK_DELIVERY_AT_ONCE;
      /* A concurrent wk_delivery_set_default() wins. */
      if (!g_atomic_int_compare_and_exchange (&default_delivery, -1, delivery))
        delivery = g_atomic_int_get (&default_delivery);
    }

  return delivery;
}

/**
 * wk_delivery_set_default:
 * @delivery: how holders made from now on deliver deaths
 *
 * Sets how the [class@Wk.Ref]s and containers made from now on, on any
 * thread, tell their owner of a death. Holders made before keep theirs.
 */
void
wk_delivery_set_default (WkDelivery delivery)
{
  g_return_if_fail (delivery == WK_DELIVERY_AT_ONCE || delivery == WK_DELIVERY_IDLE);

  g_atomic_int_set (&default_delivery, delivery);
}

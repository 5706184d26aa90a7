/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib-object.h>

#include "wk-membership-private.h"

G_BEGIN_DECLS

/* The owner of a holder (a WkRef or a container) is the thread that created
 * it and the thread-default main context it had then. A WkOwner delivers
 * the memberships whose object died to the holder: at once when the object
 * dies on the owner's thread (unless the owner was made under
 * WK_DELIVERY_IDLE), from an idle source in the owner's context
 * otherwise. */
typedef struct _WkOwnerClass
{
  /* Called on the owner's thread, with no wobj lock held and a strong
   * reference to @holder; @data is the owner's. @dead is a list linked
   * through ->next of memberships whose object died; the callee takes it
   * over and frees each membership with wk_membership_free(). */
  void (*deliver) (GObject      *holder,
                   gpointer      data,
                   WkMembership *dead);

  /* Frees the block that @membership starts, calling
   * wk_membership_clear() on it; may be called on any thread, after the
   * holder is gone. %NULL for a bare membership allocated with g_new(). */
  void (*release) (WkMembership *membership);

  /* Called on the owner's thread, with no wobj lock held and a strong
   * reference to @holder, after wk_owner_request_sync() was called on
   * another thread: for WkSet to apply the changes other threads made to
   * its list model. May be %NULL. */
  void (*sync) (GObject  *holder,
                gpointer  data);
} WkOwnerClass;

WkOwner  *wk_owner_new          (GObject            *holder,
                                 const WkOwnerClass *klass,
                                 gpointer            data,
                                 GDestroyNotify      data_free) G_GNUC_WARN_UNUSED_RESULT;
gpointer  wk_owner_get_data     (WkOwner            *owner);
WkOwner  *wk_owner_ref          (WkOwner            *owner);
void      wk_owner_unref        (WkOwner            *owner);
void      wk_owner_detach       (WkOwner            *owner);
gboolean  wk_owner_is_current   (WkOwner            *owner);
void      wk_owner_request_sync (WkOwner            *owner);
WkOwner  *wk_owner_deliver      (WkOwner            *owner,
                                 WkMembership       *membership) G_GNUC_WARN_UNUSED_RESULT;
void      wk_owner_flush        (WkOwner            *owner);
void      wk_owner_add_dead     (WkOwner            *owner);
void      wk_owner_forget_dead  (WkOwner            *owner);
guint     wk_owner_get_n_dead   (WkOwner            *owner);

G_END_DECLS

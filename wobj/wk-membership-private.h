/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _WkAnchor     WkAnchor;
typedef struct _WkMembership WkMembership;
typedef struct _WkOwner      WkOwner;

/* WkMembership: one weak holding of one object (a WkRef, a table entry,
 * a set member), the link between the object's anchor and the holder's
 * owner, which are known here only by name.
 *
 * A holder embeds it at the start of a block, which whoever ends up with
 * it frees with wk_membership_free(): that goes through the owner's
 * class, so it works on any thread, after the holder itself is gone.
 * While the object lives, the membership is linked in its anchor's list
 * under the anchor's lock (wk_membership_join() and _leave(), in
 * wk-anchor.c, whose list they change). When the object dies the anchor
 * unlinks every membership at once and hands each to its owner
 * (wk_owner_deliver()); from then on the membership belongs to the
 * delivery, never to the holder, which must not free it
 * (wk_membership_free(), in wk-owner.c, whose class it calls). */
struct _WkMembership
{
  WkMembership *prev;
  WkMembership *next;    /* the anchor's list; after death, the owner's inbox */
  WkAnchor     *anchor;  /* strong */
  WkOwner      *owner;   /* strong */
};

gboolean  wk_membership_join       (WkMembership *membership,
                                    WkAnchor     *anchor,
                                    WkOwner      *owner);
gboolean  wk_membership_leave      (WkMembership *membership);
void      wk_membership_clear      (WkMembership *membership);
void      wk_membership_free       (WkMembership *membership);

G_END_DECLS

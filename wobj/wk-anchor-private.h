/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib-object.h>

#include "wk-membership-private.h"

G_BEGIN_DECLS

WkAnchor *wk_anchor_dup_for_object (GObject      *object) G_GNUC_WARN_UNUSED_RESULT;
WkAnchor *wk_anchor_lookup         (GObject      *object) G_GNUC_WARN_UNUSED_RESULT;
WkAnchor *wk_anchor_ref            (WkAnchor     *anchor);
void      wk_anchor_unref          (WkAnchor     *anchor);
gpointer  wk_anchor_dup_object     (WkAnchor     *anchor) G_GNUC_WARN_UNUSED_RESULT;
gboolean  wk_anchor_is_dead        (WkAnchor     *anchor);
guint     wk_anchor_count_members  (WkAnchor     *anchor);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include "wk-ref.h"
#include "wk-membership-private.h"

G_BEGIN_DECLS

/* For WkSet's list model, whose items are WkRefs made without a strong
 * reference to the member: taking one, then dropping it, could finalize
 * the member inside g_list_model_get_item(). */
WkRef *wk_ref_new_for_anchor (WkAnchor *anchor) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS

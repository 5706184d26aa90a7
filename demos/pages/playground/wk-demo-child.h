/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <gtk/gtk.h>

#include "wk-demo-registry.h"

G_BEGIN_DECLS

/**
 * WkDemoParentState:
 * @WK_DEMO_PARENT_STATE_ALIVE: the parent is alive and in the window
 * @WK_DEMO_PARENT_STATE_LEAKED: the parent was destroyed but is still
 *   alive: something (this child, strongly) keeps it
 * @WK_DEMO_PARENT_STATE_FINALIZED: the parent was finalized
 * @WK_DEMO_PARENT_STATE_RELEASED: the child let go of its strong
 *   reference to break a cycle
 *
 * What a child knows of its parent.
 */
typedef enum {
  WK_DEMO_PARENT_STATE_ALIVE,
  WK_DEMO_PARENT_STATE_LEAKED,
  WK_DEMO_PARENT_STATE_FINALIZED,
  WK_DEMO_PARENT_STATE_RELEASED,
} WkDemoParentState;

#define WK_TYPE_DEMO_CHILD (wk_demo_child_get_type ())

G_DECLARE_FINAL_TYPE (WkDemoChild, wk_demo_child, WK, DEMO_CHILD, GtkWidget)

WkDemoChild       *wk_demo_child_new              (WkDemoRegistry *registry,
                                                   const char     *name,
                                                   const char     *title,
                                                   gpointer        parent,
                                                   gboolean        weak);
const char        *wk_demo_child_get_title        (WkDemoChild    *self);
gboolean           wk_demo_child_get_weak         (WkDemoChild    *self);
gboolean           wk_demo_child_get_orphaned     (WkDemoChild    *self);
void               wk_demo_child_set_orphaned     (WkDemoChild    *self);
WkDemoParentState  wk_demo_child_get_parent_state (WkDemoChild    *self);
gpointer           wk_demo_child_dup_parent       (WkDemoChild    *self) G_GNUC_WARN_UNUSED_RESULT;
const char        *wk_demo_child_get_parent_title (WkDemoChild    *self);
void               wk_demo_child_release_parent   (WkDemoChild    *self);

G_END_DECLS

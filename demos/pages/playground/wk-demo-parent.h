/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define WK_TYPE_DEMO_PARENT (wk_demo_parent_get_type ())

G_DECLARE_FINAL_TYPE (WkDemoParent, wk_demo_parent, WK, DEMO_PARENT, GtkWidget)

WkDemoParent *wk_demo_parent_new            (const char   *name,
                                             const char   *title);
const char   *wk_demo_parent_get_title      (WkDemoParent *self);
gboolean      wk_demo_parent_get_destroyed  (WkDemoParent *self);
void          wk_demo_parent_set_destroyed  (WkDemoParent *self);
guint         wk_demo_parent_get_n_children (WkDemoParent *self);
guint         wk_demo_parent_next_child_number (WkDemoParent *self);
void          wk_demo_parent_add_child      (WkDemoParent *self,
                                             GtkWidget    *child);
void          wk_demo_parent_remove_child   (WkDemoParent *self,
                                             GtkWidget    *child);
void          wk_demo_parent_break_cycles   (WkDemoParent *self);

G_END_DECLS

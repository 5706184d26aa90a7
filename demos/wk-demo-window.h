/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <adwaita.h>

#include "wk-demo-registry.h"

G_BEGIN_DECLS

#define WK_TYPE_DEMO_WINDOW (wk_demo_window_get_type ())

G_DECLARE_FINAL_TYPE (WkDemoWindow, wk_demo_window, WK, DEMO_WINDOW, AdwApplicationWindow)

WkDemoWindow   *wk_demo_window_new              (GtkApplication *application);
WkDemoRegistry *wk_demo_window_get_registry     (WkDemoWindow   *self);
GtkWidget      *wk_demo_window_get_page         (WkDemoWindow   *self,
                                                 GType           page_type);
const char     *wk_demo_window_get_visible_page (WkDemoWindow   *self);
void            wk_demo_window_set_visible_page (WkDemoWindow   *self,
                                                 const char     *name);
void            wk_demo_window_add_toast        (WkDemoWindow   *self,
                                                 const char     *text);

G_END_DECLS

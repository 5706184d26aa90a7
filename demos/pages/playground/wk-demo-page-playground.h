/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <adwaita.h>

#include "wk-demo-registry.h"

G_BEGIN_DECLS

#define WK_TYPE_DEMO_PAGE_PLAYGROUND (wk_demo_page_playground_get_type ())

G_DECLARE_FINAL_TYPE (WkDemoPagePlayground, wk_demo_page_playground, WK, DEMO_PAGE_PLAYGROUND, AdwBin)

WkDemoRegistry *wk_demo_page_playground_get_registry (WkDemoPagePlayground *self);
void            wk_demo_page_playground_set_registry (WkDemoPagePlayground *self,
                                                      WkDemoRegistry       *registry);
gboolean        wk_demo_page_playground_get_weak_mode (WkDemoPagePlayground *self);
void            wk_demo_page_playground_set_weak_mode (WkDemoPagePlayground *self,
                                                       gboolean              weak_mode);

G_END_DECLS

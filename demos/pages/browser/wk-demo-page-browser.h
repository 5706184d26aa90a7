/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <adwaita.h>

#include "wk-demo-registry.h"

G_BEGIN_DECLS

#define WK_TYPE_DEMO_PAGE_BROWSER (wk_demo_page_browser_get_type ())

G_DECLARE_FINAL_TYPE (WkDemoPageBrowser, wk_demo_page_browser, WK, DEMO_PAGE_BROWSER, AdwBin)

WkDemoRegistry *wk_demo_page_browser_get_registry      (WkDemoPageBrowser *self);
void            wk_demo_page_browser_set_registry      (WkDemoPageBrowser *self,
                                                        WkDemoRegistry    *registry);
guint           wk_demo_page_browser_get_n_items       (WkDemoPageBrowser *self);
char           *wk_demo_page_browser_dup_selected_name (WkDemoPageBrowser *self);
gboolean        wk_demo_page_browser_find              (WkDemoPageBrowser *self,
                                                        const char        *name);

G_END_DECLS

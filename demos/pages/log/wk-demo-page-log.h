/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <adwaita.h>

#include "wk-demo-registry.h"

G_BEGIN_DECLS

#define WK_TYPE_DEMO_PAGE_LOG (wk_demo_page_log_get_type ())

G_DECLARE_FINAL_TYPE (WkDemoPageLog, wk_demo_page_log, WK, DEMO_PAGE_LOG, AdwBin)

/* How many documents the worker-thread button drops. */
#define WK_DEMO_PAGE_LOG_N_DOCUMENTS 5

WkDemoRegistry *wk_demo_page_log_get_registry    (WkDemoPageLog  *self);
void            wk_demo_page_log_set_registry    (WkDemoPageLog  *self,
                                                  WkDemoRegistry *registry);
gboolean        wk_demo_page_log_get_worker_busy (WkDemoPageLog  *self);

G_END_DECLS

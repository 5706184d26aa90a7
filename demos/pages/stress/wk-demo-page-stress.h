/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define WK_TYPE_DEMO_PAGE_STRESS (wk_demo_page_stress_get_type ())

G_DECLARE_FINAL_TYPE (WkDemoPageStress, wk_demo_page_stress, WK, DEMO_PAGE_STRESS, AdwBin)

guint    wk_demo_page_stress_get_n_widgets (WkDemoPageStress *self);
void     wk_demo_page_stress_set_n_widgets (WkDemoPageStress *self,
                                            guint             n_widgets);
gboolean wk_demo_page_stress_get_running   (WkDemoPageStress *self);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include "wk-demo-window.h"

G_BEGIN_DECLS

#define WK_TYPE_DEMO_TOUR (wk_demo_tour_get_type ())

G_DECLARE_FINAL_TYPE (WkDemoTour, wk_demo_tour, WK, DEMO_TOUR, GObject)

WkDemoTour *wk_demo_tour_new          (WkDemoWindow *window,
                                       const char   *directory,
                                       const char   *prefix);
void        wk_demo_tour_set_expect_translated (WkDemoTour *self,
                                                gboolean    expect_translated);
void        wk_demo_tour_start        (WkDemoTour   *self);
gboolean    wk_demo_tour_get_finished (WkDemoTour   *self);
guint       wk_demo_tour_get_n_steps  (WkDemoTour   *self);
guint       wk_demo_tour_get_n_failed (WkDemoTour   *self);

G_END_DECLS

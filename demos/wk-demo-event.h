/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define WK_TYPE_DEMO_EVENT (wk_demo_event_get_type ())

G_DECLARE_FINAL_TYPE (WkDemoEvent, wk_demo_event, WK, DEMO_EVENT, GObject)

WkDemoEvent *wk_demo_event_new              (const char  *container,
                                             const char  *detail,
                                             const char  *died_on,
                                             gboolean     died_on_main_thread);
const char  *wk_demo_event_get_time         (WkDemoEvent *self);
const char  *wk_demo_event_get_container    (WkDemoEvent *self);
const char  *wk_demo_event_get_detail       (WkDemoEvent *self);
const char  *wk_demo_event_get_died_on      (WkDemoEvent *self);
gboolean     wk_demo_event_get_died_on_main_thread (WkDemoEvent *self);
const char  *wk_demo_event_get_delivered_on (WkDemoEvent *self);
gboolean     wk_demo_event_get_delivered_on_main_thread (WkDemoEvent *self);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <gio/gio.h>

#include "wk-demo-notes.h"

G_BEGIN_DECLS

#define WK_TYPE_DEMO_REGISTRY (wk_demo_registry_get_type ())

G_DECLARE_FINAL_TYPE (WkDemoRegistry, wk_demo_registry, WK, DEMO_REGISTRY, GObject)

WkDemoRegistry *wk_demo_registry_new         (void);
void            wk_demo_registry_add         (WkDemoRegistry *self,
                                              gpointer        object,
                                              const char     *name);
GListModel     *wk_demo_registry_get_objects (WkDemoRegistry *self);
guint           wk_demo_registry_get_n_objects (WkDemoRegistry *self);
guint           wk_demo_registry_get_n_names (WkDemoRegistry *self);
guint           wk_demo_registry_get_n_notes (WkDemoRegistry *self);
gpointer        wk_demo_registry_lookup      (WkDemoRegistry *self,
                                              const char     *name) G_GNUC_WARN_UNUSED_RESULT;
WkDemoNotes    *wk_demo_registry_dup_notes   (WkDemoRegistry *self,
                                              gpointer        object) G_GNUC_WARN_UNUSED_RESULT;
GListModel     *wk_demo_registry_get_log     (WkDemoRegistry *self);
void            wk_demo_registry_log         (WkDemoRegistry *self,
                                              const char     *container,
                                              const char     *detail,
                                              WkDemoNotes    *notes);
void            wk_demo_registry_clear_log   (WkDemoRegistry *self);

G_END_DECLS

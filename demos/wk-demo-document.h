/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define WK_TYPE_DEMO_DOCUMENT (wk_demo_document_get_type ())

G_DECLARE_FINAL_TYPE (WkDemoDocument, wk_demo_document, WK, DEMO_DOCUMENT, GObject)

WkDemoDocument *wk_demo_document_new       (const char     *title);
const char     *wk_demo_document_get_title (WkDemoDocument *self);

G_END_DECLS

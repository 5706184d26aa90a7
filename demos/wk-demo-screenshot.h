/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean wk_demo_screenshot_save (GtkWidget   *widget,
                                  const char  *path,
                                  GError     **error);

G_END_DECLS

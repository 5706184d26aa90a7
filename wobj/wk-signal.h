/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#if !defined(_WOBJ_INSIDE) && !defined(WOBJ_COMPILATION)
#error "Only <wobj.h> can be included directly."
#endif

#include <glib-object.h>

#include "wk-version.h"

G_BEGIN_DECLS

WK_AVAILABLE_IN_ALL
gulong wk_signal_connect_weak         (gpointer       emitter,
                                       const char    *detailed_signal,
                                       GCallback      c_handler,
                                       gpointer       receiver,
                                       GConnectFlags  connect_flags);
WK_AVAILABLE_IN_ALL
gulong wk_signal_connect_closure_weak (gpointer       emitter,
                                       const char    *detailed_signal,
                                       GClosure      *closure,
                                       gpointer       receiver,
                                       gboolean       after);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

void     wk_init          (void);
gboolean wk_check_object  (const char *function,
                           const char *argument,
                           gpointer    object);
gboolean wk_check_member  (const char *function,
                           const char *argument,
                           gpointer    object,
                           GType       member_type);

/* Like g_return_val_if_fail (G_IS_OBJECT (object), val), with a message
 * that says what was passed instead, as Python's weakref.ref(10) does. */
#define wk_return_val_if_not_object(object, val) \
  G_STMT_START { \
    if (G_UNLIKELY (!wk_check_object (G_STRFUNC, #object, (object)))) \
      return (val); \
  } G_STMT_END

/* The same for a member that must also be a @type. */
#define wk_return_val_if_not_member(object, type, val) \
  G_STMT_START { \
    if (G_UNLIKELY (!wk_check_member (G_STRFUNC, #object, (object), (type)))) \
      return (val); \
  } G_STMT_END

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "wk-common-private.h"

/* Binds the library's gettext domain, once. Every public type calls it from
 * its class_init, so translated messages work however wobj is reached:
 * from C, or from a language binding that never calls an init function. */
void
wk_init (void)
{
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&initialized, 1);
    }
}

/* Checks a precondition: @object must be a GObject. Otherwise logs a
 * critical that names the function, the argument and what it got. A
 * pointer that is not even a type instance can't be inspected: only one
 * with a NULL class pointer is told apart. */
gboolean
wk_check_object (const char *function,
                 const char *argument,
                 gpointer    object)
{
  GTypeInstance *instance = object;

  if (G_LIKELY (instance != NULL &&
                instance->g_class != NULL &&
                g_type_check_instance_is_fundamentally_a (instance, G_TYPE_OBJECT)))
    return TRUE;

  /* The first call into wobj may be a bad one, before any class_init. */
  wk_init ();

  if (instance == NULL)
    g_critical (_("%s: %s must be a GObject, not NULL"), function, argument);
  else if (instance->g_class == NULL)
    g_critical (_("%s: %s must be a GObject, not a pointer to something else"),
                function, argument);
  else
    g_critical (_("%s: %s must be a GObject, not a %s"),
                function, argument, G_OBJECT_TYPE_NAME (instance));

  return FALSE;
}

gboolean
wk_check_member (const char *function,
                 const char *argument,
                 gpointer    object,
                 GType       member_type)
{
  if (!wk_check_object (function, argument, object))
    return FALSE;

  if (G_LIKELY (G_TYPE_CHECK_INSTANCE_TYPE (object, member_type)))
    return TRUE;

  wk_init ();
  g_critical (_("%s: %s must be a %s, not a %s"),
              function, argument, g_type_name (member_type),
              G_OBJECT_TYPE_NAME (object));

  return FALSE;
}

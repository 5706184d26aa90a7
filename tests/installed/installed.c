/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Built by run-installed-test against the INSTALLED wobj, through
 * `pkg-config --cflags --libs wobj-1` only: no build-tree header or
 * library can leak in. Returns 0 on success. */

#include <stdio.h>
#include <stdlib.h>

#include <wobj.h>

#if !WK_CHECK_VERSION (0, 1, 0)
#error "WK_CHECK_VERSION (0, 1, 0) should hold for the installed headers"
#endif

#if WK_CHECK_VERSION (WK_MAJOR_VERSION + 1, 0, 0)
#error "WK_CHECK_VERSION accepts a newer major version than the headers"
#endif

static int failures;

static void
check (int         ok,
       const char *what)
{
  printf ("%s %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok)
    failures++;
}

static void
notify_cb (WkRef    *ref,
           gpointer  user_data)
{
  int *called = user_data;

  (*called)++;
}

int
main (void)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  GObject *got;
  WkRef *ref;
  WkRef *plain;
  int called = 0;

  printf ("installed wobj %s\n", WK_VERSION_S);

  ref = wk_ref_new_full (object, notify_cb, &called, NULL);
  plain = wk_ref_new (object);
  check (WK_IS_REF (ref) && WK_IS_REF (plain), "wk_ref_new() returns a WkRef");

  got = wk_ref_dup_object (plain);
  check (got == object, "wk_ref_dup_object() returns the live object");
  g_clear_object (&got);

  g_object_unref (object);
  got = wk_ref_dup_object (plain);
  check (got == NULL, "wk_ref_dup_object() returns NULL once it is finalized");
  g_clear_object (&got);
  check (called == 1, "the callback of wk_ref_new_full() ran once");

  g_object_unref (plain);
  g_object_unref (ref);

  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

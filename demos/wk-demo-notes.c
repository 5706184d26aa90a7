/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* pthread_getname_np() */
#define _GNU_SOURCE

#include "config.h"

#include <pthread.h>

#include <glib/gi18n.h>

#include "wk-demo-notes.h"

/**
 * WkDemoNotes:
 *
 * What the widget browser knows about an object without subclassing it:
 * its name, its type, when it was made, a colour tag and the user's
 * comment. The notes live in a `WkKeyTable` keyed by the object, so they
 * go when the object goes.
 *
 * The notes also record the thread the object died on: the object holds
 * a second reference to them through a weak notify, which runs on
 * whichever thread dropped the last reference. The
 * `object-finalized` signals that follow are delivered on the containers'
 * thread, and the event log shows both.
 */

struct _WkDemoNotes
{
  char      *name;
  char      *type_name;
  GDateTime *created;
  WkDemoTag  tag;
  char      *comment;    /* main thread only */

  /* Written once, by the finalizing thread. */
  GMutex     lock;
  char      *died_on;
  gboolean   died_on_main_thread;
};

G_DEFINE_BOXED_TYPE (WkDemoNotes, wk_demo_notes, wk_demo_notes_ref, wk_demo_notes_unref)

static GThread *main_thread;

static void
notes_clear (gpointer data)
{
  WkDemoNotes *self = data;

  g_free (self->name);
  g_free (self->type_name);
  g_date_time_unref (self->created);
  g_free (self->comment);
  g_free (self->died_on);
  g_mutex_clear (&self->lock);
}

/**
 * wk_demo_notes_new:
 *
 * Makes notes for an object about to be registered. Call it on the main
 * thread: it remembers which thread that is.
 */
WkDemoNotes *
wk_demo_notes_new (const char *name,
                   const char *type_name,
                   WkDemoTag   tag)
{
  WkDemoNotes *self = g_atomic_rc_box_new0 (WkDemoNotes);

  if (g_once_init_enter (&main_thread))
    g_once_init_leave (&main_thread, g_thread_self ());

  self->name = g_strdup (name);
  self->type_name = g_strdup (type_name);
  self->created = g_date_time_new_now_local ();
  self->tag = tag;
  g_mutex_init (&self->lock);

  return self;
}

WkDemoNotes *
wk_demo_notes_ref (WkDemoNotes *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
wk_demo_notes_unref (WkDemoNotes *self)
{
  g_atomic_rc_box_release_full (self, notes_clear);
}

const char *
wk_demo_notes_get_name (WkDemoNotes *self)
{
  return self->name;
}

const char *
wk_demo_notes_get_type_name (WkDemoNotes *self)
{
  return self->type_name;
}

GDateTime *
wk_demo_notes_get_created (WkDemoNotes *self)
{
  return self->created;
}

WkDemoTag
wk_demo_notes_get_tag (WkDemoNotes *self)
{
  return self->tag;
}

/**
 * wk_demo_notes_get_tag_name:
 *
 * Returns: the translated name of @tag
 */
const char *
wk_demo_notes_get_tag_name (WkDemoTag tag)
{
  switch (tag)
    {
    case WK_DEMO_TAG_BLUE:
      return _("Blue");
    case WK_DEMO_TAG_GREEN:
      return _("Green");
    case WK_DEMO_TAG_YELLOW:
      return _("Yellow");
    case WK_DEMO_TAG_RED:
      return _("Red");
    case WK_DEMO_N_TAGS:
    default:
      g_assert_not_reached ();
    }
}

const char *
wk_demo_notes_get_comment (WkDemoNotes *self)
{
  return self->comment != NULL ? self->comment : "";
}

void
wk_demo_notes_set_comment (WkDemoNotes *self,
                           const char  *comment)
{
  g_free (self->comment);
  self->comment = g_strdup (comment);
}

/**
 * wk_demo_notes_mark_finalized:
 *
 * Records the calling thread as the one the object died on. Called from
 * the object's weak notify, on any thread.
 */
void
wk_demo_notes_mark_finalized (WkDemoNotes *self)
{
  char name[16] = "";

  /* GLib names the threads it creates (g_thread_new's name); the kernel
   * keeps that name, so it is the one to show. */
  pthread_getname_np (pthread_self (), name, sizeof name);

  g_mutex_lock (&self->lock);
  g_free (self->died_on);
  self->died_on = g_strdup (name);
  self->died_on_main_thread = g_thread_self () == main_thread;
  g_mutex_unlock (&self->lock);
}

gboolean
wk_demo_notes_get_died_on_main_thread (WkDemoNotes *self)
{
  gboolean result;

  g_mutex_lock (&self->lock);
  result = self->died_on != NULL && self->died_on_main_thread;
  g_mutex_unlock (&self->lock);

  return result;
}

/**
 * wk_demo_notes_dup_died_on:
 *
 * Returns: (nullable): a description of the thread the object died on,
 *   or %NULL while it lives
 */
char *
wk_demo_notes_dup_died_on (WkDemoNotes *self)
{
  char *result = NULL;

  g_mutex_lock (&self->lock);
  if (self->died_on != NULL && self->died_on_main_thread)
    result = g_strdup (_("main thread"));
  else if (self->died_on != NULL)
    /* Translators: %s is a thread's name, such as "wk-demo-worker". */
    result = g_strdup_printf (_("thread “%s”"), self->died_on);
  g_mutex_unlock (&self->lock);

  return result;
}

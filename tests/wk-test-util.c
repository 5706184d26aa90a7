/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "wk-test-util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* WkTestObject */

typedef struct
{
  gint n_dispose;   /* atomic */
} WkTestObjectPrivate;

static gint n_finalized;   /* atomic */

G_DEFINE_TYPE_WITH_PRIVATE (WkTestObject, wk_test_object, G_TYPE_OBJECT)

static void
wk_test_object_dispose (GObject *object)
{
  WkTestObjectPrivate *priv = wk_test_object_get_instance_private (WK_TEST_OBJECT (object));

  g_atomic_int_inc (&priv->n_dispose);

  G_OBJECT_CLASS (wk_test_object_parent_class)->dispose (object);
}

static void
wk_test_object_finalize (GObject *object)
{
  g_atomic_int_inc (&n_finalized);

  G_OBJECT_CLASS (wk_test_object_parent_class)->finalize (object);
}

static void
wk_test_object_class_init (WkTestObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wk_test_object_dispose;
  object_class->finalize = wk_test_object_finalize;
}

static void
wk_test_object_init (WkTestObject *self)
{
}

gboolean
wk_test_object_is_disposed (WkTestObject *self)
{
  WkTestObjectPrivate *priv = wk_test_object_get_instance_private (self);

  return g_atomic_int_get (&priv->n_dispose) > 0;
}

/* How many times @self was disposed: a test that asserts one dispose run
 * (not two) needs more than wk_test_object_is_disposed(). */
guint
wk_test_object_n_dispose (WkTestObject *self)
{
  WkTestObjectPrivate *priv = wk_test_object_get_instance_private (self);

  return g_atomic_int_get (&priv->n_dispose);
}

/* How many WkTestObjects (and subclasses) were finalized so far. */
guint
wk_test_object_n_finalized (void)
{
  return g_atomic_int_get (&n_finalized);
}

/* WkTestResurrect */

struct _WkTestResurrect
{
  GObject parent_instance;
  guint   n_dispose;
};

static WkTestResurrect *resurrected;

G_DEFINE_FINAL_TYPE (WkTestResurrect, wk_test_resurrect, G_TYPE_OBJECT)

static void
wk_test_resurrect_dispose (GObject *object)
{
  WkTestResurrect *self = WK_TEST_RESURRECT (object);

  if (self->n_dispose++ == 0)
    {
      g_assert_null (resurrected);
      resurrected = g_object_ref (self);
    }

  G_OBJECT_CLASS (wk_test_resurrect_parent_class)->dispose (object);
}

static void
wk_test_resurrect_class_init (WkTestResurrectClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wk_test_resurrect_dispose;
}

static void
wk_test_resurrect_init (WkTestResurrect *self)
{
}

/* Returns the reference the first dispose took, once. */
WkTestResurrect *
wk_test_resurrect_take (void)
{
  g_assert_nonnull (resurrected);

  return g_steal_pointer (&resurrected);
}

/* How many times @self was disposed. */
guint
wk_test_resurrect_n_dispose (WkTestResurrect *self)
{
  return self->n_dispose;
}

/* WkTestFloating */

struct _WkTestFloating
{
  GInitiallyUnowned parent_instance;
};

G_DEFINE_FINAL_TYPE (WkTestFloating, wk_test_floating, G_TYPE_INITIALLY_UNOWNED)

static void
wk_test_floating_class_init (WkTestFloatingClass *klass)
{
}

static void
wk_test_floating_init (WkTestFloating *self)
{
}

/* Sizes */

gboolean
wk_test_under_valgrind (void)
{
  static gint under_valgrind = -1;

  if (under_valgrind < 0)
    {
      const char *value = g_getenv ("WOBJ_UNDER_VALGRIND");

      under_valgrind = value != NULL && *value != '\0' && g_strcmp0 (value, "0") != 0;
    }

  return under_valgrind;
}

guint
wk_test_scaled (guint n)
{
  return wk_test_under_valgrind () ? MAX (n / 100, 1) : n;
}

/* Main contexts */

void
wk_test_drain_context (GMainContext *context)
{
  for (guint i = 0; i < 100000 && g_main_context_iteration (context, FALSE); i++)
    {
    }
}

/* Iterates @context until @condition returns TRUE; fails the test after
 * @timeout_s seconds. */
void
wk_test_iterate_until_cond (GMainContext    *context,
                            guint            timeout_s,
                            WkTestCondition  condition,
                            gpointer         user_data)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (!condition (user_data))
    {
      if (!g_main_context_iteration (context, FALSE))
        g_usleep (1000);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
}

typedef struct
{
  gint *counter;
  gint  target;
} CounterTarget;

static gboolean
counter_reached (gpointer user_data)
{
  CounterTarget *ct = user_data;

  return g_atomic_int_get (ct->counter) >= ct->target;
}

/* Iterates @context until *@counter (read atomically) reaches @target;
 * fails the test after WK_TEST_TIMEOUT_S seconds. */
void
wk_test_iterate_until (GMainContext *context,
                       gint         *counter,
                       gint          target)
{
  CounterTarget ct = { counter, target };

  wk_test_iterate_until_cond (context, WK_TEST_TIMEOUT_S, counter_reached, &ct);
}

/* Threads */

static gpointer
unref_thread_func (gpointer data)
{
  g_object_unref (data);
  return NULL;
}

/* Drops a reference to @object on a new thread and returns the thread
 * (transfer full): join it. */
GThread *
wk_test_unref_in_new_thread (gpointer object)
{
  return g_thread_new ("wk-test-unref", unref_thread_func, object);
}

/* Drops a reference to @object on a new thread and waits for it. */
void
wk_test_unref_in_thread (gpointer object)
{
  g_thread_join (wk_test_unref_in_new_thread (object));
}

/* Timings */

double
wk_test_seconds_since (gint64 start)
{
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

/* The watchdog */

static GMutex watchdog_lock;
static GCond  watchdog_cond;
static gint64 watchdog_deadline;   /* under the lock; 0: disarmed */
static GThread *watchdog_thread;

/* Every thread's stack, from gdb, on stderr (only a note without gdb). */
static void
print_stacks (void)
{
  char *pid = g_strdup_printf ("%d", (int) getpid ());
  const char *argv[] = { "gdb", "-q", "-nx", "-batch", "-p", pid,
                         "-ex", "thread apply all backtrace", NULL };
  char *out = NULL;
  GError *error = NULL;

  if (g_spawn_sync (NULL, (char **) argv, NULL,
                    G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, &out, NULL, NULL, &error))
    fputs (out, stderr);
  else
    fprintf (stderr, "watchdog: no stacks: %s\n", error->message);
  fflush (stderr);

  g_clear_error (&error);
  g_free (out);
  g_free (pid);
}

static gpointer
watchdog_thread_func (gpointer data)
{
  g_mutex_lock (&watchdog_lock);
  for (;;)
    {
      if (watchdog_deadline == 0)
        g_cond_wait (&watchdog_cond, &watchdog_lock);
      else if (!g_cond_wait_until (&watchdog_cond, &watchdog_lock, watchdog_deadline) &&
               watchdog_deadline != 0 &&
               g_get_monotonic_time () >= watchdog_deadline)
        break;
    }
  g_mutex_unlock (&watchdog_lock);

  fprintf (stderr, "watchdog: %s hangs; the stacks of its threads:\n",
           g_test_get_path () ? g_test_get_path () : g_get_prgname ());
  print_stacks ();
  abort ();

  return NULL;
}

void
wk_test_watchdog_start (guint seconds)
{
  /* Slower by a lot under valgrind and the sanitizers. */
  if (wk_test_under_valgrind ())
    seconds *= 10;

  g_mutex_lock (&watchdog_lock);
  if (watchdog_thread == NULL)
    watchdog_thread = g_thread_new ("wk-test-watchdog", watchdog_thread_func, NULL);
  watchdog_deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  g_cond_broadcast (&watchdog_cond);
  g_mutex_unlock (&watchdog_lock);
}

void
wk_test_watchdog_stop (void)
{
  g_mutex_lock (&watchdog_lock);
  watchdog_deadline = 0;
  g_cond_broadcast (&watchdog_cond);
  g_mutex_unlock (&watchdog_lock);
}

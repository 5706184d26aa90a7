/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* WkRWLock, the tables' reader-writer lock (wobj/wk-lock-private.h).
 *
 * /Wobj/Lock/exclusion: writers change a pair of counters in two steps
 * while readers check that they never see the pair half changed; at the
 * end no write is lost.
 * /Wobj/Lock/readers-share: two threads hold the read lock at once.
 * /Wobj/Lock/writer-waits: a writer waits for a reader inside, and
 * readers that come after a waiting writer wait for it in turn. */

#include "wobj/wk-lock-private.h"

#include "wk-test-util.h"

#define N_READERS 2
#define N_WRITERS 2

typedef struct
{
  WkRWLock lock;
  guint    a;        /* under the lock: a == b outside a write */
  guint    b;
  guint    writes;   /* per writer */
  gint     stop;     /* atomic */
  gint     torn;     /* atomic: pairs a reader saw half written */
  gint     reads;    /* atomic */
} Shared;

static gpointer
writer_thread (gpointer data)
{
  Shared *shared = data;

  for (guint i = 0; i < shared->writes; i++)
    {
      wk_rw_lock_write (&shared->lock);
      shared->a++;
      /* Give a reader that got in by mistake time to see it. */
      for (volatile guint spin = 0; spin < 16; spin++)
        ;
      shared->b++;
      wk_rw_unlock_write (&shared->lock);
    }

  return NULL;
}

static gpointer
reader_thread (gpointer data)
{
  Shared *shared = data;

  while (!g_atomic_int_get (&shared->stop))
    {
      guint a, b;

      wk_rw_lock_read (&shared->lock);
      a = shared->a;
      b = shared->b;
      wk_rw_unlock_read (&shared->lock);

      if (a != b)
        g_atomic_int_inc (&shared->torn);
      g_atomic_int_inc (&shared->reads);
    }

  return NULL;
}

static void
test_exclusion (void)
{
  Shared shared = { 0, };
  GThread *writers[N_WRITERS];
  GThread *readers[N_READERS];

  shared.writes = wk_test_scaled (200000);
  wk_rw_lock_init (&shared.lock);

  for (guint i = 0; i < N_READERS; i++)
    readers[i] = g_thread_new ("reader", reader_thread, &shared);
  for (guint i = 0; i < N_WRITERS; i++)
    writers[i] = g_thread_new ("writer", writer_thread, &shared);

  for (guint i = 0; i < N_WRITERS; i++)
    g_thread_join (writers[i]);
  g_atomic_int_set (&shared.stop, TRUE);
  for (guint i = 0; i < N_READERS; i++)
    g_thread_join (readers[i]);

  g_test_message ("%d reads during %u writes", g_atomic_int_get (&shared.reads),
                  N_WRITERS * shared.writes);
  g_assert_cmpint (g_atomic_int_get (&shared.torn), ==, 0);
  g_assert_cmpuint (shared.a, ==, N_WRITERS * shared.writes);
  g_assert_cmpuint (shared.b, ==, shared.a);
  g_assert_cmpint (shared.lock.state, ==, 0);

  wk_rw_lock_clear (&shared.lock);
}

/* A small handshake: a step number under a mutex, waited for with a
 * condition. */
typedef struct
{
  WkRWLock lock;
  GMutex   mutex;
  GCond    cond;
  guint    step;
} Handshake;

static void
set_step (Handshake *hs,
          guint      step)
{
  g_mutex_lock (&hs->mutex);
  hs->step = step;
  g_cond_broadcast (&hs->cond);
  g_mutex_unlock (&hs->mutex);
}

static void
wait_step (Handshake *hs,
           guint      step)
{
  g_mutex_lock (&hs->mutex);
  while (hs->step < step)
    g_cond_wait (&hs->cond, &hs->mutex);
  g_mutex_unlock (&hs->mutex);
}

static guint
get_step (Handshake *hs)
{
  guint step;

  g_mutex_lock (&hs->mutex);
  step = hs->step;
  g_mutex_unlock (&hs->mutex);

  return step;
}

static gpointer
hold_read_thread (gpointer data)
{
  Handshake *hs = data;

  wk_rw_lock_read (&hs->lock);
  set_step (hs, 1);
  wait_step (hs, 2);
  wk_rw_unlock_read (&hs->lock);

  return NULL;
}

static void
test_readers_share (void)
{
  Handshake hs = { 0, };
  GThread *thread;

  wk_rw_lock_init (&hs.lock);

  thread = g_thread_new ("reader", hold_read_thread, &hs);
  wait_step (&hs, 1);

  /* The other thread holds the read lock: a second reader gets in. */
  wk_rw_lock_read (&hs.lock);
  g_assert_cmpint (g_atomic_int_get (&hs.lock.state), ==, 2);
  wk_rw_unlock_read (&hs.lock);

  set_step (&hs, 2);
  g_thread_join (thread);

  g_assert_cmpint (hs.lock.state, ==, 0);
  wk_rw_lock_clear (&hs.lock);
}

static gpointer
write_thread (gpointer data)
{
  Handshake *hs = data;

  wk_rw_lock_write (&hs->lock);
  set_step (hs, 3);
  wait_step (hs, 4);
  wk_rw_unlock_write (&hs->lock);

  return NULL;
}

static gpointer
late_read_thread (gpointer data)
{
  Handshake *hs = data;

  wk_rw_lock_read (&hs->lock);
  /* Only once the writer is done. */
  g_assert_cmpuint (get_step (hs), >=, 4);
  wk_rw_unlock_read (&hs->lock);

  return NULL;
}

static void
test_writer_waits (void)
{
  Handshake hs = { 0, };
  GThread *writer;
  GThread *late_reader;

  wk_rw_lock_init (&hs.lock);

  wk_rw_lock_read (&hs.lock);
  writer = g_thread_new ("writer", write_thread, &hs);

  /* The writer announces itself, then waits for this reader. */
  while (!(g_atomic_int_get (&hs.lock.state) & WK_RW_WRITER))
    g_thread_yield ();
  g_usleep (20 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (get_step (&hs), ==, 0);

  /* A reader that comes now waits for the writer. */
  late_reader = g_thread_new ("late reader", late_read_thread, &hs);

  wk_rw_unlock_read (&hs.lock);
  wait_step (&hs, 3);           /* the writer is in */
  g_usleep (20 * G_TIME_SPAN_MILLISECOND);
  set_step (&hs, 4);            /* and leaves */

  g_thread_join (writer);
  g_thread_join (late_reader);

  g_assert_cmpint (hs.lock.state, ==, 0);
  wk_rw_lock_clear (&hs.lock);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Wobj/Lock/exclusion", test_exclusion);
  g_test_add_func ("/Wobj/Lock/readers-share", test_readers_share);
  g_test_add_func ("/Wobj/Lock/writer-waits", test_writer_waits);

  /* A broken lock hangs: fail with every thread's stack instead, well
   * before meson's timeout. */
  wk_test_watchdog_start (30);
  ret = g_test_run ();
  wk_test_watchdog_stop ();

  return ret;
}

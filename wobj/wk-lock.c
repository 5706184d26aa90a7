/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "wk-lock-private.h"

/* The slow paths of WkRWLock (see wk-lock-private.h). */

/* A reader met a writer: it steps back, so that the writer's wait can
 * end, and waits for the writer's mutex, which is free once the writer is
 * done. Another writer may come first; then it waits again. */
void
wk_rw_lock_read_wait (WkRWLock *lock)
{
  do
    {
      g_atomic_int_add (&lock->state, -1);
      g_mutex_lock (&lock->writer);
      g_mutex_unlock (&lock->writer);
    }
  while (g_atomic_int_add (&lock->state, 1) & WK_RW_WRITER);
}

/* The writer's bit is set, so no reader comes in any more: wait for those
 * already inside, whose sections are short and never block. */
void
wk_rw_lock_write_wait (WkRWLock *lock)
{
  guint spins = 0;

  while (g_atomic_int_get (&lock->state) != WK_RW_WRITER)
    {
      if (++spins < 64)
        continue;
      g_thread_yield ();
    }
}

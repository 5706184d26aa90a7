/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* WkLock is a GMutex that race detectors can see.
 *
 * GLib 2.74 builds GMutex on raw futexes, so ThreadSanitizer, helgrind and
 * DRD cannot tell that it orders memory and report every counter it guards
 * as a data race. Under ThreadSanitizer this wrapper announces each
 * acquire and release through its mutex annotations; otherwise it compiles
 * to the bare GMutex calls. Every lock in wobj is a WkLock. */

#if defined(__SANITIZE_THREAD__)
# define WK_HAVE_TSAN 1
#elif defined(__has_feature)
# if __has_feature(thread_sanitizer)
#  define WK_HAVE_TSAN 1
# endif
#endif

#ifdef WK_HAVE_TSAN
void __tsan_mutex_create (void *addr, unsigned flags);
void __tsan_mutex_destroy (void *addr, unsigned flags);
void __tsan_mutex_pre_lock (void *addr, unsigned flags);
void __tsan_mutex_post_lock (void *addr, unsigned flags, int recursion);
int  __tsan_mutex_pre_unlock (void *addr, unsigned flags);
void __tsan_mutex_post_unlock (void *addr, unsigned flags);
#endif

typedef struct _WkLock
{
  GMutex mutex;
} WkLock;

static inline void
wk_lock_init (WkLock *lock)
{
  g_mutex_init (&lock->mutex);
#ifdef WK_HAVE_TSAN
  __tsan_mutex_create (lock, 0);
#endif
}

static inline void
wk_lock_clear (WkLock *lock)
{
#ifdef WK_HAVE_TSAN
  __tsan_mutex_destroy (lock, 0);
#endif
  g_mutex_clear (&lock->mutex);
}

static inline void
wk_lock (WkLock *lock)
{
#ifdef WK_HAVE_TSAN
  __tsan_mutex_pre_lock (lock, 0);
#endif
  g_mutex_lock (&lock->mutex);
#ifdef WK_HAVE_TSAN
  __tsan_mutex_post_lock (lock, 0, 0);
#endif
}

static inline void
wk_unlock (WkLock *lock)
{
#ifdef WK_HAVE_TSAN
  __tsan_mutex_pre_unlock (lock, 0);
#endif
  g_mutex_unlock (&lock->mutex);
#ifdef WK_HAVE_TSAN
  __tsan_mutex_post_unlock (lock, 0);
#endif
}

/* g_cond_wait() on a WkLock: the lock is released while waiting, and
 * race detectors are told so. */
static inline void
wk_cond_wait (GCond  *cond,
              WkLock *lock)
{
#ifdef WK_HAVE_TSAN
  __tsan_mutex_pre_unlock (lock, 0);
  __tsan_mutex_post_unlock (lock, 0);
#endif
  g_cond_wait (cond, &lock->mutex);
#ifdef WK_HAVE_TSAN
  __tsan_mutex_pre_lock (lock, 0);
  __tsan_mutex_post_lock (lock, 0, 0);
#endif
}

/* Reference counts of wobj's own records. GLib's g_atomic_ref_count_*()
 * are calls into libglib, twice on every lookup; these are the same
 * sequentially consistent atomics, inline (and, built with
 * ThreadSanitizer, instrumented like any atomic). */
static inline void
wk_ref_count_init (gatomicrefcount *rc,
                   gint             n)
{
  g_atomic_int_set (rc, n);
}

static inline void
wk_ref_count_inc (gatomicrefcount *rc)
{
  g_atomic_int_inc (rc);
}

/* Whether that was the last reference. */
static inline gboolean
wk_ref_count_dec (gatomicrefcount *rc)
{
  return g_atomic_int_dec_and_test (rc);
}

/* WkRWLock: the tables' lock. Lookups take it for reading and may run on
 * several threads at once; changes take it for writing.
 *
 * GLib 2.74's GRWLock is a pthread_rwlock_t reached through a lazily
 * allocated pointer: about 180 instructions for a read lock and unlock,
 * as much as the hash lookup it guards. This one is one atomic counter:
 * a reader adds itself and goes on unless a writer is in; a writer takes
 * a GMutex (which orders writers among themselves), sets its bit and
 * waits for the readers already inside to leave. Readers that meet a
 * writer step back and wait on its mutex. A read section never blocks and
 * never calls out of wobj, so a writer's wait is short and it yields the
 * CPU while it lasts. Not recursive: a thread holding it must not take it
 * again (a waiting writer would stop the second read for good).
 *
 * Under ThreadSanitizer it announces itself as a reader-writer mutex. */

#define WK_RW_WRITER 0x40000000

#ifdef WK_HAVE_TSAN
# define WK_TSAN_MUTEX_READ_LOCK (1 << 3)
#endif

typedef struct _WkRWLock
{
  gint   state;    /* atomic: readers inside, plus WK_RW_WRITER */
  GMutex writer;   /* held by the writer */
} WkRWLock;

void wk_rw_lock_read_wait  (WkRWLock *lock);
void wk_rw_lock_write_wait (WkRWLock *lock);

static inline void
wk_rw_lock_init (WkRWLock *lock)
{
  lock->state = 0;
  g_mutex_init (&lock->writer);
#ifdef WK_HAVE_TSAN
  __tsan_mutex_create (lock, 0);
#endif
}

static inline void
wk_rw_lock_clear (WkRWLock *lock)
{
  g_assert (lock->state == 0);
#ifdef WK_HAVE_TSAN
  __tsan_mutex_destroy (lock, 0);
#endif
  g_mutex_clear (&lock->writer);
}

static inline void
wk_rw_lock_write (WkRWLock *lock)
{
#ifdef WK_HAVE_TSAN
  __tsan_mutex_pre_lock (lock, 0);
#endif
  g_mutex_lock (&lock->writer);
  if (G_UNLIKELY ((gint) g_atomic_int_or ((guint *) &lock->state, WK_RW_WRITER) != 0))
    wk_rw_lock_write_wait (lock);
#ifdef WK_HAVE_TSAN
  __tsan_mutex_post_lock (lock, 0, 0);
#endif
}

static inline void
wk_rw_unlock_write (WkRWLock *lock)
{
#ifdef WK_HAVE_TSAN
  __tsan_mutex_pre_unlock (lock, 0);
#endif
  g_atomic_int_and ((guint *) &lock->state, ~(guint) WK_RW_WRITER);
  g_mutex_unlock (&lock->writer);
#ifdef WK_HAVE_TSAN
  __tsan_mutex_post_unlock (lock, 0);
#endif
}

static inline void
wk_rw_lock_read (WkRWLock *lock)
{
#ifdef WK_HAVE_TSAN
  __tsan_mutex_pre_lock (lock, WK_TSAN_MUTEX_READ_LOCK);
#endif
  /* Sequentially consistent, like the writer's or: one of the two sees
   * the other. */
  if (G_UNLIKELY (g_atomic_int_add (&lock->state, 1) & WK_RW_WRITER))
    wk_rw_lock_read_wait (lock);
#ifdef WK_HAVE_TSAN
  __tsan_mutex_post_lock (lock, WK_TSAN_MUTEX_READ_LOCK, 0);
#endif
}

static inline void
wk_rw_unlock_read (WkRWLock *lock)
{
#ifdef WK_HAVE_TSAN
  __tsan_mutex_pre_unlock (lock, WK_TSAN_MUTEX_READ_LOCK);
#endif
  g_atomic_int_add (&lock->state, -1);
#ifdef WK_HAVE_TSAN
  __tsan_mutex_post_unlock (lock, WK_TSAN_MUTEX_READ_LOCK);
#endif
}

G_END_DECLS

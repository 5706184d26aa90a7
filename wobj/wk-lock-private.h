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

/* WkRWLock: a GRWLock, for the tables, whose lookups are most of their
 * use and may run on several threads at once. GLib 2.74 builds GRWLock on
 * pthread_rwlock_t, which race detectors understand as it is. */
typedef struct _WkRWLock
{
  GRWLock rw_lock;
} WkRWLock;

static inline void
wk_rw_lock_init (WkRWLock *lock)
{
  g_rw_lock_init (&lock->rw_lock);
}

static inline void
wk_rw_lock_clear (WkRWLock *lock)
{
  g_rw_lock_clear (&lock->rw_lock);
}

static inline void
wk_rw_lock_write (WkRWLock *lock)
{
  g_rw_lock_writer_lock (&lock->rw_lock);
}

static inline void
wk_rw_unlock_write (WkRWLock *lock)
{
  g_rw_lock_writer_unlock (&lock->rw_lock);
}

static inline void
wk_rw_lock_read (WkRWLock *lock)
{
  g_rw_lock_reader_lock (&lock->rw_lock);
}

static inline void
wk_rw_unlock_read (WkRWLock *lock)
{
  g_rw_lock_reader_unlock (&lock->rw_lock);
}

G_END_DECLS

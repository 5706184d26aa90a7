/* SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Makes GLib 2.74's own locks visible to ThreadSanitizer.
 *
 * Debian's GLib is not built with TSan, and its GMutex, GCond and
 * g_once_init_* are futex and atomic code inside libglib: TSan never sees
 * them order memory, so every value a test hands to another thread under a
 * GMutex (or through a GCond, or a GType registered with g_once_init_*)
 * looks like a data race. This library, put in LD_PRELOAD by run-tests' tsan
 * run, interposes those functions: each one calls GLib's own (dlsym
 * RTLD_NEXT) and tells TSan about the ordering it really provides, with
 * __tsan_acquire/__tsan_release on the lock's (or the location's) address.
 * It changes no behaviour: the locking is still GLib's.
 *
 * Scope: interposition only sees calls made through the dynamic linker,
 * that is from the test programs, from libwobj and from libgobject/libgio
 * into libglib. GLib's calls to itself are bound directly (GMainContext's
 * mutex, GData's bit locks, GAsyncQueue): those stay invisible and, when
 * they matter, are covered by tests/tsan.supp, which says why for each.
 *
 * Build (run-tests does it):
 *   cc -shared -fPIC -O1 -o libwk-tsan-glib.so tsan-glib.c \
 *      $(pkg-config --cflags --libs gobject-2.0) -ldl -lpthread
 * The __tsan_* symbols come from the TSan runtime linked into the test
 * programs. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <glib-object.h>

/* Weak: in a process without TSan (meson itself, a shell the test runs)
 * the wrappers only call GLib. */
void __tsan_acquire (void *addr) __attribute__ ((weak));
void __tsan_release (void *addr) __attribute__ ((weak));

#define __tsan_acquire(addr) \
  do { if (__tsan_acquire != NULL) (__tsan_acquire) (addr); } while (0)
#define __tsan_release(addr) \
  do { if (__tsan_release != NULL) (__tsan_release) (addr); } while (0)

#define REAL(name, ret, args)                                           \
  static ret (*real_##name) args;                                       \
  static void resolve_##name (void)                                     \
  {                                                                     \
    if (__atomic_load_n (&real_##name, __ATOMIC_ACQUIRE) == NULL)       \
      {                                                                 \
        void *f = dlsym (RTLD_NEXT, #name);                             \
        if (f == NULL)                                                  \
          {                                                             \
            fprintf (stderr, "tsan-glib: no %s\n", #name);              \
            abort ();                                                   \
          }                                                             \
        __atomic_store_n (&real_##name, (ret (*) args) f, __ATOMIC_RELEASE); \
      }                                                                 \
  }

REAL (g_mutex_lock, void, (GMutex *))
REAL (g_mutex_trylock, gboolean, (GMutex *))
REAL (g_mutex_unlock, void, (GMutex *))
REAL (g_cond_wait, void, (GCond *, GMutex *))
REAL (g_cond_wait_until, gboolean, (GCond *, GMutex *, gint64))
REAL (g_once_init_enter, gboolean, (volatile void *))
REAL (g_once_init_leave, void, (volatile void *, gsize))
REAL (g_bit_lock, void, (volatile gint *, gint))
REAL (g_bit_trylock, gboolean, (volatile gint *, gint))
REAL (g_bit_unlock, void, (volatile gint *, gint))
REAL (g_pointer_bit_lock, void, (volatile void *, gint))
REAL (g_pointer_bit_trylock, gboolean, (volatile void *, gint))
REAL (g_pointer_bit_unlock, void, (volatile void *, gint))
REAL (g_atomic_ref_count_inc, void, (gatomicrefcount *))
REAL (g_atomic_ref_count_dec, gboolean, (gatomicrefcount *))
REAL (g_datalist_id_dup_data, gpointer, (GData **, GQuark, GDuplicateFunc, gpointer))
REAL (g_datalist_id_replace_data, gboolean, (GData **, GQuark, gpointer, gpointer, GDestroyNotify, GDestroyNotify *))
REAL (g_datalist_id_get_data, gpointer, (GData **, GQuark))
REAL (g_datalist_id_set_data_full, void, (GData **, GQuark, gpointer, GDestroyNotify))
REAL (g_async_queue_push, void, (GAsyncQueue *, gpointer))
REAL (g_async_queue_try_pop, gpointer, (GAsyncQueue *))
REAL (g_object_ref, gpointer, (gpointer))
REAL (g_object_unref, void, (gpointer))
REAL (g_weak_ref_get, gpointer, (GWeakRef *))
REAL (g_rw_lock_writer_unlock, void, (GRWLock *))

void
g_mutex_lock (GMutex *mutex)
{
  resolve_g_mutex_lock ();
  real_g_mutex_lock (mutex);
  __tsan_acquire (mutex);
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  gboolean locked;

  resolve_g_mutex_trylock ();
  locked = real_g_mutex_trylock (mutex);
  if (locked)
    __tsan_acquire (mutex);
  return locked;
}

void
g_mutex_unlock (GMutex *mutex)
{
  resolve_g_mutex_unlock ();
  __tsan_release (mutex);
  real_g_mutex_unlock (mutex);
}

/* Waiting releases the mutex and takes it back. */
void
g_cond_wait (GCond  *cond,
             GMutex *mutex)
{
  resolve_g_cond_wait ();
  __tsan_release (mutex);
  real_g_cond_wait (cond, mutex);
  __tsan_acquire (mutex);
}

gboolean
g_cond_wait_until (GCond  *cond,
                   GMutex *mutex,
                   gint64  end_time)
{
  gboolean signalled;

  resolve_g_cond_wait_until ();
  __tsan_release (mutex);
  signalled = real_g_cond_wait_until (cond, mutex, end_time);
  __tsan_acquire (mutex);
  return signalled;
}

/* g_once_init_enter() is a macro whose fast path is an (instrumented)
 * atomic load of the location; the store that publishes the value is made
 * by g_once_init_leave() inside libglib. Releasing on the location before
 * it lets the fast path's acquire load synchronise with it. */
gboolean
(g_once_init_enter) (volatile void *location)
{
  gboolean need_init;

  resolve_g_once_init_enter ();
  need_init = real_g_once_init_enter (location);
  if (!need_init)
    __tsan_acquire ((void *) location);
  return need_init;
}

void
(g_once_init_leave) (volatile void *location,
                   gsize          result)
{
  resolve_g_once_init_leave ();
  __tsan_release ((void *) location);
  real_g_once_init_leave (location, result);
}

void
(g_bit_lock) (volatile gint *address,
            gint           lock_bit)
{
  resolve_g_bit_lock ();
  real_g_bit_lock (address, lock_bit);
  __tsan_acquire ((void *) address);
}

gboolean
(g_bit_trylock) (volatile gint *address,
               gint           lock_bit)
{
  gboolean locked;

  resolve_g_bit_trylock ();
  locked = real_g_bit_trylock (address, lock_bit);
  if (locked)
    __tsan_acquire ((void *) address);
  return locked;
}

void
(g_bit_unlock) (volatile gint *address,
              gint           lock_bit)
{
  resolve_g_bit_unlock ();
  __tsan_release ((void *) address);
  real_g_bit_unlock (address, lock_bit);
}

void
(g_pointer_bit_lock) (volatile void *address,
                    gint           lock_bit)
{
  resolve_g_pointer_bit_lock ();
  real_g_pointer_bit_lock (address, lock_bit);
  __tsan_acquire ((void *) address);
}

gboolean
(g_pointer_bit_trylock) (volatile void *address,
                       gint           lock_bit)
{
  gboolean locked;

  resolve_g_pointer_bit_trylock ();
  locked = real_g_pointer_bit_trylock (address, lock_bit);
  if (locked)
    __tsan_acquire ((void *) address);
  return locked;
}

void
(g_pointer_bit_unlock) (volatile void *address,
                      gint           lock_bit)
{
  resolve_g_pointer_bit_unlock ();
  __tsan_release ((void *) address);
  real_g_pointer_bit_unlock (address, lock_bit);
}

/* GLib's reference counts are atomic read-modify-writes in libglib
 * (sequentially consistent: each one acquires and releases). wobj counts
 * its anchors, owners and table entries with g_atomic_ref_count_*(). */
void
g_atomic_ref_count_inc (gatomicrefcount *arc)
{
  resolve_g_atomic_ref_count_inc ();
  __tsan_release (arc);
  real_g_atomic_ref_count_inc (arc);
  __tsan_acquire (arc);
}

gboolean
g_atomic_ref_count_dec (gatomicrefcount *arc)
{
  gboolean last;

  resolve_g_atomic_ref_count_dec ();
  __tsan_release (arc);
  last = real_g_atomic_ref_count_dec (arc);
  /* The caller frees only once this returns: acquiring now is in time. */
  __tsan_acquire (arc);
  return last;
}

/* g_object_ref()/g_object_unref(): the same kind of count, in libgobject
 * (2.74: an atomic load, then a compare-and-exchange). Every access to the
 * count is sequentially consistent, so a thread that reads it acquires
 * every earlier holder's release. The wrappers model that on the object's
 * address.
 *
 * The last unref finalizes inside the call, so its acquire must come after
 * every other holder's decrement and before the object is torn down. This
 * wrapper does what 2.74's g_object_unref() does for a count above 1 itself
 * (the same compare-and-exchange loop, then acquire), and acquires before
 * calling GLib when it reads a count of 1. That is not enough on its own:
 * while the count is 1, another thread may still take a new reference
 * with g_weak_ref_get() (its g_object_ref() is internal to libgobject, so
 * no wrapper sees it), read the object and drop the reference again before
 * GLib, under the weak-locations lock, reads the count once more, sees 1,
 * clears the weak references and goes on to dispose, finalize and free.
 * That second read synchronises with the other thread's decrement, and is
 * what the acquire must follow. So the wrapper notes, for this thread, the
 * object whose last reference it is dropping (a stack: dispose may drop the
 * last reference to another object), and the calls that libgobject then
 * makes into libglib on this path, which are seen (the weak-locations
 * lock's g_rw_lock_writer_unlock(), the g_datalist_id_get_data() and
 * g_datalist_id_set_data_full() on the object's qdata), acquire on the
 * object again: each comes after a read of the count. Whatever it is
 * unsure of (not an object, toggle references) it leaves to GLib
 * unchanged. Calls that libgobject makes to itself are not seen. */
typedef struct _Dying Dying;
struct _Dying
{
  GObject *object;
  Dying   *up;
};

static __thread Dying *dying_top;

/* Called on the seen libgobject-to-libglib calls: if this thread is in
 * the last unref of an object, it read the count just before. */
static inline void
dying_acquire (void)
{
  if (dying_top != NULL)
    __tsan_acquire (dying_top->object);
}

gpointer
(g_object_ref) (gpointer object)
{
  resolve_g_object_ref ();
  __tsan_release (object);
  __tsan_acquire (object);
  return real_g_object_ref (object);
}

#define TOGGLE_REF_FLAG 0x1   /* gobject.c's OBJECT_HAS_TOGGLE_REF_FLAG */

void
(g_object_unref) (gpointer object)
{
  GObject *gobject = object;

  resolve_g_object_unref ();
  __tsan_release (object);
  if (object != NULL && G_IS_OBJECT (object))
    {
      for (;;)
        {
          guint old_ref = __atomic_load_n (&gobject->ref_count, __ATOMIC_SEQ_CST);

          if (old_ref <= 1)
            {
              /* The last holder, unless g_weak_ref_get() brings the
               * object back meanwhile: see above. */
              Dying dying = { gobject, dying_top };

              __tsan_acquire (object);
              dying_top = &dying;
              real_g_object_unref (object);
              dying_top = dying.up;
              return;
            }
          if (old_ref == 2 &&
              (g_datalist_get_flags (&gobject->qdata) & TOGGLE_REF_FLAG) != 0)
            break;            /* a toggle notify is due: GLib's business */
          if (__atomic_compare_exchange_n (&gobject->ref_count, &old_ref, old_ref - 1,
                                           FALSE, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            {
              __tsan_acquire (object);
              return;
            }
        }
    }
  real_g_object_unref (object);
}

/* g_weak_ref_get(): on success, a g_object_ref() inside libgobject (under
 * GLib's weak-locations lock, a pthread rwlock that TSan sees). Model that
 * count increment like the wrapper of g_object_ref(). */
gpointer
g_weak_ref_get (GWeakRef *weak_ref)
{
  gpointer object;

  resolve_g_weak_ref_get ();
  object = real_g_weak_ref_get (weak_ref);
  if (object != NULL)
    {
      __tsan_release (object);
      __tsan_acquire (object);
    }
  return object;
}

/* The weak-locations lock of libgobject (and any other GRWLock). GRWLock
 * is a pthread rwlock that TSan sees already: the wrapper only serves the
 * last unref above, which unlocks it right after reading the count. */
void
g_rw_lock_writer_unlock (GRWLock *rw_lock)
{
  resolve_g_rw_lock_writer_unlock ();
  dying_acquire ();
  real_g_rw_lock_writer_unlock (rw_lock);
}

/* GData (qdata: wobj's anchor is one) is guarded by a bit lock inside
 * libglib. Model it as a lock on the list's address; for dup, the
 * duplicate function runs under that lock. */
typedef struct
{
  GDuplicateFunc func;
  gpointer       user_data;
  void          *datalist;
} DupData;

static gpointer
dup_trampoline (gpointer data,
                gpointer user_data)
{
  DupData *dup = user_data;

  __tsan_acquire (dup->datalist);
  return dup->func (data, dup->user_data);
}

gpointer
g_datalist_id_dup_data (GData          **datalist,
                        GQuark           key_id,
                        GDuplicateFunc   dup_func,
                        gpointer         user_data)
{
  gpointer result;

  resolve_g_datalist_id_dup_data ();
  __tsan_release (datalist);
  if (dup_func != NULL)
    {
      DupData dup = { dup_func, user_data, datalist };
      result = real_g_datalist_id_dup_data (datalist, key_id, dup_trampoline, &dup);
    }
  else
    result = real_g_datalist_id_dup_data (datalist, key_id, NULL, user_data);
  __tsan_acquire (datalist);
  return result;
}

gboolean
g_datalist_id_replace_data (GData          **datalist,
                            GQuark           key_id,
                            gpointer         oldval,
                            gpointer         newval,
                            GDestroyNotify   destroy,
                            GDestroyNotify  *old_destroy)
{
  gboolean replaced;

  resolve_g_datalist_id_replace_data ();
  __tsan_release (datalist);
  replaced = real_g_datalist_id_replace_data (datalist, key_id, oldval, newval, destroy, old_destroy);
  __tsan_acquire (datalist);
  return replaced;
}

gpointer
g_datalist_id_get_data (GData  **datalist,
                        GQuark   key_id)
{
  gpointer data;

  resolve_g_datalist_id_get_data ();
  data = real_g_datalist_id_get_data (datalist, key_id);
  __tsan_acquire (datalist);
  if (dying_top != NULL && datalist == &dying_top->object->qdata)
    dying_acquire ();
  return data;
}

void
g_datalist_id_set_data_full (GData          **datalist,
                             GQuark           key_id,
                             gpointer         data,
                             GDestroyNotify   destroy_func)
{
  resolve_g_datalist_id_set_data_full ();
  if (dying_top != NULL && datalist == &dying_top->object->qdata)
    dying_acquire ();
  __tsan_release (datalist);
  real_g_datalist_id_set_data_full (datalist, key_id, data, destroy_func);
  __tsan_acquire (datalist);
}

/* GAsyncQueue: its mutex, and the list nodes it allocates and frees
 * under it, are inside libglib. The wrappers run each push and pop under
 * one more lock of their own, a pthread mutex that TSan sees; a blocking
 * pop polls with try_pop under it (a handshake in a test waits up to a
 * millisecond longer, nothing else changes). */
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;

void
g_async_queue_push (GAsyncQueue *queue,
                    gpointer     data)
{
  resolve_g_async_queue_push ();
  pthread_mutex_lock (&queue_lock);
  real_g_async_queue_push (queue, data);
  pthread_mutex_unlock (&queue_lock);
}

gpointer
g_async_queue_try_pop (GAsyncQueue *queue)
{
  gpointer data;

  resolve_g_async_queue_try_pop ();
  pthread_mutex_lock (&queue_lock);
  data = real_g_async_queue_try_pop (queue);
  pthread_mutex_unlock (&queue_lock);
  return data;
}

gpointer
g_async_queue_pop (GAsyncQueue *queue)
{
  gulong wait = 1;

  for (;;)
    {
      gpointer data = g_async_queue_try_pop (queue);

      if (data != NULL)
        return data;
      g_usleep (wait);
      wait = MIN (wait * 2, 1000);
    }
}

gpointer
g_async_queue_timeout_pop (GAsyncQueue *queue,
                           guint64      timeout)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout;
  gulong wait = 1;

  for (;;)
    {
      gpointer data = g_async_queue_try_pop (queue);

      if (data != NULL || g_get_monotonic_time () >= end)
        return data;
      g_usleep (wait);
      wait = MIN (wait * 2, 1000);
    }
}

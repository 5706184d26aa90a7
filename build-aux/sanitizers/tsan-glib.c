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
 * It changes no behaviour: the locking is still GLib's. (Two wrappers do
 * GLib's work themselves, the same way: g_object_unref() for a count above
 * 1, and g_source_set_callback(); GAsyncQueue's add a lock of their own.)
 *
 * Scope: interposition only sees calls made through the dynamic linker,
 * that is from the test programs, from libwobj and from libgobject/libgio
 * into libglib (libglib and libgobject are linked -Bsymbolic-functions).
 * GLib's calls to itself are bound directly (GMainContext's mutex, GData's
 * bit locks, GAsyncQueue's mutex, g_object_ref() inside g_weak_ref_get()):
 * each wrapper below says how it stands for those it matters for. One of
 * them cannot be modelled, GMainContext's mutex: a few GLib calls are
 * ignored sections instead (see "GMainContext's own structures" below).
 * tests/tsan.supp lists what was reported before each was modelled.
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
/* clang 14's runtime has no __tsan_ignore_thread_begin(): these two
 * annotations are its way to start and end an ignored section (both
 * count the thread's ignored sections, for reads and writes alike). */
void AnnotateIgnoreWritesBegin (const char *file, int line) __attribute__ ((weak));
void AnnotateIgnoreWritesEnd (const char *file, int line) __attribute__ ((weak));

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
REAL (g_source_set_callback_indirect, void, (GSource *, gpointer, GSourceCallbackFuncs *))
REAL (g_source_attach, guint, (GSource *, GMainContext *))
REAL (g_source_destroy, void, (GSource *))
REAL (g_source_unref, void, (GSource *))

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
 * duplicate function runs under that lock: it acquires when it starts
 * and releases when it returns, so that what it read is ordered before
 * whatever a later holder of the lock does (such as removing the value
 * and freeing it). */
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

  gpointer result;

  __tsan_acquire (dup->datalist);
  result = dup->func (data, dup->user_data);
  __tsan_release (dup->datalist);

  return result;
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

/* Ignored sections (see the GMainContext wrappers below): TSan records no
 * memory access of this thread inside them. A thread-local count lets user
 * code that GLib calls from inside one (a destroy notify) be seen again. */
static __thread guint ignore_depth;

static inline void
ignore_begin (void)
{
  if (AnnotateIgnoreWritesBegin != NULL)
    {
      ignore_depth++;
      AnnotateIgnoreWritesBegin (__FILE__, __LINE__);
    }
}

static inline void
ignore_end (void)
{
  if (AnnotateIgnoreWritesEnd != NULL)
    {
      AnnotateIgnoreWritesEnd (__FILE__, __LINE__);
      ignore_depth--;
    }
}

static guint
unignore (void)
{
  guint depth = ignore_depth;
  guint i;

  for (i = 0; i < depth; i++)
    ignore_end ();
  return depth;
}

static void
reignore (guint depth)
{
  guint i;

  for (i = 0; i < depth; i++)
    ignore_begin ();
}

/* g_source_set_callback(): GLib keeps the callback in a small record
 * (GSourceCallback) that it allocates in the caller's thread and frees, with
 * its own atomic count, on whichever thread dispatches or destroys the
 * source last; the hand-over goes through the GMainContext's mutex, which
 * libglib takes and releases in calls to itself, unseen. So TSan saw wobj's
 * idle source's record allocated in wk_owner_deliver() on one thread and
 * freed by the main loop on another (g_source_destroy_internal(), after the
 * dispatch) as a race. This wrapper does what g_source_set_callback() does
 * (it is g_source_set_callback_indirect() with GLib's
 * g_source_callback_funcs), with a record and functions of its own that tell
 * TSan about the ordering: the record is published with a release before
 * GLib sees it; GLib calls ref and get under the context's mutex before it
 * runs the callback, and unref when it lets go; each acquires, and the last
 * unref acquires every other holder's release before it runs the destroy
 * notify and frees the record. */
typedef struct
{
  gint           ref_count;   /* atomic */
  GSourceFunc    func;
  gpointer       data;
  GDestroyNotify notify;
} Callback;

static void
callback_ref (gpointer cb_data)
{
  Callback *cb = cb_data;

  __tsan_release (cb);
  __atomic_fetch_add (&cb->ref_count, 1, __ATOMIC_SEQ_CST);
  __tsan_acquire (cb);
}

static void
callback_unref (gpointer cb_data)
{
  Callback *cb = cb_data;

  __tsan_release (cb);
  if (__atomic_sub_fetch (&cb->ref_count, 1, __ATOMIC_SEQ_CST) == 0)
    {
      __tsan_acquire (cb);
      if (cb->notify != NULL)
        {
          /* User code: seen by TSan even inside an ignored call below. */
          guint depth = unignore ();
          cb->notify (cb->data);
          reignore (depth);
        }
      free (cb);
    }
}

static void
callback_get (gpointer     cb_data,
              GSource     *source,
              GSourceFunc *func,
              gpointer    *data)
{
  Callback *cb = cb_data;

  (void) source;
  __tsan_acquire (cb);
  *func = cb->func;
  *data = cb->data;
}

static GSourceCallbackFuncs callback_funcs = {
  callback_ref,
  callback_unref,
  callback_get,
};

void
g_source_set_callback (GSource        *source,
                       GSourceFunc     func,
                       gpointer        data,
                       GDestroyNotify  notify)
{
  Callback *cb;

  resolve_g_source_set_callback_indirect ();
  if (source == NULL)
    {
      /* GLib's precondition message, as the caller would get it. */
      real_g_source_set_callback_indirect (source, NULL, &callback_funcs);
      return;
    }
  cb = malloc (sizeof *cb);
  if (cb == NULL)
    abort ();
  cb->ref_count = 1;
  cb->func = func;
  cb->data = data;
  cb->notify = notify;
  __tsan_release (cb);
  real_g_source_set_callback_indirect (source, cb, &callback_funcs);
}

/* GMainContext's own structures: the table of its sources by id, its lists
 * of sources by priority, their nodes. libglib allocates, grows and frees
 * them under the context's mutex in g_source_attach(), in the last
 * g_source_unref() of an attached source (which unlinks it), and in the
 * main loop's iterations; the mutex is taken and released by libglib's
 * calls to itself, which no wrapper can see, and the main loop holds it in
 * the middle of a call (g_main_context_iteration()) that also runs user
 * callbacks, so no acquire or release placed around calls can stand for it.
 * TSan, seeing only the allocator's calls (malloc, realloc, free) on that
 * memory, reported them: the id table's arrays reallocated by
 * g_source_attach() from wk_owner_deliver() on a worker thread and by the
 * main loop on the main thread (test-threads), the nodes of the priority
 * lists likewise.
 *
 * That ordering cannot be modelled, so these calls, when made from outside
 * GLib (by wobj and the tests), are ignored sections: TSan records none of
 * this thread's memory accesses while GLib runs them. The main loop's own
 * iterations stay seen; the memory of GLib's structures is only ever
 * touched by libglib, so a conflict needs one access recorded on each side,
 * and one side is now always unrecorded. What this could hide: a race on
 * memory that libglib itself allocates or frees inside these calls (its own
 * structures, which no instrumented code touches), and a race in user code
 * that GLib calls from inside them. The latter is why a call is ignored
 * only when GLib will run no user code in it: g_source_attach() never
 * does; g_source_destroy() and the last g_source_unref() run the callback's
 * destroy notify (un-ignored when the callback was set through the wrapper
 * above, so otherwise such a call is left seen) and the source's finalize
 * function (a call that may run one is left seen). GSource dispose
 * functions (g_source_set_dispose_function(), used neither by wobj nor by
 * the tests) would run unseen. */
static gboolean
source_runs_no_user_code (GSource *source,
                          gboolean last_unref)
{
  if (source == NULL)
    return FALSE;
  if (source->callback_funcs != NULL && source->callback_funcs != &callback_funcs)
    return FALSE;
  if (last_unref && source->source_funcs != NULL && source->source_funcs->finalize != NULL)
    return FALSE;
  return TRUE;
}

guint
g_source_attach (GSource      *source,
                 GMainContext *context)
{
  guint id;

  resolve_g_source_attach ();
  ignore_begin ();
  id = real_g_source_attach (source, context);
  ignore_end ();
  return id;
}

void
g_source_destroy (GSource *source)
{
  resolve_g_source_destroy ();
  if (source_runs_no_user_code (source, FALSE))
    {
      ignore_begin ();
      real_g_source_destroy (source);
      ignore_end ();
    }
  else
    real_g_source_destroy (source);
}

void
g_source_unref (GSource *source)
{
  resolve_g_source_unref ();
  if (source_runs_no_user_code (source, TRUE))
    {
      ignore_begin ();
      real_g_source_unref (source);
      ignore_end ();
    }
  else
    real_g_source_unref (source);
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

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <string.h>

#include "wk-signal.h"
#include "wk-ref.h"

#include "wk-common-private.h"

/* A weak signal connection: a handler connected to a signal of an
 * *emitter* on behalf of a *receiver*, holding neither alive and
 * disconnected when either dies.
 *
 * It is built on the public WkRef API only. The handler that GLib knows
 * is our own closure (the *guard*), whose marshaller turns the receiver's
 * WkRef into a strong reference for the duration of the call and invokes
 * the caller's closure (the *handler*) only if that worked: a receiver
 * finalized on another thread is never called, whenever its WkRef
 * callback is delivered. That callback, on the connecting thread,
 * disconnects the guard from the emitter, through a WkRef to the emitter
 * since the emitter may itself be gone by then. When the emitter dies,
 * GLib drops its handlers, and the guard's finalize notifier frees the
 * rest.
 *
 * Nothing is locked here: everything the guard's marshaller reads is set
 * before the guard is connected and released only by its finalize
 * notifier, which cannot run during an invocation (g_closure_invoke()
 * holds a reference), and the connection record that outlives the guard
 * is reference-counted and immutable. So no code of ours calls out under
 * a lock. */

typedef struct
{
  gatomicrefcount  ref_count;

  /* Immutable. */
  WkRef           *emitter;
  GThread         *thread;           /* the connecting thread */
  gboolean         append_receiver;  /* the closure form: pass it last */

  /* Owned by the guard: set before it is connected, released by its
   * finalize notifier. */
  WkRef           *receiver;         /* owned by the connecting thread */
  GClosure        *handler;
} WeakConnection;

static WeakConnection *
weak_connection_ref (WeakConnection *connection)
{
  g_atomic_ref_count_inc (&connection->ref_count);

  return connection;
}

static void
weak_connection_unref (gpointer data)
{
  WeakConnection *connection = data;

  if (!g_atomic_ref_count_dec (&connection->ref_count))
    return;

  g_assert (connection->receiver == NULL);
  g_assert (connection->handler == NULL);

  g_clear_object (&connection->emitter);
  g_clear_pointer (&connection->thread, g_thread_unref);
  g_free (connection);
}

/* Disconnects the guard of @connection from @emitter, if it is still
 * connected. Matching the guard by its data (the connection record, which
 * the caller keeps alive, so its address can't have been reused) instead
 * of by handler id makes this a silent no-op when the handler is already
 * gone: disconnected by hand, or by an earlier call. The receiver's
 * address would not do as the data: once it is dead, a new object may
 * have it, and a new connection of its own on the same emitter. */
static void
disconnect_guard (WeakConnection *connection,
                  gpointer        emitter)
{
  g_signal_handlers_disconnect_matched (emitter,
                                        G_SIGNAL_MATCH_DATA,
                                        0, 0, NULL, NULL,
                                        connection);
}

/* The receiver's WkRef callback: once, when the receiver is finalized, on
 * the connecting thread or from its thread-default main context. The
 * reference this callback holds on @user_data is dropped right after it
 * by the WkRef. */
static void
receiver_finalized_cb (WkRef    *ref,
                       gpointer  user_data)
{
  WeakConnection *connection = user_data;
  GObject *emitter;

  /* If the emitter is gone its handlers went with it. If it is the
   * receiver itself, it is gone too. */
  emitter = wk_ref_dup_object (connection->emitter);
  if (emitter == NULL)
    return;

  disconnect_guard (connection, emitter);
  g_object_unref (emitter);
}

static void
guard_marshal (GClosure     *closure,
               GValue       *return_value,
               guint         n_param_values,
               const GValue *param_values,
               gpointer      invocation_hint,
               gpointer      marshal_data)
{
  WeakConnection *connection = closure->data;
  GObject *receiver;

  /* Held until the handler returns: another thread dropping the last
   * other reference to the receiver meanwhile does not finalize it under
   * the handler's feet. */
  receiver = wk_ref_dup_object (connection->receiver);
  if (receiver == NULL)
    {
      /* Dead, perhaps on another thread with the WkRef callback not yet
       * delivered. Skip the call, and disconnect now if this is the
       * connecting thread: that is where the callback would do it when
       * that thread runs its own main context, so the disconnections stay
       * on that one thread, and a thread whose main context is not
       * running gets its handler removed all the same. */
      if (connection->thread == g_thread_self ())
        disconnect_guard (connection, g_value_peek_pointer (&param_values[0]));
      return;
    }

  if (connection->append_receiver)
    {
      /* The signal's arguments, then the receiver: a binding's function
       * gets the receiver without holding it. The signal's values are
       * copied bit for bit and never unset: borrowed for the call, as the
       * emission keeps the originals until it returns. */
      GValue *values = g_newa (GValue, n_param_values + 1);

      memcpy (values, param_values, n_param_values * sizeof (GValue));
      memset (&values[n_param_values], 0, sizeof (GValue));
      g_value_init (&values[n_param_values], G_OBJECT_TYPE (receiver));
      g_value_set_object (&values[n_param_values], receiver);

      g_closure_invoke (connection->handler,
                        return_value,
                        n_param_values + 1,
                        values,
                        invocation_hint);

      g_value_unset (&values[n_param_values]);
    }
  else
    {
      g_closure_invoke (connection->handler,
                        return_value,
                        n_param_values,
                        param_values,
                        invocation_hint);
    }

  g_object_unref (receiver);
}

/* The guard's finalize notifier: the handler is gone (disconnected, or
 * its emitter finalized), on whatever thread that happened. */
static void
guard_finalize_cb (gpointer  data,
                   GClosure *closure)
{
  WeakConnection *connection = data;

  /* The last reference to the receiver's WkRef: its dispose detaches it
   * from the receiver and, if its callback has not been called, drops the
   * callback's reference to the connection. */
  g_clear_object (&connection->receiver);
  g_clear_pointer (&connection->handler, g_closure_unref);

  weak_connection_unref (connection);
}

/* Takes over @handler, a sunk closure. */
static gulong
connect_weak (gpointer    emitter,
              const char *detailed_signal,
              GClosure   *handler,
              gboolean    append_receiver,
              gpointer    receiver,
              gboolean    after)
{
  WeakConnection *connection;
  GClosure *guard;
  gulong handler_id;

  /* The guard invokes @handler with g_closure_invoke(), not through a
   * signal connection, so no one else gives it a marshaller. The signal's
   * own marshaller is private to GSignal; the generic one is what every
   * signal defined without one uses. */
  if (G_CLOSURE_NEEDS_MARSHAL (handler))
    g_closure_set_marshal (handler, g_cclosure_marshal_generic);

  connection = g_new0 (WeakConnection, 1);
  g_atomic_ref_count_init (&connection->ref_count);
  connection->thread = g_thread_ref (g_thread_self ());
  connection->handler = handler;
  connection->append_receiver = append_receiver;
  connection->emitter = wk_ref_new (emitter);
  connection->receiver = wk_ref_new_full (receiver,
                                          receiver_finalized_cb,
                                          weak_connection_ref (connection),
                                          weak_connection_unref);

  guard = g_closure_new_simple (sizeof (GClosure), connection);
  g_closure_set_marshal (guard, guard_marshal);
  g_closure_add_finalize_notifier (guard, connection, guard_finalize_cb);
  g_closure_ref (guard);
  g_closure_sink (guard);

  /* Both are held by the caller, so they are dead only if one is being
   * finalized (a connection made from a callback run by its death): the
   * handler could never run, and the receiver's WkRef callback, which
   * would disconnect it, never come. */
  if (!wk_ref_is_alive (connection->emitter) || !wk_ref_is_alive (connection->receiver))
    handler_id = 0;
  else
    handler_id = g_signal_connect_closure (emitter, detailed_signal, guard, after);

  /* The receiver may have died on another thread since, and its callback
   * run (where another thread iterates this thread's context) before
   * there was a handler to disconnect: then no callback will come, so the
   * handler goes now. */
  if (handler_id != 0 && !wk_ref_is_alive (connection->receiver))
    {
      disconnect_guard (connection, emitter);
      handler_id = 0;
    }

  /* Connected, the emitter's handler owns the guard; otherwise this frees
   * everything. */
  g_closure_unref (guard);

  return handler_id;
}

/**
 * wk_signal_connect_weak: (skip)
 * @emitter: (type GObject.Object): the object whose signal to connect to
 * @detailed_signal: a string of the form "signal-name::detail"
 * @c_handler: the callback to connect
 * @receiver: (type GObject.Object): the object to pass as @user_data to
 *   @c_handler
 * @connect_flags: a combination of %G_CONNECT_AFTER and
 *   %G_CONNECT_SWAPPED
 *
 * Connects @c_handler to a signal of @emitter on behalf of @receiver,
 * holding neither of them alive: the weak counterpart of
 * g_signal_connect_object(), safe when either object dies on any thread.
 *
 * @c_handler is called with @receiver as its user data (as its first
 * argument with %G_CONNECT_SWAPPED, the emitter then coming last), and
 * only while @receiver is alive: during each call a strong reference
 * keeps it alive, whatever another thread does meanwhile. A receiver
 * finalized on any thread is never called again, from that moment on.
 *
 * The handler is disconnected when either object is finalized (or
 * disposed with g_object_run_dispose()). When the emitter dies, its
 * handlers go with it. When the receiver dies, the handler is
 * disconnected where a [class@Wk.Ref] made now would call its callback:
 * at once if the receiver is finalized on the calling thread, otherwise
 * when the calling thread's thread-default main context is next
 * iterated; or when the signal is next emitted on the calling thread, if
 * that comes first. Until then the handler is still connected but not
 * called. A signal with a return value gets its default value from a
 * handler that was skipped.
 *
 * The returned handler id is an ordinary one: while the connection
 * lasts, g_signal_handler_disconnect(), g_signal_handler_block() and the
 * like work with it, and disconnecting releases everything the
 * connection holds. Once either object is finalized the id is no longer
 * valid, as with g_signal_connect_object(); use
 * g_signal_handler_is_connected() to find out. On a thread that runs its
 * own thread-default main context (the main thread, typically), every
 * automatic disconnection happens on that thread, so checking and then
 * disconnecting there never races with it. The automatic disconnections
 * never race with each other, nor warn about a handler already gone.
 *
 * The handler GLib knows is a closure of wobj's, which checks that
 * @receiver lives before it calls @c_handler: the
 * g_signal_handlers_disconnect_by_func() family, which matches a C
 * closure's callback and data, does not find it. Use the handler id.
 *
 * @emitter may be @receiver.
 *
 * Returns: the handler id (always greater than 0), or 0 if the signal is
 *   unknown or if @emitter or @receiver is already dying: if a new
 *   [class@Wk.Ref] to it would be dead from the start, as in a callback
 *   run by its finalization, or if @receiver died on another thread
 *   during the call
 *
 * Since: 0.1
 */
gulong
wk_signal_connect_weak (gpointer       emitter,
                        const char    *detailed_signal,
                        GCallback      c_handler,
                        gpointer       receiver,
                        GConnectFlags  connect_flags)
{
  GClosure *handler;

  wk_return_val_if_not_object (emitter, 0);
  g_return_val_if_fail (detailed_signal != NULL, 0);
  g_return_val_if_fail (c_handler != NULL, 0);
  wk_return_val_if_not_object (receiver, 0);
  g_return_val_if_fail ((connect_flags & ~(G_CONNECT_AFTER | G_CONNECT_SWAPPED)) == 0, 0);

  /* The receiver as raw user data: the guard only invokes this closure
   * while it holds a strong reference to the receiver. */
  if (connect_flags & G_CONNECT_SWAPPED)
    handler = g_cclosure_new_swap (c_handler, receiver, NULL);
  else
    handler = g_cclosure_new (c_handler, receiver, NULL);
  g_closure_ref (handler);
  g_closure_sink (handler);

  return connect_weak (emitter, detailed_signal, handler, FALSE, receiver,
                       (connect_flags & G_CONNECT_AFTER) != 0);
}

/**
 * wk_signal_connect_closure_weak:
 * @emitter: (type GObject.Object): the object whose signal to connect to
 * @detailed_signal: a string of the form "signal-name::detail"
 * @closure: the closure to connect
 * @receiver: (type GObject.Object): the object on whose behalf @closure
 *   is connected
 * @after: whether the handler should be called after the default handler
 *   of the signal
 *
 * Connects @closure to a signal of @emitter on behalf of @receiver,
 * holding neither of them alive, like [func@Wk.signal_connect_weak]: this
 * is the form for language bindings, where @closure is a function of the
 * binding's language.
 *
 * @closure is called with the signal's arguments, the emitter first, as
 * with g_signal_connect_closure(), followed by @receiver, as user data
 * comes last in C and in bindings; and only while @receiver is alive:
 * during each call a strong reference keeps @receiver alive, whatever
 * another thread does meanwhile. The handler is disconnected when either
 * object is finalized, and the returned id is valid until then: see
 * [func@Wk.signal_connect_weak] for when and on which thread.
 *
 * Nothing here holds @receiver, but @closure itself must not hold it
 * either: a closure that refers to @receiver (a bound method in Python,
 * for instance) keeps it alive as long as the connection lasts. It gets
 * @receiver as its last argument instead: in Python,
 * `Wk.signal_connect_closure_weak (button, "clicked", lambda button,
 * receiver: receiver.on_clicked (button), receiver, False)`. The closure
 * is released when the handler is disconnected.
 *
 * If @closure is floating, the connection takes its floating reference.
 *
 * Returns: the handler id (always greater than 0), or 0 if the signal is
 *   unknown or if @emitter or @receiver is already dying: if a new
 *   [class@Wk.Ref] to it would be dead from the start, as in a callback
 *   run by its finalization, or if @receiver died on another thread
 *   during the call
 *
 * Since: 0.1
 */
gulong
wk_signal_connect_closure_weak (gpointer    emitter,
                                const char *detailed_signal,
                                GClosure   *closure,
                                gpointer    receiver,
                                gboolean    after)
{
  wk_return_val_if_not_object (emitter, 0);
  g_return_val_if_fail (detailed_signal != NULL, 0);
  g_return_val_if_fail (closure != NULL, 0);
  wk_return_val_if_not_object (receiver, 0);

  g_closure_ref (closure);
  g_closure_sink (closure);

  return connect_weak (emitter, detailed_signal, closure, TRUE, receiver, after);
}

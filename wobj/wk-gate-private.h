/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* WkGate: the one way wobj turns a weak pointer into a strong reference.
 *
 * A gate points at an object and is closed from the object's dispose (the
 * anchor's weak notify for a member, the holder's own dispose for a
 * holder). docs/threads.md has the whole argument; in short:
 *
 * wk_gate_dup() enters the gate, takes a reference with g_object_ref()
 * while no lock is held, then checks the gate's GWeakRef with
 * g_weak_ref_get(), and leaves with the reference only if the weak
 * reference was still set and the gate still open; otherwise the
 * reference goes back before it leaves.
 *
 * wk_gate_close() closes the gate (under the lock of whatever state goes
 * with it); wk_gate_finish() then, with no lock held, clears the GWeakRef
 * and waits until every dup that entered has left.
 *
 * - The object is valid for every g_object_ref() of a dup: finalize comes
 *   after dispose, which waits in wk_gate_finish() for the dups inside.
 * - No dup hands out an object whose last unref has begun. On GLib 2.74
 *   the last g_object_unref() decides to dispose under the process-wide
 *   lock of the GWeakRefs, after checking that the reference count is
 *   still 1, and clears every GWeakRef of the object before dispose. A
 *   dup's reference is either counted by that check (the unref is then
 *   not the last) or taken after it, and then the dup's g_weak_ref_get(),
 *   which takes the same lock after the reference, finds the weak
 *   reference cleared. Nothing but a GWeakRef is cleared before dispose,
 *   so nothing cheaper can see that decision on 2.74.
 * - No dup hands out an object whose dispose reached the close: the
 *   close is checked after the weak reference.
 * - A reference that goes back is never the last one: the disposing
 *   thread still holds its own until every dup has left.
 * - No toggle notify runs inside GLib's lock: g_weak_ref_get() references
 *   an object that the dup already holds, so its g_object_ref() never
 *   takes the count from 1 to 2. (On 2.74 it would run the toggle notify
 *   there, which waits for Python's GIL while the GIL's holder may wait
 *   for the lock: the deadlock this gate exists to avoid.) The dup's own
 *   g_object_ref() runs it, if at all, with no lock held; it does so only
 *   when the toggle reference was the object's only one, which no
 *   dispose can be running under (a last unref removes the toggle
 *   reference first; g_object_run_dispose() holds a reference of its
 *   own), so wk_gate_finish() never waits for a toggle notify.
 * - The GWeakRef is cleared by wk_gate_finish() on the disposing thread,
 *   before GLib's g_object_run_dispose() clears the object's weak
 *   references itself: freeing the gate later, on any thread, touches
 *   nothing GLib may be walking. (A GWeakRef cleared on one thread while
 *   another thread's g_object_run_dispose() clears the object's list
 *   corrupts the heap on 2.74.)
 *
 * The waits, rare, share one process-wide mutex and condition. */

#define WK_GATE_CLOSED 0x40000000

typedef struct _WkGate
{
  gint      state;    /* atomic: dups inside, plus WK_GATE_CLOSED */
  gpointer  object;   /* set once; followed only from inside the gate */
  GWeakRef  weak;     /* cleared by GLib's last unref, or by the finish */
} WkGate;

void     wk_gate_init         (WkGate   *gate,
                               gpointer  object);
void     wk_gate_clear        (WkGate   *gate);
void     wk_gate_finish       (WkGate   *gate);
void     wk_gate_leave_closed (WkGate   *gate);

/* Returns whether this call closed the gate (%FALSE if it was closed
 * already). Sequentially consistent, like the dup's add: one of the two
 * sees the other. */
static inline gboolean
wk_gate_close (WkGate *gate)
{
  return !(g_atomic_int_or ((guint *) &gate->state, WK_GATE_CLOSED) & WK_GATE_CLOSED);
}

static inline gboolean
wk_gate_is_closed (WkGate *gate)
{
  return (g_atomic_int_get (&gate->state) & WK_GATE_CLOSED) != 0;
}

/* Leaves the gate if it is open. Returns %FALSE, still inside, if it is
 * closed: the caller then gives its reference back before it leaves with
 * wk_gate_leave_closed(). */
static inline gboolean
wk_gate_try_leave (WkGate *gate)
{
  gint state = g_atomic_int_get (&gate->state);

  while (!(state & WK_GATE_CLOSED))
    {
      if (g_atomic_int_compare_and_exchange_full (&gate->state, state, state - 1, &state))
        return TRUE;
    }

  return FALSE;
}

/*
 * wk_gate_dup:
 *
 * Returns: (transfer full) (nullable): a new reference to the object, or
 *   %NULL once its last unref or its dispose has begun
 */
static inline gpointer
wk_gate_dup (WkGate *gate)
{
  gpointer object = gate->object;
  gpointer check;

  if (G_UNLIKELY (g_atomic_int_add (&gate->state, 1) & WK_GATE_CLOSED))
    {
      wk_gate_leave_closed (gate);
      return NULL;
    }

  g_object_ref (object);

  check = g_weak_ref_get (&gate->weak);
  if (G_LIKELY (check != NULL))
    {
      /* Never the last reference: the dup holds one more. */
      g_object_unref (check);
      if (G_LIKELY (wk_gate_try_leave (gate)))
        return object;
    }

  /* The object is being disposed, and its dispose closes the gate and
   * waits for this dup while it holds the object: this is never the last
   * reference. */
  g_object_unref (object);
  if (!wk_gate_try_leave (gate))
    wk_gate_leave_closed (gate);

  return NULL;
}

G_END_DECLS

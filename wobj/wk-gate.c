/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "wk-gate-private.h"
#include "wk-lock-private.h"

/* The waits of every gate: a close waits only for dups already inside,
 * each a few instructions from leaving, so one lock for all is enough. A
 * WkLock, so that ThreadSanitizer sees the ordering it gives. */
static WkLock gate_lock;
static GCond gate_left;

/* Leaves a gate that is closing: the closer may be waiting. */
void
wk_gate_leave_closed (WkGate *gate)
{
  wk_lock (&gate_lock);
  g_atomic_int_add (&gate->state, -1);
  g_cond_broadcast (&gate_left);
  wk_unlock (&gate_lock);
}

void
wk_gate_init (WkGate   *gate,
              gpointer  object)
{
  gate->state = 0;
  gate->object = object;
  g_weak_ref_init (&gate->weak, object);
}

/* Frees nothing of GLib's: wk_gate_finish() has cleared the weak
 * reference on the disposing thread already. */
void
wk_gate_clear (WkGate *gate)
{
  g_assert (wk_gate_is_closed (gate));
  g_assert (gate->weak.priv.p == NULL);
}

/*
 * wk_gate_finish:
 *
 * After wk_gate_close(), from the object's dispose, with no lock held:
 * clears the weak reference, on this thread, before GLib may clear it
 * (g_object_run_dispose() does so right after the weak notifies), and
 * waits until every dup inside the gate has left it. From then on no
 * reference to the object is taken through the gate.
 */
void
wk_gate_finish (WkGate *gate)
{
  g_assert (wk_gate_is_closed (gate));

  g_weak_ref_set (&gate->weak, NULL);

  if (g_atomic_int_get (&gate->state) == WK_GATE_CLOSED)
    return;

  wk_lock (&gate_lock);
  while (g_atomic_int_get (&gate->state) != WK_GATE_CLOSED)
    wk_cond_wait (&gate_left, &gate_lock);
  wk_unlock (&gate_lock);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "wk-anchor-private.h"
#include "wk-gate-private.h"
#include "wk-lock-private.h"
#include "wk-owner-private.h"

/* WkAnchor: the one record through which wobj holds an object weakly.
 *
 * Every object held by wobj carries exactly one live anchor, stored in its
 * qdata. The anchor has the object's only weak notify, registered once and
 * never removed (g_object_weak_unref() cannot be made safe against another
 * thread finalizing the object), and a gate (wk-gate-private.h) through
 * which lookups turn its pointer into a strong reference. Lookups never
 * reach it through g_weak_ref_get() alone: on GLib 2.74 that runs toggle
 * notifies inside a process-wide lock (a deadlock with Python's GIL). The
 * gate's one GWeakRef only checks a reference taken outside that lock,
 * and the weak notify clears it on the disposing thread: a GWeakRef
 * cleared on one thread while another runs g_object_run_dispose()
 * corrupts GLib's list of them. Each holder joins the anchor's list of
 * memberships and leaves it in O(1) under the anchor's lock.
 *
 * The weak notify is the object's death: it runs in dispose, both for the
 * last unref and for g_object_run_dispose(). Under the lock it closes the
 * gate and takes the whole list; then, with no lock held, it clears the
 * gate's GWeakRef, waits for the lookups still inside the gate
 * (wk_gate_finish()) and hands every membership to its owner. An anchor never comes back to life: an object that survives its
 * dispose gets a fresh anchor, with a fresh weak notify, the next time it
 * is held.
 *
 * What GLib holds of an anchor during a dispose on another thread: the
 * weak notify's registration (which owns a reference, dropped by the
 * notify itself), the qdata slot (which owns one, dropped by whoever
 * removes it from the qdata) and, until the notify clears it on the
 * disposing thread, the gate's GWeakRef. So the last wk_anchor_unref(),
 * on any thread, frees only wobj's memory.
 *
 * References to an anchor: one for the object's qdata (dropped when the
 * weak notify removes it, or at finalize), one for the weak notify, one per
 * membership, and short-lived ones taken by lookups. */
struct _WkAnchor
{
  gatomicrefcount  ref_count;
  WkGate           gate;          /* the object; closed under the lock */
  WkLock           lock;
  WkMembership    *memberships;   /* under the lock */
};

/* The objects whose death this thread is delivering, innermost first: a
 * handler of an object's death can't hold it anew. In the last unref the
 * weak notifies registered during dispose run once more before finalize
 * and those registered after them never do: an anchor made by such a
 * handler would outlive its object. */
typedef struct _DyingFrame DyingFrame;
struct _DyingFrame
{
  GObject    *object;
  DyingFrame *outer;
};

/* A plain thread-local: GPrivate costs a call into libglib and pthread on
 * every insert and every death. */
static __thread DyingFrame *dying_frames;

static gboolean
is_dying_here (GObject *object)
{
  for (DyingFrame *frame = dying_frames; frame != NULL; frame = frame->outer)
    if (frame->object == object)
      return TRUE;

  return FALSE;
}

static GQuark
anchor_quark (void)
{
  static gsize quark;

  if (g_once_init_enter (&quark))
    g_once_init_leave (&quark, g_quark_from_static_string ("wk-anchor"));

  return (GQuark) quark;
}

WkAnchor *
wk_anchor_ref (WkAnchor *anchor)
{
  wk_ref_count_inc (&anchor->ref_count);
  return anchor;
}

void
wk_anchor_unref (WkAnchor *anchor)
{
  if (!wk_ref_count_dec (&anchor->ref_count))
    return;

  g_assert (anchor->memberships == NULL);

  wk_gate_clear (&anchor->gate);
  wk_lock_clear (&anchor->lock);
  g_free (anchor);
}

static void
anchor_weak_notify (gpointer  data,
                    GObject  *where_the_object_was)
{
  WkAnchor *anchor = data;
  WkMembership *dead;
  WkMembership *next;
  /* The owners of this thread to flush: most deaths have one or two. */
  WkOwner *local_owners[4];
  guint n_local = 0;
  GPtrArray *more_local_owners = NULL;
  GDestroyNotify qdata_destroy = NULL;
  DyingFrame frame = { where_the_object_was, dying_frames };

  wk_tsan_acquire (anchor);
  dying_frames = &frame;

  wk_lock (&anchor->lock);
  wk_gate_close (&anchor->gate);
  dead = g_steal_pointer (&anchor->memberships);
  /* Counted while the lock still excludes every holder, so that a
   * container sees the death in its size from this moment on. */
  for (WkMembership *m = dead; m != NULL; m = m->next)
    wk_owner_add_dead (m->owner);
  wk_unlock (&anchor->lock);

  /* Lookups that entered the gate before it closed give their reference
   * back before this dispose may go on. */
  wk_gate_finish (&anchor->gate);

  /* Whoever holds the object next must get a fresh anchor. */
  if (g_object_replace_qdata (where_the_object_was, anchor_quark (),
                              anchor, NULL, NULL, &qdata_destroy))
    wk_anchor_unref (anchor);

  /* Each membership now belongs to this delivery alone: its holder may
   * leave, but no longer frees it. The owner may free it at once, so
   * read the link first. Owners of this thread are told only once all
   * are queued, so that a holder gets every entry it had for the object
   * in one batch: a handler that clears it can't cancel the signals of
   * the object's other entries. */
  for (WkMembership *m = dead; m != NULL; m = next)
    {
      WkOwner *local;

      next = m->next;
      m->prev = m->next = NULL;
      local = wk_owner_deliver (m->owner, m);
      if (local == NULL)
        continue;
      if (n_local < G_N_ELEMENTS (local_owners))
        local_owners[n_local++] = local;
      else
        {
          if (more_local_owners == NULL)
            more_local_owners = g_ptr_array_new_with_free_func ((GDestroyNotify) wk_owner_unref);
          g_ptr_array_add (more_local_owners, local);
        }
    }

  for (guint i = 0; i < n_local; i++)
    wk_owner_flush (local_owners[i]);
  if (more_local_owners != NULL)
    {
      for (guint i = 0; i < more_local_owners->len; i++)
        wk_owner_flush (g_ptr_array_index (more_local_owners, i));
      g_ptr_array_unref (more_local_owners);
    }
  for (guint i = 0; i < n_local; i++)
    wk_owner_unref (local_owners[i]);

  dying_frames = frame.outer;

  wk_anchor_unref (anchor);
}

/* Runs under the object's qdata lock: nothing here may call out. */
static gpointer
dup_live_anchor (gpointer data,
                 gpointer user_data)
{
  WkAnchor *anchor = data;
  WkAnchor **seen = user_data;

  if (seen != NULL)
    *seen = anchor;

  if (anchor == NULL || wk_gate_is_closed (&anchor->gate))
    return NULL;

  return wk_anchor_ref (anchor);
}

/*
 * wk_anchor_lookup:
 * @object: a live object the caller holds a reference on
 *
 * Returns: (transfer full) (nullable): the live anchor of @object, or %NULL
 *   if wobj does not hold it
 */
WkAnchor *
wk_anchor_lookup (GObject *object)
{
  /* The public functions checked @object already; g_object_dup_qdata()
   * checks it once more. */
  return g_object_dup_qdata (object, anchor_quark (), dup_live_anchor, NULL);
}

/*
 * wk_anchor_dup_for_object:
 * @object: a live object the caller holds a reference on
 *
 * Returns: (transfer full) (nullable): the live anchor of @object, created
 *   if needed; %NULL while this thread delivers the death of @object, which
 *   can't be held then
 */
WkAnchor *
wk_anchor_dup_for_object (GObject *object)
{
  if (G_UNLIKELY (is_dying_here (object)))
    return NULL;

  for (;;)
    {
      WkAnchor *seen = NULL;
      WkAnchor *anchor;
      GDestroyNotify old_destroy = NULL;

      anchor = g_object_dup_qdata (object, anchor_quark (), dup_live_anchor, &seen);
      if (anchor != NULL)
        return anchor;

      anchor = g_new0 (WkAnchor, 1);
      /* One for the caller, one for the weak notify, one for the qdata. */
      wk_ref_count_init (&anchor->ref_count, 3);
      wk_lock_init (&anchor->lock);
      wk_gate_init (&anchor->gate, object);

      /* The weak notify goes in before the anchor is published: if another
       * thread runs g_object_run_dispose() in between, the notify still
       * fires and the anchor is published dead, which every reader treats
       * as absent. GLib's locks order the registration before the notify;
       * ThreadSanitizer is told so. */
      wk_tsan_release (anchor);
      g_object_weak_ref (object, anchor_weak_notify, anchor);

      if (g_object_replace_qdata (object, anchor_quark (), seen, anchor,
                                  (GDestroyNotify) wk_anchor_unref, &old_destroy))
        {
          if (seen != NULL && old_destroy != NULL)
            old_destroy (seen);
          return anchor;
        }

      /* Another thread published an anchor first. This one can't unregister
       * its weak notify safely, so it stays, empty, until the object dies
       * and the notify drops its reference. */
      wk_anchor_unref (anchor);   /* the qdata's */
      wk_anchor_unref (anchor);   /* the caller's */
    }
}

/*
 * wk_anchor_dup_object:
 *
 * Returns: (transfer full) (nullable): a new reference to the object, or
 *   %NULL once its weak notify has begun; never an object that wobj has
 *   already reported dead.
 */
gpointer
wk_anchor_dup_object (WkAnchor *anchor)
{
  return wk_gate_dup (&anchor->gate);
}

gboolean
wk_anchor_is_dead (WkAnchor *anchor)
{
  return wk_gate_is_closed (&anchor->gate);
}

/* For tests: how many holders the anchor lists. */
guint
wk_anchor_count_members (WkAnchor *anchor)
{
  guint n = 0;

  wk_lock (&anchor->lock);
  for (WkMembership *m = anchor->memberships; m != NULL; m = m->next)
    n++;
  wk_unlock (&anchor->lock);

  return n;
}

/*
 * wk_membership_join:
 * @membership: an unlinked membership
 * @anchor: the object's anchor
 * @owner: the owner of the holder
 *
 * Links @membership into @anchor's list. On success the membership holds a
 * reference on @anchor and on @owner until wk_membership_free().
 *
 * The block @membership starts must be complete before the call: once
 * linked, the object may die on another thread, whose delivery may free
 * the membership (through its owner's class) before this returns.
 *
 * Returns: %FALSE if the object already died, and @membership is untouched
 */
gboolean
wk_membership_join (WkMembership *membership,
                    WkAnchor     *anchor,
                    WkOwner      *owner)
{
  wk_lock (&anchor->lock);

  if (wk_gate_is_closed (&anchor->gate))
    {
      wk_unlock (&anchor->lock);
      return FALSE;
    }

  membership->anchor = wk_anchor_ref (anchor);
  membership->owner = wk_owner_ref (owner);
  membership->prev = NULL;
  membership->next = anchor->memberships;
  if (anchor->memberships != NULL)
    anchor->memberships->prev = membership;
  anchor->memberships = membership;

  wk_unlock (&anchor->lock);

  return TRUE;
}

/*
 * wk_membership_leave:
 * @membership: a joined membership
 *
 * Unlinks @membership from its anchor, unless the object already died.
 *
 * Returns: %TRUE if the caller now owns @membership and must free it with
 *   wk_membership_free(); %FALSE if the object died and the membership
 *   belongs to its delivery: the caller must not touch it again (the
 *   owner's deliver function or wk_owner_detach() frees it).
 */
gboolean
wk_membership_leave (WkMembership *membership)
{
  WkAnchor *anchor = membership->anchor;

  wk_lock (&anchor->lock);

  if (wk_gate_is_closed (&anchor->gate))
    {
      wk_unlock (&anchor->lock);
      return FALSE;
    }

  if (membership->prev != NULL)
    membership->prev->next = membership->next;
  else
    anchor->memberships = membership->next;
  if (membership->next != NULL)
    membership->next->prev = membership->prev;
  membership->prev = membership->next = NULL;

  wk_unlock (&anchor->lock);

  return TRUE;
}

/*
 * wk_membership_clear:
 *
 * Drops what a joined membership holds: its anchor and its owner. For the
 * release function of an owner class. Call with no wobj lock held: it may
 * drop the last reference to either.
 */
void
wk_membership_clear (WkMembership *membership)
{
  g_clear_pointer (&membership->anchor, wk_anchor_unref);
  g_clear_pointer (&membership->owner, wk_owner_unref);
}

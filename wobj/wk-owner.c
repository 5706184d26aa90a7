/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "wk-delivery.h"
#include "wk-gate-private.h"
#include "wk-lock-private.h"
#include "wk-owner-private.h"

/* WkOwner: delivers "this membership died" to the holder that owns it.
 *
 * The anchor of a dying object calls wk_owner_deliver() for each of its
 * memberships, on whatever thread the object dies. The owner queues the
 * membership in its inbox and then, on the owner's thread, hands the inbox
 * to the holder at once; on any other thread it schedules one idle source
 * in the owner's main context to do so.
 *
 * The owner is reference counted apart from its holder because deliveries
 * outlive holders: every membership holds a reference, so a delivery that
 * races with the holder's disposal still finds a valid owner. It reaches the
 * holder only through a gate (wk-gate-private.h), which the holder's
 * dispose closes when it detaches; from then on memberships that arrive
 * are simply freed.
 *
 * The owner's lock is a leaf: nothing else is locked while it is held. */
struct _WkOwner
{
  gatomicrefcount      ref_count;
  gint                 n_dead;           /* atomic */
  const WkOwnerClass  *klass;
  gpointer             data;
  GDestroyNotify       data_free;
  GThread             *thread;
  GMainContext        *context;
  gboolean             deliver_idle;     /* WK_DELIVERY_IDLE */
  WkGate               holder;           /* closed, under the lock, by detach */

  WkLock               lock;
  WkMembership        *inbox_head;       /* under the lock, */
  WkMembership        *inbox_tail;       /* in order of death */
  GSource             *source;           /* under the lock: the pending one */
  guint                source_pending : 1;
  guint                sync_requested : 1;
};

/*
 * wk_owner_new:
 * @holder: the WkRef or container, under construction on this thread
 * @klass: how to deliver to it
 * @data: (nullable): what the holder's entries need once it is gone, such
 *   as the functions that free their keys
 * @data_free: (nullable): frees @data with the owner
 *
 * Returns: (transfer full): an owner for @holder: the calling thread and its
 *   thread-default main context
 */
WkOwner *
wk_owner_new (GObject            *holder,
              const WkOwnerClass *klass,
              gpointer            data,
              GDestroyNotify      data_free)
{
  WkOwner *owner;

  g_assert (G_IS_OBJECT (holder));
  g_assert (klass != NULL && klass->deliver != NULL);

  owner = g_new0 (WkOwner, 1);
  wk_ref_count_init (&owner->ref_count, 1);
  owner->klass = klass;
  owner->data = data;
  owner->data_free = data_free;
  /* Held so that the address can't be reused by a later thread. */
  owner->thread = g_thread_ref (g_thread_self ());
  owner->context = g_main_context_ref_thread_default ();
  owner->deliver_idle = wk_delivery_get_default () == WK_DELIVERY_IDLE;
  wk_gate_init (&owner->holder, holder);
  wk_lock_init (&owner->lock);

  return owner;
}

WkOwner *
wk_owner_ref (WkOwner *owner)
{
  wk_ref_count_inc (&owner->ref_count);
  return owner;
}

void
wk_owner_unref (WkOwner *owner)
{
  if (!wk_ref_count_dec (&owner->ref_count))
    return;

  g_assert (owner->inbox_head == NULL);

  if (owner->data_free != NULL)
    owner->data_free (owner->data);
  wk_gate_clear (&owner->holder);
  g_main_context_unref (owner->context);
  g_thread_unref (owner->thread);
  wk_lock_clear (&owner->lock);
  g_free (owner);
}

gpointer
wk_owner_get_data (WkOwner *owner)
{
  return owner->data;
}

/* g_thread_self() is a GPrivate lookup, on every delivery: cached. The
 * pointer is only compared, never followed: an owner holds its thread,
 * so no other thread can have that address while the owner lives. */
static __thread GThread *this_thread;

gboolean
wk_owner_is_current (WkOwner *owner)
{
  if (G_UNLIKELY (this_thread == NULL))
    this_thread = g_thread_self ();

  return owner->thread == this_thread;
}

/* Called by the anchor under its lock, before it delivers: from then on
 * the holder's size leaves the dead member out. */
void
wk_owner_add_dead (WkOwner *owner)
{
  g_atomic_int_inc (&owner->n_dead);
}

/* Called by the holder when a dead member leaves it. */
void
wk_owner_forget_dead (WkOwner *owner)
{
  g_atomic_int_add (&owner->n_dead, -1);
}

/* How many members died and are still in the holder, waiting for it. */
guint
wk_owner_get_n_dead (WkOwner *owner)
{
  return g_atomic_int_get (&owner->n_dead);
}

/*
 * wk_membership_free:
 *
 * Frees a membership and the block it starts, through its owner's class.
 * Call with no wobj lock held.
 */
void
wk_membership_free (WkMembership *membership)
{
  const WkOwnerClass *klass = membership->owner->klass;

  if (klass->release != NULL)
    {
      klass->release (membership);
    }
  else
    {
      wk_membership_clear (membership);
      g_free (membership);
    }
}

static void
free_list (WkMembership *list)
{
  WkMembership *next;

  for (WkMembership *m = list; m != NULL; m = next)
    {
      next = m->next;
      wk_membership_free (m);
    }
}

/*
 * wk_owner_flush:
 *
 * Hands what waits in the inbox to the holder. On the owner's thread, with
 * no lock held.
 */
void
wk_owner_flush (WkOwner *owner)
{
  WkMembership *batch;
  GObject *holder;

  wk_owner_ref (owner);

  wk_lock (&owner->lock);
  batch = g_steal_pointer (&owner->inbox_head);
  owner->inbox_tail = NULL;
  wk_unlock (&owner->lock);

  if (batch == NULL)
    goto out;

  holder = wk_gate_dup (&owner->holder);

  if (holder == NULL)
    {
      /* The holder is in its dispose on some thread: it detaches, and
       * then nothing is left to deliver to. */
      WkMembership *tail;

      wk_lock (&owner->lock);
      if (wk_gate_is_closed (&owner->holder))
        {
          wk_unlock (&owner->lock);
          free_list (batch);
          goto out;
        }
      for (tail = batch; tail->next != NULL; tail = tail->next)
        ;
      tail->next = owner->inbox_head;
      if (owner->inbox_head == NULL)
        owner->inbox_tail = tail;
      owner->inbox_head = batch;
      wk_unlock (&owner->lock);
      goto out;
    }

  owner->klass->deliver (holder, owner->data, batch);
  g_object_unref (holder);

out:
  wk_owner_unref (owner);
}

static gboolean
owner_flush_cb (gpointer user_data)
{
  WkOwner *owner = user_data;
  GSource *source;
  gboolean sync;

  wk_lock (&owner->lock);
  owner->source_pending = FALSE;
  source = g_steal_pointer (&owner->source);
  sync = owner->sync_requested && !wk_gate_is_closed (&owner->holder);
  owner->sync_requested = FALSE;
  wk_unlock (&owner->lock);

  g_clear_pointer (&source, g_source_unref);

  wk_owner_flush (owner);

  if (sync)
    {
      GObject *holder = wk_gate_dup (&owner->holder);

      if (holder != NULL)
        {
          owner->klass->sync (holder, owner->data);
          g_object_unref (holder);
        }
    }

  return G_SOURCE_REMOVE;
}

static void
schedule (WkOwner *owner)
{
  GSource *source = g_idle_source_new ();
  gboolean detached = FALSE;

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, owner_flush_cb, wk_owner_ref (owner),
                         (GDestroyNotify) wk_owner_unref);
  g_source_set_static_name (source, "[wobj] deliver to owner");
  g_source_attach (source, owner->context);

  /* Kept so that the holder's dispose can destroy it: the source holds the
   * owner, which holds the context, and a context that is never iterated
   * again would keep all three forever. */
  wk_lock (&owner->lock);
  if (wk_gate_is_closed (&owner->holder))
    detached = TRUE;
  else if (owner->source == NULL && owner->source_pending)
    owner->source = g_steal_pointer (&source);
  wk_unlock (&owner->lock);

  /* Detached meanwhile: wk_owner_detach() could not see this one. */
  if (detached)
    g_source_destroy (source);
  g_clear_pointer (&source, g_source_unref);
}

/*
 * wk_owner_request_sync:
 *
 * Called from a thread other than the owner's: the holder's sync function
 * will run on the owner's thread, once for any number of requests made
 * before it runs.
 */
void
wk_owner_request_sync (WkOwner *owner)
{
  gboolean need_source = FALSE;

  g_assert (owner->klass->sync != NULL);

  wk_lock (&owner->lock);
  if (!wk_gate_is_closed (&owner->holder))
    {
      owner->sync_requested = TRUE;
      if (!owner->source_pending)
        need_source = owner->source_pending = TRUE;
    }
  wk_unlock (&owner->lock);

  if (need_source)
    schedule (owner);
}

/*
 * wk_owner_deliver:
 * @owner: the owner of @membership
 * @membership: (transfer full): a membership whose object died
 *
 * Called by the anchor, with no lock held, on the thread where the object
 * died, for each of its memberships.
 *
 * Returns: (transfer full) (nullable): @owner if it is this thread's: the
 *   caller then calls wk_owner_flush() on it once it has delivered every
 *   membership of the object, so that a holder hears of all its entries
 *   for that object at once
 */
WkOwner *
wk_owner_deliver (WkOwner      *owner,
                  WkMembership *membership)
{
  gboolean here;
  gboolean need_source = FALSE;

  /* With WK_DELIVERY_IDLE a death on the owner's thread goes through
   * the owner's context too. */
  here = wk_owner_is_current (owner) && !owner->deliver_idle;
  membership->next = NULL;

  wk_lock (&owner->lock);

  if (wk_gate_is_closed (&owner->holder))
    {
      wk_unlock (&owner->lock);
      wk_membership_free (membership);
      return NULL;
    }

  if (owner->inbox_tail != NULL)
    owner->inbox_tail->next = membership;
  else
    owner->inbox_head = membership;
  owner->inbox_tail = membership;

  if (!here && !owner->source_pending)
    need_source = owner->source_pending = TRUE;

  /* Once the membership is in the inbox, nothing of the caller's keeps the
   * owner alive: the holder's dispose may free the inbox, and the owner
   * with it, as soon as the lock is released. */
  if (here || need_source)
    wk_owner_ref (owner);

  wk_unlock (&owner->lock);

  if (here)
    return owner;

  if (need_source)
    {
      schedule (owner);
      wk_owner_unref (owner);
    }

  return NULL;
}

/*
 * wk_owner_detach:
 *
 * Called by the holder's dispose, after it left every membership it still
 * had: frees the memberships waiting for delivery and, from now on, those
 * that arrive, and waits until no delivery is taking a reference to the
 * holder. Idempotent.
 */
void
wk_owner_detach (WkOwner *owner)
{
  WkMembership *batch;
  GSource *source;

  wk_lock (&owner->lock);
  wk_gate_close (&owner->holder);
  batch = g_steal_pointer (&owner->inbox_head);
  owner->inbox_tail = NULL;
  source = g_steal_pointer (&owner->source);
  wk_unlock (&owner->lock);

  wk_gate_finish (&owner->holder);

  free_list (batch);

  /* Nothing is left to deliver: the pending source goes, and with it its
   * reference to the owner, even if its context never runs again. */
  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
}

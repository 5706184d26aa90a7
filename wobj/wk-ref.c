/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "wk-ref.h"
#include "wk-ref-private.h"

#include "wk-anchor-private.h"
#include "wk-common-private.h"
#include "wk-owner-private.h"

/**
 * WkRef:
 *
 * A weak reference to a [class@GObject.Object], with a callback and a
 * signal for its finalization: the counterpart of Python's
 * `weakref.ref(obj, callback)`.
 *
 * A `WkRef` never keeps its object alive. [method@Wk.Ref.dup_object]
 * returns a new strong reference while the object lives and %NULL from the
 * moment it starts dying; it never returns a dying object, from any thread.
 *
 * When the object is finalized the reference calls the callback given to
 * [ctor@Wk.Ref.new_full], notifies [property@Wk.Ref:alive] and emits
 * [signal@Wk.Ref::object-finalized], once each, in that order, on the
 * reference's *owner*: the thread that created it, with the thread-default
 * [struct@GLib.MainContext] it had then. If the object dies on that thread
 * all three happen before the last g_object_unref() returns. If it dies on
 * another thread they happen when the owner's context is next iterated; the
 * reference is already dead in the meantime.
 *
 * [method@GObject.Object.run_dispose], which GTK uses to destroy widgets,
 * counts as the object's death: on GLib 2.74 it clears every weak reference
 * to the object, so the reference reports it gone, although the object may
 * live on. A new reference to it works as usual.
 *
 * ```c
 * static void
 * on_window_finalized (WkRef    *ref,
 *                      gpointer  user_data)
 * {
 *   g_message ("The window is gone");
 * }
 *
 * g_autoptr(WkRef) ref = wk_ref_new_full (window, on_window_finalized, NULL, NULL);
 * g_autoptr(GtkWindow) strong = wk_ref_dup_object (ref);
 *
 * if (strong != NULL)
 *   gtk_window_present (strong);
 * ```
 *
 * Any number of references to one object share one internal record, with a
 * single [struct@GObject.WeakRef] and a single weak notify on the object,
 * so creating or dropping one costs the same however many there are.
 */

struct _WkRef
{
  GObject         parent_instance;

  WkOwner        *owner;
  WkAnchor       *anchor;       /* NULL for a reference made dead */
  WkMembership   *membership;   /* atomic: whoever takes it ends the link */

  WkRefNotify     notify;
  gpointer        notify_data;
  GDestroyNotify  notify_destroy;
};

enum {
  PROP_0,
  PROP_ALIVE,
  PROP_OBJECT,
  N_PROPS
};

enum {
  OBJECT_FINALIZED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (WkRef, wk_ref, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
release_notify_data (WkRef *self)
{
  GDestroyNotify destroy = g_steal_pointer (&self->notify_destroy);
  gpointer data = g_steal_pointer (&self->notify_data);

  self->notify = NULL;

  if (destroy != NULL)
    destroy (data);
}

/* On the owner's thread, with a strong reference to the WkRef. */
static void
wk_ref_deliver (GObject      *holder,
                gpointer      data,
                WkMembership *dead)
{
  WkRef *self = WK_REF (holder);
  WkMembership *next;
  gboolean fire = FALSE;

  for (WkMembership *m = dead; m != NULL; m = next)
    {
      next = m->next;
      /* Dispose may have taken the membership first: then it ends the
       * link and nothing fires. */
      if (g_atomic_pointer_compare_and_exchange (&self->membership, m, NULL))
        fire = TRUE;
      wk_membership_free (m);
    }

  if (!fire)
    return;

  if (self->notify != NULL)
    self->notify (self, self->notify_data);
  release_notify_data (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALIVE]);
  g_signal_emit (self, signals[OBJECT_FINALIZED], 0);
}

static const WkOwnerClass ref_owner_class = {
  .deliver = wk_ref_deliver,
};

/* Joins @anchor, or, if it is dead, stays dead. */
static gboolean
wk_ref_join (WkRef    *self,
             WkAnchor *anchor)
{
  WkMembership *membership = g_new0 (WkMembership, 1);

  g_assert (self->anchor == NULL);

  self->anchor = wk_anchor_ref (anchor);

  /* Published before it joins: once joined, the object may die on another
   * thread, and the delivery, which may run on whatever thread iterates
   * the owner's context, ends the link through this pointer at once. */
  g_atomic_pointer_set (&self->membership, membership);
  if (!wk_membership_join (membership, anchor, self->owner))
    {
      g_atomic_pointer_set (&self->membership, NULL);
      g_free (membership);
      return FALSE;
    }

  return TRUE;
}

static void
wk_ref_set_object (WkRef   *self,
                   GObject *object)
{
  if (object == NULL)
    return;

  /* The caller holds @object, so only another thread's
   * g_object_run_dispose() can kill the anchor before the join: take the
   * next one then. */
  for (;;)
    {
      WkAnchor *anchor = wk_anchor_dup_for_object (object);
      gboolean joined;

      /* Made in a handler of the object's own death: dead from the start. */
      if (anchor == NULL)
        break;

      joined = wk_ref_join (self, anchor);

      wk_anchor_unref (anchor);
      if (joined)
        break;
      g_clear_pointer (&self->anchor, wk_anchor_unref);
    }
}

static void
wk_ref_dispose (GObject *object)
{
  WkRef *self = WK_REF (object);
  WkMembership *membership;

  membership = g_atomic_pointer_exchange (&self->membership, NULL);
  if (membership != NULL)
    {
      if (wk_membership_leave (membership))
        wk_membership_free (membership);
      /* The callback can't run any more. */
      release_notify_data (self);
    }

  wk_owner_detach (self->owner);

  G_OBJECT_CLASS (wk_ref_parent_class)->dispose (object);
}

static void
wk_ref_finalize (GObject *object)
{
  WkRef *self = WK_REF (object);

  /* Left set only by a reference disposed before it was constructed. */
  release_notify_data (self);
  g_clear_pointer (&self->anchor, wk_anchor_unref);
  g_clear_pointer (&self->owner, wk_owner_unref);

  G_OBJECT_CLASS (wk_ref_parent_class)->finalize (object);
}

static void
wk_ref_get_property (GObject    *object,
                     guint       prop_id,
                     GValue     *value,
                     GParamSpec *pspec)
{
  WkRef *self = WK_REF (object);

  switch (prop_id)
    {
    case PROP_ALIVE:
      g_value_set_boolean (value, wk_ref_is_alive (self));
      break;

    case PROP_OBJECT:
      g_value_take_object (value, wk_ref_dup_object (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_ref_set_property (GObject      *object,
                     guint         prop_id,
                     const GValue *value,
                     GParamSpec   *pspec)
{
  WkRef *self = WK_REF (object);

  switch (prop_id)
    {
    case PROP_OBJECT:
      wk_ref_set_object (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_ref_class_init (WkRefClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  wk_init ();

  object_class->dispose = wk_ref_dispose;
  object_class->finalize = wk_ref_finalize;
  object_class->get_property = wk_ref_get_property;
  object_class->set_property = wk_ref_set_property;

  /**
   * WkRef:alive: (getter is_alive)
   *
   * Whether the object is still alive: %TRUE while
   * [method@Wk.Ref.dup_object] would return it.
   *
   * It is notified once, when it becomes %FALSE, on the reference's owner
   * thread (see [class@Wk.Ref]), just before
   * [signal@Wk.Ref::object-finalized].
   */
  properties[PROP_ALIVE] =
    g_param_spec_boolean ("alive", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * WkRef:object:
   *
   * The object the reference points to, set at construction.
   *
   * Reading it returns a new strong reference to the object, or %NULL once
   * it is gone. A reference constructed without an object is dead from the
   * start.
   */
  properties[PROP_OBJECT] =
    g_param_spec_object ("object", NULL, NULL,
                         G_TYPE_OBJECT,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WkRef::object-finalized:
   * @self: the reference
   *
   * Emitted once when the object is finalized (or disposed with
   * [method@GObject.Object.run_dispose]), on the reference's owner thread,
   * after the reference is dead: [method@Wk.Ref.dup_object] returns %NULL.
   *
   * A handler may drop the last reference to @self.
   */
  signals[OBJECT_FINALIZED] =
    g_signal_new ("object-finalized",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 0);
}

static void
wk_ref_init (WkRef *self)
{
  self->owner = wk_owner_new (G_OBJECT (self), &ref_owner_class, NULL, NULL);
}

/**
 * wk_ref_new:
 * @object: (type GObject.Object): the object to refer to
 *
 * Creates a weak reference to @object, owned by the calling thread.
 *
 * No reference to @object is taken: a floating object stays floating.
 *
 * Returns: (transfer full): a new `WkRef`, or %NULL if @object is not a
 *   [class@GObject.Object]
 */
WkRef *
wk_ref_new (gpointer object)
{
  wk_return_val_if_not_object (object, NULL);

  return g_object_new (WK_TYPE_REF, "object", object, NULL);
}

/**
 * wk_ref_new_full:
 * @object: (type GObject.Object): the object to refer to
 * @notify: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   called once when @object is finalized
 * @user_data: data for @notify
 * @destroy: (nullable): releases @user_data
 *
 * Creates a weak reference to @object that calls @notify when @object is
 * finalized, on the calling thread (see [class@Wk.Ref]), before
 * [signal@Wk.Ref::object-finalized] is emitted.
 *
 * @destroy is called on @user_data right after @notify has run, or when
 * the reference is disposed if @object outlives it: never both.
 *
 * Returns: (transfer full): a new `WkRef`, or %NULL if @object is not a
 *   [class@GObject.Object]
 */
WkRef *
wk_ref_new_full (gpointer        object,
                 WkRefNotify     notify,
                 gpointer        user_data,
                 GDestroyNotify  destroy)
{
  WkRef *self;

  wk_return_val_if_not_object (object, NULL);

  /* The callback is in place before the reference joins the object: from
   * then on the object may die on another thread and be delivered on
   * whatever thread iterates the owner's context. */
  self = g_object_new (WK_TYPE_REF, NULL);
  self->notify = notify;
  self->notify_data = user_data;
  self->notify_destroy = destroy;
  wk_ref_set_object (self, object);

  return self;
}

WkRef *
wk_ref_new_for_anchor (WkAnchor *anchor)
{
  WkRef *self = g_object_new (WK_TYPE_REF, NULL);

  wk_ref_join (self, anchor);

  return self;
}

/**
 * wk_ref_dup_object:
 * @self: a `WkRef`
 *
 * Gets a new strong reference to the object, if it is still alive.
 *
 * This is safe from any thread: the object is never one that is being
 * finalized.
 *
 * Returns: (transfer full) (nullable) (type GObject.Object): the object,
 *   or %NULL if it is gone
 */
gpointer
wk_ref_dup_object (WkRef *self)
{
  g_return_val_if_fail (WK_IS_REF (self), NULL);

  if (self->anchor == NULL)
    return NULL;

  return wk_anchor_dup_object (self->anchor);
}

/**
 * wk_ref_is_alive: (get-property alive)
 * @self: a `WkRef`
 *
 * Checks whether the object is still alive.
 *
 * The answer may be out of date as soon as it is returned if another
 * thread can drop the object; use [method@Wk.Ref.dup_object] to use it.
 *
 * Returns: %TRUE if [method@Wk.Ref.dup_object] would return the object
 */
gboolean
wk_ref_is_alive (WkRef *self)
{
  g_autoptr(GObject) object = NULL;

  g_return_val_if_fail (WK_IS_REF (self), FALSE);

  object = wk_ref_dup_object (self);

  return object != NULL;
}

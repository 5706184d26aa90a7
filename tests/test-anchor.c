/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Tests of the private anchor, membership and owner machinery that every
 * public type is built on. */

#include <wobj.h>

#include "wobj/wk-anchor-private.h"
#include "wobj/wk-owner-private.h"

#include "wk-test-util.h"

/* A minimal holder: counts what it is told and frees it. */
#define TEST_TYPE_HOLDER (test_holder_get_type ())
G_DECLARE_FINAL_TYPE (TestHolder, test_holder, TEST, HOLDER, GObject)

struct _TestHolder
{
  GObject  parent_instance;
  WkOwner *owner;
  guint    n_delivered;
  GThread *delivered_on;
};

G_DEFINE_FINAL_TYPE (TestHolder, test_holder, G_TYPE_OBJECT)

static void
test_holder_deliver (GObject      *holder,
                     gpointer      data,
                     WkMembership *dead)
{
  TestHolder *self = TEST_HOLDER (holder);
  WkMembership *next;

  for (WkMembership *m = dead; m != NULL; m = next)
    {
      next = m->next;
      g_assert_true (wk_anchor_is_dead (m->anchor));
      self->n_delivered++;
      self->delivered_on = g_thread_self ();
      wk_membership_free (m);
    }
}

static const WkOwnerClass holder_owner_class = {
  .deliver = test_holder_deliver,
};

static void
test_holder_dispose (GObject *object)
{
  TestHolder *self = TEST_HOLDER (object);

  if (self->owner != NULL)
    wk_owner_detach (self->owner);

  G_OBJECT_CLASS (test_holder_parent_class)->dispose (object);
}

static void
test_holder_finalize (GObject *object)
{
  TestHolder *self = TEST_HOLDER (object);

  g_clear_pointer (&self->owner, wk_owner_unref);

  G_OBJECT_CLASS (test_holder_parent_class)->finalize (object);
}

static void
test_holder_class_init (TestHolderClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = test_holder_dispose;
  G_OBJECT_CLASS (klass)->finalize = test_holder_finalize;
}

static void
test_holder_init (TestHolder *self)
{
  self->owner = wk_owner_new (G_OBJECT (self), &holder_owner_class, NULL, NULL);
}

static WkMembership *
join_new (GObject *object,
          WkOwner *owner)
{
  WkMembership *m = g_new0 (WkMembership, 1);
  WkAnchor *anchor = wk_anchor_dup_for_object (object);

  g_assert_nonnull (anchor);
  g_assert_true (wk_membership_join (m, anchor, owner));
  wk_anchor_unref (anchor);

  return m;
}

static void
leave_and_free (WkMembership *m)
{
  g_assert_true (wk_membership_leave (m));
  wk_membership_free (m);
}

static void
test_anchor_one_per_object (void)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  GObject *other = g_object_new (G_TYPE_OBJECT, NULL);
  WkAnchor *a, *b, *c;

  g_assert_null (wk_anchor_lookup (object));

  a = wk_anchor_dup_for_object (object);
  b = wk_anchor_dup_for_object (object);
  c = wk_anchor_lookup (object);
  g_assert_true (a == b);
  g_assert_true (a == c);
  g_assert_false (wk_anchor_is_dead (a));
  g_assert_null (wk_anchor_lookup (other));

  wk_anchor_unref (a);
  wk_anchor_unref (b);
  wk_anchor_unref (c);

  g_assert_finalize_object (object);
  g_assert_finalize_object (other);
}

static void
test_anchor_dup_object (void)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  WkAnchor *anchor = wk_anchor_dup_for_object (object);
  GObject *strong;

  strong = wk_anchor_dup_object (anchor);
  g_assert_true (strong == object);
  g_object_unref (strong);

  g_assert_finalize_object (object);

  g_assert_true (wk_anchor_is_dead (anchor));
  g_assert_null (wk_anchor_dup_object (anchor));
  wk_anchor_unref (anchor);
}

static void
test_anchor_join_leave (void)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  TestHolder *holder = g_object_new (TEST_TYPE_HOLDER, NULL);
  WkMembership *m[3];
  WkAnchor *anchor;

  for (guint i = 0; i < G_N_ELEMENTS (m); i++)
    m[i] = join_new (object, holder->owner);

  anchor = wk_anchor_lookup (object);
  g_assert_cmpuint (wk_anchor_count_members (anchor), ==, 3);

  /* Middle, then head, then tail: every unlink position. */
  leave_and_free (m[1]);
  g_assert_cmpuint (wk_anchor_count_members (anchor), ==, 2);
  leave_and_free (m[2]);
  g_assert_cmpuint (wk_anchor_count_members (anchor), ==, 1);
  leave_and_free (m[0]);
  g_assert_cmpuint (wk_anchor_count_members (anchor), ==, 0);

  /* Leaving never touches the object: it dies with nobody told. */
  wk_anchor_unref (anchor);
  g_assert_finalize_object (object);
  g_assert_cmpuint (holder->n_delivered, ==, 0);
  g_assert_finalize_object (holder);
}

static void
test_anchor_death_delivers_once (void)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  TestHolder *a = g_object_new (TEST_TYPE_HOLDER, NULL);
  TestHolder *b = g_object_new (TEST_TYPE_HOLDER, NULL);

  join_new (object, a->owner);
  join_new (object, a->owner);
  join_new (object, b->owner);

  /* Same thread: delivered before the unref returns. */
  g_assert_finalize_object (object);
  g_assert_cmpuint (a->n_delivered, ==, 2);
  g_assert_cmpuint (b->n_delivered, ==, 1);
  g_assert_true (a->delivered_on == g_thread_self ());

  /* Nothing later either. */
  wk_test_drain_context (NULL);
  g_assert_cmpuint (a->n_delivered, ==, 2);
  g_assert_cmpuint (b->n_delivered, ==, 1);

  g_assert_finalize_object (a);
  g_assert_finalize_object (b);
}

static gboolean
holder_delivered (gpointer user_data)
{
  TestHolder *holder = user_data;

  return holder->n_delivered > 0;
}

/* A membership whose object died belongs to the delivery: leave says so
 * and the owner frees it. Driven here from another thread so that the
 * delivery waits in the owner's inbox. */
static void
test_anchor_leave_after_death (void)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  TestHolder *holder = g_object_new (TEST_TYPE_HOLDER, NULL);
  WkMembership *m = join_new (object, holder->owner);

  wk_test_unref_in_thread (object);

  g_assert_cmpuint (wk_owner_get_n_dead (holder->owner), ==, 1);
  g_assert_false (wk_membership_leave (m));
  g_assert_cmpuint (holder->n_delivered, ==, 0);

  /* The holder forgets it from its size and is told once the owner's
   * context runs. */
  wk_owner_forget_dead (holder->owner);
  wk_test_iterate_until_cond (NULL, WK_TEST_TIMEOUT_S, holder_delivered, holder);
  g_assert_cmpuint (holder->n_delivered, ==, 1);
  g_assert_true (holder->delivered_on == g_thread_self ());
  g_assert_cmpuint (wk_owner_get_n_dead (holder->owner), ==, 0);

  g_assert_finalize_object (holder);
}

/* A holder disposed while a delivery waits: the waiting membership and any
 * later one are freed without reaching it (valgrind checks the frees). */
static void
test_anchor_detached_owner (void)
{
  GObject *first = g_object_new (G_TYPE_OBJECT, NULL);
  GObject *second = g_object_new (G_TYPE_OBJECT, NULL);
  TestHolder *holder = g_object_new (TEST_TYPE_HOLDER, NULL);

  join_new (first, holder->owner);
  join_new (second, holder->owner);

  wk_test_unref_in_thread (first);

  g_object_run_dispose (G_OBJECT (holder));
  g_assert_finalize_object (second);
  wk_test_drain_context (NULL);
  g_assert_cmpuint (holder->n_delivered, ==, 0);
  g_assert_finalize_object (holder);
}

static void
test_anchor_run_dispose (void)
{
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  TestHolder *holder = g_object_new (TEST_TYPE_HOLDER, NULL);
  WkAnchor *first, *second;
  WkMembership *m;

  join_new (object, holder->owner);
  first = wk_anchor_lookup (object);

  /* GLib 2.74 clears every GWeakRef in run_dispose: it is a death. */
  g_object_run_dispose (object);
  g_assert_cmpuint (holder->n_delivered, ==, 1);
  g_assert_true (wk_anchor_is_dead (first));
  g_assert_null (wk_anchor_dup_object (first));
  g_assert_null (wk_anchor_lookup (object));

  /* The object lives on and gets a fresh anchor. */
  m = join_new (object, holder->owner);
  second = wk_anchor_lookup (object);
  g_assert_nonnull (second);
  g_assert_true (second != first);
  g_assert_false (wk_anchor_is_dead (second));

  g_assert_finalize_object (object);
  g_assert_cmpuint (holder->n_delivered, ==, 2);
  g_assert_true (wk_anchor_is_dead (second));
  (void) m;

  wk_anchor_unref (first);
  wk_anchor_unref (second);
  g_assert_finalize_object (holder);
}

/* An object allocated where a dead one was must not inherit its anchor. */
static void
test_anchor_address_reuse (void)
{
  WkAnchor *old_anchor;
  gpointer old_address;
  gboolean reused = FALSE;
  GPtrArray *objects = g_ptr_array_new_with_free_func (g_object_unref);
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  old_anchor = wk_anchor_dup_for_object (object);
  old_address = object;
  g_assert_finalize_object (object);

  for (guint i = 0; i < 1000 && !reused; i++)
    {
      GObject *fresh = g_object_new (G_TYPE_OBJECT, NULL);

      g_ptr_array_add (objects, fresh);
      if ((gpointer) fresh == old_address)
        {
          WkAnchor *anchor;

          reused = TRUE;
          g_assert_null (wk_anchor_lookup (fresh));
          anchor = wk_anchor_dup_for_object (fresh);
          g_assert_true (anchor != old_anchor);
          g_assert_false (wk_anchor_is_dead (anchor));
          wk_anchor_unref (anchor);
        }
    }

  if (!reused)
    g_test_message ("the allocator never reused the address");

  g_assert_true (wk_anchor_is_dead (old_anchor));
  wk_anchor_unref (old_anchor);
  g_ptr_array_unref (objects);
}

typedef struct
{
  GObject  *object;
  WkAnchor *anchor;
} RaceData;

/* Released together so that the threads really race. */
static gint race_ready;

static gpointer
race_dup_anchor (gpointer data)
{
  RaceData *race = data;

  g_atomic_int_inc (&race_ready);
  while (g_atomic_int_get (&race_ready) < 8)
    g_thread_yield ();
  race->anchor = wk_anchor_dup_for_object (race->object);

  return NULL;
}

static void
test_anchor_concurrent_creation (void)
{
  /* Fewer rounds under valgrind, which runs one thread at a time. */
  guint rounds = wk_test_under_valgrind () ? 20 : 200;

  for (guint round = 0; round < rounds; round++)
    {
      GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
      RaceData races[8];
      GThread *threads[8];

      g_atomic_int_set (&race_ready, 0);
      for (guint i = 0; i < 8; i++)
        {
          races[i] = (RaceData) { .object = object };
          threads[i] = g_thread_new ("dup", race_dup_anchor, &races[i]);
        }
      for (guint i = 0; i < 8; i++)
        g_thread_join (threads[i]);

      for (guint i = 1; i < 8; i++)
        g_assert_true (races[i].anchor == races[0].anchor);
      for (guint i = 0; i < 8; i++)
        wk_anchor_unref (races[i].anchor);

      g_assert_finalize_object (object);
    }
}

/* 100,000 memberships of one object, left oldest first and newest first:
 * each leave is O(1), so both orders are linear. */
static void
test_anchor_many_members (void)
{
  const guint n = 100000;
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  TestHolder *holder = g_object_new (TEST_TYPE_HOLDER, NULL);
  WkMembership **m = g_new (WkMembership *, n);
  WkAnchor *anchor;
  gint64 start;

  for (guint order = 0; order < 2; order++)
    {
      for (guint i = 0; i < n; i++)
        m[i] = join_new (object, holder->owner);

      start = g_get_monotonic_time ();
      for (guint i = 0; i < n; i++)
        leave_and_free (m[order == 0 ? i : n - 1 - i]);
      g_test_message ("%u leaves, %s first: %.3f s", n,
                      order == 0 ? "oldest" : "newest",
                      (g_get_monotonic_time () - start) / 1e6);
    }

  anchor = wk_anchor_lookup (object);
  g_assert_cmpuint (wk_anchor_count_members (anchor), ==, 0);
  wk_anchor_unref (anchor);

  for (guint i = 0; i < n; i++)
    join_new (object, holder->owner);
  g_assert_finalize_object (object);
  g_assert_cmpuint (holder->n_delivered, ==, n);

  g_free (m);
  g_assert_finalize_object (holder);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Wobj/Anchor/one-per-object", test_anchor_one_per_object);
  g_test_add_func ("/Wobj/Anchor/dup-object", test_anchor_dup_object);
  g_test_add_func ("/Wobj/Anchor/join-leave", test_anchor_join_leave);
  g_test_add_func ("/Wobj/Anchor/death-delivers-once", test_anchor_death_delivers_once);
  g_test_add_func ("/Wobj/Anchor/leave-after-death", test_anchor_leave_after_death);
  g_test_add_func ("/Wobj/Anchor/detached-owner", test_anchor_detached_owner);
  g_test_add_func ("/Wobj/Anchor/run-dispose", test_anchor_run_dispose);
  g_test_add_func ("/Wobj/Anchor/address-reuse", test_anchor_address_reuse);
  g_test_add_func ("/Wobj/Anchor/concurrent-creation", test_anchor_concurrent_creation);
  g_test_add_func ("/Wobj/Anchor/many-members", test_anchor_many_members);

  return g_test_run ();
}

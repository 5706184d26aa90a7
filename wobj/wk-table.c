/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <string.h>

#include "wk-table-private.h"

#include "wk-anchor-private.h"
#include "wk-owner-private.h"

/* See wk-table-private.h for what a table is. Lock order: the table's lock
 * may be held while taking an anchor's lock (to leave it), never the other
 * way round; the owner's lock is taken alone. Nothing here calls out of
 * wobj with the lock held: no unref, no destroy function, no signal, no
 * g_weak_ref_get(). */

static void
table_config_free (gpointer data)
{
  g_free (data);
}

static WkEntry *take_dead (WkTable      *table,
                           WkMembership *dead);

/* The owner's delivery of a death: its entries leave the table under one
 * lock, then the container signals them. */
static void
table_deliver (GObject      *holder,
               gpointer      data,
               WkMembership *dead)
{
  const WkTableConfig *config = data;
  WkTable *table = G_STRUCT_MEMBER_P (holder, config->table_offset);
  WkEntry *removed = take_dead (table, dead);

  if (removed != NULL)
    config->klass->signal_dead (holder, removed);
  wk_entry_list_unref (removed);
}

/* Frees an entry's membership: the membership's reference goes. */
static void
table_release (WkMembership *membership)
{
  wk_entry_unref ((WkEntry *) membership);
}

static void
table_sync (GObject  *holder,
            gpointer  data)
{
  const WkTableConfig *config = data;

  config->klass->sync (holder);
}

static const WkOwnerClass table_owner_class = {
  .deliver = table_deliver,
  .release = table_release,
  .sync = table_sync,
};

/*
 * wk_table_init:
 * @table: a table inside @holder
 * @holder: the container, under construction on this thread
 * @klass: how the container signals deaths
 * @config: (transfer full): the table's configuration
 */
void
wk_table_init (WkTable            *table,
               GObject            *holder,
               const WkTableClass *klass,
               WkTableConfig      *config)
{
  g_assert (klass != NULL && klass->signal_dead != NULL);

  config->klass = klass;
  config->table_offset = (gsize) ((char *) table - (char *) holder);
  wk_rw_lock_init (&table->lock);
  table->index = g_hash_table_new (config->hash_func, config->key_equal_func);
  table->owner = wk_owner_new (holder, &table_owner_class, config, table_config_free);
  table->config = config;
}

/*
 * wk_table_dispose:
 *
 * Empties the table for good, as the container's dispose: later additions
 * are refused, and deliveries still to come free their memberships
 * without reaching the container. Idempotent.
 */
void
wk_table_dispose (WkTable *table)
{
  WkEntry *entries;

  wk_table_lock (table);
  table->disposed = TRUE;
  entries = wk_table_remove_all_locked (table);
  wk_table_unlock (table);

  wk_entry_list_unref (entries);
  wk_owner_detach (table->owner);
}

/* Whether this is the thread the table's deaths are delivered on. */
gboolean
wk_table_is_owner_thread (WkTable *table)
{
  return wk_owner_is_current (table->owner);
}

/* From another thread: the container's sync function will run on the
 * table's thread. */
void
wk_table_request_sync (WkTable *table)
{
  g_assert (table->config->klass->sync != NULL);

  wk_owner_request_sync (table->owner);
}

void
wk_table_finalize (WkTable *table)
{
  g_assert (table->first == NULL);

  g_clear_pointer (&table->index, g_hash_table_unref);
  g_clear_pointer (&table->owner, wk_owner_unref);
  wk_rw_lock_clear (&table->lock);
}

/*
 * wk_entry_new:
 * @key: the index key, already copied if the table copies keys; with
 *   inline keys, the caller's string, which the entry copies
 * @value: (transfer full): the entry's value, if any
 *
 * Makes an entry for the member behind @anchor and joins its anchor.
 *
 * Returns: (transfer full) (nullable): the entry, with one reference for
 *   the table and one for the membership; %NULL if the member already
 *   died, and then @key and @value are still the caller's
 */
static WkEntry *
wk_entry_new (WkTable  *table,
              WkAnchor *anchor,
              gpointer  key,
              gpointer  value)
{
  gsize entry_size = table->config->entry_size != 0 ? table->config->entry_size : sizeof (WkEntry);
  gsize key_size = table->config->keys_inline ? strlen (key) + 1 : 0;
  WkEntry *entry = g_malloc0 (entry_size + key_size);

  /* Whole before it joins: from then on the member may die on another
   * thread, whose delivery drops the membership's reference at once. */
  wk_ref_count_init (&entry->ref_count, 2);
  entry->key = key_size > 0 ? memcpy ((char *) entry + entry_size, key, key_size) : key;
  entry->value = value;

  if (!wk_membership_join (&entry->membership, anchor, table->owner))
    {
      g_free (entry);
      return NULL;
    }

  return entry;
}

/*
 * wk_table_make_entry:
 * @object: the member, which the caller holds
 * @key: the index key, as wk_entry_new() takes it; ignored in a table
 *   keyed by member, whose entries are keyed by the member's anchor
 * @value: (transfer full): the entry's value, if any
 *
 * Makes an entry for @object, joined to its anchor. The one way the
 * containers hold a member.
 *
 * Returns: (transfer full) (nullable): the entry, as wk_entry_new() makes
 *   it; %NULL while this thread delivers the death of @object, which
 *   can't be held then, and then @key and @value are still the caller's
 */
WkEntry *
wk_table_make_entry (WkTable  *table,
                     GObject  *object,
                     gpointer  key,
                     gpointer  value)
{
  for (;;)
    {
      WkAnchor *anchor = wk_anchor_dup_for_object (object);
      WkEntry *entry;

      if (anchor == NULL)
        return NULL;

      entry = wk_entry_new (table, anchor,
                            table->config->keyed_by_member ? anchor : key,
                            value);
      wk_anchor_unref (anchor);
      if (entry != NULL)
        return entry;

      /* Another thread ran g_object_run_dispose() on @object between the
       * two: it lives on, and gets a fresh anchor. */
    }
}

void
wk_entry_free (WkEntry *entry)
{
  const WkTableConfig *config;

  /* The owner, and so the configuration, lives as long as the membership
   * holds it: free the payload first. */
  config = wk_owner_get_data (entry->membership.owner);
  if (config->key_free_func != NULL && !config->keys_inline)
    config->key_free_func (entry->key);
  if (config->value_free_func != NULL && entry->value != NULL)
    config->value_free_func (entry->value);

  wk_membership_clear (&entry->membership);
  g_free (entry);
}

gboolean
wk_entry_is_dead (WkEntry *entry)
{
  return wk_anchor_is_dead (entry->membership.anchor);
}

/* Returns: (transfer full) (nullable): the entry's member, if it lives */
gpointer
wk_entry_dup_member (WkEntry *entry)
{
  return wk_anchor_dup_object (entry->membership.anchor);
}

/* Takes over the table's reference of @entry, unless its member already
 * died: then its delivery may have come and gone, so it must not go in,
 * and the caller discards it. Checked under the table's lock, which the
 * delivery needs too: a member that dies after the check is delivered
 * after the entry is in. */
gboolean
wk_table_add_locked (WkTable *table,
                     WkEntry *entry)
{
  g_assert (!entry->in_table);

  /* A disposed table (g_object_run_dispose()) stays empty. */
  if (wk_entry_is_dead (entry) || table->disposed)
    return FALSE;

  if (!g_hash_table_insert (table->index, entry->key, entry))
    g_assert_not_reached ();

  entry->prev = table->last;
  entry->next = NULL;
  if (table->last != NULL)
    table->last->next = entry;
  else
    table->first = entry;
  table->last = entry;

  entry->in_table = TRUE;

  return TRUE;
}

/* Moves @entry, the last in the order, to just after @prev (or first). */
static void
move_last_after_locked (WkTable *table,
                        WkEntry *entry,
                        WkEntry *prev)
{
  g_assert (table->last == entry);

  if (entry->prev == prev)
    return;

  table->last = entry->prev;
  table->last->next = NULL;

  entry->prev = prev;
  entry->next = prev != NULL ? prev->next : table->first;
  entry->next->prev = entry;
  if (prev != NULL)
    prev->next = entry;
  else
    table->first = entry;
}

/*
 * wk_table_replace:
 * @expected: the entry the caller saw for the key of @entry, or %NULL
 * @entry: (transfer full) (nullable): a new entry, not yet added; %NULL is
 *   refused
 * @check_expected: whether to insist on @expected
 * @had_live: (out) (optional): whether the key had an entry whose member
 *   wobj had not seen die
 *
 * Puts @entry in for its key, in the place of the entry the key had, as
 * Python's dicts keep a replaced key where it was. With @check_expected,
 * only if that entry is still @expected.
 *
 * Returns: whether @entry went in; if not it was dropped (with the value
 *   it took)
 */
WkTableReplace
wk_table_replace (WkTable  *table,
                  WkEntry  *expected,
                  WkEntry  *entry,
                  gboolean  check_expected,
                  gboolean *had_live)
{
  WkTableReplace result;
  WkEntry *old;
  WkEntry *removed = NULL;

  /* No entry could be made: the member is in its death. */
  if (entry == NULL)
    {
      if (had_live != NULL)
        *had_live = FALSE;
      return WK_TABLE_REFUSED;
    }

  wk_table_lock (table);
  old = wk_table_lookup_locked (table, entry->key);
  if (had_live != NULL)
    *had_live = old != NULL && !wk_entry_is_dead (old);
  if (check_expected && old != expected)
    result = WK_TABLE_CHANGED;
  else if (wk_entry_is_dead (entry) || table->disposed)
    result = WK_TABLE_REFUSED;
  else
    {
      WkEntry *prev = old != NULL ? old->prev : NULL;

      if (old != NULL)
        {
          wk_table_remove_locked (table, old);
          removed = old;
        }
      /* The member may start dying on another thread right now: then the
       * new entry stays out, as if it had gone in and died at once. */
      if (wk_table_add_locked (table, entry))
        {
          if (removed != NULL)
            move_last_after_locked (table, entry, prev);
          result = WK_TABLE_ADDED;
        }
      else
        result = WK_TABLE_REFUSED;
    }
  wk_table_unlock (table);

  if (removed != NULL)
    wk_entry_unref (removed);
  if (result != WK_TABLE_ADDED)
    wk_entry_discard (table, entry);

  return result;
}

static void
unlink_locked (WkTable *table,
               WkEntry *entry)
{
  g_assert (entry->in_table);

  g_hash_table_remove (table->index, entry->key);

  if (entry->prev != NULL)
    entry->prev->next = entry->next;
  else
    table->first = entry->next;
  if (entry->next != NULL)
    entry->next->prev = entry->prev;
  else
    table->last = entry->prev;
  entry->prev = entry->next = NULL;

  entry->in_table = FALSE;
}

/* Takes an entry that just left the table out of its member's anchor. */
static void
leave_anchor_locked (WkTable *table,
                     WkEntry *entry)
{
  if (wk_membership_leave (&entry->membership))
    {
      /* The membership's reference: never the last, the caller has one. */
      gboolean last = wk_ref_count_dec (&entry->ref_count);
      g_assert (!last);
    }
  else
    {
      /* The member died: its delivery frees the membership, and the table
       * stops counting it as dead now that it is out. */
      wk_owner_forget_dead (table->owner);
    }
}

/* Takes @entry out of the table and its member's anchor. The caller then
 * owns the table's reference and drops it with no lock held. */
void
wk_table_remove_locked (WkTable *table,
                        WkEntry *entry)
{
  unlink_locked (table, entry);
  leave_anchor_locked (table, entry);
}

gboolean
wk_table_is_disposed (WkTable *table)
{
  gboolean disposed;

  wk_table_lock_read (table);
  disposed = table->disposed;
  wk_table_unlock_read (table);

  return disposed;
}

/* Drops an entry that was made but never added: it leaves its anchor,
 * unless the member died meanwhile and the delivery frees it. No lock. */
void
wk_entry_discard (WkTable *table,
                  WkEntry *entry)
{
  g_assert (!entry->in_table);

  if (wk_membership_leave (&entry->membership))
    wk_entry_unref (entry);
  else
    wk_owner_forget_dead (table->owner);
  wk_entry_unref (entry);
}

/* Live entries: the dead ones still waiting for their delivery are out. */
guint
wk_table_get_size_locked (WkTable *table)
{
  guint size = g_hash_table_size (table->index);
  guint n_dead = wk_owner_get_n_dead (table->owner);

  /* A member dying right now is counted before its entry can leave. */
  return size > n_dead ? size - n_dead : 0;
}

/*
 * take_dead:
 * @dead: (transfer full): the delivered memberships, linked through ->next
 *
 * Takes the dead entries out of the table, under one lock for the whole
 * batch, and frees the memberships.
 *
 * Returns: (transfer full): the entries that were still in the table,
 *   linked through ->next, each with the table's reference, in order of
 *   death
 */
static WkEntry *
take_dead (WkTable      *table,
           WkMembership *dead)
{
  WkEntry *removed = NULL;
  WkEntry *removed_last = NULL;
  WkMembership *next;

  wk_table_lock (table);
  for (WkMembership *m = dead; m != NULL; m = m->next)
    {
      WkEntry *entry = (WkEntry *) m;

      if (!entry->in_table)
        continue;

      unlink_locked (table, entry);
      wk_owner_forget_dead (table->owner);

      if (removed_last != NULL)
        removed_last->next = entry;
      else
        removed = entry;
      removed_last = entry;
    }
  wk_table_unlock (table);

  for (WkMembership *m = dead; m != NULL; m = next)
    {
      next = m->next;
      wk_membership_free (m);
    }

  return removed;
}

void
wk_entry_list_unref (WkEntry *list)
{
  WkEntry *next;

  for (WkEntry *entry = list; entry != NULL; entry = next)
    {
      next = entry->next;
      entry->next = NULL;
      wk_entry_unref (entry);
    }
}

/*
 * wk_table_remove_all_locked:
 *
 * Takes every entry out of the table and out of its member's anchor.
 *
 * Returns: (transfer full): the entries, linked through ->next in
 *   insertion order, each with the table's reference, for the caller to
 *   drop with wk_entry_list_unref() once it has unlocked
 */
WkEntry *
wk_table_remove_all_locked (WkTable *table)
{
  WkEntry *list = g_steal_pointer (&table->first);

  table->last = NULL;
  /* One pass over the index, not a hash removal per entry. */
  g_hash_table_remove_all (table->index);

  for (WkEntry *entry = list; entry != NULL; entry = entry->next)
    {
      entry->prev = NULL;
      entry->in_table = FALSE;
      leave_anchor_locked (table, entry);
    }

  return list;
}

/* For tables keyed by anchor: the entry of @object, which the caller
 * holds, with a reference; or %NULL. */
WkEntry *
wk_table_dup_entry_of (WkTable *table,
                       GObject *object)
{
  WkAnchor *anchor = wk_anchor_lookup (object);
  WkEntry *entry;

  if (anchor == NULL)
    return NULL;

  wk_table_lock_read (table);
  entry = wk_table_lookup_locked (table, anchor);
  if (entry != NULL)
    wk_entry_ref (entry);
  wk_table_unlock_read (table);

  wk_anchor_unref (anchor);

  return entry;
}

/* For tables keyed by anchor: takes the entry of @object, which the
 * caller holds, out of the table. Returns it with the table's reference,
 * for the caller to drop with no lock held; or %NULL. */
WkEntry *
wk_table_steal_entry_of (WkTable *table,
                         GObject *object)
{
  WkAnchor *anchor = wk_anchor_lookup (object);
  WkEntry *entry;

  if (anchor == NULL)
    return NULL;

  wk_table_lock (table);
  entry = wk_table_lookup_locked (table, anchor);
  if (entry != NULL)
    wk_table_remove_locked (table, entry);
  wk_table_unlock (table);

  wk_anchor_unref (anchor);

  return entry;
}

/* For tables keyed by anchor: whether @object, which the caller holds, is
 * in the table. */
gboolean
wk_table_holds_object (WkTable *table,
                       GObject *object)
{
  WkEntry *entry = wk_table_dup_entry_of (table, object);

  if (entry == NULL)
    return FALSE;

  wk_entry_unref (entry);

  return TRUE;
}

static void
entry_unref_cb (gpointer data)
{
  wk_entry_unref (data);
}

/* The entries in insertion order, each with a reference: nothing in it
 * keeps a member alive. */
GPtrArray *
wk_table_snapshot (WkTable *table)
{
  GPtrArray *snapshot;

  wk_table_lock_read (table);
  snapshot = g_ptr_array_new_full (g_hash_table_size (table->index), entry_unref_cb);
  for (WkEntry *entry = table->first; entry != NULL; entry = entry->next)
    g_ptr_array_add (snapshot, wk_entry_ref (entry));
  wk_table_unlock_read (table);

  return snapshot;
}

void
wk_table_iter_init (WkTableIter *iter,
                    WkTable     *table)
{
  memset (iter, 0, sizeof *iter);
  iter->snapshot = wk_table_snapshot (table);
}

/*
 * wk_table_iter_next:
 * @member: (out) (transfer none): the live member of the step, held by
 *   the iterator until the next step
 *
 * Returns: (transfer none) (nullable): the next entry whose member lives,
 *   or %NULL at the end (the iterator is then cleared)
 */
WkEntry *
wk_table_iter_next (WkTableIter *iter,
                    gpointer    *member)
{
  g_clear_object (&iter->member);

  if (iter->snapshot == NULL)
    return NULL;

  while (iter->position < iter->snapshot->len)
    {
      WkEntry *entry = g_ptr_array_index (iter->snapshot, iter->position++);

      iter->member = wk_entry_dup_member (entry);
      if (iter->member != NULL)
        {
          *member = iter->member;
          return entry;
        }
    }

  wk_table_iter_clear (iter);
  return NULL;
}

void
wk_table_iter_clear (WkTableIter *iter)
{
  g_clear_object (&iter->member);
  g_clear_pointer (&iter->snapshot, g_ptr_array_unref);
}

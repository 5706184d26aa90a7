/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib-object.h>

#include "wk-lock-private.h"
#include "wk-membership-private.h"

G_BEGIN_DECLS

/* WkTable: what WkValueTable, WkKeyTable and WkSet share.
 *
 * A hash index of entries, their insertion order, the lock over both, and
 * the owner that delivers their deaths. Each entry is one membership of
 * one member. Entries are reference counted and never change after they
 * are made (a new value for a key is a new entry), so a snapshot or a
 * lookup can hold one and read it with no lock held. References to an
 * entry: one while it is in the table, one for its membership (dropped
 * when it leaves the anchor, or by the delivery once the member died),
 * and short-lived ones.
 *
 * The containers reach the core only through it: the anchor and the owner
 * are wk-table.c's. A death comes one way: the member's anchor hands the
 * entry's membership to the table's owner, which delivers the batch of a
 * death on the table's thread; the table takes the batch's entries out
 * under one lock and gives them to its container's signal_dead(). */

typedef struct _WkEntry WkEntry;

typedef struct _WkTableClass
{
  /* On the table's thread, with no wobj lock held and a strong reference
   * to @holder: @dead are the entries whose member died that were still
   * in the table, now out of it, linked through ->next in order of death.
   * The container signals them; the table drops them afterwards. */
  void (*signal_dead) (GObject *holder,
                       WkEntry *dead);

  /* As WkOwnerClass's sync: WkSet's list model catching up with the
   * changes other threads made. May be %NULL. */
  void (*sync) (GObject *holder);
} WkTableClass;

struct _WkEntry
{
  WkMembership     membership;   /* first: the owner frees entries through it */
  WkEntry         *prev;         /* insertion order, under the lock */
  WkEntry         *next;
  gpointer         key;          /* the index key: the user's, or the member's anchor */
  gpointer         value;        /* the key table's value; the set's item */
  gatomicrefcount  ref_count;
  guint            in_table : 1; /* under the lock */
};

/* Fixed at construction and kept by the owner, because entries are freed
 * through it after the table itself may be gone. */
typedef struct _WkTableConfig
{
  gsize           entry_size;        /* the container's entry type, which
                                      * starts with a WkEntry (WkSet's);
                                      * 0 for a bare WkEntry */
  gboolean        keyed_by_member;   /* the index key is the member's
                                      * anchor: WkKeyTable, WkSet */
  GHashFunc       hash_func;
  GEqualFunc      key_equal_func;
  GBoxedCopyFunc  key_copy_func;     /* user keys: WkValueTable */
  GDestroyNotify  key_free_func;
  gboolean        keys_inline;       /* string keys copied into the entry's
                                      * own block (one allocation less); the
                                      * functions above then copy keys for
                                      * callers only */
  GBoxedCopyFunc  value_copy_func;   /* values: WkKeyTable */
  GDestroyNotify  value_free_func;   /* also frees WkSet's items */

  /* Set by wk_table_init(), followed only while the holder lives. */
  const WkTableClass *klass;
  gsize               table_offset;  /* of the WkTable in its holder */
} WkTableConfig;

typedef struct _WkTable
{
  WkRWLock             lock;         /* read for lookups, write for changes */
  GHashTable          *index;        /* key -> entry, under the lock */
  WkEntry             *first;        /* insertion order, under the lock */
  WkEntry             *last;
  WkOwner             *owner;
  const WkTableConfig *config;
  guint                disposed : 1; /* under the lock */
} WkTable;

void      wk_table_init              (WkTable             *table,
                                      GObject             *holder,
                                      const WkTableClass  *klass,
                                      WkTableConfig       *config);
WkEntry  *wk_table_remove_all_locked (WkTable             *table);
void      wk_table_dispose           (WkTable             *table);
void      wk_table_finalize          (WkTable             *table);
gboolean  wk_table_is_owner_thread   (WkTable             *table);
void      wk_table_request_sync      (WkTable             *table);

/* For changes. */
static inline void
wk_table_lock (WkTable *table)
{
  wk_rw_lock_write (&table->lock);
}

static inline void
wk_table_unlock (WkTable *table)
{
  wk_rw_unlock_write (&table->lock);
}

/* For lookups, which run on several threads at once: under it, nothing
 * may change, apart from entries' atomic reference counts. */
static inline void
wk_table_lock_read (WkTable *table)
{
  wk_rw_lock_read (&table->lock);
}

static inline void
wk_table_unlock_read (WkTable *table)
{
  wk_rw_unlock_read (&table->lock);
}

WkEntry  *wk_table_make_entry        (WkTable             *table,
                                      GObject             *object,
                                      gpointer             key,
                                      gpointer             value) G_GNUC_WARN_UNUSED_RESULT;
void      wk_entry_free              (WkEntry             *entry);
gboolean  wk_entry_is_dead           (WkEntry             *entry);
gpointer  wk_entry_dup_member        (WkEntry             *entry);

/* Inline: they are most of a lookup. */
static inline WkEntry *
wk_entry_ref (WkEntry *entry)
{
  wk_ref_count_inc (&entry->ref_count);
  return entry;
}

/* Drops a reference; the last frees the entry. Call with no lock held. */
static inline void
wk_entry_unref (WkEntry *entry)
{
  if (wk_ref_count_dec (&entry->ref_count))
    wk_entry_free (entry);
}

static inline WkEntry *
wk_table_lookup_locked (WkTable       *table,
                        gconstpointer  key)
{
  return g_hash_table_lookup (table->index, key);
}

gboolean  wk_table_add_locked        (WkTable             *table,
                                      WkEntry             *entry) G_GNUC_WARN_UNUSED_RESULT;
void      wk_table_remove_locked     (WkTable             *table,
                                      WkEntry             *entry);
guint     wk_table_get_size_locked   (WkTable             *table);

typedef enum
{
  WK_TABLE_ADDED,      /* the entry is in */
  WK_TABLE_CHANGED,    /* the key changed since the caller looked: retry */
  WK_TABLE_REFUSED,    /* the member died, or the table is disposed */
} WkTableReplace;

WkTableReplace wk_table_replace      (WkTable             *table,
                                      WkEntry             *expected,
                                      WkEntry             *entry,
                                      gboolean             check_expected,
                                      gboolean            *had_live);
gboolean  wk_table_is_disposed       (WkTable             *table);
void      wk_entry_discard           (WkTable             *table,
                                      WkEntry             *entry);
void      wk_entry_list_unref        (WkEntry             *list);

/* For tables keyed by member: the entry of an object the caller holds. */
gboolean  wk_table_holds_object      (WkTable             *table,
                                      GObject             *object);
WkEntry  *wk_table_dup_entry_of      (WkTable             *table,
                                      GObject             *object) G_GNUC_WARN_UNUSED_RESULT;
WkEntry  *wk_table_steal_entry_of    (WkTable             *table,
                                      GObject             *object) G_GNUC_WARN_UNUSED_RESULT;

GPtrArray *wk_table_snapshot         (WkTable             *table) G_GNUC_WARN_UNUSED_RESULT;

/* The private side of the public stack iterators: a snapshot of entries
 * and the member of the current step, held until the next one. */
typedef struct _WkTableIter
{
  GPtrArray *snapshot;
  gpointer   member;
  gpointer   reserved1;
  guint      position;
  guint      reserved2;
  gpointer   reserved3[4];
} WkTableIter;

void      wk_table_iter_init         (WkTableIter         *iter,
                                      WkTable             *table);
WkEntry  *wk_table_iter_next         (WkTableIter         *iter,
                                      gpointer            *member);
void      wk_table_iter_clear        (WkTableIter         *iter);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* WkSetRows: the rows of WkSet's list model, in the order they were
 * appended, and the position of each.
 *
 * Rows are slots of an array, in that order, with holes where rows
 * were removed; a Fenwick tree counts the filled slots, so that the
 * position of a slot and the slot of a position take O(log n).
 *
 * An item is any block with a WkSetRow at the offset given to
 * wk_set_rows_init(): there the rows keep the item's slot, so that an
 * item finds its row with no search. An item is in one WkSetRows at most.
 *
 * The rows take no lock and no reference: the caller serializes every
 * call and keeps each item alive while it is in. */

typedef struct _WkSetRow
{
  guint in_rows : 1;
  guint slot;
} WkSetRow;

typedef struct _WkSetRows
{
  GPtrArray *slots;        /* the items; NULL for a hole */
  guint     *tree;         /* 1-based, over tree_size slots */
  guint      tree_size;    /* a power of two, >= slots->len */
  guint      n_items;
  gsize      row_offset;   /* of the WkSetRow in each item */
} WkSetRows;

void       wk_set_rows_init      (WkSetRows *rows,
                                  gsize      row_offset);
void       wk_set_rows_clear     (WkSetRows *rows);
guint      wk_set_rows_append    (WkSetRows *rows,
                                  gpointer   item);
guint      wk_set_rows_remove    (WkSetRows *rows,
                                  gpointer   item);
gpointer   wk_set_rows_get       (WkSetRows *rows,
                                  guint      position);
GPtrArray *wk_set_rows_take_all  (WkSetRows *rows) G_GNUC_WARN_UNUSED_RESULT;
void       wk_set_rows_fill      (WkSetRows *rows,
                                  GPtrArray *items);

static inline guint
wk_set_rows_get_n_items (WkSetRows *rows)
{
  return rows->n_items;
}

/* O(1): the item says it. */
static inline gboolean
wk_set_rows_contains (WkSetRows *rows,
                      gpointer   item)
{
  return ((WkSetRow *) G_STRUCT_MEMBER_P (item, rows->row_offset))->in_rows;
}

G_END_DECLS

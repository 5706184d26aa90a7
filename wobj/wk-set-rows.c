/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include <string.h>

#include "wk-set-rows-private.h"

/* See wk-set-rows-private.h for what the rows are. */

static inline WkSetRow *
row_of (WkSetRows *rows,
        gpointer   item)
{
  return G_STRUCT_MEMBER_P (item, rows->row_offset);
}

/* The Fenwick tree. */

static void
tree_add (WkSetRows *rows,
          guint      slot,
          gint       delta)
{
  for (guint i = slot + 1; i <= rows->tree_size; i += i & -i)
    rows->tree[i] += delta;
}

/* How many rows come before @slot. */
static guint
tree_rank (WkSetRows *rows,
           guint      slot)
{
  guint rank = 0;

  for (guint i = slot; i > 0; i -= i & -i)
    rank += rows->tree[i];

  return rank;
}

/* The slot of row @position, which exists. */
static guint
tree_select (WkSetRows *rows,
             guint      position)
{
  guint slot = 0;

  for (guint step = rows->tree_size; step > 0; step >>= 1)
    {
      if (slot + step <= rows->tree_size && rows->tree[slot + step] <= position)
        {
          slot += step;
          position -= rows->tree[slot];
        }
    }

  return slot;
}

static void
tree_rebuild (WkSetRows *rows)
{
  memset (rows->tree, 0, (rows->tree_size + 1) * sizeof (guint));

  for (guint i = 0; i < rows->slots->len; i++)
    if (g_ptr_array_index (rows->slots, i) != NULL)
      rows->tree[i + 1] = 1;

  for (guint i = 1; i <= rows->tree_size; i++)
    {
      guint parent = i + (i & -i);

      if (parent <= rows->tree_size)
        rows->tree[parent] += rows->tree[i];
    }
}

/* Drops the holes once they are most of the array, so that the rows
 * stay O(n) in memory; amortized O(1) per removal. */
static void
compact (WkSetRows *rows)
{
  guint filled = 0;

  for (guint i = 0; i < rows->slots->len; i++)
    {
      gpointer item = g_ptr_array_index (rows->slots, i);

      if (item == NULL)
        continue;
      row_of (rows, item)->slot = filled;
      rows->slots->pdata[filled++] = item;
    }
  g_ptr_array_set_size (rows->slots, filled);

  while (rows->tree_size > 64 && rows->tree_size / 4 > filled)
    rows->tree_size /= 2;
  rows->tree = g_renew (guint, rows->tree, rows->tree_size + 1);
  tree_rebuild (rows);
}

/* @row_offset: where each item keeps its WkSetRow, G_STRUCT_OFFSET() of
 * it in the item's type. */
void
wk_set_rows_init (WkSetRows *rows,
                  gsize      row_offset)
{
  rows->slots = g_ptr_array_new ();
  rows->tree_size = 64;
  rows->tree = g_new0 (guint, rows->tree_size + 1);
  rows->n_items = 0;
  rows->row_offset = row_offset;
}

/* Frees the rows' own memory; the items are the caller's. */
void
wk_set_rows_clear (WkSetRows *rows)
{
  g_clear_pointer (&rows->slots, g_ptr_array_unref);
  g_clear_pointer (&rows->tree, g_free);
  rows->n_items = 0;
}

/* Adds @item, which is not in, as the last row; returns its position. */
guint
wk_set_rows_append (WkSetRows *rows,
                    gpointer   item)
{
  WkSetRow *row = row_of (rows, item);

  g_assert (!row->in_rows);

  if (rows->slots->len == rows->tree_size)
    {
      rows->tree_size *= 2;
      rows->tree = g_renew (guint, rows->tree, rows->tree_size + 1);
      g_ptr_array_add (rows->slots, item);
      tree_rebuild (rows);
    }
  else
    {
      g_ptr_array_add (rows->slots, item);
      tree_add (rows, rows->slots->len - 1, 1);
    }

  row->slot = rows->slots->len - 1;
  row->in_rows = TRUE;

  return rows->n_items++;
}

/* Takes out the row of @item, which is in; returns the position it had. */
guint
wk_set_rows_remove (WkSetRows *rows,
                    gpointer   item)
{
  WkSetRow *row = row_of (rows, item);
  guint position;

  g_assert (row->in_rows);
  g_assert (g_ptr_array_index (rows->slots, row->slot) == item);

  position = tree_rank (rows, row->slot);
  rows->slots->pdata[row->slot] = NULL;
  tree_add (rows, row->slot, -1);
  row->in_rows = FALSE;
  rows->n_items--;

  if (rows->slots->len > 64 && rows->n_items < rows->slots->len / 2)
    compact (rows);

  return position;
}

/* The item of row @position, or %NULL past the end. */
gpointer
wk_set_rows_get (WkSetRows *rows,
                 guint      position)
{
  if (position >= rows->n_items)
    return NULL;

  return g_ptr_array_index (rows->slots, tree_select (rows, position));
}

/* Empties the rows; returns their items, in order, in a new array with no
 * free function. */
GPtrArray *
wk_set_rows_take_all (WkSetRows *rows)
{
  GPtrArray *items = g_ptr_array_new_full (rows->n_items, NULL);

  for (guint i = 0; i < rows->slots->len; i++)
    {
      gpointer item = g_ptr_array_index (rows->slots, i);

      if (item == NULL)
        continue;
      row_of (rows, item)->in_rows = FALSE;
      g_ptr_array_add (items, item);
    }
  g_ptr_array_set_size (rows->slots, 0);
  rows->n_items = 0;
  /* All zeros is the tree of no rows. */
  memset (rows->tree, 0, (rows->tree_size + 1) * sizeof (guint));

  return items;
}

/* Makes @items, none of them in, the rows of the empty @rows, in order:
 * O(n), where appending them one by one would take O(n log n). Takes
 * @items, an array with no free function and no %NULL. */
void
wk_set_rows_fill (WkSetRows *rows,
                  GPtrArray *items)
{
  g_assert (rows->n_items == 0);

  for (guint i = 0; i < items->len; i++)
    {
      WkSetRow *row = row_of (rows, g_ptr_array_index (items, i));

      g_assert (!row->in_rows);
      row->in_rows = TRUE;
      row->slot = i;
    }

  g_ptr_array_unref (rows->slots);
  rows->slots = items;
  while (rows->tree_size < items->len)
    rows->tree_size *= 2;
  rows->tree = g_renew (guint, rows->tree, rows->tree_size + 1);
  tree_rebuild (rows);
  rows->n_items = items->len;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A model-based randomized test of WkValueTable, WkKeyTable and WkSet.
 *
 * A pool of object slots and nine containers (three of each type, all
 * owned by the main thread) go through a long, seeded sequence of random
 * operations. A plain model (arrays indexed by key or by slot) says what
 * every container must hold, in which order, and which object-finalized
 * signals must have been emitted; after every step the whole of every
 * container is compared with it: sizes, lookups of every key and every
 * live object, snapshots in insertion order and the rows of each set's
 * list model (through a mirror kept up to date by items-changed alone).
 *
 * Reproducible: WOBJ_RANDOM_SEED picks the seed (printed at the start),
 * WOBJ_RANDOM_OPS the number of operations. A failure names the seed and
 * the operation. */

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wobj.h>

#include "wk-test-util.h"

#define LOG_DOMAIN   "Wobj"

#define N_SLOTS      200
#define N_KEYS       64
#define N_VT         3
#define N_KT         3
#define N_SETS       3

#define DEFAULT_SEED 20240611u
#define DEFAULT_OPS  100000u

/* The objects are WkTestObjects and TestSubs: a typed set takes TestSubs
 * only, so the file keeps that subclass (a type of its own, no field).
 * Every object is made by new_object() and counted, and WkTestObject
 * counts finalizations, so the test knows that nothing keeps one alive. */

#define TEST_TYPE_SUB (test_sub_get_type ())
G_DECLARE_FINAL_TYPE (TestSub, test_sub, TEST, SUB, WkTestObject)

struct _TestSub
{
  WkTestObject parent_instance;
};

G_DEFINE_FINAL_TYPE (TestSub, test_sub, WK_TEST_TYPE_OBJECT)

static void
test_sub_class_init (TestSubClass *klass)
{
}

static void
test_sub_init (TestSub *self)
{
}

/* The model. */

typedef struct
{
  GObject *obj;     /* the test's one strong reference, or NULL */
  guint    serial;  /* which object it is: never reused */
} Slot;

typedef enum
{
  VT_NONE,
  VT_LIVE,
  VT_PENDING,       /* died on another thread, signal not delivered yet */
} VtState;

typedef struct
{
  VtState state;
  guint   slot;
  guint   serial;
  guint64 stamp;    /* insertion order */
} VtEntry;

typedef struct
{
  WkValueTable *table;
  VtEntry       entries[N_KEYS];
} VtModel;

typedef struct
{
  guint64 stamp;    /* 0: the slot's object is not a key */
  gint    value;
} KtEntry;

typedef struct
{
  WkKeyTable *table;
  KtEntry     entries[N_SLOTS];
  GArray     *pending;   /* gint: values of keys dead elsewhere, not delivered */
} KtModel;

typedef struct
{
  WkSet     *set;
  GType      member_type;
  guint64    stamps[N_SLOTS];   /* 0: not a member */
  GArray    *pending;   /* guint64: stamps of rows whose member died elsewhere */
  GPtrArray *mirror;    /* the rows as items-changed told them: WkRef */
} SetModel;

typedef enum
{
  KIND_VT,
  KIND_KT,
  KIND_SET,
} Kind;

typedef struct
{
  guint32     seed;
  guint       step;
  const char *op;
  GRand      *rand;
  GThread    *main_thread;
  Slot        slots[N_SLOTS];
  guint       last_serial;
  guint64     last_stamp;
  char       *keys[N_KEYS];
  VtModel     vt[N_VT];
  KtModel     kt[N_KT];
  SetModel    sets[N_SETS];
  GArray     *expected;   /* guint64 events: object-finalized that must come */
  GArray     *actual;     /* guint64 events: those that came */
  GArray     *rows;       /* Row: scratch */
  /* The objects new_object() made, and wk_test_object_n_finalized () when
   * the test began: how many are alive. */
  guint       n_made;
  guint       n_finalized_before;
} State;

static State S;

/* Failures. */

static void G_GNUC_NORETURN
fail (int         line,
      const char *what)
{
  g_error ("random test failed: seed %u, operation %u (%s): line %d: %s\n"
           "Reproduce with WOBJ_RANDOM_SEED=%u WOBJ_RANDOM_OPS=%u",
           S.seed, S.step, S.op != NULL ? S.op : "-", line, what,
           S.seed, S.step + 1);
  abort ();
}

#define CHECK(cond) \
  G_STMT_START { \
    if (G_UNLIKELY (!(cond))) \
      fail (__LINE__, #cond); \
  } G_STMT_END

/* A crash or an assertion inside GLib or wobj: say where we were. Only
 * async-signal-safe calls. */
static char *
format_uint (char  *end,
             guint  value)
{
  do
    {
      *--end = '0' + value % 10;
      value /= 10;
    }
  while (value != 0);

  return end;
}

static void
crash_handler (int signum)
{
  static const char prefix[] = "\nwobj random test died: operation ";
  static const char middle[] = ", seed ";
  char step_buf[16];
  char seed_buf[16];
  char *step_str = format_uint (step_buf + sizeof step_buf, S.step);
  char *seed_str = format_uint (seed_buf + sizeof seed_buf, S.seed);

  if (write (STDERR_FILENO, prefix, sizeof prefix - 1) < 0 ||
      write (STDERR_FILENO, step_str, step_buf + sizeof step_buf - step_str) < 0 ||
      write (STDERR_FILENO, middle, sizeof middle - 1) < 0 ||
      write (STDERR_FILENO, seed_str, seed_buf + sizeof seed_buf - seed_str) < 0 ||
      write (STDERR_FILENO, "\n", 1) < 0)
    {
      /* Nothing more to do. */
    }

  signal (signum, SIG_DFL);
  raise (signum);
}

/* Random numbers. */

static guint
rnd (guint n)
{
  g_assert (n > 0);
  return g_rand_int_range (S.rand, 0, n);
}

static gboolean
chance (guint percent)
{
  return rnd (100) < percent;
}

/* Events: the object-finalized signals. */

static guint64
make_event (Kind    kind,
            guint   container,
            guint32 value)
{
  return ((guint64) kind << 56) | ((guint64) container << 48) | value;
}

static void
expect_event (Kind    kind,
              guint   container,
              guint32 value)
{
  guint64 ev = make_event (kind, container, value);

  g_array_append_val (S.expected, ev);
}

static void
record_event (Kind    kind,
              guint   container,
              guint32 value)
{
  guint64 ev = make_event (kind, container, value);

  g_array_append_val (S.actual, ev);
}

static gint
cmp_u64 (gconstpointer a,
         gconstpointer b)
{
  guint64 x = *(const guint64 *) a;
  guint64 y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

static void
print_events (const char *what,
              GArray     *events)
{
  static const char *const kinds[] = { "value table", "key table", "set" };

  g_printerr ("%s:\n", what);
  for (guint i = 0; i < events->len; i++)
    {
      guint64 ev = g_array_index (events, guint64, i);

      g_printerr ("  %s %u: %u\n", kinds[MIN (ev >> 56, 2)],
                  (guint) (ev >> 48) & 0xff, (guint) (ev & 0xffffffff));
    }
}

static void
check_events (void)
{
  gboolean same = S.expected->len == S.actual->len;

  g_array_sort (S.expected, cmp_u64);
  g_array_sort (S.actual, cmp_u64);
  for (guint i = 0; same && i < S.expected->len; i++)
    same = g_array_index (S.expected, guint64, i) == g_array_index (S.actual, guint64, i);

  if (!same)
    {
      print_events ("object-finalized signals expected", S.expected);
      print_events ("object-finalized signals emitted", S.actual);
    }
  CHECK (same);

  g_array_set_size (S.expected, 0);
  g_array_set_size (S.actual, 0);
}

/* Rows: entries sorted by insertion stamp. */

typedef struct
{
  guint64 stamp;
  guint   a;        /* key index or slot */
  gint    b;        /* key table value; set: TRUE for a live row */
} Row;

static gint
cmp_row (gconstpointer a,
         gconstpointer b)
{
  const Row *x = a;
  const Row *y = b;

  return x->stamp < y->stamp ? -1 : x->stamp > y->stamp;
}

static void
add_row (guint64 stamp,
         guint   a,
         gint    b)
{
  Row row = { stamp, a, b };

  g_array_append_val (S.rows, row);
}

static Row *
sorted_rows (void)
{
  g_array_sort (S.rows, cmp_row);
  return (Row *) (gpointer) S.rows->data;
}

/* Objects. */

static GObject *
new_object (void)
{
  S.n_made++;

  return g_object_new (chance (50) ? TEST_TYPE_SUB : WK_TEST_TYPE_OBJECT, NULL);
}

/* The objects made and not finalized yet. */
static guint
n_objects_alive (void)
{
  return S.n_made - (wk_test_object_n_finalized () - S.n_finalized_before);
}

/* Drops what must be the last reference: the object is finalized before
 * this returns. */
static void
finalize_or_fail (gpointer object)
{
  gpointer watch = object;

  g_object_add_weak_pointer (object, &watch);
  g_object_unref (object);
  CHECK (watch == NULL);
}

static gint
pick_slot (gboolean live)
{
  guint start = rnd (N_SLOTS);

  for (guint i = 0; i < N_SLOTS; i++)
    {
      guint s = (start + i) % N_SLOTS;

      if ((S.slots[s].obj != NULL) == live)
        return s;
    }

  return -1;
}

static guint
n_live_slots (void)
{
  guint n = 0;

  for (guint s = 0; s < N_SLOTS; s++)
    if (S.slots[s].obj != NULL)
      n++;

  return n;
}

static void
fill_slot (guint    slot,
           GObject *obj)
{
  g_assert (S.slots[slot].obj == NULL);
  S.slots[slot].obj = obj;
  S.slots[slot].serial = ++S.last_serial;
}

/* The deaths from elsewhere that a container has not been told of reach
 * it: each one's entry goes (a set's row too) and it signals. */
static void
model_flush (Kind  kind,
             guint index)
{
  switch (kind)
    {
    case KIND_VT:
      for (guint k = 0; k < N_KEYS; k++)
        if (S.vt[index].entries[k].state == VT_PENDING)
          {
            expect_event (KIND_VT, index, k);
            S.vt[index].entries[k].state = VT_NONE;
          }
      break;

    case KIND_KT:
      for (guint i = 0; i < S.kt[index].pending->len; i++)
        expect_event (KIND_KT, index, g_array_index (S.kt[index].pending, gint, i));
      g_array_set_size (S.kt[index].pending, 0);
      break;

    case KIND_SET:
      for (guint i = 0; i < S.sets[index].pending->len; i++)
        expect_event (KIND_SET, index, 0);
      g_array_set_size (S.sets[index].pending, 0);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* The object of @slot died: on this thread (its entries go and signal at
 * once) or on another (its entries are dead and wait for delivery).
 *
 * A container told of a death on its own thread is also told, at that
 * moment, of the deaths from elsewhere it was still waiting for: the
 * owner hands over its whole inbox, so the signals keep the order of the
 * deaths. */
static void
model_died (guint    slot,
            gboolean here)
{
  for (guint t = 0; t < N_VT; t++)
    {
      gboolean member = FALSE;

      for (guint k = 0; k < N_KEYS; k++)
        {
          VtEntry *e = &S.vt[t].entries[k];

          if (e->state != VT_LIVE || e->slot != slot)
            continue;
          CHECK (e->serial == S.slots[slot].serial);
          member = TRUE;
          if (here)
            {
              expect_event (KIND_VT, t, k);
              e->state = VT_NONE;
            }
          else
            {
              e->state = VT_PENDING;
            }
        }
      if (member && here)
        model_flush (KIND_VT, t);
    }

  for (guint t = 0; t < N_KT; t++)
    {
      KtEntry *e = &S.kt[t].entries[slot];

      if (e->stamp == 0)
        continue;
      e->stamp = 0;
      if (here)
        {
          expect_event (KIND_KT, t, e->value);
          model_flush (KIND_KT, t);
        }
      else
        {
          g_array_append_val (S.kt[t].pending, e->value);
        }
    }

  for (guint s = 0; s < N_SETS; s++)
    {
      SetModel *m = &S.sets[s];

      if (m->stamps[slot] == 0)
        continue;
      if (here)
        {
          expect_event (KIND_SET, s, 0);
          model_flush (KIND_SET, s);
        }
      else
        {
          g_array_append_val (m->pending, m->stamps[slot]);
        }
      m->stamps[slot] = 0;
    }
}

/* The owner's context ran: every death from elsewhere is delivered. */
static void
model_drain (void)
{
  for (guint i = 0; i < 3; i++)
    {
      model_flush (KIND_VT, i);
      model_flush (KIND_KT, i);
      model_flush (KIND_SET, i);
    }
}

/* Kills the object of @slot on this thread. */
static void
kill_slot (guint slot)
{
  GObject *obj = S.slots[slot].obj;

  S.slots[slot].obj = NULL;
  model_died (slot, TRUE);
  finalize_or_fail (obj);
}

/* Signal handlers. */

static void
vt_finalized_cb (WkValueTable *table,
                 const GValue *key,
                 gpointer      user_data)
{
  guint t = GPOINTER_TO_UINT (user_data);
  const char *str;
  char *end = NULL;
  guint64 k;

  CHECK (g_thread_self () == S.main_thread);
  CHECK (table == S.vt[t].table);
  CHECK (G_VALUE_HOLDS_STRING (key));
  str = g_value_get_string (key);
  CHECK (str != NULL && str[0] == 'k');
  k = g_ascii_strtoull (str + 1, &end, 10);
  CHECK (end != NULL && *end == '\0' && k < N_KEYS);
  /* The entry went before the signal. */
  CHECK (!wk_value_table_contains (table, str));

  record_event (KIND_VT, t, k);
}

static void
kt_finalized_cb (WkKeyTable   *table,
                 const GValue *value,
                 gpointer      user_data)
{
  guint t = GPOINTER_TO_UINT (user_data);

  CHECK (g_thread_self () == S.main_thread);
  CHECK (table == S.kt[t].table);
  CHECK (G_VALUE_HOLDS_INT (value));
  CHECK (g_value_get_int (value) >= 0);

  record_event (KIND_KT, t, g_value_get_int (value));
}

static void
set_finalized_cb (WkSet    *set,
                  gpointer  user_data)
{
  guint s = GPOINTER_TO_UINT (user_data);

  CHECK (g_thread_self () == S.main_thread);
  CHECK (set == S.sets[s].set);
  /* The row went, and was announced, before the signal. */
  CHECK (S.sets[s].mirror->len == g_list_model_get_n_items (G_LIST_MODEL (set)));

  record_event (KIND_SET, s, 0);
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  GPtrArray *mirror = S.sets[GPOINTER_TO_UINT (user_data)].mirror;

  CHECK (g_thread_self () == S.main_thread);
  CHECK ((gpointer) model == (gpointer) S.sets[GPOINTER_TO_UINT (user_data)].set);
  CHECK (removed > 0 || added > 0);
  CHECK (position + removed <= mirror->len);

  g_ptr_array_remove_range (mirror, position, removed);
  for (guint i = 0; i < added; i++)
    {
      WkRef *item = g_list_model_get_item (model, position + i);

      CHECK (WK_IS_REF (item));
      g_ptr_array_insert (mirror, position + i, item);
    }

  CHECK (mirror->len == g_list_model_get_n_items (model));
}

/* Containers. */

static void
container_create (Kind  kind,
                  guint index)
{
  switch (kind)
    {
    case KIND_VT:
      S.vt[index].table = wk_value_table_new ();
      memset (S.vt[index].entries, 0, sizeof S.vt[index].entries);
      g_signal_connect (S.vt[index].table, "object-finalized",
                        G_CALLBACK (vt_finalized_cb), GUINT_TO_POINTER (index));
      break;

    case KIND_KT:
      S.kt[index].table = wk_key_table_new ();
      memset (S.kt[index].entries, 0, sizeof S.kt[index].entries);
      g_array_set_size (S.kt[index].pending, 0);
      g_signal_connect (S.kt[index].table, "object-finalized",
                        G_CALLBACK (kt_finalized_cb), GUINT_TO_POINTER (index));
      break;

    case KIND_SET:
      S.sets[index].member_type = index == 0 ? TEST_TYPE_SUB : G_TYPE_OBJECT;
      S.sets[index].set = wk_set_new (S.sets[index].member_type);
      memset (S.sets[index].stamps, 0, sizeof S.sets[index].stamps);
      g_array_set_size (S.sets[index].pending, 0);
      S.sets[index].mirror = g_ptr_array_new_with_free_func (g_object_unref);
      g_signal_connect (S.sets[index].set, "object-finalized",
                        G_CALLBACK (set_finalized_cb), GUINT_TO_POINTER (index));
      g_signal_connect (S.sets[index].set, "items-changed",
                        G_CALLBACK (items_changed_cb), GUINT_TO_POINTER (index));
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Drops the container: it is finalized at once and its pending deaths
 * never signal. */
static void
container_destroy (Kind  kind,
                   guint index)
{
  switch (kind)
    {
    case KIND_VT:
      finalize_or_fail (g_steal_pointer (&S.vt[index].table));
      break;

    case KIND_KT:
      finalize_or_fail (g_steal_pointer (&S.kt[index].table));
      break;

    case KIND_SET:
      /* Its dispose empties the model, and says so: the mirror follows. */
      finalize_or_fail (S.sets[index].set);
      S.sets[index].set = NULL;
      CHECK (S.sets[index].mirror->len == 0);
      g_clear_pointer (&S.sets[index].mirror, g_ptr_array_unref);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
container_clear (Kind  kind,
                 guint index)
{
  switch (kind)
    {
    case KIND_VT:
      wk_value_table_remove_all (S.vt[index].table);
      memset (S.vt[index].entries, 0, sizeof S.vt[index].entries);
      break;

    case KIND_KT:
      wk_key_table_remove_all (S.kt[index].table);
      memset (S.kt[index].entries, 0, sizeof S.kt[index].entries);
      g_array_set_size (S.kt[index].pending, 0);
      break;

    case KIND_SET:
      wk_set_remove_all (S.sets[index].set);
      memset (S.sets[index].stamps, 0, sizeof S.sets[index].stamps);
      g_array_set_size (S.sets[index].pending, 0);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* The full comparison of a container with its model. */

static void
check_vt (guint t)
{
  VtModel *m = &S.vt[t];
  GPtrArray *keys = NULL;
  GPtrArray *values = NULL;
  Row *rows;
  guint n;

  g_array_set_size (S.rows, 0);
  for (guint k = 0; k < N_KEYS; k++)
    {
      VtEntry *e = &m->entries[k];
      GObject *expect = NULL;
      GObject *got;

      if (e->state == VT_LIVE)
        {
          expect = S.slots[e->slot].obj;
          CHECK (expect != NULL && S.slots[e->slot].serial == e->serial);
          add_row (e->stamp, k, 0);
        }

      got = wk_value_table_lookup (m->table, S.keys[k]);
      CHECK (got == expect);
      g_clear_object (&got);
    }

  n = S.rows->len;
  rows = sorted_rows ();
  CHECK (wk_value_table_get_size (m->table) == n);

  wk_value_table_dup_entries (m->table, &keys, &values);
  CHECK (keys->len == n);
  CHECK (values->len == n);
  for (guint i = 0; i < n; i++)
    {
      CHECK (strcmp (g_ptr_array_index (keys, i), S.keys[rows[i].a]) == 0);
      CHECK (g_ptr_array_index (values, i) == S.slots[m->entries[rows[i].a].slot].obj);
    }
  g_ptr_array_unref (keys);
  g_ptr_array_unref (values);
}

static void
check_kt (guint t)
{
  KtModel *m = &S.kt[t];
  GPtrArray *keys = NULL;
  GPtrArray *values = NULL;
  Row *rows;
  guint n;

  g_array_set_size (S.rows, 0);
  for (guint s = 0; s < N_SLOTS; s++)
    {
      GObject *obj = S.slots[s].obj;
      KtEntry *e = &m->entries[s];
      gboolean present = e->stamp != 0;
      GValue value = G_VALUE_INIT;

      if (obj == NULL)
        {
          CHECK (!present);
          continue;
        }

      CHECK (wk_key_table_lookup_value (m->table, obj, &value) == present);
      if (present)
        {
          CHECK (G_VALUE_HOLDS_INT (&value));
          CHECK (g_value_get_int (&value) == e->value);
          g_value_unset (&value);
          add_row (e->stamp, s, e->value);
        }
    }

  n = S.rows->len;
  rows = sorted_rows ();
  CHECK (wk_key_table_get_size (m->table) == n);

  wk_key_table_dup_entries (m->table, &keys, &values);
  CHECK (keys->len == n);
  CHECK (values->len == n);
  for (guint i = 0; i < n; i++)
    {
      const GValue *value = g_ptr_array_index (values, i);

      CHECK (g_ptr_array_index (keys, i) == S.slots[rows[i].a].obj);
      CHECK (G_VALUE_HOLDS_INT (value));
      CHECK (g_value_get_int (value) == rows[i].b);
    }
  g_ptr_array_unref (keys);
  g_ptr_array_unref (values);
}

/* The rows of a set's model, live or dead, must be the mirror's, and each
 * item must lead to its member (or to nothing for a dead row). */
static void
check_set_rows (WkSet     *set,
                GPtrArray *mirror,
                const Row *rows,
                guint      n)
{
  WkRef *past_end;

  CHECK (g_list_model_get_n_items (G_LIST_MODEL (set)) == n);
  if (mirror != NULL)
    CHECK (mirror->len == n);

  for (guint i = 0; i < n; i++)
    {
      WkRef *item = g_list_model_get_item (G_LIST_MODEL (set), i);
      GObject *member;

      CHECK (item != NULL);
      if (mirror != NULL)
        CHECK ((gpointer) item == g_ptr_array_index (mirror, i));
      member = wk_ref_dup_object (item);
      CHECK (member == (rows[i].b ? S.slots[rows[i].a].obj : NULL));
      g_clear_object (&member);
      g_object_unref (item);
    }

  past_end = g_list_model_get_item (G_LIST_MODEL (set), n);
  CHECK (past_end == NULL);
}

static void
check_set (guint index)
{
  SetModel *m = &S.sets[index];
  GPtrArray *members;
  Row *rows;
  guint n;
  guint n_rows;

  g_array_set_size (S.rows, 0);
  for (guint s = 0; s < N_SLOTS; s++)
    {
      GObject *obj = S.slots[s].obj;
      gboolean member = m->stamps[s] != 0;

      if (obj == NULL)
        {
          CHECK (!member);
          continue;
        }
      CHECK (wk_set_contains (m->set, obj) == member);
      if (member)
        add_row (m->stamps[s], s, TRUE);
    }

  n = S.rows->len;
  rows = sorted_rows ();
  CHECK (wk_set_get_size (m->set) == n);

  members = wk_set_dup_members (m->set);
  CHECK (members->len == n);
  for (guint i = 0; i < n; i++)
    CHECK (g_ptr_array_index (members, i) == S.slots[rows[i].a].obj);
  g_ptr_array_unref (members);

  /* The model still lists the members that died elsewhere. */
  for (guint i = 0; i < m->pending->len; i++)
    add_row (g_array_index (m->pending, guint64, i), 0, FALSE);
  n_rows = S.rows->len;
  rows = sorted_rows ();
  check_set_rows (m->set, m->mirror, rows, n_rows);
}

static void
check_all (void)
{
  for (guint t = 0; t < N_VT; t++)
    check_vt (t);
  for (guint t = 0; t < N_KT; t++)
    check_kt (t);
  for (guint s = 0; s < N_SETS; s++)
    check_set (s);

  check_events ();
  CHECK (n_objects_alive () == n_live_slots ());
}

/* Operations on objects. */

static void
op_create (void)
{
  gint slot = pick_slot (FALSE);

  if (slot < 0)
    {
      slot = pick_slot (TRUE);
      kill_slot (slot);
    }
  fill_slot (slot, new_object ());
}

static void
op_kill (void)
{
  gint slot = pick_slot (TRUE);

  if (slot >= 0)
    kill_slot (slot);
}

/* The last reference dies on a worker thread. */
static void
op_kill_elsewhere (void)
{
  gint slot = pick_slot (TRUE);
  GObject *obj;
  gpointer watch;

  if (slot < 0)
    return;

  obj = S.slots[slot].obj;
  watch = obj;
  g_object_add_weak_pointer (obj, &watch);
  S.slots[slot].obj = NULL;
  model_died (slot, FALSE);

  wk_test_unref_in_thread (obj);
  CHECK (watch == NULL);

  /* Already out of every container, not signalled yet. */
  check_all ();

  if (chance (50))
    {
      wk_test_drain_context (NULL);
      model_drain ();
    }
}

static void
op_run_dispose (void)
{
  gint slot = pick_slot (TRUE);

  if (slot < 0)
    return;

  /* Its death for every container; the object itself lives on in its
   * slot, can be held again, and dies for good later. */
  model_died (slot, TRUE);
  g_object_run_dispose (S.slots[slot].obj);
}

static void
op_drain (void)
{
  wk_test_drain_context (NULL);
  model_drain ();
}

/* Value tables. */

typedef struct
{
  guint    key;
  guint    n_calls;
  gboolean return_null;
  GObject *made;
} FactoryData;

static gpointer
vt_factory (gconstpointer key,
            gpointer      user_data)
{
  FactoryData *data = user_data;

  data->n_calls++;
  CHECK (strcmp (key, S.keys[data->key]) == 0);
  if (data->return_null)
    return NULL;

  data->made = new_object ();
  return data->made;
}

/* A value goes in for a key: a new key goes at the end of the order; a
 * replaced one keeps its place, as in Python's dicts, even when its value
 * died elsewhere and its signal was still due (that signal is cancelled). */
static void
vt_set (VtEntry *e,
        guint    slot)
{
  if (e->state == VT_NONE)
    e->stamp = ++S.last_stamp;
  e->state = VT_LIVE;
  e->slot = slot;
  e->serial = S.slots[slot].serial;
}

static void
op_vt_insert (void)
{
  guint t = rnd (N_VT);
  guint k = rnd (N_KEYS);
  gint slot = pick_slot (TRUE);
  VtEntry *e = &S.vt[t].entries[k];

  if (slot < 0)
    return;

  CHECK (wk_value_table_insert (S.vt[t].table, S.keys[k], S.slots[slot].obj) ==
         (e->state != VT_LIVE));
  vt_set (e, slot);
}

static void
op_vt_remove (gboolean pop)
{
  guint t = rnd (N_VT);
  guint k = rnd (N_KEYS);
  VtEntry *e = &S.vt[t].entries[k];
  gboolean live = e->state == VT_LIVE;

  if (pop)
    {
      GObject *got = wk_value_table_pop (S.vt[t].table, S.keys[k]);

      CHECK (got == (live ? S.slots[e->slot].obj : NULL));
      g_clear_object (&got);
    }
  else
    {
      CHECK (wk_value_table_remove (S.vt[t].table, S.keys[k]) == live);
    }

  /* A dead entry waiting for its signal stays. */
  if (live)
    e->state = VT_NONE;
}

static void
op_vt_lookup (void)
{
  guint t = rnd (N_VT);
  guint k = rnd (N_KEYS);
  VtEntry *e = &S.vt[t].entries[k];
  GObject *got = wk_value_table_lookup (S.vt[t].table, S.keys[k]);

  CHECK (got == (e->state == VT_LIVE ? S.slots[e->slot].obj : NULL));
  g_clear_object (&got);
  CHECK (wk_value_table_contains (S.vt[t].table, S.keys[k]) == (e->state == VT_LIVE));
}

static void
op_vt_lookup_or_insert (void)
{
  guint t = rnd (N_VT);
  guint k = rnd (N_KEYS);
  VtEntry *e = &S.vt[t].entries[k];
  FactoryData data = { k, 0, chance (20), NULL };
  GObject *got;
  gint slot;

  got = wk_value_table_lookup_or_insert (S.vt[t].table, S.keys[k], vt_factory, &data);

  if (e->state == VT_LIVE)
    {
      CHECK (data.n_calls == 0);
      CHECK (got == S.slots[e->slot].obj);
      g_object_unref (got);
      return;
    }

  CHECK (data.n_calls == 1);
  if (data.return_null)
    {
      /* Nothing inserted: a pending death stays pending. */
      CHECK (got == NULL);
      return;
    }

  CHECK (got != NULL && got == data.made);

  slot = pick_slot (FALSE);
  if (slot >= 0)
    {
      fill_slot (slot, got);
      vt_set (e, slot);
    }
  else
    {
      /* Nowhere to keep it: it dies at once, in the table. */
      e->state = VT_NONE;
      expect_event (KIND_VT, t, k);
      model_flush (KIND_VT, t);
      finalize_or_fail (got);
    }
}

/* Key tables. */

static void
op_kt_insert (void)
{
  guint t = rnd (N_KT);
  gint slot = pick_slot (TRUE);
  KtEntry *e;
  GValue value = G_VALUE_INIT;
  gint v = rnd (1000000);

  if (slot < 0)
    return;

  e = &S.kt[t].entries[slot];
  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, v);
  CHECK (wk_key_table_insert_value (S.kt[t].table, S.slots[slot].obj, &value) ==
         (e->stamp == 0));
  g_value_unset (&value);

  /* A replaced key keeps its place. */
  if (e->stamp == 0)
    e->stamp = ++S.last_stamp;
  e->value = v;
}

static void
op_kt_remove (void)
{
  guint t = rnd (N_KT);
  gint slot = pick_slot (TRUE);
  KtEntry *e;
  gboolean present;

  if (slot < 0)
    return;

  e = &S.kt[t].entries[slot];
  present = e->stamp != 0;

  switch (rnd (3))
    {
    case 0:
      CHECK (wk_key_table_remove (S.kt[t].table, S.slots[slot].obj) == present);
      break;

    case 1:
      {
        GValue value = G_VALUE_INIT;

        CHECK (wk_key_table_pop_value (S.kt[t].table, S.slots[slot].obj, &value) == present);
        if (present)
          {
            CHECK (G_VALUE_HOLDS_INT (&value) && g_value_get_int (&value) == e->value);
            g_value_unset (&value);
          }
      }
      break;

    default:
      {
        gpointer value = NULL;

        /* The pointer API on a GValue table: a copy of the GValue. */
        CHECK (wk_key_table_pop (S.kt[t].table, S.slots[slot].obj, &value) == present);
        if (present)
          {
            CHECK (G_VALUE_HOLDS_INT ((GValue *) value));
            CHECK (g_value_get_int (value) == e->value);
            g_boxed_free (G_TYPE_VALUE, value);
          }
      }
      break;
    }

  e->stamp = 0;
}

static void
op_kt_lookup (void)
{
  guint t = rnd (N_KT);
  gint slot = pick_slot (TRUE);
  KtEntry *e;
  gpointer value = NULL;
  gboolean present;

  if (slot < 0)
    return;

  e = &S.kt[t].entries[slot];
  present = e->stamp != 0;
  CHECK (wk_key_table_contains (S.kt[t].table, S.slots[slot].obj) == present);
  CHECK (wk_key_table_lookup (S.kt[t].table, S.slots[slot].obj, &value) == present);
  if (present)
    {
      CHECK (G_VALUE_HOLDS_INT ((GValue *) value));
      CHECK (g_value_get_int (value) == e->value);
      g_boxed_free (G_TYPE_VALUE, value);
    }
}

static void
op_kt_lookup_or_insert (void)
{
  guint t = rnd (N_KT);
  gint slot = pick_slot (TRUE);
  KtEntry *e;
  GValue value = G_VALUE_INIT;
  GValue result = G_VALUE_INIT;
  gint v = rnd (1000000);
  gboolean present;

  if (slot < 0)
    return;

  e = &S.kt[t].entries[slot];
  present = e->stamp != 0;
  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, v);

  CHECK (wk_key_table_lookup_or_insert_value (S.kt[t].table, S.slots[slot].obj,
                                              &value, &result) == !present);
  CHECK (G_VALUE_HOLDS_INT (&result));
  CHECK (g_value_get_int (&result) == (present ? e->value : v));
  g_value_unset (&result);
  g_value_unset (&value);

  if (!present)
    {
      e->stamp = ++S.last_stamp;
      e->value = v;
    }
}

/* Sets. */

static gboolean
set_accepts (guint  index,
             guint  slot)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (S.slots[slot].obj, S.sets[index].member_type);
}

/* The message a typed set gives for a member of the wrong type: all the
 * objects of the test are WkTestObjects or TestSubs. */
static void
expect_wrong_type (const char *function,
                   const char *argument)
{
  char *message = g_strdup_printf ("%s: %s must be a TestSub, not a WkTestObject",
                                   function, argument);

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, message);
  g_free (message);
}

static void
op_set_add (void)
{
  guint index = rnd (N_SETS);
  gint slot = pick_slot (TRUE);
  SetModel *m = &S.sets[index];

  if (slot < 0)
    return;

  if (!set_accepts (index, slot))
    {
      /* Bad input changes nothing. */
      expect_wrong_type ("wk_set_add", "object");
      CHECK (!wk_set_add (m->set, S.slots[slot].obj));
      g_test_assert_expected_messages ();
      return;
    }

  CHECK (wk_set_add (m->set, S.slots[slot].obj) == (m->stamps[slot] == 0));
  if (m->stamps[slot] == 0)
    m->stamps[slot] = ++S.last_stamp;
}

static void
op_set_remove (void)
{
  guint index = rnd (N_SETS);
  gint slot = pick_slot (TRUE);
  SetModel *m = &S.sets[index];

  if (slot < 0)
    return;

  CHECK (wk_set_remove (m->set, S.slots[slot].obj) == (m->stamps[slot] != 0));
  m->stamps[slot] = 0;
}

static void
op_set_contains (void)
{
  guint index = rnd (N_SETS);
  gint slot = pick_slot (TRUE);

  if (slot < 0)
    return;

  CHECK (wk_set_contains (S.sets[index].set, S.slots[slot].obj) ==
         (S.sets[index].stamps[slot] != 0));
}

/* The live members of a set, in insertion order. */
static GArray *
set_live_order (guint index)
{
  GArray *order = g_array_new (FALSE, FALSE, sizeof (guint));
  Row *rows;

  g_array_set_size (S.rows, 0);
  for (guint s = 0; s < N_SLOTS; s++)
    if (S.sets[index].stamps[s] != 0)
      add_row (S.sets[index].stamps[s], s, TRUE);
  rows = sorted_rows ();
  for (guint i = 0; i < S.rows->len; i++)
    g_array_append_val (order, rows[i].a);

  return order;
}

static void
op_set_pop (void)
{
  guint index = rnd (N_SETS);
  GArray *order = set_live_order (index);
  GObject *got = wk_set_pop (S.sets[index].set);

  /* The oldest live member. */
  if (order->len == 0)
    {
      CHECK (got == NULL);
    }
  else
    {
      guint slot = g_array_index (order, guint, 0);

      CHECK (got == S.slots[slot].obj);
      S.sets[index].stamps[slot] = 0;
      g_object_unref (got);
    }

  g_array_unref (order);
}

/* Clear, destroy. */

static void
op_clear (void)
{
  container_clear (rnd (3), rnd (3));
}

static void
op_destroy (void)
{
  Kind kind = rnd (3);
  guint index = rnd (3);

  container_destroy (kind, index);
  container_create (kind, index);
}

/* Set algebra. */

static gboolean
list_has (GArray *list,
          guint   slot)
{
  for (guint i = 0; i < list->len; i++)
    if (g_array_index (list, guint, i) == slot)
      return TRUE;

  return FALSE;
}

static void
list_remove (GArray *list,
             guint   slot)
{
  for (guint i = 0; i < list->len; i++)
    if (g_array_index (list, guint, i) == slot)
      {
        g_array_remove_index (list, i);
        return;
      }
}

static gboolean
all_accepted (guint   index,
              GArray *slots)
{
  for (guint i = 0; i < slots->len; i++)
    if (!set_accepts (index, g_array_index (slots, guint, i)))
      return FALSE;

  return TRUE;
}

/* A set made by an operation must hold @expected, in this order, and be
 * finalized when dropped. */
static void
check_result_set (WkSet  *result,
                  guint   a,
                  GArray *expected)
{
  GPtrArray *members;

  CHECK (result != NULL);
  CHECK (wk_set_get_member_type (result) == S.sets[a].member_type);
  CHECK (wk_set_get_size (result) == expected->len);

  members = wk_set_dup_members (result);
  CHECK (members->len == expected->len);
  g_array_set_size (S.rows, 0);
  for (guint i = 0; i < expected->len; i++)
    {
      guint slot = g_array_index (expected, guint, i);

      CHECK (g_ptr_array_index (members, i) == S.slots[slot].obj);
      CHECK (wk_set_contains (result, S.slots[slot].obj));
      add_row (i + 1, slot, TRUE);
    }
  g_ptr_array_unref (members);

  check_set_rows (result, NULL, (Row *) (gpointer) S.rows->data, S.rows->len);
  finalize_or_fail (result);
}

static void
op_algebra (void)
{
  guint a = rnd (N_SETS);
  guint b = chance (10) ? a : (a + 1 + rnd (N_SETS - 1)) % N_SETS;
  WkSet *sa = S.sets[a].set;
  WkSet *sb = S.sets[b].set;
  GArray *order_a = set_live_order (a);
  GArray *order_b = set_live_order (b);
  GArray *list = NULL;
  WkSet *result;

  switch (rnd (12))
    {
    case 0:
      if (!all_accepted (a, order_b))
        {
          expect_wrong_type ("wk_set_update", "other");
          wk_set_update (sa, sb);
          g_test_assert_expected_messages ();
          break;
        }
      wk_set_update (sa, sb);
      for (guint i = 0; i < order_b->len; i++)
        {
          guint slot = g_array_index (order_b, guint, i);

          if (S.sets[a].stamps[slot] == 0)
            S.sets[a].stamps[slot] = ++S.last_stamp;
        }
      break;

    case 1:
      wk_set_intersection_update (sa, sb);
      for (guint i = 0; i < order_a->len; i++)
        {
          guint slot = g_array_index (order_a, guint, i);

          if (S.sets[b].stamps[slot] == 0)
            S.sets[a].stamps[slot] = 0;
        }
      break;

    case 2:
      wk_set_difference_update (sa, sb);
      for (guint i = 0; i < order_b->len; i++)
        S.sets[a].stamps[g_array_index (order_b, guint, i)] = 0;
      break;

    case 3:
      if (!all_accepted (a, order_b))
        {
          expect_wrong_type ("wk_set_symmetric_difference_update", "other");
          wk_set_symmetric_difference_update (sa, sb);
          g_test_assert_expected_messages ();
          break;
        }
      wk_set_symmetric_difference_update (sa, sb);
      for (guint i = 0; i < order_b->len; i++)
        {
          guint slot = g_array_index (order_b, guint, i);

          if (S.sets[a].stamps[slot] != 0)
            S.sets[a].stamps[slot] = 0;
          else
            S.sets[a].stamps[slot] = ++S.last_stamp;
        }
      break;

    case 4:
      if (!all_accepted (a, order_b))
        {
          expect_wrong_type ("wk_set_union", "other");
          result = wk_set_union (sa, sb);
          g_test_assert_expected_messages ();
          CHECK (result == NULL);
          break;
        }
      result = wk_set_union (sa, sb);
      list = g_array_copy (order_a);
      for (guint i = 0; i < order_b->len; i++)
        if (!list_has (list, g_array_index (order_b, guint, i)))
          g_array_append_val (list, g_array_index (order_b, guint, i));
      check_result_set (result, a, list);
      break;

    case 5:
      result = wk_set_intersection (sa, sb);
      list = g_array_new (FALSE, FALSE, sizeof (guint));
      for (guint i = 0; i < order_a->len; i++)
        if (S.sets[b].stamps[g_array_index (order_a, guint, i)] != 0)
          g_array_append_val (list, g_array_index (order_a, guint, i));
      check_result_set (result, a, list);
      break;

    case 6:
      result = wk_set_difference (sa, sb);
      list = g_array_new (FALSE, FALSE, sizeof (guint));
      for (guint i = 0; i < order_a->len; i++)
        if (S.sets[b].stamps[g_array_index (order_a, guint, i)] == 0)
          g_array_append_val (list, g_array_index (order_a, guint, i));
      check_result_set (result, a, list);
      break;

    case 7:
      if (!all_accepted (a, order_b))
        {
          expect_wrong_type ("wk_set_symmetric_difference", "other");
          result = wk_set_symmetric_difference (sa, sb);
          g_test_assert_expected_messages ();
          CHECK (result == NULL);
          break;
        }
      result = wk_set_symmetric_difference (sa, sb);
      list = g_array_copy (order_a);
      for (guint i = 0; i < order_b->len; i++)
        {
          guint slot = g_array_index (order_b, guint, i);

          if (list_has (list, slot))
            list_remove (list, slot);
          else
            g_array_append_val (list, slot);
        }
      check_result_set (result, a, list);
      break;

    case 8:
      {
        gboolean subset = TRUE;

        for (guint i = 0; i < order_a->len; i++)
          if (S.sets[b].stamps[g_array_index (order_a, guint, i)] == 0)
            subset = FALSE;
        CHECK (wk_set_is_subset (sa, sb) == subset);
        CHECK (wk_set_is_superset (sb, sa) == subset);
      }
      break;

    case 9:
      {
        gboolean superset = TRUE;

        for (guint i = 0; i < order_b->len; i++)
          if (S.sets[a].stamps[g_array_index (order_b, guint, i)] == 0)
            superset = FALSE;
        CHECK (wk_set_is_superset (sa, sb) == superset);
      }
      break;

    case 10:
      {
        gboolean disjoint = TRUE;

        for (guint i = 0; i < order_a->len; i++)
          if (S.sets[b].stamps[g_array_index (order_a, guint, i)] != 0)
            disjoint = FALSE;
        CHECK (wk_set_is_disjoint (sa, sb) == disjoint);
        CHECK (wk_set_is_disjoint (sb, sa) == disjoint);
      }
      break;

    default:
      {
        gboolean equal = order_a->len == order_b->len;

        for (guint i = 0; i < order_a->len; i++)
          if (S.sets[b].stamps[g_array_index (order_a, guint, i)] == 0)
            equal = FALSE;
        CHECK (wk_set_equal (sa, sb) == equal);
        CHECK (wk_set_equal (sb, sa) == equal);
      }
      break;
    }

  g_clear_pointer (&list, g_array_unref);
  g_array_unref (order_a);
  g_array_unref (order_b);
}

/* Walks: iterators, foreach and snapshots, compared with the model in
 * insertion order, with members dying, entries added or the container
 * dropped halfway. */

typedef enum
{
  ACT_NONE,
  ACT_KILL,      /* a live object dies: skipped if not visited yet */
  ACT_INSERT,    /* a new entry: not in the snapshot, never visited */
  ACT_DESTROY,   /* the container is dropped: the walk goes on */
  ACT_STOP,      /* the iterator is cleared early */
} WalkAction;

typedef struct
{
  guint   key;
  guint   slot;
  guint   serial;
  gint    value;
} WalkItem;

typedef struct
{
  Kind       kind;
  guint      index;
  GArray    *expected;   /* WalkItem */
  guint      pos;
  guint      n_visited;
  guint      act_at;
  WalkAction action;
  gboolean   stopped;
  gpointer   kill_watch;
} Walk;

static gboolean
walk_item_alive (const WalkItem *item)
{
  return S.slots[item->slot].obj != NULL && S.slots[item->slot].serial == item->serial;
}

static void
walk_build (Walk *w)
{
  Row *rows;

  w->expected = g_array_new (FALSE, FALSE, sizeof (WalkItem));
  g_array_set_size (S.rows, 0);

  switch (w->kind)
    {
    case KIND_VT:
      for (guint k = 0; k < N_KEYS; k++)
        if (S.vt[w->index].entries[k].state == VT_LIVE)
          add_row (S.vt[w->index].entries[k].stamp, k, 0);
      rows = sorted_rows ();
      for (guint i = 0; i < S.rows->len; i++)
        {
          VtEntry *e = &S.vt[w->index].entries[rows[i].a];
          WalkItem item = { rows[i].a, e->slot, e->serial, 0 };

          g_array_append_val (w->expected, item);
        }
      break;

    case KIND_KT:
      for (guint s = 0; s < N_SLOTS; s++)
        if (S.kt[w->index].entries[s].stamp != 0)
          add_row (S.kt[w->index].entries[s].stamp, s, S.kt[w->index].entries[s].value);
      rows = sorted_rows ();
      for (guint i = 0; i < S.rows->len; i++)
        {
          WalkItem item = { 0, rows[i].a, S.slots[rows[i].a].serial, rows[i].b };

          g_array_append_val (w->expected, item);
        }
      break;

    case KIND_SET:
      for (guint s = 0; s < N_SLOTS; s++)
        if (S.sets[w->index].stamps[s] != 0)
          add_row (S.sets[w->index].stamps[s], s, TRUE);
      rows = sorted_rows ();
      for (guint i = 0; i < S.rows->len; i++)
        {
          WalkItem item = { 0, rows[i].a, S.slots[rows[i].a].serial, 0 };

          g_array_append_val (w->expected, item);
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Adds to the walked container an entry it has not: never visited. */
static void
walk_insert (Walk *w)
{
  gint slot = pick_slot (TRUE);

  if (slot < 0)
    return;

  switch (w->kind)
    {
    case KIND_VT:
      {
        guint start = rnd (N_KEYS);

        for (guint i = 0; i < N_KEYS; i++)
          {
            guint k = (start + i) % N_KEYS;
            VtEntry *e = &S.vt[w->index].entries[k];

            if (e->state == VT_LIVE)
              continue;
            CHECK (wk_value_table_insert (S.vt[w->index].table, S.keys[k], S.slots[slot].obj));
            vt_set (e, slot);
            break;
          }
      }
      break;

    case KIND_KT:
      if (S.kt[w->index].entries[slot].stamp == 0)
        {
          GValue value = G_VALUE_INIT;
          gint v = rnd (1000000);

          g_value_init (&value, G_TYPE_INT);
          g_value_set_int (&value, v);
          CHECK (wk_key_table_insert_value (S.kt[w->index].table, S.slots[slot].obj, &value));
          g_value_unset (&value);
          S.kt[w->index].entries[slot].stamp = ++S.last_stamp;
          S.kt[w->index].entries[slot].value = v;
        }
      break;

    case KIND_SET:
      if (S.sets[w->index].stamps[slot] == 0 && set_accepts (w->index, slot))
        {
          CHECK (wk_set_add (S.sets[w->index].set, S.slots[slot].obj));
          S.sets[w->index].stamps[slot] = ++S.last_stamp;
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
walk_act (Walk *w)
{
  switch (w->action)
    {
    case ACT_NONE:
      break;

    case ACT_KILL:
      {
        gint slot = pick_slot (TRUE);
        GObject *obj;

        if (slot < 0)
          break;
        /* If it is the current member, the walk holds it: it dies at the
         * next step. */
        obj = S.slots[slot].obj;
        S.slots[slot].obj = NULL;
        model_died (slot, TRUE);
        w->kill_watch = obj;
        g_object_add_weak_pointer (obj, &w->kill_watch);
        g_object_unref (obj);
      }
      break;

    case ACT_INSERT:
      walk_insert (w);
      break;

    case ACT_DESTROY:
      container_destroy (w->kind, w->index);
      container_create (w->kind, w->index);
      break;

    case ACT_STOP:
      w->stopped = TRUE;
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
walk_visit (Walk          *w,
            gconstpointer  key,
            gpointer       object,
            const GValue  *value)
{
  const WalkItem *item;

  CHECK (!w->stopped);
  CHECK (G_IS_OBJECT (object));
  CHECK (g_atomic_int_get (&G_OBJECT (object)->ref_count) > 0);

  /* Entries whose object died during the walk are skipped. */
  while (w->pos < w->expected->len &&
         !walk_item_alive (&g_array_index (w->expected, WalkItem, w->pos)))
    w->pos++;
  CHECK (w->pos < w->expected->len);
  item = &g_array_index (w->expected, WalkItem, w->pos++);

  CHECK (object == S.slots[item->slot].obj);
  switch (w->kind)
    {
    case KIND_VT:
      CHECK (strcmp (key, S.keys[item->key]) == 0);
      break;

    case KIND_KT:
      CHECK (G_VALUE_HOLDS_INT (value));
      CHECK (g_value_get_int (value) == item->value);
      break;

    case KIND_SET:
      break;

    default:
      g_assert_not_reached ();
    }

  if (++w->n_visited == w->act_at)
    walk_act (w);
}

static void
walk_vt_cb (gconstpointer key,
            gpointer      object,
            gpointer      user_data)
{
  walk_visit (user_data, key, object, NULL);
}

static void
walk_kt_cb (gpointer key,
            gpointer value,
            gpointer user_data)
{
  walk_visit (user_data, NULL, key, value);
}

static void
walk_set_cb (gpointer object,
             gpointer user_data)
{
  walk_visit (user_data, NULL, object, NULL);
}

static void
walk_iterate (Walk *w)
{
  switch (w->kind)
    {
    case KIND_VT:
      {
        WkValueTableIter iter;
        gconstpointer key;
        gpointer object;

        wk_value_table_iter_init (&iter, S.vt[w->index].table);
        while (!w->stopped && wk_value_table_iter_next (&iter, &key, &object))
          walk_visit (w, key, object, NULL);
        wk_value_table_iter_clear (&iter);
      }
      break;

    case KIND_KT:
      {
        WkKeyTableIter iter;
        gpointer key;
        gpointer value;

        wk_key_table_iter_init (&iter, S.kt[w->index].table);
        while (!w->stopped && wk_key_table_iter_next (&iter, &key, &value))
          walk_visit (w, NULL, key, value);
        wk_key_table_iter_clear (&iter);
      }
      break;

    case KIND_SET:
      {
        g_auto(WkSetIter) iter = { 0, };
        gpointer object;

        wk_set_iter_init (&iter, S.sets[w->index].set);
        while (!w->stopped && wk_set_iter_next (&iter, &object))
          walk_visit (w, NULL, object, NULL);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
walk_foreach (Walk *w)
{
  switch (w->kind)
    {
    case KIND_VT:
      wk_value_table_foreach (S.vt[w->index].table, walk_vt_cb, w);
      break;

    case KIND_KT:
      wk_key_table_foreach (S.kt[w->index].table, walk_kt_cb, w);
      break;

    case KIND_SET:
      wk_set_foreach (S.sets[w->index].set, walk_set_cb, w);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* The snapshots that the per-step check does not use. */
static void
walk_snapshots (Walk *w)
{
  const WalkItem *items = (const WalkItem *) (gpointer) w->expected->data;
  guint n = w->expected->len;

  switch (w->kind)
    {
    case KIND_VT:
      {
        GPtrArray *keys = wk_value_table_dup_keys (S.vt[w->index].table);
        GPtrArray *values = wk_value_table_dup_values (S.vt[w->index].table);
        GPtrArray *keys_only = NULL;

        wk_value_table_dup_entries (S.vt[w->index].table, &keys_only, NULL);
        CHECK (keys->len == n && values->len == n && keys_only->len == n);
        for (guint i = 0; i < n; i++)
          {
            CHECK (strcmp (g_ptr_array_index (keys, i), S.keys[items[i].key]) == 0);
            CHECK (strcmp (g_ptr_array_index (keys_only, i), S.keys[items[i].key]) == 0);
            CHECK (g_ptr_array_index (values, i) == S.slots[items[i].slot].obj);
          }
        g_ptr_array_unref (keys);
        g_ptr_array_unref (values);
        g_ptr_array_unref (keys_only);
      }
      break;

    case KIND_KT:
      {
        GPtrArray *keys = wk_key_table_dup_keys (S.kt[w->index].table);
        GPtrArray *values = NULL;

        wk_key_table_dup_entries (S.kt[w->index].table, NULL, &values);
        CHECK (keys->len == n && values->len == n);
        for (guint i = 0; i < n; i++)
          {
            CHECK (g_ptr_array_index (keys, i) == S.slots[items[i].slot].obj);
            CHECK (g_value_get_int (g_ptr_array_index (values, i)) == items[i].value);
          }
        g_ptr_array_unref (keys);
        g_ptr_array_unref (values);
      }
      break;

    case KIND_SET:
      {
        GPtrArray *members = wk_set_dup_members (S.sets[w->index].set);

        CHECK (members->len == n);
        for (guint i = 0; i < n; i++)
          CHECK (g_ptr_array_index (members, i) == S.slots[items[i].slot].obj);
        g_ptr_array_unref (members);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  w->pos = n;
}

static void
op_walk (void)
{
  Walk w = { 0, };
  guint mode = rnd (10);
  gboolean use_foreach = FALSE;

  w.kind = rnd (3);
  w.index = rnd (3);
  walk_build (&w);
  w.act_at = w.expected->len > 0 ? 1 + rnd (w.expected->len) : 0;

  switch (mode)
    {
    case 0: w.action = ACT_NONE; break;
    case 1: w.action = ACT_NONE; use_foreach = TRUE; break;
    case 2: w.action = ACT_STOP; break;
    case 3: w.action = ACT_KILL; break;
    case 4: w.action = ACT_KILL; use_foreach = TRUE; break;
    case 5: w.action = ACT_INSERT; break;
    case 6: w.action = ACT_INSERT; use_foreach = TRUE; break;
    case 7: w.action = ACT_DESTROY; break;
    case 8: w.action = ACT_DESTROY; use_foreach = TRUE; break;
    default: w.action = ACT_NONE; break;
    }

  if (mode == 9)
    walk_snapshots (&w);
  else if (use_foreach)
    walk_foreach (&w);
  else
    walk_iterate (&w);

  /* A member that died halfway is gone once the walk ended. */
  CHECK (w.kill_watch == NULL);

  if (!w.stopped)
    {
      while (w.pos < w.expected->len &&
             !walk_item_alive (&g_array_index (w.expected, WalkItem, w.pos)))
        w.pos++;
      /* No live member skipped. */
      CHECK (w.pos == w.expected->len);
    }

  g_array_unref (w.expected);
}

/* The driver. */

typedef enum
{
  OP_CREATE,
  OP_KILL,
  OP_KILL_ELSEWHERE,
  OP_RUN_DISPOSE,
  OP_DRAIN,
  OP_VT_INSERT,
  OP_VT_REMOVE,
  OP_VT_POP,
  OP_VT_LOOKUP,
  OP_VT_LOOKUP_OR_INSERT,
  OP_KT_INSERT,
  OP_KT_REMOVE,
  OP_KT_LOOKUP,
  OP_KT_LOOKUP_OR_INSERT,
  OP_SET_ADD,
  OP_SET_REMOVE,
  OP_SET_CONTAINS,
  OP_SET_POP,
  OP_CLEAR,
  OP_DESTROY,
  OP_ALGEBRA,
  OP_WALK,
  N_OPS
} Op;

static const struct
{
  const char *name;
  guint       weight;
} ops[N_OPS] = {
  [OP_CREATE]             = { "create object", 80 },
  [OP_KILL]               = { "drop last reference", 55 },
  [OP_KILL_ELSEWHERE]     = { "drop last reference on another thread", 15 },
  [OP_RUN_DISPOSE]        = { "g_object_run_dispose", 10 },
  [OP_DRAIN]              = { "iterate the main context", 15 },
  [OP_VT_INSERT]          = { "value table insert", 100 },
  [OP_VT_REMOVE]          = { "value table remove", 25 },
  [OP_VT_POP]             = { "value table pop", 25 },
  [OP_VT_LOOKUP]          = { "value table lookup", 20 },
  [OP_VT_LOOKUP_OR_INSERT] = { "value table lookup_or_insert", 30 },
  [OP_KT_INSERT]          = { "key table insert", 100 },
  [OP_KT_REMOVE]          = { "key table remove / pop", 45 },
  [OP_KT_LOOKUP]          = { "key table lookup", 20 },
  [OP_KT_LOOKUP_OR_INSERT] = { "key table lookup_or_insert", 30 },
  [OP_SET_ADD]            = { "set add", 100 },
  [OP_SET_REMOVE]         = { "set remove", 40 },
  [OP_SET_CONTAINS]       = { "set contains", 20 },
  [OP_SET_POP]            = { "set pop", 15 },
  [OP_CLEAR]              = { "remove_all", 3 },
  [OP_DESTROY]            = { "destroy and recreate a container", 2 },
  [OP_ALGEBRA]            = { "set algebra", 15 },
  [OP_WALK]               = { "iterate / foreach / snapshot", 25 },
};

static Op
pick_op (void)
{
  guint total = 0;
  guint r;

  for (guint i = 0; i < N_OPS; i++)
    total += ops[i].weight;

  r = rnd (total);
  for (guint i = 0; i < N_OPS; i++)
    {
      if (r < ops[i].weight)
        return i;
      r -= ops[i].weight;
    }

  g_assert_not_reached ();
}

static void
run_op (Op op)
{
  switch (op)
    {
    case OP_CREATE: op_create (); break;
    case OP_KILL: op_kill (); break;
    case OP_KILL_ELSEWHERE: op_kill_elsewhere (); break;
    case OP_RUN_DISPOSE: op_run_dispose (); break;
    case OP_DRAIN: op_drain (); break;
    case OP_VT_INSERT: op_vt_insert (); break;
    case OP_VT_REMOVE: op_vt_remove (FALSE); break;
    case OP_VT_POP: op_vt_remove (TRUE); break;
    case OP_VT_LOOKUP: op_vt_lookup (); break;
    case OP_VT_LOOKUP_OR_INSERT: op_vt_lookup_or_insert (); break;
    case OP_KT_INSERT: op_kt_insert (); break;
    case OP_KT_REMOVE: op_kt_remove (); break;
    case OP_KT_LOOKUP: op_kt_lookup (); break;
    case OP_KT_LOOKUP_OR_INSERT: op_kt_lookup_or_insert (); break;
    case OP_SET_ADD: op_set_add (); break;
    case OP_SET_REMOVE: op_set_remove (); break;
    case OP_SET_CONTAINS: op_set_contains (); break;
    case OP_SET_POP: op_set_pop (); break;
    case OP_CLEAR: op_clear (); break;
    case OP_DESTROY: op_destroy (); break;
    case OP_ALGEBRA: op_algebra (); break;
    case OP_WALK: op_walk (); break;
    case N_OPS:
    default:
      g_assert_not_reached ();
    }
}

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *str = g_getenv (name);
  guint64 value;
  GError *error = NULL;

  if (str == NULL || *str == '\0')
    return fallback;

  if (!g_ascii_string_to_unsigned (str, 10, 0, G_MAXUINT32, &value, &error))
    g_error ("%s: %s", name, error->message);

  return value;
}

static void
test_random_model (void)
{
  guint n_ops = env_uint ("WOBJ_RANDOM_OPS", DEFAULT_OPS);
  guint op_counts[N_OPS] = { 0, };
  gint64 start;

  S.seed = env_uint ("WOBJ_RANDOM_SEED", DEFAULT_SEED);
  n_ops = wk_test_scaled (n_ops);

  g_test_message ("seed %u (WOBJ_RANDOM_SEED), %u operations (WOBJ_RANDOM_OPS)",
                  S.seed, n_ops);

  S.rand = g_rand_new_with_seed (S.seed);
  S.main_thread = g_thread_self ();
  S.n_finalized_before = wk_test_object_n_finalized ();
  S.expected = g_array_new (FALSE, FALSE, sizeof (guint64));
  S.actual = g_array_new (FALSE, FALSE, sizeof (guint64));
  S.rows = g_array_new (FALSE, FALSE, sizeof (Row));
  for (guint k = 0; k < N_KEYS; k++)
    S.keys[k] = g_strdup_printf ("k%u", k);
  for (guint t = 0; t < N_KT; t++)
    S.kt[t].pending = g_array_new (FALSE, FALSE, sizeof (gint));
  for (guint s = 0; s < N_SETS; s++)
    S.sets[s].pending = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint i = 0; i < 3; i++)
    {
      container_create (KIND_VT, i);
      container_create (KIND_KT, i);
      container_create (KIND_SET, i);
    }
  for (guint s = 0; s < N_SLOTS / 2; s++)
    fill_slot (s, new_object ());
  check_all ();

  /* GLib's fatal criticals trap, assertions abort. */
  signal (SIGABRT, crash_handler);
  signal (SIGSEGV, crash_handler);
  signal (SIGTRAP, crash_handler);

  start = g_get_monotonic_time ();
  for (S.step = 0; S.step < n_ops; S.step++)
    {
      Op op = pick_op ();

      S.op = ops[op].name;
      op_counts[op]++;
      run_op (op);
      check_all ();
    }

  S.op = "teardown";
  g_test_message ("%u operations in %.2f s",
                  n_ops, (g_get_monotonic_time () - start) / 1e6);
  for (guint i = 0; i < N_OPS; i++)
    g_test_message ("  %-40s %u", ops[i].name, op_counts[i]);

  /* Pending deaths arrive; then everything goes. */
  op_drain ();
  check_all ();

  for (guint i = 0; i < 3; i++)
    {
      container_destroy (KIND_VT, i);
      container_destroy (KIND_KT, i);
      container_destroy (KIND_SET, i);
    }
  for (guint s = 0; s < N_SLOTS; s++)
    if (S.slots[s].obj != NULL)
      finalize_or_fail (g_steal_pointer (&S.slots[s].obj));
  wk_test_drain_context (NULL);

  CHECK (S.actual->len == 0);
  CHECK (n_objects_alive () == 0);

  signal (SIGABRT, SIG_DFL);
  signal (SIGSEGV, SIG_DFL);
  signal (SIGTRAP, SIG_DFL);

  for (guint k = 0; k < N_KEYS; k++)
    g_free (S.keys[k]);
  for (guint t = 0; t < N_KT; t++)
    g_array_unref (S.kt[t].pending);
  for (guint s = 0; s < N_SETS; s++)
    g_array_unref (S.sets[s].pending);
  g_array_unref (S.expected);
  g_array_unref (S.actual);
  g_array_unref (S.rows);
  g_rand_free (S.rand);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Wobj/Random/model", test_random_model);

  return g_test_run ();
}

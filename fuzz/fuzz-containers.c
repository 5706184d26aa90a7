/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-containers.c: a libFuzzer harness for WkRef, WkValueTable,
 * WkKeyTable and WkSet, checked against a reference model.
 *
 * The input is a sequence of operations, one byte of opcode followed by
 * its argument bytes (a missing byte reads as 0). Every operation is
 * applied to the real containers and to the model; after each one the
 * whole state (contents, sizes, iteration, snapshots, the set's list
 * model, the references, the object-finalized signal counts) is compared
 * and any difference aborts. At the end of the input everything is
 * dropped and every object and container must have been finalized, so
 * that no state leaks into the next input.
 *
 * Built two ways: with -fsanitize=fuzzer (LLVMFuzzerTestOneInput is the
 * entry point) and with standalone-main.c, a plain main() that runs input
 * files (the seed corpus and fuzz/regressions/) as a meson test.
 *
 * Input format: see the OP_* list below; fuzz/make-corpus.py writes the
 * seed corpus with the same numbering.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wobj.h>

#include "fuzz-containers.h"

#define N_SLOTS 8
#define N_KEYS  6
#define N_REFS  4
#define N_SETS  2
#define MAX_OPS 600
#define HANDLER_BUDGET 4
#define DRAIN_LIMIT 1000

#define FUZZ_CHECK(cond)                                                  \
  G_STMT_START {                                                          \
    if (G_UNLIKELY (!(cond)))                                             \
      {                                                                   \
        fprintf (stderr, "fuzz-containers: %s:%d: check failed: %s (op %u)\n", \
                 __FILE__, __LINE__, #cond, st.op_index);                 \
        abort ();                                                         \
      }                                                                   \
  } G_STMT_END

/* ---- Two local object types: FuzzA (the typed set's member type) and
 * FuzzB (another GObject subclass). Each counts its live instances and
 * reports its own finalization. */

typedef struct
{
  GObject   parent_instance;
  gboolean *finalized_out;
} FuzzObj;

typedef struct
{
  GObjectClass parent_class;
} FuzzObjClass;

static gint n_live_objects;

static void
fuzz_obj_finalize_common (GObject *object)
{
  FuzzObj *self = (FuzzObj *) object;

  if (self->finalized_out != NULL)
    *self->finalized_out = TRUE;
  g_atomic_int_add (&n_live_objects, -1);
}

GType fuzz_a_get_type (void);
GType fuzz_b_get_type (void);
G_DEFINE_TYPE (FuzzObj, fuzz_a, G_TYPE_OBJECT)

typedef FuzzObj FuzzB;
typedef FuzzObjClass FuzzBClass;
G_DEFINE_TYPE (FuzzB, fuzz_b, G_TYPE_OBJECT)

static void
fuzz_a_finalize (GObject *object)
{
  fuzz_obj_finalize_common (object);
  G_OBJECT_CLASS (fuzz_a_parent_class)->finalize (object);
}

static void
fuzz_a_class_init (FuzzObjClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fuzz_a_finalize;
}

static void
fuzz_a_init (FuzzObj *self)
{
  g_atomic_int_inc (&n_live_objects);
}

static void
fuzz_b_finalize (GObject *object)
{
  fuzz_obj_finalize_common (object);
  G_OBJECT_CLASS (fuzz_b_parent_class)->finalize (object);
}

static void
fuzz_b_class_init (FuzzBClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fuzz_b_finalize;
}

static void
fuzz_b_init (FuzzB *self)
{
  g_atomic_int_inc (&n_live_objects);
}

/* ---- The model ---- */

typedef struct
{
  guint64 exp_sig;
  guint64 obs_sig;
  guint64 exp_sum;    /* key index sum (value table), value sum (key table) */
  guint64 obs_sum;
  gboolean slack;     /* a handler changed the container during a death */
} SigCount;

typedef struct
{
  WkRef   *ref;
  int      target;    /* slot, or -1 once dead */
  int      cb_mode;
  int      cb_arg;
  guint    exp_cb, obs_cb;
  guint    exp_sig, obs_sig;
  gboolean slack;
  gboolean order_ok;  /* callback seen before the signal */
} RefRec;

enum { C_VT, C_KT, C_SET0, C_SET1, N_CONTAINERS };

typedef struct
{
  GThread      *main_thread;
  guint         op_index;

  GObject      *obj[N_SLOTS];
  gboolean      is_a[N_SLOTS];

  WkValueTable *vt;
  int           vt_m[N_KEYS];           /* slot or -1 */

  WkKeyTable   *kt;
  gboolean      kt_has[N_SLOTS];
  int           kt_val[N_SLOTS];

  WkSet        *set[N_SETS];
  guint64       seq[N_SETS][N_SLOTS];   /* insertion order, 0 = absent */
  GPtrArray    *mirror[N_SETS];         /* the rows, kept by items-changed */
  guint64       next_seq;

  SigCount      sig[N_CONTAINERS];

  RefRec       *refs[N_REFS];
  GPtrArray    *all_refs;                /* every RefRec of this input */

  int           h_mode[N_CONTAINERS];
  int           h_arg[N_CONTAINERS];
  int           h_budget;
  int           in_handler;

  /* Objects something else holds for the moment (the current item of a
   * walk, an object in g_object_run_dispose()): not killed meanwhile. */
  gpointer      pinned[2];
} State;

static State st;

/* Whether the object of slot @s is in its own g_object_run_dispose(): a
 * handler of its death can't hold it anew (wobj refuses, see the
 * regression run-dispose-reinsert). */
static gboolean
in_own_death (guint s)
{
  return st.obj[s] != NULL && st.obj[s] == st.pinned[1];
}

static const char *const key_names[N_KEYS] = { "k0", "k1", "k2", "k3", "k4", "k5" };

static gpointer
container_of (int c)
{
  switch (c)
    {
    case C_VT: return st.vt;
    case C_KT: return st.kt;
    case C_SET0: return st.set[0];
    case C_SET1: return st.set[1];
    default: g_assert_not_reached ();
    }
}

/* What the model does when the object of slot @s dies (last unref, or
 * g_object_run_dispose()): every membership goes, and each one is due one
 * signal. */
static void
model_kill (guint s)
{
  for (int k = 0; k < N_KEYS; k++)
    if (st.vt_m[k] == (int) s)
      {
        st.vt_m[k] = -1;
        st.sig[C_VT].exp_sig++;
        st.sig[C_VT].exp_sum += (guint64) k + 1;
      }
  if (st.kt_has[s])
    {
      st.kt_has[s] = FALSE;
      st.sig[C_KT].exp_sig++;
      st.sig[C_KT].exp_sum += (guint64) st.kt_val[s];
    }
  for (int j = 0; j < N_SETS; j++)
    if (st.seq[j][s] != 0)
      {
        st.seq[j][s] = 0;
        st.sig[C_SET0 + j].exp_sig++;
      }
  for (int i = 0; i < N_REFS; i++)
    {
      RefRec *r = st.refs[i];

      if (r != NULL && r->target == (int) s)
        {
          r->target = -1;
          r->exp_cb++;
          r->exp_sig++;
        }
    }
}

static int
slot_of (gpointer object)
{
  for (int s = 0; s < N_SLOTS; s++)
    if (object != NULL && st.obj[s] == object)
      return s;
  return -1;
}

/* Drops the harness's reference, the last one: the object dies now. */
static void
kill_slot (guint s)
{
  GObject *object = st.obj[s];
  gboolean finalized = FALSE;

  if (object == NULL || object == st.pinned[0] || object == st.pinned[1])
    return;
  st.obj[s] = NULL;
  model_kill (s);
  ((FuzzObj *) object)->finalized_out = &finalized;
  g_object_unref (object);
  FUZZ_CHECK (finalized);
}

static void
new_object (guint s, gboolean is_a)
{
  if (st.obj[s] != NULL)
    return;
  st.obj[s] = g_object_new (is_a ? fuzz_a_get_type () : fuzz_b_get_type (), NULL);
  st.is_a[s] = is_a;
}

static void check_main_thread (void);

/* ---- Container operations (model + real + result check). @strict is
 * FALSE inside a handler, where a dead entry may still wait for its
 * delivery and the return value of a removal is not fixed. */

static void
vt_insert (guint k, guint s)
{
  gboolean had;

  if (st.vt == NULL || st.obj[s] == NULL)
    return;
  if (in_own_death (s))
    {
      FUZZ_CHECK (!wk_value_table_insert (st.vt, key_names[k], st.obj[s]));
      return;
    }
  had = st.vt_m[k] >= 0;
  FUZZ_CHECK (wk_value_table_insert (st.vt, key_names[k], st.obj[s]) == !had);
  st.vt_m[k] = (int) s;
}

static void
vt_remove (guint k, gboolean strict)
{
  gboolean had, removed;

  if (st.vt == NULL)
    return;
  had = st.vt_m[k] >= 0;
  removed = wk_value_table_remove (st.vt, key_names[k]);
  if (strict || had)
    FUZZ_CHECK (removed == had);
  st.vt_m[k] = -1;
}

static void
vt_remove_all (void)
{
  if (st.vt == NULL)
    return;
  wk_value_table_remove_all (st.vt);
  for (int k = 0; k < N_KEYS; k++)
    st.vt_m[k] = -1;
}

static void
kt_insert (guint s, int v)
{
  GValue value = G_VALUE_INIT;

  if (st.kt == NULL || st.obj[s] == NULL)
    return;
  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, v);
  if (in_own_death (s))
    {
      FUZZ_CHECK (!wk_key_table_insert_value (st.kt, st.obj[s], &value));
      return;
    }
  FUZZ_CHECK (wk_key_table_insert_value (st.kt, st.obj[s], &value) == !st.kt_has[s]);
  st.kt_has[s] = TRUE;
  st.kt_val[s] = v;
}

static void
kt_remove (guint s)
{
  if (st.kt == NULL || st.obj[s] == NULL)
    return;
  FUZZ_CHECK (wk_key_table_remove (st.kt, st.obj[s]) == st.kt_has[s]);
  st.kt_has[s] = FALSE;
}

static void
kt_remove_all (void)
{
  if (st.kt == NULL)
    return;
  wk_key_table_remove_all (st.kt);
  memset (st.kt_has, 0, sizeof st.kt_has);
}

static void
set_add (guint j, guint s)
{
  gboolean had;

  if (st.set[j] == NULL || st.obj[s] == NULL)
    return;
  if (j == 1 && !st.is_a[s])
    return;   /* would be a g_critical: bad input */
  if (in_own_death (s))
    {
      FUZZ_CHECK (!wk_set_add (st.set[j], st.obj[s]));
      return;
    }
  had = st.seq[j][s] != 0;
  FUZZ_CHECK (wk_set_add (st.set[j], st.obj[s]) == !had);
  if (!had)
    st.seq[j][s] = ++st.next_seq;
}

static void
set_remove (guint j, guint s)
{
  if (st.set[j] == NULL || st.obj[s] == NULL)
    return;
  if (j == 1 && !st.is_a[s])
    {
      /* A member of the wrong type is never a member. */
      return;
    }
  FUZZ_CHECK (wk_set_remove (st.set[j], st.obj[s]) == (st.seq[j][s] != 0));
  st.seq[j][s] = 0;
}

static void
set_remove_all (guint j)
{
  if (st.set[j] == NULL)
    return;
  wk_set_remove_all (st.set[j]);
  memset (st.seq[j], 0, sizeof st.seq[j]);
}

/* The model's members of set @j in insertion order; returns the count. */
static guint
set_members_ordered (guint j, int out[N_SLOTS])
{
  guint n = 0;

  for (int s = 0; s < N_SLOTS; s++)
    if (st.seq[j][s] != 0)
      out[n++] = s;
  for (guint a = 1; a < n; a++)
    for (guint b = a; b > 0 && st.seq[j][out[b - 1]] > st.seq[j][out[b]]; b--)
      {
        int t = out[b];
        out[b] = out[b - 1];
        out[b - 1] = t;
      }
  return n;
}

static void
drop_container (int c)
{
  switch (c)
    {
    case C_VT:
      g_clear_object (&st.vt);
      for (int k = 0; k < N_KEYS; k++)
        st.vt_m[k] = -1;
      break;
    case C_KT:
      g_clear_object (&st.kt);
      memset (st.kt_has, 0, sizeof st.kt_has);
      break;
    case C_SET0:
    case C_SET1:
      if (st.set[c - C_SET0] != NULL)
        g_signal_handlers_disconnect_by_data (st.set[c - C_SET0], &st.mirror[c - C_SET0]);
      g_clear_object (&st.set[c - C_SET0]);
      g_clear_pointer (&st.mirror[c - C_SET0], g_ptr_array_unref);
      memset (st.seq[c - C_SET0], 0, sizeof st.seq[0]);
      break;
    default:
      g_assert_not_reached ();
    }
  memset (&st.sig[c], 0, sizeof st.sig[c]);
}

/* ---- Re-entrant handlers ---- */

static void
handler_action (int c)
{
  int mode = st.h_mode[c];
  guint arg = (guint) st.h_arg[c];

  if (mode == 0 || st.h_budget <= 0)
    return;
  st.h_budget--;
  st.in_handler++;

  switch (mode)
    {
    case 1:   /* insert / add */
      st.sig[c].slack = TRUE;
      if (c == C_VT)
        vt_insert (arg % N_KEYS, (arg / N_KEYS) % N_SLOTS);
      else if (c == C_KT)
        kt_insert (arg % N_SLOTS, (int) arg);
      else
        set_add ((guint) (c - C_SET0), arg % N_SLOTS);
      break;
    case 2:   /* remove */
      st.sig[c].slack = TRUE;
      if (c == C_VT)
        vt_remove (arg % N_KEYS, FALSE);
      else if (c == C_KT)
        kt_remove (arg % N_SLOTS);
      else
        set_remove ((guint) (c - C_SET0), arg % N_SLOTS);
      break;
    case 3:   /* clear */
      st.sig[c].slack = TRUE;
      if (c == C_VT)
        vt_remove_all ();
      else if (c == C_KT)
        kt_remove_all ();
      else
        set_remove_all ((guint) (c - C_SET0));
      break;
    case 4:   /* drop the container (it is made anew at the next op) */
      drop_container (c);
      st.h_mode[c] = 0;
      break;
    case 5:   /* kill another member: a death inside a delivery */
      kill_slot (arg % N_SLOTS);
      break;
    default:
      break;
    }

  st.in_handler--;
}

static void
check_main_thread (void)
{
  FUZZ_CHECK (g_thread_self () == st.main_thread);
}

static void
on_vt_finalized (WkValueTable *table,
                 const GValue *key,
                 gpointer      user_data)
{
  const char *name;

  check_main_thread ();
  if (table != st.vt)
    return;   /* a table a handler dropped, still delivering */
  FUZZ_CHECK (G_VALUE_HOLDS_STRING (key));
  name = g_value_get_string (key);
  FUZZ_CHECK (name != NULL && name[0] == 'k' && name[1] >= '0' && name[1] < '0' + N_KEYS && name[2] == '\0');
  st.sig[C_VT].obs_sig++;
  st.sig[C_VT].obs_sum += (guint64) (name[1] - '0') + 1;
  handler_action (C_VT);
}

static void
on_kt_finalized (WkKeyTable   *table,
                 const GValue *value,
                 gpointer      user_data)
{
  check_main_thread ();
  if (table != st.kt)
    return;
  FUZZ_CHECK (G_VALUE_HOLDS_INT (value));
  st.sig[C_KT].obs_sig++;
  st.sig[C_KT].obs_sum += (guint64) g_value_get_int (value);
  handler_action (C_KT);
}

static void
on_set_finalized (WkSet    *set,
                  gpointer  user_data)
{
  int j = GPOINTER_TO_INT (user_data);

  check_main_thread ();
  if (set != st.set[j])
    return;
  st.sig[C_SET0 + j].obs_sig++;
  handler_action (C_SET0 + j);
}

/* Keeps a copy of the rows from items-changed alone: the signal must
 * describe every change, right after it is made. */
static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  GPtrArray **mirror = user_data;

  check_main_thread ();
  FUZZ_CHECK (*mirror != NULL);
  FUZZ_CHECK (position + removed <= (*mirror)->len);
  g_ptr_array_remove_range (*mirror, position, removed);
  for (guint i = 0; i < added; i++)
    {
      gpointer item = g_list_model_get_item (model, position + i);

      FUZZ_CHECK (item != NULL);
      g_ptr_array_insert (*mirror, (gint) (position + i), item);
    }
  FUZZ_CHECK ((*mirror)->len == g_list_model_get_n_items (model));
}

static void
ensure_containers (void)
{
  if (st.vt == NULL)
    {
      st.vt = wk_value_table_new ();
      g_signal_connect (st.vt, "object-finalized", G_CALLBACK (on_vt_finalized), NULL);
    }
  if (st.kt == NULL)
    {
      st.kt = wk_key_table_new ();
      g_signal_connect (st.kt, "object-finalized", G_CALLBACK (on_kt_finalized), NULL);
    }
  for (int j = 0; j < N_SETS; j++)
    if (st.set[j] == NULL)
      {
        st.set[j] = wk_set_new (j == 0 ? G_TYPE_OBJECT : fuzz_a_get_type ());
        g_signal_connect (st.set[j], "object-finalized", G_CALLBACK (on_set_finalized),
                          GINT_TO_POINTER (j));
        st.mirror[j] = g_ptr_array_new_with_free_func (g_object_unref);
        g_signal_connect (st.set[j], "items-changed", G_CALLBACK (on_items_changed),
                          &st.mirror[j]);
      }
}

/* ---- WkRef ---- */

static void
ref_notify (WkRef    *ref,
            gpointer  user_data)
{
  RefRec *r = user_data;

  check_main_thread ();
  r->obs_cb++;
  if (r->obs_cb > r->obs_sig)
    r->order_ok = TRUE;
  if (r->ref != ref)
    return;
  FUZZ_CHECK (!wk_ref_is_alive (ref));
  if (r->cb_mode == 1)
    {
      /* Drop the reference from its own callback. */
      r->slack = TRUE;
      g_clear_object (&r->ref);
    }
  else if (r->cb_mode == 2 && st.h_budget > 0)
    {
      st.h_budget--;
      kill_slot ((guint) r->cb_arg % N_SLOTS);
    }
}

static void
on_ref_finalized (WkRef    *ref,
                  gpointer  user_data)
{
  RefRec *r = user_data;

  check_main_thread ();
  r->obs_sig++;
  /* The callback runs before the signal. */
  if (r->cb_mode != 3)
    FUZZ_CHECK (r->obs_cb >= r->obs_sig);
}

static void
ref_create (guint i, guint s, int cb_mode, int cb_arg)
{
  RefRec *r;

  /* A reference made in the object's own death is dead from the start:
   * not modelled. */
  if (st.obj[s] == NULL || in_own_death (s))
    return;
  if (st.refs[i] != NULL)
    g_clear_object (&st.refs[i]->ref);
  r = g_new0 (RefRec, 1);
  r->target = (int) s;
  r->cb_mode = cb_mode;
  r->cb_arg = cb_arg;
  if (cb_mode == 3)
    {
      r->ref = wk_ref_new (st.obj[s]);
      r->exp_cb = G_MAXUINT / 2;   /* no callback: not counted */
    }
  else
    r->ref = wk_ref_new_full (st.obj[s], ref_notify, r, NULL);
  g_signal_connect (r->ref, "object-finalized", G_CALLBACK (on_ref_finalized), r);
  g_ptr_array_add (st.all_refs, r);
  st.refs[i] = r;
}

static void
ref_drop (guint i)
{
  if (st.refs[i] == NULL)
    return;
  g_clear_object (&st.refs[i]->ref);
  st.refs[i] = NULL;
}

/* ---- Checks ---- */

static void
check_sig (SigCount *c)
{
  if (c->slack)
    {
      FUZZ_CHECK (c->obs_sig <= c->exp_sig);
      c->exp_sig = c->obs_sig;
      c->exp_sum = c->obs_sum;
      c->slack = FALSE;
    }
  FUZZ_CHECK (c->obs_sig == c->exp_sig);
  FUZZ_CHECK (c->obs_sum == c->exp_sum);
}

static gboolean
signals_pending (void)
{
  for (int c = 0; c < N_CONTAINERS; c++)
    if (st.sig[c].obs_sig < st.sig[c].exp_sig)
      return TRUE;
  for (int i = 0; i < N_REFS; i++)
    if (st.refs[i] != NULL && st.refs[i]->ref != NULL && st.refs[i]->obs_sig < st.refs[i]->exp_sig)
      return TRUE;
  return FALSE;
}

static void
check_signals (void)
{
  for (int c = 0; c < N_CONTAINERS; c++)
    check_sig (&st.sig[c]);
  for (int i = 0; i < N_REFS; i++)
    {
      RefRec *r = st.refs[i];

      if (r == NULL)
        continue;
      if (r->slack || r->ref == NULL)
        {
          FUZZ_CHECK (r->obs_sig <= r->exp_sig);
          continue;
        }
      FUZZ_CHECK (r->obs_sig == r->exp_sig);
      if (r->cb_mode != 3)
        FUZZ_CHECK (r->obs_cb == r->exp_cb);
    }
}

typedef struct
{
  guint seen[N_KEYS];
  guint n;
} VtWalk;

static void
vt_walk_one (VtWalk *w, gconstpointer key, gpointer object)
{
  int k = -1;

  for (int i = 0; i < N_KEYS; i++)
    if (g_strcmp0 (key, key_names[i]) == 0)
      k = i;
  FUZZ_CHECK (k >= 0);
  FUZZ_CHECK (st.vt_m[k] >= 0);
  FUZZ_CHECK (st.obj[st.vt_m[k]] == object);
  FUZZ_CHECK (w->seen[k] == 0);
  w->seen[k]++;
  w->n++;
}

static void
vt_foreach_cb (gconstpointer key, gpointer object, gpointer user_data)
{
  vt_walk_one (user_data, key, object);
}

static guint
vt_model_size (void)
{
  guint n = 0;

  for (int k = 0; k < N_KEYS; k++)
    n += st.vt_m[k] >= 0;
  return n;
}

static void
check_vt (void)
{
  guint n = vt_model_size ();
  WkValueTableIter iter;
  gconstpointer key;
  gpointer object;
  VtWalk w = { { 0 }, 0 };
  GPtrArray *keys = NULL, *values = NULL;

  if (st.vt == NULL)
    return;
  FUZZ_CHECK (wk_value_table_get_size (st.vt) == n);
  for (int k = 0; k < N_KEYS; k++)
    {
      gpointer got = wk_value_table_lookup (st.vt, key_names[k]);

      FUZZ_CHECK (wk_value_table_contains (st.vt, key_names[k]) == (st.vt_m[k] >= 0));
      FUZZ_CHECK (got == (st.vt_m[k] >= 0 ? st.obj[st.vt_m[k]] : NULL));
      g_clear_object (&got);
    }

  wk_value_table_iter_init (&iter, st.vt);
  while (wk_value_table_iter_next (&iter, &key, &object))
    vt_walk_one (&w, key, object);
  FUZZ_CHECK (w.n == n);

  memset (&w, 0, sizeof w);
  wk_value_table_foreach (st.vt, vt_foreach_cb, &w);
  FUZZ_CHECK (w.n == n);

  wk_value_table_dup_entries (st.vt, &keys, &values);
  FUZZ_CHECK (keys->len == n && values->len == n);
  memset (&w, 0, sizeof w);
  for (guint i = 0; i < n; i++)
    vt_walk_one (&w, g_ptr_array_index (keys, i), g_ptr_array_index (values, i));
  g_ptr_array_unref (keys);
  g_ptr_array_unref (values);

  keys = wk_value_table_dup_keys (st.vt);
  values = wk_value_table_dup_values (st.vt);
  FUZZ_CHECK (keys->len == n && values->len == n);
  g_ptr_array_unref (keys);
  g_ptr_array_unref (values);
}

typedef struct
{
  guint seen[N_SLOTS];
  guint n;
} SlotWalk;

static void
kt_walk_one (SlotWalk *w, gpointer key, const GValue *value)
{
  int s = slot_of (key);

  FUZZ_CHECK (s >= 0);
  FUZZ_CHECK (st.kt_has[s]);
  FUZZ_CHECK (G_VALUE_HOLDS_INT (value));
  FUZZ_CHECK (g_value_get_int (value) == st.kt_val[s]);
  FUZZ_CHECK (w->seen[s] == 0);
  w->seen[s]++;
  w->n++;
}

static void
kt_foreach_cb (gpointer key, gpointer value, gpointer user_data)
{
  kt_walk_one (user_data, key, value);
}

static void
check_kt (void)
{
  guint n = 0;
  WkKeyTableIter iter;
  gpointer key, value;
  SlotWalk w = { { 0 }, 0 };
  GPtrArray *keys = NULL, *values = NULL;

  if (st.kt == NULL)
    return;
  for (int s = 0; s < N_SLOTS; s++)
    n += st.kt_has[s];
  FUZZ_CHECK (wk_key_table_get_size (st.kt) == n);
  for (int s = 0; s < N_SLOTS; s++)
    {
      GValue v = G_VALUE_INIT;
      gboolean found;

      if (st.obj[s] == NULL)
        continue;
      FUZZ_CHECK (wk_key_table_contains (st.kt, st.obj[s]) == st.kt_has[s]);
      found = wk_key_table_lookup_value (st.kt, st.obj[s], &v);
      FUZZ_CHECK (found == st.kt_has[s]);
      if (found)
        {
          FUZZ_CHECK (G_VALUE_HOLDS_INT (&v) && g_value_get_int (&v) == st.kt_val[s]);
          g_value_unset (&v);
        }
    }

  wk_key_table_iter_init (&iter, st.kt);
  while (wk_key_table_iter_next (&iter, &key, &value))
    kt_walk_one (&w, key, value);
  FUZZ_CHECK (w.n == n);

  memset (&w, 0, sizeof w);
  wk_key_table_foreach (st.kt, kt_foreach_cb, &w);
  FUZZ_CHECK (w.n == n);

  wk_key_table_dup_entries (st.kt, &keys, &values);
  FUZZ_CHECK (keys->len == n && values->len == n);
  memset (&w, 0, sizeof w);
  for (guint i = 0; i < n; i++)
    kt_walk_one (&w, g_ptr_array_index (keys, i), g_ptr_array_index (values, i));
  g_ptr_array_unref (keys);
  g_ptr_array_unref (values);

  keys = wk_key_table_dup_keys (st.kt);
  FUZZ_CHECK (keys->len == n);
  g_ptr_array_unref (keys);
}

typedef struct
{
  guint j;
  guint i;
  int   order[N_SLOTS];
  guint n;
} SetWalk;

static void
set_walk_one (SetWalk *w, gpointer object)
{
  FUZZ_CHECK (w->i < w->n);
  FUZZ_CHECK (object == st.obj[w->order[w->i]]);
  w->i++;
}

static void
set_foreach_cb (gpointer object, gpointer user_data)
{
  set_walk_one (user_data, object);
}

static void
check_set (guint j, gboolean check_model)
{
  SetWalk w;
  WkSetIter iter;
  gpointer object;
  GPtrArray *members;

  if (st.set[j] == NULL)
    return;
  w.j = j;
  w.i = 0;
  w.n = set_members_ordered (j, w.order);

  FUZZ_CHECK (wk_set_get_size (st.set[j]) == w.n);
  for (int s = 0; s < N_SLOTS; s++)
    if (st.obj[s] != NULL && (j == 0 || st.is_a[s]))
      FUZZ_CHECK (wk_set_contains (st.set[j], st.obj[s]) == (st.seq[j][s] != 0));

  wk_set_iter_init (&iter, st.set[j]);
  while (wk_set_iter_next (&iter, &object))
    set_walk_one (&w, object);
  FUZZ_CHECK (w.i == w.n);

  w.i = 0;
  wk_set_foreach (st.set[j], set_foreach_cb, &w);
  FUZZ_CHECK (w.i == w.n);

  members = wk_set_dup_members (st.set[j]);
  FUZZ_CHECK (members->len == w.n);
  for (guint i = 0; i < w.n; i++)
    FUZZ_CHECK (g_ptr_array_index (members, i) == st.obj[w.order[i]]);
  g_ptr_array_unref (members);

  if (check_model)
    {
      GListModel *model = G_LIST_MODEL (st.set[j]);

      FUZZ_CHECK (g_list_model_get_n_items (model) == w.n);
      for (guint i = 0; i <= w.n; i++)
        {
          WkRef *item = g_list_model_get_item (model, i);

          if (i == w.n)
            {
              FUZZ_CHECK (item == NULL);
              break;
            }
          FUZZ_CHECK (item != NULL && WK_IS_REF (item));
          object = wk_ref_dup_object (item);
          FUZZ_CHECK (object == st.obj[w.order[i]]);
          g_clear_object (&object);
          g_object_unref (item);

          /* The row as items-changed described it. */
          FUZZ_CHECK (st.mirror[j]->len == w.n);
          object = wk_ref_dup_object (g_ptr_array_index (st.mirror[j], i));
          FUZZ_CHECK (object == st.obj[w.order[i]]);
          g_clear_object (&object);
        }
    }
}

static void
check_refs (void)
{
  for (int i = 0; i < N_REFS; i++)
    {
      RefRec *r = st.refs[i];
      gpointer got;

      if (r == NULL || r->ref == NULL)
        continue;
      got = wk_ref_dup_object (r->ref);
      FUZZ_CHECK (got == (r->target >= 0 ? st.obj[r->target] : NULL));
      FUZZ_CHECK (wk_ref_is_alive (r->ref) == (r->target >= 0));
      g_clear_object (&got);
    }
}

static void
check_contents (gboolean check_model)
{
  check_vt ();
  check_kt ();
  for (guint j = 0; j < N_SETS; j++)
    check_set (j, check_model);
  check_refs ();
}

static void
drain_main_context (void)
{
  for (int i = 0; i < DRAIN_LIMIT && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

/* ---- Operations read from the input ---- */

typedef struct
{
  const guint8 *data;
  size_t        size;
  size_t        pos;
} Input;

static guint
next_byte (Input *in)
{
  return in->pos < in->size ? in->data[in->pos++] : 0;
}

enum
{
  OP_NEW_OBJECT,      /* slot, type (even: FuzzA, odd: FuzzB) */
  OP_KILL,            /* slot: drop the last reference */
  OP_RUN_DISPOSE,     /* slot */
  OP_KILL_THREAD,     /* slot: the last unref on a worker thread */
  OP_VT_INSERT,       /* key, slot */
  OP_VT_REMOVE,       /* key */
  OP_VT_POP,          /* key */
  OP_VT_LOOKUP_OR_INSERT, /* key, slot (255: the factory returns NULL) */
  OP_VT_REMOVE_ALL,
  OP_KT_INSERT,       /* slot, value */
  OP_KT_REMOVE,       /* slot */
  OP_KT_POP,          /* slot */
  OP_KT_LOOKUP_OR_INSERT, /* slot, value */
  OP_KT_REMOVE_ALL,
  OP_SET_ADD,         /* set, slot */
  OP_SET_REMOVE,      /* set, slot */
  OP_SET_POP,         /* set */
  OP_SET_REMOVE_ALL,  /* set */
  OP_SET_BINARY,      /* which: set0 op= set1, or a predicate */
  OP_DROP_CONTAINER,  /* container */
  OP_REF_NEW,         /* ref, slot, callback mode, arg */
  OP_REF_DROP,        /* ref */
  OP_HANDLER,         /* container, mode, arg */
  OP_ITER_KILL,       /* container, steps (bit 2: stop early), slot: a death during a walk */
  OP_FULL_TABLES,     /* members (bit mask), which: the _new_full tables, pointer keys and values */
  OP_SET_THREAD,      /* set, slot, add (even) or remove (odd): from a worker thread */
  N_OPS,
  OP_SPACE = 32       /* opcodes are read modulo this; never change it */
};
G_STATIC_ASSERT (N_OPS <= OP_SPACE);

typedef struct
{
  guint slot;
  gboolean made;
} FactoryData;

static gpointer
vt_factory (gconstpointer key,
            gpointer      user_data)
{
  FactoryData *fd = user_data;

  check_main_thread ();
  fd->made = TRUE;
  if (fd->slot >= N_SLOTS)
    return NULL;
  if (st.obj[fd->slot] == NULL)
    new_object (fd->slot, TRUE);
  return g_object_ref (st.obj[fd->slot]);
}

static void
op_set_binary (guint which)
{
  int before[N_SETS][N_SLOTS];
  guint n0, n1;
  gboolean b, expect;

  if (st.set[0] == NULL || st.set[1] == NULL)
    return;
  n0 = set_members_ordered (0, before[0]);
  n1 = set_members_ordered (1, before[1]);

  switch (which % 8)
    {
    case 0:   /* update */
      wk_set_update (st.set[0], st.set[1]);
      for (guint i = 0; i < n1; i++)
        if (st.seq[0][before[1][i]] == 0)
          st.seq[0][before[1][i]] = ++st.next_seq;
      break;
    case 1:   /* intersection_update */
      wk_set_intersection_update (st.set[0], st.set[1]);
      for (guint i = 0; i < n0; i++)
        if (st.seq[1][before[0][i]] == 0)
          st.seq[0][before[0][i]] = 0;
      break;
    case 2:   /* difference_update */
      wk_set_difference_update (st.set[0], st.set[1]);
      for (guint i = 0; i < n1; i++)
        st.seq[0][before[1][i]] = 0;
      break;
    case 3:   /* symmetric_difference_update */
      wk_set_symmetric_difference_update (st.set[0], st.set[1]);
      for (guint i = 0; i < n1; i++)
        {
          int s = before[1][i];
          st.seq[0][s] = st.seq[0][s] != 0 ? 0 : ++st.next_seq;
        }
      break;
    case 4:   /* is_subset: set1 <= set0 */
      expect = TRUE;
      for (guint i = 0; i < n1; i++)
        expect &= st.seq[0][before[1][i]] != 0;
      b = wk_set_is_subset (st.set[1], st.set[0]);
      FUZZ_CHECK (b == expect);
      FUZZ_CHECK (wk_set_is_superset (st.set[0], st.set[1]) == expect);
      break;
    case 5:   /* is_disjoint */
      expect = TRUE;
      for (guint i = 0; i < n1; i++)
        expect &= st.seq[0][before[1][i]] == 0;
      FUZZ_CHECK (wk_set_is_disjoint (st.set[0], st.set[1]) == expect);
      break;
    case 6:   /* equal */
      expect = n0 == n1;
      for (guint i = 0; i < n1; i++)
        expect &= st.seq[0][before[1][i]] != 0;
      FUZZ_CHECK (wk_set_equal (st.set[0], st.set[1]) == expect);
      break;
    case 7:   /* the new-set operations: union and intersection of set1 with set0 */
      {
        WkSet *u = wk_set_union (st.set[0], st.set[1]);
        WkSet *x = wk_set_intersection (st.set[0], st.set[1]);
        guint nu = n0, nx = 0;

        for (guint i = 0; i < n1; i++)
          if (st.seq[0][before[1][i]] == 0)
            nu++;
          else
            nx++;
        FUZZ_CHECK (u != NULL && wk_set_get_size (u) == nu);
        g_object_unref (u);
        FUZZ_CHECK (x != NULL && wk_set_get_size (x) == nx);
        g_object_unref (x);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* A walk during which another member dies: every member alive throughout
 * is seen once, nothing dead is returned. */
static void
op_iter_kill (guint c, guint steps, guint s)
{
  gboolean before[N_SLOTS * N_KEYS] = { FALSE };
  gboolean seen[N_SLOTS * N_KEYS] = { FALSE };
  gboolean killed = FALSE;
  guint step = 0;

  gboolean stop_early = (steps & 4) != 0;

  c %= 3;
  s %= N_SLOTS;
  steps &= 3;

  if (c == 0 && st.vt != NULL)
    {
      WkValueTableIter iter;
      gconstpointer key;
      gpointer object;
      gpointer orig = container_of (c == 0 ? C_VT : c == 1 ? C_KT : C_SET0);

      for (int k = 0; k < N_KEYS; k++)
        before[k] = st.vt_m[k] >= 0 && st.vt_m[k] != (int) s;
      wk_value_table_iter_init (&iter, st.vt);
      while (wk_value_table_iter_next (&iter, &key, &object))
        {
          int k = (int) (((const char *) key)[1] - '0');

          FUZZ_CHECK (k >= 0 && k < N_KEYS);
          /* Once a handler changed the table, the walk may still give the
           * entries of its snapshot: only their liveness is checked. */
          FUZZ_CHECK (object != NULL && slot_of (object) >= 0);
          if (!st.sig[C_VT].slack && container_of (C_VT) == orig)
            FUZZ_CHECK (st.vt_m[k] >= 0 && st.obj[st.vt_m[k]] == object);
          FUZZ_CHECK (!seen[k]);
          seen[k] = TRUE;
          if (!killed && step++ == steps && st.obj[s] != NULL && st.obj[s] != object)
            {
              killed = TRUE;
              st.pinned[0] = object;
              kill_slot (s);
              st.pinned[0] = NULL;
            }
          if (killed && stop_early)
            {
              wk_value_table_iter_clear (&iter);
              wk_value_table_iter_clear (&iter);
              return;
            }
        }
      if (!st.sig[C_VT].slack && container_of (C_VT) == orig)
        for (int k = 0; k < N_KEYS; k++)
          if (before[k] && st.vt_m[k] >= 0)
            FUZZ_CHECK (seen[k]);
    }
  else if (c == 1 && st.kt != NULL)
    {
      WkKeyTableIter iter;
      gpointer key, value;
      gpointer orig = container_of (c == 0 ? C_VT : c == 1 ? C_KT : C_SET0);

      for (int i = 0; i < N_SLOTS; i++)
        before[i] = st.kt_has[i] && i != (int) s;
      wk_key_table_iter_init (&iter, st.kt);
      while (wk_key_table_iter_next (&iter, &key, &value))
        {
          int i = slot_of (key);

          FUZZ_CHECK (i >= 0);
          if (!st.sig[C_KT].slack && container_of (C_KT) == orig)
            {
              FUZZ_CHECK (st.kt_has[i]);
              FUZZ_CHECK (g_value_get_int (value) == st.kt_val[i]);
            }
          FUZZ_CHECK (!seen[i]);
          seen[i] = TRUE;
          if (!killed && step++ == steps && st.obj[s] != NULL && st.obj[s] != key)
            {
              killed = TRUE;
              st.pinned[0] = key;
              kill_slot (s);
              st.pinned[0] = NULL;
            }
          if (killed && stop_early)
            {
              wk_key_table_iter_clear (&iter);
              return;
            }
        }
      if (!st.sig[C_KT].slack && container_of (C_KT) == orig)
        for (int i = 0; i < N_SLOTS; i++)
          if (before[i] && st.kt_has[i])
            FUZZ_CHECK (seen[i]);
    }
  else if (c == 2 && st.set[0] != NULL)
    {
      WkSetIter iter;
      gpointer object;
      gpointer orig = container_of (c == 0 ? C_VT : c == 1 ? C_KT : C_SET0);

      for (int i = 0; i < N_SLOTS; i++)
        before[i] = st.seq[0][i] != 0 && i != (int) s;
      wk_set_iter_init (&iter, st.set[0]);
      while (wk_set_iter_next (&iter, &object))
        {
          int i = slot_of (object);

          FUZZ_CHECK (i >= 0);
          if (!st.sig[C_SET0].slack && container_of (C_SET0) == orig)
            FUZZ_CHECK (st.seq[0][i] != 0);
          FUZZ_CHECK (!seen[i]);
          seen[i] = TRUE;
          if (!killed && step++ == steps && st.obj[s] != NULL && st.obj[s] != object)
            {
              killed = TRUE;
              st.pinned[0] = object;
              kill_slot (s);
              st.pinned[0] = NULL;
            }
          if (killed && stop_early)
            {
              wk_set_iter_clear (&iter);
              return;
            }
        }
      if (!st.sig[C_SET0].slack && container_of (C_SET0) == orig)
        for (int i = 0; i < N_SLOTS; i++)
          if (before[i] && st.seq[0][i] != 0)
            FUZZ_CHECK (seen[i]);
    }
}

static gpointer
unref_in_thread (gpointer object)
{
  g_object_unref (object);
  return NULL;
}

static void
op_kill_thread (guint s)
{
  GObject *object = st.obj[s];
  gboolean finalized = FALSE;
  guint64 before[N_CONTAINERS];
  guint ref_before[N_REFS];
  GThread *thread;

  if (object == NULL)
    return;
  for (int c = 0; c < N_CONTAINERS; c++)
    before[c] = st.sig[c].obs_sig;
  for (int i = 0; i < N_REFS; i++)
    ref_before[i] = st.refs[i] != NULL ? st.refs[i]->obs_sig : 0;

  st.obj[s] = NULL;
  model_kill (s);
  ((FuzzObj *) object)->finalized_out = &finalized;
  thread = g_thread_new ("fuzz-unref", unref_in_thread, object);
  g_thread_join (thread);
  FUZZ_CHECK (finalized);

  /* Gone from lookups at once; nothing signalled off the owner's context. */
  for (int c = 0; c < N_CONTAINERS; c++)
    FUZZ_CHECK (st.sig[c].obs_sig == before[c]);
  for (int i = 0; i < N_REFS; i++)
    FUZZ_CHECK (st.refs[i] == NULL || st.refs[i]->obs_sig == ref_before[i]);
  check_contents (FALSE);

  for (int i = 0; i < DRAIN_LIMIT && signals_pending (); i++)
    g_main_context_iteration (NULL, FALSE);
  drain_main_context ();
}

static gpointer
kt_string_factory (gpointer key,
                   gpointer user_data)
{
  check_main_thread ();
  return g_strdup (user_data);
}

/* The tables made with _new_full: a key table of strings (copied with
 * g_strdup) and a value table with direct (pointer) keys, alive for one
 * operation, over the live objects of the slots in @mask. */
static void
op_full_tables (guint mask, guint which)
{
  WkKeyTable *t = wk_key_table_new_full ((GBoxedCopyFunc) g_strdup, g_free);
  WkValueTable *v = wk_value_table_new_full (NULL, NULL, NULL, NULL);
  gboolean has[N_SLOTS] = { FALSE };
  char names[N_SLOTS][8];
  guint n = 0;
  guint victim = (which / 2) % N_SLOTS;
  GPtrArray *keys, *values;

  for (guint s = 0; s < N_SLOTS; s++)
    {
      g_snprintf (names[s], sizeof names[s], "v%u", s);
      if (st.obj[s] == NULL || !(mask & (1u << s)))
        continue;
      FUZZ_CHECK (wk_key_table_insert (t, st.obj[s], g_strdup (names[s])));
      FUZZ_CHECK (wk_value_table_insert (v, GUINT_TO_POINTER (s + 1), st.obj[s]));
      has[s] = TRUE;
      n++;
    }

  for (guint s = 0; s < N_SLOTS; s++)
    {
      gpointer value = NULL;
      gpointer got;
      char *str;

      if (st.obj[s] == NULL)
        continue;
      FUZZ_CHECK (wk_key_table_lookup (t, st.obj[s], &value) == has[s]);
      FUZZ_CHECK (has[s] ? g_strcmp0 (value, names[s]) == 0 : value == NULL);
      g_free (value);
      got = wk_value_table_lookup (v, GUINT_TO_POINTER (s + 1));
      FUZZ_CHECK (got == (has[s] ? st.obj[s] : NULL));
      g_clear_object (&got);

      if (which & 1)
        {
          str = wk_key_table_lookup_or_insert (t, st.obj[s], kt_string_factory, (gpointer) "made");
          FUZZ_CHECK (g_strcmp0 (str, has[s] ? names[s] : "made") == 0);
          g_free (str);
          if (!has[s])
            {
              FUZZ_CHECK (wk_value_table_insert (v, GUINT_TO_POINTER (s + 1), st.obj[s]));
              g_strlcpy (names[s], "made", sizeof names[s]);
              has[s] = TRUE;
              n++;
            }
        }
    }
  FUZZ_CHECK (wk_key_table_get_size (t) == n);
  FUZZ_CHECK (wk_value_table_get_size (v) == n);

  if ((which & 0x10) && has[victim])
    {
      gpointer value = NULL;
      gpointer got;

      FUZZ_CHECK (wk_key_table_pop (t, st.obj[victim], &value));
      FUZZ_CHECK (g_strcmp0 (value, names[victim]) == 0);
      g_free (value);
      got = wk_value_table_pop (v, GUINT_TO_POINTER (victim + 1));
      FUZZ_CHECK (got == st.obj[victim]);
      g_clear_object (&got);
      has[victim] = FALSE;
      n--;
    }
  else if ((which & 0x20) && has[victim])
    {
      /* A member of these tables dies too. */
      kill_slot (victim);
      /* Handlers may have killed others as well. */
      for (guint s = 0; s < N_SLOTS; s++)
        if (has[s] && st.obj[s] == NULL)
          {
            has[s] = FALSE;
            n--;
          }
    }

  FUZZ_CHECK (wk_key_table_get_size (t) == n);
  FUZZ_CHECK (wk_value_table_get_size (v) == n);
  wk_key_table_dup_entries (t, &keys, &values);
  FUZZ_CHECK (keys->len == n && values->len == n);
  for (guint i = 0; i < n; i++)
    {
      int s = slot_of (g_ptr_array_index (keys, i));

      FUZZ_CHECK (s >= 0 && has[s]);
      FUZZ_CHECK (g_strcmp0 (g_ptr_array_index (values, i), names[s]) == 0);
    }
  g_ptr_array_unref (keys);
  g_ptr_array_unref (values);

  if (which & 0x40)
    {
      g_object_unref (v);
      g_object_unref (t);
    }
  else
    {
      g_object_unref (t);
      g_object_unref (v);
    }
}

typedef struct
{
  WkSet   *set;
  gpointer object;
  gboolean add;
  gboolean result;
} SetThreadData;

static gpointer
set_thread_func (gpointer user_data)
{
  SetThreadData *d = user_data;

  d->result = d->add ? wk_set_add (d->set, d->object) : wk_set_remove (d->set, d->object);
  return NULL;
}

/* A set changed from another thread: a change of the set at once, of its
 * list model (and items-changed, on the owner's thread) once the owner's
 * context runs. */
static void
op_set_thread (guint j, guint s, gboolean add)
{
  SetThreadData d = { st.set[j], st.obj[s], add, FALSE };
  gboolean had = st.seq[j][s] != 0;
  GThread *thread;

  if (d.set == NULL || d.object == NULL || (j == 1 && !st.is_a[s]))
    return;
  thread = g_thread_new ("fuzz-set", set_thread_func, &d);
  g_thread_join (thread);
  FUZZ_CHECK (d.result == (add ? !had : had));
  if (add && !had)
    st.seq[j][s] = ++st.next_seq;
  else if (!add)
    st.seq[j][s] = 0;
  check_contents (FALSE);
  drain_main_context ();
}

static gboolean trace;

static void
run_op (Input *in)
{
  size_t start = in->pos;
  /* A fixed opcode space: new operations take the free numbers, so that
   * the committed inputs keep their meaning. Free numbers only check. */
  guint op = next_byte (in) % OP_SPACE;

  ensure_containers ();
  st.h_budget = HANDLER_BUDGET;

  switch (op)
    {
    case OP_NEW_OBJECT:
      {
        guint s = next_byte (in) % N_SLOTS;
        new_object (s, next_byte (in) % 2 == 0);
      }
      break;
    case OP_KILL:
      kill_slot (next_byte (in) % N_SLOTS);
      break;
    case OP_RUN_DISPOSE:
      {
        guint s = next_byte (in) % N_SLOTS;

        if (st.obj[s] != NULL)
          {
            model_kill (s);
            st.pinned[1] = st.obj[s];
            g_object_run_dispose (st.obj[s]);
            st.pinned[1] = NULL;
          }
      }
      break;
    case OP_KILL_THREAD:
      op_kill_thread (next_byte (in) % N_SLOTS);
      break;
    case OP_VT_INSERT:
      {
        guint k = next_byte (in) % N_KEYS;
        vt_insert (k, next_byte (in) % N_SLOTS);
      }
      break;
    case OP_VT_REMOVE:
      vt_remove (next_byte (in) % N_KEYS, TRUE);
      break;
    case OP_VT_POP:
      {
        guint k = next_byte (in) % N_KEYS;
        gpointer got = wk_value_table_pop (st.vt, key_names[k]);

        FUZZ_CHECK (got == (st.vt_m[k] >= 0 ? st.obj[st.vt_m[k]] : NULL));
        st.vt_m[k] = -1;
        g_clear_object (&got);
      }
      break;
    case OP_VT_LOOKUP_OR_INSERT:
      {
        guint k = next_byte (in) % N_KEYS;
        guint b = next_byte (in);
        FactoryData fd = { b == 255 ? N_SLOTS : b % N_SLOTS, FALSE };
        gboolean had = st.vt_m[k] >= 0;
        gpointer expect = had ? st.obj[st.vt_m[k]] : NULL;
        gpointer got = wk_value_table_lookup_or_insert (st.vt, key_names[k], vt_factory, &fd);

        FUZZ_CHECK (fd.made == !had);
        if (had)
          FUZZ_CHECK (got == expect);
        else if (fd.slot < N_SLOTS)
          {
            FUZZ_CHECK (got == st.obj[fd.slot]);
            st.vt_m[k] = (int) fd.slot;
          }
        else
          FUZZ_CHECK (got == NULL);
        g_clear_object (&got);
      }
      break;
    case OP_VT_REMOVE_ALL:
      vt_remove_all ();
      break;
    case OP_KT_INSERT:
      {
        guint s = next_byte (in) % N_SLOTS;
        kt_insert (s, (int) next_byte (in));
      }
      break;
    case OP_KT_REMOVE:
      kt_remove (next_byte (in) % N_SLOTS);
      break;
    case OP_KT_POP:
      {
        guint s = next_byte (in) % N_SLOTS;
        GValue v = G_VALUE_INIT;

        if (st.obj[s] == NULL)
          break;
        FUZZ_CHECK (wk_key_table_pop_value (st.kt, st.obj[s], &v) == st.kt_has[s]);
        if (st.kt_has[s])
          {
            FUZZ_CHECK (G_VALUE_HOLDS_INT (&v) && g_value_get_int (&v) == st.kt_val[s]);
            g_value_unset (&v);
          }
        st.kt_has[s] = FALSE;
      }
      break;
    case OP_KT_LOOKUP_OR_INSERT:
      {
        guint s = next_byte (in) % N_SLOTS;
        int val = (int) next_byte (in);
        GValue v = G_VALUE_INIT, result = G_VALUE_INIT;

        if (st.obj[s] == NULL)
          break;
        g_value_init (&v, G_TYPE_INT);
        g_value_set_int (&v, val);
        FUZZ_CHECK (wk_key_table_lookup_or_insert_value (st.kt, st.obj[s], &v, &result) == !st.kt_has[s]);
        if (!st.kt_has[s])
          {
            st.kt_has[s] = TRUE;
            st.kt_val[s] = val;
          }
        FUZZ_CHECK (G_VALUE_HOLDS_INT (&result) && g_value_get_int (&result) == st.kt_val[s]);
        g_value_unset (&result);
      }
      break;
    case OP_KT_REMOVE_ALL:
      kt_remove_all ();
      break;
    case OP_SET_ADD:
      {
        guint j = next_byte (in) % N_SETS;
        set_add (j, next_byte (in) % N_SLOTS);
      }
      break;
    case OP_SET_REMOVE:
      {
        guint j = next_byte (in) % N_SETS;
        set_remove (j, next_byte (in) % N_SLOTS);
      }
      break;
    case OP_SET_POP:
      {
        guint j = next_byte (in) % N_SETS;
        int order[N_SLOTS];
        guint n = set_members_ordered (j, order);
        gpointer got = wk_set_pop (st.set[j]);

        if (n == 0)
          FUZZ_CHECK (got == NULL);
        else
          {
            FUZZ_CHECK (got == st.obj[order[0]]);
            st.seq[j][order[0]] = 0;
          }
        g_clear_object (&got);
      }
      break;
    case OP_SET_REMOVE_ALL:
      set_remove_all (next_byte (in) % N_SETS);
      break;
    case OP_SET_BINARY:
      op_set_binary (next_byte (in));
      break;
    case OP_DROP_CONTAINER:
      drop_container ((int) (next_byte (in) % N_CONTAINERS));
      break;
    case OP_REF_NEW:
      {
        guint i = next_byte (in) % N_REFS;
        guint s = next_byte (in) % N_SLOTS;
        int mode = (int) (next_byte (in) % 4);
        ref_create (i, s, mode, (int) next_byte (in));
      }
      break;
    case OP_REF_DROP:
      ref_drop (next_byte (in) % N_REFS);
      break;
    case OP_HANDLER:
      {
        int c = (int) (next_byte (in) % N_CONTAINERS);
        st.h_mode[c] = (int) (next_byte (in) % 6);
        st.h_arg[c] = (int) next_byte (in);
      }
      break;
    case OP_ITER_KILL:
      {
        guint c = next_byte (in);
        guint steps = next_byte (in);
        op_iter_kill (c, steps, next_byte (in));
      }
      break;
    case OP_SET_THREAD:
      {
        guint j = next_byte (in) % N_SETS;
        guint slot = next_byte (in) % N_SLOTS;
        op_set_thread (j, slot, next_byte (in) % 2 == 0);
      }
      break;
    case OP_FULL_TABLES:
      {
        guint mask = next_byte (in);
        op_full_tables (mask, next_byte (in));
      }
      break;
    default:
      break;   /* a free opcode: only the checks below */
    }

  if (trace)
    {
      fprintf (stderr, "op %u: %u", st.op_index, op);
      for (size_t i = start + 1; i < in->pos && i < in->size; i++)
        fprintf (stderr, " %u", in->data[i]);
      fprintf (stderr, "\n");
    }

  drain_main_context ();
  check_signals ();
  check_contents (TRUE);
}

static void
teardown (gboolean containers_first)
{
  GObject *weak_containers[N_CONTAINERS] = { NULL };

  /* Handlers do nothing from now on. */
  memset (st.h_mode, 0, sizeof st.h_mode);
  for (int i = 0; i < N_REFS; i++)
    if (st.refs[i] != NULL && st.refs[i]->cb_mode != 3)
      st.refs[i]->cb_mode = 0;

  /* The members die first on some inputs, the containers go first on the
   * others (the last input byte decides): both orders leave nothing. */
  if (!containers_first)
    {
      for (int s = 0; s < N_SLOTS; s++)
        kill_slot ((guint) s);
      drain_main_context ();
      check_signals ();
      check_contents (TRUE);
    }

  for (int c = 0; c < N_CONTAINERS; c++)
    {
      weak_containers[c] = container_of (c);
      if (weak_containers[c] != NULL)
        g_object_add_weak_pointer (weak_containers[c], (gpointer *) &weak_containers[c]);
      drop_container (c);
      FUZZ_CHECK (weak_containers[c] == NULL);
    }
  for (int i = 0; i < N_REFS; i++)
    ref_drop ((guint) i);
  for (int s = 0; s < N_SLOTS; s++)
    kill_slot ((guint) s);
  drain_main_context ();

  FUZZ_CHECK (g_atomic_int_get (&n_live_objects) == 0);
  g_ptr_array_unref (st.all_refs);
  memset (&st, 0, sizeof st);
}

static void
fuzz_init_once (void)
{
  static gboolean done;

  if (done)
    return;
  done = TRUE;
  /* FUZZ_TRACE=1: print each operation (opcode, argument bytes) to stderr. */
  trace = g_getenv ("FUZZ_TRACE") != NULL;
  /* A critical or a warning from wobj is a failure. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  g_type_ensure (fuzz_a_get_type ());
  g_type_ensure (fuzz_b_get_type ());
  g_type_ensure (WK_TYPE_REF);
  g_type_ensure (WK_TYPE_VALUE_TABLE);
  g_type_ensure (WK_TYPE_KEY_TABLE);
  g_type_ensure (WK_TYPE_SET);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  Input in = { data, size, 0 };

  if (size > FUZZ_MAX_INPUT)
    return 0;
  fuzz_init_once ();
  memset (&st, 0, sizeof st);
  st.main_thread = g_thread_self ();
  st.all_refs = g_ptr_array_new_with_free_func (g_free);
  for (int k = 0; k < N_KEYS; k++)
    st.vt_m[k] = -1;

  /* The first byte chooses the initial objects: bit i makes slot i, of
   * type FuzzB when the matching bit of the second byte is set. */
  {
    guint made = next_byte (&in), types = next_byte (&in);

    for (int s = 0; s < N_SLOTS; s++)
      if (made & (1u << s))
        new_object ((guint) s, (types & (1u << s)) == 0);
  }

  while (in.pos < in.size && st.op_index < MAX_OPS)
    {
      run_op (&in);
      st.op_index++;
    }

  teardown (size > 0 && (data[size - 1] & 1));
  return 0;
}

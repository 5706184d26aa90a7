/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* WkValueTable, WkKeyTable and WkSet under four threads at once.
 *
 * /Wobj/Threads/shared: the main thread creates one container of each
 * type and iterates its main context while four workers hammer them. Each
 * worker owns a pool of objects, puts them in and takes them out of the
 * containers (an object's entries are changed only by the worker that
 * owns it, so each worker knows exactly where its objects are), drops
 * them, or hands them to another worker to die there; all of them look up
 * and iterate everything concurrently. Nothing returned may be dying.
 * Afterwards every container holds exactly the live objects it should,
 * and every object-finalized signal came on the main thread, once per
 * member that died in the container.
 *
 * /Wobj/Threads/private: each worker makes its own containers under a
 * thread-default main context it pushed, and gets its own signals on its
 * own thread, also for its objects that died on other threads. */

#include <string.h>

#include <wobj.h>

#include "wk-test-util.h"

#define N_THREADS   4
#define POOL        64
#define DEFAULT_OPS 250000u

/* TestObject: an id, who made it and where it is in the maker's pool, and
 * a flag set by dispose, so that a lookup can tell a dying object. */

#define TEST_TYPE_OBJECT (test_object_get_type ())
G_DECLARE_FINAL_TYPE (TestObject, test_object, TEST, OBJECT, GObject)

struct _TestObject
{
  GObject parent_instance;
  guint   id;
  guint   owner;       /* index of the worker that made it */
  gint    slot;        /* in the owner's pool, or -1: only the owner reads it */
  gint    disposed;    /* atomic */
  char    key[16];     /* its key in the value table: the id */
};

static gint    n_objects_alive;               /* atomic */
static gint    n_finalized_on[N_THREADS + 1]; /* atomic; [0] is the main thread */
static GPrivate worker_index_key;             /* worker index + 1 */

G_DEFINE_FINAL_TYPE (TestObject, test_object, G_TYPE_OBJECT)

static void
test_object_dispose (GObject *object)
{
  g_atomic_int_set (&TEST_OBJECT (object)->disposed, 1);

  G_OBJECT_CLASS (test_object_parent_class)->dispose (object);
}

static void
test_object_finalize (GObject *object)
{
  guint where = GPOINTER_TO_UINT (g_private_get (&worker_index_key));

  g_atomic_int_inc (&n_finalized_on[where]);
  g_atomic_int_add (&n_objects_alive, -1);

  G_OBJECT_CLASS (test_object_parent_class)->finalize (object);
}

static void
test_object_class_init (TestObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = test_object_dispose;
  object_class->finalize = test_object_finalize;
}

static void
test_object_init (TestObject *self)
{
  g_atomic_int_inc (&n_objects_alive);
}

/* What the test knows of each object, by id. The membership flags are
 * written by whoever is responsible for the object (its owner, then the
 * worker it was handed to, which only reads them); the signal counts by
 * the thread that owns the containers. */

typedef struct
{
  guint8 owner;
  guint8 in_vt;
  guint8 in_kt;
  guint8 in_set;
  guint8 dropped;       /* its last reference from the test was dropped */
  guint8 alive_at_end;
  gint   vt_signals;
  gint   kt_signals;
} Record;

static Record *records;
static guint   n_records;
static gint    last_id;   /* atomic */

/* The containers and the thread (and context) that owns them. */

typedef struct
{
  WkValueTable *vt;
  WkKeyTable   *kt;
  WkSet        *set;
  GThread      *thread;
  GMainContext *context;
  GPtrArray    *mirror;       /* the set's rows, as items-changed told them */
  gint          set_signals;
} Containers;

static void
check_owner (Containers *c)
{
  GMainContext *context = g_main_context_ref_thread_default ();

  g_assert_true (g_thread_self () == c->thread);
  g_assert_true (context == c->context);
  g_main_context_unref (context);
}

static guint
id_of_key (const char *key)
{
  guint64 id = 0;

  g_assert_true (g_ascii_string_to_unsigned (key, 10, 1, n_records - 1, &id, NULL));

  return id;
}

static void
vt_finalized_cb (WkValueTable *table,
                 const GValue *key,
                 gpointer      user_data)
{
  Containers *c = user_data;

  check_owner (c);
  g_assert_true (G_VALUE_HOLDS_STRING (key));
  records[id_of_key (g_value_get_string (key))].vt_signals++;
}

static void
kt_finalized_cb (WkKeyTable   *table,
                 const GValue *value,
                 gpointer      user_data)
{
  Containers *c = user_data;
  gint id;

  check_owner (c);
  g_assert_true (G_VALUE_HOLDS_INT (value));
  id = g_value_get_int (value);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpint (id, <, n_records);
  records[id].kt_signals++;
}

static void
set_finalized_cb (WkSet    *set,
                  gpointer  user_data)
{
  Containers *c = user_data;

  check_owner (c);
  /* Its row is already gone. */
  g_assert_cmpuint (c->mirror->len, ==, g_list_model_get_n_items (G_LIST_MODEL (set)));
  c->set_signals++;
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  Containers *c = user_data;

  check_owner (c);
  g_assert_cmpuint (position + removed, <=, c->mirror->len);

  g_ptr_array_remove_range (c->mirror, position, removed);
  for (guint i = 0; i < added; i++)
    {
      WkRef *item = g_list_model_get_item (model, position + i);

      g_assert_true (WK_IS_REF (item));
      g_ptr_array_insert (c->mirror, position + i, item);
    }
  g_assert_cmpuint (c->mirror->len, ==, g_list_model_get_n_items (model));
}

/* On the owner's thread: the rows are the mirror's, none NULL. */
static void
check_rows (Containers *c)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (c->set));
  WkRef *past_end;

  g_assert_cmpuint (c->mirror->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      WkRef *item = g_list_model_get_item (G_LIST_MODEL (c->set), i);

      g_assert_nonnull (item);
      g_assert_true ((gpointer) item == g_ptr_array_index (c->mirror, i));
      g_object_unref (item);
    }

  past_end = g_list_model_get_item (G_LIST_MODEL (c->set), n);
  g_assert_null (past_end);
}

static void
containers_init (Containers *c)
{
  c->thread = g_thread_self ();
  c->context = g_main_context_ref_thread_default ();
  c->vt = wk_value_table_new ();
  c->kt = wk_key_table_new ();
  c->set = wk_set_new (G_TYPE_OBJECT);
  c->mirror = g_ptr_array_new_with_free_func (g_object_unref);
  c->set_signals = 0;

  g_signal_connect (c->vt, "object-finalized", G_CALLBACK (vt_finalized_cb), c);
  g_signal_connect (c->kt, "object-finalized", G_CALLBACK (kt_finalized_cb), c);
  g_signal_connect (c->set, "object-finalized", G_CALLBACK (set_finalized_cb), c);
  g_signal_connect (c->set, "items-changed", G_CALLBACK (items_changed_cb), c);
}

static void
containers_destroy (Containers *c)
{
  check_owner (c);

  g_assert_finalize_object (c->vt);
  g_assert_finalize_object (c->kt);
  g_assert_finalize_object (c->set);
  g_assert_cmpuint (c->mirror->len, ==, 0);
  g_clear_pointer (&c->mirror, g_ptr_array_unref);
  g_clear_pointer (&c->context, g_main_context_unref);
  c->vt = NULL;
  c->kt = NULL;
  c->set = NULL;
}

/* Workers. */

typedef struct
{
  GMutex mutex;
  GCond  cond;
  guint  count;
  guint  generation;
} Barrier;

static void
barrier_wait (Barrier *b)
{
  guint generation;

  g_mutex_lock (&b->mutex);
  generation = b->generation;
  if (++b->count == N_THREADS)
    {
      b->count = 0;
      b->generation++;
      g_cond_broadcast (&b->cond);
    }
  else
    {
      while (generation == b->generation)
        g_cond_wait (&b->cond, &b->mutex);
    }
  g_mutex_unlock (&b->mutex);
}

typedef struct
{
  guint        index;
  GThread     *thread;
  GRand       *rand;
  guint        n_ops;
  gboolean     private;
  Containers  *c;          /* the shared ones, or own */
  Containers   own;
  TestObject  *pool[POOL];
  GAsyncQueue *inbox;      /* objects handed over to die here */
  guint        n_created;
  guint        n_handed;
  guint        n_lookups_found;
  guint        n_visited;
} Worker;

static Worker  workers[N_THREADS];
static Barrier barrier;
static gint    n_exited;   /* atomic */

static guint
rnd (Worker *w,
     guint   n)
{
  return g_rand_int_range (w->rand, 0, n);
}

static Record *
record_of (TestObject *obj)
{
  return &records[obj->id];
}

/* Anything a container returns: alive, not dying. */
static void
check_returned (gpointer object)
{
  TestObject *obj;

  g_assert_true (TEST_IS_OBJECT (object));
  obj = object;
  g_assert_cmpuint (g_atomic_int_get (&G_OBJECT (obj)->ref_count), >, 0);
  g_assert_cmpint (g_atomic_int_get (&obj->disposed), ==, 0);
}

static void
create_object (Worker *w,
               guint   slot)
{
  TestObject *obj = g_object_new (TEST_TYPE_OBJECT, NULL);

  obj->id = g_atomic_int_add (&last_id, 1) + 1;
  g_assert_cmpuint (obj->id, <, n_records);
  obj->owner = w->index;
  obj->slot = slot;
  g_snprintf (obj->key, sizeof obj->key, "%u", obj->id);
  records[obj->id].owner = w->index;

  w->pool[slot] = obj;
  w->n_created++;
}

/* The test's last reference goes: the object dies here, or wherever a
 * lookup still holds it. Its memberships are final. */
static void
drop_object (TestObject *obj)
{
  record_of (obj)->dropped = 1;
  g_object_unref (obj);
}

static void
receive (Worker *w)
{
  TestObject *obj = g_async_queue_try_pop (w->inbox);

  if (obj != NULL)
    drop_object (obj);
}

static gint
pick_live (Worker *w)
{
  guint start = rnd (w, POOL);

  for (guint i = 0; i < POOL; i++)
    if (w->pool[(start + i) % POOL] != NULL)
      return (start + i) % POOL;

  return -1;
}

static gpointer
vt_factory (gconstpointer key,
            gpointer      user_data)
{
  TestObject *obj = user_data;

  g_assert_cmpstr (key, ==, obj->key);
  return g_object_ref (obj);
}

typedef enum
{
  T_CREATE,
  T_DROP,
  T_HAND_OFF,
  T_VT_INSERT,
  T_VT_REMOVE,
  T_VT_POP,
  T_VT_LOOKUP,
  T_VT_LOOKUP_OR_INSERT,
  T_VT_LOOKUP_ANY,
  T_KT_INSERT,
  T_KT_REMOVE,
  T_KT_POP,
  T_KT_LOOKUP,
  T_KT_LOOKUP_OR_INSERT,
  T_SET_ADD,
  T_SET_REMOVE,
  T_SET_CONTAINS,
  T_ITERATE,
  T_SIZES,
  N_TOPS
} ThreadOp;

static const guint weights[N_TOPS] = {
  [T_CREATE] = 12,
  [T_DROP] = 6,
  [T_HAND_OFF] = 4,
  [T_VT_INSERT] = 10,
  [T_VT_REMOVE] = 3,
  [T_VT_POP] = 2,
  [T_VT_LOOKUP] = 4,
  [T_VT_LOOKUP_OR_INSERT] = 2,
  [T_VT_LOOKUP_ANY] = 6,
  [T_KT_INSERT] = 10,
  [T_KT_REMOVE] = 3,
  [T_KT_POP] = 2,
  [T_KT_LOOKUP] = 4,
  [T_KT_LOOKUP_OR_INSERT] = 2,
  [T_SET_ADD] = 10,
  [T_SET_REMOVE] = 4,
  [T_SET_CONTAINS] = 4,
  [T_ITERATE] = 1,
  [T_SIZES] = 3,
};

/* Walks: what comes back is alive; this worker's own objects come back
 * exactly when they are in the container (only this worker changes their
 * entries, and it is busy walking). */

typedef enum
{
  WALK_VT,
  WALK_KT,
  WALK_SET,
} WalkKind;

typedef struct
{
  Worker   *w;
  WalkKind  kind;
  guint8    visited[POOL];
} Walk;

static void
walk_visit (Walk          *walk,
            gconstpointer  key,
            gpointer       object,
            const GValue  *value)
{
  TestObject *obj;

  check_returned (object);
  obj = object;

  switch (walk->kind)
    {
    case WALK_VT:
      g_assert_cmpstr (key, ==, obj->key);
      break;

    case WALK_KT:
      g_assert_true (G_VALUE_HOLDS_INT (value));
      g_assert_cmpint (g_value_get_int (value), ==, obj->id);
      break;

    case WALK_SET:
      break;

    default:
      g_assert_not_reached ();
    }

  if (obj->owner == walk->w->index && obj->slot >= 0)
    {
      g_assert_true (walk->w->pool[obj->slot] == obj);
      walk->visited[obj->slot]++;
    }
  walk->w->n_visited++;
}

static void
walk_check (Walk *walk)
{
  for (guint s = 0; s < POOL; s++)
    {
      TestObject *obj = walk->w->pool[s];
      guint expected = 0;

      if (obj != NULL)
        {
          switch (walk->kind)
            {
            case WALK_VT: expected = record_of (obj)->in_vt; break;
            case WALK_KT: expected = record_of (obj)->in_kt; break;
            case WALK_SET: expected = record_of (obj)->in_set; break;
            default: g_assert_not_reached ();
            }
        }
      g_assert_cmpuint (walk->visited[s], ==, expected);
    }
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
op_iterate (Worker *w)
{
  Walk walk = { w, WALK_VT, { 0, } };
  Containers *c = w->c;

  switch (rnd (w, 9))
    {
    case 0:
      {
        WkValueTableIter iter;
        gconstpointer key;
        gpointer object;

        walk.kind = WALK_VT;
        wk_value_table_iter_init (&iter, c->vt);
        while (wk_value_table_iter_next (&iter, &key, &object))
          walk_visit (&walk, key, object, NULL);
      }
      break;

    case 1:
      {
        WkKeyTableIter iter;
        gpointer key;
        gpointer value;

        walk.kind = WALK_KT;
        wk_key_table_iter_init (&iter, c->kt);
        while (wk_key_table_iter_next (&iter, &key, &value))
          walk_visit (&walk, NULL, key, value);
      }
      break;

    case 2:
      {
        g_auto(WkSetIter) iter = { 0, };
        gpointer object;

        walk.kind = WALK_SET;
        wk_set_iter_init (&iter, c->set);
        while (wk_set_iter_next (&iter, &object))
          walk_visit (&walk, NULL, object, NULL);
      }
      break;

    case 3:
      walk.kind = WALK_VT;
      wk_value_table_foreach (c->vt, walk_vt_cb, &walk);
      break;

    case 4:
      walk.kind = WALK_KT;
      wk_key_table_foreach (c->kt, walk_kt_cb, &walk);
      break;

    case 5:
      walk.kind = WALK_SET;
      wk_set_foreach (c->set, walk_set_cb, &walk);
      break;

    case 6:
      {
        GPtrArray *keys = NULL;
        GPtrArray *values = NULL;

        walk.kind = WALK_VT;
        wk_value_table_dup_entries (c->vt, &keys, &values);
        g_assert_cmpuint (keys->len, ==, values->len);
        for (guint i = 0; i < keys->len; i++)
          walk_visit (&walk, g_ptr_array_index (keys, i), g_ptr_array_index (values, i), NULL);
        g_ptr_array_unref (keys);
        g_ptr_array_unref (values);
      }
      break;

    case 7:
      {
        GPtrArray *keys = NULL;
        GPtrArray *values = NULL;

        walk.kind = WALK_KT;
        wk_key_table_dup_entries (c->kt, &keys, &values);
        g_assert_cmpuint (keys->len, ==, values->len);
        for (guint i = 0; i < keys->len; i++)
          walk_visit (&walk, NULL, g_ptr_array_index (keys, i), g_ptr_array_index (values, i));
        g_ptr_array_unref (keys);
        g_ptr_array_unref (values);
      }
      break;

    default:
      {
        GPtrArray *members = wk_set_dup_members (c->set);

        walk.kind = WALK_SET;
        for (guint i = 0; i < members->len; i++)
          walk_visit (&walk, NULL, g_ptr_array_index (members, i), NULL);
        g_ptr_array_unref (members);
      }
      break;
    }

  walk_check (&walk);
}

static void
op_lookup_any (Worker *w)
{
  guint n_ids = MAX (g_atomic_int_get (&last_id), 1);
  char key[16];
  TestObject *got;
  guint id;

  /* Half of the time a recent one, likely alive, maybe dying right now
   * on another thread. */
  if (rnd (w, 2) == 0)
    id = 1 + rnd (w, n_ids);
  else
    id = n_ids - rnd (w, MIN (n_ids, 4 * POOL));
  g_snprintf (key, sizeof key, "%u", id);
  got = wk_value_table_lookup (w->c->vt, key);
  if (got != NULL)
    {
      check_returned (got);
      g_assert_cmpuint (got->id, ==, id);
      w->n_lookups_found++;
      g_object_unref (got);
    }
}

/* An operation on an object of the pool: only this worker changes its
 * entries, so every answer is known. */
static void
op_on_object (Worker   *w,
              ThreadOp  op,
              guint     slot)
{
  TestObject *obj = w->pool[slot];
  Record *rec = record_of (obj);
  Containers *c = w->c;
  GValue value = G_VALUE_INIT;
  GValue result = G_VALUE_INIT;
  TestObject *got;

  switch (op)
    {
    case T_DROP:
      w->pool[slot] = NULL;
      obj->slot = -1;
      drop_object (obj);
      break;

    case T_HAND_OFF:
      w->pool[slot] = NULL;
      obj->slot = -1;
      w->n_handed++;
      g_async_queue_push (workers[(w->index + 1 + rnd (w, N_THREADS - 1)) % N_THREADS].inbox, obj);
      break;

    case T_VT_INSERT:
      g_assert_cmpint (wk_value_table_insert (c->vt, obj->key, obj), ==, !rec->in_vt);
      rec->in_vt = 1;
      break;

    case T_VT_REMOVE:
      g_assert_cmpint (wk_value_table_remove (c->vt, obj->key), ==, rec->in_vt);
      rec->in_vt = 0;
      break;

    case T_VT_POP:
      got = wk_value_table_pop (c->vt, obj->key);
      g_assert_true (got == (rec->in_vt ? obj : NULL));
      g_clear_object (&got);
      rec->in_vt = 0;
      break;

    case T_VT_LOOKUP:
      got = wk_value_table_lookup (c->vt, obj->key);
      g_assert_true (got == (rec->in_vt ? obj : NULL));
      g_clear_object (&got);
      g_assert_cmpint (wk_value_table_contains (c->vt, obj->key), ==, rec->in_vt);
      break;

    case T_VT_LOOKUP_OR_INSERT:
      got = wk_value_table_lookup_or_insert (c->vt, obj->key, vt_factory, obj);
      g_assert_true (got == obj);
      g_object_unref (got);
      rec->in_vt = 1;
      break;

    case T_KT_INSERT:
      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, obj->id);
      g_assert_cmpint (wk_key_table_insert_value (c->kt, obj, &value), ==, !rec->in_kt);
      g_value_unset (&value);
      rec->in_kt = 1;
      break;

    case T_KT_REMOVE:
      g_assert_cmpint (wk_key_table_remove (c->kt, obj), ==, rec->in_kt);
      rec->in_kt = 0;
      break;

    case T_KT_POP:
      g_assert_cmpint (wk_key_table_pop_value (c->kt, obj, &value), ==, rec->in_kt);
      if (rec->in_kt)
        {
          g_assert_cmpint (g_value_get_int (&value), ==, obj->id);
          g_value_unset (&value);
        }
      rec->in_kt = 0;
      break;

    case T_KT_LOOKUP:
      g_assert_cmpint (wk_key_table_contains (c->kt, obj), ==, rec->in_kt);
      g_assert_cmpint (wk_key_table_lookup_value (c->kt, obj, &value), ==, rec->in_kt);
      if (rec->in_kt)
        {
          g_assert_cmpint (g_value_get_int (&value), ==, obj->id);
          g_value_unset (&value);
        }
      break;

    case T_KT_LOOKUP_OR_INSERT:
      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, obj->id);
      g_assert_cmpint (wk_key_table_lookup_or_insert_value (c->kt, obj, &value, &result), ==,
                       !rec->in_kt);
      g_assert_cmpint (g_value_get_int (&result), ==, obj->id);
      g_value_unset (&result);
      g_value_unset (&value);
      rec->in_kt = 1;
      break;

    case T_SET_ADD:
      g_assert_cmpint (wk_set_add (c->set, obj), ==, !rec->in_set);
      rec->in_set = 1;
      break;

    case T_SET_REMOVE:
      g_assert_cmpint (wk_set_remove (c->set, obj), ==, rec->in_set);
      rec->in_set = 0;
      break;

    case T_SET_CONTAINS:
      g_assert_cmpint (wk_set_contains (c->set, obj), ==, rec->in_set);
      break;

    case T_CREATE:
    case T_VT_LOOKUP_ANY:
    case T_ITERATE:
    case T_SIZES:
    case N_TOPS:
    default:
      g_assert_not_reached ();
    }
}

static void
worker_op (Worker *w)
{
  guint total = 0;
  guint r;
  ThreadOp op;
  gint slot;

  for (guint i = 0; i < N_TOPS; i++)
    total += weights[i];
  r = rnd (w, total);
  for (op = 0; op < N_TOPS - 1 && r >= weights[op]; op++)
    r -= weights[op];

  switch (op)
    {
    case T_CREATE:
      for (slot = 0; slot < POOL && w->pool[slot] != NULL; slot++)
        ;
      if (slot == POOL)
        {
          slot = pick_live (w);
          op_on_object (w, T_DROP, slot);
        }
      create_object (w, slot);
      break;

    case T_VT_LOOKUP_ANY:
      op_lookup_any (w);
      break;

    case T_ITERATE:
      op_iterate (w);
      break;

    case T_SIZES:
      g_assert_cmpuint (wk_value_table_get_size (w->c->vt), <, n_records);
      g_assert_cmpuint (wk_key_table_get_size (w->c->kt), <, n_records);
      g_assert_cmpuint (wk_set_get_size (w->c->set), <, n_records);
      break;

    case T_DROP:
    case T_HAND_OFF:
    case T_VT_INSERT:
    case T_VT_REMOVE:
    case T_VT_POP:
    case T_VT_LOOKUP:
    case T_VT_LOOKUP_OR_INSERT:
    case T_KT_INSERT:
    case T_KT_REMOVE:
    case T_KT_POP:
    case T_KT_LOOKUP:
    case T_KT_LOOKUP_OR_INSERT:
    case T_SET_ADD:
    case T_SET_REMOVE:
    case T_SET_CONTAINS:
      slot = pick_live (w);
      if (slot >= 0)
        op_on_object (w, op, slot);
      break;

    case N_TOPS:
    default:
      g_assert_not_reached ();
    }
}

/* After the run, on the containers' thread, with the context idle: the
 * containers hold exactly the live objects of workers [first, last) that
 * are members. */
static void
check_final (Containers *c,
             guint       first,
             guint       last)
{
  guint n_vt = 0;
  guint n_kt = 0;
  guint n_set = 0;

  check_owner (c);

  for (guint i = first; i < last; i++)
    for (guint s = 0; s < POOL; s++)
      {
        TestObject *obj = workers[i].pool[s];
        Record *rec;
        TestObject *got;
        GValue value = G_VALUE_INIT;

        if (obj == NULL)
          continue;
        rec = record_of (obj);

        got = wk_value_table_lookup (c->vt, obj->key);
        g_assert_true (got == (rec->in_vt ? obj : NULL));
        g_clear_object (&got);

        g_assert_cmpint (wk_key_table_lookup_value (c->kt, obj, &value), ==, rec->in_kt);
        if (rec->in_kt)
          {
            g_assert_cmpint (g_value_get_int (&value), ==, obj->id);
            g_value_unset (&value);
          }

        g_assert_cmpint (wk_set_contains (c->set, obj), ==, rec->in_set);

        n_vt += rec->in_vt;
        n_kt += rec->in_kt;
        n_set += rec->in_set;
      }

  g_assert_cmpuint (wk_value_table_get_size (c->vt), ==, n_vt);
  g_assert_cmpuint (wk_key_table_get_size (c->kt), ==, n_kt);
  g_assert_cmpuint (wk_set_get_size (c->set), ==, n_set);

  /* The model caught up with every change and every death. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (c->set)), ==, n_set);
  check_rows (c);
  for (guint i = 0; i < n_set; i++)
    {
      WkRef *item = g_list_model_get_item (G_LIST_MODEL (c->set), i);
      TestObject *member = wk_ref_dup_object (item);

      g_assert_nonnull (member);
      g_assert_true (wk_set_contains (c->set, member));
      g_object_unref (member);
      g_object_unref (item);
    }
}

/* The objects still in the pools die, after their containers. */
static void
drop_pools (guint first,
            guint last)
{
  for (guint i = first; i < last; i++)
    for (guint s = 0; s < POOL; s++)
      if (workers[i].pool[s] != NULL)
        {
          TestObject *obj = g_steal_pointer (&workers[i].pool[s]);

          record_of (obj)->alive_at_end = 1;
          g_assert_finalize_object (obj);
        }
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  GMainContext *context = NULL;
  TestObject *obj;

  g_private_set (&worker_index_key, GUINT_TO_POINTER (w->index + 1));

  if (w->private)
    {
      context = g_main_context_new ();
      g_main_context_push_thread_default (context);
      containers_init (&w->own);
      w->c = &w->own;
    }

  for (guint s = 0; s < POOL / 2; s++)
    create_object (w, s);

  for (guint i = 0; i < w->n_ops; i++)
    {
      receive (w);
      worker_op (w);

      if (w->private && i % 8 == 0)
        g_main_context_iteration (context, FALSE);
      if (w->private && i % 1024 == 0)
        check_rows (w->c);
    }

  /* Nobody hands anything over any more. */
  barrier_wait (&barrier);
  while ((obj = g_async_queue_try_pop (w->inbox)) != NULL)
    drop_object (obj);
  /* Every object handed over is dead. */
  barrier_wait (&barrier);

  if (w->private)
    {
      /* The deaths on other threads arrive here, on this thread. */
      while (g_main_context_iteration (context, FALSE))
        ;
      check_final (w->c, w->index, w->index + 1);
      containers_destroy (w->c);
      drop_pools (w->index, w->index + 1);
      g_main_context_pop_thread_default (context);
      g_main_context_unref (context);
    }

  g_atomic_int_inc (&n_exited);
  g_main_context_wakeup (NULL);

  return NULL;
}

/* While the workers run, the main thread checks that the rows of the
 * shared set always match what items-changed told. */
static gboolean
check_rows_cb (gpointer user_data)
{
  check_rows (user_data);
  return G_SOURCE_CONTINUE;
}

/* Every object died once or lived to the end; each death of a member was
 * signalled once, on the containers' thread (checked by the handlers). */
static void
check_signals (Containers *shared)
{
  gint set_expected[N_THREADS] = { 0, };
  gint n_dropped = 0;
  gint n_alive = 0;
  guint n_ids = g_atomic_int_get (&last_id);

  for (guint id = 1; id <= n_ids; id++)
    {
      Record *rec = &records[id];

      g_assert_cmpint (rec->dropped + rec->alive_at_end, ==, 1);
      if (rec->dropped)
        {
          g_assert_cmpint (rec->vt_signals, ==, rec->in_vt);
          g_assert_cmpint (rec->kt_signals, ==, rec->in_kt);
          set_expected[rec->owner] += rec->in_set;
          n_dropped++;
        }
      else
        {
          g_assert_cmpint (rec->vt_signals, ==, 0);
          g_assert_cmpint (rec->kt_signals, ==, 0);
          n_alive++;
        }
    }

  if (shared != NULL)
    {
      g_assert_cmpint (shared->set_signals, ==,
                       set_expected[0] + set_expected[1] + set_expected[2] + set_expected[3]);
    }
  else
    {
      for (guint i = 0; i < N_THREADS; i++)
        g_assert_cmpint (workers[i].own.set_signals, ==, set_expected[i]);
    }

  g_test_message ("%u objects: %d died during the run, %d lived to the end",
                  n_ids, n_dropped, n_alive);
}

static guint
ops_per_thread (void)
{
  const char *str = g_getenv ("WOBJ_THREADS_OPS");
  guint64 n = DEFAULT_OPS;

  if (str != NULL && *str != '\0')
    g_assert_true (g_ascii_string_to_unsigned (str, 10, 1, G_MAXUINT32, &n, NULL));
  if (g_strcmp0 (g_getenv ("WOBJ_UNDER_VALGRIND"), "1") == 0)
    n = MAX (n / 100, 1);

  return n;
}

static void
run (gboolean private)
{
  Containers shared = { 0, };
  guint n_ops = ops_per_thread ();
  guint timeout_id = 0;
  gint64 start;
  gint64 elapsed;

  n_records = N_THREADS * (n_ops + POOL) + 2;
  records = g_new0 (Record, n_records);
  g_atomic_int_set (&last_id, 0);
  g_atomic_int_set (&n_exited, 0);
  for (guint i = 0; i <= N_THREADS; i++)
    g_atomic_int_set (&n_finalized_on[i], 0);

  if (!private)
    {
      containers_init (&shared);
      timeout_id = g_timeout_add (10, check_rows_cb, &shared);
    }

  for (guint i = 0; i < N_THREADS; i++)
    {
      Worker *w = &workers[i];

      memset (w, 0, sizeof *w);
      w->index = i;
      w->rand = g_rand_new_with_seed (1000 + i);
      w->n_ops = n_ops;
      w->private = private;
      w->c = private ? NULL : &shared;
      w->inbox = g_async_queue_new ();
    }

  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_THREADS; i++)
    workers[i].thread = g_thread_new ("wobj-test-worker", worker_main, &workers[i]);

  /* The owner of the shared containers runs its context all along. */
  while (g_atomic_int_get (&n_exited) < N_THREADS)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (workers[i].thread);
  elapsed = g_get_monotonic_time () - start;

  /* Then until it is idle: every death has been delivered. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  if (!private)
    {
      g_source_remove (timeout_id);
      check_final (&shared, 0, N_THREADS);
      containers_destroy (&shared);
      drop_pools (0, N_THREADS);
    }

  check_signals (private ? NULL : &shared);
  g_assert_cmpint (g_atomic_int_get (&n_objects_alive), ==, 0);

  g_test_message ("%u threads x %u operations in %.2f s", N_THREADS, n_ops, elapsed / 1e6);
  g_test_message ("finalized on the main thread: %d", g_atomic_int_get (&n_finalized_on[0]));
  for (guint i = 0; i < N_THREADS; i++)
    {
      Worker *w = &workers[i];

      g_test_message ("worker %u: %u objects made, %u handed over, %d finalized on it, "
                      "%u found by lookups of any key, %u visited by walks",
                      i, w->n_created, w->n_handed, g_atomic_int_get (&n_finalized_on[i + 1]),
                      w->n_lookups_found, w->n_visited);
      /* Objects die on every thread. */
      g_assert_cmpint (g_atomic_int_get (&n_finalized_on[i + 1]), >, 0);

      g_assert_cmpint (g_async_queue_length (w->inbox), ==, 0);
      g_async_queue_unref (w->inbox);
      g_rand_free (w->rand);
    }

  g_clear_pointer (&records, g_free);
}

static void
test_threads_shared (void)
{
  run (FALSE);
}

static void
test_threads_private (void)
{
  run (TRUE);
}

/* /Wobj/Threads/run-dispose-killer: members die by g_object_run_dispose()
 * (GTK's destroy path) on a killer thread while three workers insert,
 * look up, iterate and remove them in shared containers, and the main
 * thread, which owns the containers, takes the deaths. run_dispose lets a
 * member live on, be held anew and die again, so the test checks what must
 * hold whatever the timing: nothing crashes or trips a memory checker,
 * everything returned is a live object, and once every object is gone the
 * containers are empty and every object was finalized. */

#define KILL_POOL 128
#define N_KILL_WORKERS 3

typedef struct
{
  WkValueTable *vt;
  WkKeyTable   *kt;
  WkSet        *set;
  GThread      *owner;
  GMutex        lock;              /* the pool */
  GObject      *pool[KILL_POOL];   /* strong references */
  gint          stop;              /* atomic */
  gint          n_workers_done;    /* atomic */
  gint          n_killed;          /* atomic */
  gint          n_returned;        /* atomic */
  gint          n_signals;         /* on the owner's thread */
} KillTest;

static void
kill_signal_cb (GObject  *container,
                gpointer  arg,
                KillTest *kt)
{
  g_assert_true (g_thread_self () == kt->owner);
  kt->n_signals++;
}

static GObject *
kill_pick (KillTest *kt,
           GRand    *rand,
           guint    *slot)
{
  GObject *object;

  *slot = g_rand_int_range (rand, 0, KILL_POOL);
  g_mutex_lock (&kt->lock);
  object = g_object_ref (kt->pool[*slot]);
  g_mutex_unlock (&kt->lock);

  return object;
}

static void
kill_returned (KillTest *kt,
               gpointer  object)
{
  if (object == NULL)
    return;

  g_assert_true (G_IS_OBJECT (object));
  g_assert_cmpuint (g_atomic_int_get (&G_OBJECT (object)->ref_count), >, 0);
  g_atomic_int_inc (&kt->n_returned);
  g_object_unref (object);
}

static gboolean
kill_visit_cb (gpointer object,
               gpointer user_data)
{
  g_assert_true (G_IS_OBJECT (object));
  return TRUE;
}

static gpointer
kill_worker_func (gpointer data)
{
  KillTest *kt = data;
  GRand *rand = g_rand_new ();
  guint n_ops = wk_test_scaled (60000);


  for (guint i = 0; i < n_ops && !g_atomic_int_get (&kt->stop); i++)
    {
      guint slot;
      GObject *object = kill_pick (kt, rand, &slot);
      char key[16];
      GObject *fresh;

      g_snprintf (key, sizeof key, "%u", slot);
      switch (g_rand_int_range (rand, 0, 10))
        {
        case 0:
          wk_value_table_insert (kt->vt, key, object);
          break;
        case 1:
          wk_key_table_insert (kt->kt, object, NULL);
          break;
        case 2:
          wk_set_add (kt->set, object);
          break;
        case 3:
          kill_returned (kt, wk_value_table_lookup (kt->vt, key));
          break;
        case 4:
          /* Its answer may change at any moment: exercised, not checked. */
          (void) wk_key_table_contains (kt->kt, object);
          kill_returned (kt, wk_set_contains (kt->set, object) ? g_object_ref (object) : NULL);
          break;
        case 5:
          {
            WkSetIter iter;
            GObject *member;

            wk_set_iter_init (&iter, kt->set);
            while (wk_set_iter_next (&iter, (gpointer *) &member))
              kill_visit_cb (member, NULL);
          }
          break;
        case 6:
          wk_value_table_remove (kt->vt, key);
          wk_set_remove (kt->set, object);
          break;
        case 7:
          wk_key_table_remove (kt->kt, object);
          break;
        case 8:
          {
            GPtrArray *members = wk_set_dup_members (kt->set);

            for (guint j = 0; j < members->len; j++)
              kill_visit_cb (members->pdata[j], NULL);
            g_ptr_array_unref (members);
          }
          break;
        default:
          /* A new object takes the slot: the old one dies wherever its
           * last reference goes. */
          fresh = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
          g_mutex_lock (&kt->lock);
          g_object_unref (kt->pool[slot]);
          kt->pool[slot] = fresh;
          g_mutex_unlock (&kt->lock);
          break;
        }
      g_object_unref (object);
    }

  g_rand_free (rand);
  g_atomic_int_inc (&kt->n_workers_done);
  return NULL;
}

static gpointer
killer_func (gpointer data)
{
  KillTest *kt = data;
  GRand *rand = g_rand_new ();

  while (!g_atomic_int_get (&kt->stop))
    {
      guint slot;
      GObject *object = kill_pick (kt, rand, &slot);

      g_object_run_dispose (object);
      g_atomic_int_inc (&kt->n_killed);
      g_object_unref (object);
    }

  g_rand_free (rand);
  return NULL;
}


static void
test_threads_run_dispose_killer (void)
{
  KillTest kt = { 0, };
  GThread *workers_[N_KILL_WORKERS];
  GThread *killer;
  guint n_before = wk_test_object_n_finalized ();
  guint n_made = KILL_POOL;

  wk_test_watchdog_start (600);

  kt.owner = g_thread_self ();
  kt.vt = wk_value_table_new ();
  kt.kt = wk_key_table_new ();
  kt.set = wk_set_new (G_TYPE_OBJECT);
  g_signal_connect (kt.vt, "object-finalized", G_CALLBACK (kill_signal_cb), &kt);
  g_signal_connect (kt.kt, "object-finalized", G_CALLBACK (kill_signal_cb), &kt);
  g_signal_connect (kt.set, "object-finalized", G_CALLBACK (kill_signal_cb), &kt);
  g_mutex_init (&kt.lock);
  for (guint i = 0; i < KILL_POOL; i++)
    kt.pool[i] = g_object_new (WK_TEST_TYPE_OBJECT, NULL);

  for (guint i = 0; i < N_KILL_WORKERS; i++)
    workers_[i] = g_thread_new ("wk-test-kill-worker", kill_worker_func, &kt);
  killer = g_thread_new ("wk-test-killer", killer_func, &kt);

  /* The main thread takes the deaths until the workers are done. */
  while (g_atomic_int_get (&kt.n_workers_done) < N_KILL_WORKERS)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (100);
    }
  for (guint i = 0; i < N_KILL_WORKERS; i++)
    g_thread_join (workers_[i]);
  g_atomic_int_set (&kt.stop, 1);
  g_thread_join (killer);

  /* Every object goes: the containers end empty. */
  for (guint i = 0; i < KILL_POOL; i++)
    g_clear_object (&kt.pool[i]);
  wk_test_drain_context (NULL);
  g_test_message ("%d run_dispose, %d objects returned by lookups, %d signals",
                  kt.n_killed, kt.n_returned, kt.n_signals);
  g_assert_cmpuint (wk_value_table_get_size (kt.vt), ==, 0);
  g_assert_cmpuint (wk_key_table_get_size (kt.kt), ==, 0);
  g_assert_cmpuint (wk_set_get_size (kt.set), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (kt.set)), ==, 0);
  g_assert_cmpuint (wk_test_object_n_finalized () - n_before, >=, n_made);

  g_assert_finalize_object (kt.vt);
  g_assert_finalize_object (kt.kt);
  g_assert_finalize_object (kt.set);
  g_mutex_clear (&kt.lock);

  wk_test_watchdog_stop ();
}

/* /Wobj/Threads/join-during-death: a member dies while a worker is making
 * its entry. The main thread owns the key table and kills its members
 * with g_object_run_dispose(), so every death is delivered at once, inside
 * the weak notify, on the main thread, while the worker may be anywhere in
 * wk_key_table_insert(). An entry whose membership was linked before the
 * entry was complete lost the delivery's reference drop to the worker's
 * initialisation of its count, and leaked, value and all (the killer case
 * above found it, about one run in ten under ASan). Each value counts its
 * own free: every value given to the table must be freed by the end,
 * whatever the timing. */

#define JOIN_POOL 8

typedef struct
{
  GObject    *pool[JOIN_POOL];
  WkKeyTable *table;
  gint        stop;             /* atomic */
  gint        n_values_made;    /* atomic */
  gint        n_values_freed;   /* atomic */
} JoinTest;

static JoinTest *join_test;

/* Not called by the test: the table needs one with its free function. */
static gpointer
join_value_copy (gpointer value)
{
  g_atomic_int_inc (&join_test->n_values_made);
  return g_memdup2 (value, sizeof (int));
}

static void
join_value_free (gpointer value)
{
  g_atomic_int_inc (&join_test->n_values_freed);
  g_free (value);
}

static gpointer
join_worker_func (gpointer data)
{
  JoinTest *jt = data;
  guint i = 0;

  while (!g_atomic_int_get (&jt->stop))
    {
      GObject *member = jt->pool[i++ % JOIN_POOL];

      g_atomic_int_inc (&jt->n_values_made);
      wk_key_table_insert (jt->table, member, g_new0 (int, 1));
      if (i % 4 == 0)
        wk_key_table_remove (jt->table, member);
    }

  return NULL;
}

static void
test_threads_join_during_death (void)
{
  JoinTest jt = { 0, };
  GThread *worker;
  guint rounds = wk_test_scaled (2000000);

  wk_test_watchdog_start (600);
  join_test = &jt;
  jt.table = wk_key_table_new_full (join_value_copy, join_value_free);
  for (guint i = 0; i < JOIN_POOL; i++)
    jt.pool[i] = g_object_new (WK_TEST_TYPE_OBJECT, NULL);

  worker = g_thread_new ("wk-test-join", join_worker_func, &jt);
  for (guint r = 0; r < rounds; r++)
    g_object_run_dispose (jt.pool[r % JOIN_POOL]);
  g_atomic_int_set (&jt.stop, 1);
  g_thread_join (worker);

  for (guint i = 0; i < JOIN_POOL; i++)
    g_assert_finalize_object (jt.pool[i]);
  wk_test_drain_context (NULL);
  g_assert_cmpuint (wk_key_table_get_size (jt.table), ==, 0);
  g_assert_finalize_object (jt.table);

  g_test_message ("%d values given, %d freed", jt.n_values_made, jt.n_values_freed);
  g_assert_cmpint (g_atomic_int_get (&jt.n_values_freed), ==, g_atomic_int_get (&jt.n_values_made));
  join_test = NULL;
  wk_test_watchdog_stop ();
}

/* /Wobj/Threads/ref-join-during-death: the same window for a WkRef. A
 * worker that pushed no context of its own makes references, so their
 * owner's context is the global default one, which the main thread
 * iterates while it kills the objects: a death is delivered on the main
 * thread while the worker may still be inside wk_ref_new_full(). A
 * reference that linked its membership before publishing it, or set its
 * callback after linking, lost that delivery's end of the link and later
 * left a membership the delivery had freed (ASan and valgrind see it).
 * Each callback's data counts its release: exactly once per reference. */

typedef struct
{
  GObject *pool[JOIN_POOL];
  gint     stop;           /* atomic */
  gint     n_made;         /* atomic */
  gint     n_called;       /* atomic */
  gint     n_released;     /* atomic */
} RefJoinTest;

static void
ref_join_notify (WkRef    *ref,
                 gpointer  data)
{
  RefJoinTest *rt = data;

  g_assert_false (wk_ref_is_alive (ref));
  g_atomic_int_inc (&rt->n_called);
}

static void
ref_join_release (gpointer data)
{
  RefJoinTest *rt = data;

  g_atomic_int_inc (&rt->n_released);
}

static gpointer
ref_join_worker_func (gpointer data)
{
  RefJoinTest *rt = data;
  /* The last few references live on, so that deaths find live ones. */
  WkRef *recent[16] = { NULL, };
  guint i = 0;

  while (!g_atomic_int_get (&rt->stop))
    {
      WkRef **slot = &recent[i % G_N_ELEMENTS (recent)];

      g_clear_object (slot);
      *slot = wk_ref_new_full (rt->pool[i++ % JOIN_POOL],
                               ref_join_notify, rt, ref_join_release);
      g_atomic_int_inc (&rt->n_made);
    }
  for (guint j = 0; j < G_N_ELEMENTS (recent); j++)
    g_clear_object (&recent[j]);

  return NULL;
}

static void
test_threads_ref_join_during_death (void)
{
  RefJoinTest rt = { 0, };
  GThread *worker;
  guint rounds = wk_test_scaled (500000);

  wk_test_watchdog_start (600);
  for (guint i = 0; i < JOIN_POOL; i++)
    rt.pool[i] = g_object_new (WK_TEST_TYPE_OBJECT, NULL);

  worker = g_thread_new ("wk-test-ref-join", ref_join_worker_func, &rt);
  for (guint r = 0; r < rounds; r++)
    {
      g_object_run_dispose (rt.pool[r % JOIN_POOL]);
      g_main_context_iteration (NULL, FALSE);
    }
  g_atomic_int_set (&rt.stop, 1);
  g_thread_join (worker);
  wk_test_drain_context (NULL);

  for (guint i = 0; i < JOIN_POOL; i++)
    g_assert_finalize_object (rt.pool[i]);

  g_test_message ("%d references, %d callbacks, %d releases",
                  rt.n_made, rt.n_called, rt.n_released);
  g_assert_cmpint (g_atomic_int_get (&rt.n_released), ==, g_atomic_int_get (&rt.n_made));
  g_assert_cmpint (g_atomic_int_get (&rt.n_called), <=, g_atomic_int_get (&rt.n_made));
  wk_test_watchdog_stop ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Wobj/Threads/shared", test_threads_shared);
  g_test_add_func ("/Wobj/Threads/private", test_threads_private);
  g_test_add_func ("/Wobj/Threads/run-dispose-killer", test_threads_run_dispose_killer);
  g_test_add_func ("/Wobj/Threads/join-during-death", test_threads_join_during_death);
  g_test_add_func ("/Wobj/Threads/ref-join-during-death", test_threads_ref_join_during_death);

  return g_test_run ();
}

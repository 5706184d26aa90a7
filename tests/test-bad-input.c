/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Promise 7, as a matrix: every public function of wobj, called with bad
 * input in each pointer argument (NULL, a GParamSpec, a zero-filled struct,
 * an object of the wrong type), logs a g_critical that names the function
 * and the argument, returns the documented value (FALSE / NULL / 0 /
 * G_TYPE_INVALID, all zero) and changes nothing: every container of the
 * fixture is described in full (sizes, n_items, keys, values, members)
 * before and after each call.
 *
 * One table row is one (function, argument) pair; the harness runs it with
 * each kind of bad input the row allows. Each row is a GTest case
 * /Wobj/BadInput/<function>/<argument>. Rows for optional (nullable)
 * arguments check that NULL is accepted without a message. An enum
 * argument gets values outside the enum instead (BAD_RANGE). The only
 * public functions without a row are wk_value_table_new(),
 * wk_key_table_new() and wk_delivery_get_default(), which take no
 * argument. */

#include <wobj.h>

#include "wk-test-util.h"

/* The fixture: one container of each kind with two live members. */

typedef struct
{
  GObject      *o1;     /* WkTestObject */
  GObject      *o2;     /* WkTestObject */
  GObject      *o3;     /* plain GObject */
  WkValueTable *vt;     /* string keys: "a" -> o1, "b" -> o2 */
  WkValueTable *vtf;    /* new_full, direct keys: 1 -> o1, 2 -> o2 */
  WkKeyTable   *kt;     /* GValue values: o1 -> 1, o2 -> "two" */
  WkKeyTable   *ktf;    /* new_full, raw pointers: o1 -> "x", o2 -> "y" */
  WkSet        *set;    /* typed WkTestObject: o1, o2 */
  WkSet        *gset;   /* GObject: o1, o3 */
  WkRef        *ref;    /* o1 */
  GParamSpec   *pspec;  /* a GTypeInstance that is not a GObject */
  gpointer      zero;   /* a zero-filled struct */
  GValue        int_value;
} Fixture;

static char *
fixture_describe (Fixture *f)
{
  GString *s = g_string_new (NULL);
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GPtrArray) values = NULL;
  g_autoptr(GPtrArray) members = NULL;
  gpointer object;

  g_string_append_printf (s, "vt[%u]", wk_value_table_get_size (f->vt));
  wk_value_table_dup_entries (f->vt, &keys, &values);
  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (s, " %s=%p", (char *) keys->pdata[i], values->pdata[i]);
  g_clear_pointer (&keys, g_ptr_array_unref);
  g_clear_pointer (&values, g_ptr_array_unref);

  g_string_append_printf (s, "\nvtf[%u]", wk_value_table_get_size (f->vtf));
  wk_value_table_dup_entries (f->vtf, &keys, &values);
  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (s, " %p=%p", keys->pdata[i], values->pdata[i]);
  g_clear_pointer (&keys, g_ptr_array_unref);
  g_clear_pointer (&values, g_ptr_array_unref);

  g_string_append_printf (s, "\nkt[%u]", wk_key_table_get_size (f->kt));
  wk_key_table_dup_entries (f->kt, &keys, &values);
  for (guint i = 0; i < keys->len; i++)
    {
      g_autofree char *contents = g_strdup_value_contents (values->pdata[i]);
      g_string_append_printf (s, " %p=%s", keys->pdata[i], contents);
    }
  g_clear_pointer (&keys, g_ptr_array_unref);
  g_clear_pointer (&values, g_ptr_array_unref);

  g_string_append_printf (s, "\nktf[%u]", wk_key_table_get_size (f->ktf));
  wk_key_table_dup_entries (f->ktf, &keys, &values);
  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (s, " %p=%s", keys->pdata[i], (char *) values->pdata[i]);
  g_clear_pointer (&keys, g_ptr_array_unref);
  g_clear_pointer (&values, g_ptr_array_unref);

  g_string_append_printf (s, "\nset[%u/%u]", wk_set_get_size (f->set),
                          g_list_model_get_n_items (G_LIST_MODEL (f->set)));
  members = wk_set_dup_members (f->set);
  for (guint i = 0; i < members->len; i++)
    g_string_append_printf (s, " %p", members->pdata[i]);
  g_clear_pointer (&members, g_ptr_array_unref);

  g_string_append_printf (s, "\ngset[%u/%u]", wk_set_get_size (f->gset),
                          g_list_model_get_n_items (G_LIST_MODEL (f->gset)));
  members = wk_set_dup_members (f->gset);
  for (guint i = 0; i < members->len; i++)
    g_string_append_printf (s, " %p", members->pdata[i]);
  g_clear_pointer (&members, g_ptr_array_unref);

  object = wk_ref_dup_object (f->ref);
  g_string_append_printf (s, "\nref %p", object);
  g_clear_object (&object);

  return g_string_free (s, FALSE);
}

static void
fixture_setup (Fixture *f)
{
  GValue v = G_VALUE_INIT;

  f->o1 = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
  f->o2 = g_object_new (WK_TEST_TYPE_OBJECT, NULL);
  f->o3 = g_object_new (G_TYPE_OBJECT, NULL);

  f->vt = wk_value_table_new ();
  wk_value_table_insert (f->vt, "a", f->o1);
  wk_value_table_insert (f->vt, "b", f->o2);

  f->vtf = wk_value_table_new_full (g_direct_hash, g_direct_equal, NULL, NULL);
  wk_value_table_insert (f->vtf, GINT_TO_POINTER (1), f->o1);
  wk_value_table_insert (f->vtf, GINT_TO_POINTER (2), f->o2);

  f->kt = wk_key_table_new ();
  g_value_init (&v, G_TYPE_INT);
  g_value_set_int (&v, 1);
  wk_key_table_insert_value (f->kt, f->o1, &v);
  g_value_unset (&v);
  g_value_init (&v, G_TYPE_STRING);
  g_value_set_static_string (&v, "two");
  wk_key_table_insert_value (f->kt, f->o2, &v);
  g_value_unset (&v);

  f->ktf = wk_key_table_new_full (NULL, NULL);
  wk_key_table_insert (f->ktf, f->o1, (gpointer) "x");
  wk_key_table_insert (f->ktf, f->o2, (gpointer) "y");

  f->set = wk_set_new (WK_TEST_TYPE_OBJECT);
  wk_set_add (f->set, f->o1);
  wk_set_add (f->set, f->o2);

  f->gset = wk_set_new (G_TYPE_OBJECT);
  wk_set_add (f->gset, f->o1);
  wk_set_add (f->gset, f->o3);

  f->ref = wk_ref_new (f->o1);

  f->pspec = g_param_spec_ref_sink (g_param_spec_int ("n", NULL, NULL, 0, 10, 0, G_PARAM_READWRITE));
  f->zero = g_malloc0 (256);
  g_value_init (&f->int_value, G_TYPE_INT);
  g_value_set_int (&f->int_value, 7);
}

static void
fixture_teardown (Fixture *f)
{
  g_value_unset (&f->int_value);
  g_free (f->zero);
  g_param_spec_unref (f->pspec);
  g_assert_finalize_object (f->ref);
  g_assert_finalize_object (f->gset);
  g_assert_finalize_object (f->set);
  g_assert_finalize_object (f->ktf);
  g_assert_finalize_object (f->kt);
  g_assert_finalize_object (f->vtf);
  g_assert_finalize_object (f->vt);
  g_assert_finalize_object (f->o1);
  g_assert_finalize_object (f->o2);
  g_assert_finalize_object (f->o3);
}

/* The kinds of bad input. */
typedef enum
{
  BAD_NULL   = 1 << 0,
  BAD_PSPEC  = 1 << 1,  /* a GParamSpec where a GObject is expected */
  BAD_ZERO   = 1 << 2,  /* a zero-filled struct */
  BAD_WRONG  = 1 << 3,  /* an object of the wrong type */
  BAD_RANGE  = 1 << 4,  /* an enum value past the last one */
  BAD_NEGATIVE = 1 << 5,  /* a negative enum value */
} BadKind;

#define BAD_ENUM (BAD_RANGE | BAD_NEGATIVE)

#define BAD_ALL (BAD_NULL | BAD_PSPEC | BAD_ZERO | BAD_WRONG)
#define BAD_ANY_OBJECT (BAD_NULL | BAD_PSPEC | BAD_ZERO)

/* How the function reports it. */
typedef enum
{
  STYLE_ASSERT,     /* GLib's "func: assertion '... arg ...' failed" */
  STYLE_CHECK,      /* wobj's "func: arg must be a GObject, not ..." */
  STYLE_OPTIONAL,   /* NULL is allowed: no message */
} Style;

/* What to pass as the wrong object. */
typedef enum
{
  WRONG_NONE,
  WRONG_SET,        /* a WkSet where another container is expected */
  WRONG_VALUE_TABLE,/* a WkValueTable where a WkSet/WkKeyTable/WkRef is expected */
  WRONG_GOBJECT,    /* a plain GObject where a WkTestObject is expected */
  WRONG_KT_FULL,    /* a new_full WkKeyTable for a *_value function */
} Wrong;

typedef gintptr (*CallFunc) (Fixture *f, gpointer bad);

typedef struct
{
  const char *function;
  const char *argument;
  Style       style;
  guint       kinds;
  Wrong       wrong;
  CallFunc    call;
  gintptr     expected;  /* the documented return for bad input */
} Row;

/* One call per (function, argument): `bad` goes into that argument, the
 * others are valid. */
#define CALL(id, expr) \
  static gintptr call_##id (Fixture *f, gpointer bad) { return (gintptr) (expr); }
#define CALLB(id, ...) \
  static gintptr call_##id (Fixture *f, gpointer bad) { __VA_ARGS__ }
#define CALLV(id, stmt) \
  static gintptr call_##id (Fixture *f, gpointer bad) { stmt; return 0; }

static gpointer
make_thing (gconstpointer key, gpointer user_data)
{
  return g_object_new (WK_TEST_TYPE_OBJECT, NULL);
}

static gpointer
make_string (gpointer key, gpointer user_data)
{
  return (gpointer) "made";
}

static void
vt_foreach_func (gconstpointer key, gpointer object, gpointer user_data)
{
}

static void
kt_foreach_func (gpointer key, gpointer value, gpointer user_data)
{
}

static void
set_foreach_func (gpointer object, gpointer user_data)
{
}

static gintptr
unref_result (gpointer object)
{
  gintptr r = (gintptr) object;

  if (object != NULL)
    g_object_unref (object);
  return r;
}

/* WkRef */
CALL (ref_new_object, wk_ref_new (bad))
CALL (ref_new_full_object, wk_ref_new_full (bad, NULL, NULL, NULL))
CALL (ref_dup_object_self, wk_ref_dup_object (bad))
CALL (ref_is_alive_self, wk_ref_is_alive (bad))

/* WkValueTable */
CALL (vt_insert_self, wk_value_table_insert (bad, "k", f->o3))
CALL (vt_insert_key, wk_value_table_insert (f->vt, bad, f->o3))
CALL (vt_insert_object, wk_value_table_insert (f->vt, "a", bad))
CALL (vtf_insert_object, wk_value_table_insert (f->vtf, GINT_TO_POINTER (1), bad))
CALL (vt_lookup_self, unref_result (wk_value_table_lookup (bad, "a")))
CALL (vt_lookup_key, unref_result (wk_value_table_lookup (f->vt, bad)))
CALL (vt_lookup_or_insert_self, unref_result (wk_value_table_lookup_or_insert (bad, "a", make_thing, NULL)))
CALL (vt_lookup_or_insert_key, unref_result (wk_value_table_lookup_or_insert (f->vt, bad, make_thing, NULL)))
CALL (vt_lookup_or_insert_factory, unref_result (wk_value_table_lookup_or_insert (f->vt, "new", bad, NULL)))
CALL (vt_contains_self, wk_value_table_contains (bad, "a"))
CALL (vt_contains_key, wk_value_table_contains (f->vt, bad))
CALL (vt_remove_self, wk_value_table_remove (bad, "a"))
CALL (vt_remove_key, wk_value_table_remove (f->vt, bad))
CALL (vt_pop_self, unref_result (wk_value_table_pop (bad, "a")))
CALL (vt_pop_key, unref_result (wk_value_table_pop (f->vt, bad)))
CALLV (vt_remove_all_self, wk_value_table_remove_all (bad))
CALL (vt_get_size_self, wk_value_table_get_size (bad))
CALL (vt_dup_keys_self, wk_value_table_dup_keys (bad))
CALL (vt_dup_values_self, wk_value_table_dup_values (bad))
CALLV (vt_dup_entries_self,
       GPtrArray *k = NULL; GPtrArray *v = NULL;
       wk_value_table_dup_entries (bad, &k, &v);
       g_assert_null (k); g_assert_null (v))
CALLV (vt_dup_entries_keys, GPtrArray *v = NULL;
       wk_value_table_dup_entries (f->vt, bad, &v);
       g_assert_cmpuint (v->len, ==, 2); g_ptr_array_unref (v))
CALLV (vt_dup_entries_values, GPtrArray *k = NULL;
       wk_value_table_dup_entries (f->vt, &k, bad);
       g_assert_cmpuint (k->len, ==, 2); g_ptr_array_unref (k))
CALLV (vt_foreach_self, wk_value_table_foreach (bad, vt_foreach_func, NULL))
CALLV (vt_foreach_func, wk_value_table_foreach (f->vt, bad, NULL))
CALLV (vt_iter_init_iter, wk_value_table_iter_init (bad, f->vt))
CALLV (vt_iter_init_table, WkValueTableIter it; wk_value_table_iter_init (&it, bad))
CALL (vt_iter_next_iter, wk_value_table_iter_next (bad, NULL, NULL))
CALLB (vt_iter_next_key,
      WkValueTableIter it; gpointer o = NULL; guint n = 0;
      wk_value_table_iter_init (&it, f->vt);
      while (wk_value_table_iter_next (&it, bad, &o)) { g_assert_nonnull (o); n++;}
      wk_value_table_iter_clear (&it); return (gintptr) (n);)
CALLB (vt_iter_next_object,
      WkValueTableIter it; gconstpointer k = NULL; guint n = 0;
      wk_value_table_iter_init (&it, f->vt);
      while (wk_value_table_iter_next (&it, &k, bad)) { g_assert_nonnull (k); n++;}
      wk_value_table_iter_clear (&it); return (gintptr) (n);)
CALLV (vt_iter_clear_iter, wk_value_table_iter_clear (bad))

/* WkKeyTable */
CALL (kt_new_full_value_free_func, wk_key_table_new_full ((GBoxedCopyFunc) g_strdup, bad))
CALL (kt_new_full_value_copy_func, wk_key_table_new_full (bad, g_free))
CALL (kt_insert_self, wk_key_table_insert (bad, f->o3, NULL))
CALL (kt_insert_key, wk_key_table_insert (f->ktf, bad, (gpointer) "z"))
CALL (kt_lookup_self, wk_key_table_lookup (bad, f->o1, NULL))
CALL (kt_lookup_key, wk_key_table_lookup (f->ktf, bad, NULL))
CALL (kt_lookup_value, wk_key_table_lookup (f->ktf, f->o1, bad))
CALL (kt_lookup_or_insert_self, wk_key_table_lookup_or_insert (bad, f->o3, make_string, NULL))
CALL (kt_lookup_or_insert_key, wk_key_table_lookup_or_insert (f->ktf, bad, make_string, NULL))
CALL (kt_lookup_or_insert_factory, wk_key_table_lookup_or_insert (f->ktf, f->o3, bad, NULL))
CALL (kt_pop_self, wk_key_table_pop (bad, f->o1, NULL))
CALL (kt_pop_key, wk_key_table_pop (f->ktf, bad, NULL))
CALL (kt_insert_value_self, wk_key_table_insert_value (bad, f->o3, &f->int_value))
CALL (kt_insert_value_key, wk_key_table_insert_value (f->kt, bad, &f->int_value))
CALL (kt_insert_value_value, wk_key_table_insert_value (f->kt, f->o1, bad))
CALLB (kt_lookup_value_self, GValue v = G_VALUE_INIT;
      return (gintptr) (wk_key_table_lookup_value (bad, f->o1, &v));)
CALLB (kt_lookup_value_key, GValue v = G_VALUE_INIT;
      return (gintptr) (wk_key_table_lookup_value (f->kt, bad, &v));)
CALL (kt_lookup_value_value, wk_key_table_lookup_value (f->kt, f->o1, bad))
CALLB (kt_lookup_or_insert_value_self,
      GValue r = G_VALUE_INIT;
      return (gintptr) (wk_key_table_lookup_or_insert_value (bad, f->o3, &f->int_value, &r));)
CALLB (kt_lookup_or_insert_value_key,
      GValue r = G_VALUE_INIT;
      return (gintptr) (wk_key_table_lookup_or_insert_value (f->kt, bad, &f->int_value, &r));)
CALLB (kt_lookup_or_insert_value_value,
      GValue r = G_VALUE_INIT;
      return (gintptr) (wk_key_table_lookup_or_insert_value (f->kt, f->o3, bad, &r));)
CALL (kt_lookup_or_insert_value_result,
      wk_key_table_lookup_or_insert_value (f->kt, f->o3, &f->int_value, bad))
CALLB (kt_pop_value_self, GValue v = G_VALUE_INIT;
      return (gintptr) (wk_key_table_pop_value (bad, f->o1, &v));)
CALLB (kt_pop_value_key, GValue v = G_VALUE_INIT;
      return (gintptr) (wk_key_table_pop_value (f->kt, bad, &v));)
CALL (kt_pop_value_value, wk_key_table_pop_value (f->kt, f->o1, bad))
CALL (kt_contains_self, wk_key_table_contains (bad, f->o1))
CALL (kt_contains_key, wk_key_table_contains (f->kt, bad))
CALL (kt_remove_self, wk_key_table_remove (bad, f->o1))
CALL (kt_remove_key, wk_key_table_remove (f->kt, bad))
CALLV (kt_remove_all_self, wk_key_table_remove_all (bad))
CALL (kt_get_size_self, wk_key_table_get_size (bad))
CALL (kt_dup_keys_self, wk_key_table_dup_keys (bad))
CALL (kt_dup_values_self, wk_key_table_dup_values (bad))
CALLV (kt_dup_entries_self,
       GPtrArray *k = NULL; GPtrArray *v = NULL;
       wk_key_table_dup_entries (bad, &k, &v);
       g_assert_null (k); g_assert_null (v))
CALLV (kt_dup_entries_keys, GPtrArray *v = NULL;
       wk_key_table_dup_entries (f->kt, bad, &v);
       g_assert_cmpuint (v->len, ==, 2); g_ptr_array_unref (v))
CALLV (kt_dup_entries_values, GPtrArray *k = NULL;
       wk_key_table_dup_entries (f->kt, &k, bad);
       g_assert_cmpuint (k->len, ==, 2); g_ptr_array_unref (k))
CALLV (kt_foreach_self, wk_key_table_foreach (bad, kt_foreach_func, NULL))
CALLV (kt_foreach_func, wk_key_table_foreach (f->kt, bad, NULL))
CALLV (kt_iter_init_iter, wk_key_table_iter_init (bad, f->kt))
CALLV (kt_iter_init_table, WkKeyTableIter it; wk_key_table_iter_init (&it, bad))
CALL (kt_iter_next_iter, wk_key_table_iter_next (bad, NULL, NULL))
CALLB (kt_iter_next_key,
      WkKeyTableIter it; gpointer v = NULL; guint n = 0;
      wk_key_table_iter_init (&it, f->ktf);
      while (wk_key_table_iter_next (&it, bad, &v)) { g_assert_nonnull (v); n++;}
      wk_key_table_iter_clear (&it); return (gintptr) (n);)
CALLB (kt_iter_next_value,
      WkKeyTableIter it; gpointer k = NULL; guint n = 0;
      wk_key_table_iter_init (&it, f->ktf);
      while (wk_key_table_iter_next (&it, &k, bad)) { g_assert_nonnull (k); n++;}
      wk_key_table_iter_clear (&it); return (gintptr) (n);)
CALLV (kt_iter_clear_iter, wk_key_table_iter_clear (bad))

/* WkSet */
CALL (set_new_member_type, wk_set_new ((GType) GPOINTER_TO_SIZE (bad)))
CALL (set_get_member_type_self, wk_set_get_member_type (bad))
CALL (set_add_self, wk_set_add (bad, f->o3))
CALL (set_add_object, wk_set_add (f->set, bad))
CALL (set_remove_self, wk_set_remove (bad, f->o1))
CALL (set_remove_object, wk_set_remove (f->set, bad))
CALL (set_contains_self, wk_set_contains (bad, f->o1))
CALL (set_contains_object, wk_set_contains (f->set, bad))
CALL (set_pop_self, unref_result (wk_set_pop (bad)))
CALLV (set_remove_all_self, wk_set_remove_all (bad))
CALL (set_get_size_self, wk_set_get_size (bad))
CALL (set_dup_members_self, wk_set_dup_members (bad))
CALLV (set_foreach_self, wk_set_foreach (bad, set_foreach_func, NULL))
CALLV (set_foreach_func, wk_set_foreach (f->set, bad, NULL))
CALLV (set_update_self, wk_set_update (bad, f->set))
CALLV (set_update_other, wk_set_update (f->set, bad))
CALLV (set_intersection_update_self, wk_set_intersection_update (bad, f->set))
CALLV (set_intersection_update_other, wk_set_intersection_update (f->set, bad))
CALLV (set_difference_update_self, wk_set_difference_update (bad, f->set))
CALLV (set_difference_update_other, wk_set_difference_update (f->set, bad))
CALLV (set_symmetric_difference_update_self, wk_set_symmetric_difference_update (bad, f->set))
CALLV (set_symmetric_difference_update_other, wk_set_symmetric_difference_update (f->set, bad))
CALL (set_union_self, wk_set_union (bad, f->set))
CALL (set_union_other, wk_set_union (f->set, bad))
CALL (set_intersection_self, wk_set_intersection (bad, f->set))
CALL (set_intersection_other, wk_set_intersection (f->set, bad))
CALL (set_difference_self, wk_set_difference (bad, f->set))
CALL (set_difference_other, wk_set_difference (f->set, bad))
CALL (set_symmetric_difference_self, wk_set_symmetric_difference (bad, f->set))
CALL (set_symmetric_difference_other, wk_set_symmetric_difference (f->set, bad))
CALL (set_is_subset_self, wk_set_is_subset (bad, f->set))
CALL (set_is_subset_other, wk_set_is_subset (f->set, bad))
CALL (set_is_superset_self, wk_set_is_superset (bad, f->set))
CALL (set_is_superset_other, wk_set_is_superset (f->set, bad))
CALL (set_is_disjoint_self, wk_set_is_disjoint (bad, f->set))
CALL (set_is_disjoint_other, wk_set_is_disjoint (f->set, bad))
CALL (set_equal_self, wk_set_equal (bad, f->set))
CALL (set_equal_other, wk_set_equal (f->set, bad))
CALLV (set_iter_init_iter, wk_set_iter_init (bad, f->set))
CALLV (set_iter_init_set, WkSetIter it; wk_set_iter_init (&it, bad))
CALL (set_iter_next_iter, wk_set_iter_next (bad, NULL))
CALLB (set_iter_next_object,
      WkSetIter it; guint n = 0;
      wk_set_iter_init (&it, f->set);
      while (wk_set_iter_next (&it, bad)) n++;
      wk_set_iter_clear (&it); return (gintptr) (n);)
CALLV (set_iter_clear_iter, wk_set_iter_clear (bad))

/* The default delivery: `bad` is the enum value (GPOINTER_TO_INT). Each
 * call returns 0 if the default is what it was before. */
CALL (delivery_set_default_delivery,
      (wk_delivery_set_default ((WkDelivery) GPOINTER_TO_INT (bad)),
       wk_delivery_get_default () != WK_DELIVERY_AT_ONCE))
CALLB (delivery_set_default_from_idle,
      gintptr changed;
      wk_delivery_set_default (WK_DELIVERY_IDLE);
      wk_delivery_set_default ((WkDelivery) GPOINTER_TO_INT (bad));
      changed = wk_delivery_get_default () != WK_DELIVERY_IDLE;
      wk_delivery_set_default (WK_DELIVERY_AT_ONCE);
      return changed;)

/* Weak signal connections, to a plain GObject's `notify`. The closure is
 * the caller's: a failed precondition doesn't take it. (connect_flags is
 * not a pointer: test-signal.c checks it.) */
static void
signal_handler (GObject *object, GParamSpec *pspec, gpointer user_data)
{
}

static gintptr
connect_closure_weak (gpointer emitter, const char *signal, gboolean with_closure, gpointer receiver)
{
  GClosure *closure = g_cclosure_new (G_CALLBACK (signal_handler), NULL, NULL);
  gulong id;

  g_closure_ref (closure);
  g_closure_sink (closure);
  id = wk_signal_connect_closure_weak (emitter, signal, with_closure ? closure : NULL, receiver, FALSE);
  g_closure_unref (closure);

  return (gintptr) id;
}

CALL (signal_connect_weak_emitter, wk_signal_connect_weak (bad, "notify", G_CALLBACK (signal_handler), f->o1, 0))
CALL (signal_connect_weak_detailed_signal, wk_signal_connect_weak (f->o3, bad, G_CALLBACK (signal_handler), f->o1, 0))
CALL (signal_connect_weak_c_handler, wk_signal_connect_weak (f->o3, "notify", bad, f->o1, 0))
CALL (signal_connect_weak_receiver, wk_signal_connect_weak (f->o3, "notify", G_CALLBACK (signal_handler), bad, 0))
CALL (signal_connect_closure_weak_emitter, connect_closure_weak (bad, "notify", TRUE, f->o1))
CALL (signal_connect_closure_weak_detailed_signal, connect_closure_weak (f->o3, bad, TRUE, f->o1))
CALL (signal_connect_closure_weak_closure, connect_closure_weak (f->o3, "notify", FALSE, f->o1))
CALL (signal_connect_closure_weak_receiver, connect_closure_weak (f->o3, "notify", TRUE, bad))

/* Constructors with function arguments: a copy function without a free
 * function (and the reverse) is refused. */
CALL (vt_new_full_key_free_func, wk_value_table_new_full (g_str_hash, g_str_equal, (GBoxedCopyFunc) g_strdup, bad))
CALL (vt_new_full_key_copy_func, wk_value_table_new_full (g_str_hash, g_str_equal, bad, g_free))

#define A STYLE_ASSERT
#define C STYLE_CHECK
#define O STYLE_OPTIONAL
#define ROW(fn, arg, style, kinds, wrong, id) \
  { #fn, arg, style, kinds, wrong, call_##id, 0 }
#define ROWR(fn, arg, kinds, id, ret) \
  { #fn, arg, STYLE_OPTIONAL, kinds, WRONG_NONE, call_##id, ret }

static const Row rows[] = {
  /* WkRef */
  ROW (wk_ref_new, "object", C, BAD_ANY_OBJECT, WRONG_NONE, ref_new_object),
  ROW (wk_ref_new_full, "object", C, BAD_ANY_OBJECT, WRONG_NONE, ref_new_full_object),
  ROW (wk_ref_dup_object, "self", A, BAD_ALL, WRONG_VALUE_TABLE, ref_dup_object_self),
  ROW (wk_ref_is_alive, "self", A, BAD_ALL, WRONG_VALUE_TABLE, ref_is_alive_self),

  /* WkValueTable */
  ROW (wk_value_table_new_full, "key_free_func", A, BAD_NULL, WRONG_NONE, vt_new_full_key_free_func),
  ROW (wk_value_table_new_full, "key_copy_func", A, BAD_NULL, WRONG_NONE, vt_new_full_key_copy_func),
  ROW (wk_value_table_insert, "self", A, BAD_ALL, WRONG_SET, vt_insert_self),
  ROW (wk_value_table_insert, "key", A, BAD_NULL, WRONG_NONE, vt_insert_key),
  ROW (wk_value_table_insert, "object", C, BAD_ANY_OBJECT, WRONG_NONE, vt_insert_object),
  ROW (wk_value_table_insert, "object", C, BAD_ANY_OBJECT, WRONG_NONE, vtf_insert_object),
  ROW (wk_value_table_lookup, "self", A, BAD_ALL, WRONG_SET, vt_lookup_self),
  ROW (wk_value_table_lookup, "key", A, BAD_NULL, WRONG_NONE, vt_lookup_key),
  ROW (wk_value_table_lookup_or_insert, "self", A, BAD_ALL, WRONG_SET, vt_lookup_or_insert_self),
  ROW (wk_value_table_lookup_or_insert, "key", A, BAD_NULL, WRONG_NONE, vt_lookup_or_insert_key),
  ROW (wk_value_table_lookup_or_insert, "factory", A, BAD_NULL, WRONG_NONE, vt_lookup_or_insert_factory),
  ROW (wk_value_table_contains, "self", A, BAD_ALL, WRONG_SET, vt_contains_self),
  ROW (wk_value_table_contains, "key", A, BAD_NULL, WRONG_NONE, vt_contains_key),
  ROW (wk_value_table_remove, "self", A, BAD_ALL, WRONG_SET, vt_remove_self),
  ROW (wk_value_table_remove, "key", A, BAD_NULL, WRONG_NONE, vt_remove_key),
  ROW (wk_value_table_pop, "self", A, BAD_ALL, WRONG_SET, vt_pop_self),
  ROW (wk_value_table_pop, "key", A, BAD_NULL, WRONG_NONE, vt_pop_key),
  ROW (wk_value_table_remove_all, "self", A, BAD_ALL, WRONG_SET, vt_remove_all_self),
  ROW (wk_value_table_get_size, "self", A, BAD_ALL, WRONG_SET, vt_get_size_self),
  ROW (wk_value_table_dup_keys, "self", A, BAD_ALL, WRONG_SET, vt_dup_keys_self),
  ROW (wk_value_table_dup_values, "self", A, BAD_ALL, WRONG_SET, vt_dup_values_self),
  ROW (wk_value_table_dup_entries, "self", A, BAD_ALL, WRONG_SET, vt_dup_entries_self),
  ROW (wk_value_table_dup_entries, "keys", O, BAD_NULL, WRONG_NONE, vt_dup_entries_keys),
  ROW (wk_value_table_dup_entries, "values", O, BAD_NULL, WRONG_NONE, vt_dup_entries_values),
  ROW (wk_value_table_foreach, "self", A, BAD_ALL, WRONG_SET, vt_foreach_self),
  ROW (wk_value_table_foreach, "func", A, BAD_NULL, WRONG_NONE, vt_foreach_func),
  ROW (wk_value_table_iter_init, "iter", A, BAD_NULL, WRONG_NONE, vt_iter_init_iter),
  ROW (wk_value_table_iter_init, "table", A, BAD_ALL, WRONG_SET, vt_iter_init_table),
  ROW (wk_value_table_iter_next, "iter", A, BAD_NULL, WRONG_NONE, vt_iter_next_iter),
  ROWR (wk_value_table_iter_next, "key", BAD_NULL, vt_iter_next_key, 2),
  ROWR (wk_value_table_iter_next, "object", BAD_NULL, vt_iter_next_object, 2),
  ROW (wk_value_table_iter_clear, "iter", A, BAD_NULL, WRONG_NONE, vt_iter_clear_iter),

  /* WkKeyTable */
  ROW (wk_key_table_new_full, "value_free_func", A, BAD_NULL, WRONG_NONE, kt_new_full_value_free_func),
  ROW (wk_key_table_new_full, "value_copy_func", A, BAD_NULL, WRONG_NONE, kt_new_full_value_copy_func),
  ROW (wk_key_table_insert, "self", A, BAD_ALL, WRONG_SET, kt_insert_self),
  ROW (wk_key_table_insert, "key", C, BAD_ANY_OBJECT, WRONG_NONE, kt_insert_key),
  ROW (wk_key_table_lookup, "self", A, BAD_ALL, WRONG_SET, kt_lookup_self),
  ROW (wk_key_table_lookup, "key", C, BAD_ANY_OBJECT, WRONG_NONE, kt_lookup_key),
  ROWR (wk_key_table_lookup, "value", BAD_NULL, kt_lookup_value, TRUE),
  ROW (wk_key_table_lookup_or_insert, "self", A, BAD_ALL, WRONG_SET, kt_lookup_or_insert_self),
  ROW (wk_key_table_lookup_or_insert, "key", C, BAD_ANY_OBJECT, WRONG_NONE, kt_lookup_or_insert_key),
  ROW (wk_key_table_lookup_or_insert, "factory", A, BAD_NULL, WRONG_NONE, kt_lookup_or_insert_factory),
  ROW (wk_key_table_pop, "self", A, BAD_ALL, WRONG_SET, kt_pop_self),
  ROW (wk_key_table_pop, "key", C, BAD_ANY_OBJECT, WRONG_NONE, kt_pop_key),
  ROW (wk_key_table_insert_value, "self", A, BAD_ALL | BAD_WRONG, WRONG_KT_FULL, kt_insert_value_self),
  ROW (wk_key_table_insert_value, "key", C, BAD_ANY_OBJECT, WRONG_NONE, kt_insert_value_key),
  ROW (wk_key_table_insert_value, "value", A, BAD_NULL | BAD_ZERO, WRONG_NONE, kt_insert_value_value),
  ROW (wk_key_table_lookup_value, "self", A, BAD_ALL, WRONG_KT_FULL, kt_lookup_value_self),
  ROW (wk_key_table_lookup_value, "key", C, BAD_ANY_OBJECT, WRONG_NONE, kt_lookup_value_key),
  ROW (wk_key_table_lookup_value, "value", A, BAD_NULL | BAD_WRONG, WRONG_NONE, kt_lookup_value_value),
  ROW (wk_key_table_lookup_or_insert_value, "self", A, BAD_ALL, WRONG_KT_FULL, kt_lookup_or_insert_value_self),
  ROW (wk_key_table_lookup_or_insert_value, "key", C, BAD_ANY_OBJECT, WRONG_NONE, kt_lookup_or_insert_value_key),
  ROW (wk_key_table_lookup_or_insert_value, "value", A, BAD_NULL | BAD_ZERO, WRONG_NONE, kt_lookup_or_insert_value_value),
  ROW (wk_key_table_lookup_or_insert_value, "result", A, BAD_NULL | BAD_WRONG, WRONG_NONE, kt_lookup_or_insert_value_result),
  ROW (wk_key_table_pop_value, "self", A, BAD_ALL, WRONG_KT_FULL, kt_pop_value_self),
  ROW (wk_key_table_pop_value, "key", C, BAD_ANY_OBJECT, WRONG_NONE, kt_pop_value_key),
  ROW (wk_key_table_pop_value, "value", A, BAD_NULL | BAD_WRONG, WRONG_NONE, kt_pop_value_value),
  ROW (wk_key_table_contains, "self", A, BAD_ALL, WRONG_SET, kt_contains_self),
  ROW (wk_key_table_contains, "key", C, BAD_ANY_OBJECT, WRONG_NONE, kt_contains_key),
  ROW (wk_key_table_remove, "self", A, BAD_ALL, WRONG_SET, kt_remove_self),
  ROW (wk_key_table_remove, "key", C, BAD_ANY_OBJECT, WRONG_NONE, kt_remove_key),
  ROW (wk_key_table_remove_all, "self", A, BAD_ALL, WRONG_SET, kt_remove_all_self),
  ROW (wk_key_table_get_size, "self", A, BAD_ALL, WRONG_SET, kt_get_size_self),
  ROW (wk_key_table_dup_keys, "self", A, BAD_ALL, WRONG_SET, kt_dup_keys_self),
  ROW (wk_key_table_dup_values, "self", A, BAD_ALL, WRONG_SET, kt_dup_values_self),
  ROW (wk_key_table_dup_entries, "self", A, BAD_ALL, WRONG_SET, kt_dup_entries_self),
  ROW (wk_key_table_dup_entries, "keys", O, BAD_NULL, WRONG_NONE, kt_dup_entries_keys),
  ROW (wk_key_table_dup_entries, "values", O, BAD_NULL, WRONG_NONE, kt_dup_entries_values),
  ROW (wk_key_table_foreach, "self", A, BAD_ALL, WRONG_SET, kt_foreach_self),
  ROW (wk_key_table_foreach, "func", A, BAD_NULL, WRONG_NONE, kt_foreach_func),
  ROW (wk_key_table_iter_init, "iter", A, BAD_NULL, WRONG_NONE, kt_iter_init_iter),
  ROW (wk_key_table_iter_init, "table", A, BAD_ALL, WRONG_SET, kt_iter_init_table),
  ROW (wk_key_table_iter_next, "iter", A, BAD_NULL, WRONG_NONE, kt_iter_next_iter),
  ROWR (wk_key_table_iter_next, "key", BAD_NULL, kt_iter_next_key, 2),
  ROWR (wk_key_table_iter_next, "value", BAD_NULL, kt_iter_next_value, 2),
  ROW (wk_key_table_iter_clear, "iter", A, BAD_NULL, WRONG_NONE, kt_iter_clear_iter),

  /* WkSet */
  ROW (wk_set_new, "member_type", A, BAD_NULL | BAD_WRONG, WRONG_NONE, set_new_member_type),
  ROW (wk_set_get_member_type, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_get_member_type_self),
  ROW (wk_set_add, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_add_self),
  ROW (wk_set_add, "object", C, BAD_ALL, WRONG_GOBJECT, set_add_object),
  ROW (wk_set_remove, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_remove_self),
  ROW (wk_set_remove, "object", C, BAD_ANY_OBJECT, WRONG_NONE, set_remove_object),
  ROW (wk_set_contains, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_contains_self),
  ROW (wk_set_contains, "object", C, BAD_ANY_OBJECT, WRONG_NONE, set_contains_object),
  ROW (wk_set_pop, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_pop_self),
  ROW (wk_set_remove_all, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_remove_all_self),
  ROW (wk_set_get_size, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_get_size_self),
  ROW (wk_set_dup_members, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_dup_members_self),
  ROW (wk_set_foreach, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_foreach_self),
  ROW (wk_set_foreach, "func", A, BAD_NULL, WRONG_NONE, set_foreach_func),
  ROW (wk_set_update, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_update_self),
  ROW (wk_set_update, "other", A, BAD_ALL, WRONG_VALUE_TABLE, set_update_other),
  ROW (wk_set_intersection_update, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_intersection_update_self),
  ROW (wk_set_intersection_update, "other", A, BAD_ALL, WRONG_VALUE_TABLE, set_intersection_update_other),
  ROW (wk_set_difference_update, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_difference_update_self),
  ROW (wk_set_difference_update, "other", A, BAD_ALL, WRONG_VALUE_TABLE, set_difference_update_other),
  ROW (wk_set_symmetric_difference_update, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_symmetric_difference_update_self),
  ROW (wk_set_symmetric_difference_update, "other", A, BAD_ALL, WRONG_VALUE_TABLE, set_symmetric_difference_update_other),
  ROW (wk_set_union, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_union_self),
  ROW (wk_set_union, "other", A, BAD_ALL, WRONG_VALUE_TABLE, set_union_other),
  ROW (wk_set_intersection, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_intersection_self),
  ROW (wk_set_intersection, "other", A, BAD_ALL, WRONG_VALUE_TABLE, set_intersection_other),
  ROW (wk_set_difference, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_difference_self),
  ROW (wk_set_difference, "other", A, BAD_ALL, WRONG_VALUE_TABLE, set_difference_other),
  ROW (wk_set_symmetric_difference, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_symmetric_difference_self),
  ROW (wk_set_symmetric_difference, "other", A, BAD_ALL, WRONG_VALUE_TABLE, set_symmetric_difference_other),
  ROW (wk_set_is_subset, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_is_subset_self),
  ROW (wk_set_is_subset, "other", A, BAD_ALL, WRONG_VALUE_TABLE, set_is_subset_other),
  ROW (wk_set_is_superset, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_is_superset_self),
  ROW (wk_set_is_superset, "other", A, BAD_ALL, WRONG_VALUE_TABLE, set_is_superset_other),
  ROW (wk_set_is_disjoint, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_is_disjoint_self),
  ROW (wk_set_is_disjoint, "other", A, BAD_ALL, WRONG_VALUE_TABLE, set_is_disjoint_other),
  ROW (wk_set_equal, "self", A, BAD_ALL, WRONG_VALUE_TABLE, set_equal_self),
  ROW (wk_set_equal, "other", A, BAD_ALL, WRONG_VALUE_TABLE, set_equal_other),
  ROW (wk_set_iter_init, "iter", A, BAD_NULL, WRONG_NONE, set_iter_init_iter),
  ROW (wk_set_iter_init, "set", A, BAD_ALL, WRONG_VALUE_TABLE, set_iter_init_set),
  ROW (wk_set_iter_next, "iter", A, BAD_NULL, WRONG_NONE, set_iter_next_iter),
  ROWR (wk_set_iter_next, "object", BAD_NULL, set_iter_next_object, 2),
  ROW (wk_set_iter_clear, "iter", A, BAD_NULL, WRONG_NONE, set_iter_clear_iter),

  /* The default delivery: an invalid value leaves it as it was, AT_ONCE
   * or IDLE. */
  ROW (wk_delivery_set_default, "delivery", A, BAD_ENUM, WRONG_NONE, delivery_set_default_delivery),
  ROW (wk_delivery_set_default, "delivery", A, BAD_ENUM, WRONG_NONE, delivery_set_default_from_idle),

  /* Weak signal connections */
  ROW (wk_signal_connect_weak, "emitter", C, BAD_ANY_OBJECT, WRONG_NONE, signal_connect_weak_emitter),
  ROW (wk_signal_connect_weak, "detailed_signal", A, BAD_NULL, WRONG_NONE, signal_connect_weak_detailed_signal),
  ROW (wk_signal_connect_weak, "c_handler", A, BAD_NULL, WRONG_NONE, signal_connect_weak_c_handler),
  ROW (wk_signal_connect_weak, "receiver", C, BAD_ANY_OBJECT, WRONG_NONE, signal_connect_weak_receiver),
  ROW (wk_signal_connect_closure_weak, "emitter", C, BAD_ANY_OBJECT, WRONG_NONE, signal_connect_closure_weak_emitter),
  ROW (wk_signal_connect_closure_weak, "detailed_signal", A, BAD_NULL, WRONG_NONE, signal_connect_closure_weak_detailed_signal),
  ROW (wk_signal_connect_closure_weak, "closure", A, BAD_NULL, WRONG_NONE, signal_connect_closure_weak_closure),
  ROW (wk_signal_connect_closure_weak, "receiver", C, BAD_ANY_OBJECT, WRONG_NONE, signal_connect_closure_weak_receiver),
};

static const char *
kind_name (BadKind kind)
{
  switch (kind)
    {
    case BAD_NULL: return "NULL";
    case BAD_PSPEC: return "GParamSpec";
    case BAD_ZERO: return "zero-filled struct";
    case BAD_WRONG: return "wrong type";
    case BAD_RANGE: return "past the enum";
    case BAD_NEGATIVE: return "negative enum";
    default: g_assert_not_reached ();
    }
}

/* The bad value for @row and @kind, and the message it must give. */
static gpointer
bad_value (Fixture *f, const Row *row, BadKind kind, GValue *scratch, char **pattern)
{
  gboolean set_new = g_str_equal (row->function, "wk_set_new");
  gboolean gvalue_arg = g_str_equal (row->argument, "value") || g_str_equal (row->argument, "result");
  const char *tail = "*";
  gpointer bad = NULL;

  switch (kind)
    {
    case BAD_NULL:
      bad = NULL;
      tail = "not NULL";
      break;
    case BAD_PSPEC:
      bad = f->pspec;
      tail = "not a GParamInt";
      break;
    case BAD_ZERO:
      bad = f->zero;
      tail = "not a pointer to something else";
      break;
    case BAD_RANGE:
      bad = GINT_TO_POINTER (WK_DELIVERY_IDLE + 1);
      break;
    case BAD_NEGATIVE:
      bad = GINT_TO_POINTER (-1);
      break;
    case BAD_WRONG:
      switch (row->wrong)
        {
        case WRONG_SET: bad = f->set; tail = "*"; break;
        case WRONG_VALUE_TABLE: bad = f->vt; tail = "*"; break;
        case WRONG_GOBJECT: bad = f->o3; tail = "WkTestObject, not a GObject"; break;
        case WRONG_KT_FULL: bad = f->ktf; tail = "*"; break;
        case WRONG_NONE:
        default:
          if (set_new)
            bad = GSIZE_TO_POINTER (G_TYPE_INT);  /* not a GObject type */
          else if (gvalue_arg)
            {
              /* an out GValue that is already initialized */
              g_value_init (scratch, G_TYPE_INT);
              bad = scratch;
            }
          else
            g_assert_not_reached ();
          break;
        }
      break;
    default:
      g_assert_not_reached ();
    }

  if (row->style == STYLE_ASSERT)
    {
      /* GLib's message names the function and the failed expression; the
       * expression names the argument (or, for *_value on a new_full
       * table, the table's missing GValue mode). */
      if (row->wrong == WRONG_KT_FULL && kind == BAD_WRONG)
        *pattern = g_strdup_printf ("%s: assertion '*gvalues*' failed", row->function);
      else if (set_new)
        *pattern = g_strdup_printf ("%s: assertion '*member_type*' failed", row->function);
      else
        *pattern = g_strdup_printf ("%s: assertion '*%s*' failed", row->function, row->argument);
    }
  else if (row->style == STYLE_CHECK)
    *pattern = g_strdup_printf ("%s: %s must be a *%s", row->function, row->argument, tail);
  else
    *pattern = NULL;

  return bad;
}

static void
test_row (gconstpointer data)
{
  const Row *row = data;
  static const BadKind kinds[] = { BAD_NULL, BAD_PSPEC, BAD_ZERO, BAD_WRONG, BAD_RANGE, BAD_NEGATIVE };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      Fixture f = { 0 };
      g_autofree char *before = NULL;
      g_autofree char *after = NULL;
      g_autofree char *pattern = NULL;
      GValue scratch = G_VALUE_INIT;
      gpointer bad;
      gintptr result;

      if (!(row->kinds & kinds[k]))
        continue;

      fixture_setup (&f);
      bad = bad_value (&f, row, kinds[k], &scratch, &pattern);
      g_test_message ("%s (%s = %s): expecting %s", row->function, row->argument,
                      kind_name (kinds[k]), pattern ? pattern : "no message");

      before = fixture_describe (&f);
      if (pattern != NULL)
        g_test_expect_message ("Wobj", G_LOG_LEVEL_CRITICAL, pattern);
      result = row->call (&f, bad);
      g_test_assert_expected_messages ();
      after = fixture_describe (&f);

      g_assert_cmpint (result, ==, row->expected);
      g_assert_cmpstr (before, ==, after);
      if (G_IS_VALUE (&scratch))
        {
          /* an initialized out value is left as it was */
          g_assert_cmpint (g_value_get_int (&scratch), ==, 0);
          g_value_unset (&scratch);
        }

      fixture_teardown (&f);
    }
}

/* A typed set given another set whose members are of the wrong type:
 * the set algebra names `other`, and nothing is added or removed. */
static void
test_typed_set_algebra (void)
{
  Fixture f = { 0 };
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  WkSet *result;

  fixture_setup (&f);
  before = fixture_describe (&f);

  g_test_expect_message ("Wobj", G_LOG_LEVEL_CRITICAL, "wk_set_update: other must be a WkTestObject, not a GObject");
  wk_set_update (f.set, f.gset);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Wobj", G_LOG_LEVEL_CRITICAL, "wk_set_symmetric_difference_update: other must be a WkTestObject, not a GObject");
  wk_set_symmetric_difference_update (f.set, f.gset);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Wobj", G_LOG_LEVEL_CRITICAL, "wk_set_union: other must be a WkTestObject, not a GObject");
  result = wk_set_union (f.set, f.gset);
  g_test_assert_expected_messages ();
  g_assert_null (result);

  g_test_expect_message ("Wobj", G_LOG_LEVEL_CRITICAL, "wk_set_symmetric_difference: other must be a WkTestObject, not a GObject");
  result = wk_set_symmetric_difference (f.set, f.gset);
  g_test_assert_expected_messages ();
  g_assert_null (result);

  after = fixture_describe (&f);
  g_assert_cmpstr (before, ==, after);
  fixture_teardown (&f);
}

/* A factory that returns something other than a GObject. */
static gpointer
make_pspec (gconstpointer key, gpointer user_data)
{
  return user_data;
}

static gpointer
make_null (gconstpointer key, gpointer user_data)
{
  return NULL;
}

static void
test_factory_result (void)
{
  Fixture f = { 0 };
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gpointer result;

  fixture_setup (&f);
  before = fixture_describe (&f);

  g_test_expect_message ("Wobj", G_LOG_LEVEL_CRITICAL, "wk_value_table_lookup_or_insert: factory() must be a GObject, not a GParamInt");
  result = wk_value_table_lookup_or_insert (f.vt, "new", make_pspec, f.pspec);
  g_test_assert_expected_messages ();
  g_assert_null (result);

  /* NULL from the factory is documented as "nothing inserted" or as bad
   * input: accept either, but nothing may change. */
  result = wk_value_table_lookup_or_insert (f.vt, "new2", make_null, NULL);
  g_assert_null (result);

  after = fixture_describe (&f);
  g_assert_cmpstr (before, ==, after);
  fixture_teardown (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = NULL;

      /* two rows for wk_value_table_insert/object (string and new_full
       * table), two for wk_delivery_set_default/delivery (from AT_ONCE and
       * from IDLE) */
      path = g_strdup_printf ("/Wobj/BadInput/%s/%s%s", rows[i].function, rows[i].argument,
                              rows[i].call == call_vtf_insert_object ? "-new-full" :
                              rows[i].call == call_delivery_set_default_from_idle ? "-from-idle" : "");
      g_test_add_data_func (path, &rows[i], test_row);
    }
  g_test_add_func ("/Wobj/BadInput/wk_set_update/typed-other", test_typed_set_algebra);
  g_test_add_func ("/Wobj/BadInput/wk_value_table_lookup_or_insert/factory-result", test_factory_result);

  return g_test_run ();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * _wk: the compiled helper of wobj's Python overrides (gi/overrides/Wk.py),
 * installed beside them as gi/overrides/_wk (gst-python's _gi_gst is the
 * model).
 *
 * It gives the overrides' hot paths (Wk.Ref.__call__,
 * Wk.ValueTable.__getitem__ and get, Wk.KeyTable.__getitem__,
 * Wk.Set.__contains__) as method descriptors that call wobj directly with
 * the GIL held. PyGObject's generic invoke path costs several times more:
 * it releases and takes back the GIL, marshals through GIArgument, and
 * reaches a Python-level method first. wobj never calls out while it holds
 * one of its locks, so holding the GIL across its calls can't deadlock.
 *
 * It also guards against a PyGObject 3.42 bug (docs/python.md): the
 * wrapper of a GObject can be handed out while it is being deallocated.
 * See wrap_full().
 *
 * Wk.py uses it when it imports, and falls back to pure Python otherwise
 * (or when WOBJ_PYTHON_HELPER=0 is set in the environment).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <pygobject.h>
#include <wobj.h>

/* Holding the GIL across wobj's calls is what makes the hot paths fast,
 * but a thread that does nothing else keeps it for CPython's whole switch
 * interval (5 ms) each time: another thread that needs the GIL often,
 * such as one dropping Python-owned objects (PyGObject takes the GIL back
 * in each finalization), then gets one turn per interval. Issue 12's
 * reader/dropper reproducer took 20 s instead of 5 that way. So every
 * WOBJ_CALLS_PER_YIELD-th call runs with the GIL released, as PyGObject's
 * own calls do; the others keep it.
 *
 * The count is shared by all threads (it only changes with the GIL held),
 * so the GIL is released once in WOBJ_CALLS_PER_YIELD calls whichever
 * threads make them, though not necessarily by each calling thread. (A
 * _Thread_local count costs a __tls_get_addr() call in a module loaded
 * with dlopen().) */
#define WOBJ_CALLS_PER_YIELD 32

static guint calls_since_yield;

/* Whether a thread other than the caller, which holds the GIL, may be
 * waiting for it. A thread waits for the GIL only with a thread state of
 * its own, put in its interpreter's list before it waits
 * (PyGILState_Ensure() makes one for a thread that has none). In Python
 * 3.11 every interpreter shares the one GIL, so any other interpreter
 * counts as a possible waiter; with no other interpreter and the caller's
 * state the only one of its interpreter, no thread can be waiting, and
 * releasing the GIL would only cost time.
 *
 * The lists are read without CPython's HEAD_LOCK, and a thread adding its
 * state (PyGILState_Ensure() does so without the GIL) may write the head
 * pointer read here: either value gives a safe answer. A new state goes
 * in at the head of its list, so it never changes self->next; an old head
 * read here only makes this check miss the new thread, which is then seen
 * at the next check, WOBJ_CALLS_PER_YIELD calls later, and until then the
 * waiter still gets the GIL at CPython's switch interval. Nothing here
 * follows a pointer to another thread's state or to another interpreter:
 * those pointers are only compared. */
static gboolean
others_may_wait (void)
{
  PyThreadState *self = PyThreadState_Get ();
  PyInterpreterState *interp = PyThreadState_GetInterpreter (self);

  return PyInterpreterState_Head () != interp
         || PyInterpreterState_Next (interp) != NULL
         || PyInterpreterState_ThreadHead (interp) != self
         || PyThreadState_Next (self) != NULL;
}

#define WOBJ_CALL(result, call)                                         \
  G_STMT_START {                                                        \
    if (G_UNLIKELY (++calls_since_yield >= WOBJ_CALLS_PER_YIELD)        \
        && (calls_since_yield = 0, others_may_wait ()))                 \
      {                                                                 \
        Py_BEGIN_ALLOW_THREADS                                          \
        result = call;                                                  \
        Py_END_ALLOW_THREADS                                            \
      }                                                                 \
    else                                                                \
      result = call;                                                    \
  } G_STMT_END

/* PyGObject keeps the wrapper of an object in this qdata (pygobject-object.c,
 * pygobject_wrapper_key), and hands it out again from there. */
static GQuark wrapper_quark;

/* PyGObject's GType for a GValue holding a Python object
 * (GObject.TYPE_PYOBJECT): what the overrides store in a Wk.KeyTable. */
static GType pyobject_gtype;

/* Whether @wrapper, the qdata wrapper of a live object, is being
 * deallocated. A live PyGObject wrapper is tracked by the cycle collector
 * from its creation on (pygobject_new_full(), tp_alloc); the deallocation
 * untracks it first (subtype_dealloc, pygobject_dealloc), then may be
 * deferred by CPython's trashcan past a nesting depth of 50, or run Python
 * code (weakref callbacks) before PyGObject clears the qdata. In that
 * window the wrapper's refcount is 0 and the qdata still points at it. */
static gboolean
wrapper_is_dying (PyObject *wrapper)
{
  return !PyObject_GC_IsTracked (wrapper);
}

/* Drops the strong reference to @object that a wobj lookup gave, with the
 * GIL held, and returns whether @object's wrapper is being deallocated.
 *
 * Taking that reference went through PyGObject's toggle notify when the
 * wrapper holds a toggle reference (a wrapper with an instance dict): the
 * notify raised the dying wrapper's refcount from 0 to 1, and dropping the
 * reference would take it back to 0 and deallocate the wrapper a second
 * time, under the deallocation already under way. So the reference is
 * dropped with the wrapper's count held one up, then the count is put back
 * where it was, without a deallocation: the one under way completes. */
static gboolean
unref_guarded (gpointer object)
{
  PyObject *wrapper = g_object_get_qdata (object, wrapper_quark);

  if (wrapper != NULL && wrapper_is_dying (wrapper))
    {
      Py_INCREF (wrapper);
      g_object_unref (object);
      Py_SET_REFCNT (wrapper, Py_REFCNT (wrapper) - 1);
      return TRUE;
    }

  g_object_unref (object);
  return FALSE;
}

/* Returns the wrapper of @object, a strong reference the caller gives away
 * (transfer full), or None when its wrapper is being deallocated.
 *
 * pygobject_new() would take a new reference to a wrapper in deallocation
 * and return it: it would be freed twice. The object is answered as dead
 * instead: its Python side is going, and a new wrapper can't be made while
 * the old one owns the qdata. */
static PyObject *
wrap_full (gpointer object)
{
  PyGObject *wrapper;
  PyObject *result;

  wrapper = g_object_get_qdata (object, wrapper_quark);
  if (wrapper != NULL)
    {
      if (wrapper_is_dying ((PyObject *) wrapper))
        {
          unref_guarded (object);
          Py_RETURN_NONE;
        }
      /* What pygobject_new() does with an existing wrapper, without its
       * second qdata lookup; a floating wrapper (a Python subclass being
       * constructed from C) is left to it. */
      if (!(wrapper->private_flags.flags & PYGOBJECT_IS_FLOATING_REF))
        {
          Py_INCREF (wrapper);
          g_object_unref (object);
          return (PyObject *) wrapper;
        }
    }

  result = pygobject_new (object);
  g_object_unref (object);
  return result;
}

/* The GObject of @self, a wrapper of a @gtype, or NULL with TypeError. */
static gpointer
instance_of (PyObject   *self,
             GType       gtype,
             const char *what)
{
  GObject *object;

  if (!PyObject_TypeCheck (self, &PyGObject_Type))
    {
      PyErr_Format (PyExc_TypeError, "expected a %s, not '%s'", what,
                    Py_TYPE (self)->tp_name);
      return NULL;
    }
  object = pygobject_get (self);
  if (object == NULL || !G_TYPE_CHECK_INSTANCE_TYPE (object, gtype))
    {
      PyErr_Format (PyExc_TypeError, "%s is not initialized", what);
      return NULL;
    }
  return object;
}

/* The GObject of @key, or NULL with weakref's TypeError (the same message
 * as the overrides' _check_object()). */
static gpointer
key_object (PyObject *key)
{
  GObject *object;

  if (!PyObject_TypeCheck (key, &PyGObject_Type))
    {
      PyObject *name = PyType_GetName (Py_TYPE (key));

      if (name != NULL)
        {
          PyErr_Format (PyExc_TypeError,
                        "cannot create weak reference to '%U' object", name);
          Py_DECREF (name);
        }
      return NULL;
    }
  object = pygobject_get (key);
  if (object == NULL)
    PyErr_SetString (PyExc_TypeError, "the GObject is not initialized");
  return object;
}

/* The UTF-8 of a Wk.ValueTable key, or NULL with the exception the
 * overrides' _check_key() raises. */
static const char *
value_table_key (PyObject *key)
{
  const char *utf8;
  Py_ssize_t len;

  if (!PyUnicode_Check (key))
    {
      PyErr_Format (PyExc_TypeError, "Wk.ValueTable keys must be str, not '%s'",
                    Py_TYPE (key)->tp_name);
      return NULL;
    }
  utf8 = PyUnicode_AsUTF8AndSize (key, &len);
  if (utf8 == NULL)
    return NULL;
  if (strlen (utf8) != (size_t) len)
    {
      PyErr_SetString (PyExc_ValueError,
                       "embedded null character in Wk.ValueTable key");
      return NULL;
    }
  return utf8;
}

/* Wk.Ref.__call__ */
static PyObject *
ref_call (PyObject *self,
          PyObject *Py_UNUSED (unused))
{
  WkRef *ref = instance_of (self, WK_TYPE_REF, "Wk.Ref");
  gpointer object;

  if (ref == NULL)
    return NULL;
  WOBJ_CALL (object, wk_ref_dup_object (ref));
  if (object == NULL)
    Py_RETURN_NONE;
  return wrap_full (object);
}

/* The tp_call of the Wk.Ref class once install_call() ran: the same as
 * ref_call(), without the lookup of __call__ that the slot of a class
 * defining __call__ makes on every call. The class is Wk.Ref's override
 * (WkRef is final): @self is a Wk.Ref wrapper. */
static PyObject *
ref_tp_call (PyObject *self,
             PyObject *args,
             PyObject *kwargs)
{
  GObject *object = pygobject_get (self);
  gpointer target;

  if (PyTuple_GET_SIZE (args) != 0 || (kwargs != NULL && PyDict_GET_SIZE (kwargs) != 0))
    {
      PyErr_SetString (PyExc_TypeError, "Wk.Ref() takes no arguments");
      return NULL;
    }
  if (object == NULL)
    {
      PyErr_SetString (PyExc_TypeError, "Wk.Ref is not initialized");
      return NULL;
    }
  WOBJ_CALL (target, wk_ref_dup_object ((WkRef *) object));
  if (target == NULL)
    Py_RETURN_NONE;
  return wrap_full (target);
}

/* Wk.ValueTable.__getitem__ */
static PyObject *
value_table_getitem (PyObject *self,
                     PyObject *key)
{
  WkValueTable *table = instance_of (self, WK_TYPE_VALUE_TABLE, "Wk.ValueTable");
  const char *utf8;
  gpointer object;

  if (table == NULL || (utf8 = value_table_key (key)) == NULL)
    return NULL;
  WOBJ_CALL (object, wk_value_table_lookup (table, utf8));
  if (object == NULL)
    {
      PyErr_SetObject (PyExc_KeyError, key);
      return NULL;
    }
  return wrap_full (object);
}

/* Wk.ValueTable.get(key, default=None) */
static PyObject *
value_table_get (PyObject         *self,
                 PyObject *const  *args,
                 Py_ssize_t        nargs)
{
  WkValueTable *table = instance_of (self, WK_TYPE_VALUE_TABLE, "Wk.ValueTable");
  const char *utf8;
  gpointer object;

  if (table == NULL)
    return NULL;
  if (nargs < 1 || nargs > 2)
    {
      PyErr_Format (PyExc_TypeError, "get expected 1 or 2 arguments, got %zd", nargs);
      return NULL;
    }
  if ((utf8 = value_table_key (args[0])) == NULL)
    return NULL;
  WOBJ_CALL (object, wk_value_table_lookup (table, utf8));
  if (object == NULL)
    {
      PyObject *fallback = nargs > 1 ? args[1] : Py_None;

      Py_INCREF (fallback);
      return fallback;
    }
  return wrap_full (object);
}

/* Wk.ValueTable.__contains__: a key that can't be one is not in the table,
 * nor is one whose object's wrapper is being deallocated (as for lookups).
 * wk_value_table_contains() would take and drop a reference to the object
 * itself, through PyGObject's toggle notify: see unref_guarded(). */
static PyObject *
value_table_contains (PyObject *self,
                      PyObject *key)
{
  WkValueTable *table = instance_of (self, WK_TYPE_VALUE_TABLE, "Wk.ValueTable");
  const char *utf8;
  gpointer object;

  if (table == NULL)
    return NULL;
  if (!PyUnicode_Check (key))
    Py_RETURN_FALSE;
  if ((utf8 = value_table_key (key)) == NULL)
    {
      PyErr_Clear ();
      Py_RETURN_FALSE;
    }
  WOBJ_CALL (object, wk_value_table_lookup (table, utf8));
  if (object == NULL)
    Py_RETURN_FALSE;
  return PyBool_FromLong (!unref_guarded (object));
}

/* Wk.KeyTable.__getitem__ */
static PyObject *
key_table_getitem (PyObject *self,
                   PyObject *key)
{
  WkKeyTable *table = instance_of (self, WK_TYPE_KEY_TABLE, "Wk.KeyTable");
  GValue value = G_VALUE_INIT;
  gpointer object;
  PyObject *result;

  if (table == NULL || (object = key_object (key)) == NULL)
    return NULL;
  if (!wk_key_table_lookup_value (table, object, &value))
    {
      g_value_unset (&value);
      PyErr_SetObject (PyExc_KeyError, key);
      return NULL;
    }
  /* A value stored by the overrides is a PyObject boxed value: this gives
   * that very object. Another GValue becomes its Python equivalent. */
  result = pyg_value_as_pyobject (&value, TRUE);
  g_value_unset (&value);
  return result;
}

/* Wk.Set.__contains__ */
static PyObject *
set_contains (PyObject *self,
              PyObject *item)
{
  WkSet *set = instance_of (self, WK_TYPE_SET, "Wk.Set");
  GObject *object;
  gboolean contains;

  if (set == NULL)
    return NULL;
  /* Anything that can't be a member is not one, as in WeakSet. */
  if (!PyObject_TypeCheck (item, &PyGObject_Type)
      || (object = pygobject_get (item)) == NULL)
    Py_RETURN_FALSE;
  WOBJ_CALL (contains, wk_set_contains (set, object));
  return PyBool_FromLong (contains);
}

/* The notify of a Wk.Ref made by ref_new_full(): calls the Python
 * callable it holds with the Wk.Ref, unless the Python side of the Wk.Ref is
 * being deallocated. PyGObject's own closures would hand that dying wrapper
 * to the callback; here, as for a weakref.ref that dies before its object,
 * the callback is not called. */
static void
ref_notify_cb (WkRef    *ref,
               gpointer  user_data)
{
  PyGILState_STATE state = PyGILState_Ensure ();
  PyObject *wrapper;
  PyObject *result;

  wrapper = g_object_get_qdata (G_OBJECT (ref), wrapper_quark);
  if (wrapper != NULL && wrapper_is_dying (wrapper))
    goto out;
  if (wrapper != NULL)
    Py_INCREF (wrapper);
  else
    wrapper = pygobject_new (G_OBJECT (ref));
  if (wrapper == NULL)
    {
      PyErr_Print ();
      goto out;
    }

  /* An exception is printed, as PyGObject does for its closures. */
  result = PyObject_CallOneArg (user_data, wrapper);
  if (result == NULL)
    PyErr_Print ();
  Py_XDECREF (result);
  Py_DECREF (wrapper);

out:
  PyGILState_Release (state);
}

static void
ref_notify_destroy (gpointer user_data)
{
  PyGILState_STATE state = PyGILState_Ensure ();

  Py_DECREF ((PyObject *) user_data);
  PyGILState_Release (state);
}

/* _wk.ref_new_full(obj, callable): a new Wk.Ref to @obj whose callback
 * calls callable(ref), through ref_notify_cb(). */
static PyObject *
ref_new_full (PyObject         *module,
              PyObject *const  *args,
              Py_ssize_t        nargs)
{
  gpointer object;
  WkRef *ref;
  PyObject *result;

  if (nargs != 2)
    {
      PyErr_SetString (PyExc_TypeError, "ref_new_full(obj, callable) takes 2 arguments");
      return NULL;
    }
  if ((object = key_object (args[0])) == NULL)
    return NULL;
  if (!PyCallable_Check (args[1]))
    {
      PyErr_Format (PyExc_TypeError, "callback must be callable, not '%s'",
                    Py_TYPE (args[1])->tp_name);
      return NULL;
    }

  Py_INCREF (args[1]);
  ref = wk_ref_new_full (object, ref_notify_cb, args[1], ref_notify_destroy);
  result = pygobject_new (G_OBJECT (ref));
  g_object_unref (ref);
  return result;
}

/* _wk.Iter(container): iterates the live members of a Wk.Set, the live
 * keys of a Wk.KeyTable or the live (key, object) items of a Wk.ValueTable,
 * through the C iterators (a snapshot that keeps no member alive), skipping
 * members removed since the walk started (still in the snapshot) and
 * members whose wrapper is being deallocated. The overrides' own iterators
 * (SetIter, dup_keys(), ...) would take and drop references to such members
 * through PyGObject: see unref_guarded(). */
typedef enum {
  ITER_SET,
  ITER_KEY_TABLE,
  ITER_VALUE_TABLE,
} IterKind;

typedef struct {
  PyObject_HEAD
  PyObject *container;     /* NULL once the walk is over */
  PyObject *dying;         /* see iter_step() */
  IterKind kind;
  union {
    WkSetIter set;
    WkKeyTableIter key_table;
    WkValueTableIter value_table;
  } iter;
} IterObject;

static PyTypeObject Iter_Type;

static PyObject *
iter_new (PyTypeObject *type,
          PyObject     *args,
          PyObject     *kwargs)
{
  PyObject *container;
  GObject *object;
  IterObject *self;

  if (!PyArg_ParseTuple (args, "O:Iter", &container))
    return NULL;
  if (!PyObject_TypeCheck (container, &PyGObject_Type)
      || (object = pygobject_get (container)) == NULL
      || !(WK_IS_SET (object) || WK_IS_KEY_TABLE (object) || WK_IS_VALUE_TABLE (object)))
    {
      PyErr_SetString (PyExc_TypeError, "Iter() takes a Wk.Set, Wk.KeyTable or Wk.ValueTable");
      return NULL;
    }

  self = PyObject_New (IterObject, type);
  if (self == NULL)
    return NULL;
  Py_INCREF (container);
  self->container = container;
  self->dying = NULL;
  if (WK_IS_SET (object))
    {
      self->kind = ITER_SET;
      wk_set_iter_init (&self->iter.set, WK_SET (object));
    }
  else if (WK_IS_KEY_TABLE (object))
    {
      self->kind = ITER_KEY_TABLE;
      wk_key_table_iter_init (&self->iter.key_table, WK_KEY_TABLE (object));
    }
  else
    {
      self->kind = ITER_VALUE_TABLE;
      wk_value_table_iter_init (&self->iter.value_table, WK_VALUE_TABLE (object));
    }
  return (PyObject *) self;
}

/* The C iterator holds the member it returned until its next step. When
 * that member's wrapper was being deallocated, the reference the iterator
 * took went through PyGObject's toggle notify (see unref_guarded()): its
 * release at the next step must not deallocate the wrapper again. So the
 * wrapper's count is held one up across the step, then put back. */
static void
iter_settle (IterObject *self)
{
  if (self->dying != NULL)
    {
      Py_SET_REFCNT (self->dying, Py_REFCNT (self->dying) - 1);
      self->dying = NULL;
    }
}

static void
iter_finish (IterObject *self)
{
  if (self->container == NULL)
    return;
  switch (self->kind)
    {
    case ITER_SET:
      wk_set_iter_clear (&self->iter.set);
      break;
    case ITER_KEY_TABLE:
      wk_key_table_iter_clear (&self->iter.key_table);
      break;
    case ITER_VALUE_TABLE:
    default:
      wk_value_table_iter_clear (&self->iter.value_table);
      break;
    }
  iter_settle (self);
  Py_CLEAR (self->container);
}

static void
iter_dealloc (IterObject *self)
{
  iter_finish (self);
  PyObject_Free (self);
}

static PyObject *
iter_next (IterObject *self)
{
  while (self->container != NULL)
    {
      GObject *container = pygobject_get (self->container);
      PyObject *wrapper;
      gconstpointer key = NULL;
      gpointer member = NULL;
      gboolean more = FALSE;
      gboolean present = FALSE;

      switch (self->kind)
        {
        case ITER_SET:
          more = wk_set_iter_next (&self->iter.set, &member);
          break;
        case ITER_KEY_TABLE:
          more = wk_key_table_iter_next (&self->iter.key_table, &member, NULL);
          break;
        case ITER_VALUE_TABLE:
        default:
          more = wk_value_table_iter_next (&self->iter.value_table, &key, &member);
          break;
        }
      iter_settle (self);
      if (!more)
        {
          /* The C iterator cleared itself at its end. */
          Py_CLEAR (self->container);
          break;
        }

      wrapper = g_object_get_qdata (member, wrapper_quark);
      if (wrapper != NULL && wrapper_is_dying (wrapper))
        {
          Py_INCREF (wrapper);
          self->dying = wrapper;
          continue;
        }

      switch (self->kind)
        {
        case ITER_SET:
          present = wk_set_contains (WK_SET (container), member);
          break;
        case ITER_KEY_TABLE:
          present = wk_key_table_contains (WK_KEY_TABLE (container), member);
          break;
        case ITER_VALUE_TABLE:
        default:
          {
            /* The key's object now, as a lookup gives it: the entry may
             * have been replaced or removed since the snapshot. */
            gpointer now;
            PyObject *py_key;
            PyObject *py_object;

            if (key == NULL)
              continue;
            now = wk_value_table_lookup (WK_VALUE_TABLE (container), key);
            if (now == NULL)
              continue;
            py_object = wrap_full (now);
            if (py_object == NULL || py_object == Py_None)
              {
                Py_XDECREF (py_object);
                if (PyErr_Occurred ())
                  return NULL;
                continue;
              }
            py_key = PyUnicode_FromString (key);
            if (py_key == NULL)
              {
                Py_DECREF (py_object);
                return NULL;
              }
            {
              PyObject *item = PyTuple_Pack (2, py_key, py_object);

              Py_DECREF (py_key);
              Py_DECREF (py_object);
              return item;
            }
          }
        }
      if (!present)
        continue;

      /* The iterator holds @member until its next step: a reference of
       * our own is the one wrap_full() gives away. */
      return wrap_full (g_object_ref (member));
    }
  return NULL;   /* StopIteration */
}

static PyObject *
iter_close (IterObject *self,
            PyObject   *Py_UNUSED (unused))
{
  iter_finish (self);
  Py_RETURN_NONE;
}

static PyMethodDef iter_methods[] = {
  { "close", (PyCFunction) iter_close, METH_NOARGS,
    "Ends the walk early, releasing what the iterator holds." },
  { NULL, NULL, 0, NULL },
};

static PyTypeObject Iter_Type = {
  PyVarObject_HEAD_INIT (NULL, 0)
  .tp_name = "gi.overrides._wk.Iter",
  .tp_basicsize = sizeof (IterObject),
  .tp_flags = Py_TPFLAGS_DEFAULT,
  .tp_doc = "Iter(container): the live members of a Wk.Set or keys of a Wk.KeyTable.",
  .tp_new = iter_new,
  .tp_dealloc = (destructor) iter_dealloc,
  .tp_iter = PyObject_SelfIter,
  .tp_iternext = (iternextfunc) iter_next,
  .tp_methods = iter_methods,
};

/* The methods the overrides install, by the key they ask for. */
static PyMethodDef hot_methods[] = {
  { "__call__", ref_call, METH_NOARGS,
    "Returns the object, or None once it is finalized." },
  { "__getitem__", value_table_getitem, METH_O,
    "The object of a key; KeyError when there is none." },
  { "get", (PyCFunction) (void (*) (void)) value_table_get, METH_FASTCALL,
    "get(key, default=None): the object of a key, or the default." },
  { "__getitem__", key_table_getitem, METH_O,
    "The value of a key; KeyError when there is none." },
  { "__contains__", set_contains, METH_O,
    "Whether the object is a member." },
  { "__contains__", value_table_contains, METH_O,
    "Whether the key has a live object." },
};

static const struct {
  const char *key;
  guint index;
} hot_method_keys[] = {
  { "Ref.__call__", 0 },
  { "ValueTable.__getitem__", 1 },
  { "ValueTable.get", 2 },
  { "KeyTable.__getitem__", 3 },
  { "Set.__contains__", 4 },
  { "ValueTable.__contains__", 5 },
};

/* _wk.method(cls, key): the method descriptor of @key ("Ref.__call__",
 * ...) for the class @cls, to be set as its attribute: a descriptor binds
 * to instances as a Python function does, and checks that they are @cls's.
 */
static PyObject *
method (PyObject         *module,
        PyObject *const  *args,
        Py_ssize_t        nargs)
{
  const char *key;
  gsize i;

  if (nargs != 2 || !PyType_Check (args[0]) || !PyUnicode_Check (args[1]))
    {
      PyErr_SetString (PyExc_TypeError, "method(cls, key) takes a class and a str");
      return NULL;
    }
  if (!PyType_IsSubtype ((PyTypeObject *) args[0], &PyGObject_Type))
    {
      PyErr_SetString (PyExc_TypeError, "method(): cls must be a GObject class");
      return NULL;
    }
  key = PyUnicode_AsUTF8 (args[1]);
  if (key == NULL)
    return NULL;
  for (i = 0; i < G_N_ELEMENTS (hot_method_keys); i++)
    if (strcmp (hot_method_keys[i].key, key) == 0)
      return PyDescr_NewMethod ((PyTypeObject *) args[0],
                                &hot_methods[hot_method_keys[i].index]);
  PyErr_Format (PyExc_KeyError, "no method %s", key);
  return NULL;
}

/* _wk.install_call(cls): makes calling an instance of @cls, the override
 * of Wk.Ref whose __call__ is already method(cls, "Ref.__call__"), go
 * straight to ref_tp_call(). Setting __call__ again on the class puts
 * Python's slot back. */
static PyObject *
install_call (PyObject *module,
              PyObject *cls)
{
  PyTypeObject *type = (PyTypeObject *) cls;
  PyObject *call;
  gboolean ours;

  if (!PyType_Check (cls) || !PyType_IsSubtype (type, &PyGObject_Type)
      || !(type->tp_flags & Py_TPFLAGS_HEAPTYPE)
      || !g_type_is_a (pyg_type_from_object (cls), WK_TYPE_REF))
    {
      PyErr_Clear ();
      PyErr_SetString (PyExc_TypeError, "install_call(cls): cls must be the Wk.Ref class");
      return NULL;
    }
  call = PyDict_GetItemString (type->tp_dict, "__call__");
  ours = call != NULL && Py_IS_TYPE (call, &PyMethodDescr_Type)
         && ((PyMethodDescrObject *) call)->d_method == &hot_methods[0];
  if (!ours)
    {
      PyErr_SetString (PyExc_TypeError, "install_call(cls): set cls.__call__ first");
      return NULL;
    }
  type->tp_call = ref_tp_call;
  PyType_Modified (type);
  Py_RETURN_NONE;
}

/* _wk.value_table_pop(table, key): removes the entry of @key and returns
 * its object, or None when there is none or its wrapper is being
 * deallocated (the entry is removed all the same: its object is going). */
static PyObject *
value_table_pop (PyObject         *module,
                 PyObject *const  *args,
                 Py_ssize_t        nargs)
{
  WkValueTable *table;
  const char *utf8;
  gpointer object;

  if (nargs != 2)
    {
      PyErr_SetString (PyExc_TypeError, "value_table_pop(table, key) takes 2 arguments");
      return NULL;
    }
  table = instance_of (args[0], WK_TYPE_VALUE_TABLE, "Wk.ValueTable");
  if (table == NULL || (utf8 = value_table_key (args[1])) == NULL)
    return NULL;
  object = wk_value_table_pop (table, utf8);
  if (object == NULL)
    Py_RETURN_NONE;
  return wrap_full (object);
}

/* _wk.set_pop(set): removes and returns a member, or None when the set is
 * empty. A member whose wrapper is being deallocated is removed and
 * skipped. */
static PyObject *
set_pop (PyObject *module,
         PyObject *set_object)
{
  WkSet *set = instance_of (set_object, WK_TYPE_SET, "Wk.Set");
  gpointer member;

  if (set == NULL)
    return NULL;
  while ((member = wk_set_pop (set)) != NULL)
    {
      PyObject *result = wrap_full (member);

      if (result != Py_None)
        return result;
      Py_DECREF (result);
    }
  Py_RETURN_NONE;
}

/* Pins the wrappers being deallocated of the members of @set into @pins:
 * each is held one up (see unref_guarded()), so that the references wobj
 * takes and drops to that member, through PyGObject's toggle notify, can't
 * deallocate it a second time. pins_release() puts the counts back, without
 * a deallocation: the one under way completes. The walk goes through the C
 * iterator, handled as iter_settle() does. */
static void
pins_add_set (GPtrArray *pins,
              WkSet     *set)
{
  WkSetIter iter;
  gpointer member;

  /* Each step releases the member the step before returned: pinned by
   * then if its wrapper is being deallocated. The last is released when
   * the iterator ends. */
  wk_set_iter_init (&iter, set);
  while (wk_set_iter_next (&iter, &member))
    {
      PyObject *wrapper = g_object_get_qdata (member, wrapper_quark);

      if (wrapper != NULL && wrapper_is_dying (wrapper))
        {
          Py_INCREF (wrapper);
          g_ptr_array_add (pins, wrapper);
        }
    }
}

static void
pins_release (GPtrArray *pins)
{
  for (guint i = 0; i < pins->len; i++)
    {
      PyObject *wrapper = g_ptr_array_index (pins, i);

      Py_SET_REFCNT (wrapper, Py_REFCNT (wrapper) - 1);
    }
  g_ptr_array_unref (pins);
}

/* _wk.set_op(name, set, other): the C set operation @name of two Wk.Sets
 * ("update", "intersection_update", "difference_update",
 * "symmetric_difference_update", "intersection", "is_subset",
 * "is_superset", "is_disjoint", "equal"), with the GIL held. wobj takes
 * and drops a reference to every member of both sets: the wrappers being
 * deallocated are pinned across it (pins_add_set()). Such a member still
 * counts, as it does in len(): its GObject lives until the deallocation
 * completes, and no wrapper of it is handed out. */
static PyObject *
set_op (PyObject         *module,
        PyObject *const  *args,
        Py_ssize_t        nargs)
{
  const char *name;
  WkSet *set;
  WkSet *other;
  GPtrArray *pins;
  PyObject *result = NULL;

  if (nargs != 3 || !PyUnicode_Check (args[0]))
    {
      PyErr_SetString (PyExc_TypeError, "set_op(name, set, other) takes a str and 2 Wk.Sets");
      return NULL;
    }
  if ((name = PyUnicode_AsUTF8 (args[0])) == NULL
      || (set = instance_of (args[1], WK_TYPE_SET, "Wk.Set")) == NULL
      || (other = instance_of (args[2], WK_TYPE_SET, "Wk.Set")) == NULL)
    return NULL;

  pins = g_ptr_array_new ();
  pins_add_set (pins, set);
  if (other != set)
    pins_add_set (pins, other);

  if (strcmp (name, "update") == 0)
    wk_set_update (set, other);
  else if (strcmp (name, "intersection_update") == 0)
    wk_set_intersection_update (set, other);
  else if (strcmp (name, "difference_update") == 0)
    wk_set_difference_update (set, other);
  else if (strcmp (name, "symmetric_difference_update") == 0)
    wk_set_symmetric_difference_update (set, other);
  else if (strcmp (name, "intersection") == 0)
    {
      WkSet *made = wk_set_intersection (set, other);

      if (made == NULL)
        {
          /* A precondition failed: wobj said so. */
          result = Py_NewRef (Py_None);
          goto out;
        }
      result = pygobject_new (G_OBJECT (made));
      g_object_unref (made);
      goto out;
    }
  else if (strcmp (name, "is_subset") == 0)
    result = PyBool_FromLong (wk_set_is_subset (set, other));
  else if (strcmp (name, "is_superset") == 0)
    result = PyBool_FromLong (wk_set_is_superset (set, other));
  else if (strcmp (name, "is_disjoint") == 0)
    result = PyBool_FromLong (wk_set_is_disjoint (set, other));
  else if (strcmp (name, "equal") == 0)
    result = PyBool_FromLong (wk_set_equal (set, other));
  else
    {
      PyErr_Format (PyExc_ValueError, "no set operation %s", name);
      goto out;
    }
  if (result == NULL)
    result = Py_NewRef (Py_None);

out:
  pins_release (pins);
  return result;
}

/* Wraps the members of @objects (transfer full, freed here) into a new
 * list, skipping those whose wrapper is being deallocated; NULL with an
 * exception. */
static PyObject *
wrap_members (GPtrArray *objects)
{
  PyObject *list = PyList_New (0);
  guint i;

  g_ptr_array_set_free_func (objects, NULL);
  for (i = 0; list != NULL && i < objects->len; i++)
    {
      PyObject *item = wrap_full (g_ptr_array_index (objects, i));

      if (item == NULL || (item != Py_None && PyList_Append (list, item) < 0))
        Py_CLEAR (list);
      Py_XDECREF (item);
    }
  /* After an error: the references not given to wrap_full(). */
  for (; i < objects->len; i++)
    unref_guarded (g_ptr_array_index (objects, i));
  g_ptr_array_unref (objects);
  return list;
}

/* _wk.set_dup_members(set): Wk.Set.dup_members() without the members whose
 * wrapper is being deallocated (PyGObject would hand them out). */
static PyObject *
set_dup_members (PyObject *module,
                 PyObject *set_object)
{
  WkSet *set = instance_of (set_object, WK_TYPE_SET, "Wk.Set");

  if (set == NULL)
    return NULL;
  return wrap_members (wk_set_dup_members (set));
}

/* _wk.value_table_dup_entries(table): (keys, objects), the lists of
 * Wk.ValueTable.dup_entries() without the entries whose object's wrapper
 * is being deallocated. dup_keys() and dup_values() come from it: wobj's
 * own take and drop a reference to every object, which the helper must
 * drop itself (unref_guarded()). */
static PyObject *
value_table_dup_entries (PyObject *module,
                         PyObject *table_object)
{
  WkValueTable *table = instance_of (table_object, WK_TYPE_VALUE_TABLE, "Wk.ValueTable");
  GPtrArray *keys = NULL;
  GPtrArray *objects = NULL;
  PyObject *py_keys;
  PyObject *py_objects;
  PyObject *result = NULL;
  guint i;

  if (table == NULL)
    return NULL;
  wk_value_table_dup_entries (table, &keys, &objects);
  g_ptr_array_set_free_func (objects, NULL);
  py_keys = PyList_New (0);
  py_objects = PyList_New (0);
  for (i = 0; i < objects->len; i++)
    {
      PyObject *item;
      PyObject *key;

      if (py_keys == NULL || py_objects == NULL)
        break;
      item = wrap_full (g_ptr_array_index (objects, i));
      if (item == NULL)
        {
          i++;
          Py_CLEAR (py_keys);
          break;
        }
      if (item != Py_None)
        {
          key = PyUnicode_FromString (g_ptr_array_index (keys, i));
          if (key == NULL || PyList_Append (py_keys, key) < 0
              || PyList_Append (py_objects, item) < 0)
            Py_CLEAR (py_keys);
          Py_XDECREF (key);
        }
      Py_DECREF (item);
    }
  for (; i < objects->len; i++)
    unref_guarded (g_ptr_array_index (objects, i));
  g_ptr_array_unref (objects);
  g_ptr_array_unref (keys);
  if (py_keys != NULL && py_objects != NULL)
    result = PyTuple_Pack (2, py_keys, py_objects);
  Py_XDECREF (py_keys);
  Py_XDECREF (py_objects);
  return result;
}

/* _wk.key_table_dup_entries(table): (keys, values), the lists of
 * Wk.KeyTable.dup_entries() without the entries whose key's wrapper is
 * being deallocated; dup_keys() and dup_values() come from it, as for
 * value_table_dup_entries(). */
static PyObject *
key_table_dup_entries (PyObject *module,
                       PyObject *table_object)
{
  WkKeyTable *table = instance_of (table_object, WK_TYPE_KEY_TABLE, "Wk.KeyTable");
  GPtrArray *keys = NULL;
  GPtrArray *values = NULL;
  PyObject *py_keys;
  PyObject *py_values;
  PyObject *result = NULL;
  guint i;

  if (table == NULL)
    return NULL;
  wk_key_table_dup_entries (table, &keys, &values);
  g_ptr_array_set_free_func (keys, NULL);
  py_keys = PyList_New (0);
  py_values = PyList_New (0);
  for (i = 0; i < keys->len; i++)
    {
      PyObject *key;
      PyObject *value;

      if (py_keys == NULL || py_values == NULL)
        break;
      key = wrap_full (g_ptr_array_index (keys, i));
      if (key == NULL)
        {
          i++;
          Py_CLEAR (py_keys);
          break;
        }
      if (key != Py_None)
        {
          value = pyg_value_as_pyobject (g_ptr_array_index (values, i), TRUE);
          if (value == NULL || PyList_Append (py_keys, key) < 0
              || PyList_Append (py_values, value) < 0)
            Py_CLEAR (py_keys);
          Py_XDECREF (value);
        }
      Py_DECREF (key);
    }
  for (; i < keys->len; i++)
    unref_guarded (g_ptr_array_index (keys, i));
  g_ptr_array_unref (keys);
  g_ptr_array_unref (values);
  if (py_keys != NULL && py_values != NULL)
    result = PyTuple_Pack (2, py_keys, py_values);
  Py_XDECREF (py_keys);
  Py_XDECREF (py_values);
  return result;
}

static gpointer
setdefault_factory (gconstpointer key,
                    gpointer      user_data)
{
  return g_object_ref (user_data);
}

/* _wk.value_table_setdefault(table, key, default): the object of @key, or
 * @default (a GObject) inserted as it, atomically. A key whose object's
 * wrapper is being deallocated is answered as one whose object is dead:
 * @default replaces it. */
static PyObject *
value_table_setdefault (PyObject         *module,
                        PyObject *const  *args,
                        Py_ssize_t        nargs)
{
  WkValueTable *table;
  const char *utf8;
  gpointer fallback;
  gpointer object;
  PyObject *result;

  if (nargs != 3)
    {
      PyErr_SetString (PyExc_TypeError, "value_table_setdefault(table, key, default) takes 3 arguments");
      return NULL;
    }
  table = instance_of (args[0], WK_TYPE_VALUE_TABLE, "Wk.ValueTable");
  if (table == NULL || (utf8 = value_table_key (args[1])) == NULL
      || (fallback = key_object (args[2])) == NULL)
    return NULL;
  object = wk_value_table_lookup_or_insert (table, utf8, setdefault_factory, fallback);
  if (object == fallback)
    {
      g_object_unref (object);
      return Py_NewRef (args[2]);
    }
  result = wrap_full (object);
  if (result == Py_None)
    {
      Py_DECREF (result);
      wk_value_table_insert (table, utf8, fallback);
      result = Py_NewRef (args[2]);
    }
  return result;
}

/* _wk.key_table_pop(table, key): (found, value), Wk.KeyTable.pop_value()
 * with the GIL held. PyGObject's invoke path for the GValue of PyGObject's
 * PyObject type crashes in the chain of test-trashcan.py (its
 * test_key_table_from_callbacks); the same work here does not. */
static PyObject *
key_table_pop (PyObject         *module,
               PyObject *const  *args,
               Py_ssize_t        nargs)
{
  WkKeyTable *table;
  GValue value = G_VALUE_INIT;
  gpointer object;
  PyObject *py_value;
  PyObject *result;

  if (nargs != 2)
    {
      PyErr_SetString (PyExc_TypeError, "key_table_pop(table, key) takes 2 arguments");
      return NULL;
    }
  table = instance_of (args[0], WK_TYPE_KEY_TABLE, "Wk.KeyTable");
  if (table == NULL || (object = key_object (args[1])) == NULL)
    return NULL;
  if (!wk_key_table_pop_value (table, object, &value))
    {
      if (G_IS_VALUE (&value))
        g_value_unset (&value);
      return PyTuple_Pack (2, Py_False, Py_None);
    }
  py_value = pyg_value_as_pyobject (&value, TRUE);
  g_value_unset (&value);
  if (py_value == NULL)
    return NULL;
  result = PyTuple_Pack (2, Py_True, py_value);
  Py_DECREF (py_value);
  return result;
}

/* _wk.key_table_setdefault(table, key, default): the value of @key, or
 * @default stored as it (atomically), as key_table_pop() does it. */
static PyObject *
key_table_setdefault (PyObject         *module,
                      PyObject *const  *args,
                      Py_ssize_t        nargs)
{
  WkKeyTable *table;
  GValue fallback = G_VALUE_INIT;
  GValue value = G_VALUE_INIT;
  gpointer object;
  PyObject *result;

  if (nargs != 3)
    {
      PyErr_SetString (PyExc_TypeError, "key_table_setdefault(table, key, default) takes 3 arguments");
      return NULL;
    }
  table = instance_of (args[0], WK_TYPE_KEY_TABLE, "Wk.KeyTable");
  if (table == NULL || (object = key_object (args[1])) == NULL)
    return NULL;
  g_value_init (&fallback, pyobject_gtype);
  g_value_set_boxed (&fallback, args[2]);
  wk_key_table_lookup_or_insert_value (table, object, &fallback, &value);
  g_value_unset (&fallback);
  result = pyg_value_as_pyobject (&value, TRUE);
  g_value_unset (&value);
  return result;
}

/* _wk.instance_dict(obj): the instance dict of the GObject wrapper @obj,
 * or None when it has none. Reading obj.__dict__ would make one, and with
 * it a toggle reference (see unref_guarded()). */
static PyObject *
instance_dict (PyObject *module,
               PyObject *obj)
{
  PyObject *dict;

  if (!PyObject_TypeCheck (obj, &PyGObject_Type))
    {
      PyErr_SetString (PyExc_TypeError, "instance_dict() takes a GObject");
      return NULL;
    }
  dict = ((PyGObject *) obj)->inst_dict;
  if (dict == NULL)
    Py_RETURN_NONE;
  Py_INCREF (dict);
  return dict;
}

/* _wk.wrapper_is_dying(obj): whether the wrapper PyGObject keeps for the
 * GObject of @obj is being deallocated; for tests. */
static PyObject *
py_wrapper_is_dying (PyObject *module,
                     PyObject *obj)
{
  GObject *object;
  PyObject *wrapper;

  if ((object = key_object (obj)) == NULL)
    return NULL;
  wrapper = g_object_get_qdata (object, wrapper_quark);
  return PyBool_FromLong (wrapper != NULL && wrapper_is_dying (wrapper));
}

static PyMethodDef module_methods[] = {
  { "ref_new_full", (PyCFunction) (void (*) (void)) ref_new_full, METH_FASTCALL,
    "ref_new_full(obj, callable): a new Wk.Ref whose callback calls callable(ref)." },
  { "method", (PyCFunction) (void (*) (void)) method, METH_FASTCALL,
    "method(cls, key): the compiled method @key for the class @cls." },
  { "install_call", install_call, METH_O,
    "install_call(cls): calls of Wk.Ref instances go straight to C." },
  { "value_table_pop", (PyCFunction) (void (*) (void)) value_table_pop, METH_FASTCALL,
    "value_table_pop(table, key): the popped object, or None." },
  { "set_pop", set_pop, METH_O,
    "set_pop(set): a popped member, or None when the set is empty." },
  { "instance_dict", instance_dict, METH_O,
    "The instance dict of a GObject wrapper, or None: never makes one." },
  { "set_op", (PyCFunction) (void (*) (void)) set_op, METH_FASTCALL,
    "set_op(name, set, other): a C set operation of two Wk.Sets." },
  { "set_dup_members", set_dup_members, METH_O,
    "set_dup_members(set): the live members, as Wk.Set.dup_members()." },
  { "value_table_dup_entries", value_table_dup_entries, METH_O,
    "value_table_dup_entries(table): (keys, objects) of the live entries." },
  { "key_table_dup_entries", key_table_dup_entries, METH_O,
    "key_table_dup_entries(table): (keys, values) of the live entries." },
  { "value_table_setdefault", (PyCFunction) (void (*) (void)) value_table_setdefault, METH_FASTCALL,
    "value_table_setdefault(table, key, default): the object of key, or default inserted." },
  { "key_table_pop", (PyCFunction) (void (*) (void)) key_table_pop, METH_FASTCALL,
    "key_table_pop(table, key): (found, value)." },
  { "key_table_setdefault", (PyCFunction) (void (*) (void)) key_table_setdefault, METH_FASTCALL,
    "key_table_setdefault(table, key, default): the value of key, or default stored." },
  { "wrapper_is_dying", py_wrapper_is_dying, METH_O,
    "Whether the wrapper of the object's GObject is being deallocated." },
  { NULL, NULL, 0, NULL },
};

static struct PyModuleDef module_def = {
  PyModuleDef_HEAD_INIT,
  .m_name = "_wk",
  .m_doc = "The compiled helper of wobj's Python overrides (gi.overrides.Wk).",
  .m_size = -1,
  .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__wk (void);

PyMODINIT_FUNC
PyInit__wk (void)
{
  PyObject *gobject_module;
  PyObject *module;

  gobject_module = pygobject_init (3, 42, 0);
  if (gobject_module == NULL)
    return NULL;
  Py_DECREF (gobject_module);

  wrapper_quark = g_quark_from_static_string ("PyGObject::wrapper");
  pyobject_gtype = g_type_from_name ("PyObject");
  if (pyobject_gtype == G_TYPE_INVALID)
    {
      PyErr_SetString (PyExc_ImportError, "PyGObject's PyObject GType is not registered");
      return NULL;
    }

  if (PyType_Ready (&Iter_Type) < 0)
    return NULL;
  module = PyModule_Create (&module_def);
  if (module == NULL)
    return NULL;
  if (PyModule_AddObjectRef (module, "Iter", (PyObject *) &Iter_Type) < 0)
    {
      Py_DECREF (module);
      return NULL;
    }
  return module;
}

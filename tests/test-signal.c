/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Weak signal connections: wk_signal_connect_weak() and
 * wk_signal_connect_closure_weak(). Every test ends with the objects it
 * made finalized, and the `valgrind` setup checks that the connections'
 * records are freed whichever side dies first. The threaded tests block a
 * handler on a handshake while another thread drops the last reference;
 * every wait has a deadline and a watchdog aborts a test that hangs. */

#include <wobj.h>

#include "wk-test-util.h"

#define LOG_DOMAIN "Wobj"

static GThread *main_thread;

/* TestEmitter: signals `ping (int)` (run-last, with a class handler that
 * logs itself) and `query () -> int`, and a property for a detailed
 * connection. */

#define TEST_TYPE_EMITTER (test_emitter_get_type ())
G_DECLARE_FINAL_TYPE (TestEmitter, test_emitter, TEST, EMITTER, GObject)

struct _TestEmitter
{
  GObject  parent_instance;
  int      value;
  GString *log;       /* what ran, in order, when set */
};

enum {
  PING,
  QUERY,
  N_SIGNALS
};

enum {
  PROP_0,
  PROP_VALUE,
  PROP_OTHER,
  N_PROPS
};

static guint signals[N_SIGNALS];
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TestEmitter, test_emitter, G_TYPE_OBJECT)

static void
test_emitter_real_ping (TestEmitter *self,
                        int          n)
{
  if (self->log != NULL)
    g_string_append (self->log, "class;");
}

static void
test_emitter_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TestEmitter *self = TEST_EMITTER (object);

  if (prop_id == PROP_VALUE || prop_id == PROP_OTHER)
    g_value_set_int (value, self->value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
test_emitter_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TestEmitter *self = TEST_EMITTER (object);

  if (prop_id == PROP_VALUE || prop_id == PROP_OTHER)
    self->value = g_value_get_int (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
test_emitter_class_init (TestEmitterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = test_emitter_get_property;
  object_class->set_property = test_emitter_set_property;

  properties[PROP_VALUE] = g_param_spec_int ("value", NULL, NULL, 0, G_MAXINT, 0,
                                             G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_OTHER] = g_param_spec_int ("other", NULL, NULL, 0, G_MAXINT, 0,
                                             G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[PING] = g_signal_new_class_handler ("ping",
                                              G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST,
                                              G_CALLBACK (test_emitter_real_ping),
                                              NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, G_TYPE_INT);
  signals[QUERY] = g_signal_new ("query",
                                 G_TYPE_FROM_CLASS (klass),
                                 G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL,
                                 G_TYPE_INT, 0);
}

static void
test_emitter_init (TestEmitter *self)
{
}

static TestEmitter *
emitter_new (void)
{
  return g_object_new (TEST_TYPE_EMITTER, NULL);
}

static void
ping (gpointer emitter,
      int      n)
{
  g_signal_emit (emitter, signals[PING], 0, n);
}

/* TestReceiver: counts the calls it gets, and remembers whether it was
 * disposed, so that a handler can tell that it was called on a dying
 * receiver. A handler may call `in_handler` to block on a handshake. Not
 * a WkTestObject: it marks itself disposed first thing in its dispose,
 * before the work its dispose may do, where WkTestObject would mark it
 * only when the subclass chains up. */

#define TEST_TYPE_RECEIVER (test_receiver_get_type ())
G_DECLARE_FINAL_TYPE (TestReceiver, test_receiver, TEST, RECEIVER, GObject)

struct _TestReceiver
{
  GObject       parent_instance;
  gint          disposed;          /* atomic */
  gint          n_calls;           /* atomic */
  int           last_n;
  gpointer      last_emitter;
  GThread      *last_thread;
  int           answer;            /* what `query` returns */
  void        (*in_handler) (TestReceiver *self);
  gpointer      data;

  /* If set, dispose tries to connect itself to this emitter. */
  TestEmitter  *connect_in_dispose;
};

static gulong id_in_dispose = G_MAXULONG;

static gint test_receiver_n_finalized;  /* atomic */

G_DEFINE_FINAL_TYPE (TestReceiver, test_receiver, G_TYPE_OBJECT)

static void on_ping (TestEmitter *emitter, int n, TestReceiver *self);

static void
test_receiver_dispose (GObject *object)
{
  TestReceiver *self = TEST_RECEIVER (object);

  g_atomic_int_set (&self->disposed, 1);

  if (self->connect_in_dispose != NULL)
    id_in_dispose = wk_signal_connect_weak (g_steal_pointer (&self->connect_in_dispose),
                                            "ping", G_CALLBACK (on_ping), self, 0);

  G_OBJECT_CLASS (test_receiver_parent_class)->dispose (object);
}

static void
test_receiver_finalize (GObject *object)
{
  g_atomic_int_inc (&test_receiver_n_finalized);

  G_OBJECT_CLASS (test_receiver_parent_class)->finalize (object);
}

static void
test_receiver_class_init (TestReceiverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = test_receiver_dispose;
  object_class->finalize = test_receiver_finalize;
}

static void
test_receiver_init (TestReceiver *self)
{
}

static TestReceiver *
receiver_new (void)
{
  return g_object_new (TEST_TYPE_RECEIVER, NULL);
}

/* The handlers. Each checks that it runs on a live receiver. */

static void
record_call (TestReceiver *self,
             gpointer      emitter,
             int           n)
{
  g_assert_true (TEST_IS_RECEIVER (self));
  g_assert_true (TEST_IS_EMITTER (emitter));
  g_assert_cmpint (g_atomic_int_get (&self->disposed), ==, 0);
  g_assert_cmpuint (G_OBJECT (self)->ref_count, >, 0);

  self->last_n = n;
  self->last_emitter = emitter;
  self->last_thread = g_thread_self ();
  if (TEST_EMITTER (emitter)->log != NULL)
    g_string_append (TEST_EMITTER (emitter)->log, "weak;");
  g_atomic_int_inc (&self->n_calls);

  if (self->in_handler != NULL)
    self->in_handler (self);
}

static void
on_ping (TestEmitter  *emitter,
         int           n,
         TestReceiver *self)
{
  record_call (self, emitter, n);
}

static void
on_ping_swapped (TestReceiver *self,
                 int           n,
                 TestEmitter  *emitter)
{
  record_call (self, emitter, n);
}

static int
on_query (TestEmitter  *emitter,
          TestReceiver *self)
{
  record_call (self, emitter, -1);
  return self->answer;
}

static void
on_notify (TestEmitter  *emitter,
           GParamSpec   *pspec,
           TestReceiver *self)
{
  record_call (self, emitter, emitter->value);
}

/* The closure form passes the receiver after the signal's arguments. */
static void
on_ping_closure (TestEmitter  *emitter,
                 int           n,
                 TestReceiver *self,
                 gpointer      data)
{
  g_assert_true (data == (gpointer) &signals);
  record_call (self, emitter, n);
}

/* Helpers */

static void
count_cb (gpointer  data,
          GClosure *closure)
{
  g_atomic_int_inc ((gint *) data);
}

static gboolean
has_no_ping_handler (gpointer emitter)
{
  return !g_signal_has_handler_pending (emitter, signals[PING], 0, TRUE);
}

/* Iterates the main thread's default context until @emitter has no `ping`
 * handler left, failing after WK_TEST_TIMEOUT_S. */
static void
iterate_until_disconnected (TestEmitter *emitter)
{
  wk_test_iterate_until_cond (NULL, WK_TEST_TIMEOUT_S, has_no_ping_handler, emitter);
}

/* A handshake between two threads: each waits for the other to reach a
 * stage, with a deadline. */
typedef struct
{
  GMutex mutex;
  GCond  cond;
  int    stage;
} Handshake;

static void
handshake_init (Handshake *h)
{
  g_mutex_init (&h->mutex);
  g_cond_init (&h->cond);
  h->stage = 0;
}

static void
handshake_clear (Handshake *h)
{
  g_mutex_clear (&h->mutex);
  g_cond_clear (&h->cond);
}

static void
handshake_set (Handshake *h,
               int        stage)
{
  g_mutex_lock (&h->mutex);
  h->stage = stage;
  g_cond_broadcast (&h->cond);
  g_mutex_unlock (&h->mutex);
}

static void
handshake_wait (Handshake *h,
                int        stage)
{
  gint64 deadline = g_get_monotonic_time () + WK_TEST_TIMEOUT_S * G_USEC_PER_SEC;

  g_mutex_lock (&h->mutex);
  while (h->stage < stage)
    if (!g_cond_wait_until (&h->cond, &h->mutex, deadline))
      g_error ("timed out waiting for stage %d (at %d)", stage, h->stage);
  g_mutex_unlock (&h->mutex);
}

static gboolean
has_ping_handler (TestEmitter *emitter)
{
  return g_signal_has_handler_pending (emitter, signals[PING], 0, TRUE);
}

/* Tests */

/* The handler gets the receiver as user data and the signal's arguments;
 * the receiver's death on this thread disconnects it before
 * g_object_unref() returns. */
static void
test_connect_emit (void)
{
  TestEmitter *emitter = emitter_new ();
  TestReceiver *receiver = receiver_new ();
  gulong id;

  id = wk_signal_connect_weak (emitter, "ping", G_CALLBACK (on_ping), receiver, 0);
  g_assert_cmpuint (id, >, 0);
  g_assert_true (g_signal_handler_is_connected (emitter, id));

  ping (emitter, 7);
  g_assert_cmpint (receiver->n_calls, ==, 1);
  g_assert_cmpint (receiver->last_n, ==, 7);
  g_assert_true (receiver->last_emitter == emitter);
  ping (emitter, 8);
  g_assert_cmpint (receiver->n_calls, ==, 2);
  g_assert_cmpint (receiver->last_n, ==, 8);

  /* Neither is held: the receiver goes with its last reference. */
  g_assert_cmpuint (G_OBJECT (receiver)->ref_count, ==, 1);
  g_assert_cmpuint (G_OBJECT (emitter)->ref_count, ==, 1);
  g_assert_finalize_object (receiver);

  g_assert_false (has_ping_handler (emitter));
  g_assert_false (g_signal_handler_is_connected (emitter, id));
  ping (emitter, 9);  /* would crash or assert if the handler ran */

  g_assert_finalize_object (emitter);
}

/* The emitter dies first: its handlers go with it, the records are freed
 * (valgrind), and the receiver lives on unaffected. */
static void
test_emitter_dies_first (void)
{
  TestEmitter *emitter = emitter_new ();
  TestReceiver *receiver = receiver_new ();
  GClosure *closure;
  gint n_finalized = 0;

  wk_signal_connect_weak (emitter, "ping", G_CALLBACK (on_ping), receiver, 0);
  closure = g_cclosure_new (G_CALLBACK (on_ping), receiver, NULL);
  g_closure_add_finalize_notifier (closure, &n_finalized, count_cb);
  wk_signal_connect_closure_weak (emitter, "ping", closure, receiver, FALSE);

  ping (emitter, 1);
  g_assert_cmpint (receiver->n_calls, ==, 2);
  g_assert_cmpuint (G_OBJECT (receiver)->ref_count, ==, 1);

  g_assert_finalize_object (emitter);
  g_assert_cmpint (n_finalized, ==, 1);

  g_assert_finalize_object (receiver);
}

static void
test_swapped_after (void)
{
  TestEmitter *emitter = emitter_new ();
  TestReceiver *receiver = receiver_new ();
  gulong id1, id2;

  emitter->log = g_string_new (NULL);

  id1 = wk_signal_connect_weak (emitter, "ping", G_CALLBACK (on_ping_swapped), receiver,
                                G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  ping (emitter, 3);
  g_assert_cmpstr (emitter->log->str, ==, "class;weak;");
  g_assert_cmpint (receiver->last_n, ==, 3);
  g_assert_true (receiver->last_emitter == emitter);

  g_string_truncate (emitter->log, 0);
  id2 = wk_signal_connect_weak (emitter, "ping", G_CALLBACK (on_ping_swapped), receiver,
                                G_CONNECT_SWAPPED);
  ping (emitter, 4);
  g_assert_cmpstr (emitter->log->str, ==, "weak;class;weak;");
  g_assert_cmpint (receiver->n_calls, ==, 3);

  /* The closure form's `after` too. */
  g_string_truncate (emitter->log, 0);
  g_signal_handler_disconnect (emitter, id1);
  g_signal_handler_disconnect (emitter, id2);
  wk_signal_connect_closure_weak (emitter, "ping",
                                  g_cclosure_new (G_CALLBACK (on_ping), receiver, NULL),
                                  receiver, TRUE);
  ping (emitter, 5);
  g_assert_cmpstr (emitter->log->str, ==, "class;weak;");

  g_string_free (emitter->log, TRUE);
  emitter->log = NULL;
  g_assert_finalize_object (receiver);
  g_assert_false (has_ping_handler (emitter));
  g_assert_finalize_object (emitter);
}

/* A detailed signal, and a signal with a return value. */
static void
test_detail_and_return (void)
{
  TestEmitter *emitter = emitter_new ();
  TestReceiver *receiver = receiver_new ();
  int answer = -1;

  wk_signal_connect_weak (emitter, "notify::value", G_CALLBACK (on_notify), receiver, 0);
  g_object_set (emitter, "other", 5, NULL);
  g_assert_cmpint (receiver->n_calls, ==, 0);
  g_object_set (emitter, "value", 6, NULL);
  g_assert_cmpint (receiver->n_calls, ==, 1);
  g_assert_cmpint (receiver->last_n, ==, 6);

  receiver->answer = 42;
  wk_signal_connect_weak (emitter, "query", G_CALLBACK (on_query), receiver, 0);
  g_signal_emit (emitter, signals[QUERY], 0, &answer);
  g_assert_cmpint (answer, ==, 42);

  g_assert_finalize_object (receiver);
  answer = -1;
  g_signal_emit (emitter, signals[QUERY], 0, &answer);
  g_assert_cmpint (answer, ==, 0);
  g_assert_finalize_object (emitter);
}

/* The closure form: a closure without a marshaller gets the generic one;
 * a floating closure is taken over; the closure is released when the
 * connection ends, whichever way. */
static void
test_closure (void)
{
  TestEmitter *emitter = emitter_new ();
  TestReceiver *receiver = receiver_new ();
  GClosure *closure;
  gint n_finalized = 0;
  gulong id;

  closure = g_cclosure_new (G_CALLBACK (on_ping), receiver, NULL);
  g_closure_add_finalize_notifier (closure, &n_finalized, count_cb);
  g_assert_true (closure->floating);
  id = wk_signal_connect_closure_weak (emitter, "ping", closure, receiver, FALSE);
  g_assert_cmpuint (id, >, 0);

  ping (emitter, 11);
  g_assert_cmpint (receiver->n_calls, ==, 1);
  g_assert_cmpint (receiver->last_n, ==, 11);

  /* Disconnected by hand while both live: released at once. */
  g_signal_handler_disconnect (emitter, id);
  g_assert_cmpint (n_finalized, ==, 1);
  ping (emitter, 12);
  g_assert_cmpint (receiver->n_calls, ==, 1);

  /* The closure's own data comes after the receiver. */
  id = wk_signal_connect_closure_weak (emitter, "ping",
                                       g_cclosure_new (G_CALLBACK (on_ping_closure), &signals, NULL),
                                       receiver, FALSE);
  ping (emitter, 14);
  g_assert_cmpint (receiver->n_calls, ==, 2);
  g_assert_cmpint (receiver->last_n, ==, 14);
  g_signal_handler_disconnect (emitter, id);

  /* A closure the caller keeps: still usable after the connection ends. */
  closure = g_cclosure_new (G_CALLBACK (on_ping), receiver, NULL);
  g_closure_ref (closure);
  g_closure_sink (closure);
  g_closure_add_finalize_notifier (closure, &n_finalized, count_cb);
  id = wk_signal_connect_closure_weak (emitter, "ping", closure, receiver, FALSE);
  ping (emitter, 13);
  g_assert_cmpint (receiver->n_calls, ==, 3);

  g_assert_finalize_object (receiver);
  g_assert_false (g_signal_handler_is_connected (emitter, id));
  g_assert_cmpint (n_finalized, ==, 1);
  g_assert_cmpuint (closure->ref_count, ==, 1);
  g_closure_unref (closure);
  g_assert_cmpint (n_finalized, ==, 2);

  g_assert_finalize_object (emitter);
}

/* The receiver dies on another thread: from that moment the handler is
 * not called, and the next emission on the connecting thread disconnects
 * it, before the main context delivered the WkRef's callback. */
static void
test_receiver_dies_elsewhere (void)
{
  TestEmitter *emitter = emitter_new ();
  TestReceiver *receiver = receiver_new ();
  gint n_finalized = g_atomic_int_get (&test_receiver_n_finalized);

  wk_signal_connect_weak (emitter, "ping", G_CALLBACK (on_ping), receiver, 0);
  ping (emitter, 1);
  g_assert_cmpint (receiver->n_calls, ==, 1);

  wk_test_unref_in_thread (receiver);
  g_assert_cmpint (g_atomic_int_get (&test_receiver_n_finalized), ==, n_finalized + 1);

  g_assert_true (has_ping_handler (emitter));
  ping (emitter, 2);  /* not called: the handler would assert */
  g_assert_false (has_ping_handler (emitter));

  /* The late callback finds nothing to do. */
  wk_test_drain_context (NULL);
  g_assert_finalize_object (emitter);
}

/* The same, with the main context delivering the disconnection. */
static void
test_receiver_dies_elsewhere_delivered (void)
{
  TestEmitter *emitter = emitter_new ();
  TestReceiver *receiver = receiver_new ();
  gint n_finalized = g_atomic_int_get (&test_receiver_n_finalized);

  wk_signal_connect_weak (emitter, "ping", G_CALLBACK (on_ping), receiver, 0);
  wk_test_unref_in_thread (receiver);
  g_assert_cmpint (g_atomic_int_get (&test_receiver_n_finalized), ==, n_finalized + 1);
  iterate_until_disconnected (emitter);
  g_assert_finalize_object (emitter);
}

/* The handler runs on this thread while another thread drops the last
 * other reference to the receiver: the receiver stays alive until the
 * handler returns, then dies on this thread, which disconnects the
 * handler. */
typedef struct
{
  Handshake     h;
  TestReceiver *receiver;
  TestEmitter  *emitter;
  gint          n_finalized_before;
} DuringEmission;

static gpointer
drop_receiver_thread_func (gpointer data)
{
  DuringEmission *d = data;

  handshake_wait (&d->h, 1);              /* the handler is running */
  g_object_unref (d->receiver);           /* the last reference but the guard's */
  handshake_set (&d->h, 2);

  return NULL;
}

static void
block_until_receiver_dropped (TestReceiver *self)
{
  DuringEmission *d = self->data;

  handshake_set (&d->h, 1);
  handshake_wait (&d->h, 2);

  /* Only the connection's strong reference keeps it alive now. */
  g_assert_cmpint (g_atomic_int_get (&self->disposed), ==, 0);
  g_assert_cmpuint (G_OBJECT (self)->ref_count, ==, 1);
  g_assert_cmpint (g_atomic_int_get (&test_receiver_n_finalized), ==, d->n_finalized_before);
}

static void
test_receiver_dies_during_emission (void)
{
  DuringEmission d = { 0 };
  GThread *thread;

  wk_test_watchdog_start (2 * WK_TEST_TIMEOUT_S);
  handshake_init (&d.h);
  d.emitter = emitter_new ();
  d.receiver = receiver_new ();
  d.receiver->in_handler = block_until_receiver_dropped;
  d.receiver->data = &d;
  d.n_finalized_before = g_atomic_int_get (&test_receiver_n_finalized);

  wk_signal_connect_weak (d.emitter, "ping", G_CALLBACK (on_ping), d.receiver, 0);
  thread = g_thread_new ("wk-test-drop", drop_receiver_thread_func, &d);
  ping (d.emitter, 1);
  g_thread_join (thread);

  /* The guard's reference was the last one: the receiver died on this
   * thread, the connecting one, when the handler returned. */
  g_assert_cmpint (g_atomic_int_get (&test_receiver_n_finalized), ==, d.n_finalized_before + 1);
  g_assert_false (has_ping_handler (d.emitter));
  ping (d.emitter, 2);

  g_assert_finalize_object (d.emitter);
  handshake_clear (&d.h);
  wk_test_watchdog_stop ();
}

/* The same with the roles of the threads swapped: another thread emits,
 * and this one (the connecting one) drops the receiver during the
 * handler. The receiver then dies on the emitting thread, and the
 * disconnection reaches this thread through its main context. */
static gpointer
emit_thread_func (gpointer data)
{
  DuringEmission *d = data;

  ping (d->emitter, 1);
  handshake_set (&d->h, 3);

  return NULL;
}

static void
block_until_receiver_dropped_here (TestReceiver *self)
{
  DuringEmission *d = self->data;

  g_assert_true (g_thread_self () != main_thread);
  handshake_set (&d->h, 1);
  handshake_wait (&d->h, 2);
  g_assert_cmpint (g_atomic_int_get (&self->disposed), ==, 0);
  g_assert_cmpuint (G_OBJECT (self)->ref_count, ==, 1);
}

static void
test_receiver_dies_during_emission_elsewhere (void)
{
  DuringEmission d = { 0 };
  GThread *thread;

  wk_test_watchdog_start (2 * WK_TEST_TIMEOUT_S);
  handshake_init (&d.h);
  d.emitter = emitter_new ();
  d.receiver = receiver_new ();
  d.receiver->in_handler = block_until_receiver_dropped_here;
  d.receiver->data = &d;
  d.n_finalized_before = g_atomic_int_get (&test_receiver_n_finalized);

  wk_signal_connect_weak (d.emitter, "ping", G_CALLBACK (on_ping), d.receiver, 0);
  thread = g_thread_new ("wk-test-emit", emit_thread_func, &d);
  handshake_wait (&d.h, 1);
  g_object_unref (d.receiver);
  handshake_set (&d.h, 2);
  handshake_wait (&d.h, 3);
  g_thread_join (thread);

  g_assert_cmpint (g_atomic_int_get (&test_receiver_n_finalized), ==, d.n_finalized_before + 1);
  iterate_until_disconnected (d.emitter);

  g_assert_finalize_object (d.emitter);
  handshake_clear (&d.h);
  wk_test_watchdog_stop ();
}

/* The emitter dies on another thread, after an emission there whose
 * handler ran while this thread dropped its reference: the handlers and
 * the records go on that thread; the receiver lives on. */
static gpointer
emit_then_drop_thread_func (gpointer data)
{
  DuringEmission *d = data;

  ping (d->emitter, 1);
  handshake_set (&d->h, 3);
  g_object_unref (d->emitter);  /* the last reference */
  handshake_set (&d->h, 4);

  return NULL;
}

static void
block_until_emitter_dropped (TestReceiver *self)
{
  DuringEmission *d = self->data;

  handshake_set (&d->h, 1);
  handshake_wait (&d->h, 2);
}

static void
test_emitter_dies_elsewhere (void)
{
  DuringEmission d = { 0 };
  GThread *thread;
  GClosure *closure;
  gint n_finalized = 0;
  GWeakRef emitter_weak;

  wk_test_watchdog_start (2 * WK_TEST_TIMEOUT_S);
  handshake_init (&d.h);
  d.emitter = emitter_new ();
  d.receiver = receiver_new ();
  d.receiver->in_handler = block_until_emitter_dropped;
  d.receiver->data = &d;
  g_weak_ref_init (&emitter_weak, d.emitter);

  closure = g_cclosure_new (G_CALLBACK (on_ping), d.receiver, NULL);
  g_closure_add_finalize_notifier (closure, &n_finalized, count_cb);
  wk_signal_connect_closure_weak (d.emitter, "ping", closure, d.receiver, FALSE);

  /* The thread holds its own reference for the emission. */
  g_object_ref (d.emitter);
  thread = g_thread_new ("wk-test-emit-drop", emit_then_drop_thread_func, &d);
  handshake_wait (&d.h, 1);
  g_object_unref (d.emitter);
  handshake_set (&d.h, 2);
  handshake_wait (&d.h, 4);
  g_thread_join (thread);

  g_assert_null (g_weak_ref_get (&emitter_weak));
  g_weak_ref_clear (&emitter_weak);
  g_assert_cmpint (g_atomic_int_get (&n_finalized), ==, 1);
  g_assert_cmpint (d.receiver->n_calls, ==, 1);
  g_assert_cmpuint (G_OBJECT (d.receiver)->ref_count, ==, 1);

  wk_test_drain_context (NULL);
  g_assert_finalize_object (d.receiver);
  handshake_clear (&d.h);
  wk_test_watchdog_stop ();
}

/* Connected on a thread whose main context never runs: a receiver that
 * dies elsewhere is never called, the handler stays connected (the
 * disconnection waits for that context or an emission on that thread),
 * and the emitter's death frees everything. */
typedef struct
{
  Handshake     h;
  TestEmitter  *emitter;
  TestReceiver *receiver;
  GClosure     *closure;
  gulong        id;
} Idle;

static gpointer
connect_thread_func (gpointer data)
{
  Idle *idle = data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  idle->id = wk_signal_connect_closure_weak (idle->emitter, "ping", idle->closure,
                                             idle->receiver, FALSE);
  g_main_context_pop_thread_default (context);
  handshake_set (&idle->h, 1);

  /* Iterated only once the test is over, to show the late callback
   * harmless. */
  handshake_wait (&idle->h, 2);
  wk_test_drain_context (context);
  g_main_context_unref (context);

  return NULL;
}

static void
test_no_running_context (void)
{
  Idle idle = { 0 };
  GThread *thread;
  gint n_finalized = 0;

  wk_test_watchdog_start (2 * WK_TEST_TIMEOUT_S);
  handshake_init (&idle.h);
  idle.emitter = emitter_new ();
  idle.receiver = receiver_new ();
  idle.closure = g_cclosure_new (G_CALLBACK (on_ping), idle.receiver, NULL);
  g_closure_add_finalize_notifier (idle.closure, &n_finalized, count_cb);

  thread = g_thread_new ("wk-test-connect", connect_thread_func, &idle);
  handshake_wait (&idle.h, 1);
  g_assert_cmpuint (idle.id, >, 0);

  ping (idle.emitter, 1);
  g_assert_cmpint (idle.receiver->n_calls, ==, 1);
  g_assert_true (idle.receiver->last_thread == main_thread);

  g_assert_finalize_object (idle.receiver);
  ping (idle.emitter, 2);
  wk_test_drain_context (NULL);
  g_assert_true (g_signal_handler_is_connected (idle.emitter, idle.id));
  g_assert_cmpint (n_finalized, ==, 0);

  g_assert_finalize_object (idle.emitter);
  g_assert_cmpint (n_finalized, ==, 1);

  handshake_set (&idle.h, 2);
  g_thread_join (thread);
  handshake_clear (&idle.h);
  wk_test_watchdog_stop ();
}

/* Connected on a worker thread that pushed no main context of its own and
 * has exited since: its thread-default context is the global default one,
 * which this thread iterates, and that is where the disconnection comes
 * from when the receiver dies here. */
static gpointer
connect_plain_thread_func (gpointer data)
{
  Idle *idle = data;

  idle->id = wk_signal_connect_weak (idle->emitter, "ping", G_CALLBACK (on_ping),
                                     idle->receiver, 0);

  return NULL;
}

static void
test_worker_without_context (void)
{
  Idle idle = { 0 };

  idle.emitter = emitter_new ();
  idle.receiver = receiver_new ();
  g_thread_join (g_thread_new ("wk-test-connect", connect_plain_thread_func, &idle));
  g_assert_cmpuint (idle.id, >, 0);

  ping (idle.emitter, 1);
  g_assert_cmpint (idle.receiver->n_calls, ==, 1);

  g_assert_finalize_object (idle.receiver);
  iterate_until_disconnected (idle.emitter);
  ping (idle.emitter, 2);
  g_assert_finalize_object (idle.emitter);
}

/* The receiver is the emitter. */
static void
on_ping_self (TestEmitter *emitter,
              int          n,
              TestEmitter *self)
{
  g_assert_true (emitter == self);
  self->value += n;
}

static void
test_same_object (void)
{
  TestEmitter *self = emitter_new ();
  GClosure *closure;
  gint n_finalized = 0;
  gulong id;

  id = wk_signal_connect_weak (self, "ping", G_CALLBACK (on_ping_self), self, 0);
  g_assert_cmpuint (id, >, 0);
  closure = g_cclosure_new (G_CALLBACK (on_ping_self), self, NULL);
  g_closure_add_finalize_notifier (closure, &n_finalized, count_cb);
  id = wk_signal_connect_closure_weak (self, "ping", closure, self, FALSE);
  g_assert_cmpuint (id, >, 0);

  ping (self, 2);
  g_assert_cmpint (self->value, ==, 4);
  g_assert_cmpuint (G_OBJECT (self)->ref_count, ==, 1);
  g_assert_finalize_object (self);
  g_assert_cmpint (n_finalized, ==, 1);
}

/* A handler that disconnects itself, and one that drops the last
 * reference to its receiver. */
static void
disconnect_self (TestReceiver *self)
{
  g_signal_handler_disconnect (self->last_emitter, GPOINTER_TO_SIZE (self->data));
}

static void
drop_self (TestReceiver *self)
{
  g_object_unref (self);
  /* Still alive: the connection holds it until the handler returns. */
  g_assert_cmpint (g_atomic_int_get (&self->disposed), ==, 0);
}

static void
test_reentrancy (void)
{
  TestEmitter *emitter = emitter_new ();
  TestReceiver *receiver = receiver_new ();
  gint n_finalized = g_atomic_int_get (&test_receiver_n_finalized);
  gulong id;

  id = wk_signal_connect_weak (emitter, "ping", G_CALLBACK (on_ping), receiver, 0);
  receiver->in_handler = disconnect_self;
  receiver->data = GSIZE_TO_POINTER (id);
  ping (emitter, 1);
  g_assert_false (g_signal_handler_is_connected (emitter, id));
  ping (emitter, 2);
  g_assert_cmpint (receiver->n_calls, ==, 1);

  wk_signal_connect_weak (emitter, "ping", G_CALLBACK (on_ping), receiver, 0);
  receiver->in_handler = drop_self;
  ping (emitter, 3);
  g_assert_cmpint (g_atomic_int_get (&test_receiver_n_finalized), ==, n_finalized + 1);
  g_assert_false (has_ping_handler (emitter));

  g_assert_finalize_object (emitter);
}

/* A connection to an object that is already dying for a WkRef (here: from
 * a WkRef callback run by its death) is not made; one made during the
 * object's dispose, while it still counts as alive, goes with it. */
typedef struct
{
  TestEmitter  *emitter;
  TestReceiver *receiver;
  gulong        id;
} Dying;

static void
connect_from_death_cb (WkRef    *ref,
                       gpointer  user_data)
{
  Dying *d = user_data;

  d->id = wk_signal_connect_weak (d->emitter, "ping", G_CALLBACK (on_ping), d->receiver, 0);
}

static void
test_dying (void)
{
  TestEmitter *emitter = emitter_new ();
  TestReceiver *receiver = receiver_new ();
  Dying d = { 0 };
  WkRef *ref;

  /* The receiver connects itself from its own dispose, before chaining
   * up: the object still counts as alive then, so the connection is made,
   * and undone by the death under way. */
  receiver->connect_in_dispose = emitter;
  g_assert_finalize_object (receiver);
  g_assert_cmpuint (id_in_dispose, !=, G_MAXULONG);
  g_assert_false (has_ping_handler (emitter));
  ping (emitter, 1);

  /* A dying receiver. */
  d.emitter = emitter;
  d.receiver = receiver_new ();
  d.id = G_MAXULONG;
  ref = wk_ref_new_full (d.receiver, connect_from_death_cb, &d, NULL);
  g_assert_finalize_object (d.receiver);
  g_assert_cmpuint (d.id, ==, 0);
  g_assert_false (has_ping_handler (emitter));
  g_assert_finalize_object (ref);

  /* A dying emitter. */
  d.emitter = emitter;
  d.receiver = receiver = receiver_new ();
  d.id = G_MAXULONG;
  ref = wk_ref_new_full (d.emitter, connect_from_death_cb, &d, NULL);
  g_assert_finalize_object (emitter);
  g_assert_cmpuint (d.id, ==, 0);
  g_assert_finalize_object (ref);

  /* g_object_run_dispose() kills the WkRefs of the time, but the object
   * lives on, and a new connection to it works. */
  emitter = emitter_new ();
  g_object_run_dispose (G_OBJECT (emitter));
  g_assert_cmpuint (wk_signal_connect_weak (emitter, "ping", G_CALLBACK (on_ping), receiver, 0), >, 0);
  ping (emitter, 2);
  g_assert_cmpint (receiver->n_calls, ==, 1);

  g_assert_finalize_object (receiver);
  g_assert_false (has_ping_handler (emitter));
  g_assert_finalize_object (emitter);
}

static void
test_bad_input (void)
{
  TestEmitter *emitter = emitter_new ();
  TestReceiver *receiver = receiver_new ();
  GClosure *closure;
  gulong id;

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_signal_connect_weak: emitter must be a GObject, not NULL");
  id = wk_signal_connect_weak (NULL, "ping", G_CALLBACK (on_ping), receiver, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (id, ==, 0);

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "*wk_signal_connect_weak*assertion*detailed_signal*");
  id = wk_signal_connect_weak (emitter, NULL, G_CALLBACK (on_ping), receiver, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (id, ==, 0);

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "*wk_signal_connect_weak*assertion*c_handler*");
  id = wk_signal_connect_weak (emitter, "ping", NULL, receiver, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (id, ==, 0);

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_signal_connect_weak: receiver must be a GObject, not NULL");
  id = wk_signal_connect_weak (emitter, "ping", G_CALLBACK (on_ping), NULL, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (id, ==, 0);

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "*wk_signal_connect_weak*assertion*connect_flags*");
  id = wk_signal_connect_weak (emitter, "ping", G_CALLBACK (on_ping), receiver, (GConnectFlags) (1 << 7));
  g_test_assert_expected_messages ();
  g_assert_cmpuint (id, ==, 0);

  closure = g_cclosure_new (G_CALLBACK (on_ping), receiver, NULL);
  g_closure_ref (closure);
  g_closure_sink (closure);

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_signal_connect_closure_weak: emitter must be a GObject, not NULL");
  id = wk_signal_connect_closure_weak (NULL, "ping", closure, receiver, FALSE);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (id, ==, 0);

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "*wk_signal_connect_closure_weak*assertion*detailed_signal*");
  id = wk_signal_connect_closure_weak (emitter, NULL, closure, receiver, FALSE);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (id, ==, 0);

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "*wk_signal_connect_closure_weak*assertion*closure*");
  id = wk_signal_connect_closure_weak (emitter, "ping", NULL, receiver, FALSE);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (id, ==, 0);

  g_test_expect_message (LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
                         "wk_signal_connect_closure_weak: receiver must be a GObject, not NULL");
  id = wk_signal_connect_closure_weak (emitter, "ping", closure, NULL, FALSE);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (id, ==, 0);

  /* An unknown signal: GLib says so, as for g_signal_connect(), and
   * nothing is left behind. */
  g_test_expect_message ("GLib-GObject", G_LOG_LEVEL_WARNING, "*signal 'nope' is invalid*");
  id = wk_signal_connect_closure_weak (emitter, "nope", closure, receiver, FALSE);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (id, ==, 0);

  /* Nothing was taken from the caller's closure, nothing connected. */
  g_assert_cmpuint (closure->ref_count, ==, 1);
  g_closure_unref (closure);
  g_assert_false (has_ping_handler (emitter));
  g_assert_finalize_object (receiver);
  g_assert_finalize_object (emitter);
}

/* Many emissions on several threads while the receiver dies on yet
 * another: no handler ever runs on a disposed receiver (each asserts it),
 * and the handler is gone in the end. */
#define N_EMITTERS 3

typedef struct
{
  TestEmitter  *emitter;
  gint          stop;       /* atomic */
  gint          n_started;  /* atomic */
} Stress;

static gpointer
stress_emit_thread_func (gpointer data)
{
  Stress *s = data;

  g_atomic_int_inc (&s->n_started);
  while (!g_atomic_int_get (&s->stop))
    ping (s->emitter, 0);

  return NULL;
}

/* Only atomic accesses: it runs on several threads at once. */
static void
on_ping_stress (TestEmitter  *emitter,
                int           n,
                TestReceiver *self)
{
  g_assert_cmpint (g_atomic_int_get (&self->disposed), ==, 0);
  g_atomic_int_inc (&self->n_calls);
}

static void
test_stress (void)
{
  guint rounds = wk_test_scaled (200);
  gint n_finalized = g_atomic_int_get (&test_receiver_n_finalized);

  wk_test_watchdog_start (2 * WK_TEST_TIMEOUT_S);
  for (guint r = 0; r < rounds; r++)
    {
      Stress s = { 0 };
      GThread *threads[N_EMITTERS];
      TestReceiver *receiver = receiver_new ();

      s.emitter = emitter_new ();
      wk_signal_connect_weak (s.emitter, "ping", G_CALLBACK (on_ping_stress), receiver, 0);
      for (guint i = 0; i < N_EMITTERS; i++)
        threads[i] = g_thread_new ("wk-test-stress", stress_emit_thread_func, &s);
      /* A hang here is the watchdog's to report, with stacks. */
      while (g_atomic_int_get (&s.n_started) < N_EMITTERS)
        g_thread_yield ();

      /* The receiver dies on this thread, or, every other round, on
       * another one. */
      if (r % 2 == 0)
        g_object_unref (receiver);
      else
        wk_test_unref_in_thread (receiver);

      g_atomic_int_set (&s.stop, 1);
      for (guint i = 0; i < N_EMITTERS; i++)
        g_thread_join (threads[i]);

      iterate_until_disconnected (s.emitter);
      g_assert_finalize_object (s.emitter);
    }
  g_assert_cmpint (g_atomic_int_get (&test_receiver_n_finalized), ==, n_finalized + (gint) rounds);
  wk_test_watchdog_stop ();
}

/* A connection made while its receiver dies on another thread, with the
 * death delivered on yet another: a worker that pushed no context of its
 * own connects, so its connections' receiver callbacks come from the
 * global default context, which the main thread iterates while it kills
 * the receivers with g_object_run_dispose(). A callback that came between
 * the receiver's WkRef and the connection found nothing to disconnect, and
 * the handler, connected after it, stayed for good (its receiver's WkRef
 * dead, no callback to come). Every handler must be gone once every
 * receiver died and every death was delivered. */
#define CONNECT_POOL 8

typedef struct
{
  TestReceiver *receivers[CONNECT_POOL];
  GPtrArray    *emitters;   /* the worker's, read once it is joined */
  gint          done;       /* atomic */
} ConnectDuringDeath;

static void
on_ping_never (TestEmitter  *emitter,
               int           n,
               TestReceiver *self)
{
  g_assert_not_reached ();
}

static gpointer
connect_during_death_func (gpointer data)
{
  ConnectDuringDeath *c = data;
  guint n = wk_test_scaled (100000);

  for (guint i = 0; i < n; i++)
    {
      TestEmitter *emitter = emitter_new ();

      wk_signal_connect_weak (emitter, "ping", G_CALLBACK (on_ping_never),
                              c->receivers[i % CONNECT_POOL], 0);
      g_ptr_array_add (c->emitters, emitter);
    }
  g_atomic_int_set (&c->done, 1);

  return NULL;
}

static void
test_connect_during_death (void)
{
  ConnectDuringDeath c = { 0, };
  GThread *worker;
  guint n_left = 0;

  wk_test_watchdog_start (2 * WK_TEST_TIMEOUT_S);
  c.emitters = g_ptr_array_new ();
  for (guint i = 0; i < CONNECT_POOL; i++)
    c.receivers[i] = receiver_new ();

  worker = g_thread_new ("wk-test-connect", connect_during_death_func, &c);
  for (guint r = 0; !g_atomic_int_get (&c.done); r++)
    {
      g_object_run_dispose (G_OBJECT (c.receivers[r % CONNECT_POOL]));
      g_main_context_iteration (NULL, FALSE);
    }
  g_thread_join (worker);

  /* The last holdings die too, and every death is delivered. */
  for (guint i = 0; i < CONNECT_POOL; i++)
    g_object_run_dispose (G_OBJECT (c.receivers[i]));
  wk_test_drain_context (NULL);

  for (guint i = 0; i < c.emitters->len; i++)
    if (has_ping_handler (c.emitters->pdata[i]))
      n_left++;
  g_assert_cmpuint (n_left, ==, 0);

  for (guint i = 0; i < c.emitters->len; i++)
    g_assert_finalize_object (c.emitters->pdata[i]);
  g_ptr_array_unref (c.emitters);
  for (guint i = 0; i < CONNECT_POOL; i++)
    g_assert_finalize_object (c.receivers[i]);
  wk_test_drain_context (NULL);
  wk_test_watchdog_stop ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  main_thread = g_thread_self ();

  g_test_add_func ("/Wobj/Signal/connect-emit", test_connect_emit);
  g_test_add_func ("/Wobj/Signal/emitter-dies-first", test_emitter_dies_first);
  g_test_add_func ("/Wobj/Signal/swapped-after", test_swapped_after);
  g_test_add_func ("/Wobj/Signal/detail-and-return", test_detail_and_return);
  g_test_add_func ("/Wobj/Signal/closure", test_closure);
  g_test_add_func ("/Wobj/Signal/receiver-dies-elsewhere", test_receiver_dies_elsewhere);
  g_test_add_func ("/Wobj/Signal/receiver-dies-elsewhere-delivered", test_receiver_dies_elsewhere_delivered);
  g_test_add_func ("/Wobj/Signal/receiver-dies-during-emission", test_receiver_dies_during_emission);
  g_test_add_func ("/Wobj/Signal/receiver-dies-during-emission-elsewhere", test_receiver_dies_during_emission_elsewhere);
  g_test_add_func ("/Wobj/Signal/emitter-dies-elsewhere", test_emitter_dies_elsewhere);
  g_test_add_func ("/Wobj/Signal/no-running-context", test_no_running_context);
  g_test_add_func ("/Wobj/Signal/worker-without-context", test_worker_without_context);
  g_test_add_func ("/Wobj/Signal/same-object", test_same_object);
  g_test_add_func ("/Wobj/Signal/reentrancy", test_reentrancy);
  g_test_add_func ("/Wobj/Signal/dying", test_dying);
  g_test_add_func ("/Wobj/Signal/connect-during-death", test_connect_during_death);
  g_test_add_func ("/Wobj/Signal/bad-input", test_bad_input);
  g_test_add_func ("/Wobj/Signal/stress", test_stress);

  return g_test_run ();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "wk-demo-document.h"

/**
 * WkDemoDocument:
 *
 * A small model object that is not a widget. GTK widgets must be
 * finalized on the main thread, so the event log's worker-thread button
 * drops documents, not widgets, to show wobj delivering a death that
 * happened on another thread.
 */

struct _WkDemoDocument
{
  GObject  parent_instance;

  char    *title;
};

enum {
  PROP_0,
  PROP_TITLE,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (WkDemoDocument, wk_demo_document, G_TYPE_OBJECT)

static GParamSpec *properties[N_PROPS];

static void
wk_demo_document_finalize (GObject *object)
{
  WkDemoDocument *self = WK_DEMO_DOCUMENT (object);

  g_free (self->title);

  G_OBJECT_CLASS (wk_demo_document_parent_class)->finalize (object);
}

static void
wk_demo_document_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  WkDemoDocument *self = WK_DEMO_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_document_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  WkDemoDocument *self = WK_DEMO_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      self->title = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wk_demo_document_class_init (WkDemoDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wk_demo_document_finalize;
  object_class->get_property = wk_demo_document_get_property;
  object_class->set_property = wk_demo_document_set_property;

  /**
   * WkDemoDocument:title:
   *
   * The document's title.
   */
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wk_demo_document_init (WkDemoDocument *self)
{
}

WkDemoDocument *
wk_demo_document_new (const char *title)
{
  return g_object_new (WK_TYPE_DEMO_DOCUMENT, "title", title, NULL);
}

const char *
wk_demo_document_get_title (WkDemoDocument *self)
{
  g_return_val_if_fail (WK_IS_DEMO_DOCUMENT (self), NULL);

  return self->title;
}

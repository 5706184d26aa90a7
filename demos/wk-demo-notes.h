/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define WK_TYPE_DEMO_NOTES (wk_demo_notes_get_type ())

/**
 * WkDemoTag:
 *
 * The colour tag the browser gives each object it notes.
 */
typedef enum {
  WK_DEMO_TAG_BLUE,
  WK_DEMO_TAG_GREEN,
  WK_DEMO_TAG_YELLOW,
  WK_DEMO_TAG_RED,
  WK_DEMO_N_TAGS
} WkDemoTag;

typedef struct _WkDemoNotes WkDemoNotes;

GType        wk_demo_notes_get_type       (void) G_GNUC_CONST;
WkDemoNotes *wk_demo_notes_new            (const char  *name,
                                           const char  *type_name,
                                           WkDemoTag    tag);
WkDemoNotes *wk_demo_notes_ref            (WkDemoNotes *self);
void         wk_demo_notes_unref          (WkDemoNotes *self);
const char  *wk_demo_notes_get_name       (WkDemoNotes *self);
const char  *wk_demo_notes_get_type_name  (WkDemoNotes *self);
GDateTime   *wk_demo_notes_get_created    (WkDemoNotes *self);
WkDemoTag    wk_demo_notes_get_tag        (WkDemoNotes *self);
const char  *wk_demo_notes_get_tag_name   (WkDemoTag    tag);
const char  *wk_demo_notes_get_comment    (WkDemoNotes *self);
void         wk_demo_notes_set_comment    (WkDemoNotes *self,
                                           const char  *comment);
void         wk_demo_notes_mark_finalized (WkDemoNotes *self);
gboolean     wk_demo_notes_get_died_on_main_thread (WkDemoNotes *self);
char        *wk_demo_notes_dup_died_on    (WkDemoNotes *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WkDemoNotes, wk_demo_notes_unref)

G_END_DECLS

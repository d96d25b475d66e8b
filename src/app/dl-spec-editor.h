/* dl-spec-editor.h: an architecture spec as text, checked as it is typed — the error points at
 * the layer it is in; parameters, FLOPs, memory and a measured epoch time for a valid one */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_TYPE_SPEC_EDITOR (dl_spec_editor_get_type ())
G_DECLARE_FINAL_TYPE (DlSpecEditor, dl_spec_editor, DL, SPEC_EDITOR, GtkBox)

GtkWidget  *dl_spec_editor_new             (void);

/* The text ("text" property, notified on every edit). */
void        dl_spec_editor_set_text        (DlSpecEditor *self,
                                            const char   *text);
char       *dl_spec_editor_dup_text        (DlSpecEditor *self);

/* The inputs the spec must take and the classes it must score: (C, H, W) images of
 * n_classes; 1 × 28 × 28 and 10 at first. n_train images in batches of batch_size make the
 * epoch whose time is estimated. */
void        dl_spec_editor_set_data        (DlSpecEditor *self,
                                            size_t        C,
                                            size_t        H,
                                            size_t        W,
                                            size_t        n_classes,
                                            size_t        n_train,
                                            guint         batch_size);
/* Whether it may time a few batches on a worker (not while a training uses the cores). */
void        dl_spec_editor_set_can_measure (DlSpecEditor *self,
                                            gboolean      can_measure);

/* The "valid" property: the text builds a network that fits the data. */
gboolean    dl_spec_editor_get_valid       (DlSpecEditor *self);
/* For a valid spec: what the engine counts; 0 otherwise. */
size_t      dl_spec_editor_get_n_params    (DlSpecEditor *self);
double      dl_spec_editor_get_flops       (DlSpecEditor *self);
/* For an invalid one: the message and the characters [start, end) it points at. */
const char *dl_spec_editor_get_error       (DlSpecEditor *self,
                                            int          *start,
                                            int          *end);
/* Seconds an epoch of training takes by the last measurement; NAN before one. */
double      dl_spec_editor_get_epoch_seconds (DlSpecEditor *self);
/* Whether a measurement is under way. */
gboolean    dl_spec_editor_is_measuring    (DlSpecEditor *self);

G_END_DECLS

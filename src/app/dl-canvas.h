/* dl-canvas.h: a drawing surface for digits — mouse, touch and stylus, with undo */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_TYPE_CANVAS (dl_canvas_get_type ())
G_DECLARE_FINAL_TYPE (DlCanvas, dl_canvas, DL, CANVAS, GtkWidget)

/* The ink is rendered at this size for the network, whatever the widget's size. */
#define DL_CANVAS_RENDER_SIZE 280

GtkWidget *dl_canvas_new              (void);
gboolean   dl_canvas_is_empty         (DlCanvas *self);
gboolean   dl_canvas_can_undo         (DlCanvas *self);
void       dl_canvas_undo             (DlCanvas *self);
void       dl_canvas_clear            (DlCanvas *self);

/* Strokes in canvas coordinates 0 … 1; the gestures call these, and so can tests. */
void       dl_canvas_begin_stroke     (DlCanvas *self,
                                       double    x,
                                       double    y,
                                       double    pressure);
void       dl_canvas_extend_stroke    (DlCanvas *self,
                                       double    x,
                                       double    y,
                                       double    pressure);
void       dl_canvas_end_stroke       (DlCanvas *self);

/* Ink in [0, 1] (DL_CANVAS_RENDER_SIZE, DL_CANVAS_RENDER_SIZE); owned by the caller. */
float     *dl_canvas_render_ink       (DlCanvas *self);
/* The drawing as the network takes it: the ink rendered, then centred and scaled as MNIST's
 * digits are (nn_preprocess_digit_float) into 28 × 28 floats. Returns FALSE for an empty
 * canvas or one with too little ink to use. */
gboolean   dl_canvas_render_digit     (DlCanvas *self,
                                       float    *image);

/* What screen readers hear about the canvas (its accessible description), e.g. the prediction;
 * NULL for the drawing hint. */
void        dl_canvas_announce         (DlCanvas   *self,
                                        const char *text);
const char *dl_canvas_get_announcement (DlCanvas   *self);

/* The pen's width as a multiple of the default (clamped to 0.25 … 4); strokes drawn after. */
void       dl_canvas_set_pen_scale    (DlCanvas *self,
                                       double    scale);
double     dl_canvas_get_pen_scale    (DlCanvas *self);

/* A fixed side in pixels for a compact canvas; 0 (the default) takes from 200 up to the space
 * given. */
void       dl_canvas_set_size         (DlCanvas *self,
                                       int       size);

/* Stroke width as a fraction of the canvas for a pen pressure in [0, 1]; a mouse has no
 * pressure and passes a negative value. */
double     dl_canvas_width_for_pressure (double pressure);

G_END_DECLS

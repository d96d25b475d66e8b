/* dl-draw-page.h: draw a digit and watch the network classify it as you go */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "nn-model.h"

G_BEGIN_DECLS

#define DL_TYPE_DRAW_PAGE (dl_draw_page_get_type ())
G_DECLARE_FINAL_TYPE (DlDrawPage, dl_draw_page, DL, DRAW_PAGE, AdwBin)

/* Follows its session's model (DlPage); this is what the notification calls. Borrowed: the
 * session keeps it alive while the page uses it. */
void        dl_draw_page_set_model       (DlDrawPage  *self,
                                          NnModel     *model);
/* −1 while there is nothing to classify */
int         dl_draw_page_get_prediction  (DlDrawPage  *self);
GtkWidget  *dl_draw_page_get_canvas      (DlDrawPage  *self);
/* Classifies a grey image (width × height, ink light on dark, as a PNG loads) instead of the
 * canvas; the page is left as it was when it cannot (no ink, a model that takes other images). */
gboolean    dl_draw_page_classify_pixels (DlDrawPage    *self,
                                          const guint8  *gray,
                                          size_t         width,
                                          size_t         height,
                                          GError       **error);
/* Why the model in use cannot classify drawings (its input is not one 28×28 channel), or NULL. */
const GError *dl_draw_page_get_unfit     (DlDrawPage  *self);
/* Classifies a PNG file instead of the canvas. */
gboolean    dl_draw_page_classify_file   (DlDrawPage  *self,
                                          const char  *path,
                                          GError     **error);

/* The page's main chart, for Export Figure. */
GtkWidget  *dl_draw_page_get_figure (DlDrawPage *self);

G_END_DECLS

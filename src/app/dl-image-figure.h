/* dl-image-figure.h: a figure of small grey images in a grid, each with a caption, for export */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "dl-figure.h"

G_BEGIN_DECLS

#define DL_TYPE_IMAGE_FIGURE (dl_image_figure_get_type ())
G_DECLARE_FINAL_TYPE (DlImageFigure, dl_image_figure, DL, IMAGE_FIGURE, GObject)

/* Images as the app shows them (white ink on black tiles, crisp pixels), n_columns a row; what
 * a page lists for Export Figure where the screen shows several widgets (class means, feature
 * maps). It has data once an image is added. */
DlImageFigure *dl_image_figure_new (guint          n_columns);
/* pixels (height, width) in [0, 1], ink 1, copied; caption may be NULL. */
void           dl_image_figure_add (DlImageFigure *self,
                                    const float   *pixels,
                                    size_t         width,
                                    size_t         height,
                                    const char    *caption);
guint          dl_image_figure_get_n_images (DlImageFigure *self);

G_END_DECLS

/* nn-explain-figure.h: the Inside view's figures as PNG files — maps over the input, filters, activations, image grids */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-explain.h"

G_BEGIN_DECLS

/* Every figure is drawn with nn_explain_diverging_rgb () or nn_explain_sequential_rgb (), each
 * value a zoom × zoom square (1 ≤ zoom ≤ NN_EXPLAIN_FIGURE_MAX_ZOOM), tiles 2 px apart on a
 * neutral grey, and written atomically with nn_png_save_rgba () (NN_PNG_ERROR on failure). A
 * figure larger than NN_PNG_MAX_SIDE on a side is an NN_PNG_ERROR_TOO_LARGE. */
#define NN_EXPLAIN_FIGURE_MAX_ZOOM 64

/* image (h, w) in [0, 1] as grey, ink white. */
gboolean nn_explain_figure_save_image       (const char             *path,
                                             const float            *image,
                                             size_t                  h,
                                             size_t                  w,
                                             size_t                  zoom,
                                             GError                **error);

/* map (h, w) over the grey image (h, w): each pixel blends the image with the diverging colour
 * of map / scale by |map / scale| (scale ≤ 0 or not finite: the largest |map|), so that zero
 * leaves the image as it is and ±scale shows pure red or blue. */
gboolean nn_explain_figure_save_overlay     (const char             *path,
                                             const float            *image,
                                             const float            *map,
                                             size_t                  h,
                                             size_t                  w,
                                             float                   scale,
                                             size_t                  zoom,
                                             GError                **error);

/* A layer's filters: one row per output channel, one kh × kw tile per input channel, in the
 * diverging map over [−scale, scale] (the filters' shared scale). */
gboolean nn_explain_figure_save_filters     (const char             *path,
                                             const NnExplainFilters *filters,
                                             size_t                  zoom,
                                             GError                **error);

/* One layer's output for the explained image: c maps of h × w in a grid of ⌈√c⌉ columns, or for
 * a vector (is_vector) one bar per value; values in the sequential map over [0, max] when the
 * layer has no negative value, else the diverging map over [−m, m], m = max |value|. */
gboolean nn_explain_figure_save_activations (const char             *path,
                                             const NnExplainLayer   *layer,
                                             size_t                  zoom,
                                             GError                **error);

/* n grey images of h × w bytes (0 = background) side by side in rows of columns. */
gboolean nn_explain_figure_save_grid        (const char             *path,
                                             const guint8 *const    *images,
                                             size_t                  n,
                                             size_t                  h,
                                             size_t                  w,
                                             size_t                  columns,
                                             size_t                  zoom,
                                             GError                **error);

G_END_DECLS

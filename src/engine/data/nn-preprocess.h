/* nn-preprocess.h: any picture of a digit into the 28×28 input MNIST was made with */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NN_PREPROCESS_SIZE 28
#define NN_PREPROCESS_BOX 20

typedef struct
{
  gboolean inverted;          /* the input was dark ink on a light background */
  size_t   bbox_x, bbox_y;    /* ink bounding box in the input */
  size_t   bbox_width, bbox_height;
  double   com_x, com_y;      /* centre of mass of the output, continuous pixel coordinates */
} NnPreprocessInfo;

/* The MNIST recipe: ink bounding box scaled (area-averaged, aspect ratio kept) to fit 20×20,
 * then placed in 28×28 so the ink's centre of mass sits at the centre (14, 14) in continuous
 * coordinates where pixel i spans [i, i+1), with sub-pixel bilinear placement.
 * out (28, 28): ink 1.0, background 0.0, never NaN. Polarity is detected from the image border.
 * Returns FALSE exactly when there is no ink, nothing to classify: a blank picture, one of a
 * single value (all black, all white), one too faint to tell ink from background, or zero
 * pixels. out is then all zeros and info says only the polarity; callers must not classify it
 * (the app says so, the CLI reports it). */
gboolean nn_preprocess_digit       (float             *out,
                                    const guint8      *gray,    /* (height, stride) */
                                    size_t             width,
                                    size_t             height,
                                    size_t             stride,
                                    NnPreprocessInfo  *info);
/* The same for a canvas that already holds ink in [0, 1] (height, width); values outside are
 * clamped, NaN reads as no ink. */
gboolean nn_preprocess_digit_float (float             *out,
                                    const float       *ink,
                                    size_t             width,
                                    size_t             height,
                                    NnPreprocessInfo  *info);

G_END_DECLS

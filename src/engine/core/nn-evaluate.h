/* nn-evaluate.h: normalisation with training statistics, and evaluation of a network on images */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-dataset.h"
#include "nn-metrics.h"
#include "nn-network.h"

G_BEGIN_DECLS

/* The training set's pixel statistics (pixel / 255); applied identically everywhere. */
typedef struct
{
  float mean;
  float std;
} NnNormalisation;

/* out = (pixel / 255 - mean) / std for n pixels */
void          nn_normalise_pixels     (float                 *out,
                                       const guint8          *pixels,
                                       size_t                 n,
                                       const NnNormalisation *norm);
/* in place: out = (x - mean) / std for n values already in [0, 1] */
void          nn_normalise_floats     (float                 *values,
                                       size_t                 n,
                                       const NnNormalisation *norm);

/* Class probabilities for the images listed in indices (all when NULL): probs (n, n_classes). */
void          nn_predict_images       (NnNetwork             *net,
                                       const NnImageSet      *set,
                                       const guint32         *indices,
                                       size_t                 n_indices,
                                       const NnNormalisation *norm,
                                       float                 *probs);

NnEvaluation *nn_evaluate_images      (NnNetwork             *net,
                                       const NnImageSet      *set,
                                       const guint32         *indices,
                                       size_t                 n_indices,
                                       const NnNormalisation *norm);

G_END_DECLS

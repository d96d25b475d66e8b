/* nn-batchnorm.h: batch normalisation over channels, for images (2-D) and vectors (1-D) */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-layer.h"

G_BEGIN_DECLS

/* PyTorch's defaults: y = (x − mean) / √(var + eps) · γ + β; in training the batch's mean and
 * biased variance, and running ← (1 − momentum) · running + momentum · batch, the running
 * variance from the unbiased estimate (n / (n − 1)). */
#define NN_BATCHNORM_EPS      1e-5
#define NN_BATCHNORM_MOMENTUM 0.1

/* Inference's y = x · scale + shift for channel c, from γ, β and the running statistics of the
 * layer l in the parameter block params. */
void nn_batchnorm_scale_shift (const NnLayer *l,
                               const float   *params,
                               size_t         c,
                               double        *scale,
                               double        *shift);

/* Training's forward on a share of B samples of a batch that sync describes: out (B, C, H, W)
 * from in, with the statistics of the whole batch; sync->lead updates running (2, C): the mean,
 * then the variance. stats columns: 4·C per sample. */
void nn_batchnorm_forward_train (float         *out,
                                 const float   *in,
                                 const float   *gamma,
                                 const float   *beta,
                                 float         *running,
                                 NnBatchSync   *sync,
                                 size_t         B,
                                 size_t         C,
                                 size_t         HW);
/* Its backward: din (skipped when NULL) from dout; sync->lead adds the whole batch's gradients
 * into dgamma and dbeta, so that splitting the batch over threads changes no bit of them. */
void nn_batchnorm_backward_train (float         *din,
                                  float         *dgamma,
                                  float         *dbeta,
                                  const float   *dout,
                                  const float   *in,
                                  const float   *gamma,
                                  NnBatchSync   *sync,
                                  size_t         B,
                                  size_t         C,
                                  size_t         HW);

G_END_DECLS

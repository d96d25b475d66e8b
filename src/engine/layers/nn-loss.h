/* nn-loss.h: softmax and cross-entropy, fused for a stable gradient */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Max-subtracted softmax of logits (B, N) into probs (B, N). */
void   nn_softmax               (float        *probs,
                                 const float  *logits,
                                 size_t        B,
                                 size_t        N);
/* Fills probs and returns the SUM of the B per-sample losses −log p[label]. */
double nn_softmax_xent_forward  (float        *probs,
                                 const float  *logits,
                                 const guint8 *labels,
                                 size_t        B,
                                 size_t        N);
/* dlogits = (p − onehot) / batch_total, where batch_total is the whole mini-batch: slices of a
 * batch handled by different threads then sum to the gradient of the mean loss. */
void   nn_softmax_xent_backward (float        *dlogits,
                                 const float  *probs,
                                 const guint8 *labels,
                                 size_t        B,
                                 size_t        N,
                                 size_t        batch_total);

/* Cross-entropy against labels smoothed by epsilon in [0, 1), as PyTorch's CrossEntropyLoss
 * (label_smoothing=epsilon): the target is q = (1 − ε) onehot + ε / N, the loss −Σ q log p.
 * Fills probs and returns the SUM of the B per-sample losses; epsilon 0 gives exactly what
 * nn_softmax_xent_forward gives. */
double nn_softmax_xent_smoothed_forward  (float        *probs,
                                          const float  *logits,
                                          const guint8 *labels,
                                          size_t        B,
                                          size_t        N,
                                          float         epsilon);
/* dlogits = (p − q) / batch_total. */
void   nn_softmax_xent_smoothed_backward (float        *dlogits,
                                          const float  *probs,
                                          const guint8 *labels,
                                          size_t        B,
                                          size_t        N,
                                          size_t        batch_total,
                                          float         epsilon);

G_END_DECLS

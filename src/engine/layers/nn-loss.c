/* nn-loss.c: numerically stable softmax cross-entropy, optionally with label smoothing */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-loss.h"

#include <math.h>

void
nn_softmax (float       *probs,
            const float *logits,
            size_t       B,
            size_t       N)
{
  for (size_t b = 0; b < B; b++)
    {
      const float *z = logits + b * N;
      float *p = probs + b * N;
      float max = z[0];
      double sum = 0;

      for (size_t k = 1; k < N; k++)
        max = MAX (max, z[k]);
      for (size_t k = 0; k < N; k++)
        {
          p[k] = expf (z[k] - max);
          sum += p[k];
        }
      for (size_t k = 0; k < N; k++)
        p[k] = (float) (p[k] / sum);
    }
}

double
nn_softmax_xent_forward (float        *probs,
                         const float  *logits,
                         const guint8 *labels,
                         size_t        B,
                         size_t        N)
{
  double loss = 0;

  for (size_t b = 0; b < B; b++)
    {
      const float *z = logits + b * N;
      float max = z[0];
      double sum = 0;

      for (size_t k = 1; k < N; k++)
        max = MAX (max, z[k]);
      for (size_t k = 0; k < N; k++)
        sum += exp ((double) z[k] - max);
      /* log-sum-exp form: exact even when p[label] underflows to 0 */
      loss += log (sum) - ((double) z[labels[b]] - max);
      for (size_t k = 0; k < N; k++)
        probs[b * N + k] = (float) (exp ((double) z[k] - max) / sum);
    }
  return loss;
}

void
nn_softmax_xent_backward (float        *dlogits,
                          const float  *probs,
                          const guint8 *labels,
                          size_t        B,
                          size_t        N,
                          size_t        batch_total)
{
  const float scale = 1.0f / (float) batch_total;

  for (size_t b = 0; b < B; b++)
    for (size_t k = 0; k < N; k++)
      dlogits[b * N + k] = (probs[b * N + k] - (k == labels[b] ? 1.0f : 0.0f)) * scale;
}

double
nn_softmax_xent_smoothed_forward (float        *probs,
                                  const float  *logits,
                                  const guint8 *labels,
                                  size_t        B,
                                  size_t        N,
                                  float         epsilon)
{
  double loss = 0;

  if (epsilon == 0.0f)
    return nn_softmax_xent_forward (probs, logits, labels, B, N);
  for (size_t b = 0; b < B; b++)
    {
      const float *z = logits + b * N;
      float max = z[0];
      double sum = 0, sum_shifted = 0, lse;

      for (size_t k = 1; k < N; k++)
        max = MAX (max, z[k]);
      for (size_t k = 0; k < N; k++)
        {
          sum += exp ((double) z[k] - max);
          sum_shifted += (double) z[k] - max;
        }
      /* −log p_k = lse − (z_k − max) for every k, exact even where p_k underflows */
      lse = log (sum);
      loss += (1.0 - epsilon) * (lse - ((double) z[labels[b]] - max)) +
              (double) epsilon / N * (N * lse - sum_shifted);
      for (size_t k = 0; k < N; k++)
        probs[b * N + k] = (float) (exp ((double) z[k] - max) / sum);
    }
  return loss;
}

void
nn_softmax_xent_smoothed_backward (float        *dlogits,
                                   const float  *probs,
                                   const guint8 *labels,
                                   size_t        B,
                                   size_t        N,
                                   size_t        batch_total,
                                   float         epsilon)
{
  const float scale = 1.0f / (float) batch_total;
  const float off = epsilon / (float) N, on = 1.0f - epsilon + off;

  if (epsilon == 0.0f)
    {
      nn_softmax_xent_backward (dlogits, probs, labels, B, N, batch_total);
      return;
    }
  for (size_t b = 0; b < B; b++)
    for (size_t k = 0; k < N; k++)
      dlogits[b * N + k] = (probs[b * N + k] - (k == labels[b] ? on : off)) * scale;
}

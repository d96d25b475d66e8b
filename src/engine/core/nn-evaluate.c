/* nn-evaluate.c: batched inference over image sets in fixed-size chunks */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-evaluate.h"

/* The training batch size: evaluation reuses the workspaces training already has. */
#define CHUNK 64

void
nn_normalise_pixels (float                 *out,
                     const guint8          *pixels,
                     size_t                 n,
                     const NnNormalisation *norm)
{
  const float scale = 1.0f / (255.0f * norm->std);
  const float shift = -norm->mean / norm->std;

  for (size_t i = 0; i < n; i++)
    out[i] = (float) pixels[i] * scale + shift;
}

void
nn_normalise_floats (float                 *values,
                     size_t                 n,
                     const NnNormalisation *norm)
{
  const float scale = 1.0f / norm->std;
  const float shift = -norm->mean / norm->std;

  for (size_t i = 0; i < n; i++)
    values[i] = values[i] * scale + shift;
}

void
nn_predict_images (NnNetwork             *net,
                   const NnImageSet      *set,
                   const guint32         *indices,
                   size_t                 n_indices,
                   const NnNormalisation *norm,
                   float                 *probs)
{
  size_t in_size = set->rows * set->cols;
  size_t n_classes = nn_network_get_n_classes (net);
  size_t n = indices != NULL ? n_indices : set->n_images;
  g_autofree float *x = NULL;  /* (chunk, 1, rows, cols) */
  size_t chunk = MAX (MIN (n, CHUNK), 1);

  g_return_if_fail (in_size == nn_network_get_input_size (net));

  /* A large network may not hold CHUNK samples within the engine's limits: fewer at a time, down
   * to the one sample every network reserves when it is made. */
  while (chunk > 1 &&
         (!nn_network_reserve (net, chunk, NULL) ||
          (x = g_try_new (float, chunk * in_size)) == NULL))
    chunk /= 2;
  if (x == NULL)
    {
      if (!nn_network_reserve (net, 1, NULL))
        g_return_if_reached ();
      x = g_new (float, in_size);
    }
  for (size_t start = 0; start < n; start += chunk)
    {
      size_t count = MIN (chunk, n - start);

      for (size_t j = 0; j < count; j++)
        {
          size_t idx = indices != NULL ? indices[start + j] : start + j;

          nn_normalise_pixels (x + j * in_size, set->pixels + idx * in_size, in_size, norm);
        }
      nn_network_predict (net, x, count, probs + start * n_classes);
    }
}

NnEvaluation *
nn_evaluate_images (NnNetwork             *net,
                    const NnImageSet      *set,
                    const guint32         *indices,
                    size_t                 n_indices,
                    const NnNormalisation *norm)
{
  size_t n = indices != NULL ? n_indices : set->n_images;
  size_t n_classes = nn_network_get_n_classes (net);
  g_autofree float *probs = g_new (float, MAX (n, 1) * n_classes);   /* (n, n_classes) */
  g_autofree guint8 *labels = g_new (guint8, MAX (n, 1));

  nn_predict_images (net, set, indices, n_indices, norm, probs);
  for (size_t i = 0; i < n; i++)
    labels[i] = set->labels[indices != NULL ? indices[i] : i];
  return nn_evaluation_new (probs, labels, n, n_classes);
}

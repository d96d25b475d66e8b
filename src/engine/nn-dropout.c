/* nn-dropout.c: Bernoulli masks drawn from the caller's random stream */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-dropout.h"

#include <string.h>

void
nn_dropout_forward (float       *out,
                    float       *mask,
                    const float *in,
                    size_t       n,
                    float        p,
                    gboolean     training,
                    NnRng       *rng)
{
  float keep_scale;

  if (!training || p <= 0.0f)
    {
      if (out != in)
        memcpy (out, in, sizeof (float) * n);
      for (size_t i = 0; i < n; i++)
        mask[i] = 1.0f;
      return;
    }
  g_return_if_fail (rng != NULL && p < 1.0f);

  keep_scale = 1.0f / (1.0f - p);
  for (size_t i = 0; i < n; i++)
    {
      mask[i] = nn_rng_uniform (rng) >= p ? keep_scale : 0.0f;
      out[i] = in[i] * mask[i];
    }
}

void
nn_dropout_backward (float       *din,
                     const float *dout,
                     const float *mask,
                     size_t       n)
{
  for (size_t i = 0; i < n; i++)
    din[i] = dout[i] * mask[i];
}

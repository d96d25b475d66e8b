/* nn-relu.c: elementwise max(0, x) and its gradient, written so the compiler vectorises them */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-relu.h"

void
nn_relu_forward (float       *out,
                 const float *in,
                 size_t       n)
{
  /* written so that NaN passes through, as in PyTorch: a diverging run must show in the loss */
  for (size_t i = 0; i < n; i++)
    out[i] = in[i] < 0.0f ? 0.0f : in[i];
}

void
nn_relu_backward (float       *din,
                  const float *dout,
                  const float *out,
                  size_t       n)
{
  /* both loads unconditional, so the loop vectorises into compare and mask */
  for (size_t i = 0; i < n; i++)
    {
      float g = dout[i];

      din[i] = out[i] > 0.0f ? g : 0.0f;
    }
}
